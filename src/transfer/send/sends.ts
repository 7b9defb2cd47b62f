// The sends of this daemon, in memory and as recorded: the map of them
// (senders), each one's state (setSendState, failSend), a send of an
// earlier run brought back (senderFor, reloadSender), what a send records
// on the way (markResumed, recordGivenUp, forgetGivenUp, persistOffer), and
// what its receiver's side says of its turn (told) or of the link
// (peerGone). The send side of the transfer service is four files, cut
// from service.ts's one class: this one holds the sends and their states,
// send-hash.ts hashes a new send, send-offer.ts offers it (and again),
// send-serve.ts serves its chunks and takes its receipt; each of the
// others acts on sends held here, so the send side's state has one owner.
// Must never: touch a receive (receives.ts), or publish a snapshot other
// than through ctx.changed (service.ts).

import { WaitClock } from '../wait-clock.ts'
import { downtimeOf } from '../alive-mark.ts'
import { freezes } from '../freeze-watch.ts'
import { FerryError, sanitizeForDisplay, toFerryError } from '../../errors.ts'
import { decodeOffer, type OfferMsg } from '../../protocol/transfer.ts'
import { isFinalState, isMovingState, waitCauseOf, type EndedBy } from '../../daemon/control/types.ts'
import type { TransferRow } from '../../store/transfers.ts'
import { Sender } from './sender.ts'
import { asNotServedReason, noneReceived } from '../not-served.ts'
import { failedCount, fileCount, folderCount, renamedToRecord, skippedToRecord } from '../snapshot.ts'
import { peerForLog, peerIdTail } from '../peer-log.ts'
import { failUnreadable, sendEndTo, type TransferContext } from '../context.ts'

export class Sends {
  private readonly ctx: TransferContext
  readonly senders = new Map<string, Sender>()
  /** sends cancelled here whose receiver is being told so: its answer says the files it keeps (TransferInfo.keptAwaited) */
  readonly keptAwaited = new Set<string>()

  constructor (ctx: TransferContext) {
    this.ctx = ctx
  }

  senderFor (id: string, peer: string): Sender {
    let s = this.senders.get(id)
    let state = s?.state
    if (s == null) {
      const row = this.ctx.c.store.get(id)
      if (row != null && row.direction === 'send' && row.peerId === peer) {
        state = row.state
        s = this.reloadSender(row)
      }
    }
    // a chunk request can overtake the cancel message we sent: say why, so
    // the receiver ends up cancelled rather than failed
    if (state === 'cancelled' && (s == null || s.peerId === peer)) throw new FerryError('E_CANCELLED', 'the sender cancelled this transfer')
    if (s == null || s.peerId !== peer || s.finished || (s.offer == null && s.preview == null)) throw new FerryError('E_TRANSFER_NOT_FOUND', 'no such transfer for you')
    return s
  }

  /**
   * A send of an earlier run of the daemon, back in memory (the first chunk
   * request, a receipt or a cancel after a restart); none for a row that
   * ended or was never offered. `atStart`: a row whose recorded offer cannot
   * be read is failed, not left to stop the daemon starting (later, the
   * error goes to whoever asked).
   */
  reloadSender (row: TransferRow, atStart = false): Sender | undefined {
    if (row.direction !== 'send' || isFinalState(row.state) || row.offer.length === 0) return undefined
    let offer: OfferMsg
    try {
      offer = decodeOffer(row.offer)
    } catch (err) {
      if (!atStart) throw err
      failUnreadable(this.ctx, row, err as Error)
      return undefined
    }
    const s = new Sender({ id: row.id, peerId: row.peerId, state: row.state, offer, sources: row.sources, doneBytes: row.doneBytes, wireBytes: row.wireBytes })
    // shown until its receiver says what it holds
    s.doneFromRecord = true
    // what it served before the restart, file by file, is not recorded
    s.servedKnown = false
    // what it left out before the restart, as recorded: the paths kept, and the counts beyond them
    s.skipped = [...(row.skipped ?? [])]
    s.skippedEarlier = { count: Math.max(0, (row.skippedCount ?? 0) - s.skipped.length), failed: Math.max(0, (row.skippedFailed ?? 0) - failedCount(s.skipped)) }
    s.skippedRecorded = s.skipped.length
    // its receiver's earlier holds for a decision (one under way at the stop starts again as its offer is answered so)
    s.acceptWaitMs = row.acceptWaitMs
    // its waits so far, and the one its clean stop opened (Sends.stop), the downtime in it; or, cut short by a crash of
    // this daemon, the downtime from its last sign of life (alive-mark.ts), at start only: later the last mark is this
    // run's, not the one the crash left. A clean stop's spell ends as this run began, also for one reloaded later (its
    // receiver asking for it, a cancel): time since then was no downtime (review finding)
    s.waits = WaitClock.restored(row, atStart ? downtimeOf(row, this.ctx.downSince) : 0, waitCauseOf(s.error), atStart ? Date.now() : this.ctx.startedAt)
    // why it gave up files before the restart, in its own words (a receipt that comes now names them)
    try {
      for (const [i, g] of this.ctx.c.store.givenUp(row.id)) s.givenUp.set(i, { why: g.why, said: g.said, reason: asNotServedReason(g.reason) })
    } catch (err) {
      this.ctx.c.log.warn('cannot read why files of a send were not served', { id: row.id, err: (err as Error).message })
    }
    // its receiver asked for chunks before the restart; an offered one is offered again first (send-offer.ts offerAgain)
    s.delivered = row.state !== 'offered'
    this.senders.set(row.id, s)
    this.markResumed(s)
    return s
  }

