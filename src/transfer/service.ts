// The transfer engine as a daemon service: sends (hash, offer, serve chunks,
// take receipt), receives (accept or hold offers, fetch, place, sign),
// resumes unfinished transfers when their peer is back, and publishes
// TransferInfo/OfferInfo snapshots (progress throttled) to the control API.
// This file is the service's face and its composition root: TransferService
// builds the two sides, gives each what they share (context.ts), registers
// the protocols, runs the timers, and keeps what needs both sides (list,
// info, resolveId, cancel, onEnd, loadUnfinished, trustRemoved,
// resumeWaiting, stop, publishing). The sides were one 1,700-line class;
// split so that each file has one job and each side owns its state:
//   send side, send/: sends.ts (the sends and their states), send-hash.ts
//     (scan and hash a new send), send-offer.ts (offer it, and again),
//     send-serve.ts (serve its chunks, take its receipt);
//   receive side, receive/: receives.ts (the receives and what their runs
//     share), offer-intake.ts (read and admit a new offer), receive-room.ts
//     (does it fit the receive folder), offer-decisions.ts (offers waiting
//     for a decision), kept-parts.ts (part folders receives leave).
// The rest of src/transfer/ by job: manifest/ (scan, chunk, hash: the hash
// pool and its worker), send/ and receive/ (what each side's runs do:
// sender.ts, receiver.ts, fetch.ts, …), folder/ (the receive folder: paths
// and names it takes, its room, placing a file), sink/ (verify and write
// received chunks); this folder keeps the service, the public API
// (index.ts) and what both sides share (context.ts, snapshot.ts, …).
// Must never: hold a send's or a receive's state itself.

import type { TransferRow } from '../store/transfers.ts'
import { FerryError, ambiguousTransferId } from '../errors.ts'
import { CHUNKS_PROTOCOL, PREVIEW_PROTOCOL, MAX_CHUNK_STREAMS_PER_PEER, OFFER_PROTOCOL, RECEIPT_PROTOCOL } from '../protocol/constants.ts'
import { readEnd, type EndAnswer, type EndHandled, type EndMsg } from '../protocol/transfer.ts'
import { isFinalState, isMovingState, TRANSFERS_LISTED, type OfferInfo, type TransferInfo } from '../daemon/control/types.ts'
import { toTransferInfo } from './snapshot.ts'
import { AliveMark, downtimeOf, isUnderWay } from './alive-mark.ts'
import { WaitClock } from './wait-clock.ts'
import { freezes } from './freeze-watch.ts'
import { EmitThrottle } from './throttle.ts'
import { sweepProbes } from './folder/name-probe.ts'
import { KEEP_ENDED_PARTS_MS } from './receive/part-folders.ts'
import { pruneIndex } from './receive/index-prune.ts'
import { PendingStates } from './pending-states.ts'
import { sendEndTo, type TransferComponents, type TransferContext } from './context.ts'
import { Sends } from './send/sends.ts'
import { SendOffering } from './send/send-offer.ts'
import { SendHashing } from './send/send-hash.ts'
import { SendServing } from './send/send-serve.ts'
import { Receives } from './receive/receives.ts'
import { SENDER_CANCELLED, testResumeLookMs } from './receive/receiver.ts'
import { ReceiveRoom } from './receive/receive-room.ts'
import { OfferIntake } from './receive/offer-intake.ts'
import { OfferDecisions } from './receive/offer-decisions.ts'
export type { TransferComponents } from './context.ts'

const EMIT_INTERVAL_MS = 250
const RETRY_INTERVAL_MS = 2000
/** How often a quiet transfer's snapshot goes out again (its rate fading, or stalled: nothing moves, so nothing else publishes it). */
const STALLED_INTERVAL_MS = 1000
/** How often waiting transfers are looked at: RETRY_INTERVAL_MS, or FERRY_TEST_RESUME_LOOK_MS (tests only: receiver.ts testResumeLookMs) */
export function lookIntervalMs (env: NodeJS.ProcessEnv = process.env): number {
  return testResumeLookMs(env) ?? RETRY_INTERVAL_MS
}
/** How long a refused offer's record stays (offer-intake.ts recordRefused). */
const KEEP_REFUSED_MS = 7 * 24 * 60 * 60 * 1000
/** How often part folders of ended receives are looked at (each kept KEEP_ENDED_PARTS_MS). */
const SWEEP_INTERVAL_MS = 60 * 60 * 1000
/** An ended transfer keeps its manifest this long (store/transfers.ts, forgetManifests), then only its summary and receipt. */
const KEEP_MANIFESTS_MS = 30 * 24 * 60 * 60 * 1000
/** How often every file of the receive index is looked at again (pruneIndex). */
const PRUNE_INTERVAL_MS = 24 * 60 * 60 * 1000

