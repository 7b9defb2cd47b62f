// Pulling missing chunks from the sender over several parallel
// /ferry/chunks streams. Each stream asks for a batch of chunks of one file
// and reads header + raw bytes for each, straight into a buffer that goes to
// the sink (verify, then write). While a chunk arrives its bytes go to a
// spool slot (spool.ts), so a crash loses little of it; a chunk whose start
// was spooled before is asked for from where that start ends. A chunk that
// fails verification is never written to the part file; it is asked for
// again a few times, then the transfer fails.

import type { Stream } from '@libp2p/interface'
import { FerryError } from '../errors.ts'
import { CHUNK_REQUEST_MAX, FrameReader, encodeChunkRequest, readChunkHeader, sendAll } from '../protocol/transfer.ts'
import { chunkRange } from './chunking.ts'
import type { FileState, Wanted } from './receive-plan.ts'
import type { ChunkSink } from './sink.ts'
import type { Spool, SpoolSlot } from './spool.ts'

/**
 * Bytes asked for in one request (at least one chunk). With REQUESTS_AHEAD
 * and CHUNK_STREAMS that is 6 MiB requested and not yet received, ~50 ms at
 * 120 MB/s: far more than a LAN's round trip, so the pipe stays full. 4 MiB
 * batches (and 4 MiB of writes in flight) were no faster on loopback, cost
 * 30–60 MB more peak RSS on each side (more buffers live at once, hence more
 * promoted to V8's old generation and freed late), and doubled what a
 * kill -9 of the receiver throws away.
 */
export const BATCH_BYTES = 1024 * 1024
const MAX_BAD_CHUNKS = 3
/**
 * Chunk bytes per stream handed to the sink and not yet verified and
 * written, so that reading the next chunk overlaps verifying the last; at
 * least one chunk whatever its size. Bounded in bytes, not in chunks, so the
 * memory a transfer holds grows with the chunk size only where one chunk is
 * more than this (4 MiB chunks for files over 4,000 MiB; a peer may use up
 * to 16 MiB).
 */
export const WRITE_BYTES_IN_FLIGHT = 2 * 1024 * 1024
/** Requests outstanding per stream (the batch being read and one ahead). Exported for the resume test's bound. */
export const REQUESTS_AHEAD = 2

export interface FetchContext {
  transferId: Uint8Array
  files: FileState[]
  queue: Wanted[]
  sink: ChunkSink
  spool: Spool
  streams: number
  openStream: () => Promise<Stream>
  onChunk: (file: FileState, chunk: number, length: number) => Promise<void> | void
  onWire: (bytes: number) => void
  signal: AbortSignal
}

export async function fetchAll (ctx: FetchContext): Promise<void> {
  const bad = new Map<string, number>()
  // chunks that failed verification are queued again, possibly after the
  // streams ran dry: go round until nothing is left (bounded by MAX_BAD_CHUNKS)
  while (ctx.queue.length > 0) {
    ctx.signal.throwIfAborted()
    const workers = Array.from({ length: Math.max(1, Math.min(ctx.streams, ctx.queue.length)) }, async () => await worker(ctx, bad))
    const results = await Promise.allSettled(workers)
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed != null) throw failed.reason
  }
}

/** The next chunks of one file, up to BATCH_BYTES; a chunk with a spooled start goes alone (only a request's first chunk can start part-way). */
function takeBatch (ctx: FetchContext): Wanted[] {
  const first = ctx.queue.shift()
  if (first == null) return []
  const batch = [first]
  if (first.spooled != null) return batch
  const f = ctx.files[first.file].entry
  let bytes = Math.min(f.chunkSize, f.size)
  while (batch.length < CHUNK_REQUEST_MAX && bytes < BATCH_BYTES && ctx.queue[0]?.file === first.file && ctx.queue[0].spooled == null) {
    batch.push(ctx.queue.shift()!)
    bytes += f.chunkSize
  }
  return batch
}

