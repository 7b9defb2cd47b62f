// Byte-level framing over a libp2p v3 stream for the bulk data path: varint
// length-prefixed protobuf headers followed by raw payload bytes, read
// straight into the caller's buffer (no intermediate copies, no protobuf
// wrapping of file data). Writes honour backpressure (send() → onDrain()).

import type { Stream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { FerryError } from '../errors.ts'

const MAX_VARINT_BYTES = 5
export class FrameReader {
  private readonly it: AsyncIterator<Uint8Array | Uint8ArrayList>
  private readonly buf = new Uint8ArrayList()
  private readonly stream: Stream

  constructor (stream: Stream) {
    this.stream = stream
    this.it = (stream as unknown as AsyncIterable<Uint8Array | Uint8ArrayList>)[Symbol.asyncIterator]()
  }

  /** Ensure at least n bytes are buffered; false on a clean end of stream. */
  private async fill (n: number, signal?: AbortSignal): Promise<boolean> {
    while (this.buf.byteLength < n) {
      const next = this.it.next()
      const r = signal == null ? await next : await raceAbort(next, signal, this.stream)
      if (r.done === true) return false
      this.buf.append(r.value)
    }
    return true
  }

  /** Read one length-prefixed message; undefined if the stream ended cleanly before it. */
  async readLp<T>(decode: (b: Uint8ArrayList) => T, maxBytes: number, signal?: AbortSignal): Promise<T | undefined> {
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
    let off = 0
    while (off < target.length) {
      if (this.buf.byteLength === 0 && !await this.fill(1, signal)) throw new FerryError('E_PROTOCOL', 'stream ended inside a chunk')
      const piece = this.buf[Symbol.iterator]().next().value as Uint8Array
      const n = Math.min(piece.length, target.length - off)
      target.set(n === piece.length ? piece : piece.subarray(0, n), off)
      off += n
      this.buf.consume(n)
      onPiece?.(off)
    }
  }
}

async function raceAbort<T> (p: Promise<T>, signal: AbortSignal, stream: Stream): Promise<T> {
  // an abort that says why (a FerryError) is passed on as it is
  const why = (): FerryError => signal.reason instanceof FerryError ? signal.reason : new FerryError(signal.reason?.name === 'TimeoutError' ? 'E_TIMEOUT' : 'E_CANCELLED', 'stream read aborted')
  if (signal.aborted) { stream.abort(signal.reason as Error); throw why() }
  let onAbort: (() => void) | undefined
  const aborted = new Promise<never>((_resolve, reject) => {
    onAbort = () => { stream.abort(signal.reason as Error); reject(why()) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([p, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort!)
  }
}

/** Send with backpressure: wait for drain whenever the stream says its buffer is full. */
export async function sendAll (stream: Stream, data: Uint8Array | Uint8ArrayList, signal?: AbortSignal): Promise<void> {
  if (!stream.send(data)) await stream.onDrain({ signal })
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
