// Seven fixes to how the libp2p stack moves bulk data, applied at run time
// because the packages offer no option for them. None changes a byte on the
// wire beyond how it is batched: yamux frames, Noise messages and TCP bytes
// stay what any libp2p peer expects (tested against a stock node in a child
// process). The first three were found by counting syscalls (strace -c) on a
// 1 GiB loopback send and profiling both daemons, the fourth by tracing what
// a kill -9 of the receiver lost, the fifth and sixth (and the second's
// wait) by following the sender's memory, the seventh the receiver's
// (docs/PERFORMANCE.md, Memory):
//
// 1. Yamux window updates: @chainsafe/libp2p-yamux 8 answers every data
//    frame with a window update, one small Noise message and one write
//    syscall each: 37,000 writes on the receiver per GiB, ~0.9 s of its
//    CPU. Here an update goes out once half the window is used, the rule of
//    hashicorp/yamux (Go), the reference implementation.
// 2. TCP writes: @libp2p/tcp writes each buffer of a Noise batch with its own
//    socket.write() (length prefix, ciphertext, tag: three per 64 KiB), and
//    on a fast socket each becomes its own write syscall: 101,000 per GiB on
//    the sender. Corking the socket around one batch sends it with one
//    writev: 20,000. And a batch the kernel took whole (nothing left in the
//    socket's buffer) lets the stream send on at once: @libp2p/tcp stopped
//    at every write() that returned false (64 KiB into a corked batch) and
//    waited for 'drain', a turn of the event loop later, even when the
//    kernel had taken it all, as it almost always does. Bytes queued above
//    waited that much longer: the sender peaked 10 MB lower without the
//    wait (1 GiB over loopback, 6 interleaved pairs: 124.8–126.7 MB against
//    134.6–138.6), CPU no different.
// 3. Noise decryption: for a Noise message that spans two socket reads,
//    libp2p-noise 17 copies the message into a fresh buffer only to offer it
//    as the output buffer of an in-place decrypt, which ferry's AEAD
//    (noise-crypto.ts) does not use for bulk messages: 0.44 s per GiB on
//    the receiver, and one 64 KiB allocation per message.
// 4. Yamux data frames: the receiving decoder hands a data frame on only
//    once all of it is in, and a sending stream puts everything it has
//    queued into one frame, up to its window (which grows to 16 MiB). So a
//    chunk's bytes could sit whole in the decoder, out of reach of the
//    chunk reader and its spool: a kill -9 of the receiver lost them. And
//    a peer, paired or not, that declares a frame of 4 GiB made the
//    receiver buffer all it sent, unchecked against the stream's window
//    until the frame completed. Here a data frame's body is handed on as
//    it arrives, in pieces of 256 KiB, each checked against the window;
//    the window update still waits for the frame's end.
//
// 5. Noise encryption: libp2p-noise's encrypt() is the last reader of the
//    plaintext the streams hand down; ferry's sender reads source files into
//    buffers it uses again once their bytes are encrypted
//    (transfer/send/send-buffers.ts), and learns that here.
// 6. Noise batches: libp2p-noise's stream encrypts all it has queued at
//    once (MiBs, when yamux streams have queued frames), and the TCP stream
//    below writes that ciphertext 64 KiB per event-loop turn (the socket's
//    high-water mark). So ciphertext waited many turns, outlived two
//    scavenges, was promoted, and waited for a mark-compact: over a 10 GiB
//    loopback send the sender's RSS climbed to 178–184 MB (3 runs; its
//    ArrayBuffers swung between 9 and 55 MB). Here the Noise stream hands
//    down one Noise message at a time, so each is encrypted when the socket
//    can take it: 141–151 MB, once 167 (4 runs; ArrayBuffers 5–18 MB). The same
//    number of messages and writes; batches of four messages, each written
//    in one writev, kept the 183 MB.
// 7. Socket reads: Node reads every 64 KiB into a new buffer, freed only by
//    the collector; secured connections now read into one buffer, used
//    again for every read (reused-reads.ts).
//
// The first three together, on two daemons sharing 2 cores, 1 GiB over
// loopback, 4 runs each, interleaved: 10.3–11.5 CPU-s instead of
// 11.8–14.5, and 6.7–7.7 s instead of 7.7–9.3 s.
//
// Each fix checks that the code it replaces has the shape it was written
// against and otherwise leaves the stock behaviour alone (a test fails then,
// so an upgrade is noticed).

