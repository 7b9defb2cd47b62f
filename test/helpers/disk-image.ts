// A small disk image of a file system this kernel has no module for (FAT32,
// exFAT), mounted through FUSE under a test's temp folder: what a USB stick
// or a camera's card is to a receive folder. Root, the tools and /dev/fuse
// are needed; where any is missing the test is skipped with the reason.

import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import { cleanupAll, pairDaemons, startDaemon, tempDir, type TestDaemon } from './daemon.ts'

export interface DiskImageKind {
  /** as the skip message names it */
  name: string
  tools: string[]
  install: string
  format: (image: string) => void
  mount: (image: string, dir: string) => void
  unmount: (dir: string) => void
}

export const EXFAT: DiskImageKind = {
  name: 'exFAT',
  tools: ['mkfs.exfat', 'mount.exfat-fuse'],
  install: 'apt-get install exfatprogs exfat-fuse',
  format: (image) => { execFileSync('mkfs.exfat', [image], { stdio: 'ignore' }) },
  // mount(8) sets up the loop device (exfat-fuse wants a block device) and frees it at umount
  mount: (image, dir) => { execFileSync('mount', ['-t', 'exfat-fuse', '-o', 'loop', image, dir], { stdio: 'ignore' }) },
  unmount: (dir) => { execFileSync('umount', [dir]) }
}

export const FAT32: DiskImageKind = {
  name: 'FAT32',
  tools: ['mkfs.vfat', 'fusefat', 'fusermount'],
  install: 'apt-get install dosfstools fusefat',
  format: (image) => { execFileSync('mkfs.vfat', ['-F', '32', image], { stdio: 'ignore' }) },
  mount: (image, dir) => { execFileSync('fusefat', ['-o', 'rw+', image, dir], { stdio: 'ignore' }) },
  unmount: (dir) => { execFileSync('fusermount', ['-u', dir]) }
}

/** Why `kind` cannot be mounted here (printed), or undefined. */
export function diskImageMissing (kind: DiskImageKind): string | undefined {
  const missing = process.getuid?.() !== 0
    ? 'not root'
    : kind.tools.find((tool) => spawnSync('which', [tool]).status !== 0) ?? (existsSync('/dev/fuse') ? undefined : 'no /dev/fuse')
  if (missing != null) console.log(`${kind.name} receive-folder test skipped: ${missing} (${kind.install})`)
  return missing
}

/** A 64 MiB image of `kind`, formatted and mounted; `unmount` (lazily, if it is busy) at the end. */
async function mountDiskImage (kind: DiskImageKind): Promise<{ mountpoint: string, unmount: () => void }> {
  const root = await tempDir(`ferry-${kind.name.toLowerCase()}-`)
  const image = join(root, 'disk.img')
  execFileSync('truncate', ['-s', '64M', image])
  kind.format(image)
  const mountpoint = join(root, 'stick')
  await mkdir(mountpoint)
  kind.mount(image, mountpoint)
  return {
    mountpoint,
    unmount: () => { try { kind.unmount(mountpoint) } catch { execFileSync('umount', ['-l', mountpoint]) } }
  }
}

/**
 * For a test file: two paired daemons on 127.0.0.1 (mDNS off), the
 * receiver's folder `in` on a mounted image of `kind`, made before its
 * tests and stopped, unmounted and removed after them. Its fields are set
 * once the tests run; nothing is made where `diskImageMissing` said why not.
 */
export function daemonsOnDiskImage (kind: DiskImageKind, missing: string | undefined): { mountpoint: string, sender: TestDaemon, receiver: TestDaemon } {
  const lab = {} as { mountpoint: string, sender: TestDaemon, receiver: TestDaemon }
  let unmount: (() => void) | undefined
  const prefix = kind.name.toLowerCase()
  beforeAll(async () => {
    if (missing != null) return
    const disk = await mountDiskImage(kind)
    unmount = disk.unmount
    lab.mountpoint = disk.mountpoint
    lab.sender = await startDaemon({ name: `${prefix}-sender` })
    lab.receiver = await startDaemon({ name: `${prefix}-receiver`, receiveDir: join(disk.mountpoint, 'in') })
    await pairDaemons(lab.sender, lab.receiver)
  })
  afterAll(async () => {
    await Promise.allSettled([lab.sender?.stop(), lab.receiver?.stop()])
    unmount?.()
    await cleanupAll()
  })
  return lab
}
