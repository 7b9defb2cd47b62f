// The receives of this daemon: the map of them (receivers), each one made
// (newReceiver) and run (runReceiver) with what all of them share: the
// chunk sink (let go a while after the last run), the locks of part
// folders, the runs per peer, the admission's turn (oneAdmissionAtATime),
// the fetches ahead of an offer (prefetch.ts), and what accepted receives
// still need of a disk (reservedIn). Also a receive of an earlier run
// brought back (load) and one that waits for its peer run again
// (resumeRuns). The receive side of the transfer service is five files,
// cut from service.ts's one class: this one holds the receives, and the
// others act on them: offer-intake.ts reads and admits a new offer,
// receive-room.ts checks that an offer fits the receive folder,
// offer-decisions.ts holds the offers waiting for a decision (accept,
// decline, is it still offered), kept-parts.ts the part folders receives
// leave; so the receive side's state has one owner.
// Must never: touch a send (sends.ts), or publish a snapshot other than
// through ctx.changed (service.ts).

import { WaitClock } from '../wait-clock.ts'
import { downtimeOf } from '../alive-mark.ts'
import { waitCauseOf } from '../../daemon/control/types.ts'
import type { Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { FerryError } from '../../errors.ts'
import { CHUNKS_PROTOCOL, MAX_RUNNING_RECEIVES_PER_PEER } from '../../protocol/constants.ts'
import { dialFailure } from '../../protocol/stream.ts'
import { decodeOffer, type OfferMsg, type RefusedEntry } from '../../protocol/transfer.ts'
import type { TransferRow } from '../../store/transfers.ts'
import type { Bitmap } from '../bitmap.ts'
import { CHUNK_STREAMS, Receiver } from './receiver.ts'
import { createChunkSink, type ChunkSink } from '../sink/sink.ts'
import { entriesPlaced, folderIdOf, isFolderAt, type FolderId } from '../folder/safe-path.ts'
import { KeyedLock } from './keyed-lock.ts'
import { checkSpace, spoolBound, type ChunkedEntries, type PullShape } from '../folder/space.ts'
import { REQUEST_BYTES, REQUESTS_AHEAD, WRITE_BYTES_IN_FLIGHT } from './fetch.ts'
import { KeyedSemaphore } from './keyed-semaphore.ts'
import { FAT_MAX_FILE_BYTES, fileSizeLimit } from '../folder/file-size-limit.ts'
import { checkReceiveFolder } from '../folder/receive-folder.ts'
import { readMountinfoOnce } from '../mounts.ts'
import { Prefetches, type PreviewEntries } from './prefetch.ts'
import { failUnreadable, sendEndTo, type TransferContext } from '../context.ts'
import { fileCount } from '../snapshot.ts'
import { KeptParts } from './kept-parts.ts'
import { RoomWait } from './room-wait.ts'
import { tellSender } from './tell-sender.ts'

const SINK_IDLE_MS = 10_000

export class Receives {
  private readonly ctx: TransferContext
  readonly receivers = new Map<string, Receiver>()
  private sink?: ChunkSink
  private sinkTimer?: NodeJS.Timeout
  readonly partDirs = new KeyedLock()
  /** receives of one peer that run at once (Receiver's peerRuns) */
  private readonly peerRuns = new KeyedSemaphore(MAX_RUNNING_RECEIVES_PER_PEER)
  /** One new offer admitted at a time (offer-intake.ts admit): its space check counts every receive admitted before it. */
  private readonly admission = new KeyedLock()
  /**
   * Offers waiting for a decision that this daemon found in its store at
   * start: their sender may have cancelled them while this one was down,
   * and its cancel (sent once) was lost. Each is asked about once its peer
   * is online (offer-decisions.ts checkPendingOffer).
   */
  readonly offersToCheck = new Set<string>()
  /** Receives fetching ahead of their offer, while their sender hashes (prefetch.ts) */
  readonly prefetches: Prefetches
  /** the part folders receives leave (kept-parts.ts) */
  readonly parts: KeptParts
  /** Receives whose disk filled up while they ran, waiting for room there (room-wait.ts) */
  private readonly roomWait: RoomWait
  /** Of those, the ones whose sender was told so (or tried) since it was last seen away, or since this daemon started: told again as it comes online */
  private readonly toldWaiting = new WeakSet<Receiver>()

  /** ferry's own state folder, by what it is (safe-path.ts FolderId): offers into it are refused, nothing is placed in it */
  readonly stateFolder?: FolderId

  constructor (ctx: TransferContext) {
    this.ctx = ctx
    this.stateFolder = ctx.c.home != null ? folderIdOf(ctx.c.home) : undefined
    this.prefetches = new Prefetches({
      receiveDir: () => this.ctx.c.receiveDir,
      wouldAccept: (peer, id) => this.ctx.c.trust.get(peer)?.autoAccept !== false && this.ctx.c.store.summary(id) == null,
      fits: async (dir, bytes, files) => await this.previewFits(dir, bytes, files),
      holds: (hash) => this.ctx.c.store.findChunk(hash).length > 0,
      sink: () => this.chunkSink,
      openChunkStream: async (peer, signal) => await this.openChunkStream(peer, signal),
      streams: CHUNK_STREAMS,
      ended: () => { this.scheduleSinkRelease() },
      log: ctx.c.log,
      partDirs: this.partDirs
    })
    this.parts = new KeptParts(ctx, this)
    this.roomWait = new RoomWait({
      // nor the room of those that cannot run now, their sender away (one let go by an earlier look, say): it is theirs
      // once they run, and one that finds it taken then waits for room (review finding: held for a sender away, the room
      // kept a receive whose sender was online waiting)
      reservedIn: (dir, which) => this.reservedIn(dir, (o) => which(o) && (o.active || this.ctx.c.isOnline(o.peerId))),
      // one admission at a time: an offer admitted meanwhile may count a kept part folder as held (receive-room.ts)
      makeRoom: async (r) => await this.oneAdmissionAtATime(async () => await this.parts.sweepForRoomIn(r.receiveDir, r.rootHex)),
      // as resumeRuns does: its peer away, it waits for it now, and says so (review finding: it still said it waited for
      // room, with the figures of its last look, until its peer came back)
      run: (r) => { if (this.ctx.c.isOnline(r.peerId)) void this.runReceiver(r); else r.awaitSender(this.ctx.c.peerName(r.peerId)) },
      log: ctx.c.log
    })
  }

  private get chunkSink (): ChunkSink { return (this.sink ??= createChunkSink()) }

  /** Whether a preview of `files` (`bytes` in all) fits `dir` as its offer would: fetched ahead only then (prefetch.ts). */
  async previewFits (dir: string, bytes: number, files: PreviewEntries): Promise<boolean> {
    try {
      // read once for both looks that need it, as an offer's checks read it (receive-room.ts; notes' leftover: a file over
      // FAT32's limit onto a FUSE disk read it a second time)
      const mounts = await readMountinfoOnce()
      await checkReceiveFolder(dir, mounts)
      // its part folder would be in the state folder, and every offer into it is refused
      if (isFolderAt(dir, this.stateFolder)) return false
      // a file the receive folder cannot hold (FAT32's 4 GiB) would be refused by the offer after its bytes came (review finding)
      if (files.some((f) => f.kind === 'file' && f.size > FAT_MAX_FILE_BYTES) && await fileSizeLimit(dir, mounts) !== undefined) return false
      // and a file entry (an inode) for each of its files and folders, as its offer's check counts them (receive-room.ts), all
      // as if not here yet: the offer looks for those in place (helper finding: only its bytes were counted, and a preview of
      // more files than the disk could make was fetched ahead, its offer then refused)
      await checkSpace(dir, { total: bytes, reserved: this.reservedIn(dir), spool: spoolOf(files, bytes), files: entriesPlaced(files), reservedFiles: this.filesReservedIn(dir) })
      return true
    } catch { return false }
  }

  /** Run `admitting` (a space check and what it admits) with no other admission at the same time. */
  async oneAdmissionAtATime<T> (admitting: () => Promise<T>): Promise<T> {
    const release = await this.admission.acquire('admit')
    try { return await admitting() } finally { release() }
  }

  /** What the accepted receives into `dir` (those `which` takes) still need. Those of the same content share the part folder, and count once: the most one of them needs. */
  reservedIn (dir: string, which: (r: Receiver) => boolean = () => true): number {
    // and what receives fetching ahead of their offer may still write
    let reserved = this.prefetches.reservedIn(dir, spoolOf)
    // by content: receives of the same files run one after the other (the part folder's lock), the later finding what
    // the earlier placed (notes' leftover: each counted, the room of the files was set aside twice)
    const byRoot = new Map<string, number>()
    for (const r of this.receivers.values()) {
      if (!which(r) || r.receiveDir !== dir || r.finished || r.state === 'offered') continue
      // with room for its spool: one that has just begun fills it later (review finding: two receives that each fit passed, and together ran out)
      const left = r.progress.left
      byRoot.set(r.rootHex, Math.max(byRoot.get(r.rootHex) ?? 0, left + spoolOf(r.offer.files, left)))
    }
    for (const need of byRoot.values()) reserved += need
    return reserved
  }

  /**
   * The file entries (inodes) the accepted receives into `dir` (those
   * `which` takes) will make that their plan has not made yet: their files
   * and folders, for those that wait their turn (review suspicion: two
   * offers that each fitted the disk's inodes alone were both accepted, and
   * together ran it out). One planned holds its part files already, and the
   * disk's free count shows them. Every folder of its offer counts, also one
   * there already: as for its bytes, what is in place is looked for by its plan.
   * And the part files that prefetches into `dir` may still make, as their
   * bytes are set aside (reservedIn).
   */
  filesReservedIn (dir: string, which: (r: Receiver) => boolean = () => true): number {
    let files = this.prefetches.filesReservedIn(dir)
    // those of the same files once: they make the same part files and folders, one after the other (reservedIn)
    const counted = new Set<string>()
    for (const r of this.receivers.values()) {
      if (!which(r) || r.receiveDir !== dir || r.finished || r.state === 'offered' || r.planned || counted.has(r.rootHex)) continue
      counted.add(r.rootHex)
      files += entriesPlaced(r.offer.files)
    }
    return files
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
   * Once per receive, at info (--verbose), as it is accepted (by auto-accept
   * or `ferry accept`): from whom, how much, into which folder; its outcome
   * is 'receive ended' (Receiver.setState).
   */
  logAccepted (r: Receiver, by: 'auto-accept' | 'accept'): void {
    this.ctx.c.log.info('receive accepted', { id: r.id, peer: r.loggedPeer(), files: fileCount(r.offer.files), bytes: r.offer.totalBytes, receiveDir: r.receiveDir, by })
  }

  async runReceiver (r: Receiver): Promise<void> {
    // accepted while the daemon stops (after it paused the receives it had):
    // recorded as accepted, it runs after the restart, instead of starting
    // now against a sink about to close (review finding)
    if (this.ctx.stopping) return
    await r.run()
    this.scheduleSinkRelease()
    // those of the same files into its folder that wait for room: their plans find them placed (room-wait.ts)
    if (r.state === 'done') for (const o of this.receivers.values()) if (o !== r && o.rootHex === r.rootHex && o.receiveDir === r.receiveDir) this.roomWait.sameFilesPlaced(o, r)
    if (r.state === 'done' && r.keptPartsUsed.size > 0) {
      await this.parts.dropUsedKeptParts(r.keptPartsUsed).catch((err: unknown) => { this.ctx.c.log.warn('cannot remove kept part files a receive copied from; they go within a day', { id: r.id, err: (err as Error).message }) })
    }
  }

  /** Tell the sender of `r` where its send stands here (tell-sender.ts); one that no longer sends it ends it here (Receiver.toldBack). */
  async tellSender (r: Receiver, what: Parameters<typeof tellSender>[1]): Promise<void> {
    const told = tellSender(r, what, async (peer) => await this.openChunkStream(peer), this.ctx.c.log)
    // its next run says nothing to the sender before this has reached it (Receiver.telling)
    r.telling(told)
    const answer = await told
    if (answer != null) r.toldBack(answer)
  }

  /** Tell the sender of `r` that it waits for what `why` says (room), with what it holds: the sender counted what it served, and what the full disk took not is fetched again */
  private tellWaiting (r: Receiver, why: FerryError): void {
    this.toldWaiting.add(r)
    void this.tellSender(r, { waitsFor: why, heldBytes: r.progress.done })
  }

  /** A /ferry/chunks stream to `peer` (10 s at most to open), or E_PEER_UNREACHABLE. */
  async openChunkStream (peer: string, signal?: AbortSignal): Promise<Stream> {
    const timeout = AbortSignal.timeout(10_000)
    return await this.ctx.c.node.dialProtocol(peerIdFromString(peer), CHUNKS_PROTOCOL, { signal: signal == null ? timeout : AbortSignal.any([signal, timeout]) })
      .catch((err: Error) => { throw new FerryError('E_PEER_UNREACHABLE', `cannot reach ${this.ctx.c.peerName(peer)}: ${dialFailure(err, 10_000, this.ctx.c.node.peerId.toString())}`, { cause: err }) })
  }

  newReceiver (id: string, peerId: string, offer: OfferMsg, state: string, extra: { aheadBytes?: number, aheadHeld?: Map<number, Bitmap>, aheadSure?: Map<number, Bitmap>, doneBytes?: number, wireBytes?: number, resumed?: boolean, crashed?: boolean, localBytes?: number, receiveDir?: string, receiptMissing?: Uint8Array, receiptRefused?: RefusedEntry[], receiptNotServed?: number, createdAt?: number, offerBytes?: number, receiveMount?: string, roomAwaited?: FerryError } = {}): Receiver {
    const r = new Receiver({
      store: this.ctx.c.store,
      sink: () => this.chunkSink,
      openChunkStream: async (peer, signal) => await this.openChunkStream(peer, signal),
      sendEnd: async (peer, end, acked) => { await sendEndTo(this.ctx.c, peer, end, 'sender', acked) },
      sign: async (data) => await this.ctx.c.privateKey.sign(data),
      changed: (rec, urgent) => { this.ctx.changed(rec.id, urgent) },
      writeState: (rid, patch) => this.ctx.pendingStates.write(rid, patch),
      updateState: (rid, patch) => { this.ctx.pendingStates.update(rid, patch) },
      partDirs: this.partDirs,
      peerRuns: this.peerRuns,
      peerName: (peer) => this.ctx.c.peerName(peer),
      stateFolder: this.stateFolder,
      roomShortage: async (rec) => await this.roomWait.shortage(rec),
      // with what it holds: the sender counted what it served, and what the full disk took not is fetched again
      tellWaiting: (rec, why) => { this.tellWaiting(rec, why) },
      tellTurn: (rec) => { void this.tellSender(rec, { waitsTurn: true }) },
      log: this.ctx.c.log
    }, { id, peerId, offer, state, ...extra, receiveDir: extra.receiveDir ?? this.ctx.c.receiveDir })
    this.receivers.set(id, r)
    return r
  }

  /**
   * A receive accepted here that waits behind the receives of its peer that
   * run at once (MAX_RUNNING_RECEIVES_PER_PEER, receiver.ts): its sender is
   * told with the answer to its offer (OfferAnswer.waits_turn), so that it
   * shows the send waiting its turn, not fetching at 0 B/s (user finding).
   */
  waitsItsTurn (r: Receiver): boolean {
    // one that waits out its wait after runs that got nothing waits that, not its turn (its answer says how long: retryIn),
    // and one that waits for room on its disk waits for that (waitsFor)
    if (r.finished || r.state === 'offered' || r.retryIn(Date.now()) > 0 || r.waitsFor != null) return false
    if (r.state === 'waiting' && r.error?.code === 'E_LIMIT') return true
    return !r.active && this.peerRuns.full(r.peerId)
  }

  /**
   * Where an accepted receive of an earlier run goes on: in the folder it
   * began in (its part files are there), also when the daemon now has
   * another --receive-dir; in the current one only if that folder is gone or
   * cannot be written to any more (a removed disk), starting over there.
   */
  private async receiveDirOf (row: TransferRow): Promise<string> {
    const began = row.receiveDir
    if (began == null || began === this.ctx.c.receiveDir) return this.ctx.c.receiveDir
    try {
      await checkReceiveFolder(began)
    } catch (err) {
      this.ctx.c.log.warn('the receive folder an unfinished receive began in cannot be used; it starts over in the current one', { id: row.id, began, receiveDir: this.ctx.c.receiveDir, err: (err as Error).message })
      // the chunks it recorded are in the other folder's part files, not in those of the same content here
      this.ctx.c.store.forgetBitmaps(row.id)
      this.ctx.pendingStates.update(row.id, { receiveDir: this.ctx.c.receiveDir })
      return this.ctx.c.receiveDir
    }
    this.ctx.c.log.info('an unfinished receive goes on in the receive folder it began in', { id: row.id, receiveDir: began })
    return began
  }

  /** A receive of an earlier run (service.ts loadUnfinished), back in memory: an offer that waits for a decision, or a receive that waits to run. */
  async load (row: TransferRow): Promise<void> {
    let offer: OfferMsg
    try { offer = decodeOffer(row.offer) } catch (err) { failUnreadable(this.ctx, row, err as Error); return }
    const state = row.state === 'offered' ? 'offered' : 'waiting'
    // an offer not yet accepted goes, when it is, to the receive folder of now
    if (state === 'offered' && row.receiveDir !== this.ctx.c.receiveDir) this.ctx.pendingStates.update(row.id, { receiveDir: this.ctx.c.receiveDir })
    const receiveDir = state === 'offered' ? undefined : await this.receiveDirOf(row)
    // the mount recorded is the folder's it began in: one that starts over in the current folder records its own (review finding: it failed, "was on the disk mounted at" the old one)
    const receiveMount = receiveDir === row.receiveDir ? row.receiveMount : undefined
    // waiting for room on its disk (Receiver.awaitRoom; its row keeps why, pause writes the state alone): it waits for
    // it again, looked at every 2 s, not run at once to fail at its first write with its sender told it fetched, and
    // shown waiting for its peer meanwhile (review finding: the wait was in memory only)
    const roomAwaited = row.state === 'waiting' && row.errorCode === 'E_NO_SPACE' ? new FerryError('E_NO_SPACE', row.errorMessage ?? 'the receive folder\'s disk filled up while this ran') : undefined
    // a clean stop records `waiting` (Receiver.pause); anything else was cut short
    const r = this.newReceiver(row.id, row.peerId, offer, state, { doneBytes: row.doneBytes, wireBytes: row.wireBytes, resumed: row.state !== 'offered', crashed: row.state !== 'offered' && row.state !== 'waiting', localBytes: row.localBytes, receiptMissing: row.receiptMissing, receiptRefused: row.receiptRefused, receiptNotServed: row.receiptNotServed, createdAt: row.createdAt, offerBytes: row.offer.byteLength, receiveMount, receiveDir, roomAwaited })
    if (row.acceptWaitMs != null) r.acceptWaitMs = row.acceptWaitMs
    // its waits so far, and the one under way: from its clean stop (Receiver.pause: the downtime counts in it), else
    // from now, as it waits here for its run (review finding: one cut short by a kill -9, or recorded before waits
    // were, counted its wait for an away sender after the restart as its own time)
    const now = Date.now()
    const since = row.state === 'waiting' && row.waitingSince != null ? row.waitingSince : now
    // one cut short by a crash of this daemon waited for it meanwhile: from its last sign of life (alive-mark.ts)
    r.waits = WaitClock.restored({ ...row, waitingSince: state === 'waiting' ? since : undefined }, downtimeOf(row, this.ctx.downSince, now), waitCauseOf(r.error), now)
    if (state === 'offered') this.offersToCheck.add(row.id)
  }

  /** Receives that wait for their peer run again once it is online: `peerId`'s, or any peer's, as of `now`. */
  resumeRuns (peerId: string | undefined, now: number): void {
    for (const r of this.receivers.values()) {
      if (r.active || r.finished || r.state === 'offered') continue
      if (peerId != null && r.peerId !== peerId) continue
      // its disk filled up: it goes on once there is room, its peer there or not (room-wait.ts)
      if (r.waitsFor != null) {
        // its sender told again once online after it was away, or after a restart here: what it shows, and one that
        // cancelled it meanwhile (its cancel lost) answers so, and it ends (Receiver.toldBack), instead of waiting for
        // room for nothing until the room came (review finding: kept over a restart, the wait no longer ran to learn it)
        const tell = this.ctx.c.isOnline(r.peerId) && !this.toldWaiting.has(r)
        if (!this.ctx.c.isOnline(r.peerId)) this.toldWaiting.delete(r)
        if (tell) this.toldWaiting.add(r)
        // told after the look, and only if it still waits then: told with the look that let it run, the send showed
        // "waiting for room" through the plan, until its first chunk was served (notes' leftover); one that runs
        // learns a cancel there from its requests
        const looked = this.roomWait.look(r)
        if (tell) void looked.then(() => { const why = r.waitsFor; if (why != null) this.tellWaiting(r, why) })
        continue
      }
      if (!this.ctx.c.isOnline(r.peerId)) continue
      // its last runs got nothing: not yet (Receiver.mayResume), unless the peer has just come online, once per wait
      if (!r.mayResume(now, peerId != null)) continue
      this.ctx.c.log.info('resuming transfer', { id: r.id })
      void this.runReceiver(r)
    }
  }

  /** Receives fetching ahead stop, and every receive pauses (Receiver.pause records it `waiting`), as the daemon stops (service.ts). */
  async stop (): Promise<void> {
    await this.prefetches.stop()
    await Promise.all([...this.receivers.values()].map(async (r) => await r.pause()))
  }

  /** No sink let go later: the daemon stops (service.ts), and closes it itself (takeSink). */
  stopSinkTimer (): void {
    if (this.sinkTimer != null) clearTimeout(this.sinkTimer)
  }

  /** The sink, for the daemon's stop to close (service.ts): none after it. */
  takeSink (): ChunkSink | undefined {
    const sink = this.sink
    this.sink = undefined
    return sink
  }
}

/** Room a receive of these files needs for its spool while it fetches `toFetch` bytes (space.ts spoolBound). */
export function spoolOf (files: ChunkedEntries, toFetch: number): number {
  let min = Infinity
  let max = 0
  for (const f of files) if (f.kind === 'file') { min = Math.min(min, f.chunkSize); max = Math.max(max, f.chunkSize) }
  return max === 0 ? 0 : spoolBound(toFetch, min, max, PULL)
}

const PULL: PullShape = { streams: CHUNK_STREAMS, writeBytesInFlight: WRITE_BYTES_IN_FLIGHT, requestsAhead: REQUESTS_AHEAD, requestBytes: REQUEST_BYTES }
