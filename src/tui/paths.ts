// Turning the Send screen's typed text into absolute paths and checking that
// they exist before anything goes to the daemon (the daemon may run in another
// directory, so relative paths are resolved here, against the TUI's cwd).

import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { resolve } from 'node:path'

/** Split on spaces; "double" or 'single' quotes keep a path with spaces together. */
export function splitPaths (text: string): string[] {
  const out: string[] = []
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g
  for (const m of text.matchAll(re)) {
    const p = m[1] ?? m[2] ?? m[3]
    if (p != null && p !== '') out.push(p)
  }
  return out
}

/** `~/x` → home/x, then absolute against `cwd`. */
export function resolvePath (p: string, cwd = process.cwd(), home = homedir()): string {
  if (p === '~') return home
  if (p.startsWith('~/')) return resolve(home, p.slice(2))
  return resolve(cwd, p)
}

export interface CheckedPaths { paths: string[], missing: string[] }

/** Resolve each typed path; `missing` keeps the text as typed so the user can find it. */
export function checkPaths (text: string, exists: (p: string) => boolean = existsSync): CheckedPaths {
  const paths: string[] = []
  const missing: string[] = []
  for (const typed of splitPaths(text)) {
    const abs = resolvePath(typed)
    if (exists(abs)) paths.push(abs)
    else missing.push(typed)
  }
  return { paths, missing }
}
