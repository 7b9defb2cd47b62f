// Byte-level framing over a libp2p v3 stream for the bulk data path: varint
// length-prefixed protobuf headers followed by raw payload bytes, read
// straight into the caller's buffer (no intermediate copies, no protobuf
// wrapping of file data). Both directions are bounded: writes wait for the
// stream's next drain, and reading stops taking bytes (the stream paused,
// so yamux grants the peer no more window) once READ_AHEAD_BYTES more than
// the reader wants are waiting.

import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { FerryError } from '../errors.ts'

const MAX_VARINT_BYTES = 5

/**
 * Bytes a FrameReader holds beyond what its reader waits for before it
 * pauses the stream. Above what any reader here has in flight (a chunk
 * stream: 2 requests of 1 MiB). Before, the stream's async iterator queued
 * whatever came, read or not: a paired peer writing to a stream nobody read
 * (a receipt stream after a bad message, a chunk stream whose sender was
 * busy) grew the daemon by 768 MiB (review finding). Paused, yamux sends
 * the peer no window, and libp2p aborts a stream whose peer sends on past
 * the window it had (its read buffer's 4 MB limit).
 */
export const READ_AHEAD_BYTES = 8 * 1024 * 1024

export class FrameReader {
  private readonly buf = new Uint8ArrayList()
  private readonly stream: Stream
  /** the peer closed its end (no more bytes will come), or the stream closed */
  private ended = false
  /** the peer closed its end itself, having said all it had to (a reset or a failure of the link is not that) */
  private closedByPeer = false
  /** why the stream closed, when it did with an error */
  private failure?: Error
  /** bytes the reader waits for now (0: none); the pause threshold is above it */
  private wanted = 0
  private paused = false
  /** wakes the reader waiting in fill() */
  private wake?: () => void
  /** the read's signal, aborted, wakes it too (watching) */
  private readonly onAbort = (): void => { this.wake?.() }
  /** a read (readLp, readInto) is under way */
  private reading = false
  /**
   * The peer's end was closed before this reader existed: no event will say
   * so. It ends once what the stream buffered before (handed over in a
   * microtask when the listener below is added) is in (review finding: a
   * reader made on a stream already closed waited for its timeout, or for
   * ever; an offer stream that died while it queued held its peer's turn).
   */
  private endedBefore: false | 'ended' | Error

  constructor (stream: Stream) {
    this.stream = stream
    const st = stream as unknown as { readStatus?: string, remoteWriteStatus?: string }
    // reset or aborted: an error, as for a reader that was there when it
    // happened (E_PEER_UNREACHABLE is what a sender retries an offer on)
    this.endedBefore = stream.status === 'reset' || stream.status === 'aborted'
      ? new FerryError('E_PEER_UNREACHABLE', `the stream was ${stream.status} before it was read`)
      : stream.status !== 'open' || st.readStatus === 'closing' || st.readStatus === 'closed' || st.remoteWriteStatus === 'closed' ? 'ended' : false
    stream.addEventListener('message', (evt: StreamMessageEvent) => {
      this.buf.append(evt.data)
      if (!this.paused && this.buf.byteLength > this.wanted + READ_AHEAD_BYTES) this.pause()
      this.wake?.()
    })
    stream.addEventListener('remoteCloseWrite', () => { this.ended = true; this.closedByPeer = true; this.wake?.() })
    stream.addEventListener('close', (evt: StreamCloseEvent) => {
      this.ended = true
      if (evt.error != null) this.failure = evt.error
      this.wake?.()
    })
    // paused by whoever had it before: what it holds is handed over only once it is resumed
    if (st.readStatus === 'paused') this.resume()
  }

  /**
   * Whether the peer closed its end of the stream itself (before any reset
   * that followed): it was done with it. A stream that failed without that
   * (reset, the link gone) was cut while the peer still wanted from it.
   */
  get peerClosed (): boolean { return this.closedByPeer }

  private pause (): void {
    try { this.stream.pause(); this.paused = true } catch {} // closing already: nothing more comes anyway
  }

  private resume (): void {
    try { this.stream.resume(); this.paused = false } catch {}
  }

  /** Ensure at least n bytes are buffered; false on a clean end of stream. */
  private async fill (n: number, signal?: AbortSignal): Promise<boolean> {
    // what is read was consumed: take bytes again once below the threshold
    if (this.paused && this.buf.byteLength <= n + READ_AHEAD_BYTES / 2) this.resume()
    while (this.buf.byteLength < n) {
      // a read given up (its signal) says why, not how the stream closed because of it
      if (signal?.aborted === true) throw abortReason(signal)
      // bytes that came before the end are read first
      if (this.failure != null) throw this.failure
      if (this.ended) return false
      if (this.endedBefore !== false) {
        // what the stream held when this reader was made arrives in a microtask; then it is the end
        await new Promise((resolve) => setImmediate(resolve))
        if (this.endedBefore instanceof Error) this.failure ??= this.endedBefore
        this.endedBefore = false
        this.ended = true
        continue
      }
      this.wanted = n
      if (this.paused) this.resume()
      const next = new Promise<void>((resolve) => { this.wake = resolve })
      try {
        await next
      } finally {
        this.wake = undefined
        this.wanted = 0
      }
      // woken by the read's signal (watching): given up while it waited, so the stream goes too
      // (read again: the check above was before the wait)
      if (signal != null && (signal.aborted as boolean)) { this.stream.abort(signal.reason as Error); throw abortReason(signal) }
    }
    return true
  }

