// How many files of a transfer are in place on the receiving side, said on
// both sides while it runs (TransferInfo.doneFiles), end to end on 127.0.0.1
// with mDNS off: the receiver counts the files it placed, and tells its
// sender with its progress reports (ChunkRequest.held_files). Served at a
// capped rate (FERRY_TEST_SERVE_BYTES_PER_S), so that the files arrive over
// seconds and the count is seen to move.

import { afterAll, describe, expect, it } from 'vitest'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { connectControl } from '../../src/daemon/control/client.ts'
import type { TransferInfo } from '../../src/daemon/control/types.ts'
import { cleanupAll, pairDaemons, spawnCli, startDaemon, tempDir, waitFor } from '../helpers/daemon.ts'
import { writeRandomFile } from '../helpers/files.ts'

afterAll(cleanupAll)

const MiB = 1024 * 1024
const FILES = 24
const RATE = 8 * MiB

describe('the files in place, while a transfer runs', () => {
  it('are counted up on both sides, within the files it carries, and left to the final figures once it ends (user-test finding: bytes alone said nothing of how many photos had arrived)', async () => {
    const a = await startDaemon({ name: 'alpha', env: { FERRY_TEST_SERVE_BYTES_PER_S: String(RATE) } })
    const b = await startDaemon({ name: 'beta', peers: [a.addr] })
    await pairDaemons(a, b)
    const dir = join(await tempDir('ferry-src-'), 'roll')
    await mkdir(dir)
    for (let i = 0; i < FILES; i++) await writeRandomFile(join(dir, `IMG_${String(i).padStart(4, '0')}.jpg`), MiB)
    const onA = await connectControl(a.home)
    const onB = await connectControl(b.home)
    const sent: TransferInfo[] = []
    const received: TransferInfo[] = []
    try {
      await onA.subscribe((event, data) => { if (event === 'transfer') sent.push(data as TransferInfo) })
      await onB.subscribe((event, data) => { if (event === 'transfer') received.push(data as TransferInfo) })
      const sending = spawnCli(['send', 'beta', dir, '--json', '--home', a.home], { timeoutMs: 120_000 })
      const result = await sending.done
      expect(result.code, result.stderr).toBe(0)
      await waitFor(() => received.some((t) => t.state === 'done'), 'the receive to end', 30_000, 50)
      for (const [side, events] of [['sender', sent], ['receiver', received]] as const) {
        const counts = events.filter((t) => t.doneFiles !== undefined).map((t) => t.doneFiles!)
        const seen = `${side}'s counts: ${counts.join(' ')}`
        // seen part way, more than once: the count moves as the files arrive
        expect(new Set(counts.filter((n) => n > 0 && n < FILES)).size, seen).toBeGreaterThanOrEqual(2)
        expect(counts.every((n) => n >= 1 && n <= FILES), seen).toBe(true)
        // it only grows (a receiver counts what it placed, its sender what it was told last)
        expect(counts.every((n, i) => i === 0 || n >= counts[i - 1]), seen).toBe(true)
        expect(events.at(-1)).toMatchObject({ state: 'done', files: FILES })
        expect(events.at(-1)!.doneFiles, side).toBeUndefined()
      }
    } finally { onA.close(); onB.close() }
  }, 120_000)
})
