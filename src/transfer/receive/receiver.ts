// One incoming transfer, as an explicit state machine persisted in the store:
//   offered → accepted → fetching → verifying → done
//                      ↘ waiting (peer gone; resumes by itself) ↗
//   any state → failed | cancelled | declined
// fetching pulls missing chunks (fetch.ts) into part files under
// <receive>/.ferry-part/<root>/; each complete file is flushed, checked and
// placed under its final name (finalize.ts); verifying sends the signed
// receipt. A restart re-enters at `accepted` and re-plans from disk.

import type { Stream } from '@libp2p/interface'
import { existsSync, lstatSync, statSync, truncateSync } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { FerryError, fromStateDatabase, quoteForDisplay, toFerryError } from '../../errors.ts'
import { notWritableBecause } from '../folder/receive-folder.ts'
import { isTransient } from '../transient.ts'
import { END_REFUSED_SHOWN, type OfferMsg, type EndMsg, type RefusedEntry } from '../../protocol/transfer.ts'
import type { ChunkHashes } from '../../protocol/chunk-hashes.ts'
import type { IndexedFile, PlacedIdentity, TransferStore } from '../../store/index.ts'
import { chunkRange } from '../manifest/chunking.ts'
import { computeFileRoot } from '../manifest/manifest-root.ts'
import { floorMs } from '../manifest/manifest.ts'
import { Bitmap } from '../bitmap.ts'
import { BitmapRecorder } from './bitmap-recorder.ts'
import { fetchAll } from './fetch.ts'
import type { KeyedLock } from './keyed-lock.ts'
import type { KeyedSemaphore } from './keyed-semaphore.ts'
import { InTheWay, ensureParents, partDirFor, placeDir, placeFile, receiveFolderNotStateFolder, syncPlacedFolders, type DirModes } from '../folder/finalize.ts'
import { caseClashes } from '../folder/case-clash.ts'
import { checkOfferPaths, foldersAbove, notWritableRefusal, validateRelativePath, type FolderId, type Refusal } from '../folder/safe-path.ts'
import { isZeroChunk } from './zero-chunks.ts'
import { heldOf, identityOf, partFileOf, planReceive, type FileState, type Plan, type Wanted } from './receive-plan.ts'
import { forgetPartChunks, makePartFolder, removePartFolder, watchPartFolder } from './part-folders.ts'
import { mountAway, mountIn, readMountinfoOnce, type MountinfoRead } from '../mounts.ts'
import type { ChunkSink } from '../sink/sink.ts'
import { ProgressReporter } from './progress-report.ts'
import { Spool } from './spool.ts'
import type { Logger } from '../../daemon/logger.ts'
import { Progress } from '../progress.ts'
import { WaitClock } from '../wait-clock.ts'
import { isFinalState, isMovingState, waitCauseOf, type EndedBy } from '../../daemon/control/types.ts'
import type { StatePatch } from '../pending-states.ts'
import { fileCount, renamedToRecord } from '../snapshot.ts'
import { peerForLog } from '../peer-log.ts'
import { ReceiveRenames } from '../renames.ts'
import { noneReceived, notServedReason } from '../not-served.ts'

export const RECEIPT_CONTEXT = 'ferry-receipt/v1'
const MISSING_MARKER = 'missing'
/** Parallel chunk streams per transfer: 2 beat 1 by 15–20 % on noise+yamux; more add nothing (notes). */
export const CHUNK_STREAMS = 3
/** How a receive its sender cancelled says so: told by its end message (service.ts onEnd), or by the answer to a chunk request */
export const SENDER_CANCELLED = 'cancelled by the sender'
const FLUSH_INTERVAL_MS = 1000
/**
 * Placed files are recorded (indexed, marked done) together, after this
 * many or this long: a commit per file was most of the receiver's store
 * work. One placed but not yet recorded when the daemon dies is found in
 * place by the next plan (receive-plan.ts, alreadyInPlace).
 */
const INDEX_BATCH_FILES = 64
const INDEX_BATCH_MS = 250
/** Plans in a row after part files vanished under a run, before the transfer fails. */
const MAX_REPLANS = 3
/**
 * After runs in a row cut short by the link that verified nothing new, the
 * next waits this long, doubled with each more, up to RESUME_DELAY_MAX_MS
 * (the first goes at the service's next look, 2 s): each run plans the
 * receive again, and a sender that answers the offer and then cuts every
 * chunk stream kept a receive of 20,000 files planning, a core busy, for as
 * long as it stayed online (review finding).
 */
const RESUME_DELAY_MS = 2000
const RESUME_DELAY_MAX_MS = 60_000
/**
 * FERRY_TEST_RESUME_LOOK_MS, tests only: the service's look at waiting
 * transfers (service.ts lookIntervalMs) and RESUME_DELAY_MS both this long
 * instead of 2 s, so that a test of the backoff (a sender that cuts every
 * chunk stream) sees the same runs, at, then 1, 2, 4, 8 looks on, in a
 * shorter wait. Undefined, unset or not a positive number: 2 s, as always.
 */
export function testResumeLookMs (env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = Number(env.FERRY_TEST_RESUME_LOOK_MS)
  return Number.isFinite(v) && v > 0 ? v : undefined
}
/** RESUME_DELAY_MS, or FERRY_TEST_RESUME_LOOK_MS (tests only) */
export function resumeDelayMs (env: NodeJS.ProcessEnv = process.env): number {
  return testResumeLookMs(env) ?? RESUME_DELAY_MS
}

export interface ReceiverDeps {
  store: TransferStore
  /** the sink is released while idle and made anew, so always ask for the current one */
  sink: () => ChunkSink
  openChunkStream: (peerId: string, signal: AbortSignal) => Promise<Stream>
  /** `acked`: run as the peer's ack says it took the end, before the stream closes (protocol/transfer.ts sendEnd) */
  sendEnd: (peerId: string, end: EndMsg, acked?: () => void) => Promise<void>
  sign: (data: Uint8Array) => Promise<Uint8Array>
  changed: (r: Receiver, urgent: boolean) => void
  /** Record a state change; false when the store cannot take it now (it is kept and shown, and written later: pending-states.ts) */
  writeState: (id: string, patch: StatePatch) => boolean
  /** Record anything else of the row (counts, flags), throwing when the store cannot; merged into a state kept for it (pending-states.ts) */
  updateState: (id: string, patch: StatePatch) => void
  /** Receives of the same content share a part folder: one run at a time holds it. */
  partDirs: KeyedLock
  /**
   * A few runs of one peer's receives at a time (taken before partDirs, so
   * the two never wait on each other in a circle): each run holds streams,
   * spool slots and chunk buffers (MAX_RUNNING_RECEIVES_PER_PEER).
   */
  peerRuns?: KeyedSemaphore
  /** The sender's name as this device shows it, for why a receive waits its turn (its peer ID when not given) */
  peerName?: (peerId: string) => string
  /** ferry's own state folder: nothing is placed in it (also for a receive that began in another receive folder) */
  stateFolder?: FolderId
  /**
   * Why the receive folder's disk lacks the room what is left of `r` needs
   * (E_NO_SPACE), or undefined when it has it: a run failed by a full disk
   * waits for room when its disk is short, and fails as any other when the
   * room is there (the disk that filled is another: ferry's home, say).
   */
  roomShortage?: (r: Receiver) => Promise<FerryError | undefined>
  /** Tell the sender, best effort, that `r` stopped to wait for what `why` says (ChunkRequest.waits_for) */
  tellWaiting?: (r: Receiver, why: FerryError) => void
  /** Tell the sender, best effort, that `r` waits its turn here (ChunkRequest.waits_turn) */
  tellTurn?: (r: Receiver) => void
  log: Pick<Logger, 'debug' | 'info' | 'warn'>
}

/**
 * Why a receive waits its turn, naming its sender: "from this device" was
 * read, on the receiving device, as receives of that device itself (found
 * using the TUI).
 */
function turnAwaited (limit: number, sender: string): FerryError {
  const others = limit === 1 ? `1 other receive from ${sender} is` : `${limit} other receives from ${sender} are`
  return new FerryError('E_LIMIT', `waiting its turn: ${others} under way, ${limit} at most at once from one device`)
}

export class Receiver {
  readonly id: string
  readonly peerId: string
  readonly offer: OfferMsg
  readonly receiveDir: string
  readonly rootHex: string
  /** When the offer came (its row's createdAt): `ferry offers` shows how long it has waited. */
  readonly createdAt: number
  /** Held for a person here to accept it: how long, in ms, once accepted (TransferInfo.acceptWaitSeconds); unset: never held */
  acceptWaitMs?: number
  /** The offer's size as it came (encoded): what keeping it costs, bounded per peer (offer-intake.ts admit). */
  readonly offerBytes: number
  /** set anywhere: a spell in `waiting` is counted as it begins and ends (waits) */
  private current = ''
  get state (): string { return this.current }
  set state (state: string) {
    // a stall under way as it stops moving is a wait (Progress.stallMs); one that ends with bytes is told below
    this.waits.at(state, Date.now(), this.progress?.stallMs)
    this.current = state
  }

  private why?: FerryError
  /** set anywhere too: what it waits for, as a wait under way or to come is told by cause (WaitClock.because) */
  get error (): FerryError | undefined { return this.why }
  set error (error: FerryError | undefined) {
    this.why = error
    this.waits.because(waitCauseOf(error))
  }

