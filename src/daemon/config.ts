// Where a daemon keeps its state and how it is configured. Pure functions:
// the CLI parses flags into a DaemonConfig, the daemon only reads it.

import { homedir, hostname } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'

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

/**
 * --home, else $FERRY_HOME, else $XDG_STATE_HOME/ferry, else
 * ~/.local/state/ferry; absolute, from the working folder: the hints that
 * name it (`ferry wait ID --home …`) are run later, from anywhere (helper
 * finding: `--home a/home` was repeated as typed).
 */
export function resolveHome (flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag != null && flag !== '') return resolve(expandTilde(flag))
  if (env.FERRY_HOME != null && env.FERRY_HOME !== '') return resolve(expandTilde(env.FERRY_HOME))
  // a relative one is ignored, as the XDG Base Directory spec says
  if (env.XDG_STATE_HOME != null && isAbsolute(env.XDG_STATE_HOME)) return join(env.XDG_STATE_HOME, 'ferry')
  return join(homedir(), '.local', 'state', 'ferry')
}

/** Default receive folder: the user's Downloads/ferry ($XDG_DOWNLOAD_DIR if set). */
export function defaultReceiveDir (env: NodeJS.ProcessEnv = process.env): string {
  const downloads = env.XDG_DOWNLOAD_DIR != null && env.XDG_DOWNLOAD_DIR !== '' ? env.XDG_DOWNLOAD_DIR : join(homedir(), 'Downloads')
  return join(downloads, 'ferry')
}

/** The port `ferry daemon` listens on unless told otherwise, and `ferry connect` dials unless given one */
export const DEFAULT_PORT = 4774
export const DEFAULT_LISTEN = [`/ip4/0.0.0.0/tcp/${DEFAULT_PORT}`]

/**
 * The `ferry daemon` flags that start a daemon as `config` (StatusInfo
 * startFlags): --home, and each setting that is not the default, which a
 * command given to a person would otherwise leave out (helper finding: the
 * TUI's "start it" hint had --home alone).
 */
export function startFlags (config: DaemonConfig, env: NodeJS.ProcessEnv = process.env): string[] {
  const defaultListen = config.listen.length === DEFAULT_LISTEN.length && config.listen.every((a, i) => a === DEFAULT_LISTEN[i])
  return [
    '--home', config.home,
    ...(config.name !== defaultName() ? ['--name', config.name] : []),
    ...(defaultListen ? [] : config.listen.flatMap((a) => ['--listen', a])),
    ...config.peers.flatMap((a) => ['--peer', a]),
    ...(config.mdns ? [] : ['--no-mdns']),
    ...(config.receiveDir !== resolve(defaultReceiveDir(env)) ? ['--receive-dir', config.receiveDir] : [])
  ]
}

export function defaultName (): string {
  return hostname()
}
