// The chunk server's idle limit (sender.ts, CHUNK_STREAM_IDLE_MS) over a
// real libp2p connection (TCP, Noise, yamux on 127.0.0.1), shortened for the
// test: a stream that asks for nothing is closed; one whose receiver takes
// what it asked for slowly, so that serving its requests lasts longer than
// the limit, is served to the end (before, it was cut off at the limit);
// one whose receiver grants a few bytes now and then is closed, and the
// sender queues no more for it than its send-ahead limit. Closed at the
// limit with all it asked for taken, it is no cut of the send (nothing of it
// is asked for again); closed with bytes still on their way, it is
// (serveChunks' onCut: the send is then marked resumed, send-serve.ts).
import { afterEach, describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLibp2p, type Libp2p } from 'libp2p'
import { tcp } from '@libp2p/tcp'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Stream } from '@libp2p/interface'
import { CHUNKS_PROTOCOL } from '../../src/protocol/constants.ts'
import { encodeChunkRequest, sendAll, type OfferFile } from '../../src/protocol/transfer.ts'
import { SEND_AHEAD_BYTES } from '../../src/protocol/frames.ts'
import { hash } from '../../src/transfer/manifest/blake3.js'
import { Sender, serveChunks } from '../../src/transfer/send/sender.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

const MiB = 1024 * 1024
const IDLE_MS = 600
const CHUNK = 16 * MiB

let dir: string
const nodes: Libp2p[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map(async (n) => { await n.stop() }))
  await rm(dir, { recursive: true, force: true })
})

/** The receiving node's yamux never grows a stream's window past its first 256 KiB, so that a burst of reading takes at most that. */
async function node (): Promise<Libp2p> {
  const n = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: 256 * 1024 } })] })
  nodes.push(n)
  return n
}

