// The daemon's folders (its home, the receive folder), made at start with
// what is wrong said in words. Node's recursive mkdir reports a read-only
// file system as ENOENT of the folder it was asked for (user-test finding:
// `E_IO: ENOENT: no such file or directory, mkdir '/mnt/ro/ferry'`), so on a
// failure the first missing folder is made on its own, which fails with the
// real reason. Made with mkdirP, not Node's recursive mkdir, which loops for
// ever where mkdir says ENOENT under a folder that is there (mkdir-p.ts).

import { mkdir, readlink, rmdir, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { FerryError } from '../errors.ts'
import { mkdirP } from './mkdir-p.ts'

/** mkdir -p of `path`; `option`: how the user names it (`--home`, `--receive-dir`), said in the errors. */
export async function makeFolder (path: string, option: string, mode?: number): Promise<void> {
  try {
    await mkdirP(path, mode)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const dangling = await danglingLinkOnTheWay(path)
    if (dangling !== undefined) throw new FerryError('E_USAGE', `${option} ${path} cannot be made: ${dangling.link} is a symbolic link to ${dangling.target}, which is not there (a disk not mounted?); mount it or make that folder, or choose another`, { cause: err })
    // a file of that name, or one on the way
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new FerryError('E_USAGE', `${option} ${path} is not a folder (a file has its name, or the name of a folder on the way); choose another`)
    const real = await firstRefusal(path).catch(() => undefined) ?? (err as NodeJS.ErrnoException)
    const at = real.path ?? path
    if (real.code === 'EROFS') throw new FerryError('E_USAGE', `${option} ${path} cannot be made: ${dirname(at)} is on a read-only file system; choose another`, { cause: err })
    if (real.code === 'EACCES' || real.code === 'EPERM') throw new FerryError('E_USAGE', `${option} ${path} cannot be made: no permission to create ${at}; choose another`, { cause: err })
    // the folder above is there, and mkdir in it still says ENOENT: a virtual file system (/proc)
    if (real.code === 'ENOENT' && real.path !== undefined && await stat(dirname(real.path)).then((st) => st.isDirectory(), () => false)) throw new FerryError('E_USAGE', `${option} ${path} cannot be made: ${dirname(real.path)} does not take new folders (mkdir there says ENOENT: a virtual file system such as /proc?); choose another`, { cause: err })
    if (real.code === 'ENOSPC') throw new FerryError('E_NO_SPACE', `${option} ${path} cannot be made: the disk of ${dirname(at)} is full`, { cause: err })
    if (real.code === 'EDQUOT') throw new FerryError('E_NO_SPACE', `${option} ${path} cannot be made: your disk quota on the disk of ${dirname(at)} is used up`, { cause: err })
    throw new FerryError('E_IO', `${option} ${path} cannot be made: ${real.message}`, { cause: err })
  }
}

/**
 * The symbolic link to nothing that `path` is or passes through, with where
 * it points. A receive folder linked onto a disk not mounted (user-test
 * finding) read "EEXIST: file already exists, mkdir": the link is there, the
 * folder is not.
 */
export async function danglingLinkOnTheWay (path: string): Promise<{ link: string, target: string } | undefined> {
  for (let at = path; ; at = dirname(at)) {
    const target = await readlink(at).catch(() => undefined)
    if (target !== undefined && !await stat(at).then(() => true, () => false)) return { link: at, target }
    if (dirname(at) === at) return undefined
  }
}

/** The error of making the first missing folder on the way to `path` alone; undefined when it could be made (then nothing was left made). */
export async function firstRefusal (path: string): Promise<NodeJS.ErrnoException | undefined> {
  let missing = path
  for (let up = dirname(missing); up !== missing; missing = up, up = dirname(up)) {
    const found = await stat(up).then(() => true, () => false)
    if (found) break
  }
  try {
    await mkdir(missing)
  } catch (err) {
    return err as NodeJS.ErrnoException
  }
  // it could be made after all (the failure was further down): not left behind
  await rmdir(missing).catch(() => {})
  return undefined
}
