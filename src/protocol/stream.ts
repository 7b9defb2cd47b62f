// Small helpers shared by every ferry protocol handler: bounded protobuf
// streams, default timeouts, and translation between WireError and FerryError.

import { pbStream, type ProtobufStream } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { FerryError, isErrorCode, sanitizeForDisplay, toFerryError } from '../errors.ts'
import { DEFAULT_STREAM_TIMEOUT_MS } from './constants.ts'

export interface WireErrorMsg { code: string, message: string }

export function boundedPbStream (stream: Stream, maxDataLength: number): ProtobufStream<Stream> {
  return pbStream(stream, { maxDataLength })
}

/**
 * A signal that aborts after `ms` or when `parent` aborts. `what`: what did
 * not happen in time, in ferry's words ("the sender did not acknowledge …"),
 * its timeout's reason then being the E_TIMEOUT that says it and how long
 * (timedOut); without it, AbortSignal.timeout's DOMException, whose text is
 * Node's "The operation was aborted due to timeout", which reached users
 * where it was not caught and reworded (user-test finding).
 */
export function timeoutSignal (ms: number = DEFAULT_STREAM_TIMEOUT_MS, parent?: AbortSignal, what?: string): AbortSignal {
  const t = what === undefined ? AbortSignal.timeout(ms) : timedOut(ms, what)
  return parent == null ? t : AbortSignal.any([t, parent])
}

/** A signal aborted after `ms` with E_TIMEOUT "`what` within N s"; its timer keeps no process alive, as AbortSignal.timeout's does not. */
function timedOut (ms: number, what: string): AbortSignal {
  const c = new AbortController()
  setTimeout(() => { c.abort(new FerryError('E_TIMEOUT', `${what} within ${ms / 1000} s`)) }, ms).unref()
  return c.signal
}

export function toWireError (err: unknown): WireErrorMsg {
  const fe = toFerryError(err)
  return { code: fe.code, message: fe.message.slice(0, 512) }
}

/** The longest code of a peer's that an error names: ours are under 30 characters; a longer one is cut there, marked. */
const MAX_CODE_SHOWN = 64

/**
 * A peer's WireError as a FerryError, said as `context`'s words ("sender: …"). A code this ferry does not
 * know (a newer version's, or made up) is E_PROTOCOL, said as that: the code it sent named and its text quoted,
 * controls stripped (review finding: it read "E_PROTOCOL: sender: <its text>", in the peer's words alone).
 */
export function fromWireError (e: WireErrorMsg | undefined, context: string): FerryError | undefined {
  if (e == null || e.code === '') return undefined
  // a peer's text, kept as the state database's and the control API's record (`--json` too): stripped of what no
  // display may be handed as it is taken in, for a code known as for one not (fuzzing finding: ESC, BEL, a bidi
  // override and CR/LF kept as they came with E_IO, where the text output alone stripped them)
  if (isErrorCode(e.code)) return new FerryError(e.code, `${context}: ${sanitizeForDisplay(e.message.slice(0, 512))}`, { remote: true })
  const code = sanitizeForDisplay(e.code)
  const shown = code.length > MAX_CODE_SHOWN ? `${code.slice(0, MAX_CODE_SHOWN - 1)}…` : code
  const text = sanitizeForDisplay(e.message.slice(0, 512))
  return new FerryError('E_PROTOCOL', `the ${context} sent an error code this ferry does not know (${shown}), ${text === '' ? 'with no text' : `saying "${text}"`}`, { remote: true })
}

/** A dial or read that got no answer in time: libp2p's TimeoutError, or AbortSignal.timeout's DOMException wrapped in another error's words. */
export function isDialTimeout (err: unknown): boolean {
  const e = err as { name?: string, message?: string } | undefined
  return e?.name === 'TimeoutError' || /aborted due to timeout/i.test(e?.message ?? '')
}

/** dialFailure's words for an address of the peer that led back to this daemon (`self`) */
const LED_BACK_HERE = 'not online (an address it announced leads back to this device, as 127.0.0.1 does: ferry there not reachable at its others)'

