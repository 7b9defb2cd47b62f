// What the control API shows of a transfer: the files in flight.
import { describe, expect, it, onTestFinished, vi } from 'vitest'
import { Sender } from '../../src/transfer/send/sender.ts'
import { Sends } from '../../src/transfer/send/sends.ts'
import type { TransferContext } from '../../src/transfer/context.ts'
import { labelOf, offerNames, refusedSummary, skippedToRecord, toTransferInfo, topNamesOf } from '../../src/transfer/snapshot.ts'
import { FerryError } from '../../src/errors.ts'
import type { OfferMsg } from '../../src/protocol/transfer.ts'
import type { TransferRow } from '../../src/store/index.ts'
import { SKIPPED_SHOWN } from '../../src/daemon/control/types.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

const MiB = 1024 * 1024
const offer: OfferMsg = {
  transferId: new Uint8Array(16),
  root: new Uint8Array(32),
  totalBytes: 12 * MiB,
  files: [
    { path: 'a.mov', kind: 'file', size: 8 * MiB, mtimeMs: 0, mode: 0o644, chunkSize: 256 * 1024, chunks: ChunkHashes.NONE, fileRoot: new Uint8Array(32) },
    { path: 'b.mov', kind: 'file', size: 4 * MiB, mtimeMs: 0, mode: 0o644, chunkSize: 256 * 1024, chunks: ChunkHashes.NONE, fileRoot: new Uint8Array(32) }
  ]
}
const row: TransferRow = { id: 'x', direction: 'send', peerId: 'p', peerName: 'beta', state: 'fetching', root: new Uint8Array(32), offer: new Uint8Array(0), totalBytes: 12 * MiB, doneBytes: 0, wireBytes: 0, receiptVerified: false, resumed: false, createdAt: 0 }

