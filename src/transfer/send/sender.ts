// The sending side: build the manifest (hashing in workers), offer it, serve
// the receiver's chunk requests from the source files, and take the signed
// receipt. States: hashing → offered → fetching → done | failed | cancelled.
// The chunk server reads source files at the offsets the manifest gives and
// leaves verifying to the receiver (it checks every chunk), except for a file
// whose change time moved since it was hashed or cannot tell (FAT, exFAT,
// FUSE: `touched`): each chunk of it is read whole and checked against its
// hash before it is served, and the file is left out at the first that differs.

import { WaitClock } from '../wait-clock.ts'
import type { Stream } from '@libp2p/interface'
import { closeSync, constants, fstatSync, openSync, readSync, type BigIntStats } from 'node:fs'
import { FerryError, diskHint } from '../../errors.ts'
import { FrameReader, askedRange, encodeChunkHeader, readChunkRequest, sendAll, type ChunkRequestMsg, type OfferFile, type OfferMsg } from '../../protocol/transfer.ts'
import { chunkCount, chunkRange } from '../manifest/chunking.ts'
import { hash } from '../manifest/blake3.js'
import { sameDigest as same } from '../sink/sink-common.js'
import { ctimeNotKeptAt, floorMs } from '../manifest/manifest.ts'
import { Progress } from '../progress.ts'
import { failedCount, fileCount } from '../snapshot.ts'
import { SEND_SLICE, takeSendBuffer } from './send-buffers.ts'
import { byDaemonUser } from '../daemon-user.ts'
import { NotServedError, notServedReason, type NotServedReason } from '../not-served.ts'
import { isFinalState, waitCauseOf, type EndedBy, type RenamedPath, type SkippedPath } from '../../daemon/control/types.ts'
import type { FileIdentity } from '../../store/hash-cache.ts'
import type { ServePace } from './serve-pace.ts'
import { ServedChunks } from './served-chunks.ts'
import type { ToldThere } from './sends.ts'
import type { Bitmap } from '../bitmap.ts'

/** Why a file of a send could not be served (Sender.givenUp); `at`: when, in this run (performance.now()), none for one reloaded from the store (an earlier run's). */
export interface GivenUp { why: string, said: string, reason?: NotServedReason, at?: number }

/**
 * One read from a source file, also one send() on the stream, into a buffer
 * of the send-buffer pool (send-buffers.ts), which gets it back once Noise
 * has encrypted it. Measured on loopback, 1 GiB: the sender took 4.8–6.3
 * CPU-s with 64 KiB reads against 6.1–10.5 with 1 MiB reads cut into
 * 256 KiB sends, and peaked ~15 MB lower. (Sends of 64 KiB and up cost
 * libp2p the same; 16 KiB would double it:
 * ../shared/notes/libp2p-throughput.md.) With yamux's 12-byte header a
 * slice makes two Noise messages (65,519 bytes and 29); slices of 65,507
 * bytes, one message each, measured no different (3 interleaved 1 GiB
 * loopback runs).
 */
const READ_SLICE = SEND_SLICE

/**
 * A chunk stream that in this long brings no request and takes less than
 * IDLE_PROGRESS_BYTES of what it asked for is closed, with the file it had
 * open: a receiver asks again within milliseconds while it fetches, and its
 * progress reports come every 250 ms while its count moves (it opens a new
 * stream when one was closed). Before, a paired peer could hold 64 streams
 * open for good, each with a source file open (review finding). What it
 * takes counts, as bytes that left the stream's buffer (the peer's window
 * let them): on a slow link one request can take longer than this to
 * serve, and was cut off mid-chunk.
 */
export const CHUNK_STREAM_IDLE_MS = 10 * 60 * 1000

/** What a stream must take per CHUNK_STREAM_IDLE_MS not to be idle (~110 B/s): a window update of a few bytes now and then does not keep it. */
export const IDLE_PROGRESS_BYTES = 64 * 1024

/**
 * Requests served in a row before the stream gives the event loop a turn.
 * Requests already buffered are read and served without waiting on I/O,
 * so a peer that pipelined 250,000 tiny ones kept everything else of the
 * daemon waiting: its control API answered `status` after 7.6 s (review
 * finding). A turn every 16 requests is one in 16 MiB of a normal pull.
 */
const REQUESTS_PER_TURN = 16

export class Sender {
  readonly id: string
  readonly peerId: string
  /** set anywhere: a spell in `waiting` is counted as it begins and ends (waits) */
  private current = ''
  get state (): string { return this.current }
  set state (state: string) {
    this.waits.at(state, Date.now(), this.progressNow?.stallMs)
    this.current = state
  }

  private why?: FerryError
  /** set anywhere too: what it waits for, as a wait under way or to come is told by cause (WaitClock.because) */
  get error (): FerryError | undefined { return this.why }
  set error (error: FerryError | undefined) {
    this.why = error
    this.waits.because(waitCauseOf(error))
  }

