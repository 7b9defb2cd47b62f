// The transfer engine as a daemon service: sends (hash, offer, serve chunks,
// take receipt), receives (accept or hold offers, fetch, place, sign),
// resumes unfinished transfers when their peer is back, and publishes
// TransferInfo/OfferInfo snapshots (progress throttled) to the control API.
// The send side lives in sends.ts (the sends and their states), send-hash.ts,
// send-offer.ts and send-serve.ts, built here and given what they share
// (context.ts); this class routes to it.

import type { Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { setTimeout as sleep } from 'node:timers/promises'
import { basename, dirname } from 'node:path'
import { FerryError, isErrorCode, toFerryError } from '../errors.ts'
import { CHUNKS_PROTOCOL, PREVIEW_PROTOCOL, MAX_CHUNK_STREAMS_PER_PEER, MAX_RUNNING_RECEIVES_PER_PEER, MAX_PENDING_OFFERS_PER_PEER, MAX_UNFINISHED_OFFER_BYTES_PER_PEER, MAX_UNFINISHED_RECEIVES_PER_PEER, OFFER_PROTOCOL, RECEIPT_PROTOCOL } from '../protocol/constants.ts'
import { dialFailure } from '../protocol/stream.ts'
import { FrameReader, decodeOffer, encodeChunkRequest, readChunkHeader, readEnd, readOffer, sendAll, type AnswerMsg, type EndMsg, type OfferMsg, type RefusedEntry } from '../protocol/transfer.ts'
import { isFinalState, type OfferInfo, type TransferInfo } from '../daemon/control/types.ts'
import type { TransferRow } from '../store/transfers.ts'
import type { Bitmap } from './bitmap.ts'
import { verifyManifest } from './manifest-root.ts'
import { CHUNK_STREAMS, Receiver } from './receiver.ts'
import { createChunkSink, type ChunkSink } from './sink.ts'
import { checkOfferPaths, folderIdOf, isFolderAt, type FolderId, type Refusal } from './safe-path.ts'
import { renamesToEndAgain } from './renames.ts'
import { fileCount, labelOf, refusedSummary, toOfferInfo, toTransferInfo, topNamesOf } from './snapshot.ts'
import { KeyedLock } from './keyed-lock.ts'
import { EmitThrottle } from './throttle.ts'
import { checkSpace, spoolBound, type ChunkedEntries, type PullShape, type SpaceNeed } from './space.ts'
import { REQUEST_BYTES, REQUESTS_AHEAD, WRITE_BYTES_IN_FLIGHT } from './fetch.ts'
import { partDirFor } from './finalize.ts'
import { alreadyInPlace } from './receive-plan.ts'
import { keepsHoles, zeroBytes } from './zero-chunks.ts'
import { sweepProbes } from './name-probe.ts'
import { KeyedSemaphore } from './keyed-semaphore.ts'
import { FAT_MAX_FILE_BYTES, fileSizeLimit } from './file-size-limit.ts'
import { checkReceiveFolder, makeReceiveFolder } from './receive-folder.ts'
import { DISK_AWAY_LOG, diskNotMounted, lookAtReceiveMount, storeMountMemory } from './receive-mount.ts'
import { KEEP_ENDED_PARTS_MS, forgetPartChunks, keptPartFolders, partFolderBytes, removeKeptPartFiles, removePartFolder, sweepPartFolders } from './part-folders.ts'
import { pruneIndex } from './index-prune.ts'
import { PendingStates } from './pending-states.ts'
import { Prefetches } from './prefetch.ts'
import { failUnreadable, sendEndTo, type TransferComponents, type TransferContext } from './context.ts'
import { Sends } from './sends.ts'
import { SendOffering } from './send-offer.ts'
import { SendHashing } from './send-hash.ts'
import { SendServing } from './send-serve.ts'

export type { TransferComponents } from './context.ts'

const EMIT_INTERVAL_MS = 250
const RETRY_INTERVAL_MS = 2000
const SINK_IDLE_MS = 10_000
/** How long checkPendingOffer waits for a sender's "no such offer"; a sender that still offers it says nothing. */
const OFFER_CHECK_MS = 5000
/** How long an offer waits for its turn to be read (onOffer) before its stream is dropped. */
const OFFER_WAIT_MS = 30_000
/** How often the offers waiting for a decision are looked at again for paths their receive folder cannot take, at most, and how long a call waits for that look. */
const OFFERS_LOOK_MS = 1000
const OFFERS_LOOK_WAIT_MS = 2000
/** Refused offers recorded per peer and day (recordRefused); more are logged only. */
const REFUSED_RECORDS_PER_DAY = 20
/** How long a refused offer's record stays (recordRefused). */
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
  /** the send side (sends.ts holds the sends; the others act on them) */
  private readonly sends: Sends
  private readonly offering: SendOffering
  private readonly hashing: SendHashing
  private readonly serving: SendServing
  private readonly receivers = new Map<string, Receiver>()
  private sink?: ChunkSink
  private timer?: NodeJS.Timeout
  private sinkTimer?: NodeJS.Timeout
  private sweepTimer?: NodeJS.Timeout
  private readonly partDirs = new KeyedLock()
  /** receives of one peer that run at once (Receiver's peerRuns) */
  private readonly peerRuns = new KeyedSemaphore(MAX_RUNNING_RECEIVES_PER_PEER)
  /** The look at the offers waiting for a decision under way, and when the last one began (offers) */
  private offersLook?: Promise<void>
  private offersLookedAt = 0
  private readonly offerTurn = new KeyedLock()
  /** One new offer admitted at a time (admit): its space check counts every receive admitted before it. */
  private readonly admission = new KeyedLock()
  /**
   * Offers waiting for a decision that this daemon found in its store at
   * start: their sender may have cancelled them while this one was down,
   * and its cancel (sent once) was lost. Each is asked about once its peer
   * is online (checkPendingOffer).
   */
  private readonly offersToCheck = new Set<string>()
  private readonly throttle = new EmitThrottle(EMIT_INTERVAL_MS, (id) => { this.publish(id) })
  /** Receives fetching ahead of their offer, while their sender hashes (prefetch.ts) */
  private readonly prefetches: Prefetches

  /** ferry's own state folder, by what it is (safe-path.ts FolderId): offers into it are refused, nothing is placed in it */
  private readonly stateFolder?: FolderId
  constructor (c: TransferComponents) {
    this.c = c
    this.stateFolder = c.home != null ? folderIdOf(c.home) : undefined
    this.ctx = { c, pendingStates: new PendingStates(c.store, c.log), changed: (id, urgent) => { this.changed(id, urgent) }, info: (id) => this.info(id), stopping: false }
    this.sends = new Sends(this.ctx)
    this.offering = new SendOffering(this.ctx, this.sends)
    this.hashing = new SendHashing(this.ctx, this.sends, this.offering)
    this.serving = new SendServing(this.ctx, this.sends)
    this.prefetches = new Prefetches({
      receiveDir: () => this.c.receiveDir,
      wouldAccept: (peer, id) => this.c.trust.get(peer)?.autoAccept !== false && this.c.store.summary(id) == null,
      fits: async (dir, bytes, files) => {
        try {
          await checkReceiveFolder(dir)
          // its part folder would be in the state folder, and every offer into it is refused
          if (isFolderAt(dir, this.stateFolder)) return false
          // a file the receive folder cannot hold (FAT32's 4 GiB) would be refused by the offer after its bytes came (review finding)
          if (files.some((f) => f.kind === 'file' && f.size > FAT_MAX_FILE_BYTES) && await fileSizeLimit(dir) !== undefined) return false
          await checkSpace(dir, { total: bytes, reserved: this.reservedIn(dir), spool: spoolOf(files, bytes) })
          return true
        } catch { return false }
      },
      holds: (hash) => this.c.store.findChunk(hash).length > 0,
      sink: () => this.chunkSink,
      openChunkStream: async (peer, signal) => await this.openChunkStream(peer, signal),
      streams: CHUNK_STREAMS,
      ended: () => { this.scheduleSinkRelease() },
      log: c.log
    })
  }

  private get chunkSink (): ChunkSink { return (this.sink ??= createChunkSink()) }

  async start (): Promise<void> {
    const { node } = this.c
    await node.handle(OFFER_PROTOCOL, (s, conn) => { void this.onOffer(s, conn.remotePeer.toString()) })
    await node.handle(PREVIEW_PROTOCOL, (s, conn) => { void this.prefetches.take(s, conn.remotePeer.toString()) })
    await node.handle(CHUNKS_PROTOCOL, (s, conn) => { this.serving.serve(s, conn.remotePeer.toString()) }, { maxInboundStreams: MAX_CHUNK_STREAMS_PER_PEER })
    await node.handle(RECEIPT_PROTOCOL, (s, conn) => {
      void readEnd(s, async (end) => { await this.onEnd(conn.remotePeer.toString(), end) }).catch((err) => { this.c.log.debug('receipt stream failed', { err: (err as Error).message }) })
    })
    await this.loadUnfinished()
    this.timer = setInterval(() => { this.recordPendingStates(); this.resumeWaiting() }, RETRY_INTERVAL_MS)
    this.timer.unref()
    let pruned = 0
    let pruning = false
    const sweep = (): void => {
      void this.sweepParts(KEEP_ENDED_PARTS_MS, undefined, true).catch((err) => { this.c.log.warn('cannot remove old part folders', { err: (err as Error).message }) })
      try {
        const n = this.c.store.forgetManifests(Date.now() - KEEP_MANIFESTS_MS)
        if (n > 0) this.c.log.info('forgot the manifests of transfers ended over 30 days ago', { transfers: n })
        const refused = this.c.store.forgetRefused(Date.now() - KEEP_REFUSED_MS)
        if (refused > 0) this.c.log.info('forgot offers refused over a week ago', { offers: refused })
      } catch (err) { this.c.log.warn('cannot forget old manifests', { err: (err as Error).message }) }
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
    for (const r of this.receivers.values()) if (r.peerId === peerId && !r.finished) return true
    return false
  }

  async stop (): Promise<void> {
    this.ctx.stopping = true
    if (this.timer != null) clearInterval(this.timer)
    if (this.sweepTimer != null) clearInterval(this.sweepTimer)
    if (this.sinkTimer != null) clearTimeout(this.sinkTimer)
    this.throttle.stop()
    this.sends.stop()
    await this.prefetches.stop()
    await Promise.all([...this.receivers.values()].map(async (r) => await r.pause()))
    // the last chance for states the store could not take (its disk full): lost if it still cannot (README, Known limits)
    this.recordPendingStates()
    const pool = this.hashing.takePool()
    const sink = this.sink
    this.sink = undefined
    await pool?.close()
    await sink?.close()
  }

  // ---- queries --------------------------------------------------------

  list (): TransferInfo[] {
    const live = new Map<string, TransferInfo>()
    for (const s of this.sends.senders.values()) live.set(s.id, this.info(s.id)!)
    for (const r of this.receivers.values()) if (r.state !== 'offered') live.set(r.id, this.info(r.id)!)
    for (const stored of this.c.store.list()) {
      const row = this.ctx.pendingStates.overlay(stored)
      if (!live.has(row.id) && row.state !== 'offered') live.set(row.id, toTransferInfo({ row, peerName: this.c.peerName(row.peerId) }))
    }
    // active first (an offer still waiting is not lost below newer sends), then history; each the newest first
    return [...live.values()].sort((a, b) => Number(isFinalState(a.state)) - Number(isFinalState(b.state)) || b.createdAt - a.createdAt)
  }

  /**
   * The offers waiting for a decision, each with the paths the receive
   * folder cannot take as it is now: it may have changed since the offer
   * came (review finding: a link removed meanwhile was still warned of), and
   * an offer reloaded after a restart was never looked at. One look at a
   * time, at most every OFFERS_LOOK_MS, waited for OFFERS_LOOK_WAIT_MS at
   * most (16 offers of 100,000 entries take a while to look at, and `ferry
   * transfers` and the TUI's connect ask for offers too: review finding);
   * beyond that, as the last look found them. A look that finds a change
   * tells the TUI (an `offer` event).
   */
  async offers (): Promise<OfferInfo[]> {
    if (this.offersLook == null && Date.now() - this.offersLookedAt >= OFFERS_LOOK_MS) {
      this.offersLookedAt = Date.now()
      this.offersLook = this.lookAtOffers().finally(() => { this.offersLook = undefined })
    }
    if (this.offersLook != null) await Promise.race([this.offersLook, sleep(OFFERS_LOOK_WAIT_MS, undefined, { ref: false })])
    return [...this.receivers.values()].filter((r) => r.state === 'offered').map((r) => toOfferInfo(r, this.c.peerName(r.peerId)))
  }

  private async lookAtOffers (): Promise<void> {
    for (const r of [...this.receivers.values()].filter((x) => x.state === 'offered')) {
      try {
        // `partly`: an offer every file of which is refused now is counted whole, not thrown (review finding: the last, smaller count stayed)
        const { refused } = await checkOfferPaths(this.c.receiveDir, r.offer.files, this.stateFolder, { partly: true })
        const now = refusedSummary(r.offer.files, refused)
        if (JSON.stringify(now) === JSON.stringify(r.refusedAtOffer)) continue
        r.refusedAtOffer = now
        if (r.state === 'offered') this.c.emitOffer(toOfferInfo(r, this.c.peerName(r.peerId)))
      } catch {
        // the folder cannot be looked at now: as last known
      }
    }
  }

  info (id: string): TransferInfo | undefined {
    const row = this.ctx.pendingStates.overlay(this.c.store.summary(id))
    if (row == null) return undefined
    return toTransferInfo({ row, sender: this.sends.senders.get(id), receiver: this.receivers.get(id), peerName: this.c.peerName(row.peerId) })
  }

  // ---- sending --------------------------------------------------------


  /** Start sending (send-hash.ts): returns at once with the transfer in `hashing`; progress comes as events. */
  async send (peerId: string, paths: string[], signal?: AbortSignal): Promise<TransferInfo> {
    return await this.hashing.send(peerId, paths, signal)
  }

  /** Likewise the sink (its worker thread, or the inline sink's open part files and spare buffers), a while after the last receive stopped running. */
  private scheduleSinkRelease (): void {
    if (this.sinkTimer != null) clearTimeout(this.sinkTimer)
    this.sinkTimer = setTimeout(() => {
      this.sinkTimer = undefined
      if ([...this.receivers.values()].some((r) => r.active) || this.prefetches.active) return
      const sink = this.sink
      this.sink = undefined
      void sink?.close()
    }, SINK_IDLE_MS)
    this.sinkTimer.unref()
  }

  /**
   * makeReceiveFolder, but not where its disk is not mounted: a receive
   * folder missing on another mount than it was last seen on is refused
   * (receive-mount.ts), and one that is there has its mount remembered.
   */
  private async makeReceiveFolderOnItsDisk (dir: string): Promise<void> {
    const memory = storeMountMemory(this.c.store, this.c.log)
    const look = await lookAtReceiveMount(dir, memory)
    if (look.missingWith !== undefined) {
      this.c.log.warn(DISK_AWAY_LOG, { receiveDir: dir, mountedAt: look.missingWith })
      throw diskNotMounted()
    }
    await makeReceiveFolder(dir)
    // made now: its mount remembered (one that was there was remembered by the look)
    if (look.there === false) await lookAtReceiveMount(dir, memory)
  }

  // ---- receiving ------------------------------------------------------

  /**
   * A peer's offers are read and checked one at a time: decoding the largest
   * one allowed (64 MiB of chunk hashes) costs a few hundred MB while it
   * lasts, and a paired peer may open many offer streams at once. One at a
   * time, an id cannot come in on two streams at once either: takeOffer
   * looks it up once, before its checks. One turn per peer, not one for
   * all: a peer that opens an offer stream and sends nothing held the turn
   * for a minute, and every other device's offers were refused meanwhile
   * (review finding).
   */
  private async onOffer (stream: Stream, peerId: string): Promise<void> {
    let release: () => void
    try {
      release = await this.offerTurn.acquire(peerId, AbortSignal.timeout(OFFER_WAIT_MS))
    } catch {
      this.c.log.warn('offer refused: too many at once', { peerId })
      stream.abort(new FerryError('E_TIMEOUT', 'too many offers at once'))
      return
    }
    try {
      await this.takeOffer(stream, peerId)
    } finally {
      release()
    }
  }

  private async takeOffer (stream: Stream, peerId: string): Promise<void> {
    let got
    try {
      got = await readOffer(stream)
    } catch (err) {
      this.c.log.warn('bad offer refused', { peerId, err: (err as Error).message })
      return
    }
    const { offer, bytes, answer } = got
    const id = Buffer.from(offer.transferId).toString('hex')
    let r: Receiver
    try {
      if (offer.transferId.length !== 16) throw new FerryError('E_PROTOCOL', 'transfer id must be 16 bytes')
      if (await this.answerKnownOffer(id, peerId, offer, answer)) return
      verifyManifest({ files: offer.files, root: offer.root, totalBytes: offer.totalBytes })
      // the space check and the limits see every receive admitted before
      // this one: offers from two devices at once are admitted one after
      // the other (their turns to be read are per peer)
      // what it fetched ahead finishes first, outside the admission's turn (up to 10 s: offers of other devices do not wait for it)
      await this.prefetches.finish(id, peerId)
      r = await this.oneAdmissionAtATime(async () => {
        // what it fetched ahead while the sender hashed becomes this offer's
        // part folder (the plan verifies it); in the admission's turn, so
        // that another offer's sweep for room cannot take it before its receive exists
        const ahead = await this.prefetches.handOver(id, peerId, offer)
        return await this.admit(id, peerId, offer, bytes, ahead)
      })
    } catch (err) {
      const fe = toFerryError(err, 'E_PROTOCOL')
      this.c.log.warn('offer refused', { peerId, code: fe.code, err: fe.message })
      this.recordRefused(id, peerId, offer, fe)
      await answer({ status: 'refused', haveBytes: 0, error: fe })
      return
    }
    if (r.state === 'offered') {
      await answer({ status: 'pending', haveBytes: 0 })
      this.c.emitOffer(toOfferInfo(r, this.c.peerName(peerId)))
      return
    }
    await answer({ status: 'accepted', haveBytes: 0, waitsTurn: this.waitsItsTurn(r) })
    void this.runReceiver(r)
  }

  /**
   * An offer refused whole (no room, a hostile name, a limit) is recorded
   * as a failed receive, with why and without its manifest, so that
   * `ferry transfers` and the TUI show it here too: the person on this
   * device saw nothing of a send that never arrived (user-test finding).
   * Not an id that names no transfer or one already recorded (its row
   * stands); at most REFUSED_RECORDS_PER_DAY per peer, counted in the store
   * (so across restarts), and each forgotten after KEEP_REFUSED_MS: a paired
   * device offering in a loop does not fill the store, nor push the
   * transfers that matter out of `ferry transfers` (review finding: 20 an
   * hour, counted in memory, did within a day).
   */
  private recordRefused (id: string, peerId: string, offer: OfferMsg, fe: FerryError): void {
    if (this.ctx.stopping || offer.transferId.length !== 16) return
    const now = Date.now()
    try {
      if (this.c.store.countRefusedSince(peerId, now - 24 * 3_600_000) >= REFUSED_RECORDS_PER_DAY) return
      if (this.c.store.summary(id) != null) return
      this.c.store.insert({ id, direction: 'receive', peerId, peerName: this.c.peerName(peerId), state: 'failed', root: offer.root, offer: new Uint8Array(0), totalBytes: offer.totalBytes, fileCount: fileCount(offer.files), doneBytes: 0, wireBytes: 0, receiveDir: this.c.receiveDir, receiptVerified: false, resumed: false, createdAt: now, finishedAt: now, errorCode: fe.code, errorMessage: fe.message, label: labelOf(topNamesOf(offer.files)) })
    } catch (err) {
      // the refusal is told all the same (a full disk is a likely reason for both)
      this.c.log.debug('cannot record a refused offer', { id, err: (err as Error).message })
      return
    }
    this.changed(id, true)
  }

  /** Run `admitting` (a space check and what it admits) with no other admission at the same time. */
  private async oneAdmissionAtATime<T> (admitting: () => Promise<T>): Promise<T> {
    const release = await this.admission.acquire('admit')
    try { return await admitting() } finally { release() }
  }

  /**
   * Check that a new offer fits and is within the peer's limits, and record
   * it: accepted (auto-accept) or waiting for a decision. Throws why not.
   * `encoded`: the offer's bytes as they came (stored as they are: decoded and verified already).
   */
  private async admit (id: string, peerId: string, offer: OfferMsg, encoded: Uint8Array, ahead: { wire: number, verified: number, held?: Map<number, Bitmap>, sure?: Map<number, Bitmap> } = { wire: 0, verified: 0 }): Promise<Receiver> {
    // the same id from another peer, read while this one's offer was (turns are per peer)
    if (this.c.store.summary(id) != null) throw new FerryError('E_PROTOCOL', 'transfer id already used')
    // removed since the daemon started (by the user, or a cleaner): made again, as at start; not on another disk
    await this.makeReceiveFolderOnItsDisk(this.c.receiveDir)
    // refused now, not when its bytes have come: see checkFits
    const refused = await this.checkFits(offer)
    const auto = this.c.trust.get(peerId)?.autoAccept !== false
    if (!auto && [...this.receivers.values()].filter((r) => r.peerId === peerId && r.state === 'offered').length >= MAX_PENDING_OFFERS_PER_PEER) {
      throw new FerryError('E_LIMIT', `${MAX_PENDING_OFFERS_PER_PEER} offers from this device already wait for a decision`)
    }
    const unfinished = [...this.receivers.values()].filter((r) => r.peerId === peerId && !r.finished)
    const heldBytes = unfinished.reduce((n, r) => n + r.offerBytes, encoded.byteLength)
    if (unfinished.length >= MAX_UNFINISHED_RECEIVES_PER_PEER || heldBytes > MAX_UNFINISHED_OFFER_BYTES_PER_PEER) {
      throw new FerryError('E_LIMIT', `${unfinished.length} transfers from this device are not finished on the receiving one (their manifests: ${(heldBytes / 2 ** 20).toFixed(1)} MiB with this one); let them finish, or cancel some there, and send again`)
    }
    const createdAt = Date.now()
    // accepted is recorded as such before the answer says so: a receive that
    // waits to start (behind another of the same content) and is cut short
    // by a crash comes back to run, not as an offer waiting for a decision
    // (review finding), as `accept` records it
    const state = auto ? 'accepted' : 'offered'
    this.c.store.insert({ id, direction: 'receive', peerId, peerName: this.c.peerName(peerId), state, root: offer.root, offer: encoded, totalBytes: offer.totalBytes, fileCount: fileCount(offer.files), doneBytes: 0, wireBytes: ahead.wire, receiveDir: this.c.receiveDir, receiptVerified: false, resumed: false, createdAt, label: labelOf(topNamesOf(offer.files)) })
    const r = this.newReceiver(id, peerId, offer, state, { createdAt, offerBytes: encoded.byteLength, wireBytes: ahead.wire, aheadBytes: ahead.verified, aheadHeld: ahead.held, aheadSure: ahead.sure })
    // an offer that waits for a decision says so before it is accepted (user-test finding: only the receipt told)
    r.refusedAtOffer = refusedSummary(offer.files, refused)
    return r
  }

  /**
   * An offer this daemon already has: the sender offers again after a
   * restart that may have cut its first delivery short (offerAgain). The same
   * peer and root get the answer as the transfer stands here; anything else
   * under a known id is refused. Returns false for an id not seen before.
   */
  private async answerKnownOffer (id: string, peerId: string, offer: OfferMsg, answer: (a: AnswerMsg) => Promise<void>): Promise<boolean> {
    const row = this.ctx.pendingStates.overlay(this.c.store.summary(id))
    if (row == null) return false
    const r = this.receivers.get(id)
    if (row.direction !== 'receive' || row.peerId !== peerId || Buffer.compare(row.root, offer.root) !== 0) {
      this.c.log.warn('offer refused', { peerId, code: 'E_PROTOCOL', err: 'transfer id already used' })
      await answer({ status: 'refused', haveBytes: 0, error: new FerryError('E_PROTOCOL', 'transfer id already used') })
      return true
    } else if (row.state === 'offered') {
      await answer({ status: 'pending', haveBytes: 0 })
    } else if (row.state === 'done' || !isFinalState(row.state)) {
      await answer({ status: 'accepted', haveBytes: row.state === 'done' ? row.totalBytes : (r?.progress.done ?? row.doneBytes), waitsTurn: r != null && this.waitsItsTurn(r) })
      // done here, and asked: the sender has not kept our receipt (it is sent until acknowledged, but a sender can lose what it wrote last);
      // how many renames also as a sender from before 2026-12-05 reads it, which reads no rename_count (review finding: it was told 0);
      // the count kept is by rename since then, a folder once: fewer than its files, but not none. The renames themselves as the first
      // receipt listed them, by the entries of this offer (its root is the one received): told the count alone, a sender that lost
      // the first receipt named none of them (helper finding)
      if (row.state === 'done' && row.receiptSig != null && row.receiptSig.length > 0) {
        void sendEndTo(this.c, peerId, { transferId: Buffer.from(id, 'hex'), status: 'done', root: row.root, signature: row.receiptSig, wireBytes: row.wireBytes, missing: row.receiptMissing, renamedCount: row.renamedCount, ...renamesToEndAgain(row.renamed ?? [], row.renamedCount ?? 0, offer.files), refused: row.receiptRefused }, 'sender').catch(() => {})
      }
    } else {
      const code = row.state === 'declined' ? 'E_DECLINED' : isErrorCode(row.errorCode) ? row.errorCode : 'E_CANCELLED'
      await answer({ status: 'refused', haveBytes: 0, error: new FerryError(code, row.errorMessage ?? `this transfer was ${row.state} here`) })
    }
    this.c.log.info('an offer known already, answered as it stands', { id, state: row.state })
    return true
  }

  /**
   * The receive folder as it is now against an offer, when it comes and
   * again when the person accepts it: its paths (no symlink on the way, no
   * file where it needs a folder, nothing into ferry's own state folder)
   * and the space it needs. Returns the paths the receive folder cannot
   * take as it is (the rest is received without them).
   */
  private async checkFits (offer: OfferMsg, self?: Receiver): Promise<ReadonlyMap<string, Refusal>> {
    await checkReceiveFolder(this.c.receiveDir)
    const { renamed, refused } = await checkOfferPaths(this.c.receiveDir, offer.files, this.stateFolder)
    // the rest is received; the receipt names these (the plan finds them again at each run)
    if (refused.size > 0) this.c.log.warn('paths of an offer refused; the rest will be received', { id: Buffer.from(offer.transferId).toString('hex'), refused: refused.size, first: refused.values().next().value!.error.message })
    await this.ensureSpace(offer, renamed, refused, self)
    return refused
  }

  /** What the accepted receives into `dir` (those `which` takes) still need. One of the same content shares the part folder, and finds its files in place. */
  private reservedIn (dir: string, which: (r: Receiver) => boolean = () => true): number {
    // and what receives fetching ahead of their offer may still write
    let reserved = this.prefetches.reservedIn(dir, spoolOf)
    for (const r of this.receivers.values()) {
      if (!which(r) || r.receiveDir !== dir || r.finished || r.state === 'offered') continue
      // with room for its spool: one that has just begun fills it later (review finding: two receives that each fit passed, and together ran out)
      const left = r.progress.left
      reserved += left + spoolOf(r.offer.files, left)
    }
    return reserved
  }

  /**
   * Refuse an offer that does not fit (E_NO_SPACE), counting what the
   * receiver holds of it already (files in place, the part folder of an
   * earlier attempt) and what accepted receives still need. When it does not
   * fit, the part folders of ended receives go first (part-folders.ts).
   */
  private async ensureSpace (offer: OfferMsg, renamed: ReadonlyMap<string, string>, refused: ReadonlyMap<string, unknown>, self?: Receiver): Promise<void> {
    const dir = this.c.receiveDir
    const rootHex = Buffer.from(offer.root).toString('hex')
    let inPlace = 0
    const reserved = this.reservedIn(dir, (r) => r !== self && r.rootHex !== rootHex)
    const partDir = partDirFor(dir, rootHex)
    // the holes of sparse files are never written (zero-chunks.ts), where the file system keeps holes, nor are the paths refused
    const taken = refused.size === 0 ? offer.files : offer.files.filter((f) => !refused.has(f.path))
    const zeros = zeroBytes(taken)
    const holes = zeros > 0 && await keepsHoles(dir)
    const total = taken.reduce((n, f) => n + f.size, 0) - (holes ? zeros : 0)
    const need = async (): Promise<SpaceNeed> => {
      const { held, spooled } = await partFolderBytes(partDir)
      // room for the spool of what is still to fetch, not of the whole offer (review finding: a re-send all in place was refused)
      return { total, inPlace, held, reserved, spool: spoolOf(offer.files, total - inPlace - held), spooled }
    }
    /** undefined when the offer fits, else the E_NO_SPACE that says by how much it does not */
    const shortage = async (): Promise<unknown> => {
      try {
        await checkSpace(dir, await need())
        return undefined
      } catch (err) {
        if (toFerryError(err).code !== 'E_NO_SPACE') throw err
        return err
      }
    }
    let short = await shortage()
    if (short === undefined) return
    // Files already in place need no room. Looked for only when the offer
    // does not fit without them: it costs a stat per file (~100 ms of the
    // offer's answer for 1,000 photos, which the plan does again anyway).
    for (const f of taken) if (f.kind === 'file' && await alreadyInPlace(dir, renamed.get(f.path) ?? f.path, f, this.c.store, undefined, { estimate: true }) != null) inPlace += f.size - (holes ? zeroBytes([f]) : 0)
    short = await shortage()
    if (short === undefined) return
    const freed = await this.sweepParts(0, rootHex)
    if (freed.folders > 0) short = await shortage()
    if (short !== undefined) throw short
  }

  /**
   * Remove part folders of ended receives not written to for `minAgeMs`,
   * never one an unfinished receive (or `alsoKeep`) uses: in the receive
   * folder, and with `everyFolder` also in every receive folder a receive
   * was written to before (the daemon started with another --receive-dir
   * since; a receive that ended there left its part folder, which a re-send,
   * going to the current folder, never uses: review finding).
   */
  private async sweepParts (minAgeMs: number, alsoKeep?: string, everyFolder = false): Promise<{ folders: number, bytes: number }> {
    const keep = new Set([...this.receivers.values()].filter((r) => !r.finished).map((r) => r.rootHex))
    for (const name of this.prefetches.folders()) keep.add(name)
    if (alsoKeep != null) keep.add(alsoKeep)
    const dirs = new Set([this.c.receiveDir, ...(everyFolder ? this.c.store.receiveDirs() : [])])
    const freed = { folders: 0, bytes: 0 }
    for (const dir of dirs) {
      const f = await sweepPartFolders(dir, keep, minAgeMs)
      forgetPartChunks(this.c.store, f.removed, this.c.log)
      freed.folders += f.folders
      freed.bytes += f.bytes
    }
    if (freed.folders > 0) this.c.log.info('removed part folders of ended receives', { folders: freed.folders, bytes: freed.bytes, why: minAgeMs > 0 ? 'unused for a day' : 'an offer needed the room' })
    return freed
  }

  private async runReceiver (r: Receiver): Promise<void> {
    // accepted while the daemon stops (after it paused the receives it had):
    // recorded as accepted, it runs after the restart, instead of starting
    // now against a sink about to close (review finding)
    if (this.ctx.stopping) return
    await r.run()
    this.scheduleSinkRelease()
    if (r.state === 'done' && r.keptPartsUsed.size > 0) {
      await this.dropUsedKeptParts(r.keptPartsUsed).catch((err: unknown) => { this.c.log.warn('cannot remove kept part files a receive copied from; they go within a day', { id: r.id, err: (err as Error).message }) })
    }
  }

  /**
   * Part files kept by ended receives that a receive now done copied most
   * of (Plan.keptPartsUsed): what they held is in place now, or was of an
   * older version of what is. They go at once, and a part folder left without part files with them;
   * before, a re-send after a change kept both copies for a day (user-test
   * finding: 231.8 MiB shown kept after everything had arrived). Not in a
   * part folder a receive under way uses (a re-send of that very content).
   * Called after the receive's run, which no longer holds its own folder's
   * lock then.
   */
  private async dropUsedKeptParts (used: ReadonlyMap<string, ReadonlySet<number>>): Promise<void> {
    // only those it copied at least half the kept chunks of: a file sent again after an edit copies all
    // but the chunks edited (user-test finding: kept for a day after), where a receive that shared a
    // chunk or two with it leaves it a re-send's worth (review finding: one chunk removed it whole)
    const byDir = new Map<string, string[]>()
    for (const [p, copied] of used) {
      // (none known any more: not known to be used up either)
      const kept = this.c.store.chunkOffsetsAt(p)
      if (kept.length === 0 || kept.filter((o) => copied.has(o)).length * 2 < kept.length) continue
      byDir.set(dirname(p), [...(byDir.get(dirname(p)) ?? []), p])
    }
    const inUse = (root: string): boolean => [...this.receivers.values()].some((x) => !x.finished && x.rootHex === root)
    let files = 0
    let bytes = 0
    for (const [dir, paths] of byDir) {
      const root = basename(dir)
      if (inUse(root)) continue
      // in the admissions' turn: an offer of that very content being admitted counts on the folder (its space check, a prefetch handed over) (review finding)
      await this.oneAdmissionAtATime(async () => {
        if (inUse(root)) return
        const release = await this.partDirs.acquire(root)
        try {
          const r = await removeKeptPartFiles(dir, paths, this.c.store, this.c.log)
          files += r.files
          bytes += r.bytes
        } finally {
          release()
        }
      })
    }
    if (files > 0) this.c.log.info('removed kept part files a receive copied from', { files, bytes })
  }

  /** A /ferry/chunks stream to `peer` (10 s at most to open), or E_PEER_UNREACHABLE. */
  private async openChunkStream (peer: string, signal?: AbortSignal): Promise<Stream> {
    const timeout = AbortSignal.timeout(10_000)
    return await this.c.node.dialProtocol(peerIdFromString(peer), CHUNKS_PROTOCOL, { signal: signal == null ? timeout : AbortSignal.any([signal, timeout]) })
      .catch((err: Error) => { throw new FerryError('E_PEER_UNREACHABLE', `cannot reach ${this.c.peerName(peer)}: ${dialFailure(err, 10_000)}`, { cause: err }) })
  }

  private newReceiver (id: string, peerId: string, offer: OfferMsg, state: string, extra: { aheadBytes?: number, aheadHeld?: Map<number, Bitmap>, aheadSure?: Map<number, Bitmap>, doneBytes?: number, wireBytes?: number, resumed?: boolean, crashed?: boolean, localBytes?: number, receiveDir?: string, receiptMissing?: Uint8Array, receiptRefused?: RefusedEntry[], receiptNotServed?: number, createdAt?: number, offerBytes?: number, receiveMount?: string } = {}): Receiver {
    const r = new Receiver({
      store: this.c.store,
      sink: () => this.chunkSink,
      openChunkStream: async (peer, signal) => await this.openChunkStream(peer, signal),
      sendEnd: async (peer, end) => { await sendEndTo(this.c, peer, end, 'sender') },
      sign: async (data) => await this.c.privateKey.sign(data),
      changed: (rec, urgent) => { this.changed(rec.id, urgent) },
      writeState: (rid, patch) => this.ctx.pendingStates.write(rid, patch),
      updateState: (rid, patch) => { this.ctx.pendingStates.update(rid, patch) },
      partDirs: this.partDirs,
      peerRuns: this.peerRuns,
      peerName: (peer) => this.c.peerName(peer),
      stateFolder: this.stateFolder,
      log: this.c.log
    }, { id, peerId, offer, state, ...extra, receiveDir: extra.receiveDir ?? this.c.receiveDir })
    this.receivers.set(id, r)
    return r
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
      const pending = [...this.receivers.values()].filter((r) => r.state === 'offered' && r.id.startsWith(p))
      if (pending.length === 1) return pending[0].id
      if (pending.length > 1) throw new FerryError('E_BAD_REQUEST', `${prefix} matches ${pending.length} offers; give more of the id`)
    }
    const ids = new Set<string>([...this.receivers.keys(), ...this.sends.senders.keys()].filter((id) => id.startsWith(p)))
    if (ids.size === 0) for (const row of this.c.store.list()) if (row.id.startsWith(p)) ids.add(row.id)
    if (ids.size === 1) return [...ids][0]
    if (ids.size === 0) throw new FerryError('E_TRANSFER_NOT_FOUND', `no transfer or offer with id ${prefix}`)
    throw new FerryError('E_BAD_REQUEST', `${prefix} matches ${ids.size} transfers; give more of the id`)
  }

  /** Why `id` is no offer to decide on: what it is instead, when it is a transfer (user-test finding: "no pending offer" for one done long ago). */
  private notAnOffer (id: string): FerryError {
    const info = this.info(id)
    if (info == null) return new FerryError('E_TRANSFER_NOT_FOUND', `no pending offer ${id}`)
    const what = info.direction === 'send' ? 'a send of this device' : 'a receive'
    // one under way is stopped with cancel (user-test finding: `ferry decline` of a receive running said what it was, not how to stop it)
    const stop = isFinalState(info.state) ? '' : `; \`ferry cancel ${id.slice(0, 8)}\` stops it`
    // found, and ended: a code of its own, as a script tells "no such id" from "too late" (user-test finding)
    return new FerryError(isFinalState(info.state) ? 'E_TRANSFER_ENDED' : 'E_TRANSFER_NOT_FOUND', `${id} waits for no decision: it is ${what}, ${info.state === 'fetching' ? 'transferring' : info.state}${stop}`)
  }

  async accept (id: string): Promise<TransferInfo> {
    const r = this.receivers.get(id)
    if (r == null || r.state !== 'offered') throw this.notAnOffer(id)
    // as for offers: two accepted at the same moment both passed the space
    // check (review finding), which counts only receives already accepted
    await this.oneAdmissionAtATime(async () => {
      // removed since the offer came (by the user, or a cleaner): made again, as for a new offer (a receive's run does not)
      await this.makeReceiveFolderOnItsDisk(r.receiveDir)
      await this.checkFits(r.offer, r)
      // the checks awaited: a decline, or the sender's cancel, may have come meanwhile
      if (r.state !== 'offered') throw new FerryError(isFinalState(r.state) ? 'E_TRANSFER_ENDED' : 'E_TRANSFER_NOT_FOUND', `offer ${id} was ${r.state} meanwhile`)
      // recorded first: a store that cannot take it (its disk full) fails the accept with a code, and the offer still waits (review finding: memory said accepted, and the receive ran)
      try {
        this.ctx.pendingStates.update(id, { state: 'accepted' })
      } catch (err) {
        throw toFerryError(err)
      }
      r.state = 'accepted'
    })
    this.c.emitOfferRemoved(id)
    void this.runReceiver(r)
    return this.info(id)!
  }

  async decline (id: string): Promise<void> {
    const r = this.receivers.get(id)
    if (r == null || r.state !== 'offered') throw this.notAnOffer(id)
    this.c.emitOfferRemoved(id)
    await r.cancel('declined', true)
  }

  async cancel (id: string): Promise<TransferInfo> {
    const r = this.receivers.get(id)
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
      await this.dropPartsOf(r)
    } else if (s != null && !s.finished) {
      s.controller.abort()
      this.sends.setSendState(s, 'cancelled', new FerryError('E_CANCELLED', 'cancelled on the sending device'))
      if (s.offer != null) await sendEndTo(this.c, s.peerId, { transferId: Buffer.from(id, 'hex'), status: 'cancelled', root: s.offer.root, signature: new Uint8Array(0) }, 'receiver').catch(() => {})
    } else {
      const ended = this.ctx.pendingStates.overlay(this.c.store.summary(id))?.state
      // ended only where its record says so: one recorded as under way that nothing here holds is no ended one (review finding)
      if (ended != null && isFinalState(ended)) throw new FerryError('E_TRANSFER_ENDED', `transfer ${id} has already ended (${ended}); nothing to cancel`)
      throw new FerryError('E_TRANSFER_NOT_FOUND', `no active transfer ${id}`)
    }
    return this.info(id)!
  }

  /**
   * A receive cancelled here, by the person on this device: what it fetched
   * is not kept for a re-send, as it is after the sender's cancel or a
   * failure (review finding: a day of hundreds of MB nobody asked for, shown
   * nowhere). Not while another receive of the same content uses it.
   */
  private async dropPartsOf (r: Receiver): Promise<void> {
    if ([...this.receivers.values()].some((o) => o !== r && !o.finished && o.rootHex === r.rootHex)) return
    await removePartFolder(r.receiveDir, r.rootHex).catch((err: Error) => { this.c.log.warn('cannot remove the part folder of a cancelled receive', { id: r.id, err: err.message }) })
    forgetPartChunks(this.c.store, [partDirFor(r.receiveDir, r.rootHex)], this.c.log)
  }


  /**
   * Part folders in the receive folder that receives under way do not use:
   * kept for a re-send, swept after a day. One look at a time: on a network
   * mount that hangs, each look holds a thread of libuv's pool, and four
   * would stop every file operation of the daemon (review finding).
   */
  async keptParts (): Promise<{ folders: number, bytes: number, ahead: number, dirs: string[] }> {
    const active = new Set([...this.receivers.values()].filter((r) => !r.finished).map((r) => r.rootHex))
    for (const name of this.prefetches.fetchingFolders()) active.add(name)
    // also in the receive folders of earlier runs (another --receive-dir then): the daily sweep
    // looks there too, and what they hold is on a disk all the same (user-test finding: not counted)
    this.keptLook ??= (async () => {
      const kept = { folders: 0, bytes: 0, ahead: 0, dirs: [] as string[] }
      for (const dir of new Set([this.c.receiveDir, ...this.c.store.receiveDirs()])) {
        const k = await keptPartFolders(dir, active)
        if (k.folders === 0) continue
        kept.folders += k.folders
        kept.bytes += k.bytes
        kept.ahead += k.ahead
        kept.dirs.push(dir)
      }
      return kept
    })().finally(() => { this.keptLook = undefined })
    return await this.keptLook
  }

  private keptLook: Promise<{ folders: number, bytes: number, ahead: number, dirs: string[] }> | undefined

  /** A TransferEnd from the peer: the receiver's receipt, or a cancel/failure from either side. */
  private async onEnd (peerId: string, end: EndMsg): Promise<void> {
    const id = Buffer.from(end.transferId).toString('hex')
    const row = this.ctx.pendingStates.overlay(this.c.store.summary(id))
    // a send given up before its offer, after this daemon fetched ahead for it
    if (row == null && end.status === 'cancelled' && await this.prefetches.drop(id, peerId)) return
    if (row == null || row.peerId !== peerId) throw new FerryError('E_TRANSFER_NOT_FOUND', 'no such transfer for you')
    if (row.direction === 'receive') {
      const r = this.receivers.get(id)
      if (end.status === 'cancelled' && r != null && !r.finished) {
        if (r.state === 'offered') this.c.emitOfferRemoved(id)
        await r.cancel('cancelled', false, 'cancelled by the sender')
      }
      return
    }
    await this.serving.onSendEnd(id, peerId, row, end)
  }

  // ---- resume ---------------------------------------------------------

  /**
   * Where an accepted receive of an earlier run goes on: in the folder it
   * began in (its part files are there), also when the daemon now has
   * another --receive-dir; in the current one only if that folder is gone or
   * cannot be written to any more (a removed disk), starting over there.
   */
  private async receiveDirOf (row: TransferRow): Promise<string> {
    const began = row.receiveDir
    if (began == null || began === this.c.receiveDir) return this.c.receiveDir
    try {
      await checkReceiveFolder(began)
    } catch (err) {
      this.c.log.warn('the receive folder an unfinished receive began in cannot be used; it starts over in the current one', { id: row.id, began, receiveDir: this.c.receiveDir, err: (err as Error).message })
      // the chunks it recorded are in the other folder's part files, not in those of the same content here
      this.c.store.forgetBitmaps(row.id)
      this.ctx.pendingStates.update(row.id, { receiveDir: this.c.receiveDir })
      return this.c.receiveDir
    }
    this.c.log.info('an unfinished receive goes on in the receive folder it began in', { id: row.id, receiveDir: began })
    return began
  }

  private async loadUnfinished (): Promise<void> {
    for (const row of this.c.store.unfinished()) {
      // one row that cannot be restored (a store write refused) must not keep the others, or the daemon, from starting
      await this.loadOneUnfinished(row).catch((err: Error) => { this.c.log.warn('cannot restore an unfinished transfer', { id: row.id, err: err.message }) })
    }
    this.resumeWaiting()
  }

  private async loadOneUnfinished (row: TransferRow): Promise<void> {
    if (row.direction === 'receive') {
      let offer: OfferMsg
      try { offer = decodeOffer(row.offer) } catch (err) { failUnreadable(this.ctx, row, err as Error); return }
      const state = row.state === 'offered' ? 'offered' : 'waiting'
      // an offer not yet accepted goes, when it is, to the receive folder of now
      if (state === 'offered' && row.receiveDir !== this.c.receiveDir) this.ctx.pendingStates.update(row.id, { receiveDir: this.c.receiveDir })
      const receiveDir = state === 'offered' ? undefined : await this.receiveDirOf(row)
      // the mount recorded is the folder's it began in: one that starts over in the current folder records its own (review finding: it failed, "was on the disk mounted at" the old one)
      const receiveMount = receiveDir === row.receiveDir ? row.receiveMount : undefined
      // a clean stop records `waiting` (Receiver.pause); anything else was cut short
      this.newReceiver(row.id, row.peerId, offer, state, { doneBytes: row.doneBytes, wireBytes: row.wireBytes, resumed: row.state !== 'offered', crashed: row.state !== 'offered' && row.state !== 'waiting', localBytes: row.localBytes, receiptMissing: row.receiptMissing, receiptRefused: row.receiptRefused, receiptNotServed: row.receiptNotServed, createdAt: row.createdAt, offerBytes: row.offer.byteLength, receiveMount, receiveDir })
      if (state === 'offered') this.offersToCheck.add(row.id)
    } else if (row.state === 'offered') {
      this.offering.offerAgain(row)
    } else if (row.state === 'fetching' || row.state === 'waiting') {
      // in memory, so that `ferry transfers` and `ferry cancel` see it as it is; probed once its peer is online
      const s = this.sends.reloadSender(row, true)
      if (s != null && !this.c.isOnline(s.peerId)) s.state = 'waiting'
    } else if (row.state === 'hashing') {
      if (row.sources != null && row.sources.length > 0) this.hashing.resumeHashing(row.id, row.peerId, row.sources, row.totalBytes)
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
  async trustRemoved (peerId: string): Promise<void> {
    if (this.c.trust.isPaired(peerId)) return
    const why = new FerryError('E_NOT_PAIRED', `${this.c.peerName(peerId) || 'the peer'} is no longer paired with this device`)
    for (const r of [...this.receivers.values()]) {
      if (r.peerId !== peerId || r.finished) continue
      if (r.state === 'offered') this.c.emitOfferRemoved(r.id)
      await r.abandon(why)
    }
    for (const s of [...this.sends.senders.values()]) {
      if (s.peerId !== peerId || s.finished) continue
      s.controller.abort()
      this.sends.setSendState(s, 'failed', why)
    }
  }

  /** A peer went offline: only its sends need telling (sends.ts peerGone), as a receive pulls. */
  peerGone (peerId: string): void {
    this.sends.peerGone(peerId)
  }

  /** Kick every receive that waits for its peer; called on a timer and when a peer comes online. */
  resumeWaiting (peerId?: string): void {
    this.offering.offerToWaiting(peerId)
    const now = Date.now()
    this.offering.probeQuiet(now)
    for (const id of [...this.offersToCheck]) {
      const r = this.receivers.get(id)
      if (r == null || r.finished || r.state !== 'offered') { this.offersToCheck.delete(id); continue }
      if ((peerId == null || r.peerId === peerId) && this.c.isOnline(r.peerId)) void this.checkPendingOffer(r)
    }
    for (const r of this.receivers.values()) {
      if (r.active || r.finished || r.state === 'offered') continue
      if (peerId != null && r.peerId !== peerId) continue
      if (!this.c.isOnline(r.peerId)) continue
      // its last runs got nothing: not yet (Receiver.mayResume), unless the peer has just come online, once per wait
      if (!r.mayResume(now, peerId != null)) continue
      this.c.log.info('resuming transfer', { id: r.id })
      void this.runReceiver(r)
    }
  }

  /**
   * Ask the sender of an offer still waiting here for a decision whether it
   * still offers it: a chunk request for none of its chunks, which a sender
   * answers only when it does not (E_CANCELLED, E_TRANSFER_NOT_FOUND). An
   * offer it no longer has goes from `ferry offers` (review finding: a
   * cancel sent while this daemon was down left the offer there for good,
   * counted against the peer's limits, and accepting it ended in
   * `cancelled`). No answer within OFFER_CHECK_MS: it still offers it.
   */
  private async checkPendingOffer (r: Receiver): Promise<void> {
    this.offersToCheck.delete(r.id)
    let stream: Stream | undefined
    try {
      stream = await this.openChunkStream(r.peerId)
      await sendAll(stream, encodeChunkRequest({ transferId: Buffer.from(r.id, 'hex'), fileIndex: 0, chunks: [] }))
      const h = await readChunkHeader(new FrameReader(stream), AbortSignal.timeout(OFFER_CHECK_MS)).catch(() => undefined)
      const code = h?.error?.code
      if ((code !== 'E_CANCELLED' && code !== 'E_TRANSFER_NOT_FOUND') || r.finished || r.state !== 'offered') return
      this.c.log.info('an offer waiting here was withdrawn by its sender meanwhile', { id: r.id, code })
      this.c.emitOfferRemoved(r.id)
      await r.cancel('cancelled', false, code === 'E_CANCELLED' ? 'cancelled by the sender while this device was away' : 'the sender no longer offers this transfer')
    } catch (err) {
      // not reached: asked again when the peer is next online
      this.offersToCheck.add(r.id)
      this.c.log.debug('could not ask the sender about a waiting offer', { id: r.id, err: (err as Error).message })
    } finally {
      stream?.abort(new Error('offer checked'))
    }
  }

  /**
   * A receive accepted here that waits behind the receives of its peer that
   * run at once (MAX_RUNNING_RECEIVES_PER_PEER, receiver.ts): its sender is
   * told with the answer to its offer (OfferAnswer.waits_turn), so that it
   * shows the send waiting its turn, not fetching at 0 B/s (user finding).
   */
  private waitsItsTurn (r: Receiver): boolean {
    if (r.finished || r.state === 'offered') return false
    if (r.state === 'waiting' && r.error?.code === 'E_LIMIT') return true
    return !r.active && this.peerRuns.full(r.peerId)
  }

  // ---- events ---------------------------------------------------------

  /** Publish a snapshot: state changes at once, progress throttled (EmitThrottle). */
  private changed (id: string, urgent: boolean): void {
    this.throttle.changed(id, urgent)
  }

  private publish (id: string): void {
    const info = this.info(id)
    if (info == null) return
    if (info.state !== 'offered' || info.direction === 'send') this.c.emitTransfer(info)
    if (isFinalState(info.state)) {
      if (this.receivers.get(id)?.finished === true) this.receivers.delete(id)
      this.throttle.forget(id)
    }
  }
}

/** Room a receive of these files needs for its spool while it fetches `toFetch` bytes (space.ts spoolBound). */
function spoolOf (files: ChunkedEntries, toFetch: number): number {
  let min = Infinity
  let max = 0
  for (const f of files) if (f.kind === 'file') { min = Math.min(min, f.chunkSize); max = Math.max(max, f.chunkSize) }
  return max === 0 ? 0 : spoolBound(toFetch, min, max, PULL)
}

const PULL: PullShape = { streams: CHUNK_STREAMS, writeBytesInFlight: WRITE_BYTES_IN_FLIGHT, requestsAhead: REQUESTS_AHEAD, requestBytes: REQUEST_BYTES }
