// Whether the receive folder's file system takes a name, asked of the file
// system itself. Two kinds of names some file systems cannot hold:
// - a name with : * ? " < > |, which FAT and exFAT (and NTFS as Windows
//   mounts it) refuse and Linux and macOS senders may have (a screenshot's
//   "12:30:05", a "what?.jpg"). Unasked, such a name failed the whole
//   transfer after its bytes came, with "ENOENT ... open" (exfat-fuse) or
//   EINVAL (the kernel's vfat), and every re-send failed the same way
//   (user-test finding);
// - a name ending in a dot or a space ("Trip to Paris.", "notes "), which
//   ext4, APFS, XFS hold as named, while Windows drops both endings, and
//   the kernel's vfat and exfat drivers a final dot: there "Trip." is
//   "Trip", another name, maybe another folder's, or a name nothing opens.
//   exfat-fuse and fusefat keep the dot, but the card or stick goes to
//   other machines: refused wherever the file system refuses Windows'
//   characters, and wherever it drops the dot. Until 2026-12-05 such names
//   were refused everywhere, so a folder "Misc." never left even a Linux
//   machine for another.
// ferry cannot decide either from the file system's type (a USB stick
// behind FUSE is "fuseblk", and drivers differ), so it asks: the path is
// then refused alone, like a hostile name, and the rest is received.
//
// What is asked is each character, and each kind of ending, not each name:
// a file system that refuses one refuses it in every name, so a check asks
// at most nine times however many names carry them (asking per name cost
// ~0.2 ms each, 25 s for 100,000 names at each look: review finding). A
// question is asked by creating an empty file `.ferry-probe-<random>-…` in
// the receive folder (O_EXCL: never through a link) and unlinking it at
// once; a refusal counts only where a plain probe can be created; for an
// ending, the name without it must then not exist (a driver that drops
// the dot made that file instead). A daemon killed in between leaves its
// probe for the sweep at start (sweepProbes). Names without those
// characters and endings are not asked: a camera roll's names cost nothing.

import { randomBytes } from 'node:crypto'
import { lstat, open, readdir, unlink } from 'node:fs/promises'
import { join } from 'node:path'

