// Three fixes to how the libp2p stack moves bulk data, applied at run time
// because the packages offer no option for them. None changes a byte on the
// wire beyond how it is batched: yamux frames, Noise messages and TCP bytes
// stay what any libp2p peer expects (tested against a stock node in a child
// process). Each was found by counting syscalls (strace -c) on a 1 GiB
// loopback send and profiling both daemons:
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
//    writev: 20,000.
// 3. Noise decryption: for a Noise message that spans two socket reads,
//    libp2p-noise 17 copies the message into a fresh buffer only to offer it
//    as the output buffer of an in-place decrypt, which ferry's AEAD
//    (noise-crypto.ts) does not use for bulk messages: 0.44 s per GiB on
//    the receiver, and one 64 KiB allocation per message.
//
// Together, on two daemons sharing 2 cores, 1 GiB over loopback, 4 runs
// each, interleaved: 10.3–11.5 CPU-s instead of 11.8–14.5, and 6.7–7.7 s
// instead of 7.7–9.3 s.
//
// Each fix checks that the code it replaces has the shape it was written
// against and otherwise leaves the stock behaviour alone (a test fails then,
// so an upgrade is noticed).

import type { ConnectionEncrypter, Libp2p } from '@libp2p/interface'
import { noise } from '@chainsafe/libp2p-noise'
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { Uint8ArrayList } from 'uint8arraylist'

const PATCHED = Symbol.for('ferry.wire-tuning')

/** Which fixes are in place (a fix whose target changed shape stays off; the test checks all are on). */
export const applied = { yamuxWindowUpdates: false, tcpCork: false, noiseDecrypt: false }

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
  socket?: { cork: () => void, uncork: () => void }
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
    try {
      return original.call(this, data)
    } finally {
      this.socket.uncork() // flushes everything written since cork() in one writev
    }
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

type NoiseFactory = ReturnType<typeof noise>

/** noise(init), whose secured connections decrypt without the copy. */
export function noiseWithoutDecryptCopy (init: Parameters<typeof noise>[0]): NoiseFactory {
  const factory = noise(init)
  return (components) => {
    const encrypter = factory(components)
    const wrap = <F extends ConnectionEncrypter['secureInbound']>(secure: F): F => (async (...args: Parameters<F>) => {
      const secured = await secure.apply(encrypter, args)
      applied.noiseDecrypt = noiseDecryptWithoutCopy(secured.connection)
      return secured
    }) as F
    encrypter.secureInbound = wrap(encrypter.secureInbound)
    encrypter.secureOutbound = wrap(encrypter.secureOutbound)
    return encrypter
  }
}