export class TransferService {
  private readonly c: TransferComponents
  /** what every part of the service shares (context.ts) */
  private readonly ctx: TransferContext
  /** the send side: sends.ts holds the sends, the others act on them */
  private readonly sends: Sends
  private readonly offering: SendOffering
  private readonly hashing: SendHashing
  private readonly serving: SendServing
  /** the receive side: receives.ts holds the receives, the others act on them */
  private readonly receives: Receives
  private readonly room: ReceiveRoom
  private readonly intake: OfferIntake
  private readonly decisions: OfferDecisions
  private timer?: NodeJS.Timeout
  private sweepTimer?: NodeJS.Timeout
  private stalledTimer?: NodeJS.Timeout
  /** that this daemon runs with transfers under way, marked in the store for the downtime a crash leaves (alive-mark.ts) */
  private readonly alive: AliveMark
  private readonly throttle = new EmitThrottle(EMIT_INTERVAL_MS, (id) => { this.publish(id) })

  constructor (c: TransferComponents) {
    this.c = c
    // read before anything marks it: the last sign of the run before this one
    this.alive = new AliveMark(c.store, c.log)
    this.ctx = { c, pendingStates: new PendingStates(c.store, c.log), changed: (id, urgent) => { this.changed(id, urgent) }, info: (id) => this.info(id), stopping: false, downSince: this.alive.downSince, startedAt: Date.now() }
    this.sends = new Sends(this.ctx)
    this.offering = new SendOffering(this.ctx, this.sends)
    this.hashing = new SendHashing(this.ctx, this.sends, this.offering)
    this.serving = new SendServing(this.ctx, this.sends)
    this.receives = new Receives(this.ctx)
    this.room = new ReceiveRoom(this.ctx, this.receives)
    this.intake = new OfferIntake(this.ctx, this.receives, this.room)
    this.decisions = new OfferDecisions(this.ctx, this.receives, this.room)
  }

