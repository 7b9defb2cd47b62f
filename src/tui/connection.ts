// The TUI's link to the daemon: connect, subscribe, take the initial snapshot,
// feed events to the reducer (transfer progress batched to a few renders a
// second), and on "no daemon" or a dropped connection retry every second.
// It only reads and listens: it never calls a method that changes the daemon.

import { useEffect, useRef } from 'react'
import type { Dispatch, RefObject } from 'react'
import type { EventHandler } from '../daemon/control/client.ts'
import type { ControlMethods, EventName, MethodName } from '../daemon/control/types.ts'
import { toFerryError } from '../errors.ts'
import type { Action, EventAction } from './state.ts'

/** The part of ControlClient the TUI uses; tests pass a recorded fake. */
export interface ControlClientLike {
  call<M extends MethodName>(method: M, params?: ControlMethods[M]['params']): Promise<ControlMethods[M]['result']>
  subscribe(handler: EventHandler): Promise<void>
  onClose(handler: (err?: Error) => void): void
  close(): void
}

/** At most one render per this many ms from transfer progress (≈5 a second). */
export const RENDER_INTERVAL_MS = 200
export const RETRY_MS = 1000
/**
 * A connected TUI asks the daemon for its status this often, and an answer
 * that takes as long reads as "not answering" until it comes: a daemon
 * stopped with SIGSTOP keeps its socket open and sends nothing, and the
 * screen went on saying "connected" over numbers that no longer moved
 * (user-test finding).
 */
export const HEARTBEAT_MS = 5000

const EVENTS: ReadonlySet<string> = new Set<EventName>(['peer', 'peer:removed', 'pairing', 'offer', 'offer:removed', 'transfer', 'log'])

export interface Batcher {
  push: (a: EventAction) => void
  flush: () => void
  stop: () => void
}

/**
 * Queue events and dispatch them as one batch action. Transfer progress is
 * throttled (leading edge, then at most once per interval); any other event
 * flushes at once so peers, offers and pairing feel instant.
 */
export function createBatcher (dispatch: (a: Action) => void, intervalMs = RENDER_INTERVAL_MS, clock: () => number = Date.now): Batcher {
  let queue: EventAction[] = []
  let timer: NodeJS.Timeout | undefined
  let last = -Infinity
  const flush = (): void => {
    if (timer != null) { clearTimeout(timer); timer = undefined }
    if (queue.length === 0) return
    const actions = queue
    queue = []
    last = clock()
    dispatch(actions.length === 1 ? actions[0] : { type: 'batch', actions })
  }
  return {
    push (a) {
      queue.push(a)
      if (a.name !== 'transfer') { flush(); return }
      if (timer != null) return
      const wait = last + intervalMs - clock()
      if (wait <= 0) flush()
      else timer = setTimeout(flush, wait)
    },
    flush,
    stop () {
      if (timer != null) clearTimeout(timer)
      timer = undefined
      queue = []
    }
  }
}

export interface DaemonLinkInit {
  client?: ControlClientLike
  connect: () => Promise<ControlClientLike>
  retryMs?: number
  intervalMs?: number
  heartbeatMs?: number
}

/** Keeps a live, subscribed client in the returned ref (undefined while down). */
export function useDaemonLink (init: DaemonLinkInit, dispatch: Dispatch<Action>): RefObject<ControlClientLike | undefined> {
  const ref = useRef<ControlClientLike | undefined>(undefined)
  useEffect(() => {
    let disposed = false
    let retry: NodeJS.Timeout | undefined
    let pending: ControlClientLike | undefined
    /** the heartbeat of the connection in use */
    let beat: NodeJS.Timeout | undefined
    const batcher = createBatcher(dispatch, init.intervalMs)

    const schedule = (): void => {
      if (!disposed) retry = setTimeout(() => { void attempt(undefined) }, init.retryMs ?? RETRY_MS)
    }
    const fail = (err: unknown): void => {
      if (disposed) return
      const fe = toFerryError(err)
      // a daemon that takes the connection and says nothing is there, but stopped or stuck (user-test finding: read "not running")
      const down: Action = { type: 'connection', connection: fe.code === 'E_TIMEOUT' ? 'unresponsive' : 'down' }
      dispatch(fe.code === 'E_DAEMON_NOT_RUNNING' || fe.code === 'E_TIMEOUT' ? down : { type: 'batch', actions: [down, { type: 'error', error: fe.toJSON() }] })
      schedule()
    }

    const attempt = async (given: ControlClientLike | undefined): Promise<void> => {
      let c: ControlClientLike
      try {
        c = given ?? await init.connect()
      } catch (err) { fail(err); return }
      if (disposed) { c.close(); return }
      pending = c
      let closed = false
      c.onClose(() => {
        clearInterval(beat)
        if (closed || disposed) return
        closed = true
        if (ref.current === c) ref.current = undefined
        batcher.flush()
        dispatch({ type: 'connection', connection: 'down' })
        schedule()
      })
      // subscribe first and hold events until the snapshot is in: replaying them
      // after it loses nothing, since the socket delivers in order
      let held: EventAction[] | null = []
      try {
        await c.subscribe((name, data) => {
          if (!EVENTS.has(name)) return
          const a = { type: 'event', name, data } as EventAction
          if (held != null) held.push(a)
          else batcher.push(a)
        })
        const [status, peers, offers, transfers] = await Promise.all([
          c.call('status', {}), c.call('peers', {}), c.call('offers', {}), c.call('transfers', {})
        ])
        if (disposed || closed) return
        dispatch({ type: 'batch', actions: [{ type: 'snapshot', status, peers, offers, transfers }, ...held, { type: 'connection', connection: 'connected' }] })
        held = null
        ref.current = c
        beat = heartbeat(c, () => closed || disposed)
      } catch (err) {
        if (closed) return
        closed = true
        c.close()
        fail(err)
      }
    }

    /** HEARTBEAT_MS: "not answering" while a status call of `c` goes unanswered that long, "connected" again once it is answered. */
    const heartbeat = (c: ControlClientLike, gone: () => boolean): NodeJS.Timeout => {
      const every = init.heartbeatMs ?? HEARTBEAT_MS
      let asking = false
      let quiet = false
      const timer = setInterval(() => {
        if (asking || gone()) return
        asking = true
        const slow = setTimeout(() => { if (!gone()) { quiet = true; dispatch({ type: 'connection', connection: 'unresponsive' }) } }, every)
        c.call('status', {}).then(() => {
          if (quiet && !gone()) dispatch({ type: 'connection', connection: 'connected' })
          quiet = false
        }, () => {}).finally(() => { clearTimeout(slow); asking = false })
      }, every)
      timer.unref()
      return timer
    }

    void attempt(init.client)
    return () => {
      disposed = true
      if (retry != null) clearTimeout(retry)
      clearInterval(beat)
      batcher.stop()
      ref.current = undefined
      // closing our own connection is all quitting does; the daemon keeps running
      pending?.close()
    }
  }, [])
  return ref
}
