// Free-space check before a receive starts: refuse up front with E_NO_SPACE
// rather than fail half way (a full disk mid-transfer is still handled: the
// write fails with E_NO_SPACE, the part files stay for a later re-send).

import { statfs } from 'node:fs/promises'
import { FerryError } from '../errors.ts'

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
  /** spool slots an earlier attempt at the same content left: the plan takes or removes them */
  reclaimable?: number
}

export function neededBytes (n: SpaceNeed): number {
  return Math.max(0, n.total - (n.inPlace ?? 0) - (n.held ?? 0)) + (n.reserved ?? 0)
}

/**
 * The most a receive's spool holds at once: per chunk stream, the chunk
 * being read, the chunks written behind it (up to WRITE_BYTES_IN_FLIGHT,
 * passed by at most one more chunk), each in a slot of its own.
 */
export function spoolBound (maxChunkSize: number, streams: number, writeBytesInFlight: number): number {
  return streams * (2 * maxChunkSize + writeBytesInFlight)
}

export async function checkSpace (dir: string, need: SpaceNeed): Promise<void> {
  const st = await statfs(dir)
  const short = spaceShortage(Number(st.bavail) * Number(st.bsize), Number(st.blocks) * Number(st.bsize), need)
  if (short !== undefined) throw short
}

/** E_NO_SPACE, saying by how much, when `need` does not fit in `free` bytes of a file system of `size` bytes; undefined when it fits. */
export function spaceShortage (free: number, size: number, need: SpaceNeed): FerryError | undefined {
  const room = free + (need.reclaimable ?? 0)
  const margin = marginFor(size) + (need.spool ?? 0)
  const needed = neededBytes(need)
  if (room >= needed + margin) return undefined
  const parts = [
    (need.inPlace ?? 0) + (need.held ?? 0) > 0 ? `${fmt(need.total)} offered, ${fmt((need.inPlace ?? 0) + (need.held ?? 0))} of it already here` : '',
    (need.reserved ?? 0) > 0 ? `${fmt(need.reserved ?? 0)} for receives under way` : ''
  ].filter((p) => p !== '')
  return new FerryError('E_NO_SPACE', `the receiver has ${fmt(room)} free in its receive folder; this needs ${fmt(needed)}${parts.length > 0 ? ` (${parts.join('; ')})` : ''} and keeps ${fmt(margin)} free${(need.spool ?? 0) > 0 ? ` (${fmt(need.spool ?? 0)} of it for bytes on their way in)` : ''}`)
}

function fmt (n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : `${(n / 1e6).toFixed(1)} MB`
}
