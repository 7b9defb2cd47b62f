// Which mount a folder is on, from /proc/self/mountinfo (Linux): its mount
// point and its file system's type. statfs tells the type of the kernel's
// own file systems but says only "fuse" for every FUSE driver, and a device
// number says nothing across a reboot (a USB disk's can change at each);
// the mount point does.

import { readFile } from 'node:fs/promises'

export interface Mount {
  /** where it is mounted */
  point: string
  /** its type as mountinfo names it: ext4, vfat, fuse.fusefat, fuseblk… */
  type: string
}

/** The mount `dir` (a real path) is on, undefined off Linux or where mountinfo cannot be read. */
export async function mountOf (dir: string): Promise<Mount | undefined> {
  if (process.platform !== 'linux') return undefined
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => undefined)
  return mountinfo === undefined ? undefined : mountIn(dir, mountinfo)
}

/**
 * The mount `dir` is on, from the text of /proc/self/mountinfo: the entry
 * whose mount point is the longest prefix of it by whole components, the
 * last such when one is mounted over another.
 */
export function mountIn (dir: string, mountinfo: string): Mount | undefined {
  let best: Mount | undefined
  for (const line of mountinfo.split('\n')) {
    // id parent major:minor root mount-point options [optional fields...] - type source super-options
    const fields = line.split(' ')
    const dash = fields.indexOf('-', 6)
    if (fields.length < 7 || dash < 0 || dash + 1 >= fields.length) continue
    const point = unescapeMountPath(fields[4])
    const under = point === '/' || dir === point || dir.startsWith(`${point}/`)
    if (under && (best === undefined || point.length >= best.point.length)) best = { point, type: fields[dash + 1] }
  }
  return best
}

/** mountinfo writes space, tab, newline and backslash in paths as octal escapes (\040). */
function unescapeMountPath (s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)))
}
