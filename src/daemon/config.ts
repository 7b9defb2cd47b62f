// Where a daemon keeps its state and how it is configured. Pure functions:
// the CLI parses flags into a DaemonConfig, the daemon only reads it.

import { homedir, hostname } from 'node:os'
import { join } from 'node:path'

export interface DaemonConfig {
  home: string
  name: string
  listen: string[]
  mdns: boolean
  peers: string[]
  receiveDir: string
  verbose: boolean
}

/**
 * `~` or `~/…` at the start of a folder given to ferry, as the home folder.
 * The shell leaves it as it is in `--home=~/x` (after an `=`), in quotes, in
 * a crontab's `FERRY_HOME=~/x` and in a systemd unit's Environment=: ferry
 * then made a folder named `~` in the working folder, and a `ferry send`
 * run from elsewhere said "no daemon is running on ~/x" (user-test finding).
 * `~user` is left alone: only the shell knows other users' homes.
 */
export function expandTilde (path: string, home: string = homedir()): string {
  if (path === '~') return home
  return path.startsWith('~/') ? join(home, path.slice(2)) : path
}

/** --home, else $FERRY_HOME, else $XDG_STATE_HOME/ferry, else ~/.local/state/ferry */
export function resolveHome (flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag != null && flag !== '') return expandTilde(flag)
  if (env.FERRY_HOME != null && env.FERRY_HOME !== '') return expandTilde(env.FERRY_HOME)
  if (env.XDG_STATE_HOME != null && env.XDG_STATE_HOME !== '') return join(env.XDG_STATE_HOME, 'ferry')
  return join(homedir(), '.local', 'state', 'ferry')
}

/** Default receive folder: the user's Downloads/ferry ($XDG_DOWNLOAD_DIR if set). */
export function defaultReceiveDir (env: NodeJS.ProcessEnv = process.env): string {
  const downloads = env.XDG_DOWNLOAD_DIR != null && env.XDG_DOWNLOAD_DIR !== '' ? env.XDG_DOWNLOAD_DIR : join(homedir(), 'Downloads')
  return join(downloads, 'ferry')
}

export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/4774']

export function defaultName (): string {
  return hostname()
}
