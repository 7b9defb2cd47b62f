// The libp2p fixes of src/daemon/wire-tuning.ts: each does what it claims
// (fewer window updates, batched socket writes, no copy before decrypting,
// yamux data frames handed on as they arrive), and a ferry node still talks
// to a stock libp2p node in both directions.

import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import type { Stream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { createNode, type FerryNode } from '../../src/daemon/node.ts'
import { applied, decryptWithoutCopy, lazyYamuxWindowUpdates, YAMUX_PIECE_BYTES } from '../../src/daemon/wire-tuning.ts'
import { SEND_SLICE, resetSendBuffers, sendBufferCounts, takeSendBuffer } from '../../src/transfer/send/send-buffers.ts'
import { sendAll } from '../../src/protocol/frames.ts'
import { setTimeout as sleep } from 'node:timers/promises'
import { expectEchoIntact } from '../helpers/echo.ts'
import { waitFor } from '../helpers/daemon.ts'
import { trashEveryRead } from '../helpers/reused-reads.ts'
import type { Socket } from 'node:net'

// yamux frame types, from the spec
const DATA = 0
const WINDOW_UPDATE = 1

/** An established inbound yamux stream of its own, whose window updates land in `updates`. */
function inboundStream (id: number, updates: number[]): YamuxStream {
  return new YamuxStream({
    id: String(id),
    streamId: id,
    direction: 'inbound',
    state: StreamState.Established,
    log: defaultLogger().forComponent('test:yamux'),
    getRTT: () => -1,
    sendFrame: (frame: { type: number, length: number }) => { if (frame.type === WINDOW_UPDATE) updates.push(frame.length); return true }
  } as any)
}

describe('yamux window updates', () => {
  it('go out once half the window is used, and the sender never runs out of window', () => {
    expect(lazyYamuxWindowUpdates()).toBe(true)
    const updates: number[] = []
    const stream = inboundStream(1, updates)
    // what the remote may still send, from the window updates it got
    let sendWindow = 256 * 1024
    let sent = 0
    const frame = 4096
    for (let i = 0; i < 256; i++) {
      expect(sendWindow).toBeGreaterThanOrEqual(frame)
      sendWindow -= frame
      stream.handleData({ header: { type: DATA, flag: 0, streamID: 1, length: frame }, data: new Uint8ArrayList(new Uint8Array(frame)) } as any)
      sent += updates.length
      sendWindow += updates.splice(0).reduce((a, b) => a + b, 0)
    }
    // 1 MiB through a 256 KiB window: stock yamux sends 256 updates (one per
    // frame), half-window updates 1 MiB / 128 KiB = 8
    expect(sent).toBe(8)
    expect(sendWindow).toBeGreaterThan(128 * 1024)
  })
})

describe('Noise decryption', () => {
  const seen: Array<{ list: boolean, dst: boolean }> = []
  const fake = {
    handshake: {
      decrypt: (ct: Uint8Array | Uint8ArrayList, dst?: Uint8Array) => {
        seen.push({ list: !(ct instanceof Uint8Array), dst: dst != null })
        return ct.subarray(0, ct.byteLength - 16)
      }
    }
  }

  it('hands a message split across socket reads to the AEAD as a list, copying nothing', () => {
    seen.length = 0
    const msg = randomBytes(65535)
    const out = decryptWithoutCopy.call(fake, new Uint8ArrayList(msg.subarray(0, 1000), msg.subarray(1000)))
    expect(seen).toEqual([{ list: true, dst: false }])
    expect(Buffer.from(out.subarray()).equals(msg.subarray(0, 65535 - 16))).toBe(true)
  })

  it('decrypts a message in one buffer in place, as upstream does, and splits at 65,535 bytes', () => {
    seen.length = 0
    const out = decryptWithoutCopy.call(fake, randomBytes(65535 + 100))
    expect(seen).toEqual([{ list: false, dst: true }, { list: false, dst: true }])
    expect(out.byteLength).toBe(65535 + 100 - 32)
    expect(() => decryptWithoutCopy.call(fake, new Uint8Array(10))).toThrow(/Invalid chunk/)
  })
})

describe('the sending side on a live connection', () => {
  // Reuse is safe only if a buffer comes back after Noise has read it: one
  // that came back while it sat in a stream's queue (the receiver slow to
  // read) would be overwritten before it was sent, and what arrives would
  // differ from what was read into it. And what Noise encrypts waits for
  // the socket one message at a time, not as a queue of ciphertext (fix 6).
  for (const aesNoise of [true, false]) {
    it(`uses send buffers again, every byte arriving as read into them, and encrypts one Noise message at a time as the socket takes it (${aesNoise ? 'AES-GCM' : 'ChaCha20-Poly1305'} Noise)`, async () => {
      const make = async (): Promise<FerryNode> => await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, version: 'test', aesNoise })
      const [a, b] = [await make(), await make()]
      try {
        const got = createHash('sha256')
        let received = 0
        const done = new Promise<void>((resolve, reject) => {
          void b.handle('/ferry-test/sink/1.0.0', async (stream) => {
            try {
              for await (const buf of stream) {
                got.update(buf instanceof Uint8Array ? buf : buf.subarray())
                // slow for the first 8 MiB: queues fill on the sending side
                if (received >> 20 !== (received + buf.byteLength) >> 20 && received < 8 << 20) await sleep(25)
                received += buf.byteLength
              }
              resolve()
            } catch (err) { reject(err) }
          })
        })
        const stream = await a.dialProtocol(b.getMultiaddrs()[0], '/ferry-test/sink/1.0.0')
        expect(a.getConnections()[0].encryption).toBe(aesNoise ? '/ferry/noise-aesgcm/1.0.0' : '/noise')
        resetSendBuffers()
        // the ciphertext libp2p's TCP stream holds, not yet given to the socket
        const tcp = (a.getConnections()[0] as unknown as { maConn: { writeBufferLength: number, socket: { writableLength: number }, sendData: (d: Uint8ArrayList) => { canSendMore: boolean } } }).maConn
        let mostQueued = 0
        // batches after which the TCP stream waited for 'drain': with bytes left in the socket, or with none (fix 2)
        const waited = { full: 0, forNothing: 0 }
        const sendData = tcp.sendData
        tcp.sendData = function (d) {
          const r = sendData.call(this, d)
          if (!r.canSendMore) waited[tcp.socket.writableLength > 0 ? 'full' : 'forNothing']++
          return r
        }
        const sent = createHash('sha256')
        const slices = 512 // 32 MiB
        let bytes = 0
        for (let i = 0; i < slices; i++) {
          const buf = takeSendBuffer(i % 7 === 0 ? 1000 + i : SEND_SLICE)
          bytes += buf.byteLength
          buf.fill(i & 0xff)
          buf.writeUInt32BE(i, 0)
          sent.update(buf)
          await sendAll(stream, buf)
          mostQueued = Math.max(mostQueued, tcp.writeBufferLength)
        }
        await stream.close()
        await done
        expect(received).toBe(bytes)
        expect(got.digest('hex')).toBe(sent.digest('hex'))
        // each came back once sealed, and was used again: new ones were made only while the reader was slow
        expect(sendBufferCounts().returned).toBe(slices)
        expect(sendBufferCounts().reused).toBeGreaterThan(slices / 4)
        // at most a message (65,535 bytes and its 2-byte length) and a small one beside it (mostly none
        // left once the socket has taken it); without fix 6, 12 MB
        expect(mostQueued).toBeLessThanOrEqual(2 * 65537)
        expect(applied.noiseOneMessage).toBe(true)
        // it waited only while the kernel held the socket full (the slow reader); never for a turn with nothing left
        expect(waited.full).toBeGreaterThan(0)
        expect(waited.forNothing).toBe(0)
      } finally {
        await a.stop()
        await b.stop()
      }
    })
  }

  // A buffer goes back to the pool only once Noise has sealed all of it: one
  // still queued in a stream that is reset never was, and never comes back
  // (send-buffers.ts). Given back on the reset, or after a while, it would
  // be handed out for the next read while a stream may still hold it.
  it('a stream reset mid-send: the send buffers it still held, never sealed, stay out of reuse; those sealed before the reset come back', async () => {
    const make = async (): Promise<FerryNode> => await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, version: 'test' })
    const [a, b] = [await make(), await make()]
    try {
      // the receiving side reads nothing (paused: no window updates), so what is sent waits, unsealed, in the sender's stream
      const held = new Promise<Stream>((resolve) => { void b.handle('/ferry-test/stalled/1.0.0', (stream) => { stream.pause(); resolve(stream) }) })
      const stream = await a.dialProtocol(b.getMultiaddrs()[0], '/ferry-test/stalled/1.0.0')
      resetSendBuffers()
      const slices = 48 // 3 MiB, within the stream's write buffer limit
      // all taken before any is sent: 48 buffers of their own (one sealed early would be lent again within the loop);
      // the first short, so that where the window closes cuts a slice: sealed in part, it must not come back either
      const bufs = Array.from({ length: slices }, (_, i) => takeSendBuffer(i === 0 ? 1000 : SEND_SLICE).fill(i))
      const lentTo = bufs.map((buf) => buf.buffer)
      expect(new Set(lentTo).size).toBe(slices)
      for (const buf of bufs) stream.send(buf)
      const peer = await held
      // what got through before the window closed has arrived once the count stops moving: all that was sealed
      let arrived = -1
      await waitFor(async () => { const was = arrived; arrived = peer.readBufferLength; await sleep(100); return was === arrived && arrived === peer.readBufferLength }, 'the paused stream to stop taking bytes', 10_000, 0)
      // the slices sealed whole, in the order sent
      let sealedSlices = 0
      let sealedWhole = 0
      while (sealedSlices < slices && sealedWhole + bufs[sealedSlices].byteLength <= arrived) sealedWhole += bufs[sealedSlices++].byteLength
      expect(arrived, 'the window closes within a slice, one sealed in part').toBeGreaterThan(sealedWhole)
      expect(sealedSlices).toBeLessThan(slices / 2) // most of them still queued: the test is about those
      expect(stream.writeBufferLength).toBeGreaterThan(0)
      expect(sendBufferCounts().returned).toBe(sealedSlices)
      stream.abort(new Error('reset mid-send by the test'))
      await waitFor(() => peer.status !== 'open', 'the reset to reach the other side', 10_000, 20)
      await sleep(300) // any return made later than the reset (a timer) would have come by now
      // every spare and more: a buffer of the reset stream not sealed in full must not be among them
      const reusedFrom = new Set<number>()
      for (let i = 0; i < 3 * slices; i++) {
        const at = lentTo.indexOf(takeSendBuffer(SEND_SLICE).buffer)
        if (at >= 0) reusedFrom.add(at)
      }
      expect([...reusedFrom].filter((i) => i >= sealedSlices)).toEqual([])
      expect(reusedFrom.size).toBe(sealedSlices)
      expect(sendBufferCounts().returned).toBe(sealedSlices)
    } finally {
      await a.stop()
      await b.stop()
    }
  })
})

