// Keeping the receiver's index of placed files (what dedup and "already in
// place" look up: store/transfers.ts, file_index and chunk_index) to files
// that are still there as they were placed. A Downloads folder is emptied
// by hand: without this, a row per chunk ever received stayed for good, and
// old rows of files moved away kept the live copies of the same content out
// of findChunk's newest few (review finding). A copy that fails forgets its
// source as it goes too (receive-plan.ts, recover).

import { lstat } from 'node:fs/promises'
import type { TransferStore } from '../../store/index.ts'
import { floorMs } from '../manifest/manifest.ts'
import { RemovedFolders } from './removed-folders.ts'

/** Rows read per query. */
const PAGE = 256
/** lstat calls at once: they share libuv's 4 threads with the receives' reads and writes. */
const AT_ONCE = 2

/**
 * What an indexed file's path says now: 'gone' (its folder is there, the
 * file not), 'changed' (not a regular file of the size and time recorded),
 * 'same', or 'unknown' (its folder is missing too, as on a disk not mounted
 * now, unless its receive folder is there on its disk: RemovedFolders; or it
 * cannot be looked at): only 'gone' and 'changed' are forgotten.
 */
async function lookAgain (f: { path: string, size: number, mtimeMs: number }, removed: RemovedFolders): Promise<'gone' | 'changed' | 'same' | 'unknown'> {
  let st
  try {
    st = await lstat(f.path, { bigint: true })
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return 'unknown'
    return await removed.removed(f.path) ? 'gone' : 'unknown'
  }
  return st.isFile() && Number(st.size) === f.size && floorMs(st.mtimeNs) === f.mtimeMs ? 'same' : 'changed'
}

/** Forget indexed files that are gone or changed (lookAgain). Returns how many. */
export async function pruneIndex (store: TransferStore): Promise<number> {
  const removed = new RemovedFolders(store)
  let forgotten = 0
  for (let after = 0; ;) {
    const page = store.indexPage(after, PAGE)
    if (page.length === 0) return forgotten
    after = page[page.length - 1].rowid
    for (let i = 0; i < page.length; i += AT_ONCE) {
      const batch = page.slice(i, i + AT_ONCE)
      const seen = await Promise.all(batch.map(async (f) => await lookAgain(f, removed)))
      for (const [j, f] of batch.entries()) {
        if (seen[j] !== 'gone' && seen[j] !== 'changed') continue
        store.forgetPath(f.path)
        forgotten++
      }
    }
  }
}
