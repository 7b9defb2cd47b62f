// A file's chunk hashes as one packed buffer, the way they travel in an offer
// (FileEntry.chunk_hashes: 32-byte BLAKE3 digests, concatenated).
//
// Why not an array of 32-byte views, as before 2026-12-07: each view is an
// object of its own, ~107 B of heap beside the 32 B it shows. A
// maximum-size offer (62 MB, 1.95 million hashes) decoded into 208 MB of
// them before anything was checked (fuzzing finding: the daemon at ~500 MiB),
// and an honest send of 4 TiB holds as many on both sides for its whole life.
// Here a file's hashes cost their bytes and one object; `at` makes a view
// when one is asked for, young garbage that goes at once.

/** Length in bytes of every hash in a manifest (BLAKE3, default output). */
const HASH = 32

export class ChunkHashes {
  /** A folder's or an empty file's: no chunks. */
  static readonly NONE = new ChunkHashes(new Uint8Array(0))

  /** The digests, chunk 0 first, HASH bytes each. */
  readonly bytes: Uint8Array

  constructor (bytes: Uint8Array) {
    if (bytes.length % HASH !== 0) throw new RangeError(`chunk hashes of ${bytes.length} bytes, not a multiple of ${HASH}`)
    this.bytes = bytes
  }

  /** Hashes given one by one, copied into one buffer. */
  static of (list: readonly Uint8Array[]): ChunkHashes {
    if (list.length === 0) return ChunkHashes.NONE
    const bytes = new Uint8Array(list.length * HASH)
    list.forEach((h, i) => {
      if (h.length !== HASH) throw new RangeError(`chunk hash ${i} has ${h.length} bytes, not ${HASH}`)
      bytes.set(h, i * HASH)
    })
    return new ChunkHashes(bytes)
  }

  /** `n` hashes of zeros, to be set one by one (`set`) as they become known. */
  static zeroed (n: number): ChunkHashes {
    return n === 0 ? ChunkHashes.NONE : new ChunkHashes(new Uint8Array(n * HASH))
  }

  get length (): number { return this.bytes.length / HASH }

  /** Chunk `i`'s hash, a view of these bytes (a change to them is a change here). */
  at (i: number): Uint8Array {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new RangeError(`chunk ${i} of ${this.length}`)
    return this.bytes.subarray(i * HASH, (i + 1) * HASH)
  }

  /** Whether chunk `i`'s hash is `hash`, byte for byte. */
  is (i: number, hash: Uint8Array): boolean {
    return hash.length === HASH && Buffer.compare(this.at(i), hash) === 0
  }

  /** Chunk `i`'s hash becomes `hash` (copied). */
  set (i: number, hash: Uint8Array): void {
    if (hash.length !== HASH) throw new RangeError(`chunk hash of ${hash.length} bytes, not ${HASH}`)
    this.at(i).set(hash)
  }

  * [Symbol.iterator] (): Generator<Uint8Array> {
    for (let i = 0; i < this.length; i++) yield this.at(i)
  }
}