  async start (): Promise<void> {
    const { node } = this.c
    await node.handle(OFFER_PROTOCOL, (s, conn) => { void this.intake.onOffer(s, conn.remotePeer.toString()) })
    await node.handle(PREVIEW_PROTOCOL, (s, conn) => { void this.receives.prefetches.take(s, conn.remotePeer.toString()) })
    await node.handle(CHUNKS_PROTOCOL, (s, conn) => { this.serving.serve(s, conn.remotePeer.toString()) }, { maxInboundStreams: MAX_CHUNK_STREAMS_PER_PEER })
    await node.handle(RECEIPT_PROTOCOL, (s, conn) => {
      const peerId = conn.remotePeer.toString()
      void readEnd(s, async (end) => await this.onEnd(peerId, end)).catch((err: Error & { code?: string }) => {
        // one that came and could not be read was answered with why (readEnd); its peer fails its receive so
        if (err.code === 'E_PROTOCOL' || err.code === 'E_MESSAGE_TOO_LARGE') this.c.log.warn('an end of a transfer (a receipt) could not be read; its peer was told why', { peerId, code: err.code, err: err.message })
        else this.c.log.debug('receipt stream failed', { err: err.message })
      })
    })
    await this.loadUnfinished()
    this.timer = setInterval(() => { this.recordPendingStates(); this.resumeWaiting(); this.markAlive() }, lookIntervalMs())
    this.timer.unref()
    // spans this daemon did not run, told apart from its peers' silence (freeze-watch.ts)
    freezes.start()
    this.stalledTimer = setInterval(() => { this.publishQuiet() }, STALLED_INTERVAL_MS)
    this.stalledTimer.unref()
    let pruned = 0
    let pruning = false
    const sweep = (): void => {
      void this.receives.parts.sweepParts(KEEP_ENDED_PARTS_MS).catch((err) => { this.c.log.warn('cannot remove old part folders', { err: (err as Error).message }) })
      try {
        const n = this.c.store.forgetManifests(Date.now() - KEEP_MANIFESTS_MS)
        if (n > 0) this.c.log.info('forgot the manifests of transfers ended over 30 days ago', { transfers: n })
        const refused = this.c.store.forgetRefused(Date.now() - KEEP_REFUSED_MS)
        if (refused > 0) this.c.log.info('forgot offers refused over a week ago', { offers: refused })
      } catch (err) { this.c.log.warn('cannot forget old manifests', { err: (err as Error).message }) }
      // what was forgotten (here, by the hash cache, by the index's pruning) goes back to the file system
      try {
        const bytes = this.c.store.reclaimSpace()
        if (bytes > 0) this.c.log.info('gave free space in the state database back to the disk', { MiB: Math.round(bytes / 2 ** 20 * 10) / 10 })
      } catch (err) { this.c.log.warn('cannot give free space in the state database back', { err: (err as Error).message }) }
      // a look at every indexed file: at start, then once a day, one walk at a time
      if (pruning || Date.now() - pruned < PRUNE_INTERVAL_MS) return
      pruning = true
      pruned = Date.now()
      void pruneIndex(this.c.store)
        .then((n) => { if (n > 0) this.c.log.info('forgot received files no longer in place', { files: n }) }, (err) => { this.c.log.warn('cannot prune the index of received files', { err: (err as Error).message }) })
        .finally(() => { pruning = false })
    }
    sweep()
    // probe files a daemon killed mid-check left (name-probe.ts, zero-chunks.ts), at start only; a probe of
    // a receive resumed meanwhile that this removes only finds nothing to unlink
    void sweepProbes(this.c.receiveDir).then((n) => { if (n > 0) this.c.log.info('removed probe files left in the receive folder', { files: n }) })
    this.sweepTimer = setInterval(sweep, SWEEP_INTERVAL_MS)
    this.sweepTimer.unref()
  }

  /** States kept in memory while the store could not take them: written now if it can; a send kept for its state alone goes once it is. */
  private recordPendingStates (): void {
    if (this.ctx.pendingStates.size === 0) return
    for (const id of this.ctx.pendingStates.retry()) if (this.sends.senders.get(id)?.finished === true) this.sends.senders.delete(id)
  }

  /** Whether a transfer not ended waits for `peerId` (the peer table then dials it at its fast pace). */
  waitsFor (peerId: string): boolean {
    for (const s of this.sends.senders.values()) if (s.peerId === peerId && !s.finished) return true
    for (const r of this.receives.receivers.values()) if (r.peerId === peerId && !r.finished) return true
    return false
  }

  async stop (): Promise<void> {
    this.ctx.stopping = true
    if (this.timer != null) clearInterval(this.timer)
    if (this.sweepTimer != null) clearInterval(this.sweepTimer)
    if (this.stalledTimer != null) clearInterval(this.stalledTimer)
    freezes.stop()
    this.receives.stopSinkTimer()
    this.throttle.stop()
    this.sends.stop()
    await this.receives.stop()
    // the last chance for states the store could not take (its disk full): lost if it still cannot (README, Known limits)
    this.recordPendingStates()
    const pool = this.hashing.takePool()
    const sink = this.receives.takeSink()
    await pool?.close()
    await sink?.close()
  }

  // ---- queries --------------------------------------------------------

