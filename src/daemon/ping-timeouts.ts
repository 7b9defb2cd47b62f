// libp2p's connection monitor pings each connection every few seconds
// (node.ts connectionMonitor) and aborts one whose ping gets no answer in
// time with the error of its AbortSignal.timeout: a DOMException whose text
// is Node's, "The operation was aborted due to timeout". Every stream on the
// connection fails with that error, and it reached users as it was
// (user-test finding: a receiver said "E_TIMEOUT: The operation was aborted
// due to timeout" while its sender was frozen; `ferry transfers`, `ferry
// wait` and the log said the same). Here such an abort says, in ferry's
// words, who did not answer and for how long.

import type { Connection, Libp2p } from '@libp2p/interface'
import { FerryError } from '../errors.ts'

/** How often the monitor pings (node.ts connectionMonitor.pingInterval): said in the message. */
export const PING_INTERVAL_MS = 3000

const WRAPPED = Symbol('ferry.pingTimeoutWords')

interface Watched { [WRAPPED]?: true, rtt?: number, abort: (err?: Error) => void }

/**
 * On each connection `node` opens: its time of the last answered ping
 * (libp2p sets `rtt` on each answer), and its abort given a timeout while it
 * is still open (the monitor's: a close that timed out aborts a connection
 * already closing) said as the FerryError of pingTimeout.
 */
export function namePingTimeouts (node: Pick<Libp2p, 'addEventListener'>, peerName: (peerId: string) => string): void {
  node.addEventListener('connection:open', (evt) => { watchPings(evt.detail, peerName) })
}

/** Exported for the test: wrap one connection (idempotent). */
export function watchPings (conn: Connection, peerName: (peerId: string) => string, now: () => number = Date.now): void {
  const c = conn as unknown as Watched
  if (c[WRAPPED] === true) return
  c[WRAPPED] = true
  let answeredAt = now()
  let rtt = c.rtt
  Object.defineProperty(c, 'rtt', {
    configurable: true,
    enumerable: true,
    get: () => rtt,
    set: (v: number | undefined) => { rtt = v; answeredAt = now() }
  })
  const abort = c.abort.bind(conn)
  c.abort = (err?: Error) => {
    if (isTimeout(err) && conn.status === 'open') {
      abort(pingTimeout(peerName(conn.remotePeer.toString()), now() - answeredAt, err))
      return
    }
    abort(err)
  }
}

/** A timeout's error: AbortSignal.timeout's DOMException, or libp2p's TimeoutError. */
function isTimeout (err: unknown): err is Error {
  return (err as { name?: unknown } | undefined)?.name === 'TimeoutError'
}

/** Why a connection whose pings got no answer for `silentMs` was closed, for a person. */
export function pingTimeout (name: string, silentMs: number, cause?: unknown): FerryError {
  const who = name !== '' ? name : 'the peer'
  return new FerryError('E_TIMEOUT', `${who} did not answer for ${Math.round(silentMs / 1000)} s (no reply to the connection's pings, sent every ${PING_INTERVAL_MS / 1000} s), so the connection to it was closed: ferry there stopped or stuck, its device asleep, or the link down`, { cause })
}
