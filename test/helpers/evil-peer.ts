// Test helper: a hostile (or merely buggy) peer. A real libp2p node
// (TCP + Noise + Yamux, its own Ed25519 key) that can pair with a real daemon
// for real, through the daemon's own `ferry pair --json` and the initiator
// side of the CPace exchange, and then speaks the transfer protocols with
// crafted messages: arbitrary offers (valid roots unless a test wants
// otherwise, so the only fault is the one under test), raw bytes on any
// protocol, chunk requests for any transfer id, and a /ferry/chunks server
// with a hook that can corrupt what it serves.

import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import type { Libp2p, PrivateKey, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { randomBytes } from 'node:crypto'
import { createLibp2p } from 'libp2p'
import { afterAll, beforeAll, expect } from 'vitest'
import type { FerryError } from '../../src/errors.ts'
import { parseCode } from '../../src/pairing/code.ts'
import { runInitiator } from '../../src/pairing/exchange.ts'
import { CHUNKS_PROTOCOL, HELLO_PROTOCOL, MAX_SMALL_MESSAGE_BYTES, OFFER_PROTOCOL, PAIR_PROTOCOL, PREVIEW_PROTOCOL, RECEIPT_PROTOCOL, WIRE_VERSION } from '../../src/protocol/constants.ts'
import { FrameReader, lengthPrefixed, sendAll } from '../../src/protocol/frames.ts'
import { answerHello, exchangeHello } from '../../src/protocol/hello.ts'
import { pairChannel, type PairChannel } from '../../src/protocol/pair.ts'
import { Refusal } from '../../src/protocol/pb/common.js'
import { OfferAnswer } from '../../src/protocol/pb/transfer.js'
import { timeoutSignal } from '../../src/protocol/stream.ts'
import { askedRange, encodeChunkHeader, encodeChunkRequest, encodeOffer, readChunkHeader, readChunkRequest, readEnd, readHashPart, readOffer, readPreview, type ChunkHeaderMsg, type ChunkRequestMsg, type EndMsg, type OfferFile, type OfferMsg } from '../../src/protocol/transfer.ts'
import { MIN_CHUNK_SIZE, MODE_REGULAR, blake3, chunkCount, chunkRange, computeFileRoot, computeTransferRoot } from '../../src/transfer/index.ts'
import { cleanupAll, startDaemon, waitListed, type DaemonOpts, type TestDaemon } from './daemon.ts'
import { showCode, type ShownCode } from './pairing.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

// ---- building offers --------------------------------------------------

export interface EvilFile {
  path: string
  /** the real bytes (served on /ferry/chunks); a dir when kind is 'dir' */
  data?: Uint8Array
  kind?: 'file' | 'dir'
  /** a file whose content is never served: this size, random chunk hashes */
  fakeSize?: number
  mtimeMs?: number
  /** a chunk size other than ferry's rule picks (receivers take any power of two from 256 KiB to 16 MiB) */
  chunkSize?: number
}

export interface BuiltOffer {
  offer: OfferMsg
  id: string
  rootHex: string
  /** file index → content, for the files that have data */
  contents: Map<number, Uint8Array>
  /** the offer as it goes on the wire, length prefix included (encoded up front: see buildOffer) */
  wire: Uint8Array
}

const MTIME = Date.UTC(2024, 0, 2, 3, 4, 5)

/**
 * A manifest entry for real bytes: chunk hashes, file root, all as a ferry sender computes them, in chunks of
 * the smallest size a receiver takes (MIN_CHUNK_SIZE, 256 KiB: the rule of senders before 2026-12-07) unless
 * told: a crafted peer may cut files finer than ferry's rule (chunking.ts), and tests of one chunk among
 * several need no big files then.
 */
export function fileEntry (path: string, data: Uint8Array, mtimeMs = MTIME, chunkSize = MIN_CHUNK_SIZE): OfferFile {
  const list: Uint8Array[] = []
  for (let i = 0; i < chunkCount(data.length, chunkSize); i++) {
    const { offset, length } = chunkRange(i, data.length, chunkSize)
    list.push(blake3(data.subarray(offset, offset + length)))
  }
  const chunks = ChunkHashes.of(list)
  return { path, kind: 'file', size: data.length, mtimeMs, mode: MODE_REGULAR, chunkSize, chunks, fileRoot: computeFileRoot(data.length, chunkSize, chunks) }
}

/** An entry for a file of `size` bytes that nobody will ever fetch: random chunk hashes, consistent root. */
export function fakeFileEntry (path: string, size: number, chunkSize = 16 * 1024 * 1024): OfferFile {
  const n = chunkCount(size, chunkSize)
  const chunks = new ChunkHashes(new Uint8Array(randomBytes(32 * n)))
  return { path, kind: 'file', size, mtimeMs: MTIME, mode: MODE_REGULAR, chunkSize, chunks, fileRoot: computeFileRoot(size, chunkSize, chunks) }
}

const EMPTY_DIR_ROOT = computeFileRoot(0, 0, ChunkHashes.NONE)
export function dirEntry (path: string): OfferFile {
  return { path, kind: 'dir', size: 0, mtimeMs: MTIME, mode: MODE_REGULAR, chunkSize: 0, chunks: ChunkHashes.NONE, fileRoot: EMPTY_DIR_ROOT }
}

/**
 * A well-formed offer: fresh 16-byte id, correct file roots, transfer root and
 * total, encoded right away. Build big offers before connecting: hashing and
 * encoding 100k entries blocks this process for seconds on a busy machine,
 * and a peer that does not answer the daemon's pings in time is dropped
 * (src/daemon/node.ts, connectionMonitor).
 */
export function buildOffer (files: EvilFile[] | OfferFile[], opts: { totalBytes?: number } = {}): BuiltOffer {
  const contents = new Map<number, Uint8Array>()
  const entries: OfferFile[] = files.map((f, i) => {
    if ('fileRoot' in f) return f
    if (f.kind === 'dir') return dirEntry(f.path)
    if (f.fakeSize != null) return fakeFileEntry(f.path, f.fakeSize)
    const data = f.data ?? new Uint8Array(0)
    contents.set(i, data)
    return fileEntry(f.path, data, f.mtimeMs, f.chunkSize)
  })
  const transferId = new Uint8Array(randomBytes(16))
  const root = computeTransferRoot(entries)
  const totalBytes = opts.totalBytes ?? entries.reduce((n, e) => n + (e.kind === 'file' ? e.size : 0), 0)
  const offer: OfferMsg = { transferId, root, totalBytes, files: entries }
  return { offer, id: Buffer.from(transferId).toString('hex'), rootHex: Buffer.from(root).toString('hex'), contents, wire: lengthPrefixed(encodeOffer(offer)) }
}

// ---- the peer -------------------------------------------------------

/** Decides whether to corrupt one served chunk; `attempt` counts from 1 per (file, chunk). */
export type CorruptHook = (fileIndex: number, chunk: number, attempt: number) => boolean

/** Bytes of one chunk to send before dropping the stream (a link that fails mid-chunk), or undefined to send it all. */
export type CutHook = (fileIndex: number, chunk: number, attempt: number) => number | undefined

/** One chunk asked for: from which byte of it, and how many bytes. */
export interface Asked { fileIndex: number, chunk: number, from: number, length: number }

/** Whether to go silent, the stream left open, instead of answering this piece of a chunk (`from`: its first byte in the chunk). */
export type HoldHook = (fileIndex: number, chunk: number, from: number) => boolean

/** What to send instead of one chunk's header and bytes (`header`: the true one's fields, `bytes`: the true bytes), or undefined to send them as asked: a sender that answers other than it was asked; a promise: answered once it settles. */
export type ReplyHook = (header: { fileIndex: number, chunk: number, length: number, offset: number }, bytes: Uint8Array, attempt: number) => Uint8Array | undefined | Promise<Uint8Array | undefined>

interface Served { built: BuiltOffer, corrupt?: CorruptHook, cut?: CutHook, attempts: Map<string, number>, asked: Asked[], stall?: boolean, hold?: HoldHook, reply?: ReplyHook }

/** An OfferAnswer as plain data (haveBytes as a number, so it prints). */
export interface Answer { status: string, haveBytes: number, waitsTurn?: boolean, retryInMs?: number, error?: { code: string, message: string } }

function plain (a: OfferAnswer | undefined): Answer | undefined {
  return a == null ? undefined : { status: a.status, haveBytes: Number(a.haveBytes), waitsTurn: a.waitsTurn, retryInMs: a.retryInMs, error: a.error }
}

export interface RawReply {
  /** every byte the daemon wrote before the stream ended (or the wait ran out) */
  bytes: Uint8Array
  /** how the read side ended ('enough': we stopped reading once we had what we wanted) */
  end: 'closed' | 'reset' | 'timeout' | 'enough'
}

/** A crafted peer paired with `victim`, once `victim` lists it as paired. */
export async function pairedEvilPeer (victim: TestDaemon, name = 'evil'): Promise<EvilPeer> {
  const evil = await EvilPeer.create(name)
  await evil.pair(victim)
  await waitListed(victim, evil, { paired: true })
  return evil
}

/**
 * A test file's real daemon and a crafted peer paired with it: started before
 * the file's tests (`opts`, or what `opts()` makes, a folder of the file's say),
 * handed to `use`, and stopped after them with every daemon the file started.
 */
export function daemonWithEvilPeer (opts: DaemonOpts | (() => Promise<DaemonOpts>), use: (daemon: TestDaemon, evil: EvilPeer) => void): void {
  let evil: EvilPeer | undefined
  beforeAll(async () => {
    const daemon = await startDaemon(typeof opts === 'function' ? await opts() : opts)
    evil = await pairedEvilPeer(daemon)
    use(daemon, evil)
  })
  afterAll(async () => {
    await evil?.stop().catch(() => {})
    await cleanupAll()
  })
}

/** A transfer id (or any bytes) as the daemons show it. */
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

export class EvilPeer {
  readonly node: Libp2p
  readonly name: string
  /** TransferEnd messages the daemons sent us (receipts, failures), in arrival order */
  readonly ends: EndMsg[] = []
  /** Offers a daemon sent us (we accept them all, then fetch as the test says). */
  readonly offered: OfferMsg[] = []
  /** Previews a daemon sent us while it hashed (entries, no hashes): read to their end, nothing fetched. */
  readonly previewed: OfferMsg[] = []
  /** what the next offer streams meet, one each, before offers are read again; 'fetch-first': the first chunk is fetched before the answer goes */
  readonly offerTrouble: Array<'reset' | 'hangup' | 'silent' | 'fetch-first'> = []
  /** offers (and a sender's probes, which offer again) are answered as by a receiver that runs other receives from the sender first (OfferAnswer.waits_turn) */
  waitsTurn = false
  /** offers (and probes) are answered as by a receiver whose runs of it were cut short and that runs it again in this many ms (OfferAnswer.retry_in_ms); 0: not */
  retryInMs = 0
  /** offers (and probes) are answered as by a receiver whose run stopped to wait for what this says, room on its disk (OfferAnswer.waits_for); undefined: not */
  waitsFor?: FerryError
  /** offers are answered `pending`, as by a receiver that holds them for a person to accept (auto-accept off) */
  holdsOffers = false
  /** offers are answered `refused` with this, as by a receiver whose receive folder cannot take them (no room, say); undefined: not */
  refusesOffers?: FerryError
  /** the first chunk of a preview's first file is fetched as the preview comes, as a receiver fetching ahead of the offer does; the bytes it got */
  fetchesAhead = false
  aheadBytes = 0
  /** awaited before an offer read is answered (as refusesOffers, holdsOffers… then say): a receiver whose answer comes late */
  beforeOfferAnswer?: (offer: OfferMsg) => Promise<void>
  /** awaited before a TransferEnd a daemon sent us (its receipt) is acknowledged: a sender whose ack is slow to come */
  beforeEndAck?: (end: EndMsg) => Promise<void>
  private readonly served = new Map<string, Served>()

  /** our key: a receipt we sign verifies against our peer ID */
  readonly privateKey: PrivateKey

  private constructor (node: Libp2p, name: string, privateKey: PrivateKey) {
    this.node = node
    this.name = name
    this.privateKey = privateKey
  }

  static async create (name = 'evil'): Promise<EvilPeer> {
    const privateKey = await generateKeyPair('Ed25519')
    const node = await createLibp2p({
      privateKey,
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()]
    })
    const peer = new EvilPeer(node, name, privateKey)
    const hello = { name, version: 'evil/1', wire: WIRE_VERSION }
    await node.handle(HELLO_PROTOCOL, (stream) => { void answerHello(stream, hello).catch(() => {}) })
    await node.handle(CHUNKS_PROTOCOL, (stream) => { void peer.serveChunks(stream) }, { maxInboundStreams: 64 })
    // offers from a daemon are accepted and kept, so that the test can ask for their chunks as it likes
    await node.handle(OFFER_PROTOCOL, (stream, connection) => {
      // an offer that does not get through: its stream reset, or the whole connection dropped, or it is read and never answered
      const trouble = peer.offerTrouble.shift()
      if (trouble === 'reset') { stream.abort(new Error('too busy for offers')); return }
      if (trouble === 'hangup') { void connection.close().catch(() => {}); return }
      void readOffer(stream).then(async ({ offer, answer }) => {
        peer.offered.push(offer)
        // read, and never answered: the stream stays open
        if (trouble === 'silent') return
        // a receiver's chunk requests may overtake its answer (they go on streams of their own)
        if (trouble === 'fetch-first') await peer.fetchChunks(await connection.newStream(CHUNKS_PROTOCOL), offer.transferId, 0, [0])
        await peer.beforeOfferAnswer?.(offer)
        if (peer.refusesOffers != null) { await answer({ status: 'refused', haveBytes: 0, error: peer.refusesOffers }); return }
        await answer(peer.holdsOffers ? { status: 'pending', haveBytes: 0 } : { status: 'accepted', haveBytes: 0, waitsTurn: peer.waitsTurn, retryInMs: peer.retryInMs, waitsFor: peer.waitsFor })
      }).catch(() => {})
    })
    // a daemon's preview is read (its transfer id is then known here) and its hash parts read past
    await node.handle(PREVIEW_PROTOCOL, (stream, connection) => {
      void (async () => {
        const reader = new FrameReader(stream)
        const preview = await readPreview(reader, timeoutSignal(10_000))
        if (preview != null) peer.previewed.push(preview)
        if (preview != null && peer.fetchesAhead) peer.aheadBytes += (await peer.fetchChunks(await connection.newStream(CHUNKS_PROTOCOL), preview.transferId, 0, [0])).payloadBytes
        while (await readHashPart(reader, timeoutSignal(120_000)) != null) {}
      })().catch(() => { stream.abort(new Error('preview read')) })
    })
    await node.handle(RECEIPT_PROTOCOL, (stream) => {
      void readEnd(stream, async (end) => { peer.ends.push(end); await peer.beforeEndAck?.(end) }).catch(() => {})
    })
    return peer
  }

  get peerId (): string { return this.node.peerId.toString() }

  async stop (): Promise<void> { await this.node.stop() }

  private target (d: TestDaemon): ReturnType<typeof multiaddr> {
    return multiaddr(d.addr.includes('/p2p/') ? d.addr : `${d.addr}/p2p/${d.peerId}`)
  }

  /** Connect and say hello like a daemon does, so the daemon lists us online. */
  async connect (d: TestDaemon): Promise<void> {
    const conn = await this.node.dial(this.target(d), { signal: AbortSignal.timeout(5000) })
    const stream = await conn.newStream(HELLO_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    await exchangeHello(stream, { name: this.name, version: 'evil/1', wire: WIRE_VERSION })
  }

  async open (d: TestDaemon, protocol: string): Promise<Stream> {
    return await this.node.dialProtocol(this.target(d), protocol, { signal: AbortSignal.timeout(5000) }).catch((err) => {
      throw new Error(`opening ${protocol} failed: ${(err as Error)?.message ?? (err as Event)?.type}`)
    })
  }

  /** `ferry pair --json` on the daemon shows a code, and a pairing stream is open to it: the exchange is the caller's to run (runInitiator). */
  async openPairing (d: TestDaemon): Promise<{ shown: ShownCode, ch: PairChannel }> {
    await this.connect(d)
    const shown = await showCode(d)
    return { shown, ch: pairChannel(await this.open(d, PAIR_PROTOCOL)) }
  }

  /** Pair for real: `ferry pair --json` on the daemon shows a code, we enter it as the initiator. */
  async pair (d: TestDaemon): Promise<void> {
    const { shown, ch } = await this.openPairing(d)
    try {
      const r = await runInitiator(ch, { myPeerId: this.peerId, remotePeerId: d.peerId, myName: this.name }, parseCode(shown.code))
      expect(r.peerName).toBe(d.name)
    } finally {
      await ch.close()
    }
    const done = await shown.cli.done
    expect(done.code, done.stderr).toBe(0)
  }

  /**
   * Open `protocol`, write `bytes` (optionally close our side), and collect
   * everything the daemon writes back until it closes the stream, resets it,
   * or `waitMs` passes.
   */
  async raw (d: TestDaemon, protocol: string, bytes: Uint8Array, opts: { closeWrite?: boolean, waitMs?: number, enough?: (got: Uint8Array) => boolean } = {}): Promise<RawReply> {
    const stream = await this.open(d, protocol)
    if (bytes.length > 0) {
      await sendAll(stream, bytes).catch((err) => {
        // libp2p rejects with the bare 'close' event when the stream closes under a pending write
        throw new Error(`writing ${bytes.length} bytes on ${protocol} failed: stream ${stream.status}, write ${stream.writeStatus}, remote write ${stream.remoteWriteStatus}: ${(err as Error)?.message ?? (err as Event)?.type}`)
      })
    }
    if (opts.closeWrite === true) await stream.close({ signal: AbortSignal.timeout(5000) }).catch(() => {})
    const parts: Uint8Array[] = []
    const it = (stream as unknown as AsyncIterable<Uint8Array | { subarray: () => Uint8Array }>)[Symbol.asyncIterator]()
    const deadline = Date.now() + (opts.waitMs ?? 10_000)
    let end: RawReply['end'] = 'closed'
    try {
      while (true) {
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now())) })
        const r = await Promise.race([it.next(), timeout]).finally(() => clearTimeout(timer))
        if (r === 'timeout') { end = 'timeout'; break }
        if (r.done === true) break
        parts.push(r.value instanceof Uint8Array ? r.value : r.value.subarray())
        if (opts.enough?.(Buffer.concat(parts)) === true) { end = 'enough'; break }
      }
    } catch {
      end = 'reset'
    }
    stream.abort(new Error('done reading'))
    return { bytes: Buffer.concat(parts), end }
  }

  /** Send raw bytes on /ferry/offer and decode the (first) length-prefixed answer, if any. */
  async offerRaw (d: TestDaemon, bytes: Uint8Array, opts: { closeWrite?: boolean, waitMs?: number, stopAtAnswer?: boolean } = {}): Promise<{ answer?: Answer, reply: RawReply }> {
    const decode = (b: Uint8Array): Answer | undefined => plain(decodeFirst(b, (m) => OfferAnswer.decode(m)))
    const reply = await this.raw(d, OFFER_PROTOCOL, bytes, { ...opts, enough: opts.stopAtAnswer === true ? (got) => decode(got) != null : undefined })
    return { answer: decode(reply.bytes), reply }
  }

  /** Offer a (possibly hostile) manifest; the bytes we serve for it are registered first. */
  async offer (d: TestDaemon, built: BuiltOffer, corrupt?: CorruptHook, cut?: CutHook, opts: { stall?: boolean, hold?: HoldHook, reply?: ReplyHook, servedAlready?: boolean } = {}): Promise<Answer> {
    if (opts.servedAlready !== true) this.serve(built, corrupt, cut, opts)
    const { answer, reply } = await this.offerRaw(d, built.wire, { closeWrite: true, waitMs: 30_000, stopAtAnswer: true })
    if (answer == null) throw new Error(`no OfferAnswer (stream ${reply.end} after ${reply.bytes.length} bytes)`)
    return answer
  }

  /** Serve `built`'s chunks on /ferry/chunks, counting what is asked for, without offering it (yet): a test that sends a preview first. */
  serve (built: BuiltOffer, corrupt?: CorruptHook, cut?: CutHook, opts: { stall?: boolean, hold?: HoldHook, reply?: ReplyHook } = {}): void {
    this.served.set(built.id, { built, corrupt, cut, attempts: new Map(), asked: [], stall: opts.stall, hold: opts.hold, reply: opts.reply })
  }

  /** Send raw bytes on a gated protocol and decode the gate's Refusal envelope. */
  async refusal (d: TestDaemon, protocol: string, bytes: Uint8Array): Promise<Refusal | undefined> {
    const decode = (b: Uint8Array): Refusal | undefined => decodeFirst(b, (m) => Refusal.decode(m))
    const reply = await this.raw(d, protocol, bytes, { waitMs: 10_000, enough: (got) => decode(got) != null })
    return decode(reply.bytes)
  }

  /** Ask the daemon (as a sender) for chunks of any transfer; returns the headers it answers with. */
  async requestChunks (d: TestDaemon, transferId: Uint8Array, fileIndex: number, chunks: number[], range: Pick<ChunkRequestMsg, 'firstOffset' | 'firstLength'> = {}): Promise<{ headers: ChunkHeaderMsg[], payloadBytes: number, payload: Uint8Array[] }> {
    return await this.fetchChunks(await this.open(d, CHUNKS_PROTOCOL), transferId, fileIndex, chunks, range)
  }

  /** requestChunks on a chunk stream already open; the stream is aborted after. */
  async fetchChunks (stream: Stream, transferId: Uint8Array, fileIndex: number, chunks: number[], range: Pick<ChunkRequestMsg, 'firstOffset' | 'firstLength'> = {}): Promise<{ headers: ChunkHeaderMsg[], payloadBytes: number, payload: Uint8Array[] }> {
    await sendAll(stream, encodeChunkRequest({ transferId, fileIndex, chunks, ...range }))
    const reader = new FrameReader(stream)
    const headers: ChunkHeaderMsg[] = []
    const payload: Uint8Array[] = []
    let payloadBytes = 0
    try {
      for (let i = 0; i < chunks.length; i++) {
        const h = await readChunkHeader(reader, timeoutSignal(10_000))
        if (h == null) break
        headers.push(h)
        if (h.error != null) break
        const buf = new Uint8Array(h.length)
        await reader.readInto(buf, timeoutSignal(10_000))
        payload.push(buf)
        payloadBytes += h.length
      }
    } finally {
      stream.abort(new Error('done'))
    }
    return { headers, payloadBytes, payload }
  }

  /** Every chunk (or part of one) the daemon asked for, in order. */
  asked (id: string): Asked[] {
    return this.served.get(id)?.asked ?? []
  }

  /** How many times the daemon asked for one chunk of a transfer we offered. */
  attempts (id: string, fileIndex: number, chunk: number): number {
    return this.served.get(id)?.attempts.get(`${fileIndex}/${chunk}`) ?? 0
  }

  /** Our /ferry/chunks server: the real bytes of registered offers, through the corruption hook. */
  private async serveChunks (stream: Stream): Promise<void> {
    const reader = new FrameReader(stream)
    try {
      while (true) {
        const req = await readChunkRequest(reader, timeoutSignal(60_000))
        if (req == null) break
        const s = this.served.get(Buffer.from(req.transferId).toString('hex'))
        // a sender that never answers: the receive stays unfinished
        if (s?.stall === true) { await new Promise((resolve) => { stream.addEventListener('close', resolve, { once: true }) }); return }
        const data = s?.built.contents.get(req.fileIndex)
        const entry = s?.built.offer.files[req.fileIndex]
        for (const [i, chunk] of req.chunks.entries()) {
          if (s == null || data == null || entry == null || chunk >= entry.chunks.length) {
            await sendAll(stream, encodeChunkHeader({ fileIndex: req.fileIndex, chunk, length: 0, error: { code: 'E_TRANSFER_NOT_FOUND', message: 'not served here' } }))
            return
          }
          const key = `${req.fileIndex}/${chunk}`
          const attempt = (s.attempts.get(key) ?? 0) + 1
          s.attempts.set(key, attempt)
          const range = chunkRange(chunk, entry.size, entry.chunkSize)
          // a range of the first chunk, as a daemon serves it (sender.ts)
          const { from, length } = askedRange(req, i, range.length)
          // silent from here on: what the receiver holds of the chunk so far waits with it
          if (s.hold?.(req.fileIndex, chunk, from) === true) { await new Promise((resolve) => { stream.addEventListener('close', resolve, { once: true }) }); return }
          s.asked.push({ fileIndex: req.fileIndex, chunk, from, length })
          const bytes = Uint8Array.prototype.slice.call(data, range.offset + from, range.offset + from + length) // a copy, even of a Buffer
          if (s.corrupt?.(req.fileIndex, chunk, attempt) === true) bytes[length >> 1] ^= 0x01 // one flipped bit in one byte
          const instead = await s.reply?.({ fileIndex: req.fileIndex, chunk, length, offset: from }, bytes, attempt)
          if (instead !== undefined) { await sendAll(stream, instead); continue }
          await sendAll(stream, encodeChunkHeader({ fileIndex: req.fileIndex, chunk, length, offset: from }))
          const cut = s.cut?.(req.fileIndex, chunk, attempt)
          if (cut !== undefined) {
            await sendAll(stream, bytes.subarray(0, cut))
            await new Promise((resolve) => setTimeout(resolve, 200)) // let the bytes arrive before the reset
            stream.abort(new Error('link dropped mid-chunk (test)'))
            return
          }
          await sendAll(stream, bytes)
        }
      }
      await stream.close({ signal: AbortSignal.timeout(5000) }).catch(() => {})
    } catch (err) {
      stream.abort(err as Error)
    }
  }
}

