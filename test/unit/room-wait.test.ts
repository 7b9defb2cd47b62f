// What a receive waiting for room on its disk needs there (room-wait.ts
// RoomWait.shortage): what is left to receive, less the chunks of zeros its
// plan has not counted as held yet (they are never written), plus its spool
// and the disk's margin. Its plan counts every chunk of zeros as held
// (receive-plan.ts), so once planned what is left holds none of them: taking
// them off again said a sparse receive needed nothing, and it ran again as
// soon as the margin was free, to fail at its first write (review finding).
// Nor does it count the room of other receives that wait for room too:
// each would wait for room for all, and with room for one alone none would
// go on. And one whose room is back while its sender is away says it waits
// for its sender. The disk's counts are faked (statfs), but for the test of
// the others, on a real folder's disk.

import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { statfs } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { INODE_MARGIN, marginFor } from '../../src/transfer/folder/space.ts'
import { RoomWait } from '../../src/transfer/receive/room-wait.ts'
import { Receives, spoolOf } from '../../src/transfer/receive/receives.ts'
import { FerryError } from '../../src/errors.ts'
import type { TransferContext } from '../../src/transfer/context.ts'
import { hash } from '../../src/transfer/manifest/blake3.js'
import type { Receiver } from '../../src/transfer/receive/receiver.ts'
import { FrameReader, encodeChunkHeader, encodeOffer, readChunkRequest, sendAll, type ChunkRequestMsg, type OfferFile } from '../../src/protocol/transfer.ts'
import type { Stream } from '@libp2p/interface'
import { streamPair } from '@libp2p/utils'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

/** the free bytes (and file entries) statfs(2) answers for `dir`, on a disk of BLOCKS blocks of 4 KiB and 100,000 inodes */
const disk = vi.hoisted(() => ({ dir: '', free: 0, ffree: 100_000 }))
const BLOCKS = 2 ** 24

vi.mock('node:fs/promises', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs/promises')>()
  const statfs = (async (path: string, opts?: object) => {
    const st = await orig.statfs(path, opts as never)
    if (disk.dir === '' || !String(path).startsWith(disk.dir)) return st
    return Object.assign(Object.create(Object.getPrototypeOf(st) as object) as object, st, { bsize: 4096, blocks: BLOCKS, bfree: disk.free / 4096, bavail: disk.free / 4096, files: 100_000, ffree: disk.ffree })
  }) as typeof orig.statfs
  return { ...orig, statfs, default: { ...orig, statfs } }
})

const dir = mkdtempSync(join(tmpdir(), 'ferry-room-wait-'))
disk.dir = dir
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

const MiB = 1024 * 1024
/** the sender's key: receives name their peer by a real peer ID (it is dialled) */
const key = await generateKeyPair('Ed25519')
const margin = marginFor(BLOCKS * 4096)
/** one file of four 1 MiB chunks, the first three of zeros (a sparse disk image's) */
const image: OfferFile = { path: 'disk.img', kind: 'file', size: 4 * MiB, mtimeMs: 0, mode: 0o644, chunkSize: MiB, chunks: ChunkHashes.of([...Array(3).fill(Buffer.from(hash(new Uint8Array(MiB)))), Buffer.alloc(32, 7)]), fileRoot: new Uint8Array(32) }

function receiveOf (left: number, planned: boolean): Receiver {
  return { id: 'r', receiveDir: dir, rootHex: '0'.repeat(64), offer: { files: [image] }, progress: { left }, planned } as unknown as Receiver
}

const wait = new RoomWait({ reservedIn: () => 0, run: () => {}, log: { info: () => {}, warn: () => {} } })

