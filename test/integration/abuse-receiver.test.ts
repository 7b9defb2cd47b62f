// A paired receiver that lies, end to end on 127.0.0.1 with mDNS off: a real
// daemon sends to a crafted libp2p node (test/helpers/evil-peer.ts) that
// answers the transfer protocols with what a test decides. The sending
// daemon must end each send as it stands, never take a word of the receiver
// for more than it says, and keep running.

import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { open as openFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { CHUNKS_PROTOCOL, MAX_CHUNK_STREAMS_PER_PEER, RECEIPT_PROTOCOL } from '../../src/protocol/constants.ts'
import { FrameReader, encodeChunkRequest, sendAll, sendEnd, type OfferMsg } from '../../src/protocol/transfer.ts'
import { MAX_SMALL_MESSAGE_BYTES } from '../../src/protocol/constants.ts'
import { TransferEnd, TransferEndAck } from '../../src/protocol/pb/transfer.js'
import { lengthPrefixed } from '../../src/protocol/frames.ts'
import { receiptPayload } from '../../src/transfer/receive/receiver.ts'
import type { TransferInfo } from '../../src/daemon/control/types.ts'
import { FerryError } from '../../src/errors.ts'
import { control as call, spawnCli, tempDir, vmRssBytes, waitFor, type CliProcess, type TestDaemon } from '../helpers/daemon.ts'
import { daemonWithEvilPeer, hex, type EvilPeer } from '../helpers/evil-peer.ts'

const MiB = 1024 ** 2
const GiB = 1024 ** 3
/** how long a send the receiver asks nothing of waits before its sender probes it (10 s but in tests) */
const PROBE_AFTER_MS = 3000

let sender: TestDaemon
let evil: EvilPeer
let sourceDir: string

daemonWithEvilPeer(async () => {
  sourceDir = await tempDir('ferry-abuse-receiver-')
  // the preview opens as the hashing starts: the receiver knows the transfer id before there is an offer;
  // a send quiet for 3 s, not 10 s, is probed (offered again): the tests that await a probe's answer wait less
  return { name: 'sender', env: { FERRY_PREVIEW: 'always', FERRY_TEST_PROBE_AFTER_MS: String(PROBE_AFTER_MS) } }
}, (d, e) => { sender = d; evil = e })

describe('a receipt for a send not yet offered', () => {
  it('is refused while the send hashes (no root to sign for yet), and the real receipt that follows the offer still ends the send done (review finding: a TypeError, then every later receipt ignored and the send never ended)', async () => {
    // sparse: hashed for a few seconds, no disk used
    const src = join(sourceDir, 'big-sparse.bin')
    const fh = await openFile(src, 'w')
    await fh.truncate(8 * GiB)
    await fh.close()
    const sending = spawnCli(['send', 'evil', src, '--json', '--home', sender.home], { timeoutMs: 120_000 })
    const preview = await waitFor(() => evil.previewed[0], 'the sender to open its preview', 20_000)
    const id = hex(preview.transferId)
    // a "receipt" over the root a send has before its offer: none
    const early = { transferId: preview.transferId, status: 'done' as const, root: new Uint8Array(0), signature: await evil.privateKey.sign(receiptPayload(id, new Uint8Array(0))) }
    const refused = await sendEnd(await evil.open(sender, RECEIPT_PROTOCOL), early, 'sender').then(() => undefined, (err: Error & { code?: string }) => err)
    // the test means something only if the send was still hashing when it came
    expect((await call(sender, 'transfers')).find((t) => t.id === id)?.state, 'still hashing after the early receipt').toBe('hashing')
    expect(refused?.code, String(refused)).toBe('E_PROTOCOL')
    // the offer comes; the receiver's receipt for it ends the send
    const offer = await waitFor(() => evil.offered.find((o) => hex(o.transferId) === id), 'the sender to offer', 60_000)
    const real = { transferId: offer.transferId, status: 'done' as const, root: offer.root, signature: await evil.privateKey.sign(receiptPayload(id, offer.root)) }
    await sendEnd(await evil.open(sender, RECEIPT_PROTOCOL), real, 'sender')
    const done = await sending.done
    expect(done.code, done.stderr).toBe(0)
    const t = (await call(sender, 'transfers')).find((x) => x.id === id)
    expect(t).toMatchObject({ state: 'done', receipt: { verified: true } })
    expect(sender.proc.exitCode).toBeNull()
  })
})

/** `ferry send` of a new 4 MiB file to the crafted receiver, once offered: its offer, its id, and a look at it as the sender lists it. */
async function sendOneToEvil (name: string, args: string[] = []): Promise<{ sending: CliProcess, offer: OfferMsg, id: string, shown: () => Promise<TransferInfo | undefined> }> {
  const path = join(await tempDir('ferry-one-'), name)
  // four chunks (chunking.ts)
  await writeFile(path, randomBytes(4 * MiB))
  const before = evil.offered.length
  const sending = spawnCli(['send', 'evil', path, ...args, '--home', sender.home], { timeoutMs: 120_000 })
  const offer = await waitFor(() => evil.offered[before], 'the sender to offer', 60_000)
  const id = hex(offer.transferId)
  return { sending, offer, id, shown: async () => (await call(sender, 'transfers')).find((t) => t.id === id) }
}

/** How many times the sender offered transfer `id` (a probe offers again). */
const offersOf = (id: string): number => evil.offered.filter((o) => hex(o.transferId) === id).length

/** The crafted receiver answers offers with `flags` while `run` runs, and as a plain receiver again after. */
async function answering (flags: Partial<Pick<EvilPeer, 'waitsTurn' | 'holdsOffers' | 'retryInMs' | 'waitsFor'>>, run: () => Promise<void>): Promise<void> {
  Object.assign(evil, flags)
  try {
    await run()
  } finally {
    evil.waitsTurn = false
    evil.holdsOffers = false
    evil.retryInMs = 0
    evil.waitsFor = undefined
  }
}

/** The crafted receiver's run of `offer` begins: its first report, nothing held yet (progress-report.ts), on a chunk stream returned once the send shows fetching (`what`). */
async function runsThere (offer: OfferMsg, shown: () => Promise<TransferInfo | undefined>, what: string): Promise<Stream> {
  const reports = await evil.open(sender, CHUNKS_PROTOCOL)
  await sendAll(reports, encodeChunkRequest({ transferId: offer.transferId, fileIndex: 0, chunks: [], heldBytes: 0 }))
  await waitFor(async () => (await shown())?.state === 'fetching', what, 10_000)
  return reports
}

/** The send, once the sender shows it waiting its turn on its receiver. */
async function waitsTurn (shown: () => Promise<TransferInfo | undefined>, what: string, timeoutMs: number): Promise<TransferInfo> {
  return await waitFor(async () => { const t = await shown(); return t?.state === 'waiting' && t.error?.code === 'E_LIMIT' ? t : undefined }, what, timeoutMs)
}

describe('a receipt whose signature does not verify', () => {
  it('is refused as such (E_RECEIPT_INVALID, the send failed so): one not 64 bytes long, not E_INTERNAL with the key library\'s words (fuzzing finding: "\\"sig\\" must be 64 bytes in length.", the send left waiting), and one of 64 bytes that is not the receiver\'s over this root (mutation finding: no test had one)', async () => {
    const stranger = await generateKeyPair('Ed25519')
    const cases: Array<{ label: string, sign: (id: string, root: Uint8Array) => Promise<Uint8Array> }> = [
      ...[0, 63, 65].map((length) => ({
        label: `${length} B`,
        sign: async (id: string, root: Uint8Array) => {
          const signature = (await evil.privateKey.sign(receiptPayload(id, root))).slice(0, Math.min(length, 64))
          return length > 64 ? Uint8Array.from([...signature, ...randomBytes(length - 64)]) : signature
        }
      })),
      { label: 'a bit flipped', sign: async (id, root) => { const sig = Uint8Array.from(await evil.privateKey.sign(receiptPayload(id, root))); sig[0] ^= 1; return sig } },
      { label: 'another key\'s', sign: async (id, root) => await stranger.sign(receiptPayload(id, root)) },
      // signed as a receipt that says files are missing, sent as one that says none is
      { label: 'over another payload', sign: async (id, root) => await evil.privateKey.sign(receiptPayload(id, root, Uint8Array.from([1]))) }
    ]
    for (const { label, sign } of cases) {
      const { sending, offer, id } = await sendOneToEvil(`bad-signature-${label.replace(/\W+/g, '-')}.bin`, ['--json'])
      const signature = await sign(id, offer.root)
      if (!label.endsWith(' B')) expect(signature.length, label).toBe(64)
      const end = { transferId: offer.transferId, status: 'done' as const, root: offer.root, signature }
      const refused = await sendEnd(await evil.open(sender, RECEIPT_PROTOCOL), end, 'sender').then(() => undefined, (err: Error & { code?: string }) => err)
      expect(refused?.code, `${label}: ${String(refused)}`).toBe('E_RECEIPT_INVALID')
      const done = await sending.done
      expect(done.code, label).toBe(1)
      expect(done.stdout + done.stderr, label).toContain('E_RECEIPT_INVALID')
      expect((await call(sender, 'transfers')).find((t) => t.id === id), label).toMatchObject({ state: 'failed', error: { code: 'E_RECEIPT_INVALID' } })
    }
    expect(sender.proc.exitCode).toBeNull()
  })
})

describe('a receipt that cannot be read', () => {
  it('is answered with an ack that says why (E_PROTOCOL), not the stream reset, and the daemon goes on: the receiver\'s failure told after it ends the send with that reason (notes\' leftover: a real receiver took the reset for a link that failed and sent its receipt again and again)', async () => {
    const { sending, offer, id, shown } = await sendOneToEvil('unreadable-receipt.bin', ['--json'])
    const signature = await evil.privateKey.sign(receiptPayload(id, offer.root))
    // a status no version says
    const stream = await evil.open(sender, RECEIPT_PROTOCOL)
    await sendAll(stream, lengthPrefixed(TransferEnd.encode({ transferId: offer.transferId as Uint8Array<ArrayBuffer>, status: 'finished', root: offer.root as Uint8Array<ArrayBuffer>, signature: signature as Uint8Array<ArrayBuffer>, wireBytes: 0, missing: new Uint8Array(0), renamedCount: 0, renamed: [], renames: [], renameCount: 0, refused: [] })))
    const ack = await new FrameReader(stream).readLp((b) => TransferEndAck.decode(b), MAX_SMALL_MESSAGE_BYTES, AbortSignal.timeout(10_000))
    expect(ack?.ok).toBe(false)
    expect(ack?.error?.code).toBe('E_PROTOCOL')
    expect(ack?.error?.message).toBe('the end of the transfer could not be read: unknown transfer end status "finished"')
    // nothing of it taken for a receipt
    expect((await shown())?.state).not.toBe('done')
    // the receiver fails its receive with what it was told, and says so
    await sendEnd(await evil.open(sender, RECEIPT_PROTOCOL), { transferId: offer.transferId, status: 'failed', root: offer.root, signature: new Uint8Array(0), failure: new FerryError('E_PROTOCOL', `sender: ${ack!.error!.message}`) }, 'sender')
    const done = await sending.done
    expect(done.code).toBe(1)
    expect((await shown())).toMatchObject({ state: 'failed', error: { code: 'E_PROTOCOL', message: 'receiver: sender: the end of the transfer could not be read: unknown transfer end status "finished"' } })
    expect(sender.proc.exitCode).toBeNull()
  })
})

describe('a chunk request naming a chunk twice', () => {
  it('is answered with E_PROTOCOL naming the chunk, and nothing of it served or counted (fuzzing finding: a chunk asked 64 times was served 64 times, a 1 MiB send showing 68 MB sent); a plain request goes on', async () => {
    const { sending, offer, id, shown } = await sendOneToEvil('asked-twice.bin', ['--json'])
    const twice = await evil.requestChunks(sender, offer.transferId, 0, [1, 0, 1, 1])
    expect(twice.payloadBytes).toBe(0)
    expect(twice.headers[0]?.error).toMatchObject({ code: 'E_PROTOCOL', message: 'sender: chunk 0/1 asked for more than once in one request' })
    expect((await shown())?.wireBytes ?? 0).toBe(0)
    const once = await evil.requestChunks(sender, offer.transferId, 0, [0, 1])
    expect(once.payloadBytes).toBe(2 * MiB)
    await sendEnd(await evil.open(sender, RECEIPT_PROTOCOL), { transferId: offer.transferId, status: 'cancelled', root: offer.root, signature: new Uint8Array(0) }, 'sender')
    expect((await sending.done).code).toBe(1)
    expect((await call(sender, 'transfers')).find((t) => t.id === id)?.wireBytes).toBe(2 * MiB)
    expect(sender.proc.exitCode).toBeNull()
  })
})

describe('a receipt that says failed without saying why', () => {
  it('fails the send as the receiver\'s failure, E_PROTOCOL saying no reason came, not E_CANCELLED (fuzzing finding: the state said failed and the code cancelled)', async () => {
    const { sending, offer, id } = await sendOneToEvil('failed-no-reason.bin', ['--json'])
    await sendEnd(await evil.open(sender, RECEIPT_PROTOCOL), { transferId: offer.transferId, status: 'failed', root: offer.root, signature: new Uint8Array(0) }, 'sender')
    const done = await sending.done
    expect(done.code).toBe(1)
    expect(done.stdout + done.stderr).toContain('E_PROTOCOL')
    expect((await call(sender, 'transfers')).find((t) => t.id === id)).toMatchObject({ state: 'failed', error: { code: 'E_PROTOCOL', message: 'the receiver failed the transfer without saying why' } })
    expect(sender.proc.exitCode).toBeNull()
  })
})

describe('a send its receiver takes and starts after other receives from the same device', () => {
  it('shows waiting its turn, not fetching at 0 B/s, until the receiver says it runs; a probe\'s answer that it waits again says so again; the receipt ends it done (user finding: "transferring 0 B/s" while the receiver held it)', async () => {
    await answering({ waitsTurn: true }, async () => {
      const { sending, offer, id, shown } = await sendOneToEvil('turn.bin')
      const waiting = await waitsTurn(shown, 'the send to wait its turn', 10_000)
      expect(waiting.error?.message).toMatch(/^waiting its turn: evil starts it after receives under way there \(it runs a few at a time from one device/)
      // its turn comes: the receiver's first report, nothing held yet (progress-report.ts), says it runs
      const reports = await runsThere(offer, shown, 'the send to be fetching once the receiver runs it')
      // nothing comes for PROBE_AFTER_MS: the sender asks (offers again), and the answer says it waits its turn (a receiver that restarted, say)
      await waitsTurn(shown, 'a probe to find it waiting its turn again', 30_000)
      expect(offersOf(id)).toBeGreaterThan(1)
      reports.abort(new Error('done'))
      const real = { transferId: offer.transferId, status: 'done' as const, root: offer.root, signature: await evil.privateKey.sign(receiptPayload(id, offer.root)) }
      await sendEnd(await evil.open(sender, RECEIPT_PROTOCOL), real, 'sender')
      const done = await sending.done
      expect(done.code, done.stderr).toBe(0)
      // a script's log says why it waited
      expect(done.stderr).toContain('(E_LIMIT: waiting its turn: evil starts it after receives under way there')
      expect(sender.proc.exitCode).toBeNull()
    })
  }, 90_000)
})

describe('a send whose receiver fetched ahead of its offer and is slow to answer the offer', () => {
  it('is not said stalled while the offer waits for its answer (user-test finding: 30,000 files fetched ahead as they were hashed, the send set fetching by those requests, then "stalled 10s" while the receiver took 11.6 s to read and answer the 32 MB offer)', async () => {
    const ANSWER_MS = 12_000
    let answered = false
    // as a receiver fetching ahead does, its requests still coming as the offer arrives: a chunk, then 12 s to answer
    evil.beforeOfferAnswer = async (offer) => {
      aheadBytes = (await evil.requestChunks(sender, offer.transferId, 0, [0])).payloadBytes
      await new Promise((resolve) => setTimeout(resolve, ANSWER_MS))
      answered = true
    }
    let aheadBytes = 0
    try {
      const path = join(await tempDir('ferry-slow-answer-'), 'slow-answer.bin')
      await writeFile(path, randomBytes(8 * MiB))
      const { id } = await call(sender, 'send', { peer: evil.peerId, paths: [path] })
      const seen: TransferInfo[] = []
      let answeredAt: number | undefined
      // until 3 s after the answer: its receiver's first word after it (a report, a request) takes a moment
      await waitFor(async () => {
        const t = (await call(sender, 'transfers')).find((x) => x.id === id)
        if (t != null) seen.push(t)
        if (answered) answeredAt ??= Date.now()
        return answeredAt !== undefined && Date.now() - answeredAt > 3000
      }, 'the offer to be answered', ANSWER_MS + 30_000, 250)
      expect(aheadBytes, 'fetched ahead of the answer').toBeGreaterThan(0)
      expect(seen.some((t) => t.state === 'fetching'), 'set fetching by that fetch').toBe(true)
      expect(seen.flatMap((t) => t.stalledSeconds ?? [])).toEqual([])
      expect((await sender.cli(['cancel', id])).code).toBe(0)
    } finally {
      evil.beforeOfferAnswer = undefined
    }
  }, 60_000)
})

describe('a send its receiver took and runs again later, its runs there cut short with nothing new', () => {
  it('shows waiting to retry, and when, not its turn nor fetching at 0 B/s, until the receiver\'s run says it goes on (notes\' leftover: such a receive was said to wait its turn)', async () => {
    await answering({ retryInMs: 30_000 }, async () => {
      const { sending, offer, id, shown } = await sendOneToEvil('retry.bin', ['--json'])
      const waiting = await waitFor(async () => { const t = await shown(); return t?.state === 'waiting' ? t : undefined }, 'the send to wait to retry', 10_000)
      expect(waiting.error?.code).toBe('E_PEER_UNREACHABLE')
      expect(waiting.error?.message).toMatch(/^waiting to retry: the last tries of evil to fetch it were cut short with nothing new received; it tries again at \d/)
      // its run there: the first report, nothing held yet
      const reports = await runsThere(offer, shown, 'the send to be fetching once the receiver runs it again')
      reports.abort(new Error('done'))
      expect((await sender.cli(['cancel', id])).code).toBe(0)
      await sending.done
    })
  }, 60_000)
})

describe('a send whose receiver waits for room on its disk, which filled up while it ran', () => {
  it('shows waiting for room in the receiver\'s words, told by the answer to its offer and, unasked, by a request for nothing (ChunkRequest.waits_for); the receiver\'s next run says it goes on (notes\' leftover: a full disk failed the transfer, and nothing went on by itself once there was room)', async () => {
    const full = new FerryError('E_NO_SPACE', 'the receive folder\'s disk filled up while this ran: the receive folder has 1.0 MiB free; this needs 9.0 MiB and keeps 1.0 MiB free; it goes on by itself once there is room (free space there, or cancel it)')
    const room = async (shown: () => Promise<TransferInfo | undefined>, what: string): Promise<TransferInfo> =>
      await waitFor(async () => { const t = await shown(); return t?.state === 'waiting' && t.error?.code === 'E_NO_SPACE' ? t : undefined }, what, 10_000)
    await answering({ waitsFor: full }, async () => {
      const { sending, offer, id, shown } = await sendOneToEvil('room.bin')
      expect((await room(shown, 'the send to wait for room, as the offer\'s answer says')).error?.message).toBe(`receiver: ${full.message}`)
      // the room is back: the receiver's run, its first report, nothing held yet
      evil.waitsFor = undefined
      const reports = await runsThere(offer, shown, 'the send to be fetching once the receiver runs it again')
      // it was served some; the disk fills again: told at once, unasked, with what it holds of what it was served
      const served = await evil.fetchChunks(reports, offer.transferId, 0, [0, 1])
      expect(served.payloadBytes).toBe(2 * offer.files[0].chunkSize)
      await waitFor(async () => (await shown())?.doneBytes === served.payloadBytes ? true : undefined, 'the sender to count what it served', 10_000)
      const tell = await evil.open(sender, CHUNKS_PROTOCOL)
      await sendAll(tell, encodeChunkRequest({ transferId: offer.transferId, fileIndex: 0, chunks: [], waitsFor: full, heldBytes: offer.files[0].chunkSize }))
      expect((await room(shown, 'the send to wait for room again, as the request for nothing says')).doneBytes).toBe(offer.files[0].chunkSize)
      tell.abort(new Error('done'))
      reports.abort(new Error('done'))
      expect((await sender.cli(['cancel', id])).code).toBe(0)
      const done = await sending.done
      // a script's log says what it waited for, and where
      expect(done.stderr).toContain(`ferry: waiting for room on evil (E_NO_SPACE: receiver: ${full.message})`)
      expect(sender.proc.exitCode).toBeNull()
    })
  }, 60_000)
})

describe('a receiver that asks whether an offer waiting there for a decision still stands', () => {
  it('leaves the send offered, waiting to be accepted there: the question is a chunk request for nothing, with nothing held, which is no first report of a run (review finding: shown sending, at 0 B/s, while the offer still waited for a person there)', async () => {
    await answering({ holdsOffers: true }, async () => {
      const { sending, offer, id, shown } = await sendOneToEvil('held.bin', ['--json'])
      await waitFor(async () => (await shown())?.awaitingDecision === true, 'the send to wait for a decision there', 10_000)
      // as checkPendingOffer (src/transfer/receive/offer-decisions.ts) asks it, once the sender is back online after the receiver restarted
      const ask = await evil.open(sender, CHUNKS_PROTOCOL)
      await sendAll(ask, encodeChunkRequest({ transferId: offer.transferId, fileIndex: 0, chunks: [] }))
      await new Promise((resolve) => setTimeout(resolve, 1500))
      ask.abort(new Error('asked'))
      expect(await shown()).toMatchObject({ state: 'offered', awaitingDecision: true })
      expect((await sender.cli(['cancel', id])).code).toBe(0)
      await sending.done
    })
  }, 60_000)
})

describe('an offer held there for a decision, accepted while the receives from this device there are full', () => {
  it('is shown waiting its turn once a probe\'s answer says so, not "offered, waiting to be accepted there" until its turn comes; its first report then shows it fetching (review finding: accepting tells the sender nothing, and the probe\'s answer was read only for sends fetching or waiting)', async () => {
    await answering({ holdsOffers: true }, async () => {
      const { sending, offer, id, shown } = await sendOneToEvil('accepted.bin')
      await waitFor(async () => (await shown())?.awaitingDecision === true, 'the send to wait for a decision there', 10_000)
      // the person there accepts it; the receives from this device that it runs at once are under way
      evil.holdsOffers = false
      evil.waitsTurn = true
      await waitsTurn(shown, 'a probe to find it waiting its turn', 30_000)
      expect(offersOf(id)).toBeGreaterThan(1)
      // its turn: the first report, nothing held yet
      const reports = await runsThere(offer, shown, 'the send to be fetching once it runs there')
      reports.abort(new Error('done'))
      expect((await sender.cli(['cancel', id])).code).toBe(0)
      await sending.done
    })
  }, 90_000)
})

describe('chunk streams a receiver opens over several connections', () => {
  it(`are served ${MAX_CHUNK_STREAMS_PER_PEER} at a time for one peer, not ${MAX_CHUNK_STREAMS_PER_PEER} per connection: one that asks for chunks on every stream of 4 connections and takes nothing does not make the sender queue 2 MiB on each (review finding: +527 MiB)`, async () => {
    const dir = await tempDir('ferry-many-conns-')
    const path = join(dir, 'sixteen.bin')
    await writeFile(path, randomBytes(16 * MiB))
    const sending = spawnCli(['send', 'evil', path, '--json', '--home', sender.home], { timeoutMs: 120_000 })
    const offer = await waitFor(() => evil.offered.find((o) => o.files[0]?.path === 'sixteen.bin'), 'the sender to offer the file', 20_000)
    const all = Array.from({ length: offer.files[0].chunks.length }, (_, i) => i)
    const target = multiaddr(sender.addr.includes('/p2p/') ? sender.addr : `${sender.addr}/p2p/${sender.peerId}`)
    const rss0 = vmRssBytes(sender.proc.pid!)
    const streams: Stream[] = []
    const answered = new Set<Stream>()
    for (let c = 0; c < 4; c++) {
      // a connection of its own each (libp2p would reuse the one there)
      const conn = await evil.node.dial(target, { force: true, signal: AbortSignal.timeout(5000) })
      for (let i = 0; i < 64; i++) {
        const stream = await conn.newStream(CHUNKS_PROTOCOL, { signal: AbortSignal.timeout(5000) }).catch(() => undefined)
        if (stream == null) continue
        streams.push(stream)
        // this side's yamux never gives the sender window again: it can send the first 256 KiB, no more
        ;(stream as unknown as { sendWindowUpdate: () => void }).sendWindowUpdate = () => {}
        stream.addEventListener('message', () => { answered.add(stream) })
        for (let r = 0; r < 4; r++) await sendAll(stream, encodeChunkRequest({ transferId: offer.transferId, fileIndex: 0, chunks: all })).catch(() => {})
      }
    }
    // a fixed wait: a sender that queues nothing more has no later event to wait for
    await new Promise((resolve) => setTimeout(resolve, 4000))
    const grew = vmRssBytes(sender.proc.pid!) - rss0
    expect(streams.length, 'streams opened').toBeGreaterThan(2 * MAX_CHUNK_STREAMS_PER_PEER)
    expect(answered.size, 'streams answered').toBeLessThanOrEqual(MAX_CHUNK_STREAMS_PER_PEER)
    expect(grew, `sender grew by ${(grew / MiB).toFixed(1)} MiB`).toBeLessThan(256 * MiB)
    for (const s of streams) s.abort(new Error('done'))
    expect((await sender.cli(['cancel', hex(offer.transferId)])).code).toBe(0)
    expect((await sending.done).code).toBe(1)
    expect(sender.proc.exitCode).toBeNull()
  })
})