import type { ConnectionEncrypter, Libp2p } from '@libp2p/interface'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { Uint8ArrayList } from 'uint8arraylist'
import { sealed } from '../transfer/send/send-buffers.ts'
import { readIntoReusedBuffer } from './reused-reads.ts'

const PATCHED = Symbol.for('ferry.wire-tuning')

/** Which fixes are in place (a fix whose target changed shape stays off; the test checks all are on). */
export const applied = { yamuxWindowUpdates: false, tcpCork: false, noiseDecrypt: false, yamuxPieces: false, noiseSealed: false, noiseOneMessage: false, reusedReads: false }

interface WindowState {
  state: StreamState
  recvWindow: number
  recvWindowCapacity: number
}

/**
 * Send a yamux window update only when less than half of the receive window
 * is left (or when the stock code would send flags with it, or is paused).
 * The remote never stalls on a skipped update: one is skipped only while
 * more than half of its send window (which our capacity mirrors) is left.
 */
export function lazyYamuxWindowUpdates (): boolean {
  const proto = YamuxStream.prototype as unknown as Record<string | symbol, unknown>
  if (proto[PATCHED] === true) return true
  const original = proto.sendWindowUpdate
  if (typeof original !== 'function' || original.length !== 0) return false
  proto.sendWindowUpdate = function (this: WindowState) {
    // Established/SYNSent: getSendFlags() would return 0 (no SYN/ACK to carry)
    const steady = this.state === StreamState.Established || this.state === StreamState.SYNSent
    if (steady && this.recvWindowCapacity * 2 > this.recvWindow) return
    original.call(this)
  }
  proto[PATCHED] = true
  applied.yamuxWindowUpdates = true
  return true
}

interface SocketConn {
  socket?: { cork: () => void, uncork: () => void, writableLength: number }
  sendData?: (data: Uint8ArrayList) => unknown
}

/**
 * Cork each TCP connection's socket for the duration of one batch, so the
 * batch leaves in one writev instead of one write per buffer. Patches the
 * connection class once, from the first connection libp2p opens.
 */
export function corkTcpWrites (node: Pick<Libp2p, 'addEventListener'>): void {
  node.addEventListener('connection:open', (evt) => {
    const maConn = (evt.detail as unknown as { maConn?: SocketConn }).maConn
    if (maConn?.socket == null || typeof maConn.socket.cork !== 'function') return
    applied.tcpCork = corkSendData(Object.getPrototypeOf(maConn) as Record<string | symbol, unknown>)
  })
}

/** Exported for the test: patch a connection class's sendData(). */
export function corkSendData (proto: Record<string | symbol, unknown>): boolean {
  if (proto[PATCHED] === true) return true
  const original = proto.sendData
  if (typeof original !== 'function' || original.length !== 1) return false
  proto.sendData = function (this: Required<SocketConn>, data: Uint8ArrayList) {
    this.socket.cork()
    let sent: { sentBytes: number, canSendMore: boolean }
    try {
      sent = original.call(this, data) as typeof sent
    } finally {
      this.socket.uncork() // flushes everything written since cork() in one writev
    }
    // the kernel took all of it: more may go now. The socket's own 'drain' still comes, and finds nothing waiting.
    if (sent.canSendMore === false && this.socket.writableLength === 0) return { sentBytes: sent.sentBytes, canSendMore: true }
    return sent
  }
  proto[PATCHED] = true
  return true
}

const NOISE_MSG_MAX = 65535
const TAG = 16

