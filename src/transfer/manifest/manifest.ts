// The sender's manifest: what to send, scanned from local paths and hashed.
//
// Owns: walking the user's paths into entries (scanPaths) and hashing them
// into a Manifest with file and transfer roots (buildManifest). Root
// encodings live in manifest-root.ts.
// Must never: follow a symlink inside a path given (a path given that is one
// is followed, below), send a name the receiver would refuse (such entries
// are skipped with a warning), read and hash file data itself (the hash
// pool does: in workers, and a file of at most 64 KiB on the main thread;
// only the roots over chunk hashes are hashed here, in manifest-root.ts),
// or put sourcePath on the wire (it is local only).
// A file hashed before and unchanged since (same device, inode, size, mtime
// and ctime) takes its chunk hashes from the cache (options.cache) instead.
//
// Layout: each top-level path contributes its basename as the root name, like
// `cp -r`: `send ~/a/photos` gives `photos/x.jpg`, `photos/2024/y.jpg`. Entries
// come in depth-first order, names within a directory sorted by UTF-8 bytes.
// Every directory gets its own 'dir' entry, after everything below it, so
// that the receiver can set its modification time once all of it is in
// (empty ones too: nothing else would make them). A path given is followed
// if it is a symbolic link; inside it, symlinks,
// sockets, FIFOs, devices, unreadable subdirectories and names that are not
// valid UTF-8 or fail validateSentPath are skipped via onWarning.
// mtimeMs is whole milliseconds (floor of the exact nanoseconds), and
// mtimeSubMsNs the nanoseconds past them (0–999,999); mode is
// the permission bits (0o777 at most): the receiver keeps a private file
// private (finalize.ts).

import { access, lstat, readdir, realpath, stat, statfs } from 'node:fs/promises'
import { constants, statfsSync, type BigIntStats } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { FerryError, escapeBytesForDisplay, toFerryError, type ErrorCode } from '../../errors.ts'
import { chunkCount, chunkSizeFor } from './chunking.ts'
import type { HashPool } from './hash-pool.ts'
import { MODE_PERMISSIONS, computeFileRoot, computeTransferRoot } from './manifest-root.ts'
import { validateSentPath } from '../folder/safe-path.ts'
import { asTyped, NAMES_FOLDER, nonFolderBeforeUp } from '../typed-path.ts'
import { FS_MAGIC } from '../mounts.ts'
import { byDaemonUser } from '../daemon-user.ts'
import type { OfferFile } from '../../protocol/transfer.ts'
import { ChunkHashes } from '../../protocol/chunk-hashes.ts'
import { sameIdentity, type CachedFile, type FileIdentity } from '../../store/hash-cache.ts'

export interface ScannedEntry {
  /** POSIX relative path, '/' separated, starting with the top-level basename. */
  path: string
  kind: 'file' | 'dir'
  size: number
  mtimeMs: number
  /** Nanoseconds of the time past mtimeMs, 0–999,999. */
  mtimeSubMsNs: number
  mode: number
  /** Absolute local path; never sent. */
  sourcePath: string
  /** Device, inode, size and times in ns as the scan saw them (files only); local, the hash cache's key. */
  identity?: FileIdentity
  /** On a file system whose change time is no such thing (CTIME_NOT_KEPT): the hash cache is neither asked nor told. */
  noCache?: true
  /** On a file system that keeps no permission bits of its own (madeUpMode): offered as NEW_FILE_MODE, also after a look again. */
  modeMadeUp?: true
}

/** An offer entry plus what only the sender knows. */
export interface FileEntry extends OfferFile {
  /** Local only, never sent. */
  sourcePath?: string
  /** The file as it was hashed (device, inode, size, times); local only, never sent: the sender's check before each chunk (sender.ts). */
  identity?: FileIdentity
}

export interface Manifest {
  files: FileEntry[]
  root: Uint8Array
  totalBytes: number
}

export interface ScanWarning {
  path: string
  reason: string
  /**
   * Left out because of a problem (unreadable, removed, changing, a name no
   * receiver takes), not by design (a symbolic link, a special file,
   * ferry's own state): the send does not hold everything asked for.
   */
  failed?: boolean
  /** With `failed`: the problem's stable error code (E_PATH_UNSAFE, E_PATH_NOT_FOUND, E_IO, …), for a script to tell them apart without reading `reason` */
  code?: ErrorCode
  /** `path` is shown escaped already (a name that is not UTF-8: escapeBytesForDisplay), to print as it is */
  escaped?: boolean
}