  /** cancelled or declined: by this device or its sender (TransferInfo.endedBy) */
  endedBy?: EndedBy
  files: FileState[] = []
  /** What this receive placed under another name, its own (or a folder's on the way) taken here: each folder once, and the files renamed on their own */
  readonly renames = new ReceiveRenames()
  readonly progress: Progress
  /** how long it waited (its sender away, its turn, room), counted apart from its own time (wait-clock.ts); set from its record when loaded */
  waits = new WaitClock()
  resumed: boolean
  /**
   * Loaded from the store after the daemon died mid-run: the wire count it
   * recorded (about once a second) lags what it had received by then.
   */
  private crashed: boolean
  /**
   * The files a signed receipt says were not received (its bit set), once
   * signed: a run after it (the receipt did not get through) plans without
   * them and signs the same receipt again, instead of asking a sender that
   * may be done for files it could not serve.
   */
  private receiptMissing?: Uint8Array
  /** What the first plan held without fetching (dedup, files in place); unset before it. */
  private localBytes?: number
  /** Verified by a prefetch before the offer came (prefetch.ts): in the part folder, found there by the first plan, and from the wire, not local */
  private readonly aheadBytes: number
  /** The chunks that prefetch wrote, by entry: the first plan looks for those only in the part files */
  private aheadHeld?: Map<number, Bitmap>
  /** Of those, the chunks it verified against the offer's own hashes, in this run: the first plan takes them without reading them */
  private aheadSure?: Map<number, Bitmap>
  /** The daemon is stopping: a run cut short by it is not a failure. */
  private stopping = false
  /**
   * Cancelled by its sender: whether a part file kept holds verified chunks
   * (keepVerifiedParts). False: the part folder holds only the part files
   * the plan made for files not fetched, nothing a re-send could take, and
   * the service removes it (service.ts onEnd).
   */
  partsKept?: boolean
  /** What the run held verified when its fetch began (undefined: it did not get that far) */
  private doneAtFetch?: number
  /** Runs in a row cut short by the link that verified nothing new */
  private quietRuns = 0
  /** Not resumed by the service's timer before this (Date.now()): see RESUME_DELAY_MS and mayResume */
  private resumeAfter = 0
  /** A run began before resumeAfter since the last that began after it: its peer had come online (mayResume) */
  private resumedEarly = false
  /** Its last run failed for a full disk, and it waits for room there (awaitRoom): run again only once the room is back (Receives.resumeRuns) */
  private roomAwaited?: FerryError
  private controller = new AbortController()
  private running?: Promise<void>
  /** Its tells of where it stands on their way to its sender (telling), settled once each reached it or failed */
  private tells: Promise<unknown> = Promise.resolve()
  private lastFlush = 0
  /** Files placed and not yet recorded in the store (INDEX_BATCH_FILES), and when the first of them was placed. */
  private unrecorded: IndexedFile[] = []
  private unrecordedSince = 0
  private readonly bitmaps: BitmapRecorder
  /** folders of the receive folder checked during this run (see finalize.ts) */
  private knownDirs = new Set<string>()
  /** The offered folders that have folders of the offer inside them (holdsFolders) */
  private withFolders?: ReadonlySet<string>
  /** the offer's entries and their folders, as paths in the receive folder: made at the first name collision, most receives have none */
  private offerPathSet?: Set<string>
  /** The offered paths that land elsewhere here, a folder of theirs being a file here (folderRenames): looked at again at each run */
  private renamedPaths: ReadonlyMap<string, string> = new Map()
  /** The entries the receive folder cannot take as it is (a symbolic link on the way, say: checkReceivePaths), by index, with why: received without them, looked at again at each run */
  private refusedEntries: ReadonlyMap<number, Refusal> = new Map()
  /** the refused entries a receipt signed before told the sender (a run after it tells the same) */
  private receiptRefused?: RefusedEntry[]
  /** of the files a receipt signed before went without, how many the sender could not serve (a run after it counts the same) */
  private receiptNotServed?: number
  /**
   * The offer's files this receive asked the sender for bytes of, in this
   * daemon, a bit each by index (made at the first request): a file refused
   * that is not in it had not a byte cross for it (refused up front, a link
   * of its own on the way; or placed from copies made here and refused as
   * it was placed), and the summary does not count the wire's bytes as maybe
   * its (receiptRefusedUnfetched). Meaningful only while `askedKnown`.
   */
  private askedFiles?: Bitmap
  /** false where what crossed is not known by file: bytes fetched ahead of the offer (prefetch.ts), runs before a restart of this daemon */
  private readonly askedKnown: boolean
  /** The paths the receive folder could not take when last looked at (the offer's arrival, each `ferry offers`): how many, and why the first, while it waits for a decision */
  refusedAtOffer?: { files: number, folders: number, first: string }
  /** The receipt is being signed and sent: every file is in place, and a cancel comes too late (cancel) */
  private concluding = false
  /** Abandoned (abandon) while its receipt was on its way: how the receipt fares is the abandon's to settle, not onError's */
  private abandoning = false
  /** The device of the receive folder when this receive's first run in this daemon began (sameDiskAsBefore) */
  private receiveDev?: number
  /** The mount point the receive folder was on when this receive's first run began, kept across restarts (sameDiskAsBefore) */
  private receiveMount?: string
  /** Part files kept by ended receives that this one's plans copied from, with the offsets copied (Plan.keptPartsUsed): the service removes those it copied most of once it is done. */
  readonly keptPartsUsed = new Map<string, Set<number>>()
  /** the permission bits of each folder of the offer, by where it lands, for the folders the receive creates: made at each run */
  private dirModes: DirModes = new Map()
  private readonly deps: ReceiverDeps

  constructor (deps: ReceiverDeps, o: { id: string, peerId: string, offer: OfferMsg, receiveDir: string, state: string, aheadBytes?: number, aheadHeld?: Map<number, Bitmap>, aheadSure?: Map<number, Bitmap>, doneBytes?: number, wireBytes?: number, resumed?: boolean, crashed?: boolean, localBytes?: number, receiptMissing?: Uint8Array, receiptRefused?: RefusedEntry[], receiptNotServed?: number, createdAt?: number, offerBytes?: number, receiveMount?: string, roomAwaited?: FerryError }) {
    this.deps = deps
    this.id = o.id
    this.peerId = o.peerId
    this.offer = o.offer
    this.receiveDir = o.receiveDir
    this.state = o.state
    this.rootHex = Buffer.from(o.offer.root).toString('hex')
    this.createdAt = o.createdAt ?? Date.now()
    this.offerBytes = o.offerBytes ?? 0
    this.progress = new Progress(o.offer.totalBytes, o.doneBytes ?? 0, o.wireBytes ?? 0)
    this.progress.onStallEnd = (ms) => { this.waits.stalled(ms) }
    this.resumed = o.resumed === true
    this.crashed = o.crashed === true
    this.localBytes = o.localBytes
    this.aheadBytes = o.aheadBytes ?? 0
    this.aheadHeld = o.aheadHeld
    this.aheadSure = o.aheadSure
    this.receiptMissing = o.receiptMissing
    this.receiptRefused = o.receiptRefused
    this.receiptNotServed = o.receiptNotServed
    this.receiveMount = o.receiveMount
    this.askedKnown = o.resumed !== true && (o.wireBytes ?? 0) === 0
    // waiting for room when the daemon stopped: it waits for it again, and says so (Receives.load)
    this.roomAwaited = o.roomAwaited
    this.error = o.roomAwaited
    this.bitmaps = new BitmapRecorder({
      sync: async (path) => { await this.deps.sink().sync(path) },
      record: (f, bitmap) => { this.deps.store.setFile(this.id, f.index, { done: false, bitmap }) }
    })
  }

  get active (): boolean { return this.running != null }
  /** How long until it runs again when it waits out its wait after runs that got nothing (RESUME_DELAY_MS), else 0: it does not wait its turn (Receives.waitsItsTurn) */
  retryIn (now: number): number { return !this.active && this.state === 'waiting' && this.roomAwaited == null && this.resumeAfter > now ? this.resumeAfter - now : 0 }
  /** What it waits for to go before it runs again, not its turn nor a time (OfferAnswer.waits_for): room on its disk */
  get waitsFor (): FerryError | undefined { return !this.active && this.state === 'waiting' ? this.roomAwaited : undefined }
  /** A plan of it (in this run of the daemon or one before) made its part files: they hold the inodes of its files (Receives.filesReservedIn) */
  get planned (): boolean { return this.localBytes !== undefined }
  get finished (): boolean { return isFinalState(this.state) }

  /** Its peer as the log names it: name and end of peer ID (peer-log.ts). */
  loggedPeer (): string { return peerForLog(this.deps.peerName?.(this.peerId), this.peerId) }

  /** `endedBy`: for a receive cancelled or declined, which side ended it (TransferInfo.endedBy), recorded with the state */
  private setState (state: string, error?: FerryError, by?: EndedBy): void {
    const endedBy = state === 'cancelled' || state === 'declined' ? by : undefined
    const wasFinished = this.finished
    // a stall counts from here (its wait for its turn, for the peer or for room was none)
    if (isMovingState(state) && !isMovingState(this.state)) this.progress.began()
    // an offer held for a person here that ends so (declined, cancelled here or by its sender, failed): its wait is
    // recorded, as an accept records it (offer-decisions.ts) and its sender does; unset, the TUI's details counted the
    // hold as the transfer's own time (review finding)
    if (this.state === 'offered' && state !== 'offered' && this.acceptWaitMs === undefined) this.acceptWaitMs = Math.max(0, Date.now() - this.createdAt)
    this.state = state
    // its outcome, once, at info (--verbose), naming the peer as 'receive accepted' did (Receives.logAccepted)
    if (this.finished && !wasFinished) this.deps.log.info('receive ended', { id: this.id, peer: this.loggedPeer(), state, files: fileCount(this.offer.files), bytes: this.offer.totalBytes, doneBytes: this.progress.done, receiveDir: this.receiveDir, ...(error != null ? { code: error.code, err: error.message } : {}) })
    this.error = error
    if (endedBy !== undefined) this.endedBy = endedBy
    // ended without all of it (failed, cancelled; done counts without what is missing, sendReceipt): a folder
    // renamed is told with the files placed in it, none placed none told, as a file is told once placed
    // (review finding: "tree/ -> tree (1)/ (2 files)", "1 renamed", for a cancelled receive of which none came)
    if (this.finished && state !== 'done') this.renamesOfPlaced()
    // a store that cannot write (its disk full) does not throw here: the state
    // is kept, shown and written once it can (review finding: the throw left
    // the receive neither failed nor told to the sender, retried every 2 s)
    // with how many files it renamed, and the first of them: `ferry transfers` and `ferry wait` say so after the daemon let go of the receive (review finding: lost at its end)
    // cancelled or failed with files placed: they stay in the receive folder, and are said to (keptFiles)
    this.deps.writeState(this.id, { state, errorCode: error?.code ?? null as any, errorMessage: error?.message ?? null as any, ...(endedBy !== undefined ? { endedBy } : {}), ...(this.finished && state !== 'done' ? { keptFiles: this.keptFiles() } : {}), doneBytes: this.progress.done, wireBytes: this.progress.wire, finishedAt: this.finished ? Date.now() : undefined, ...(this.acceptWaitMs !== undefined ? { acceptWaitMs: this.acceptWaitMs } : {}), ...(this.finished ? this.renamedRecord() : {}), ...this.waits.record() })
    this.deps.changed(this, true)
  }

