// One daemon per home, held for the daemon's life by a lock the kernel
// lets go of when the process ends, however it ends. The control socket
// was the only lock before: replacing a stale one is look-then-act, so two
// daemons started at once after a crash could both take it, and a daemon
// started after its socket file was deleted ran beside the first, on the
// same database and part files (review finding). The lock is SQLite's own
// (an exclusive transaction on a file of its own, held open: fcntl locks,
// released at exit), as node has no flock.

import { DatabaseSync } from 'node:sqlite'
import { join } from 'node:path'
import { FerryError, quoteForShell } from '../errors.ts'

export const LOCK_FILE = 'daemon.lock'

export interface HomeLock { release: () => void }

/** Take `home`'s lock, or fail at once with E_DAEMON_RUNNING when another process holds it. */
export function acquireHomeLock (home: string): HomeLock {
  const path = join(home, LOCK_FILE)
  const db = new DatabaseSync(path)
  try {
    db.exec('PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE')
  } catch (err) {
    db.close()
    // with what to do next (user-test finding: said only that one runs)
    if ((err as { errcode?: number }).errcode === 5) throw new FerryError('E_DAEMON_RUNNING', `a ferry daemon is already running on ${home} (it holds ${path}); stop that one first (\`ferry status --home ${quoteForShell(home)}\` shows its pid), or give this one another --home`)
    throw new FerryError('E_IO', `cannot lock ${path}: ${(err as Error).message}`, { cause: err })
  }
  let held = true
  return {
    release: () => {
      if (!held) return
      held = false
      try { db.exec('ROLLBACK') } catch {}
      db.close()
    }
  }
}