export interface ScanOptions {
  signal?: AbortSignal
  onWarning?: (warning: ScanWarning) => void
  /** Absolute paths left out, with the reason to warn: the daemon's own state folder, its part folder. */
  exclude?: ReadonlyMap<string, string>
}

export interface BuildProgress {
  hashedBytes: number
  totalBytes: number
  filesDone: number
  totalFiles: number
}

/** Chunk hashes of files hashed before (src/store/hash-cache.ts). */
export interface ChunkHashCache {
  get: (path: string, id: FileIdentity, chunkSize: number) => ChunkHashes | undefined
  /** One write for a whole manifest: a commit per file made hashing the 1,000-photo set 60–90 ms slower. */
  putAll: (entries: CachedFile[]) => void
  /** Drop these paths' entries: a receiver found bytes that do not match their hashes. */
  forget: (paths: string[]) => void
}

export interface BuildOptions {
  signal?: AbortSignal
  /** Throttled to one call per PROGRESS_INTERVAL_MS, plus a last one when done. */
  onProgress?: (progress: BuildProgress) => void
  /** Files unchanged since they were hashed are not read again. */
  cache?: ChunkHashCache
  /** Only files whose ctime is at least this old when hashing starts are stored in the cache (default CACHE_MIN_AGE_MS). */
  cacheMinAgeMs?: number
  /** The cache failed to read or write; the manifest is built all the same. */
  onCacheError?: (err: unknown) => void
  /**
   * A file that cannot be read as it is (removed, unreadable, or changing
   * all the time, like a log being written) is left out with this warning.
   * Without it, such a file fails the whole build.
   */
  onSkip?: (warning: ScanWarning) => void
  /**
   * Each chunk hash as it is made (or found in the cache), by the entry's
   * index in `entries`: the preview sends them on (preview-sender.ts). A
   * file that changed while it was hashed is hashed again, and its chunks
   * come again with their new hashes.
   */
  onChunk?: (entry: number, chunk: number, digest: Uint8Array) => void
}

export const PROGRESS_INTERVAL_MS = 200
/** Files hashed at once; the pool's queue spreads their ranges over the workers. */
const FILES_IN_FLIGHT = 16
/** A file that changes while hashed is re-read at most this many times. */
const MAX_ATTEMPTS = 3
/**
 * A file written this recently is hashed but not remembered: a write in the
 * same clock tick as the hashing (file times move in steps of a few ms)
 * could change its bytes and leave its times as they were ("racy git").
 */
export const CACHE_MIN_AGE_MS = 2000

/**
 * Steps of work that wait for no I/O (names read from a folder, the lstat
 * results of a big one, a manifest's folders) between two turns of the event
 * loop: sockets are read only when it turns, so a `ferry send` stopped while
 * a 60,000-name folder was scanned (~2 s without a turn) was seen gone only
 * after its send was made, and the control API and other transfers waited as long.
 */
const STEPS_PER_TURN = 256
/** Names of a folder lstat'ed at once: 60,000 asked at once took ~1 s just to queue, with no turn of the event loop. */
const LSTAT_BATCH = 256

/**
 * A turn of the event loop through its poll phase: what came in on a socket
 * before the call (an end, a close) is read and its events emitted before
 * this resolves. Two immediates: work resumed by an I/O callback runs in a
 * poll phase, and an immediate set there runs in the same turn's check phase,
 * without polling again; the second one runs after the next poll.
 */
async function nextTurn (): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => { setImmediate(resolve) })
}

/**
 * A step counter that gives the event loop a turn every STEPS_PER_TURN steps
 * (undefined in between: no macrotask for each). Shared by concurrent lanes:
 * all of them wait for the same turn (one lane waiting alone while the others
 * go on does not let the loop turn).
 */
function loopTurns (): () => Promise<void> | undefined {
  let steps = 0
  let turn: Promise<void> | undefined
  return () => {
    if (turn === undefined && ++steps % STEPS_PER_TURN === 0) turn = nextTurn().then(() => { turn = undefined })
    return turn
  }
}

/**
 * Whole milliseconds of a time in nanoseconds, rounded down exactly. (Going
 * through a double, as Stats.mtimeMs does, rounds .999999999 s up into the
 * next second: the file would arrive newer than it is.)
 */
export function floorMs (ns: bigint): number {
  const ms = ns / 1_000_000n
  return Number(ns < 0n && ms * 1_000_000n !== ns ? ms - 1n : ms)
}