describe('toTransferInfo, sender side', () => {
  it('an ended send out of memory shows the skipped paths its row recorded, at most 32 KiB of them, those for a problem first', () => {
    const all = Array.from({ length: 150 }, (_, i) => ({ path: `/photos/${'x'.repeat(1000)}/link${i}`, reason: 'symbolic link, skipped' }))
    all.push({ path: '/photos/b.mov', reason: 'removed before it could be read, skipped', failed: true } as typeof all[0])
    const recorded = skippedToRecord(all)
    expect(Buffer.byteLength(JSON.stringify(recorded))).toBeLessThanOrEqual(32 * 1024)
    expect(recorded.length).toBeGreaterThan(20)
    expect(recorded.length).toBeLessThan(SKIPPED_SHOWN)
    expect(recorded[0]).toEqual({ path: '/photos/b.mov', reason: 'removed before it could be read, skipped', failed: true })
    const info = toTransferInfo({ row: { ...row, state: 'done', skippedCount: 151, skippedFailed: 1, skipped: recorded }, peerName: 'beta' })
    expect(info).toMatchObject({ skippedCount: 151, skippedFailed: 1 })
    expect(info.skipped).toEqual(recorded)
    // a row from before the record: the counts only
    expect(toTransferInfo({ row: { ...row, state: 'done', skippedCount: 151, skippedFailed: 1 }, peerName: 'beta' }).skipped).toBeUndefined()
  })

  it('lists the files served in part while the transfer runs, and none once it has ended (a file given up in part included)', () => {
    const sender = new Sender({ id: 'x', peerId: 'p', state: 'fetching', offer })
    sender.served.set(0, 3 * MiB)
    sender.served.set(1, 4 * MiB) // all of it: not in flight
    expect(toTransferInfo({ row, sender, peerName: 'beta' }).inFlight).toEqual([{ path: 'a.mov', size: 8 * MiB, doneBytes: 3 * MiB }])
    for (const state of ['done', 'failed', 'cancelled']) {
      sender.state = state
      expect(toTransferInfo({ row, sender, peerName: 'beta' }).inFlight).toEqual([])
    }
  })

  it('lists no file in flight while the send waits (its receiver away, or its turn there): a file bar under "waiting its turn" read as bytes moving (found using the TUI: a part fetched ahead stayed shown under it)', () => {
    const sender = new Sender({ id: 'x', peerId: 'p', state: 'fetching', offer })
    sender.served.set(0, 3 * MiB)
    sender.state = 'waiting'
    sender.error = new FerryError('E_LIMIT', 'waiting its turn')
    expect(toTransferInfo({ row, sender, peerName: 'beta' }).inFlight).toEqual([])
    sender.error = new FerryError('E_PEER_UNREACHABLE', 'beta went offline')
    expect(toTransferInfo({ row, sender, peerName: 'beta' }).inFlight).toEqual([])
    // going on, it is in flight again
    sender.state = 'fetching'
    expect(toTransferInfo({ row, sender, peerName: 'beta' }).inFlight).toEqual([{ path: 'a.mov', size: 8 * MiB, doneBytes: 3 * MiB }])
  })

  it('names the paths skipped for a problem first when more were skipped than are shown: the files that could not be sent are the ones a person must hear of (review finding: behind 150 symbolic links they were only counted)', () => {
    const sender = new Sender({ id: 'x', peerId: 'p', state: 'done', offer })
    for (let i = 0; i < 150; i++) sender.skipped.push({ path: `link${i}`, reason: 'symbolic link' })
    sender.skipped.push({ path: 'b.mov', reason: 'changed after it was offered; not received', failed: true })
    const info = toTransferInfo({ row: { ...row, state: 'done' }, sender, peerName: 'beta' })
    expect(info.skipped).toHaveLength(SKIPPED_SHOWN)
    expect(info.skipped?.[0]).toEqual({ path: 'b.mov', reason: 'changed after it was offered; not received', failed: true })
    expect(info.skipped?.[1].path).toBe('link0')
    expect(info).toMatchObject({ skippedCount: 151, skippedFailed: 1 })
    // up to SKIPPED_SHOWN, in the order they were met
    sender.skipped.splice(0, 100)
    expect(toTransferInfo({ row: { ...row, state: 'done' }, sender, peerName: 'beta' }).skipped?.map((s) => s.path)).toEqual([...Array.from({ length: 50 }, (_, i) => `link${i + 100}`), 'b.mov'])
  })

  it('shows a rate and an ETA only while bytes move: waiting for a peer that went away shows 0 B/s, not its last rate (review finding: shown for 10 s after the peer was killed)', () => {
    vi.useFakeTimers({ now: 1_000_000 })
    onTestFinished(() => { vi.useRealTimers() })
    const sender = new Sender({ id: 'x', peerId: 'p', state: 'fetching', offer })
    sender.progress.add(MiB)
    vi.advanceTimersByTime(1000) // a full second measured: none before (progress.test.ts)
    const moving = toTransferInfo({ row, sender, peerName: 'beta' })
    expect(moving.rate).toBeGreaterThan(0)
    expect(moving.etaSeconds).toBeGreaterThan(0)
    for (const state of ['waiting', 'offered', 'accepted', 'verifying', 'done']) {
      sender.state = state
      expect(toTransferInfo({ row, sender, peerName: 'beta' }), state).toMatchObject({ rate: 0, etaSeconds: null })
    }
  })

  it('says a transfer whose bytes stopped 10 s ago has stalled, and for how long, while it moves only; a rate not measured yet has no such field (notes\' leftover: 0 for both)', () => {
    vi.useFakeTimers({ now: 1_000_000 })
    onTestFinished(() => { vi.useRealTimers() })
    const sender = new Sender({ id: 'x', peerId: 'p', state: 'fetching', offer })
    sender.progress.add(MiB)
    expect(toTransferInfo({ row, sender, peerName: 'beta' })).not.toHaveProperty('stalledSeconds')
    vi.advanceTimersByTime(14_200)
    expect(toTransferInfo({ row, sender, peerName: 'beta' })).toMatchObject({ rate: 0, etaSeconds: null, stalledSeconds: 14 })
    sender.state = 'waiting'
    expect(toTransferInfo({ row, sender, peerName: 'beta' })).not.toHaveProperty('stalledSeconds')
  })

  it('says a send stalled that got no byte for 10 s since it went fetching, counted from then, not from the wait before it (notes\' leftover: "—" however long no request came)', () => {
    vi.useFakeTimers({ now: 1_000_000 })
    onTestFinished(() => { vi.useRealTimers() })
    const ctx = { c: { log: { debug: () => {}, info: () => {}, warn: () => {} }, peerName: () => 'beta' }, pendingStates: { write: () => true, update: () => {} }, changed: () => {} } as unknown as TransferContext
    const sends = new Sends(ctx)
    const sender = new Sender({ id: 'x', peerId: 'p', state: 'offered', offer })
    // held 40 s for a person there to accept: no stall, the state moves nothing
    vi.advanceTimersByTime(40_000)
    expect(toTransferInfo({ row, sender, peerName: 'beta' })).not.toHaveProperty('stalledSeconds')
    sends.setSendState(sender, 'fetching')
    vi.advanceTimersByTime(9_500)
    expect(toTransferInfo({ row, sender, peerName: 'beta' })).not.toHaveProperty('stalledSeconds')
    vi.advanceTimersByTime(1_000)
    expect(toTransferInfo({ row, sender, peerName: 'beta' })).toMatchObject({ rate: 0, etaSeconds: null, stalledSeconds: 10 })
    // a wait for the peer, and on again: counted from going on
    sends.setSendState(sender, 'waiting')
    vi.advanceTimersByTime(30_000)
    sends.setSendState(sender, 'fetching')
    vi.advanceTimersByTime(5_000)
    expect(toTransferInfo({ row, sender, peerName: 'beta' })).not.toHaveProperty('stalledSeconds')
    vi.advanceTimersByTime(6_000)
    expect(toTransferInfo({ row, sender, peerName: 'beta' }).stalledSeconds).toBe(11)
  })
})

