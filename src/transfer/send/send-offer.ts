// A send's offer to its receiver, and each offer made again: delivered once
// the send is hashed, and asked again while the link fails or the receiver
// is too busy (deliverOffer); made again after a restart (offerAgain); made
// to learn where a quiet receiver stands (probe). Also the wait for a
// send's peer to be online before its offer goes (peerOnline). One of the
// send side's four files, cut from service.ts (see sends.ts, which holds
// the sends).
// Must never: hash (send-hash.ts), or serve chunks (send-serve.ts).

import { peerIdFromString } from '@libp2p/peer-id'
import { setTimeout as sleep } from 'node:timers/promises'
import { FerryError, toFerryError } from '../../errors.ts'
import { OFFER_PROTOCOL } from '../../protocol/constants.ts'
import { dialFailure } from '../../protocol/stream.ts'
import { otherVersionError } from '../../protocol/versions.ts'
import { encodeOffer, offerTimeoutMs, sendOffer, type AnswerMsg } from '../../protocol/transfer.ts'
import type { TransferRow } from '../../store/transfers.ts'
import type { Sender } from './sender.ts'
import { isTransient } from '../transient.ts'
import type { TransferContext } from '../context.ts'
import { notServedFailure, retryToldAt, type Sends } from './sends.ts'

/**
 * A send the receiver has not asked anything of for this long, while it is
 * online, offers again to learn where it stands there: the receiver's cancel
 * or decline is told once, and is lost when the sender cannot hear it then
 * (asleep, restarting); the repeated offer gets it as its answer.
 */
const PROBE_AFTER_MS = 10_000
/** PROBE_AFTER_MS, or FERRY_TEST_PROBE_AFTER_MS (tests only: a probe's answer awaited without 10 s of quiet first) */
function probeAfterMs (env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.FERRY_TEST_PROBE_AFTER_MS)
  return Number.isFinite(v) && v > 0 ? v : PROBE_AFTER_MS
}
/** …and each probe that finds it quiet waits twice as long as the last, up to 2^5 × 10 s ≈ 5 min: a probe costs the receiver an offer decode */
const PROBE_MAX_DOUBLINGS = 5
/** A send told its receiver tries again at a time (sends.ts RetryAwaited) is probed this long after it, when nothing came of the try (its requests) */
const RETRY_TOLD_GRACE_MS = 5_000
/** An offer not delivered for an error of the link (isTransient) is made again this long after, then twice that, and so on, up to OFFER_RETRY_MAX_MS. */
const OFFER_RETRY_MS = 1_000
const OFFER_RETRY_MAX_MS = 30_000
/**
 * OFFER_RETRY_MS, or FERRY_TEST_OFFER_RETRY_MS (tests only: the tests of
 * offers not delivered, several in a row, wait out each doubled retry, ~15 s
 * of waits in one test at 1 s; the doubling and the cap are the same)
 */
export function offerRetryMs (env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.FERRY_TEST_OFFER_RETRY_MS)
  return Number.isFinite(v) && v > 0 ? v : OFFER_RETRY_MS
}
/** Offers in a row read by the receiver and never answered (offerTimeoutMs) before the send fails. */
const OFFER_ANSWER_TIMEOUTS = 3

/** An offer its receiver took and did not answer in time (offerTo). */
class AnswerTimeout extends FerryError {
  constructor (message: string, cause: unknown) { super('E_TIMEOUT', message, { cause }) }
}

/** The state a send ends in when its receiver refused it with `err`. */
function endedBy (err: FerryError): 'declined' | 'cancelled' | 'failed' {
  return err.code === 'E_DECLINED' ? 'declined' : err.code === 'E_CANCELLED' ? 'cancelled' : 'failed'
}

/**
 * Whether a send is due a probe at `now`: quiet for `probeAfter`, doubled
 * for each quiet probe before; or told its receiver tries again at
 * `triesAt`, and not heard from since that is past. Whether such a try got
 * anywhere its requests say; when they do not come, its "tries again at"
 * stood, stale, until the next probe, up to minutes on (notes' leftover).
 */
