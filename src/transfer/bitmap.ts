// A fixed-size bit set of verified chunks per file (persisted as bytes).

/**
 * Bit sets of up to this many bits keep them in a number, not in a
 * Uint8Array: a receive holds one per file, and most files are one chunk. A
 * Uint8Array of one byte costs ~220 B of heap (the view, its ArrayBuffer,
 * its bytes), more than the rest of the bit set; 30,000 files of 1 KiB held
 * 6.5 MB of them through their fetch (heap snapshot).
 */
const SMALL_BITS = 32

export class Bitmap {
  readonly size: number
  private count = 0
  /** the bits of a set of SMALL_BITS or fewer (bit i of byte b at 8b + i), else 0 */
  private small = 0
  /** the bytes of a larger set, else undefined */
  private readonly large: Uint8Array | undefined

  constructor (size: number, bytes?: Uint8Array) {
    this.size = size
    this.large = size > SMALL_BITS ? new Uint8Array(Math.ceil(size / 8)) : undefined
    if (bytes != null && bytes.length === Math.ceil(size / 8)) {
      if (this.large !== undefined) this.large.set(bytes)
      else for (let b = 0; b < bytes.length; b++) this.small |= bytes[b] << (8 * b)
      for (let i = 0; i < size; i++) if (this.has(i)) this.count++
    }
  }

  /**
   * The bits as bytes (ceil(size / 8) of them), bits past `size` as they were
   * given. A small set's are a copy: a change to them does not change it.
   */
  get bytes (): Uint8Array {
    if (this.large !== undefined) return this.large
    const out = new Uint8Array(Math.ceil(this.size / 8))
    for (let b = 0; b < out.length; b++) out[b] = this.small >>> (8 * b)
    return out
  }

  has (i: number): boolean {
    if (this.large !== undefined) return (this.large[i >> 3] & (1 << (i & 7))) !== 0
    // a shift counts modulo 32: a bit past the set's bytes is not set
    return i >= 0 && i < 8 * Math.ceil(this.size / 8) && ((this.small >>> i) & 1) !== 0
  }

  set (i: number): void {
    if (this.has(i)) return
    if (this.large !== undefined) this.large[i >> 3] |= 1 << (i & 7)
    else if (i >= 0 && i < 8 * Math.ceil(this.size / 8)) this.small |= 1 << i
    this.count++
  }

  unset (i: number): void {
    if (!this.has(i)) return
    if (this.large !== undefined) this.large[i >> 3] &= ~(1 << (i & 7))
    else this.small &= ~(1 << i)
    this.count--
  }

  get done (): number { return this.count }
  get complete (): boolean { return this.count === this.size }
}

/** Bits set in a bit set given as bytes (its bits past `size` included). */
export function popcount (bytes: Uint8Array): number {
  let n = 0
  for (let b of bytes) for (; b !== 0; b &= b - 1) n++
  return n
}