  /**
   * `s` goes on after an interruption (a restart, a chunk stream cut), and
   * says so: persisted, as once done the sender leaves memory and `ferry
   * transfers` reads the row. Only a flag: a store that cannot take it (its
   * disk full) must not fail a healthy send (it used to, as an offer that
   * "cannot be read", for good).
   */
  markResumed (s: Sender): void {
    s.resumed = true
    try {
      this.ctx.pendingStates.update(s.id, { resumed: true })
    } catch (err) {
      this.ctx.c.log.warn('cannot record that a send resumed', { id: s.id, err: (err as Error).message })
    }
  }

  /**
   * Why `s` gave up serving entry `file`, recorded: its receipt (or the
   * receiver's failure) may reach a restarted daemon, which then words it
   * as this run found it, not as the receiver could. A store that cannot
   * take it (its disk full) costs only that wording after a restart.
   */
  recordGivenUp (s: Sender, file: number): void {
    const g = s.givenUp.get(file)
    if (g === undefined) return
    try {
      this.ctx.c.store.setGivenUp(s.id, file, g)
    } catch (err) {
      this.ctx.c.log.warn('cannot record why a file was not served', { id: s.id, file, err: (err as Error).message })
    }
  }

  /**
   * `s` serves entry `file` again (put back as offered): why it gave it up
   * goes from the store too, so that a restart does not bring it back. A
   * store that cannot take it costs that wording only, after a restart.
   */
  forgetGivenUp (s: Sender, file: number): void {
    try {
      this.ctx.c.store.clearGivenUp(s.id, file)
    } catch (err) {
      this.ctx.c.log.warn('cannot forget why a file was not served', { id: s.id, file, err: (err as Error).message })
    }
  }

  /** `encoded`: encodeOffer(offer), made once for the size check too (10.8 MB for 99,100 entries) */
  persistOffer (sender: Sender, offer: OfferMsg, encoded: Uint8Array): void {
    this.ctx.c.store.setOffer(sender.id, offer.root, encoded, sender.sources, offer.totalBytes, fileCount(offer.files), folderCount(offer.files))
  }