export function probeDue (s: Pick<Sender, 'heardAt' | 'quietProbes'>, triesAt: number | undefined, now: number, probeAfter: number): boolean {
  if (triesAt !== undefined && s.heardAt < triesAt && now > triesAt + RETRY_TOLD_GRACE_MS) return true
  return now - s.heardAt > probeAfter * 2 ** Math.min(s.quietProbes, PROBE_MAX_DOUBLINGS)
}

export class SendOffering {
  private readonly ctx: TransferContext
  private readonly sends: Sends
  /** sends hashed again after a restart, waiting for their peer to offer to it (peerOnline) */
  private readonly offerWaits = new Map<string, () => void>()
  private readonly probeAfter = probeAfterMs()
  private readonly offerRetry = offerRetryMs()

  constructor (ctx: TransferContext, sends: Sends) {
    this.ctx = ctx
    this.sends = sends
  }

  /**
   * Until `s`'s peer is online (a daemon just started has no connections
   * yet): shown as waiting, but recorded as hashing, with the paths asked
   * for, until the offer goes out.
   */
  async peerOnline (s: Sender): Promise<void> {
    if (this.ctx.c.isOnline(s.peerId)) return
    s.state = 'waiting'
    this.ctx.changed(s.id, true)
    const signal = s.controller.signal
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => { this.offerWaits.delete(s.id); reject(new FerryError('E_CANCELLED', 'cancelled')) }
      if (signal.aborted) { onAbort(); return }
      signal.addEventListener('abort', onAbort, { once: true })
      this.offerWaits.set(s.id, () => { signal.removeEventListener('abort', onAbort); this.offerWaits.delete(s.id); resolve() })
    })
  }

  async deliverOffer (sender: Sender): Promise<void> {
    const started = performance.now()
    let ans: AnswerMsg
    let answerTimeouts = 0
    let doneAtOffer = 0
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          doneAtOffer = sender.progress.done
          // its receiver reads, checks and answers the offer, which takes seconds for a large one (30,000 files: 11.6 s):
          // no stall meanwhile, also for a send its receiver's fetch ahead of the offer set fetching (user-test finding:
          // "stalled" shown until the answer came). The offer's own bound (offerTimeoutMs) ends a wait for nothing
          sender.progress.prepare()
          try {
            ans = await this.offerTo(sender)
          } finally {
            sender.progress.began()
          }
          break
        } catch (err) {
          // a receiver that is there but too busy to read it now (its offer
          // stream reset, or timed out), or gone: the send waits for it,
          // shown waiting with why, and asks again OFFER_RETRY_MS later (offerRetryMs),
          // then twice that, and so on up to OFFER_RETRY_MAX_MS, once the
          // peer is online, until it answers or the send is cancelled.
          // User-test finding: a receiver frozen for ~17 s, or a link that
          // dropped, between the hashing and the answer failed the send for
          // good. The offer is recorded: a restart offers it again
          // (offerAgain).
          const fe = toFerryError(err)
          // the receiver has it after all (an answer lost on the way): its chunk requests moved the send on (review finding: set back to waiting)
          if (sender.delivered || (sender.state !== 'offered' && sender.state !== 'waiting')) return
          if (!isTransient(fe) || sender.finished || this.ctx.stopping) throw err
          // an offer its receiver reads and never answers, time after time (too large for the link, say), is not asked for ever (review finding)
          answerTimeouts = err instanceof AnswerTimeout ? answerTimeouts + 1 : 0
          if (answerTimeouts >= OFFER_ANSWER_TIMEOUTS) throw new FerryError('E_TIMEOUT', `${fe.message}, ${answerTimeouts} times; the send is given up (send again)`, { cause: err })
          this.ctx.c.log.info('offer not delivered; the send waits for its receiver', { id: sender.id, attempt, err: fe.message })
          sender.state = 'waiting'
          sender.error = fe
          sender.encodedOffer = undefined // encoded again when asked again: not held for a wait of hours
          this.ctx.changed(sender.id, true)
          const wait = Math.min(this.offerRetry * 2 ** (attempt - 1), OFFER_RETRY_MAX_MS)
          // unref'd: a daemon that stops does not wait for it (the send is offered again after the restart)
          const cancelled = await sleep(wait, undefined, { signal: sender.controller.signal, ref: false }).then(() => false, () => true)
          if (cancelled || sender.finished || this.ctx.stopping) return
          await this.peerOnline(sender)
          // the receiver has it after all (an answer lost on the way): its chunk requests moved the send on
          if (sender.finished || this.ctx.stopping || sender.delivered || sender.state !== 'waiting') return
          this.sends.setSendState(sender, 'offered')
        }
      }
    } finally {
      sender.encodedOffer = undefined // answered or given up: an offer made again (after a restart) is encoded again
    }
    this.ctx.c.log.debug('offer answered', { id: sender.id, status: ans.status, haveBytes: ans.haveBytes, ms: Math.round(performance.now() - started) })
    // before the end below: a receipt that came first (a small file fetched at once) ended the send without it (review finding)
    if (ans.status === 'accepted' && ans.acceptWaitMs !== undefined) this.sends.tookAcceptWait(sender, ans.acceptWaitMs)
    // ended while the answer came: its receipt came first (an offer made
    // again after a restart, to a receiver that had fetched meanwhile), or
    // it was cancelled; an answer must not take it back to fetching (review
    // finding)
    if (sender.finished) return
    if (ans.status === 'refused') {
      // none of it was received, also what was fetched ahead of the offer (counted as done from the offer on)
      sender.progress.reset(0)
      const err = ans.error ?? new FerryError('E_DECLINED', 'refused')
      // cancelled or failed there before (while this daemon was down): the files it keeps, as its end message would have
      // said them (send-serve.ts onSendEnd; notes' leftover: said on the receiver alone), recorded before the state that
      // publishes them (failed: failSend's)
      if (endedBy(err) !== 'declined') this.sends.recordKept(sender, ans.keptFiles)
      if (endedBy(err) === 'failed') throw err
      this.sends.setSendState(sender, endedBy(err), err, 'peer')
      return
    }
    sender.heardAt = Date.now()
    sender.delivered = true
    // what the receiver says it holds, never more than the offer (a peer's number, shown and stored); not less
    // than what it fetched while its answer was on the way, served and counted meanwhile (user-test finding: set
    // back, the overall count stayed ~3.5 MiB behind a one-file send's file bar to the end)
    // (and than what it fetched ahead of the offer: its answer comes before it plans the receive, so says 0 of that)
    const servedMeanwhile = sender.progress.done - doneAtOffer
    sender.progress.reset(Math.min(Math.max(ans.haveBytes, servedMeanwhile + sender.fetchedAhead, 0), sender.progress.total))
    // what it serves from now on adds to that, also bytes served before (Sender.servedChunks)
    sender.servedChunks.forget()
    sender.doneFromRecord = false
    // waiting there: its turn, a retry or room (an offer made again after a restart, to a receive cut short meanwhile)
    const waitsWhy = this.sends.waitsWhy(sender, ans)
    if (ans.status === 'accepted') this.sends.setSendState(sender, waitsWhy !== undefined ? 'waiting' : 'fetching', waitsWhy)
    else if (sender.state === 'offered') {
      // pending: waits for the person on the other side, from now (a probe's answer of the same leaves the start).
      // Only while still offered: its receiver's chunk requests, read before this answer, moved it on (accepted there
      // meanwhile), and a wait started now would end only with the send, counting all of it as accept wait (review finding)
      // held there so far, as its receiver counts it (an offer made again after this daemon's restart: it was held
      // while this one was down too; review finding: counted from the restart)
      // (what it counted as its own wait meanwhile, its receiver away, is that hold: not counted twice)
      if (ans.acceptWaitMs !== undefined) { sender.heldSince = Date.now() - ans.acceptWaitMs; sender.acceptWaitMs = undefined; sender.waits.discount(sender.heldSince) } else sender.heldSince ??= Date.now()
      this.ctx.changed(sender.id, true)
    }
  }

  /** Offer `s` to its receiver and read the answer. */
  private async offerTo (s: Sender): Promise<AnswerMsg> {
    const stream = await this.ctx.c.node.dialProtocol(peerIdFromString(s.peerId), OFFER_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
      .catch((err: Error) => {
        // a paired peer that does not speak this offer runs another version of ferry, whichever identify tells
        if (err.name === 'UnsupportedProtocolError') throw otherVersionError(this.ctx.c.peerName(s.peerId), this.ctx.c.otherVersion?.(s.peerId) ?? { theirs: [], ours: OFFER_PROTOCOL })
        throw new FerryError('E_PEER_UNREACHABLE', `cannot reach ${this.ctx.c.peerName(s.peerId)}: ${dialFailure(err, 10_000, this.ctx.c.node.peerId.toString())}`, { cause: err })
      })
    const encoded = s.encodedOffer ?? encodeOffer(s.offer!)
    try {
      return await sendOffer(stream, encoded, s.controller.signal)
    } catch (err) {
      // the receiver took the stream and never answered: told apart from a link that failed, as asking again may never help
      if (!s.controller.signal.aborted && toFerryError(err).code === 'E_TIMEOUT') throw new AnswerTimeout(`${this.ctx.c.peerName(s.peerId)} took the offer but gave no answer within ${Math.round(offerTimeoutMs(encoded.byteLength) / 1000)} s`, err)
      throw err
    }
  }

  /**
   * A send whose offer was going out, or waiting for the person on the
   * other side to accept it, when the daemon stopped: the receiver may never
   * have got it, and then nothing would ever ask for its chunks. Offer it
   * again, same id, once the peer is online; a receiver that has it answers
   * as it stands there (offer-intake.ts takeOffer).
   */
  offerAgain (row: TransferRow): void {
    const sender = this.sends.reloadSender(row, true)
    if (sender == null) return
    this.ctx.c.log.info('offering again a send the daemon stopped in', { id: row.id })
    void (async () => {
      await this.peerOnline(sender)
      // its receiver may have asked for chunks meanwhile (it had the offer)
      if (sender.state !== 'waiting' && sender.state !== 'offered') return
      this.sends.setSendState(sender, 'offered')
      await this.deliverOffer(sender)
    })().catch((err) => { this.sends.failSend(sender, err) })
  }

  /** Sends waiting for their peer (peerOnline) go on once it is online: `peerId`'s, or any peer's. */
  offerToWaiting (peerId?: string): void {
    for (const [id, go] of [...this.offerWaits]) {
      const s = this.sends.senders.get(id)
      if (s != null && (peerId == null || s.peerId === peerId) && this.ctx.c.isOnline(s.peerId)) go()
    }
  }

  /** Sends delivered and quiet since PROBE_AFTER_MS (probeAfterMs; doubled for each quiet probe) are probed, as of `now`. */
  probeQuiet (now: number): void {
    for (const s of this.sends.senders.values()) {
      if (s.delivered && !s.probing && !s.finished && s.state !== 'hashing' && probeDue(s, retryToldAt(s), now, this.probeAfter) && this.ctx.c.isOnline(s.peerId)) void this.probe(s)
    }
  }

  /**
   * Offer `s` again to learn where its receiver stands (PROBE_AFTER_MS). An
   * answer that it goes on changes nothing but whether it waits its turn
   * there (sends.ts told); one that it ended there (it was cancelled, declined or
   * failed while we could not hear it) ends it here. Not reaching the
   * receiver is no answer: asked again later.
   */
  private async probe (s: Sender): Promise<void> {
    s.probing = true
    s.quietProbes++
    try {
      const ans = await this.offerTo(s)
      if (s.finished) return
      // what it holds goes with it: told that it waits for room, the send's count goes back to it, as when told
      // unasked (sends.ts told), which is best effort (review finding: that tell lost, the send showed what it had served)
      if (ans.status === 'accepted') { this.sends.told(s, { ...ans, heldBytes: ans.haveBytes }); return }
      if (ans.status !== 'refused') return
      const err = ans.error ?? new FerryError('E_CANCELLED', 'the receiver ended the transfer')
      this.ctx.c.log.info('the receiver had ended the transfer', { id: s.id, code: err.code })
      s.controller.abort()
      // the files it keeps, as its end message we missed would have said them (deliverOffer)
      if (endedBy(err) !== 'declined') this.sends.recordKept(s, ans.keptFiles)
      // none of its files could be received: said in this side's words, as when the receiver's failure reaches it (send-serve.ts onSendEnd)
      this.sends.setSendState(s, endedBy(err), notServedFailure(s, err) ?? err, 'peer')
    } catch (err) {
      this.ctx.c.log.debug('probe of a quiet send failed; will ask again', { id: s.id, err: (err as Error).message })
    } finally {
      s.heardAt = Date.now()
      s.probing = false
    }
  }
}
