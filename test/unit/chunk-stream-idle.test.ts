// The chunk server's idle limit (sender.ts, CHUNK_STREAM_IDLE_MS) over a
// real libp2p connection (TCP, Noise, yamux on 127.0.0.1), shortened for the
// test: a stream that asks for nothing is closed; one whose receiver takes
// what it asked for slowly, so that serving one request lasts longer than
// the limit, is served to the end (before, it was cut off at the limit).
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
import { hash } from '../../src/transfer/blake3.js'
import { Sender, serveChunks } from '../../src/transfer/sender.ts'

const MiB = 1024 * 1024
const IDLE_MS = 600
const CHUNK = 16 * MiB

let dir: string
const nodes: Libp2p[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map(async (n) => { await n.stop() }))
  await rm(dir, { recursive: true, force: true })
})

async function node (): Promise<Libp2p> {
  const n = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  nodes.push(n)
  return n
}

/** A sender node serving one 16 MiB chunk with the short idle limit; a receiver node's stream to it, and how the server's stream ended. */
async function setup (): Promise<{ stream: Stream, transferId: Uint8Array, ended: Promise<string> }> {
  dir = await mkdtemp(join(tmpdir(), 'ferry-idle-'))
  const data = randomBytes(CHUNK)
  const src = join(dir, 'src.bin')
  await writeFile(src, data)
  const entry: OfferFile = { path: 'src.bin', kind: 'file', size: CHUNK, mtimeMs: Math.floor((await stat(src)).mtimeMs), mode: 0o644, chunkSize: CHUNK, chunks: [hash(data)], fileRoot: new Uint8Array(32) }
  const transferId = new Uint8Array(16)
  const [server, client] = await Promise.all([node(), node()])
  const sender = new Sender({ id: '00'.repeat(16), peerId: client.peerId.toString(), state: 'fetching', offer: { transferId, root: new Uint8Array(32), totalBytes: CHUNK, files: [entry] }, sources: [src] })
  let settle: (how: string) => void = () => {}
  const ended = new Promise<string>((resolve) => { settle = resolve })
  await server.handle(CHUNKS_PROTOCOL, (s) => {
    s.addEventListener('close', (e) => { settle(e.error != null ? `aborted: ${e.error.message}` : 'closed') })
    void serveChunks(s, client.peerId.toString(), () => sender, () => {}, undefined, { idleMs: IDLE_MS })
  })
  const stream = await client.dialProtocol(server.getMultiaddrs()[0], CHUNKS_PROTOCOL)
  return { stream, transferId, ended }
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

describe('chunk stream idle limit', () => {
  it('a stream that asks for nothing is closed once the limit has passed', async () => {
    const { stream, ended } = await setup()
    const started = Date.now()
    const how = await ended
    expect(how).toMatch(/aborted: nothing asked for or taken/)
    expect(Date.now() - started).toBeGreaterThanOrEqual(IDLE_MS - 50)
    // the receiver's end hears of it (a reset)
    for (let i = 0; i < 100 && stream.status === 'open'; i++) await sleep(20)
    expect(stream.status).not.toBe('open')
  })

  it('a request served for longer than the limit to a receiver that takes it slowly is served to the end (before: cut off at the limit)', async () => {
    const { stream, transferId, ended } = await setup()
    let got = 0
    stream.addEventListener('message', (e) => { got += e.data.byteLength })
    await sendAll(stream, encodeChunkRequest({ transferId, fileIndex: 0, chunks: [0] }))
    // take what comes in short bursts: yamux grants the sender no window while the stream is paused
    const started = Date.now()
    for (let i = 0; i < 100 && got < CHUNK && Date.now() - started < 20_000; i++) {
      stream.pause()
      await sleep(IDLE_MS / 3)
      stream.resume()
      await sleep(5)
    }
    expect(Date.now() - started, 'serving took longer than the limit').toBeGreaterThan(IDLE_MS)
    expect(got, 'the whole chunk (and its header) arrived').toBeGreaterThan(CHUNK)
    expect(stream.status).toBe('open')
    // and once nothing more is asked for, the limit closes it
    expect(await ended).toMatch(/aborted: nothing asked for or taken/)
  })
})