describe('the room a receive waiting for it needs', () => {
  it('counts the bytes left that are not zeros its plan counted as held already (review finding: its zeros were left out twice)', async () => {
    // planned: its three chunks of zeros are held, 1 MiB of data is left, and half of it fits
    disk.free = margin + spoolOf([image], MiB) + MiB / 2
    const short = await wait.shortage(receiveOf(MiB, true))
    expect(short?.code).toBe('E_NO_SPACE')
    disk.free = margin + spoolOf([image], MiB) + MiB
    expect(await wait.shortage(receiveOf(MiB, true))).toBeUndefined()
  })

  it('leaves out the chunks of zeros of a receive not planned yet: they are in what is left, and never written', async () => {
    disk.free = margin + spoolOf([image], MiB) + MiB
    expect(await wait.shortage(receiveOf(4 * MiB, false))).toBeUndefined()
    disk.free = margin + spoolOf([image], MiB) + MiB / 2
    expect((await wait.shortage(receiveOf(4 * MiB, false)))?.code).toBe('E_NO_SPACE')
  })
})

/** As much of a Receiver as RoomWait reads; each of other files (a root of its own: those of the same files count once) */
let roots = 0
function receive (left: number, waitsFor?: FerryError): Receiver {
  return { receiveDir: tmpdir(), rootHex: (++roots).toString(16).padStart(64, '0'), progress: { left }, offer: { files: [] }, waitsFor } as unknown as Receiver
}

function roomWait (others: Receiver[]): RoomWait {
  return new RoomWait({
    reservedIn: (_dir, which) => others.filter(which).reduce((n, o) => n + o.progress.left, 0),
    run: () => {},
    log: { info: () => {}, warn: () => {} }
  })
}

describe('RoomWait.shortage', () => {
  it('needs room for what the receives under way still need, not for those that wait for room too', async () => {
    const st = await statfs(tmpdir())
    const free = Number(st.bavail) * Number(st.bsize)
    const full = new FerryError('E_NO_SPACE', 'waits for room')
    const me = receive(1)
    // another that runs and needs more than the disk has: no room for this one
    expect((await roomWait([me, receive(2 * free)]).shortage(me))?.code).toBe('E_NO_SPACE')
    // the same, waiting for room itself: this one may go on
    expect(await roomWait([me, receive(2 * free, full)]).shortage(me)).toBeUndefined()
    // and what it needs itself counts
    expect((await roomWait([me]).shortage(receive(2 * free)))?.code).toBe('E_NO_SPACE')
  })
})

/** The receive side of a daemon receiving into `dir`, its runs recorded in `ran` instead of run; `c` in place of the context's parts these tests vary (who is online, the node, the store, the log). */
function receivesHere (c: { isOnline?: (peer: string) => boolean, node?: unknown, store?: unknown, log?: unknown } = {}): { receives: Receives, ran: Receiver[] } {
  const quiet = { debug: () => {}, info: () => {}, warn: () => {} }
  const ctx = { c: { receiveDir: dir, log: quiet, trust: { get: () => undefined }, store: { files: () => new Map() }, isOnline: () => true, peerName: () => 'beta', node: {}, ...c }, pendingStates: { write: () => true, update: () => {} }, changed: () => {}, stopping: false } as unknown as TransferContext
  const receives = new Receives(ctx)
  const ran: Receiver[] = []
  vi.spyOn(receives, 'runReceiver').mockImplementation(async (r) => { ran.push(r) })
  return { receives, ran }
}

/** The receive side of a daemon whose sender ("beta") is away, or reached through `chunks`, with one receive of `image` waiting for room, as Receiver.awaitRoom leaves it (its run failed with ENOSPC, the disk short). */
function waitingForRoom (chunks?: Stream): { receives: Receives, r: Receiver, full: FerryError } {
  const node = { dialProtocol: async () => { if (chunks == null) throw new Error('away'); return chunks } }
  const { receives } = receivesHere({ isOnline: () => chunks != null, node })
  const r = receives.newReceiver('b'.repeat(32), peerIdFromPrivateKey(key).toString(), { transferId: new Uint8Array(16), root: new Uint8Array(32), totalBytes: 4 * MiB, files: [image] }, 'waiting', { receiveDir: dir, doneBytes: 3 * MiB, localBytes: 3 * MiB })
  const full = new FerryError('E_NO_SPACE', 'the receive folder\'s disk filled up while this ran')
  Object.assign(r, { roomAwaited: full, error: full })
  return { receives, r, full }
}