  /** `endedBy`: for a send cancelled or declined, which side ended it (TransferInfo.endedBy), recorded with the state */
  setSendState (s: Sender, state: string, error?: FerryError, by?: EndedBy): void {
    // only a cancel or a decline has a side that ended it: a failure the receiver told (send-serve.ts) has none
    const endedBy = state === 'cancelled' || state === 'declined' ? by : undefined
    const wasFinished = s.finished
    // its receipt verified and acked, its done waiting only for its receiver's close (send-serve.ts onSendEnd): it ends
    // done, its receiver having recorded its own as the ack came, whatever else comes in that window (at most 2 s): an
    // answer to its offer or to a probe, its receiver's word, the link going (review finding: the failure of an offer's
    // delivery, its answer come after the receipt, failed the send, E_NO_SPACE, its receipt verified). trustRemoved and
    // cancel say so too
    if (s.receiptVerified && !wasFinished && state !== 'done') {
      this.ctx.c.log.debug('a send whose receipt is verified stays to its done', { id: s.id, state, code: error?.code })
      return
    }
    error = saidOnce(error, this.ctx.c.peerName(s.peerId), s.peerId)
    // a stall counts from here (its wait for a decision, for the peer or its turn was none)
    if (isMovingState(state) && !isMovingState(s.state)) s.progress.began()
    // a wait for a person on the receiving side ends as it leaves `offered` (accepted, declined, cancelled, or the
    // receiver gone away): counted apart from the transfer's own time
    if (s.heldSince !== undefined && state !== 'offered') {
      s.acceptWaitMs = (s.acceptWaitMs ?? 0) + Math.max(0, Date.now() - s.heldSince)
      s.heldSince = undefined
    }
    s.state = state
    s.error = error
    if (endedBy !== undefined) s.endedBy = endedBy
    const finished = s.finished
    // its outcome, once, at info (--verbose), naming the peer as 'send started' did (send-hash.ts)
    if (finished && !wasFinished) this.ctx.c.log.info('send ended', { id: s.id, peer: peerForLog(this.ctx.c.peerName(s.peerId), s.peerId), state, files: s.totalFiles, bytes: s.progress.total, doneBytes: s.progress.done, ...(error != null ? { code: error.code, err: error.message } : {}) })
    if (finished && s.offer == null) {
      // ended before its offer was made (cancelled or failed while hashing): none of it was sent, whatever the hashing got through (user-test finding: shown as done)
      s.progress.done = 0
      this.tellEndedBeforeOffer(s)
    }
    // a store that cannot write (its disk full) keeps the state in pendingStates, shown from there and written later; the send stays in memory till then
    const recorded = this.ctx.pendingStates.write(s.id, { state, errorCode: error?.code ?? null as any, errorMessage: error?.message ?? null as any, ...(endedBy !== undefined ? { endedBy } : {}), doneBytes: s.progress.done, wireBytes: s.progress.wire, finishedAt: finished ? Date.now() : undefined, receiptSig: s.receiptSig, receiptMissing: s.receiptMissing, receiptVerified: s.receiptVerified, skippedCount: s.skippedCount, skippedFailed: s.skippedFailed, ...(s.skipped.length !== s.skippedRecorded ? { skipped: skippedToRecord(s.skipped) } : {}), ...(s.renamedCount > 0 ? { renamedCount: s.renamedCount, renamed: renamedToRecord(s.renamed) } : {}), ...(s.changedAfterCount > 0 ? { changedAfterCount: s.changedAfterCount, changedAfter: s.changedAfter } : {}), ...(s.acceptWaitMs !== undefined ? { acceptWaitMs: s.acceptWaitMs } : {}), ...s.waits.record() })
    s.skippedRecorded = s.skipped.length // kept by pendingStates until the store takes it, if it cannot now
    this.ctx.changed(s.id, true)
    if (finished && recorded) this.senders.delete(s.id)
  }

  /**
   * Held there for a person to accept `ms` in all, as its receiver counted it, which answered an offer made again
   * so: this daemon missed some of that wait (it was down while the offer was held, or when it was accepted) and
   * counted what it saw only (user-test finding: none). Recorded now when the send has ended already (its receipt
   * came before this answer).
   */
  tookAcceptWait (s: Sender, ms: number): void {
    s.acceptWaitMs = ms
    s.heldSince = undefined
    if (!s.finished) return
    this.ctx.pendingStates.update(s.id, { acceptWaitMs: ms })
    this.ctx.changed(s.id, true)
  }

  /**
   * Its receiver keeps `files` of it placed whole, as it said told of this side's cancel or with its own: recorded, and
   * shown (TransferInfo.keptFiles) by the event each caller publishes after (the state it goes with, or the one that
   * ends a cancel's wait for that answer, also when nothing is kept: service.ts cancel).
   */
  recordKept (s: Sender, files: number | undefined): void {
    // none said (an older receiver, or nothing kept): nothing to record
    if (files === undefined || files <= 0) return
    const kept = Math.min(files, s.totalFiles)
    try {
      this.ctx.pendingStates.update(s.id, { keptFiles: kept })
    } catch (err) {
      this.ctx.c.log.warn('cannot record the files a cancelled send\'s receiver keeps', { id: s.id, err: (err as Error).message })
    }
  }

