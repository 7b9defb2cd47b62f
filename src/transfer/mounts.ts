// Which file system and mount a folder is on: the statfs magic numbers
// ferry treats apart (FS_MAGIC), and from /proc/self/mountinfo (Linux) its
// mount point and its file system's type. statfs tells the type of the
// kernel's own file systems but says only "fuse" for every FUSE driver, and
// a device number says nothing across a reboot (a USB disk's can change at
// each); the mount point does.

import { readFile } from 'node:fs/promises'

/** statfs f_type magic numbers (linux/magic.h) of the file systems ferry treats apart: FAT (vfat and msdos), exFAT, and every FUSE driver. */
export const FS_MAGIC = { msdos: 0x4d44, exfat: 0x2011bab0, fuse: 0x65735546 } as const

export interface Mount {
  /** where it is mounted */
  point: string
  /** the folder of its file system mounted there: "/" for a whole file system (a disk), another for a bind mount of a part of one */
  root: string
  /** its type as mountinfo names it: ext4, vfat, fuse.fusefat, fuseblk… */
  type: string
  /**
   * mounted read-only, or its file system made so: `ro` in the mount's
   * options or its file system's, or `emergency_ro` in those (ext4 after an
   * error with errors=remount-ro: since Linux 6.12 it no longer sets the file
   * system read-only, and since the 2025 fix says `emergency_ro` instead,
   * seen on 6.18; the mount still says `rw`, access(2) says writable, and
   * every write fails with EROFS)
   */
  readOnly: boolean
}

/** The text of /proc/self/mountinfo; undefined off Linux or where it cannot be read. */
export async function readMountinfo (): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined
  return await readFile('/proc/self/mountinfo', 'utf8').catch(() => undefined)
}

/**
 * The text of /proc/self/mountinfo read once for the several looks of one
 * task (an offer's checks: receive-room.ts), which each read it before
 * (notes' leftover); `text` undefined where it could not be read.
 */
export interface MountinfoRead { text: string | undefined }

export async function readMountinfoOnce (): Promise<MountinfoRead> {
  return { text: await readMountinfo() }
}

/** The mount `dir` (a real path) is on, undefined off Linux or where mountinfo cannot be read; by `read` when given, else read now. */
export async function mountOf (dir: string, read?: MountinfoRead): Promise<Mount | undefined> {
  const mountinfo = read !== undefined ? read.text : await readMountinfo()
  return mountinfo === undefined ? undefined : mountIn(dir, mountinfo)
}

/** Whether anything is mounted at `point`, by the text of mountinfo. */
export function mountedAt (point: string, mountinfo: string): boolean {
  return entries(mountinfo).some((m) => m.point === point)
}

/**
 * The mount `dir` is on, from the text of /proc/self/mountinfo: the entry
 * whose mount point is the longest prefix of it by whole components, the
 * last such when one is mounted over another.
 */
export function mountIn (dir: string, mountinfo: string): Mount | undefined {
  let best: Mount | undefined
  for (const m of entries(mountinfo)) {
    if (isWithin(dir, m.point) && (best === undefined || m.point.length >= best.point.length)) best = m
  }
  return best
}

/**
 * Whether the disk last seen mounted at `last` is away now, for a folder
 * found on `mount`: nothing is mounted at `last`, and the folder is on a
 * mount above it (the disk under the mount point). A mount point that moves
 * for another reason (a service started with ProtectHome=, a bind mount
 * added) is no sign of it. `mountinfo`: the text `mount` was found in.
 */
export function mountAway (last: string, mount: Mount, mountinfo: string): boolean {
  return mount.point !== last && isWithin(last, mount.point) && !mountedAt(last, mountinfo)
}

/**
 * The mount points strictly below `dir` (a real path), relative to it, by
 * the text of mountinfo: a disk or a bind mount mounted inside a receive
 * folder, onto which no file can be linked or renamed from the part folder
 * (EXDEV, also for a bind mount of the same file system).
 */
export function mountPointsBelow (dir: string, mountinfo: string): Set<string> {
  const all = entries(mountinfo)
  const out = new Set<string>()
  for (const [i, m] of all.entries()) {
    if (m.point === dir || !isWithin(m.point, dir)) continue
    // hidden by a later mount above it (the receive folder's own disk mounted over a folder that held one): mountinfo
    // lists mounts in the order they were made, and still lists it; the folder there now is not it (review finding)
    if (all.slice(i + 1).some((later) => later.point !== m.point && isWithin(m.point, later.point))) continue
    out.add(m.point.slice(dir === '/' ? 1 : dir.length + 1))
  }
  return out
}

/** Whether `path` is `folder` or below it, by whole components. */
export function isWithin (path: string, folder: string): boolean {
  return folder === '/' || path === folder || path.startsWith(`${folder}/`)
}

function entries (mountinfo: string): Mount[] {
  const out: Mount[] = []
  for (const line of mountinfo.split('\n')) {
    // id parent major:minor root mount-point options [optional fields...] - type source super-options
    const fields = line.split(' ')
    const dash = fields.indexOf('-', 6)
    if (fields.length < 7 || dash < 0 || dash + 1 >= fields.length) continue
    const options = [...fields[5].split(','), ...(fields[dash + 3] ?? '').split(',')]
    out.push({ point: unescapeMountPath(fields[4]), root: unescapeMountPath(fields[3]), type: fields[dash + 1], readOnly: options.includes('ro') || options.includes('emergency_ro') })
  }
  return out
}

/** mountinfo writes space, tab, newline and backslash in paths as octal escapes (\040). */
function unescapeMountPath (s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)))
}
