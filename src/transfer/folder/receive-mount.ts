// Which disk the receive folder is on, remembered, so that a disk not
// mounted is not filled in its place.
//
// A receive folder on a disk of its own (a USB disk on a home server, a
// second drive) is gone while that disk is not mounted: after a reboot where
// it failed to mount, or once it is unplugged. Made again, as a folder the
// user removed is, it would be made on the disk under the mount point, the
// system's most often: receives would fill it, and the files would not be
// where the person looks once the disk is back. Syncthing keeps a marker
// file in every folder against this (`.stfolder`); ferry keeps nothing in
// the receive folder but what it receives, and remembers instead, in its
// store, the mount point the folder was last seen on. A missing receive
// folder is not made again while that mount is away: nothing mounted at its
// point, and the folder would be made on a mount above it. Offers are then
// refused with E_PATH_NOT_FOUND until the disk is back, or the folder is
// made by hand where it should now be (then it is there, and its mount is
// remembered). A folder removed by the user, on a disk that is there, is
// made again.
// A receive folder that was itself the disk's mount point is there with
// the disk away, on the disk under it: refused the same way while nothing
// was put in it since the disk was last seen (something put in it by hand
// then makes it the folder to use). Not "while it is empty": a marker file
// a sysadmin leaves in the empty mount point before mounting the disk over
// it (`NOT_MOUNTED`) made it the folder to use (review finding). So the
// time the disk was last seen there is remembered with its mount point, and
// the folder's own modification time (an entry added, removed or renamed)
// told against it.
//
// Owns: telling where a folder is or would be made (its mount point, from
// /proc/self/mountinfo), and the rule. Linux only: elsewhere, or where
// mountinfo cannot be read, nothing is known and nothing is refused.

