// Chunk buffers of the receive side (256 KiB–16 MiB each), reused from one
// chunk to the next instead of allocated per chunk and left to the GC.
// One budget covers every chunk size, so a receive of photos (256 KiB
// chunks) and a video (1 MiB chunks) does not keep a full set of each.
// Between transfers the daemon drops the whole sink, pool included
// (SINK_IDLE_MS in receives.ts).

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