/** An entry without its identity (bigints stay out of manifests, offers and JSON). */
function local (e: ScannedEntry): Omit<ScannedEntry, 'identity'> {
  const { identity: _, ...rest } = e
  return rest
}

/** A file looked at again while it is hashed: what the scan decided of its file system holds. */
function scannedAgain (e: ScannedEntry, st: BigIntStats): ScannedEntry {
  const again = scanned(e.path, e.sourcePath, st)
  return e.modeMadeUp === true ? { ...again, mode: NEW_FILE_MODE, modeMadeUp: true } : again
}

function checkSignal (signal?: AbortSignal): void {
  if (signal?.aborted === true) throw toFerryError(signal.reason ?? new FerryError('E_CANCELLED'), 'E_CANCELLED')
}

function modeOf (st: BigIntStats): number {
  return Number(st.mode) & MODE_PERMISSIONS
}

/** Stats are read with bigint times, once: the ms fields below, and the exact identity for the hash cache. */
function scanned (path: string, sourcePath: string, st: BigIntStats): ScannedEntry {
  const mtimeMs = floorMs(st.mtimeNs)
  const mtimeSubMsNs = Number(st.mtimeNs - BigInt(mtimeMs) * 1_000_000n)
  if (st.isDirectory()) return { path, kind: 'dir', size: 0, mtimeMs, mtimeSubMsNs, mode: modeOf(st), sourcePath }
  const identity = { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs }
  return { path, kind: 'file', size: Number(st.size), mtimeMs, mtimeSubMsNs, mode: modeOf(st), sourcePath, identity }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Linux file systems whose files' sizes say nothing of what reading them gives (statfs f_type). */
const PSEUDO_FS = new Map<number, string>([[0x9fa0, 'proc'], [0x62656572, 'sysfs'], [0x64626720, 'debugfs'], [0x74726163, 'tracefs'], [0x73636673, 'securityfs'], [0x27e0eb, 'cgroup'], [0x63677270, 'cgroup2'], [0x62656570, 'configfs']])

/**
 * Linux's statfs type of the file system `path` is on (undefined elsewhere,
 * or when it cannot be looked at), asked once for each path named to the
 * send, for both PSEUDO_FS and CTIME_NOT_KEPT (a walk does not lead into
 * another file system from a regular folder but through a mount there,
 * which is rare). PSEUDO_FS: /proc/version is a "0-byte" file that reads as
 * text, and was sent as an empty file with exit 0 (user-test finding); a
 * sysfs file's 4096 bytes read as a few.
 */
async function fileSystemType (path: string): Promise<number | undefined> {
  if (process.platform !== 'linux') return undefined
  const st = await statfs(path).catch(() => undefined)
  return st === undefined ? undefined : Number(st.type)
}

/**
 * Linux file systems whose change time follows the modification time
 * instead of every change (statfs f_type): FAT (vfat, msdos), exFAT, and
 * FUSE, which exFAT, NTFS and others go through and which reports what its
 * driver makes up. There an edit whose modification time is set back (a
 * photo tool that keeps the date: `exiftool -P`) leaves the whole identity
 * the hash cache keys on as it was, and the old hashes were offered: where
 * the receiver still held the old photo, the old photo "arrived", verified
 * (user-test finding on an exFAT card). Files there are hashed at every
 * send, as at the first (≈ 1 s per GiB read from a card).
 */
const CTIME_NOT_KEPT = new Set<number>([FS_MAGIC.msdos, FS_MAGIC.exfat, FS_MAGIC.fuse])

/** Whether the file system `path` is on has a change time that follows the modification time (CTIME_NOT_KEPT; Linux, false where it cannot be told). */
export function ctimeNotKeptAt (path: string): boolean {
  if (process.platform !== 'linux') return false
  try {
    return CTIME_NOT_KEPT.has(Number(statfsSync(path).type))
  } catch {
    return false
  }
}

/** File systems that hold no permission bits of a file's own (statfs f_type): every file there shows the mode its mount gives all. */
const NO_PERMISSIONS_FS = new Set<number>([FS_MAGIC.msdos, FS_MAGIC.exfat])
/**
 * The mode a file is offered with when its file system keeps none: 0666, a
 * new file's, which the receiver's umask makes 0644 as for its own new
 * files (finalize.ts). FAT and exFAT show every file as their mount says,
 * 0755 under the kernel's default and 0777 through exfat-fuse, and a card's
 * photos arrived executable (user-test finding); Syncthing leaves this to
 * a setting (ignorePerms). Through FUSE, which sshfs keeps real permissions
 * through, only a file that reads 0777 (exfat-fuse's, ntfs-3g's) is taken
 * as made up. Folders keep theirs: a folder's 0777 is mkdir's own default.
 */
const NEW_FILE_MODE = 0o666

function madeUpMode (fsType: number, mode: number): boolean {
  return NO_PERMISSIONS_FS.has(fsType) || (fsType === FS_MAGIC.fuse && mode === MODE_PERMISSIONS)
}

export async function scanPaths (paths: string[], options: ScanOptions = {}): Promise<ScannedEntry[]> {
  const { signal } = options
  const warn = options.onWarning ?? (() => {})
  const out: ScannedEntry[] = []
  const roots = new Map<string, string>()
  // by device and inode, not path text: a folder reached by another path (a symlink, a bind mount) is the same folder
  const excluded = new Map<string, string>()
  for (const [path, reason] of options.exclude ?? []) {
    const st = await stat(path, { bigint: true }).catch(() => undefined)
    if (st !== undefined) excluded.set(`${st.dev}:${st.ino}`, reason)
  }

  const step = loopTurns()

  /**
   * What of `exclude` holds `path` (a folder above it, by what it is), if any:
   * a path named inside ferry's state folder is in that folder, left out as
   * the folder named is (user-test finding: `ferry send nas
   * ~/.local/state/ferry/identity.key` sent the device's private key, where
   * naming the folder sent nothing). Each folder is looked at once a scan.
   */
  const above = new Map<string, string | undefined>()
  async function excludedAbove (path: string): Promise<string | undefined> {
    const seen: string[] = []
    let why: string | undefined
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      if (above.has(dir)) { why = above.get(dir); break }
      seen.push(dir)
      const st = await stat(dir, { bigint: true }).catch(() => undefined)
      why = st === undefined ? undefined : excluded.get(`${st.dev}:${st.ino}`)
      if (why !== undefined || dirname(dir) === dir) break
    }
    for (const d of seen) above.set(d, why)
    return why
  }

  /** Add `abs` (already lstat'ed) at `rel`, or warn why not. */
  async function visit (abs: string, rel: string, st: BigIntStats, top: boolean): Promise<void> {
    await step()
    checkSignal(signal)
    const why = excluded.get(`${st.dev}:${st.ino}`)
    if (why !== undefined) { warn({ path: abs, reason: `${why}, skipped` }); return }
    if (st.isSymbolicLink()) { warn({ path: abs, reason: 'symbolic link, skipped' }); return }
    if (st.isFile()) { out.push(scanned(rel, abs, st)); return }
    if (!st.isDirectory()) { warn({ path: abs, reason: 'not a regular file or directory, skipped' }); return }
    let names: Buffer[]
    try {
      names = await readdir(abs, { encoding: 'buffer' })
    } catch (err) {
      // a folder named to the send: its error is the send's, said as for a file (review finding: a raw "EACCES: …, scandir")
      const denied = (err as NodeJS.ErrnoException).code === 'EACCES'
      const why = denied ? `${byDaemonUser()}: permission denied` : `(${(err as Error).message})`
      if (top) throw new FerryError('E_IO', `${abs}: folder cannot be read ${why}`, { cause: err })
      warn({ path: abs, reason: `folder cannot be read ${why}, skipped`, failed: true, code: 'E_IO' })
      return
    }
    names.sort(Buffer.compare)
    const children: Array<{ abs: string, rel: string }> = []
    for (const raw of names) {
      await step()
      let name: string
      try {
        name = utf8.decode(raw)
      } catch {
        // its path as shown (as Latin-1 it would pass for a real name); marked so, not to be escaped again
        warn({ path: escapeBytesForDisplay(Buffer.concat([Buffer.from(abs.endsWith('/') ? abs : `${abs}/`), raw])), reason: 'name is not valid UTF-8, skipped', failed: true, code: 'E_PATH_UNSAFE', escaped: true })
        continue
      }
      const child = { abs: join(abs, name), rel: `${rel}/${name}` }
      try {
        validateSentPath(child.rel)
        children.push(child)
      } catch (err) {
        warn({ path: child.abs, reason: `${(err as Error).message}, skipped`, failed: true, code: toFerryError(err, 'E_PATH_UNSAFE').code })
      }
    }
    for (let from = 0; from < children.length; from += LSTAT_BATCH) {
      const batch = children.slice(from, from + LSTAT_BATCH)
      const stats = await Promise.allSettled(batch.map(async c => await lstat(c.abs, { bigint: true })))
      for (const [i, c] of batch.entries()) {
        const r = stats[i]
        // (helper finding: "cannot stat (EACCES: permission denied, lstat '…')" in a folder that can be listed, not entered)
        if (r.status === 'rejected') { warn({ path: c.abs, reason: `${unreachable(r.reason)}, skipped`, failed: true, code: goneOrIo(r.reason) }); continue }
        await visit(c.abs, c.rel, r.value, false)
      }
    }
    // every folder, after what it holds: the receiver creates the folders as
    // files land, and sets each one's modification time once all of it is in
    out.push(scanned(rel, abs, st))
  }

  /** The first path named whose own name no receiver takes */
  let unsafeNamed: FerryError | undefined
  for (const p of paths) {
    checkSignal(signal)
    // `note.txt/..` goes up from no folder, as the kernel, `ls` and `cp` take it ("Not a directory"); resolve() took it to
    // the folder note.txt is in, sent whole (helper finding). The CLI keeps such a path as typed (upThroughFile)
    const notFolder = await nonFolderBeforeUp(asTyped(p))
    if (notFolder !== undefined) {
      warn({ path: asTyped(p), reason: `${notFolder} is not a folder (a .. goes up from a folder only), skipped`, failed: true, code: 'E_BAD_REQUEST' })
      continue
    }
    const abs = resolve(p)
    const name = basename(abs)
    if (name === '') throw new FerryError('E_BAD_REQUEST', `cannot send the file system root ${abs}`)
    if (roots.get(name) === abs) continue
    let st: BigIntStats
    try {
      st = await lstat(abs, { bigint: true })
    } catch (err) {
      // one of several paths named that cannot be reached: the others go, and it is listed as not sent (as cp, scp and
      // rsync do; user-test finding: the whole send was refused); with none there, the send has nothing to send and says why
      warn({ path: abs, reason: `${unreachable(err)}, skipped`, failed: true, code: goneOrIo(err) })
      continue
    }
    // `note.txt/` names a folder, as `ls` and `cp` take it ("Not a directory"); resolve() dropped that / (the CLI keeps
    // it: namedAsFolder), and the file was sent (helper finding). A link to a folder so named is followed, as below
    if (NAMES_FOLDER.test(p) && await stat(abs).then((s) => !s.isDirectory(), () => false)) {
      warn({ path: `${abs}/`, reason: 'not a folder (a / at the end names one; name the file without it), skipped', failed: true, code: 'E_BAD_REQUEST' })
      continue
    }
    // a name no receiver takes is left out as it is inside a folder, and the others go (user-test finding: one such
    // path named refused the whole send, and one not there was said as unsafe, not as missing); alone, it is the
    // send's own error, below
    try {
      validateSentPath(name)
    } catch (err) {
      unsafeNamed ??= err as FerryError
      warn({ path: abs, reason: `${(err as Error).message}, skipped`, failed: true, code: toFerryError(err, 'E_PATH_UNSAFE').code })
      continue
    }
    // only a path that is there takes its name (review finding: a missing one named first refused the other as a twin)
    const prev = roots.get(name)
    if (prev !== undefined) throw new FerryError('E_BAD_REQUEST', twinsAdvice(prev, abs, name))
    roots.set(name, abs)
    // a path given by name is what the person asked for: a symbolic link there
    // (a ~/Pictures that points to a disk elsewhere) is followed, and read where
    // it points (files are opened without following links); links inside are not
    let source = abs
    if (st.isSymbolicLink()) {
      try {
        source = await realpath(abs)
        st = await lstat(source, { bigint: true })
      } catch (err) {
        const code = (err as { code?: unknown }).code
        if (code === 'ENOENT' || code === 'ELOOP') { warn({ path: abs, reason: 'a symbolic link to nothing, skipped', failed: true, code: 'E_PATH_NOT_FOUND' }); continue }
        throw toFerryError(err, 'E_IO')
      }
    }
    const inside = excluded.size > 0 ? await excludedAbove(source) : undefined
    if (inside !== undefined) { warn({ path: abs, reason: `inside ${inside}, skipped` }); continue }
    const fsType = await fileSystemType(source)
    const pseudo = fsType === undefined ? undefined : PSEUDO_FS.get(fsType)
    if (pseudo !== undefined) {
      warn({ path: abs, reason: `on the kernel's ${pseudo} file system, where sizes are not contents (a file shown as 0 or 4096 bytes holds what the kernel writes when it is read); copy it to a regular file first (cat ${abs} > file), skipped`, failed: true, code: 'E_BAD_REQUEST' })
      continue
    }
    const first = out.length
    await visit(source, name, st, true)
    if (fsType !== undefined && CTIME_NOT_KEPT.has(fsType)) {
      for (let i = first; i < out.length; i++) {
        const e = out[i]
        if (e.kind !== 'file') continue
        e.noCache = true
        if (madeUpMode(fsType, e.mode)) { e.mode = NEW_FILE_MODE; e.modeMadeUp = true }
      }
    }
  }
  // nothing else to send: the unsafe name is why, said as itself (E_PATH_UNSAFE, not "nothing to send")
  if (out.length === 0 && unsafeNamed !== undefined) throw unsafeNamed
  // a last turn of the event loop and a last look: an abort that came in
  // during the last stretch of work (a `ferry send` that went away: its
  // socket's end is read only on a turn) is seen before the caller goes on
  await nextTurn()
  checkSignal(signal)
  return out
}

