// Fetching ahead of the offer: the receiver's side of /ferry/preview/1.0.0.
// While the sender hashes, it sends the entries and then each chunk hash as
// it is made (preview-sender.ts); a receiver that would accept the offer by
// itself fetches those chunks at once, verifies each against its hash, and
// writes it into a part file of its own folder, `.ferry-part/pre-<id>`.
// When the offer comes, the prefetch stops asking, and if the offer's
// entries are the preview's its folder becomes the offer's part folder
// (`.ferry-part/<root>`; one of that root kept for a re-send: its chunks
// are copied into that one's part files): the plan takes the chunks it verified against
// the offer's own hashes, in this run, as the fetch's own writes are taken
// (verifiedAgainst); any other chunk it wrote is verified against the
// offer's hashes (receive-plan.ts, `recover`) and kept if it matches, as
// after a crash; the rest is fetched. So the prefetch needs no state of its
// own in the store, and after a restart nothing it wrote is trusted on its
// word.
// Owns: the prefetches under way (one per peer), their folders until the
// offer takes them.
// Must never: write outside its part folder, fetch a chunk whose hash it
// does not have, that the receive folder holds already (the dedup index) or
// that is a whole chunk of zeros,
// start for a peer whose offers wait for a decision, or hold up the offer
// long (it reads what it asked for, FINISH_MS at most, outside the offers'
// admission turn).

import type { Stream } from '@libp2p/interface'
import { rename, rm } from 'node:fs/promises'
import { FerryError, toFerryError } from '../../errors.ts'
import { MAX_OFFER_BYTES } from '../../protocol/constants.ts'
import { ChunkHashes } from '../../protocol/chunk-hashes.ts'
import { FrameReader, readHashPart, readPreview, type OfferMsg } from '../../protocol/transfer.ts'
import { timeoutSignal } from '../../protocol/stream.ts'
import { Bitmap } from '../bitmap.ts'
import { HASH_LENGTH, chunkCount, chunkRange, isValidChunkSize } from '../manifest/chunking.ts'
import { fetchAll } from './fetch.ts'
import { partDirFor } from '../folder/finalize.ts'
import { makePartFolder, removePartFolder } from './part-folders.ts'
import { PlannedFile, contentKey, createPartFile, exists, partFileOf, type FileState, type Wanted } from './receive-plan.ts'
import type { ChunkSink } from '../sink/sink.ts'
import { Spool } from './spool.ts'
import { isZeroChunk } from './zero-chunks.ts'
import type { KeyedLock } from './keyed-lock.ts'
import type { ChunkedEntries } from '../folder/space.ts'
import type { Logger } from '../../daemon/logger.ts'

/** Prefetches at once, all peers together; one per peer. */
export const MAX_PREFETCHES = 4
/** Chunk hashes a preview may announce in all: as many as the largest offer carries. */
const MAX_PREVIEW_CHUNKS = Math.floor(MAX_OFFER_BYTES / HASH_LENGTH)
/** After the last hash, the prefetch goes on this long for the offer to come (it comes right after the hashing), then stops. */
export const OFFER_GRACE_MS = 2000
/** When the offer comes, what the prefetch asked for is still read (it is on its way) for this long at most, then dropped. */
const FINISH_MS = 10_000
/** A preview that brings no hash for this long ends (its prefetch finishes what it asked for). */
const PART_IDLE_MS = 30_000
/** Files one prefetch starts (part files it creates); the chunks of more wait for the offer. */
const MAX_PREFETCH_FILES = 10_000
/** What a prefetch letting go of its chunk streams waits at most for their ends to be closed (letGo): a request or two to send first, on a link that works. */
const LET_GO_MS = 1000
/** How long a preview's stream may take to bring the preview once it opened */
const PREVIEW_READ_MS = 10_000
/** A prefetch that ended, and whose offer never came, is forgotten after this (its folder is swept with the part folders). */
const FORGET_MS = 10 * 60 * 1000

