// The sign that a daemon is starting on a home, from the first instant of
// `ferry daemon` until its control socket listens: `<home>/daemon.starting`,
// holding its PID (the same across its re-exec, daemon-flags.ts). Node's own
// start, twice, and loading what it needs take 0.3–1.5 s; a command run
// right after `ferry daemon &` (as the README shows, and as scripts do)
// found no socket then and failed with E_DAEMON_NOT_RUNNING (user-test
// finding). A client that finds no socket but this mark, of a process that
// is alive, waits for the socket instead (control/client.ts).
// Must never: make a client wait on a daemon that is gone: a mark left by a
// daemon killed while it started names a dead PID, and is taken as none.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const STARTING_MARK = 'daemon.starting'

/** Mark `home` as having a daemon starting (this process); best effort: a home that cannot be made now fails later, as the daemon says. */
export function markStarting (home: string): void {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 })
    writeFileSync(join(home, STARTING_MARK), String(process.pid), { mode: 0o600 })
  } catch {}
}

/** The mark goes: the socket listens, or this daemon did not start. Only this process's own (two started at once: the other's stays). */
export function unmarkStarting (home: string): void {
  const path = join(home, STARTING_MARK)
  try {
    if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true })
  } catch {}
}

/** Whether a daemon that is alive marked `home` as starting. */
export function daemonStarting (home: string): boolean {
  let pid: number
  try {
    pid = Number(readFileSync(join(home, STARTING_MARK), 'utf8').trim())
  } catch {
    return false
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // there, but not ours to signal: alive all the same
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
