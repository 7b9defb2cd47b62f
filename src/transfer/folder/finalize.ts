// Placing a fully verified part file under its final name inside the receive
// folder: parent folders created without following symlinks, never
// overwriting (link + unlink; a taken name becomes "name (1).ext"), with the
// sender's modification time and permission bits: a private file (0600) or
// folder (0700) stays private. The receiving user always keeps read and
// write (folders: rwx) on what it received, and its umask still applies,
// so nothing arrives more open than a file of its own would be.
// Must never: write outside the receive folder, or leave a half-written file
// under a final name (only complete, verified part files get here).

import { closeSync, constants, fchmodSync, fstatSync, futimesSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, type BigIntStats } from 'node:fs'
import { lutimes, open, readdir, realpath, unlink } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join, relative } from 'node:path'
import { FerryError, modeNotHeld, quoteForDisplay, toFerryError } from '../../errors.ts'
import { MODE_PERMISSIONS } from '../manifest/manifest-root.ts'
import { IN_STATE_FOLDER, isCollisionName, isFolder, isFolderAt, resolveInside, uniqueDestination, validateRelativePath, type FolderId } from './safe-path.ts'

/** Permission bits of a folder the sender sent, by its relative path (POSIX separators). */
export type DirModes = ReadonlyMap<string, number>

/**
 * Create the folders leading to `components` (all but the last), refusing
 * symlinks on the way. `known` remembers folders already checked during this
 * transfer, so a thousand photos in one folder cost one lstat, not a thousand.
 * A folder it creates gets the sender's permission bits (`modes`), with rwx
 * for the owner so the rest can be written into it; the umask applies.
 * Folders that exist already are left as they are here (placeDir tightens
 * one that is the offer's own entry: tightenFolder).
 */
export async function ensureParents (root: string, components: string[], known?: Set<string>, modes?: DirModes, keepOut?: FolderId): Promise<void> {
  let current = root
  /** a level above was taken from `known`, not looked at now */
  let trusted = false
  for (let i = 0; i < components.length - 1; i++) {
    current = join(current, components[i])
    if (known?.has(current) === true) { trusted = true; continue }
    if (folderAt(root, current, keepOut) === 'missing') {
      // the levels above, looked at again right before the mkdir when one
      // came from the cache: swapped for a symbolic link since (by someone who
      // can write in the receive folder), mkdir would make this folder
      // through it, outside (review finding: B and B/C were made there)
      if (trusted && parentsNow(root, components.slice(0, i + 1), keepOut) === 'missing') {
        for (let k = 1; k <= i; k++) known?.delete(join(root, ...components.slice(0, k)))
        await ensureParents(root, components, undefined, modes, keepOut)
        return
      }
      const mode = (modes?.get(components.slice(0, i + 1).join('/')) ?? 0o777) | 0o700
      // synchronous, as the look before it: nothing of this daemon runs in between
      let made = true
      try { mkdirSync(current, { mode }) } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw toFerryError(e); made = false }
      // something appeared there since the lstat: looked at like the rest,
      // never taken on trust (review finding: a symlink put there in that
      // instant was used as the folder)
      if (!made) folderAt(root, current, keepOut)
    }
    known?.add(current)
  }
}

/**
 * Whether the folders on the way to `components`' last one are real folders
 * now, looked at again with lstat, none taken from a cache: 'missing' when
 * one is not there (moved or removed since), E_PATH_UNSAFE when one is a
 * symbolic link or not a folder. placeFile runs it right before the link:
 * a folder checked when the transfer's first file was placed may have been
 * swapped for a symlink to a folder outside since (review finding: a later
 * file of the transfer was written there). Synchronous, as the link is:
 * nothing of this daemon runs in between, and each look costs microseconds.
 */
export function parentsNow (root: string, components: string[], keepOut?: FolderId): 'ok' | 'missing' {
  let current = root
  for (let i = 0; i < components.length - 1; i++) {
    current = join(current, components[i])
    if (folderAt(root, current, keepOut) === 'missing') return 'missing'
  }
  return 'ok'
}