  /** cancelled or declined: by this device or its receiver (TransferInfo.endedBy) */
  endedBy?: EndedBy
  offer?: OfferMsg
  /**
   * While it hashes, once a preview went out (preview-sender.ts): the
   * entries as the preview has them (no hashes) and their sources, served
   * to a receiver that fetches ahead of the offer; gone once the offer is made.
   */
  preview?: { files: OfferFile[], sources: string[] }
  /** Bytes served before the offer was made (the preview's), on the wire: counted in `progress` from the offer on. */
  previewWire = 0
  /**
   * Of previewWire, what its receiver keeps for the offer (all of it, but
   * when a file was left out while hashed: the offer's entries are then not
   * the preview's, and the receiver drops what it fetched ahead), counted
   * as done from the offer on.
   */
  fetchedAhead = 0
  /** `offer` encoded, from the size check until it is delivered (encoded once, not again to send it: 10.8 MB for 99,100 entries) */
  encodedOffer?: Uint8Array
  sources: string[] = []
  /**
   * Each source as it was hashed (device, inode, change time), where known:
   * in memory only, so a sender restored after a restart compares size and
   * modification time alone (README, Known limits).
   */
  identities: Array<FileIdentity | undefined> = []
  private progressNow?: Progress
  /** its progress; a stall it tells is counted as a wait (Progress.onStallEnd, WaitClock.stalled) */
  get progress (): Progress { return this.progressNow! }
  set progress (p: Progress) {
    p.onStallEnd = (ms) => { this.waits.stalled(ms) }
    this.progressNow = p
  }
  /** how long it waited (its receiver away, its turn there, room there), counted apart from its own time (wait-clock.ts) */
  waits = new WaitClock()
  receiptVerified = false
  receiptSig?: Uint8Array
  /** the receipt's bit set of the files the receiver did without (they changed here after the offer) */
  receiptMissing?: Uint8Array
  totalFiles = 0
  /**
   * The files its receiver holds whole and placed, as it last reported (ChunkRequest.held_files; 0: none said, or a
   * receiver from before 2026-12-07, which does not say): TransferInfo.doneFiles while it runs
   */
  heldFiles = 0
  /** the folders it carries (each one sent, empty or not): said where it carries no file ("sent 931 folders") */
  totalFolders = 0
  /** what the scan left out, and why: the CLI prints it */
  skipped: SkippedPath[] = []
  /**
   * Reloaded after a restart: what an earlier run counted as skipped beyond
   * the paths its row kept (skippedToRecord keeps the first 100 at most), so
   * that the counts stay whole (review finding: a restart set them to 0, and
   * `ferry wait` exited 0 for a send that had left files out).
   */
  skippedEarlier = { count: 0, failed: 0 }
  /** How many of `skipped` its row holds (the list is written again only when it grew: up to 32 KiB of JSON at every state change otherwise) */
  skippedRecorded = 0

