// Chunk geometry: how a file of a given size is cut into chunks.
//
// Owns: the chunk-size rule and the index ↔ byte-range arithmetic. Pure
// functions, no I/O. Must never depend on anything but the size it is given:
// sender and receiver run the same rule and must agree bit for bit.
//
// Chunk-size rule (same idea as Syncthing's block size, with 2,000 chunks):
//   chunkSizeFor(size) = the smallest power of two c with
//     RULE_MIN_CHUNK_SIZE (1 MiB) <= c <= RULE_MAX_CHUNK_SIZE (2 MiB)
//   such that size <= TARGET_CHUNKS_PER_FILE (2,000) × c, i.e. the file has at
//   most 2,000 chunks; when even 2 MiB chunks give more than 2,000 (files
//   over 2,000 × 2 MiB = 4,000 MiB ≈ 3.9 GiB) the size is 2 MiB and the count
//   grows (512 chunks, 16 KiB of hashes, per further GiB: a 100 GiB video has
//   a 1.6 MB manifest).
//   So: size <= 2,000 MiB → 1 MiB, larger → 2 MiB. The threshold is
//   inclusive: exactly 2,000 MiB (2,097,152,000 bytes) is 2,000 chunks of
//   1 MiB, one byte more is 1,001 chunks of 2 MiB.
//   Why not smaller (the rule started at 256 KiB until 2026-12-07): each
//   chunk costs both sides a fixed ~120–150 µs of CPU (its request share,
//   header, buffer, spool slot, verify, write and record), whatever its
//   length. The bench's 1,000 photos (256 KiB–4 MiB, 2,679 chunks of 256 KiB)
//   in 1 MiB chunks, 3 interleaved lab pairs: 2.55–2.70 s against
//   2.74–2.82 s, the receiver's CPU 2.16–2.22 s against 2.34–2.45, the
//   sender's 1.85–1.93 against 1.93–1.99 (docs/PERFORMANCE.md, "Per chunk,
//   on the photo set").
//   The price: a changed byte costs its whole chunk on a re-send (dedup and
//   resume are per chunk; resume keeps partial chunks in the spool anyway),
//   which for photos and videos, rewritten whole when edited, changes little.
//   Why stop at 2 MiB: the receiver holds whole chunks in memory until they
//   are verified (one being read and one being written per stream), so peak
//   RSS grows with the chunk size: a 10 GiB send with 8 MiB chunks peaked at
//   298 MB on the receiver; in the lab, 10 GiB with 4 MiB chunks peaked at
//   154–164 MiB (4 runs), with 2 MiB at 143–148 MiB (3 runs), no slower.
//   The price: an offer holds at most MAX_OFFER_BYTES of hashes, ~2 million
//   chunks, so one send carries at most ~4 TiB (offerBytesBound checks it
//   before hashing). Receivers accept any power of two from MIN_CHUNK_SIZE
//   (256 KiB) up to MAX_CHUNK_SIZE (16 MiB), the protocol's limit, so the
//   rule can change without breaking peers. A file received under another
//   rule is recognised by its bytes, read again in the offer's chunks
//   (receive-plan.ts, holds); the sender's hash cache, keyed by chunk size,
//   hashes it again.
// Chunk i covers bytes [i × chunkSize, min((i + 1) × chunkSize, size)); every
// chunk is full except the last. A 0-byte file has 0 chunks.

import { FerryError } from '../../errors.ts'

/** The smallest chunk a receiver accepts (the protocol's; older senders' rule started there). */
export const MIN_CHUNK_SIZE = 256 * 1024
/** The smallest chunk the rule picks. */
export const RULE_MIN_CHUNK_SIZE = 1024 * 1024
/** The largest chunk a receiver accepts (protocol limit, constants.ts MAX_CHUNK_BYTES). */
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024
/** The largest chunk the rule picks. */
export const RULE_MAX_CHUNK_SIZE = 2 * 1024 * 1024
/** Files up to TARGET_CHUNKS_PER_FILE × RULE_MAX_CHUNK_SIZE bytes have at most this many chunks. */
export const TARGET_CHUNKS_PER_FILE = 2000
/** Length in bytes of every hash in a manifest (BLAKE3, default output). */
export const HASH_LENGTH = 32

export interface ChunkRange {
  offset: number
  length: number
}

function checkSize (size: number): void {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new FerryError('E_BAD_REQUEST', `file size ${size} is not a non-negative safe integer`)
  }
}

function checkChunkSize (chunkSize: number): void {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) {
    throw new FerryError('E_BAD_REQUEST', `chunk size ${chunkSize} is not an integer between 1 and ${MAX_CHUNK_SIZE}`)
  }
}

/** The chunk size the rule above picks for a file of `fileSize` bytes. */
export function chunkSizeFor (fileSize: number): number {
  checkSize(fileSize)
  let c = RULE_MIN_CHUNK_SIZE
  while (c < RULE_MAX_CHUNK_SIZE && fileSize > TARGET_CHUNKS_PER_FILE * c) c *= 2
  return c
}

/** True when a receiver accepts `chunkSize`: a power of two in [256 KiB, MAX_CHUNK_SIZE = 16 MiB] (the rule picks at most 2 MiB). */
export function isValidChunkSize (chunkSize: number): boolean {
  return Number.isSafeInteger(chunkSize) && chunkSize >= MIN_CHUNK_SIZE &&
    chunkSize <= MAX_CHUNK_SIZE && (chunkSize & (chunkSize - 1)) === 0
}

/** Number of chunks of a file of `size` bytes; 0 for an empty file. */
export function chunkCount (size: number, chunkSize: number): number {
  checkSize(size)
  checkChunkSize(chunkSize)
  return Math.ceil(size / chunkSize)
}

/** Byte range of chunk `index`; throws E_BAD_REQUEST when the file has no such chunk. */
export function chunkRange (index: number, size: number, chunkSize: number): ChunkRange {
  const count = chunkCount(size, chunkSize)
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new FerryError('E_BAD_REQUEST', `chunk ${index} out of range: the file has ${count} chunks`)
  }
  const offset = index * chunkSize
  return { offset, length: Math.min(chunkSize, size - offset) }
}
