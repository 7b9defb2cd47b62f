// Fix 7 of the wire tuning (src/daemon/reused-reads.ts): a connection reads
// its socket into one buffer, used again for every read. Safe only if nothing
// still holds a read's bytes when the next read comes: here every read's
// buffer is overwritten with junk as soon as its callback returns (what the
// next read does), and every message must still arrive as sent. Real sockets
// on loopback; the connection and Noise's decoder are stood in for by their
// parts: libp2p's own length-prefixed decoder and a Uint8ArrayList.

import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, connect, type Socket, type Server } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { afterEach, describe, expect, it } from 'vitest'
import { readIntoReusedBuffer } from '../../src/daemon/reused-reads.ts'
import { trashEveryRead } from '../helpers/reused-reads.ts'

/** Noise's framing: a 2-byte big-endian length, then the message. */
const uint16BE = (data: Uint8ArrayList | Uint8Array): number => {
  if (data.byteLength < 2) throw new RangeError('not yet')
  return data instanceof Uint8Array ? (data[0] << 8) | data[1] : data.getUint16(0)
}

interface Conn {
  socket: Socket
  readBuffer: Uint8ArrayList
  paused: boolean
  onData: (data: Uint8Array) => void
}

let server: Server | undefined
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  server?.close()
  server = undefined
})

/** A loopback pair, the accepting end read the reused way, every read's buffer trashed once handed on. */
async function pair (): Promise<{ writer: Socket, conn: Conn, messages: Buffer[], reads: () => number }> {
  server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const port = (server.address() as { port: number }).port
  const accepted = once(server, 'connection') as Promise<[Socket]>
  const writer = connect(port, '127.0.0.1')
  sockets.push(writer)
  const [socket] = await accepted
  sockets.push(socket)
  const decoder = new LengthPrefixedDecoder({ lengthDecoder: uint16BE, encodingLength: () => 2, maxBufferSize: 16 << 20 })
  const messages: Buffer[] = []
  const conn: Conn = {
    socket,
    readBuffer: new Uint8ArrayList(),
    paused: false,
    // as libp2p's message stream: kept while paused, else handed to Noise's decoder, whose messages are used at once
    onData (data) {
      this.readBuffer.append(data)
      if (this.paused) return
      const all = this.readBuffer.sublist()
      this.readBuffer.consume(all.byteLength)
      for (const m of decoder.decode(all)) messages.push(Buffer.from(m.subarray()))
    }
  }
  expect(readIntoReusedBuffer({ stream: conn, decoder })).toBe(true)
  const trashed = trashEveryRead(socket)
  socket.on('data', () => { throw new Error('a read came as a data event') })
  return { writer, conn, messages, reads: trashed.reads }
}

/** Messages of 1 B to 65,535 B with their lengths, written in pieces cut anywhere. */
function framed (count: number): { sent: Buffer[], wire: Buffer } {
  const sent: Buffer[] = []
  for (let i = 0; i < count; i++) sent.push(randomBytes(i % 5 === 0 ? 65535 : 1 + ((i * 7919) % 65535)))
  const wire = Buffer.concat(sent.flatMap((m) => [Buffer.from([m.length >> 8, m.length & 0xff]), m]))
  return { sent, wire }
}

async function writeInPieces (writer: Socket, wire: Buffer): Promise<void> {
  for (let at = 0, i = 0; at < wire.length; i++) {
    const n = [1, 3, 700, 65536, 100_000, 65537, 2][i % 7]
    if (!writer.write(wire.subarray(at, at + n))) await once(writer, 'drain')
    at += n
    if (i % 50 === 0) await sleep(1) // let reads end at odd places
  }
}