  /**
   * A send that ended before its offer: its receiver, if it fetched ahead
   * (a preview opened in this run, or maybe in the run before a restart),
   * need not keep that a day for an offer that will not come (Prefetches.drop).
   * Once, as it ends; a receiver away then keeps it the day.
   */
  private tellEndedBeforeOffer (s: Sender): void {
    if (s.preview == null && !s.resumed) return
    void sendEndTo(this.ctx.c, s.peerId, { transferId: Buffer.from(s.id, 'hex'), status: 'cancelled', root: new Uint8Array(0), signature: new Uint8Array(0) }, 'receiver').catch(() => {})
  }

  failSend (s: Sender, err: unknown): void {
    if (s.finished || this.ctx.stopping) return
    const fe = toFerryError(err)
    // its receipt verified: it ends done all the same (setSendState), no failure logged
    if (!s.receiptVerified) {
      s.encodedOffer = undefined // failed before it was delivered (its offer not stored, say): not kept for the sender's life
      this.ctx.c.log.warn('send failed', { id: s.id, code: fe.code, err: fe.message })
      this.setSendState(s, 'failed', fe)
    }
    // said by the peer itself, over a connection its key authenticates: it does not trust us any more
    if (fe.code === 'E_NOT_PAIRED' && fe.remote) this.ctx.c.refusedAsUnpaired?.(s.peerId)
  }

  /**
   * A peer went offline. The receiver pulls, so a send under way learns that
   * its receiver went away only from the connection: it waits for it to come
   * back (and its first chunk request sets it fetching again).
   */
  peerGone (peerId: string): void {
    // one that waited there (its turn, a retry) waits for the peer now (where it stands is asked again when it is back);
    // it says why, as one whose offer could not reach the peer does (found using the TUI: "waiting for peer" and no more)
    for (const s of this.senders.values()) if (s.peerId === peerId && (s.state === 'fetching' || waitsThere(s))) this.setSendState(s, 'waiting', this.peerWentOffline(peerId, s.state === 'fetching' ? s.progress.stalledSeconds : undefined))
    // one its receiver holds for a decision stays offered, the offer kept there: shown with its receiver offline
    this.heldThereChanged(peerId)
  }

  /** `peerId` went offline or came back: its sends held there for a decision are published again (TransferInfo.peerOffline). */
  heldThereChanged (peerId: string): void {
    for (const s of this.senders.values()) if (s.peerId === peerId && s.state === 'offered' && s.delivered) this.ctx.changed(s.id, true)
  }

  /**
   * Why alone (and, after a stall of `quietSeconds`, that): what it waits for and that it goes on is the state's, which each client words with how to stop it
   * (`ferry send`'s WaitNotes, its live view's hint, the TUI's "waiting for peer"). User-test finding: this said "the
   * send goes on when it is back" too, and `ferry send` said it twice, piped and in its live view.
   */
  private peerWentOffline (peerId: string, quietSeconds?: number): FerryError {
    // after a stall, said so: the connection given up on a silent link, not closed by the peer (user-test finding: a
    // link down 20 s said "its connection closed" alone)
    const name = this.ctx.c.peerName(peerId)
    // a stall this daemon spent not running (stopped, its machine asleep) was no silence of its peer's: said so
    // (user-test finding: a sender frozen 20 s said "desktop went offline (nothing came from it for 20 s …)")
    const now = Date.now()
    const frozen = quietSeconds !== undefined ? freezes.within(now - quietSeconds * 1000, now) : 0
    if (quietSeconds !== undefined && frozen >= quietSeconds * 500) {
      return new FerryError('E_PEER_UNREACHABLE', `this daemon did not run for ${Math.round(frozen / 1000)} s (stopped, or its machine asleep), and the connection to ${name} closed meanwhile`)
    }
    const how = quietSeconds !== undefined ? `nothing came from it for ${quietSeconds} s, then its connection closed` : 'its connection closed'
    return new FerryError('E_PEER_UNREACHABLE', `${name} went offline (${how})`)
  }

