// Keeping the receiver's index of placed files (what dedup and "already in
// place" look up: store/transfers.ts, file_index and chunk_index) to files
// that are still there as they were placed. A Downloads folder is emptied
// by hand: without this, a row per chunk ever received stayed for good, and
// old rows of files moved away kept the live copies of the same content out
// of findChunk's newest few (review finding). A copy that fails forgets its
// source as it goes too (receive-plan.ts, recover).

import { lstat } from 'node:fs/promises'
import type { TransferStore } from '../store/index.ts'
import { floorMs } from './manifest.ts'

/** Files looked at per page: one query, then their lstats in parallel. */
const PAGE = 256

/** Forget indexed files that are gone, or no longer of the size and time recorded. Returns how many. */
export async function pruneIndex (store: TransferStore): Promise<number> {
  let forgotten = 0
  for (let after = 0; ;) {
    const page = store.indexPage(after, PAGE)
    if (page.length === 0) return forgotten
    after = page[page.length - 1].rowid
    const stats = await Promise.all(page.map(async (f) => await lstat(f.path, { bigint: true }).catch((err: NodeJS.ErrnoException) => err.code === 'ENOENT' || err.code === 'ENOTDIR' ? null : undefined)))
    for (const [i, f] of page.entries()) {
      const st = stats[i]
      // undefined: it could not be looked at (a disk not mounted now, say): kept
      if (st === undefined) continue
      if (st === null || !st.isFile() || Number(st.size) !== f.size || floorMs(st.mtimeNs) !== f.mtimeMs) {
        store.forgetPath(f.path)
        forgotten++
      }
    }
  }
}
