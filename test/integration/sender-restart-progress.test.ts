// What a sender shows of a send after its daemon was killed (kill -9) and
// restarted, end to end on 127.0.0.1 with mDNS off: from the first word of
// its receiver, what that receiver holds (not the sender's own record, up to
// 2 s old), never going back while it runs, never the whole before the
// receipt, and a rate that no reset of the count makes jump. Served at a
// capped rate (FERRY_TEST_SERVE_BYTES_PER_S), so that the resumed part
// lasts seconds and is seen as it goes.

import { afterAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { connectControl, type ControlClient } from '../../src/daemon/control/client.ts'
import type { TransferInfo } from '../../src/daemon/control/types.ts'
import { cleanupAll, control, pairDaemons, spawnCli, startDaemon, tempDir, waitFor, whileStopped, type TestDaemon } from '../helpers/daemon.ts'
import { writeRandomFile } from '../helpers/files.ts'

afterAll(cleanupAll)

const MiB = 1024 * 1024
const SIZE = 64 * MiB
const RATE = 8 * MiB

/**
 * alpha (serving at RATE) sends SIZE to beta, paired, and is killed with -9
 * once beta holds `fraction` of it; `half`: beta's receive then. `onB` is
 * open on beta's control socket, for the caller to close.
 */
async function sendThenKillSender (fraction: number): Promise<{ a: TestDaemon, b: TestDaemon, onB: ControlClient, half: TransferInfo }> {
  const a = await startDaemon({ name: 'alpha', env: { FERRY_TEST_SERVE_BYTES_PER_S: String(RATE) } })
  const b = await startDaemon({ name: 'beta', peers: [a.addr] })
  await pairDaemons(a, b)
  const src = join(await tempDir('ferry-src-'), 'clip.mov')
  await writeRandomFile(src, SIZE)
  const sending = spawnCli(['send', 'beta', src, '--json', '--home', a.home], { timeoutMs: 120_000 })
  const onB = await connectControl(b.home)
  try {
    const half = await waitFor(async () => (await onB.call('transfers')).find((t) => t.direction === 'receive' && t.doneBytes > SIZE * fraction), `beta to hold ${fraction * 100} % of it`, 60_000, 20)
    await a.kill9()
    await sending.done
    return { a, b, onB, half }
  } catch (err) { onB.close(); throw err }
}

describe('the sender\'s progress after a kill -9 of its daemon', () => {
  it('restarted, it shows what the receiver holds from its first word, then goes up only, short of the total until the receipt, at a rate within the link\'s', async () => {
    let { a, onB, half } = await sendThenKillSender(0.4)
    try {
      // what beta holds does not go down while alpha is away (its spool keeps what it read)
      const held = (await onB.call('transfers')).find((t) => t.id === half.id)!.doneBytes
      a = await a.restart()
      const onA = await connectControl(a.home)
      const seen: TransferInfo[] = []
      try {
        await waitFor(async () => {
          const t = (await onA.call('transfers')).find((x) => x.id === half.id)
          if (t !== undefined) seen.push(t)
          return t?.state === 'done'
        }, 'alpha to show the send done', 60_000, 20)
      } finally { onA.close() }
      const running = seen.filter((t) => t.state === 'fetching')
      expect(running.length, 'seen as it runs').toBeGreaterThan(10)
      const shown = running.map((t) => t.doneBytes)
      expect(shown[0], `the first figure shown fetching (all: ${shown.map((n) => (n / MiB).toFixed(2)).join(' ')} MiB), against the ${(held / MiB).toFixed(2)} MiB the receiver held`).toBeGreaterThanOrEqual(held)
      expect(shown.every((n, i) => i === 0 || n >= shown[i - 1]), 'never going back').toBe(true)
      expect(Math.max(...shown), 'short of the total until the receipt').toBeLessThan(SIZE)
      expect(Math.max(...running.map((t) => t.rate)), 'a rate within the link\'s').toBeLessThan(RATE * 1.5)
      expect(seen.at(-1)).toMatchObject({ state: 'done', doneBytes: SIZE, resumed: true })
    } finally { onB.close() }
  }, 180_000)

  it('restarted while its receiver is away, it says its figure is its own record until the receiver is heard from (notes\' leftover: shown as if known)', async () => {
    let { a, b, onB, half } = await sendThenKillSender(0.3)
    try {
      // beta does not answer while alpha starts again: alpha's send waits for it, with its own record
      const waiting = await whileStopped(b, async () => {
        a = await a.restart()
        return await waitFor(async () => (await control(a, 'transfers')).find((t) => t.id === half.id), 'alpha to list the send', 20_000, 100)
      })
      expect(waiting).toMatchObject({ state: 'waiting', error: { code: 'E_PEER_UNREACHABLE' } })
      expect(waiting.error?.message).toMatch(/^beta has not been heard from since this daemon restarted: the progress shown is this device's record from before, until beta says what it holds$/)
      // beta back: its own count, and no such word
      const onA = await connectControl(a.home)
      try {
        const going = await waitFor(async () => (await onA.call('transfers')).find((t) => t.id === half.id && t.state !== 'waiting'), 'alpha to go on', 60_000, 50)
        expect(going.error).toBeUndefined()
        await waitFor(async () => (await onA.call('transfers')).find((t) => t.id === half.id && t.state === 'done'), 'alpha to show the send done', 60_000, 100)
      } finally { onA.close() }
    } finally { onB.close() }
  }, 180_000)
})
