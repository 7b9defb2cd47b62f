// The daemon side of the control API: a Unix socket (mode 0600) that also acts
// as the sign that a daemon runs on a home (the home's lock itself is
// src/daemon/home-lock.ts, taken before this). Dispatches requests to handlers and
// fans events out to subscribed connections. Owns no state of its own.

import { createServer, connect, type Server, type Socket } from 'node:net'
import { unlink } from 'node:fs/promises'
import { FerryError, toFerryError } from '../../errors.ts'
import { onJsonLines, writeJsonLine } from './lines.ts'
import type { ControlEvents, ControlMethods, EventName, MethodName } from './types.ts'

/**
 * A connection may have this many requests unanswered, and this many bytes
 * of answers it has not read, before the daemon stops reading from it until
 * it catches up. A client that writes requests and never reads the answers
 * was read on and answered into memory without bound (helper finding:
 * 200,000 `peers` requests never read grew the daemon by 266 MB).
 */
const MAX_UNANSWERED = 64
/** A string id longer than this comes back as 0: an answer is not made to carry a client's megabytes back. */
const MAX_ID_LENGTH = 256
const MAX_UNREAD_ANSWERS = 1024 * 1024

export type Handlers = {
  [M in MethodName]?: (params: ControlMethods[M]['params'], ctx: { socket: Socket }) => Promise<ControlMethods[M]['result']> | ControlMethods[M]['result']
}

export interface ControlServerInit {
  path: string
  /** May be filled in after construction, before `ready` (claim-home.ts). */
  handlers: Handlers
  /**
   * Requests wait for this: the socket is listened on first (it is the
   * first thing after the home's lock), before the daemon's modules are
   * loaded and its store, node and services exist.
   */
  ready?: Promise<void>
  log?: (level: 'debug' | 'warn', msg: string, data?: Record<string, unknown>) => void
}

export class ControlServer {
  private server?: Server
  private readonly subscribers = new Set<Socket>()
  private readonly sockets = new Set<Socket>()
  private readonly init: ControlServerInit

  constructor (init: ControlServerInit) {
    this.init = init
  }

  /** Bind the socket, or fail with E_DAEMON_RUNNING if a live daemon holds it. A stale socket is replaced. */
  async listen (): Promise<void> {
    try {
      await this.bind()
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw toFerryError(err)
      if (await isAlive(this.init.path)) {
        throw new FerryError('E_DAEMON_RUNNING', `a ferry daemon is already running with socket ${this.init.path}`)
      }
      // left by a daemon that did not stop (kill -9, a power cut): no news to the person starting this one
      this.init.log?.('debug', 'a control socket left by a daemon that did not stop cleanly: replaced', { path: this.init.path })
      await unlink(this.init.path).catch(() => {})
      await this.bind()
    }
  }

  private async bind (): Promise<void> {
    // half-open: a client that closes its side once its request is written (`echo … | socat`, `nc -U -N`) is
    // answered before the connection ends (helper finding: Node ended it at once, and an answer not ready by
    // then, as `status`'s, was lost); accept() ends it once every request it read is answered
    const server = createServer({ allowHalfOpen: true }, (socket) => this.accept(socket))
    // umask rather than chmod after listen: the socket must never exist with looser permissions
    const old = process.umask(0o177)
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(this.init.path, () => { server.removeListener('error', reject); resolve() })
      })
    } finally {
      process.umask(old)
    }
    this.server = server
  }

  emit<E extends EventName>(event: E, data: ControlEvents[E]): void {
    for (const s of this.subscribers) {
      const ok = writeJsonLine(s, { event, data })
      // a subscriber that does not read is dropped rather than buffered forever
      if (!ok && s.writableLength > 16 * 1024 * 1024) s.destroy()
    }
  }

  async close (): Promise<void> {
    for (const s of this.sockets) s.destroy()
    await new Promise<void>((resolve) => {
      if (this.server == null) { resolve(); return }
      this.server.close(() => resolve())
    })
    await unlink(this.init.path).catch(() => {})
  }

  private accept (socket: Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => { this.sockets.delete(socket); this.subscribers.delete(socket) })
    socket.on('error', () => {})
    let unanswered = 0
    // requests past MAX_UNANSWERED wait here (at most what one read brought) and the socket is read no further
    const waiting: unknown[] = []
    // read on only while the client takes its answers (and those of lines it sent that were not requests)
    const flow = (): void => {
      while (waiting.length > 0 && unanswered < MAX_UNANSWERED && socket.writableLength <= MAX_UNREAD_ANSWERS) start(waiting.shift())
      const full = waiting.length > 0 || unanswered >= MAX_UNANSWERED || socket.writableLength > MAX_UNREAD_ANSWERS
      if (full && !socket.isPaused()) socket.pause()
      else if (!full && socket.isPaused()) socket.resume()
    }
    let ended = false
    const endIfAnswered = (): void => { if (ended && unanswered === 0 && waiting.length === 0) socket.end() }
    const start = (v: unknown): void => {
      unanswered++
      void this.dispatch(socket, v).finally(() => { unanswered--; flow(); endIfAnswered() })
    }
    socket.on('drain', flow)
    socket.on('end', () => { ended = true; endIfAnswered() })
    onJsonLines(socket, (v) => {
      waiting.push(v)
      flow()
    }, (err) => {
      writeJsonLine(socket, { id: 0, error: err.toJSON() })
      flow()
    })
  }

  private async dispatch (socket: Socket, v: unknown): Promise<void> {
    const req = v as { id?: unknown, method?: unknown, params?: unknown }
    // back as sent, a string too (JSON-RPC's habit: a script's "a-7" came back as 0); a number JSON cannot
    // write (1e400 is Infinity, written null) or anything else is 0, as for a line that was no request
    const id = (typeof req?.id === 'number' && Number.isFinite(req.id)) || (typeof req?.id === 'string' && req.id.length <= MAX_ID_LENGTH) ? req.id : 0
    try {
      if (typeof req?.method !== 'string') throw new FerryError('E_CONTROL_PROTOCOL', 'request has no method')
      if (req.method === 'subscribe') {
        this.subscribers.add(socket)
        writeJsonLine(socket, { id, result: { subscribed: true } })
        return
      }
      // the handlers are filled in by the daemon once its modules are loaded (claim-home.ts): looked up once it is ready
      await this.init.ready
      const handler = Object.hasOwn(this.init.handlers, req.method)
        ? this.init.handlers[req.method as MethodName]
        : undefined
      if (handler == null) throw new FerryError('E_UNKNOWN_METHOD', `unknown method ${JSON.stringify(req.method).slice(0, 60)}`)
      const params = (req.params != null && typeof req.params === 'object') ? req.params : {}
      const result = await (handler as (p: unknown, c: { socket: Socket }) => unknown)(params, { socket })
      writeJsonLine(socket, { id, result })
    } catch (err) {
      const fe = toFerryError(err)
      if (fe.code === 'E_INTERNAL') this.init.log?.('warn', 'control request failed', { method: String(req?.method), err: fe.message })
      writeJsonLine(socket, { id, error: fe.toJSON() })
    }
  }
}

function isAlive (path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path)
    const timer = setTimeout(() => { s.destroy(); resolve(false) }, 1000)
    s.once('connect', () => { clearTimeout(timer); s.destroy(); resolve(true) })
    s.once('error', () => { clearTimeout(timer); resolve(false) })
  })
}
