// Whether the receive folder's file system takes a name, asked of the file
// system itself: FAT, exFAT and NTFS refuse : * ? " < > | in names, which
// Linux and macOS senders may have (a screenshot's "12:30:05", a "what?.jpg").
// ferry cannot refuse those everywhere (they are fine on ext4, APFS, ...),
// and cannot tell the file system from its type (a USB stick behind FUSE is
// "fuseblk"). Unasked, such a name failed the whole transfer after its bytes
// came, with "ENOENT ... open" (exfat-fuse) or EINVAL (the kernel's vfat), and
// every re-send failed the same way (user-test finding). Asked up front, the
// path is refused alone, like a hostile name, and the rest is received.
//
// A name without those characters is not asked: a camera roll's names cost
// nothing. A name is asked by creating it, empty, in a probe folder of its
// own in the receive folder, and removing both.

import { randomBytes } from 'node:crypto'
import { mkdir, open, rm } from 'node:fs/promises'
import { join } from 'node:path'

/** Characters Windows file systems (FAT, exFAT, NTFS) refuse in a name; ferry refuses control characters and backslashes everywhere already. */
const RISKY = /[:*?"<>|]/u
/** How a file system says it cannot hold a name: EINVAL (vfat, ntfs3), EILSEQ (a name not in its character set), ENOENT (exfat-fuse), ENAMETOOLONG. */
const NAME_REFUSED = new Set(['EINVAL', 'EILSEQ', 'ENOENT', 'ENAMETOOLONG'])

export const NAME_REFUSED_REASON = 'the receive folder\'s file system cannot hold this name (FAT, exFAT and NTFS refuse : * ? " < > |)'

export class NameProbe {
  private readonly answers = new Map<string, Promise<boolean>>()
  /** the probe folder, made at the first name asked; undefined when none can be made (a read-only folder: nothing is placed there anyway) */
  private folder?: Promise<string | undefined>

  private readonly base: string

  constructor (base: string) { this.base = base }

  /** Whether the file system takes `name` as a file or folder name (true, unasked, for most names). */
  async takes (name: string): Promise<boolean> {
    if (!RISKY.test(name)) return true
    let answer = this.answers.get(name)
    if (answer === undefined) {
      answer = this.ask(name)
      this.answers.set(name, answer)
    }
    return await answer
  }

  private async ask (name: string): Promise<boolean> {
    this.folder ??= (async () => {
      const dir = join(this.base, `.ferry-probe-${randomBytes(6).toString('hex')}`)
      try {
        await mkdir(dir, { mode: 0o700 })
        return dir
      } catch { return undefined }
    })()
    const dir = await this.folder
    if (dir === undefined) return true
    try {
      await (await open(join(dir, name), 'wx')).close()
      return true
    } catch (err) {
      // anything else (no room, no permission) is not about the name, and placing says it
      return !NAME_REFUSED.has(String((err as { code?: unknown }).code))
    }
  }

  /** Remove the probe folder and what was made in it. */
  async close (): Promise<void> {
    const dir = await this.folder
    if (dir !== undefined) await rm(dir, { recursive: true, force: true }).catch(() => {})
  }
}