  /** The transfers under way and the newest ended ones, `limit` in all of those kept (TRANSFERS_LISTED unless asked). */
  list (limit = TRANSFERS_LISTED): TransferInfo[] {
    const live = new Map<string, TransferInfo>()
    for (const s of this.sends.senders.values()) live.set(s.id, this.info(s.id)!)
    for (const r of this.receives.receivers.values()) if (r.state !== 'offered') live.set(r.id, this.info(r.id)!)
    for (const stored of this.c.store.list(limit)) {
      const row = this.ctx.pendingStates.overlay(stored)
      if (!live.has(row.id) && row.state !== 'offered') live.set(row.id, toTransferInfo({ row, peerName: this.c.peerName(row.peerId), keptAwaited: this.sends.keptAwaited.has(row.id) }))
    }
    // active first (an offer still waiting is not lost below newer sends), newest first, then history, the last ended
    // first, as its WHEN column says and the TUI's History has it (user-test finding: by their start they read out of order)
    const when = (t: TransferInfo): number => isFinalState(t.state) ? t.finishedAt ?? t.createdAt : t.createdAt
    return [...live.values()].sort((a, b) => Number(isFinalState(a.state)) - Number(isFinalState(b.state)) || when(b) - when(a))
  }

  /** Whether a transfer is hashing or fetching now (the daemon's collection after work waits for none: daemon/idle-trim.ts). */
  moving (): boolean {
    for (const s of this.sends.senders.values()) if (isMovingState(s.state)) return true
    for (const r of this.receives.receivers.values()) if (isMovingState(r.state)) return true
    return false
  }

  /** The offers waiting for a decision, each with the paths the receive folder cannot take as it is now (offer-decisions.ts). */
  async offers (): Promise<OfferInfo[]> {
    return await this.decisions.offers()
  }

  info (id: string): TransferInfo | undefined {
    const row = this.ctx.pendingStates.overlay(this.c.store.summary(id))
    if (row == null) return undefined
    const sender = this.sends.senders.get(id)
    return toTransferInfo({ row, sender, receiver: this.receives.receivers.get(id), peerName: this.c.peerName(row.peerId), keptAwaited: this.sends.keptAwaited.has(id), ...(sender != null ? { peerOnline: this.c.isOnline(row.peerId) } : {}) })
  }

  // ---- sending --------------------------------------------------------

  /** Start sending (send-hash.ts): returns at once with the transfer in `hashing`; progress comes as events. */
  async send (peerId: string, paths: string[], signal?: AbortSignal): Promise<TransferInfo> {
    return await this.hashing.send(peerId, paths, signal)
  }

  // ---- offers, cancel, ends -------------------------------------------

  /** Accept an offer waiting for a decision (offer-decisions.ts): its receive runs. */
  async accept (id: string): Promise<TransferInfo> {
    return await this.decisions.accept(id)
  }

  /** Decline an offer waiting for a decision (offer-decisions.ts). */
  async decline (id: string): Promise<void> {
    await this.decisions.decline(id)
  }

