// Free-space check before a receive starts: refuse up front with E_NO_SPACE
// rather than fail half way (a full disk mid-transfer is still handled: the
// write fails with E_NO_SPACE, the part files stay for a later re-send).

import { statfs } from 'node:fs/promises'
import { FerryError } from '../../errors.ts'

/**
 * Free space kept on top of what an offer needs, so the disk is never filled
 * to the last byte: 64 MiB, or 1 % of a smaller file system (a 64 MiB margin
 * would refuse even an empty file on a 20 MB card). The spool comes on top
 * (SpaceNeed.spool): on a small disk 1 % did not cover it, and a file that
 * passed this check failed half way with ENOSPC (review finding).
 */
export const SPACE_MARGIN = 64 * 1024 * 1024

export function marginFor (fileSystemBytes: number): number {
  return Math.min(SPACE_MARGIN, Math.floor(fileSystemBytes / 100))
}

/** What an offer needs on this disk: its bytes less what the receiver holds of them already, plus what accepted receives still need. */
export interface SpaceNeed {
  total: number
  /** files already at their destination with the same content (skipped by the plan) */
  inPlace?: number
  /** the part folder of the same content, kept from an earlier attempt */
  held?: number
  /** what other accepted receives into this folder still need */
  reserved?: number
  /** the most this receive's spool holds at once (spoolBound), freed when it ends */
  spool?: number
  /**
   * spool slots an earlier run of the same content left in its part folder:
   * this run's plan reads them back and removes them, so their room is as
   * good as free (user-test finding: after a disk filled mid-receive, 8 MiB
   * of them made a re-send not fit once the room was freed)
   */
  spooled?: number
  /**
   * the files and folders it makes that are not here yet (its files, less
   * those in place and the part files kept; its folders not here): each
   * takes a file entry (an inode) of the disk, which a disk can run out of
   * with bytes to spare
   */
  files?: number
  /** the files and folders of other accepted receives that their plan has not made yet (they wait their turn): set aside as their bytes are (reserved) */
  reservedFiles?: number
}

/**
 * File entries (inodes) kept free beyond an offer's files and folders: its
 * spool slots (up to ~40 at once), its part folder, and some for the rest
 * of the system.
 */
export const INODE_MARGIN = 64

export function neededBytes (n: SpaceNeed): number {
  return Math.max(0, n.total - (n.inPlace ?? 0) - (n.held ?? 0)) + (n.reserved ?? 0)
}

/** An offer's (or a preview's) entries, as far as its spool's size goes. */
export type ChunkedEntries = ReadonlyArray<{ kind: string, chunkSize: number }>

/** How a receive pulls (fetch.ts), as far as its spool's size goes. */
export interface PullShape { streams: number, writeBytesInFlight: number, requestsAhead: number, requestBytes: number }

/**
 * The most a receive's spool can hold on disk, for `toFetch` bytes in chunks
 * of `minChunk` to `maxChunk` bytes. Each chunk in hand has a slot: per
 * stream, those written behind (a new request goes out while less than
 * writeBytesInFlight waits, so up to that much and one request more), the
 * requests read ahead, and the chunk being read. A slot file keeps the
 * size of the biggest chunk it held (never truncated: spool.ts), so every
 * slot counts at the biggest chunk. Never more than the bytes to fetch,
 * plus a record header per 128 KiB written. (Review finding: the first
 * bound, 2 chunks and 2 MiB a stream, was passed by 50 % with 256 KiB
 * chunks, and demanded 7.5 MiB for a 1-byte file.)
 */
export function spoolBound (toFetch: number, minChunk: number, maxChunk: number, p: PullShape): number {
  if (toFetch <= 0 || maxChunk <= 0) return 0
  const small = Math.max(1, Math.min(minChunk, maxChunk))
  const perStream = Math.ceil(p.writeBytesInFlight / small) + 1 + p.requestsAhead * Math.max(1, Math.ceil(p.requestBytes / small)) + 1
  const slots = p.streams * perStream * maxChunk
  const written = Math.min(slots, toFetch)
  return written + Math.ceil(written / (128 * 1024)) * 24
}