/** The folder a prefetch writes in: `.ferry-part/pre-<id>` (part-folders.ts sweeps it like the others). */
export function prefetchFolderName (id: string): string {
  return `pre-${id}`
}

/** Whether the offer's entries are the preview's, index for index (path, kind, size, chunk size): a sender that left a file out while hashing shifts the rest, and part files named by index would belong to others. */
export function sameEntries (a: Array<Pick<OfferMsg['files'][number], 'path' | 'kind' | 'size' | 'chunkSize'>>, b: typeof a): boolean {
  return a.length === b.length && a.every((f, i) => f.path === b[i].path && f.kind === b[i].kind && f.size === b[i].size && f.chunkSize === b[i].chunkSize)
}

/** A preview's entries, as far as the room it needs goes. */
export type PreviewEntries = ReadonlyArray<ChunkedEntries[number] & { path: string, size: number }>

export interface PrefetchDeps {
  /** The receive folder offers go to now. */
  receiveDir: () => string
  /** Whether an offer from `peer` would be accepted without asking, and this id is new here. */
  wouldAccept: (peer: string, id: string) => boolean
  /** Whether `bytes` more fit in `dir` (free space, less what receives under way still need, and room for the spool of `files`' chunks), and `files` with their folders in its free file entries (inodes). */
  fits: (dir: string, bytes: number, files: PreviewEntries) => Promise<boolean>
  /** Whether the receive folder holds a chunk of this hash already (the plan copies it; not fetched ahead). */
  holds: (hash: Uint8Array) => boolean
  sink: () => ChunkSink
  openChunkStream: (peer: string, signal: AbortSignal) => Promise<Stream>
  streams: number
  /** A prefetch ended (the chunk sink may be let go once nothing uses it). */
  ended: () => void
  log: Pick<Logger, 'debug' | 'info' | 'warn'>
  /** FINISH_MS, unless a test says otherwise */
  finishMs?: number
  /** The receives' lock of part folders, by root (Receives.partDirs): one a receive holds is not written into (handOver) */
  partDirs?: Pick<KeyedLock, 'held' | 'acquire'>
}

/** The queue of a prefetch: it grows as hashes come, and ends when the preview does. */
class Feed {
  readonly queue: Wanted[] = []
  private ended = false
  private wake?: () => void
  private waiting?: Promise<void>

  push (w: Wanted): void {
    this.queue.push(w)
    this.notify()
  }

  end (): void {
    this.ended = true
    this.notify()
  }

  async wait (signal: AbortSignal): Promise<boolean> {
    while (this.queue.length === 0 && !this.ended && !signal.aborted) {
      this.waiting ??= new Promise((resolve) => { this.wake = resolve })
      const onAbort = (): void => { this.notify() }
      signal.addEventListener('abort', onAbort, { once: true })
      try { await this.waiting } finally { signal.removeEventListener('abort', onAbort) }
    }
    return this.queue.length > 0 && !signal.aborted
  }

  private notify (): void {
    const wake = this.wake
    this.wake = undefined
    this.waiting = undefined
    wake?.()
  }
}

class Prefetch {
  readonly id: string
  readonly peerId: string
  readonly receiveDir: string
  /** the preview (the offer's entries must be its own to take what was fetched; its total is what the prefetch may write) */
  readonly preview: OfferMsg
  /** bytes that crossed the wire for it, and chunks verified and written */
  wire = 0
  verifiedBytes = 0
  endedAt = 0
  readonly controller = new AbortController()
  done: Promise<void> = Promise.resolve()
  private readonly deps: PrefetchDeps
  /** the entries it made a part file for, by index */
  private readonly written = new Set<number>()
  /** the offer came: read no more hashes, ask for nothing more */
  private readonly finishing = new AbortController()
  private feed?: Feed
  /** the files' chunks verified and written, by entry index */
  readonly held = new Map<number, Bitmap>()
  /** the hashes the preview gave, by entry index (what the chunks in `held` were verified against, but those in `rehashed`) */
  private hashes: ChunkHashes[] = []
  /** which of `hashes` came, by entry index (the others are zeros, not yet known) */
  private known: Bitmap[] = []
  /** "file/chunk" whose hash came again, different (the file changed while hashed): verified against which one is not known */
  private readonly rehashed = new Set<string>()
  /** its fetch's chunk streams not ended yet (letGo closes them) */
  private readonly streams = new Set<Stream>()