interface NoiseStream {
  handshake: { decrypt: (ciphertext: Uint8Array | Uint8ArrayList, dst?: Uint8Array) => Uint8Array | Uint8ArrayList }
}

/**
 * libp2p-noise's EncryptedMessageStream.decrypt, minus the copy: a message
 * that sits in several buffers goes to the AEAD as a list, with no output
 * buffer offered (the AEAD allocates one).
 */
export function decryptWithoutCopy (this: NoiseStream, chunk: Uint8Array | Uint8ArrayList): Uint8ArrayList {
  const output = new Uint8ArrayList()
  for (let i = 0; i < chunk.byteLength; i += NOISE_MSG_MAX) {
    const end = Math.min(i + NOISE_MSG_MAX, chunk.byteLength)
    if (end - TAG < i) throw new Error('Invalid chunk')
    if (chunk instanceof Uint8Array) {
      // one buffer: decrypting in place costs nothing extra, as upstream does
      output.append(this.handshake.decrypt(chunk.subarray(i, end), chunk.subarray(i, end - TAG)))
    } else {
      output.append(this.handshake.decrypt(chunk.sublist(i, end)))
    }
  }
  return output
}

/** Replace decrypt() on libp2p-noise's message-stream class (found from its first instance). */
export function noiseDecryptWithoutCopy (stream: object): boolean {
  const proto = Object.getPrototypeOf(stream) as Record<string | symbol, unknown>
  if (proto[PATCHED] === true) return true
  const original = proto.decrypt
  if (typeof original !== 'function' || original.length !== 1 || !('handshake' in stream)) return false
  proto.decrypt = decryptWithoutCopy
  proto[PATCHED] = true
  return true
}

/** Per copy of this module: each copy's send-buffer pool hears of what is sealed. */
const SEALED_PATCHED = Symbol('ferry.wire-tuning.sealed')

/**
 * Wrap encrypt() on libp2p-noise's message-stream class (found from its first
 * instance) to tell the send-buffer pool what it has encrypted. The stock
 * encrypt reads `chunk` and returns new ciphertext; the check that it still
 * takes one argument keeps an upgrade that changed it from being trusted.
 */
function noiseEncryptTellsSealed (stream: object): boolean {
  const proto = Object.getPrototypeOf(stream) as Record<string | symbol, unknown>
  if (proto[SEALED_PATCHED] === true) return true
  const original = proto.encrypt
  if (typeof original !== 'function' || original.length !== 1 || !('handshake' in stream)) return false
  proto.encrypt = function (this: unknown, chunk: Uint8Array | Uint8ArrayList): Uint8ArrayList {
    const out = (original as (chunk: Uint8Array | Uint8ArrayList) => Uint8ArrayList).call(this, chunk)
    sealed(chunk instanceof Uint8Array ? [chunk] : chunk, out)
    return out
  }
  proto[SEALED_PATCHED] = true
  return true
}

/** The most plaintext one Noise message carries (65,535 bytes with its 16-byte tag). */
const NOISE_PLAINTEXT_MAX = NOISE_MSG_MAX - TAG

/**
 * The secured connection's stream takes from its queue one Noise message of
 * plaintext per send down (fix 6). Left alone where the stream already has
 * a limit or no such field (another shape than libp2p-noise 17's).
 */
function noiseOneMessageAtATime (connection: object): boolean {
  const stream = connection as { maxMessageSize?: number }
  if (!('maxMessageSize' in stream) || !('handshake' in stream)) return false
  if (stream.maxMessageSize != null) return stream.maxMessageSize <= NOISE_PLAINTEXT_MAX
  stream.maxMessageSize = NOISE_PLAINTEXT_MAX
  return true
}

type NoiseFactory = ReturnType<typeof noise>

/**
 * Whether a secured connection decrypts with decryptWithoutCopy, which puts
 * the plaintext of a message split across reads in a new buffer (and the
 * message stream's decoder hands on only such lists). Reused reads
 * (reused-reads.ts) depend on it: libp2p-noise's own decrypt writes the
 * plaintext over the ciphertext, which would then be the read buffer.
 */