  /**
   * Why a send reloaded after a restart waits, its receiver not online yet: what it shows done is its own record
   * (written every 2 s, and at a stop: up to 2 s of serving behind after a kill -9, or counting bytes lost on
   * their way) until the receiver says what it holds (Sender.doneFromRecord), and it said nothing of that: shown
   * as "waiting for peer" and that figure, as if known (notes' leftover).
   */
  notHeardSinceRestart (peerId: string): FerryError {
    const name = this.ctx.c.peerName(peerId)
    return new FerryError('E_PEER_UNREACHABLE', `${name} has not been heard from since this daemon restarted: the progress shown is this device's record from before, until ${name} says what it holds`)
  }

  /**
   * Why a send waits that its receiver took and runs after others (waitsTurnThere): behind the few receives it
   * runs at once from one device, or behind a receive of the same files, from this device or another (its part
   * folder is theirs too: review finding, "a few sends from this device" was said of that wait as well).
   */
  private turnAwaited (s: Sender): FerryError {
    return new FerryError('E_LIMIT', `waiting its turn: ${this.ctx.c.peerName(s.peerId)} starts it after receives under way there (it runs a few at a time from one device, and one at a time of the same files)`)
  }

  /** Why a send waits that its receiver took, as its receiver told (an offer's answer, a probe's, a request for nothing); undefined: it runs there */
  waitsWhy (s: Sender, told: ToldThere): FerryError | undefined {
    if (told.waitsFor != null) return new WaitTold(told.waitsFor)
    if (told.waitsTurn === true) return this.turnAwaited(s)
    if ((told.retryInMs ?? 0) > 0) return new RetryAwaited(this.ctx.c.peerName(s.peerId), Date.now() + (told.retryInMs ?? 0))
    return undefined
  }

  /**
   * Where its receiver says an accepted send stands (a probe's answer, a
   * request for nothing): one told it waits its turn says so, one told it
   * waits to retry says when, one told it waits for room there says so
   * (WaitTold), and one told none of those is fetching again (its
   * receiver's requests say so too, once they come). Also one whose offer
   * waited there for a decision (`offered`, answered pending): its receiver
   * took it since, and tells us only that it waits its turn, as it takes it
   * (ChunkRequest.waits_turn; a receiver from before that tells nothing);
   * its turn may be far off (review finding: "offered, waiting to be
   * accepted there" until then).
   */
  told (s: Sender, told: ToldThere): void {
    const goesOn = s.state === 'fetching' || s.state === 'waiting' || s.state === 'offered'
    const why = this.waitsWhy(s, told)
    // stopped there for room: it holds what it says, and fetches the rest again, what it was served and its full disk did
    // not take too (found trying it: "14.0/40.0 MiB" here while it held 6.5), as the answer to an offer made again says
    // what it fetches again then counts again (Sender.servedChunks)
    if (why instanceof WaitTold && goesOn && told.heldBytes !== undefined) { s.progress.reset(Math.min(told.heldBytes, s.progress.total)); s.servedChunks.forget(); s.doneFromRecord = false }
    // its turn, told again: nothing new to show
    if (why !== undefined && goesOn && !(why.code === 'E_LIMIT' && waitsTurnThere(s))) this.setSendState(s, 'waiting', why)
    else if (why === undefined && (waitsThere(s) || s.state === 'offered')) this.setSendState(s, 'fetching')
  }

  /** Every send stops with the daemon (service.ts stop), recorded as far as it got: it goes on after the restart. */
  stop (): void {
    for (const s of this.senders.values()) {
      s.controller.abort()
      // what it served since the last periodic record, for `ferry transfers` after the restart; and its waits, this
      // daemon's downtime one of them, from now on (wait-clock.ts; review finding: a clean stop of the sender counted
      // in its own time, where its receiver counted it a wait). Not one held for a person to accept: that hold is its wait
      if (isFinalState(s.state)) continue
      // one moment for both, and a stall under way as the stop came counted as the wait it was (review findings)
      const now = Date.now()
      if (s.state !== 'offered') { s.waits.at('waiting', now, s.progress.stallMs); s.waits.because('down', now) }
      this.ctx.pendingStates.write(s.id, { doneBytes: s.progress.done, wireBytes: s.progress.wire, ...s.waits.record() })
    }
  }
}

