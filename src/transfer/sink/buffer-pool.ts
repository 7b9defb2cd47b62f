// Chunk buffers of the receive side (256 KiB to 16 MiB each: chunkBufferSize),
// reused from one chunk to the next instead of allocated per chunk and left
// to the GC. One budget covers every size, so a receive of small photos
// (buffers of 512 KiB) and a video (1 MiB) does not keep a full set of each.
// Between transfers the daemon drops the whole sink, pool included
// (SINK_IDLE_MS in receives.ts).

import { MIN_CHUNK_SIZE } from '../manifest/chunking.ts'

/** The smallest chunk buffer: the smallest chunk a receiver takes, 256 KiB. */
const MIN_BUFFER_BYTES = MIN_CHUNK_SIZE

/**
 * The size of buffer a chunk of `length` bytes is read into: the next power
 * of two, so that chunks of many lengths (the one chunk of each photo, the
 * last of each file) share a few sizes of spare buffers, and a 300 KB photo
 * in a 1 MiB chunk holds 512 KiB, not 1 MiB (budget and memory alike). Never
 * less than MIN_BUFFER_BYTES: the daemon's chunk budget (chunk-budget.ts),
 * counted in these sizes, is also what bounds the chunks of small files in
 * flight (96 per peer), as it did when their chunk size was 256 KiB;
 * buffers of a page each would let a camera roll of 4 KiB files have
 * thousands in flight. Never more than the chunk size, a power of two.
 */
export function chunkBufferSize (length: number): number {
  let size = MIN_BUFFER_BYTES
  while (size < length) size *= 2
  return size
}

/** Chunk buffers kept for reuse, all sizes together (3 streams × 2 MiB of writes in flight, and the chunks being read). */
const SPARE_BYTES = 16 * 1024 * 1024

export class BufferPool {
  private readonly spare = new Map<number, Uint8Array[]>()
  private readonly allocate: (size: number) => Uint8Array
  private spareBytes = 0

  /** @param allocate makes a new buffer when no spare fits (the inline sink's are page-aligned, for O_DIRECT) */
  constructor (allocate: (size: number) => Uint8Array = (size) => new Uint8Array(size)) {
    this.allocate = allocate
  }

  /** Bytes held as spares right now. */
  get bytes (): number { return this.spareBytes }

  take (size: number): Uint8Array {
    const buf = this.spare.get(size)?.pop()
    if (buf === undefined) return this.allocate(size)
    this.spareBytes -= buf.length
    return buf
  }

  give (buf: Uint8Array): void {
    if (buf.length > SPARE_BYTES) return
    // the size in use now displaces spares of other sizes, never the reverse
    while (this.spareBytes + buf.length > SPARE_BYTES) {
      if (!this.evictOtherThan(buf.length)) return
    }
    const list = this.spare.get(buf.length) ?? []
    list.push(buf)
    this.spare.set(buf.length, list)
    this.spareBytes += buf.length
  }

  private evictOtherThan (size: number): boolean {
    for (const [s, list] of this.spare) {
      if (s === size || list.length === 0) continue
      list.pop()
      this.spareBytes -= s
      return true
    }
    return false
  }
}