  /**
   * An end set (setState) while its run was still stopping: chunks being
   * written then still land, and a file whose last one it was is placed
   * after the end was recorded. Recorded again once the run stopped, so
   * that its count of files kept says what is on the disk, as its sender
   * is told (user-test finding: `ferry transfers` on the receiver said 71
   * of 150 files kept, the sender and the disk 82).
   */
  private recordStopped (): void {
    if (!this.finished || this.state === 'done') return
    this.renamesOfPlaced()
    this.deps.writeState(this.id, { keptFiles: this.keptFiles(), doneBytes: this.progress.done, wireBytes: this.progress.wire, ...this.renamedRecord() })
    this.deps.changed(this, true)
  }

  /** An end without all of it: the renames told are those of files placed (none placed, none told). */
  private renamesOfPlaced (): void {
    const placed = new Set(this.files.flatMap((f) => f.done ? [f.index] : []))
    this.renames.planned(this.offer.files, this.renamedPaths, (i) => this.refusedEntries.has(i) || !placed.has(i))
  }

  /** How many files were renamed, and the first of them, as the store keeps them; nothing when none was. */
  private renamedRecord (): { renamedCount?: number, renamed?: ReturnType<typeof renamedToRecord> } {
    return this.renames.count > 0 ? { renamedCount: this.renames.count, renamed: renamedToRecord(this.renames.shown()) } : {}
  }

  /** Start (or resume) pulling. Safe to call repeatedly; one run at a time. */
  run (): Promise<void> {
    if (this.finished) return Promise.resolve()
    this.running ??= this.doRun().finally(() => { this.running = undefined })
    return this.running
  }

  private async doRun (): Promise<void> {
    for (let replans = 0; await this.runOnce(replans < MAX_REPLANS); replans++) {
      this.deps.log.warn('part files were removed during the transfer; planning again to fetch what they held', { id: this.id })
    }
  }

  /** One run: plan, fetch, place, receipt. Resolves true when it should plan again (its part files were removed under it). */
  private async runOnce (mayReplan: boolean): Promise<boolean> {
    this.controller = new AbortController()
    this.doneAtFetch = undefined
    this.knownDirs = new Set()
    // the last run's file states are not this run's: a plan cut short (a stop) would record their
    // bitmaps over what it had just forgotten of part files made anew (review finding: zeros placed)
    this.files = []
    this.recordedPlaced = undefined
    const signal = this.controller.signal
    let release: (() => void) | undefined
    let releaseTurn: (() => void) | undefined
    let reporter: ProgressReporter | undefined
    let spool: Spool | undefined
    let stopWatch: (() => void) | undefined
    /** aborted when the part folder went away while fetching (watchPartFolder) */
    const lost = new AbortController()
    /** the part folder this run made, once made */
    let madePartDir: string | undefined
    try {
      const before = this.state
      const runs = this.deps.peerRuns
      // said while it waits its turn (review finding: shown "accepted", or as it last stopped, with nothing moving)
      if (runs?.full(this.peerId) === true) this.setState('waiting', turnAwaited(runs.limit, this.deps.peerName?.(this.peerId) ?? this.peerId))
      releaseTurn = await runs?.acquire(this.peerId, signal)
      // behind a receive of the same files (sent twice at once, or from two devices): said as such, not as this one
      // last stood, or as waiting its turn behind other receives when it has had its turn (review leftover)
      // Its sender is told: its offer was answered before this run began, not as waiting its turn (user-test
      // finding: the same file sent twice at once, the second send showed "transferring, 0 B/s" until its next probe)
      if (this.deps.partDirs.held(this.rootHex)) {
        this.setState('waiting', new FerryError('E_LIMIT', 'waiting for another receive of the same files under way here: it goes on once that one has ended'))
        this.deps.tellTurn?.(this)
      }
      release = await this.deps.partDirs.acquire(this.rootHex, signal)
      if (before === 'waiting' || before === 'fetching') { this.resumed = true; this.deps.updateState(this.id, { resumed: true }) }
      this.setState('fetching')
      // what comes before its first request (the paths checked, the folders and part files made, what it holds looked
      // up) is no stall, however long it takes for a large receive (Progress.prepare; began() once planned)
      this.progress.prepare()
      // its tells on their way to its sender first (that its last run waits for room, that this one waits its turn): each
      // goes on a stream of its own, and one that landed after this run's first report or request showed the send waiting
      // there while it ran (notes' leftover: a look 2 s after the tell let it run). Bounded (tell-sender.ts); not past a cancel
      await this.toldFirst(signal)
      // the sender's progress follows what this side holds, copies included (progress-report.ts), and that it plans, while
      // it does: its sender shows no stall for that, nor probes it (progress-report.ts). From here, before the paths are
      // checked: started after them, 30,000 long paths left the sender without a word for 5 s more (user-test finding)
      reporter = new ProgressReporter(Buffer.from(this.id, 'hex'), () => this.progress.done, async () => await this.deps.openChunkStream(this.peerId, signal), { planning: () => this.progress.preparing, heldFiles: () => this.placedFiles() })
      reporter.start()
      // a receive that began in another receive folder and goes on in this one (after a restart)
      // was never checked against it: no part folder, no byte in ferry's state folder (review finding)
      receiveFolderNotStateFolder(this.receiveDir, this.deps.stateFolder)
      // read once for both looks at the mounts: the receive folder's own, and those inside it (checkOfferPaths)
      const mounts = await readMountinfoOnce()
      await this.sameDiskAsBefore(mounts)
      // this user's only (createPartFile in receive-plan.ts says why), and no symbolic link followed
      const partDir = madePartDir = await makePartFolder(this.receiveDir, this.rootHex)
      const started = performance.now()
      // files an earlier run placed count: a receive left with only refused files fails, by the plan, only when it holds none (review finding)
      const paths = await checkOfferPaths(this.receiveDir, this.offer.files, this.deps.stateFolder, { partly: true, mounts })
      this.renamedPaths = paths.renamed
      this.refusedEntries = new Map(this.offer.files.flatMap((f, i) => { const why = paths.refused.get(f.path); return why !== undefined ? [[i, why] as const] : [] }))
      this.renames.planned(this.offer.files, this.renamedPaths, (i) => this.refusedEntries.has(i))
      if (this.refusedEntries.size > 0) this.deps.log.warn('paths refused by the receive folder; received without them', { id: this.id, refused: this.refusedEntries.size, first: this.refusedEntries.values().next().value!.error.message })
      this.offerPathSet = undefined
      // by where the folders land: ensureParents looks a mode up by the path it makes (a folder kept as "name (1)" got no mode of the sender's)
      this.dirModes = modesOf(this.offer, (p) => this.localPath(p))
      await this.makeFoldersFirst(caseClashes(this.offer.files))
      const givenUp = this.receiptMissing != null && this.receiptMissing.length > 0 ? new Bitmap(this.offer.files.length, this.receiptMissing) : undefined
      await this.bitmaps.settled()
      const held = this.aheadHeld
      const sure = this.aheadSure
      // the first plan's: a later one (a replan, a restart) looks at all
      this.aheadHeld = this.aheadSure = undefined
      const plan = await planReceive({
        transferId: this.id,
        files: this.offer.files,
        receiveDir: this.receiveDir,
        partDir,
        store: this.deps.store,
        sink: this.deps.sink(),
        peer: this.peerId,
        signal,
        givenUp,
        refused: this.refusedEntries,
        maybeInPartFile: held != null ? (file, chunk) => held.get(file)?.has(chunk) === true : undefined,
        verifiedInPartFile: sure != null ? (file, chunk) => sure.get(file)?.has(chunk) === true : undefined,
        localPath: (p) => this.localPath(p),
        // never below what an earlier run recorded: the plan counts it again from 0
        onHave: (n) => { if (n > this.progress.done) { this.progress.done = n; this.deps.changed(this, false) } }
      })
      this.deps.log.debug('receive planned', { id: this.id, haveBytes: plan.haveBytes, chunksToFetch: plan.queue.length, spooledWhole: plan.spooled.whole, spooledStarts: plan.spooled.starts, spooledStartBytes: plan.spooled.startBytes, takenAsVerified: plan.takenAsVerified, ms: Math.round(performance.now() - started) })
      this.files = plan.files
      // files an earlier run placed under another name: counted as placed then, and only in memory, which a restart
      // empties (a receipt not delivered before it, sent now, named none of them: helper finding). Each is told
      // where this plan finds it: one an earlier run of this daemon told placed elsewhere may be gone since (to
      // be received again), found under its own name, or under another "name (n)" (notes' leftover: its first
      // name stayed told). What was told of a file is taken back and told again, not compared: where it was told
      // is not kept (a path for each file of a renamed folder)
      for (const f of this.files) {
        if (f.entry.kind !== 'file') continue
        this.renames.notPlaced(f.index)
        if (f.done && f.dest !== undefined && f.dest !== join(this.receiveDir, f.entry.path)) this.renames.placed(f.index, f.entry.path, this.localPath(f.entry.path), relative(this.receiveDir, f.dest))
      }
      for (const [p, offsets] of plan.keptPartsUsed) {
        const mine = this.keptPartsUsed.get(p)
        if (mine == null) this.keptPartsUsed.set(p, new Set(offsets)); else for (const o of offsets) mine.add(o)
      }
      const firstPlan = this.localBytes === undefined
      if (this.localBytes === undefined) {
        this.localBytes = Math.max(0, plan.haveBytes - this.aheadBytes)
      } else {
        // copied here by this plan (dedup, the same content in this receive's part files), or found placed by another
        // receive of the same files: not from the wire (helper finding: one resumed after a crash, finding the file
        // placed by the other, took the whole of it as its wire, and its sender said so)
        this.localBytes += plan.copiedBytes + plan.foundBytes
      }
      if (!firstPlan && this.crashed) {
        // all it holds beyond what was copied locally (the first plan, later plans, copies to followers) came over the
        // wire, also what arrived after the last record of the count: whole
        // chunks, and the starts of chunks kept in the spool
        this.progress.wire = Math.max(this.progress.wire, plan.haveBytes - this.localBytes + plan.spooled.startBytes)
      }
      this.crashed = false
      this.progress.reset(plan.haveBytes)
      this.countWithout()
      // recorded now: a crash before the first periodic record would show 0 B held (a re-send that found a kept part folder holds much at once)
      this.deps.updateState(this.id, { doneBytes: this.progress.done, wireBytes: this.progress.wire, localBytes: this.localBytes })
      // files that were complete already (or became so by dedup) are placed first
      for (const f of this.files) if (!f.done && f.entry.kind === 'file' && f.bitmap.complete) await this.finishFile(f)
      // planned, and what it held placed: a stall counts from here. Not before the placing, which moves no byte and
      // lasts (the 10,000 empty files of a 30,000-file send took 20 s): the reports stopped as nothing new was held,
      // and both sides said "stalled" while it placed, its sender offering again (user-test finding)
      this.progress.began()
      spool = new Spool(partDir, (err) => { this.deps.log.warn('cannot spool arriving chunk bytes; a crash would cost whole chunks', { id: this.id, err: err.message }) })
      // the part folder gone (removed, or the receive folder moved or unmounted): the fetch stops
      // within a second, and the run plans again (or fails, the receive folder gone) as below
      stopWatch = watchPartFolder(partDir, () => { lost.abort(partFolderGone(partDir)) })
      this.doneAtFetch = this.progress.done
      await fetchAll({
        transferId: Buffer.from(this.id, 'hex'),
        files: this.files,
        queue: plan.queue,
        sink: this.deps.sink(),
        peer: this.peerId,
        spool,
        streams: CHUNK_STREAMS,
        openStream: async () => await this.deps.openChunkStream(this.peerId, signal),
        held: () => this.progress.done,
        onWire: (n) => { this.progress.wire += n },
        onAsk: (file) => { if (this.askedKnown) (this.askedFiles ??= new Bitmap(this.offer.files.length)).set(file) },
        onUnavailable: (f, err) => {
          // the sender's copy changed or went away since its offer: the rest goes on without it
          this.deps.log.warn('file not received: the sender can no longer send it', { id: this.id, err: err.message })
          this.countWithout()
          // what was to be copied from its chunks is fetched instead, once
          // for each content: the first waiting chunk, and the others copy
          // from it (2,000 copies of a photo whose first file changed would
          // otherwise all cross the wire)
          for (let c = 0; c < f.entry.chunks.length; c++) {
            const waiting = (plan.followers.get(`${f.index}/${c}`) ?? []).filter((w) => w.file !== f.index && this.files[w.file].unavailable == null)
            plan.followers.delete(`${f.index}/${c}`)
            const [next, ...others] = waiting
            if (next === undefined) continue
            plan.queue.push(next)
            if (others.length > 0) plan.followers.set(`${next.file}/${next.chunk}`, others)
          }
          this.deps.changed(this, false)
        },
        onChunk: async (f, chunk, length) => {
          // copies first: `f` is placed (its part file moved) once its last
          // chunk is marked, below, so never while a copy reads from it
          await this.copyToFollowers(plan, f, chunk)
          f.bitmap.set(chunk)
          this.progress.add(length)
          this.maybeFlush(f)
          this.deps.changed(this, false)
          if (f.bitmap.complete) await this.finishFile(f)
        },
        signal: AbortSignal.any([signal, lost.signal])
      }).finally(() => { spool?.close(); stopWatch?.() })
      this.recordPlaced()
      this.deps.log.debug('chunks fetched', { id: this.id, ms: Math.round(performance.now() - started) })
      signal.throwIfAborted() // cancelled while the last file was placed: no `verifying` over `cancelled`
      this.setState('verifying')
      const missing = await this.giveUpUnavailable()
      for (const f of this.files) {
        if (f.entry.kind === 'dir') { if (!f.done && f.unavailable == null) await this.finishDir(f); continue }
        if (!f.done && f.unavailable == null) throw new FerryError('E_INTERNAL', `${f.entry.path} is incomplete after fetching`)
      }
      // what was verified of files the sender could no longer send stays for
      // a day, for that file sent again after its change; else nothing of it is of use
      if (!this.keepVerifiedParts()) await this.removePartFolder()
      await syncPlacedFolders(this.receiveDir, this.files.flatMap((f) => f.dest ?? []))
      signal.throwIfAborted()
      this.concluding = true
      try {
        await this.sendReceipt(missing)
      } finally {
        this.concluding = false
      }
    } catch (err) {
      // no report after this: onError may tell the sender that it waits (room, a retry), and a report coming after that
      // tell would show the send fetching there again (notes' leftover)
      reporter?.stop()
      await this.closePartFiles()
      // a user or a cleaner removed the part folder (or the receive folder)
      // while we wrote to it: what the part files held is gone, and a new
      // plan fetches it again, instead of failing after every byte arrived
      // (or it went away and came back, its part files there again: planned again all the same, the plan checks them).
      // The part folder itself gone while the plan read it, before the plan's files were known: the same (CI finding:
      // its disk unmounted then, the plan's look at it failed the receive with E_IO "ENOENT … scandir", where the run
      // after finds the disk gone and says so, E_PATH_NOT_FOUND)
      const partDirGone = madePartDir !== undefined && !existsSync(madePartDir)
      // not a receive that ended meanwhile, or its sender's cancel: its own end removed its part files (helper
      // finding: "part files were removed during the transfer; planning again", logged for a cancel that came
      // as the last file was placed)
      const fe = toFerryError(err)
      const ended = this.finished || this.stopping || this.abandoning || (fe.code === 'E_CANCELLED' && fe.remote)
      if (mayReplan && !signal.aborted && !ended && (partDirGone || this.lostPartFiles() || lost.signal.aborted)) return true
      // no plan left to make: a part folder gone under the plan is said as the fetch's watch says it, not as the
      // plan's raw "E_IO: ENOENT … scandir" (CI finding: which of the two a receive failed with was a race)
      await this.onError(partDirGone && !ended && fe.code === 'E_IO' ? partFolderGone(madePartDir!) : err)
    } finally {
      reporter?.stop()
      stopWatch?.()
      // cancelled (by the sender: one cancelled here loses its part folder
      // whole): what is kept for a re-send is in the part files
      // (keepVerifiedParts). A failed receive keeps its slots too: the same
      // file sent again once the disk has room goes on from them
      if (this.state === 'cancelled') spool?.remove()
      release?.()
      releaseTurn?.()
    }
    return false
  }

