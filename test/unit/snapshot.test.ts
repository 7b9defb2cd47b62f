// What the control API shows of a transfer: the files in flight.
import { describe, expect, it } from 'vitest'
import { Sender } from '../../src/transfer/sender.ts'
import { toTransferInfo } from '../../src/transfer/snapshot.ts'
import type { OfferMsg } from '../../src/protocol/transfer.ts'
import type { TransferRow } from '../../src/store/index.ts'

const MiB = 1024 * 1024
const offer: OfferMsg = {
  transferId: new Uint8Array(16),
  root: new Uint8Array(32),
  totalBytes: 12 * MiB,
  files: [
    { path: 'a.mov', kind: 'file', size: 8 * MiB, mtimeMs: 0, mode: 0o644, chunkSize: 256 * 1024, chunks: [], fileRoot: new Uint8Array(32) },
    { path: 'b.mov', kind: 'file', size: 4 * MiB, mtimeMs: 0, mode: 0o644, chunkSize: 256 * 1024, chunks: [], fileRoot: new Uint8Array(32) }
  ]
}
const row: TransferRow = { id: 'x', direction: 'send', peerId: 'p', peerName: 'beta', state: 'fetching', root: new Uint8Array(32), offer: new Uint8Array(0), totalBytes: 12 * MiB, doneBytes: 0, wireBytes: 0, receiptVerified: false, resumed: false, createdAt: 0 }

describe('toTransferInfo, sender side', () => {
  it('lists the files served in part while the transfer runs, and none once it has ended (a file given up in part included)', () => {
    const sender = new Sender({ id: 'x', peerId: 'p', state: 'fetching', offer })
    sender.served.set(0, 3 * MiB)
    sender.served.set(1, 4 * MiB) // all of it: not in flight
    expect(toTransferInfo({ row, sender, peerName: 'beta' }).inFlight).toEqual([{ path: 'a.mov', size: 8 * MiB, doneBytes: 3 * MiB }])
    for (const state of ['done', 'failed', 'cancelled']) {
      sender.state = state
      expect(toTransferInfo({ row, sender, peerName: 'beta' }).inFlight).toEqual([])
    }
  })
})