  constructor (deps: PrefetchDeps, id: string, peerId: string, receiveDir: string, preview: OfferMsg) {
    this.deps = deps
    this.id = id
    this.peerId = peerId
    this.receiveDir = receiveDir
    this.preview = preview
  }

  /** Read the hashes as they come and fetch their chunks; resolves when both are over (the preview ended and the grace passed, or stopped). */
  async run (reader: FrameReader): Promise<void> {
    const { preview } = this
    const signal = this.controller.signal
    // one timer for the quiet of the whole preview, restarted by each part (a timer per part kept each 30 s: a peer repeating parts grew the daemon by 350 MB)
    const quiet = new AbortController()
    const quietTimer = setTimeout(() => { quiet.abort(new FerryError('E_TIMEOUT', `no part of the preview came for ${PART_IDLE_MS / 1000} s`)) }, PART_IDLE_MS)
    const reading = AbortSignal.any([signal, this.finishing.signal, quiet.signal])
    let hashesRead = 0
    const dir = await makePartFolder(this.receiveDir, prefetchFolderName(this.id))
    // the preview's own entries take the hashes as they come, not copies of
    // them, and each file's part path is made when asked for (PlannedFile):
    // a copy and a path per file held 1.2 KB of a 30,000-file preview's
    // ~1.8 KB a file through its prefetch (heap snapshot)
    const files: FileState[] = preview.files.map((entry, index) => {
      const n = entry.kind === 'file' ? chunkCount(entry.size, entry.chunkSize) : 0
      entry.chunks = ChunkHashes.zeroed(n)
      return new PlannedFile(index, entry, dir, new Bitmap(n), false, undefined)
    })
    this.hashes = files.map((f) => f.entry.chunks)
    this.known = files.map((f) => new Bitmap(f.entry.chunks.length))
    const announced = files.reduce((n, f) => n + f.entry.chunks.length, 0)
    const feed = this.feed = new Feed()
    /** content already asked for in this prefetch: the same chunk twice (copies in one send) crosses the wire once; the plan copies the rest */
    const seen = new Set<string>()
    const sink = this.deps.sink()
    const spool = new Spool(dir)
    const fetching = fetchAll({
      transferId: preview.transferId,
      files,
      queue: feed.queue,
      sink,
      peer: this.peerId,
      spool,
      streams: this.deps.streams,
      openStream: async () => {
        const stream = await this.deps.openChunkStream(this.peerId, signal)
        this.streams.add(stream)
        stream.addEventListener('close', () => { this.streams.delete(stream) })
        return stream
      },
      onChunk: (fs, chunk, length) => { fs.bitmap.set(chunk); this.held.set(fs.index, fs.bitmap); this.verifiedBytes += length },
      onWire: (n) => { this.wire += n },
      onUnavailable: () => {},
      signal,
      more: feed
    })
    fetching.catch(() => {})
    try {
      for (;;) {
        const part = await readHashPart(reader, reading).catch((err: unknown) => {
          // the offer came, or the sender went quiet: what was asked for is still read
          if ((this.finishing.signal.aborted || quiet.signal.aborted) && !signal.aborted) return undefined
          throw err
        })
        if (part == null) break
        quietTimer.refresh()
        const fs = files[part.fileIndex]
        const n = part.hashes.length / HASH_LENGTH
        // each hash once, again for a file hashed again (it changed while read; three tries at most): more is a peer repeating itself
        hashesRead += n
        if (hashesRead > 3 * announced) throw new FerryError('E_LIMIT', `preview sent ${hashesRead} hashes for ${announced} chunks`)
        if (fs == null || fs.entry.kind !== 'file' || part.firstChunk + n > fs.entry.chunks.length) throw new FerryError('E_PROTOCOL', `hash part for chunks ${part.firstChunk}..${part.firstChunk + n - 1} of entry ${part.fileIndex}, which has no such chunks`)
        for (let k = 0; k < n; k++) {
          const c = part.firstChunk + k
          const given = part.hashes.subarray(k * HASH_LENGTH, (k + 1) * HASH_LENGTH)
          const known = this.known[part.fileIndex].has(c)
          if (known && !fs.entry.chunks.is(c, given)) this.rehashed.add(`${part.fileIndex}/${c}`)
          // a file that changed while hashed comes again: its new hashes count (a chunk verified against the old ones is checked again by the plan)
          fs.entry.chunks.set(c, given)
          this.known[part.fileIndex].set(c)
          const content = contentKey(given)
          // a whole chunk of zeros is never fetched: the plan leaves it a hole (zero-chunks.ts)
          if (known || seen.has(content) || this.deps.holds(given) || isZeroChunk(fs.entry, c)) continue
          if (!this.written.has(fs.index) && this.written.size >= MAX_PREFETCH_FILES) continue
          seen.add(content)
          if (!this.written.has(fs.index)) {
            createPartFile(fs.partPath)
            this.written.add(fs.index)
          }
          feed.push({ file: part.fileIndex, chunk: c })
        }
      }
      // all hashed: the offer is on its way; fetch on until it comes, a while at most
      feed.end()
      const grace = setTimeout(() => { feed.queue.length = 0 }, OFFER_GRACE_MS)
      try { await fetching } finally { clearTimeout(grace) }
    } catch (err) {
      await this.letGo(err as Error)
      throw err
    } finally {
      clearTimeout(quietTimer)
      feed.end()
      await fetching.catch(() => {})
      // its slot descriptors (kept open, review finding: 34 and 8.6 MiB of removed slots held after three prefetches)
      spool.close()
      // the part files leave the sink's hands: the folder is renamed for the offer's plan
      await Promise.all([...this.written].map(async (index) => { await sink.closeFile(partFileOf(dir, index), false).catch(() => {}) }))
      this.endedAt = Date.now()
    }
  }