describe('the receiving side on a live connection', () => {
  // Fix 7 (src/daemon/reused-reads.ts): each connection reads its socket into
  // one buffer, used again for every read. Here that buffer is overwritten
  // with junk as soon as each read has been handed on, on both ends: any
  // part of libp2p still holding a read's bytes then would corrupt them, and
  // Noise would refuse the message or the echo would differ.
  for (const aesNoise of [true, false]) {
    it(`reads into one reused buffer, and 32 MiB echo back intact though it is trashed after every read (${aesNoise ? 'AES-GCM' : 'ChaCha20-Poly1305'} Noise)`, async () => {
      const make = async (): Promise<FerryNode> => await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, version: 'test', aesNoise })
      const [a, b] = [await make(), await make()]
      try {
        await b.handle('/ferry-test/echo/1.0.0', async (stream) => {
          for await (const buf of stream) {
            if (!stream.send(buf)) await stream.onDrain()
          }
          await stream.close()
        })
        const stream = await a.dialProtocol(b.getMultiaddrs()[0], '/ferry-test/echo/1.0.0')
        const reads = [trashEveryRead(socketOf(a)), trashEveryRead(socketOf(b))]
        await expectEchoIntact(stream, 32 * 1024 * 1024)
        // both ends (one process here) read into the same buffer: an idle connection holds none of its own
        expect(reads[0].buffer).toBe(reads[1].buffer)
        // every read came through the reused buffer, none as a 'data' event with a buffer of its own
        for (const r of reads) {
          expect(r.reads()).toBeGreaterThan(100)
          expect(r.dataEvents()).toBe(0)
        }
        expect(applied.reusedReads).toBe(true)
      } finally {
        await a.stop()
        await b.stop()
      }
    })
  }
})

