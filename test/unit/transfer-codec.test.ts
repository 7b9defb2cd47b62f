// The offer's 64-bit numbers survive the wire at every size a file can have:
// /ferry/offer/1.0.0 garbled 2^31 .. 2^32 - 1 (a 3 GiB file came out as 0
// bytes, or the offer as undecodable), so each boundary is sent through the
// real encoder and decoder here.
import { describe, expect, it, vi } from 'vitest'
import { streamPair } from '@libp2p/utils'
import { END_REFUSED_SHOWN, END_RENAMED_SHOWN, FrameReader, decodeOffer, encodeChunkHeader, encodeChunkRequest, encodeOffer, olderReceiverSaid, readChunkHeader, readChunkRequest, sendAll, readEnd, readOffer, sendEnd, sendOffer, type EndMsg, type OfferFile, type OfferMsg } from '../../src/protocol/transfer.ts'
import { MAX_OFFER_BYTES, MAX_OFFER_FILES, MAX_SMALL_MESSAGE_BYTES } from '../../src/protocol/constants.ts'
import { getHeapStatistics } from 'node:v8'
import { FerryError } from '../../src/errors.ts'
import { ChunkHeader, Offer, OfferAnswer, TransferEnd } from '../../src/protocol/pb/transfer.js'
import { lengthPrefixed } from '../../src/protocol/frames.ts'
import { chunkCount, chunkSizeFor } from '../../src/transfer/index.ts'
import { isTransient } from '../../src/transfer/transient.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

const GiB = 1024 ** 3

function offerOf (files: Array<{ size: number, mtimeMs: number }>): OfferMsg {
  const entries: OfferFile[] = files.map((f, i) => {
    const chunkSize = chunkSizeFor(f.size)
    return {
      path: `f${i}.bin`,
      kind: 'file',
      size: f.size,
      mtimeMs: f.mtimeMs,
      mode: 0o644,
      chunkSize,
      chunks: ChunkHashes.of(Array.from({ length: chunkCount(f.size, chunkSize) }, (_, c) => new Uint8Array(32).fill(c & 0xff))),
      fileRoot: new Uint8Array(32).fill(7)
    }
  })
  return { transferId: new Uint8Array(16).fill(1), root: new Uint8Array(32).fill(2), totalBytes: files.reduce((n, f) => n + f.size, 0), files: entries }
}