  get skippedCount (): number { return this.skipped.length + this.skippedEarlier.count }
  get skippedFailed (): number { return failedCount(this.skipped) + this.skippedEarlier.failed }
  /** what the receiver placed under another name (theirs taken there), as its receipt says: how many renames (a folder once), and the first few */
  renamed: RenamedPath[] = []
  renamedCount = 0
  /** done: its files changed here after the offer, which the receiver has as offered (changed-after-offer.ts): how many, the first few paths */
  changedAfter: string[] = []
  changedAfterCount = 0
  resumed = false
  /**
   * A chunk stream that carried this send's chunks was cut (reset, the link
   * gone) before its receiver closed it: what it had on the way is asked
   * for again. The number of the newest chunk stream served then
   * (send-serve.ts counts them; the first cut's): a chunk served on a stream
   * opened after it, or served again, marks the send resumed, as a restart
   * does, and its summary then names
   * the interruption among the causes of bytes sent again. Not one served on
   * a stream already open at the cut (the others of its three finishing
   * their chunks): a send its receiver cancelled, or whose receiver was
   * killed, read "resumed" at once, never having resumed (user-test finding).
   */
  streamCutAt?: number
  /** bytes served per file index, for per-file progress of the files in flight */
  readonly served = new Map<number, number>()
  /**
   * Bytes of the offer's pieces in a chunk stream now, by file index, not
   * counted yet in `served` (serveChunks counts a piece at its end, or what
   * went of it when its stream fails). A receiver that saw a stream fail
   * before this sender did (its link dropped on its side first) asks for
   * the rest of a chunk saying it holds the start that stream carried
   * (ChunkRequest.file_held_bytes): that claim is taken without these, which
   * the piece's own count adds when its stream fails (review finding on
   * 680f637: both counted them, the file listed at 1.5 of its 2 chunks with
   * one served).
   */
  readonly uncounted = new Map<number, number>()
  /**
   * The offer's files any byte of which was served since the offer, in this
   * run, a bit each by index (12.5 KB for 100,000 files; made at the first
   * byte served): a file the receiver refused and that is not in it never
   * crossed (refused up front), and the summary does not count the wire's
   * bytes as maybe its (send-serve.ts, receipt). Meaningful only while
   * `servedKnown`.
   */
  servedFiles?: Bitmap
  /** false for a send reloaded after a restart of this daemon: what it served before is not recorded */
  servedKnown = true
  /**
   * Bytes of the offer its receiver asks for, on all its chunk streams, not
   * served yet (serveChunks), nor ever before in this run (servedChunks):
   * bytes it does not hold, and not counted in `progress` by serving them. What it claims to hold
   * (ChunkRequest.held_bytes, OfferAnswer.have_bytes) is shown within the
   * rest (mostHeld).
   */
  asking = 0
  /**
   * The bytes of the offer served at least once in this run (served-chunks.ts):
   * what is served again (asked for again after a cut) is not counted in
   * `progress` twice, nor in `asking`; forgotten when the count is set
   * from the receiver's own (Sends.told, an offer's answer).
   */
  readonly servedChunks = new ServedChunks()
  /**
   * `progress.done` is what the store had recorded when the daemon stopped
   * (Sends.reloadSender): up to 2 s old after a kill -9, and counting what
   * was on its way then. The receiver's first word of what it holds (its
   * first request on a stream, a report) replaces it, up or down, and what is
   * served adds to that (notes' leftover: it went on from the record plus
   * what it served, until a report took it up to the receiver's).
   */
  doneFromRecord = false
  /**
   * files refused with E_SOURCE_CHANGED: the receiver does without them, so
   * they are not in flight (a piece another stream had read already is not
   * counted back in). With why each could not be served: `why` without its
   * path ("removed since it was offered"), what `ferry send` lists once the
   * receipt names them not received; `said`, the whole sentence with the
   * path here, what it says when none could be received. Those of the offer
   * are recorded as they are given up (serveChunks' onGivenUp) and reloaded
   * with the send after a restart: its receipt may come only then. A file
   * served again as offered (put back) on a stream opened since leaves it
   * (serveChunks' onServedAgain)
   */
  readonly givenUp = new Map<number, GivenUp>()
  persistedAt = 0
  /** when the receiver last asked for chunks or answered an offer; 0: never in this run of the daemon */
  heardAt = 0
  /** the receiver has the offer (it answered it, or asked for chunks, in this run or an earlier one): it may be probed */
  delivered = false
  /** since when its receiver holds the offer for a person there to accept it (it answered so), in this run; unset: not held */
  heldSince?: number
  /** held so, the ms of the waits that ended (TransferInfo.acceptWaitSeconds); unset: never held */
  acceptWaitMs?: number
  /** probes in a row that found it quiet: each waits twice as long as the one before */
  quietProbes = 0
  /** an offer made only to learn where the receiver stands (send-offer.ts probe) is under way */
  probing = false
  readonly controller = new AbortController()

  constructor (o: { id: string, peerId: string, state: string, offer?: OfferMsg, sources?: string[], totalBytes?: number, doneBytes?: number, wireBytes?: number }) {
    this.id = o.id
    this.peerId = o.peerId
    this.state = o.state
    this.offer = o.offer
    this.sources = o.sources ?? []
    if (o.offer != null) this.countEntries(o.offer.files)
    this.progress = new Progress(o.totalBytes ?? o.offer?.totalBytes ?? 0, o.doneBytes ?? 0, o.wireBytes ?? 0)
  }

  /** What it carries, from its entries: files and folders. */
  countEntries (entries: ReadonlyArray<{ kind: 'file' | 'dir' }>): void {
    this.totalFiles = fileCount(entries)
    this.totalFolders = entries.length - this.totalFiles
  }

  get finished (): boolean { return isFinalState(this.state) }

  /**
   * The offer is made: the preview's entries no longer serve chunk
   * requests, and what was counted by their indexes (files given up, served
   * in part) goes with them. A file left out while hashing shifts the
   * offer's indexes from the preview's: a reason kept would be said of
   * another file of the offer, one the receipt says was not received.
   */
  dropPreview (): void {
    if (this.preview == null) return
    this.preview = undefined
    this.givenUp.clear()
    this.served.clear()
  }
}

/**
 * Reads requested chunks from one source file; keeps the file open across
 * requests on a stream. Synchronous reads on purpose: the files were hashed
 * moments ago, so they come from the page cache in microseconds, while the
 * async API's thread-pool round trip per call cost more than the copy
 * (profiled: open/read/close were a fifth of the sender's main thread on the
 * 1,000-photo set).
 */
class SourceReader {
  private fd?: number
  private path?: string
  /**
   * The open file is another one than was hashed (a file of the same size
   * and time put in its place), or its change time moved since, and nothing
   * else did: a rewrite that put the old modification time back (`cp -p`,
   * `touch -r`, `rsync -t --inplace`; its chunks failed verification on the
   * receiver 3 times each, and the whole receive with them), or only its
   * permissions, extended attributes (macOS marks a photo opened in
   * Preview) or links. Its chunks are checked against their hashes before
   * they are served (serveChunks). A file removed or renamed over while
   * open here has no name left (nlink 0): that moved the change time, not
   * its bytes, and it is read on as offered.
   */
  touched = false

