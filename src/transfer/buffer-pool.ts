// Chunk buffers of the receive side (256 KiB–16 MiB each), reused from one
// chunk to the next instead of allocated per chunk and left to the GC.

/** Chunk buffers kept for reuse, per chunk size (3 streams × 2 MiB of writes in flight, and the chunks being read). */
const SPARE_BYTES = 16 * 1024 * 1024

/** Spare chunk buffers by size. */
export class BufferPool {
  private readonly spare = new Map<number, Uint8Array[]>()
  private readonly allocate: (size: number) => Uint8Array

  /** @param allocate makes a new buffer when no spare fits (the inline sink's are page-aligned, for O_DIRECT) */
  constructor (allocate: (size: number) => Uint8Array = (size) => new Uint8Array(size)) {
    this.allocate = allocate
  }

  take (size: number): Uint8Array {
    return this.spare.get(size)?.pop() ?? this.allocate(size)
  }

  give (buf: Uint8Array): void {
    const list = this.spare.get(buf.length) ?? []
    // enough spares for every stream's writes in flight, within SPARE_BYTES
    if ((list.length + 1) * buf.length <= SPARE_BYTES) list.push(buf)
    this.spare.set(buf.length, list)
  }
}