  /**
   * The folders an entry's path matches but for case (case-clash.ts), made
   * now, before any file is placed; not one whose every entry is refused.
   */
  private async makeFoldersFirst (folders: string[]): Promise<void> {
    for (const folder of folders) {
      const used = this.offer.files.some((f, i) => !this.refusedEntries.has(i) && (f.path === folder || f.path.startsWith(`${folder}/`)))
      if (!used) continue
      // ensureParents makes the folders on the way to the last component: the folder's own too, with one more
      await ensureParents(this.receiveDir, [...validateRelativePath(this.localPath(folder)), ''], this.knownDirs, this.dirModes, this.deps.stateFolder)
    }
  }

  /** Where an offered path lands in the receive folder: under its own name, unless a folder of it is a file here. */
  private localPath (offered: string): string {
    return this.renamedPaths.get(offered) ?? offered
  }

  /** The paths this receive itself places (its entries, and the folders on their way), built once a run. */
  private offerPaths (): Set<string> {
    if (this.offerPathSet !== undefined) return this.offerPathSet
    const set = new Set<string>()
    for (const e of this.offer.files) {
      const parts = this.localPath(e.path).split('/')
      for (let i = 1; i <= parts.length; i++) set.add(join(this.receiveDir, ...parts.slice(0, i)))
    }
    this.offerPathSet = set
    return set
  }

  /**
   * The receive folder is on the disk it was on when this receive began
   * (in this daemon's run): a receive folder that is a mount point, unmounted
   * meanwhile (`umount -l`), is the empty folder under it, on another disk,
   * and the plan made again would fill that one unseen (user-test finding:
   * the rest of the files landed on the root disk, the send ended done).
   */
  private async sameDiskAsBefore (mounts: MountinfoRead): Promise<void> {
    const st = await stat(this.receiveDir).catch(() => undefined)
    if (st === undefined) return // gone: makePartFolder says so
    this.receiveDev ??= st.dev
    if (st.dev !== this.receiveDev) throw new FerryError('E_PATH_NOT_FOUND', `receive folder ${this.receiveDir} is no longer on the disk this receive began on (unmounted?); send again once it is back`)
    // Across a restart the device number says nothing (a USB disk's can
    // change at each boot); the mount the folder is on does (mounts.ts). A
    // daemon restarted while the disk was away took the folder below the
    // mount point for the receive folder (making it first, at start, when
    // the receive folder was inside the disk), and wrote the rest of the
    // receive onto the system's disk (known limit until 2026-12-04).
    // Recorded only for a whole file system mounted (not a bind mount of a
    // folder, as systemd's ReadWritePaths= makes; nor a btrfs subvolume,
    // whose root reads as its path: not checked there), and taken as away only
    // when nothing is mounted there now and the folder is on a mount above
    // it: a mount point that moves for another reason (a service started
    // with ProtectHome=, a bind mount added) is no sign of it (review).
    const mountinfo = mounts.text
    if (mountinfo === undefined) return
    const mount = mountIn(await realpath(this.receiveDir).catch(() => this.receiveDir), mountinfo)
    if (mount === undefined) return
    if (this.receiveMount === undefined) {
      if (mount.root !== '/') return
      this.receiveMount = mount.point
      // not recorded (the store's disk full): the check holds in this daemon's run only, and the receive goes on
      try { this.deps.store.update(this.id, { receiveMount: mount.point }) } catch (err) { this.deps.log.warn('cannot record the receive folder\'s mount point', { id: this.id, err: (err as Error).message }) }
    } else if (mountAway(this.receiveMount, mount, mountinfo)) {
      throw new FerryError('E_PATH_NOT_FOUND', `receive folder ${this.receiveDir} was on the disk mounted at ${this.receiveMount} when this receive began, and nothing is mounted there now (the disk not mounted?); send again once it is back`)
    }
  }

  private lostPartFiles (): boolean {
    return this.files.some((f) => !f.done && f.unavailable == null && f.entry.kind === 'file' && !existsSync(f.partPath))
  }

