// Deciding, for one accepted offer, what the receiver must still fetch:
// files already in place (same content at the same path) are skipped, chunks
// already verified in a part file (resume) are kept, chunks found anywhere in
// the receive folder's index are copied locally (dedup), and the rest is
// queued for the network. Nothing is fetched that the receiver already has.

import { open, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { OfferFile } from '../protocol/transfer.ts'
import type { TransferStore } from '../store/index.ts'
import { Bitmap } from './bitmap.ts'
import { chunkRange } from './chunking.ts'
import type { ChunkSink } from './sink.ts'

export interface FileState {
  index: number
  entry: OfferFile
  partPath: string
  bitmap: Bitmap
  done: boolean
  dest?: string
}

export interface Plan { files: FileState[], queue: Array<{ file: number, chunk: number }>, haveBytes: number }

export async function planReceive (o: {
  transferId: string
  files: OfferFile[]
  receiveDir: string
  partDir: string
  store: TransferStore
  sink: ChunkSink
  signal?: AbortSignal
}): Promise<Plan> {
  const saved = o.store.files(o.transferId)
  const files: FileState[] = []
  const queue: Plan['queue'] = []
  let haveBytes = 0
  for (const [index, entry] of o.files.entries()) {
    o.signal?.throwIfAborted()
    const prev = saved.get(index)
    const fs: FileState = { index, entry, partPath: join(o.partDir, String(index)), bitmap: new Bitmap(entry.chunks.length, prev?.bitmap), done: prev?.done === true, dest: prev?.dest }
    files.push(fs)
    if (entry.kind === 'dir') continue
    if (fs.done) { haveBytes += entry.size; continue }
    if (await alreadyInPlace(o.receiveDir, entry, o.store)) {
      fs.done = true
      fs.dest = join(o.receiveDir, entry.path)
      haveBytes += entry.size
      continue
    }
    const resuming = await ensurePartFile(fs.partPath)
    for (let c = 0; c < entry.chunks.length; c++) {
      const { offset, length } = chunkRange(c, entry.size, entry.chunkSize)
      if (fs.bitmap.has(c)) { haveBytes += length; continue }
      if (await recover(o, fs, c, offset, length, resuming)) { fs.bitmap.set(c); haveBytes += length; continue }
      queue.push({ file: index, chunk: c })
    }
  }
  return { files, queue, haveBytes }
}

/** The same content already sits at the destination (indexed, and unchanged on disk since). */
async function alreadyInPlace (receiveDir: string, entry: OfferFile, store: TransferStore): Promise<boolean> {
  const path = join(receiveDir, entry.path)
  const known = store.indexedFile(path)
  if (known == null || known.size !== entry.size || Buffer.compare(known.fileRoot, entry.fileRoot) !== 0) return false
  const st = await stat(path).catch(() => undefined)
  return st != null && st.isFile() && st.size === entry.size && Math.floor(st.mtimeMs) === known.mtimeMs
}

/**
 * Create the part file if needed; true if it already held data (a resume).
 * Not preallocated: it grows as chunks land, so on resume a chunk past its
 * end is known missing without reading anything.
 */
async function ensurePartFile (path: string): Promise<boolean> {
  const fh = await open(path, 'a')
  try {
    return (await fh.stat()).size > 0
  } finally { await fh.close() }
}

/** A chunk not yet recorded: maybe already in the part file (killed before we recorded it), else in the dedup index. */
async function recover (o: { store: TransferStore, sink: ChunkSink }, fs: FileState, chunk: number, offset: number, length: number, resuming: boolean): Promise<boolean> {
  const hash = fs.entry.chunks[chunk]
  if (resuming) {
    try {
      await o.sink.verify(fs.partPath, offset, length, hash)
      return true
    } catch {}
  }
  for (const loc of o.store.findChunk(hash)) {
    if (loc.length !== length) continue
    try {
      await o.sink.copy(loc.path, loc.offset, fs.partPath, offset, length, hash)
      return true
    } catch {}
  }
  return false
}