/** The receive folder itself (a link to it is fine) must not be `keepOut`, ferry's state folder. Its path is not in the message: a failed receive's error goes to the sender. */
export function receiveFolderNotStateFolder (root: string, keepOut: FolderId | undefined): void {
  if (isFolderAt(root, keepOut)) throw new FerryError('E_PATH_UNSAFE', 'the receive folder is ferry\'s own state folder: nothing is placed in it')
}

/**
 * A folder on the way to a file, checked when the offer came, that is a
 * symbolic link or not a folder when the file is placed (a person swapped
 * it while the transfer ran): that file is received without, told with
 * `reason`, as a path refused up front is (receiver.ts), not the transfer
 * failed.
 */
export class InTheWay extends FerryError {
  readonly reason: string
  constructor (reason: string) {
    super('E_PATH_UNSAFE', reason)
    this.reason = reason
  }
}

/**
 * What is at `path`, a folder on the way to a file: 'ok' for a real folder,
 * 'missing', or E_PATH_UNSAFE for a link, anything else, or the folder
 * `keepOut` (ferry's state folder: the offer was checked against it when it
 * came, but a receive that began in another receive folder may be placed in
 * this one after a restart).
 */
function folderAt (root: string, path: string, keepOut?: FolderId): 'ok' | 'missing' {
  let st
  try {
    st = lstatSync(path, { throwIfNoEntry: false, bigint: true })
  } catch (err) {
    throw toFerryError(err)
  }
  if (st === undefined) return 'missing'
  if (st.isSymbolicLink()) throw new InTheWay(`${quoteForDisplay(relative(root, path))} is a symbolic link in the receive folder`)
  if (!st.isDirectory()) throw new InTheWay(`${quoteForDisplay(relative(root, path))} in the receive folder is no longer a folder (something else took its name while the transfer ran)`)
  if (isFolder(st, keepOut)) throw new FerryError('E_PATH_UNSAFE', `${relative(root, path) || '.'}: ${IN_STATE_FOLDER}`)
  return 'ok'
}

export interface PlaceOptions {
  root: string
  relPath: string
  partPath: string
  mtimeMs: number
  mtimeSubMsNs?: number
  mode: number
  knownDirs?: Set<string>
  dirModes?: DirModes
  /**
   * Paths the transfer itself uses (its entries and their folders): never
   * given as a keep-both name (review finding: a file "a" kept as "a (1)"
   * next to the person's folder "a" took the name of the transfer's folder
   * "a (1)", and its files then failed after all their bytes had come).
   */
  taken?: (path: string) => boolean
  /** ferry's own state folder: nothing is placed in it (folderAt) */
  keepOut?: FolderId
}