async function worker (ctx: FetchContext, bad: Map<string, number>): Promise<void> {
  if (ctx.queue.length === 0) return
  const stream = await ctx.openStream()
  const reader = new FrameReader(stream)
  const inFlight = new Set<Promise<void>>()
  let inFlightBytes = 0
  /** the slot of the chunk being read, if any */
  let reading: SpoolSlot | undefined
  // requests run one batch ahead: the sender starts reading the next batch
  // while we still receive this one, so the pipe never drains between batches
  const requested: Wanted[][] = []
  const requestMore = async (): Promise<void> => {
    while (requested.length < REQUESTS_AHEAD && !ctx.signal.aborted) {
      const batch = takeBatch(ctx)
      if (batch.length === 0) return
      await sendAll(stream, encodeChunkRequest({ transferId: ctx.transferId, fileIndex: batch[0].file, chunks: batch.map((b) => b.chunk), firstOffset: batch[0].spooled?.length }), ctx.signal)
      requested.push(batch)
    }
  }
  try {
    await requestMore()
    while (requested.length > 0 && !ctx.signal.aborted) {
      const batch = requested.shift()!
      const fileIndex = batch[0].file
      const fs = ctx.files[fileIndex]
      for (const want of batch) {
        const h = await readChunkHeader(reader, ctx.signal)
        if (h == null) throw new FerryError('E_PROTOCOL', 'sender closed the chunk stream early')
        if (h.error != null) throw h.error
        const { offset, length } = chunkRange(want.chunk, fs.entry.size, fs.entry.chunkSize)
        // from where we asked, or (a sender that ignores first_offset) the whole chunk
        const asked = want.spooled?.length ?? 0
        const ok = h.fileIndex === fileIndex && h.chunk === want.chunk && ((h.offset === asked && h.length === length - asked) || (h.offset === 0 && h.length === length))
        if (!ok) {
          throw new FerryError('E_PROTOCOL', `sender answered with ${h.length} B of chunk ${h.fileIndex}/${h.chunk} from ${h.offset}, expected ${length - asked} B of ${fileIndex}/${want.chunk} from ${asked}`)
        }
        const start = h.offset
        // room for this chunk among the writes in flight (always for the first)
        while (inFlight.size > 0 && inFlightBytes + length > WRITE_BYTES_IN_FLIGHT) await Promise.race(inFlight)
        const buf = ctx.sink.buffer(fs.entry.chunkSize)
        if (start > 0) buf.set(want.spooled!, 0)
        const slot = reading = ctx.spool.take()
        slot.begin(fileIndex, want.chunk, buf, start)
        await reader.readInto(buf.subarray(start, length), ctx.signal, (n) => { slot.arrived(start + n) })
        ctx.onWire(length - start)
        // the slot reads from buf until settled; the sink may hand buf to a worker
        await slot.settled()
        reading = undefined
        const p: Promise<void> = ctx.sink.write(fs.partPath, offset, buf, length, fs.entry.chunks[want.chunk]).then(
          async () => { await ctx.onChunk(fs, want.chunk, length) },
          (err: FerryError) => {
            if (err.code !== 'E_HASH_MISMATCH') throw err
            // a start kept from before a crash is unverified: if the chunk
            // fails with it, ask for the whole chunk, without counting a strike
            if (start > 0) { ctx.queue.unshift({ file: fileIndex, chunk: want.chunk }); return }
            const key = `${fileIndex}/${want.chunk}`
            const n = (bad.get(key) ?? 0) + 1
            bad.set(key, n)
            if (n >= MAX_BAD_CHUNKS) throw new FerryError('E_HASH_MISMATCH', `chunk ${want.chunk} of ${fs.entry.path} failed verification ${n} times; the sender's file may have changed`)
            ctx.queue.push({ file: fileIndex, chunk: want.chunk }) // ask again
          }
        ).finally(() => { ctx.spool.release(slot); inFlight.delete(p); inFlightBytes -= length })
        p.catch(() => {}) // handled by the Promise.race / Promise.all; never an unhandled rejection
        inFlight.add(p)
        inFlightBytes += length
      }
      // only now: while a batch is read, just one more is outstanding (REQUESTS_AHEAD
      // in all); refilling before reading would keep three in flight per stream
      await requestMore()
    }
    await Promise.all(inFlight)
    await stream.close({ signal: AbortSignal.timeout(5000) }).catch(() => {})
  } catch (err) {
    stream.abort(err as Error)
    // what arrived of the chunk being read stays in its slot, for the next run
    if (reading != null) { await reading.settled(); ctx.spool.release(reading) }
    await Promise.allSettled(inFlight)
    throw err
  }
}