  /**
   * Run one read with `signal`'s abort waking it when it waits: one listener
   * for the whole read, not one per wait. A chunk read waits once per 64 KiB
   * message, and each add and remove of an abort listener on a combined or
   * timeout signal (fetch.ts gives AbortSignal.any) also adds the signal to
   * and deletes it from a set of Node's that keeps such signals alive; V8
   * allocated that set's tables anew at ~4,000 waits a second and kept them
   * in its old generation, 23 MB of the 122 MB a receiver promoted in 50 s
   * of a 10 GiB send (sampling heap profiler), growing it by ~40 MB before a
   * full collection. Removed when the read ends, so a later abort leaves the
   * stream alone.
   */
  private async watching<T> (signal: AbortSignal | undefined, read: () => Promise<T>): Promise<T> {
    // one read at a time: a second would share the one wake and abort listener, and could hang (review finding)
    if (this.reading) throw new FerryError('E_INTERNAL', 'a second read of a stream while one is under way')
    this.reading = true
    const listen = signal != null && !signal.aborted
    if (listen) signal.addEventListener('abort', this.onAbort)
    try {
      return await read()
    } finally {
      if (listen) signal.removeEventListener('abort', this.onAbort)
      this.reading = false
    }
  }

  /** Read one length-prefixed message; undefined if the stream ended cleanly before it. */
  async readLp<T>(decode: (b: Uint8ArrayList) => T, maxBytes: number, signal?: AbortSignal): Promise<T | undefined> {
    return await this.watching(signal, async () => await this.readLpWatched(decode, maxBytes, signal))
  }

  /**
   * Read one length-prefixed message into a buffer of its own, copied in as
   * its pieces arrive; undefined if the stream ended cleanly before it. For
   * the large ones (an offer, up to MAX_OFFER_BYTES): readLp holds a message
   * whole in the pieces it came in until its last byte, and a decoder that
   * wants it in one piece copies it again, twice its size at the peak (a
   * maximum-size offer took a receiver from 85 to 251 MB). Its buffer is
   * made at the length the prefix says, within `maxBytes`: the kernel gives
   * its pages as they are written, so a peer that says 64 MiB and sends
   * nothing adds little to the daemon's RSS, though V8 counts all of it as
   * external memory (a full collection comes sooner). A peer's offers are
   * read one at a time (offer-intake.ts).
   */
  async readLpBytes (maxBytes: number, signal?: AbortSignal): Promise<Uint8Array | undefined> {
    return await this.watching(signal, async () => {
      const len = await this.readLength(maxBytes, signal)
      if (len === undefined) return undefined
      const out = new Uint8Array(len)
      await this.readIntoWatched(out, signal, undefined, 'stream ended inside a message')
      return out
    })
  }

  /** A message's length prefix, checked against `maxBytes`; undefined if the stream ended cleanly before it. */
  private async readLength (maxBytes: number, signal?: AbortSignal): Promise<number | undefined> {
    let len = 0
    let shift = 0
    for (let i = 0; ; i++) {
      if (!await this.fill(i + 1, signal)) {
        if (i === 0) return undefined
        throw new FerryError('E_PROTOCOL', 'stream ended inside a length prefix')
      }
      const b = this.buf.get(i)
      len += (b & 0x7f) * 2 ** shift
      shift += 7
      if ((b & 0x80) === 0) { this.buf.consume(i + 1); break }
      if (i + 1 >= MAX_VARINT_BYTES) throw new FerryError('E_PROTOCOL', 'length prefix too long')
    }
    if (len > maxBytes) throw new FerryError('E_MESSAGE_TOO_LARGE', `message of ${len} bytes exceeds the limit of ${maxBytes}`)
    return len
  }

  private async readLpWatched<T>(decode: (b: Uint8ArrayList) => T, maxBytes: number, signal?: AbortSignal): Promise<T | undefined> {
    const len = await this.readLength(maxBytes, signal)
    if (len === undefined) return undefined
    if (!await this.fill(len, signal)) throw new FerryError('E_PROTOCOL', 'stream ended inside a message')
    const msg = this.buf.sublist(0, len)
    this.buf.consume(len)
    try {
      return decode(msg)
    } catch (err) {
      // a decoder that already classified the problem (e.g. E_LIMIT) keeps its code
      if (err instanceof FerryError) throw err
      throw new FerryError('E_PROTOCOL', `malformed message: ${(err as Error).message}`)
    }
  }

