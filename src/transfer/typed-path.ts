// What a path to send says as typed that resolve() drops: a / (or /.) at its
// end names a folder, and a `..` goes up from a folder only. `ferry send` and
// the daemon's scan both look at a path so (helper findings: `note.txt/` and
// `note.txt/..` were sent, the file and its whole folder).

import { stat } from 'node:fs/promises'
import { isAbsolute } from 'node:path'

/** A path as typed that ends with / or /. : it names a folder, as `ls` and `cp` take it ("Not a directory" for a file) */
export const NAMES_FOLDER = /\/\.?$/

/** A `..` component anywhere in a path as typed */
export const GOES_UP = /(^|\/)\.\.(\/|$)/

/** `given` as typed, made absolute by joining, not resolving: its `..` kept for the kernel to follow (or refuse) */
export const asTyped = (given: string): string => isAbsolute(given) ? given : `${process.cwd()}/${given}`

/**
 * The part of `typed` (absolute, not resolved) before one of its `..` that is
 * no folder: `note.txt/..`, which resolve() takes lexically to the folder
 * note.txt is in (so that whole folder was sent), where the kernel, `ls` and
 * `cp` refuse it, "Not a directory" (helper finding). Each part is stat'ed as
 * typed, so the kernel decides (links followed as it follows them);
 * undefined when every part before a `..` is a folder, or one is not there
 * (then the path is said missing as any other).
 */
export async function nonFolderBeforeUp (typed: string): Promise<string | undefined> {
  if (!GOES_UP.test(typed)) return undefined
  const parts = typed.split('/')
  const lastUp = parts.lastIndexOf('..')
  for (let i = 1; i < lastUp; i++) {
    // "", "." and ".." add no new name to look at: the part before them was
    if (parts[i] === '' || parts[i] === '.' || parts[i] === '..') continue
    const prefix = parts.slice(0, i + 1).join('/')
    const isFolder = await stat(prefix).then((s) => s.isDirectory(), () => undefined)
    if (isFolder === undefined) return undefined
    if (!isFolder) return prefix
  }
  return undefined
}