  /**
   * The part files it may still make: one for each file of the preview
   * with bytes to fetch, MAX_PREFETCH_FILES at most, less those made. An
   * upper bound: a file whose chunks are all held here already, or zeros,
   * makes none.
   */
  get partFilesToCome (): number {
    const files = this.preview.files.reduce((n, f) => n + (f.kind === 'file' && f.size > 0 ? 1 : 0), 0)
    return Math.max(0, Math.min(files, MAX_PREFETCH_FILES) - this.written.size)
  }

  /**
   * The offer came: ask for nothing more, and read what was asked for (it
   * crossed the wire, or is crossing it: dropped, it would be fetched
   * again), FINISH_MS at most.
   */
  async finish (): Promise<void> {
    this.finishing.abort()
    if (this.feed != null) { this.feed.queue.length = 0; this.feed.end() }
    const ms = this.deps.finishMs ?? FINISH_MS
    const timer = setTimeout(() => { void this.letGo(new FerryError('E_TIMEOUT', `the chunks asked for ahead of the offer did not come within ${ms / 1000} s`)) }, ms)
    try { await this.done } finally { clearTimeout(timer) }
  }

  async stop (why = 'the daemon stops'): Promise<void> {
    await this.letGo(new FerryError('E_CANCELLED', why))
    await this.done
  }