import { readdir, realpath, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { FerryError } from '../../errors.ts'
import { mountAway, mountIn, readMountinfo, type MountinfoRead } from '../mounts.ts'

/**
 * Where the mount point each receive folder was last seen on is kept (the
 * store's meta), as a value of this module's (lastSeenValue): what it means
 * is this module's business, the store keeps a string.
 */
export interface MountMemory {
  get: (dir: string) => string | undefined
  set: (dir: string, value: string) => void
}

interface LastSeen {
  /** the mount point */
  point: string
  /** when the folder was last seen there, ms since the epoch; unknown in a value written before it was kept */
  at?: number
}

/** A remembered value: `{"point":…,"at":…}`, or a mount point alone as first kept (a path, never JSON). */
function parseLastSeen (value: string | undefined): LastSeen | undefined {
  if (value === undefined || !value.startsWith('{')) return value === undefined ? undefined : { point: value }
  try {
    const v = JSON.parse(value) as { point?: unknown, at?: unknown }
    return typeof v.point === 'string' ? { point: v.point, at: typeof v.at === 'number' ? v.at : undefined } : undefined
  } catch {
    return undefined
  }
}

function lastSeenValue (seen: Required<LastSeen>): string {
  return JSON.stringify(seen)
}

/**
 * The memory kept in the store (its meta table). A store that cannot be
 * read or written costs the guard, not the offer: the offer goes on as
 * before it (said in the log).
 */
export function storeMountMemory (store: { receiveMount: (dir: string) => string | undefined, setReceiveMount: (dir: string, value: string) => void }, log: { warn: (msg: string, data?: Record<string, unknown>) => void }): MountMemory {
  return {
    get: (dir) => {
      try { return store.receiveMount(dir) } catch (err) { log.warn('cannot read the receive folder\'s mount point', { err: (err as Error).message }); return undefined }
    },
    set: (dir, value) => {
      try { store.setReceiveMount(dir, value) } catch (err) { log.warn('cannot record the receive folder\'s mount point', { err: (err as Error).message }) }
    }
  }
}

/**
 * Whether receive folder `dir` is there now on the disk it was last seen on (lookAtReceiveMount remembered it): a
 * folder missing below it was then removed, not a disk away (removed-folders.ts). False where nothing is known: no
 * memory of it, mountinfo unreadable, the folder not there or on another mount now.
 */
export async function onItsDisk (dir: string, memory: Pick<MountMemory, 'get'>, mounts?: MountinfoRead): Promise<boolean> {
  const last = parseLastSeen(memory.get(dir))
  if (last === undefined) return false
  const real = await realpath(dir).catch(() => undefined)
  if (real === undefined || !(await stat(real).catch(() => undefined))?.isDirectory()) return false
  const mountinfo = mounts !== undefined ? mounts.text : await readMountinfo()
  const mount = mountinfo === undefined ? undefined : mountIn(real, mountinfo)
  return mount !== undefined && mount.root === '/' && mount.point === last.point
}

/** The real path of `dir`, or, missing, of its nearest folder there: the mount it would be made on (or, through a symbolic link to nothing, none: makeReceiveFolder refuses it). */
async function nearestThere (dir: string): Promise<string | undefined> {
  for (let at = resolve(dir); ; at = dirname(at)) {
    const real = await realpath(at).catch(() => undefined)
    if (real !== undefined) return real
    if (dirname(at) === at) return undefined
  }
}

export interface MountLook {
  /** the receive folder is not there, and would be made on another mount than it was last seen on: this one, not mounted now */
  missingWith?: string
  /** whether the folder is there, where its mount could be told (false: a folder made now is to be looked at again, for its mount to be remembered) */
  there?: boolean
}

/** What the receiving daemon logs when it refuses for `missingWith` (with the folder and that mount point). */
export const DISK_AWAY_LOG = 'the receive folder is not there, and was on a disk mounted at another place, which is not mounted now: offers are refused until it is (or make the folder where it should be now)'

/**
 * The rule, for a receive folder about to be used: missing while the disk
 * it was last seen on is away, it is said (`missingWith`); there, where it
 * is is remembered. As the receiver's own check of a receive resumed
 * (receiver.ts sameDiskAsBefore): remembered only for a whole file system
 * mounted (not a bind mount of a folder), and taken as away only when
 * nothing is mounted at that point now and the folder would be on a mount
 * above it; a mount point that moves for another reason (a service started
 * with ProtectHome=, a bind mount added) is no sign of it. `mounts`:
 * mountinfo as read for the same task (else read now).
 */
export async function lookAtReceiveMount (dir: string, memory: MountMemory, mounts?: MountinfoRead): Promise<MountLook> {
  const mountinfo = mounts !== undefined ? mounts.text : await readMountinfo()
  const real = await nearestThere(dir)
  if (mountinfo === undefined || real === undefined) return {}
  const mount = mountIn(real, mountinfo)
  if (mount === undefined) return {}
  const last = parseLastSeen(memory.get(dir))
  const away = last !== undefined && mountAway(last.point, mount, mountinfo)
  const st = await stat(dir).catch(() => undefined)
  const there = st?.isDirectory() === true
  if (!there) return away ? { missingWith: last.point, there } : { there }
  // the folder was itself the disk's mount point: with the disk away it is the folder under it, as it was left
  if (away && last.point === real && await untouchedSince(dir, st!.mtimeMs, last.at)) return { missingWith: last.point, there }
  // seen there now: the time too, at every look (a marker put in the folder while the disk was away once is older than it, the next time)
  if (mount.root === '/') memory.set(dir, lastSeenValue({ point: mount.point, at: Date.now() }))
  return { there }
}

/** Whether nothing was put in folder `dir` (modified at `mtimeMs`) since `seenAt`: empty, or not changed since (unknown `seenAt`: empty only, as first kept). */
async function untouchedSince (dir: string, mtimeMs: number, seenAt: number | undefined): Promise<boolean> {
  if (seenAt !== undefined && mtimeMs <= seenAt) return true
  return await readdir(dir).then((names) => names.length === 0, () => false)
}

/**
 * As told to the sender, which need not know the receiving device's mount
 * points (the daemon's log names it).
 */
export function diskNotMounted (): FerryError {
  return new FerryError('E_PATH_NOT_FOUND', 'the receive folder is on a disk that is not mounted now; send again once it is')
}
