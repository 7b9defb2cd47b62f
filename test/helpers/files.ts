// Test helper for transfer tests: write test files (random, large ones
// quickly), digest them (SHA-256 and BLAKE3 of the bytes), and snapshot a
// folder tree (kinds, sizes, contents, mtimes, exec bit) for comparing what
// was sent with what arrived.

import { createCipheriv, createHash, randomBytes } from 'node:crypto'
import { lstat, open, readdir, readFile } from 'node:fs/promises'
import { readdirSync, readlinkSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { blake3 } from '../../src/transfer/index.ts'
import { floorMs } from '../../src/transfer/manifest/manifest.ts'

const MiB = 1024 * 1024

/**
 * A file of `size` pseudo-random bytes (AES-128-CTR keystream from a random
 * key: no two 256 KiB chunks repeat, within the file or across files), written
 * in 1 MiB blocks. Much faster than crypto.randomBytes for hundreds of MiB.
 */
export async function writeRandomFile (path: string, size: number): Promise<void> {
  const cipher = createCipheriv('aes-128-ctr', randomBytes(16), randomBytes(16))
  const zeros = Buffer.alloc(MiB)
  const fh = await open(path, 'w')
  try {
    for (let done = 0; done < size;) {
      const n = Math.min(MiB, size - done)
      const block = cipher.update(n === MiB ? zeros : zeros.subarray(0, n))
      await fh.write(block, 0, block.length)
      done += block.length
    }
  } finally { await fh.close() }
}

/**
 * Whether two files hold the same bytes: their sizes, then both read side by
 * side in 8 MiB blocks and compared. It finds any difference, as equal
 * digests would, without the cost of hashing both: ~2 s per 300 MiB pair
 * for digestFile, seconds per GiB for SHA-256 (big files in transfer tests).
 */
export async function sameBytes (a: string, b: string): Promise<boolean> {
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')])
  try {
    const [sa, sb] = await Promise.all([fa.stat(), fb.stat()])
    if (sa.size !== sb.size) return false
    const [ba, bb] = [Buffer.allocUnsafe(8 * MiB), Buffer.allocUnsafe(8 * MiB)]
    for (let at = 0; at < sa.size;) {
      const [ra, rb] = await Promise.all([fa.read(ba, 0, ba.length, at), fb.read(bb, 0, bb.length, at)])
      // a short read (never seen on a regular file) counts as a difference: never a false "same"
      if (ra.bytesRead === 0 || ra.bytesRead !== rb.bytesRead) return false
      if (!ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false
      at += ra.bytesRead
    }
    return true
  } finally { await Promise.all([fa.close(), fb.close()]) }
}

export interface Digest { size: number, sha256: string, blake3: string }

/** SHA-256 and BLAKE3 of a file's bytes (read whole: fine up to a few hundred MiB). */
export async function digestFile (path: string): Promise<Digest> {
  const data = await readFile(path)
  return digestBytes(data)
}

export function digestBytes (data: Uint8Array): Digest {
  return {
    size: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    blake3: Buffer.from(blake3(data)).toString('hex')
  }
}

export interface TreeEntry {
  kind: 'file' | 'dir' | 'symlink' | 'other'
  size?: number
  /** whole milliseconds */
  mtimeMs?: number
  executable?: boolean
  sha256?: string
  blake3?: string
}

/**
 * Every entry under `dir` (recursively, symlinks not followed), keyed by its
 * '/'-separated relative path. Files carry size, mtime (ms), exec bit and
 * digests; folders only their kind (their mtimes change as files land).
 */
export async function snapshotTree (dir: string, skip: (rel: string) => boolean = () => false): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>()
  async function walk (abs: string, rel: string): Promise<void> {
    for (const name of (await readdir(abs)).sort()) {
      const childRel = rel === '' ? name : `${rel}/${name}`
      if (skip(childRel)) continue
      const childAbs = join(abs, name)
      const st = await lstat(childAbs, { bigint: true })
      if (st.isSymbolicLink()) { out.set(childRel, { kind: 'symlink' }); continue }
      if (st.isDirectory()) { out.set(childRel, { kind: 'dir' }); await walk(childAbs, childRel); continue }
      if (!st.isFile()) { out.set(childRel, { kind: 'other' }); continue }
      const d = await digestFile(childAbs)
      // whole ms of the exact time: Math.floor(mtimeMs) rounds .999999999 s up first
      out.set(childRel, { kind: 'file', size: Number(st.size), mtimeMs: floorMs(st.mtimeNs), executable: (Number(st.mode) & 0o111) !== 0, sha256: d.sha256, blake3: d.blake3 })
    }
  }
  await walk(dir, '')
  return out
}

/** Entries of a snapshot as a plain object (sorted), for readable toEqual diffs. */
export function asObject (tree: Map<string, TreeEntry>): Record<string, TreeEntry> {
  return Object.fromEntries([...tree.entries()].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
}

/** Descriptors this process (every thread) has open on `path`. */
export function descriptorsOf (path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`) === path } catch { return false } }).length
}

/**
 * `chattr +i`: an immutable file or folder refuses writing and new entries,
 * also to root (ext4 and most disk file systems; not tmpfs). False where it
 * cannot be set: a test then skips what needs it.
 */
export function chattr (flag: '+i' | '-i', path: string): boolean {
  return spawnSync('chattr', [flag, path], { stdio: 'ignore' }).status === 0
}

/** Write `count` chunks of 1 MiB into `part` through `sink`, chunk `i` being `chunk(i)` (verified by its hash, as received chunks are). */
export async function writeMiBChunks (sink: { buffer: (n: number) => Promise<Uint8Array>, write: (path: string, offset: number, data: Uint8Array, length: number, expected: Uint8Array) => Promise<void> }, part: string, count: number, chunk: (i: number) => Uint8Array): Promise<void> {
  const MiB = 1024 * 1024
  for (let i = 0; i < count; i++) {
    const b = await sink.buffer(MiB)
    b.set(chunk(i))
    await sink.write(part, i * MiB, b, MiB, blake3(b.subarray(0, MiB)))
  }
}
