// mkdir -p without Node's `{ recursive: true }`. Node (and libuv) take
// ENOENT from mkdir as "the folder above is missing": they make that one
// and try again, for ever when the folder above is there and the file
// system still says ENOENT (procfs: `--receive-dir /proc/x` or
// `--home /proc/x`). The daemon hung at start with a core at 100 % and
// `ferry status` timed out (user-test finding; nodejs/node has it too,
// sync and async). Here each missing folder is made once, from the top: a
// refusal is the error of the folder refused, and nothing loops.

import { mkdirSync, statSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'

/**
 * The folders of `path` not there yet, the topmost first; throws what stat
 * says other than ENOENT (ENOTDIR: a file on the way). Synchronous for both
 * mkdirP and mkdirPSync: a stat per folder up to the first one there, made
 * rarely (a home, a receive folder), is not worth a second copy of this.
 */
function missingFolders (path: string): string[] {
  const missing: string[] = []
  for (let at = resolve(path); ; at = dirname(at)) {
    try {
      const st = statSync(at)
      if (!st.isDirectory() && missing.length === 0) throw existsError(at)
      return missing.reverse()
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(at) === at) throw err
      missing.push(at)
    }
  }
}

/** As mkdir(2) says it of a file in the way, the error `mkdir(path, { recursive: true })` throws there. */
function existsError (path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`EEXIST: file already exists, mkdir '${path}'`), { code: 'EEXIST', errno: -17, syscall: 'mkdir', path })
}

/** A folder made by someone else between our stat and our mkdir of `dir` is as good as ours. */
function madeMeanwhile (err: unknown, dir: string): boolean {
  if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return false
  try { return statSync(dir).isDirectory() } catch { return false }
}

/** mkdir -p; returns the first folder it made (undefined: all there), as `mkdir(path, { recursive: true })` does. */
export async function mkdirP (path: string, mode?: number): Promise<string | undefined> {
  let first: string | undefined
  for (const dir of missingFolders(path)) {
    try {
      await mkdir(dir, { mode })
      first ??= dir
    } catch (err) {
      if (!madeMeanwhile(err, dir)) throw err
    }
  }
  return first
}

/** mkdirP, synchronously. */
export function mkdirPSync (path: string, mode?: number): string | undefined {
  let first: string | undefined
  for (const dir of missingFolders(path)) {
    try {
      mkdirSync(dir, { mode })
      first ??= dir
    } catch (err) {
      if (!madeMeanwhile(err, dir)) throw err
    }
  }
  return first
}