function decryptsIntoNewBuffers (connection: object): boolean {
  return (connection as { decrypt?: unknown }).decrypt === decryptWithoutCopy
}

/** noise(init), whose secured connections decrypt without the copy. */
export function noiseWithoutDecryptCopy (init: Parameters<typeof noise>[0]): NoiseFactory {
  const factory = noise(init)
  return (components) => {
    const encrypter = factory(components)
    const wrap = <F extends ConnectionEncrypter['secureInbound']>(secure: F): F => (async (...args: Parameters<F>) => {
      const secured = await secure.apply(encrypter, args)
      applied.noiseDecrypt = noiseDecryptWithoutCopy(secured.connection)
      applied.noiseSealed = noiseEncryptTellsSealed(secured.connection)
      applied.noiseOneMessage = noiseOneMessageAtATime(secured.connection)
      // fix 7 only where fix 3's decrypt is this connection's: the stock one writes a
      // message that sits in one read over its ciphertext, into the reused read buffer
      if (process.env.FERRY_REUSED_READS !== '0' && decryptsIntoNewBuffers(secured.connection)) applied.reusedReads = readIntoReusedBuffer(secured.connection)
      return secured
    }) as F
    encrypter.secureInbound = wrap(encrypter.secureInbound)
    encrypter.secureOutbound = wrap(encrypter.secureOutbound)
    return encrypter
  }
}

// yamux framing, from the spec
const YAMUX_HEADER = 12
const YAMUX_VERSION = 0
const YAMUX_DATA = 0
/**
 * A piece of a frame's body is handed on once this much of it is here (or
 * the rest of the frame is): bytes reach the stream at most this far behind
 * the socket, per connection. Every piece costs the receiving stream an
 * event and its reader a wake-up: pieces of each Noise message (~64 KiB)
 * cost the receiver ~0.3 CPU-s per GiB on loopback.
 */
export const YAMUX_PIECE_BYTES = 256 * 1024
/**
 * FIN goes with the last piece of a frame: the stream ends after its data.
 * The other flags go with the first: SYN and ACK open the stream, and RST,
 * which stock yamux acts on before a frame's data, throws the rest away.
 */
const FIN = 0x4

interface YamuxHeader { type: number, flag: number, streamID: number, length: number }
interface YamuxFrame { header: YamuxHeader, data?: Uint8ArrayList, [MORE]?: boolean }
/** Set on a piece that is not the last of its frame. */
const MORE = Symbol.for('ferry.yamux-more') // shared: the hold and the decoder patch may come from two copies of this module
/** The part of a data frame's body not yet handed on. */
interface BodyLeft { header: YamuxHeader, left: number, first: boolean }
interface YamuxDecoder {
  buffer: Uint8ArrayList
  [BODY_LEFT]?: BodyLeft
}
const BODY_LEFT = Symbol('ferry.yamux-body-left')

/**
 * The yamux Decoder's readFrame(), for a data frame not yet all in: once
 * YAMUX_PIECE_BYTES of its body are here, hand them on as a frame of their
 * own (header.length = the piece's length), and the rest likewise as it
 * comes. The stream checks each piece against its window and counts it
 * off, so the pieces of a frame add up to exactly what the whole frame
 * would have. Anything else (a whole frame, a window update, a ping, a bad
 * header) goes to the stock code.
 */
