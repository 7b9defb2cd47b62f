// A send's first rate on the sending side, end to end on 127.0.0.1 with
// mDNS off, when its offer waited seconds for a person on the receiving
// side to accept it (auto-accept off): measured from the receiver's first
// request, not from the offer's answer (pending) that reset its progress,
// which held the wait. Served at a capped rate (FERRY_TEST_SERVE_BYTES_PER_S);
// its first figure must be near what the send shows over its course.

import { afterAll, describe, expect, it } from 'vitest'
import { setTimeout as sleep } from 'node:timers/promises'
import { join } from 'node:path'
import { connectControl } from '../../src/daemon/control/client.ts'
import type { TransferInfo } from '../../src/daemon/control/types.ts'
import { cleanupAll, control, pairDaemons, spawnCli, startDaemon, tempDir, waitFor } from '../helpers/daemon.ts'
import { writeRandomFile } from '../helpers/files.ts'

afterAll(cleanupAll)

const MiB = 1024 * 1024
const SIZE = 40 * MiB
const RATE = 8 * MiB

describe('a send\'s first rate after its offer waited for a decision', () => {
  it('is the link\'s, not its first bytes over the seconds the offer waited (notes\' leftover: the wait counted in the first window)', async () => {
    const a = await startDaemon({ name: 'alpha', env: { FERRY_TEST_SERVE_BYTES_PER_S: String(RATE) } })
    const b = await startDaemon({ name: 'beta', peers: [a.addr] })
    await pairDaemons(a, b)
    const off = await b.cli(['auto-accept', 'alpha', 'off'])
    expect(off.code, off.stderr).toBe(0)
    const src = join(await tempDir('ferry-src-'), 'clip.mov')
    await writeRandomFile(src, SIZE)
    const onA = await connectControl(a.home)
    const events: TransferInfo[] = []
    try {
      await onA.subscribe((event, data) => { if (event === 'transfer') events.push(data as TransferInfo) })
      const sending = spawnCli(['send', 'beta', src, '--json', '--home', a.home], { timeoutMs: 120_000 })
      await waitFor(() => events.some((t) => t.state === 'offered' && t.awaitingDecision === true), 'the offer to wait for a decision on beta', 30_000, 20)
      const offers = await waitFor(async () => { const o = await control(b, 'offers'); return o.length > 0 ? o : undefined }, 'the offer listed on beta', 10_000, 50)
      // a person takes 3 s to accept: under the 10 s after which bytes start a rate afresh
      await sleep(3000)
      const accepted = await b.cli(['accept', offers[0].id])
      expect(accepted.code, accepted.stderr).toBe(0)
      await waitFor(() => events.some((t) => t.state === 'done'), 'the send to end', 60_000, 50)
      await sending.done
      const rates = events.filter((t) => t.state === 'fetching' && t.rate > 0).map((t) => t.rate)
      console.log(`rates shown on the sender (MiB/s): ${rates.map((r) => (r / MiB).toFixed(2)).join(' ')}`)
      expect(rates.length).toBeGreaterThan(3)
      // its first figure within half of what the send showed over its course (the wait counted in: 0.05 MiB/s, then
      // 3.0, 4.9, 6.0…), not of the cap: on a box loaded enough that the send ran under the cap, the first figure
      // was held to a rate the link never gave (CI under load: 2.40 then 2.63… 6.09, against 4)
      const sorted = [...rates].sort((x, y) => x - y)
      const median = sorted[Math.floor(sorted.length / 2)]
      expect(rates[0] / MiB, `rates shown (MiB/s): ${rates.map((r) => (r / MiB).toFixed(2)).join(' ')}`).toBeGreaterThan(median / MiB / 2)
      expect(Math.max(...rates), 'within the link\'s').toBeLessThan(RATE * 1.5)
    } finally { onA.close() }
  }, 120_000)
})

