// A send whose receipt its daemon verified and acknowledged, its done
// waiting for its receiver to close the stream (EndHandled.afterAck,
// protocol/transfer.ts readEnd: the receiver records its own done as that
// ack comes): it ends done, whatever else comes in that window (at most
// END_CLOSE_WAIT_MS, 2 s). The receiver is crafted (test/helpers/evil-peer.ts):
// it signs a receipt for the offer it was made, reads the ack and holds the
// stream open, as a receiver whose close is on its way; a real daemon on
// 127.0.0.1 with mDNS off sends to it.

import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Stream } from '@libp2p/interface'
import { RECEIPT_PROTOCOL } from '../../src/protocol/constants.ts'
import { FrameReader, lengthPrefixed, sendAll } from '../../src/protocol/frames.ts'
import { TransferEnd, TransferEndAck } from '../../src/protocol/pb/transfer.js'
import { MAX_SMALL_MESSAGE_BYTES } from '../../src/protocol/constants.ts'
import { receiptPayload } from '../../src/transfer/receive/receiver.ts'
import { control as call, tempDir, waitFor, type TestDaemon } from '../helpers/daemon.ts'
import { daemonWithEvilPeer, hex, type EvilPeer } from '../helpers/evil-peer.ts'

let victim: TestDaemon
let evil: EvilPeer

daemonWithEvilPeer({ name: 'victim' }, (d, e) => { victim = d; evil = e })

/**
 * A send of a new file to the crafted receiver, its receipt sent and acked
 * ok, the stream left open (the receiver's close not come yet): the send's id,
 * and the stream (aborted by the caller once done).
 */
async function receiptAckedNotClosed (name: string): Promise<{ id: string, stream: Stream }> {
  const src = join(await tempDir('ferry-receipt-acked-'), name)
  await writeFile(src, randomBytes(64 * 1024))
  await call(victim, 'send', { peer: 'evil', paths: [src] })
  const offer = await waitFor(() => evil.offered.find((o) => o.files.some((f) => f.path === name)), 'the victim to offer the file', 20_000)
  const id = hex(offer.transferId)
  const stream = await evil.open(victim, RECEIPT_PROTOCOL)
  const signature = await evil.privateKey.sign(receiptPayload(id, offer.root))
  await sendAll(stream, lengthPrefixed(TransferEnd.encode({ transferId: offer.transferId as Uint8Array<ArrayBuffer>, status: 'done', root: offer.root as Uint8Array<ArrayBuffer>, signature: signature as Uint8Array<ArrayBuffer>, wireBytes: 0, missing: new Uint8Array(0), renamedCount: 0, renamed: [], renames: [], renameCount: 0, refused: [] })))
  const ack = await new FrameReader(stream).readLp((b) => TransferEndAck.decode(b), MAX_SMALL_MESSAGE_BYTES, AbortSignal.timeout(10_000))
  expect(ack?.ok).toBe(true)
  return { id, stream }
}

describe('a send whose receipt was verified and acked, waiting for its receiver\'s close', () => {
  it('ends done when its receiver is unpaired in that window: failed E_NOT_PAIRED, where its receiver had recorded the receive done as the ack came (review finding)', async () => {
    const { id, stream } = await receiptAckedNotClosed('unpaired.bin')
    try {
      await call(victim, 'unpair', { peer: evil.peerId })
      const t = await waitFor(async () => (await call(victim, 'transfers')).find((x) => x.id === id && ['done', 'failed', 'cancelled'].includes(x.state)), 'the send to end', 10_000)
      expect({ state: t.state, code: t.error?.code, verified: t.receipt?.verified }).toEqual({ state: 'done', code: undefined, verified: true })
    } finally { stream.abort(new Error('test over')) }
  }, 60_000)
})
