// Pulling missing chunks from the sender over several parallel
// /ferry/chunks streams. Each stream asks for about REQUEST_BYTES at a time:
// several whole chunks of one file when they are small, or one piece of a
// chunk when it is bigger (a chunk is read by one stream, piece after
// piece, into one buffer). Header + raw bytes go straight into the chunk's
// buffer and, as they arrive, into a spool slot (spool.ts), so that a crash
// loses little; a chunk whose start was spooled before is asked for from
// where that start ends. A whole chunk goes to the sink (verify, then write
// to the part file); one that fails verification is never written there. It
// is asked for again a few times, then the transfer fails. A file the sender
// can no longer serve (E_SOURCE_CHANGED: changed or removed since the offer)
// is given up alone: its chunks leave the queue and the rest goes on.

import type { Stream } from '@libp2p/interface'
import { rm } from 'node:fs/promises'
import { FerryError, quoteForDisplay } from '../../errors.ts'
import { CHUNK_REQUEST_MAX, FrameReader, encodeChunkRequest, readChunkHeader, sendAll } from '../../protocol/transfer.ts'
import { chunkRange } from '../manifest/chunking.ts'
import { heldOf, type FileState, type Wanted } from './receive-plan.ts'
import type { ChunkSink } from '../sink/sink.ts'
import { chunkBufferSize } from '../sink/buffer-pool.ts'
import type { Spool, SpoolSlot } from './spool.ts'
import { withNotServedReason } from '../not-served.ts'

/**
 * Bytes asked for in one request: several small chunks, one chunk, or a
 * piece of a bigger one (chunks of 2 MiB, files over 2,000 MiB, or a peer's
 * bigger ones).
 * With REQUESTS_AHEAD and CHUNK_STREAMS that is 6 MiB asked for and not yet
 * received, ~50 ms at 120 MB/s: that is what keeps a 1 Gbit link full, and
 * what a kill -9 of the receiver can throw away (what it received is in the
 * spool). Smaller requests lose speed: 1 GiB at 1 Gbit in the lab took
 * 12.4–13.6 s with 128 KiB requests (two ahead), 11.4–12.1 s with 256 KiB,
 * 10.7 s with 1 MiB, and the sender spent up to twice the CPU. 4 MiB
 * requests were no faster on loopback and cost 30–60 MB more peak RSS on
 * each side.
 */
export const REQUEST_BYTES = 1024 * 1024
const MAX_BAD_CHUNKS = 3
/**
 * Chunk bytes per stream handed to the sink and not yet verified and
 * written above which the stream asks for nothing more (what was asked for
 * is still read): reading the next chunk overlaps verifying the last, and a
 * slow disk slows the pull instead of filling memory. Bounded in bytes, not
 * in chunks, so the memory a transfer holds grows with the chunk size only
 * where one chunk is more than this (the rule picks at most 2 MiB; a peer
 * may use up to 16 MiB).
 */
export const WRITE_BYTES_IN_FLIGHT = 2 * 1024 * 1024
/** Requests outstanding per stream (the one being read and one ahead). Exported for the resume test's bound. */
export const REQUESTS_AHEAD = 2

/**
 * A stream with requests outstanding that brings no byte for this long is
 * given up (E_TIMEOUT: the receive waits and tries again). A sender whose
 * machine went to sleep or lost power leaves its connection open until TCP
 * gives up, many minutes later; the transfer would sit in fetching at 0 B/s.
 */
export const STREAM_IDLE_MS = 30_000

