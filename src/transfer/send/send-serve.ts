// A send's receiver served: the chunks it asks for (serveChunks,
// sender.ts), at most MAX_CHUNK_STREAMS_PER_PEER streams a peer, counted
// as the send's progress and as what the receiver holds (serve); then its
// receipt, or its end there, taken (onSendEnd). One of the send side's
// four files, cut from service.ts (see sends.ts, which holds the sends).
// Must never: offer (send-offer.ts), or take a receive's end (service.ts
// onEnd routes a peer's TransferEnd by the transfer's direction).

import { setTimeout as sleep } from 'node:timers/promises'
import type { PublicKey, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { FerryError } from '../../errors.ts'
import { MAX_CHUNK_STREAMS_PER_PEER } from '../../protocol/constants.ts'
import { encodeOffer, type EndMsg } from '../../protocol/transfer.ts'
import type { TransferRow } from '../../store/transfers.ts'
import { Bitmap, popcount } from '../bitmap.ts'
import { receiptPayload } from '../receive/receiver.ts'
import { mostHeld, serveChunks, type Sender } from './sender.ts'
import { receiptSkipped } from './receipt-skipped.ts'
import { changedAfterOffer } from './changed-after-offer.ts'
import { renamesFromEnd } from '../renames.ts'
import { PeerStreams } from './peer-streams.ts'
import { servePaceFromEnv } from './serve-pace.ts'
import type { TransferContext } from '../context.ts'
import { notServedFailure, waitsThere, type Sends } from './sends.ts'

const PERSIST_INTERVAL_MS = 2000

export class SendServing {
  private readonly ctx: TransferContext
  private readonly sends: Sends
  /** chunk streams served now, by peer (over all its connections) */
  private readonly chunkStreams = new PeerStreams(MAX_CHUNK_STREAMS_PER_PEER)
  /** none but in tests (serve-pace.ts); one for all the streams, as a link's speed is */
  private readonly pace = servePaceFromEnv()
  /** chunk streams taken so far, numbering each (Sender.streamCutAt) */
  private streamsTaken = 0

  constructor (ctx: TransferContext, sends: Sends) {
    this.ctx = ctx
    this.sends = sends
  }

  /** A /ferry/chunks stream from `remote`: its requests served from the sends they are for, and counted. */
  serve (s: Stream, remote: string): void {
    // reset, not answered: a receiver takes that for a link that failed, and asks again later
    if (!this.chunkStreams.take(remote)) { s.abort(new FerryError('E_LIMIT', `more than ${MAX_CHUNK_STREAMS_PER_PEER} chunk streams from one peer`)); return }
    const stream = ++this.streamsTaken
    void serveChunks(s, remote, (id, peer) => this.sends.senderFor(id, peer), (sender, file, n, fresh, cut) => {
      // before the offer (a receiver fetching ahead of it, prefetch.ts): the progress shown is the hashing's
      if (sender.offer == null) { sender.previewWire += n; return }
      if (n > 0 && sender.servedKnown) (sender.servedFiles ??= new Bitmap(sender.offer.files.length)).set(file)
      // a file no longer listed of which nothing new went (bytes of it asked for again after a cut, all served before): it
      // was shown whole, and stays so. Counted from 0 it came back short, for the rest of the send (user-test finding:
      // "DSC_1.jpg 29.9 MiB / 30.0 MiB" on the sender, the file long placed there, the rest of its last chunk asked again)
      const listed = sender.served.get(file)
      if (listed !== undefined || fresh > 0) {
        const served = (listed ?? 0) + fresh
        if (served >= (sender.offer?.files[file]?.size ?? 0) || sender.givenUp.has(file)) sender.served.delete(file); else sender.served.set(file, served)
      }
      // after one of its streams was cut, served on a stream opened since, or served again (what went before the cut,
      // asked for anew on a stream that a late-noticed cut numbers below it: a link that vanished is found by its pings,
      // seconds after its receiver reconnected; review finding): the summary names that interruption (Sender.streamCutAt)
      if (sender.streamCutAt !== undefined && (stream > sender.streamCutAt || fresh < n) && !sender.resumed) this.sends.markResumed(sender)
      // each byte counted once (what went again after a cut was counted when it first went), the rate the wire's
      sender.progress.add(n, fresh)
      sender.progress.wire += n
      // bytes counted as their stream failed (its receiver gone, say) are no sign of the receiver: a send that its peer's
      // disconnect set waiting stays so (helper finding: set fetching again when the serving noticed the cut after the
      // disconnect, as one paced by FERRY_TEST_SERVE_BYTES_PER_S does, and shown fetching while the receiver was down)
      if (!cut) this.heardFrom(sender)
      // not once the daemon stops: its stop recorded the counts, and its store closes under a chunk still being
      // counted (user-test finding: "unhandled rejection: statement has been finalized" as a daemon stopped mid-send)
      if (Date.now() - sender.persistedAt > PERSIST_INTERVAL_MS && !this.ctx.stopping) {
        // so a restarted sender still knows how much it had sent; a count the store cannot take is taken next time
        sender.persistedAt = Date.now()
        try {
          this.ctx.pendingStates.update(sender.id, { doneBytes: sender.progress.done, wireBytes: sender.progress.wire })
        } catch (err) {
          this.ctx.c.log.debug('cannot record what a send served so far', { id: sender.id, err: (err as Error).message })
        }
      }
      this.ctx.changed(sender.id, false)
    }, (sender, held, runs) => {
      if (sender.offer == null) return
      // a word of its receiver while it runs is no stall: one planning a large receive says so every few seconds with
      // nothing new (progress-report.ts), however long that takes (notes' leftover: "stalled" while it planned)
      if (sender.state === 'fetching') sender.progress.began()
      // nothing held says something only to a send that waits there (its turn, or a retry): a run's first report. A receiver
      // asking whether an offer that waits there for a decision still stands sends the same (offer-decisions.ts checkPendingOffer),
      // and that send is still offered (review finding: shown fetching at 0 B/s, no longer waiting to be accepted).
      // A report that says its receive runs there (ChunkRequest.runs) is never that question: a send whose offer was
      // accepted by hand goes on to fetching with its first one, not with its first request, after the plan (user-test
      // finding: shown offered, and offered again, 10 s on, while its receiver planned for 38 s after the accept).
      // From a receiver without the field: still heard from when it runs there: a receiver planning a receive that holds
      // nothing yet says so, at 0, every few seconds, and a send that took it for silence offered itself again (a probe)
      // 10 s on, then 20 s on, however large its offer (user-test finding: a 32 MB offer sent twice more while it planned)
      if (held === 0 && !runs && !waitsThere(sender)) { if (sender.state === 'fetching') this.heardFrom(sender); return }
      // the receiver's own count, copies included: ahead of what was served while it copies what it had; never
      // more than it can hold while it asks for bytes (a peer's number: review finding, shown at 100 % from the start)
      const done = Math.min(held, mostHeld(sender))
      // reloaded after a restart: its own record gives way to the receiver's count, also where it was ahead (it counted
      // what its crash lost on the way); set, not reset, so that the rate and ETA go on as they were
      if (done > sender.progress.done || sender.doneFromRecord) sender.progress.done = done
      sender.doneFromRecord = false
      this.heardFrom(sender)
      this.ctx.changed(sender.id, false)
    }, { pace: this.pace,
      // asked for more than an earlier claim of its left (or its offer answer's have_bytes): the progress shown goes back to what it can hold.
      // Only what a claim showed too much: `asking` leaves out what was served before (Sender.servedChunks), so what serving counted
      // is never taken back (review leftover: a receiver asking again after a cut took the progress shown down)
      onAsked: (sender) => { if (sender.offer != null && sender.progress.done > mostHeld(sender)) { sender.progress.done = mostHeld(sender); this.ctx.changed(sender.id, false) } }, onGivenUp: (sender, file) => {
        this.sends.recordGivenUp(sender, file)
        // its bytes are not those offered: the hashes cached of it must not be offered again (they may be what is
        // wrong: a file changed in a way its times did not show, found when a chunk was asked for again, sender.ts)
        const src = sender.sources[file]
        if (sender.givenUp.get(file)?.reason === 'changed' && src !== undefined) {
          try { this.ctx.c.hashCache?.forget([src]) } catch (err) { this.ctx.c.log.warn('hash cache failed to forget', { err: (err as Error).message }) }
        }
      }, onServedAgain: (sender, file) => { this.sends.forgetGivenUp(sender, file) }, onCut: (sender) => { if (!sender.finished) sender.streamCutAt ??= this.streamsTaken }, onWaitsThere: (sender, told) => { if (sender.offer != null && !sender.finished) this.sends.told(sender, told) } })
      // a fault in what a served chunk sets off ends its stream, said, not an unhandled rejection of the daemon's
      .catch((err: Error) => { if (!this.ctx.stopping) this.ctx.c.log.warn('a chunk stream failed', { peer: remote, err: err.message }) })
      .finally(() => { this.chunkStreams.release(remote) })
  }

  /** Its receiver asked for chunks of `sender`, or told what it holds: it has the offer and runs it, so the send is fetching (a send waiting its turn there, or offered, no longer waits), and no probe is due. */
  private heardFrom (sender: Sender): void {
    sender.heardAt = Date.now()
    sender.delivered = true
    sender.quietProbes = 0
    if (sender.state === 'offered' || sender.state === 'waiting') this.sends.setSendState(sender, 'fetching')
    // a wait its clean stop opened, restored with the send as it was (fetching), ends as its receiver is heard from:
    // no state change closed it, and the whole fetch counted as a wait (review finding)
    else sender.waits.at(sender.state)
  }

  /**
   * A TransferEnd for a send of ours (service.ts onEnd found its row, `row`,
   * recorded for `peerId`): the receiver's receipt, or its cancel or failure.
   * A receipt taken resolves to the send's done, for readEnd to run once its
   * receiver has read the ack and recorded its own done (EndHandled.afterAck).
   */
  async onSendEnd (id: string, peerId: string, row: TransferRow, end: EndMsg): Promise<(() => void) | undefined> {
    // the same receipt again: our ack did not reach the receiver, which sends it until one does
    if (row.state === 'done' && end.status === 'done' && row.receiptSig != null && Buffer.compare(end.signature, row.receiptSig) === 0) return undefined
    const s = this.sends.senders.get(id) ?? this.sends.senderFor(id, peerId)
    // our bytes did not match our own manifest: a file changed in a way its
    // times did not show, so its cached hashes must not be used again
    if (end.failure?.code === 'E_HASH_MISMATCH') {
      try { this.ctx.c.hashCache?.forget(s.sources) } catch (err) { this.ctx.c.log.warn('hash cache failed to forget', { err: (err as Error).message }) }
    }
    if (end.status !== 'done') {
      // how far it got is what the receiver kept, not what was served (a full disk lost the rest)
      if (end.doneBytes != null) s.progress.done = Math.min(end.doneBytes, s.progress.total)
      // the files its receiver placed whole before its cancel or its failure, which it keeps: recorded with the state,
      // so that the event `ferry send` ends on says them (user-test finding: said on the receiver alone). None from a
      // receiver from before 2026-12-06, which does not say (nor, before 2026-12-07, of a failure)
      if (end.status === 'cancelled' || end.status === 'failed') this.sends.recordKept(s, end.keptFiles)
      this.sends.setSendState(s, end.status === 'declined' ? 'declined' : end.status, notServedFailure(s, end.failure) ?? end.failure ?? endWithoutReason(end.status), 'peer')
      return undefined
    }
    // still hashing (its preview out, so the receiver knows the id): there is no root to sign for yet, and a
    // signature over the empty one verified (review finding: a TypeError, the send then marked as holding a
    // verified receipt, and the real one after its offer ignored: the send never ended)
    if (s.offer == null) throw new FerryError('E_PROTOCOL', 'a receipt for a transfer not offered yet')
    const publicKey = peerIdFromString(peerId).publicKey
    const missing = end.missing != null && end.missing.length > 0 ? end.missing : undefined
    // against the offer the send holds, the one its receiver signs for, not the root its row holds: a send hashed
    // again after a restart holds its offer before it is recorded (it is, once its peer is online), and a row whose
    // commit of the offer a power cut took has none; a valid receipt then failed the send, E_RECEIPT_INVALID (helper finding)
    const root = s.offer.root
    const ok = publicKey != null && Buffer.compare(end.root, root) === 0 && await verifies(publicKey, receiptPayload(id, root, missing), end.signature)
    if (!ok) {
      this.sends.setSendState(s, 'failed', new FerryError('E_RECEIPT_INVALID', 'the receiver\'s receipt does not verify against its peer key'))
      throw new FerryError('E_RECEIPT_INVALID', 'receipt signature does not verify')
    }
    const notReceived = missing != null ? missingFiles(s, missing) : []
    // the same receipt twice at once (a retry crossing the first): handled once (the first's ack says the send done)
    if (s.receiptVerified) return undefined
    s.receiptSig = end.signature
    s.receiptMissing = missing
    s.receiptVerified = true
    s.progress.done = s.progress.total - notReceived.reduce((n, i) => n + s.offer!.files[i].size, 0)
    // what a script must hear of before it deletes the source (`ferry send` exits 1, E_INCOMPLETE)
    const entries = s.offer!.files
    const { skipped, refused } = receiptSkipped(end, entries, s.sources, notReceived, (i) => s.givenUp.get(i)?.why)
    // a file refused, or given up as changed, of which nothing was served (refused up front, changed before its first
    // chunk went): none of the wire's bytes were its (user-test findings: "2 B over the network, counting what was
    // sent of files the receiver refused" for a send of one 2-byte file whose other file the receiver refused before
    // asking for anything; "counting what was sent of files that changed" of files none of whose bytes went). Not
    // known after a restart here, nor when the receiver fetched ahead of the offer (those bytes are not told apart by file)
    if (s.previewWire === 0 && s.servedKnown) {
      for (const [k, i] of notReceived.entries()) if ((refused.has(i) || skipped[k].notServed === true) && s.servedFiles?.has(i) !== true) skipped[k].noneSent = true
    }
    s.skipped.push(...skipped)
    if (notReceived.length > 0) this.ctx.c.log.warn('files not received: they changed or went away here after the offer, or the receiver refused them', { id, files: notReceived.length, refused: refused.size })
    // it sent at least what reached the receiver, also what it served just before a crash of its own (its count is
    // recorded every 2 s); a peer's number, so never more than a whole offer beyond its own (fuzzing finding: a
    // receipt's 2^53 - 1 printed as "8192.0 TiB over the network" for a 1 MiB send)
    s.progress.wire = Math.max(s.progress.wire, Math.min(end.wireBytes ?? 0, s.progress.wire + s.progress.total))
    // where the receiver put what found its name taken there (not signed: where, not what); a path as offered, and as placed
    const renames = renamesFromEnd(end, entries, new Set(notReceived))
    s.renamed = renames.renamed
    s.renamedCount = renames.renamedCount
    // delivered in the window above (its offer made again, not recorded yet): recorded now, or its row keeps no root
    // nor offer for `ferry transfers` (the offer is recorded once the peer is online, which this send no longer waits for)
    if (row.root.length === 0) {
      try { this.sends.persistOffer(s, s.offer, s.encodedOffer ?? encodeOffer(s.offer)) } catch (err) { this.ctx.c.log.warn('could not record the offer of a send delivered', { id, err: (err as Error).message }) }
    }
    // done once the receiver has its own done recorded (it does as our ack comes, then closes the stream): a
    // `ferry send` that exits on this, and a look at the receiving device right after, sees the receive done
    // there too (helper finding: `verifying` there, until the ack's round trip)
    // and once its receiver has its done: its files changed here since the offer, which arrived as offered (a person
    // editing one while the offer waited: user-test finding), looked for before the send is said done, with them
    const skip = new Set(notReceived)
    for (const [i, e] of entries.entries()) if (e.kind !== 'file') skip.add(i)
    // begun now, while the ack goes out and the receiver records its done: the send's end waits for it the less
    const looking = changedAfterOffer(s.sources, s.identities, skip).catch((err: Error) => {
      this.ctx.c.log.warn('cannot look whether files changed after the offer', { id, err: err.message })
      return { count: 0, paths: [] }
    })
    // a look that takes long (a slow network mount) holds the send's done no longer than LOOK_WAIT_MS, nor a stop
    // of this daemon at all (review finding: the done was lost to a stop during the look, and the look's answer with it)
    const looked = Promise.race([looking, sleep(LOOK_WAIT_MS, undefined, { ref: false }).then(() => undefined)])
    const done = (changed: { count: number, paths: string[] } | undefined): void => {
      if (s.finished) return
      if (changed === undefined) this.ctx.c.log.info('files not looked at for changes after the offer: the look took too long, or the daemon stops', { id })
      s.changedAfterCount = changed?.count ?? 0
      s.changedAfter = changed?.paths ?? []
      if ((changed?.count ?? 0) > 0) this.ctx.c.log.warn('files changed here after the offer; the receiver has them as offered', { id, files: changed!.count })
      this.sends.setSendState(s, 'done')
      this.ctx.c.log.info('transfer delivered', { id, receipt: 'verified' })
    }
    return () => {
      if (this.ctx.stopping) { done(undefined); return }
      void looked.then(done).catch((err: Error) => { this.ctx.c.log.warn('could not record a send delivered', { id, err: err.message }) })
    }
  }
}

/** How long a send's done waits for its look at files changed after the offer (changed-after-offer.ts): 0.3 s for 30,000 files on a local disk. */
const LOOK_WAIT_MS = 5000

/**
 * A receiver's end that gave no reason, with the code its state stands for:
 * a failure said without one was E_CANCELLED, its state "failed" and its
 * code "cancelled" (fuzzing finding; only a peer that breaks the protocol
 * sends one).
 */
function endWithoutReason (status: 'declined' | 'cancelled' | 'failed'): FerryError {
  if (status === 'failed') return new FerryError('E_PROTOCOL', 'the receiver failed the transfer without saying why')
  return new FerryError(status === 'declined' ? 'E_DECLINED' : 'E_CANCELLED', `the receiver ${status} the transfer`)
}

/**
 * Whether `signature` is `publicKey`'s over `payload`. One the key's library
 * cannot read does not verify either: an Ed25519 signature not 64 bytes
 * long threw ("\"sig\" must be 64 bytes in length."), which the receiver
 * was told as E_INTERNAL, and the send was left waiting for a receipt
 * (fuzzing finding).
 */
async function verifies (publicKey: PublicKey, payload: Uint8Array, signature: Uint8Array): Promise<boolean> {
  try {
    return await publicKey.verify(payload, signature)
  } catch {
    return false
  }
}

/**
 * The entries a receipt says were not received: a bit set of the offer's
 * size, naming files only. Anything else is not a receipt for this offer
 * (E_PROTOCOL: the receiver is asked again by its retry, or a re-offer).
 */
function missingFiles (s: Sender, missing: Uint8Array): number[] {
  const files = s.offer?.files ?? []
  if (missing.length !== Math.ceil(files.length / 8)) throw new FerryError('E_PROTOCOL', `receipt: the set of files not received has ${missing.length} bytes for ${files.length} entries`)
  const set = new Bitmap(files.length, missing)
  // bits past the last entry
  if (set.done !== popcount(missing)) throw new FerryError('E_PROTOCOL', 'receipt: the set of files not received names entries past the offer\'s end')
  // one form per receipt: a full one has no set at all
  if (set.done === 0) throw new FerryError('E_PROTOCOL', 'receipt: an empty set of files not received')
  const out: number[] = []
  for (let i = 0; i < files.length; i++) {
    if (!set.has(i)) continue
    if (files[i].kind !== 'file') throw new FerryError('E_PROTOCOL', `receipt: entry ${i} is a folder, not a file that could go missing`)
    out.push(i)
  }
  return out
}
