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
// "fuse", and /proc/self/mountinfo names its driver (fuse.fusefat: mounts.ts). FAT
// read through another FUSE driver is not told apart, and fails late as
// before. Asked only when an offer holds a file of 4 GiB or more.

import { statfs } from 'node:fs/promises'
import { FS_MAGIC, mountOf, type MountinfoRead } from '../mounts.ts'

/** FAT32's limit: a file's size is a 32-bit field. */
export const FAT_MAX_FILE_BYTES = 2 ** 32 - 1
/** FUSE drivers of FAT, by their mountinfo type. */
const FUSE_FAT_TYPES = new Set(['fuse.fusefat'])

export interface FileSizeLimit {
  /** the largest file it holds, in bytes */
  bytes: number
  /** what it is, for the person: "FAT32" */
  fileSystem: string
}

/** The limit of the file system `dir` is on, where it has one below any offer's files (undefined elsewhere, and off Linux). `mounts`: mountinfo as read for the same task (else read, for FUSE only). */
export async function fileSizeLimit (dir: string, mounts?: MountinfoRead): Promise<FileSizeLimit | undefined> {
  if (process.platform !== 'linux') return undefined
  const type = await statfs(dir).then((st) => Number(st.type), () => undefined)
  if (type === FS_MAGIC.msdos) return { bytes: FAT_MAX_FILE_BYTES, fileSystem: 'FAT32' }
  if (type !== FS_MAGIC.fuse) return undefined
  return FUSE_FAT_TYPES.has((await mountOf(dir, mounts))?.type ?? '') ? { bytes: FAT_MAX_FILE_BYTES, fileSystem: 'FAT32' } : undefined
}
