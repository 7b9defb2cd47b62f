// The one typed client of the daemon's control API. The CLI and the TUI use
// only this (and the types in types.ts); they never import daemon internals.

import { connect, type Socket } from 'node:net'
import { join, relative } from 'node:path'
import { FerryError, isErrorCode, quoteForShell } from '../../errors.ts'
import { onJsonLines, writeJsonLine } from './lines.ts'
import { CONTROL_SOCKET } from './types.ts'
import { daemonStarting } from '../starting-mark.ts'
import type { ControlEvents, ControlMethods, EventName, MethodName } from './types.ts'

type Pending = { resolve: (v: unknown) => void, reject: (e: Error) => void }
export type EventHandler = <E extends EventName>(event: E, data: ControlEvents[E]) => void

export class ControlClient {
  private readonly socket: Socket
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private eventHandler?: EventHandler
  private closeHandlers: Array<(err?: Error) => void> = []
  closed = false

  constructor (socket: Socket) {
    this.socket = socket
    onJsonLines(socket, (v) => this.onLine(v), (err) => this.fail(err))
    socket.on('close', () => this.fail(new FerryError('E_DAEMON_NOT_RUNNING', 'connection to the daemon closed')))
    socket.on('error', () => { /* 'close' follows and rejects what is pending */ })
  }

  call<M extends MethodName>(method: M, params?: ControlMethods[M]['params']): Promise<ControlMethods[M]['result']> {
    if (this.closed) return Promise.reject(new FerryError('E_DAEMON_NOT_RUNNING', 'connection to the daemon is closed'))
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const settled = (): void => { clearTimeout(timer); this.pending.delete(id) }
      this.pending.set(id, { resolve: (v) => { settled(); resolve(v as ControlMethods[M]['result']) }, reject: (e) => { settled(); reject(e) } })
      if (PROMPT_METHODS.has(method)) {
        timer = setTimeout(() => {
          settled()
          reject(new FerryError('E_TIMEOUT', `the daemon did not answer \`${method}\` within ${Math.round(answerTimeoutMs() / 1000)} s; it may be stopped (SIGSTOP) or stuck${method === 'accept' ? ', or still checking the offer\'s room on a slow disk: `ferry offers` and `ferry transfers` tell whether it was accepted' : ''}`))
        }, answerTimeoutMs())
        timer.unref()
      }
      writeJsonLine(this.socket, { id, method, params: params ?? {} })
    })
  }

  /** Start receiving events on this connection. */
  async subscribe (handler: EventHandler): Promise<void> {
    this.eventHandler = handler
    await this.call('subscribe')
  }

  onClose (handler: (err?: Error) => void): void {
    this.closeHandlers.push(handler)
  }

  close (): void {
    this.socket.end()
    this.socket.destroy()
  }

  private onLine (v: unknown): void {
    const msg = v as { id?: number, result?: unknown, error?: { code: unknown, message: string }, event?: EventName, data?: unknown }
    if (typeof msg.event === 'string') {
      this.eventHandler?.(msg.event, msg.data as never)
      return
    }
    if (typeof msg.id !== 'number') return
    if (msg.id === 0 && msg.error != null) {
      // the daemon could not read a request of ours (too long, not JSON) and
      // cannot say which: fail what waits for an answer, rather than hang
      const err = new FerryError(isErrorCode(msg.error.code) ? msg.error.code : 'E_CONTROL_PROTOCOL', `the daemon could not read a request: ${msg.error.message}`)
      for (const pending of [...this.pending.values()]) pending.reject(err)
      return
    }
    const p = this.pending.get(msg.id)
    if (p == null) return
    this.pending.delete(msg.id)
    if (msg.error != null) {
      const code = isErrorCode(msg.error.code) ? msg.error.code : 'E_INTERNAL'
      p.reject(new FerryError(code, msg.error.message))
    } else {
      p.resolve(msg.result)
    }
  }

  private fail (err: Error): void {
    if (this.closed) return
    if (err instanceof FerryError && err.code !== 'E_DAEMON_NOT_RUNNING') {
      // a malformed line from the daemon: report but keep going
      return
    }
    this.closed = true
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
    for (const h of this.closeHandlers) h(err)
  }
}