  /**
   * Let go of the part files this run had open (no flush: their chunks are
   * re-checked on resume). A descriptor kept in the sink across runs would
   * still write to a part file deleted meanwhile, and the file placed from
   * its path would be missing.
   * By the offer's files, not this.files: a plan that failed or was
   * cancelled part-way had opened some (resume checks, copies) before
   * this.files was set (review finding: a re-send after the part folder
   * was removed then wrote through a descriptor of the deleted file).
   */
  private async closePartFiles (): Promise<void> {
    const sink = this.deps.sink()
    const partDir = partDirFor(this.receiveDir, this.rootHex)
    const open = this.offer.files.flatMap((e, i) => e.kind === 'file' && this.files[i]?.done !== true ? [partFileOf(partDir, i)] : [])
    await Promise.allSettled(open.map(async (path) => { await sink.closeFile(path, false) }))
  }

  /** Files of it verified and placed in the receive folder so far (TransferInfo.keptFiles once it ended short of done). */
  keptFiles (): number {
    // a run whose plan was cut short (the last one, its part folder gone under it: partFolderGone) has no file states
    // yet: the files placed are the ones recorded so (CI finding: a failure said none kept, 1 was)
    if (this.files.length === 0) return this.recordedKept()
    // counted, not filtered into an array: asked with every progress event and report, over every file state
    let n = 0
    for (const f of this.files) if (f.done && f.entry.kind === 'file') n++
    return n
  }

  /**
   * keptFiles for the live figure (TransferInfo.doneFiles, and its sender's: ChunkRequest.held_files), asked for
   * with each progress event and report: before this run's plan, the count recorded is read from the store once.
   */
  placedFiles (): number {
    if (this.files.length > 0) return this.keptFiles()
    this.recordedPlaced ??= this.recordedKept()
    return this.recordedPlaced
  }

  /** placedFiles' count as recorded, read since this run began (runOnce forgets it: an earlier run placed more) */
  private recordedPlaced?: number

  private recordedKept (): number {
    return [...this.deps.store.files(this.id)].filter(([i, f]) => f.done && this.offer.files[i]?.kind === 'file').length
  }

  /**
   * The verified bytes in its files not yet placed: what their part files hold, which a cancel here removes
   * (TransferInfo.droppedBytes). A receive whose run made no plan (waiting since a restart) counts them from the
   * bit sets recorded; a store that cannot be read counts none.
   */
  heldOfUnplaced (): number {
    if (this.files.length > 0) return this.files.reduce((n, f) => f.done || f.entry.kind !== 'file' ? n : n + heldOf(f), 0)
    let n = 0
    try {
      for (const [i, f] of this.deps.store.files(this.id)) {
        const entry = this.offer.files[i]
        if (f.done || f.bitmap == null || entry?.kind !== 'file') continue
        n += heldOf({ entry, bitmap: new Bitmap(entry.chunks.length, f.bitmap) })
      }
    } catch {}
    return n
  }

  /** Every chunk of `f` verified: flush, check its root, place it under its final name. */
  private async finishFile (f: FileState): Promise<void> {
    if (f.done) return
    await this.deps.sink().closeFile(f.partPath, true)
    // every chunk is in, so the part file is the file's size; anything else is a flaw here, and is not placed
    let size = statSync(f.partPath).size
    // but for its last chunks when they are zeros, never written (planReceive): the rest of the file is a hole
    if (size < f.entry.size && zerosFrom(f.entry, size)) {
      truncateSync(f.partPath, f.entry.size)
      size = f.entry.size
    }
    if (size !== f.entry.size) throw new FerryError('E_INTERNAL', `${f.entry.path}: its part file holds ${size} bytes, the offer ${f.entry.size}`)
    // the whole-file check: every chunk was verified against its hash before
    // it was written, so the file root recomputed over those hashes must be
    // the one in the (verified) manifest; this avoids hashing the bytes twice
    const root = computeFileRoot(f.entry.size, f.entry.chunkSize, f.entry.chunks)
    if (Buffer.compare(root, f.entry.fileRoot) !== 0) throw new FerryError('E_HASH_MISMATCH', `${f.entry.path}: file root does not match`)
    const relPath = this.localPath(f.entry.path)
    try {
      f.dest = await placeFile({ root: this.receiveDir, relPath, partPath: f.partPath, mtimeMs: f.entry.mtimeMs, mtimeSubMsNs: f.entry.mtimeSubMsNs, mode: f.entry.mode, knownDirs: this.knownDirs, dirModes: this.dirModes, taken: (path) => this.offerPaths().has(path), keepOut: this.deps.stateFolder })
    } catch (err) {
      const denied = deniedPlacing(this.receiveDir, relPath, f.entry.path, err, (folder) => this.holdsFolders().has(folder))
      if (denied === undefined) throw err
      this.receiveWithout(f, denied)
      return
    }
    f.done = true
    // its name (or a folder's on its way) was taken here: said, as the file is not where the sender named it
    if (f.dest !== join(this.receiveDir, f.entry.path)) {
      this.renames.placed(f.index, f.entry.path, relPath, relative(this.receiveDir, f.dest))
      this.deps.log.info('placed under another name, its own was taken', { id: this.id, path: f.entry.path, as: f.dest })
    }
    if (this.unrecorded.length === 0) this.unrecordedSince = Date.now()
    this.unrecorded.push({ path: f.dest, fileRoot: f.entry.fileRoot, size: f.entry.size, ...asPlaced(f.dest, f.entry.mtimeMs), chunks: f.entry.chunks, chunkSize: f.entry.chunkSize, placed: { transferId: this.id, idx: f.index } })
    if (this.unrecorded.length >= INDEX_BATCH_FILES || Date.now() - this.unrecordedSince >= INDEX_BATCH_MS) this.recordPlaced()
  }

  /** The offered folders with a folder of the offer inside them (a folder entry, or one a file's path makes), worked out once when first asked */
  private holdsFolders (): ReadonlySet<string> {
    this.withFolders ??= foldersAbove(this.offer.files.map((f) => f.kind === 'dir' ? f.path : dirname(f.path)))
    return this.withFolders
  }

  /**
   * Give a folder of the offer its time and mode, once every file is in; one
   * swapped for a symbolic link or a file while they arrived (InTheWay) is
   * done without, told in the receipt for it and what is below it, as its
   * files not placed are (helper finding: the whole receive failed, its
   * files placed and verified).
   */
  private async finishDir (f: FileState): Promise<void> {
    try {
      f.dest = await placeDir(this.receiveDir, this.localPath(f.entry.path), f.entry.mtimeMs, this.dirModes, f.entry.mtimeSubMsNs, this.deps.stateFolder)
      f.done = true
    } catch (err) {
      if (!(err instanceof InTheWay)) throw err
      f.unavailable = new FerryError('E_PATH_UNSAFE', `${quoteForDisplay(f.entry.path)}: ${err.reason}`)
      this.refusedEntries = new Map([...this.refusedEntries, [f.index, { error: f.unavailable, reason: err.reason, under: f.entry.path }]])
      this.deps.log.warn('a folder could not be given its time; received without it', { id: this.id, path: f.entry.path, err: err.reason })
    }
  }

  /**
   * A file whose bytes are all in, that its folder here does not take (no
   * permission to write in it: the check of the offer saw nothing to make
   * there, the file going next to one of its name, or the folder changed
   * since): received without it, and told in the receipt with why, as a path
   * refused up front is (user-test finding: the whole receive failed, with
   * "EACCES: permission denied, link '…/.ferry-part/…'"). Its part file is
   * kept for a re-send (keepVerifiedParts).
   */
  private receiveWithout (f: FileState, refusal: Refusal): void {
    f.unavailable = refusal.error
    this.refusedEntries = new Map([...this.refusedEntries, [f.index, refusal]])
    this.countWithout()
    this.deps.log.warn('a file could not be placed; received without it', { id: this.id, path: f.entry.path, err: refusal.error.message })
  }

  /**
   * Chunk `chunk` of `f` is verified in its part file: copy it to the chunks
   * of this offer with the same content (plan.followers), before `f` may be
   * placed (its part file is the source). A copy that fails is fetched
   * instead: `f` may have been placed meanwhile by the run of its last
   * chunk, moving its part file away (or a part file was removed under us).
   */
  private async copyToFollowers (plan: Plan, f: FileState, chunk: number): Promise<void> {
    const key = `${f.index}/${chunk}`
    const waiting = plan.followers.get(key)
    if (waiting == null) return
    plan.followers.delete(key)
    const from = chunkRange(chunk, f.entry.size, f.entry.chunkSize)
    // Not from the wire: a crash's estimate of the wire count (what is held,
    // less localBytes) must leave these copies out. They are counted and
    // recorded before they are made, as a periodic record would miss up to
    // FLUSH_INTERVAL_MS of them (measured: 18 MB of copies of one photo
    // counted as wire after a kill -9). A copy the crash then prevents is
    // made by the next run and counted again, so the estimate can only come
    // out low, and the sender's own count (the larger is kept) covers that.
    // checked again before each copy: an earlier copy may have finished its file meanwhile
    const wanted = (w: Wanted): boolean => { const to = this.files[w.file]; return !to.done && to.unavailable == null && !to.bitmap.has(w.chunk) }
    const copies = waiting.filter(wanted)
    this.localBytes = (this.localBytes ?? 0) + copies.length * from.length
    this.deps.updateState(this.id, { localBytes: this.localBytes })
    for (const w of copies) {
      // thousands of copies of one photo: a cancel or a stop must not wait for them all
      this.controller.signal.throwIfAborted()
      if (!wanted(w)) { this.localBytes -= from.length; continue }
      const to = this.files[w.file]
      const { offset } = chunkRange(w.chunk, to.entry.size, to.entry.chunkSize)
      try {
        await this.deps.sink().copy(f.partPath, from.offset, to.partPath, offset, from.length, to.entry.chunks.at(w.chunk))
      } catch (err) {
        // a full disk or a cancel fails a fetch just the same
        const code = toFerryError(err).code
        if (code === 'E_NO_SPACE' || code === 'E_CANCELLED') throw err
        // fetched instead: from the wire after all
        this.localBytes -= from.length
        plan.queue.push(w)
        continue
      }
      to.bitmap.set(w.chunk)
      this.progress.add(from.length)
      this.maybeFlush(to)
      if (to !== f && to.bitmap.complete) await this.finishFile(to)
    }
  }

