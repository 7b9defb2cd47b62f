// Free-space check before a receive starts: refuse up front with E_NO_SPACE
// rather than fail half way (a full disk mid-transfer is still handled: the
// write fails with E_NO_SPACE, the part files stay for a later re-send).

import { statfs } from 'node:fs/promises'
import { FerryError } from '../errors.ts'

/**
 * Free space kept on top of what an offer needs, so the disk is never filled
 * to the last byte. It also covers the spool (spool.ts): one slot per chunk
 * being read or written, a few MiB per stream.
 */
export const SPACE_MARGIN = 64 * 1024 * 1024

export async function checkSpace (dir: string, needed: number): Promise<void> {
  const st = await statfs(dir)
  const free = Number(st.bavail) * Number(st.bsize)
  if (free < needed + SPACE_MARGIN) {
    throw new FerryError('E_NO_SPACE', `the receiver has ${fmt(free)} free in its receive folder, this needs ${fmt(needed)}`)
  }
}

function fmt (n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)} GB` : `${(n / 1e6).toFixed(1)} MB`
}
