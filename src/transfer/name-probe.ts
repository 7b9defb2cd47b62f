// Whether the receive folder's file system takes a name, asked of the file
// system itself: FAT and exFAT (and NTFS as Windows mounts it) refuse
// : * ? " < > | in names, which Linux and macOS senders may have (a
// screenshot's "12:30:05", a "what?.jpg"). ferry cannot refuse those
// everywhere (they are fine on ext4, APFS, ...), and cannot tell the file
// system from its type (a USB stick behind FUSE is "fuseblk"). Unasked,
// such a name failed the whole transfer after its bytes came, with "ENOENT
// ... open" (exfat-fuse) or EINVAL (the kernel's vfat), and every re-send
// failed the same way (user-test finding). Asked up front, the path is
// refused alone, like a hostile name, and the rest is received.
//
// What is asked is each of those characters, not each name: a file system
// that refuses one refuses it in every name, so a check asks at most seven
// times however many names carry them (asking per name cost ~0.2 ms each,
// 25 s for 100,000 names at each look: review finding). A character is
// asked by creating an empty file `.ferry-probe-<random>-p<c>q` in the
// receive folder (O_EXCL: never through a link) and unlinking it at once;
// a daemon killed in between leaves it for the sweep at start
// (sweepProbes). Names without those characters are not asked: a camera
// roll's names cost nothing.

import { randomBytes } from 'node:crypto'
import { lstat, open, readdir, unlink } from 'node:fs/promises'
import { join } from 'node:path'

/** Characters FAT and exFAT refuse in a name; ferry refuses control characters and backslashes everywhere already. */
const RISKY = /[:*?"<>|]/gu
/**
 * How a file system says it cannot hold a name: EINVAL (vfat), EILSEQ (a
 * name not in its character set), ENOENT (exfat-fuse; only when the
 * receive folder itself is there).
 */
const NAME_REFUSED = new Set(['EINVAL', 'EILSEQ', 'ENOENT'])
const PROBE_PREFIX = '.ferry-probe-'

export const NAME_REFUSED_REASON = 'the receive folder\'s file system cannot hold this name (FAT and exFAT, and NTFS as Windows mounts it, refuse : * ? " < > |)'

/** What a file system is asked: whether it can create the file `path` (a test gives one that refuses like exFAT where none can be mounted). */
export type CreateProbe = (path: string) => Promise<void>
const createEmpty: CreateProbe = async (path) => { await (await open(path, 'wx', 0o600)).close() }

export class NameProbe {
  /** per character: whether the file system takes it */
  private readonly answers = new Map<string, Promise<boolean>>()
  private readonly base: string
  private readonly create: CreateProbe
  private readonly tag = randomBytes(6).toString('hex')

  constructor (base: string, create: CreateProbe = createEmpty) {
    this.base = base
    this.create = create
  }

  /** Whether the file system takes `name` as a file or folder name (true, unasked, for most names). */
  async takes (name: string): Promise<boolean> {
    for (const c of new Set(name.match(RISKY) ?? [])) {
      let answer = this.answers.get(c)
      if (answer === undefined) {
        answer = this.ask(c)
        this.answers.set(c, answer)
      }
      if (!await answer) return false
    }
    return true
  }

  private async ask (c: string): Promise<boolean> {
    const probe = join(this.base, `${PROBE_PREFIX}${this.tag}-p${c}q`)
    try {
      await this.create(probe)
    } catch (err) {
      const code = String((err as { code?: unknown }).code)
      // anything else (no room, no permission, read-only) is not about the name, and placing says it;
      // ENOENT is about the name only while the receive folder is there (review finding)
      if (!NAME_REFUSED.has(code)) return true
      if (code === 'ENOENT' && !await lstat(this.base).then((st) => st.isDirectory(), () => false)) {
        this.answers.delete(c) // asked again next time, when the folder may be back
        return true
      }
      return false
    }
    await unlink(probe).catch(() => {})
    return true
  }
}

/** Remove probe files a daemon killed mid-check left in the receive folder (regular files by that prefix only, never through a link). */
export async function sweepProbes (dir: string): Promise<number> {
  let removed = 0
  const names = await readdir(dir).catch(() => [] as string[])
  for (const name of names) {
    if (!name.startsWith(PROBE_PREFIX) && !name.startsWith(HOLES_PROBE_PREFIX)) continue
    const path = join(dir, name)
    const st = await lstat(path).catch(() => undefined)
    if (st?.isFile() === true && await unlink(path).then(() => true, () => false)) removed++
  }
  return removed
}

/** zero-chunks.ts's probe file, swept with these. */
export const HOLES_PROBE_PREFIX = '.ferry-holes-probe-'