/**
 * Methods the daemon answers at once (no scan, no peer, no person to wait
 * for): when one gets no answer, the daemon is stopped or stuck, and a
 * script should hear so rather than hang. `accept` checks the offer's room
 * on its disk first, after the checks of offers under way: seconds, unless
 * the disk is slow (a stat per file already in place), which its timeout
 * then says (helper finding: `ferry accept` hung on a stopped daemon).
 */
const PROMPT_METHODS: ReadonlySet<MethodName> = new Set<MethodName>(['status', 'peers', 'subscribe', 'transfers', 'offers', 'accept', 'decline', 'cancel', 'peer.autoAccept', 'pair.cancel'])

/** How long a prompt method may go unanswered: 30 s, or FERRY_ANSWER_TIMEOUT_MS (tests). */
function answerTimeoutMs (): number {
  const v = Number(process.env.FERRY_ANSWER_TIMEOUT_MS)
  return Number.isFinite(v) && v > 0 ? v : 30_000
}

/** sun_path holds 108 bytes on Linux (104 on macOS), with the terminating NUL */
const SOCKET_PATH_MAX = process.platform === 'linux' ? 107 : 103

/** The control socket's path in `home`; from the working folder `cwd` where the whole path is too long for a socket and that one is not. */
export function controlSocketPath (home: string, cwd = process.cwd()): string {
  const path = join(home, CONTROL_SOCKET)
  const bytes = Buffer.byteLength(path)
  // a short --home given from a deep working folder: the home is taken absolute (config.ts, resolveHome), and the
  // socket named as the person named it (review finding: E_USAGE "use a shorter --home" for `--home h`)
  const fromHere = relative(cwd, path)
  if (bytes > SOCKET_PATH_MAX && Buffer.byteLength(fromHere) <= SOCKET_PATH_MAX) return fromHere
  // listen and connect would fail with a bare EINVAL
  if (bytes > SOCKET_PATH_MAX) throw new FerryError('E_USAGE', `the home folder's path is too long for the control socket (${path} is ${bytes} bytes; a Unix socket path holds at most ${SOCKET_PATH_MAX}): use a shorter --home`)
  return path
}

/**
 * A socket file that refuses connections is a daemon that died (a stale
 * socket), or one caught between binding its socket and listening on it.
 * Asked again a few times before "not running": a script that starts the
 * daemon and at once asks it something got E_DAEMON_NOT_RUNNING now and then
 * on a loaded box (seen in CI).
 */
const REFUSED_RETRIES = 5
const REFUSED_RETRY_MS = 50
/** A daemon that marked its home as starting (starting-mark.ts) is waited for this long at most, its socket looked for this often. */
const STARTING_WAIT_MS = 15_000
const STARTING_RETRY_MS = 50
/**
 * Neither socket nor mark: looked at again for this long before "not
 * running". A daemon started at the same instant as this command (`ferry
 * daemon & ferry send …`) marks its home only once Node has started it and
 * read its first modules, and on a loaded box this command can get there
 * first (CI: 1 of 1 under load without it).
 */
const NO_MARK_GRACE_MS = 1000

export async function connectControl (home: string): Promise<ControlClient> {
  const path = controlSocketPath(home)
  const waitUntil = Date.now() + STARTING_WAIT_MS
  const graceUntil = Date.now() + NO_MARK_GRACE_MS
  for (let attempt = 0; ; attempt++) {
    try {
      return new ControlClient(await connectOnce(path))
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ECONNREFUSED' && attempt < REFUSED_RETRIES) {
        await new Promise((resolve) => setTimeout(resolve, REFUSED_RETRY_MS))
        continue
      }
      // no socket yet, but a daemon starting on this home: `ferry daemon &` and the next line of a script
      if ((code === 'ENOENT' || code === 'ECONNREFUSED') && (Date.now() < graceUntil || (Date.now() < waitUntil && daemonStarting(home)))) {
        await new Promise((resolve) => setTimeout(resolve, STARTING_RETRY_MS))
        continue
      }
      if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTSOCK') {
        throw new FerryError('E_DAEMON_NOT_RUNNING',
          `no daemon is running on ${home}; start one with \`ferry daemon --home ${quoteForShell(home)}\``)
      }
      throw new FerryError('E_IO', `cannot connect to ${path}: ${(err as Error).message}`)
    }
  }
}

async function connectOnce (path: string): Promise<Socket> {
  return await new Promise<Socket>((resolve, reject) => {
    const s = connect(path)
    s.once('connect', () => { s.removeAllListeners('error'); resolve(s) })
    s.once('error', reject)
  })
}
