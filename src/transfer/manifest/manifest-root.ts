// Root hashes of a manifest, and the receiver's check of a received one.
//
// Owns: the exact byte encodings hashed into a file root and a transfer root
// (the commitment a receipt signs), and verifyManifest. Pure, no I/O.
// Must never: change an encoding without bumping its tag (v1 → v2): peers and
// signed receipts depend on every byte below.
//
// Encoding (all integers unsigned big-endian unless said; BLAKE3 = default
// 32-byte output; `||` = concatenation):
//   tag(s)   = u8(byte length of s) || ASCII(s)
//   fileRoot = BLAKE3( tag("ferry/file-root/v1")
//                      || u64(size) || u32(chunkSize) || u32(n)
//                      || chunk[0] || … || chunk[n-1] )        each chunk[i] 32 bytes
//     n = ceil(size / chunkSize). A directory has size 0, chunkSize 0, n = 0.
//   entry(e) = u32(byte length of P) || P                      P = UTF-8 of e.path
//              || u8(kind: 0 = file, 1 = dir)
//              || u64(size)
//              || i64(mtimeMs, two's complement; whole milliseconds since 1970)
//              || u32(mode: the permission bits, 0 to 0o777)
//              || fileRoot(e)                                   32 bytes
//   transferRoot = BLAKE3( tag("ferry/transfer-root/v1") || u32(m)
//                          || for each of the m entries, in manifest order:
//                             u32(byte length of entry(e)) || entry(e) )
// The tags differ, so a file-root preimage is never a transfer-root preimage;
// every variable-length field is length-prefixed, so an encoding is unique.
// chunkSize and chunk hashes are covered through fileRoot; sourcePath never is.

import { createHasher, hash } from './blake3.js'
import { FerryError } from '../../errors.ts'
import type { ChunkHashes } from '../../protocol/chunk-hashes.ts'
import { HASH_LENGTH, MAX_CHUNK_SIZE, chunkCount, isValidChunkSize } from './chunking.ts'
import type { FileEntry, Manifest } from './manifest.ts'
import { validateRelativePath } from '../folder/safe-path.ts'

export const FILE_ROOT_TAG = 'ferry/file-root/v1'
export const TRANSFER_ROOT_TAG = 'ferry/transfer-root/v1'
export const MODE_EXECUTABLE = 0o755
export const MODE_REGULAR = 0o644
/** The permission bits an entry's mode may carry: no setuid, setgid or sticky bit crosses. */
export const MODE_PERMISSIONS = 0o777

const encoder = new TextEncoder()

function tag (s: string): Uint8Array {
  const b = encoder.encode(s)
  return Uint8Array.of(b.length, ...b)
}

const FILE_TAG = tag(FILE_ROOT_TAG)
const TRANSFER_TAG = tag(TRANSFER_ROOT_TAG)

function malformed (message: string): FerryError {
  return new FerryError('E_PROTOCOL', `malformed manifest: ${message}`)
}

function checkU (name: string, v: number, max: number): void {
  if (!Number.isSafeInteger(v) || v < 0 || v > max) throw malformed(`${name} ${v} is out of range`)
}

/** Hash lists longer than this (128 KiB) are hashed in place by a streaming hasher, where there is one. */
const STREAM_ROOT_CHUNKS = 4096
let reusedHasher: ReturnType<typeof createHasher> | null = null
/** One streaming hasher for this thread, made when first needed; undefined where only blake3-jit loads (blake3.js). */
function rootHasher (): ReturnType<typeof createHasher> {
  if (reusedHasher === null) reusedHasher = createHasher()
  return reusedHasher
}

export function computeFileRoot (size: number, chunkSize: number, chunks: ChunkHashes): Uint8Array {
  checkU('size', size, Number.MAX_SAFE_INTEGER)
  checkU('chunk size', chunkSize, MAX_CHUNK_SIZE)
  const n = chunkSize === 0 ? 0 : chunkCount(size, chunkSize)
  if (chunkSize === 0 && size !== 0) throw malformed('chunk size 0 with a non-empty size')
  if (chunks.length !== n) throw malformed(`${chunks.length} chunk hashes for ${n} chunks`)
  const head = new Uint8Array(FILE_TAG.length + 16)
  head.set(FILE_TAG, 0)
  const view = new DataView(head.buffer, FILE_TAG.length, 16)
  view.setBigUint64(0, BigInt(size))
  view.setUint32(8, chunkSize)
  view.setUint32(12, n)
  // a long hash list is hashed where it is, not copied: a maximum-size
  // offer's 62 MB of hashes took as much again in copies, garbage that
  // waited for a full collection
  const streaming = n > STREAM_ROOT_CHUNKS ? rootHasher() : undefined
  if (streaming !== undefined) {
    streaming.reset()
    streaming.update(head)
    streaming.update(chunks.bytes)
    return streaming.digest()
  }
  // the whole preimage in one buffer, hashed in one call: a streaming hasher
  // per file (blake3-jit's) cost ~20 µs of set-up each, ~20 ms per 1,000
  // files on each side, against ~5 µs for this
  const pre = new Uint8Array(head.length + n * HASH_LENGTH)
  pre.set(head, 0)
  pre.set(chunks.bytes, head.length)
  return hash(pre)
}

