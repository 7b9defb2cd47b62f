// Telling a receive's sender, unasked, where its send stands here: that it
// waits its turn (accepted by a person while the receives from it run at
// once: offer-decisions.ts) or waits for room on the disk (room-wait.ts).
// A request for no chunks on a chunk stream (ChunkRequest.waits_turn,
// waits_for), best effort: a sender not reached learns it at its next
// probe (send-offer.ts), as one from before those fields does. A sender
// that no longer sends it answers as it answers any request for it: a
// chunk header with its error (cancelled there, say), returned for the
// receive to end so (Receiver.toldBack). A run of the receive says nothing
// to the sender before a tell on its way has settled (Receiver.telling): on
// a stream of its own, it could land after the run's first report.
// Must never: wait long, or fail anything when the sender is not reached.

import type { Stream } from '@libp2p/interface'
import type { FerryError } from '../../errors.ts'
import { FrameReader, encodeChunkRequest, readChunkHeader, sendAll, type ChunkRequestMsg } from '../../protocol/transfer.ts'
import { timeoutSignal } from '../../protocol/stream.ts'
import type { Logger } from '../../daemon/logger.ts'

/** How long telling the sender, and reading its answer, may take */
const TELL_MS = 5000

/** Tell the sender of `r` what `what` says; resolves with the error it answered (it no longer sends `r`), else undefined. */
export async function tellSender (r: { id: string, peerId: string }, what: Pick<ChunkRequestMsg, 'waitsTurn' | 'waitsFor' | 'heldBytes'>, openChunkStream: (peer: string) => Promise<Stream>, log: Pick<Logger, 'debug'>): Promise<FerryError | undefined> {
  let stream: Stream | undefined
  try {
    stream = await openChunkStream(r.peerId)
    // its log says what did not happen in time, not Node's "The operation was aborted due to timeout" nor "stream read aborted" (helper finding)
    const taken = (): AbortSignal => timeoutSignal(TELL_MS, undefined, 'the sender did not take the word')
    await sendAll(stream, encodeChunkRequest({ transferId: Buffer.from(r.id, 'hex'), fileIndex: 0, chunks: [], ...what }), taken())
    await stream.close({ signal: taken() })
    // a sender that still sends it answers nothing and ends its side; one that does not says why (sends.ts senderFor)
    // (helper finding: a receive waiting for room whose sender had cancelled while this daemon was down waited on)
    const answer = await readChunkHeader(new FrameReader(stream), timeoutSignal(TELL_MS, undefined, 'the sender neither answered nor ended its side'))
    return answer?.error
  } catch (err) {
    stream?.abort(new Error('not told'))
    log.debug('could not tell the sender where its send stands here', { id: r.id, waitsTurn: what.waitsTurn === true, waitsFor: what.waitsFor?.code, err: (err as Error).message })
    return undefined
  }
}