/** Encoded bytes of one offer entry besides its path and hashes, at most: field tags, varints, the file root and the entry's own length prefix (79 with every field at its widest). */
const ENTRY_OVERHEAD_BYTES = 96
/** The offer's own fields: transfer id, transfer root, total size (61 at most). */
const OFFER_HEADER_BYTES = 64

/**
 * An upper bound on the size of the offer these entries make, known before
 * any hashing: every chunk hash is 32 bytes and the chunk count follows from
 * the size. A send whose offer no receiver would read (MAX_OFFER_BYTES) is
 * then refused at once, not after hours of hashing a few TiB.
 */
export function offerBytesBound (entries: ScannedEntry[]): number {
  let n = OFFER_HEADER_BYTES + chunkHashBytes(entries)
  for (const e of entries) n += ENTRY_OVERHEAD_BYTES + Buffer.byteLength(e.path)
  return n
}

/** The bytes of these entries' files (folders hold none). */
export function fileBytes (entries: ScannedEntry[]): number {
  return entries.reduce((n, e) => n + (e.kind === 'file' ? e.size : 0), 0)
}

/** The bytes of chunk hashes these entries' offer carries (32 per chunk). */
export function chunkHashBytes (entries: ScannedEntry[]): number {
  let n = 0
  for (const e of entries) if (e.kind === 'file') n += 32 * chunkCount(e.size, chunkSizeFor(e.size))
  return n
}