  /** Record the placed files not yet in the store, in one commit. */
  private recordPlaced (): void {
    if (this.unrecorded.length === 0) return
    this.deps.store.indexFiles(this.unrecorded)
    // only once they are in: a commit that failed (a full disk) is tried again with the next
    this.unrecorded = []
  }

  /** Now and then, record progress, and `f`'s verified chunks once they are on disk (bitmap-recorder.ts). */
  private maybeFlush (f: FileState): void {
    const now = Date.now()
    if (now - this.lastFlush < FLUSH_INTERVAL_MS) return
    this.lastFlush = now
    this.recordPlaced()
    this.bitmaps.saveSoon(f)
    this.deps.updateState(this.id, { doneBytes: this.progress.done, wireBytes: this.progress.wire, localBytes: this.localBytes })
  }

  /** Record the placed files, every unfinished file's verified chunks (flushed first) and the progress: the run has stopped. */
  private async flush (): Promise<void> {
    this.recordPlaced()
    await this.bitmaps.saveAll(this.files)
    this.deps.updateState(this.id, { doneBytes: this.progress.done, wireBytes: this.progress.wire, localBytes: this.localBytes })
  }

  /** flush(), saying so when the store cannot take it (its disk full) instead of failing what called it. */
  private async flushOrWarn (): Promise<void> {
    await this.flush().catch((e: Error) => { this.deps.log.warn('cannot record the transfer\'s progress', { id: this.id, err: e.message }) })
  }

  /**
   * A receive that ends leaving part files unplaced (files the sender could
   * no longer send, a failure, the sender's cancel) keeps its part folder for
   * a day (part-folders.ts); the chunks verified in those part files are put
   * in the dedup index, so that a file sent again after a change copies what
   * it still shares instead of fetching all of it (user-test finding: a
   * video touched during its send crossed the wire again in full). Returns
   * whether any part file holds such chunks. A store that cannot take them
   * costs only that reuse.
   */
  private keepVerifiedParts (): boolean {
    let kept = false
    try {
      // none in memory (a receive reloaded after a restart and not run since, or cancelled while it planned): as recorded (review finding)
      for (const f of this.files.length > 0 ? this.files : this.recordedFiles()) {
        if (f.done || f.entry.kind !== 'file' || f.bitmap.done === 0) continue
        const chunks = []
        // not a chunk of zeros: a re-send never copies one (the plan leaves it a hole), and counted kept it would keep the part file from going (dropUsedKeptParts)
        for (let c = 0; c < f.entry.chunks.length; c++) if (f.bitmap.has(c) && !isZeroChunk(f.entry, c)) chunks.push({ hash: f.entry.chunks.at(c), ...chunkRange(c, f.entry.size, f.entry.chunkSize) })
        this.deps.store.indexPartChunks(f.partPath, chunks)
        kept = true
      }
    } catch (err) {
      this.deps.log.warn('cannot index the chunks of kept part files; a re-send of changed files fetches them again', { id: this.id, err: (err as Error).message })
    }
    return kept
  }

  /**
   * The offer's entries, by index, a run makes no part file for: placed, or
   * left out (refused by the receive folder, not served by the sender), as
   * its last plan in this daemon's run knows them, else placed as recorded
   * (room-wait.ts counts the file entries the rest makes).
   */
  settledFiles (): ReadonlySet<number> {
    const settled = new Set(this.refusedEntries.keys())
    if (this.files.length > 0) for (const f of this.files) { if (f.done || f.unavailable != null) settled.add(f.index) }
    else for (const [i, f] of this.recordedFiles().entries()) if (f.done) settled.add(i)
    return settled
  }

  /** The offer's files as the store recorded them (done, and the bitmap of verified chunks), in the receive's part folder. */
  private recordedFiles (): Array<Pick<FileState, 'done' | 'entry' | 'bitmap' | 'partPath'>> {
    const saved = this.deps.store.files(this.id)
    const partDir = partDirFor(this.receiveDir, this.rootHex)
    return this.offer.files.map((entry, i) => ({ entry, done: saved.get(i)?.done === true, bitmap: new Bitmap(entry.chunks.length, saved.get(i)?.bitmap), partPath: partFileOf(partDir, i) }))
  }

  /** The part folder goes, and with it what the dedup index knew of its part files. */
  private async removePartFolder (): Promise<void> {
    await removePartFolder(this.receiveDir, this.rootHex)
    forgetPartChunks(this.deps.store, [partDirFor(this.receiveDir, this.rootHex)], this.deps.log)
  }

  /**
   * The files the sender could not serve (fetch.ts, giveUp), as the
   * receipt's bit set; undefined when there are none. Their part files are
   * let go of (the part folder stays when they hold verified chunks:
   * keepVerifiedParts). If not one file could be
   * received, there is nothing to sign for: the transfer fails.
   */
  private async giveUpUnavailable (): Promise<Uint8Array | undefined> {
    // folders refused by the receive folder are not made; the receipt's set has files only (their files are in it)
    const gone = this.files.filter((f) => !f.done && f.unavailable != null && f.entry.kind === 'file')
    if (gone.length === 0) return undefined
    await Promise.allSettled(gone.map(async (f) => { await this.deps.sink().closeFile(f.partPath, false) }))
    // the transfer fails: what it shows done is what it holds verified, kept for a re-send (keepVerifiedParts; user-test finding: shown 0 B)
    if (this.files.every((f) => f.entry.kind === 'dir' || (!f.done && f.unavailable != null))) {
      // the sender's side first: a refused path alongside would hide that its files changed (review finding)
      const first = gone.find((f) => f.unavailable!.code === 'E_SOURCE_CHANGED') ?? gone[0]
      // not of files removed there alone: "once it has stopped changing" was said of a file deleted mid-send (user-test finding)
      // told by the reason the sender sends with the error (ChunkHeader.not_served), not by its words; untold (an older sender): the hint stays
      const changing = gone.some((f) => f.unavailable!.code === 'E_SOURCE_CHANGED' && notServedReason(f.unavailable) !== 'removed')
      throw new FerryError(first.unavailable!.code, noneReceived(gone.length, first.unavailable!.message, changing))
    }
    // done without them: what was verified of them is not counted as received (kept apart: keepVerifiedParts)
    for (const f of gone) this.progress.done -= heldOf(f)
    this.progress.done = Math.max(0, this.progress.done)
    const missing = new Bitmap(this.offer.files.length)
    for (const f of gone) missing.set(f.index)
    return missing.bytes
  }

  private async sendReceipt (missing?: Uint8Array): Promise<void> {
    const sig = await this.deps.sign(receiptPayload(this.id, this.offer.root, missing))
    const refused = this.refusedToTell(missing)
    // by file, not by the reasons told (one per folder at fault): `ferry wait` says how many of each
    const notServed = missing == null ? undefined : this.receiptNotServed ?? this.files.filter((f) => f.entry.kind === 'file' && !f.done && f.unavailable != null && !this.refusedEntries.has(f.index)).length
    // of the files refused, those not a byte of which was asked for: none of the wire's bytes were theirs (notes'
    // leftover: "counting what was sent of files the receive folder refused" for files refused up front). Not
    // known: left as a receipt signed before recorded it
    const unfetched = missing == null || !this.askedKnown ? undefined : this.files.filter((f) => f.entry.kind === 'file' && !f.done && f.unavailable != null && this.refusedEntries.has(f.index) && this.askedFiles?.has(f.index) !== true).length
    this.deps.updateState(this.id, { receiptSig: sig, receiptMissing: missing, receiptRefused: refused, receiptNotServed: notServed, ...(unfetched !== undefined ? { receiptRefusedUnfetched: unfetched } : {}) })
    this.receiptMissing = missing
    this.receiptRefused = refused
    this.receiptNotServed = notServed
    // a renamed folder's files counted without those it went without
    if (missing != null) {
      const missed = new Bitmap(this.offer.files.length, missing)
      this.renames.planned(this.offer.files, this.renamedPaths, (i) => this.refusedEntries.has(i) || missed.has(i))
    }
    // where files went that could not go under their own name: the sender says so too
    // done as the sender's ack comes, before this side closes the stream: its sender says its send done once that close
    // came (readEnd's afterAck), so that `ferry send` exiting 0 finds this receive done here, its counts and receipt final
    // (helper finding: `verifying` here until the ack's round trip, seen in ~1 of 4 small sends looked at as the sender
    // said done). Not before the ack: a receipt refused, or not delivered, fails or is sent again (onError)
    await this.deps.sendEnd(this.peerId, { transferId: Buffer.from(this.id, 'hex'), status: 'done', root: this.offer.root, signature: sig, wireBytes: this.progress.wire, missing, ...this.renames.toEnd(), refused }, () => { this.setState('done') })
    // a sendEnd that took the end without calling `acked` (acked is all a resolved sendEnd says)
    if (!this.finished) this.setState('done')
    const notReceived = this.files.filter((f) => f.unavailable != null && !f.done).length
    this.deps.log.info('transfer received', { id: this.id, files: this.offer.files.filter((f) => f.kind === 'file').length - notReceived, bytes: this.offer.totalBytes, wire: this.progress.wire, ...(notReceived > 0 ? { notReceived } : {}) })
  }

  /** What the receive goes without (files refused or given up) is not waited for: its ETA, and the room other receives must leave it (review finding: a refused 200 GB folder held that much room). */
  private countWithout (): void {
    this.progress.without = this.files.reduce((n, f) => n + (f.entry.kind === 'file' && f.unavailable != null && !f.done ? f.entry.size : 0), 0)
  }

