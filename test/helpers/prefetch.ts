// What the prefetch unit tests (prefetch-finish-cut, prefetch-held-part-folder)
// set up alike: a file of random bytes with its chunk hashes, a sender
// hashing it with its preview open, and the receiver's Prefetches of one
// receive folder, each fed by the sender's real chunk server over in-memory
// stream pairs (their own `openChunkStream`).

import { randomBytes } from 'node:crypto'
import { stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Stream } from '@libp2p/interface'
import type { OfferFile } from '../../src/protocol/transfer.ts'
import { hash } from '../../src/transfer/manifest/blake3.js'
import { chunkCount, chunkRange, chunkSizeFor } from '../../src/transfer/manifest/chunking.ts'
import { Prefetches, type PrefetchDeps } from '../../src/transfer/receive/prefetch.ts'
import { Sender } from '../../src/transfer/send/sender.ts'
import type { ChunkSink } from '../../src/transfer/sink/sink.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

const quiet = { debug: () => {}, info: () => {}, warn: () => {} }

/** `dir`/src.bin of `size` random bytes, its offer entry (with its chunk hashes), and a sender of transfer `id` hashing it, its preview open (no hashes in it yet). */
export async function previewedFile (dir: string, size: number, id: Uint8Array): Promise<{ src: string, entry: OfferFile, sender: Sender }> {
  const data = randomBytes(size)
  const src = join(dir, 'src.bin')
  await writeFile(src, data)
  const chunkSize = chunkSizeFor(size)
  const chunks = ChunkHashes.of(Array.from({ length: chunkCount(size, chunkSize) }, (_, c) => { const r = chunkRange(c, size, chunkSize); return hash(data.subarray(r.offset, r.offset + r.length)) }))
  const entry: OfferFile = { path: 'src.bin', kind: 'file', size, mtimeMs: Math.floor((await stat(src)).mtimeMs), mode: 0o644, chunkSize, chunks, fileRoot: new Uint8Array(32) }
  const sender = new Sender({ id: Buffer.from(id).toString('hex'), peerId: 'receiver', state: 'hashing', totalBytes: size })
  sender.preview = { files: [{ ...entry, chunks: ChunkHashes.NONE }], sources: [src] }
  return { src, entry, sender }
}

/** The receiver's Prefetches into `receiveDir`: every preview taken and fitting, nothing held already, 2 chunk streams opened by `openChunkStream`; `more` adds or overrides deps (finishMs, partDirs). */
export function prefetchesInto (receiveDir: string, sink: ChunkSink, openChunkStream: () => Promise<Stream>, more: Partial<PrefetchDeps> = {}): Prefetches {
  return new Prefetches({
    receiveDir: () => receiveDir,
    wouldAccept: () => true,
    fits: async () => true,
    holds: () => false,
    sink: () => sink,
    openChunkStream,
    streams: 2,
    ended: () => {},
    log: quiet,
    ...more
  })
}