/**
 * Why a dial to a peer failed, for a person (`self`: this daemon's peer ID, to tell an address that led back here
 * from another device answering at it): libp2p's own text for a dial
 * that got no answer in time is "The operation was aborted due to timeout"
 * (user-test finding: shown as it was, sometimes without the peer's name).
 */
export function dialFailure (err: unknown, timeoutMs: number, self?: string): string {
  const e = err as { name?: string, message?: string }
  // `ferry pair CODE --peer` given this device's own address read "Can not dial self" (user-test finding)
  if (dialledSelf(err)) return 'it is this device\'s own address; give the other device\'s (`ferry status` there shows it)'
  if (isDialTimeout(err)) return `no answer within ${Math.round(timeoutMs / 1000)} s (ferry there stopped or busy, or its device asleep)`
  // libp2p knows no address of it (this daemon started while the peer was away; a device seen only before):
  // "The dial request has no valid addresses for peer: 12D3KooW…" said nothing a person could act on (user-test finding)
  if (e?.name === 'NoValidAddressesError') return 'not online (ferry there stopped, or its device away or asleep)'
  // "connection error 127.0.0.1:4774: connect ECONNREFUSED 127.0.0.1:4774": the device is there, ferry on it is not
  // (stopped, or restarted on another port), said so, with the address (user-test finding: the socket's words)
  // Node writes an IPv6 address and its port as "::1:4774": in brackets here, as `ferry connect` takes one (user-test finding)
  // libp2p tried several addresses and each failed: "All multiaddr dials failed" said nothing of why (user-test
  // finding); said by its dials' own failures, in these words, once each
  if (e?.name === 'AggregateError' || e?.message === 'All multiaddr dials failed') {
    const all = [...new Set(((err as { errors?: unknown[] }).errors ?? []).map((x) => dialFailure(x, timeoutMs, self)))]
    // an address that led back here says nothing of the peer, where another of its addresses says something
    const reasons = all.length > 1 ? all.filter((r) => r !== LED_BACK_HERE) : all
    if (reasons.length === 1) return reasons[0]
    const bare = reasons.map((r) => r.replace(/^not online \((.*)\)$/, '$1'))
    // "no address of it worked", not "none answered": one may have answered as another device (review finding)
    return reasons.length === 0 ? 'not online: none of its addresses answered (ferry there stopped, or its device away or asleep)' : `no address of it worked (${bare.slice(0, 3).join('; ')}${bare.length > 3 ? '; …' : ''})`
  }
  // no route to the address: the device is not on this network now (asleep, away, another network)
  const noRoute = /connect (?:EHOSTUNREACH|ENETUNREACH) (\S+)/.exec(e?.message ?? '')
  if (noRoute != null) return `not online (${noRoute[1]} cannot be reached from here: its device away, asleep, or on another network)`
  const refused = /connect ECONNREFUSED (\S+)/.exec(e?.message ?? '')
  // a daemon listens on IPv4 alone unless told otherwise: at an IPv6 address, "not running" was said of one running
  // (helper finding)
  if (refused != null) {
    const v6 = /^(.*:.*):(\d+)$/.exec(refused[1])
    return v6 == null
      ? `not online (${refused[1]} refuses connections: ferry there not running)`
      : `not online ([${v6[1]}]:${v6[2]} refuses connections: ferry there not running, or listening on IPv4 only, as it does unless started with \`--listen /ip4/0.0.0.0/tcp/${v6[2]} --listen /ip6/::/tcp/${v6[2]}\`)`
  }
  // Noise's "Payload identity key X does not match expected remote identity key Y": another ferry, with another
  // key, answers at the peer's address; most often the same device set up anew (its home removed), whose new
  // identity is a peer of its own to pair (user-test finding: the keys were all it said)
  const other = /identity key (\S+) does not match expected remote identity key/.exec(e?.message ?? '')
  // this daemon's own key: an address the peer announced leads back here (127.0.0.1, where both listen on the same
  // port), which says nothing of it (user-test finding: "another device answers… `ferry unpair` the old one", the
  // "other device" being the sender itself, of a paired peer whose daemon was stopped)
  if (other != null && self !== undefined && other[1] === self) return LED_BACK_HERE
  if (other != null) return `another device answers at its address (peer ID …${other[1].slice(-8)}): if it is this device set up anew, pair with it and \`ferry unpair\` the old one`
  // something answers there that does not take libp2p's secure handshake (a web server, another program's port, one
  // that closes at once): libp2p's "Unexpected EOF - stream closed while reading 27/72 bytes" said nothing of that
  // (review finding, `ferry connect` to a port that is not ferry's). Said as likely: a link that drops mid-handshake
  // fails the same way
  if (e?.name === 'EncryptionFailedError') return `the secure handshake failed (${e.message ?? e.name}): what answers there is likely not ferry (is it the port ferry listens on there? \`ferry status\` there shows it), or the link dropped as it began`
  return e?.message ?? String(err)
}