export interface FetchContext {
  transferId: Uint8Array
  files: FileState[]
  queue: Wanted[]
  sink: ChunkSink
  /** the peer the chunks come from: its share of the daemon's chunk budget (chunk-budget.ts) */
  peer?: string
  spool: Spool
  streams: number
  openStream: () => Promise<Stream>
  /**
   * What the receive holds, copies included (its progress): told with the
   * first request of each stream (ChunkRequest.held_bytes), so that a sender
   * restarted meanwhile shows it from that request on, not its own record
   * plus what it serves until the first progress report (progress-report.ts,
   * 250 ms into a run)
   */
  held?: () => number
  onChunk: (file: FileState, chunk: number, length: number) => Promise<void> | void
  onWire: (bytes: number) => void
  /** A request for bytes of this file goes out (the receiver keeps which files it asked for: Receiver.askedFiles) */
  onAsk?: (file: number) => void
  /** The sender cannot serve this file any more (E_SOURCE_CHANGED); called once per file. */
  onUnavailable: (file: FileState, err: FerryError) => void
  signal: AbortSignal
  /** STREAM_IDLE_MS, unless a test says otherwise */
  idleMs?: number
  /**
   * The queue grows while the fetch runs (a prefetch, as the sender's
   * hashes come: prefetch.ts): a stream with nothing to ask for waits for
   * this to say there is more (true) or that nothing more will come (false).
   */
  more?: { wait: (signal: AbortSignal) => Promise<boolean> }
}

/**
 * One request: whole chunks of one file, or bytes [from, to) of one chunk.
 * [from, to) is always the first chunk's range (all of it when whole), and
 * goes on the wire as first_offset and first_length.
 */
/**
 * One request: chunks of `file`, the first from byte `from` to `to`. `kept`: the bytes of its first chunk held
 * here already (spooled: fetched ahead of the offer, or kept through a crash), which it starts after; not the
 * pieces of a chunk split over several requests, which are asked for, not held.
 */
interface Ask { file: number, wants: Wanted[], from: number, to: number, kept?: number }

export async function fetchAll (ctx: FetchContext): Promise<void> {
  const bad = new Map<string, number>()
  // chunks that failed verification are queued again, possibly after the
  // streams ran dry: go round until nothing is left (bounded by MAX_BAD_CHUNKS)
  while (ctx.queue.length > 0 || (ctx.more != null && await ctx.more.wait(ctx.signal))) {
    ctx.signal.throwIfAborted()
    // the first failure to keep a chunk (its write, placing its file) stops every stream: a full disk must
    // not go on pulling the rest over the wire only to drop it. A stream's own failure (the link) does
    // not: the others finish what they asked for, and it is kept
    const halt = new AbortController()
    const workers = Array.from({ length: Math.max(1, ctx.more != null ? ctx.streams : Math.min(ctx.streams, ctx.queue.length)) }, async () => { await worker(ctx, bad, halt) })
    const results = await Promise.allSettled(workers)
    if (halt.signal.aborted) throw halt.signal.reason
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed != null) throw failed.reason
  }
  ctx.signal.throwIfAborted()
}

/**
 * Hands out a stream's requests: the pieces of the chunk it is splitting,
 * else the next chunks from the shared queue (whole if small, up to
 * REQUEST_BYTES together; the first piece of a split otherwise).
 */
class Asker {
  private readonly ctx: FetchContext
  private split?: { want: Wanted, next: number, length: number }

  constructor (ctx: FetchContext) { this.ctx = ctx }

  /** Ask for nothing more of `file`: the chunk being split, if of it. */
  drop (file: number): void {
    if (this.split?.want.file === file) this.split = undefined
  }

  next (): Ask | undefined {
    // a file given up by another stream while this one splits a chunk of it
    if (this.split != null && this.ctx.files[this.split.want.file].unavailable != null) this.split = undefined
    if (this.split != null) {
      const { want, next, length } = this.split
      const to = Math.min(next + REQUEST_BYTES, length)
      if (to === length) this.split = undefined
      else this.split.next = to
      return { file: want.file, wants: [want], from: next, to }
    }
    let first = this.ctx.queue.shift()
    // chunks of a file given up (giveUp) are skipped here, not searched out of the queue
    while (first != null && this.ctx.files[first.file].unavailable != null) first = this.ctx.queue.shift()
    if (first == null) return undefined
    const f = this.ctx.files[first.file].entry
    const length = chunkRange(first.chunk, f.size, f.chunkSize).length
    const from = first.spooled?.length ?? 0
    if (length - from > REQUEST_BYTES) {
      this.split = { want: first, next: from + REQUEST_BYTES, length }
      return { file: first.file, wants: [first], from, to: from + REQUEST_BYTES, kept: from }
    }
    const ask: Ask = { file: first.file, wants: [first], from, to: length, kept: from }
    if (from > 0) return ask // only a request's first chunk can start part-way
    let bytes = length
    while (ask.wants.length < CHUNK_REQUEST_MAX && this.ctx.queue[0]?.file === first.file && this.ctx.queue[0].spooled == null && bytes + f.chunkSize <= REQUEST_BYTES) {
      ask.wants.push(this.ctx.queue.shift()!)
      bytes += f.chunkSize
    }
    return ask
  }
}