describe('socket reads into one reused buffer', () => {
  it('every message arrives as sent, though each read\'s buffer is overwritten as soon as it is handed on', async () => {
    const { writer, messages, reads } = await pair()
    const { sent, wire } = framed(400)
    await writeInPieces(writer, wire)
    for (let i = 0; i < 200 && messages.length < sent.length; i++) await sleep(25)
    expect(messages.length).toBe(sent.length)
    for (let i = 0; i < sent.length; i++) expect(messages[i].equals(sent[i]), `message ${i}`).toBe(true)
    expect(reads()).toBeGreaterThan(100)
  })

  it('what the connection keeps while paused is its own copy, handed on intact at the resume', async () => {
    const { writer, conn, messages } = await pair()
    const { sent, wire } = framed(60)
    conn.paused = true
    // the first half arrives while paused: kept in the connection's buffer
    const half = Math.floor(wire.length / 2) + 1
    await writeInPieces(writer, wire.subarray(0, half))
    for (let i = 0; i < 200 && conn.readBuffer.byteLength < half; i++) await sleep(10)
    expect(conn.readBuffer.byteLength).toBe(half)
    conn.paused = false
    await writeInPieces(writer, wire.subarray(half))
    for (let i = 0; i < 200 && messages.length < sent.length; i++) await sleep(25)
    expect(messages.length).toBe(sent.length)
    for (let i = 0; i < sent.length; i++) expect(messages[i].equals(sent[i]), `message ${i}`).toBe(true)
  })

  it('a message that comes in many small reads is copied into the carry once, not again with every read', async () => {
    // On a LAN, or from a peer that writes a few bytes at a time, a 64 KiB
    // Noise message can take dozens of reads. Copying all that was kept so
    // far at every read would cost (reads / 2) x 64 KiB per message.
    const { writer, messages, reads } = await pair()
    const message = randomBytes(65535)
    const wire = Buffer.concat([Buffer.from([0xff, 0xff]), message])
    const CARRY = 2 + 65535
    let carried = 0
    const set = Uint8Array.prototype.set
    Uint8Array.prototype.set = function (this: Uint8Array, src: ArrayLike<number>, offset?: number) {
      if (this.byteLength === CARRY) carried += src.length
      return set.call(this, src, offset)
    }
    try {
      // 1 KiB at a time, each written once the one before it has been read: 65 reads
      for (let at = 0; at < wire.length; at += 1024) {
        const before = reads()
        writer.write(wire.subarray(at, at + 1024))
        for (let i = 0; i < 200 && reads() === before; i++) await sleep(2)
      }
      for (let i = 0; i < 200 && messages.length < 1; i++) await sleep(10)
    } finally {
      Uint8Array.prototype.set = set
    }
    expect(messages.length).toBe(1)
    expect(messages[0].equals(message)).toBe(true)
    expect(reads()).toBeGreaterThan(60)
    // each byte once, but the last read's, which ends the message
    expect(carried).toBeLessThanOrEqual(wire.length)
  })

  it('an idle connection holds no buffer of its own: one read buffer serves them all, and its carry buffers come with the first message that spans two reads', async () => {
    // every connection of the daemon reads this way, most of them idle
    // (identify, pings): nothing each (the shared 64 KiB once, if no test before made it), not 192 KiB
    server = createServer()
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const port = (server.address() as { port: number }).port
    const accepted: Socket[] = []
    server.on('connection', (s: Socket) => { s.on('data', () => {}); accepted.push(s) })
    const count = 20
    for (let i = 0; i < count; i++) {
      const c = connect(port, '127.0.0.1')
      sockets.push(c)
      await once(c, 'connect')
    }
    for (let i = 0; i < 200 && accepted.length < count; i++) await sleep(5)
    sockets.push(...accepted)
    const before = process.memoryUsage().arrayBuffers
    for (const socket of accepted) {
      const conn = { socket, readBuffer: new Uint8ArrayList(), onData () {} }
      expect(readIntoReusedBuffer({ stream: conn, decoder: { buffer: new Uint8ArrayList() } })).toBe(true)
    }
    const perConnection = (process.memoryUsage().arrayBuffers - before) / count
    expect(perConnection).toBeLessThan(8 * 1024)
    // all of them read into the one buffer
    const own = Object.getOwnPropertySymbols(accepted[0])
    const kBuffer = own.find((s) => s.description === 'kBuffer')!
    expect(new Set(accepted.map((s) => (s as unknown as Record<symbol, unknown>)[kBuffer])).size).toBe(1)
  })

  it('leaves a socket with bytes queued, or already reading into a buffer of its own, as it is', async () => {
    const { conn } = await pair()
    // the socket above already reads the reused way
    expect(readIntoReusedBuffer({ stream: conn, decoder: { buffer: new Uint8ArrayList() } })).toBe(false)
    expect(readIntoReusedBuffer({ stream: { socket: {} }, decoder: { buffer: new Uint8ArrayList() } })).toBe(false)
  })
})