describe('reused reads need a decrypt that writes into new buffers', () => {
  // libp2p-noise's own decrypt writes the plaintext over the ciphertext (its
  // `dst`): for a small ChaCha20-Poly1305 message that sits in one read, over
  // the reused read buffer, where yamux and the stream's reader still hold it
  // when the next read comes. Fix 3's decrypt never does; a connection that
  // does not decrypt with it (an upgrade that changed its shape) reads as before.
  it('a connection whose decrypt writes into its input keeps Node\'s own read buffers, and small messages echo back intact', async () => {
    const make = async (): Promise<FerryNode> => await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, version: 'test', aesNoise: false })
    const [a, b] = [await make(), await make()]
    let proto: Record<string, unknown> | undefined
    let patched: unknown
    try {
      await b.handle('/ferry-test/echo/1.0.0', async (stream) => {
        for await (const buf of stream) {
          if (!stream.send(buf)) await stream.onDrain()
        }
        await stream.close()
      })
      // the stock decrypt on libp2p-noise's stream class, for the next connection
      await a.dial(b.getMultiaddrs()[0])
      proto = Object.getPrototypeOf((a.getConnections()[0] as unknown as { muxer: { maConn: object } }).muxer.maConn)
      patched = proto!.decrypt
      proto!.decrypt = stockNoiseDecrypt
      await a.hangUp(b.peerId)
      await waitFor(() => b.getConnections().length === 0, 'the first connection closed')
      const stream = await a.dialProtocol(b.getMultiaddrs()[0], '/ferry-test/echo/1.0.0')
      await waitFor(() => b.getConnections().length === 1, 'the second connection')
      const sockets = [a, b].map(socketOf)
      // where a socket reads the reused way after all, its buffer is trashed after every read, as above
      const reused = sockets.map((s) => Object.getOwnPropertySymbols(s).some((k) => k.description === 'kBufferCb' && typeof (s as unknown as Record<symbol, unknown>)[k] === 'function'))
      for (const [i, socket] of sockets.entries()) if (reused[i]) trashEveryRead(socket)
      const sent = createHash('sha256')
      const got = createHash('sha256')
      let total = 0
      let received = 0
      const reading = (async () => {
        for await (const buf of stream) {
          got.update(buf instanceof Uint8Array ? buf : buf.subarray())
          received += buf.byteLength
        }
      })()
      for (let i = 0; i < 3000; i++) {
        const m = randomBytes(1 + ((i * 7919) % 1000))
        sent.update(m)
        total += m.length
        if (!stream.send(m)) await stream.onDrain()
        if (i % 10 === 0) await sleep(0)
      }
      await stream.close()
      await reading
      expect(received).toBe(total)
      expect(got.digest('hex')).toBe(sent.digest('hex'))
      expect(reused).toEqual([false, false])
    } finally {
      if (proto != null) proto.decrypt = patched
      await a.stop()
      await b.stop()
    }
  })
})

