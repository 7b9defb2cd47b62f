// Fix 7 of the wire tuning (wire-tuning.ts): a secured TCP connection reads
// its socket into one buffer, used again for every read.
//
// Node gives every socket read a new 64 KiB buffer, and the receiver then
// decrypts each Noise message into another new one: two 64 KiB allocations
// per 64 KiB received. A young buffer's memory goes back to malloc only at
// the next scavenge, and one that outlives two goes only at a mark-compact,
// so over a long receive the malloc heap holds what two allocations per
// message leave between collections (docs/PERFORMANCE.md, Memory).
//
// Node's own `onread` option reads into a buffer the caller owns and calls
// back with each read. The bytes of a read must then be done with before
// the next read: libp2p hands them on synchronously (the connection's
// message event, Noise's length-prefixed decoder, the decryption, which
// writes the plaintext into a new buffer), and what is left holding them
// after that is copied out here:
// - Noise's decoder keeps the start of a message whose end has not come
//   (almost always: messages are 65,537 bytes with their length, reads at
//   most 65,536), copied into one of two carry buffers of this connection,
//   and what later reads add to it copied in behind it;
// - the connection keeps what it could not hand on while paused (new
//   buffers: rare).
// Only after Noise's handshake, on a socket with nothing queued, and only
// where every part still has the shape this was written against; otherwise
// the connection reads as before. FERRY_REUSED_READS=0 turns it off.
//
// Measured on loopback (2026-12-06, bench/loopback-memory.ts --only big,
// interleaved with the code before; the box shared with other work): a
// 10 GiB send's receiver peaked at 134.6–147.6 MB against 153.8–157.2 (3
// pairs), its malloc heap at 27–34 MB against 37–42; 1 GiB (5 pairs), the
// receiver 2.97–3.54 CPU-s against 3.36–4.56, peaks 119.9–126.2 MB against
// 128.8–139.6, and the send 4.66–5.97 s against 4.88–7.85.

import { Socket } from 'node:net'

/**
 * Bytes one read can take, as Node's own reads. 256 KiB was no better
 * (1 GiB over loopback, 3 interleaved pairs: the receiver 3.00–3.24 CPU-s
 * against 2.88–3.05).
 */
export const REUSED_READ_BYTES = 64 * 1024
/**
 * One read buffer serves every connection: reads come one at a time on the
 * event loop, and once a read's callback has returned nothing holds its
 * bytes. So an idle connection costs no buffer of its own.
 */
let shared: Buffer | undefined
const sharedReadBuffer = (): Buffer => (shared ??= Buffer.allocUnsafeSlow(REUSED_READ_BYTES))

/** A Noise message with its 2-byte length: the most a decoder keeps after a read. */
const CARRY_BYTES = 2 + 65535

interface OnreadSymbols { kBuffer: symbol, kBufferCb: symbol, kBufferGen: symbol }

let symbols: OnreadSymbols | null | undefined

/** Node's private keys for a socket's `onread` state, read off a socket made with the option. */
function onreadSymbols (): OnreadSymbols | null {
  if (symbols !== undefined) return symbols
  const probe = new Socket({ onread: { buffer: Buffer.alloc(1), callback: () => true } })
  const own = Object.getOwnPropertySymbols(probe)
  const find = (name: string): symbol | undefined => own.find((s) => s.description === name)
  const kBuffer = find('kBuffer')
  const kBufferCb = find('kBufferCb')
  const kBufferGen = find('kBufferGen')
  symbols = kBuffer != null && kBufferCb != null && kBufferGen != null ? { kBuffer, kBufferCb, kBufferGen } : null
  probe.destroy()
  return symbols
}

/** A Uint8ArrayList's insides (uint8arraylist 2 and 3): its buffers and their total length. */
interface ListInside { bufs: Uint8Array[], length: number }

const isList = (x: unknown): x is ListInside => x != null && Array.isArray((x as ListInside).bufs) && typeof (x as ListInside).length === 'number'

interface SecuredShape {
  stream?: { socket?: unknown, readBuffer?: unknown, onData?: unknown }
  decoder?: { buffer?: unknown }
}

interface HandleShape { useUserBuffer?: (buf: Uint8Array) => void, reading?: boolean }

/**
 * Switch a secured connection (libp2p-noise's stream over a TCP
 * multiaddr connection) to reading into a reused buffer. Returns whether
 * it did.
 */
export function readIntoReusedBuffer (secured: object): boolean {
  const { stream: maConn, decoder } = secured as SecuredShape
  const socket = maConn?.socket
  if (!(socket instanceof Socket) || typeof maConn?.onData !== 'function' || !isList(maConn.readBuffer) || !isList(decoder?.buffer)) return false
  const keys = onreadSymbols()
  const handle = (socket as unknown as { _handle?: HandleShape })._handle
  if (keys == null || typeof handle?.useUserBuffer !== 'function') return false
  const state = socket as unknown as Record<symbol, unknown>
  // bytes Node has read and not yet handed on would come after the new reads
  if (state[keys.kBuffer] != null || socket.readableLength > 0 || socket.isPaused() || socket.destroyed) return false

  const read = sharedReadBuffer()
  // allocated when first needed: a connection that only ever gets small messages needs none
  const carry: Buffer[] = []
  let current = 0
  const onData = maConn.onData.bind(maConn) as (data: Uint8Array) => void
  const pending = maConn.readBuffer
  const kept = decoder.buffer

  state[keys.kBuffer] = read
  state[keys.kBufferGen] = null
  state[keys.kBufferCb] = (nread: number): boolean => {
    try {
      onData(read.subarray(0, nread))
    } finally {
      // paused: the connection keeps what it could not hand on (rare)
      if (pending.length > 0) {
        for (let i = 0; i < pending.bufs.length; i++) {
          if (pending.bufs[i].buffer === read.buffer) pending.bufs[i] = Uint8Array.prototype.slice.call(pending.bufs[i])
        }
      }
      // the start of a message still to come: into a carry buffer
      if (kept.length > 0 && kept.bufs.some((b) => b.buffer === read.buffer || b.buffer === carry[current]?.buffer)) {
        // already at the front of the current carry: only what came after it
        // is copied, behind it (copying it all again at every read would cost
        // a message that comes in n reads n/2 times its length: small reads,
        // as on a LAN or from a peer that writes a few bytes at a time). Past
        // what is kept, that carry holds nothing anyone still reads.
        const head = kept.bufs[0]
        const own = carry[current]
        if (own != null && head.buffer === own.buffer && head.byteOffset === own.byteOffset && kept.length <= CARRY_BYTES) {
          let offset = head.byteLength
          for (let i = 1; i < kept.bufs.length; i++) {
            own.set(kept.bufs[i], offset)
            offset += kept.bufs[i].byteLength
          }
          kept.bufs = [own.subarray(0, offset)]
        } else {
          const next = current ^ 1
          const target = kept.length <= CARRY_BYTES ? (carry[next] ??= Buffer.allocUnsafeSlow(CARRY_BYTES)) : Buffer.allocUnsafe(kept.length)
          let offset = 0
          for (const b of kept.bufs) {
            target.set(b, offset)
            offset += b.byteLength
          }
          kept.bufs = [target.subarray(0, offset)]
          current = next
        }
      }
    }
    return true
  }
  handle.useUserBuffer(read)
  return true
}
