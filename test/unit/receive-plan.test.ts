// planReceive against a real store (node:sqlite) and real part files: what a
// restarted receive fetches, copies and leaves to be copied when an offer
// holds the same content more than once.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chmod, link, lstat, mkdir, mkdtemp, readFile, readdir, realpath, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { OfferFile } from '../../src/protocol/transfer.ts'
import { TransferStore, openDb, type Db } from '../../src/store/index.ts'
import { Bitmap } from '../../src/transfer/bitmap.ts'
import { hash } from '../../src/transfer/manifest/blake3.js'
import { UNTRUSTED_CTIME, alreadyInPlace, identityOf, planReceive } from '../../src/transfer/receive/receive-plan.ts'
import { pruneIndex } from '../../src/transfer/receive/index-prune.ts'
import { lookAtReceiveMount, storeMountMemory } from '../../src/transfer/folder/receive-mount.ts'
import { fileMode, utimesSeconds } from '../../src/transfer/folder/finalize.ts'
import { spawnSync } from 'node:child_process'
import { createChunkSink, type ChunkSink } from '../../src/transfer/sink/sink.ts'
import { InlineSink } from '../../src/transfer/sink/inline-sink.ts'
import { Spool } from '../../src/transfer/receive/spool.ts'
import { FerryError } from '../../src/errors.ts'
import { chattr, descriptorsOf } from '../helpers/files.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

const CHUNK = 256 * 1024
const ID = 'ab'.repeat(16)
let dir: string
let db: Db
let store: TransferStore
let sink: ChunkSink

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-plan-'))
  db = openDb(join(dir, 'ferry.db'))
  store = new TransferStore(db)
  store.insert({ id: ID, direction: 'receive', peerId: 'p', peerName: 'p', state: 'fetching', root: new Uint8Array(32), offer: new Uint8Array(0), totalBytes: 0, doneBytes: 0, wireBytes: 0, receiptVerified: false, resumed: false, createdAt: 0 })
  sink = createChunkSink()
})
afterEach(async () => { await sink.close(); db.close(); await rm(dir, { recursive: true, force: true }) })

function file (path: string, blocks: Buffer[]): OfferFile {
  return { path, kind: 'file', size: blocks.length * CHUNK, mtimeMs: 0, mode: 0o644, chunkSize: CHUNK, chunks: ChunkHashes.of(blocks.map((b) => hash(b))), fileRoot: new Uint8Array(32) }
}

/** `path` in the dedup index as a received file of these whole chunks (the file itself is the caller's to write, or not). */
function indexed (path: string, blocks: Buffer[]): void {
  store.indexFiles([{ path, fileRoot: randomBytes(32), size: blocks.length * CHUNK, mtimeMs: 0, chunks: ChunkHashes.of(blocks.map((b) => hash(b))), chunkSize: CHUNK }])
}

/** An empty receive folder and the part folder of a receive in it. */
async function receiveFolders (): Promise<{ receiveDir: string, partDir: string }> {
  const receiveDir = join(dir, 'received')
  const partDir = join(receiveDir, '.ferry-part', 'root')
  await mkdir(partDir, { recursive: true })
  return { receiveDir, partDir }
}

/** A receive folder whose part file of file 0 (of `chunks` chunks) holds `first`, recorded as verified by an earlier run. */
async function firstChunkHeld (first: Buffer, chunks: number): Promise<{ receiveDir: string, partDir: string }> {
  const { receiveDir, partDir } = await receiveFolders()
  await writeFile(join(partDir, '0'), first)
  const held = new Bitmap(chunks)
  held.set(0)
  store.setFile(ID, 0, { done: false, bitmap: held.bytes })
  return { receiveDir, partDir }
}