  /**
   * Why the receive folder refused entries the receipt goes without: the
   * files of `missing` and the folders not made, each with the reason this
   * run found, else the one a receipt signed before told (a file given up
   * then is planned as given up now, whatever the folder is now). The first
   * END_REFUSED_SHOWN, by entry. Entries received are not told (review
   * finding: a file placed by an earlier run was listed).
   */
  private refusedToTell (missing?: Uint8Array): RefusedEntry[] | undefined {
    const missed = missing != null ? new Bitmap(this.offer.files.length, missing) : undefined
    const notReceived = (i: number): boolean => this.offer.files[i].kind === 'dir'
      ? this.files[i]?.unavailable != null && this.files[i].done !== true
      : missed?.has(i) === true
    const told = new Map<number, RefusedEntry>((this.receiptRefused ?? []).map((r) => [r.entry, r]))
    for (const [i, r] of this.refusedEntries) if (!told.has(i)) told.set(i, { entry: i, reason: r.reason, under: r.under, code: r.error.code })
    // one per folder at fault: the sender applies it to every entry below (user-test finding: of 100 photos under
    // a linked folder, the reason of 11 was told, the rest read "its reason not told")
    const folders = new Set<string>()
    const out: RefusedEntry[] = []
    for (const [i, r] of [...told].sort((a, b) => a[0] - b[0])) {
      if (i >= this.offer.files.length || !notReceived(i)) continue
      if (r.under !== undefined) {
        if (folders.has(r.under)) continue
        folders.add(r.under)
      }
      out.push(r)
      if (out.length >= END_REFUSED_SHOWN) break
    }
    return out.length > 0 ? out : undefined
  }

  /**
   * Whether a run may begin now: its wait after quiet runs is over
   * (resumeAfter), or, once per wait, its peer has just come online
   * (`peerCame`: a link back up is worth a try at once). Once, not at every
   * peer event: a hello on a connection already open counts as coming
   * online, and a sender that said hello every second had the receive run
   * every second, the wait dodged (helper finding: 25 runs in 24 s).
   */
  mayResume (now: number, peerCame: boolean): boolean {
    // not before there is room: its peer coming back brings none
    if (this.roomAwaited != null) return false
    if (this.resumeAfter <= now) { this.resumedEarly = false; return true }
    if (!peerCame || this.resumedEarly) return false
    this.resumedEarly = true
    return true
  }

  private async onError (err: unknown): Promise<void> {
    const fe = toFerryError(err)
    // what can be recorded is; a store that cannot write (its disk full) does not stop the failure from being settled and told
    await this.flushOrWarn()
    if (this.finished || this.stopping || this.abandoning) return
    if (fe.code === 'E_CANCELLED' && this.state === 'cancelled') return
    // the sender's answer to a chunk request: it cancelled (its cancel
    // message may arrive after this, and is then ignored). Only the sender's:
    // an E_CANCELLED of this daemon's own (its sink closed as it stops) is not
    // a cancel anyone asked for (review finding)
    if (fe.code === 'E_CANCELLED' && fe.remote === true && !this.controller.signal.aborted) {
      this.cancelledBySender(fe)
      return
    }
    // the peer went away or the link dropped: wait and resume by itself
    if (isTransient(fe) && !this.controller.signal.aborted) {
      this.deps.log.info('transfer interrupted; will resume', { id: this.id, err: fe.message })
      // what `ferry transfers` shows meanwhile: a link that went, not an internal error; named, and what it likely was
      // (user-test finding: "lost the connection to the sender (stream ended inside a chunk)" for a sender stopped)
      const sender = this.deps.peerName?.(this.peerId) || 'the sender'
      const shown = fe.code === 'E_INTERNAL' || fe.code === 'E_PROTOCOL' ? new FerryError('E_PEER_UNREACHABLE', `lost the connection to ${sender} mid-transfer: its daemon stopped, or the link failed (${fe.message})`, { cause: fe }) : fe
      // nothing new verified: asked again later each time (RESUME_DELAY_MS); any progress, at the next look
      this.quietRuns = this.doneAtFetch !== undefined && this.progress.done > this.doneAtFetch ? 0 : this.quietRuns + 1
      this.resumeAfter = this.quietRuns <= 1 ? 0 : Date.now() + Math.min(RESUME_DELAY_MAX_MS, resumeDelayMs() * 2 ** (this.quietRuns - 1))
      // and when it tries again, when not at the next look: it waits that out, not its turn (notes' leftover)
      this.setState('waiting', this.resumeAfter === 0 ? shown : new FerryError(shown.code, `${shown.message}; tries again at ${new Date(this.resumeAfter).toLocaleTimeString()}`, { cause: shown }))
      return
    }
    if (fe.code === 'E_NO_SPACE' && !this.controller.signal.aborted && await this.awaitRoom(fe)) return
    // cancelled or stopped while the disk was looked at: that is how it ends
    if (this.finished || this.stopping) return
    await this.fail(fe)
  }

  /**
   * Fail with `fe`: what it verified is kept for a re-send, and its sender is told (best effort: one away learns it at
   * its next probe, or its offer made again, whose answer says the same), with the files placed whole before, which stay
   * in the receive folder, as a cancel tells them (notes' leftover: a failed receive did not tell them at all). Its run
   * has stopped (onError), or never ran (receiveFolderGone): the count is final.
   */
  private async fail (fe: FerryError): Promise<void> {
    this.deps.log.warn('transfer failed', { id: this.id, code: fe.code, err: fe.message })
    this.keepVerifiedParts()
    this.setState('failed', fe)
    await this.deps.sendEnd(this.peerId, { transferId: Buffer.from(this.id, 'hex'), status: 'failed', root: this.offer.root, signature: new Uint8Array(0), failure: fe, doneBytes: this.progress.done, keptFiles: this.keptFiles() }).catch(() => {})
  }

  /**
   * Its receive folder is gone while it waits for room there (room-wait.ts:
   * removed, or its disk unmounted): it fails now with `fe` (E_PATH_NOT_FOUND),
   * as its run would as it began (makePartFolder), instead of being let run
   * as if the room were back, and shown going on once its sender is online
   * when that one is away (notes' leftover).
   */
  receiveFolderGone (fe: FerryError): void {
    if (this.finished || this.active || this.state !== 'waiting') return
    this.roomAwaited = undefined
    void this.fail(fe)
  }

  /**
   * A run failed for a full disk (E_NO_SPACE): when the receive folder's
   * disk is short of what is left to receive, wait for room there and go on
   * by itself once it is back (Receives.resumeRuns), as a receive waits for
   * a peer that went away, instead of failing with the part files kept for
   * a re-send (notes' leftover: nothing went on by itself once room was
   * freed). The sender is told, and shows why its send waits. False when
   * the room is there: the disk that filled is another (ferry's home), and
   * the receive fails as before.
   */
  private async awaitRoom (fe: FerryError): Promise<boolean> {
    const short = await this.deps.roomShortage?.(this).catch(() => undefined)
    if (this.finished || this.stopping) return false
    if (short == null) return this.roomFreedMeanwhile(fe)
    // the disk's words ("ENOSPC: no space left on device, write") go to the log; the shortage says how much to free
    this.deps.log.warn('receive folder full; the transfer waits for room', { id: this.id, err: fe.message })
    const why = roomAwaited(short)
    this.roomAwaited = why
    this.setState('waiting', why)
    this.deps.tellWaiting?.(this, why)
    return true
  }

  /**
   * A write in the receive folder failed for a full disk, and the disk has
   * room when looked at just after: what filled it was removed meanwhile (a
   * download or a build that failed for the full disk and removed its file,
   * a fallocate that failed). It goes on at the next look (Receives.resumeRuns),
   * as when the room comes back while it waits, instead of failing with the
   * disk's words (helper finding: "ENOSPC: no space left on device, write",
   * one try in two). False, and it fails as before, when the state database
   * failed (ferry's home is full, not the receive folder's disk: it would fail
   * again and again), or when the run that failed wrote nothing (a disk whose
   * free space says room while its writes fail: a quota, say).
   */
  private roomFreedMeanwhile (fe: FerryError): boolean {
    if (fromStateDatabase(fe)) return false
    if (this.doneAtFetch === undefined || this.progress.done <= this.doneAtFetch) return false
    this.deps.log.info('receive folder full, and with room again when looked at; the transfer goes on', { id: this.id, err: fe.message })
    this.roomBack()
    // a quota used up is not a disk that had room again: its one more try is said as that (notes' leftover: worded as the disk's)
    const why = /\bEDQUOT\b/.test(fe.message)
      ? 'your disk quota on the receive folder\'s disk was used up while this ran (EDQUOT), though the disk has room; it tries once more by itself'
      : 'the receive folder\'s disk filled up while this ran, and has room again; it goes on by itself'
    this.setState('waiting', new FerryError('E_NO_SPACE', why))
    return true
  }

  /** Still short of room, by `short` (room-wait.ts): what it shows says so, with the figures of now. */
  stillShort (short: FerryError): void {
    if (this.roomAwaited == null || this.state !== 'waiting') return
    const why = roomAwaited(short)
    if (why.message === this.roomAwaited.message) return
    this.roomAwaited = why
    this.setState('waiting', why)
  }

  /**
   * Its sender, told that it waits (tell-sender.ts), answered that it no
   * longer sends it (`err`): cancelled there (while this daemon was down,
   * its cancel lost), or not known there. Ended so now, not at its next run,
   * which for one waiting for room may be long off (helper finding: it waited
   * for room for a transfer its sender had cancelled, while the user freed
   * space for it). A running one learns it from its own requests.
   */
  toldBack (err: FerryError): void {
    if (this.finished || this.active || this.state !== 'waiting') return
    if (err.code !== 'E_CANCELLED' && err.code !== 'E_TRANSFER_NOT_FOUND') return
    this.controller.abort(err)
    this.roomAwaited = undefined
    if (err.code === 'E_CANCELLED') { this.cancelledBySender(err); return }
    this.keepVerifiedParts()
    this.setState('failed', err)
  }

  /**
   * Its sender said it cancelled (`fe`, its answer to a request): what
   * arrived is kept for a re-send, and the receive ends cancelled in the
   * words its end message brings (service.ts onEnd), which comes after this
   * when the sender cancels under way (helper finding: "sender: the sender
   * cancelled this transfer", one run in two).
   */
  private cancelledBySender (fe: FerryError): void {
    this.partsKept = this.keepVerifiedParts()
    this.setState('cancelled', new FerryError('E_CANCELLED', SENDER_CANCELLED, { cause: fe }), 'peer')
  }

  /**
   * `tell`, a tell of where it stands (waits for room, waits its turn), is
   * on its way to its sender (Receives.tellSender): a run says nothing to
   * the sender (reports, requests) before it has settled (toldFirst).
   */
  telling (tell: Promise<unknown>): void {
    this.tells = Promise.allSettled([this.tells, tell])
  }

  /** Resolves once its tells on their way (telling) have settled, or `signal` aborts. */
  private async toldFirst (signal: AbortSignal): Promise<void> {
    await new Promise<void>((resolve) => {
      const done = (): void => { signal.removeEventListener('abort', done); resolve() }
      signal.addEventListener('abort', done, { once: true })
      void this.tells.then(done)
    })
  }