  async cancel (id: string): Promise<TransferInfo> {
    const r = this.receives.receivers.get(id)
    // a send of an earlier run waits in the store until its receiver asks for a chunk
    let s = this.sends.senders.get(id)
    if (s == null) {
      const row = this.c.store.get(id)
      if (row != null) s = this.sends.reloadSender(row)
    }
    if (r != null && !r.finished) {
      if (r.state === 'offered') this.c.emitOfferRemoved(id)
      await r.cancel('cancelled', true)
      // it was sending its receipt: done, not cancelled (Receiver.cancel)
      if (r.state === 'done') throw new FerryError('E_TRANSFER_ENDED', `transfer ${id} has already ended (done); nothing to cancel`)
      // what its files not yet whole held goes with their part folder: said (notes' leftover: `ferry cancel` said the
      // files kept, nothing of what it threw away)
      const held = r.heldOfUnplaced()
      if (await this.receives.parts.dropPartsOf(r) && held > 0) {
        this.ctx.pendingStates.write(id, { droppedBytes: held })
        this.ctx.changed(id, true)
      }
    } else if (s != null && !s.finished && s.receiptVerified) {
      // its receipt verified, its done waits for the receiver to record its own (send-serve.ts onSendEnd): done, not cancelled
      throw new FerryError('E_TRANSFER_ENDED', `transfer ${id} has already ended (done); nothing to cancel`)
    } else if (s != null && !s.finished) {
      s.controller.abort()
      // its receiver's answer, the files it keeps, comes after the cancel's event, which says so: a `ferry send`
      // of it in another terminal, which ends on that event, waits for the next (user-test finding: it said
      // "cancelled on the sending device" alone, where `ferry cancel` and `ferry transfers` said what was kept)
      if (s.offer != null) this.sends.keptAwaited.add(id)
      this.sends.setSendState(s, 'cancelled', new FerryError('E_CANCELLED', 'cancelled on the sending device'), 'here')
      let answer: EndAnswer | undefined
      try {
        answer = s.offer != null ? await sendEndTo(this.c, s.peerId, { transferId: Buffer.from(id, 'hex'), status: 'cancelled', root: s.offer.root, signature: new Uint8Array(0) }, 'receiver').catch(() => undefined) : undefined
      } finally {
        this.sends.keptAwaited.delete(id)
      }
      // the files its receiver had placed whole, which it keeps: said here too (a receiver from before 2026-12-06 says none);
      // none, or not told: the event that ends the wait all the same (user-test finding: with none kept no event came,
      // and a `ferry send` or `ferry wait` of it waited its 3 s out, then printed the event before, keptAwaited in it)
      if (answer != null) this.sends.recordKept(s, answer.keptFiles)
      if (s.offer != null) this.ctx.changed(id, true)
    } else {
      const ended = this.ctx.pendingStates.overlay(this.c.store.summary(id))?.state
      // ended only where its record says so: one recorded as under way that nothing here holds is no ended one (review finding)
      if (ended != null && isFinalState(ended)) throw new FerryError('E_TRANSFER_ENDED', `transfer ${id} has already ended (${ended}); nothing to cancel`)
      throw new FerryError('E_TRANSFER_NOT_FOUND', `no active transfer ${id}`)
    }
    return this.info(id)!
  }

  /** Part folders that receives under way do not use, kept for a re-send (kept-parts.ts). */
  async keptParts (): Promise<{ folders: number, bytes: number, ahead: number, dirs: string[] }> {
    return await this.receives.parts.keptParts()
  }

  /** A TransferEnd from the peer: the receiver's receipt, or a cancel/failure from either side. */
  private async onEnd (peerId: string, end: EndMsg): Promise<EndHandled | undefined> {
    const id = Buffer.from(end.transferId).toString('hex')
    const row = this.ctx.pendingStates.overlay(this.c.store.summary(id))
    // a send given up before its offer, after this daemon fetched ahead for it
    if (row == null && end.status === 'cancelled' && await this.receives.prefetches.drop(id, peerId)) return
    if (row == null || row.peerId !== peerId) throw new FerryError('E_TRANSFER_NOT_FOUND', 'no such transfer for you')
    if (row.direction === 'receive') {
      const r = this.receives.receivers.get(id)
      if (end.status === 'cancelled' && r != null && !r.finished) {
        if (r.state === 'offered') this.c.emitOfferRemoved(id)
        await r.cancel('cancelled', false, SENDER_CANCELLED)
      }
      // no part file of it holds a verified chunk (its files placed as they came, the rest not begun): its part folder
      // keeps nothing for a re-send (helper finding: 248 empty part files kept a day, `ferry status` saying "kept: 0 B");
      // also when the answer to a chunk request told it first (Receiver.cancelledBySender). Not while another receive
      // of the same content uses it, nor one that holds chunks an earlier receive of it kept (dropPartsOf)
      if (end.status === 'cancelled' && r?.state === 'cancelled' && r.partsKept === false) {
        await r.stopped()
        // not waited for: the ack, with the files it keeps, goes now. Awaited, a removal on a disk that hangs (or of
        // a folder of many thousand part files) held the ack, and the sender's `ferry cancel` with it, up to its wait
        // for an answer (10 s), after which that one said nothing of the files kept (notes' leftover). A removal that
        // fails is logged (dropPartsOf); one cut short by a stop leaves a kept folder, swept after a day
        void this.receives.parts.dropPartsOf(r, { unlessKept: true }).catch((err: Error) => { this.c.log.warn('cannot remove the part folder of a cancelled receive', { id, err: err.message }) })
      }
      // the files it keeps, placed whole before the cancel: for its sender to say (TransferEndAck.kept_files)
      if (end.status !== 'cancelled') return undefined
      if (r != null) return r.state === 'cancelled' ? { keptFiles: r.keptFiles() } : undefined
      // one that learnt of the cancel first from the answer to a chunk request (Receiver.cancelledBySender, at the end
      // of its run) is let go of as it ends (publish), before this message comes: the count it recorded then (user-test
      // finding, 30,000 files cancelled on the sender: its `ferry send` and `ferry transfers` said none were kept)
      return row.state === 'cancelled' ? { keptFiles: row.keptFiles ?? 0 } : undefined
    }
    const afterAck = await this.serving.onSendEnd(id, peerId, row, end)
    return afterAck != null ? { afterAck } : undefined
  }

