// The part folders of a receive folder (`.ferry-part/<root>/`): what they
// hold, and removing the ones no transfer will use again. A receive that
// ends without its files (failed, cancelled) keeps its part folder so that
// a re-send of the same content picks up where it stopped; after a day, or
// at once when an offer does not fit on the disk, the folder goes.

import { lstat, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { PART_DIR } from './safe-path.ts'

/** How long the part folder of an ended receive is kept for a re-send (Syncthing keeps its temporary files as long). */
export const KEEP_ENDED_PARTS_MS = 24 * 60 * 60 * 1000

/** Bytes the part folder occupies on disk (part files are sparse: allocated blocks, not sizes). */
export async function heldBytes (partDir: string): Promise<number> {
  return (await survey(partDir)).bytes
}

/**
 * Remove the part folders of `receiveDir` whose root is not in `keep` and
 * that nothing has written to for `minAgeMs`. Returns what it removed.
 */
export async function sweepPartFolders (receiveDir: string, keep: ReadonlySet<string>, minAgeMs: number, now = Date.now()): Promise<{ folders: number, bytes: number }> {
  const base = join(receiveDir, PART_DIR)
  let folders = 0
  let bytes = 0
  for (const root of await readdir(base).catch(() => [])) {
    if (keep.has(root) || !/^[0-9a-f]{64}$/.test(root)) continue
    const dir = join(base, root)
    const { bytes: held, newest } = await survey(dir)
    if (minAgeMs > 0 && now - newest < minAgeMs) continue
    await rm(dir, { recursive: true, force: true })
    folders++
    bytes += held
  }
  return { folders, bytes }
}

/**
 * One look at each file of a part folder: the bytes they occupy, and the
 * newest modification time (writes to a part file do not touch the
 * folder's own).
 */
async function survey (dir: string): Promise<{ bytes: number, newest: number }> {
  let bytes = 0
  let newest = (await lstat(dir).catch(() => undefined))?.mtimeMs ?? 0
  for (const name of await readdir(dir).catch(() => [])) {
    const st = await lstat(join(dir, name)).catch(() => undefined)
    if (st == null) continue
    newest = Math.max(newest, st.mtimeMs)
    if (st.isFile()) bytes += Math.min(st.blocks * 512, st.size)
  }
  return { bytes, newest }
}
