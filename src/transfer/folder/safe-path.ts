// Checks on relative paths that come from a peer, and where they may land.
//
// Owns: the rules a manifest path must pass (validateRelativePath), mapping
// validated components under a receive folder without crossing a symlink
// (resolveInside), and the keep-both collision rule (uniqueDestination).
// Must never: create, write, rename or delete anything (but the probe files
// name-probe.ts creates and removes at once in the receive folder, asking
// its file system whether it holds a name, through NameProbe); normalise or
// re-encode a name (a path is accepted byte for byte or refused); trust a
// path that has not gone through validateRelativePath.
//
// resolveInside checks the file system as it is now. Callers still create
// directories with mkdir (which never follows a final symlink), open with
// O_NOFOLLOW/O_EXCL ('wx'), and rename without overwriting, to close the race.

import { constants, statSync } from 'node:fs'
import { access, lstat, realpath } from 'node:fs/promises'
import { basename, dirname, join, normalize, relative, isAbsolute } from 'node:path'
import { FerryError, quoteForDisplay } from '../../errors.ts'
import { isProbeFileName, NameProbe } from './name-probe.ts'
import { FAT_MAX_FILE_BYTES, fileSizeLimit, type FileSizeLimit } from './file-size-limit.ts'
import { fmt } from './space.ts'
import { notWritableBecause } from './receive-folder.ts'
import { mountPointsBelow, readMountinfo, type MountinfoRead } from '../mounts.ts'

export const MAX_COMPONENT_BYTES = 255
export const MAX_PATH_BYTES = 4096
export const MAX_PATH_DEPTH = 64
/** PATH_MAX of the system calls here (with the terminating NUL): Linux 4096, macOS 1024. */
const SYSTEM_PATH_MAX = process.platform === 'darwin' ? 1024 : 4096
/** The most uniqueDestination adds to a path whose name is taken: " (10000)". */
const COLLISION_SUFFIX_BYTES = 8
/** First component reserved for part files in a receive folder (compared case-insensitively). */
export const PART_DIR = '.ferry-part'

/**
 * Bytes of `s` in UTF-8: what the file system's limits count. Counted, not
 * encoded: TextEncoder made a copy of each path and component to measure it,
 * checked several times a file (the offer, the plan, each placing), 3.6 of
 * a receiver's 68 busy CPU-s for 30,000 files of 3 KB paths (cpuprofile).
 * The same count, a lone surrogate as U+FFFD's 3 bytes (validateRelativePath
 * refuses those before).
 */
