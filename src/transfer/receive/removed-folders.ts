// Telling a folder the person removed from one on a disk not mounted now,
// for the receive index (index-prune.ts, receive-plan.ts recover).
//
// An indexed file that is gone while its folder is there was removed: its
// rows go (the one rule for the daily prune, index-prune.ts, and a copy from
// the index that failed, receive-plan.ts recover). Gone with its folder, it was kept, since a disk not mounted looks
// the same, so the rows of a folder deleted by hand (a Downloads folder
// tidied) stayed for good, and every plan walked past them (notes' leftover).
// The receive folder a file was placed in says which it is: ferry places
// nothing across a mount below a receive folder (safe-path.ts refuses such
// paths), so a file under a receive folder that is there, on the disk it was
// last seen on (receive-mount.ts), was on that disk, and is gone from it.
// Owns: that rule, with what it looks at read once per walk (a plan, a
// prune). Must never: take a disk away for a removed folder (its rows are
// kept where anything is unknown).

import { lstatSync } from 'node:fs'
import { dirname } from 'node:path'
import { isWithin, readMountinfoOnce, type MountinfoRead } from '../mounts.ts'
import { onItsDisk } from '../folder/receive-mount.ts'
import type { TransferStore } from '../../store/index.ts'

export class RemovedFolders {
  private readonly store: Pick<TransferStore, 'receiveDirs' | 'receiveMount'>
  private dirs: string[] | undefined
  private mounts: MountinfoRead | undefined
  /** receive folder → whether it is there on its disk, looked at once */
  private readonly onDisk = new Map<string, Promise<boolean>>()

  constructor (store: Pick<TransferStore, 'receiveDirs' | 'receiveMount'>) {
    this.store = store
  }

  /**
   * Whether `path`, an indexed file that is not there, was removed (its rows can go): its folder is there (moved
   * away or deleted from it), or its folder is missing too under a receive folder there on its disk; not a file on
   * a disk away now.
   */
  async removed (path: string): Promise<boolean> {
    if (folderStillThere(path)) return true
    const dir = this.receiveFolderOf(path)
    if (dir === undefined) return false
    let there = this.onDisk.get(dir)
    if (there === undefined) {
      there = (async () => {
        this.mounts ??= await readMountinfoOnce()
        return await onItsDisk(dir, { get: (d) => this.store.receiveMount(d) }, this.mounts)
      })().catch(() => false)
      this.onDisk.set(dir, there)
    }
    return await there
  }

  /** The receive folder (of any transfer recorded) `path` lies in, the deepest if folders nest; none where the store cannot say. */
  private receiveFolderOf (path: string): string | undefined {
    try {
      this.dirs ??= this.store.receiveDirs()
    } catch {
      return undefined
    }
    let best: string | undefined
    for (const d of this.dirs) if (d !== path && isWithin(path, d) && (best === undefined || d.length > best.length)) best = d
    return best
  }
}

/** Whether the folder of `path` is there (a folder, not through a link at its own name). */
function folderStillThere (path: string): boolean {
  try {
    return lstatSync(dirname(path), { throwIfNoEntry: false })?.isDirectory() === true
  } catch {
    return false
  }
}