/** A send its receiver took, waiting there behind other receives from this device (turnAwaited). */
export function waitsTurnThere (s: Sender): boolean {
  return s.state === 'waiting' && s.error?.code === 'E_LIMIT'
}

/** What a receiver told of a send it took: it waits its turn there, or to retry in so long, or for what an error says (room on its disk); none of them: it runs */
export interface ToldThere { waitsTurn?: boolean, retryInMs?: number, waitsFor?: FerryError, /** with waitsFor: the bytes it holds, 0 included (ChunkRequest.waits_for's held_bytes, a probe's have_bytes) */ heldBytes?: number }

/**
 * Why a send waits that its receiver took and runs again at a time it told
 * (OfferAnswer.retry_in_ms): its last runs there were cut short with nothing
 * new received, and it waits that out, not its turn (notes' leftover: said
 * to wait its turn while the receives from this device ran there at once).
 */
class RetryAwaited extends FerryError {
  /** when it said it tries again (Date.now()) */
  readonly at: number
  constructor (peer: string, at: number) {
    super('E_PEER_UNREACHABLE', `waiting to retry: the last tries of ${peer} to fetch it were cut short with nothing new received; it tries again at ${new Date(at).toLocaleTimeString()}`)
    this.at = at
  }
}

/**
 * Why a send waits that its receiver took and stopped to wait for what it
 * told (OfferAnswer.waits_for, ChunkRequest.waits_for): room on its disk,
 * which filled up while it ran (E_NO_SPACE). In the receiver's words, its
 * code kept; it goes on by itself once that is gone.
 */
class WaitTold extends FerryError {
  constructor (told: FerryError) {
    super(told.code, told.message, { remote: true })
  }
}

/** A send its receiver took, waiting there: its turn (waitsTurnThere), a retry at a time it told (RetryAwaited), or what it told (WaitTold). Its run there, once begun, says so (a report, a request). */
export function waitsThere (s: Sender): boolean {
  return waitsTurnThere(s) || (s.state === 'waiting' && (s.error instanceof RetryAwaited || s.error instanceof WaitTold))
}

/** When a send waiting to retry there (RetryAwaited) was told its receiver tries again, else undefined: a probe after it learns whether that try got anywhere (send-offer.ts probeQuiet) */
export function retryToldAt (s: Sender): number | undefined {
  return s.state === 'waiting' && s.error instanceof RetryAwaited ? s.error.at : undefined
}

/**
 * The receiver's decline or cancel of ours, said once, naming the receiver:
 * its words came as "receiver: declined on the receiving device" (and
 * "… cancelled …"), which says twice whose they are (user-test finding:
 * "E_DECLINED: receiver: declined on the receiving device"); now "declined
 * on the receiving device (beta)". Any other text of the receiver keeps its
 * "receiver: ", and so does any other code. The name is the peer's to
 * choose: what UNPRINTABLE lists is stripped; no name, the end of its ID.
 */
export function saidOnce (error: FerryError | undefined, name: string, peerId: string): FerryError | undefined {
  if (error?.remote !== true || (error.code !== 'E_DECLINED' && error.code !== 'E_CANCELLED')) return error
  const words = /^receiver: ((?:declined|cancelled) on the receiving device)$/.exec(error.message)
  if (words == null) return error
  const who = sanitizeForDisplay(name) || peerIdTail(peerId)
  return new FerryError(error.code, `${words[1]} (${who})`, { remote: true, cause: error })
}

/**
 * A receive that failed because not one of the offer's files could be served
 * (E_SOURCE_CHANGED), in this side's words: which file here and what became
 * of it, as it found it serving (in this run, or one before a restart:
 * recordGivenUp). The receiver's words quoted the sender's ("receiver: the
 * file could not be received: sender: single.bin was removed …", user-test
 * finding). Undefined when it did not give up any (the receiver's words are
 * all there is).
 */
export function notServedFailure (s: Sender, failure: FerryError | undefined): FerryError | undefined {
  if (failure?.code !== 'E_SOURCE_CHANGED') return undefined
  const given = [...s.givenUp].sort(([a], [b]) => a - b)
  if (given.length === 0) return undefined
  const files = fileCount(s.offer?.files ?? [])
  return new FerryError('E_SOURCE_CHANGED', noneReceived(files, given[0][1].said, given.some(([, g]) => g.reason !== 'removed'), 'send'))
}
