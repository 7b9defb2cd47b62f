// Which failures of a receive are the link's (wait for the peer, then go on
// by itself) and which are the transfer's own (fail now, tell the sender).
// Decided by codes and error class names only, never by message text: a
// message may carry a file name the peer chose ("Timeout.mkv"), and a
// hash mismatch in that file must not turn into a retry every 2 s forever.

import type { FerryError } from '../errors.ts'

/** Class names of the errors libp2p and Node throw when a peer or its connection goes away. */
const LINK_ERROR_NAMES = new Set([
  'StreamResetError', 'StreamStateError', 'StreamClosedError', 'StreamAbortedError',
  'ConnectionClosedError', 'ConnectionClosingError', 'ConnectionFailedError', 'MuxerClosedError',
  'DialError', 'NoValidAddressesError', 'UnsupportedProtocolError', // the peer's daemon is (re)starting
  'TooManyInboundProtocolStreamsError', 'TooManyOutboundProtocolStreamsError',
  'TimeoutError', 'AbortError', 'UnexpectedEOFError'
])

/** Our own messages for a stream that ended under us (protocol/*.ts, fetch.ts). */
const ENDED_EARLY = /\bstream ended\b|closed the chunk stream early/

export function isTransient (e: FerryError): boolean {
  // the peer's own answer: asking again gets the same one
  if (e.remote) return false
  if (e.code === 'E_PEER_UNREACHABLE' || e.code === 'E_TIMEOUT') return true
  if (e.code === 'E_PROTOCOL' && ENDED_EARLY.test(e.message)) return true
  // the error it wraps, and what that wraps (a libp2p error inside a dial error)
  let cause = e.cause as { name?: unknown, cause?: unknown } | undefined
  for (let depth = 0; depth < 3 && cause != null; depth++) {
    if (typeof cause.name === 'string' && LINK_ERROR_NAMES.has(cause.name)) return true
    cause = cause.cause as typeof cause
  }
  return false
}