export async function buildManifest (entries: ScannedEntry[], pool: HashPool, options: BuildOptions = {}): Promise<Manifest> {
  checkSignal(options.signal)
  const stop = new AbortController()
  const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal])
  const progress: BuildProgress = {
    hashedBytes: 0,
    totalBytes: fileBytes(entries),
    filesDone: 0,
    totalFiles: entries.length
  }
  let lastReport = 0
  const report = (force: boolean): void => {
    const now = performance.now()
    if (options.onProgress === undefined || (!force && now - lastReport < PROGRESS_INTERVAL_MS)) return
    lastReport = now
    options.onProgress({ ...progress })
  }

  const { cache } = options
  const toRemember: CachedFile[] = []
  const minAgeNs = BigInt(options.cacheMinAgeMs ?? CACHE_MIN_AGE_MS) * 1_000_000n

  /** The cache is an optimisation: if its store fails (a full disk, say), the file is hashed as if it were not there. */
  function cacheGet (path: string, id: FileIdentity, chunkSize: number): ChunkHashes | undefined {
    try {
      return cache?.get(path, id, chunkSize)
    } catch (err) {
      options.onCacheError?.(err)
      return undefined
    }
  }

  /** Remember what was hashed if the file was the same before and after, and last changed well before the hashing began. */
  function remember (path: string, before: FileIdentity, after: FileIdentity | undefined, startedMs: number, chunkSize: number, chunks: ChunkHashes): void {
    if (cache === undefined || after === undefined || !sameIdentity(before, after)) return
    const startedNs = BigInt(startedMs) * 1_000_000n
    // by the change time alone: every write sets it to the clock's now, and no program can set it back (files
    // whose file system keeps none of its own are never remembered: CTIME_NOT_KEPT). The modification time
    // is anyone's to set: one in the future (a camera whose clock is ahead) kept such files out for good,
    // read again at every send (user-test finding)
    if (startedNs - before.ctimeNs < minAgeNs) return
    toRemember.push({ path, id: before, chunkSize, chunks })
  }

  async function hashEntry (e: ScannedEntry, index: number): Promise<FileEntry> {
    if (e.kind === 'dir') return { ...local(e), chunkSize: 0, chunks: ChunkHashes.NONE, fileRoot: computeFileRoot(0, 0, ChunkHashes.NONE) }
    let cur = e
    for (let attempt = 1; ; attempt++) {
      const chunkSize = chunkSizeFor(cur.size)
      const startedMs = Date.now()
      const before = cur.identity
      // the cache only for the file as the scan saw it: a file that changed since is hashed (bounded: no cache hit after a change)
      const known = before === undefined || attempt > 1 || e.noCache === true ? undefined : cacheGet(cur.sourcePath, before, chunkSize)
      if (before !== undefined && known !== undefined && known.length === chunkCount(cur.size, chunkSize)) {
        // the hashes are of the file as it was at the scan, maybe minutes ago in a big
        // send: one saved since (same path, new times) is hashed as it is now, as the
        // uncached path below does, instead of being offered with its old hashes
        const now = await lookAgain(cur.sourcePath)
        const again = scannedAgain(cur, now)
        if (now.isFile() && sameIdentity(before, again.identity!)) {
          progress.hashedBytes += cur.size
          if (options.onChunk !== undefined) for (let c = 0; c < known.length; c++) options.onChunk(index, c, known.at(c))
          return { ...local(cur), identity: before, chunkSize, chunks: known, fileRoot: computeFileRoot(cur.size, chunkSize, known) }
        }
        if (!now.isFile()) throw unhashable('E_IO', cur.sourcePath, 'is no longer a regular file')
        progress.totalBytes += again.size - cur.size
        cur = again
        continue
      }
      let hashed = 0
      let chunks: ChunkHashes | undefined
      let failure: unknown
      try {
        chunks = await pool.hashFileChunks(cur.sourcePath, chunkSize, {
          signal,
          size: cur.size,
          onChunk: (c, d, length) => { hashed += length; progress.hashedBytes += length; options.onChunk?.(index, c, d); report(false) }
        })
      } catch (err) {
        failure = err
        const code = toFerryError(err).code
        if (code === 'E_PATH_NOT_FOUND') throw unhashable('E_PATH_NOT_FOUND', cur.sourcePath, 'removed before it could be read', err)
        // E_PATH_UNSAFE: the pool never follows a symbolic link, and the scan
        // sent none: one is there now in place of the file (the look below
        // says so, and the file is left out like a FIFO put there)
        if (code !== 'E_IO' && code !== 'E_PATH_UNSAFE') throw err
        // no use reading it again
        if (await unreadable(cur.sourcePath)) throw unhashable('E_IO', cur.sourcePath, `cannot be read ${byDaemonUser()}: permission denied`, err)
      }
      const now = await lookAgain(cur.sourcePath)
      const again = scannedAgain(cur, now)
      if (chunks !== undefined && now.isFile() && again.size === cur.size && again.mtimeMs === cur.mtimeMs && again.mtimeSubMsNs === cur.mtimeSubMsNs) {
        if (before !== undefined && e.noCache !== true) remember(cur.sourcePath, before, again.identity, startedMs, chunkSize, chunks)
        return { ...local(again), identity: again.identity, chunkSize, chunks, fileRoot: computeFileRoot(cur.size, chunkSize, chunks) }
      }
      progress.hashedBytes -= hashed
      if (!now.isFile()) throw unhashable('E_IO', cur.sourcePath, 'is no longer a regular file')
      if (attempt >= MAX_ATTEMPTS) {
        // unchanged but unreadable (EIO, a network file system's error) is not "changing"
        const why = failure !== undefined && again.size === cur.size && again.mtimeMs === cur.mtimeMs
          ? `could not be read (${toFerryError(failure).message})`
          : 'kept changing while it was read (send it when it is stable)'
        throw unhashable('E_IO', cur.sourcePath, why, failure)
      }
      progress.totalBytes += again.size - cur.size
      cur = again
    }
  }

  /** A file that cannot be read as it is: left out with a warning when the caller takes them, else the build fails. */
  async function hashOrSkip (e: ScannedEntry, index: number): Promise<FileEntry | undefined> {
    try {
      return await hashEntry(e, index)
    } catch (err) {
      const reason = (err as { unhashable?: string }).unhashable
      if (options.onSkip === undefined || reason === undefined || signal.aborted) throw err
      options.onSkip({ path: e.sourcePath, reason: `${reason}, skipped`, failed: true, code: toFerryError(err, 'E_IO').code })
      progress.totalBytes -= e.size
      return undefined
    }
  }

  const hashed = new Array<FileEntry | undefined>(entries.length)
  let next = 0
  // folders wait for no I/O (nor did cached files, before they were looked at
  // again): 20,000 of them in a row kept the daemon from answering for over a second
  const step = loopTurns()
  const lane = async (): Promise<void> => {
    while (next < entries.length) {
      const i = next++
      hashed[i] = await hashOrSkip(entries[i], i)
      progress.filesDone++
      report(false)
      await step()
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(FILES_IN_FLIGHT, entries.length) }, lane))
  } catch (err) {
    stop.abort()
    throw toFerryError(err, 'E_IO')
  }
  report(true)
  if (toRemember.length > 0) {
    try {
      cache?.putAll(toRemember)
    } catch (err) {
      options.onCacheError?.(err) // the manifest stands; the next send hashes these files again
    }
  }
  const files = hashed.filter((f) => f !== undefined)
  return { files, root: computeTransferRoot(files), totalBytes: files.reduce((n, f) => n + f.size, 0) }
}

