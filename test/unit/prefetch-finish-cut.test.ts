// A receiver fetching ahead of an offer (prefetch.ts) stops when the offer
// comes, reads what it asked for a while (FINISH_MS), then lets go of the
// rest: those chunks are fetched by the offer's plan, and the bytes that
// crossed for nothing are said as "fetched ahead of the offer and not used".
// That is no interruption of the send: the sender's chunk server must not
// count those streams cut (serveChunks' onCut, which marks the send resumed
// at its next chunk: send-serve.ts). Before, the prefetch reset them without
// closing them first, and a send on a slow link was marked resumed for it.
//
// Both sides' real code: the receiver's Prefetches, and the sender's
// serveChunks over in-memory libp2p stream pairs slowed to a link of about
// 640 KB/s per stream (a delay of 100 ms per 64 KiB message), not two daemons: the prefetch's
// requests must reach the sender after its offer is made and still be on
// their way when the prefetch lets go, a timing daemons on loopback do not give.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { streamPair } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { encodeHashPart, encodePreview, sendAll, type OfferFile } from '../../src/protocol/transfer.ts'
import type { Prefetches } from '../../src/transfer/receive/prefetch.ts'
import { Sender, serveChunks } from '../../src/transfer/send/sender.ts'
import { createChunkSink, type ChunkSink } from '../../src/transfer/sink/sink.ts'
import { prefetchesInto, previewedFile } from '../helpers/prefetch.ts'

const MiB = 1024 * 1024
const SIZE = 8 * MiB
const ID = new Uint8Array(16).fill(7)

let dir: string
let sink: ChunkSink
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ferry-prefetch-cut-')); sink = createChunkSink() })
afterEach(async () => { await sink.close(); await rm(dir, { recursive: true, force: true }) })

interface Run {
  sender: Sender
  /** the sends the chunk server named cut, one per stream that ended so */
  cut: Sender[]
  prefetches: Prefetches
  /** the preview stream's sending end (the sender's side) */
  preview: Stream
  /** the offer's entry, with its hashes */
  entry: OfferFile
  /** resolves at the first chunk request the sender reads */
  firstRequest: Promise<void>
  /** every chunk stream served so far, ended or not */
  serving: Array<Promise<void>>
  taking: Promise<void>
}

/** A sender hashing one 8 MiB file with its preview open, and a receiver's Prefetches reading that preview; chunk streams over pairs with `delay` ms per 64 KiB message. */
async function setUp (delay: number, finishMs: number): Promise<Run> {
  const { entry, sender } = await previewedFile(dir, SIZE, ID)
  const cut: Sender[] = []
  const serving: Array<Promise<void>> = []
  let asked: () => void = () => {}
  const firstRequest = new Promise<void>((resolve) => { asked = resolve })
  const receiveDir = join(dir, 'in')
  await mkdir(receiveDir)
  const prefetches = prefetchesInto(receiveDir, sink, async () => {
    const [out, inbound] = await streamPair({ delay })
    serving.push(serveChunks(inbound, 'receiver', () => { asked(); return sender }, () => {}, undefined, { onCut: (s) => { cut.push(s) } }))
    return out
  }, { finishMs })
  const [preview, previewIn] = await streamPair()
  const taking = prefetches.take(previewIn, 'sender')
  await sendAll(preview, encodePreview({ transferId: ID, totalBytes: SIZE, files: [entry] }))
  return { sender, cut, prefetches, preview, entry, firstRequest, serving, taking }
}

/** The sender's offer made (hashing over): from now on its chunks are served as the offer's (sender.ts, byPreview). */
function offerMade (r: Run): void {
  r.sender.offer = { transferId: ID, root: new Uint8Array(32), totalBytes: SIZE, files: [r.entry] }
  r.sender.sources = r.sender.preview!.sources
  r.sender.dropPreview()
  r.sender.state = 'offered'
}

describe('a prefetch letting go of its chunk streams', () => {
  it('at the offer, chunks asked for still on their way after the wait on a slow link: the streams are not counted cut, the send not resumed for it', async () => {
    // 640 KB/s per stream: the 2 MiB each stream asked for take ~3.2 s, the wait for them is 1 s
    const r = await setUp(100, 1000)
    await sendAll(r.preview, encodeHashPart({ fileIndex: 0, firstChunk: 0, hashes: r.entry.chunks.bytes }))
    await r.firstRequest
    // the offer is made while the prefetch fetches: requests read from now on carry the offer's chunks
    offerMade(r)
    await r.preview.close()
    const started = Date.now()
    await r.prefetches.finish(Buffer.from(ID).toString('hex'), 'sender')
    // it did wait and let go (the link is too slow for all of it in time), not end with all of it in
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    await r.taking
    await Promise.all(r.serving)
    expect(r.serving.length).toBeGreaterThan(0)
    expect(r.cut.map((s) => s.id)).toEqual([])
  })

  it('ended in the normal way (all it asked for came, the preview over): not counted cut either', async () => {
    const r = await setUp(0, 10_000)
    // the offer made first: every chunk the prefetch asks for is served as the offer's
    offerMade(r)
    await sendAll(r.preview, encodeHashPart({ fileIndex: 0, firstChunk: 0, hashes: r.entry.chunks.bytes }))
    await r.preview.close()
    await r.taking // the prefetch over: all fetched, its streams ended, the preview stream aborted ('prefetch over')
    await Promise.all(r.serving)
    expect(r.serving.length).toBeGreaterThan(0)
    expect(r.cut).toEqual([])
  })
})
