// The transfer engine as a daemon service: sends (hash, offer, serve chunks,
// take receipt), receives (accept or hold offers, fetch, place, sign),
// resumes unfinished transfers when their peer is back, and publishes
// TransferInfo/OfferInfo snapshots (progress throttled) to the control API.

import type { Connection, Stream, PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { lstat, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { FerryError, isErrorCode, toFerryError } from '../errors.ts'
import { CHUNKS_PROTOCOL, PREVIEW_PROTOCOL, MAX_CHUNK_STREAMS_PER_PEER, MAX_RUNNING_RECEIVES_PER_PEER, MAX_OFFER_BYTES, MAX_OFFER_FILES, MAX_PENDING_OFFERS_PER_PEER, MAX_UNFINISHED_OFFER_BYTES_PER_PEER, MAX_UNFINISHED_RECEIVES_PER_PEER, OFFER_PROTOCOL, RECEIPT_PROTOCOL } from '../protocol/constants.ts'
import { dialFailure } from '../protocol/stream.ts'
import { FrameReader, offerTimeoutMs, decodeOffer, encodeChunkRequest, encodeOffer, readChunkHeader, readEnd, readOffer, sendAll, sendEnd, sendOffer, type AnswerMsg, type EndMsg, type OfferMsg, type RefusedEntry } from '../protocol/transfer.ts'
import { isFinalState, type OfferInfo, type SkippedPath, type TransferInfo } from '../daemon/control/types.ts'
import type { TransferStore, TrustStore } from '../store/index.ts'
import type { TransferRow } from '../store/transfers.ts'
import { Bitmap, popcount } from './bitmap.ts'
import { createHashPool, type HashPool } from './hash-pool.ts'
import { buildManifest, chunkHashBytes, fileBytes, offerBytesBound, scanPaths, type ChunkHashCache, type ScannedEntry } from './manifest.ts'
import { verifyManifest } from './manifest-root.ts'
import { CHUNK_STREAMS, Receiver, receiptPayload } from './receiver.ts'
import { Sender, serveChunks } from './sender.ts'
import { asNotServedReason, noneReceived } from './not-served.ts'
import { receiptSkipped } from './receipt-skipped.ts'
import { createChunkSink, type ChunkSink } from './sink.ts'
import { Progress } from './progress.ts'
import { PART_DIR, checkOfferPaths, folderIdOf, isFolderAt, type FolderId, type Refusal } from './safe-path.ts'
import { renamesFromEnd, renamesToEndAgain } from './renames.ts'
import { failedCount, fileCount, labelOf, refusedSummary, renamedToRecord, skippedToRecord, toOfferInfo, toTransferInfo, topNamesOf } from './snapshot.ts'
import { KeyedLock } from './keyed-lock.ts'
import { EmitThrottle } from './throttle.ts'
import { checkSpace, spoolBound, type ChunkedEntries, type PullShape, type SpaceNeed } from './space.ts'
import { REQUEST_BYTES, REQUESTS_AHEAD, WRITE_BYTES_IN_FLIGHT } from './fetch.ts'
import { partDirFor } from './finalize.ts'
import { alreadyInPlace } from './receive-plan.ts'
import { keepsHoles, zeroBytes } from './zero-chunks.ts'
import { sweepProbes } from './name-probe.ts'
import { PeerStreams } from './peer-streams.ts'
import { KeyedSemaphore } from './keyed-semaphore.ts'
import { FAT_MAX_FILE_BYTES, fileSizeLimit } from './file-size-limit.ts'
import { checkReceiveFolder, makeReceiveFolder } from './receive-folder.ts'
import { DISK_AWAY_LOG, diskNotMounted, lookAtReceiveMount, storeMountMemory } from './receive-mount.ts'
import { KEEP_ENDED_PARTS_MS, forgetPartChunks, keptPartFolders, partFolderBytes, removeKeptPartFiles, removePartFolder, sweepPartFolders } from './part-folders.ts'
import { pruneIndex } from './index-prune.ts'
import { isTransient } from './transient.ts'
import { PendingStates } from './pending-states.ts'
import { PREVIEW_MIN_BYTES, PreviewSender, previewFiles } from './preview-sender.ts'
import { Prefetches } from './prefetch.ts'

export interface TransferComponents {
  node: { peerId: PeerId, handle: (p: string, h: (s: Stream, c: Connection) => void, o?: any) => Promise<void>, dialProtocol: (t: any, p: string, o?: any) => Promise<Stream> }
  privateKey: PrivateKey
  store: TransferStore
  trust: TrustStore
  receiveDir: string
  /** the daemon's state folder (its database, its key): never sent, also when a send includes it */
  home?: string
  peerName: (peerId: string) => string
  isOnline: (peerId: string) => boolean
  emitTransfer: (t: TransferInfo) => void
  emitOffer: (o: OfferInfo) => void
  emitOfferRemoved: (id: string) => void
  /** A peer refused us as not paired with it (it unpaired while we could not be told): the daemon drops its trust too. */
  refusedAsUnpaired?: (peerId: string) => void
  /** Chunk hashes of files hashed before; without it every send hashes every file. */
  hashCache?: ChunkHashCache
  log: { info: (m: string, d?: Record<string, unknown>) => void, warn: (m: string, d?: Record<string, unknown>) => void, debug: (m: string, d?: Record<string, unknown>) => void }
}

const EMIT_INTERVAL_MS = 250
const RETRY_INTERVAL_MS = 2000
const SINK_IDLE_MS = 10_000
const PERSIST_INTERVAL_MS = 2000
/**
 * A send the receiver has not asked anything of for this long, while it is
 * online, offers again to learn where it stands there: the receiver's cancel
 * or decline is told once, and is lost when the sender cannot hear it then
 * (asleep, restarting); the repeated offer gets it as its answer.
 */
const PROBE_AFTER_MS = 10_000
/** How long checkPendingOffer waits for a sender's "no such offer"; a sender that still offers it says nothing. */
const OFFER_CHECK_MS = 5000
/** …and each probe that finds it quiet waits twice as long as the last, up to 2^5 × 10 s ≈ 5 min: a probe costs the receiver an offer decode */
const PROBE_MAX_DOUBLINGS = 5
/** How long an offer waits for its turn to be read (onOffer) before its stream is dropped. */
const OFFER_WAIT_MS = 30_000
/** An offer not delivered for an error of the link (isTransient) is made again this long after, then twice that, and so on, up to OFFER_RETRY_MAX_MS. */
const OFFER_RETRY_MS = 1_000
const OFFER_RETRY_MAX_MS = 30_000
/** Offers in a row read by the receiver and never answered (offerTimeoutMs) before the send fails. */
const OFFER_ANSWER_TIMEOUTS = 3

/** An offer its receiver took and did not answer in time (offerTo). */
class AnswerTimeout extends FerryError {
  constructor (message: string, cause: unknown) { super('E_TIMEOUT', message, { cause }) }
}
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
/** Skipped paths a send logs one by one (a send of /usr/share skips thousands: one line each flooded the log). */
const LOGGED_SKIPS = 20

/** The state a send ends in when its receiver refused it with `err`. */
function endedBy (err: FerryError): 'declined' | 'cancelled' | 'failed' {
  return err.code === 'E_DECLINED' ? 'declined' : err.code === 'E_CANCELLED' ? 'cancelled' : 'failed'
}

/**
 * What every receiver refuses, said before hashing rather than after: more
 * entries than an offer may hold, or an offer over MAX_OFFER_BYTES (known
 * from the sizes and the names alone: offerBytesBound).
 */
function checkOfferLimits (entries: Awaited<ReturnType<typeof scanPaths>>): void {
  if (entries.length > MAX_OFFER_FILES) throw new FerryError('E_LIMIT', `${fileCount(entries)} files and ${entries.length - fileCount(entries)} folders are more than one send can hold (${MAX_OFFER_FILES} entries); send the folders in parts`)
  const bound = offerBytesBound(entries)
  if (bound <= MAX_OFFER_BYTES) return
  const totalBytes = fileBytes(entries)
  // by cause: the chunk hashes of many TiB, or the names of very many entries
  const what = chunkHashBytes(entries) > bound / 2
    ? `the chunk hashes of ${(totalBytes / 2 ** 40).toFixed(1)} TiB`
    : `the names of ${entries.length} entries`
  throw new FerryError('E_LIMIT', `this send's offer would take up to ${(bound / 2 ** 20).toFixed(0)} MiB, mostly ${what}, more than a receiver takes (${MAX_OFFER_BYTES / 2 ** 20} MiB: about 4 TiB of files, one file at most that); send the folders in parts`)
}

export class TransferService {
  private readonly c: TransferComponents
  private readonly senders = new Map<string, Sender>()
  private readonly receivers = new Map<string, Receiver>()
  private pool?: HashPool
  private sink?: ChunkSink
  private timer?: NodeJS.Timeout
  private sinkTimer?: NodeJS.Timeout
  private sweepTimer?: NodeJS.Timeout
  private readonly partDirs = new KeyedLock()
  /** receives of one peer that run at once (Receiver's peerRuns) */
  private readonly peerRuns = new KeyedSemaphore(MAX_RUNNING_RECEIVES_PER_PEER)
  /** chunk streams served now, by peer (over all its connections) */
  private readonly chunkStreams = new PeerStreams(MAX_CHUNK_STREAMS_PER_PEER)
  /** The look at the offers waiting for a decision under way, and when the last one began (offers) */
  private offersLook?: Promise<void>
  private offersLookedAt = 0
  private readonly offerTurn = new KeyedLock()
  /** One new offer admitted at a time (admit): its space check counts every receive admitted before it. */
  private readonly admission = new KeyedLock()
  /** sends hashed again after a restart, waiting for their peer to offer to it (peerOnline) */
  private readonly offerWaits = new Map<string, () => void>()
  /**
   * Offers waiting for a decision that this daemon found in its store at
   * start: their sender may have cancelled them while this one was down,
   * and its cancel (sent once) was lost. Each is asked about once its peer
   * is online (checkPendingOffer).
   */
  private readonly offersToCheck = new Set<string>()
  /** the daemon is stopping: sends cut short by it are not failures, they resume after the restart */
  private stopping = false
  private readonly throttle = new EmitThrottle(EMIT_INTERVAL_MS, (id) => { this.publish(id) })
  /** States the store could not take (its disk full), shown meanwhile and tried again every RETRY_INTERVAL_MS */
  private readonly pendingStates: PendingStates
  /** Receives fetching ahead of their offer, while their sender hashes (prefetch.ts) */
  private readonly prefetches: Prefetches

  /** ferry's own state folder, by what it is (safe-path.ts FolderId): offers into it are refused, nothing is placed in it */
  private readonly stateFolder?: FolderId

  constructor (c: TransferComponents) {
    this.c = c
    this.stateFolder = c.home != null ? folderIdOf(c.home) : undefined
    this.pendingStates = new PendingStates(c.store, c.log)
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

  private get hashPool (): HashPool { return (this.pool ??= createHashPool()) }
  private get chunkSink (): ChunkSink { return (this.sink ??= createChunkSink()) }

  async start (): Promise<void> {
    const { node } = this.c
    await node.handle(OFFER_PROTOCOL, (s, conn) => { void this.onOffer(s, conn.remotePeer.toString()) })
    await node.handle(PREVIEW_PROTOCOL, (s, conn) => { void this.prefetches.take(s, conn.remotePeer.toString()) })
    await node.handle(CHUNKS_PROTOCOL, (s, conn) => {
      const remote = conn.remotePeer.toString()
      // reset, not answered: a receiver takes that for a link that failed, and asks again later
      if (!this.chunkStreams.take(remote)) { s.abort(new FerryError('E_LIMIT', `more than ${MAX_CHUNK_STREAMS_PER_PEER} chunk streams from one peer`)); return }
      void serveChunks(s, remote, (id, peer) => this.senderFor(id, peer), (sender, file, n) => {
        // before the offer (a receiver fetching ahead of it, prefetch.ts): the progress shown is the hashing's
        if (sender.offer == null) { sender.previewWire += n; return }
        const served = (sender.served.get(file) ?? 0) + n
        if (served >= (sender.offer?.files[file]?.size ?? 0) || sender.givenUp.has(file)) sender.served.delete(file); else sender.served.set(file, served)
        // served again after a chunk stream of it was cut: the summary names that interruption (Sender.streamCut)
        if (sender.streamCut && !sender.resumed) this.markResumed(sender)
        sender.progress.add(n)
        sender.progress.wire += n
        sender.heardAt = Date.now()
        sender.delivered = true
        sender.quietProbes = 0
        if (sender.state === 'offered' || sender.state === 'waiting') this.setSendState(sender, 'fetching')
        if (Date.now() - sender.persistedAt > PERSIST_INTERVAL_MS) {
          // so a restarted sender still knows how much it had sent
          sender.persistedAt = Date.now()
          this.pendingStates.update(sender.id, { doneBytes: sender.progress.done, wireBytes: sender.progress.wire })
        }
        this.changed(sender.id, false)
      }, (sender, held) => {
        if (sender.offer == null) return
        // nothing held says something only to a send that waits its turn there: a run's first report. A receiver
        // asking whether an offer that waits there for a decision still stands sends the same (checkPendingOffer),
        // and that send is still offered (review finding: shown fetching at 0 B/s, no longer waiting to be accepted)
        if (held === 0 && !waitsTurnThere(sender)) return
        // the receiver's own count, copies included: ahead of what was served while it copies what it had
        const done = Math.min(held, sender.progress.total)
        if (done > sender.progress.done) sender.progress.done = done
        sender.heardAt = Date.now()
        sender.delivered = true
        sender.quietProbes = 0
        if (sender.state === 'offered' || sender.state === 'waiting') this.setSendState(sender, 'fetching')
        this.changed(sender.id, false)
      }, { onGivenUp: (sender, file) => { this.recordGivenUp(sender, file) }, onServedAgain: (sender, file) => { this.forgetGivenUp(sender, file) }, onCut: (sender) => { if (!sender.finished) sender.streamCut = true } })
        .finally(() => { this.chunkStreams.release(remote) })
    }, { maxInboundStreams: MAX_CHUNK_STREAMS_PER_PEER })
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
    if (this.pendingStates.size === 0) return
    for (const id of this.pendingStates.retry()) if (this.senders.get(id)?.finished === true) this.senders.delete(id)
  }

  /** Whether a transfer not ended waits for `peerId` (the peer table then dials it at its fast pace). */
  waitsFor (peerId: string): boolean {
    for (const s of this.senders.values()) if (s.peerId === peerId && !s.finished) return true
    for (const r of this.receivers.values()) if (r.peerId === peerId && !r.finished) return true
    return false
  }

  async stop (): Promise<void> {
    this.stopping = true
    if (this.timer != null) clearInterval(this.timer)
    if (this.sweepTimer != null) clearInterval(this.sweepTimer)
    if (this.sinkTimer != null) clearTimeout(this.sinkTimer)
    this.throttle.stop()
    for (const s of this.senders.values()) {
      s.controller.abort()
      // what it served since the last periodic record, for `ferry transfers` after the restart
      if (!isFinalState(s.state)) this.pendingStates.write(s.id, { doneBytes: s.progress.done, wireBytes: s.progress.wire })
    }
    await this.prefetches.stop()
    await Promise.all([...this.receivers.values()].map(async (r) => await r.pause()))
    // the last chance for states the store could not take (its disk full): lost if it still cannot (README, Known limits)
    this.recordPendingStates()
    const pool = this.pool
    const sink = this.sink
    this.pool = undefined
    this.sink = undefined
    await pool?.close()
    await sink?.close()
  }

  // ---- queries --------------------------------------------------------

  list (): TransferInfo[] {
    const live = new Map<string, TransferInfo>()
    for (const s of this.senders.values()) live.set(s.id, this.info(s.id)!)
    for (const r of this.receivers.values()) if (r.state !== 'offered') live.set(r.id, this.info(r.id)!)
    for (const stored of this.c.store.list()) {
      const row = this.pendingStates.overlay(stored)
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
    const row = this.pendingStates.overlay(this.c.store.summary(id))
    if (row == null) return undefined
    return toTransferInfo({ row, sender: this.senders.get(id), receiver: this.receivers.get(id), peerName: this.c.peerName(row.peerId) })
  }

  // ---- sending --------------------------------------------------------

  /** Start sending; returns at once with the transfer in `hashing`; progress comes as events. */
  /** @param signal aborted when the one asking goes away while the paths are scanned: then nothing is sent */
  async send (peerId: string, paths: string[], signal?: AbortSignal): Promise<TransferInfo> {
    if (!this.c.trust.isPaired(peerId)) throw new FerryError('E_NOT_PAIRED', `${this.c.peerName(peerId)} is not paired; pair first with \`ferry pair\``)
    if (paths.length === 0) throw new FerryError('E_BAD_REQUEST', 'nothing to send')
    const skipped: SkippedPath[] = []
    this.c.log.debug('scanning', { peer: peerId, paths: paths.length })
    let entries: Awaited<ReturnType<typeof scanPaths>>
    try {
      entries = await scanPaths(paths, { signal, exclude: this.notSent(), onWarning: (w) => { skipped.push(w) } })
      signal?.throwIfAborted()
    } catch (err) {
      if (signal?.aborted === true) this.c.log.info('send dropped: its asker went away while the paths were scanned', { paths: paths.length })
      throw err
    }
    const warnings = skipped.map((w) => `${w.path}: ${w.reason}`)
    if (entries.length === 0) {
      // not there is E_PATH_NOT_FOUND; there, but nothing ferry sends (a named pipe, a socket, a name no receiver takes)
      // is a request it cannot do (user-test finding: "E_PATH_NOT_FOUND" for a FIFO that was there)
      const anyThere = (await Promise.all(paths.map(async (p) => await lstat(p).then(() => true, () => false)))).includes(true)
      throw new FerryError(anyThere ? 'E_BAD_REQUEST' : 'E_PATH_NOT_FOUND', `nothing to send in ${paths.join(', ')}${warnings.length > 0 ? ` (${warnings.join('; ')})` : ''}`)
    }
    checkOfferLimits(entries)
    const id = randomBytes(16).toString('hex')
    const totalBytes = fileBytes(entries)
    const sender = new Sender({ id, peerId, state: 'hashing', totalBytes })
    sender.countEntries(entries)
    sender.skipped = skipped
    // while hashing, `sources` holds the paths asked for: a daemon that stops meanwhile hashes them again when it is back
    this.c.store.insert({ id, direction: 'send', peerId, peerName: this.c.peerName(peerId), state: 'hashing', root: new Uint8Array(0), offer: new Uint8Array(0), sources: paths, totalBytes, doneBytes: 0, wireBytes: 0, receiptVerified: false, resumed: false, createdAt: Date.now(), label: labelOf(topNamesOf(entries)) })
    // only once recorded: a send the store refused (its disk full) must not stay in memory as hashing, holding the hash pool open
    this.senders.set(id, sender)
    this.logSkipped(id, skipped, 'skipped while scanning')
    void this.hashAndOffer(sender, entries).catch((err) => { this.failSend(sender, err) })
    return this.info(id)!
  }

  /** The first LOGGED_SKIPS skipped paths one by one, then how many more (all of them are in the send's `skipped`). */
  private logSkipped (id: string, list: SkippedPath[], msg: string): void {
    for (const w of list.slice(0, LOGGED_SKIPS)) this.c.log.warn(msg, { id, warning: `${w.path}: ${w.reason}` })
    if (list.length > LOGGED_SKIPS) this.c.log.warn(`${msg}: ${list.length - LOGGED_SKIPS} more, not logged one by one`, { id })
  }

  private async hashAndOffer (sender: Sender, entries: Awaited<ReturnType<typeof scanPaths>>, waitForPeer = false): Promise<void> {
    const started = performance.now()
    // the first LOGGED_SKIPS of the send's skips are logged one by one (with those of the scan), the rest counted
    let hashSkips = 0
    let hashSkipsLogged = 0
    const preview = this.startPreview(sender, entries)
    const manifest = await buildManifest(entries, this.hashPool, {
      signal: sender.controller.signal,
      onChunk: preview != null ? (file, chunk, digest) => { preview.hash(file, chunk, digest) } : undefined,
      cache: this.c.hashCache,
      onCacheError: (err) => { this.c.log.warn('hash cache failed; hashing without it', { err: (err as Error).message }) },
      // through add(), so that the hashing shows a rate and an ETA too (a file changed while read counts back: set, not added)
      onProgress: (p) => {
        if (preview != null && !preview.opened && PreviewSender.worthOpening(performance.now() - started, p.hashedBytes, p.totalBytes)) {
          this.c.log.debug('preview opened', { id: sender.id, hashedBytes: p.hashedBytes, ms: Math.round(performance.now() - started) })
          preview.open()
        }
        const more = p.hashedBytes - sender.progress.done
        if (more > 0) sender.progress.add(more); else sender.progress.done = p.hashedBytes
        this.changed(sender.id, false)
      },
      // one file that is removed, unreadable or being written to does not stop the rest
      onSkip: (w) => {
        sender.skipped.push(w)
        hashSkips++
        if (sender.skipped.length <= LOGGED_SKIPS) { hashSkipsLogged++; this.c.log.warn('skipped while hashing', { id: sender.id, warning: `${w.path}: ${w.reason}` }) }
      }
    }).catch((err: Error) => { preview?.abort(err); throw err })
    preview?.end()
    if (hashSkips > hashSkipsLogged) this.c.log.warn(`skipped while hashing: ${hashSkips - hashSkipsLogged} more, not logged one by one`, { id: sender.id })
    if (manifest.files.length === 0) throw new FerryError('E_INCOMPLETE', `nothing could be sent: ${sender.skipped.map((w) => `${w.path}: ${w.reason}`).join('; ')}`)
    sender.countEntries(manifest.files)
    this.c.log.debug('hashed', { id: sender.id, files: manifest.files.length, bytes: manifest.totalBytes, ms: Math.round(performance.now() - started) })
    const offer: OfferMsg = { transferId: Buffer.from(sender.id, 'hex'), root: manifest.root, totalBytes: manifest.totalBytes, files: manifest.files }
    // files that grew while they were hashed can still take it over; no receiver would read it
    const encoded = encodeOffer(offer)
    if (encoded.byteLength > MAX_OFFER_BYTES) throw new FerryError('E_LIMIT', `this send's offer is ${(encoded.byteLength / 2 ** 20).toFixed(1)} MiB, more than a receiver takes (${MAX_OFFER_BYTES / 2 ** 20} MiB); send the folders in parts`)
    sender.offer = offer
    sender.encodedOffer = encoded
    sender.sources = manifest.files.map((f) => f.sourcePath ?? '')
    sender.identities = manifest.files.map((f) => f.identity)
    // what a receiver fetched ahead of the offer crossed the wire (its answer says what it holds)
    sender.progress = new Progress(manifest.totalBytes, 0, sender.previewWire)
    // served by the offer's entries from now on. A file left out while
    // hashing shifts them from the preview's: a request of the receive
    // fetching ahead then gets another file's chunk, which fails its check,
    // and the receiver drops what it fetched ahead anyway (prefetch.ts
    // handOver). Kept until the answer, the preview's served the receive
    // itself by the wrong indexes when it began before the sender read the
    // answer (review finding: E_PROTOCOL, failed for good).
    sender.dropPreview()
    if (waitForPeer) await this.peerOnline(sender)
    if (sender.finished) { this.releaseHashPool(); return } // cancelled while it hashed or waited
    this.persistOffer(sender, offer, encoded)
    this.setSendState(sender, 'offered')
    this.releaseHashPool()
    await this.deliverOffer(sender)
  }

  /**
   * A preview for `s`, opened if its hashing looks like lasting (hashAndOffer):
   * its receiver is told the entries, then the chunk hashes as they are made,
   * so it can fetch ahead of the offer (preview-sender.ts). None for a small
   * send or a peer not online. A receiver that does not speak the preview
   * protocol, or will not take it, costs a dial.
   */
  private startPreview (s: Sender, entries: ScannedEntry[]): PreviewSender | undefined {
    // FERRY_PREVIEW=always opens it at once, =never never (comparisons, tests)
    const mode = process.env.FERRY_PREVIEW
    const totalBytes = fileBytes(entries)
    if (mode === 'never' || totalBytes < PREVIEW_MIN_BYTES || !this.c.isOnline(s.peerId)) return undefined
    const files = previewFiles(entries)
    const preview = new PreviewSender({
      transferId: Buffer.from(s.id, 'hex'),
      totalBytes,
      files,
      // served from now on: the receiver may ask for chunks once it has the preview
      onOpen: () => { s.preview = { files, sources: entries.map((e) => e.sourcePath) } },
      open: async (signal) => await this.c.node.dialProtocol(peerIdFromString(s.peerId), PREVIEW_PROTOCOL, { signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]) }),
      onDrop: (err) => { if (!s.finished) this.c.log.debug('preview given up; the offer follows the hashing', { id: s.id, err: err.message }) }
    })
    if (mode === 'always') {
      this.c.log.debug('preview opened', { id: s.id, hashedBytes: 0, ms: 0 })
      preview.open()
    }
    return preview
  }

  /**
   * Until `s`'s peer is online (a daemon just started has no connections
   * yet): shown as waiting, but recorded as hashing, with the paths asked
   * for, until the offer goes out.
   */
  private async peerOnline (s: Sender): Promise<void> {
    if (this.c.isOnline(s.peerId)) return
    s.state = 'waiting'
    this.changed(s.id, true)
    const signal = s.controller.signal
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => { this.offerWaits.delete(s.id); reject(new FerryError('E_CANCELLED', 'cancelled')) }
      if (signal.aborted) { onAbort(); return }
      signal.addEventListener('abort', onAbort, { once: true })
      this.offerWaits.set(s.id, () => { signal.removeEventListener('abort', onAbort); this.offerWaits.delete(s.id); resolve() })
    })
  }

  /** What a send leaves out even when asked to send it: the daemon's own state folder, and its receive folder's part folder. */
  private notSent (): Map<string, string> {
    const out = new Map([[join(this.c.receiveDir, PART_DIR), 'ferry\'s folder of files still being received']])
    if (this.c.home != null) out.set(resolve(this.c.home), 'ferry\'s own state folder (its database and key)')
    return out
  }

  /** Worker threads cost ~15 MB each: let the hash pool go once nothing is hashing. */
  private releaseHashPool (): void {
    if ([...this.senders.values()].some((s) => s.state === 'hashing')) return
    const pool = this.pool
    this.pool = undefined
    void pool?.close()
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

  /** `encoded`: encodeOffer(offer), made once for the size check too (10.8 MB for 99,100 entries) */
  private persistOffer (sender: Sender, offer: OfferMsg, encoded: Uint8Array): void {
    this.c.store.setOffer(sender.id, offer.root, encoded, sender.sources, offer.totalBytes, fileCount(offer.files))
  }

  private async deliverOffer (sender: Sender): Promise<void> {
    const started = performance.now()
    let ans: AnswerMsg
    let answerTimeouts = 0
    let doneAtOffer = 0
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          doneAtOffer = sender.progress.done
          ans = await this.offerTo(sender)
          break
        } catch (err) {
          // a receiver that is there but too busy to read it now (its offer
          // stream reset, or timed out), or gone: the send waits for it,
          // shown waiting with why, and asks again OFFER_RETRY_MS later,
          // then twice that, and so on up to OFFER_RETRY_MAX_MS, once the
          // peer is online, until it answers or the send is cancelled.
          // User-test finding: a receiver frozen for ~17 s, or a link that
          // dropped, between the hashing and the answer failed the send for
          // good. The offer is recorded: a restart offers it again
          // (offerAgain).
          const fe = toFerryError(err)
          // the receiver has it after all (an answer lost on the way): its chunk requests moved the send on (review finding: set back to waiting)
          if (sender.delivered || (sender.state !== 'offered' && sender.state !== 'waiting')) return
          if (!isTransient(fe) || sender.finished || this.stopping) throw err
          // an offer its receiver reads and never answers, time after time (too large for the link, say), is not asked for ever (review finding)
          answerTimeouts = err instanceof AnswerTimeout ? answerTimeouts + 1 : 0
          if (answerTimeouts >= OFFER_ANSWER_TIMEOUTS) throw new FerryError('E_TIMEOUT', `${fe.message}, ${answerTimeouts} times; the send is given up (send again)`, { cause: err })
          this.c.log.info('offer not delivered; the send waits for its receiver', { id: sender.id, attempt, err: fe.message })
          sender.state = 'waiting'
          sender.error = fe
          sender.encodedOffer = undefined // encoded again when asked again: not held for a wait of hours
          this.changed(sender.id, true)
          const wait = Math.min(OFFER_RETRY_MS * 2 ** (attempt - 1), OFFER_RETRY_MAX_MS)
          // unref'd: a daemon that stops does not wait for it (the send is offered again after the restart)
          const cancelled = await sleep(wait, undefined, { signal: sender.controller.signal, ref: false }).then(() => false, () => true)
          if (cancelled || sender.finished || this.stopping) return
          await this.peerOnline(sender)
          // the receiver has it after all (an answer lost on the way): its chunk requests moved the send on
          if (sender.finished || this.stopping || sender.delivered || sender.state !== 'waiting') return
          this.setSendState(sender, 'offered')
        }
      }
    } finally {
      sender.encodedOffer = undefined // answered or given up: an offer made again (after a restart) is encoded again
    }
    this.c.log.debug('offer answered', { id: sender.id, status: ans.status, haveBytes: ans.haveBytes, ms: Math.round(performance.now() - started) })
    // ended while the answer came: its receipt came first (an offer made
    // again after a restart, to a receiver that had fetched meanwhile), or
    // it was cancelled; an answer must not take it back to fetching (review
    // finding)
    if (sender.finished) return
    if (ans.status === 'refused') {
      const err = ans.error ?? new FerryError('E_DECLINED', 'refused')
      if (endedBy(err) === 'failed') throw err
      this.setSendState(sender, endedBy(err), err)
      return
    }
    sender.heardAt = Date.now()
    sender.delivered = true
    // what the receiver says it holds, never more than the offer (a peer's number, shown and stored); not less
    // than what it fetched while its answer was on the way, served and counted meanwhile (user-test finding: set
    // back, the overall count stayed ~3.5 MiB behind a one-file send's file bar to the end)
    const servedMeanwhile = sender.progress.done - doneAtOffer
    sender.progress.reset(Math.min(Math.max(ans.haveBytes, servedMeanwhile, 0), sender.progress.total))
    if (ans.status === 'accepted') this.setSendState(sender, ans.waitsTurn === true ? 'waiting' : 'fetching', ans.waitsTurn === true ? this.turnAwaited(sender) : undefined)
    else this.changed(sender.id, true) // pending: waits for the person on the other side
  }

  /** Offer `s` to its receiver and read the answer. */
  private async offerTo (s: Sender): Promise<AnswerMsg> {
    const stream = await this.c.node.dialProtocol(peerIdFromString(s.peerId), OFFER_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
      .catch((err: Error) => {
        if (err.name === 'UnsupportedProtocolError') throw new FerryError('E_PROTOCOL', `${this.c.peerName(s.peerId)} runs a ferry that does not speak ${OFFER_PROTOCOL}; update ferry on both devices`)
        throw new FerryError('E_PEER_UNREACHABLE', `cannot reach ${this.c.peerName(s.peerId)}: ${dialFailure(err, 10_000)}`, { cause: err })
      })
    const encoded = s.encodedOffer ?? encodeOffer(s.offer!)
    try {
      return await sendOffer(stream, encoded, s.controller.signal)
    } catch (err) {
      // the receiver took the stream and never answered: told apart from a link that failed, as asking again may never help
      if (!s.controller.signal.aborted && toFerryError(err).code === 'E_TIMEOUT') throw new AnswerTimeout(`${this.c.peerName(s.peerId)} took the offer but gave no answer within ${Math.round(offerTimeoutMs(encoded.byteLength) / 1000)} s`, err)
      throw err
    }
  }

  private senderFor (id: string, peer: string): Sender {
    let s = this.senders.get(id)
    let state = s?.state
    if (s == null) {
      const row = this.c.store.get(id)
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
  private reloadSender (row: TransferRow, atStart = false): Sender | undefined {
    if (row.direction !== 'send' || isFinalState(row.state) || row.offer.length === 0) return undefined
    let offer: OfferMsg
    try {
      offer = decodeOffer(row.offer)
    } catch (err) {
      if (!atStart) throw err
      this.failUnreadable(row, err as Error)
      return undefined
    }
    const s = new Sender({ id: row.id, peerId: row.peerId, state: row.state, offer, sources: row.sources, doneBytes: row.doneBytes, wireBytes: row.wireBytes })
    // what it left out before the restart, as recorded: the paths kept, and the counts beyond them
    s.skipped = [...(row.skipped ?? [])]
    s.skippedEarlier = { count: Math.max(0, (row.skippedCount ?? 0) - s.skipped.length), failed: Math.max(0, (row.skippedFailed ?? 0) - failedCount(s.skipped)) }
    s.skippedRecorded = s.skipped.length
    // why it gave up files before the restart, in its own words (a receipt that comes now names them)
    try {
      for (const [i, g] of this.c.store.givenUp(row.id)) s.givenUp.set(i, { why: g.why, said: g.said, reason: asNotServedReason(g.reason) })
    } catch (err) {
      this.c.log.warn('cannot read why files of a send were not served', { id: row.id, err: (err as Error).message })
    }
    // its receiver asked for chunks before the restart; an offered one is offered again first (offerAgain)
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
  private markResumed (s: Sender): void {
    s.resumed = true
    try {
      this.pendingStates.update(s.id, { resumed: true })
    } catch (err) {
      this.c.log.warn('cannot record that a send resumed', { id: s.id, err: (err as Error).message })
    }
  }

  /**
   * Why `s` gave up serving entry `file`, recorded: its receipt (or the
   * receiver's failure) may reach a restarted daemon, which then words it
   * as this run found it, not as the receiver could. A store that cannot
   * take it (its disk full) costs only that wording after a restart.
   */
  private recordGivenUp (s: Sender, file: number): void {
    const g = s.givenUp.get(file)
    if (g === undefined) return
    try {
      this.c.store.setGivenUp(s.id, file, g)
    } catch (err) {
      this.c.log.warn('cannot record why a file was not served', { id: s.id, file, err: (err as Error).message })
    }
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

  /**
   * `s` serves entry `file` again (put back as offered): why it gave it up
   * goes from the store too, so that a restart does not bring it back. A
   * store that cannot take it costs that wording only, after a restart.
   */
  private forgetGivenUp (s: Sender, file: number): void {
    try {
      this.c.store.clearGivenUp(s.id, file)
    } catch (err) {
      this.c.log.warn('cannot forget why a file was not served', { id: s.id, file, err: (err as Error).message })
    }
  }

  private setSendState (s: Sender, state: string, error?: FerryError): void {
    s.state = state
    s.error = error
    const finished = s.finished
    if (finished && s.offer == null) {
      // ended before its offer was made (cancelled or failed while hashing): none of it was sent, whatever the hashing got through (user-test finding: shown as done)
      s.progress.done = 0
      this.tellEndedBeforeOffer(s)
    }
    // a store that cannot write (its disk full) keeps the state in pendingStates, shown from there and written later; the send stays in memory till then
    const recorded = this.pendingStates.write(s.id, { state, errorCode: error?.code ?? null as any, errorMessage: error?.message ?? null as any, doneBytes: s.progress.done, wireBytes: s.progress.wire, finishedAt: finished ? Date.now() : undefined, receiptSig: s.receiptSig, receiptMissing: s.receiptMissing, receiptVerified: s.receiptVerified, skippedCount: s.skippedCount, skippedFailed: s.skippedFailed, ...(s.skipped.length !== s.skippedRecorded ? { skipped: skippedToRecord(s.skipped) } : {}), ...(s.renamedCount > 0 ? { renamedCount: s.renamedCount, renamed: renamedToRecord(s.renamed) } : {}) })
    s.skippedRecorded = s.skipped.length // kept by pendingStates until the store takes it, if it cannot now
    this.changed(s.id, true)
    if (finished && recorded) this.senders.delete(s.id)
  }

  /**
   * A send that ended before its offer: its receiver, if it fetched ahead
   * (a preview opened in this run, or maybe in the run before a restart),
   * need not keep that a day for an offer that will not come (Prefetches.drop).
   * Once, as it ends; a receiver away then keeps it the day.
   */
  private tellEndedBeforeOffer (s: Sender): void {
    if (s.preview == null && !s.resumed) return
    void this.sendEndTo(s.peerId, { transferId: Buffer.from(s.id, 'hex'), status: 'cancelled', root: new Uint8Array(0), signature: new Uint8Array(0) }, 'receiver').catch(() => {})
  }

  private failSend (s: Sender, err: unknown): void {
    if (s.finished || this.stopping) return
    const fe = toFerryError(err)
    s.encodedOffer = undefined // failed before it was delivered (its offer not stored, say): not kept for the sender's life
    this.c.log.warn('send failed', { id: s.id, code: fe.code, err: fe.message })
    this.setSendState(s, 'failed', fe)
    // said by the peer itself, over a connection its key authenticates: it does not trust us any more
    if (fe.code === 'E_NOT_PAIRED' && fe.remote) this.c.refusedAsUnpaired?.(s.peerId)
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
    if (this.stopping || offer.transferId.length !== 16) return
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
    const row = this.pendingStates.overlay(this.c.store.summary(id))
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
        void this.sendEndTo(peerId, { transferId: Buffer.from(id, 'hex'), status: 'done', root: row.root, signature: row.receiptSig, wireBytes: row.wireBytes, missing: row.receiptMissing, renamedCount: row.renamedCount, ...renamesToEndAgain(row.renamed ?? [], row.renamedCount ?? 0, offer.files), refused: row.receiptRefused }, 'sender').catch(() => {})
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
    if (this.stopping) return
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
      sendEnd: async (peer, end) => { await this.sendEndTo(peer, end, 'sender') },
      sign: async (data) => await this.c.privateKey.sign(data),
      changed: (rec, urgent) => { this.changed(rec.id, urgent) },
      writeState: (rid, patch) => this.pendingStates.write(rid, patch),
      updateState: (rid, patch) => { this.pendingStates.update(rid, patch) },
      partDirs: this.partDirs,
      peerRuns: this.peerRuns,
      peerName: (peer) => this.c.peerName(peer),
      stateFolder: this.stateFolder,
      log: this.c.log
    }, { id, peerId, offer, state, ...extra, receiveDir: extra.receiveDir ?? this.c.receiveDir })
    this.receivers.set(id, r)
    return r
  }

  /** `end` to `peerId`, the transfer's `to` (its receiver for a sender's cancel, else its sender). */
  private async sendEndTo (peerId: string, end: EndMsg, to: 'sender' | 'receiver'): Promise<void> {
    const stream = await this.c.node.dialProtocol(peerIdFromString(peerId), RECEIPT_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
      .catch((err: Error) => { throw new FerryError('E_PEER_UNREACHABLE', `cannot reach ${this.c.peerName(peerId)}: ${dialFailure(err, 10_000)}`, { cause: err }) })
    await sendEnd(stream, end, to)
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
    const ids = new Set<string>([...this.receivers.keys(), ...this.senders.keys()].filter((id) => id.startsWith(p)))
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
        this.pendingStates.update(id, { state: 'accepted' })
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
    let s = this.senders.get(id)
    if (s == null) {
      const row = this.c.store.get(id)
      if (row != null) s = this.reloadSender(row)
    }
    if (r != null && !r.finished) {
      if (r.state === 'offered') this.c.emitOfferRemoved(id)
      await r.cancel('cancelled', true)
      // it was sending its receipt: done, not cancelled (Receiver.cancel)
      if (r.state === 'done') throw new FerryError('E_TRANSFER_ENDED', `transfer ${id} has already ended (done); nothing to cancel`)
      await this.dropPartsOf(r)
    } else if (s != null && !s.finished) {
      s.controller.abort()
      this.setSendState(s, 'cancelled', new FerryError('E_CANCELLED', 'cancelled on the sending device'))
      if (s.offer != null) await this.sendEndTo(s.peerId, { transferId: Buffer.from(id, 'hex'), status: 'cancelled', root: s.offer.root, signature: new Uint8Array(0) }, 'receiver').catch(() => {})
    } else {
      const ended = this.pendingStates.overlay(this.c.store.summary(id))?.state
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
    const row = this.pendingStates.overlay(this.c.store.summary(id))
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
    // the same receipt again: our ack did not reach the receiver, which sends it until one does
    if (row.state === 'done' && end.status === 'done' && row.receiptSig != null && Buffer.compare(end.signature, row.receiptSig) === 0) return
    const s = this.senders.get(id) ?? this.senderFor(id, peerId)
    // our bytes did not match our own manifest: a file changed in a way its
    // times did not show, so its cached hashes must not be used again
    if (end.failure?.code === 'E_HASH_MISMATCH') {
      try { this.c.hashCache?.forget(s.sources) } catch (err) { this.c.log.warn('hash cache failed to forget', { err: (err as Error).message }) }
    }
    if (end.status !== 'done') {
      // how far it got is what the receiver kept, not what was served (a full disk lost the rest)
      if (end.doneBytes != null) s.progress.done = Math.min(end.doneBytes, s.progress.total)
      this.setSendState(s, end.status === 'declined' ? 'declined' : end.status, notServedFailure(s, end.failure) ?? end.failure ?? new FerryError(end.status === 'declined' ? 'E_DECLINED' : 'E_CANCELLED', `the receiver ${end.status} the transfer`))
      return
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
    const ok = publicKey != null && Buffer.compare(end.root, root) === 0 && await publicKey.verify(receiptPayload(id, root, missing), end.signature)
    if (!ok) {
      this.setSendState(s, 'failed', new FerryError('E_RECEIPT_INVALID', 'the receiver\'s receipt does not verify against its peer key'))
      throw new FerryError('E_RECEIPT_INVALID', 'receipt signature does not verify')
    }
    const notReceived = missing != null ? missingFiles(s, missing) : []
    // the same receipt twice at once (a retry crossing the first): handled once
    if (s.receiptVerified) return
    s.receiptSig = end.signature
    s.receiptMissing = missing
    s.receiptVerified = true
    s.progress.done = s.progress.total - notReceived.reduce((n, i) => n + s.offer!.files[i].size, 0)
    // what a script must hear of before it deletes the source (`ferry send` exits 1, E_INCOMPLETE)
    const entries = s.offer!.files
    const { skipped, refused } = receiptSkipped(end, entries, s.sources, notReceived, (i) => s.givenUp.get(i)?.why)
    s.skipped.push(...skipped)
    if (notReceived.length > 0) this.c.log.warn('files not received: they changed or went away here after the offer, or the receiver refused them', { id, files: notReceived.length, refused: refused.size })
    // it sent at least what reached the receiver, also what it served just before a crash of its own
    s.progress.wire = Math.max(s.progress.wire, end.wireBytes ?? 0)
    // where the receiver put what found its name taken there (not signed: where, not what); a path as offered, and as placed
    const renames = renamesFromEnd(end, entries)
    s.renamed = renames.renamed
    s.renamedCount = renames.renamedCount
    // delivered in the window above (its offer made again, not recorded yet): recorded now, or its row keeps no root
    // nor offer for `ferry transfers` (the offer is recorded once the peer is online, which this send no longer waits for)
    if (row.root.length === 0) {
      try { this.persistOffer(s, s.offer, s.encodedOffer ?? encodeOffer(s.offer)) } catch (err) { this.c.log.warn('could not record the offer of a send delivered', { id, err: (err as Error).message }) }
    }
    this.setSendState(s, 'done')
    this.c.log.info('transfer delivered', { id, receipt: 'verified' })
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
      this.pendingStates.update(row.id, { receiveDir: this.c.receiveDir })
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
      try { offer = decodeOffer(row.offer) } catch (err) { this.failUnreadable(row, err as Error); return }
      const state = row.state === 'offered' ? 'offered' : 'waiting'
      // an offer not yet accepted goes, when it is, to the receive folder of now
      if (state === 'offered' && row.receiveDir !== this.c.receiveDir) this.pendingStates.update(row.id, { receiveDir: this.c.receiveDir })
      const receiveDir = state === 'offered' ? undefined : await this.receiveDirOf(row)
      // the mount recorded is the folder's it began in: one that starts over in the current folder records its own (review finding: it failed, "was on the disk mounted at" the old one)
      const receiveMount = receiveDir === row.receiveDir ? row.receiveMount : undefined
      // a clean stop records `waiting` (Receiver.pause); anything else was cut short
      this.newReceiver(row.id, row.peerId, offer, state, { doneBytes: row.doneBytes, wireBytes: row.wireBytes, resumed: row.state !== 'offered', crashed: row.state !== 'offered' && row.state !== 'waiting', localBytes: row.localBytes, receiptMissing: row.receiptMissing, receiptRefused: row.receiptRefused, receiptNotServed: row.receiptNotServed, createdAt: row.createdAt, offerBytes: row.offer.byteLength, receiveMount, receiveDir })
      if (state === 'offered') this.offersToCheck.add(row.id)
    } else if (row.state === 'offered') {
      this.offerAgain(row)
    } else if (row.state === 'fetching' || row.state === 'waiting') {
      // in memory, so that `ferry transfers` and `ferry cancel` see it as it is; probed once its peer is online
      const s = this.reloadSender(row, true)
      if (s != null && !this.c.isOnline(s.peerId)) s.state = 'waiting'
    } else if (row.state === 'hashing') {
      if (row.sources != null && row.sources.length > 0) this.resumeHashing(row.id, row.peerId, row.sources, row.totalBytes)
      // a row from before the paths were kept: nothing to hash again
      else this.pendingStates.update(row.id, { state: 'failed', errorCode: 'E_CANCELLED', errorMessage: 'the daemon stopped while preparing the transfer; send again', finishedAt: Date.now() })
    }
  }

  /** A row whose recorded offer does not decode: failed, saying so, not left unfinished for good (a receive was skipped silently, shown `fetching` forever). */
  private failUnreadable (row: TransferRow, err: Error): void {
    this.c.log.warn('an unfinished transfer\'s recorded offer cannot be read; it is failed', { id: row.id, err: err.message })
    this.pendingStates.update(row.id, { state: 'failed', errorCode: 'E_INTERNAL', errorMessage: `its recorded offer cannot be read: ${err.message}`, finishedAt: Date.now() })
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
    for (const s of [...this.senders.values()]) {
      if (s.peerId !== peerId || s.finished) continue
      s.controller.abort()
      this.setSendState(s, 'failed', why)
    }
  }

  /**
   * A peer went offline. The receiver pulls, so a send under way learns that
   * its receiver went away only from the connection: it waits for it to come
   * back (and its first chunk request sets it fetching again).
   */
  peerGone (peerId: string): void {
    // one that waited its turn there waits for the peer now (its turn is asked for again when it is back);
    // it says why, as one whose offer could not reach the peer does (found using the TUI: "waiting for peer" and no more)
    for (const s of this.senders.values()) if (s.peerId === peerId && (s.state === 'fetching' || waitsTurnThere(s))) this.setSendState(s, 'waiting', this.peerWentOffline(peerId))
  }

  private peerWentOffline (peerId: string): FerryError {
    return new FerryError('E_PEER_UNREACHABLE', `${this.c.peerName(peerId)} went offline (its connection closed); the send goes on when it is back`)
  }

  /**
   * A send the daemon was hashing when it stopped (crash or clean stop):
   * hash the paths again (files unchanged since come from the hash cache,
   * unread) and offer it once its peer is online. The user's `ferry send`
   * is gone; `ferry transfers` shows it.
   */
  private resumeHashing (id: string, peerId: string, paths: string[], totalBytes: number): void {
    const sender = new Sender({ id, peerId, state: 'hashing', totalBytes })
    sender.resumed = true
    this.senders.set(id, sender)
    this.pendingStates.update(id, { resumed: true })
    this.c.log.info('hashing again a send the daemon stopped in', { id })
    void (async () => {
      const skipped: SkippedPath[] = sender.skipped
      // a path named to the send and gone while the daemon was stopped is left out, not the whole send failed (review finding)
      const present: string[] = []
      for (const p of paths) {
        if (await stat(p).then(() => true, () => false)) present.push(p)
        else skipped.push({ path: p, reason: 'not there when the send was hashed again after a restart (removed meanwhile, or never there), skipped', failed: true })
      }
      const entries = present.length === 0 ? [] : await scanPaths(present, { exclude: this.notSent(), onWarning: (w) => { skipped.push(w) } })
      this.logSkipped(id, skipped, 'skipped while scanning')
      if (entries.length === 0) throw new FerryError('E_PATH_NOT_FOUND', `nothing left to send in ${paths.join(', ')}`)
      // the paths may hold more by now, or the chunk rule may have changed since (a row from an older version)
      checkOfferLimits(entries)
      sender.countEntries(entries)
      await this.hashAndOffer(sender, entries, true)
    })().catch((err) => { this.failSend(sender, err) })
  }

  /**
   * A send whose offer was going out, or waiting for the person on the
   * other side to accept it, when the daemon stopped: the receiver may never
   * have got it, and then nothing would ever ask for its chunks. Offer it
   * again, same id, once the peer is online; a receiver that has it answers
   * as it stands there (takeOffer).
   */
  private offerAgain (row: TransferRow): void {
    const sender = this.reloadSender(row, true)
    if (sender == null) return
    this.c.log.info('offering again a send the daemon stopped in', { id: row.id })
    void (async () => {
      await this.peerOnline(sender)
      // its receiver may have asked for chunks meanwhile (it had the offer)
      if (sender.state !== 'waiting' && sender.state !== 'offered') return
      this.setSendState(sender, 'offered')
      await this.deliverOffer(sender)
    })().catch((err) => { this.failSend(sender, err) })
  }

  /** Kick every receive that waits for its peer; called on a timer and when a peer comes online. */
  resumeWaiting (peerId?: string): void {
    for (const [id, go] of [...this.offerWaits]) {
      const s = this.senders.get(id)
      if (s != null && (peerId == null || s.peerId === peerId) && this.c.isOnline(s.peerId)) go()
    }
    const now = Date.now()
    for (const s of this.senders.values()) {
      const quiet = now - s.heardAt > PROBE_AFTER_MS * 2 ** Math.min(s.quietProbes, PROBE_MAX_DOUBLINGS)
      if (s.delivered && !s.probing && !s.finished && s.state !== 'hashing' && quiet && this.c.isOnline(s.peerId)) void this.probe(s)
    }
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

  /** Why a send waits that its receiver took and runs after others from this device (waitsTurnThere). */
  private turnAwaited (s: Sender): FerryError {
    return new FerryError('E_LIMIT', `waiting its turn: ${this.c.peerName(s.peerId)} receives a few sends from this device at a time, and starts this one after those`)
  }

  /**
   * A probe's answer (accepted): a send told it waits its turn says so, and one told it no longer does is fetching
   * again (its receiver's requests say so too, once they come). Also one whose offer waited there for a decision
   * (`offered`, answered pending): its receiver took it since, and tells us nothing when it does; its turn may be
   * far off (review finding: "offered, waiting to be accepted there" until then).
   */
  private turnTold (s: Sender, waits: boolean): void {
    if (waits && (s.state === 'fetching' || s.state === 'waiting' || s.state === 'offered') && !waitsTurnThere(s)) this.setSendState(s, 'waiting', this.turnAwaited(s))
    else if (!waits && (waitsTurnThere(s) || s.state === 'offered')) this.setSendState(s, 'fetching')
  }

  /**
   * Offer `s` again to learn where its receiver stands (PROBE_AFTER_MS). An
   * answer that it goes on changes nothing but whether it waits its turn
   * there (turnTold); one that it ended there (it was cancelled, declined or
   * failed while we could not hear it) ends it here. Not reaching the
   * receiver is no answer: asked again later.
   */
  private async probe (s: Sender): Promise<void> {
    s.probing = true
    s.quietProbes++
    try {
      const ans = await this.offerTo(s)
      if (s.finished) return
      if (ans.status === 'accepted') { this.turnTold(s, ans.waitsTurn === true); return }
      if (ans.status !== 'refused') return
      const err = ans.error ?? new FerryError('E_CANCELLED', 'the receiver ended the transfer')
      this.c.log.info('the receiver had ended the transfer', { id: s.id, code: err.code })
      s.controller.abort()
      // none of its files could be received: said in this side's words, as when the receiver's failure reaches it (onEnd)
      this.setSendState(s, endedBy(err), notServedFailure(s, err) ?? err)
    } catch (err) {
      this.c.log.debug('probe of a quiet send failed; will ask again', { id: s.id, err: (err as Error).message })
    } finally {
      s.heardAt = Date.now()
      s.probing = false
    }
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

/** A send its receiver took, waiting there behind other receives from this device (turnAwaited). */
function waitsTurnThere (s: Sender): boolean {
  return s.state === 'waiting' && s.error?.code === 'E_LIMIT'
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
function notServedFailure (s: Sender, failure: FerryError | undefined): FerryError | undefined {
  if (failure?.code !== 'E_SOURCE_CHANGED') return undefined
  const given = [...s.givenUp].sort(([a], [b]) => a - b)
  if (given.length === 0) return undefined
  const files = fileCount(s.offer?.files ?? [])
  return new FerryError('E_SOURCE_CHANGED', noneReceived(files, given[0][1].said, given.some(([, g]) => g.reason !== 'removed')))
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

/** Room a receive of these files needs for its spool while it fetches `toFetch` bytes (space.ts spoolBound). */
function spoolOf (files: ChunkedEntries, toFetch: number): number {
  let min = Infinity
  let max = 0
  for (const f of files) if (f.kind === 'file') { min = Math.min(min, f.chunkSize); max = Math.max(max, f.chunkSize) }
  return max === 0 ? 0 : spoolBound(toFetch, min, max, PULL)
}

const PULL: PullShape = { streams: CHUNK_STREAMS, writeBytesInFlight: WRITE_BYTES_IN_FLIGHT, requestsAhead: REQUESTS_AHEAD, requestBytes: REQUEST_BYTES }