/** The error for a file that cannot be read as it is; `unhashable` is the reason a skip warning gives. */
/** Why a path named to the send could not be looked at, in a user's words. */
function unreachable (err: unknown): string {
  const code = (err as { code?: unknown }).code
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'no such file or directory'
  if (code === 'EACCES') return `cannot be reached ${byDaemonUser()}: permission denied (on it or a folder above it)`
  return `cannot be reached (${(err as Error).message})`
}

/** The code of a path that cannot be reached: not there (or a file on its way), else a file-system error */
function goneOrIo (err: unknown): ErrorCode {
  const code = (err as { code?: unknown }).code
  return code === 'ENOENT' || code === 'ENOTDIR' ? 'E_PATH_NOT_FOUND' : 'E_IO'
}

function unhashable (code: 'E_IO' | 'E_PATH_NOT_FOUND', path: string, reason: string, cause?: unknown): FerryError {
  return Object.assign(new FerryError(code, `${path}: ${reason}`, { cause }), { unhashable: reason })
}

/** The file as it is now, to compare with what was hashed (or found in the cache) for it. */
async function lookAgain (path: string): Promise<BigIntStats> {
  return await lstat(path, { bigint: true }).catch((err: unknown) => {
    if ((err as { code?: unknown }).code === 'ENOENT') throw unhashable('E_PATH_NOT_FOUND', path, 'removed before it could be read', err)
    throw toFerryError(err, 'E_IO')
  })
}