  /**
   * Stop fetching, for `why`. Each chunk stream's end is closed before the
   * fetch resets it, as a fetch done with a stream ends it: the sender's
   * chunk server takes a stream reset before its receiver closed it for a
   * cut, what it had on the way asked for again after an interruption, and
   * marks the send resumed (sender.ts serveChunks, send-serve.ts). What a
   * prefetch lets go of is no interruption: its chunks are fetched by the
   * offer's plan, by design, and the bytes that crossed for nothing are
   * said as fetched ahead and not used (over-the-network.ts). Before, a
   * send on a link too slow for what was asked to come within FINISH_MS of
   * the offer was marked resumed for it.
   */
  private async letGo (why: Error): Promise<void> {
    if (this.controller.signal.aborted) return
    const closed = Promise.allSettled([...this.streams].map(async (s) => { await s.close({ signal: AbortSignal.timeout(LET_GO_MS) }) }))
    // a close waits for the stream's unsent requests only, which a link that works takes at once
    let timer: NodeJS.Timeout | undefined
    await Promise.race([closed, new Promise((resolve) => { timer = setTimeout(resolve, LET_GO_MS) })])
    clearTimeout(timer)
    this.controller.abort(why)
  }

  /**
   * Of the chunks it verified and wrote, those verified against the hash
   * `offer` has for them, by entry index: the preview's hash is the offer's,
   * and never changed while the prefetch ran (a chunk whose hash came again
   * may have been checked against the old one). Written moments ago by this
   * daemon, as the fetch writes, they need no second read (the plan read
   * and hashed each again: ~1 s per GiB fetched ahead from a disk).
   */
  verifiedAgainst (offer: OfferMsg): Map<number, Bitmap> {
    const out = new Map<number, Bitmap>()
    for (const [index, held] of this.held) {
      const ours = this.hashes[index]
      const known = this.known[index]
      const theirs = offer.files[index]?.chunks
      if (ours == null || known == null || theirs == null || theirs.length !== ours.length) continue
      const sure = new Bitmap(theirs.length)
      for (let c = 0; c < theirs.length; c++) {
        if (held.has(c) && !this.rehashed.has(`${index}/${c}`) && known.has(c) && ours.is(c, theirs.at(c))) sure.set(c)
      }
      out.set(index, sure)
    }
    return out
  }
}

export class Prefetches {
  private readonly deps: PrefetchDeps
  private readonly byId = new Map<string, Prefetch>()
  /** ids whose offer came, with when: a preview read after its offer (they race on separate streams) must not start a prefetch nothing would hand over */
  private readonly offered = new Map<string, number>()
  /** peers with a preview being read or a prefetch running: taken before the first wait, so one peer's streams at once cannot pass the limits together (review finding: 6 at once) */
  private readonly busyPeers = new Set<string>()
  private stopping = false

  constructor (deps: PrefetchDeps) {
    this.deps = deps
  }

  /** Handle a /ferry/preview stream from `peerId` (paired: the gate let it through). */
  async take (stream: Stream, peerId: string): Promise<void> {
    this.forgetOld()
    if (this.stopping || this.busyPeers.size >= MAX_PREFETCHES || this.busyPeers.has(peerId)) {
      stream.abort(new FerryError('E_LIMIT', 'not fetching ahead now'))
      return
    }
    this.busyPeers.add(peerId)
    try {
      await this.takeTurn(stream, peerId)
    } finally {
      this.busyPeers.delete(peerId)
      this.deps.ended()
    }
  }