/** libp2p-noise 17's EncryptedMessageStream.decrypt: the plaintext written over the ciphertext. */
function stockNoiseDecrypt (this: { handshake: { decrypt: (c: Uint8Array | Uint8ArrayList, dst?: Uint8Array) => Uint8Array | Uint8ArrayList } }, chunk: Uint8Array | Uint8ArrayList): Uint8ArrayList {
  const output = new Uint8ArrayList()
  for (let i = 0; i < chunk.byteLength; i += 65535) {
    const end = Math.min(i + 65535, chunk.byteLength)
    const encrypted = chunk instanceof Uint8Array ? chunk.subarray(i, end) : chunk.sublist(i, end)
    output.append(this.handshake.decrypt(encrypted, chunk.subarray(i, end - 16)))
  }
  return output
}

/** `node`'s one connection's socket. */
const socketOf = (node: FerryNode): Socket => (node.getConnections()[0] as unknown as { maConn: { socket: Socket } }).maConn.socket

describe('a ferry node and a stock libp2p node', () => {
  let stock: ChildProcess
  let stockAddr: string
  let node: FerryNode

  beforeAll(async () => {
    stock = spawn(process.execPath, [fileURLToPath(new URL('../helpers/stock-node.mjs', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] })
    const [line] = await once(createInterface({ input: stock.stdout! }), 'line') as [string]
    stockAddr = line
    // offering AES-GCM first, as between ferry daemons: the stock node answers na
    node = await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, version: 'test', aesNoise: true })
  })

  afterAll(async () => {
    await node?.stop()
    stock?.kill('SIGTERM')
  })

  it('move 16 MiB both ways intact, with socket writes batched', async () => {
    const stream = await node.dialProtocol(multiaddr(stockAddr), '/ferry-test/echo/1.0.0')
    const conn = node.getConnections()[0] as unknown as { maConn: { socket: { write: (...a: unknown[]) => boolean, _write: (...a: unknown[]) => void, _writev: (...a: unknown[]) => void } } }
    const socket = conn.maConn.socket
    let writes = 0
    let flushes = 0
    const { write, _write: w1, _writev: wv } = socket
    socket.write = function (...a) { writes++; return write.apply(this, a) }
    socket._write = function (...a) { flushes++; w1.apply(this, a) }
    socket._writev = function (...a) { flushes++; wv.apply(this, a) }

    await expectEchoIntact(stream, 16 * 1024 * 1024)
    // a Noise message is three socket.write()s (length, ciphertext, tag);
    // uncorked, nearly each is its own syscall on loopback
    expect(writes).toBeGreaterThan(500)
    expect(flushes).toBeLessThan(writes / 2)
    // all seven fixes found the code they replace on a live connection
    expect(applied).toEqual({ yamuxWindowUpdates: true, tcpCork: true, noiseDecrypt: true, yamuxPieces: true, noiseSealed: true, noiseOneMessage: true, reusedReads: true })
    // ferry's AES-GCM Noise was offered first and refused: the stock one it is
    expect(node.getConnections()[0].encryption).toBe('/noise')
  })
})

