// Chunk buffers of the receive side (256 KiB–16 MiB each), reused from one
// chunk to the next instead of allocated per chunk and left to the GC.
// One budget covers every chunk size, so a daemon that received photos
// (256 KiB chunks) and then a video (1 MiB chunks) does not keep a full set
// of each; and an idle pool lets its spares go, so a daemon between
// transfers holds none.

/** Chunk buffers kept for reuse, all sizes together (3 streams × 2 MiB of writes in flight, and the chunks being read). */
const SPARE_BYTES = 16 * 1024 * 1024

/** Spares are dropped (left to the GC) after this long without a take or give. */
const IDLE_RELEASE_MS = 5000

export class BufferPool {
  private readonly spare = new Map<number, Uint8Array[]>()
  private readonly allocate: (size: number) => Uint8Array
  private spareBytes = 0
  private lastUse = 0
  private idleTimer?: ReturnType<typeof setTimeout>

  /** @param allocate makes a new buffer when no spare fits (the inline sink's are page-aligned, for O_DIRECT) */
  constructor (allocate: (size: number) => Uint8Array = (size) => new Uint8Array(size)) {
    this.allocate = allocate
  }

  /** Bytes held as spares right now. */
  get bytes (): number { return this.spareBytes }

  take (size: number): Uint8Array {
    this.touch()
    const buf = this.spare.get(size)?.pop()
    if (buf === undefined) return this.allocate(size)
    this.spareBytes -= buf.length
    return buf
  }

  give (buf: Uint8Array): void {
    this.touch()
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

  /** Drop every spare. */
  clear (): void {
    this.spare.clear()
    this.spareBytes = 0
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

  private touch (): void {
    this.lastUse = Date.now()
    if (this.idleTimer === undefined) this.armIdleRelease(IDLE_RELEASE_MS)
  }

  /** One timer at a time, re-armed for the rest of the idle period, instead of one per take/give. */
  private armIdleRelease (ms: number): void {
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined
      const idle = Date.now() - this.lastUse
      if (idle >= IDLE_RELEASE_MS) this.clear()
      else this.armIdleRelease(IDLE_RELEASE_MS - idle)
    }, ms)
    this.idleTimer.unref()
  }
}