describe('a receive whose room is back while its sender is away', () => {
  it('says it waits for its sender, not for room it has (review finding: "waiting for room", its figures frozen, until the sender came back)', async () => {
    const { receives, r, full } = waitingForRoom()
    expect(r.waitsFor).toBe(full)
    await new Promise((resolve) => setTimeout(resolve, 30))
    disk.free = margin + spoolOf([image], MiB) + MiB
    receives.resumeRuns(undefined, Date.now())
    await vi.waitFor(() => { expect(r.waitsFor).toBeUndefined() })
    expect(r.state).toBe('waiting')
    expect(r.error?.code).toBe('E_PEER_UNREACHABLE')
    expect(r.error?.message).toMatch(/room .* again.*beta/)
    // its wait told by cause as its error changed: room until now, its sender from now on (wait-clock.ts)
    expect(r.waits.byCause()?.room).toBeGreaterThanOrEqual(25)
    expect(r.waits.record().waitingCause).toBe('peer')
  })
})

describe('a receive waiting for room that tells its sender so', () => {
  /** The sender's side of the tell: the request read, then `answer` (a chunk header) or nothing, and its end closed. */
  async function sender (answer?: FerryError): Promise<{ out: Stream, asked: Promise<ChunkRequestMsg | undefined> }> {
    const [out, inbound] = await streamPair()
    const asked = (async () => {
      const req = await readChunkRequest(new FrameReader(inbound))
      if (answer != null) await sendAll(inbound, encodeChunkHeader({ fileIndex: 0, chunk: 0, length: 0, error: answer }))
      await inbound.close()
      return req
    })()
    return { out, asked }
  }

  it('ends cancelled when its sender answers that it cancelled it (while this daemon was down, its cancel lost), not waiting on for room for nothing (helper finding)', async () => {
    const { out, asked } = await sender(new FerryError('E_CANCELLED', 'the sender cancelled this transfer'))
    const { receives, r, full } = waitingForRoom(out)
    await receives.tellSender(r, { waitsFor: full, heldBytes: 3 * MiB })
    expect((await asked)?.waitsFor?.code).toBe('E_NO_SPACE')
    expect(r.state).toBe('cancelled')
    expect(r.error?.message).toBe('cancelled by the sender')
    expect(r.waitsFor).toBeUndefined()
  })

  it('waits on when its sender, still sending it, answers nothing', async () => {
    const { out, asked } = await sender()
    const { receives, r, full } = waitingForRoom(out)
    await receives.tellSender(r, { waitsFor: full, heldBytes: 3 * MiB })
    expect((await asked)?.heldBytes).toBe(3 * MiB)
    expect(r.state).toBe('waiting')
    expect(r.waitsFor).toBe(full)
  })
})

describe('two receives waiting for room on one disk, with room for one', () => {
  it('lets one go, not both: the second looks at the disk with the first counted (its looks and the first\'s came in the same tick, and both went, to split the room and fill the disk again)', async () => {
    const { receives, ran } = receivesHere()
    const full = new FerryError('E_NO_SPACE', 'the receive folder\'s disk filled up while this ran')
    const both = ['c', 'd'].map((c) => {
      // of other files each (those of the same files share their part folder, and go on together)
      const r = receives.newReceiver(c.repeat(32), peerIdFromPrivateKey(key).toString(), { transferId: new Uint8Array(16), root: Buffer.from(c.repeat(64), 'hex'), totalBytes: 4 * MiB, files: [image] }, 'waiting', { receiveDir: dir, doneBytes: 3 * MiB, localBytes: 3 * MiB })
      Object.assign(r, { roomAwaited: full, error: full })
      return r
    })
    // room for one of them (1 MiB left each, its spool, the margin), not for two
    disk.free = margin + spoolOf([image], MiB) + MiB
    receives.resumeRuns(undefined, Date.now())
    await vi.waitFor(() => { expect(ran.length).toBe(1) })
    // the other's look is done too: it still waits for room
    await vi.waitFor(() => { expect(both.filter((r) => r.waitsFor != null).length).toBe(1) })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(ran.length).toBe(1)
  })
})

