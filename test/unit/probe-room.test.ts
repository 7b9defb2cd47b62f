// A send whose receiver stopped to wait for room on its disk learns it at
// once (ChunkRequest.waits_for, with held_bytes) or, that tell lost (it is
// best effort), from a probe's answer (OfferAnswer.waits_for). Either way
// its count goes back to what the receiver holds: it counted what it served,
// and what the full disk did not keep is fetched again. The probe's answer
// says that too (have_bytes), and was not used: the send showed what it had
// served while it waited (review finding; the same "14.0/40.0 MiB while it
// held 6.5" its tell was made to end). The receiver is stubbed (offerTo).

import { afterEach, describe, expect, it, vi } from 'vitest'
import { FerryError } from '../../src/errors.ts'
import { Sender } from '../../src/transfer/send/sender.ts'
import { Sends } from '../../src/transfer/send/sends.ts'
import { SendOffering } from '../../src/transfer/send/send-offer.ts'
import type { TransferContext } from '../../src/transfer/context.ts'
import type { AnswerMsg, OfferFile } from '../../src/protocol/transfer.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

const MiB = 1024 * 1024
const quiet = { debug: () => {}, info: () => {}, warn: () => {} }
const ctx = { c: { log: quiet, peerName: () => 'beta', isOnline: () => true }, pendingStates: { write: () => true, update: () => {} }, changed: () => {} } as unknown as TransferContext

afterEach(() => { vi.restoreAllMocks() })

describe('a probe answered that the receive waits for room there', () => {
  it('shows the send waiting for room, at what the receiver holds, not at what was served (review finding)', async () => {
    const entry: OfferFile = { path: 'big.bin', kind: 'file', size: 40 * MiB, mtimeMs: 0, mode: 0o644, chunkSize: MiB, chunks: ChunkHashes.NONE, fileRoot: new Uint8Array(32) }
    const s = new Sender({ id: '07'.repeat(16), peerId: 'beta', state: 'fetching', offer: { transferId: new Uint8Array(16).fill(7), root: new Uint8Array(32), totalBytes: 40 * MiB, files: [entry] }, sources: ['/nowhere'] })
    s.progress.done = 14 * MiB
    s.delivered = true
    s.heardAt = 0
    const sends = new Sends(ctx)
    sends.senders.set(s.id, s)
    const full = new FerryError('E_NO_SPACE', 'receiver: the receive folder\'s disk filled up while this ran', { remote: true })
    const answer: AnswerMsg = { status: 'accepted', haveBytes: 6.5 * MiB, waitsFor: full }
    vi.spyOn(SendOffering.prototype as unknown as { offerTo: () => Promise<AnswerMsg> }, 'offerTo').mockResolvedValue(answer)
    new SendOffering(ctx, sends).probeQuiet(Date.now())
    await vi.waitFor(() => { expect(s.probing).toBe(false) })
    expect(s.state).toBe('waiting')
    expect(s.error?.code).toBe('E_NO_SPACE')
    expect(s.progress.done).toBe(6.5 * MiB)
  })
})
