// A send whose receiver's connection closes (Sends.peerGone): it waits for it, saying why; after a stall, that too,
// and the wait counted up from the stall's start. The store is stubbed (pendingStates).

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Sender } from '../../src/transfer/send/sender.ts'
import { Sends } from '../../src/transfer/send/sends.ts'
import type { TransferContext } from '../../src/transfer/context.ts'
import type { OfferMsg } from '../../src/protocol/transfer.ts'
import { freezes } from '../../src/transfer/freeze-watch.ts'

const quiet = { debug: () => {}, info: () => {}, warn: () => {} }
const ctx = { c: { log: quiet, peerName: () => 'beta', isOnline: () => false }, pendingStates: { write: () => true, update: () => {} }, changed: () => {} } as unknown as TransferContext
const ID = '0b'.repeat(16)
const offer: OfferMsg = { transferId: Buffer.from(ID, 'hex'), root: new Uint8Array(32), totalBytes: 100_000_000, files: [] }

beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }) })
afterEach(() => { vi.useRealTimers() })

function fetching (): { sends: Sends, s: Sender } {
  const sends = new Sends(ctx)
  const s = new Sender({ id: ID, peerId: 'beta', state: 'offered', offer, sources: [] })
  sends.senders.set(s.id, s)
  sends.setSendState(s, 'fetching')
  return { sends, s }
}

describe('a send whose receiver goes offline', () => {
  it('after a stall says that nothing came first, and counts its wait up from the stall\'s start (user-test finding: "its connection closed" alone and "waiting for peer 2s" after a link down for 20 s)', () => {
    const { sends, s } = fetching()
    for (let i = 0; i < 20; i++) { vi.advanceTimersByTime(100); s.progress.add(1_000_000) }
    const lastBytes = Date.now()
    vi.advanceTimersByTime(18_000)
    sends.peerGone('beta')
    expect(s.state).toBe('waiting')
    expect(s.error?.message).toBe('beta went offline (nothing came from it for 18 s, then its connection closed)')
    expect(s.waits.waitingSince).toBe(lastBytes)
    expect(s.waits.byCause()).toEqual({ silent: 18_000 })
  })

  it('with bytes moving as it closed, says that it closed, and counts from then', () => {
    const { sends, s } = fetching()
    for (let i = 0; i < 20; i++) { vi.advanceTimersByTime(100); s.progress.add(1_000_000) }
    sends.peerGone('beta')
    expect(s.error?.message).toBe('beta went offline (its connection closed)')
    expect(s.waits.waitingSince).toBe(Date.now())
  })

  it('after a stall this daemon spent not running says so, not that nothing came from its peer (user-test finding: a sender frozen 20 s)', () => {
    vi.setSystemTime(9_000_000)
    const { sends, s } = fetching()
    for (let i = 0; i < 20; i++) { vi.advanceTimersByTime(100); s.progress.add(1_000_000) }
    const lastBytes = Date.now()
    freezes.record(lastBytes + 500, lastBytes + 20_500)
    vi.advanceTimersByTime(21_000)
    sends.peerGone('beta')
    expect(s.error?.message).toBe('this daemon did not run for 20 s (stopped, or its machine asleep), and the connection to beta closed meanwhile')
    expect(s.waits.byCause()).toEqual({ down: 20_000, silent: 1000 })
  })
})
