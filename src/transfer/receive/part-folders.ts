// The part folders of a receive folder (`.ferry-part/<root>/`): what they
// hold, and removing the ones no transfer will use again. A receive that
// ends without its files (failed, cancelled by the sender) keeps its part
// folder so that a re-send of the same content picks up where it stopped;
// after a day, or at once when an offer does not fit on the disk, the
// folder goes. One cancelled on the receiving device goes at once.

import { constants, type Stats } from 'node:fs'
import { lstat, mkdir, open, readdir, rm, rmdir, stat } from 'node:fs/promises'
import { basename, dirname, join, relative } from 'node:path'
import { FerryError, modeNotHeld, toFerryError } from '../../errors.ts'
import { PART_DIR } from '../folder/safe-path.ts'
import { CLAIM_MARK, dropClaimsLeft, partDirFor } from '../folder/finalize.ts'
import { isSpoolSlot } from './spool.ts'
import type { TransferStore } from '../../store/index.ts'
import type { Logger } from '../../daemon/logger.ts'

/**
 * What the dedup index knew of part folders now removed (the chunks of kept
 * part files: Receiver.keepVerifiedParts). A store that cannot write now is
 * no reason to fail what removed them (review finding: a full disk failed a
 * receive whose every file was placed): rows left behind are forgotten when
 * a copy from them fails (receive-plan.ts, recover).
 */
export function forgetPartChunks (store: Pick<TransferStore, 'forgetUnder'>, dirs: string[], log: Pick<Logger, 'debug'>): void {
  forgetting(log, 'folders', () => { for (const dir of dirs) store.forgetUnder(dir) })
}

/** Run `forget` (dedup rows of removed part folders or files), swallowing a store that cannot write now, as forgetPartChunks says why. */
function forgetting (log: Pick<Logger, 'debug'>, what: 'folders' | 'files', forget: () => void): void {
  try {
    forget()
  } catch (err) {
    log.debug(`cannot forget the chunks of removed part ${what}`, { err: (err as Error).message })
  }
}

/** How often a fetch looks that its part folder is still where it made it (watchPartFolder). */
export const PART_FOLDER_WATCH_MS = 1000

/**
 * Tell `onGone` once, within PART_FOLDER_WATCH_MS, if nothing is at `dir`,
 * the part folder, any more (removed, or the receive folder removed,
 * renamed or unmounted): part files are written through open descriptors,
 * so the fetch went on into files no name leads to, and the receive failed
 * only once every byte had come (user-test finding: 500 MB fetched after
 * `mv` of the receive folder). Only ENOENT and ENOTDIR say so: another
 * error is a look that failed (a network or FUSE file system's hiccup), and
 * an inode number is no folder's identity on FUSE (fusefat gives its own
 * node numbers, which can change), review findings. Returns the stop.
 */
export function watchPartFolder (dir: string, onGone: () => void, everyMs = PART_FOLDER_WATCH_MS): () => void {
  let told = false
  const look = async (): Promise<void> => {
    const gone = await stat(dir).then(() => false, (err: NodeJS.ErrnoException) => err.code === 'ENOENT' || err.code === 'ENOTDIR')
    if (told || !gone) return
    told = true
    onGone()
  }
  void look()
  const timer = setInterval(() => { void look() }, everyMs)
  timer.unref()
  return () => { clearInterval(timer) }
}

/** Why a receive cannot go on in `receiveDir`: nothing is there (removed, or its disk unmounted). Its run says so as it begins (makePartFolder), and one waiting for room as it looks at the disk (room-wait.ts). */
function receiveFolderGone (receiveDir: string): FerryError {
  return new FerryError('E_PATH_NOT_FOUND', `receive folder ${receiveDir} is gone (removed, or its disk unmounted); send again once it is back`)
}

/**
 * The receive folder's stat, nothing there said as receiveFolderGone (ENOTDIR: a folder above it is a file now), any
 * other failure as E_IO. Its run asks as it begins (makePartFolder), and one waiting for room as it looks (room-wait.ts).
 */
export async function statReceiveFolder (receiveDir: string): Promise<Stats> {
  return await stat(receiveDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') throw receiveFolderGone(receiveDir)
    throw toFerryError(err, 'E_IO')
  })
}

/**
 * Make (or find) a receive's part folder, `.ferry-part/<root>/` in the
 * receive folder, this user's only. Neither level may be a symbolic link:
 * another local user who can write in the receive folder could plant
 * `.ferry-part` as a link to a folder of yours elsewhere, and part files
 * would be written there, and swept from there (review finding).
 */
