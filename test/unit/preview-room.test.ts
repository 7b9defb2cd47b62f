// Whether a preview fits the receive folder's disk (Receives.previewFits,
// what prefetch.ts asks before fetching ahead of an offer): its bytes, and
// a file entry (an inode) for each of its files and folders, with
// INODE_MARGIN kept free and those of accepted receives that wait their
// turn set aside, as the offer's own check counts them (receive-room.ts).
// Before, only its bytes were counted: a preview of more files than the
// disk could make was fetched ahead, and its offer then refused with
// E_NO_SPACE (helper finding). The disk's counts are faked (statfs): a
// tmpfs of few inodes needs root (test/lab/inodes.test.ts).

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { streamPair } from '@libp2p/utils'
import { INODE_MARGIN } from '../../src/transfer/folder/space.ts'
import { Receives } from '../../src/transfer/receive/receives.ts'
import type { TransferContext } from '../../src/transfer/context.ts'
import { encodePreview, sendAll, type OfferFile } from '../../src/protocol/transfer.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

/** the free inodes statfs(2) answers for `dir` (and plenty of bytes) */
const disk = vi.hoisted(() => ({ dir: '', ffree: 0 }))

vi.mock('node:fs/promises', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs/promises')>()
  const statfs = (async (path: string, opts?: object) => {
    const st = await orig.statfs(path, opts as never)
    if (disk.dir === '' || !String(path).startsWith(disk.dir)) return st
    return Object.assign(Object.create(Object.getPrototypeOf(st) as object) as object, st, { bsize: 4096, blocks: 2 ** 24, bfree: 2 ** 24, bavail: 2 ** 24, files: 100_000, ffree: disk.ffree })
  }) as typeof orig.statfs
  return { ...orig, statfs, default: { ...orig, statfs } }
})

const dir = mkdtempSync(join(tmpdir(), 'ferry-preview-room-'))
disk.dir = dir
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

const quiet = { debug: () => {}, info: () => {}, warn: () => {} }
const ctx = { c: { receiveDir: dir, log: quiet, trust: { get: () => undefined }, store: {} }, stopping: false } as unknown as TransferContext

/** `n` files of a KiB in folder `folder` (one folder on their way, made by the offer) */
function filesIn (folder: string, n: number): OfferFile[] {
  return Array.from({ length: n }, (_, i) => ({ path: `${folder}/f${i}`, kind: 'file', size: 1024, mtimeMs: 0, mode: 0o644, chunkSize: 256 * 1024, chunks: ChunkHashes.NONE, fileRoot: new Uint8Array(32) }))
}

describe('a preview against the receive folder\'s disk', () => {
  it('fits only where the disk can make a file entry for each of its files and folders and keep the margin (helper finding: only its bytes were counted)', async () => {
    const receives = new Receives(ctx)
    const files = filesIn('photos', 100)
    // 100 files and the folder they are in
    disk.ffree = 101 + INODE_MARGIN
    expect(await receives.previewFits(dir, 100 * 1024, files)).toBe(true)
    disk.ffree = 100 + INODE_MARGIN
    expect(await receives.previewFits(dir, 100 * 1024, files)).toBe(false)
  })

  it('sets aside the file entries of receives accepted here that have not made theirs yet (they wait their turn)', async () => {
    const receives = new Receives(ctx)
    const waiting = filesIn('waiting', 50)
    receives.newReceiver('a'.repeat(32), 'peer', { transferId: new Uint8Array(16), root: new Uint8Array(32), totalBytes: 50 * 1024, files: waiting }, 'accepted', { receiveDir: dir })
    const files = filesIn('photos', 100)
    disk.ffree = 101 + 51 + INODE_MARGIN
    expect(await receives.previewFits(dir, 100 * 1024, files)).toBe(true)
    disk.ffree = 101 + 50 + INODE_MARGIN
    expect(await receives.previewFits(dir, 100 * 1024, files)).toBe(false)
  })

  it('sets aside the part files a prefetch under way here will still make, as offers\' checks do (notes\' leftover: not counted, a second offer or preview could take the inodes its files then found gone)', async () => {
    // a store that knows no transfer, and chunk streams that never open: the prefetch waits for its hashes
    const store = { summary: () => undefined, findChunk: () => [] }
    const node = { dialProtocol: async (_p: unknown, _proto: string, opts: { signal: AbortSignal }) => await new Promise((_resolve, reject) => { opts.signal.addEventListener('abort', () => { reject(opts.signal.reason) }) }) }
    const receives = new Receives({ ...ctx, c: { ...ctx.c, store, node } } as unknown as TransferContext)
    const ahead = filesIn('ahead', 100)
    disk.ffree = 10_000
    const [preview, previewIn] = await streamPair()
    const taking = receives.prefetches.take(previewIn, 'peer')
    try {
      await sendAll(preview, encodePreview({ transferId: new Uint8Array(16).fill(3), totalBytes: 100 * 1024, files: ahead }))
      for (let i = 0; i < 100 && !receives.prefetches.active; i++) await new Promise((resolve) => setTimeout(resolve, 20))
      expect(receives.prefetches.active, 'the prefetch runs').toBe(true)
      // a part file for each of its 100 files, none made yet
      expect(receives.filesReservedIn(dir)).toBe(100)
      const files = filesIn('photos', 100)
      disk.ffree = 101 + 100 + INODE_MARGIN
      expect(await receives.previewFits(dir, 100 * 1024, files)).toBe(true)
      disk.ffree = 101 + 99 + INODE_MARGIN
      expect(await receives.previewFits(dir, 100 * 1024, files)).toBe(false)
    } finally {
      await receives.prefetches.stop()
      await taking
    }
  })
})