  /**
   * Read into a fresh buffer, or one from `buffer` (the send-buffer pool, for
   * slices sent at once: never for bytes kept after they are sent).
   * `offered`: the file as the offer has it; a file whose size or modification time differs now (replaced or
   * edited since, also while this daemon was down) or that is gone is
   * refused with E_SOURCE_CHANGED, not served chunk after chunk for the
   * receiver to reject each one 3 times; the receiver then does without
   * that file only. `chunkStart`: the first slice of a chunk, where the
   * file is looked at again even if it is open (an fstat, ~1 µs per chunk):
   * an editor may write to it while it is served. `hashed`: the file as it
   * was hashed, where known; another inode there (a file put in its place)
   * or a change time that moved sets `touched`.
   */
  read (path: string, offered: { size: number, mtimeMs: number }, offset: number, length: number, chunkStart = false, hashed?: FileIdentity, buffer: (length: number) => Uint8Array = (n) => Buffer.allocUnsafe(n)): Uint8Array {
    if (this.path !== path) {
      this.close()
      this.touched = false
      let fd: number
      try {
        // O_NONBLOCK: a source replaced by a FIFO since the offer must not
        // block this (the main) thread until a writer comes; the look below
        // then refuses it. For a regular file it changes nothing.
        // O_NOFOLLOW: as it was hashed (the scan resolved a link given by
        // name); a link put in its place is refused (ELOOP), not followed.
        fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW)
      } catch (err) {
        throw sourceError(path, err)
      }
      this.fd = fd
      this.path = path
      // FAT and exFAT (and FUSE, where it is the driver's to say: exfat-fuse
      // and sshfs follow the date, ntfs-3g does not; not told apart): the
      // change time follows the date, so an edit with its date put back
      // (exiftool -P) moves nothing the look below sees. Every chunk is
      // checked against its hash before it is served: the whole chunk read
      // at once (up to 2 MiB by the chunk rule, ≈ 25-100 ms from a card, the
      // event loop waiting) and a BLAKE3 (≈ 1 ms per MiB). Unchecked, the
      // receiver rejected its chunks 3 times and failed the whole send
      // (E_HASH_MISMATCH), not that file alone (user-test finding)
      this.touched = ctimeNotKeptAt(path)
      this.checkUnchanged(offered, hashed)
    } else if (chunkStart) {
      this.checkUnchanged(offered, hashed)
    }
    const buf = buffer(length)
    let got = 0
    while (got < length) {
      let n: number
      try {
        n = readSync(this.fd!, buf, got, length - got, offset + got)
      } catch (err) {
        throw sourceError(path, err)
      }
      if (n === 0) throw new NotServedError('changed', `${path} got shorter since it was offered`)
      got += n
    }
    return buf
  }

  private checkUnchanged (offered: { size: number, mtimeMs: number }, hashed?: FileIdentity): void {
    let st: BigIntStats
    try {
      st = fstatSync(this.fd!, { bigint: true })
    } catch (err) {
      throw sourceError(this.path!, err)
    }
    // a FIFO (or a folder, or a device that opens) put in its place: said as replaced, reason removed, as sourceError
    // says a socket (ENXIO at the open), which a scan leaves out too; not as "changed", with its "once it has
    // stopped changing" hint (helper finding). The open does not follow links, so this is what is at the path now
    if (!st.isFile()) {
      const path = this.path
      this.close()
      const what = st.isFIFO() ? 'a named pipe (FIFO)' : st.isDirectory() ? 'a folder' : 'a socket or device'
      throw new NotServedError('removed', `${path} was replaced by ${what} since it was offered (it is not a regular file any more)`)
    }
    const why = Number(st.size) !== offered.size || floorMs(st.mtimeNs) !== offered.mtimeMs
      ? 'its size or modification time differs'
      : undefined
    if (why === undefined && hashed !== undefined && (st.ino !== hashed.ino || st.dev !== hashed.dev || (st.ctimeNs !== hashed.ctimeNs && st.nlink > 0n))) this.touched = true
    if (why !== undefined) {
      const path = this.path
      this.close()
      throw new NotServedError('changed', `${path} changed since it was offered (${why})`)
    }
  }

  close (): void {
    if (this.fd != null) { try { closeSync(this.fd) } catch {} }
    this.fd = undefined
    this.path = undefined
  }
}

/** A source error's message without the path it starts with, and a "was" before the participle: "removed since it was offered". */
function whyNotServed (path: string, message: string): string {
  const why = message.startsWith(`${path} `) ? message.slice(path.length + 1) : message
  return why.startsWith('was ') ? why.slice(4) : why
}

/**
 * Why `path` cannot be served, as the chunk server answers: E_SOURCE_CHANGED
 * (the receiver does without this file and goes on) for anything about the
 * file, however unexpected (removed, permissions, a socket or a link in its
 * place, a stale NFS handle, a disk read error). Before, only a few codes
 * were, and any other failed the whole receive (review finding). Out of
 * descriptors or memory is this process's trouble, not the file's: that
 * error is kept, so the stream is aborted and the receiver asks again later.
 */