/** Characters FAT and exFAT refuse in a name; ferry refuses control characters and backslashes everywhere already. */
const RISKY = /[:*?"<>|]/gu
/** RISKY without /g, whose test() would keep a lastIndex from name to name */
const RISKY_ONE = /[:*?"<>|]/u
const PROBE_PREFIX = '.ferry-probe-'

export const NAME_REFUSED_REASON = 'the receive folder\'s file system cannot hold this name (FAT and exFAT, and NTFS as Windows mounts it, refuse : * ? " < > |)'
/** Why a name ending in a dot or a space is refused where the file system cannot hold it as named. */
export const ENDING_REFUSED_REASON = 'the receive folder\'s file system is one Windows reads (it refuses : * ? " < > |, or drops a final dot), and there a name ending in a dot or a space is another name, or none'

/** The endings asked about (each as the question `end` + it: answer()). */
const ENDINGS = ['.', ' ']

/** What a file system is asked: whether it can create the file `path` (a test gives one that refuses like exFAT where none can be mounted). */
export type CreateProbe = (path: string) => Promise<void>
const createEmpty: CreateProbe = async (path) => { await (await open(path, 'wx', 0o600)).close() }

export class NameProbe {
  /** per question (a character, or an ending: answer()): whether the file system takes it */
  private readonly answers = new Map<string, Promise<boolean>>()
  private readonly base: string
  private readonly create: CreateProbe
  private readonly tag = randomBytes(6).toString('hex')
  /** whether a plain name can be created here: asked once, when a refusal is to be told apart (plainTaken) */
  private plain?: Promise<boolean>

  constructor (base: string, create: CreateProbe = createEmpty) {
    this.base = base
    this.create = create
  }

  /** Whether the file system takes `name` as a file or folder name (true, unasked, for most names). */
  async takes (name: string): Promise<boolean> {
    return await this.refusal(name) === undefined
  }

  /**
   * Whether refusal(name) has anything to ask: false for most names, which
   * are taken unasked. Synchronous, so that a caller checking every
   * component of 30,000 paths makes no promise for each (a receive's path
   * checks made ~13 KB of garbage per file: heap profile).
   */
  mayRefuse (name: string): boolean {
    const end = name.at(-1)
    return RISKY_ONE.test(name) || (end !== undefined && ENDINGS.includes(end))
  }

  /** Why the file system cannot take `name` as a file or folder name; undefined (unasked, for most names) where it can. */
  async refusal (name: string): Promise<string | undefined> {
    if (!this.mayRefuse(name)) return undefined
    for (const c of new Set(name.match(RISKY) ?? [])) {
      if (!await this.answer(c)) return NAME_REFUSED_REASON
    }
    const end = name.at(-1)
    if (end !== undefined && ENDINGS.includes(end) && !await this.answer(`end${end}`)) return ENDING_REFUSED_REASON
    return undefined
  }

  /**
   * The answer to one question, asked once: a character (`:`), or an
   * ending (`end.`, `end `). An ending is refused where `:` is: a file
   * system that refuses Windows' characters is one Windows reads (a card, a
   * stick, a share), where "Trip." opens "Trip" or nothing, even when the
   * driver here keeps the dot (exfat-fuse, fusefat: review finding). Else
   * it is refused where the driver drops it.
   */
  private async answer (question: string): Promise<boolean> {
    let answer = this.answers.get(question)
    if (answer === undefined) {
      answer = question.length === 1
        ? this.ask(question, `p${question}q`)
        : this.answer(':').then(async (takesColon) => takesColon && await this.ask(question, `e${question.slice(3)}`, 'e'))
      this.answers.set(question, answer)
    }
    return await answer
  }

  /**
   * Create the probe `name` and remove it. `shortened`: for an ending, the
   * name without it, which must not exist once `name` was made: a driver
   * that drops the ending made that one instead. A create that fails is
   * about the name only where a plain name can be created: drivers say it
   * with EINVAL (vfat), ENOENT (exfat-fuse), EPERM (fusefat: review
   * finding, taken for "fine" by a list of codes), EILSEQ; no room, no
   * permission or a read-only disk fail the plain one too, and placing
   * says those.
   */
  private async ask (question: string, name: string, shortened?: string): Promise<boolean> {
    const probe = this.probePath(name)
    try {
      await this.create(probe)
    } catch {
      // the receive folder gone (a disk unmounted): not about the name, and asked again next time (review finding)
      if (!await lstat(this.base).then((st) => st.isDirectory(), () => false)) {
        this.answers.delete(question)
        return true
      }
      return !await this.plainTaken()
    }
    let held = true
    if (shortened !== undefined) {
      const other = this.probePath(shortened)
      held = await lstat(other).then(() => false, () => true)
      if (!held) await unlink(other).catch(() => {})
    }
    await unlink(probe).catch(() => {})
    return held
  }

  /** This check's probe file `name` in the receive folder. */
  private probePath (name: string): string {
    return join(this.base, `${PROBE_PREFIX}${this.tag}-${name}`)
  }

  /** Whether a plain name can be created here (and removed): asked once, while a refusal stands to be told apart */
  private async plainTaken (): Promise<boolean> {
    this.plain ??= this.askPlain()
    return await this.plain
  }

  private async askPlain (): Promise<boolean> {
    const plain = this.probePath('plain')
    try {
      await this.create(plain)
    } catch {
      return false
    }
    await unlink(plain).catch(() => {})
    return true
  }
}

/**
 * A probe file of this module (empty) or of zero-chunks.ts (at most its
 * 1 MiB), by its whole name: a file received under a name that only starts
 * like one (".ferry-probe-notes.txt") is the person's, not swept (review finding).
 */
const PROBE_NAME = /^\.ferry-probe-[0-9a-f]{12}-(?:p[:*?"<>|]q|e[. ]?|plain)$/
const HOLES_PROBE_NAME = /^\.ferry-holes-probe-[0-9a-f]{12}$/

/**
 * Whether a file at the top of the receive folder by this name would be
 * swept at start: such names are refused in offers (safe-path.ts), or a
 * file received by one was lost at the next start (review finding).
 */
export const isProbeFileName = (name: string): boolean => PROBE_NAME.test(name) || HOLES_PROBE_NAME.test(name)

/** Remove probe files a daemon killed mid-check left in the receive folder (regular files by those names and sizes only, never through a link). */
export async function sweepProbes (dir: string): Promise<number> {
  let removed = 0
  const names = await readdir(dir).catch(() => [] as string[])
  for (const name of names) {
    const limit = PROBE_NAME.test(name) ? 0 : HOLES_PROBE_NAME.test(name) ? 1024 * 1024 : undefined
    if (limit === undefined) continue
    const path = join(dir, name)
    const st = await lstat(path).catch(() => undefined)
    if (st?.isFile() === true && st.size <= limit && await unlink(path).then(() => true, () => false)) removed++
  }
  return removed
}

/** zero-chunks.ts's probe file, swept with these. */
export const HOLES_PROBE_PREFIX = '.ferry-holes-probe-'