/** A sender node serving one 16 MiB chunk with the short idle limit; a receiver node's stream to it, the server's end of it, and how that ended. */
async function setup (): Promise<{ stream: Stream, server: Promise<Stream>, transferId: Uint8Array, ended: Promise<string>, times: { served: number, closed: number }, cut: Sender[], serving: Promise<void> }> {
  dir = await mkdtemp(join(tmpdir(), 'ferry-idle-'))
  const data = randomBytes(CHUNK)
  const src = join(dir, 'src.bin')
  await writeFile(src, data)
  const entry: OfferFile = { path: 'src.bin', kind: 'file', size: CHUNK, mtimeMs: Math.floor((await stat(src)).mtimeMs), mode: 0o644, chunkSize: CHUNK, chunks: ChunkHashes.of([hash(data)]), fileRoot: new Uint8Array(32) }
  const transferId = new Uint8Array(16)
  const [serverNode, client] = await Promise.all([node(), node()])
  const sender = new Sender({ id: '00'.repeat(16), peerId: client.peerId.toString(), state: 'fetching', offer: { transferId, root: new Uint8Array(32), totalBytes: CHUNK, files: [entry] }, sources: [src] })
  let settle: (how: string) => void = () => {}
  const ended = new Promise<string>((resolve) => { settle = resolve })
  let found: (s: Stream) => void = () => {}
  const server = new Promise<Stream>((resolve) => { found = resolve })
  // taken on the server's side: the stream's idle timer starts as it is served, before the dial returns
  const times = { served: 0, closed: 0 }
  const cut: Sender[] = []
  let served: (p: Promise<void>) => void = () => {}
  const serving = new Promise<void>((resolve) => { served = (p) => { resolve(p) } })
  await serverNode.handle(CHUNKS_PROTOCOL, (s) => {
    found(s)
    times.served = Date.now()
    s.addEventListener('close', (e) => { times.closed = Date.now(); settle(e.error != null ? `aborted: ${e.error.message}` : 'closed') })
    served(serveChunks(s, client.peerId.toString(), () => sender, () => {}, undefined, { idleMs: IDLE_MS, onCut: (x) => { cut.push(x) } }))
  })
  const stream = await client.dialProtocol(serverNode.getMultiaddrs()[0], CHUNKS_PROTOCOL)
  return { stream, server, transferId, ended, times, cut, serving }
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

describe('chunk stream idle limit', () => {
  it('a stream that asks for nothing is closed once the limit has passed', async () => {
    const { stream, ended, times } = await setup()
    const how = await ended
    expect(how).toMatch(/aborted: nothing asked for/)
    // not before the limit (timers may fire a millisecond early against Date.now())
    expect(times.closed - times.served).toBeGreaterThanOrEqual(IDLE_MS - 2)
    // the receiver's end hears of it (a reset)
    for (let i = 0; i < 100 && stream.status === 'open'; i++) await sleep(20)
    expect(stream.status).not.toBe('open')
  })

  it('requests served for longer than the limit to a receiver that takes them slowly are served to the end (before: cut off at the limit, all of a request being queued at once)', async () => {
    const { stream, transferId, ended, cut, serving } = await setup()
    let got = 0
    stream.addEventListener('message', (e) => { got += e.data.byteLength })
    // as fetch.ts asks: pieces of 1 MiB, two ahead
    for (const firstOffset of [0, MiB]) await sendAll(stream, encodeChunkRequest({ transferId, fileIndex: 0, chunks: [0], firstOffset, firstLength: MiB }))
    // take what comes in short bursts: yamux grants the sender no window while the stream is paused
    const started = Date.now()
    for (let i = 0; i < 200 && got <= 2 * MiB && Date.now() - started < 20_000; i++) {
      stream.pause()
      await sleep(IDLE_MS / 3)
      stream.resume()
      await sleep(5)
    }
    expect(Date.now() - started, 'serving took longer than the limit').toBeGreaterThan(IDLE_MS)
    expect(got, 'both pieces (and their headers) arrived').toBeGreaterThan(2 * MiB)
    expect(stream.status).toBe('open')
    // and once nothing more is asked for, the limit closes it
    expect(await ended).toMatch(/aborted: nothing asked for/)
    // with all it asked for taken: nothing of it is asked for again, no cut of the send (before, it was one, and the
    // send was marked resumed at its next chunk)
    await serving
    expect(cut.map((s) => s.id)).toEqual([])
  })

  it('a receiver that grants a few bytes of window now and then does not keep the stream, nor make the sender queue more than SEND_AHEAD_BYTES (review finding: 8.6 MiB queued, and the stream kept for as long as it went on)', async () => {
    const { stream, server, transferId, ended, cut, serving } = await setup()
    await sendAll(stream, encodeChunkRequest({ transferId, fileIndex: 0, chunks: [0] }))
    stream.pause() // no window updates of its own from here
    const serverEnd = await server
    // a yamux window update of 13 bytes every 60 ms, by hand (yamux internals: the stream's frame writer)
    const raw = stream as unknown as { recvWindowCapacity: number, streamId: number, sendFrame: (f: object) => void }
    let stop = false
    let most = 0
    const trickle = (async () => {
      for (let i = 0; i < 200 && !stop; i++) {
        await sleep(60)
        if (stop) break
        most = Math.max(most, serverEnd.writeBufferLength)
        raw.recvWindowCapacity += 13
        try { raw.sendFrame({ type: 1, flag: 0, streamID: raw.streamId, length: 13 }) } catch { break }
      }
    })()
    const started = Date.now()
    const how = await ended
    stop = true
    await trickle
    expect(how).toMatch(/aborted: nothing asked for, and less than 64 KiB taken/)
    // a first period may pass on what the initial window let through; the second cannot
    expect(Date.now() - started).toBeLessThan(3 * IDLE_MS + 1000)
    expect(most, `the sender held ${most} bytes unsent`).toBeLessThanOrEqual(SEND_AHEAD_BYTES + 64 * 1024 + 64)
    // closed with most of the chunk still on its way: the receiver asks for it again, a cut of the send
    await serving
    expect(cut.map((s) => s.id)).toEqual(['00'.repeat(16)])
  })
})
