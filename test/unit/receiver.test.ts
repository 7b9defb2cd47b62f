// A Receiver run against a real store, real part files and the real sink,
// with no peer: what a run cancelled in its plan leaves behind.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir, userInfo } from 'node:os'
import { basename, join } from 'node:path'
import { streamPair } from '@libp2p/utils'
import { FerryError, toFerryError } from '../../src/errors.ts'
import type { Stream } from '@libp2p/interface'
import { FrameReader, encodeChunkHeader, readChunkRequest, sendAll, type EndMsg, type OfferMsg } from '../../src/protocol/transfer.ts'
import { TransferStore, openDb, type Db } from '../../src/store/index.ts'
import { hash } from '../../src/transfer/manifest/blake3.js'
import { partDirFor } from '../../src/transfer/folder/finalize.ts'
import { KeyedLock } from '../../src/transfer/receive/keyed-lock.ts'
import { KeyedSemaphore } from '../../src/transfer/receive/keyed-semaphore.ts'
import { computeFileRoot } from '../../src/transfer/manifest/manifest-root.ts'
import { Bitmap } from '../../src/transfer/bitmap.ts'
import { makePartFolder } from '../../src/transfer/receive/part-folders.ts'
import { Spool } from '../../src/transfer/receive/spool.ts'
import { existsSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs'
import { planReceive } from '../../src/transfer/receive/receive-plan.ts'
import { receiptSkipped } from '../../src/transfer/send/receipt-skipped.ts'
import { Receiver, type ReceiverDeps } from '../../src/transfer/receive/receiver.ts'
import { KEEPALIVE_MS } from '../../src/transfer/receive/progress-report.ts'
import { Sender, serveChunks } from '../../src/transfer/send/sender.ts'
import { createChunkSink, type ChunkSink } from '../../src/transfer/sink/sink.ts'
import { folderIdOf } from '../../src/transfer/folder/safe-path.ts'
import { descriptorsOf } from '../helpers/files.ts'
import { Receives } from '../../src/transfer/receive/receives.ts'
import type { TransferContext } from '../../src/transfer/context.ts'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CHUNKS_PROTOCOL } from '../../src/protocol/constants.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

/**
 * a folder links into which fail as for a folder of another user's (the tests run as root, which permission bits
 * let through); `mkdir`: folders made right in it fail so too (a folder the placing makes, not there yet)
 */
const lockedFolder = vi.hoisted(() => ({ path: undefined as string | undefined, alone: false, mkdir: false }))
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  const linkSync = ((from: string, to: string) => {
    if (lockedFolder.path !== undefined && to.startsWith(`${lockedFolder.path}/`) && (!lockedFolder.alone || !to.slice(lockedFolder.path.length + 1).includes('/'))) throw Object.assign(new Error(`EACCES: permission denied, link '${from}' -> '${to}'`), { code: 'EACCES', errno: -13 })
    fs.linkSync(from, to)
  }) as typeof fs.linkSync
  const mkdirSync = ((path: string, options?: Parameters<typeof fs.mkdirSync>[1]) => {
    if (lockedFolder.mkdir && lockedFolder.path !== undefined && fs.realpathSync(`${path}/..`) === fs.realpathSync(lockedFolder.path)) throw Object.assign(new Error(`EACCES: permission denied, mkdir '${path}'`), { code: 'EACCES', errno: -13, syscall: 'mkdir', path })
    return fs.mkdirSync(path, options)
  }) as typeof fs.mkdirSync
  return { ...fs, linkSync, mkdirSync, default: { ...fs, linkSync, mkdirSync } }
})

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

/** A receiver's dependencies: the real store, `sinkOf`'s sink, no peer unless `open` is given; the ends it sends go to `ends`. */
function depsWith (sinkOf: () => ChunkSink, ends: EndMsg[], open: ReceiverDeps['openChunkStream'] = async () => { throw new FerryError('E_PEER_UNREACHABLE', 'the sender is away') }): ReceiverDeps {
  return {
    store,
    sink: sinkOf,
    openChunkStream: open,
    sendEnd: async (_peer, end) => { ends.push(end) },
    sign: async () => new Uint8Array(64),
    changed: () => {},
    writeState: (id, patch) => { store.update(id, patch); return true },
    updateState: (id, patch) => { store.update(id, patch) },
    partDirs: new KeyedLock(),
    log: { debug: () => {}, info: () => {}, warn: () => {} }
  }
}

/**
 * An offer of `files` (made in a source folder), served by a real chunk
 * server over in-memory streams (`serving`), and its receive's row; the
 * receive folder is made, as an offer's admission makes it.
 */
async function servedOffer (files: Array<{ path: string, data: Buffer }>, lookup: (s: Sender) => Sender = (s) => s): Promise<{ offer: OfferMsg, receiveDir: string, serving: ReceiverDeps['openChunkStream'], sender: Sender }> {
  const entries: OfferMsg['files'] = []
  const sources: string[] = []
  await mkdir(join(dir, 'src'))
  for (const [i, f] of files.entries()) {
    const src = join(dir, 'src', String(i))
    await writeFile(src, f.data)
    const n = Math.ceil(f.data.length / CHUNK)
    const chunks = ChunkHashes.of(Array.from({ length: n }, (_, c) => hash(f.data.subarray(c * CHUNK, (c + 1) * CHUNK))))
    entries.push({ path: f.path, kind: 'file', size: f.data.length, mtimeMs: Math.floor((await stat(src)).mtimeMs), mode: 0o644, chunkSize: CHUNK, chunks, fileRoot: computeFileRoot(f.data.length, CHUNK, chunks) })
    sources.push(src)
  }
  const offer: OfferMsg = { transferId: Buffer.from(ID, 'hex'), root: randomBytes(32), totalBytes: entries.reduce((n, f) => n + f.size, 0), files: entries }
  const sender = new Sender({ id: ID, peerId: 'receiver', state: 'fetching', offer, sources })
  const receiveDir = join(dir, 'received')
  await mkdir(receiveDir)
  store.insert({ id: ID, direction: 'receive', peerId: 'p', peerName: 'p', state: 'accepted', root: offer.root, offer: new Uint8Array(0), totalBytes: offer.totalBytes, doneBytes: 0, wireBytes: 0, receiveDir, receiptVerified: false, resumed: false, createdAt: 0 })
  const serving = async (): Promise<Stream> => { const [out, inbound] = await streamPair(); void serveChunks(inbound, 'receiver', () => lookup(sender), () => {}); return out }
  return { offer, receiveDir, serving, sender }
}

/**
 * Run a receive to its end while links into `folder` fail as for another user's folder (`alone`: only links
 * to its own top, not into its folders); the ends it sends to its sender are returned.
 */
async function receiveWithLocked (folder: string, served: { offer: OfferMsg, receiveDir: string, serving: ReceiverDeps['openChunkStream'] }, alone = false, mkdir = false): Promise<EndMsg[]> {
  const ends: EndMsg[] = []
  lockedFolder.path = folder
  lockedFolder.alone = alone
  lockedFolder.mkdir = mkdir
  try {
    const receiver = new Receiver(depsWith(() => sink, ends, served.serving), { id: ID, peerId: 'p', offer: served.offer, receiveDir: served.receiveDir, state: 'accepted' })
    await receiver.run()
    expect(receiver.state, receiver.error?.message).toBe('done')
  } finally { lockedFolder.path = undefined; lockedFolder.alone = false; lockedFolder.mkdir = false }
  return ends
}

