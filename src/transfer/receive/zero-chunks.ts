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

import { randomBytes } from 'node:crypto'
import { open, rm, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { hash } from '../manifest/blake3.js'
import { HOLES_PROBE_PREFIX } from '../folder/name-probe.ts'
import type { ChunkHashes } from '../../protocol/chunk-hashes.ts'

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
export function isZeroChunk (entry: { size: number, chunkSize: number, chunks: ChunkHashes }, c: number): boolean {
  const length = Math.min(entry.chunkSize, entry.size - c * entry.chunkSize)
  return length === entry.chunkSize && entry.chunks.is(c, zeroHash(length))
}

/** Bytes of an offer's files that are whole chunks of zeros: what a receiver never writes. */
export function zeroBytes (files: ReadonlyArray<{ kind: string, size: number, chunkSize: number, chunks: ChunkHashes }>): number {
  let n = 0
  for (const f of files) {
    if (f.kind !== 'file') continue
    for (let c = 0; c < f.chunks.length; c++) if (isZeroChunk(f, c)) n += f.chunkSize
  }
  return n
}

/**
 * Whether the file system of `dir` keeps a file's unwritten ranges as
 * holes, which cost no space: asked by cutting a probe file to 1 MiB and
 * looking at what it was given. FAT and exFAT have no holes and give a file
 * every byte of its length (exfat-fuse: 2,048 blocks of 512 bytes for the
 * probe), so there the zeros count in the free-space check (user-test
 * finding: a 419 MiB file holding 50 MiB of data was taken on 278 MiB of
 * exFAT and failed with ENOSPC once its bytes had come). Asked at each offer
 * that has zeros to leave out (rare), not remembered: another disk may be
 * mounted there by the next. Where no probe can be made, yes (placing says
 * what is wrong); one that could not be given its 1 MiB, no. A daemon
 * killed in between leaves the probe for the sweep at start (sweepProbes).
 */
export async function keepsHoles (dir: string): Promise<boolean> {
  const probe = join(dir, `${HOLES_PROBE_PREFIX}${randomBytes(6).toString('hex')}`)
  let fh: FileHandle
  try {
    fh = await open(probe, 'wx', 0o600)
  } catch { return true }
  try {
    await fh.truncate(PROBE_BYTES)
    const st = await fh.stat()
    return st.blocks * 512 < PROBE_BYTES / 2
  } catch (err) {
    // a file system that cannot even give the probe 1 MiB keeps no holes (review finding)
    const code = (err as { code?: unknown }).code
    return code !== 'ENOSPC' && code !== 'EFBIG'
  } finally {
    await fh.close().catch(() => {})
    await rm(probe, { force: true }).catch(() => {})
  }
}
const PROBE_BYTES = 1024 * 1024