  private async takeTurn (stream: Stream, peerId: string): Promise<void> {
    const reader = new FrameReader(stream)
    let p: Prefetch
    let preview: OfferMsg | undefined
    try {
      // its log says what did not come in time, not "stream read aborted"
      preview = await readPreview(reader, timeoutSignal(PREVIEW_READ_MS, undefined, 'the preview did not arrive whole'))
      if (preview == null) throw new FerryError('E_PROTOCOL', 'preview stream ended before the preview')
      const id = Buffer.from(preview.transferId).toString('hex')
      if (preview.transferId.length !== 16) throw new FerryError('E_PROTOCOL', 'transfer id must be 16 bytes')
      let chunks = 0
      let bytes = 0
      for (const f of preview.files) {
        if (f.kind !== 'file') continue
        if (!isValidChunkSize(f.chunkSize)) throw new FerryError('E_PROTOCOL', `chunk size ${f.chunkSize} is not one ferry uses`)
        chunks += chunkCount(f.size, f.chunkSize)
        bytes += f.size
      }
      if (chunks > MAX_PREVIEW_CHUNKS) throw new FerryError('E_LIMIT', `preview announces ${chunks} chunks, more than an offer can carry`)
      // the free-space check below goes by it
      if (bytes !== preview.totalBytes) throw new FerryError('E_PROTOCOL', `preview declares ${preview.totalBytes} bytes, its files hold ${bytes}`)
      const receiveDir = this.deps.receiveDir()
      const wanted = (): boolean => !this.stopping && !this.byId.has(id) && !this.offered.has(id) && this.deps.wouldAccept(peerId, id)
      // asked again after the look at the disk, with nothing in between: the offer may have come meanwhile
      if (!wanted() || !await this.deps.fits(receiveDir, preview.totalBytes, preview.files) || !wanted()) {
        stream.abort(new FerryError('E_DECLINED', 'not fetching ahead for this one'))
        return
      }
      p = new Prefetch(this.deps, id, peerId, receiveDir, preview)
    } catch (err) {
      this.deps.log.debug('preview refused', { peerId, err: (err as Error).message })
      stream.abort(err as Error)
      return
    }
    this.byId.set(p.id, p)
    const started = performance.now()
    p.done = p.run(reader).then(
      () => { stream.abort(new Error('prefetch over')) },
      (err: Error) => {
        stream.abort(err)
        if (toFerryError(err).code !== 'E_CANCELLED') this.deps.log.debug('prefetch stopped', { id: p.id, err: err.message })
      }
    ).finally(() => {
      this.deps.log.debug('prefetched', { id: p.id, verifiedBytes: p.verifiedBytes, wireBytes: p.wire, ms: Math.round(performance.now() - started) })
    })
    await p.done
  }

