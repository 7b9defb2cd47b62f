// Two real daemons: once idle a while after a transfer, each runs one
// memory-reducing collection (src/daemon/idle-trim.ts; user-test finding:
// after one send of 30,000 files both held 150-182 MB idle for good, against
// 81-85 MB before it). Not at an idle start, not again without more work.

import { afterAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { cleanupAll, pairDaemons, startDaemon, tempDir, transfersOf, waitFor, type TestDaemon } from '../helpers/daemon.ts'
import { writeRandomFile } from '../helpers/files.ts'

const IDLE_MS = 1500
const given = (d: TestDaemon): Array<{ t: string, rssBeforeMB: number, rssAfterMB: number }> =>
  d.output().split('\n').filter((l) => l.includes('"msg":"memory given back after work"')).map((l) => JSON.parse(l) as { t: string, rssBeforeMB: number, rssAfterMB: number })

describe('memory given back once idle after work', () => {
  const daemons: TestDaemon[] = []
  // stopped, then their homes and the source folder removed (left in /tmp at every run before)
  afterAll(async () => { await Promise.all(daemons.map(async (d) => { await d.stop() })); await cleanupAll() })

  it('both daemons collect once, a while after a send ended, and not before work, nor again without more, nor while another send moves', async () => {
    const env = { FERRY_TEST_IDLE_TRIM_MS: String(IDLE_MS) }
    // alpha serves at 2 MiB/s: its last send lasts long enough for a trim due to come while it moves
    const [a, b] = await Promise.all([startDaemon({ name: 'alpha', extraArgs: ['--verbose'], env: { ...env, FERRY_TEST_SERVE_BYTES_PER_S: String(2 * 2 ** 20) } }), startDaemon({ name: 'beta', extraArgs: ['--verbose'], env })])
    daemons.push(a, b)
    await pairDaemons(a, b)
    // idle since the start, with no transfer: nothing to give back
    await new Promise((resolve) => setTimeout(resolve, 2 * IDLE_MS + 500))
    expect(given(a)).toEqual([])
    expect(given(b)).toEqual([])
    const srcDir = await tempDir('ferry-src-')
    const src = join(srcDir, 'one.bin')
    await writeRandomFile(src, 2 ** 20)
    const sent = await a.cli(['send', 'beta', src, '--json'])
    expect(sent.code, sent.stderr).toBe(0)
    for (const d of [a, b]) await waitFor(() => given(d).length > 0 ? true : undefined, `${d.name} to give memory back`, 20_000, 100)
    for (const d of [a, b]) {
      const [line] = given(d)
      expect(line.rssBeforeMB).toBeGreaterThan(0)
      expect(line.rssAfterMB).toBeGreaterThan(0)
    }
    // idle on, with nothing more done: once
    await new Promise((resolve) => setTimeout(resolve, 2 * IDLE_MS + 500))
    expect(given(a)).toHaveLength(1)
    expect(given(b)).toHaveLength(1)

    // a send that ends while another moves on: none while that one moves, however long past the idle time it goes
    // (mutation finding: the daemon's wiring of "busy" was untested), one once it ended
    const big = join(srcDir, 'big.bin')
    const small = join(srcDir, 'small.bin')
    await writeRandomFile(big, 14 * 2 ** 20)
    await writeRandomFile(small, 64 * 1024)
    const slow = a.cli(['send', 'beta', big, '--json'], { timeoutMs: 60_000 })
    await waitFor(async () => (await transfersOf(a)).some((t) => t.state === 'fetching') || undefined, 'the long send to be fetched', 20_000)
    const quick = await a.cli(['send', 'beta', small, '--json'])
    expect(quick.code, quick.stderr).toBe(0)
    const slowDone = await slow
    expect(slowDone.code, slowDone.stderr).toBe(0)
    const { id, seconds } = JSON.parse(slowDone.stdout) as { id: string, seconds: number }
    expect(seconds, 'the long send lasted more than twice the idle time').toBeGreaterThan(2 * IDLE_MS / 1000)
    for (const d of [a, b]) {
      await waitFor(() => given(d).length > 1 ? true : undefined, `${d.name} to give memory back after the long send`, 20_000, 100)
      // told by the order of the log and the transfer's end, not by when this test looked
      const endedAt = (await transfersOf(d)).find((t) => t.id === id)?.finishedAt
      expect(endedAt, `${d.name}'s end of the long send`).toBeGreaterThan(0)
      expect(given(d).slice(1).map((l) => Date.parse(l.t) >= endedAt!), `${d.name}'s collections after the first: after the long send ended`).toEqual([true])
    }
  })
})