describe('a receive waiting for room when the daemon stopped', () => {
  it('waits for room again after the restart, saying so, and runs once there is room, not at once to fail at its first write (its wait was in memory only: shown "waiting for peer", its sender told it fetched)', async () => {
    const { receives, ran } = receivesHere()
    const id = 'e'.repeat(32)
    const offer = { transferId: Buffer.from(id, 'hex'), root: new Uint8Array(32), totalBytes: 4 * MiB, files: [image] }
    // as Receiver.pause leaves its row: waiting, with the error its wait last showed
    const said = 'the receive folder\'s disk filled up while this ran: the receive folder has 1.0 MiB free; this needs 2.0 MiB; it goes on by itself once there is room (free space there, or cancel it)'
    await receives.load({ id, direction: 'receive', peerId: peerIdFromPrivateKey(key).toString(), state: 'waiting', offer: encodeOffer(offer), receiveDir: dir, doneBytes: 3 * MiB, wireBytes: MiB, localBytes: 3 * MiB, errorCode: 'E_NO_SPACE', errorMessage: said, createdAt: Date.now() } as never)
    const r = receives.receivers.get(id)!
    expect(r.waitsFor?.code).toBe('E_NO_SPACE')
    expect(r.error?.message).toBe(said)
    disk.free = margin
    receives.resumeRuns(undefined, Date.now())
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(ran).toEqual([])
    expect(r.waitsFor?.code).toBe('E_NO_SPACE')
    disk.free = margin + spoolOf([image], MiB) + MiB
    receives.resumeRuns(undefined, Date.now())
    await vi.waitFor(() => { expect(ran).toEqual([r]) })
  })
})

describe('a receive waiting for room whose run left chunk starts in its spool slots', () => {
  it('counts them as room, as an offer\'s check does: its next plan reads them back and removes them (they were asked for on top, so it waited for up to its whole spool more than it needed)', async () => {
    const root = 'f'.repeat(64)
    const partDir = join(dir, '.ferry-part', root)
    mkdirSync(partDir, { recursive: true })
    try {
      // 2 MiB of chunk starts on disk, in two slots; the disk 1 MiB short of what the receive needs with them freed
      writeFileSync(join(partDir, 'spool-0a0b0c0d-0'), Buffer.alloc(MiB, 1))
      writeFileSync(join(partDir, 'spool-0a0b0c0d-1'), Buffer.alloc(MiB, 1))
      disk.free = margin + spoolOf([image], MiB)
      const r = { ...receiveOf(MiB, true), rootHex: root } as unknown as Receiver
      expect(await wait.shortage(r)).toBeUndefined()
      // and with them counted it can still be short, and says so
      disk.free = margin + spoolOf([image], MiB) - 2 * MiB
      expect((await wait.shortage(r))?.message).toMatch(/of chunk starts kept from before/)
    } finally {
      rmSync(join(dir, '.ferry-part'), { recursive: true, force: true })
    }
  })
})