function byteLength (s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

/** `dir` as path.join leaves it before what is joined to it (joinUnder), by dir: a receive uses a few */
const normalizedDirs = new Map<string, string>()

/**
 * path.join(dir, rel) for a `rel` validateRelativePath took (or one made of
 * such components): the same string, with `dir` normalized once, not `rel`
 * each time. join normalizes the whole string, ~10 short-lived strings a
 * call; a receive of 30,000 files joined each path several times
 * (heap profile: 180 MB of garbage in 6 s, of 1.3 GB).
 */
export function joinUnder (dir: string, rel: string): string {
  let d = normalizedDirs.get(dir)
  if (d === undefined) {
    if (normalizedDirs.size >= 64) normalizedDirs.clear()
    d = normalize(dir)
    normalizedDirs.set(dir, d)
  }
  if (d === '.' || d === './') return rel
  return d.endsWith('/') ? d + rel : `${d}/${rel}`
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
// the bidi embeddings, overrides and isolates: they reorder how what follows
// prints, so that "photo<U+202E>gpj.exe" shows in a file manager as
// "photoexe.jpg" ("Trojan Source", CVE-2021-42574). No name needs them: text
// in right-to-left scripts prints right without them; the marks U+200E/F and
// U+061C, which some systems put in names, are taken
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/
// Windows device names, alone or followed by an extension ("con.txt"); Windows
// also ignores trailing spaces before the dot ("CON .txt") and accepts ¹²³.
const DEVICE = /^(con|prn|aux|nul|conin\$|conout\$|com[1-9¹²³]|lpt[1-9¹²³])$/i

/** A peer-supplied name made safe to print: quoted, control and bidi characters escaped, cut at 200. */
function quote (p: string): string {
  return quoteForDisplay(p.length > 200 ? `${p.slice(0, 200)}…` : p)
}

function unsafe (p: string, reason: string): FerryError {
  return new FerryError('E_PATH_UNSAFE', `unsafe path ${quote(p)}: ${reason}`)
}

function checkComponent (p: string, c: string): void {
  if (c === '') throw unsafe(p, 'empty component')
  if (c === '.' || c === '..') throw unsafe(p, `${quote(c)} component`)
  if (byteLength(c) > MAX_COMPONENT_BYTES) throw unsafe(p, `a component is longer than ${MAX_COMPONENT_BYTES} bytes`)
  // a name ending in a dot or a space is fine on most file systems, and asked of the receive folder's
  // (name-probe.ts); one of dots and spaces alone would be nothing, or "." or "..", where they are dropped
  if (/^[. ]+$/.test(c)) throw unsafe(p, `${quote(c)} is dots and spaces only`)
  const dot = c.indexOf('.')
  if (DEVICE.test((dot < 0 ? c : c.slice(0, dot)).trimEnd())) throw unsafe(p, `${quote(c)} is a Windows device name`)
}

/**
 * Check a peer-supplied POSIX relative path ('/'-separated) and return its
 * components. Throws FerryError E_PATH_UNSAFE naming the path and the reason.
 */
export function validateRelativePath (p: string): string[] {
  if (typeof p !== 'string' || p === '') throw unsafe(String(p), 'empty path')
  if (p.includes('\0')) throw unsafe(p, 'contains NUL')
  if (!p.isWellFormed()) throw unsafe(p, 'not valid Unicode (lone surrogate)')
  if (byteLength(p) > MAX_PATH_BYTES) throw unsafe(p, `longer than ${MAX_PATH_BYTES} bytes`)
  if (CONTROL.test(p)) throw unsafe(p, 'contains a control character')
  if (p.includes('\\')) throw unsafe(p, 'contains a backslash')
  if (p.startsWith('/')) throw unsafe(p, 'absolute path')
  const components = p.split('/')
  if (components.length > MAX_PATH_DEPTH) throw unsafe(p, `deeper than ${MAX_PATH_DEPTH} components`)
  for (const c of components) checkComponent(p, c)
  if (components[0].toLowerCase() === PART_DIR) throw unsafe(p, `"${PART_DIR}" is reserved for part files`)
  if (components.length === 1 && isProbeFileName(p)) throw unsafe(p, 'the name is reserved for ferry\'s probe files, removed from the receive folder at start')
  return components
}

/**
 * Why a name would print as another (a bidi override in it), or undefined.
 * Not in validateRelativePath, which refuses a whole offer: a receiver
 * refuses such a path alone (checkReceivePaths), as an offer from a sender
 * before 2026-12-07, which sends them, would otherwise be refused whole for
 * one of them (review finding); a sender leaves them out (validateSentPath).
 */
export function printsAsAnother (p: string): string | undefined {
  const bidi = BIDI_CONTROL.exec(p)
  return bidi === null ? undefined : `contains a bidirectional override (U+${bidi[0].codePointAt(0)!.toString(16).toUpperCase()}), which makes a name print as another`
}

/** validateRelativePath for a path this side sends: also none its receiver refuses alone as named (printsAsAnother). */
export function validateSentPath (p: string): string[] {
  const components = validateRelativePath(p)
  const why = printsAsAnother(p)
  if (why !== undefined) throw unsafe(p, why)
  return components
}

/**
 * Join validated components under rootDir and return the absolute path.
 * The base is realpath(rootDir); every component that already exists on
 * the way (the last one included) is lstat'ed and must not be a symlink.
 * Missing components are fine (they will be created). Throws E_PATH_UNSAFE.
 * `lastMayBeLink`: the last component is not looked at, for a caller that
 * never follows it (a file placed with link(), which fails on any name
 * taken, a symbolic link too, and then keeps both).
 */
export async function resolveInside (rootDir: string, components: string[], o: { lastMayBeLink?: boolean } = {}): Promise<string> {
  const shown = components.join('/')
  validateRelativePath(shown)
  if (components.some(c => c.includes('/'))) throw unsafe(shown, 'a component contains "/"')
  let base: string
  try {
    base = await realpath(rootDir)
  } catch (err) {
    throw new FerryError('E_PATH_NOT_FOUND', `receive folder ${rootDir} does not exist`, { cause: err })
  }
  let current = base
  for (const [i, c] of components.entries()) {
    current = join(current, c)
    if (o.lastMayBeLink === true && i === components.length - 1) break
    let isLink: boolean
    try {
      isLink = (await lstat(current)).isSymbolicLink()
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') break
      throw new FerryError('E_IO', `cannot check ${current}: ${(err as Error).message}`, { cause: err })
    }
    if (isLink) throw unsafe(shown, `${relative(base, current)} is a symbolic link in the receive folder`)
  }
  const result = join(base, ...components)
  const rel = relative(base, result)
  if (rel === '' || rel === '..' || rel.startsWith('../') || isAbsolute(rel)) throw unsafe(shown, 'escapes the receive folder')
  return result
}

/**
 * A folder by what it is, not by its name (device and inode): another
 * spelling of its path (case, characters a file system ignores, an 8.3
 * short name, a bind mount) is still the same folder.
 */
export interface FolderId { dev: bigint, ino: bigint }

/** The folder at `path` (links followed), or undefined where there is none. */
export function folderIdOf (path: string): FolderId | undefined {
  const st = statSync(path, { bigint: true, throwIfNoEntry: false })
  return st?.isDirectory() === true ? { dev: st.dev, ino: st.ino } : undefined
}

/** Whether `st` (bigint stats) is the folder `id`. */
export function isFolder (st: { dev: bigint, ino: bigint }, id: FolderId | undefined): boolean {
  return id !== undefined && st.dev === id.dev && st.ino === id.ino
}

/** Whether the folder at `path` (links followed) is the folder `id` (no look at all without one). */
export function isFolderAt (path: string, id: FolderId | undefined): boolean {
  const here = id === undefined ? undefined : folderIdOf(path)
  return here !== undefined && isFolder(here, id)
}

/** Whether `receiveDir` holds the folder `dir` (or is it), by their real paths: said at start, as offers into it are refused (checkReceivePaths). */
export async function folderHolds (receiveDir: string, dir: string): Promise<boolean> {
  const [base, real] = await Promise.all([realpath(receiveDir), realpath(dir)].map(async (p) => await p.catch(() => undefined)))
  if (base === undefined || real === undefined) return false
  const rel = relative(base, real)
  return rel === '' || !(rel === '..' || rel.startsWith('../') || isAbsolute(rel))
}

/** What an offer is told when a path of it would land in ferry's state folder (without where that is: the peer need not know). */
export const IN_STATE_FOLDER = "it would land in ferry's own state folder, which the receive folder holds"

/**
 * An offer's paths against the receive folder as it is now, so that an offer
 * that could not be placed is refused up front instead of failing after its
 * bytes arrived (placement checks again):
 * - resolveInside's symlink rule for all of them: no component that already
 *   exists on the way to any path (a folder entry's own name included) may
 *   be a symbolic link;
 * - a component that must be a folder (every one but a file's last) and
 *   exists as a file here lands next to it, as "name (n)" (folderRenames),
 *   and is checked there;
 * - nothing may land in the folder `keepOut` (ferry's own state folder,
 *   when the receive folder holds it: a peer's file there could be read as
 *   ferry's own, a database journal for one). Told by what each existing
 *   folder on the way is, not by name; placing checks again (finalize.ts).
 * A symbolic link at a file's own name is not refused: the file is placed
 * next to it as "name (1)", as next to any file of the person's (placeFile
 * never follows that name). Each distinct prefix is lstat'ed once; below a
 * missing one nothing can exist. `dirs`: the paths that are folders
 * themselves.
 *
 * A path refused for what is in the receive folder (a symbolic link or a
 * file on its way, too long for its file system, a name its file system
 * cannot hold: name-probe.ts) is refused alone: the rest
 * of the offer is received, and the receipt names it (user-test finding: a
 * receive folder with one symlinked subfolder refused every send that had a
 * file for it). A path that is unsafe as named (validateRelativePath),
 * ferry's state folder, or every file refused, throws E_PATH_UNSAFE naming
 * the path: nothing of the offer is received (every file refused: not with
 * `partly`, for a receive under way, whose earlier runs may have placed
 * some). Returns folderRenames' answer
 * (the paths that land elsewhere, offered → local) and the paths refused,
 * offered → why (E_PATH_UNSAFE).
 */
export async function checkReceivePaths (rootDir: string, paths: string[], dirs: ReadonlySet<string> = new Set(), keepOut?: FolderId, o: { partly?: boolean, large?: ReadonlyMap<string, number>, mounts?: MountinfoRead } = {}): Promise<{ renamed: Map<string, string>, refused: Map<string, Refusal> }> {
  let base: string
  try {
    base = await realpath(rootDir)
  } catch (err) {
    throw new FerryError('E_PATH_NOT_FOUND', `receive folder ${rootDir} does not exist`, { cause: err })
  }
  const intoState = paths.length > 0 && isFolderAt(base, keepOut)
  // every path is validated there (or, into the state folder, the first below, which fails)
  const renamed = intoState ? new Map<string, string>() : await folderRenames(base, paths, dirs)
  /** what each prefix is now: a folder, ferry's state folder, a symbolic link, something else, or nothing */
  const found = new Map<string, Found>()
  const mounted = intoState || paths.length === 0 ? undefined : await mountsInside(base, o.mounts)
  const refused = new Map<string, Refusal>()
  const names = new NameProbe(base)
  const writable = new Map<string, string | null>()
  // asked only of a receive folder offered a file over FAT's limit (file-size-limit.ts)
  const limit = (o.large?.size ?? 0) > 0 && !intoState ? await fileSizeLimit(base, o.mounts) : undefined
  for (const offered of paths) {
    if (intoState) { validateRelativePath(offered); throw unsafe(offered, IN_STATE_FOLDER) }
    const why = await refusal(base, renamed.get(offered) ?? offered, dirs.has(offered), found, names, writable, mounted, keepOut) ?? tooLarge(offered, o.large?.get(offered), limit)
    // the folder at fault, by its offered path (a rename changes a component's name, not their number)
    if (why !== undefined) refused.set(offered, { error: why.error, reason: why.reason, under: why.depth === undefined ? undefined : offered.split('/').slice(0, why.depth).join('/') })
  }
  // nothing left to receive (folders alone, of an offer with files, are not worth a receipt);
  // `partly`: a receive under way, some of it placed already, decides that by what it holds
  if (o.partly === true) return { renamed, refused }
  const files = paths.filter((p) => !dirs.has(p))
  const left = files.length > 0 ? files : paths
  if (refused.size > 0 && left.every((p) => refused.has(p))) throw refused.get(left[0])!.error
  return { renamed, refused }
}

/** What a prefix of a path is in the receive folder: a folder (one another file system is mounted on: `mount`), ferry's state folder, a symbolic link, something else, or nothing. */
type Found = 'dir' | 'mount' | 'state' | 'link' | 'other' | 'none'

/** The mounts inside a receive folder: their points, relative to it, from mountinfo (Linux), and the folder's own device, for a mount mountinfo does not tell (elsewhere). */
interface MountsInside { points: ReadonlySet<string>, dev: bigint | undefined }

async function mountsInside (base: string, read?: MountinfoRead): Promise<MountsInside> {
  const text = read !== undefined ? read.text : await readMountinfo()
  const dev = await lstat(base, { bigint: true }).then((st) => st.dev, () => undefined)
  return { points: text === undefined ? new Set() : mountPointsBelow(base, text), dev }
}

/**
 * A path refused as it goes into a folder of the receive folder that another
 * file system (or a bind mount) is mounted on: files are placed by a link or
 * a rename from the part folder, on the receive folder's own file system,
 * which cannot reach across (EXDEV). Refused alone, up front, as a folder
 * that cannot be written in is, so the rest of the offer arrives (user-test
 * finding: the whole receive failed once the bytes were in, with
 * "EXDEV: cross-device link not permitted, rename '…/.ferry-part/…'").
 */
function mountedRefusal (p: string, mountPoint: string): Refusal {
  const reason = `${quote(mountPoint)} in the receive folder has another disk mounted on it (or a bind mount), and ferry places files only on the receive folder's own file system; to receive onto that disk, make a folder on it the receive folder (ferry daemon --receive-dir)`
  return { error: new FerryError('E_IO', `${quote(p)}: ${reason}`), reason }
}

/** checkReceivePaths of an offer's entries: their paths, which of them are folders, and the files too large for some file systems (`mounts`: mountinfo as read for the offer, else read if needed). */
export async function checkOfferPaths (rootDir: string, entries: ReadonlyArray<{ path: string, kind: string, size?: number }>, keepOut?: FolderId, o: { partly?: boolean, mounts?: MountinfoRead } = {}): ReturnType<typeof checkReceivePaths> {
  const large = new Map(entries.flatMap((f) => f.kind === 'file' && (f.size ?? 0) > FAT_MAX_FILE_BYTES ? [[f.path, f.size!] as const] : []))
  return await checkReceivePaths(rootDir, entries.map((f) => f.path), dirPaths(entries), keepOut, { ...o, large })
}

/** A file larger than the receive folder's file system holds (FAT32), refused alone: E_LIMIT, not an unsafe path. */
function tooLarge (p: string, size: number | undefined, limit: FileSizeLimit | undefined): (Refusal & { depth?: number }) | undefined {
  if (size === undefined || limit === undefined || size <= limit.bytes) return undefined
  const reason = `${fmt(size)}, larger than the receive folder's file system holds in one file (${limit.fileSystem}: ${fmt(limit.bytes + 1)} less one byte); receive it onto another disk, or one formatted exFAT`
  return { error: new FerryError('E_LIMIT', `${quote(p)}: ${reason}`), reason }
}

/** A file name up to this long is taken by every file system ferry expects to write to (eCryptfs: 143 bytes). */
const SHORT_NAME_BYTES = 143

/**
 * A path the receive folder cannot take: E_PATH_UNSAFE naming it, and the
 * reason alone, which is what a receipt tells the sender (it knows the path;
 * said twice, a reason was cut off before its end: review finding).
 */
export interface Refusal {
  error: FerryError
  reason: string
  /** the offered folder the reason is about (a symbolic link there, say): every path below it is refused for it */
  under?: string
}

/** `depth`: how many components of the path the reason is about (the folder at fault), when it is about one. */
function refuse (p: string, reason: string, depth?: number): Refusal & { depth?: number } {
  return { error: unsafe(p, reason), reason, depth }
}

/**
 * Why the receive folder as it is cannot take an offered path landing at
 * `p` (checkReceivePaths); undefined when it can. `found` caches what each
 * prefix is, across the offer's paths; `names` asks the file system about
 * names some file systems refuse (name-probe.ts).
 */
async function refusal (base: string, p: string, isDir: boolean, found: Map<string, Found>, names: NameProbe, writable: Map<string, string | null>, mounted: MountsInside | undefined, keepOut?: FolderId): Promise<(Refusal & { depth?: number }) | undefined> {
  let prefix = ''
  /**
   * where placing `p` makes something, in a folder `dir` there: a file's own
   * name (there already, maybe), or a folder or file not there, whose first
   * `depth` components every path below shares (all refused with it)
   */
  let makesIn: { dir: string, depth?: number, file?: string } | undefined
  const components = p.split('/')
  const printed = printsAsAnother(p)
  if (printed !== undefined) {
    // the folder at fault, when the override is in one: every path below it is refused with it
    const at = components.findIndex((c) => printsAsAnother(c) !== undefined)
    return refuse(p, printed, at < components.length - 1 || isDir ? at + 1 : undefined)
  }
  // the whole path, with the receive folder's own: the system calls that
  // place the file refuse it past PATH_MAX (ENAMETOOLONG after the
  // transfer), which the look at existing prefixes below cannot see
  // with room for the " (n)" a taken name gets (review finding: a path that fitted only as asked failed with E_IO after its bytes came)
  if (byteLength(joinUnder(base, p)) + COLLISION_SUFFIX_BYTES >= SYSTEM_PATH_MAX) return refuse(p, `too long for this receive folder's file system (with the folder's own path and room for a " (n)" name, over ${SYSTEM_PATH_MAX - 1 - COLLISION_SUFFIX_BYTES} bytes)`)
  // indexed loops, and an await only where the file system is asked: this
  // runs for every path of an offer, twice (admission and plan)
  for (let i = 0; i < components.length; i++) {
    const c = components[i]
    const parent = prefix
    prefix = prefix === '' ? c : `${prefix}/${c}`
    const mustBeFolder = i < components.length - 1 || isDir
    // a file's own name: whatever is there, the file goes next to it ("name (1)"), so it is
    // not looked at (an lstat per file was most of this check's time: 74-89 ms for 1,000
    // photos, at each run of a receive), unless it is long enough to be too long somewhere
    // (eCryptfs takes 143 bytes; most file systems 255, which validateRelativePath enforces)
    if (!mustBeFolder && byteLength(c) <= SHORT_NAME_BYTES) { makesIn = { dir: parent, file: prefix }; break }
    let here = found.get(prefix)
    if (here === undefined) {
      try {
        const st = await lstat(join(base, prefix), { bigint: true })
        here = st.isSymbolicLink() ? 'link' : isFolder(st, keepOut) ? 'state' : !st.isDirectory() ? 'other' : mounted !== undefined && (mounted.points.has(prefix) || (mounted.dev !== undefined && st.dev !== mounted.dev)) ? 'mount' : 'dir'
      } catch (err) {
        const code = (err as { code?: unknown }).code
        if (code === 'ENAMETOOLONG') return refuse(p, 'too long for this receive folder\'s file system (with the folder\'s own path, over its limit)')
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new FerryError('E_IO', `cannot check ${join(base, prefix)}: ${(err as Error).message}`, { cause: err })
        here = 'none'
      }
      found.set(prefix, here)
    }
    if (here === 'none') { makesIn = { dir: parent, depth: i + 1 }; break }
    if (here === 'state') throw unsafe(p, IN_STATE_FOLDER)
    // the folder entry of the mount point itself too: its time and mode would be set on that disk's root (review finding)
    if (here === 'mount') return { ...mountedRefusal(p, prefix), depth: i + 1 }
    if (mustBeFolder && here === 'link') return refuse(p, `${quote(prefix)} is a symbolic link in the receive folder`, i + 1)
    if (mustBeFolder && here !== 'dir') return refuse(p, `${quote(prefix)} is a file in the receive folder, and the offer needs a folder there`, i + 1)
  }
  // after what is there, so that a path into ferry's state folder is that (review finding)
  for (let i = 0; i < components.length; i++) {
    const c = components[i]
    if (!names.mayRefuse(c)) continue
    const why = await names.refusal(c)
    if (why !== undefined) return refuse(p, `${quote(c)}: ${why}`, i < components.length - 1 || isDir ? i + 1 : undefined)
  }
  if (makesIn === undefined) return undefined
  // a folder found writable is so for every path made in it (notWritableThere's first answer)
  if (writable.get(makesIn.dir) === null) return undefined
  return await notWritableThere(base, p, makesIn, writable)
}

/**
 * A path that needs something made in a folder of the receive folder this
 * daemon cannot write in (another user's, read-only, immutable): refused
 * alone, before its bytes are fetched (user-test finding: the whole receive
 * failed once they were in, with "EACCES: permission denied, link
 * '…/.ferry-part/…/1' -> '…'"); a file there already is not, as it may be
 * in place (one that is not fails as it is placed). Not the folder as
 * `under`: what is there already below it is received. access(2) once a
 * folder (`writable`: its answer, null for yes), and only for folders that exist.
 */
async function notWritableThere (base: string, p: string, makesIn: { dir: string, depth?: number, file?: string }, writable: Map<string, string | null>): Promise<(Refusal & { depth?: number }) | undefined> {
  let why = writable.get(makesIn.dir)
  if (why === undefined) {
    why = await access(join(base, makesIn.dir), constants.W_OK | constants.X_OK).then(() => null, (err: unknown) => notWritableBecause(err) ?? null)
    writable.set(makesIn.dir, why)
  }
  if (why === null) return undefined
  if (makesIn.file !== undefined && await lstat(join(base, makesIn.file)).then(() => true, () => false)) return undefined
  return { ...notWritableRefusal(quote(p), makesIn.dir === '' ? undefined : quote(makesIn.dir), why), depth: makesIn.depth }
}

/**
 * A path refused because the folder it goes in, in the receive folder,
 * cannot be written in (`why`: notWritableBecause's words), both given
 * quoted; `folder` undefined: the receive folder itself. Up front here, and
 * by the receiver as it places a file (receiver.ts).
 */
export function notWritableRefusal (quotedPath: string, quotedFolder: string | undefined, why: string): Refusal {
  const reason = quotedFolder === undefined ? `the receive folder ${why}` : `${quotedFolder} in the receive folder ${why}`
  return { error: new FerryError('E_IO', `${quotedPath}: ${reason}`), reason }
}

/**
 * Split a name into stem and extension for "name (1).ext": dotfiles keep
 * their leading dot, ".tar.*" stays whole, and what follows a dot is an
 * extension only up to MAX_EXTENSION_BYTES and with no white space in it:
 * "Dr. Who" and "v1. final notes" have none, and become "Dr. Who (1)", not
 * "Dr (1). Who". The length bound is also what lets a long name's "(n)" be
 * made room for by shortening the stem, which a stem of one character left
 * before an extension of 250 bytes could not do (review finding: the name
 * was too long, and the placing failed the transfer). `words`: white space
 * allowed, as versions before 2026-12-03 split names (isCollisionName).
 */
function splitName (name: string, o: { words?: boolean } = {}): [string, string] {
  const m = /^(.+?)(\.tar\.[^.]+)$/i.exec(name)
  const dot = name.lastIndexOf('.')
  // a final dot ("Misc.") starts no extension: "Misc. (1)", not "Misc (1)."
  const at = m !== null ? m[1].length : dot > 0 && dot < name.length - 1 ? dot : name.length
  const ext = name.slice(at)
  return byteLength(ext) > MAX_EXTENSION_BYTES || (o.words !== true && /\s/u.test(ext)) ? [name, ''] : [name.slice(0, at), ext]
}

/** The longest extension splitName keeps apart (".numbers", ".sqlite3", ".tar.zst" are well within it). */
const MAX_EXTENSION_BYTES = 16

async function exists (path: string): Promise<boolean> {
  try {
    await lstat(path)
    return true
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return false
    throw new FerryError('E_IO', `cannot check ${path}: ${(err as Error).message}`, { cause: err })
  }
}

/**
 * Node built with small ICU has no Segmenter: code points then. Made at the first name cut, not when the daemon
 * loads: a process's first Segmenter loads ICU's break rules, ~20 ms of every daemon start (tui/format.ts's too).
 */
let graphemes: Intl.Segmenter | null | undefined

/**
 * Shorten `stem` so stem + suffix fits in one component, by whole
 * characters as a reader sees them (grapheme clusters): a letter with a
 * combining accent, or an emoji with a skin tone, is kept or dropped whole.
 * A cluster longer than CLUSTER_CUT_BYTES that need not go whole (a letter
 * with dozens of accents), or the last one left, is cut by code points
 * instead: dropped whole it could take most of the name with it, or all of
 * it (review finding: a 250-byte cluster gave a name over 255 bytes).
 */
function fit (stem: string, suffix: string): string {
  if (byteLength(stem + suffix) <= MAX_COMPONENT_BYTES) return stem + suffix
  const room = MAX_COMPONENT_BYTES - byteLength(suffix)
  graphemes ??= typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null
  const parts = graphemes !== null ? Array.from(graphemes.segment(stem), (g) => g.segment) : Array.from(stem)
  let bytes = byteLength(stem)
  while (bytes > room && parts.length > 0) {
    const last = parts.pop()!
    const size = byteLength(last)
    if (size > bytes - room && (size > CLUSTER_CUT_BYTES || parts.length === 0)) {
      const points = Array.from(last)
      let kept = size
      while (points.length > 1 && bytes - size + kept > room) kept -= byteLength(points.pop()!)
      parts.push(points.join(''))
      bytes = bytes - size + kept
      break
    }
    bytes -= size
  }
  return parts.join('') + suffix
}

/** A grapheme cluster up to this long is dropped whole (a family emoji is 25 bytes); a longer one is cut. */
const CLUSTER_CUT_BYTES = 32

/** Whether `name` is one uniqueDestination can give for `wanted`: "IMG (3).jpg" for "IMG.jpg". */
export function isCollisionName (name: string, wanted: string): boolean {
  // this version's rule, and the one before it (names placed then are found
  // again): the extension as splitName has it, or cut at the last dot
  // whatever follows; the stem whole, or shortened for the "(n)" (by
  // grapheme clusters now, by code points before; ICU's rules can move too)
  for (const [stem, ext] of [splitName(wanted), splitName(wanted, { words: true })]) {
    if (!name.endsWith(`)${ext}`)) continue
    const rest = name.slice(0, name.length - ext.length)
    const m = / \((\d{1,5})\)$/.exec(rest)
    if (m == null || Number(m[1]) < 1) continue
    const kept = rest.slice(0, m.index)
    if (kept === stem) return true
    if (kept.length > 0 && stem.startsWith(kept) && byteLength(stem + m[0] + ext) > MAX_COMPONENT_BYTES) return true
  }
  return false
}

/** The `n`th name uniqueDestination can give for `path`: `IMG.jpg`, 3 → `IMG (3).jpg` (in the same folder). */
export function collisionName (path: string, n: number): string {
  const [stem, ext] = splitName(basename(path))
  return join(dirname(path), fit(stem, ` (${n})${ext}`))
}

/** Every folder `paths` lie in ("a" and "a/b" for "a/b/c"), in one pass over their components (not a scan of all paths per folder). */
export function foldersAbove (paths: Iterable<string>): Set<string> {
  const out = new Set<string>()
  for (const p of paths) for (let at = p.indexOf('/'); at >= 0; at = p.indexOf('/', at + 1)) out.add(p.slice(0, at))
  return out
}

/**
 * Every folder (by its path here: `renamed`, else as sent) that placing
 * `entries` makes or finds: the folders sent, and those on the way to each
 * path. Each takes an inode where it is not there yet (receive-room.ts,
 * entriesPlaced).
 */
export function foldersPlaced (entries: ReadonlyArray<{ path: string, kind: string }>, renamed: ReadonlyMap<string, string> = new Map()): Set<string> {
  const here = entries.map((f) => renamed.get(f.path) ?? f.path)
  const out = foldersAbove(here)
  for (const [i, f] of entries.entries()) if (f.kind === 'dir') out.add(here[i])
  return out
}

/**
 * The file entries (inodes) placing `entries` takes at most: one for each
 * file, and one for each folder it makes or finds (foldersPlaced), as if
 * none were there yet. Those of a receive waiting its turn are set aside
 * (receives.ts filesReservedIn), and a preview counts them before it
 * fetches ahead (Receives.previewFits).
 */
export function entriesPlaced (entries: ReadonlyArray<{ path: string, kind: string }>): number {
  return entries.filter((f) => f.kind === 'file').length + foldersPlaced(entries).size
}

/** The paths of an offer's entries that are folders themselves (folderRenames, checkReceivePaths). */
export function dirPaths (entries: ReadonlyArray<{ path: string, kind: string }>): Set<string> {
  return new Set(entries.filter((e) => e.kind === 'dir').map((e) => e.path))
}

/** The `n`th keep-both name of a folder: `2024.06` → `2024.06 (1)`, the number at the end (a folder has no extension). */
function folderCollisionName (path: string, n: number): string {
  return join(dirname(path), fit(basename(path), ` (${n})`))
}

/**
 * Where an offer's paths land when a folder of it must go where the receive
 * folder holds something else by that name (a file of the person's, a FIFO):
 * the folder is kept next to it, as files are, under the first "name (n)"
 * that is a folder already or free and that the offer does not use itself,
 * and everything of the offer under it goes there (user-test finding: the
 * whole send failed with E_PATH_UNSAFE). One answer per folder, and the same
 * at every run while the receive folder stays as it is: a receive resumed
 * after a restart, or the same send repeated, goes where the first one went.
 * A symbolic link or ferry's state folder on the way is not renamed around:
 * checkReceivePaths refuses those. `dirs`: the paths that are folders
 * themselves. Returns the paths that land elsewhere: offered → local, both
 * relative to `base`. Looks only at the folders on the way, each once.
 */
export async function folderRenames (base: string, paths: string[], dirs: ReadonlySet<string> = new Set()): Promise<Map<string, string>> {
  /** every name the offer uses itself (its paths and the folders on their way): never given as a keep-both name */
  const offered = new Set<string>()
  for (const p of paths) {
    let prefix = ''
    for (const c of p.split('/')) {
      prefix = prefix === '' ? c : `${prefix}/${c}`
      offered.add(prefix)
    }
  }
  type Kind = 'dir' | 'none' | 'other' | 'keep'
  const kinds = new Map<string, Promise<Kind>>()
  /** kinds known already, taken without a promise: most of an offer's paths share their few folders */
  const known = new Map<string, Kind>()
  /** what is at `rel` now: a folder, nothing, something else; 'keep' for what is not renamed around (a link, an error: checkReceivePaths says why) */
  const kindOf = async (rel: string): Promise<Kind> => {
    let k = kinds.get(rel)
    if (k === undefined) {
      k = lstat(join(base, rel)).then((st) => st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'keep' : 'other', (err: { code?: unknown }) => err.code === 'ENOENT' || err.code === 'ENOTDIR' ? 'none' : 'keep')
      kinds.set(rel, k)
    }
    const kind = await k
    known.set(rel, kind)
    return kind
  }
  const aside = new Map<string, Promise<string>>()
  /** names given to a folder already: two long names alike but for their ends are cut to the same "name… (1)" (review finding: two folders merged) */
  const given = new Set<string>()
  /** the folder to use instead of `rel`, taken by something else */
  const besides = async (rel: string): Promise<string> => {
    let a = aside.get(rel)
    if (a === undefined) {
      a = (async () => {
        for (let n = 1; n <= 10_000; n++) {
          const candidate = folderCollisionName(rel, n)
          if (offered.has(candidate) || given.has(candidate)) continue
          const k = await kindOf(candidate)
          if (k === 'dir' || k === 'none') { given.add(candidate); return candidate }
        }
        throw new FerryError('E_IO', `no free name for the folder ${quote(rel)} after 10000 tries`)
      })()
      aside.set(rel, a)
    }
    return await a
  }
  const renamed = new Map<string, string>()
  for (const p of paths) {
    const components = validateRelativePath(p)
    const folders = dirs.has(p) ? components.length : components.length - 1
    let local = ''
    /** below a folder that is not there nothing is, and below a link nothing is looked at */
    let lookFurther = true
    for (let i = 0; i < components.length; i++) {
      const c = components[i]
      let next = local === '' ? c : `${local}/${c}`
      if (lookFurther && i < folders) {
        let k = known.get(next) ?? await kindOf(next)
        if (k === 'other') {
          next = await besides(next)
          k = await kindOf(next)
        }
        lookFurther = k === 'dir'
      }
      local = next
    }
    if (local !== p) renamed.set(p, local)
  }
  return renamed
}

/**
 * `path` itself when nothing exists there (not even a dangling symlink),
 * else the first free `stem (n)ext` next to it: `IMG.jpg` → `IMG (1).jpg`,
 * `notes` → `notes (1)`, `.bashrc` → `.bashrc (1)`, `a.tar.gz` → `a (1).tar.gz`.
 * Checks only; the caller must still create the file without overwriting.
 */
export async function uniqueDestination (path: string, taken?: (candidate: string) => boolean): Promise<string> {
  if (!await exists(path)) return path
  for (let n = 1; n <= 10_000; n++) {
    const candidate = collisionName(path, n)
    // `taken`: a name the transfer itself has yet to use (a file, or a folder of its files)
    if (taken?.(candidate) !== true && !await exists(candidate)) return candidate
  }
  throw new FerryError('E_IO', `no free name for ${path} after 10000 tries`)
}