/** Move the part file to its final name; returns the path actually used. */
export async function placeFile (o: PlaceOptions): Promise<string> {
  const components = validateRelativePath(o.relPath)
  receiveFolderNotStateFolder(o.root, o.keepOut)
  await ensureParents(o.root, components, o.knownDirs, o.dirModes, o.keepOut)
  // every parent is now a real folder inside root (checked, or created by us),
  // and the components are validated, so the full symlink walk is needed only
  // when nothing was cached; the final name is never followed (link fails on
  // EEXIST, a symbolic link of the person's there too, and the file is kept next to it)
  const wanted = o.knownDirs != null ? join(o.root, ...components) : await resolveInside(o.root, components, { lastMayBeLink: true })
  let dest = wanted
  await setMetadata(o.partPath, o.mtimeMs, o.mtimeSubMsNs ?? 0, o.mode)
  // a folder on the way moved or removed since it was made (a person tidying
  // up while the rest arrives): made again, not the transfer failed with ENOENT
  let lookedAtJustNow = parentsNow(o.root, components, o.keepOut) === 'ok'
  if (!lookedAtJustNow) {
    for (let i = 1; i < components.length; i++) o.knownDirs?.delete(join(o.root, ...components.slice(0, i)))
    await ensureParents(o.root, components, undefined, o.dirModes, o.keepOut)
  }
  /** the folders on the way, looked at again right before each link, with no await in between */
  const parentsReady = (): void => {
    if (parentsNow(o.root, components, o.keepOut) === 'missing') throw new FerryError('E_IO', `the folder of ${o.relPath} went away while it was placed`)
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    // the first link follows the look above with nothing awaited in between, as
    // parentsReady's would: looking twice in a row was 3 lstat calls per file
    // of a camera roll (docs/PERFORMANCE.md, "A camera roll of 30,000 files")
    if (!lookedAtJustNow) parentsReady()
    lookedAtJustNow = false
    try {
      // link fails with EEXIST instead of replacing: an existing file is never overwritten.
      // Synchronous on purpose: these metadata calls take microseconds on a local
      // disk, the thread-pool round trip of the async ones cost more (photos: 1,000 files)
      linkSync(o.partPath, dest)
      unlinkSync(o.partPath)
      return dest
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      // the next free "name (n).ext" of the name asked for, not "name (1) (1).ext"
      if (code === 'EEXIST') { dest = await uniqueDestination(wanted, o.taken); continue }
      // not EXDEV (another mount there, since the offer was checked): a rename cannot cross either, and its claim
      // would be made on that disk first (review finding); the receiver refuses the file alone for it (deniedPlacing)
      if (code === 'EPERM' || code === 'ENOTSUP') return await placeByRename(o.partPath, wanted, parentsReady, o.taken)
      throw toFerryError(err)
    }
  }
  throw new FerryError('E_IO', `could not find a free name for ${o.relPath}`)
}

/**
 * For file systems without hard links (vfat, exFAT): claim a free name by
 * creating it (O_EXCL, so a name taken meanwhile, also by another file of
 * this transfer placed at the same moment, is never claimed twice), then
 * rename the part file over our own empty claim. rename alone would replace
 * whatever got the name between a check and the rename.
 * The name is written down beside the part file before it is claimed
 * (claimMarkOf), and the mark removed once the part is renamed over it: a
 * placing killed in between (kill -9; not synced, a mark may be lost to a
 * power cut, which then leaves what it did before) left an empty file under
 * the final name, and the next placing of that part file (the receive
 * resumed, or the offer sent again) took it for the person's and placed
 * "name (1)" beside it (helper finding). It now renames over that claim.
 */