export function readFrameInPieces (this: YamuxDecoder, stock: (this: YamuxDecoder) => YamuxFrame | undefined): YamuxFrame | undefined {
  const buf = this.buffer
  let body = this[BODY_LEFT]
  if (body == null) {
    if (buf.byteLength <= YAMUX_HEADER || buf.get(0) !== YAMUX_VERSION || buf.get(1) !== YAMUX_DATA) return stock.call(this)
    const length = buf.getUint32(8)
    if (buf.byteLength >= YAMUX_HEADER + length) return stock.call(this)
    body = { header: { type: YAMUX_DATA, flag: buf.getUint16(2), streamID: buf.getUint32(4), length }, left: length, first: true }
    buf.consume(YAMUX_HEADER)
    this[BODY_LEFT] = body
  }
  const n = Math.min(body.left, buf.byteLength)
  if (n === 0 || (n < body.left && n < YAMUX_PIECE_BYTES)) return undefined
  const data = buf.sublist(0, n)
  buf.consume(n)
  body.left -= n
  const last = body.left === 0
  const flag = (body.first ? body.header.flag & ~FIN : 0) | (last ? body.header.flag & FIN : 0)
  body.first = false
  if (last) this[BODY_LEFT] = undefined
  const piece: YamuxFrame = { header: { ...body.header, length: n, flag }, data }
  if (!last) piece[MORE] = true
  return piece
}

/**
 * A stream's window update waits for the last piece of a frame, as it waits
 * for the whole frame in stock yamux. Sent as pieces come in, it would give
 * the sender its window back sooner than stock yamux does, and so let it
 * keep more bytes in flight: more for a kill -9 of the receiver to lose.
 */
function holdWindowUpdatesWithinFrames (): boolean {
  const proto = YamuxStream.prototype as unknown as Record<string | symbol, unknown>
  if (proto[HOLD_PATCHED] === true) return true
  const handleData = proto.handleData
  const sendWindowUpdate = proto.sendWindowUpdate
  if (typeof handleData !== 'function' || handleData.length !== 1 || typeof sendWindowUpdate !== 'function' || sendWindowUpdate.length !== 0) return false
  proto.handleData = function (this: Record<symbol, boolean>, frame: YamuxFrame) {
    this[HOLD_UPDATE] = frame[MORE] === true
    try {
      return handleData.call(this, frame)
    } finally {
      this[HOLD_UPDATE] = false
    }
  }
  proto.sendWindowUpdate = function (this: Record<symbol, boolean>) {
    if (this[HOLD_UPDATE]) return
    return sendWindowUpdate.call(this)
  }
  proto[HOLD_PATCHED] = true
  return true
}
const HOLD_PATCHED = Symbol.for('ferry.wire-tuning.hold-window-updates')
const HOLD_UPDATE = Symbol('ferry.yamux-hold-update')

/** Replace readFrame() on yamux's Decoder class (found from a muxer's decoder). Exported for the test. */
export function decodeFramesInPieces (decoder: object): boolean {
  const proto = Object.getPrototypeOf(decoder) as Record<string | symbol, unknown>
  if (proto[PATCHED] === true) return true
  const original = proto.readFrame
  const buffer = (decoder as { buffer?: Partial<Uint8ArrayList> }).buffer
  // the buffer is yamux's own copy of uint8arraylist, maybe not ours: checked by shape
  if (typeof original !== 'function' || original.length !== 0 || typeof buffer?.sublist !== 'function' || typeof buffer.getUint32 !== 'function') return false
  proto.readFrame = function (this: YamuxDecoder) { return readFrameInPieces.call(this, original as () => YamuxFrame | undefined) }
  proto[PATCHED] = true
  return true
}

type YamuxFactory = ReturnType<typeof yamux>

/** yamux(init), whose muxers hand data frames on as they arrive. */
export function yamuxInPieces (init?: Parameters<typeof yamux>[0]): YamuxFactory {
  const factory = yamux(init)
  return () => {
    const muxerFactory = factory()
    const create = muxerFactory.createStreamMuxer.bind(muxerFactory)
    muxerFactory.createStreamMuxer = (maConn) => {
      const muxer = create(maConn)
      const decoder = (muxer as unknown as { decoder?: object }).decoder
      if (decoder != null) applied.yamuxPieces = holdWindowUpdatesWithinFrames() && decodeFramesInPieces(decoder)
      return muxer
    }
    return muxerFactory
  }
}