/** A receive of 4 files run to its end, its sender cancelling once 6 requests came: its chunk server answers E_CANCELLED in `words`. */
async function cancelledAfterSix (words: string): Promise<{ receiver: Receiver, offer: OfferMsg, receiveDir: string }> {
  let asked = 0
  const { offer, receiveDir, serving } = await servedOffer(Array.from({ length: 4 }, (_, i) => ({ path: `f${i}.bin`, data: randomBytes(8 * CHUNK) })), (s) => {
    if (++asked > 6) throw new FerryError('E_CANCELLED', words)
    return s
  })
  const receiver = new Receiver(depsWith(() => sink, [], serving), { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
  await receiver.run()
  return { receiver, offer, receiveDir }
}

/** The sink, but its `failAt`th write fails with `err()`: as a disk fails, on the thread pool, after the stream moved on. */
/**
 * A receive of 8 files of 8 chunks whose chunk writes fail with `err` at the 5th write, then at the `n`th of each run
 * after `failAt(n)`; the disk has room when it is looked at (what filled it was removed meanwhile, or a quota).
 */
async function fullWithRoomShown (err: () => FerryError): Promise<{ receiver: Receiver, ends: EndMsg[], failAt: (n: number) => void }> {
  const { offer, receiveDir, serving } = await servedOffer(Array.from({ length: 8 }, (_, i) => ({ path: `f${i}.bin`, data: randomBytes(8 * CHUNK) })))
  let current = failingAt(5, err)
  const ends: EndMsg[] = []
  const receiver = new Receiver({ ...depsWith(() => current, ends, serving), roomShortage: async () => undefined }, { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
  return { receiver, ends, failAt: (n) => { current = failingAt(n, err) } }
}

function failingAt (failAt: number, err: () => FerryError): ChunkSink {
  let writes = 0
  return {
    ...sink,
    buffer: async (n) => await sink.buffer(n),
    discard: (b) => { sink.discard(b) },
    write: async (path, offset, buf, length, expected) => {
      if (++writes === failAt) { await stat(path); throw err() }
      await sink.write(path, offset, buf, length, expected)
    }
  }
}

describe('Receiver', () => {
  it('a file kept under a "keep both" name never takes a name the transfer itself uses: "a" next to the person\'s folder "a" becomes "a (2)", as "a (1)/x" of the same transfer needs "a (1)" (review finding: it failed after all bytes had come)', async () => {
    // "a" small, so it is placed first, while "a (1)/x" still arrives
    const a = randomBytes(100)
    const x = randomBytes(3 * CHUNK)
    const { offer, receiveDir, serving } = await servedOffer([{ path: 'a', data: a }, { path: 'a (1)/x', data: x }])
    await mkdir(join(receiveDir, 'a')) // the person's own folder
    const ends: EndMsg[] = []
    const receiver = new Receiver(depsWith(() => sink, ends, serving), { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect(receiver.state, receiver.error?.message).toBe('done')
    expect((await readFile(join(receiveDir, 'a (2)'))).equals(a)).toBe(true)
    expect((await readFile(join(receiveDir, 'a (1)', 'x'))).equals(x)).toBe(true)
  })

  it('a file that cannot be placed for want of permission in its folder (the check of the offer found nothing, or it goes next to a file of that name as "name (1)") is received without, told in the receipt with why; the rest arrives (user-test finding: the receive failed whole, "EACCES: permission denied, link \'…/.ferry-part/…\'")', async () => {
    const locked = randomBytes(100)
    const free = randomBytes(2 * CHUNK)
    const served = await servedOffer([{ path: 'locked/a.txt', data: locked }, { path: 'free.bin', data: free }])
    const { receiveDir } = served
    await mkdir(join(receiveDir, 'locked'))
    await writeFile(join(receiveDir, 'locked', 'a.txt'), 'the person\'s own a.txt\n')
    const ends = await receiveWithLocked(join(receiveDir, 'locked'), served)
    expect((await readFile(join(receiveDir, 'free.bin'))).equals(free)).toBe(true)
    expect(await readdir(join(receiveDir, 'locked'))).toEqual(['a.txt'])
    expect(ends).toHaveLength(1)
    expect(new Bitmap(2, ends[0].missing).has(0)).toBe(true)
    expect(ends[0].refused).toEqual([{ entry: 0, reason: `"locked" in the receive folder is not writable by the user the daemon runs as (${userInfo().username})`, under: 'locked', code: 'E_IO' }])
  })

  it('a folder that stops taking files while they arrive (chmod 555 mid-transfer) is told once for all its files not placed, so the sender gives each the reason, not the first 20 alone (helper finding: of 118 files, 107 read "its reason not told", "changed, removed or unreadable after it was offered")', async () => {
    const files = Array.from({ length: 30 }, (_, i) => ({ path: `roll/sub/IMG_${String(i).padStart(2, '0')}.jpg`, data: randomBytes(100 + i) }))
    const served = await servedOffer([...files, { path: 'roll/free.bin', data: randomBytes(100) }])
    const { offer, receiveDir } = served
    await mkdir(join(receiveDir, 'roll', 'sub'), { recursive: true })
    const ends = await receiveWithLocked(join(receiveDir, 'roll', 'sub'), served)
    const reason = `"roll/sub" in the receive folder is not writable by the user the daemon runs as (${userInfo().username})`
    expect(ends[0].refused).toEqual([{ entry: 0, reason, under: 'roll/sub', code: 'E_IO' }])
    // as the sender reads it: every file gets the reason
    const { skipped } = receiptSkipped(ends[0], offer.files, offer.files.map((f) => `/home/me/${f.path}`), files.map((_, i) => i), () => undefined)
    expect(skipped).toHaveLength(30)
    for (const s of skipped) expect(s).toMatchObject({ reason: `refused by the receiver: ${reason}`, refused: true })
  })

  it('a folder made read-only while its files arrive, whose own folder inside still takes files, is told for its own files alone: the sender neither lists that folder, received whole, as refused nor gives a file there not received the reason (review finding: under "roll" made every entry below it refused at the sender, "roll/sub" too)', async () => {
    const files = [{ path: 'roll/t1.jpg', data: randomBytes(100) }, { path: 'roll/t2.jpg', data: randomBytes(120) }, { path: 'roll/sub/a.jpg', data: randomBytes(140) }, { path: 'roll/sub/b.jpg', data: randomBytes(160) }]
    const served = await servedOffer(files)
    const { offer, receiveDir } = served
    for (const path of ['roll', 'roll/sub']) offer.files.push({ path, kind: 'dir', size: 0, mtimeMs: 1_700_000_000_000, mode: 0o755, chunkSize: 0, chunks: ChunkHashes.NONE, fileRoot: new Uint8Array(32) })
    await mkdir(join(receiveDir, 'roll', 'sub'), { recursive: true })
    // links into "roll" itself fail, not into "roll/sub"
    const ends = await receiveWithLocked(join(receiveDir, 'roll'), served, true)
    expect(await readdir(join(receiveDir, 'roll', 'sub'))).toEqual(['a.jpg', 'b.jpg'])
    const missing = new Bitmap(offer.files.length, ends[0].missing)
    const notReceived = offer.files.flatMap((_, i) => missing.has(i) ? [i] : [])
    expect(notReceived.map((i) => offer.files[i].path)).toEqual(['roll/t1.jpg', 'roll/t2.jpg'])
    const reason = `"roll" in the receive folder is not writable by the user the daemon runs as (${userInfo().username})`
    const sources = offer.files.map((f) => `/home/me/${f.path}`)
    const { skipped } = receiptSkipped(ends[0], offer.files, sources, notReceived, () => undefined)
    expect(skipped.map((s) => s.path)).toEqual(['/home/me/roll/t1.jpg', '/home/me/roll/t2.jpg'])
    for (const s of skipped) expect(s).toMatchObject({ reason: `refused by the receiver: ${reason}`, refused: true })
    // a file of "roll/sub" the receipt said was not received (changed at the sender, say) is not said to be refused for "roll"
    const other = receiptSkipped(ends[0], offer.files, sources, [...notReceived, 2], () => undefined).skipped
    expect(other.find((s) => s.path === '/home/me/roll/sub/a.jpg')?.reason).not.toMatch(/^refused by the receiver: /)
  })

  it('the receive folder itself made read-only while files arrive at its top: told once for it (under "."), so the sender gives each file there the reason, not the first 20 alone (helper finding: of 45 photos sent by name, 32 read "its reason not told")', async () => {
    const files = Array.from({ length: 30 }, (_, i) => ({ path: `IMG_${String(i).padStart(2, '0')}.jpg`, data: randomBytes(100 + i) }))
    const served = await servedOffer([...files, { path: 'album/kept.jpg', data: randomBytes(100) }])
    const { offer, receiveDir } = served
    await mkdir(join(receiveDir, 'album'))
    // links into the receive folder itself fail, not into its folders
    const ends = await receiveWithLocked(receiveDir, served, true)
    const reason = `the receive folder is not writable by the user the daemon runs as (${userInfo().username})`
    expect(ends[0].refused).toEqual([{ entry: 0, reason, under: '.', code: 'E_IO' }])
    const { skipped } = receiptSkipped(ends[0], offer.files, offer.files.map((f) => `/home/me/${f.path}`), files.map((_, i) => i), () => undefined)
    expect(skipped).toHaveLength(30)
    for (const s of skipped) expect(s).toMatchObject({ reason: `refused by the receiver: ${reason}`, refused: true })
    // a file in a folder of it not received is not said to be refused for the receive folder
    const other = receiptSkipped(ends[0], offer.files, offer.files.map((f) => `/home/me/${f.path}`), [30], () => undefined).skipped
    expect(other[0].reason).not.toMatch(/^refused by the receiver: /)
  })

  it('the receive folder made read-only while an offer\'s folders are not made there yet: its files are refused for the receive folder, the folder that could not take the new one, not for their own folders, which are not there (user-test finding: "\\"s6/sub\\" in the receive folder is not writable", where no s6 was)', async () => {
    const files = Array.from({ length: 3 }, (_, i) => ({ path: `s6/sub/f${i}.bin`, data: randomBytes(100 + i) }))
    const served = await servedOffer([...files, { path: 'album/kept.jpg', data: randomBytes(100) }])
    const { receiveDir } = served
    await mkdir(join(receiveDir, 'album'))
    // links into the receive folder's top, and folders made there, fail; "album" still takes its file
    const ends = await receiveWithLocked(receiveDir, served, true, true)
    expect(await readdir(receiveDir)).not.toContain('s6')
    expect(await readdir(join(receiveDir, 'album'))).toEqual(['kept.jpg'])
    const reason = `the receive folder is not writable by the user the daemon runs as (${userInfo().username})`
    expect(ends[0].refused).toEqual([{ entry: 0, reason, under: 's6/sub', code: 'E_IO' }])
  })

  it('a folder of the offer swapped for a symbolic link, or for a file, after the offer was checked (while its files arrive) refuses its files alone, told once for the folder; nothing is written through the link and the rest arrives (helper finding: the receive failed whole with E_INTERNAL "Cannot read properties of undefined (reading \'code\')")', async () => {
    const { offer, receiveDir, serving } = await servedOffer([
      { path: 'album/x.jpg', data: randomBytes(100) }, { path: 'album/y.jpg', data: randomBytes(2 * CHUNK) },
      { path: 'notes/n.txt', data: randomBytes(50) }, { path: 'notes/m.txt', data: randomBytes(2 * CHUNK) }, { path: 'keep/a.bin', data: randomBytes(CHUNK + 1) }
    ])
    // the folders as entries too (a folder sent is), placed (given their time) once every file is in
    for (const path of ['album', 'notes']) offer.files.push({ path, kind: 'dir', size: 0, mtimeMs: 1_700_000_000_000, mode: 0o755, chunkSize: 0, chunks: ChunkHashes.NONE, fileRoot: new Uint8Array(32) })
    const outside = join(dir, 'outside')
    await mkdir(outside)
    // the person's folders the offer lands in; before the second file of each is placed (its part file flushed, the
    // first one placed), the folder is put aside and a link, or a file, takes its name
    await mkdir(join(receiveDir, 'album'))
    await mkdir(join(receiveDir, 'notes'))
    const placed = async (path: string): Promise<void> => {
      for (let i = 0; i < 200 && !existsSync(path); i++) await new Promise((resolve) => setTimeout(resolve, 10))
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const swaps = new Map<string, () => Promise<void>>([
      ['1', async () => { await placed(join(receiveDir, 'album', 'x.jpg')); renameSync(join(receiveDir, 'album'), join(dir, 'album-aside')); symlinkSync(outside, join(receiveDir, 'album')) }],
      ['3', async () => { await placed(join(receiveDir, 'notes', 'n.txt')); renameSync(join(receiveDir, 'notes'), join(dir, 'notes-aside')); writeFileSync(join(receiveDir, 'notes'), 'a file of the person\'s\n') }]
    ])
    const swapping = new Proxy(sink, {
      get (target, key) {
        if (key === 'closeFile') return async (path: string, flush: boolean) => { if (flush) await swaps.get(basename(path))?.(); await target.closeFile(path, flush) }
        const v = Reflect.get(target, key) as unknown
        return typeof v === 'function' ? v.bind(target) : v
      }
    })
    const ends: EndMsg[] = []
    const receiver = new Receiver(depsWith(() => swapping, ends, serving), { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect(receiver.state, receiver.error?.message).toBe('done')
    expect(await readdir(outside)).toEqual([])
    expect(await readFile(join(receiveDir, 'notes'), 'utf8')).toBe('a file of the person\'s\n')
    expect(await readdir(join(receiveDir, 'keep'))).toEqual(['a.bin'])
    expect([await readdir(join(dir, 'album-aside')), await readdir(join(dir, 'notes-aside'))]).toEqual([['x.jpg'], ['n.txt']])
    expect([0, 1, 2, 3, 4].filter((i) => new Bitmap(7, ends[0].missing).has(i))).toEqual([1, 3])
    expect(ends[0].refused).toEqual([
      { entry: 1, reason: '"album" is a symbolic link in the receive folder', under: 'album', code: 'E_PATH_UNSAFE' },
      { entry: 3, reason: '"notes" in the receive folder is no longer a folder (something else took its name while the transfer ran)', under: 'notes', code: 'E_PATH_UNSAFE' }
    ])
  })

  it('a receive whose one file was removed on the sender fails saying so, without telling to send it again "once it has stopped changing" (user-test finding: said of a file deleted mid-send)', async () => {
    const { offer, receiveDir, serving } = await servedOffer([{ path: 'gone.bin', data: randomBytes(2 * CHUNK) }])
    await rm(join(dir, 'src', '0'))
    const receiver = new Receiver(depsWith(() => sink, [], serving), { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect(receiver.state).toBe('failed')
    expect(receiver.error).toMatchObject({ code: 'E_SOURCE_CHANGED', message: 'the file could not be received: sender: gone.bin was removed since it was offered' })
  })

  it('a receive waiting its turn behind other receives from its sender names the sender: "from this device" read, on the receiving device, as the receives of that device itself (found using the TUI: "4 other receives from this device are under way" on the receiver)', async () => {
    const { offer, receiveDir, serving } = await servedOffer([{ path: 'a.bin', data: randomBytes(CHUNK) }])
    const runs = new KeyedSemaphore(1)
    const release = await runs.acquire('p')
    const receiver = new Receiver({ ...depsWith(() => sink, [], serving), peerRuns: runs, peerName: () => 'beta' }, { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    const ran = receiver.run()
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(receiver.state).toBe('waiting')
    expect(receiver.error).toMatchObject({ code: 'E_LIMIT', message: 'waiting its turn: 1 other receive from beta is under way, 1 at most at once from one device' })
    release()
    await ran
    expect(receiver.state).toBe('done')
  })

  it('a receive waiting for another receive of the same files (the same folder sent twice at once: they share one part folder) says so, not as it last stood or "waiting its turn" behind other receives (review leftover); and tells its sender it waits its turn (user-test finding: that send showed "transferring, 0 B/s" until its next probe, 10 s on)', async () => {
    const { offer, receiveDir, serving } = await servedOffer([{ path: 'a.bin', data: randomBytes(CHUNK) }])
    const toldTurn: string[] = []
    const deps: ReceiverDeps = { ...depsWith(() => sink, [], serving), peerName: () => 'beta', tellTurn: (r) => { toldTurn.push(r.id) } }
    const release = await deps.partDirs.acquire(Buffer.from(offer.root).toString('hex'))
    const receiver = new Receiver(deps, { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    const ran = receiver.run()
    await vi.waitFor(() => { expect(receiver.state).toBe('waiting') })
    expect(receiver.error).toMatchObject({ code: 'E_LIMIT', message: 'waiting for another receive of the same files under way here: it goes on once that one has ended' })
    expect(toldTurn).toEqual([ID])
    release()
    await ran
    expect(receiver.state).toBe('done')
  })

  /** A chunk server that answers every chunk asked for with E_SOURCE_CHANGED in `words`, and `notServed` as the reason it tells (none: a sender from before the field). */
  function refusing (words: string, notServed?: 'changed' | 'removed' | 'unreadable'): ReceiverDeps['openChunkStream'] {
    return async () => {
      const [out, inbound] = await streamPair()
      void (async () => {
        const reader = new FrameReader(inbound)
        for (let req = await readChunkRequest(reader).catch(() => undefined); req != null; req = await readChunkRequest(reader).catch(() => undefined)) {
          for (const chunk of req.chunks) await sendAll(inbound, encodeChunkHeader({ fileIndex: req.fileIndex, chunk, length: 0, error: new FerryError('E_SOURCE_CHANGED', words), notServed }))
        }
      })()
      return out
    }
  }

  it('a file the sender says was removed is told by the reason on the wire, not by its words: no "once it has stopped changing", whatever the sender wrote (the text was matched before)', async () => {
    const { offer, receiveDir } = await servedOffer([{ path: 'gone.bin', data: randomBytes(CHUNK) }])
    const receiver = new Receiver(depsWith(() => sink, [], refusing('gone.bin: deleted on the sending device', 'removed')), { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect(receiver.error).toMatchObject({ code: 'E_SOURCE_CHANGED', message: 'the file could not be received: sender: gone.bin: deleted on the sending device' })
  })

  it('a sender that tells no reason (one from before the field) is not taken at its words: the receive fails with the hint to send again once the file stopped changing, also for its "was removed since it was offered"', async () => {
    const { offer, receiveDir } = await servedOffer([{ path: 'gone.bin', data: randomBytes(CHUNK) }])
    const receiver = new Receiver(depsWith(() => sink, [], refusing('gone.bin was removed since it was offered')), { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect(receiver.error).toMatchObject({ code: 'E_SOURCE_CHANGED', message: 'the file could not be received: sender: gone.bin was removed since it was offered; send it again once it has stopped changing' })
  })

  it('a run cancelled in its plan lets go of the part files the plan had opened (review finding: they stayed open in the sink, and a later receive of the same content after the part folder was removed wrote through them into the deleted files)', async () => {
    const [A, B] = [randomBytes(CHUNK), randomBytes(CHUNK)]
    const entry = (path: string, data: Buffer): OfferMsg['files'][number] => ({ path, kind: 'file', size: data.length, mtimeMs: 0, mode: 0o644, chunkSize: CHUNK, chunks: ChunkHashes.of([hash(data)]), fileRoot: new Uint8Array(32) })
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
      buffer: async (n) => await sink.buffer(n),
      discard: (b) => { sink.discard(b) },
      write: async (...args) => { await sink.write(...args) },
      verify: async (...args) => {
        await sink.verify(...args)
        void receiver!.cancel('cancelled', false)
      },
      copy: async (...args) => { await sink.copy(...args) },
      sync: async (path) => { await sink.sync(path) },
      moved: async (...args) => { await sink.moved(...args) },
      closeFile: async (...args) => { await sink.closeFile(...args) },
      close: async () => {}
    }
    receiver = new Receiver(depsWith(() => cancelling, [], async () => { throw new Error('nothing is fetched: cancelled in the plan') }), { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect(receiver.state).toBe('cancelled')
    expect(descriptorsOf(join(partDir, '0'))).toBe(0)
  })

  it('a receive that places files it holds already (empty ones) for seconds after its plan tells its sender that it works, every few seconds, until it asks for bytes; and is not stalled itself meanwhile (user-test finding: 10,000 empty files of a 30,000-file send placed for 20 s, neither side heard from the other, both showed "stalled", and the sender offered its 32 MB offer again)', async () => {
    const { offer, receiveDir, sender } = await servedOffer([...['a', 'b', 'c'].map((n) => ({ path: `${n}.txt`, data: Buffer.alloc(0) })), { path: 'clip.bin', data: randomBytes(CHUNK) }])
    // what the sender hears: each report (a request for no chunks), and its receiver's first request for bytes
    const reports: number[] = []
    let askedAt: number | undefined
    const serving = async (): Promise<Stream> => {
      const [out, inbound] = await streamPair()
      void serveChunks(inbound, 'receiver', () => sender, () => { askedAt ??= performance.now() }, () => { reports.push(performance.now()) })
      return out
    }
    // a slow disk: each file placed takes 2.5 s (closing its part file), 7.5 s for the empty ones, placed before any byte is asked
    const PLACE_MS = 2500
    let receiver: Receiver | undefined
    const stalled: Array<number | undefined> = []
    const preparing: boolean[] = []
    const slow: ChunkSink = {
      buffer: async (n) => await sink.buffer(n),
      discard: (b) => { sink.discard(b) },
      write: async (...args) => { await sink.write(...args) },
      verify: async (...args) => { await sink.verify(...args) },
      copy: async (...args) => { await sink.copy(...args) },
      sync: async (path) => { await sink.sync(path) },
      moved: async (...args) => { await sink.moved(...args) },
      closeFile: async (...args) => {
        // the files held already (placed before the fetch); not the one fetched
        if (askedAt === undefined) {
          await new Promise((resolve) => setTimeout(resolve, PLACE_MS))
          stalled.push(receiver!.progress.stalledSeconds)
          preparing.push(receiver!.progress.preparing)
        }
        await sink.closeFile(...args)
      },
      close: async () => {}
    }
    const started = performance.now()
    receiver = new Receiver(depsWith(() => slow, [], serving), { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect(receiver.state, receiver.error?.message).toBe('done')
    expect(askedAt).toBeDefined()
    const before = [started, ...reports.filter((t) => t < askedAt!), askedAt!]
    const gaps = before.slice(1).map((t, i) => Math.round(t - before[i]))
    // every KEEPALIVE_MS (3 s) while it got ready: no gap near the sender's 10 s, nor the 7.5 s of the placing whole
    expect(Math.max(...gaps), `ms between its reports before its first request: ${gaps.join(' ')}`).toBeLessThan(KEEPALIVE_MS + 1000)
    expect(askedAt! - started).toBeGreaterThan(3 * PLACE_MS)
    // getting ready, not stalled, while it places what it holds
    expect(preparing).toEqual([true, true, true])
    expect(stalled).toEqual([undefined, undefined, undefined])
  }, 30_000)

  it('a cancel while the receipt is signed and sent comes too late: the receive ends done, and the sender is told only that (soak-test finding: the cancel answered as if it had cancelled, and a "cancelled" end could follow the "done")', async () => {
    const { offer, receiveDir, serving } = await servedOffer([{ path: 'f.bin', data: randomBytes(2 * CHUNK) }])
    const ends: EndMsg[] = []
    let receiver: Receiver | undefined
    let cancelling: Promise<void> | undefined
    const deps = depsWith(() => sink, ends, serving)
    receiver = new Receiver({ ...deps, sign: async (data) => { cancelling = receiver!.cancel('cancelled', true); return await deps.sign(data) } }, { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    await cancelling
    expect(receiver.state).toBe('done')
    expect(ends.map((e) => e.status)).toEqual(['done'])
    expect(await readdir(receiveDir)).toEqual(['f.bin'])
  })

  it('a chunk write that fails with an I/O error fails the receive with E_IO, and the sender is told E_IO (review finding: the failure was dropped, and both were told E_INTERNAL "incomplete after fetching")', async () => {
    const { offer, receiveDir, serving } = await servedOffer(Array.from({ length: 8 }, (_, i) => ({ path: `f${i}.bin`, data: randomBytes(8 * CHUNK) })))
    const failing = failingAt(5, () => new FerryError('E_IO', 'EIO: i/o error, write'))
    const ends: EndMsg[] = []
    const receiver = new Receiver(depsWith(() => failing, ends, serving), { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect({ state: receiver.state, code: receiver.error?.code, told: ends[0]?.failure?.code }).toEqual({ state: 'failed', code: 'E_IO', told: 'E_IO' })
    expect(receiver.error?.message).toMatch(/i\/o error/)
  })

  it('a chunk write that fails for a full receive folder whose room is back by the time the disk is looked at (what filled it was removed meanwhile) waits and goes on, not failed with the disk\'s words; a failure of the state database (ferry\'s home full) or one at a run that wrote nothing still fails (helper finding: a disk filled by a download that failed and removed its file failed the receive, "ENOSPC: no space left on device, write", one try in two)', async () => {
    const { receiver, ends, failAt } = await fullWithRoomShown(() => new FerryError('E_NO_SPACE', 'ENOSPC: no space left on device, write'))
    await receiver.run()
    expect({ state: receiver.state, code: receiver.error?.code, told: ends.length, mayRun: receiver.mayResume(Date.now(), false) }).toEqual({ state: 'waiting', code: 'E_NO_SPACE', told: 0, mayRun: true })
    expect(receiver.waitsFor).toBe(undefined)
    // a run that writes nothing before the disk says full again, with room to be seen (a quota, say): failed as before
    failAt(1)
    await receiver.run()
    expect({ state: receiver.state, code: receiver.error?.code, told: ends[0]?.failure?.code }).toEqual({ state: 'failed', code: 'E_NO_SPACE', told: 'E_NO_SPACE' })
  })

  it('a disk quota used up while a receive ran, the disk with room when looked at, is said as the quota, not as a disk with room again, in its one more try; a run that then writes nothing fails with the disk\'s words (notes\' leftover)', async () => {
    const { receiver, ends, failAt } = await fullWithRoomShown(() => new FerryError('E_NO_SPACE', 'EDQUOT: disk quota exceeded, write'))
    await receiver.run()
    expect({ state: receiver.state, code: receiver.error?.code }).toEqual({ state: 'waiting', code: 'E_NO_SPACE' })
    expect(receiver.error?.message).toMatch(/disk quota .* was used up while this ran \(EDQUOT\).*tries once more/)
    expect(receiver.error?.message).not.toMatch(/room again/)
    failAt(1)
    await receiver.run()
    expect({ state: receiver.state, told: ends[0]?.failure?.code, message: receiver.error?.message }).toEqual({ state: 'failed', told: 'E_NO_SPACE', message: 'EDQUOT: disk quota exceeded, write' })
  })

  it('a run that follows a wait for room says nothing to its sender before the tell that it waited has reached it (notes\' leftover: that tell, on a stream of its own and still on its way, landed after the run a later look began, and the send showed "waiting for room" while the receive ran)', async () => {
    const { offer, receiveDir, sender } = await servedOffer(Array.from({ length: 8 }, (_, i) => ({ path: `f${i}.bin`, data: randomBytes(8 * CHUNK) })))
    const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    // what the sender hears, in the order its chunk streams bring it (serveChunks): a tell that the receive waits (which
    // shows the send waiting for room there) or what it holds (a report or a request: the send fetching)
    const heard: string[] = []
    let r: Receiver | undefined
    let letTellGo = (): void => {}
    const tellGoes = new Promise<void>((resolve) => { letTellGo = resolve })
    let tellHeld = false
    const node = {
      dialProtocol: async (_peer: unknown, protocol: string) => {
        // its receipt: the sender away by then (what comes after is not this test's)
        if (protocol !== CHUNKS_PROTOCOL) throw new Error('away')
        // the tell that the receive waits for room: on its way until the test lets it go
        if (!tellHeld && r?.state === 'waiting' && r.error?.code === 'E_NO_SPACE') { tellHeld = true; await tellGoes }
        const [out, inbound] = await streamPair()
        void serveChunks(inbound, 'receiver', () => sender, () => {}, (_s, held) => { heard.push(`holds ${held}`) }, { onWaitsThere: (_s, told) => { heard.push(`waits for ${told.waitsFor?.code}`) } })
        return out
      }
    }
    const quiet = { debug: () => {}, info: () => {}, warn: () => {} }
    const ctx = { c: { receiveDir, log: quiet, trust: { get: () => undefined }, store, isOnline: () => true, peerName: () => 'alpha', node }, pendingStates: { write: (id: string, patch: object) => { store.update(id, patch); return true }, update: (id: string, patch: object) => { store.update(id, patch) } }, changed: () => {}, stopping: false } as unknown as TransferContext
    const receives = new Receives(ctx)
    r = receives.newReceiver(ID, peer, offer, 'accepted', { receiveDir })
    // its fifth write finds the disk full, and the disk is short of what is left when looked at
    Object.assign(receives, { sink: failingAt(5, () => new FerryError('E_NO_SPACE', 'ENOSPC: no space left on device, write')) })
    const roomWait = (receives as unknown as { roomWait: { shortage: () => Promise<FerryError | undefined> } }).roomWait
    vi.spyOn(roomWait, 'shortage').mockResolvedValue(new FerryError('E_NO_SPACE', 'the receive folder has 0 B free'))
    await receives.runReceiver(r)
    expect(r.waitsFor?.code).toBe('E_NO_SPACE')
    // a later look finds room (room-wait.ts lookNow), and the receive runs again while the tell is still on its way
    Object.assign(receives, { sink })
    const mark = heard.length
    r.roomBack()
    const again = receives.runReceiver(r)
    await Promise.race([vi.waitFor(() => { expect(heard.length).toBeGreaterThan(mark) }, { timeout: 2000 }), new Promise((resolve) => setTimeout(resolve, 2000))]).catch(() => {})
    letTellGo()
    await again
    // the tell first, then what the run holds: the send shows it fetching (before: what it held, and then the tell)
    expect(heard.slice(mark)[0]).toBe('waits for E_NO_SPACE')
    expect(heard.slice(mark).slice(1).some((h) => h.startsWith('holds'))).toBe(true)
    await receives.stop()
  })

  it('a receive whose state database cannot grow (ferry\'s home full), its receive folder with room, fails as before: it does not go on again and again', async () => {
    const { offer, receiveDir, serving } = await servedOffer(Array.from({ length: 8 }, (_, i) => ({ path: `f${i}.bin`, data: randomBytes(8 * CHUNK) })))
    const failing = failingAt(5, () => toFerryError(Object.assign(new Error('database or disk is full'), { code: 'ERR_SQLITE_ERROR', errcode: 13 })))
    const ends: EndMsg[] = []
    const receiver = new Receiver({ ...depsWith(() => failing, ends, serving), roomShortage: async () => undefined }, { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect({ state: receiver.state, code: receiver.error?.code, told: ends[0]?.failure?.code }).toEqual({ state: 'failed', code: 'E_NO_SPACE', told: 'E_NO_SPACE' })
    expect(receiver.error?.message).toMatch(/state database cannot grow/)
  })

  it('a receive its sender cancels keeps what it verified for a re-send, but not its spool slots (soak-test finding: ~10 MB of slots per kept folder, some folders of nothing else)', async () => {
    // the sender cancels once a few chunks are out: its chunk server answers E_CANCELLED, as the daemon's does
    const { receiver, offer, receiveDir } = await cancelledAfterSix('cancelled by the sender')
    expect(receiver.state).toBe('cancelled')
    const left = await readdir(partDirFor(receiveDir, Buffer.from(offer.root).toString('hex')))
    expect(left.filter((n) => n.startsWith('spool-')), 'no spool slot').toEqual([])
    expect(left.length, 'the part files of what was verified').toBeGreaterThan(0)
  })

  it('what a receive holds of files not yet placed, which a cancel here deletes with their part files, is counted from its run, and from the bit sets recorded when no run of it has planned since a restart (TransferInfo.droppedBytes; notes\' leftover: said nowhere)', async () => {
    // a small file, placed whole, and one of 16 chunks cut short: its sender cancels after 3 requests of 1 MiB
    let asked = 0
    const { offer, receiveDir, serving } = await servedOffer([{ path: 'small.txt', data: randomBytes(100) }, { path: 'big.bin', data: randomBytes(16 * CHUNK) }], (s) => {
      if (++asked > 3) throw new FerryError('E_CANCELLED', 'cancelled by the sender')
      return s
    })
    const receiver = new Receiver(depsWith(() => sink, [], serving), { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect(receiver.state).toBe('cancelled')
    expect(receiver.keptFiles()).toBe(1)
    const held = receiver.heldOfUnplaced()
    // what was verified, less the small file placed whole: some of the big one's chunks, not all
    expect(held).toBe(receiver.progress.done - 100)
    expect(held % CHUNK).toBe(0)
    expect(held).toBeGreaterThan(0)
    expect(held).toBeLessThan(16 * CHUNK)
    // the daemon restarted: a receiver of the row as recorded, which has made no plan
    const again = new Receiver(depsWith(() => sink, []), { id: ID, peerId: 'p', offer, receiveDir, state: 'waiting', resumed: true })
    expect(again.heldOfUnplaced()).toBe(held)
  })

  it('a receive whose sender answers a chunk request with its cancel says "cancelled by the sender", as its end message would (helper finding: "sender: the sender cancelled this transfer" when the answer came before the end)', async () => {
    // the words of the sender's daemon (sends.ts senderFor) for a send cancelled there
    const { receiver } = await cancelledAfterSix('the sender cancelled this transfer')
    expect({ state: receiver.state, code: receiver.error?.code, message: receiver.error?.message }).toEqual({ state: 'cancelled', code: 'E_CANCELLED', message: 'cancelled by the sender' })
  })

  it('a receive that ends without its files (its sender cancels) tells a folder that arrived under another name with the files placed in it, not all the offer had in it (review finding: "tree/ -> tree (1)/ (2 files)" for a cancelled receive that placed one or none; before renames were told by folder, a file was told once placed)', async () => {
    let asked = 0
    const { offer, receiveDir, serving } = await servedOffer([0, 1].map((i) => ({ path: `tree/f${i}.bin`, data: randomBytes(8 * CHUNK) })), (s) => {
      if (++asked > 2) throw new FerryError('E_CANCELLED', 'cancelled by the sender')
      return s
    })
    // the person's own file "tree": the folder is to land as "tree (1)"
    await writeFile(join(receiveDir, 'tree'), 'the person\'s own file\n')
    const receiver = new Receiver(depsWith(() => sink, [], serving), { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect(receiver.state).toBe('cancelled')
    // a folder renamed told with the files placed in it (none: not told)
    const placed = receiver.files.filter((f) => f.done).length
    expect(placed).toBeLessThan(2)
    expect(receiver.renames.shown()).toEqual(placed === 0 ? [] : [{ path: 'tree', as: 'tree (1)', folder: true, files: placed }])
    expect(store.get(ID)?.renamedCount ?? 0).toBe(placed === 0 ? 0 : 1)
  })

  it('a receipt that could not be delivered, sent by the daemon restarted since, still tells the files placed under another name by an earlier run (helper finding: those were counted only as placed, so the receipt sent after a restart had none of them, and the receive\'s own record lost them too)', async () => {
    const { offer, receiveDir, serving } = await servedOffer([{ path: 'note.txt', data: randomBytes(100) }, { path: 'other.bin', data: randomBytes(2 * CHUNK) }])
    await writeFile(join(receiveDir, 'note.txt'), 'the person\'s own note\n')
    const failing = depsWith(() => sink, [], serving)
    const first = new Receiver({ ...failing, sendEnd: async () => { throw new FerryError('E_PEER_UNREACHABLE', 'the sender is away') } }, { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await first.run()
    expect(first.state, first.error?.message).toBe('waiting')
    // the daemon restarted: a receiver of the row as recorded, its renames known to no one in memory
    const ends: EndMsg[] = []
    const row = store.get(ID)!
    const again = new Receiver(depsWith(() => sink, ends, serving), { id: ID, peerId: 'p', offer, receiveDir, state: 'waiting', resumed: true, doneBytes: row.doneBytes, wireBytes: row.wireBytes, localBytes: row.localBytes, receiptMissing: row.receiptMissing })
    await again.run()
    expect(again.state, again.error?.message).toBe('done')
    expect(ends).toHaveLength(1)
    expect(ends[0]).toMatchObject({ renameCount: 1, renames: [{ entry: 0, as: 'note (1).txt' }], renamedCount: 1, renamed: [{ entry: 0, as: 'note (1).txt' }] })
    expect(store.get(ID)).toMatchObject({ renamedCount: 1, renamed: [{ path: 'note.txt', as: 'note (1).txt' }] })
  })

  // moved: the person removed their own note.txt and gave the copy its name; another: "note (1).txt" removed and its name taken by a file of theirs
  for (const how of ['moved', 'another'] as const) it(`a file placed under another name, then gone from there while the receive waits, and found or placed again elsewhere (${how}), is told where it is now, not where it was first (notes' leftover: the first name stayed, in the receipt, the receive's record and \`ferry transfers\`)`, async () => {
    const { offer, receiveDir, serving } = await servedOffer([{ path: 'note.txt', data: randomBytes(100) }])
    await writeFile(join(receiveDir, 'note.txt'), 'the person\'s own note\n')
    const ends: EndMsg[] = []
    let away = true
    const deps = depsWith(() => sink, ends, serving)
    const receiver = new Receiver({ ...deps, sendEnd: async (peer, end) => { if (away) throw new FerryError('E_PEER_UNREACHABLE', 'the sender is away'); await deps.sendEnd(peer, end) } }, { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect(receiver.state, receiver.error?.message).toBe('waiting')
    expect(receiver.renames.shown(), how).toEqual([{ path: 'note.txt', as: 'note (1).txt' }])
    if (how === 'moved') {
      await rm(join(receiveDir, 'note.txt'))
      renameSync(join(receiveDir, 'note (1).txt'), join(receiveDir, 'note.txt'))
    } else {
      await rm(join(receiveDir, 'note (1).txt'))
      await writeFile(join(receiveDir, 'note (1).txt'), 'another note of the person\'s, larger than the one received\n'.repeat(4))
    }
    // the sender back: the receive runs again in this daemon, and ends
    away = false
    await receiver.run()
    expect(receiver.state, receiver.error?.message).toBe('done')
    const where = how === 'moved' ? 'note.txt' : 'note (2).txt'
    expect(existsSync(join(receiveDir, where)), how).toBe(true)
    expect(ends, how).toHaveLength(1)
    if (how === 'moved') {
      expect(receiver.renames.shown(), how).toEqual([])
      expect(ends[0], how).toMatchObject({ renameCount: 0, renames: [], renamedCount: 0, renamed: [] })
      expect(store.get(ID)?.renamedCount ?? 0, how).toBe(0)
    } else {
      expect(receiver.renames.shown(), how).toEqual([{ path: 'note.txt', as: where }])
      expect(ends[0], how).toMatchObject({ renameCount: 1, renames: [{ entry: 0, as: where }], renamedCount: 1, renamed: [{ entry: 0, as: where }] })
      expect(store.get(ID), how).toMatchObject({ renamedCount: 1, renamed: [{ path: 'note.txt', as: where }] })
    }
  })

  it('a receipt its sender answers it could not read fails the receive with the sender\'s reason, told back to it, not a link that failed and the receipt sent again and again (notes\' leftover: the sender reset the stream)', async () => {
    const { offer, receiveDir, serving } = await servedOffer([{ path: 'a.bin', data: randomBytes(2 * CHUNK) }])
    const ends: EndMsg[] = []
    const refused = new FerryError('E_PROTOCOL', 'sender: the end of the transfer could not be read: malformed message: index out of range', { remote: true })
    const deps = depsWith(() => sink, ends, serving)
    const receiver = new Receiver({ ...deps, sendEnd: async (peer, end) => { if (end.status === 'done') throw refused; await deps.sendEnd(peer, end) } }, { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect(receiver.state).toBe('failed')
    expect(receiver.error).toMatchObject({ code: 'E_PROTOCOL', message: refused.message })
    expect(ends).toHaveLength(1)
    expect(ends[0]).toMatchObject({ status: 'failed', failure: { code: 'E_PROTOCOL', message: refused.message } })
  })

  it('the chunk starts an earlier run left in spool slots are used, and each old slot goes once its start is spooled again, not at the end of the run (review finding: the free-space check counts them as room, and they stayed)', async () => {
    const datas = Array.from({ length: 4 }, () => randomBytes(4 * CHUNK))
    const { offer, receiveDir, serving } = await servedOffer(datas.map((data, i) => ({ path: `f${i}.bin`, data })))
    const partDir = await makePartFolder(receiveDir, Buffer.from(offer.root).toString('hex'))
    // an earlier run left the starts of chunk 1 of each file: 200 KiB of 256
    const earlier = new Spool(partDir)
    for (let f = 0; f < 4; f++) { const slot = earlier.take(); slot.begin(f, 1, datas[f].subarray(CHUNK, 2 * CHUNK), 0); slot.arrived(200 * 1024); slot.flush() }
    earlier.close()
    const old = await readdir(partDir)
    expect(old.filter((n) => n.startsWith('spool-'))).toHaveLength(4)
    /** the old slots still there at the last change while fetching (the part folder goes whole at the end) */
    let left: string[] = old
    let receiver: Receiver | undefined
    const deps = depsWith(() => sink, [], serving)
    receiver = new Receiver({ ...deps, changed: () => { if (receiver?.state === 'fetching') left = readdirSync(partDir).filter((n) => old.includes(n) && n.startsWith('spool-')) } }, { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect(receiver.state, receiver.error?.message).toBe('done')
    for (const [i, data] of datas.entries()) expect((await readFile(join(receiveDir, `f${i}.bin`))).equals(data), `f${i}.bin`).toBe(true)
    // the starts were taken, not fetched again
    expect(receiver.progress.wire).toBe(4 * 4 * CHUNK - 4 * 200 * 1024)
    expect(left, 'old slots left while fetching').toEqual([])
  })

  it('a receive that goes on in a receive folder that is ferry\'s state folder (it began in another, and the daemon came back with this one) fails with E_PATH_UNSAFE before it makes a part folder or fetches a byte; the sender is told, without the folder\'s path (review finding: the part folder and the fetched bytes went into the state folder)', async () => {
    const { offer, receiveDir, serving } = await servedOffer([{ path: 'f.bin', data: randomBytes(3 * CHUNK) }])
    let asked = 0
    const ends: EndMsg[] = []
    const receiver = new Receiver({ ...depsWith(() => sink, ends, async (peer, signal) => { asked++; return await serving(peer, signal) }), stateFolder: folderIdOf(receiveDir) }, { id: ID, peerId: 'p', offer, receiveDir, state: 'waiting', resumed: true })
    await receiver.run()
    expect({ state: receiver.state, code: receiver.error?.code, told: ends[0]?.failure?.code }).toEqual({ state: 'failed', code: 'E_PATH_UNSAFE', told: 'E_PATH_UNSAFE' })
    expect(ends[0]?.failure?.message).not.toContain(receiveDir)
    expect(asked).toBe(0)
    expect(await readdir(receiveDir)).toEqual([])
  })

  /** A 4-chunk file, its offer under `id` with `root`, and a row for its receive into `receiveDir`. */
  function fourChunks (): { blocks: Buffer[], data: Buffer, file: OfferMsg['files'][number] } {
    const blocks = [randomBytes(CHUNK), randomBytes(CHUNK), randomBytes(CHUNK), randomBytes(CHUNK)]
    const data = Buffer.concat(blocks)
    const chunks = ChunkHashes.of(blocks.map((b) => hash(b)))
    return { blocks, data, file: { path: 'f.bin', kind: 'file', size: data.length, mtimeMs: 1_700_000_000_000, mode: 0o644, chunkSize: CHUNK, chunks, fileRoot: computeFileRoot(data.length, CHUNK, chunks) } }
  }

  it('a part file that is not the offer\'s size once every chunk is in (something else wrote to it) is not placed: the receive fails naming it, and nothing is under its final name', async () => {
    const { offer, receiveDir, serving } = await servedOffer([{ path: 'grown.bin', data: randomBytes(2 * CHUNK) }])
    // its last close, before the size check, and a byte appended to it then
    const grown: ChunkSink = { ...sink, buffer: async (n) => await sink.buffer(n), discard: (b) => { sink.discard(b) }, write: async (...args) => { await sink.write(...args) }, verify: async (...args) => { await sink.verify(...args) }, copy: async (...args) => { await sink.copy(...args) }, sync: async (path) => { await sink.sync(path) }, closeFile: async (path, flush) => { await sink.closeFile(path, flush); if (flush) await appendFile(path, 'x') }, close: async () => {} }
    const receiver = new Receiver(depsWith(() => grown, [], serving), { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await receiver.run()
    expect({ state: receiver.state, code: receiver.error?.code, message: receiver.error?.message }).toEqual({ state: 'failed', code: 'E_INTERNAL', message: `grown.bin: its part file holds ${2 * CHUNK + 1} bytes, the offer ${2 * CHUNK}` })
    expect(existsSync(join(receiveDir, 'grown.bin'))).toBe(false)
    expect(receiver.keptFiles()).toBe(0)
  })

  it('counts the files it keeps by its records while a run has no file states yet (its plan cut short, as the last plan of a part folder gone: CI finding, "kept 0" for 1)', () => {
    const { data, file } = fourChunks()
    const folder: OfferMsg['files'][number] = { path: 'd', kind: 'dir', size: 0, mtimeMs: 0, mode: 0o755, chunkSize: 0, chunks: ChunkHashes.NONE, fileRoot: computeFileRoot(0, 0, ChunkHashes.NONE) }
    const offer: OfferMsg = { transferId: Buffer.from(ID, 'hex'), root: randomBytes(32), totalBytes: 2 * data.length, files: [file, folder, { ...file, path: 'g.bin' }] }
    const receiveDir = join(dir, 'received')
    store.insert({ id: ID, direction: 'receive', peerId: 'p', peerName: 'p', state: 'accepted', root: offer.root, offer: new Uint8Array(0), totalBytes: offer.totalBytes, doneBytes: 0, wireBytes: 0, receiveDir, receiptVerified: false, resumed: false, createdAt: 0 })
    // the file and the folder placed by an earlier run, the second file not
    store.setFile(ID, 0, { done: true, dest: join(receiveDir, 'f.bin') })
    store.setFile(ID, 1, { done: true, dest: join(receiveDir, 'd') })
    store.setFile(ID, 2, { done: false })
    const r = new Receiver(depsWith(() => sink, []), { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    expect(r.keptFiles()).toBe(1)
  })

  it('a run whose plan is stopped part-way does not record the previous run\'s bitmaps over a part file made anew: after the restart nothing is placed from holes (review finding: zeros placed and signed for)', async () => {
    const { blocks, data, file } = fourChunks()
    // a folder after the file: the plan looks at the stop there, after its copy
    const folder: OfferMsg['files'][number] = { path: 'd', kind: 'dir', size: 0, mtimeMs: 1_700_000_000_000, mode: 0o755, chunkSize: 0, chunks: ChunkHashes.NONE, fileRoot: computeFileRoot(0, 0, ChunkHashes.NONE) }
    const offer: OfferMsg = { transferId: Buffer.from(ID, 'hex'), root: randomBytes(32), totalBytes: data.length, files: [file, folder] }
    const receiveDir = join(dir, 'received')
    const partDir = partDirFor(receiveDir, Buffer.from(offer.root).toString('hex'))
    store.insert({ id: ID, direction: 'receive', peerId: 'p', peerName: 'p', state: 'accepted', root: offer.root, offer: new Uint8Array(0), totalBytes: data.length, doneBytes: 0, wireBytes: 0, receiveDir, receiptVerified: false, resumed: false, createdAt: 0 })
    let onCopy: () => void = () => {}
    const hooked: ChunkSink = { ...sink, buffer: async (n) => await sink.buffer(n), discard: (b) => { sink.discard(b) }, write: async (...args) => { await sink.write(...args) }, verify: async (...args) => { await sink.verify(...args) }, copy: async (...args) => { await sink.copy(...args); onCopy() }, sync: async (path) => { await sink.sync(path) }, closeFile: async (...args) => { await sink.closeFile(...args) }, close: async () => {} }
    const ends: EndMsg[] = []
    // run 1: chunks 0..2 are in the part file (verified by its plan), then the sender is away
    await mkdir(partDir, { recursive: true })
    await writeFile(join(partDir, '0'), Buffer.concat(blocks.slice(0, 3)))
    const r = new Receiver(depsWith(() => hooked, ends), { id: ID, peerId: 'p', offer, receiveDir, state: 'accepted' })
    await r.run()
    expect(r.state).toBe('waiting')
    // while it waits the part folder is removed, and chunk 3's content is placed here by another receive
    await rm(join(receiveDir, '.ferry-part'), { recursive: true, force: true })
    const other = join(receiveDir, 'other.bin')
    await writeFile(other, blocks[3])
    store.indexFiles([{ path: other, fileRoot: computeFileRoot(CHUNK, CHUNK, ChunkHashes.of([file.chunks.at(3)])), size: CHUNK, mtimeMs: 0, chunks: ChunkHashes.of([file.chunks.at(3)]), chunkSize: CHUNK }])
    // run 2: its plan makes part file 0 anew, copies chunk 3 into it, and the daemon stops right then
    let paused: Promise<void> | undefined
    onCopy = () => { paused ??= r.pause() }
    await r.run()
    await paused
    // run 3, after the restart
    onCopy = () => {}
    const again = new Receiver(depsWith(() => hooked, ends), { id: ID, peerId: 'p', offer, receiveDir, state: 'waiting', resumed: true })
    await again.run()
    const placed = await readFile(join(receiveDir, 'f.bin')).catch(() => undefined)
    expect(placed === undefined || placed.equals(data), 'nothing placed but the offered bytes').toBe(true)
    expect(again.state).toBe('waiting') // chunks 0..2 are to be fetched again
    expect(ends).toEqual([])
  })

  it('a receive resumed on a part file another receive of the same content made anew (the part folder was removed meanwhile) does not take its recorded chunks for there: nothing is placed from holes (review finding)', async () => {
    const { blocks, data, file } = fourChunks()
    const root = randomBytes(32)
    const [A, B] = ['a1'.repeat(16), 'b2'.repeat(16)]
    const receiveDir = join(dir, 'received')
    await mkdir(receiveDir) // as the offers' admission makes it
    const rootHex = root.toString('hex')
    for (const id of [A, B]) store.insert({ id, direction: 'receive', peerId: 'p', peerName: 'p', state: 'waiting', root, offer: new Uint8Array(0), totalBytes: data.length, doneBytes: 0, wireBytes: 0, receiveDir, receiptVerified: false, resumed: false, createdAt: 0 })
    // A verified and recorded chunks 0..2, then its sender went away
    let partDir = await makePartFolder(receiveDir, rootHex)
    await planReceive({ transferId: A, files: [file], receiveDir, partDir, store, sink })
    for (let c = 0; c < 3; c++) { const b = await sink.buffer(CHUNK); b.set(blocks[c]); await sink.write(join(partDir, '0'), c * CHUNK, b, CHUNK, file.chunks.at(c)) }
    await sink.closeFile(join(partDir, '0'), true)
    const held = new Bitmap(4)
    for (let c = 0; c < 3; c++) held.set(c)
    store.setFile(A, 0, { done: false, bitmap: held.bytes })
    // the part folder is removed; B (the same folder sent again) makes it anew and lands chunk 3 first
    await rm(join(receiveDir, '.ferry-part'), { recursive: true, force: true })
    partDir = await makePartFolder(receiveDir, rootHex)
    await planReceive({ transferId: B, files: [file], receiveDir, partDir, store, sink })
    { const b = await sink.buffer(CHUNK); b.set(blocks[3]); await sink.write(join(partDir, '0'), 3 * CHUNK, b, CHUNK, file.chunks.at(3)) }
    await sink.closeFile(join(partDir, '0'), false)
    expect(store.files(A).get(0)?.bitmap, 'A\'s record of the part file that went').toBeUndefined()
    // A resumes
    const ends: EndMsg[] = []
    const a = new Receiver(depsWith(() => sink, ends), { id: A, peerId: 'p', offer: { transferId: Buffer.from(A, 'hex'), root, totalBytes: data.length, files: [file] }, receiveDir, state: 'waiting', resumed: true })
    await a.run()
    const placed = await readFile(join(receiveDir, 'f.bin')).catch(() => undefined)
    expect(placed === undefined || placed.equals(data), 'nothing placed but the offered bytes').toBe(true)
    expect(ends).toEqual([])
  })
})