/** Whether this process may not read `path` (EACCES, EPERM): reading it again cannot help. */
async function unreadable (path: string): Promise<boolean> {
  try {
    await access(path, constants.R_OK)
    return false
  } catch (err) {
    const code = (err as { code?: unknown }).code
    return code === 'EACCES' || code === 'EPERM'
  }
}

/**
 * Two paths of one send that would arrive under one name: what to do instead. Not "send them separately" alone:
 * sent one at a time, two folders of one name merge there, the second's clashing files kept as "name (1)" (user-test
 * finding: that advice led to the very merge it refused). Their parents, where those are named apart, keep them apart.
 */
function twinsAdvice (a: string, b: string, name: string): string {
  const [da, db] = [dirname(a), dirname(b)]
  // not where one parent holds the other: that sends the inner one twice, and maybe a whole home folder (review finding)
  const nested = (outer: string, inner: string): boolean => inner.startsWith(outer.endsWith('/') ? outer : `${outer}/`)
  const named = basename(da) !== basename(db) && basename(da) !== '' && basename(db) !== ''
  const apart = named && !nested(da, db) && !nested(db, da) ? `send the folders that hold them (${da} and ${db}, all they hold) to keep them apart` : 'put them in folders named apart, and send those, to keep them apart'
  return `${a} and ${b} would both be sent as "${name}"; ${apart}, or send them one at a time (the second then meets the first there: folders merge, and a name taken is kept as "name (1)")`
}