type RootFields = Pick<FileEntry, 'path' | 'kind' | 'size' | 'mtimeMs' | 'mode' | 'fileRoot'>

function encodeEntry (e: RootFields): Uint8Array {
  const path = encoder.encode(e.path)
  checkU('size', e.size, Number.MAX_SAFE_INTEGER)
  checkU('mode', e.mode, 0xffffffff)
  if (!Number.isSafeInteger(e.mtimeMs)) throw malformed(`mtime ${e.mtimeMs} is not a whole number of milliseconds`)
  if (e.kind !== 'file' && e.kind !== 'dir') throw malformed(`unknown kind ${String(e.kind)}`)
  if (e.fileRoot.length !== HASH_LENGTH) throw malformed(`file root of ${e.path} is ${e.fileRoot.length} bytes`)
  const out = new Uint8Array(4 + path.length + 1 + 8 + 8 + 4 + HASH_LENGTH)
  const v = new DataView(out.buffer)
  let o = 0
  v.setUint32(o, path.length); o += 4
  out.set(path, o); o += path.length
  v.setUint8(o, e.kind === 'file' ? 0 : 1); o += 1
  v.setBigUint64(o, BigInt(e.size)); o += 8
  v.setBigInt64(o, BigInt(e.mtimeMs)); o += 8
  v.setUint32(o, e.mode); o += 4
  out.set(e.fileRoot, o)
  return out
}

export function computeTransferRoot (files: readonly RootFields[]): Uint8Array {
  const entries = files.map(encodeEntry)
  const pre = new Uint8Array(TRANSFER_TAG.length + 4 + entries.reduce((n, e) => n + 4 + e.length, 0))
  const v = new DataView(pre.buffer)
  pre.set(TRANSFER_TAG, 0)
  let o = TRANSFER_TAG.length
  v.setUint32(o, files.length); o += 4
  for (const e of entries) {
    v.setUint32(o, e.length); o += 4
    pre.set(e, o); o += e.length
  }
  return hash(pre)
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/**
 * The receiver's check of a decoded manifest: safe, unique, non-conflicting
 * paths (no entry below a file entry); well-formed entries (file chunk size a
 * power of two in 256 KiB–16 MiB, modes within 0o777, directories empty);
 * every fileRoot and the root recomputed; totalBytes the sum of file sizes.
 * Throws E_PATH_UNSAFE, E_PROTOCOL, or E_HASH_MISMATCH.
 */
export function verifyManifest (m: Manifest): void {
  const kinds = new Map<string, FileEntry['kind']>()
  let total = 0
  for (const f of m.files) {
    validateRelativePath(f.path)
    if (kinds.has(f.path)) throw malformed(`${JSON.stringify(f.path)} appears twice`)
    kinds.set(f.path, f.kind)
    if ((f.mode & ~MODE_PERMISSIONS) !== 0) throw malformed(`mode ${f.mode.toString(8)} of ${JSON.stringify(f.path)}`)
    if (f.kind === 'dir' && (f.size !== 0 || f.chunkSize !== 0)) throw malformed(`directory ${JSON.stringify(f.path)} has a size`)
    if (f.kind === 'file' && !isValidChunkSize(f.chunkSize)) throw malformed(`chunk size ${f.chunkSize} of ${JSON.stringify(f.path)}`)
    if (!equal(computeFileRoot(f.size, f.chunkSize, f.chunks), f.fileRoot)) {
      throw new FerryError('E_HASH_MISMATCH', `file root of ${JSON.stringify(f.path)} does not match its chunk hashes`)
    }
    if (f.kind === 'file') total += f.size
  }
  for (const path of kinds.keys()) {
    for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
      if (kinds.get(path.slice(0, i)) === 'file') throw malformed(`${JSON.stringify(path)} is below the file ${JSON.stringify(path.slice(0, i))}`)
    }
  }
  if (!Number.isSafeInteger(total) || total !== m.totalBytes) throw malformed(`totalBytes ${m.totalBytes} is not the sum of file sizes ${total}`)
  if (!equal(computeTransferRoot(m.files), m.root)) throw new FerryError('E_HASH_MISMATCH', 'transfer root does not match the manifest entries')
}
