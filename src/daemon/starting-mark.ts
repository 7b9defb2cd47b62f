// The sign that a daemon is starting on a home, from the first instant of
// `ferry daemon` until its control socket listens: `<home>/daemon.starting`,
// holding its PID (the same across its re-exec, daemon-flags.ts). Node's own
// start, twice, and loading what it needs take 0.3–1.5 s; a command run
// right after `ferry daemon &` (as the README shows, and as scripts do)
// found no socket then and failed with E_DAEMON_NOT_RUNNING (user-test
// finding). A client that finds no socket but this mark, of a process that
// is alive, waits for the socket instead (control/client.ts).
// The mark makes the home when it is new (the first start on a machine is
// the one a script most likely runs a command right after), and a daemon
// that then does not start (a mistyped flag) removes it again: a typo in
// `--home` with one in another flag left an empty folder behind.
// Must never: make a client wait on a daemon that is gone: a mark left by a
// daemon killed while it started names a dead PID, and is taken as none.

import { readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { mkdirPSync } from './mkdir-p.ts'

export const STARTING_MARK = 'daemon.starting'

/** The first folder this process made for the home (it and those below it, up to the home), kept across the re-exec in the mark. */
let madeHere: string | undefined

/** The mark's PID, and the folder the marking made (second line), if it made one. */
function readMark (home: string): { pid: number, made?: string } | undefined {
  try {
    const [pid, made] = readFileSync(join(home, STARTING_MARK), 'utf8').split('\n')
    return { pid: Number(pid.trim()), made: made === '' ? undefined : made }
  } catch {
    return undefined
  }
}

/** Mark `home` as having a daemon starting (this process); once (the re-exec finds its own mark, with what it made); best effort: a home that cannot be made now fails later, as the daemon says. */
export function markStarting (home: string): void {
  try {
    const mine = readMark(home)
    if (mine?.pid === process.pid) { madeHere = mine.made; return }
    const made = mkdirPSync(home, 0o700)
    madeHere = made
    writeFileSync(join(home, STARTING_MARK), made != null ? `${process.pid}\n${made}` : String(process.pid), { mode: 0o600 })
  } catch {}
}

/** The mark goes: the socket listens, or this daemon did not start. Only this process's own (two started at once: the other's stays). */
export function unmarkStarting (home: string): void {
  if (readMark(home)?.pid === process.pid) rmSync(join(home, STARTING_MARK), { force: true })
}

/**
 * This daemon did not start: its mark goes, and the home too if marking
 * made it and nothing but the lock file is in it (with the folders made
 * above it, each only if empty). The home's lock is held while it looks and
 * removes: another daemon started on the same new home at the same moment,
 * which holds it, is left alone (review finding: its lock file could go
 * from under it). The lock's module loads node:sqlite, hence the import
 * here, on this path only.
 */
export async function notStarting (home: string): Promise<void> {
  unmarkStarting(home)
  const made = madeHere
  madeHere = undefined
  if (made == null || relative(made, home).startsWith('..')) return
  const { acquireHomeLock, LOCK_FILE } = await import('./home-lock.ts')
  // (SQLite keeps a journal beside the lock while it is held, and removes it at the release)
  const onlyLock = (): boolean => readdirSync(home).every((name) => name === LOCK_FILE || name === `${LOCK_FILE}-journal`)
  let emptied = false
  try {
    // looked at first too: taking the lock makes its file, which a home in use keeps
    if (!onlyLock()) return
    const lock = acquireHomeLock(home)
    try {
      if (onlyLock()) {
        rmSync(join(home, LOCK_FILE), { force: true })
        emptied = true
      }
    } finally { lock.release() }
  } catch {}
  if (!emptied) return
  try {
    for (let dir = home; ; dir = dirname(dir)) {
      rmdirSync(dir)
      if (dir === made) break
    }
  } catch {}
}

/** Whether a daemon that is alive marked `home` as starting. */
export function daemonStarting (home: string): boolean {
  const pid = readMark(home)?.pid
  if (pid == null || !Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // there, but not ours to signal: alive all the same
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