/** A yamux frame header (spec: version, type, flags, stream ID, length; big-endian). */
function header (type: number, flag: number, streamID: number, length: number): Uint8Array {
  const h = new Uint8Array(12)
  const v = new DataView(h.buffer)
  v.setUint8(1, type)
  v.setUint16(2, flag)
  v.setUint32(4, streamID)
  v.setUint32(8, length)
  return h
}

interface Frame { header: { type: number, flag: number, streamID: number, length: number }, data?: Uint8ArrayList }
interface Decoder { emitFrames: (buf: Uint8Array) => Iterable<Frame>, buffer: Uint8ArrayList }
type MuxedConnection = { muxer: { decoder: Decoder, send: (data: Uint8Array) => boolean } }

describe('yamux data frames, as they arrive', () => {
  let a: FerryNode
  let b: FerryNode

  beforeAll(async () => {
    a = await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, version: 'test' })
    b = await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, version: 'test' })
  })

  afterAll(async () => {
    await a?.stop()
    await b?.stop()
  })

  it('are handed on piece by piece, SYN with the first piece and FIN with the last, adding up to the frame', async () => {
    await a.dial(b.getMultiaddrs()[0])
    // a fresh decoder of the patched class, fed by hand
    const live = (a.getConnections()[0] as unknown as MuxedConnection).muxer.decoder
    const decoder = new (live.constructor as new () => Decoder)()
    const SYN = 1
    const FIN = 4
    const frames = (buf: Uint8Array): Frame[] => [...decoder.emitFrames(buf)]
    const body = randomBytes(2 * YAMUX_PIECE_BYTES + 100)
    const piece = YAMUX_PIECE_BYTES + 50

    expect(frames(header(DATA, SYN | FIN, 7, body.length))).toEqual([]) // the header alone: nothing to hand on yet
    expect(frames(body.subarray(0, 1000))).toEqual([]) // too little to be worth a piece
    const pieces = [
      ...frames(body.subarray(1000, piece)),
      ...frames(body.subarray(piece, piece + 1)),
      // the rest, then a whole window update and a whole small data frame in the same read
      ...frames(Buffer.concat([body.subarray(piece + 1), header(WINDOW_UPDATE, 0, 7, 4096), header(DATA, FIN, 9, 3), Buffer.from('abc')]))
    ]
    expect(pieces.map((f) => [f.header.type, f.header.streamID, f.header.flag, f.header.length])).toEqual([
      [DATA, 7, SYN, piece],
      [DATA, 7, FIN, body.length - piece],
      [WINDOW_UPDATE, 7, 0, 4096],
      [DATA, 9, FIN, 3]
    ])
    const joined = Buffer.concat(pieces.slice(0, 2).map((f) => f.data!.subarray()))
    expect(joined.equals(body)).toBe(true)
    expect(Buffer.from(pieces[3].data!.subarray()).toString()).toBe('abc')
    expect(decoder.buffer.byteLength).toBe(0)

    // RST acts before a frame's data in stock yamux: it comes with the first piece
    const RST = 8
    const reset = [...frames(header(DATA, RST | FIN, 11, body.length)), ...frames(body.subarray(0, piece)), ...frames(body.subarray(piece))]
    expect(reset.map((f) => [f.header.streamID, f.header.flag, f.header.length])).toEqual([[11, RST, piece], [11, FIN, body.length - piece]])
  })

  it('a stream sends its window update after the last piece of a frame, not before', async () => {
    await a.dial(b.getMultiaddrs()[0])
    const live = (a.getConnections()[0] as unknown as MuxedConnection).muxer.decoder
    const decoder = new (live.constructor as new () => Decoder)()
    const updates: number[] = []
    const stream = inboundStream(3, updates)
    // a window grown to 1 MiB, as on a busy connection
    Object.assign(stream, { recvWindow: 1024 * 1024, recvWindowCapacity: 1024 * 1024 })
    const size = 1024 * 1024
    const got: number[] = []
    for (const f of decoder.emitFrames(header(DATA, 0, 3, size))) stream.handleData(f as any)
    for (let off = 0; off < size; off += 64 * 1024) {
      for (const f of decoder.emitFrames(new Uint8Array(64 * 1024))) {
        stream.handleData(f as any)
        got.push(f.header.length)
        if (got.reduce((x, y) => x + y) < size) expect(updates).toEqual([]) // pieces so far: no update yet
      }
    }
    expect(got.length).toBeGreaterThan(1)
    expect(got.reduce((x, y) => x + y)).toBe(size)
    expect(updates).toEqual([size]) // the whole window back, once the frame is in
  })

  it('a peer declaring a 1 GiB frame is not buffered: its bytes go on to the stream, or are dropped with it', async () => {
    const conn = (await a.dial(b.getMultiaddrs()[0])) as unknown as MuxedConnection
    // the listener registers its side a moment after the dialer
    let inbound: unknown
    for (let i = 0; i < 100 && inbound == null; i++) {
      inbound = b.getConnections().find((c) => c.remotePeer.equals(a.peerId))
      if (inbound == null) await sleep(10)
    }
    expect(inbound).toBeDefined()
    const victim = (inbound as unknown as MuxedConnection).muxer.decoder
    // a stream of our own numbering (the dialer's are odd), opened by the frame itself
    conn.muxer.send(header(DATA, 1, 1001, 1024 * 1024 * 1024))
    const piece = new Uint8Array(64 * 1024)
    let most = 0
    for (let i = 0; i < 64; i++) { // 4 MiB of the declared 1 GiB
      // the victim resets the stream (its protocol header is garbage) and drops
      // the rest, or, past the stream's window, closes the connection
      try { conn.muxer.send(piece) } catch { break }
      await sleep(2)
      most = Math.max(most, victim.buffer.byteLength)
    }
    await sleep(50)
    most = Math.max(most, victim.buffer.byteLength)
    // stock yamux holds all of it in the decoder until the 1 GiB is in
    expect(most).toBeLessThan(YAMUX_PIECE_BYTES + 128 * 1024)
    // the node goes on: a fresh connection works
    await a.hangUp(b.peerId)
    const again = await a.dial(b.getMultiaddrs()[0])
    expect(again.status).toBe('open')
  })

  it('a frame that overruns an open stream\'s window closes the connection after its first pieces, not after the whole frame', async () => {
    // a protocol whose handler reads nothing: the stream's window is all the peer may send
    await b.handle('/ferry-test/idle/1.0.0', () => {})
    await a.hangUp(b.peerId)
    const stream = await a.dialProtocol(b.getMultiaddrs()[0], '/ferry-test/idle/1.0.0')
    const conn = a.getConnections(b.peerId)[0] as unknown as MuxedConnection & { status: string }
    const id = (stream as unknown as { streamId: number }).streamId
    expect(id).toBeGreaterThan(0)
    // 8 MiB in one frame, 32 times the 256 KiB window it may use (sent over
    // more than 0.25 s, so that a busy victim has time to close first)
    const size = 8 * 1024 * 1024
    conn.muxer.send(header(DATA, 0, id, size))
    let sent = 0
    for (; sent < size && conn.status === 'open'; sent += 64 * 1024) {
      try { conn.muxer.send(new Uint8Array(64 * 1024)) } catch { break }
      await sleep(2)
    }
    for (let i = 0; i < 100 && conn.status === 'open'; i++) await sleep(10)
    // stock yamux would wait for all 8 MiB before looking at the window
    expect(conn.status).not.toBe('open')
    expect(sent).toBeLessThan(size)
    await b.unhandle('/ferry-test/idle/1.0.0')
  })
})