  /** There is room again (room-wait.ts): the next run may begin. */
  roomBack (): void {
    this.roomAwaited = undefined
    this.quietRuns = 0
    this.resumeAfter = 0
  }

  /** There is room again, and its sender (`name`) is away: what it shows says it goes on once that one is online (Receives.resumeRuns). */
  awaitSender (name: string): void {
    if (this.finished || this.active || this.state !== 'waiting' || this.roomAwaited != null) return
    this.setState('waiting', new FerryError('E_PEER_UNREACHABLE', `there is room in the receive folder again; it goes on once ${name} is online`))
  }

  /**
   * Stop now; `notify` tells the sender, without waiting for it: a sender
   * that cannot be reached learns it when it next offers the transfer
   * (send-offer.ts probe). Part files are kept for a later re-send of the
   * same content. Who ended it (TransferInfo.endedBy) follows `notify`:
   * this device's cancel or decline is told to the sender, the sender's own
   * (its end message, its answer to a request) is not told back.
   */
  async cancel (state: 'cancelled' | 'declined', notify: boolean, why = state === 'declined' ? 'declined on the receiving device' : 'cancelled on the receiving device'): Promise<void> {
    // too late while the receipt goes out: every file is placed, and the
    // sender is being told "done" (a soak test's cancel at that moment
    // answered as if it had cancelled, and the receive ended done on both
    // sides); it cancels only if sending the receipt fails
    if (this.concluding) await this.running?.catch(() => {})
    if (this.finished) return
    this.controller.abort(new FerryError('E_CANCELLED', why))
    this.setState(state, new FerryError(state === 'declined' ? 'E_DECLINED' : 'E_CANCELLED', why), notify ? 'here' : 'peer')
    await this.running?.catch(() => {})
    this.recordStopped()
    // the sender's cancel (not told back): what arrived is kept for a re-send, and found by it (user-test
    // finding: the cancel message came before the chunk stream's E_CANCELLED, and a changed file sent
    // again was fetched whole). Cancelled here, the service removes the part folder.
    if (state === 'cancelled' && !notify) this.partsKept = this.keepVerifiedParts()
    // not told (the sender unreachable): it learns it when it asks after the transfer or offers it again
    // with the files it keeps, placed whole before (counted once its run stopped), for its sender to say too (user-test
    // finding: "300 of 301 files had arrived and are kept" here, nothing of it on the sender)
    if (notify) void this.deps.sendEnd(this.peerId, { transferId: Buffer.from(this.id, 'hex'), status: state, root: this.offer.root, signature: new Uint8Array(0), failure: this.error, doneBytes: this.progress.done, ...(state === 'cancelled' ? { keptFiles: this.keptFiles() } : {}) }).catch((err: Error) => { this.deps.log.debug('the sender was not told', { id: this.id, state, err: err.message }) })
  }

  /** Resolves once no run of it goes on (one ended by its sender's cancel may still be closing its part files). */
  async stopped (): Promise<void> {
    await this.running?.catch(() => {})
  }

  /** Stop for good with `err` (the peer is no longer trusted); nothing is sent to it. */
  async abandon (err: FerryError): Promise<void> {
    if (this.finished) return
    // its receipt on its way, every file verified and placed: how that ends first, as a cancel waits for it. Acked,
    // the receive is done, as its sender holds it (it verified the receipt, and keeps its send done: service.ts
    // trustRemoved); not, it fails with `err` below. Failed at once, the ack then recorded it done: `ferry wait` here
    // exited 1 on the failure, the record said done (review finding)
    if (this.concluding) {
      this.abandoning = true
      await this.running?.catch(() => {})
      if (this.finished) return
    }
    this.controller.abort(err)
    this.setState('failed', err)
    await this.running?.catch(() => {})
    this.recordStopped()
    // its part folder is kept a day like any failed receive's: what it verified is found by a re-send too, also
    // of changed files or into another receive folder (user-test finding: a receive failed by an unpairing kept
    // 48.8 MiB "for a re-send", and the re-send after pairing again fetched all of it)
    this.keepVerifiedParts()
  }

  /** Stop running (daemon shutdown): recorded as waiting, so the next start knows its counts are exact. */
  async pause (): Promise<void> {
    this.stopping = true
    this.controller.abort(new FerryError('E_CANCELLED', 'daemon stopping'))
    await this.running?.catch(() => {})
    // a store that cannot write (its disk full) does not stop the stop: the next start resumes from what it last recorded
    await this.flushOrWarn()
    // with the counts of now: a state kept from earlier (pending-states.ts) carries older ones (review finding)
    // the daemon's downtime is a wait too: counted from now, once it runs again (wait-clock.ts)
    if (!this.finished && this.state !== 'offered') {
      const now = Date.now()
      // a stall under way as the stop came is the wait it was (review finding: its own time)
      this.waits.at('waiting', now, this.progress.stallMs)
      this.waits.because('down', now)
      this.deps.writeState(this.id, { state: 'waiting', doneBytes: this.progress.done, wireBytes: this.progress.wire, localBytes: this.localBytes, ...this.waits.record() })
    }
  }
}

/** A receive's part folder gone while it ran: removed, or the receive folder moved or its disk unmounted. */
function partFolderGone (partDir: string): FerryError {
  return new FerryError('E_PATH_NOT_FOUND', `the part folder ${partDir} went away during the transfer (removed, or the receive folder moved or its disk unmounted)`)
}

/** Why a receive waits for room on its disk, `short` saying how much it lacks (space.ts spaceShortage) */
function roomAwaited (short: FerryError): FerryError {
  // what to do first, the figures after: the TUI shows two lines of it, and `ferry send` one (notes' leftover: cut before "it goes on by itself");
  // "no room for the rest", not "full": the figures may say it has some free, not enough (user-test nitpick)
  return new FerryError('E_NO_SPACE', `the receive folder's disk has no room for the rest; this goes on by itself once there is room (free some there, or cancel this): ${short.message}`)
}

/**
 * What a receipt signs: the context, the transfer id and root, and for a
 * transfer done without some files (`missing`, a bit set over the offer's
 * entries) a marker and that bit set. The id and root have fixed sizes, so
 * a full receipt cannot be read as a partial one, and its bytes are those
 * of receipts before partial ones existed.
 */
export function receiptPayload (id: string, root: Uint8Array, missing?: Uint8Array): Uint8Array {
  const parts = [Buffer.from(RECEIPT_CONTEXT), Buffer.from(id, 'hex'), root]
  if (missing != null && missing.length > 0) parts.push(Buffer.from(MISSING_MARKER), missing)
  return Buffer.concat(parts)
}

/**
 * What the index records of a file just placed with `sent` as its time: the
 * modification time (whole ms) the file system kept, so that the file is
 * known in place later (exFAT keeps 10 ms steps, FAT 2 s, HFS+ and sshfs
 * 1 s: with the sender's time recorded, such a file never read back as in
 * place, and each send of it again added a "name (n)" copy: review finding),
 * and its identity, so that content rewritten under its old time is not
 * (receive-plan.ts holds).
 */
function asPlaced (path: string, sent: number): { mtimeMs: number, identity?: PlacedIdentity } {
  const st = lstatSync(path, { bigint: true, throwIfNoEntry: false })
  return st === undefined ? { mtimeMs: Math.floor(sent) } : { mtimeMs: floorMs(st.mtimeNs), identity: identityOf(st) }
}

/** Whether every chunk of `entry` from byte `from` on is a whole chunk of zeros (a part file may end before them: they were never written). */
function zerosFrom (entry: { size: number, chunkSize: number, chunks: ChunkHashes }, from: number): boolean {
  if (from % entry.chunkSize !== 0) return false
  for (let c = from / entry.chunkSize; c < entry.chunks.length; c++) if (!isZeroChunk(entry, c)) return false
  return true
}

/** The sender's permission bits of each folder of `offer`, by the path it lands at (`at`). */
function modesOf (offer: OfferMsg, at: (offered: string) => string): DirModes {
  return new Map(offer.files.filter((f) => f.kind === 'dir').map((f) => [at(f.path), f.mode]))
}

/**
 * Why placing the file at `relPath` (offered as `offered`) failed, as a
 * refusal of it alone, when its folder cannot be written in, or something
 * else took a folder's name on its way while the transfer ran (InTheWay)
 * (receiveWithout); undefined for any other failure. Told for its offered
 * folder (`under`), as a folder refused up front is: the receipt tells the
 * first 20 refusals, one per folder, so the files of a folder made
 * read-only while they arrived each get the reason at the sender (helper
 * finding: of 118 files, 107 read "its reason not told").
 */
function deniedPlacing (receiveDir: string, relPath: string, offered: string, err: unknown, holdsFolders: (folder: string) => boolean): Refusal | undefined {
  const under = dirname(offered)
  if (err instanceof InTheWay) return { error: new FerryError('E_PATH_UNSAFE', `${quoteForDisplay(relPath)}: ${err.reason}`), reason: err.reason, ...(under === '.' ? {} : { under }) }
  // "." for the receive folder itself: the sender applies it to the files at its top (receipt-skipped.ts)
  const cause = err instanceof FerryError ? err.cause : err
  const why = notWritableBecause(cause)
  if (why === undefined) return undefined
  // the folder that refused: the file's own, for its link; for a folder of its path not there yet, the one the
  // folder was to be made in (user-test finding: with the receive folder made read-only, "\"s6/sub\" in the receive
  // folder is not writable", where no s6 was, and the receive folder was at fault)
  const made = cause as NodeJS.ErrnoException | undefined
  const folder = made?.syscall === 'mkdir' && typeof made.path === 'string' ? relative(receiveDir, dirname(made.path)) || '.' : dirname(relPath)
  const refusal = notWritableRefusal(quoteForDisplay(relPath), folder === '.' ? undefined : quoteForDisplay(folder), why)
  // a folder that stopped taking files is at fault for its own files, not for the folders inside it, which may
  // take theirs: with one, "folder/." (its files alone; a sender from before it applies that to none), as a
  // folder under it read as every entry below it, and the sender listed a folder received whole as refused
  // (review finding)
  return { ...refusal, under: under !== '.' && holdsFolders(under) ? `${under}/.` : under }
}