/** libp2p's errors for a stream cut under a read or a write: reset or aborted by the other side, or its connection closed. */
const CUT_STREAM_ERRORS = new Set(['StreamResetError', 'StreamAbortedError', 'StreamClosedError', 'StreamStateError', 'ConnectionClosedError', 'ConnectionClosingError', 'MuxerClosedError'])

/** Whether `err` is libp2p's for a stream cut under us (CUT_STREAM_ERRORS): a link that failed, not a fault of either side's code. */
export function isCutStream (err: unknown): boolean {
  const name = (err as { name?: unknown } | undefined)?.name
  return typeof name === 'string' && CUT_STREAM_ERRORS.has(name)
}

/**
 * Map length-prefix and decode failures to stable codes so peers get readable errors. `timeoutMs`: how long the
 * read's signal gave it, said when that ran out.
 */
export function wireReadError (err: unknown, what: string, timeoutMs?: number): FerryError {
  const e = err as { name?: string, code?: string, message?: string }
  if (e?.name === 'InvalidDataLengthError' || e?.name === 'InvalidDataLengthLengthError') {
    return new FerryError('E_MESSAGE_TOO_LARGE', `${what}: message exceeds its size limit`)
  }
  if (e?.name === 'UnexpectedEOFError') return new FerryError('E_PROTOCOL', `${what}: stream ended early`, { cause: err })
  // reset or aborted by the other side, or its connection gone: the link failed, said with what was read
  // (fuzzing finding: `ferry pair CODE` said "E_PROTOCOL: The stream has been reset", libp2p's words alone)
  if (isCutStream(err)) return new FerryError('E_PEER_UNREACHABLE', `${what}: the stream was cut before the other side's message (${e.message ?? e.name})`, { cause: err })
  // what it waited for, and how long: "pairing: timed out" said neither (helper finding)
  if (e?.name === 'TimeoutError' && timeoutMs !== undefined) return new FerryError('E_TIMEOUT', `${what}: no message from the other side within ${timeoutMs / 1000} s`, { cause: err })
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return new FerryError('E_TIMEOUT', `${what}: timed out`)
  if (e instanceof FerryError) return e
  if (e?.name === 'RangeError' || /invalid|index out of range|wire type/i.test(e?.message ?? '')) {
    return new FerryError('E_PROTOCOL', `${what}: malformed message (${e?.message ?? ''})`)
  }
  return toFerryError(err, 'E_PROTOCOL')
}

/**
 * Whether a dial reached this daemon itself: libp2p's "Can not dial self"
 * (an InvalidPeerIdError), said before dialling an address that names our
 * peer ID, and once the handshake shows it for one that names none; maybe
 * inside an AggregateError or as a cause.
 */
export function dialledSelf (err: unknown, depth = 0): boolean {
  const e = err as { name?: string, message?: string, errors?: unknown[], cause?: unknown } | undefined
  if (e == null || depth > 3) return false
  if (e.name === 'InvalidPeerIdError' && /dial self/i.test(e.message ?? '')) return true
  return (Array.isArray(e.errors) && e.errors.some((x) => dialledSelf(x, depth + 1))) || dialledSelf(e.cause, depth + 1)
}
