// A sender's preview (fetching ahead of the offer, preview-sender.ts) serves
// chunks by the preview's entries; the offer that follows may index its
// files otherwise (a file left out while hashing shifts the rest). What the
// preview's serving counted by index (files given up, served in part) must
// not be read against the offer's files: Sender.dropPreview lets it go.
//
// Driven here with the real chunk server (serveChunks) over an in-memory
// libp2p stream pair and the sender's own receipt wording (receiptSkipped),
// not with daemons: from outside, the preview's index and the offer's must
// differ (a file changed while hashed before one removed while fetched
// ahead) and the offer's file at that index then go without a reason of the
// offer's run, a timing two daemons do not give reliably.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { streamPair } from '@libp2p/utils'
import { FrameReader, encodeChunkRequest, readChunkHeader, sendAll, type OfferFile } from '../../src/protocol/transfer.ts'
import { hash } from '../../src/transfer/manifest/blake3.js'
import { chunkSizeFor } from '../../src/transfer/manifest/chunking.ts'
import { receiptSkipped } from '../../src/transfer/send/receipt-skipped.ts'
import { Sender, serveChunks } from '../../src/transfer/send/sender.ts'
import { toTransferInfo } from '../../src/transfer/snapshot.ts'
import type { TransferRow } from '../../src/store/index.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ferry-preview-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

const ID = new Uint8Array(16)

/** A file of one chunk, written, and its entry as the offer has it (with its hash) and as the preview has it (without). */
async function oneChunkFile (name: string): Promise<{ path: string, data: Buffer, offered: OfferFile, previewed: OfferFile }> {
  const path = join(dir, name)
  const data = randomBytes(1000)
  await writeFile(path, data)
  const offered: OfferFile = { path: name, kind: 'file', size: data.length, mtimeMs: Math.floor((await stat(path)).mtimeMs), mode: 0o644, chunkSize: chunkSizeFor(data.length), chunks: ChunkHashes.of([hash(data)]), fileRoot: new Uint8Array(32) }
  return { path, data, offered, previewed: { ...offered, chunks: ChunkHashes.NONE } }
}

/** One request for chunk 0 of `file` on a stream of its own, served by `sender` as the daemon counts it; the header and the bytes that came. */
async function ask (sender: Sender, file: number): Promise<{ error?: string, bytes: number }> {
  const [out, inbound] = await streamPair()
  const serving = serveChunks(inbound, 'receiver', () => sender, (s, f, n) => {
    // as the service counts what it served (send-serve.ts): a file given up is not in flight
    if (!s.givenUp.has(f)) s.served.set(f, (s.served.get(f) ?? 0) + n)
  })
  await sendAll(out, encodeChunkRequest({ transferId: ID, fileIndex: file, chunks: [0] }))
  const reader = new FrameReader(out)
  const h = await readChunkHeader(reader, AbortSignal.timeout(5000))
  if (h?.error == null && h != null) await reader.readInto(new Uint8Array(h.length), AbortSignal.timeout(5000))
  await out.close()
  await serving
  return { error: h?.error?.code, bytes: h?.length ?? 0 }
}

describe('Sender.dropPreview', () => {
  it('a file removed while the preview served it: once the offer is made, its reason is not said of the offer\'s file at the same index, which is served and shown in flight', async () => {
    // the preview's entries: x, p, q. x changes while hashed (left out of the offer), p is removed while fetched ahead
    const [x, p, q] = [await oneChunkFile('x.bin'), await oneChunkFile('p.bin'), await oneChunkFile('q.bin')]
    const sender = new Sender({ id: '00'.repeat(16), peerId: 'receiver', state: 'hashing', totalBytes: 3000 })
    sender.preview = { files: [x.previewed, p.previewed, q.previewed], sources: [x.path, p.path, q.path] }
    await rm(p.path)
    expect(await ask(sender, 1)).toEqual({ error: 'E_SOURCE_CHANGED', bytes: 0 })
    expect(sender.givenUp.get(1)?.why).toBe('removed since it was offered')

    // the offer: p and q (x left out while hashing), so q is entry 1, where the preview had p
    sender.offer = { transferId: ID, root: new Uint8Array(32), totalBytes: 2000, files: [p.offered, q.offered] }
    sender.sources = [p.path, q.path]
    sender.dropPreview()
    expect(sender.preview).toBeUndefined()

    // q is served by the offer, and counted in flight (a file given up is not)
    expect(await ask(sender, 1)).toEqual({ bytes: q.data.length })
    expect(sender.served.get(1)).toBe(q.data.length)
    // a receipt that goes without q, for a reason the receiver did not tell: not "removed", which was p's
    const { skipped } = receiptSkipped({ transferId: ID, status: 'done', root: new Uint8Array(32), signature: new Uint8Array(0) }, sender.offer.files, sender.sources, [1], (i) => sender.givenUp.get(i)?.why)
    expect(skipped).toEqual([{ path: q.path, reason: 'changed, removed or unreadable after it was offered; not received (send it again)', failed: true, code: 'E_SOURCE_CHANGED', notServed: true }])
  })

  it('what the preview served of a file is not shown in flight as the offer\'s file at the same index, before any of that one is served', async () => {
    // the preview's entries: x, p. x changes while hashed (left out of the offer); p is served in full by the preview
    const [x, p] = [await oneChunkFile('x.bin'), await oneChunkFile('p.bin')]
    const big = join(dir, 'big.bin')
    await writeFile(big, randomBytes(5000))
    const sender = new Sender({ id: '00'.repeat(16), peerId: 'receiver', state: 'hashing', totalBytes: 6000 })
    sender.preview = { files: [x.previewed, p.previewed], sources: [x.path, p.path] }
    expect(await ask(sender, 0)).toEqual({ bytes: x.data.length })

    // the offer: big and p (x left out while hashing): big is entry 0, where the preview had x, and none of it was served
    const bigEntry: OfferFile = { path: 'big.bin', kind: 'file', size: 5000, mtimeMs: 0, mode: 0o644, chunkSize: chunkSizeFor(5000), chunks: ChunkHashes.of([new Uint8Array(32)]), fileRoot: new Uint8Array(32) }
    sender.offer = { transferId: ID, root: new Uint8Array(32), totalBytes: 6000, files: [bigEntry, p.offered] }
    sender.sources = [big, p.path]
    sender.dropPreview()
    sender.state = 'fetching'
    const row: TransferRow = { id: sender.id, direction: 'send', peerId: 'receiver', peerName: 'beta', state: 'fetching', root: new Uint8Array(32), offer: new Uint8Array(0), totalBytes: 6000, doneBytes: 0, wireBytes: 0, receiptVerified: false, resumed: false, createdAt: 0 }
    expect(toTransferInfo({ row, sender, peerName: 'beta' }).inFlight).toEqual([])
  })
})