describe('refusedSummary', () => {
  it('counts the files refused and the empty folders, not the folder at fault that holds them, and gives the first reason alone (user-test findings: "3 paths" for 2 files; the reason cut after the path)', () => {
    const file = (path: string) => ({ path, kind: 'file' as const, size: 1, mtimeMs: 0, mode: 0o644, chunkSize: 256 * 1024, chunks: ChunkHashes.NONE, fileRoot: new Uint8Array(32) })
    const dir = (path: string) => ({ path, kind: 'dir' as const, size: 0, mtimeMs: 0, mode: 0o755, chunkSize: 0, chunks: ChunkHashes.NONE, fileRoot: new Uint8Array(0) })
    const files = [dir('trip'), dir('trip/album'), file('trip/album/a.jpg'), file('trip/album/b.jpg'), dir('trip/album/empty'), file('trip/notes.txt')]
    const why = (reason: string) => ({ error: new FerryError('E_PATH_UNSAFE', `unsafe path: ${reason}`), reason, under: 'trip/album' })
    const link = '"trip/album" is a symbolic link in the receive folder'
    const refused = new Map(['trip/album', 'trip/album/a.jpg', 'trip/album/b.jpg', 'trip/album/empty'].map((p) => [p, why(link)]))
    expect(refusedSummary(files, refused)).toEqual({ files: 2, folders: 1, first: link })
    expect(refusedSummary(files, new Map())).toBeUndefined()
    expect(refusedSummary(files, new Map([['trip/album', why(link)]]))).toBeUndefined()
  })
})

describe('labelOf', () => {
  it('names what a transfer carries by the names at its top, once each; a long name cut to 120 bytes at a character\'s edge', () => {
    expect(labelOf(['trip'])).toBe('trip')
    expect(labelOf(['a.jpg', 'b.jpg', 'a.jpg', 'c.jpg'])).toBe('a.jpg and 2 more')
    expect(labelOf([])).toBeUndefined()
    expect(topNamesOf(offer.files)).toEqual(['a.mov', 'b.mov'])
    const long = labelOf(['é'.repeat(100)])!
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(120)
    expect(long).toBe('é'.repeat(60))
  })
})

describe('offerNames', () => {
  const entry = (path: string, kind: 'file' | 'dir' = 'file'): { path: string, kind: string } => ({ path, kind })

  it('names an offer by its names at the top, a folder with a trailing /, not by its first file paths (user-test finding: a folder of 30,000 photos read "roll/DCIM 100/IMG_00000.jpg, …")', () => {
    const roll = [entry('roll', 'dir'), entry('roll/DCIM 100', 'dir'), ...Array.from({ length: 3000 }, (_, i) => entry(`roll/DCIM 100/IMG_${i}.jpg`))]
    expect(offerNames(roll)).toEqual({ names: ['roll/'], otherNames: 0 })
  })

  it('names an empty folder beside files, and files alone as before (notes\' leftover: `ferry offers` did not list empty folders)', () => {
    expect(offerNames([entry('a.jpg'), entry('empty', 'dir'), entry('b.jpg')])).toEqual({ names: ['a.jpg', 'empty/', 'b.jpg'], otherNames: 0 })
    // a folder whose entry comes after its files (an offer from an older sender need not list it first) is still a folder, once
    expect(offerNames([entry('trip/x.jpg'), entry('trip', 'dir'), entry('trip/y.jpg')])).toEqual({ names: ['trip/'], otherNames: 0 })
  })

  it('lists the first five in the offer\'s order and counts the rest', () => {
    const got = offerNames(Array.from({ length: 12 }, (_, i) => entry(`f${i}.bin`)))
    expect(got).toEqual({ names: ['f0.bin', 'f1.bin', 'f2.bin', 'f3.bin', 'f4.bin'], otherNames: 7 })
  })
})
