// The first step of a daemon: make its home, take the home's lock and
// listen on the control socket, before the rest of the daemon is loaded.
// `ferry daemon` runs this before it imports the daemon itself (libp2p and
// the services: 0.8–1.2 s of module loading on a busy 2-core box), so a
// command run right after `ferry daemon &` finds the socket and waits there
// until the daemon is ready (the control server holds requests until then),
// where it failed with E_DAEMON_NOT_RUNNING (user-test finding).
// Owns: the lock and the control server until the daemon takes them.
// Must never: import what the daemon loads lazily for this reason (libp2p,
// the store, the services); only node built-ins and small ferry modules.

import { chmod } from 'node:fs/promises'
import { ControlServer, type Handlers } from './control/server.ts'
import { controlSocketPath } from './control/client.ts'
import { acquireHomeLock, type HomeLock } from './home-lock.ts'
import { makeFolder } from './make-folder.ts'
import { markStarting, unmarkStarting } from './starting-mark.ts'

export interface ClaimedHome {
  control: ControlServer
  /** Filled by the daemon (buildHandlers) before `started`: requests wait for `ready` before they are looked up. */
  handlers: Handlers
  lock: HomeLock
  /** The daemon is ready: requests that waited go on. */
  started: () => void
  /** The daemon failed to start: requests that waited get `err`. */
  failed: (err: Error) => void
  /** No daemon will take the home (its flags were wrong): requests that waited get `err`, the socket closes and the lock goes. */
  giveUp: (err: Error) => Promise<void>
}

export async function claimHome (home: string, log?: (level: 'debug' | 'warn', msg: string, data?: Record<string, unknown>) => void): Promise<ClaimedHome> {
  // `ferry daemon` marked it at its very start (main.ts); a daemon started otherwise, here
  markStarting(home)
  try {
    return await claim(home, log)
  } finally {
    // the socket listens (clients connect), or this daemon will not start: no one is to wait on the mark
    unmarkStarting(home)
  }
}

async function claim (home: string, log?: (level: 'debug' | 'warn', msg: string, data?: Record<string, unknown>) => void): Promise<ClaimedHome> {
  await makeFolder(home, '--home', 0o700)
  await chmod(home, 0o700).catch(() => {})
  let started!: () => void
  let failed!: (err: Error) => void
  const ready = new Promise<void>((resolve, reject) => { started = resolve; failed = reject })
  ready.catch(() => {})
  const handlers: Handlers = {}
  const control = new ControlServer({ path: controlSocketPath(home), handlers, ready, log })
  // one daemon per home (home-lock.ts): nothing else is touched before we
  // hold it, not even the socket (a stale one is replaced by listen)
  const lock = acquireHomeLock(home)
  try {
    await control.listen()
  } catch (err) {
    lock.release()
    throw err
  }
  const giveUp = async (err: Error): Promise<void> => {
    failed(err)
    await control.close()
    lock.release()
  }
  return { control, handlers, lock, started, failed, giveUp }
}
