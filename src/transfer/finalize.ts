// Placing a fully verified part file under its final name inside the receive
// folder: parent folders created without following symlinks, never
// overwriting (link + unlink; a taken name becomes "name (1).ext"), then the
// sender's modification time and executable bit restored.
// Must never: write outside the receive folder, or leave a half-written file
// under a final name (only complete, verified part files get here).

import { chmod, link, lstat, mkdir, unlink, utimes, rename } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { FerryError, toFerryError } from '../errors.ts'
import { MODE_EXECUTABLE } from './manifest-root.ts'
import { resolveInside, uniqueDestination, validateRelativePath } from './safe-path.ts'

/** Create the folders leading to `components` (all but the last), refusing symlinks on the way. */
export async function ensureParents (root: string, components: string[]): Promise<void> {
  let current = root
  for (const c of components.slice(0, -1)) {
    current = join(current, c)
    try {
      const st = await lstat(current)
      if (st.isSymbolicLink()) throw new FerryError('E_PATH_UNSAFE', `${relative(root, current)} is a symbolic link in the receive folder`)
      if (!st.isDirectory()) throw new FerryError('E_PATH_UNSAFE', `${relative(root, current)} exists and is not a folder`)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw toFerryError(err)
      await mkdir(current).catch((e: NodeJS.ErrnoException) => { if (e.code !== 'EEXIST') throw e })
    }
  }
}

export interface PlaceOptions { root: string, relPath: string, partPath: string, mtimeMs: number, mode: number }

/** Move the part file to its final name; returns the path actually used. */
export async function placeFile (o: PlaceOptions): Promise<string> {
  const components = validateRelativePath(o.relPath)
  await ensureParents(o.root, components)
  let dest = await resolveInside(o.root, components)
  await setMetadata(o.partPath, o.mtimeMs, o.mode)
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      // link fails with EEXIST instead of replacing: an existing file is never overwritten
      await link(o.partPath, dest)
      await unlink(o.partPath)
      return dest
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'EEXIST') { dest = await uniqueDestination(dest); continue }
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EXDEV') {
        // file systems without hard links: rename after checking the name is free
        dest = await uniqueDestination(dest)
        await rename(o.partPath, dest)
        return dest
      }
      throw toFerryError(err)
    }
  }
  throw new FerryError('E_IO', `could not find a free name for ${o.relPath}`)
}

async function setMetadata (path: string, mtimeMs: number, mode: number): Promise<void> {
  await chmod(path, mode === MODE_EXECUTABLE ? 0o755 : 0o644)
  const t = new Date(mtimeMs)
  await utimes(path, t, t)
}

export async function placeDir (root: string, relPath: string, mtimeMs: number): Promise<string> {
  const components = validateRelativePath(relPath)
  await ensureParents(root, [...components, ''])
  const dest = await resolveInside(root, components)
  const t = new Date(mtimeMs)
  await utimes(dest, t, t).catch(() => {})
  return dest
}

export async function removeQuietly (path: string): Promise<void> {
  await unlink(path).catch(() => {})
}

export function partDirFor (receiveDir: string, rootHex: string): string {
  return join(receiveDir, '.ferry-part', rootHex)
}

export { dirname }