  /**
   * A full transfer id, from a unique prefix of one (as `ferry transfers`
   * shows 8 characters). With `offers` (accept, decline), an offer waiting
   * for a decision is looked for first: a short prefix matched the history
   * too, and was ambiguous where only one offer could be meant (review
   * finding).
   */
  resolveId (prefix: string, opts: { offers?: boolean } = {}): string {
    const p = prefix.toLowerCase()
    if (opts.offers === true) {
      const pending = [...this.receives.receivers.values()].filter((r) => r.state === 'offered' && r.id.startsWith(p))
      if (pending.length === 1) return pending[0].id
      if (pending.length > 1) throw ambiguousTransferId(prefix, pending.map((r) => r.id), 'offers')
    }
    const ids = new Set<string>([...this.receives.receivers.keys(), ...this.sends.senders.keys()].filter((id) => id.startsWith(p)))
    // every transfer kept, not only those listed (user-test finding: one older than the newest 200 was "no transfer")
    if (ids.size === 0) for (const id of this.c.store.idsStartingWith(p)) ids.add(id)
    if (ids.size === 1) return [...ids][0]
    if (ids.size === 0) throw new FerryError('E_TRANSFER_NOT_FOUND', `no transfer or offer with id ${prefix}`)
    throw ambiguousTransferId(prefix, [...ids], 'transfers')
  }

  // ---- resume ---------------------------------------------------------

  private async loadUnfinished (): Promise<void> {
    for (const row of this.c.store.unfinished()) {
      // one row that cannot be restored (a store write refused) must not keep the others, or the daemon, from starting
      await this.loadOneUnfinished(row).catch((err: Error) => { this.c.log.warn('cannot restore an unfinished transfer', { id: row.id, err: err.message }) })
    }
    this.resumeWaiting()
  }

  private async loadOneUnfinished (row: TransferRow): Promise<void> {
    if (row.direction === 'receive') {
      await this.receives.load(row)
    } else if (row.state === 'offered') {
      this.offering.offerAgain(row)
    } else if (row.state === 'fetching' || row.state === 'waiting') {
      // in memory, so that `ferry transfers` and `ferry cancel` see it as it is; probed once its peer is online
      const s = this.sends.reloadSender(row, true)
      // why, in memory (its row keeps the state it had): the count it shows is its record until its receiver's word
      if (s != null && !this.c.isOnline(s.peerId)) { s.state = 'waiting'; s.error = this.sends.notHeardSinceRestart(s.peerId) }
    } else if (row.state === 'hashing') {
      // its waits so far, the one a clean stop opened, or the downtime of a crash (alive-mark.ts): review finding,
      // its record's waits were dropped, the downtime counted as its own time
      if (row.sources != null && row.sources.length > 0) this.hashing.resumeHashing(row.id, row.peerId, row.sources, row.totalBytes, WaitClock.restored(row, downtimeOf(row, this.ctx.downSince)))
      // a row from before the paths were kept: nothing to hash again
      else this.ctx.pendingStates.update(row.id, { state: 'failed', errorCode: 'E_CANCELLED', errorMessage: 'the daemon stopped while preparing the transfer; send again', finishedAt: Date.now() })
    }
  }