export async function makePartFolder (receiveDir: string, rootHex: string): Promise<string> {
  const dir = partDirFor(receiveDir, rootHex)
  // not made again here: a receive folder gone in the middle of a receive is
  // most likely on a disk unmounted meanwhile, and made again it would be on
  // the disk under the mount point, which the rest of the receive would fill
  // (review finding). A new offer's admission makes it, as the daemon's start does.
  const st = await statReceiveFolder(receiveDir)
  // moved away and a file put at its name: said so, not as the mkdir below
  // failed ("ENOTDIR: not a directory, mkdir '…/.ferry-part'", E_IO: helper finding)
  if (!st.isDirectory()) throw new FerryError('E_IO', `receive folder ${receiveDir} is not a folder any more (moved, and something else put at its name); send again once it is back`)
  // another receive that ends removes `.ferry-part` when it looks empty
  // (receiver.ts), maybe between this one's two steps: made again then
  // (review finding: 29 of ~3,950 concurrent small receives failed with ENOENT)
  for (let attempt = 1; ; attempt++) {
    try {
      for (const d of [join(receiveDir, PART_DIR), dir]) {
        await mkdir(d, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e })
        await makePrivate(receiveDir, d)
      }
      return dir
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempt < PART_FOLDER_TRIES) continue
      throw toFerryError(err)
    }
  }
}

/**
 * Make `d` this user's only (0700), through a descriptor opened without
 * following a link, so the look and the chmod are at the same folder: a
 * chmod by name would follow a link swapped in between to whatever it
 * points at (review finding). Both levels: a `.ferry-part` another user
 * made first, open to all, would let them swap a part folder for a link at
 * any time; also one made before part folders were private.
 */
async function makePrivate (receiveDir: string, d: string): Promise<void> {
  const refuse = (why: string): FerryError => new FerryError('E_PATH_UNSAFE', `${relative(receiveDir, d)} in the receive folder is ${why}; ferry keeps its part files there and will not use it (remove it)`)
  let fh
  try {
    fh = await open(d, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW)
  } catch (err) {
    // a link gives ELOOP or, with O_DIRECTORY, ENOTDIR: which it is, for the message
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ELOOP' || code === 'ENOTDIR') throw refuse(await notAFolder(d) ?? 'not a folder')
    throw err
  }
  try {
    const st = await fh.stat()
    if (process.getuid != null && st.uid !== process.getuid()) throw refuse(`another user's (uid ${st.uid})`)
    // on FAT and exFAT who may read it is the mount's say, the same for all (modeNotHeld)
    await fh.chmod(0o700).catch((err: unknown) => { if (!modeNotHeld(err)) throw err })
  } finally {
    await fh.close()
  }
}

/** Tries at making a part folder while other receives end and remove an empty `.ferry-part` (each loses that race once at most, in practice). */
const PART_FOLDER_TRIES = 10

/** Why `path` is not a real folder to work in (a symbolic link, something else), or undefined when it is one or is not there. */
async function notAFolder (path: string): Promise<string | undefined> {
  const st = await lstat(path).catch((e: NodeJS.ErrnoException) => { if (e.code === 'ENOENT') return undefined; throw toFerryError(e) })
  if (st === undefined) return undefined
  if (st.isSymbolicLink()) return 'a symbolic link'
  if (!st.isDirectory()) return 'not a folder'
  return undefined
}

/**
 * Remove a receive's part folder, and `.ferry-part` too when no other
 * receive has one there; nothing through a `.ferry-part` that is not a real
 * folder.
 */
export async function removePartFolder (receiveDir: string, rootHex: string): Promise<void> {
  const base = join(receiveDir, PART_DIR)
  if (await notAFolder(base) !== undefined) return
  // a placing killed between its claim and its rename (FAT: placeByRename) left an empty file under a final name
  await dropClaimsLeft(partDirFor(receiveDir, rootHex))
  await rm(partDirFor(receiveDir, rootHex), { recursive: true, force: true })
  await rmdir(base).catch(() => {}) // only if empty: another receive's part folder keeps it (makePartFolder tries again if it loses this race)
}

/**
 * Remove kept part files of the part folder `partDir` (of an ended receive)
 * that are of no more use, and the folder too once it holds no part file
 * (its spool slots are scratch), forgetting what the dedup index knew of
 * them. Returns how many it removed, and the bytes they took. The caller
 * holds the folder's lock and knows that no receive under way uses it.
 */
export async function removeKeptPartFiles (partDir: string, files: readonly string[], store: Pick<TransferStore, 'forgetUnder' | 'forgetPath'>, log: Pick<Logger, 'debug'>): Promise<{ files: number, bytes: number }> {
  let removed = 0
  let bytes = 0
  // a link planted in place of `.ferry-part` or of the part folder is not followed (review finding): what it points to is not ferry's
  if (await notAFolder(dirname(partDir)) !== undefined || await notAFolder(partDir) !== undefined) return { files: 0, bytes: 0 }
  await dropClaimsLeft(partDir, files)
  for (const f of files) {
    const st = await lstat(f).catch(() => undefined)
    if (st == null || !st.isFile()) continue
    await rm(f, { force: true })
    removed++
    bytes += Math.min(st.blocks * 512, st.size)
  }
  // A part file of no bytes keeps nothing for a re-send: the plan makes one
  // for every file it is to fetch, also those it then never got (changed on
  // the sender after the offer, the receive done without them). Counted as
  // kept, they held the folder a day after its last real part file went,
  // with the spool slots beside them (soak finding: three empty part files
  // and 3.1 MiB of slots, shown by `ferry status`, after the re-send that
  // brought those files was done)
  const left: string[] = []
  for (const name of (await readdir(partDir).catch(() => [])).filter((n) => /^\d+$/.test(n))) {
    const st = await lstat(join(partDir, name)).catch(() => undefined)
    if (st != null && (!st.isFile() || st.size > 0)) left.push(name)
  }
  if (left.length === 0) {
    await removePartFolder(dirname(dirname(partDir)), basename(partDir))
    forgetPartChunks(store, [partDir], log)
  } else {
    forgetting(log, 'files', () => { for (const f of files) store.forgetPath(f) })
  }
  return { files: removed, bytes }
}

