// A Receiver run against a real store, real part files and the real sink,
// with no peer: what a run cancelled in its plan leaves behind.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { streamPair } from '@libp2p/utils'
import { FerryError } from '../../src/errors.ts'
import type { EndMsg, OfferMsg } from '../../src/protocol/transfer.ts'
import { TransferStore, openDb, type Db } from '../../src/store/index.ts'
import { hash } from '../../src/transfer/blake3.js'
import { partDirFor } from '../../src/transfer/finalize.ts'
import { KeyedLock } from '../../src/transfer/keyed-lock.ts'
import { computeFileRoot } from '../../src/transfer/manifest-root.ts'
import { Receiver } from '../../src/transfer/receiver.ts'
import { Sender, serveChunks } from '../../src/transfer/sender.ts'
import { createChunkSink, type ChunkSink } from '../../src/transfer/sink.ts'
import { descriptorsOf } from '../helpers/files.ts'

const CHUNK = 256 * 1024
const ID = 'cd'.repeat(16)

let dir: string
let db: Db
let store: TransferStore
let sink: ChunkSink

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-receiver-'))
  db = openDb(join(dir, 'ferry.db'))
  store = new TransferStore(db)
  sink = createChunkSink()
})
afterEach(async () => { await sink.close(); db.close(); await rm(dir, { recursive: true, force: true }) })

describe('Receiver', () => {
  it('a run cancelled in its plan lets go of the part files the plan had opened (review finding: they stayed open in the sink, and a later receive of the same content after the part folder was removed wrote through them into the deleted files)', async () => {
    const [A, B] = [randomBytes(CHUNK), randomBytes(CHUNK)]
    const entry = (path: string, data: Buffer): OfferMsg['files'][number] => ({ path, kind: 'file', size: data.length, mtimeMs: 0, mode: 0o644, chunkSize: CHUNK, chunks: [hash(data)], fileRoot: new Uint8Array(32) })
    const offer: OfferMsg = { transferId: Buffer.from(ID, 'hex'), root: randomBytes(32), totalBytes: 2 * CHUNK, files: [entry('a.bin', A), entry('b.bin', B)] }
    const receiveDir = join(dir, 'received')
    const partDir = partDirFor(receiveDir, Buffer.from(offer.root).toString('hex'))
    await mkdir(partDir, { recursive: true })
    // a run before held file 0's chunk (not yet recorded): the plan opens that part file to check it
    await writeFile(join(partDir, '0'), A)
    store.insert({ id: ID, direction: 'receive', peerId: 'p', peerName: 'p', state: 'accepted', root: offer.root, offer: new Uint8Array(0), totalBytes: offer.totalBytes, doneBytes: 0, wireBytes: 0, receiptVerified: false, resumed: false, createdAt: 0 })
    let receiver: Receiver | undefined
    // the user cancels right after that check, while the plan goes on
    const cancelling: ChunkSink = {
      buffer: (n) => sink.buffer(n),
      write: async (...args) => { await sink.write(...args) },
      verify: async (...args) => {
        await sink.verify(...args)
        void receiver!.cancel('cancelled', false)
      },
      copy: async (...args) => { await sink.copy(...args) },
      sync: async (path) => { await sink.sync(path) },
      closeFile: async (...args) => { await sink.closeFile(...args) },
      close: async () => {}
    }
    receiver = new Receiver({
      store,
      sink: () => cancelling,
      openChunkStream: async () => { throw new Error('nothing is fetched: cancelled in the plan') },
      sendEnd: async () => {},
      sign: async () => new Uint8Array(64),
      changed: () => {},
      writeState: (id, patch) => { store.update(id, patch); return true },
      updateState: (id, patch) => { store.update(id, patch) },
      partDirs: new KeyedLock(),
      log: { debug: () => {}, info: () => {}, warn: () => {} }
    }, { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect(receiver.state).toBe('cancelled')
    expect(descriptorsOf(join(partDir, '0'))).toBe(0)
  })

  it('a chunk write that fails with an I/O error fails the receive with E_IO, and the sender is told E_IO (review finding: the failure was dropped, and both were told E_INTERNAL "incomplete after fetching")', async () => {
    const files: OfferMsg['files'] = []
    const sources: string[] = []
    await mkdir(join(dir, 'src'))
    for (let i = 0; i < 8; i++) {
      const data = randomBytes(8 * CHUNK)
      const src = join(dir, 'src', String(i))
      await writeFile(src, data)
      const chunks = Array.from({ length: 8 }, (_, c) => hash(data.subarray(c * CHUNK, (c + 1) * CHUNK)))
      files.push({ path: `f${i}.bin`, kind: 'file', size: data.length, mtimeMs: Math.floor((await stat(src)).mtimeMs), mode: 0o644, chunkSize: CHUNK, chunks, fileRoot: computeFileRoot(data.length, CHUNK, chunks) })
      sources.push(src)
    }
    const offer: OfferMsg = { transferId: Buffer.from(ID, 'hex'), root: randomBytes(32), totalBytes: files.reduce((n, f) => n + f.size, 0), files }
    const sender = new Sender({ id: ID, peerId: 'receiver', state: 'fetching', offer, sources })
    const receiveDir = join(dir, 'received')
    store.insert({ id: ID, direction: 'receive', peerId: 'p', peerName: 'p', state: 'accepted', root: offer.root, offer: new Uint8Array(0), totalBytes: offer.totalBytes, doneBytes: 0, wireBytes: 0, receiveDir, receiptVerified: false, resumed: false, createdAt: 0 })
    let writes = 0
    const failing: ChunkSink = {
      ...sink,
      buffer: (n) => sink.buffer(n),
      write: async (path, offset, buf, length, expected) => {
        // as a disk fails: on the thread pool, after the stream moved on
        if (++writes === 5) { await stat(path); throw new FerryError('E_IO', 'EIO: i/o error, write') }
        await sink.write(path, offset, buf, length, expected)
      }
    }
    const ends: EndMsg[] = []
    const receiver = new Receiver({
      store,
      sink: () => failing,
      openChunkStream: async () => { const [out, inbound] = await streamPair(); void serveChunks(inbound, 'receiver', () => sender, () => {}); return out },
      sendEnd: async (_peer, end) => { ends.push(end) },
      sign: async () => new Uint8Array(64),
      changed: () => {},
      writeState: (id, patch) => { store.update(id, patch); return true },
      updateState: (id, patch) => { store.update(id, patch) },
      partDirs: new KeyedLock(),
      log: { debug: () => {}, info: () => {}, warn: () => {} }
    }, { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect({ state: receiver.state, code: receiver.error?.code, told: ends[0]?.failure?.code }).toEqual({ state: 'failed', code: 'E_IO', told: 'E_IO' })
    expect(receiver.error?.message).toMatch(/i\/o error/)
  })
})