  /**
   * The offer for `id` came: stop its prefetch, and make what it fetched the
   * part folder of the offer's root in the receive folder it fetched into,
   * if the offer's entries are the preview's (else it goes); where a part
   * folder of that root is there already (kept for a re-send), what it
   * fetched in this run is copied into that folder's part files, which the
   * plan reads as a whole, and its own folder goes. Returns the bytes it took from
   * the wire and, when its folder became the offer's, the bytes it verified
   * (for the receive's counts), the chunks it wrote (for the plan to
   * look at only those) and, of those, the ones verified against the
   * offer's hashes (`sure`: the plan takes them without reading them).
   */
  async handOver (id: string, peerId: string, offer: OfferMsg): Promise<{ wire: number, verified: number, held?: Map<number, Bitmap>, sure?: Map<number, Bitmap> }> {
    await this.finish(id, peerId)
    const p = this.byId.get(id)
    if (p != null && p.peerId !== peerId) return { wire: 0, verified: 0 }
    this.byId.delete(id)
    // none in memory: a folder left by a prefetch before a restart is taken
    // all the same (its bytes then count as held, not as from the wire); the
    // plan cuts each part file to its entry's size and verifies every chunk
    const receiveDir = p?.receiveDir ?? this.deps.receiveDir()
    const pre = partDirFor(receiveDir, prefetchFolderName(id))
    if (p == null && !exists(pre)) return { wire: 0, verified: 0 }
    const dest = partDirFor(receiveDir, Buffer.from(offer.root).toString('hex'))
    // what was fetched ahead, not used: removed, and the flush errors kept for its part files with it
    const drop = async (): Promise<void> => {
      await rm(pre, { recursive: true, force: true }).catch(() => {})
      await this.deps.sink().moved(pre, undefined).catch(() => {})
    }
    let renamed = false
    try {
      if (p != null && !sameEntries(p.preview.files, offer.files)) throw new Error('the offer\'s entries are not the preview\'s')
      if (exists(dest)) {
        // a part folder of the same content: kept by an earlier receive of these files that ended short (cancelled,
        // failed) for a re-send, or another receive's of them. What was fetched ahead goes into its part files,
        // and the plan finds it there as it finds the rest (user-test finding: a re-send after a cancel dropped it,
        // "a part folder of the same content is there", and fetched it again: 18 MiB of a 1000 MiB file)
        // Not one another receive of these files holds now (the same folder sent twice at once): its part files are
        // its own, and a copy into one it was placing landed in the placed file after its time was set (a file of
        // transfer.test.ts's folder sent twice at once had its mtime "now"). That receive fetches them anyway; this
        // one finds them placed. Held while it copies, so that none starts to place them meanwhile
        const rootHex = Buffer.from(offer.root).toString('hex')
        if (p == null) throw new Error('a part folder of the same content is there')
        if (this.deps.partDirs?.held(rootHex) === true) throw new Error('another receive of the same content uses its part folder')
        const release = await this.deps.partDirs?.acquire(rootHex)
        let copied: boolean
        try { copied = await this.intoPartFolder(p, pre, dest, offer) } finally { release?.() }
        if (!copied) throw new Error('a part folder of the same content is there')
        await drop()
        return { wire: p.wire, verified: 0 }
      }
      await rename(pre, dest)
      renamed = true
      // a flush of one of its part files that failed (closed to keep the sink's open files bounded) is reported by
      // the receive's syncs of it under its new path, and the file is not placed (review finding: kept under the old)
      await this.deps.sink().moved(pre, dest)
    } catch (err) {
      this.deps.log.debug('what was fetched ahead is not used', { id, err: (err as Error).message })
      if (!renamed) await drop()
    }
    return { wire: p?.wire ?? 0, verified: renamed ? p?.verifiedBytes ?? 0 : 0, held: renamed ? p?.held : undefined, sure: renamed ? p?.verifiedAgainst(offer) : undefined }
  }

  /**
   * Copy the chunks `p` fetched ahead (in `pre`) into the part files of
   * `dest`, another part folder of the offer's root, at their offsets, each
   * verified against the offer's hash as it is copied (a chunk of another
   * content never gets in). Left open in the sink, as the plan's copies are:
   * the receive that follows uses them. False when a copy failed (the folder
   * went, a disk error): what is not there is fetched.
   */
  private async intoPartFolder (p: Prefetch, pre: string, dest: string, offer: OfferMsg): Promise<boolean> {
    const sink = this.deps.sink()
    try {
      for (const [index, held] of p.held) {
        const entry = offer.files[index]
        const to = partFileOf(dest, index)
        if (!exists(to)) createPartFile(to)
        for (let c = 0; c < entry.chunks.length; c++) {
          if (!held.has(c)) continue
          const { offset, length } = chunkRange(c, entry.size, entry.chunkSize)
          await sink.copy(partFileOf(pre, index), offset, to, offset, length, entry.chunks.at(c))
        }
      }
      return true
    } catch (err) {
      this.deps.log.debug('what was fetched ahead could not go into the part folder of the same content', { id: p.id, err: (err as Error).message })
      return false
    }
  }

  /**
   * The offer for `id` came from `peerId`: no prefetch starts for it any
   * more, and the one under way asks for nothing more and reads what it
   * asked for (handOver then takes its folder; called first by itself, it
   * keeps that wait out of the offers' admission turn).
   */
  async finish (id: string, peerId: string): Promise<void> {
    this.forgetOld()
    const p = this.byId.get(id)
    if (p != null && p.peerId !== peerId) return
    this.offered.set(id, Date.now())
    // still listed while it finishes: it uses the chunk sink, a stop waits for it, and a sweep keeps its folder
    await p?.finish()
  }