/** How long the part folder of an ended receive is kept for a re-send (Syncthing keeps its temporary files as long). */
export const KEEP_ENDED_PARTS_MS = 24 * 60 * 60 * 1000

/**
 * What a part folder holds on disk (sparse: allocated blocks, not sizes),
 * in one look: `held`, its part files; `spooled`, its spool slots (spool.ts),
 * what an earlier run left of chunks on their way in. Slots are scratch, not
 * file content (review finding: they were counted as the offer's bytes held).
 */
export async function partFolderBytes (partDir: string): Promise<{ held: number, spooled: number, partFiles: number }> {
  const { bytes, spooled, partFiles } = await survey(partDir)
  return { held: bytes - spooled, spooled, partFiles }
}

/**
 * What a part folder's spool slots alone occupy (partFolderBytes' `spooled`),
 * without a look at each part file: a receive waiting for room looks every
 * 2 s (room-wait.ts), and one of many files has as many part files.
 */
export async function spooledBytes (partDir: string): Promise<number> {
  let spooled = 0
  for (const name of await readdir(partDir).catch(() => [])) {
    if (!isSpoolSlot(name)) continue
    const st = await lstat(join(partDir, name)).catch(() => undefined)
    if (st?.isFile() === true) spooled += Math.min(st.blocks * 512, st.size)
  }
  return spooled
}

/**
 * Remove the part folders of `receiveDir` whose root is not in `keep` and
 * that nothing has written to for `minAgeMs`. Returns what it removed (and their paths).
 */
export async function sweepPartFolders (receiveDir: string, keep: ReadonlySet<string>, minAgeMs: number, now = Date.now()): Promise<{ folders: number, bytes: number, removed: string[] }> {
  const base = join(receiveDir, PART_DIR)
  let folders = 0
  let bytes = 0
  const removed: string[] = []
  // a link planted in its place is not followed: what it points to is not ferry's to remove
  if (await notAFolder(base) !== undefined) return { folders, bytes, removed }
  for (const root of await readdir(base).catch(() => [])) {
    // a root's folder, or a prefetch's whose offer never came (prefetch.ts)
    if (keep.has(root) || !/^([0-9a-f]{64}|pre-[0-9a-f]{32})$/.test(root)) continue
    const dir = join(base, root)
    const { bytes: held, newest } = await survey(dir)
    if (minAgeMs > 0 && now - newest < minAgeMs) continue
    await dropClaimsLeft(dir)
    await rm(dir, { recursive: true, force: true })
    removed.push(dir)
    folders++
    bytes += held
  }
  return { folders, bytes, removed }
}

/**
 * The part folders in `receiveDir` that no receive or fetch ahead under way
 * uses (`active`: their names), and the bytes they hold: what ended receives
 * left for a re-send, and (`ahead`) what was fetched ahead for offers that
 * have not come (a sender cancelled while it hashed, say), taken if they come.
 */
export async function keptPartFolders (receiveDir: string, active: ReadonlySet<string>): Promise<{ folders: number, bytes: number, ahead: number }> {
  const base = join(receiveDir, PART_DIR)
  const kept = { folders: 0, bytes: 0, ahead: 0 }
  if (await notAFolder(base) !== undefined) return kept
  for (const name of await readdir(base).catch(() => [])) {
    const prefetched = /^pre-[0-9a-f]{32}$/.test(name)
    if (active.has(name) || !(prefetched || /^[0-9a-f]{64}$/.test(name))) continue
    kept.folders++
    if (prefetched) kept.ahead++
    kept.bytes += (await survey(join(base, name))).bytes
  }
  return kept
}

/**
 * One look at each file of a part folder: the bytes they occupy, of them
 * the spool slots', and the newest modification time (writes to a part
 * file do not touch the folder's own).
 */
async function survey (dir: string): Promise<{ bytes: number, spooled: number, newest: number, partFiles: number }> {
  let bytes = 0
  let spooled = 0
  let partFiles = 0
  let newest = (await lstat(dir).catch(() => undefined))?.mtimeMs ?? 0
  for (const name of await readdir(dir).catch(() => [])) {
    const st = await lstat(join(dir, name)).catch(() => undefined)
    if (st == null) continue
    newest = Math.max(newest, st.mtimeMs)
    if (!st.isFile()) continue
    const used = Math.min(st.blocks * 512, st.size)
    bytes += used
    // a claim's mark (FAT: placeByRename) is no part file
    if (isSpoolSlot(name)) spooled += used; else if (!name.endsWith(CLAIM_MARK)) partFiles++
  }
  return { bytes, spooled, newest, partFiles }
}
