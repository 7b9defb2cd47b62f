// A receive that waits out its backoff (its last runs were cut short with
// nothing new: receiver.ts RESUME_DELAY_MS) while the receives from its
// sender that run at once are full: it waits to retry, at a time it knows,
// not its turn. The receiver says so, and so does its answer to the
// sender's probe (notes' leftover: "waits its turn"). A real receiving
// daemon and a crafted sender (test/helpers/evil-peer.ts), on 127.0.0.1 with
// mDNS off.

import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { MAX_RUNNING_RECEIVES_PER_PEER } from '../../src/protocol/constants.ts'
import { control as call, tempDir, waitFor, type TestDaemon } from '../helpers/daemon.ts'
import { buildOffer, daemonWithEvilPeer, type EvilPeer } from '../helpers/evil-peer.ts'

let victim: TestDaemon
let evil: EvilPeer

daemonWithEvilPeer(async () => ({ name: 'victim', receiveDir: join(await tempDir('ferry-retry-wait-'), 'in') }), (d, e) => { victim = d; evil = e })

describe('a receive waiting out its backoff while the receives from its sender are full', () => {
  it('says it waits to retry, and when, not that it waits its turn: here, and in its answer to a probe (notes\' leftover)', async () => {
    // every chunk stream cut before a byte: runs that get nothing, each waiting longer before the next
    const cut = buildOffer([{ path: 'cut.bin', data: randomBytes(4 * 256 * 1024) }])
    expect(await evil.offer(victim, cut, undefined, () => 0)).toMatchObject({ status: 'accepted', waitsTurn: false })
    // a third run cut short: the next is 8 s off (2 s, then doubled)
    await waitFor(async () => evil.attempts(cut.id, 0, 0) >= 3 && (await call(victim, 'transfers')).find((t) => t.id === cut.id)?.state === 'waiting' ? true : undefined, 'a third run of the receive to be cut short', 30_000)
    const cutAt = Date.now()
    // meanwhile, as many receives from the same sender as run at once, each stalled on its first chunk
    const ids = [cut.id]
    for (let i = 0; i < MAX_RUNNING_RECEIVES_PER_PEER; i++) {
      const running = buildOffer([{ path: `running-${i}.bin`, data: randomBytes(512 * 1024) }])
      ids.push(running.id)
      expect(await evil.offer(victim, running, undefined, undefined, { hold: () => true }), `running ${i}`).toMatchObject({ status: 'accepted', waitsTurn: false })
    }
    // the sender asks where the first stands (a probe: the offer made again)
    const { answer } = await evil.offerRaw(victim, cut.wire, { closeWrite: true, waitMs: 10_000, stopAtAnswer: true })
    const left = 8000 - (Date.now() - cutAt)
    expect(left, 'still within its backoff when asked').toBeGreaterThan(1000)
    expect(answer, JSON.stringify(answer)).toMatchObject({ status: 'accepted', waitsTurn: false })
    expect(answer?.retryInMs, JSON.stringify(answer)).toBeGreaterThan(0)
    expect(answer?.retryInMs, JSON.stringify(answer)).toBeLessThanOrEqual(8000)
    // and here, as it waits
    const shown = (await call(victim, 'transfers')).find((t) => t.id === cut.id)
    expect(shown, JSON.stringify(shown)).toMatchObject({ state: 'waiting', error: { code: 'E_PEER_UNREACHABLE' } })
    expect(shown?.error?.message).toMatch(/; tries again at \d/)
    for (const id of ids.reverse()) expect((await victim.cli(['cancel', id])).code).toBe(0)
    expect(victim.proc.exitCode).toBeNull()
  }, 90_000)
})
