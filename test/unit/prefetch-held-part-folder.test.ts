// What a receiver fetched ahead of an offer (prefetch.ts) goes into the part
// folder of the offer's content when one is there already: kept by an
// earlier receive of those files for a re-send. Not into one that another
// receive of the same content holds now (the same folder sent twice at
// once): those part files are that receive's, and a copy into one it was
// placing wrote into the placed file after its time had been set (a file of
// transfer.test.ts's folder sent twice at once had its mtime "now", once in
// four runs of the file). The receiver's Prefetches, fed by the sender's
// chunk server over in-memory stream pairs, as prefetch-finish-cut.test.ts.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { streamPair } from '@libp2p/utils'
import { encodeHashPart, encodePreview, sendAll, type OfferMsg } from '../../src/protocol/transfer.ts'
import type { Prefetches } from '../../src/transfer/receive/prefetch.ts'
import { KeyedLock } from '../../src/transfer/receive/keyed-lock.ts'
import { partFileOf } from '../../src/transfer/receive/receive-plan.ts'
import { partDirFor } from '../../src/transfer/folder/finalize.ts'
import { serveChunks } from '../../src/transfer/send/sender.ts'
import { createChunkSink, type ChunkSink } from '../../src/transfer/sink/sink.ts'
import { prefetchesInto, previewedFile } from '../helpers/prefetch.ts'

const MiB = 1024 * 1024
const SIZE = 4 * MiB
const ID = new Uint8Array(16).fill(9)
const ROOT = new Uint8Array(32).fill(3)

let dir: string
let sink: ChunkSink
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ferry-prefetch-held-')); sink = createChunkSink() })
afterEach(async () => { await sink.close(); await rm(dir, { recursive: true, force: true }) })

/** A prefetch of one file that fetched all of it, its offer made; the receive folder, and the lock of part folders the Prefetches share with the receives. */
async function fetchedAhead (): Promise<{ prefetches: Prefetches, offer: OfferMsg, receiveDir: string, partDirs: KeyedLock }> {
  const { src, entry, sender } = await previewedFile(dir, SIZE, ID)
  const offer: OfferMsg = { transferId: ID, root: ROOT, totalBytes: SIZE, files: [entry] }
  sender.offer = offer
  sender.sources = [src]
  sender.dropPreview()
  sender.state = 'offered'
  const receiveDir = join(dir, 'in')
  await mkdir(receiveDir)
  const partDirs = new KeyedLock()
  const prefetches = prefetchesInto(receiveDir, sink, async () => {
    const [out, inbound] = await streamPair()
    void serveChunks(inbound, 'receiver', () => sender, () => {})
    return out
  }, { partDirs })
  const [preview, previewIn] = await streamPair()
  const taking = prefetches.take(previewIn, 'sender')
  await sendAll(preview, encodePreview({ transferId: ID, totalBytes: SIZE, files: [entry] }))
  await sendAll(preview, encodeHashPart({ fileIndex: 0, firstChunk: 0, hashes: entry.chunks.bytes }))
  await preview.close()
  await taking
  return { prefetches, offer, receiveDir, partDirs }
}

describe('what was fetched ahead, at the offer, with a part folder of the same content there', () => {
  it('goes into its part files when no receive holds it (kept for a re-send)', async () => {
    const { prefetches, offer, receiveDir } = await fetchedAhead()
    const dest = partDirFor(receiveDir, Buffer.from(ROOT).toString('hex'))
    await mkdir(dest, { recursive: true })
    expect(await prefetches.handOver(Buffer.from(ID).toString('hex'), 'sender', offer)).toMatchObject({ wire: SIZE })
    await sink.closeFile(partFileOf(dest, 0), true)
    expect((await stat(partFileOf(dest, 0))).size).toBe(SIZE)
  })

  it('is dropped, not written into its part files, while another receive holds it', async () => {
    const { prefetches, offer, receiveDir, partDirs } = await fetchedAhead()
    const rootHex = Buffer.from(ROOT).toString('hex')
    const dest = partDirFor(receiveDir, rootHex)
    await mkdir(dest, { recursive: true })
    // the other receive's part file, with the time its placing gives it
    const theirs = partFileOf(dest, 0)
    await writeFile(theirs, '')
    await utimes(theirs, new Date(1_602_678_400_000), new Date(1_602_678_400_000))
    const release = await partDirs.acquire(rootHex)
    try {
      expect(await prefetches.handOver(Buffer.from(ID).toString('hex'), 'sender', offer)).toMatchObject({ wire: SIZE, verified: 0 })
      await sink.closeFile(theirs, true).catch(() => {})
      const st = await stat(theirs)
      expect({ size: st.size, mtimeMs: st.mtimeMs }).toEqual({ size: 0, mtimeMs: 1_602_678_400_000 })
      // and its own folder is gone: nothing of it is left to a sweep a day later
      expect((await readdir(join(receiveDir, '.ferry-part'))).filter((n) => n.startsWith('pre-'))).toEqual([])
    } finally { release() }
  })
})