export function sourceError (path: string, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'EMFILE' || code === 'ENFILE' || code === 'ENOMEM') return err as Error
  if (code === 'ENOENT' || code === 'ENOTDIR') return new NotServedError('removed', `${path} was removed since it was offered`)
  // opened without following a link (SourceReader.read): the file offered is gone, a link in its place, which a
  // scan leaves out too; said so, not as a file that "cannot be read any more (ELOOP)" (helper finding)
  if (code === 'ELOOP') return new NotServedError('removed', `${path} was replaced by a symbolic link since it was offered (links are not sent)`)
  // made unreadable since the offer (chmod of it or of a folder above it): said in words, as the scan says of one
  // unreadable before (manifest.ts), not "(EACCES)" (helper finding)
  if (code === 'EACCES') return new NotServedError('unreadable', `${path} cannot be read any more ${byDaemonUser()}: permission denied`, { cause: err, peerMessage: `${path} cannot be read any more on the sending device (permission denied)` })
  // refused by a security policy or a FUSE driver (an on-access scanner answers EPERM): in words, not "(EPERM)"
  if (code === 'EPERM') return new NotServedError('unreadable', `${path} cannot be read any more (not permitted: refused by a security policy or the file system)`, { cause: err })
  // opening a socket (or a device node without its driver) answers ENXIO: the file offered is gone, something
  // that is not a file in its place, which a scan leaves out too (reason removed, as for a link: no "once it has
  // stopped changing" hint); a FIFO opens (O_NONBLOCK) and is said the same way by checkUnchanged's look
  if (code === 'ENXIO') return new NotServedError('removed', `${path} was replaced by a socket or device since it was offered (it is not a regular file any more)`)
  // a card pulled mid-send reads ENOTCONN through FUSE: said as the disk gone, not bare (user-test finding)
  const hint = diskHint(code)
  return new NotServedError('unreadable', `${path} cannot be read any more (${code ?? String((err as Error).message ?? err)}${hint !== undefined ? `: ${hint}` : ''})`, { cause: err })
}

/**
 * The most of `s` that its receiver can hold while it asks for `s.asking`
 * bytes: what its claims are shown as at most, and what the progress shown
 * is taken back to when it asks for more than a claim left (review finding:
 * a receiver claiming to hold everything showed the send at 100 % before
 * anything moved, and while bytes were still to go).
 */
export function mostHeld (s: Sender): number {
  return Math.max(0, s.progress.total - s.asking)
}

/**
 * The bytes of `s`'s offer that `req` asks for and that were not served
 * before in this run (asked for again, they were counted in its progress
 * when first served: Sender.servedChunks): none of a preview's chunks, nor of
 * chunks not in the offer (those end the stream).
 */
function bytesAsked (s: Sender, req: ChunkRequestMsg): number {
  const file = s.preview == null ? s.offer?.files[req.fileIndex] : undefined
  if (file == null || file.kind !== 'file') return 0
  const count = chunkCount(file.size, file.chunkSize)
  let bytes = 0
  for (const [i, chunk] of req.chunks.entries()) {
    if (chunk >= count) continue
    const length = chunkRange(chunk, file.size, file.chunkSize).length
    const { from, length: want } = askedRange(req, i, length)
    bytes += s.servedChunks.unseen(s.offer!.files, req.fileIndex, chunk, length, Math.max(0, from), Math.max(0, want))
  }
  return bytes
}

/**
 * Serve one /ferry/chunks stream. `lookup` finds the sender for a transfer
 * id and checks that it belongs to the peer asking (else throws). `onSent`:
 * `bytes` of entry `fileIndex` were served, `fresh` of them not before in
 * this run (Sender.servedChunks; all of a preview's): a piece asked for, or
 * what went of it before the stream failed part-way (`cut`: then).
 * `options.onGivenUp`: a file of the offer (not of a preview: its indexes
 * are not the offer's) was just given up, its reason in `givenUp`.
 * `options.onServedAgain`: a file of the offer given up before this stream
 * opened (in this run or an earlier one) was found as offered again and is
 * served: its reason left `givenUp` (said of a receipt that goes without the
 * file for another cause, it named a change or removal undone since).
 * `options.pace`: waited on before each slice is sent (serve-pace.ts, tests only).
 * `options.onCut`: the stream failed (reset, the link gone, too idle with
 * bytes on their way) before its peer closed it, having carried chunks of
 * `s`'s offer. `options.onWaitsThere`: its receiver says, unasked, that `s`
 * waits there: its turn, a person having accepted it (ChunkRequest.waits_turn),
 * or room on its disk (waits_for).
 * `options.onAsked`: its receiver asks for bytes of `s`'s offer, counted in
 * `s.asking` until served or the request ends.
 */