  /**
   * Trust in a peer was removed (by us, or it told us it unpaired): its
   * transfers stop now, both ways, as failed with E_NOT_PAIRED. Streams
   * already open would otherwise carry on past the gate, which only sees new
   * ones: a receive would take every remaining byte from a peer no longer
   * trusted, and a send would wait forever for a receipt it cannot get.
   */
  async trustRemoved (peerId: string, by: 'here' | 'peer' = 'peer'): Promise<void> {
    if (this.c.trust.isPaired(peerId)) return
    const name = this.c.peerName(peerId) || 'the peer'
    // one's own unpairing (`ferry unpair`, the TUI) said as that (user-test finding: "E_NOT_PAIRED: server is no longer
    // paired with this device", after `ferry unpair server` here)
    const why = new FerryError('E_NOT_PAIRED', by === 'here' ? `${name} was unpaired on this device; its transfers stopped` : `${name} is no longer paired with this device`)
    // each stopped at once (abandon aborts it before it awaits anything), not one after the other: one whose receipt is
    // on its way waits for the ack (Receiver.abandon, up to 10 s from a sender slow to answer), and must not keep the
    // others taking bytes from a peer no longer trusted meanwhile, nor the sends below from stopping
    const abandoned: Array<Promise<void>> = []
    for (const r of [...this.receives.receivers.values()]) {
      if (r.peerId !== peerId || r.finished) continue
      if (r.state === 'offered') this.c.emitOfferRemoved(r.id)
      abandoned.push(r.abandon(why))
    }
    for (const s of [...this.sends.senders.values()]) {
      // its receipt verified and acked, its done waiting only for its receiver's close (send-serve.ts onSendEnd): done,
      // as its receiver recorded it as the ack came, not failed here (review finding: an unpairing in that window
      // left the send failed, E_NOT_PAIRED, with its receipt verified, and the receive done there)
      if (s.peerId !== peerId || s.finished || s.receiptVerified) continue
      s.controller.abort()
      this.sends.setSendState(s, 'failed', why)
    }
    for (const r of await Promise.allSettled(abandoned)) if (r.status === 'rejected') throw r.reason
  }

  /** A peer went offline: only its sends need telling (sends.ts peerGone), as a receive pulls. */
  peerGone (peerId: string): void {
    this.sends.peerGone(peerId)
  }

  /** Kick every transfer that waits for its peer (sends to offer or probe, offers to ask about, receives to run again); called on a timer and when a peer comes online. */
  resumeWaiting (peerId?: string): void {
    // its offers held there for a decision are shown so again (peerOffline)
    if (peerId !== undefined) this.sends.heldThereChanged(peerId)
    this.offering.offerToWaiting(peerId)
    const now = Date.now()
    this.offering.probeQuiet(now)
    this.decisions.checkOffers(peerId)
    this.receives.resumeRuns(peerId, now)
  }

  // ---- events ---------------------------------------------------------

  /**
   * Transfers whose bytes stopped published again: progress is published as
   * it moves, so a stalled one's last event showed its last rate for as long
   * as it stalled (the TUI and `ferry send` never saw it stop), and a client
   * could not count its seconds (TransferInfo.stalledSeconds); and before
   * that, the rate fading (Progress.fading) stood as it was in the views.
   */
  private publishQuiet (): void {
    for (const t of [...this.sends.senders.values(), ...this.receives.receivers.values()]) {
      if (isMovingState(t.state) && (t.progress.stalledSeconds !== undefined || t.progress.fading)) this.changed(t.id, false)
    }
  }

  /** Publish a snapshot: state changes at once, progress throttled (EmitThrottle). */
  private changed (id: string, urgent: boolean): void {
    this.throttle.changed(id, urgent)
    // a state changed: one that starts to move is marked now, not at the next look (a crash within it would leave an old mark)
    if (urgent) this.markAlive()
  }

  /** That transfers are under way here, marked when due (alive-mark.ts). */
  private markAlive (): void {
    this.alive.underWay(() => [...this.sends.senders.values(), ...this.receives.receivers.values()].some((t) => !t.finished && isUnderWay(t.state)))
  }

  private publish (id: string): void {
    const info = this.info(id)
    if (info == null) return
    if (info.state !== 'offered' || info.direction === 'send') this.c.emitTransfer(info)
    if (isFinalState(info.state)) {
      if (this.receives.receivers.get(id)?.finished === true) this.receives.receivers.delete(id)
      this.throttle.forget(id)
    }
  }
}
