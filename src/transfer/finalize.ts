// Placing a fully verified part file under its final name inside the receive
// folder: parent folders created without following symlinks, never
// overwriting (link + unlink; a taken name becomes "name (1).ext"), then the
// sender's modification time and executable bit restored.
// Must never: write outside the receive folder, or leave a half-written file
// under a final name (only complete, verified part files get here).

import { chmodSync, closeSync, constants, linkSync, openSync, renameSync, unlinkSync, utimesSync } from 'node:fs'
import { lstat, mkdir, open, unlink, utimes } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative } from 'node:path'
import { FerryError, toFerryError } from '../errors.ts'
import { MODE_EXECUTABLE } from './manifest-root.ts'
import { resolveInside, uniqueDestination, validateRelativePath } from './safe-path.ts'

/**
 * Create the folders leading to `components` (all but the last), refusing
 * symlinks on the way. `known` remembers folders already checked during this
 * transfer, so a thousand photos in one folder cost one lstat, not a thousand.
 */
export async function ensureParents (root: string, components: string[], known?: Set<string>): Promise<void> {
  let current = root
  for (const c of components.slice(0, -1)) {
    current = join(current, c)
    if (known?.has(current) === true) continue
    try {
      const st = await lstat(current)
      if (st.isSymbolicLink()) throw new FerryError('E_PATH_UNSAFE', `${relative(root, current)} is a symbolic link in the receive folder`)
      if (!st.isDirectory()) throw new FerryError('E_PATH_UNSAFE', `${relative(root, current)} exists and is not a folder`)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw toFerryError(err)
      await mkdir(current).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e })
    }
    known?.add(current)
  }
}

export interface PlaceOptions { root: string, relPath: string, partPath: string, mtimeMs: number, mode: number, knownDirs?: Set<string> }

/** Move the part file to its final name; returns the path actually used. */
export async function placeFile (o: PlaceOptions): Promise<string> {
  const components = validateRelativePath(o.relPath)
  await ensureParents(o.root, components, o.knownDirs)
  // every parent is now a real folder inside root (checked, or created by us),
  // and the components are validated, so the full symlink walk is needed only
  // when nothing was cached; the final name is never followed (link fails on EEXIST)
  const wanted = o.knownDirs != null ? join(o.root, ...components) : await resolveInside(o.root, components)
  let dest = wanted
  await setMetadata(o.partPath, o.mtimeMs, o.mode)
  for (let attempt = 0; attempt < 100; attempt++) {
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
      if (code === 'EEXIST') { dest = await uniqueDestination(wanted); continue }
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV') return await placeByRename(o.partPath, wanted)
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
 */
export async function placeByRename (partPath: string, wanted: string): Promise<string> {
  let dest = wanted
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      closeSync(openSync(dest, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw toFerryError(err)
      dest = await uniqueDestination(wanted)
      continue
    }
    try {
      renameSync(partPath, dest)
    } catch (err) {
      await removeQuietly(dest)
      throw toFerryError(err)
    }
    return dest
  }
  throw new FerryError('E_IO', `could not find a free name for ${wanted}`)
}

async function setMetadata (path: string, mtimeMs: number, mode: number): Promise<void> {
  chmodSync(path, mode === MODE_EXECUTABLE ? 0o755 : 0o644)
  const t = new Date(mtimeMs)
  utimesSync(path, t, t)
}

export async function placeDir (root: string, relPath: string, mtimeMs: number): Promise<string> {
  const components = validateRelativePath(relPath)
  await ensureParents(root, [...components, ''])
  const dest = await resolveInside(root, components)
  const t = new Date(mtimeMs)
  await utimes(dest, t, t).catch(() => {})
  return dest
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
      if (rel.startsWith('..') || isAbsolute(rel)) break
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
