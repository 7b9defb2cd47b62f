// A send's files that changed on this device after the offer, looked for
// once its receipt has verified.
//
// The receiver builds every file from the offer's chunk hashes: what it held
// already (dedup) it copies, and asks the sender for nothing of it. A file
// edited while the offer waited for a person to accept it, of which the
// receiver held the old content, arrived as offered, verified, and `ferry
// send` said it was sent (user-test finding). That is the offer's promise,
// kept; but the file here is no longer what arrived, and the person should
// hear so. A file served before it changed is the same case.
// Owns: the look (an lstat per file, a few at a time, off the main thread's
// way), against each file's identity as it was hashed. Must never: say a
// file changed that was not (metadata alone, chmod or a new link, is no
// change: size and modification time only).

import { lstat } from 'node:fs/promises'
import type { FileIdentity } from '../../store/index.ts'

/** Paths kept of the files changed: the rest are counted. */
export const CHANGED_PATHS_KEPT = 20
/** lstat calls at once: they share libuv's 4 threads with what else the daemon reads and writes. */
const AT_ONCE = 8

/**
 * Which of the files of `sources` (with their identities as hashed; undefined: not known, as after a restart of
 * this daemon) changed since, `skip` left out (those the receiver did without). A file gone is not said: what
 * arrived is no older than anything here.
 */
export async function changedAfterOffer (sources: readonly string[], identities: ReadonlyArray<FileIdentity | undefined>, skip: ReadonlySet<number>): Promise<{ count: number, paths: string[] }> {
  const looked = identities.flatMap((id, i) => id === undefined || skip.has(i) ? [] : [i])
  const paths: string[] = []
  let count = 0
  for (let k = 0; k < looked.length; k += AT_ONCE) {
    const batch = looked.slice(k, k + AT_ONCE)
    const changed = await Promise.all(batch.map(async (i) => {
      const was = identities[i]!
      const now = await lstat(sources[i], { bigint: true }).catch(() => undefined)
      // size and modification time: a device or inode number that moves alone (some FUSE and SMB mounts) is no edit (review finding)
      return now !== undefined && (now.size !== was.size || now.mtimeNs !== was.mtimeNs)
    }))
    for (const [j, i] of batch.entries()) {
      if (!changed[j]) continue
      count++
      if (paths.length < CHANGED_PATHS_KEPT) paths.push(sources[i])
    }
  }
  return { count, paths }
}
