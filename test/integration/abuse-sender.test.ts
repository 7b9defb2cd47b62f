// A paired sender that is broken or hostile on the chunk streams, end to end
// on 127.0.0.1 with mDNS off: a real daemon receives from a crafted libp2p
// node (test/helpers/evil-peer.ts) that serves its chunks as a test decides.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { cleanupAll, control as call, startDaemon, tempDir, type TestDaemon } from '../helpers/daemon.ts'
import { buildOffer, pairedEvilPeer, type EvilPeer } from '../helpers/evil-peer.ts'

let victim: TestDaemon
let evil: EvilPeer

beforeAll(async () => {
  victim = await startDaemon({ name: 'victim', receiveDir: join(await tempDir('ferry-abuse-sender-'), 'in') })
  evil = await pairedEvilPeer(victim)
})

afterAll(async () => {
  await evil?.stop().catch(() => {})
  await cleanupAll()
})

describe('a sender that answers the offer, then cuts every chunk stream', () => {
  it('is asked again less and less often while nothing arrives, not every 2 s for ever (review finding: a receive of 20,000 files planned again each time, a core busy for as long as the peer stayed)', async () => {
    const built = buildOffer([{ path: 'never.bin', data: randomBytes(4 * 256 * 1024) }])
    // a header, no byte of the chunk, and the stream reset
    const ans = await evil.offer(victim, built, undefined, () => 0)
    expect(ans.status, JSON.stringify(ans)).toBe('accepted')
    await new Promise((resolve) => setTimeout(resolve, 24_000))
    const runs = evil.attempts(built.id, 0, 0)
    // asked at once, then 2, 4, 8 s after a run that got nothing (and the 2 s tick): 4 or 5 runs, not 10 or more
    expect(runs, 'runs of the receive that asked for chunk 0').toBeGreaterThanOrEqual(3)
    expect(runs, 'runs of the receive that asked for chunk 0').toBeLessThanOrEqual(6)
    const t = (await call(victim, 'transfers')).find((x) => x.id === built.id)
    expect(t?.state).toMatch(/^(waiting|fetching)$/)
    expect(victim.proc.exitCode).toBeNull()
  }, 40_000)
})