describe('planReceive', () => {
  it('the same content more than once: fetched once, the rest follows it; a chunk held in a part file of this receive is copied from there', async () => {
    const [A, B, C] = [randomBytes(CHUNK), randomBytes(CHUNK), randomBytes(CHUNK)]
    const files = [file('one.bin', [A, B]), file('two.bin', [A, C]), file('three.bin', [B, B])]
    // a run before the restart had verified chunk 0 (A) of one.bin, and recorded it
    const { receiveDir, partDir } = await firstChunkHeld(A, 2)

    const plan = await planReceive({ transferId: ID, files, receiveDir, partDir, store, sink })
    // two.bin's A is copied from one.bin's part file, not fetched
    expect(plan.files[1].bitmap.has(0)).toBe(true)
    expect((await readFile(join(partDir, '1'))).subarray(0, CHUNK).equals(A)).toBe(true)
    expect(plan.haveBytes).toBe(2 * CHUNK)
    // B once (for one.bin) and C: three.bin's two B chunks wait for one.bin's
    expect(plan.queue).toEqual([{ file: 0, chunk: 1 }, { file: 1, chunk: 1 }])
    expect([...plan.followers]).toEqual([['0/1', [{ file: 2, chunk: 0 }, { file: 2, chunk: 1 }]]])
  })

  it('part files all exist when the plan returns, with the chunks copied into them; a creation that fails fails the plan with its error', async () => {
    const A = randomBytes(CHUNK)
    // file 0's part file holds A, verified: every other file's A is copied from it
    const { receiveDir, partDir } = await firstChunkHeld(A, 1)
    const files = Array.from({ length: 40 }, (_, i) => file(`f${i}.bin`, [A]))
    const plan = await planReceive({ transferId: ID, files, receiveDir, partDir, store, sink })
    expect((await readdir(partDir)).length).toBe(40)
    expect(plan.files.every((f) => f.bitmap.has(0))).toBe(true)
    expect((await readFile(join(partDir, '39'))).equals(A)).toBe(true)
    expect(plan.queue).toEqual([])

    const refusing = join(receiveDir, '.ferry-part', 'refusing')
    await mkdir(refusing)
    if (!chattr('+i', refusing)) return // this file system has no immutable folders
    try {
      await expect(planReceive({ transferId: ID, files: files.map((f) => ({ ...f, chunks: ChunkHashes.of([hash(randomBytes(8))] )})), receiveDir, partDir: refusing, store, sink }))
        .rejects.toMatchObject({ code: 'EPERM' })
    } finally {
      chattr('-i', refusing)
    }
  })

  it('a file already in place with the same bytes is taken as received even where it is not ours to write, and is not kept open (review finding)', async () => {
    const A = randomBytes(CHUNK)
    const { receiveDir, partDir } = await receiveFolders()
    const placed = join(receiveDir, 'photo.jpg')
    await writeFile(placed, A)
    const entry = { ...file('photo.jpg', [A]), mtimeMs: Math.floor((await stat(placed)).mtimeMs) }
    // immutable: it cannot be opened for writing, also by root (where chattr works)
    const immutable = chattr('+i', placed)
    try {
      const plan = await planReceive({ transferId: ID, files: [entry], receiveDir, partDir, store, sink })
      expect(plan.queue).toEqual([])
      expect(plan.files[0]).toMatchObject({ done: true, dest: placed })
      expect(descriptorsOf(placed)).toBe(0)
    } finally {
      if (immutable) chattr('-i', placed)
    }
  })

  it('a file grown past a step of the chunk-size rule, its chunks now of another size: what it shares with the version received before under its name is copied from there at the same offsets, not fetched (user-test finding: 499 MiB + 2 MiB went whole again)', async () => {
    const [A, B, C] = [randomBytes(CHUNK), randomBytes(CHUNK), randomBytes(2 * CHUNK)]
    const { receiveDir, partDir } = await receiveFolders()
    // received before: two chunks of 256 KiB, as the rule before 2026-12-07 cut a file of its size
    const before = join(receiveDir, 'backup.tar')
    await writeFile(before, Buffer.concat([A, B]))
    store.indexFiles([{ path: before, fileRoot: new Uint8Array(32).fill(1), size: 2 * CHUNK, mtimeMs: 0, chunks: ChunkHashes.of([hash(A), hash(B)]), chunkSize: CHUNK }])
    // offered now: grown, in chunks of 512 KiB; the first holds what it held, the second is new
    const grown: OfferFile = { path: 'backup.tar', kind: 'file', size: 4 * CHUNK, mtimeMs: 0, mode: 0o644, chunkSize: 2 * CHUNK, chunks: ChunkHashes.of([hash(Buffer.concat([A, B])), hash(C)]), fileRoot: new Uint8Array(32).fill(2) }
    const plan = await planReceive({ transferId: ID, files: [grown], receiveDir, partDir, store, sink })
    expect(plan.queue).toEqual([{ file: 0, chunk: 1 }])
    expect(plan.copiedBytes).toBe(2 * CHUNK)
    expect((await readFile(join(partDir, '0'))).subarray(0, 2 * CHUNK).equals(Buffer.concat([A, B]))).toBe(true)
  })

  it('a file received in chunks of an older rule and grown since: what it shares is copied from the same offsets, though today\'s rule would cut its old size as the offer is cut (review finding: judged by the rule, it went whole again)', async () => {
    const MiB = 1024 * 1024
    const [A, B] = [randomBytes(MiB), randomBytes(MiB)]
    const { receiveDir, partDir } = await receiveFolders()
    // received before in 256 KiB chunks (the rule until 2026-12-07); today's rule cuts 1 MiB files in 1 MiB chunks too
    const before = join(receiveDir, 'clip.mov')
    await writeFile(before, A)
    const quarters = [0, 1, 2, 3].map((i) => hash(A.subarray(i * CHUNK, (i + 1) * CHUNK)))
    store.indexFiles([{ path: before, fileRoot: new Uint8Array(32).fill(1), size: MiB, mtimeMs: 0, chunks: ChunkHashes.of(quarters), chunkSize: CHUNK }])
    // offered now: grown to 2 MiB, in 1 MiB chunks; the first is what it held
    const grown: OfferFile = { path: 'clip.mov', kind: 'file', size: 2 * MiB, mtimeMs: 0, mode: 0o644, chunkSize: MiB, chunks: ChunkHashes.of([hash(A), hash(B)]), fileRoot: new Uint8Array(32).fill(2) }
    const plan = await planReceive({ transferId: ID, files: [grown], receiveDir, partDir, store, sink })
    expect(plan.queue).toEqual([{ file: 0, chunk: 1 }])
    expect(plan.copiedBytes).toBe(MiB)
    expect((await readFile(join(partDir, '0'))).subarray(0, MiB).equals(A)).toBe(true)
  })

  it('a file this receive placed in a run that died before recording it is adopted as ferry\'s own, so a later offer\'s time and mode apply to it; one of the person\'s (another mode, or there before the receive began) stays theirs (soak finding: after a kill -9, such files kept their old time at a re-send that only touched them)', async () => {
    const A = randomBytes(CHUNK)
    const { receiveDir, partDir } = await receiveFolders()
    const entry = (path: string): OfferFile => ({ ...file(path, [A]), mtimeMs: 1_500_000_000_123, mtimeSubMsNs: 456_789 })
    /** as placeFile leaves it: the offer's bytes, mode (fileMode) and time (utimesSeconds) */
    const placeAs = async (path: string, mode: number): Promise<void> => {
      await writeFile(path, A)
      await chmod(path, mode)
      const t = utimesSeconds(1_500_000_000_123, 456_789)
      await utimes(path, t, t)
    }
    await placeAs(join(receiveDir, 'photo.jpg'), fileMode(0o644))
    await placeAs(join(receiveDir, 'private.jpg'), 0o600)
    // this receive began at 0: both changed since
    const plan = await planReceive({ transferId: ID, files: [entry('photo.jpg'), entry('private.jpg')], receiveDir, partDir, store, sink })
    expect(plan.files.map((f) => f.done)).toEqual([true, true])
    expect(store.indexedFile(join(receiveDir, 'photo.jpg'))).toMatchObject({ managed: true })
    expect(store.indexedFile(join(receiveDir, 'private.jpg'))).toMatchObject({ managed: false })
    // the same bytes, time and mode, there before the receive began: the person's
    const later = 'cd'.repeat(16)
    store.insert({ id: later, direction: 'receive', peerId: 'p', peerName: 'p', state: 'fetching', root: new Uint8Array(32), offer: new Uint8Array(0), totalBytes: 0, doneBytes: 0, wireBytes: 0, receiptVerified: false, resumed: false, createdAt: Date.now() + 60_000 })
    await placeAs(join(receiveDir, 'theirs.jpg'), fileMode(0o644))
    const laterPart = join(receiveDir, '.ferry-part', 'later')
    await mkdir(laterPart)
    await planReceive({ transferId: later, files: [entry('theirs.jpg')], receiveDir, partDir: laterPart, store, sink })
    expect(store.indexedFile(join(receiveDir, 'theirs.jpg'))).toMatchObject({ managed: false })
  })

  it('a file an earlier run placed and recorded done, gone since (the receive folder emptied while the daemon was down), is planned again and forgotten as done in the store; one still there stays done (review finding: it was signed for)', async () => {
    const a = [randomBytes(CHUNK), randomBytes(CHUNK)]
    const b = [randomBytes(CHUNK)]
    const files = [file('gone.jpg', a), file('kept.jpg', b)]
    const { receiveDir, partDir } = await receiveFolders()
    await writeFile(join(receiveDir, 'kept.jpg'), Buffer.concat(b))
    store.setFile(ID, 0, { done: true, dest: join(receiveDir, 'gone.jpg') })
    store.setFile(ID, 1, { done: true, dest: join(receiveDir, 'kept.jpg') })
    const plan = await planReceive({ transferId: ID, files, receiveDir, partDir, store, sink })
    expect(plan.queue).toEqual([{ file: 0, chunk: 0 }, { file: 0, chunk: 1 }])
    expect(plan.haveBytes).toBe(CHUNK)
    expect(plan.files.map((f) => f.done)).toEqual([false, true])
    expect(store.files(ID).get(0)?.done).toBe(false)
    expect(store.files(ID).get(1)?.done).toBe(true)
  })

  it('chunks recorded as verified in a part file that was removed are forgotten in the store by the plan, before anything is written: after a crash, a part file grown again does not pass them off as held (review finding: zeros were placed and signed for)', async () => {
    const blocks = [randomBytes(CHUNK), randomBytes(CHUNK), randomBytes(CHUNK), randomBytes(CHUNK)]
    const files = [file('video.mp4', blocks)]
    const { receiveDir, partDir } = await receiveFolders()
    // an earlier run verified, flushed and recorded chunks 0 and 1; then the part folder went
    const held = new Bitmap(4)
    held.set(0)
    held.set(1)
    store.setFile(ID, 0, { done: false, bitmap: held.bytes })
    const first = await planReceive({ transferId: ID, files, receiveDir, partDir, store, sink })
    expect(first.queue.map((w) => w.chunk)).toEqual([0, 1, 2, 3])
    expect(new Bitmap(4, store.files(ID).get(0)?.bitmap).done).toBe(0)
    // the fetch writes chunk 2 first (three streams), and the daemon is killed before it records anything
    const buf = await sink.buffer(CHUNK)
    buf.set(blocks[2])
    await sink.write(join(partDir, '0'), 2 * CHUNK, buf, CHUNK, hash(blocks[2]))
    await sink.closeFile(join(partDir, '0'), true)
    const again = await planReceive({ transferId: ID, files, receiveDir, partDir, store, sink })
    // chunk 2 is found in the part file (verified again); 0 and 1 are fetched, not taken for the zeros there
    expect(again.queue.map((w) => w.chunk)).toEqual([0, 1, 3])
    expect(again.files[0].bitmap.has(2)).toBe(true)
  })

  it('a plan waiting for room in the chunk budget to write a chunk found whole in the spool ends when its receive is cancelled or paused, not when other receives give room back', async () => {
    const blocks = [randomBytes(CHUNK), randomBytes(CHUNK)]
    const files = [file('video.mp4', blocks)]
    const { receiveDir, partDir } = await receiveFolders()
    // chunk 1 arrived whole and was spooled; the daemon was killed before its write to the part file
    const spool = new Spool(partDir)
    const slot = spool.take()
    const arrived = new Uint8Array(CHUNK)
    arrived.set(blocks[1])
    slot.begin(0, 1, arrived, 0)
    slot.arrived(CHUNK)
    slot.flush()
    spool.close()
    // the whole budget held by another receive's stream, reading a chunk from a slow sender
    const limited = new InlineSink({ chunkBudget: CHUNK })
    const held = await limited.buffer(CHUNK)
    const controller = new AbortController()
    try {
      const planning = planReceive({ transferId: ID, files, receiveDir, partDir, store, sink: limited, signal: controller.signal })
      planning.catch(() => {})
      await new Promise((resolve) => setTimeout(resolve, 50))
      controller.abort(new FerryError('E_CANCELLED', 'cancelled'))
      const outcome = await Promise.race([planning.then(() => 'planned', (err: FerryError) => err.code), new Promise((resolve) => setTimeout(resolve, 1000, 'still waiting'))])
      expect(outcome).toBe('E_CANCELLED')
    } finally {
      limited.discard(held)
      await limited.close()
    }
  })

  it('a file in place whose time the file system kept coarser (exFAT: 10 ms steps) is taken by its bytes, and found in place from then on by the time it has (review finding: each send added a "name (n)" copy)', async () => {
    const A = randomBytes(CHUNK)
    const { receiveDir, partDir } = await receiveFolders()
    const placed = join(receiveDir, 'clip.mov')
    await writeFile(placed, A)
    const sentMs = 1_700_000_468_609
    // what exFAT keeps of it: the time in 10 ms steps
    expect(spawnSync('touch', ['-m', '-d', '@1700000468.600', placed]).status).toBe(0)
    const entry = { ...file('clip.mov', [A]), mtimeMs: sentMs }
    const plan = await planReceive({ transferId: ID, files: [entry], receiveDir, partDir, store, sink })
    expect(plan.files[0]).toMatchObject({ done: true, dest: placed })
    expect(store.indexedFile(placed)?.mtimeMs).toBe(1_700_000_468_600)
    expect((await alreadyInPlace(receiveDir, entry.path, entry, store))?.path).toBe(placed)
  })

  describe('a file received before, found again at its path (review finding: content rewritten under its old time was taken as received, and the receipt signed)', () => {
    /** `clip.mov` received with content A: placed and indexed as the receiver does. */
    async function received (A: Buffer): Promise<{ receiveDir: string, partDir: string, placed: string, entry: OfferFile }> {
      const { receiveDir, partDir } = await receiveFolders()
      const placed = join(receiveDir, 'clip.mov')
      await writeFile(placed, A)
      const entry = { ...file('clip.mov', [A]), mtimeMs: 1_600_000_000_000 }
      await utimes(placed, entry.mtimeMs / 1000, entry.mtimeMs / 1000)
      const st = await lstat(placed, { bigint: true })
      store.indexFiles([{ path: placed, fileRoot: entry.fileRoot, size: entry.size, mtimeMs: entry.mtimeMs, identity: identityOf(st), chunks: entry.chunks, chunkSize: CHUNK }])
      return { receiveDir, partDir, placed, entry }
    }

    it('unchanged: in place, without reading it', async () => {
      const A = randomBytes(CHUNK)
      const { receiveDir, partDir, placed, entry } = await received(A)
      const plan = await planReceive({ transferId: ID, files: [entry], receiveDir, partDir, store, sink })
      expect(plan.files[0]).toMatchObject({ done: true, dest: placed })
    })

    it('rewritten with its old time put back (`cp -p`, `touch -r`): not in place; it is fetched, and the rewrite kept', async () => {
      const A = randomBytes(CHUNK)
      const { receiveDir, partDir, placed, entry } = await received(A)
      const B = randomBytes(CHUNK)
      await writeFile(placed, B)
      await utimes(placed, entry.mtimeMs / 1000, entry.mtimeMs / 1000)
      const plan = await planReceive({ transferId: ID, files: [entry], receiveDir, partDir, store, sink })
      expect(plan.files[0].done).toBe(false)
      expect(plan.queue).toEqual([{ file: 0, chunk: 0 }])
      expect((await readFile(placed)).equals(B)).toBe(true)
    })

    it('for the free-space estimate: a file whose change time cannot tell (FAT, exFAT) counts by its size and time; where it can, one rewritten under its old time does not (review finding: it counted, and a receive could start and fail late for room)', async () => {
      const A = randomBytes(CHUNK)
      const { receiveDir, placed, entry } = await received(A)
      await writeFile(placed, randomBytes(CHUNK))
      await utimes(placed, entry.mtimeMs / 1000, entry.mtimeMs / 1000)
      expect(await alreadyInPlace(receiveDir, entry.path, entry, store, undefined, { estimate: true })).toBeUndefined()
      // recorded as on FAT and exFAT: the change time cannot tell, so size and time are what the estimate has
      const st = await lstat(placed, { bigint: true })
      store.reindexFile(placed, entry.mtimeMs, { ino: st.ino, ctimeNs: UNTRUSTED_CTIME }, true)
      expect((await alreadyInPlace(receiveDir, entry.path, entry, store, undefined, { estimate: true }))?.path).toBe(placed)
      // not without `estimate`: the plan reads it
      expect(await alreadyInPlace(receiveDir, entry.path, entry, store)).toBeUndefined()
    })

    it('only chmod\'ed here (its change time moved, its bytes the same): read, found the same, in place, its mode kept (the person\'s choice here: review finding), and recorded as it is now', async () => {
      const A = randomBytes(CHUNK)
      const { receiveDir, partDir, placed, entry } = await received(A)
      await chmod(placed, 0o600)
      const plan = await planReceive({ transferId: ID, files: [entry], receiveDir, partDir, store, sink })
      expect(plan.files[0]).toMatchObject({ done: true, dest: placed })
      const st = await lstat(placed, { bigint: true })
      expect(Number(st.mode) & 0o777).toBe(0o600)
      expect(store.indexedFile(placed)?.identity).toEqual(identityOf(st))
    })

    it('touched or chmod\'ed here: read once (its bytes the same), then found unchanged without reading; its time and mode are the person\'s from then on, kept against later offers (review findings: a touch set the file to be read at every send; a chmod was undone at the send after)', async () => {
      const A = randomBytes(CHUNK)
      const { receiveDir, partDir, placed, entry } = await received(A)
      let reads = 0
      const counting = new Proxy(sink, { get: (t, k) => k === 'verify' ? async (...a: Parameters<ChunkSink['verify']>) => { reads++; return await t.verify(...a) } : Reflect.get(t, k) })
      await chmod(placed, 0o600)
      await utimes(placed, new Date(), new Date()) // on ext4: change time = modification time
      const offers = [entry, { ...entry, mtimeMs: 1_262_304_000_123, mode: 0o644 }, { ...entry, mode: 0o755 }]
      for (const [i, offered] of offers.entries()) {
        expect((await planReceive({ transferId: ID, files: [offered], receiveDir, partDir, store, sink: counting })).files[0], `send ${i + 1}`).toMatchObject({ done: true, dest: placed })
        expect(reads, `reads after send ${i + 1}`).toBe(1)
        expect((await lstat(placed)).mode & 0o777, `mode after send ${i + 1}`).toBe(0o600)
      }
    })

    it('where the change time cannot tell a rewrite (sshfs reports the modification time as the change time), the file is recorded as such and read at every send: a rewrite under its old time is caught there too (review finding)', async () => {
      expect(identityOf({ ino: 7n, ctimeNs: 5n, mtimeNs: 5n })).toEqual({ ino: 7n, ctimeNs: UNTRUSTED_CTIME })
      const A = randomBytes(CHUNK)
      const { receiveDir, partDir, placed, entry } = await received(A)
      const { ino } = await lstat(placed, { bigint: true })
      store.reindexFile(placed, entry.mtimeMs, { ino, ctimeNs: UNTRUSTED_CTIME }, true)
      // as it was: read, found the same, in place
      expect((await planReceive({ transferId: ID, files: [entry], receiveDir, partDir, store, sink })).files[0]).toMatchObject({ done: true, dest: placed })
      store.reindexFile(placed, entry.mtimeMs, { ino, ctimeNs: UNTRUSTED_CTIME }, true)
      await writeFile(placed, randomBytes(CHUNK))
      await utimes(placed, entry.mtimeMs / 1000, entry.mtimeMs / 1000)
      expect((await planReceive({ transferId: ID, files: [entry], receiveDir, partDir, store, sink })).files[0].done).toBe(false)
    })

    it('the offer\'s time and mode are not put on a file with another name elsewhere (a hard link), and a file that cannot take them (immutable) is in place all the same (review findings: a private copy elsewhere was made readable; the receive failed with EPERM at every try)', async () => {
      const A = randomBytes(CHUNK)
      const linked = await received(A)
      const elsewhere = join(dir, 'my-private-copy')
      await link(linked.placed, elsewhere)
      await chmod(elsewhere, 0o600)
      // recorded as it is now (the link moved its change time)
      store.reindexFile(linked.placed, linked.entry.mtimeMs, identityOf(await lstat(linked.placed, { bigint: true })), true)
      const touched = { ...linked.entry, mtimeMs: 1_262_304_000_123, mode: 0o666 }
      expect((await planReceive({ transferId: ID, files: [touched], receiveDir: linked.receiveDir, partDir: linked.partDir, store, sink })).files[0]).toMatchObject({ done: true })
      expect((await lstat(elsewhere)).mode & 0o777).toBe(0o600)
      await rm(elsewhere)
      await rm(linked.receiveDir, { recursive: true })

      const frozen = await received(A)
      if (!chattr('+i', frozen.placed)) return // tmpfs and others: nothing to check here
      try {
        const plan = await planReceive({ transferId: ID, files: [touched], receiveDir: frozen.receiveDir, partDir: frozen.partDir, store, sink })
        expect(plan.files[0]).toMatchObject({ done: true, dest: frozen.placed })
      } finally { chattr('-i', frozen.placed) }
    })

    it('touched or chmod\'ed on the sender since (the offer\'s time and mode differ): in place, and given the offer\'s (review finding: they never reached the receiver)', async () => {
      const A = randomBytes(CHUNK)
      const { receiveDir, partDir, placed, entry } = await received(A)
      const touched = { ...entry, mtimeMs: 1_262_304_000_123, mode: 0o755 }
      const plan = await planReceive({ transferId: ID, files: [touched], receiveDir, partDir, store, sink })
      expect(plan.files[0]).toMatchObject({ done: true, dest: placed })
      const st = await lstat(placed)
      expect(Math.floor(st.mtimeMs)).toBe(1_262_304_000_123)
      expect(st.mode & 0o777).toBe(0o755)
      // and found in place at the next send, without reading it
      expect(store.indexedFile(placed)).toMatchObject({ mtimeMs: 1_262_304_000_123, identity: identityOf(await lstat(placed, { bigint: true })) })
    })

    it('touched on the sender by less than a FAT step (900 µs, 1.5 s, a time set to the nanosecond): given the offer\'s time, as a larger change is (user-test finding: a re-send left the old time, 2 s being taken as the same time on every file system)', async () => {
      const A = randomBytes(CHUNK)
      const { receiveDir, partDir, placed, entry } = await received(A)
      const offers = [{ ...entry, mtimeMs: entry.mtimeMs, mtimeSubMsNs: 900_000 }, { ...entry, mtimeMs: entry.mtimeMs + 1500 }, { ...entry, mtimeMs: entry.mtimeMs + 1500, mtimeSubMsNs: 123_456 }]
      for (const [i, offered] of offers.entries()) {
        expect((await planReceive({ transferId: ID, files: [offered], receiveDir, partDir, store, sink })).files[0], `send ${i + 1}`).toMatchObject({ done: true, dest: placed })
        const ns = (await lstat(placed, { bigint: true })).mtimeNs
        const offeredNs = BigInt(offered.mtimeMs) * 1_000_000n + BigInt(offered.mtimeSubMsNs ?? 0)
        // as closely as utimes' double of seconds allows (~0.24 µs today)
        expect(Number(ns - offeredNs), `time after send ${i + 1}: ${ns}`).toBeGreaterThan(-1000)
        expect(Number(ns - offeredNs), `time after send ${i + 1}: ${ns}`).toBeLessThan(1000)
      }
    })

    it('a row from before identities were recorded: taken as it was (size and time) once, and recorded', async () => {
      const A = randomBytes(CHUNK)
      const { receiveDir, partDir, placed, entry } = await received(A)
      db.prepare('UPDATE file_index SET ino = NULL, ctime_ns = NULL').run()
      expect(store.indexedFile(placed)?.identity).toBeUndefined()
      expect((await alreadyInPlace(receiveDir, entry.path, entry, store))?.path).toBe(placed)
      expect(store.indexedFile(placed)?.identity).toEqual(identityOf(await lstat(placed, { bigint: true })))
      const plan = await planReceive({ transferId: ID, files: [entry], receiveDir, partDir, store, sink })
      expect(plan.files[0]).toMatchObject({ done: true, dest: placed })
    })
  })

  it('index rows of received files moved away are forgotten when a copy from them fails, so the live copy behind them is found (review finding: the four rows tried hid it for good)', async () => {
    const A = randomBytes(CHUNK)
    const { receiveDir, partDir } = await receiveFolders()
    // five copies received over time; the four newest were moved out of the folder since
    for (let i = 0; i < 5; i++) {
      const path = join(receiveDir, `copy-${i}.bin`)
      await writeFile(path, A)
      indexed(path, [A])
      if (i > 0) await rm(path)
    }
    const wanted = [file('new/A.bin', [A])]
    // the four it tries first are gone, and forgotten; it goes on to the copy behind them
    const first = await planReceive({ transferId: ID, files: wanted, receiveDir, partDir, store, sink })
    expect(first.queue).toEqual([])
    expect(first.copiedBytes).toBe(CHUNK)
    expect(store.findChunk(hash(A)).map((l) => l.path)).toEqual([join(receiveDir, 'copy-0.bin')])
  })

  describe('the dedup index\'s places of a chunk, walked past those that fail (review findings)', () => {
    /** `sink` with its copies counted by source path, or failing with `fail` */
    function counting (fail?: () => FerryError): { sink: ChunkSink, tries: Map<string, number> } {
      const tries = new Map<string, number>()
      return {
        tries,
        sink: {
          ...sink,
          copy: async (from, fromOffset, to, toOffset, length, expected) => {
            tries.set(from, (tries.get(from) ?? 0) + 1)
            if (fail != null) throw fail()
            await sink.copy(from, fromOffset, to, toOffset, length, expected)
          }
        }
      }
    }

    it('a file removed with its folder that held a chunk 40 times is one place, not 40: the live copy behind it is copied', async () => {
      const A = randomBytes(CHUNK)
      const { receiveDir, partDir } = await receiveFolders()
      const live = join(receiveDir, 'live.bin')
      await writeFile(live, A)
      indexed(live, [A])
      const gone = join(receiveDir, 'gone', 'img.raw')
      indexed(gone, Array.from({ length: 40 }, () => A))
      const { sink: counted, tries } = counting()
      const plan = await planReceive({ transferId: ID, files: [file('new/A.bin', [A])], receiveDir, partDir, store, sink: counted })
      expect({ queue: plan.queue, copied: plan.copiedBytes }).toEqual({ queue: [], copied: CHUNK })
      expect(Object.fromEntries(tries)).toEqual({ [gone]: 1, [live]: 1 })
    })

    it('a file that failed is tried once a plan, not again for each chunk it held', async () => {
      const blocks = Array.from({ length: 8 }, () => randomBytes(CHUNK))
      const { receiveDir, partDir } = await receiveFolders()
      // received once into a folder removed since (its rows kept: a disk not mounted looks the same)
      const gone = join(receiveDir, 'gone', 'movie.mkv')
      indexed(gone, blocks)
      const { sink: counted, tries } = counting()
      const plan = await planReceive({ transferId: ID, files: [file('movie.mkv', blocks)], receiveDir, partDir, store, sink: counted })
      expect(plan.queue).toHaveLength(8)
      expect(Object.fromEntries(tries)).toEqual({ [gone]: 1 })
    })

    it('a copy that fails for the part file\'s disk (full) stops the walk: no other place would do better', async () => {
      const A = randomBytes(CHUNK)
      const { receiveDir, partDir } = await receiveFolders()
      for (let i = 0; i < 40; i++) {
        const path = join(receiveDir, `copy-${i}.bin`)
        await writeFile(path, A)
        indexed(path, [A])
      }
      const { sink: full, tries } = counting(() => new FerryError('E_NO_SPACE', 'ENOSPC: no space left on device, write'))
      const plan = await planReceive({ transferId: ID, files: [file('new/A.bin', [A])], receiveDir, partDir, store, sink: full })
      expect(plan.queue).toEqual([{ file: 0, chunk: 0 }])
      expect([...tries.values()].reduce((a, b) => a + b, 0)).toBe(1)
      // the copies stay indexed: nothing was wrong with them
      expect(store.findChunk(hash(A))).toHaveLength(4)
    })
  })

  it('what a big file copied from the receive folder holds is said chunk by chunk as the plan copies it, not only once the next file begins (user-test finding: a 2.1 GiB video copied locally showed 0 B until it was whole)', async () => {
    const blocks = Array.from({ length: 4 }, () => randomBytes(CHUNK))
    const { receiveDir, partDir } = await receiveFolders()
    const held = join(receiveDir, 'movie.mkv')
    await writeFile(held, Buffer.concat(blocks))
    indexed(held, blocks)
    const said: number[] = []
    const plan = await planReceive({ transferId: ID, files: [file('copy/movie.mkv', blocks)], receiveDir, partDir, store, sink, onHave: (n) => { said.push(n) } })
    expect(plan.copiedBytes).toBe(4 * CHUNK)
    expect(said).toEqual([CHUNK, 2 * CHUNK, 3 * CHUNK, 4 * CHUNK])
  })

  it('a chunk received as a file that is still there is copied, not fetched, behind the rows of four or more copies deleted with their folder (user-test finding: rows kept, as for a disk not mounted, hid it, and a 2.1 GiB video the receive folder held crossed the network again)', async () => {
    const A = randomBytes(CHUNK)
    const { receiveDir, partDir } = await receiveFolders()
    const kept = join(receiveDir, 'orig', 'z.bin')
    await mkdir(dirname(kept), { recursive: true })
    await writeFile(kept, A)
    indexed(kept, [A])
    // five copies received after it, into a folder the user removed since
    await mkdir(join(receiveDir, 'copies'))
    const copies = Array.from({ length: 5 }, (_, i) => join(receiveDir, 'copies', `z${i}.bin`))
    for (const path of copies) {
      await writeFile(path, A)
      indexed(path, [A])
    }
    await rm(join(receiveDir, 'copies'), { recursive: true })
    const plan = await planReceive({ transferId: ID, files: [file('new/znew.bin', [A])], receiveDir, partDir, store, sink })
    expect(plan.queue).toEqual([])
    expect(plan.copiedBytes).toBe(CHUNK)
    // the rows of the removed folder stay (its disk may be one not mounted now): the walk goes past them each time
    expect(store.findChunk(hash(A)).map((l) => l.path)).toEqual(copies.slice(1).reverse())
  })

  /**
   * Five copies of a chunk received into a folder removed since, and one still there: `receiveDir` recorded as the
   * receive's folder, its disk remembered as `seen` says (the real rule, as an offer looks at it; or a mount point
   * that nothing is mounted at now, as for a receive folder that was a disk's mount point, the disk away now).
   */
  async function copiesRemoved (seen: 'there' | 'away'): Promise<{ receiveDir: string, partDir: string, kept: string, copies: string[], A: Buffer }> {
    const A = randomBytes(CHUNK)
    const { receiveDir, partDir } = await receiveFolders()
    store.update(ID, { receiveDir })
    if (seen === 'there') expect(await lookAtReceiveMount(receiveDir, storeMountMemory(store, { warn: () => {} }))).toEqual({ there: true })
    else store.setReceiveMount(receiveDir, JSON.stringify({ point: await realpath(receiveDir), at: Date.now() }))
    const kept = join(receiveDir, 'orig', 'z.bin')
    await mkdir(dirname(kept), { recursive: true })
    await writeFile(kept, A)
    indexed(kept, [A])
    await mkdir(join(receiveDir, 'copies', 'deep'), { recursive: true })
    const copies = Array.from({ length: 5 }, (_, i) => join(receiveDir, 'copies', 'deep', `z${i}.bin`))
    for (const path of copies) {
      await writeFile(path, A)
      indexed(path, [A])
    }
    await rm(join(receiveDir, 'copies'), { recursive: true })
    return { receiveDir, partDir, kept, copies, A }
  }

  it('the rows of a folder the person removed are forgotten by the plan that tries them, where the receive folder is there on the disk it was last seen on (notes\' leftover: kept for good, as for a disk not mounted); kept where that disk is away', async () => {
    for (const seen of ['there', 'away'] as const) {
      const { receiveDir, partDir, kept, copies, A } = await copiesRemoved(seen)
      const plan = await planReceive({ transferId: ID, files: [file('new/znew.bin', [A])], receiveDir, partDir, store, sink })
      expect(plan.copiedBytes).toBe(CHUNK)
      expect(store.findChunkPage(hash(A), 8).map((l) => l.path), seen).toEqual(seen === 'there' ? [kept] : [...copies.reverse(), kept])
      await rm(receiveDir, { recursive: true })
      for (const path of [kept, ...copies]) store.forgetPath(path)
    }
  })

  it('pruneIndex forgets the files of a folder the person removed, where the receive folder is there on the disk it was last seen on; keeps them where that disk is away', async () => {
    for (const seen of ['there', 'away'] as const) {
      const { receiveDir, kept, copies } = await copiesRemoved(seen)
      // the file kept is indexed with a time of 0: changed, to the prune, which forgets it as well
      await utimes(kept, 0, 0)
      expect(await pruneIndex(store), seen).toBe(seen === 'there' ? copies.length : 0)
      expect(copies.map((p) => store.indexedFile(p) !== undefined)).toEqual(copies.map(() => seen !== 'there'))
      await rm(receiveDir, { recursive: true })
      for (const path of [kept, ...copies]) store.forgetPath(path)
    }
  })

  it('pruneIndex forgets received files that are gone or changed, and keeps the rest, also those whose folder is missing (a disk not mounted now: review finding)', async () => {
    const receiveDir = join(dir, 'received')
    await mkdir(join(receiveDir, 'usb'), { recursive: true })
    const paths = ['kept', 'removed', 'edited', 'usb/unmounted'].map((n) => join(receiveDir, n))
    for (const path of paths) {
      const data = randomBytes(1000)
      await writeFile(path, data)
      store.indexFiles([{ path, fileRoot: randomBytes(32), size: 1000, mtimeMs: Math.floor((await stat(path)).mtimeMs), chunks: ChunkHashes.of([hash(data)]), chunkSize: CHUNK }])
    }
    await rm(paths[1])
    await writeFile(paths[2], randomBytes(1001))
    await rm(join(receiveDir, 'usb'), { recursive: true })
    expect(await pruneIndex(store)).toBe(2)
    expect(paths.map((p) => store.indexedFile(p) !== undefined)).toEqual([true, false, false, true])
  })

  it('files a signed receipt already gave up are planned as given up: nothing of them fetched, no part file made', async () => {
    const [A, B] = [randomBytes(CHUNK), randomBytes(CHUNK)]
    const files = [file('kept.bin', [A]), file('changed.bin', [B])]
    const { receiveDir, partDir } = await receiveFolders()
    const givenUp = new Bitmap(2)
    givenUp.set(1)
    // its chunk had been verified and recorded before the sender gave it up
    const held = new Bitmap(1)
    held.set(0)
    store.setFile(ID, 1, { done: false, bitmap: held.bytes })
    const plan = await planReceive({ transferId: ID, files, receiveDir, partDir, store, sink, givenUp })
    expect(plan.queue).toEqual([{ file: 0, chunk: 0 }])
    // what was recorded of the file given up is not held: its chunks are not counted, nor taken off again (review finding)
    expect(plan.files[1].bitmap.done).toBe(0)
    expect(plan.files[1].unavailable).toMatchObject({ code: 'E_SOURCE_CHANGED' })
    expect(plan.files[0].unavailable).toBeUndefined()
    expect((await readdir(partDir)).sort()).toEqual(['0'])
  })
})
