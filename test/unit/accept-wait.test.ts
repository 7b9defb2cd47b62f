// How long a transfer was held for a person on the receiving side to
// accept it (TransferInfo.acceptWaitSeconds): counted apart from the
// transfer's own time, on both sides, and only while it was so held.
// The peer is stubbed (offerTo), the store too (writeState).

import { afterEach, describe, expect, it, vi } from 'vitest'
import { Sender } from '../../src/transfer/send/sender.ts'
import { Sends } from '../../src/transfer/send/sends.ts'
import { SendOffering } from '../../src/transfer/send/send-offer.ts'
import { Receiver } from '../../src/transfer/receive/receiver.ts'
import { KeyedLock } from '../../src/transfer/receive/keyed-lock.ts'
import type { TransferContext } from '../../src/transfer/context.ts'
import type { AnswerMsg, OfferMsg } from '../../src/protocol/transfer.ts'
import type { StatePatch } from '../../src/transfer/pending-states.ts'

const quiet = { debug: () => {}, info: () => {}, warn: () => {} }
const ctx = { c: { log: quiet, peerName: () => 'beta', isOnline: () => true }, pendingStates: { write: () => true, update: () => {} }, changed: () => {} } as unknown as TransferContext
const ID = '0a'.repeat(16)
const offer: OfferMsg = { transferId: Buffer.from(ID, 'hex'), root: new Uint8Array(32), totalBytes: 100, files: [] }

afterEach(() => { vi.restoreAllMocks() })

describe('the accept wait of a send', () => {
  it('is not started by a "pending" answer read after its receiver\'s requests moved the send to fetching (review finding: the whole transfer counted as accept wait)', async () => {
    let now = 1_000_000
    vi.spyOn(Date, 'now').mockImplementation(() => now)
    const s = new Sender({ id: ID, peerId: 'beta', state: 'offered', offer, sources: [] })
    const sends = new Sends(ctx)
    sends.senders.set(s.id, s)
    let answer!: (a: AnswerMsg) => void
    vi.spyOn(SendOffering.prototype as unknown as { offerTo: () => Promise<AnswerMsg> }, 'offerTo').mockReturnValue(new Promise((resolve) => { answer = resolve }))
    const delivered = new SendOffering(ctx, sends).deliverOffer(s)
    await vi.waitFor(() => { expect(answer).toBeDefined() })
    // accepted there at once: its chunk requests came before the answer given while it was held was read (send-serve.ts)
    sends.setSendState(s, 'fetching')
    answer({ status: 'pending', haveBytes: 0 })
    await delivered
    expect(s.heldSince).toBeUndefined()
    now += 60_000 // the transfer's own minute
    sends.setSendState(s, 'done')
    expect(s.acceptWaitMs).toBeUndefined()
  })

  it('is counted from a "pending" answer while offered, to the accept', async () => {
    let now = 1_000_000
    vi.spyOn(Date, 'now').mockImplementation(() => now)
    const s = new Sender({ id: ID, peerId: 'beta', state: 'offered', offer, sources: [] })
    const sends = new Sends(ctx)
    sends.senders.set(s.id, s)
    vi.spyOn(SendOffering.prototype as unknown as { offerTo: () => Promise<AnswerMsg> }, 'offerTo').mockResolvedValue({ status: 'pending', haveBytes: 0 })
    await new SendOffering(ctx, sends).deliverOffer(s)
    expect(s.heldSince).toBe(now)
    now += 5_000
    sends.setSendState(s, 'fetching')
    now += 60_000
    sends.setSendState(s, 'done')
    expect(s.acceptWaitMs).toBe(5_000)
  })
})

describe('the accept wait of a receive', () => {
  function offered (patches: StatePatch[], createdAt: number): Receiver {
    return new Receiver({
      store: { files: () => new Map() } as never,
      sink: () => { throw new Error('not used') },
      openChunkStream: async () => { throw new Error('not used') },
      sendEnd: async () => {},
      sign: async () => new Uint8Array(64),
      changed: () => {},
      writeState: (_id, patch) => { patches.push(patch); return true },
      updateState: (_id, patch) => { patches.push(patch) },
      partDirs: new KeyedLock(),
      log: quiet
    }, { id: ID, peerId: 'beta', offer, receiveDir: '/nowhere', state: 'offered', createdAt })
  }

  for (const [state, notify] of [['declined', true], ['cancelled', true], ['cancelled', false]] as const) {
    it(`is recorded when an offer held for a person here is ${state}${notify ? ' here' : ' by its sender'}, as its sender records it (review finding: the TUI counted the hold as the transfer's time)`, async () => {
      const patches: StatePatch[] = []
      const r = offered(patches, Date.now() - 7_000)
      await r.cancel(state, notify)
      expect(r.state).toBe(state)
      expect(r.acceptWaitMs).toBeGreaterThanOrEqual(7_000)
      expect(r.acceptWaitMs).toBeLessThan(60_000)
      const ended = patches.find((p) => p.state === state)
      expect(ended?.acceptWaitMs).toBe(r.acceptWaitMs)
    })
  }
})