describe('a receive waiting for room whose sender comes online', () => {
  /** The receive side, its receive loaded waiting for room as a restart leaves it; the sender online as `online` says, reached through the streams of `sender()`, each answered `answer` */
  async function loaded (answer: FerryError | undefined, online: { now: boolean }): Promise<{ receives: Receives, r: Receiver, asked: ChunkRequestMsg[], ran: Receiver[] }> {
    const asked: ChunkRequestMsg[] = []
    const node = {
      dialProtocol: async () => {
        const [out, inbound] = await streamPair()
        void (async () => {
          const req = await readChunkRequest(new FrameReader(inbound))
          if (req != null) asked.push(req)
          if (answer != null) await sendAll(inbound, encodeChunkHeader({ fileIndex: 0, chunk: 0, length: 0, error: answer }))
          await inbound.close()
        })()
        return out
      }
    }
    const { receives, ran } = receivesHere({ isOnline: () => online.now, node })
    const id = '1'.repeat(32)
    const offer = { transferId: Buffer.from(id, 'hex'), root: new Uint8Array(32), totalBytes: 4 * MiB, files: [image] }
    await receives.load({ id, direction: 'receive', peerId: peerIdFromPrivateKey(key).toString(), state: 'waiting', offer: encodeOffer(offer), receiveDir: dir, doneBytes: 3 * MiB, wireBytes: MiB, localBytes: 3 * MiB, errorCode: 'E_NO_SPACE', errorMessage: 'the receive folder\'s disk filled up while this ran', createdAt: Date.now() } as never)
    return { receives, r: receives.receivers.get(id)!, asked, ran }
  }

  it('tells it again that it waits, and ends cancelled when it answers that it cancelled it while this daemon was down (its cancel lost: helper finding of a9c022a, back once a restart kept the wait)', async () => {
    disk.free = margin
    const { receives, r, asked } = await loaded(new FerryError('E_CANCELLED', 'the sender cancelled this transfer'), { now: true })
    receives.resumeRuns(r.peerId, Date.now())
    await vi.waitFor(() => { expect(r.state).toBe('cancelled') })
    expect(asked[0]?.waitsFor?.code).toBe('E_NO_SPACE')
    expect(asked[0]?.heldBytes).toBe(3 * MiB)
  })

  it('does not tell it that it waits when the same look lets it run (notes\' leftover: the tell went with the look, and the send showed "waiting for room" through the plan, until its first chunk was served)', async () => {
    disk.free = margin + spoolOf([image], MiB) + MiB
    const { receives, r, asked, ran } = await loaded(undefined, { now: true })
    receives.resumeRuns(r.peerId, Date.now())
    await vi.waitFor(() => { expect(ran).toEqual([r]) })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(asked).toEqual([])
  })

  it('tells it once while it stays online (a hello counts as coming online), and again once it was away', async () => {
    disk.free = margin
    const online = { now: true }
    const { receives, r, asked } = await loaded(undefined, online)
    for (let i = 0; i < 3; i++) receives.resumeRuns(r.peerId, Date.now())
    await vi.waitFor(() => { expect(asked.length).toBe(1) })
    online.now = false
    receives.resumeRuns(undefined, Date.now())
    online.now = true
    receives.resumeRuns(r.peerId, Date.now())
    await vi.waitFor(() => { expect(asked.length).toBe(2) })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(asked.length).toBe(2)
    expect(r.state).toBe('waiting')
  })
})

describe('a receive waiting for room, and the part folders ended receives left', () => {
  /** A part folder an ended receive left (kept a day for a re-send), of 1 MiB; and the receive side with one receive waiting for room, its sender online and its runs not begun */
  async function withKept (): Promise<{ receives: Receives, r: Receiver, kept: string, ran: Receiver[] }> {
    const kept = join(dir, '.ferry-part', 'ab'.repeat(32))
    mkdirSync(kept, { recursive: true })
    writeFileSync(join(kept, '0'), Buffer.alloc(MiB, 1))
    const { receives, ran } = receivesHere({ store: { forgetUnder: () => {}, files: () => new Map() }, node: { dialProtocol: async () => { throw new Error('not in this test') } } })
    const r = receives.newReceiver('2'.repeat(32), peerIdFromPrivateKey(key).toString(), { transferId: new Uint8Array(16), root: new Uint8Array(32), totalBytes: 4 * MiB, files: [image] }, 'waiting', { receiveDir: dir, doneBytes: 3 * MiB, localBytes: 3 * MiB })
    const full = new FerryError('E_NO_SPACE', 'the receive folder\'s disk filled up while this ran')
    Object.assign(r, { roomAwaited: full, error: full })
    return { receives, r, kept, ran }
  }

  it('takes their room when it is short, as an offer that does not fit does, instead of asking the user to free space while ferry itself keeps what it may remove', async () => {
    const { receives, r, kept } = await withKept()
    try {
      disk.free = margin
      receives.resumeRuns(undefined, Date.now())
      await vi.waitFor(() => { expect(existsSync(kept)).toBe(false) })
      expect(r.waitsFor?.code).toBe('E_NO_SPACE')
    } finally { rmSync(join(dir, '.ferry-part'), { recursive: true, force: true }) }
  })

  it('leaves them when it has room', async () => {
    const { receives, r, kept, ran } = await withKept()
    try {
      disk.free = margin + spoolOf([image], MiB) + MiB
      receives.resumeRuns(undefined, Date.now())
      await vi.waitFor(() => { expect(ran).toEqual([r]) })
      expect(existsSync(kept)).toBe(true)
    } finally { rmSync(join(dir, '.ferry-part'), { recursive: true, force: true }) }
  })
})