export async function placeByRename (partPath: string, wanted: string, parentsReady?: () => void, taken?: (path: string) => boolean): Promise<string> {
  const mark = claimMarkOf(partPath)
  const left = claimLeft(mark, wanted)
  if (left !== undefined) {
    parentsReady?.()
    try {
      renameSync(partPath, left)
    } catch (err) {
      throw toFerryError(err)
    }
    forgetClaim(mark)
    return left
  }
  let dest = wanted
  for (let attempt = 0; attempt < 100; attempt++) {
    parentsReady?.()
    markClaim(mark, dest)
    try {
      closeSync(openSync(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') { forgetClaim(mark); throw toFerryError(err) }
      dest = await uniqueDestination(wanted, taken)
      continue
    }
    try {
      renameSync(partPath, dest)
    } catch (err) {
      await removeQuietly(dest)
      forgetClaim(mark)
      throw toFerryError(err)
    }
    forgetClaim(mark)
    return dest
  }
  forgetClaim(mark)
  throw new FerryError('E_IO', `could not find a free name for ${wanted}`)
}

/** Where placeByRename writes the name it is about to claim for `partPath`: beside it, in the part folder (on the same disk as the claim). */
export function claimMarkOf (partPath: string): string {
  return `${partPath}${CLAIM_MARK}`
}

/** How a claim's mark is named: its part file's name and this */
export const CLAIM_MARK = '.claim'

/**
 * Write down `dest` as the name claimed for a part file, before it is
 * claimed. A mark that cannot be written (the card full: it takes a
 * cluster, where the claim takes none) is done without: the claim is made
 * as before, and only a placing killed right after it leaves "name (1)".
 */
function markClaim (mark: string, dest: string): void {
  try { writeFileSync(mark, dest) } catch {}
}

function forgetClaim (mark: string): void {
  try { unlinkSync(mark) } catch {}
}

/**
 * The name a placing of this part file claimed and died before renaming the
 * part over (its mark there), if it is still that claim: an empty regular
 * file, not older than the mark (FAT keeps times in 2 s steps), `wanted` or
 * one of its "name (n)". Anything else there (the person's file, made or put
 * in its place since, or one the mark named when its claim failed) is not
 * taken; the mark is dropped and a name claimed as usual.
 */
function claimLeft (mark: string, wanted?: string): string | undefined {
  let dest: string
  let markedMs: number
  try {
    dest = readFileSync(mark, 'utf8')
    markedMs = lstatSync(mark).mtimeMs
  } catch {
    return undefined // none: the usual case
  }
  const st = lstatSync(dest, { throwIfNoEntry: false })
  const ours = st !== undefined && st.isFile() && st.size === 0 && st.mtimeMs >= markedMs - 2000 &&
    (wanted === undefined || (dirname(dest) === dirname(wanted) && (dest === wanted || isCollisionName(basename(dest), basename(wanted)))))
  if (ours) return dest
  forgetClaim(mark)
  return undefined
}

/**
 * Remove what placings of the part files in `partDir` left (claimLeft) and
 * their marks: for part files let go of unplaced (their receive ended, or
 * they are of no more use), whose claims no placing takes again, an empty
 * file under a final name each. Only a claim in a folder reached without a
 * symbolic link, inside the receive folder the part folder is in: nothing
 * outside it is removed.
 */
export async function dropClaimsLeft (partDir: string, partFiles?: readonly string[]): Promise<void> {
  const marks = partFiles !== undefined
    ? partFiles.map(claimMarkOf)
    : (await readdir(partDir).catch(() => [] as string[])).filter((n) => n.endsWith(CLAIM_MARK)).map((n) => join(partDir, n))
  const receiveDir = dirname(dirname(partDir))
  const realReceiveDir = await realpath(receiveDir).catch(() => undefined)
  for (const mark of marks) {
    const left = claimLeft(mark)
    const inside = left !== undefined && realReceiveDir !== undefined && left.startsWith(`${receiveDir}/`) &&
      await realpath(dirname(left)).then((d) => d === join(realReceiveDir, relative(receiveDir, dirname(left))), () => false)
    if (inside) await removeQuietly(left)
    forgetClaim(mark)
  }
}

/**
 * Give the file at `path` the sender's time and permission bits, as
 * setMetadata does, only if it is still the file `expected` names (inode and
 * change time, checked on the descriptor: a rewrite between the look and
 * the change is not taken for ours); its status afterwards, from the same
 * descriptor, or undefined when it was another file. Opened without
 * waiting: a FIFO put in its place would block the open, and with it the
 * daemon (review finding). Errors are thrown.
 */
export async function setMetadataOf (path: string, expected: { ino: bigint, ctimeNs: bigint }, mtimeMs: number, subMsNs: number, mode: number): Promise<BigIntStats | undefined> {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  try {
    const before = fstatSync(fd, { bigint: true })
    if (!before.isFile() || before.ino !== expected.ino || before.ctimeNs !== expected.ctimeNs) return undefined
    stamp(fd, mtimeMs, subMsNs, mode)
    return fstatSync(fd, { bigint: true })
  } finally {
    closeSync(fd)
  }
}

/**
 * The part file's mode and time, through a descriptor that does not follow
 * a symbolic link: by its name, a part file swapped for a link (a
 * `.ferry-part` replaced by someone who can write in the receive folder,
 * after it was checked) had the file it points to chmod'ed and its time
 * set (review finding). A link there fails with ELOOP, as E_IO.
 */
async function setMetadata (path: string, mtimeMs: number, subMsNs: number, mode: number): Promise<void> {
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  } catch (err) {
    throw toFerryError(err, 'E_IO')
  }
  try {
    stamp(fd, mtimeMs, subMsNs, mode)
  } finally {
    closeSync(fd)
  }
}

/**
 * The sender's permission bits (fileMode) and modification time, on an
 * open file. The bits only where the file system holds them: where it
 * refuses the chmod (modeNotHeld: FAT through fusefat) the file keeps the
 * mode the mount gives all, as `cp -p` warns and goes on; the refusal
 * failed the whole receive (found receiving onto fusefat).
 */
function stamp (fd: number, mtimeMs: number, subMsNs: number, mode: number): void {
  try {
    fchmodSync(fd, fileMode(mode))
  } catch (err) {
    if (!modeNotHeld(err)) throw err
  }
  const t = utimesSeconds(mtimeMs, subMsNs)
  futimesSync(fd, t, t)
}

let umask: number | undefined

/** The sender's permission bits, read and write kept for the owner, less this process's umask. */
export function fileMode (mode: number): number {
  // read once: process.umask() reads it by setting it, twice; nothing here changes it
  umask ??= process.umask()
  return ((mode & MODE_PERMISSIONS) | 0o600) & ~umask
}

/**
 * Seconds to give utimes so that the file's time reads back as `ms` whole
 * milliseconds, and as close to `subMsNs` nanoseconds past them as a double
 * of seconds allows. Node passes a double of seconds (libuv turns it into a
 * timespec, truncating), and today's times are 1.7e9 s, where doubles are
 * 2^-22 s (0.24 µs) apart: 1700000468.609 is 1700000468.608999967 as a
 * double, so `new Date(ms)` set half of all files 1 ms early. Of the
 * doubles around the exact time, the one that reads back nearest to it
 * (within ~0.24 µs) with its milliseconds right is used; should none of them
 * (it never did in 200,000 random times), the first value from `ms` upwards,
 * in steps from 0.2 µs, that reads back as `ms`.
 */
export function utimesSeconds (ms: number, subMsNs = 0): string {
  // a string: Node takes a negative number of seconds (before 1970) as "now", a numeric string as it is
  const sec = Math.floor(ms / 1000)
  const nsec = (ms - sec * 1000) * 1e6 + subMsNs
  // from the whole count of nanoseconds: sec + nsec / 1e9 loses all of a time just before 1970 (-1 + 0.999999999)
  const near = Number(BigInt(ms) * 1_000_000n + BigInt(subMsNs)) / 1e9
  // the spacing of doubles around `near` (the smaller one at a power of two: a step too small only repeats a value)
  const step = near === 0 ? Number.MIN_VALUE : 2 ** (Math.floor(Math.log2(Math.abs(near))) - 53)
  let best: number | undefined
  let bestOff = Infinity
  for (let k = -8; k <= 8; k++) {
    const s = near + k * step
    const back = readBack(s)
    if (msOf(back) !== ms) continue
    const off = Math.abs((back.sec - sec) * 1e9 + back.nsec - nsec)
    if (off < bestOff) { best = s; bestOff = off }
  }
  if (best !== undefined) return String(best)
  for (const nudgeMs of [0, 0.0002, 0.0004, 0.0008, 0.001, 0.002, 0.004, 0.01, 0.1, 0.5]) {
    const s = (ms + nudgeMs) / 1000
    if (msOf(readBack(s)) === ms) return String(s)
  }
  return String(ms / 1000)
}

/**
 * The time a file reads back after utimes(utimesSeconds(ms, subMsNs)), in
 * nanoseconds, on a file system that keeps them: what a placed file's time
 * is, to the nanosecond, when it is the one offered.
 */
export function timeSetNs (ms: number, subMsNs = 0): bigint {
  const { sec, nsec } = readBack(Number(utimesSeconds(ms, subMsNs)))
  return BigInt(sec) * 1_000_000_000n + BigInt(nsec)
}

/** Whole milliseconds of a time read back. */
function msOf (t: { sec: number, nsec: number }): number {
  return t.sec * 1000 + Math.floor(t.nsec / 1e6)
}

/** The file's time after utimes(s): libuv's double → timespec (truncated, borrowed from the seconds before 1970). */
function readBack (s: number): { sec: number, nsec: number } {
  let sec = Math.trunc(s)
  let nsec = Math.trunc((s - sec) * 1e9)
  if (nsec < 0) { nsec += 1e9; sec -= 1 }
  return { sec, nsec }
}

export async function placeDir (root: string, relPath: string, mtimeMs: number, dirModes?: DirModes, subMsNs = 0, keepOut?: FolderId): Promise<string> {
  const components = validateRelativePath(relPath)
  receiveFolderNotStateFolder(root, keepOut)
  await ensureParents(root, [...components, ''], undefined, dirModes, keepOut)
  const dest = await resolveInside(root, components)
  const offered = dirModes?.get(components.join('/'))
  if (offered !== undefined) await tightenFolder(dest, offered)
  const t = utimesSeconds(mtimeMs, subMsNs)
  // lutimes: a symbolic link put in its place after resolveInside looked (someone who can write to the
  // receive folder) gets the time itself, instead of the folder it points to, maybe outside (review finding)
  await lutimes(dest, t, t).catch(() => {})
  return dest
}

/**
 * A folder there already (received before, or the user's own) loses the
 * group and other permission bits its sender's folder no longer grants: a
 * folder made private there (chmod 700) and sent again is private here too
 * (user-test finding: it stayed 0755, open to every user of this machine).
 * None is ever added, nor an owner's bit taken: what the receiving user
 * tightened here stays so, and a folder ensureParents made is as tight
 * already. Through a descriptor opened without following a symbolic link
 * (one put in its place meanwhile is left alone); a folder this user cannot
 * change (not its own) is left as it is, the receive not failed for it.
 */
async function tightenFolder (dest: string, offered: number): Promise<void> {
  const fh = await open(dest, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW).catch(() => undefined)
  if (fh === undefined) return
  try {
    const mode = (await fh.stat()).mode & 0o7777
    const drop = mode & 0o077 & ~offered
    if (drop !== 0) await fh.chmod(mode & ~drop)
  } catch {
    // not this user's folder (EPERM), or a file system without modes: as it was
  } finally {
    await fh.close()
  }
}

/**
 * Make the names placed in `root` durable: fsync every folder that got a new
 * entry (each placed file's folder and every folder above it up to `root`,
 * as ensureParents may have created them). The receipt says the files are
 * there; after a power cut they must be, not only their bytes.
 */
export async function syncPlacedFolders (root: string, placed: Iterable<string>): Promise<void> {
  for (const d of foldersOf(root, placed)) {
    // a folder moved away since its files were placed (in an earlier run) has nothing left to flush here
    const fh = await open(d, constants.O_RDONLY | constants.O_DIRECTORY).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined
      throw toFerryError(err)
    })
    if (fh == null) continue
    try { await fh.sync() } finally { await fh.close() }
  }
}

/** The folders holding `placed` paths and every folder above them, up to and including `root`, never above it. */
export function foldersOf (root: string, placed: Iterable<string>): Set<string> {
  const folders = new Set<string>()
  for (const path of placed) {
    for (let d = dirname(path); !folders.has(d); d = dirname(d)) {
      const rel = relative(root, d)
      // above root: "..", "../x"; not a folder whose own name starts with ".." (review finding: "..foo" was never flushed)
      if (rel === '..' || rel.startsWith('../') || isAbsolute(rel)) break
      folders.add(d)
      if (rel === '') break
    }
  }
  return folders
}

export async function removeQuietly (path: string): Promise<void> {
  await unlink(path).catch(() => {})
}

export function partDirFor (receiveDir: string, rootHex: string): string {
  return join(receiveDir, '.ferry-part', rootHex)
}

export { dirname }