describe('offer codec', () => {
  it('encodeOffer writes entry by entry the very bytes protons\' Offer.encode gives for the whole message', () => {
    const offer = offerOf([{ size: 0, mtimeMs: -5 }, { size: 3 * GiB, mtimeMs: 2 ** 32 }, { size: 700, mtimeMs: 1 }])
    // a folder, a long path (its length's varint takes two bytes) and a name outside ASCII
    offer.files.push({ path: `d/${'x'.repeat(300)}/ünïcødé 📷.jpg`, kind: 'file', size: 9, mtimeMs: 3, mtimeSubMsNs: 999_999, mode: 0o600, chunkSize: 256 * 1024, chunks: ChunkHashes.of([new Uint8Array(32).fill(9)]), fileRoot: new Uint8Array(32).fill(8) })
    offer.files.push({ path: 'd', kind: 'dir', size: 0, mtimeMs: 4, mode: 0o755, chunkSize: 0, chunks: ChunkHashes.NONE, fileRoot: new Uint8Array(32) })
    const whole = Offer.encode({ transferId: offer.transferId as Uint8Array<ArrayBuffer>, root: offer.root as Uint8Array<ArrayBuffer>, totalBytes: offer.totalBytes, files: offer.files.map((f) => ({ path: f.path, dir: f.kind === 'dir', size: f.size, mtimeMs: f.mtimeMs, mtimeSubMsNs: f.mtimeSubMsNs ?? 0, mode: f.mode, chunkSize: f.chunkSize, chunkHashes: Buffer.from(f.chunks.bytes), fileRoot: f.fileRoot as Uint8Array<ArrayBuffer> })) })
    expect(Buffer.from(encodeOffer(offer)).equals(Buffer.from(whole))).toBe(true)
    // and one with no entries at all
    const empty = { ...offer, files: [] }
    expect(Buffer.from(encodeOffer(empty)).equals(Buffer.from(Offer.encode({ ...empty, transferId: empty.transferId as Uint8Array<ArrayBuffer>, root: empty.root as Uint8Array<ArrayBuffer> })))).toBe(true)
  })

  it('an offer sent (encoded once by the sender) is read with the very bytes it came as, for the receiver to store without encoding it again; in many frames too', async () => {
    // ~2,000 entries: well over one 64 KiB frame, so the bytes come in pieces
    const offer = offerOf(Array.from({ length: 2000 }, (_, i) => ({ size: 1_100_000 + i, mtimeMs: i })))
    const encoded = encodeOffer(offer)
    expect(encoded.byteLength).toBeGreaterThan(3 * 65_536)
    const [out, inbound] = await streamPair()
    const sent = sendOffer(out, encoded)
    const got = await readOffer(inbound)
    expect(Buffer.from(got.bytes).equals(Buffer.from(encoded))).toBe(true)
    expect(got.offer.files).toHaveLength(2000)
    expect(got.offer.files[1999].size).toBe(1_101_999)
    await got.answer({ status: 'accepted', haveBytes: 0 })
    expect((await sent).status).toBe('accepted')
  })

  it('an offer whose stream ends inside it is refused as cut short (E_PROTOCOL), its sender told so', async () => {
    const encoded = lengthPrefixed(encodeOffer(offerOf(Array.from({ length: 2000 }, (_, i) => ({ size: 1_100_000 + i, mtimeMs: i })))))
    const [out, inbound] = await streamPair()
    const read = readOffer(inbound)
    await sendAll(out, encoded.subarray(0, 100_000))
    await out.close()
    await expect(read).rejects.toMatchObject({ code: 'E_PROTOCOL', message: 'stream ended inside a message' })
  })

  it('a maximum-size offer (62 MB, 1.95 million chunk hashes) decodes without an object per hash (208 MB of heap before 2026-12-07)', () => {
    const n = Math.floor(MAX_OFFER_BYTES / 32 / 100) - 1000
    const files: OfferFile[] = Array.from({ length: 100 }, (_, i) => ({ path: `f${i}.bin`, kind: 'file', size: n * 256 * 1024, mtimeMs: 0, mode: 0o644, chunkSize: 256 * 1024, chunks: new ChunkHashes(new Uint8Array(32 * n).fill(i)), fileRoot: new Uint8Array(32) }))
    const bytes = encodeOffer({ transferId: new Uint8Array(16), root: new Uint8Array(32), totalBytes: 100 * n * 256 * 1024, files })
    files.length = 0
    expect(bytes.byteLength).toBeGreaterThan(62e6)
    expect(bytes.byteLength).toBeLessThanOrEqual(MAX_OFFER_BYTES)
    const before = getHeapStatistics().used_heap_size
    const back = decodeOffer(bytes)
    const grown = getHeapStatistics().used_heap_size - before
    expect(back.files.reduce((k, f) => k + f.chunks.length, 0)).toBe(100 * n)
    expect(back.files[99].chunks.at(n - 1)).toEqual(new Uint8Array(32).fill(99))
    expect(grown).toBeLessThan(16 * 2 ** 20)
  })

  it('an answer carries what an accepted receive waits for (room on its disk: OfferAnswer.waits_for), read only with "accepted", in the receiver\'s words; and a request for no chunks carries it too (ChunkRequest.waits_for)', async () => {
    const full = new FerryError('E_NO_SPACE', 'the receive folder\'s disk filled up while this ran')
    for (const status of ['accepted', 'pending'] as const) {
      const [out, inbound] = await streamPair()
      const sent = sendOffer(out, encodeOffer(offerOf([{ size: 1, mtimeMs: 0 }])))
      await (await readOffer(inbound)).answer({ status, haveBytes: 0, waitsFor: full })
      const got = await sent
      if (status === 'accepted') expect(got.waitsFor).toMatchObject({ code: 'E_NO_SPACE', message: `receiver: ${full.message}`, remote: true })
      else expect(got.waitsFor).toBeUndefined()
    }
    const [out, inbound] = await streamPair()
    await sendAll(out, encodeChunkRequest({ transferId: new Uint8Array(16), fileIndex: 0, chunks: [], waitsFor: full }))
    await sendAll(out, encodeChunkRequest({ transferId: new Uint8Array(16), fileIndex: 0, chunks: [] }))
    const reader = new FrameReader(inbound)
    expect((await readChunkRequest(reader))?.waitsFor).toMatchObject({ code: 'E_NO_SPACE', message: `receiver: ${full.message}` })
    expect((await readChunkRequest(reader))?.waitsFor).toBeUndefined()
  })

  it('a refusal of an offer made again, the receive cancelled there before, carries the files it keeps (OfferAnswer.kept_files), 0 said as 0; an answer without the field, as from a receiver before it, reads as not said, and is the bytes it was before the field (notes\' leftover: a sender down at the cancel never learned them)', async () => {
    const cancelled = new FerryError('E_CANCELLED', 'cancelled on the receiving device')
    for (const keptFiles of [300, 0, undefined]) {
      const [out, inbound] = await streamPair()
      const sent = sendOffer(out, encodeOffer(offerOf([{ size: 1, mtimeMs: 0 }])))
      await (await readOffer(inbound)).answer({ status: 'refused', haveBytes: 0, error: cancelled, ...(keptFiles !== undefined ? { keptFiles } : {}) })
      const got = await sent
      expect(got).toMatchObject({ status: 'refused', error: { code: 'E_CANCELLED' } })
      expect(got.keptFiles).toBe(keptFiles)
    }
    const plain = { status: 'refused', haveBytes: 0, waitsTurn: false, retryInMs: 0 }
    expect(OfferAnswer.encode({ ...plain, keptFiles: undefined })).toEqual(OfferAnswer.encode(plain))
  })

  it('an accepted answer to an offer made again carries how long the receiver held it (OfferAnswer.accept_wait_ms): whole ms, bounded to a year, on a pending answer too (held so far); none where not held (user-test finding: a sender down through the wait said none)', async () => {
    const YEAR = 366 * 24 * 3600_000
    for (const [status, acceptWaitMs, want] of [['accepted', 8412.6, 8413], ['accepted', 0, 0], ['accepted', undefined, undefined], ['accepted', 10 * YEAR, YEAR], ['pending', 5000, 5000], ['pending', undefined, undefined]] as const) {
      const [out, inbound] = await streamPair()
      const sent = sendOffer(out, encodeOffer(offerOf([{ size: 1, mtimeMs: 0 }])))
      await (await readOffer(inbound)).answer({ status, haveBytes: 0, ...(acceptWaitMs !== undefined ? { acceptWaitMs } : {}) })
      const got = await sent
      expect(got.status).toBe(status)
      expect(got.acceptWaitMs, `${status} ${acceptWaitMs}`).toBe(want)
    }
  })

  it('an offer that does not arrive whole within OFFER_READ_MS (60 s) fails saying so, not as "stream read aborted" (helper finding: the receiver\'s warning "bad offer refused" said that alone)', async () => {
    const [out, inbound] = await streamPair()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      // a length prefix for 1000 bytes, and 10 of them
      await sendAll(out, Uint8Array.from([0xe8, 0x07, ...new Uint8Array(10)]))
      const read = readOffer(inbound).then(() => undefined, (err: unknown) => err)
      await vi.advanceTimersByTimeAsync(60_000)
      const got = await Promise.race([read, new Promise((resolve) => { setImmediate(() => { resolve('still waiting') }) })])
      const said = 'the offer did not arrive whole within 60 s'
      expect(got).toBeInstanceOf(FerryError)
      expect(got).toMatchObject({ code: 'E_TIMEOUT', message: said })
    } finally {
      vi.useRealTimers()
      out.abort(new Error('test over'))
      inbound.abort(new Error('test over'))
    }
  })

  it('an offer whose receiver resets the stream instead of answering fails as a link that failed (E_PEER_UNREACHABLE, the send waits and asks again), and an answer with a byte count past 2^53 - 1 as the receiver\'s answer, saying so (fuzzing finding: "E_INTERNAL: The stream has been reset" shown as the send\'s wait reason; "malformed message: Could not encode varint")', async () => {
    const encoded = encodeOffer(offerOf([{ size: 1000, mtimeMs: 0 }]))
    {
      const [out, inbound] = await streamPair()
      const sent = sendOffer(out, encoded).then(() => undefined, (e: FerryError) => e)
      await readOffer(inbound)
      inbound.abort(new Error('too busy'))
      const err = await sent
      expect(err).toBeInstanceOf(FerryError)
      expect(err).toMatchObject({ code: 'E_PEER_UNREACHABLE' })
      expect(err?.message).toMatch(/^the receiver's offer stream failed before its answer \(/)
      expect(isTransient(err!)).toBe(true)
    }
    for (const [haveBytes, why] of [[2 ** 53, /a number past 2\^53 - 1/], [2 ** 80, /varint/]] as const) {
      const [out, inbound] = await streamPair()
      const sent = sendOffer(out, encoded).then(() => undefined, (e: FerryError) => e)
      await readOffer(inbound)
      // accepted, have_bytes (field 2) as a varint of `haveBytes`
      const answer = [0x0a, 8, ...Buffer.from('accepted'), 0x10, ...varintOf(haveBytes)]
      await sendAll(inbound, lengthPrefixed(Uint8Array.from(answer)))
      const err = await sent
      expect(err).toMatchObject({ code: 'E_PROTOCOL' })
      expect(err?.message).toMatch(/^receiver's answer to the offer: malformed message: /)
      expect(err?.message).toMatch(why)
    }
  })

  it('a receiver answers its sender\'s cancel with the files it keeps, and an end it has nothing to say of with none', async () => {
    const end: EndMsg = { transferId: new Uint8Array(16), status: 'cancelled', root: new Uint8Array(32), signature: new Uint8Array(0) }
    const [out, inbound] = await streamPair()
    const [answer] = await Promise.all([sendEnd(out, end, 'receiver'), readEnd(inbound, async () => ({ keptFiles: 54 }))])
    expect(answer).toEqual({ keptFiles: 54 })
    const [out2, inbound2] = await streamPair()
    const [none] = await Promise.all([sendEnd(out2, end, 'receiver'), readEnd(inbound2, async () => {})])
    expect(none).toEqual({ keptFiles: 0 })
  })

  it('an end whose peer takes it and never answers fails after END_ACK_WAIT_MS (10 s) with E_TIMEOUT saying whose ack did not come, and in how long (helper finding: "stream read aborted", a receipt to a frozen sender shown so as its receive waited)', async () => {
    const end: EndMsg = { transferId: new Uint8Array(16), status: 'done', root: new Uint8Array(32), signature: new Uint8Array(64) }
    const [out, inbound] = await streamPair()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const sent = sendEnd(out, end, 'sender').then(() => undefined, (err: unknown) => err)
      await vi.advanceTimersByTimeAsync(10_000)
      // settled by then, as the timeout ran out: not still waiting
      const got = await Promise.race([sent, new Promise((resolve) => { setImmediate(() => { resolve('still waiting') }) })])
      expect(got).toBeInstanceOf(FerryError)
      expect(got).toMatchObject({ code: 'E_TIMEOUT', message: 'the sender did not acknowledge the end of the transfer within 10 s' })
      expect(isTransient(got as FerryError)).toBe(true)
    } finally {
      vi.useRealTimers()
      out.abort(new Error('test over'))
      inbound.abort(new Error('test over'))
    }
  })

  it('a receiver\'s own cancel carries the files it keeps (TransferEnd.kept_files), 0 said as 0; an end without the field, as from a receiver before it, reads as not said (user-test finding: the sender could not say what its receiver kept)', async () => {
    const end: EndMsg = { transferId: new Uint8Array(16), status: 'cancelled', root: new Uint8Array(32), signature: new Uint8Array(0), doneBytes: 7 }
    for (const keptFiles of [300, 0, undefined]) {
      const [out, inbound] = await streamPair()
      let got: EndMsg | undefined
      await Promise.all([sendEnd(out, { ...end, ...(keptFiles !== undefined ? { keptFiles } : {}) }, 'sender'), readEnd(inbound, async (e) => { got = e })])
      expect(got).toMatchObject({ status: 'cancelled', doneBytes: 7 })
      expect(got?.keptFiles).toBe(keptFiles)
    }
    // the bytes of an end without it are those of before the field
    const plain = { transferId: new Uint8Array(16), status: 'cancelled', doneBytes: 7 }
    expect(TransferEnd.encode({ ...plain, keptFiles: undefined })).toEqual(TransferEnd.encode(plain))
  })

  it('a receipt\'s sender runs what waits for the ack (its send\'s done) only once the receiver took the ack and closed, after the receiver\'s `acked`; and once the ack is out when the receiver never closes (helper finding: the receiver showed `verifying` as `ferry send` exited 0)', async () => {
    const end: EndMsg = { transferId: new Uint8Array(16), status: 'done', root: new Uint8Array(32), signature: new Uint8Array(64) }
    const order: string[] = []
    const [out, inbound] = await streamPair()
    await Promise.all([
      sendEnd(out, end, 'sender', undefined, () => { order.push('receiver acked') }),
      readEnd(inbound, async () => { order.push('sender handled'); return { afterAck: () => { order.push('sender done') } } })
    ])
    expect(order).toEqual(['sender handled', 'receiver acked', 'sender done'])
    // a receiver that reads the ack and never closes: not waited for past END_CLOSE_WAIT_MS (2 s)
    const [silent, inbound2] = await streamPair()
    let doneAt = 0
    const started = Date.now()
    const reading = readEnd(inbound2, async () => ({ afterAck: () => { doneAt = Date.now() } }))
    await sendAll(silent, lengthPrefixed(TransferEnd.encode({ transferId: new Uint8Array(16), status: 'done', root: new Uint8Array(32), signature: new Uint8Array(64), wireBytes: 0, missing: new Uint8Array(0), renamedCount: 0, renamed: [], renames: [], renameCount: 0, refused: [] })))
    await reading
    expect(doneAt - started).toBeGreaterThanOrEqual(1900)
    expect(doneAt - started).toBeLessThan(5000)
    silent.abort(new Error('test over'))
  })

  it('a receipt says where renamed files went: the first of them, within what a sender from before the field reads, with the missing files\' bits of the largest offer', async () => {
    const long = 'd/'.repeat(1500) + 'IMG (1).jpg'
    const renamed = Array.from({ length: 30 }, (_, i) => ({ entry: i, as: i < 3 ? `IMG_${i} (1).jpg` : long }))
    const end: EndMsg = { transferId: new Uint8Array(32), status: 'done', root: new Uint8Array(32), signature: new Uint8Array(64), wireBytes: 5, missing: new Uint8Array(Math.ceil(MAX_OFFER_FILES / 8)).fill(0xff), renamedCount: 30, renamed }
    const [out, inbound] = await streamPair()
    let got: EndMsg | undefined
    await Promise.all([sendEnd(out, end, 'sender'), readEnd(inbound, async (e) => { got = e })])
    expect(got?.renamedCount).toBe(30)
    // the three short ones; a long one would pass the budget of paths
    expect(got?.renamed).toEqual(renamed.slice(0, 3))
    // what came, encoded again: within MAX_END_BYTES as it was before the field
    const sent = TransferEnd.encode({ transferId: end.transferId, status: 'done', root: end.root, signature: end.signature, wireBytes: 5, missing: end.missing, renamedCount: 30, renamed: got!.renamed! } as TransferEnd)
    expect(sent.byteLength).toBeLessThanOrEqual(MAX_SMALL_MESSAGE_BYTES + Math.ceil(MAX_OFFER_FILES / 8))
    // and with 20 names of 100 bytes, all of them
    const twenty = Array.from({ length: 20 }, (_, i) => ({ entry: i, as: `${'x'.repeat(90)} (${i}).jpg` }))
    const [out2, inbound2] = await streamPair()
    await Promise.all([sendEnd(out2, { ...end, renamed: twenty }, 'sender'), readEnd(inbound2, async (e) => { got = e })])
    expect(got?.renamed).toEqual(twenty)
    // a longer list (a later version's) still leaves the signed receipt readable (review finding: refused, and resent for good)
    const more = TransferEnd.encode({ ...end, failure: undefined, doneBytes: undefined, renamed: Array.from({ length: END_RENAMED_SHOWN * 5 }, (_, i) => ({ entry: i, as: 'x' })) } as TransferEnd)
    const [out3, inbound3] = await streamPair()
    const reading = readEnd(inbound3, async (e) => { got = e })
    await out3.send(Buffer.concat([Buffer.from(varintOf(more.byteLength)), more]))
    await reading.catch(() => {})
    expect(got?.renamed).toHaveLength(END_RENAMED_SHOWN * 5)
  })

  it('a receipt tells each rename once, where it happened (renames, rename_count: a folder by its entry with its files\' count), beside the file-by-file list a sender from before them reads; both share the 2 KiB of paths, renames first, and the largest End still fits what such a sender reads', async () => {
    const missing = new Uint8Array(Math.ceil(MAX_OFFER_FILES / 8)).fill(0xff)
    const base: EndMsg = { transferId: new Uint8Array(32), status: 'done', root: new Uint8Array(32), signature: new Uint8Array(64), wireBytes: 5, missing }
    const renames = [{ entry: 30, as: 'tree (1)', files: 25 }, { entry: 0, as: 'tree (1)/f0 (1).txt' }]
    const renamed = Array.from({ length: 20 }, (_, i) => ({ entry: i, as: `tree (1)/f${i}${i === 0 ? ' (1)' : ''}.txt` }))
    const [out, inbound] = await streamPair()
    let got: EndMsg | undefined
    await Promise.all([sendEnd(out, { ...base, renamedCount: 25, renamed, renameCount: 2, renames }, 'sender'), readEnd(inbound, async (e) => { got = e })])
    expect(got).toMatchObject({ renameCount: 2, renames: [{ entry: 30, as: 'tree (1)', files: 25 }, { entry: 0, as: 'tree (1)/f0 (1).txt', files: 0 }], renamedCount: 25, renamed })
    // a sender from before the fields reads what it read before
    const wire = TransferEnd.encode({ ...base, failure: undefined, doneBytes: undefined, renamedCount: 25, renamed: renamed.map((r) => ({ ...r, files: 0 })), renameCount: 2, renames: got!.renames! } as TransferEnd)
    const before = TransferEnd.decode(wire)
    expect(before.renamedCount).toBe(25)
    expect(before.renamed.map((r) => r.as)).toEqual(renamed.map((r) => r.as))
    // the largest: 20 renames and 20 files, each 100 bytes, of the last entries; 20 reasons refused
    const long = (i: number): string => `${'x'.repeat(90)} (${i}).jpg`
    const last = MAX_OFFER_FILES - 1
    const big: EndMsg = {
      ...base,
      renameCount: 10_000,
      renames: Array.from({ length: 30 }, (_, i) => ({ entry: last - i, as: long(i), files: MAX_OFFER_FILES })),
      renamedCount: MAX_OFFER_FILES,
      renamed: Array.from({ length: 30 }, (_, i) => ({ entry: last - i, as: long(i) })),
      refused: Array.from({ length: 30 }, (_, i) => ({ entry: last - i, reason: 'r'.repeat(300), under: 'u'.repeat(300) }))
    }
    const [out2, inbound2] = await streamPair()
    await Promise.all([sendEnd(out2, big, 'sender'), readEnd(inbound2, async (e) => { got = e })])
    expect(got!.renames!.length).toBeGreaterThan(15)
    expect(got!.renames!.length).toBeLessThanOrEqual(END_RENAMED_SHOWN)
    // what the renames left of the 2 KiB: not one more byte
    const bytes = [...got!.renames!, ...got!.renamed!].reduce((n, r) => n + Buffer.byteLength(r.as), 0)
    expect(bytes).toBeLessThanOrEqual(2048)
    const sent = TransferEnd.encode({ ...big, failure: undefined, doneBytes: undefined, renamed: got!.renamed!.map((r) => ({ ...r, files: 0 })), renames: got!.renames!, refused: got!.refused! } as TransferEnd)
    expect(sent.byteLength).toBeLessThanOrEqual(MAX_SMALL_MESSAGE_BYTES + Math.ceil(MAX_OFFER_FILES / 8))
  })

  it('a receipt says why the receive folder refused entries: the first of them, each reason cut, within what a sender from before the field reads, with the largest renamed list and set of missing files', async () => {
    const twentyRenamed = Array.from({ length: 20 }, (_, i) => ({ entry: i, as: `${'x'.repeat(90)} (${i}).jpg` }))
    const refused = Array.from({ length: 30 }, (_, i) => ({ entry: i, reason: i === 1 ? `unsafe path "${'é'.repeat(400)}": too long` : `unsafe path "album/${i}.jpg": "album" is a symbolic link in the receive folder` }))
    const end: EndMsg = { transferId: new Uint8Array(32), status: 'done', root: new Uint8Array(32), signature: new Uint8Array(64), wireBytes: 5, missing: new Uint8Array(Math.ceil(MAX_OFFER_FILES / 8)).fill(0xff), renamedCount: 20, renamed: twentyRenamed, refused }
    const [out, inbound] = await streamPair()
    let got: EndMsg | undefined
    await Promise.all([sendEnd(out, end, 'sender'), readEnd(inbound, async (e) => { got = e })])
    expect(got?.refused?.[0]).toEqual(refused[0])
    // a long reason is cut at a character's edge, to a quarter of the budget
    expect(got?.refused?.[1].reason).toMatch(/^unsafe path "é+\.\.\.$/)
    expect(Buffer.byteLength(got!.refused![1].reason)).toBeLessThanOrEqual(256)
    expect(got!.refused!.length).toBeGreaterThan(5)
    expect(got!.refused!.length).toBeLessThanOrEqual(END_REFUSED_SHOWN)
    expect(got?.renamed).toEqual(twentyRenamed)
    const sent = TransferEnd.encode({ ...end, failure: undefined, doneBytes: undefined, renamed: got!.renamed!, refused: got!.refused! } as TransferEnd)
    expect(sent.byteLength).toBeLessThanOrEqual(MAX_SMALL_MESSAGE_BYTES + Math.ceil(MAX_OFFER_FILES / 8))
  })

  const SIZES = [0, 1, 2 ** 31 - 1, 2 ** 31, 2 * GiB + 1, 3 * GiB, 2 ** 32 - 1, 2 ** 32, 5e9, 2 ** 36]
  const TIMES = [0, -1, -86_400_000 * 365, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, Date.UTC(2026, 11, 2), -8.64e15, 8.64e15]

  it.each(SIZES)('a file of %d bytes keeps its size, and the offer its total', (size) => {
    const offer = offerOf([{ size, mtimeMs: 1 }, { size: 5, mtimeMs: 2 }])
    const back = decodeOffer(encodeOffer(offer))
    expect(back.files.map((f) => f.size)).toEqual([size, 5])
    expect(back.totalBytes).toBe(size + 5)
    expect(back.files[0].chunks).toHaveLength(offer.files[0].chunks.length)
    expect(back.files[1].mtimeMs).toBe(2) // what follows the number still decodes
  })

  it.each(TIMES)('a modification time of %d ms (either side of 1970) survives', (mtimeMs) => {
    const back = decodeOffer(encodeOffer(offerOf([{ size: 10, mtimeMs }])))
    expect(back.files[0].mtimeMs).toBe(mtimeMs)
    expect(back.files[0].size).toBe(10)
  })

  it('refuses sizes past 2^53 and times no Date can hold, instead of rounding them', () => {
    // written by hand: ferry's encoder cannot produce these numbers
    const varint = (v: bigint): number[] => { const out: number[] = []; do { out.push(Number(v & 0x7fn) | (v > 0x7fn ? 0x80 : 0)); v >>= 7n } while (v > 0n); return out }
    const zigzag = (v: bigint): bigint => v >= 0n ? v << 1n : (-v << 1n) - 1n
    const bytesField = (n: number, b: number[]): number[] => [n << 3 | 2, ...varint(BigInt(b.length)), ...b]
    const wire = (o: { size?: bigint, mtimeMs?: bigint, totalBytes?: bigint, subMsNs?: bigint }): Uint8Array => {
      const entry = [...bytesField(1, [0x78]), 3 << 3, ...varint(o.size ?? 0n), 4 << 3, ...varint(zigzag(o.mtimeMs ?? 0n)), ...bytesField(8, Array(32).fill(0)), ...(o.subMsNs != null ? [9 << 3, ...varint(o.subMsNs)] : [])]
      return new Uint8Array([...bytesField(1, Array(16).fill(0)), ...bytesField(2, Array(32).fill(0)), 3 << 3, ...varint(o.totalBytes ?? 0n), ...bytesField(4, entry)])
    }
    expect(decodeOffer(wire({ size: 5n, mtimeMs: -3n, totalBytes: 5n })).files[0]).toMatchObject({ size: 5, mtimeMs: -3 }) // the hand-made form is right
    expect(() => decodeOffer(wire({ size: 2n ** 53n }))).toThrow(expect.objectContaining({ code: 'E_LIMIT' }))
    expect(() => decodeOffer(wire({ size: 2n ** 64n - 1n }))).toThrow(expect.objectContaining({ code: 'E_PROTOCOL' }))
    expect(() => decodeOffer(wire({ totalBytes: 2n ** 54n }))).toThrow(expect.objectContaining({ code: 'E_LIMIT' }))
    // the declared total's own limit (docs/PROTOCOL.md, Limits), below what a number holds exactly
    expect(() => decodeOffer(wire({ size: 5n, totalBytes: 2n ** 50n + 1n }))).toThrow(expect.objectContaining({ code: 'E_LIMIT', message: expect.stringMatching(/2\^50/) }))
    expect(decodeOffer(wire({ size: 5n, totalBytes: 2n ** 50n })).totalBytes).toBe(2 ** 50)
    expect(() => decodeOffer(wire({ mtimeMs: 8_640_000_000_000_001n }))).toThrow(expect.objectContaining({ code: 'E_PROTOCOL' }))
    expect(() => decodeOffer(wire({ mtimeMs: -(2n ** 60n) }))).toThrow(expect.objectContaining({ code: 'E_PROTOCOL' }))
    // the nanoseconds past the ms: absent (an older sender) is 0, more than 999,999 is refused
    expect(decodeOffer(wire({ mtimeMs: 7n })).files[0].mtimeSubMsNs).toBe(0)
    expect(decodeOffer(wire({ mtimeMs: 7n, subMsNs: 999_999n })).files[0].mtimeSubMsNs).toBe(999_999)
    expect(() => decodeOffer(wire({ subMsNs: 1_000_000n }))).toThrow(expect.objectContaining({ code: 'E_PROTOCOL' }))
  })

  it('an entry without nanoseconds past its ms encodes as before the field (older receivers, stored offers)', () => {
    const offer = offerOf([{ size: 10, mtimeMs: 5 }])
    const plain = encodeOffer(offer)
    expect(Buffer.from(encodeOffer({ ...offer, files: offer.files.map((f) => ({ ...f, mtimeSubMsNs: 0 })) })).equals(Buffer.from(plain))).toBe(true)
    const withNs = decodeOffer(encodeOffer({ ...offer, files: offer.files.map((f) => ({ ...f, mtimeSubMsNs: 456_789 })) }))
    expect(withNs.files[0]).toMatchObject({ mtimeMs: 5, mtimeSubMsNs: 456_789 })
  })
})

/** A protobuf varint, as a length prefix. */
function varintOf (n: number): number[] {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return out
}

describe('chunk header codec', () => {
  it('carries why a file is not served; a header without the field (a sender from before it) or with a reason of a later version reads as not told, and a header with no reason is the bytes it was before the field', async () => {
    const error = new FerryError('E_SOURCE_CHANGED', 'a.bin was removed since it was offered')
    const before = ChunkHeader.encode({ fileIndex: 1, chunk: 2, length: 0, offset: 0, error: { code: error.code, message: error.message } })
    expect(encodeChunkHeader({ fileIndex: 1, chunk: 2, length: 0, error })).toEqual(lengthPrefixed(before))
    const [out, inbound] = await streamPair()
    const later = new Uint8Array([...before, 5 << 3, 9]) // field 5, a value no version has yet
    void (async () => {
      for (const notServed of ['removed', 'changed', 'unreadable', undefined] as const) await sendAll(inbound, encodeChunkHeader({ fileIndex: 1, chunk: 2, length: 0, error, notServed }))
      await sendAll(inbound, lengthPrefixed(later))
      await inbound.close()
    })()
    const reader = new FrameReader(out)
    const read = []
    for (let i = 0; i < 5; i++) read.push((await readChunkHeader(reader))?.notServed)
    expect(read).toEqual(['removed', 'changed', 'unreadable', undefined, undefined])
  })

  it('a header that does not decode, or is too large, fails with an error that names the sender\'s chunk header, with its code and why (fuzzing finding: a receive failed with "malformed message: invalid wire type 7 at offset 1", saying neither what nor whose)', async () => {
    const bad: Array<[Uint8Array, string, RegExp]> = [
      [lengthPrefixed(Uint8Array.of(0x0f)), 'E_PROTOCOL', /^sender's chunk header: malformed message: ./],
      [Uint8Array.from(varintOf(MAX_SMALL_MESSAGE_BYTES + 1)), 'E_MESSAGE_TOO_LARGE', /^sender's chunk header: message of 4097 bytes exceeds the limit of 4096$/],
      [Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01), 'E_PROTOCOL', /^sender's chunk header: length prefix too long$/]
    ]
    for (const [bytes, code, message] of bad) {
      const [out, inbound] = await streamPair()
      void sendAll(inbound, bytes)
      const err = await readChunkHeader(new FrameReader(out)).then(() => undefined, (e: FerryError) => e)
      expect(err).toBeInstanceOf(FerryError)
      expect(err?.code).toBe(code)
      expect(err?.message).toMatch(message)
      out.abort(new Error('done'))
    }
    // a stream that ends inside one is still a link that failed (transient.ts reads "stream ended"), named the same way
    const [out, inbound] = await streamPair()
    void (async () => { await sendAll(inbound, Uint8Array.of(40, 1, 2)); await inbound.close() })()
    const err = await readChunkHeader(new FrameReader(out)).then(() => undefined, (e: FerryError) => e)
    expect(err).toMatchObject({ code: 'E_PROTOCOL', message: 'sender\'s chunk header: stream ended inside a message' })
  })
})

describe('olderReceiverSaid', () => {
  it('adds what to do to the refusal of a receiver from before 2026-12-05 (a name ending in a dot or a space), and leaves every other error as it is', () => {
    const old = new FerryError('E_PATH_UNSAFE', 'receiver: unsafe path "trip/Misc./a.jpg": a component ends with a dot or a space', { remote: true })
    const told = olderReceiverSaid(old)
    expect(told).toMatchObject({ code: 'E_PATH_UNSAFE', remote: true })
    expect(told.message).toBe('receiver: unsafe path "trip/Misc./a.jpg": a component ends with a dot or a space (the receiving device runs a ferry from before 2026-12-05, which refuses such names in any offer: update ferry there, or rename them)')
    for (const other of [new FerryError('E_PATH_UNSAFE', 'receiver: unsafe path "CON": "CON" is a Windows device name'), new FerryError('E_NO_SPACE', 'receiver: a component ends with a dot or a space')]) expect(olderReceiverSaid(other)).toBe(other)
  })
})