describe('two receives waiting for room on one disk, with room for one, one of whose senders is away', () => {
  it('lets the one whose sender is online go, not hold the room for the other until its sender is back', async () => {
    const away = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const here = peerIdFromPrivateKey(key).toString()
    const { receives, ran } = receivesHere({ isOnline: (p: string) => p === here, node: { dialProtocol: async () => { throw new Error('not in this test') } } })
    const full = new FerryError('E_NO_SPACE', 'the receive folder\'s disk filled up while this ran')
    // the one whose sender is away first: looked at first
    const [first, second] = [[away, '3'], [here, '4']].map(([peer, c]) => {
      const r = receives.newReceiver(c.repeat(32), peer, { transferId: new Uint8Array(16), root: Buffer.from(c.repeat(64), 'hex'), totalBytes: 4 * MiB, files: [image] }, 'waiting', { receiveDir: dir, doneBytes: 3 * MiB, localBytes: 3 * MiB })
      Object.assign(r, { roomAwaited: full, error: full })
      return r
    })
    disk.free = margin + spoolOf([image], MiB) + MiB
    receives.resumeRuns(undefined, Date.now())
    await vi.waitFor(() => { expect(ran).toEqual([second]) })
    expect(first.error?.code).toBe('E_PEER_UNREACHABLE')
  })
})

describe('a receive waiting for room whose receive folder is removed', () => {
  it('fails at once with E_PATH_NOT_FOUND naming the folder, and the log says so (notes\' leftover: it was let run, logged "room again (or it cannot be looked at)", and failed only once its run began)', async () => {
    const gone = mkdtempSync(join(dir, 'gone-'))
    const logged: string[] = []
    const log = { debug: () => {}, info: (msg: string) => { logged.push(msg) }, warn: (msg: string) => { logged.push(msg) } }
    const { receives, ran } = receivesHere({ log, store: { files: () => new Map(), indexPartChunks: () => {} }, node: { dialProtocol: async () => { throw new Error('not in this test') } } })
    const r = receives.newReceiver('5'.repeat(32), peerIdFromPrivateKey(key).toString(), { transferId: new Uint8Array(16), root: new Uint8Array(32), totalBytes: 4 * MiB, files: [image] }, 'waiting', { receiveDir: gone, doneBytes: 3 * MiB, localBytes: 3 * MiB })
    const full = new FerryError('E_NO_SPACE', 'the receive folder\'s disk filled up while this ran')
    Object.assign(r, { roomAwaited: full, error: full })
    rmSync(gone, { recursive: true })
    receives.resumeRuns(undefined, Date.now())
    await vi.waitFor(() => { expect(r.state).toBe('failed') })
    expect(r.error?.code).toBe('E_PATH_NOT_FOUND')
    expect(r.error?.message).toContain(gone)
    expect(r.waitsFor).toBeUndefined()
    expect(ran).toEqual([])
    expect(logged.join('\n')).not.toMatch(/room .*again/)
    expect(logged.join('\n')).toMatch(/receive folder .*gone/)
  })
})