export async function serveChunks (stream: Stream, remotePeer: string, lookup: (id: string, peer: string) => Sender, onSent: (s: Sender, fileIndex: number, bytes: number, fresh: number, cut: boolean) => void, onHeld?: (s: Sender, heldBytes: number, runs: boolean) => void, options: { idleMs?: number, pace?: ServePace, onGivenUp?: (s: Sender, fileIndex: number) => void, onServedAgain?: (s: Sender, fileIndex: number) => void, onCut?: (s: Sender) => void, onWaitsThere?: (s: Sender, told: ToldThere) => void, onAsked?: (s: Sender) => void } = {}): Promise<void> {
  const idleMs = options.idleMs ?? CHUNK_STREAM_IDLE_MS
  /** files given up before this (givenUp's `at`) were given up before its receiver asked for anything on it */
  const openedAt = performance.now()
  const reader = new FrameReader(stream)
  const source = new SourceReader()
  /**
   * The chunk of a touched file last checked against its hash, kept for the
   * rest of its pieces: a chunk bigger than a request is asked for piece by
   * piece on one stream, and each piece would read and hash all of it again.
   * Its bytes are the ones offered, whatever the file holds now.
   */
  let lastChecked: { sender: Sender, file: number, chunk: number, bytes: Uint8Array } | undefined
  /** the sends whose offer's chunks this stream carried (a preview's are not counted: fetching ahead is dropped at the offer by design) */
  const carried = new Set<Sender>()
  /** the stream ended before its peer closed it, maybe with chunks of `carried` on their way: they are asked for again */
  let cut = false
  /** waiting for the peer's next request (what it asked for before all served) */
  let waiting = false
  /**
   * The idle limit closed the stream with nothing on its way: no request
   * being served, no byte of one unsent. That is no cut. The receiver had
   * all it asked for (bytes out of this buffer reach it ahead of the reset),
   * and whatever it asks for next, on another stream, it never asked for
   * before: nothing goes twice, there was no interruption to name. With
   * bytes on their way (a receiver that stopped taking them) it is one: it
   * asks for the rest again, and the send is marked resumed (send-serve.ts).
   */
  let idleWithNothingOnItsWay = false
  // one timer per stream, restarted at each request (a signal per request
  // cost the sender CPU); when it fires, a stream whose peer took enough
  // since the last look is given another period
  let queued = 0
  let takenAtLook = 0
  const taken = (): number => queued - stream.writeBufferLength
  // counted as they go into the stream's buffer (sendAll hands them over before it waits)
  const send = async (bytes: Uint8Array): Promise<void> => { queued += bytes.byteLength; await sendAll(stream, bytes) }
  const idle = setTimeout(() => {
    if (taken() - takenAtLook >= IDLE_PROGRESS_BYTES) { takenAtLook = taken(); idle.refresh(); return }
    idleWithNothingOnItsWay = waiting && stream.writeBufferLength === 0
    stream.abort(new FerryError('E_TIMEOUT', `nothing asked for, and less than ${IDLE_PROGRESS_BYTES / 1024} KiB taken, on this chunk stream for ${idleMs / 1000} s`))
  }, idleMs)
  idle.unref()
  let requests = 0
  /** the request served last: its send, and what it asked for of the offer that was not served (Sender.asking) */
  let asked: { sender: Sender, unserved: number } | undefined
  /** that request ended (served, given up, failed): what it left unserved is no longer asked for */
  const settle = (): void => {
    if (asked !== undefined) asked.sender.asking -= asked.unserved
    asked = undefined
  }
  /** the piece being sent, and how much of it went into the stream so far */
  let piece: { sender: Sender, file: number, chunk: number, chunkLength: number, from: number, sent: number, byPreview: boolean, request: { unserved: number } } | undefined
  /**
   * Bytes of the piece `p` (of `request`) that went into the stream: counted once, as served (Sender.servedChunks),
   * in the send's progress and in its file's count. All of it when it is sent; what went of it when the stream fails
   * part-way: the receiver keeps that much or less, and asks for the rest from there, which counts only what goes
   * past it. Counted only at a piece's end, the part that went before a cut was never counted, and its file stayed
   * short in the files in flight to the send's end (user-test finding, a sender frozen mid-send).
   */
  const count = (p: NonNullable<typeof piece>, cut = false): void => {
    piece = undefined
    if (p.sent <= 0) return
    if (!p.byPreview) {
      const left = (p.sender.uncounted.get(p.file) ?? 0) - p.sent
      if (left > 0) p.sender.uncounted.set(p.file, left); else p.sender.uncounted.delete(p.file)
    }
    // counted in its progress once: bytes served before (asked for again after a cut) are not news
    const fresh = p.byPreview || p.sender.offer == null ? p.sent : p.sender.servedChunks.unseen(p.sender.offer.files, p.file, p.chunk, p.chunkLength, p.from, p.sent, true)
    const servedOfAsked = Math.min(p.request.unserved, fresh)
    p.request.unserved -= servedOfAsked
    p.sender.asking -= servedOfAsked
    onSent(p.sender, p.file, p.sent, fresh, cut)
  }
  try {
    nextRequest: while (true) {
      settle()
      waiting = true
      const req = await readChunkRequest(reader)
      waiting = false
      idle.refresh()
      takenAtLook = taken()
      if (++requests % REQUESTS_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve))
      if (req == null) {
        // the stream ended without its peer closing it (its connection closed under it: a link that failed
        // can end its streams as cleanly as that, with no reset): cut all the same
        if (!reader.peerClosed && !idleWithNothingOnItsWay) cut = true
        break
      }
      const id = Buffer.from(req.transferId).toString('hex')
      let sender: Sender
      try {
        sender = lookup(id, remotePeer)
      } catch (err) {
        await send(encodeChunkHeader({ fileIndex: req.fileIndex, chunk: 0, length: 0, error: err }))
        break
      }
      // accepted there by a person, and waiting its turn (offer-decisions.ts accept), or stopped there to wait for room
      // (room-wait.ts): nothing held, and no report that it runs
      if (req.chunks.length === 0 && (req.waitsTurn === true || req.waitsFor != null)) { options.onWaitsThere?.(sender, { waitsTurn: req.waitsTurn, waitsFor: req.waitsFor, heldBytes: req.heldBytes }); continue }
      // what it asks for it does not hold: counted before what it says it holds is read (mostHeld)
      const request = { sender, unserved: bytesAsked(sender, req) }
      asked = request
      sender.asking += request.unserved
      if (request.unserved > 0) options.onAsked?.(sender)
      // what the receiver holds (a request with no chunks tells only that: progress-report.ts; its first, maybe 0, that it runs)
      // with the files it holds placed (within what the offer has: a peer's number)
      if (req.chunks.length === 0 && req.runs === true) sender.heldFiles = Math.min(req.heldFiles ?? 0, sender.totalFiles)
      if (req.heldBytes != null && (req.heldBytes > 0 || req.chunks.length === 0)) onHeld?.(sender, req.heldBytes, req.runs === true)
      // a restarted sender counts a file's bar from what it serves since: the receiver says what it has of it. Not of
      // a file served whole here before and no longer listed (asked for again after a cut): that would list it again, short
      if (req.fileHeldBytes != null && req.fileHeldBytes > 0 && sender.offer != null && (request.unserved > 0 || sender.served.has(req.fileIndex))) {
        const size = sender.offer.files[req.fileIndex]?.size ?? 0
        // less what is on its way on other streams, not counted yet: their count adds it (Sender.uncounted)
        const held = req.fileHeldBytes - (sender.uncounted.get(req.fileIndex) ?? 0)
        if (req.fileHeldBytes < size && held > (sender.served.get(req.fileIndex) ?? 0) && !sender.givenUp.has(req.fileIndex)) sender.served.set(req.fileIndex, held)
      }
      if (req.chunks.length === 0) continue
      // the time before its first request since the answer (a decision there, the receiver planning) is not the rate's
      if (sender.offer != null) sender.progress.asked()
      // before the offer, what the preview showed (no hashes, and no identity: its chunks are not checked here)
      const byPreview = sender.preview != null
      const file = byPreview ? sender.preview?.files[req.fileIndex] : sender.offer?.files[req.fileIndex]
      const src = byPreview ? sender.preview?.sources[req.fileIndex] : sender.sources[req.fileIndex]
      const identity = byPreview ? undefined : sender.identities[req.fileIndex]
      // a receiver asks for a chunk once in a request (pieces of one: a request each): one asked 64 times was served 64
      // times, each counted on the wire, a 1 MiB send showing 68 MB sent (fuzzing finding)
      if (new Set(req.chunks).size !== req.chunks.length) {
        const twice = req.chunks.find((c, i) => req.chunks.indexOf(c) !== i)
        await send(encodeChunkHeader({ fileIndex: req.fileIndex, chunk: twice ?? 0, length: 0, error: new FerryError('E_PROTOCOL', `chunk ${req.fileIndex}/${twice ?? 0} asked for more than once in one request`) }))
        return
      }
      for (const [i, chunk] of req.chunks.entries()) {
        if (file == null || src == null || file.kind !== 'file' || chunk >= chunkCount(file.size, file.chunkSize)) {
          await send(encodeChunkHeader({ fileIndex: req.fileIndex, chunk, length: 0, error: new FerryError('E_PROTOCOL', `no chunk ${req.fileIndex}/${chunk} in this transfer`) }))
          return
        }
        const range = chunkRange(chunk, file.size, file.chunkSize)
        // the first chunk may be asked for in part: a piece of a big chunk,
        // or the rest of one whose start the receiver kept through a crash
        const { from: skip, length: want } = askedRange(req, i, range.length)
        if (skip + want > range.length || want <= 0) {
          await send(encodeChunkHeader({ fileIndex: req.fileIndex, chunk, length: 0, error: new FerryError('E_PROTOCOL', `bytes ${skip}..${skip + want} are not within chunk ${req.fileIndex}/${chunk} (${range.length} B)`) }))
          return
        }
        const offset = range.offset + skip
        const length = want
        // read and sent in slices of READ_SLICE, so no chunk (up to 16 MiB)
        // sits in memory whole. The first slice is read before the header,
        // so a missing or unreadable file is answered with an error instead
        // of a chunk.
        let data: Uint8Array
        /** the whole chunk, read and checked against its hash: what is served of it, so it is read once and served as checked */
        let checked: Uint8Array | undefined
        // asked for again once it went whole: the receiver rejected it, or lost it with a cut or a crash. Checked
        // against its hash before it goes again, as a touched file's chunks are: bytes changed with neither time
        // moving (written through a memory map, as a live database's files are) are found here at the first
        // rejection, and the file is left out alone (E_SOURCE_CHANGED), where the receiver rejected its chunk 3
        // times and failed the whole send with E_HASH_MISMATCH (helper finding)
        const again = !byPreview && sender.offer != null && sender.servedChunks.servedWhole(sender.offer.files, req.fileIndex, chunk)
        try {
          data = source.read(src, file, offset, Math.min(READ_SLICE, length), true, identity, takeSendBuffer)
          // its change time moved since it was hashed (or cannot tell, on FAT, exFAT, FUSE): served only if this
          // chunk is still what was offered. Not a preview's chunk: there is no hash yet, and the receiver
          // verifies it against the offer's before it is used (review finding: a TypeError reset every
          // prefetch from a card)
          if ((source.touched || again) && !byPreview) {
            if (lastChecked?.file !== req.fileIndex || lastChecked.chunk !== chunk || lastChecked.sender !== sender) {
              lastChecked = undefined
              const whole = source.read(src, file, range.offset, range.length)
              if (!same(hash(whole), file.chunks.at(chunk))) {
                // no identity: a send this daemon took up again after a restart, which cannot tell whether the file's times
                // moved meanwhile (user-test finding: a file replaced while it was down was said written through a memory map)
                const why = source.touched
                  ? 'its bytes differ; its modification time was put back'
                  : identity === undefined
                    ? 'its bytes differ from those offered'
                    : 'its bytes differ from those offered, though neither its modification nor its change time moved: written through a memory map?'
                source.close()
                throw new NotServedError('changed', `${src} changed since it was offered (${why})`)
              }
              lastChecked = { sender, file: req.fileIndex, chunk, bytes: whole }
            }
            checked = lastChecked.bytes
            data = checked.subarray(skip, skip + Math.min(READ_SLICE, length))
          }
        } catch (err) {
          // this daemon short of descriptors or memory: the stream is aborted (below), and the receiver asks again later
          if ((err as FerryError).code !== 'E_SOURCE_CHANGED') throw err
          // this file only: every chunk asked for of it is answered with
          // the error (one header each, as the receiver reads them), and the
          // stream goes on serving the other files. It is no longer in
          // flight (the receiver does without it).
          const reason = notServedReason(err)
          sender.givenUp.set(req.fileIndex, { why: whyNotServed(src, (err as FerryError).message), said: (err as FerryError).message, reason, at: performance.now() })
          if (!byPreview) options.onGivenUp?.(sender, req.fileIndex)
          sender.served.delete(req.fileIndex)
          // the peer hears of the file by the name it was offered under, not by where it is on this machine
          const told = new FerryError('E_SOURCE_CHANGED', (err instanceof NotServedError ? err.peerMessage : (err as FerryError).message).replaceAll(src, file.path))
          // and why, for the receiver to word its failure by (docs/PROTOCOL.md, ChunkHeader.not_served)
          for (const rest of req.chunks.slice(i)) await send(encodeChunkHeader({ fileIndex: req.fileIndex, chunk: rest, length: 0, error: told, notServed: reason }))
          continue nextRequest
        }
        if (!byPreview) {
          carried.add(sender)
          // a file given up before its receiver opened this stream, asked for again and found as offered (put
          // back): that reason is no longer true. Not one given up since: the receiver may have asked for this
          // before it heard of that, and do without the file for it (the reason then is what the receipt names)
          const given = sender.givenUp.get(req.fileIndex)
          if (given !== undefined && (given.at === undefined || given.at < openedAt)) {
            sender.givenUp.delete(req.fileIndex)
            options.onServedAgain?.(sender, req.fileIndex)
          }
        }
        await send(encodeChunkHeader({ fileIndex: req.fileIndex, chunk, length, offset: skip }))
        piece = { sender, file: req.fileIndex, chunk, chunkLength: range.length, from: skip, sent: 0, byPreview, request }
        for (let at = 0; at < length;) {
          if (at > 0) {
            const slice = Math.min(READ_SLICE, length - at)
            data = checked !== undefined ? checked.subarray(skip + at, skip + at + slice) : source.read(src, file, offset + at, slice, false, identity, takeSendBuffer) // throws: the stream is aborted below
          }
          if (options.pace !== undefined) await options.pace(data.length)
          await send(data)
          at += data.length
          piece.sent = at
          if (!byPreview) sender.uncounted.set(req.fileIndex, (sender.uncounted.get(req.fileIndex) ?? 0) + data.length)
        }
        if (checked !== undefined && skip + length === range.length) lastChecked = undefined // its last piece: served
        count(piece)
      }
    }
    await stream.close({ signal: AbortSignal.timeout(5000) }).catch(() => {})
  } catch (err) {
    stream.abort(err as Error)
    // a receiver done with a stream closes its end first, then resets it: that is no cut
    if (!reader.peerClosed && !idleWithNothingOnItsWay) cut = true
    // what went of the piece being sent: the receiver may hold it, and asks for the rest only. Counted as the stream
    // failed, which is no word from the receiver (onSent's `cut`)
    if (piece !== undefined) count(piece, true)
  } finally {
    settle()
    clearTimeout(idle)
    source.close()
  }
  if (cut) for (const s of carried) options.onCut?.(s)
}
