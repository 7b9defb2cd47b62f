// A chunk stream the sender served a send's chunks on, ended before its
// receiver closed it, is a cut (serveChunks' onCut): what was on its way is
// asked for again, and the send is then counted resumed (send-serve.ts). A
// receiver done with a stream closes its end, then resets it: no cut. The
// real chunk server over an in-memory libp2p stream pair; the daemons'
// side of it is in test/integration/abuse.test.ts.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { streamPair } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { FrameReader, encodeChunkRequest, readChunkHeader, sendAll, type OfferFile } from '../../src/protocol/transfer.ts'
import { hash } from '../../src/transfer/manifest/blake3.js'
import { Sender, serveChunks } from '../../src/transfer/send/sender.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

const CHUNK = 256 * 1024
let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ferry-cut-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

/** A sender offering one file of two chunks; chunk 0 asked for and served on a stream pair; `end` ends the stream as the test says. Resolves to the sends onCut named. */
async function servedThenEnded (end: (out: Stream, inbound: Stream) => Promise<void>): Promise<Sender[]> {
  const data = randomBytes(2 * CHUNK)
  const src = join(dir, 'src.bin')
  await writeFile(src, data)
  const entry: OfferFile = { path: 'src.bin', kind: 'file', size: data.length, mtimeMs: Math.floor((await stat(src)).mtimeMs), mode: 0o644, chunkSize: CHUNK, chunks: ChunkHashes.of([hash(data.subarray(0, CHUNK)), hash(data.subarray(CHUNK))]), fileRoot: new Uint8Array(32) }
  const sender = new Sender({ id: '00'.repeat(16), peerId: 'receiver', state: 'fetching', offer: { transferId: new Uint8Array(16), root: new Uint8Array(32), totalBytes: data.length, files: [entry] }, sources: [src] })
  const [out, inbound] = await streamPair()
  const cut: Sender[] = []
  const serving = serveChunks(inbound, 'receiver', () => sender, () => {}, undefined, { onCut: (s) => { cut.push(s) } })
  await sendAll(out, encodeChunkRequest({ transferId: new Uint8Array(16), fileIndex: 0, chunks: [0] }))
  const reader = new FrameReader(out)
  const h = await readChunkHeader(reader, AbortSignal.timeout(5000))
  expect(h?.length).toBe(CHUNK)
  await reader.readInto(new Uint8Array(CHUNK), AbortSignal.timeout(5000))
  await end(out, inbound)
  await serving
  return cut
}

describe('serveChunks: a chunk stream cut', () => {
  it('reset by its receiver before it closed it: a cut of that send', async () => {
    const cut = await servedThenEnded(async (out) => { out.abort(new Error('link dropped (test)')) })
    expect(cut.map((s) => s.id)).toEqual(['00'.repeat(16)])
  })

  it('its connection gone under it with no error (a link can end its streams as cleanly as that): a cut all the same (a real drop between two daemons was not counted)', async () => {
    const cut = await servedThenEnded(async (_out, inbound) => { (inbound as unknown as { onTransportClosed: () => void }).onTransportClosed() })
    expect(cut).toHaveLength(1)
  })

  it('closed by its receiver, then reset (as fetch.ts ends a stream it is done with): no cut', async () => {
    const cut = await servedThenEnded(async (out) => {
      await out.close()
      out.abort(new Error('all chunks asked for on this stream are in'))
    })
    expect(cut).toEqual([])
  })
})