describe('a receive waiting for room on a disk out of inodes', () => {
  it('says how many file entries it still makes (part files not made, folders not here), and goes on once there are that many, not as soon as one is free (notes\' leftover: "this needs 1", the least its spool needs, and it ran to fail again)', async () => {
    const root = '6'.repeat(64)
    const partDir = join(dir, '.ferry-part', root)
    mkdirSync(partDir, { recursive: true })
    try {
      // ten small files in a folder not here yet: three part files made before the disk ran out, and two files placed
      const files: OfferFile[] = [{ path: 'photos', kind: 'dir', size: 0, mtimeMs: 0, mode: 0o755, chunkSize: 0, chunks: ChunkHashes.NONE, fileRoot: new Uint8Array(32) }]
      for (let i = 0; i < 10; i++) files.push({ ...image, path: `photos/${i}.jpg`, size: 1, chunkSize: MiB, chunks: ChunkHashes.of([Buffer.alloc(32, i + 1)] )})
      for (const i of [1, 2, 3]) writeFileSync(join(partDir, String(i)), '')
      const r = { id: 'r', receiveDir: dir, rootHex: root, offer: { files }, progress: { left: 8 }, planned: false, settledFiles: () => new Set([9, 10]) } as unknown as Receiver
      disk.free = margin + spoolOf(files, 8) + MiB
      // 10 files, 2 placed, 3 with their part file: 5; and the folder
      disk.ffree = INODE_MARGIN + 5
      const short = await wait.shortage(r)
      expect(short?.code).toBe('E_NO_SPACE')
      expect(short?.message).toMatch(/can make 69 more files .*; this needs 6 and keeps 64 free/)
      disk.ffree = INODE_MARGIN + 6
      expect(await wait.shortage(r)).toBeUndefined()
    } finally {
      disk.ffree = 100_000
      rmSync(join(dir, '.ferry-part'), { recursive: true, force: true })
    }
  })
})

describe('a receive waiting for room, and the part folders ended receives left in the other receive folders of its disk', () => {
  /** A part folder an ended receive left in `receiveDir` (kept a day for a re-send), of 1 MiB */
  function keptIn (receiveDir: string): string {
    const kept = join(receiveDir, '.ferry-part', 'cd'.repeat(32))
    mkdirSync(kept, { recursive: true })
    writeFileSync(join(kept, '0'), Buffer.alloc(MiB, 1))
    return kept
  }

  it('takes their room too when it is short, in its own folder whichever it is, but not on another disk (notes\' leftover: only the current receive folder\'s went, and one waiting in an earlier folder took none)', async () => {
    // the daemon received into `earlier` before it was started with `dir` (its --receive-dir now); /dev/shm: another disk, where there is one
    const earlier = mkdtempSync(join(dir, 'earlier-'))
    const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/ferry-room-wait-') : undefined
    const elsewhere = shm !== undefined && statSync(shm).dev !== statSync(dir).dev ? shm : undefined
    try {
      const known = [earlier, ...(elsewhere !== undefined ? [elsewhere] : [])]
      const full = new FerryError('E_NO_SPACE', 'the receive folder\'s disk filled up while this ran')
      for (const [c, waitsIn, other] of [['7', dir, earlier], ['8', earlier, dir]] as const) {
        const kept = [keptIn(dir), keptIn(earlier), ...(elsewhere !== undefined ? [keptIn(elsewhere)] : [])]
        const { receives } = receivesHere({ store: { forgetUnder: () => {}, receiveDirs: () => known, files: () => new Map() }, node: { dialProtocol: async () => { throw new Error('not in this test') } } })
        const r = receives.newReceiver(c.repeat(32), peerIdFromPrivateKey(key).toString(), { transferId: new Uint8Array(16), root: new Uint8Array(32), totalBytes: 4 * MiB, files: [image] }, 'waiting', { receiveDir: waitsIn, doneBytes: 3 * MiB, localBytes: 3 * MiB })
        Object.assign(r, { roomAwaited: full, error: full })
        disk.free = margin
        receives.resumeRuns(undefined, Date.now())
        await vi.waitFor(() => { expect(existsSync(join(waitsIn, '.ferry-part', 'cd'.repeat(32))), `kept in the folder it waits in (${waitsIn})`).toBe(false) })
        await vi.waitFor(() => { expect(existsSync(join(other, '.ferry-part', 'cd'.repeat(32))), `kept in the other folder of its disk (${other})`).toBe(false) })
        if (elsewhere !== undefined) expect(existsSync(kept[2]), 'kept on another disk').toBe(true)
        expect(r.waitsFor?.code).toBe('E_NO_SPACE')
        for (const d of [dir, earlier, ...(elsewhere !== undefined ? [elsewhere] : [])]) rmSync(join(d, '.ferry-part'), { recursive: true, force: true })
      }
    } finally {
      rmSync(earlier, { recursive: true, force: true })
      if (shm !== undefined) rmSync(shm, { recursive: true, force: true })
    }
  })
})