  /**
   * Copy exactly target.length payload bytes into target, piece by piece (no
   * concat); `onPiece` is told how many bytes are in after each piece.
   */
  async readInto (target: Uint8Array, signal?: AbortSignal, onPiece?: (filled: number) => void): Promise<void> {
    await this.watching(signal, async () => { await this.readIntoWatched(target, signal, onPiece) })
  }

  private async readIntoWatched (target: Uint8Array, signal?: AbortSignal, onPiece?: (filled: number) => void, endedInside = 'stream ended inside a chunk'): Promise<void> {
    let off = 0
    while (off < target.length) {
      if (this.buf.byteLength === 0 && !await this.fill(1, signal)) throw new FerryError('E_PROTOCOL', endedInside)
      const piece = this.buf[Symbol.iterator]().next().value as Uint8Array
      const n = Math.min(piece.length, target.length - off)
      target.set(n === piece.length ? piece : piece.subarray(0, n), off)
      off += n
      this.buf.consume(n)
      onPiece?.(off)
    }
  }
}

/** Why a read was given up, as a FerryError: an abort that says why (a FerryError) is passed on as it is. */
function abortReason (signal: AbortSignal): FerryError {
  return signal.reason instanceof FerryError ? signal.reason : new FerryError(signal.reason?.name === 'TimeoutError' ? 'E_TIMEOUT' : 'E_CANCELLED', 'stream read aborted')
}

/**
 * Bytes a stream may hold unsent (its peer's window used up) before
 * sendAll waits for it to drain: what one chunk stream has asked for at most
 * (fetch.ts: 2 requests of 1 MiB). Queued, they go out in as few yamux frames
 * as the window allows; waiting at every full window instead, the sender
 * read a slice after each window update and sent it alone, and the receiver
 * spent ~15 % more CPU on the smaller frames (1 GiB over loopback, 3
 * interleaved pairs).
 */
export const SEND_AHEAD_BYTES = 2 * 1024 * 1024

/**
 * Send with backpressure: while the stream holds more than SEND_AHEAD_BYTES
 * unsent, wait for its drains. Yamux drains on any window update, however
 * small, so one drain is not enough: a peer granting 13 bytes at a time had
 * every wait end and the next slice queued, and the unsent bytes grew past
 * the limit (review finding: 8.6 MiB after 100 such updates).
 */
export async function sendAll (stream: Stream, data: Uint8Array | Uint8ArrayList, signal?: AbortSignal): Promise<void> {
  if (stream.send(data)) return
  while (stream.writeBufferLength > SEND_AHEAD_BYTES && stream.writableNeedsDrain) {
    await drained(stream, signal)
    // the stream sends what the new window allows in a microtask of its own, queued on the same drain
    await new Promise<void>((resolve) => { queueMicrotask(resolve) })
  }
}

/**
 * Until the stream takes more: its next `drain` event. Not stream.onDrain():
 * in @libp2p/utils 7.4 that keeps the promise of the first drain, resolved,
 * and hands it to every later wait, so backpressure held only until the
 * first drain: a peer that asked for chunks and gave no window made the
 * sender queue 500 MB for it (review finding).
 */
async function drained (stream: Stream, signal?: AbortSignal): Promise<void> {
  if (!stream.writableNeedsDrain) return
  signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const done = (err?: unknown): void => {
      stream.removeEventListener('drain', onDrain)
      stream.removeEventListener('close', onClose)
      signal?.removeEventListener('abort', onAbort)
      if (err === undefined) resolve(); else reject(err)
    }
    const onDrain = (): void => { done() }
    const onClose = (evt: StreamCloseEvent): void => { done(evt.error ?? new FerryError('E_PEER_UNREACHABLE', 'the stream closed while data waited to be sent')) }
    const onAbort = (): void => { done(signal?.reason) }
    stream.addEventListener('drain', onDrain)
    stream.addEventListener('close', onClose)
    signal?.addEventListener('abort', onAbort)
  })
}

/**
 * End a stream that has said and heard all it will: close the writable end
 * (the peer reads to the end of what was sent) and the readable end, so
 * whatever the peer writes on is dropped, not kept by a reader nobody calls
 * any more (review finding: a peer writing on after the last message held
 * up to 8 MiB per stream until the connection closed).
 */
export async function finishStream (stream: Stream, signal?: AbortSignal): Promise<void> {
  await stream.close({ signal }).catch(() => {})
  await stream.closeRead({ signal }).catch(() => {})
}

export function lengthPrefixed (msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(varintLength(msg.length) + msg.length)
  out.set(msg, writeVarint(out, 0, msg.length))
  return out
}

/** Write `n` as an unsigned varint at `at`; returns where it ends. */
export function writeVarint (out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) { out[at++] = (n & 0x7f) | 0x80; n = Math.floor(n / 128) }
  out[at++] = n
  return at
}

export function varintLength (n: number): number {
  let len = 1
  while (n >= 0x80) { n = Math.floor(n / 128); len++ }
  return len
}
