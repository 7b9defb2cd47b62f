// Chunks of zeros: the holes of sparse files (disk images, databases,
// preallocated videos). A receiver neither fetches nor writes them: a part
// file reads zeros wherever nothing was written, so the file is placed
// sparse, and the free-space check does not count them (user-test finding:
// a 2 GiB sparse file of a few KiB took 2 GiB on the receiver, and a 1 GiB
// disk image holding 4 KiB was refused on a 300 MiB disk).
//
// Only whole chunks (a file's chunk size long) are looked at: their hash is
// one of a few (one per chunk size), computed once. A file's last, shorter
// chunk is fetched and written as any other.

import { hash } from './blake3.js'

const zeroHashes = new Map<number, Buffer>()

/** BLAKE3 of `length` zero bytes, computed once per length (a few ms for 2 MiB). */
function zeroHash (length: number): Buffer {
  let h = zeroHashes.get(length)
  if (h === undefined) {
    h = Buffer.from(hash(new Uint8Array(length)))
    zeroHashes.set(length, h)
  }
  return h
}

/** Whether chunk `c` of `entry` is a whole chunk of zeros, by its hash in the (verified) manifest. */
export function isZeroChunk (entry: { size: number, chunkSize: number, chunks: Uint8Array[] }, c: number): boolean {
  const length = Math.min(entry.chunkSize, entry.size - c * entry.chunkSize)
  return length === entry.chunkSize && Buffer.compare(entry.chunks[c], zeroHash(length)) === 0
}

/** Bytes of an offer's files that are whole chunks of zeros: what a receiver never writes. */
export function zeroBytes (files: ReadonlyArray<{ kind: string, size: number, chunkSize: number, chunks: Uint8Array[] }>): number {
  let n = 0
  for (const f of files) {
    if (f.kind !== 'file') continue
    for (let c = 0; c < f.chunks.length; c++) if (isZeroChunk(f, c)) n += f.chunkSize
  }
  return n
}