/**
 * The sender said it cannot serve `fs` any more: fetch nothing more of it
 * (Asker.next skips its queued chunks; what streams asked for already is
 * read and dropped). Chunks of it verified before stay in its part file, unused.
 */
function giveUp (ctx: FetchContext, fs: FileState, err: FerryError): void {
  if (fs.unavailable != null) return
  fs.unavailable = err
  ctx.onUnavailable(fs, err)
}

/** The chunk a stream is reading: its buffer, and the spool slot its bytes go to. */
interface Reading { want: Wanted, buf: Uint8Array, slot: SpoolSlot, start: number }

/**
 * One chunk stream's requests and reads. `halt` is aborted with the first
 * failure of a chunk's write or onChunk, on any stream of the fetch: a
 * write fails after its stream has moved on, and was seen only if the
 * stream happened to wait for it then (review finding: a full disk went on
 * pulling every chunk left, and the receive failed with E_INTERNAL
 * "incomplete after fetching" in place of E_NO_SPACE or E_IO).
 */
async function worker (ctx: FetchContext, bad: Map<string, number>, halt: AbortController): Promise<void> {
  if (ctx.queue.length === 0 && ctx.more == null) return
  const stream = await ctx.openStream()
  const reader = new FrameReader(stream)
  const asker = new Asker(ctx)
  const inFlight = new Set<Promise<void>>()
  let inFlightBytes = 0
  let reading: Reading | undefined
  /** Ask for nothing more of `file` (given up), and drop what arrived of its chunk being read in pieces: of no use now. */
  const dropFile = (file: number): void => {
    asker.drop(file)
    if (reading?.want.file === file) { ctx.spool.release(reading.slot); ctx.sink.discard(reading.buf); reading = undefined }
  }
  // reads end on a cancel, or when the sender has gone quiet (STREAM_IDLE_MS)
  const idleMs = ctx.idleMs ?? STREAM_IDLE_MS
  const quiet = new AbortController()
  const signal = AbortSignal.any([ctx.signal, quiet.signal, halt.signal])
  let lastHeard = performance.now()
  /** reading the answer to a request (taken off `requested` as its reading starts) */
  let answering = false
  /** waiting for room in the daemon's chunk budget: other receives' writes, not the sender's silence */
  let waitingForRoom = false
  // Requests run one ahead: the sender starts reading the next piece while
  // we still receive this one, so the pipe never drains between requests.
  // Back-pressure from the disk stops new requests, never the reading of
  // bytes already asked for: those are read and spooled as they come, so a
  // crash while the disk is slow loses nothing that crossed the wire.
  const requested: Ask[] = []
  /** no request sent on this stream yet: the first says what the receive holds (FetchContext.held) */
  let firstAsk = true
  const requestMore = async (): Promise<void> => {
    // the file of the chunk being read in pieces was given up by another stream: Asker.next() stops its
    // pieces, and its buffer goes now. With none of its pieces asked for ahead (the disk behind), no answer
    // of it would come to drop it: the next file's chunk came as "half read" (E_INTERNAL), or the stream
    // ended holding that buffer in the daemon's chunk budget for as long as the sink lived (helper finding)
    if (reading != null && ctx.files[reading.want.file].unavailable != null) dropFile(reading.want.file)
    while (requested.length < REQUESTS_AHEAD && (inFlight.size === 0 || inFlightBytes < WRITE_BYTES_IN_FLIGHT) && !signal.aborted) {
      const ask = asker.next()
      if (ask == null) return
      ctx.onAsk?.(ask.file)
      await sendAll(stream, encodeChunkRequest({ transferId: ctx.transferId, fileIndex: ask.file, chunks: ask.wants.map((w) => w.chunk), firstOffset: ask.from, firstLength: ask.to - ask.from, fileHeldBytes: heldOf(ctx.files[ask.file]) + (ask.kept ?? 0), heldBytes: firstAsk ? ctx.held?.() : undefined }), signal)
      firstAsk = false
      if (requested.length === 0) lastHeard = performance.now() // waiting for the disk is not the sender's silence
      requested.push(ask)
    }
  }
  const watchdog = setInterval(() => {
    if ((answering || requested.length > 0) && !waitingForRoom && performance.now() - lastHeard > idleMs) quiet.abort(new FerryError('E_TIMEOUT', `no data from the sender for ${Math.round(idleMs / 1000)} s`))
  }, Math.max(50, Math.min(idleMs / 4, 5000)))
  watchdog.unref()
  try {
    while (!ctx.signal.aborted && !halt.signal.aborted) {
      await requestMore()
      // nothing asked for: the disk is behind; ask again as writes complete
      while (requested.length === 0 && inFlight.size > 0 && !ctx.signal.aborted) {
        await Promise.race(inFlight)
        await requestMore()
      }
      if (requested.length === 0) {
        // nothing left to ask for yet: wait for more, or end with the rest
        if (ctx.more != null && !ctx.signal.aborted && await ctx.more.wait(signal)) continue
        break
      }
      const ask = requested.shift()!
      const fs = ctx.files[ask.file]
      answering = true
      for (const want of ask.wants) {
        const h = await readChunkHeader(reader, signal)
        lastHeard = performance.now()
        if (h == null) throw new FerryError('E_PROTOCOL', 'sender closed the chunk stream early')
        if (h.error?.code === 'E_SOURCE_CHANGED' && h.fileIndex === ask.file && h.chunk === want.chunk) {
          giveUp(ctx, fs, withNotServedReason(h.error, h.notServed))
          dropFile(ask.file)
          continue
        }
        if (h.error != null) throw h.error
        const { offset, length } = chunkRange(want.chunk, fs.entry.size, fs.entry.chunkSize)
        const from = ask.wants.length === 1 ? ask.from : 0
        const to = ask.wants.length === 1 ? ask.to : length
        if (h.fileIndex !== ask.file || h.chunk !== want.chunk || h.offset !== from || h.length !== to - from) throw notAsked(ctx.files, ask.file, want.chunk, from, to - from, h)
        if (fs.unavailable != null) {
          // given up while this was on its way (another answer said the file
          // changed; this one found it as offered again): read past it
          const scratch = new Uint8Array(h.length)
          let counted = 0
          await reader.readInto(scratch, signal, (n) => { lastHeard = performance.now(); ctx.onWire(n - counted); counted = n })
          // given up by another stream, maybe while this one reads a chunk of
          // it in pieces: that chunk goes (it would be taken for half read
          // when the next file's chunk comes)
          dropFile(ask.file)
          continue
        }
        if (reading != null && reading.want !== want) throw new FerryError('E_INTERNAL', `chunk ${want.chunk} asked for while chunk ${reading.want.chunk} is half read`)
        if (reading == null) {
          waitingForRoom = true
          const buf = await ctx.sink.buffer(chunkBufferSize(length), signal, ctx.peer).finally(() => { waitingForRoom = false; lastHeard = performance.now() })
          if (from > 0) buf.set(want.spooled!.subarray(0, from), 0)
          const slot = ctx.spool.take()
          slot.begin(ask.file, want.chunk, buf, from)
          // the start an earlier run kept is in this run's slot now (written at once): its old slot goes,
          // as the free-space check counted it as room (review finding: it stayed to the end of the run)
          if (want.spooledFrom !== undefined && slot.intact) { void rm(want.spooledFrom, { force: true }).catch(() => {}); want.spooledFrom = undefined }
          reading = { want, buf, slot, start: from }
        }
        const r = reading
        // counted as they arrive: bytes of a chunk cut short are kept (spooled), not fetched again
        let counted = 0
        await reader.readInto(r.buf.subarray(from, to), signal, (n) => { lastHeard = performance.now(); r.slot.arrived(from + n); ctx.onWire(n - counted); counted = n })
        if (to < length) continue // more pieces of this chunk follow
        // the slot reads from buf until flushed; the sink may hand buf to a worker
        r.slot.flush()
        reading = undefined
        const p: Promise<void> = ctx.sink.write(fs.partPath, offset, r.buf, length, fs.entry.chunks.at(want.chunk)).then(
          async () => { await ctx.onChunk(fs, want.chunk, length) },
          (err: FerryError) => {
            if (err.code !== 'E_HASH_MISMATCH') throw err
            // a start kept from before a crash is unverified: if the chunk
            // fails with it, ask for the whole chunk, without counting a strike
            if (r.start > 0) { ctx.queue.unshift({ file: ask.file, chunk: want.chunk }); return }
            const key = `${ask.file}/${want.chunk}`
            const n = (bad.get(key) ?? 0) + 1
            bad.set(key, n)
            if (n >= MAX_BAD_CHUNKS) throw new FerryError('E_HASH_MISMATCH', `chunk ${want.chunk} of ${fs.entry.path} failed verification ${n} times; the sender's file may have changed`)
            ctx.queue.push({ file: ask.file, chunk: want.chunk }) // ask again
          }
        ).finally(() => { ctx.spool.release(r.slot); inFlight.delete(p); inFlightBytes -= length })
        p.catch((err) => { if (!halt.signal.aborted) halt.abort(err) }) // also never an unhandled rejection
        inFlight.add(p)
        inFlightBytes += length
      }
      answering = false
      // only now (top of the loop): while one request is read, just one more is
      // outstanding; refilling before reading would keep three in flight
    }
    // a cancel or stop left work undone: an error, never a normal end the run would take as complete
    ctx.signal.throwIfAborted()
    halt.signal.throwIfAborted()
    await Promise.all(inFlight)
    await stream.close({ signal: AbortSignal.timeout(5000) }).catch(() => {})
    // all it asked for is in: what the sender writes from now on is not
    // wanted, and nothing reads it. Closed for reading too, or a sender that
    // goes on writing had up to 8 MiB per stream kept until the connection
    // closed (review finding: 22 transfers, 64 such streams, +570 MiB, and
    // the next transfer from that peer stalled)
    stream.abort(new Error('all chunks asked for on this stream are in'))
  } catch (err) {
    stream.abort(err as Error)
    // what arrived of the chunk being read stays in its slot, for the next run
    if (reading != null) { reading.slot.flush(); ctx.spool.release(reading.slot); ctx.sink.discard(reading.buf) }
    await Promise.allSettled(inFlight)
    // another stream's failure (or a write's) is the cause, not the abort it made this one see
    throw halt.signal.aborted && !ctx.signal.aborted ? halt.signal.reason : err
  } finally {
    clearInterval(watchdog)
  }
}

/**
 * A chunk header that is not the answer to what was asked for (another
 * file, chunk, offset or length): the file and chunk named, what came
 * against what was asked, not entry and chunk numbers alone ("sender
 * answered with 131072 B of chunk 0/1 from 0, expected 262144 B of 0/1
 * from 0": helper finding). Paths are the peer's: quoted for display.
 */
function notAsked (files: FileState[], file: number, chunk: number, from: number, length: number, h: { fileIndex: number, chunk: number, offset: number, length: number }): FerryError {
  const other = files[h.fileIndex]?.entry.path
  const where = h.fileIndex === file ? 'that file' : `entry ${h.fileIndex} of the offer${other !== undefined ? ` (${quoteForDisplay(other)})` : ''}`
  return new FerryError('E_PROTOCOL', `the sender answered a request for chunk ${chunk} of ${quoteForDisplay(files[file].entry.path)} (${length} B from byte ${from}) with ${h.length} B of chunk ${h.chunk} of ${where} from byte ${h.offset}`)
}