  /**
   * `peerId` gave up `id` before offering it (cancelled while it hashed): no
   * offer will come, so what was fetched ahead for it goes now, not after a
   * day. A folder with no prefetch in memory (one of before a restart) goes
   * too: the id is known only to its sender and here, as in handOver. Once
   * its offer came, the folder is handOver's (a cancel that follows the
   * offer is the receive's). Whether there was one.
   */
  async drop (id: string, peerId: string): Promise<boolean> {
    this.forgetOld()
    if (this.offered.has(id)) return false
    const p = this.byId.get(id)
    if (p != null && p.peerId !== peerId) return false
    const receiveDir = p?.receiveDir ?? this.deps.receiveDir()
    const there = p != null || exists(partDirFor(receiveDir, prefetchFolderName(id)))
    // a preview of it read late must not start a prefetch again; remembered only where there was
    // one, or may be one (its preview being read): a peer's made-up ids grow nothing
    if (there || this.busyPeers.has(peerId)) this.offered.set(id, Date.now())
    if (!there) return false
    await p?.stop('its sender gave it up before offering it')
    this.byId.delete(id)
    await removePartFolder(receiveDir, prefetchFolderName(id))
    await this.deps.sink().moved(partDirFor(receiveDir, prefetchFolderName(id)), undefined).catch(() => {})
    this.deps.log.debug('what was fetched ahead is dropped: its sender gave the send up before offering it', { id })
    return true
  }

  /** Whether a prefetch is fetching (it uses the chunk sink). */
  get active (): boolean {
    return [...this.byId.values()].some((p) => p.endedAt === 0)
  }

  /** What the prefetches fetching into `dir` may still write, with room for their spools (`spool`: for files and bytes still to fetch): set aside by the free-space checks of offers and other previews. */
  reservedIn (dir: string, spool: (files: ChunkedEntries, toFetch: number) => number): number {
    let n = 0
    for (const p of this.byId.values()) {
      if (p.endedAt !== 0 || p.receiveDir !== dir) continue
      const left = Math.max(0, p.preview.totalBytes - p.verifiedBytes)
      n += left + spool(p.preview.files, left)
    }
    return n
  }

  /**
   * The part files the prefetches fetching into `dir` may still make: set
   * aside by the inode checks of offers and other previews, as their bytes
   * are (reservedIn; notes' leftover: a second offer could take the inodes
   * a prefetch's files then found gone).
   */
  filesReservedIn (dir: string): number {
    let n = 0
    for (const p of this.byId.values()) if (p.endedAt === 0 && p.receiveDir === dir) n += p.partFilesToCome
    return n
  }

  /** The folders of prefetches fetching now, or ended within OFFER_GRACE_MS (their offer comes right after the hashing): not yet what one left for an offer that has not come. */
  fetchingFolders (): string[] {
    const since = Date.now() - OFFER_GRACE_MS
    return [...this.byId].filter(([, p]) => p.endedAt === 0 || p.endedAt > since).map(([id]) => prefetchFolderName(id))
  }

  /** The folders of prefetches not handed over yet: a sweep for room must not take them from under a prefetch, or from its offer. */
  folders (): string[] {
    return [...this.byId.keys()].map(prefetchFolderName)
  }

  async stop (): Promise<void> {
    this.stopping = true
    await Promise.all([...this.byId.values()].map(async (p) => { await p.stop() }))
  }

  private forgetOld (): void {
    const now = Date.now()
    for (const [id, p] of this.byId) if (p.endedAt > 0 && now - p.endedAt > FORGET_MS) this.byId.delete(id)
    for (const [id, at] of this.offered) if (now - at > FORGET_MS) this.offered.delete(id)
  }
}
