// Pulling missing chunks from the sender over several parallel
// /ferry/chunks streams. Each stream asks for a batch of chunks of one file
// and reads header + raw bytes for each, straight into a buffer that goes to
// the sink (verify, then write). A chunk that fails verification is never
// written; it is asked for again a few times, then the transfer fails.

import type { Stream } from '@libp2p/interface'
import { FerryError } from '../errors.ts'
import { CHUNK_REQUEST_MAX, FrameReader, encodeChunkRequest, readChunkHeader, sendAll } from '../protocol/transfer.ts'
import { chunkRange } from './chunking.ts'
import type { FileState } from './receive-plan.ts'
import type { ChunkSink } from './sink.ts'

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
  queue: Array<{ file: number, chunk: number }>
  sink: ChunkSink
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

function takeBatch (ctx: FetchContext): Array<{ file: number, chunk: number }> {
  const first = ctx.queue.shift()
  if (first == null) return []
  const batch = [first]
  const f = ctx.files[first.file].entry
  let bytes = Math.min(f.chunkSize, f.size)
  while (batch.length < CHUNK_REQUEST_MAX && bytes < BATCH_BYTES && ctx.queue[0]?.file === first.file) {
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
  // requests run one batch ahead: the sender starts reading the next batch
  // while we still receive this one, so the pipe never drains between batches
  const requested: Array<Array<{ file: number, chunk: number }>> = []
  const requestMore = async (): Promise<void> => {
    while (requested.length < REQUESTS_AHEAD && !ctx.signal.aborted) {
      const batch = takeBatch(ctx)
      if (batch.length === 0) return
      await sendAll(stream, encodeChunkRequest({ transferId: ctx.transferId, fileIndex: batch[0].file, chunks: batch.map((b) => b.chunk) }), ctx.signal)
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
        if (h.fileIndex !== fileIndex || h.chunk !== want.chunk || h.length !== length) {
          throw new FerryError('E_PROTOCOL', `sender answered with chunk ${h.fileIndex}/${h.chunk} (${h.length} B), expected ${fileIndex}/${want.chunk} (${length} B)`)
        }
        // room for this chunk among the writes in flight (always for the first)
        while (inFlight.size > 0 && inFlightBytes + length > WRITE_BYTES_IN_FLIGHT) await Promise.race(inFlight)
        const buf = ctx.sink.buffer(fs.entry.chunkSize)
        await reader.readInto(buf.subarray(0, length), ctx.signal)
        ctx.onWire(length)
        const p: Promise<void> = ctx.sink.write(fs.partPath, offset, buf, length, fs.entry.chunks[want.chunk]).then(
          async () => { await ctx.onChunk(fs, want.chunk, length) },
          (err: FerryError) => {
            if (err.code !== 'E_HASH_MISMATCH') throw err
            const key = `${fileIndex}/${want.chunk}`
            const n = (bad.get(key) ?? 0) + 1
            bad.set(key, n)
            if (n >= MAX_BAD_CHUNKS) throw new FerryError('E_HASH_MISMATCH', `chunk ${want.chunk} of ${fs.entry.path} failed verification ${n} times; the sender's file may have changed`)
            ctx.queue.push(want) // ask again
          }
        ).finally(() => { inFlight.delete(p); inFlightBytes -= length })
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
    await Promise.allSettled(inFlight)
    throw err
  }
}
