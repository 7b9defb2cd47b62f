// The largest file the receive folder's file system can hold, where that is
// less than a file of an offer: FAT32 ends every file at 4 GiB − 1 byte, and
// USB sticks and SDHC camera cards (32 GB and less) come formatted FAT32.
// Unasked, a video of 4 GiB or more was taken, and failed once 4 GiB of it
// had come: the kernel's vfat answers EFBIG at the limit, and fusefat
// answers EPERM, having first filled the disk's free clusters (tried here).
// Asked up front, the file is refused alone (safe-path.ts) and the rest of
// the offer is received.
//
// The file system is told by its type, not by a probe: the probe would
// have to write at 4 GiB, which on a file system without holes (exFAT)
// writes 4 GiB of zeros first. The kernel's FAT says so in statfs
// (MSDOS_SUPER_MAGIC, vfat and msdos alike); one behind FUSE says only
// "fuse", and /proc/self/mountinfo names its driver (fuse.fusefat). FAT
// read through another FUSE driver is not told apart, and fails late as
// before. Asked only when an offer holds a file of 4 GiB or more.

import { readFile, statfs } from 'node:fs/promises'

/** FAT32's limit: a file's size is a 32-bit field. */
export const FAT_MAX_FILE_BYTES = 2 ** 32 - 1
const MSDOS_SUPER_MAGIC = 0x4d44
const FUSE_SUPER_MAGIC = 0x65735546
/** FUSE drivers of FAT, by their mountinfo type. */
const FUSE_FAT_TYPES = new Set(['fuse.fusefat'])

export interface FileSizeLimit {
  /** the largest file it holds, in bytes */
  bytes: number
  /** what it is, for the person: "FAT32" */
  fileSystem: string
}

/** The limit of the file system `dir` is on, where it has one below any offer's files (undefined elsewhere, and off Linux). */
export async function fileSizeLimit (dir: string): Promise<FileSizeLimit | undefined> {
  if (process.platform !== 'linux') return undefined
  const type = await statfs(dir).then((st) => Number(st.type), () => undefined)
  if (type === MSDOS_SUPER_MAGIC) return { bytes: FAT_MAX_FILE_BYTES, fileSystem: 'FAT32' }
  if (type !== FUSE_SUPER_MAGIC) return undefined
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '')
  return FUSE_FAT_TYPES.has(mountTypeOf(dir, mountinfo) ?? '') ? { bytes: FAT_MAX_FILE_BYTES, fileSystem: 'FAT32' } : undefined
}

/**
 * The type of the mount `dir` (a real path) is under, from the text of
 * /proc/self/mountinfo: the entry whose mount point is the longest prefix
 * of it, the last such when one is mounted over another.
 */
export function mountTypeOf (dir: string, mountinfo: string): string | undefined {
  let best: { point: string, type: string } | undefined
  for (const line of mountinfo.split('\n')) {
    // id parent major:minor root mount-point options [optional fields...] - type source super-options
    const fields = line.split(' ')
    const dash = fields.indexOf('-', 6)
    if (fields.length < 7 || dash < 0 || dash + 1 >= fields.length) continue
    const point = unescapeMountPath(fields[4])
    const under = point === '/' || dir === point || dir.startsWith(`${point}/`)
    if (under && (best === undefined || point.length >= best.point.length)) best = { point, type: fields[dash + 1] }
  }
  return best?.type
}

/** mountinfo writes space, tab, newline and backslash in paths as octal escapes (\040). */
function unescapeMountPath (s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)))
}