describe('two receives of the same files into one folder (they share a part folder, and run one after the other)', () => {
  const full = new FerryError('E_NO_SPACE', 'the receive folder\'s disk filled up while this ran')
  /** A receive of `image` (root `root`) into `dir`, 1 MiB of it left, waiting for room when `full` is given, else accepted and waiting to run (its sender online) */
  function sameFiles (receives: Receives, c: string, root: Uint8Array, waits?: FerryError): Receiver {
    const r = receives.newReceiver(c.repeat(32), peerIdFromPrivateKey(key).toString(), { transferId: new Uint8Array(16), root, totalBytes: 4 * MiB, files: [image] }, 'waiting', { receiveDir: dir, doneBytes: 3 * MiB, localBytes: 3 * MiB })
    if (waits != null) Object.assign(r, { roomAwaited: waits, error: waits })
    return r
  }

  it('the one waiting for room needs room for the files once, not once for itself and once more for the other (notes\' leftover: each counted its own need and the other\'s, and its spool slots as room)', async () => {
    const { receives, ran } = receivesHere()
    const root = new Uint8Array(32).fill(0x21)
    sameFiles(receives, '9', root)
    const r = sameFiles(receives, 'a', root, full)
    // room for 1 MiB left, its spool and the margin: what the two together need, the one running finding what the other placed
    disk.free = margin + spoolOf([image], MiB) + MiB
    receives.resumeRuns(undefined, Date.now())
    await vi.waitFor(() => { expect(ran).toContain(r) })
    expect(r.waitsFor).toBeUndefined()
  })

  it('the one waiting for room goes on once the other placed them, its plan to find them there, not wait for room the other\'s files took (it counted what it had left at its last plan)', async () => {
    const { receives, ran } = receivesHere()
    const root = new Uint8Array(32).fill(0x22)
    const other = sameFiles(receives, 'b', root)
    const r = sameFiles(receives, 'c', root, full)
    // the disk as the other's files left it: room for nothing more
    disk.free = margin
    // the other's run, which placed them all (its own runReceiver, not the one recorded)
    vi.spyOn(other, 'run').mockImplementation(async () => { Object.assign(other, { state: 'done' }) })
    await Receives.prototype.runReceiver.call(receives, other)
    await vi.waitFor(() => { expect(ran).toEqual([r]) })
    expect(r.waitsFor).toBeUndefined()
    // and not while it runs: on a full disk each in turn would run, fail and let the other go, on and on
    const third = sameFiles(receives, 'd', root, full)
    Object.assign(other, { state: 'waiting', running: new Promise(() => {}) })
    receives.resumeRuns(undefined, Date.now())
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(ran).not.toContain(third)
    expect(third.waitsFor?.code).toBe('E_NO_SPACE')
  })

  it('another receive waiting for room counts their room once', async () => {
    const { receives, ran } = receivesHere()
    const root = new Uint8Array(32).fill(0x23)
    sameFiles(receives, 'd', root)
    sameFiles(receives, 'e', root)
    const r = sameFiles(receives, 'f', new Uint8Array(32).fill(0x24), full)
    // room for the two of them (1 MiB left each, and a spool each), the same files' counted once
    disk.free = margin + 2 * (spoolOf([image], MiB) + MiB)
    receives.resumeRuns(undefined, Date.now())
    await vi.waitFor(() => { expect(ran).toContain(r) })
    expect(r.waitsFor).toBeUndefined()
  })
})
