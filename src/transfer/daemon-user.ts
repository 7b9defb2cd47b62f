// The user the daemon runs as, named where it was refused a file: the person
// running `ferry send` may be another (root, or themselves against a daemon
// run as a service user) and read what the daemon cannot (user-test finding:
// "cannot be read (permission denied)" of a file the person could read).

import { userInfo } from 'node:os'

/** The daemon's user name, or its uid where the system has no name for it (a container without a passwd entry). */
export function daemonUser (): string {
  try { return userInfo().username } catch { return `uid ${process.getuid?.() ?? '?'}` }
}

/** "by the user the daemon runs as (nobody)": after what it could not do */
export function byDaemonUser (): string {
  return `by the user the daemon runs as (${daemonUser()})`
}
