// A fixed-size bit set of verified chunks per file (persisted as bytes).

export class Bitmap {
  readonly bytes: Uint8Array
  readonly size: number
  private count = 0

  constructor (size: number, bytes?: Uint8Array) {
    this.size = size
    this.bytes = new Uint8Array(Math.ceil(size / 8))
    if (bytes != null && bytes.length === this.bytes.length) {
      this.bytes.set(bytes)
      for (let i = 0; i < size; i++) if (this.has(i)) this.count++
    }
  }

  has (i: number): boolean { return (this.bytes[i >> 3] & (1 << (i & 7))) !== 0 }

  set (i: number): void {
    if (this.has(i)) return
    this.bytes[i >> 3] |= 1 << (i & 7)
    this.count++
  }

  unset (i: number): void {
    if (!this.has(i)) return
    this.bytes[i >> 3] &= ~(1 << (i & 7))
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