/** Decode the first varint-length-prefixed message in `bytes`, if a whole one is there. */
export function decodeFirst<T> (bytes: Uint8Array, decode: (b: Uint8Array) => T): T | undefined {
  let len = 0
  let i = 0
  for (let shift = 0; i < bytes.length && i < 5; i++, shift += 7) {
    len += (bytes[i] & 0x7f) * 2 ** shift
    if ((bytes[i] & 0x80) === 0) { i++; break }
  }
  if (i === 0 || len > MAX_SMALL_MESSAGE_BYTES || bytes.length < i + len) return undefined
  return decode(bytes.subarray(i, i + len))
}

/** The 5 varint bytes of a length prefix claiming `n` bytes (no message follows). */
export function bareLengthPrefix (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128) }
  out.push(n)
  return Uint8Array.from(out)
}

// ---- a ferry of another version ---------------------------------------

/**
 * A libp2p node as a ferry of another wire version is to this one: it runs
 * identify, as every ferry daemon does (which tells its protocols), and
 * speaks only `protocols` (say /ferry/hello/2.0.0), each stream of them
 * reset at once: what it would say there this version could not read
 * anyway. `privateKey`: a device's own key (a device whose ferry was
 * updated keeps its identity, and its pairings); `listen`: its address.
 */
export async function otherVersionPeer (protocols: string[], opts: { privateKey?: PrivateKey, listen?: string } = {}): Promise<Libp2p> {
  const node = await createLibp2p({
    privateKey: opts.privateKey,
    addresses: { listen: [opts.listen ?? '/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
  for (const p of protocols) await node.handle(p, (stream) => { stream.abort(new Error('spoken by another version')) })
  return node
}