export async function checkSpace (dir: string, need: SpaceNeed): Promise<void> {
  const st = await statfs(dir)
  // a file system of no blocks does not know its size (fusefat; some FUSE
  // and network file systems): nothing can be told up front, and a full
  // disk fails the write with E_NO_SPACE, kept for a later re-send. Its "0 B
  // free" refused every offer (found receiving onto FAT32 through fusefat).
  if (Number(st.blocks) === 0) return
  const short = spaceShortage(Number(st.bavail) * Number(st.bsize), Number(st.blocks) * Number(st.bsize), need) ?? inodeShortage(Number(st.files), Number(st.ffree), need.files, need.reservedFiles)
  if (short !== undefined) throw short
}

/**
 * E_NO_SPACE when a disk of `total` file entries (inodes) with `free` left
 * cannot make `files` more and keep INODE_MARGIN; undefined when it can, or
 * when the file system does not count them (0: btrfs, FUSE). Why: a folder
 * of many small files onto a disk out of inodes with bytes to spare failed
 * once 49 of 200 were made, with "ENOSPC: no space left on device, open
 * '…/.ferry-part/…/47'", where `df -h` showed room (helper finding).
 */
export function inodeShortage (total: number, free: number, files: number | undefined, reserved = 0): FerryError | undefined {
  if (files === undefined || files <= 0 || total <= 0 || free >= files + reserved + INODE_MARGIN) return undefined
  const others = reserved > 0 ? ` (and ${reserved} for receives accepted here that have not begun)` : ''
  return new FerryError('E_NO_SPACE', `the receive folder's disk can make ${free} more files (free inodes, as \`df -i\` shows); this needs ${files}${others} and keeps ${INODE_MARGIN} free: remove files there, or receive onto another disk`)
}

/** E_NO_SPACE, saying by how much, when `need` does not fit in `free` bytes of a file system of `size` bytes; undefined when it fits. */
export function spaceShortage (free: number, size: number, need: SpaceNeed): FerryError | undefined {
  const margin = marginFor(size) + (need.spool ?? 0)
  const needed = neededBytes(need)
  const spooled = need.spooled ?? 0
  if (free + spooled >= needed + margin) return undefined
  const parts = [
    (need.inPlace ?? 0) + (need.held ?? 0) > 0 ? `${fmt(need.total)} offered, ${fmt((need.inPlace ?? 0) + (need.held ?? 0))} of it already here` : '',
    (need.reserved ?? 0) > 0 ? `${fmt(need.reserved ?? 0)} for receives under way` : ''
  ].filter((p) => p !== '')
  // "the receive folder", not "the receiver": the sender shows it as "receiver: …" (user-test finding: "receiver: the receiver has")
  // the sum and the shortfall said too: rounded, "has 1.1 MiB free; this needs 1.1 MiB" read as if it fitted (user-test finding)
  const short = needed + margin - free - spooled
  return new FerryError('E_NO_SPACE', `the receive folder has ${fmt(free)} free${spooled > 0 ? ` (and ${fmt(spooled)} of chunk starts kept from before, freed as they are used)` : ''}; this needs ${fmt(needed)}${parts.length > 0 ? ` (${parts.join('; ')})` : ''} and keeps ${fmt(margin)} free${(need.spool ?? 0) > 0 ? ` (${fmt(need.spool ?? 0)} of it for chunks kept on disk as they arrive, before they go into their files)` : ''}: ${fmt(needed + margin)} in all, ${fmt(short)} more than it has`)
}

/**
 * In the binary units every other size ferry prints uses (MiB, GiB), two
 * decimals from 1 GiB on so that a shortfall of a few MiB on a big offer
 * does not read as "has 1.0, needs 1.0".
 */
export function fmt (n: number): string {
  // small figures in small units: a 4 KiB tmpfs read "0.0 MiB free; this needs 0.0 MiB" (user-test finding);
  // each unit from where the one below would round to 1024 of it
  if (n >= 1023.995 * 2 ** 20) return `${(n / 2 ** 30).toFixed(2)} GiB`
  if (n >= 1023.95 * 1024) return `${(n / 2 ** 20).toFixed(1)} MiB`
  return n >= 1023.5 ? `${(n / 1024).toFixed(1)} KiB` : `${Math.round(n)} B`
}
