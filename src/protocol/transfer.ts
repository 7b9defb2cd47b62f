// Wire side of a transfer: /ferry/offer (manifest → answer), /ferry/chunks
// (chunk requests answered with header + raw bytes) and /ferry/receipt
// (TransferEnd). Converts generated protobuf structs to plain domain objects
// at this boundary; nothing outside protocol/ sees the generated types.

import type { Stream } from '@libp2p/interface'
import { FerryError, cutToBytes, isErrorCode, quoteForDisplay, sanitizeForDisplay, type ErrorCode } from '../errors.ts'
import { ChunkHashes } from './chunk-hashes.ts'
import { MAX_CHUNKS_PER_REQUEST, MAX_HASH_PART_BYTES, MAX_OFFER_BYTES, MAX_OFFER_FILES, MAX_OFFER_TOTAL_BYTES, MAX_SMALL_MESSAGE_BYTES } from './constants.ts'
import { FrameReader, finishStream, lengthPrefixed, sendAll, varintLength, writeVarint } from './frames.ts'
import { ChunkHeader, ChunkRequest, FileEntry, HashPart, Offer, OfferAnswer, TransferEnd, TransferEndAck, type FileEntry as WireFileEntry } from './pb/transfer.js'
import { fromWireError, isCutStream, timeoutSignal, toWireError, type WireErrorMsg } from './stream.ts'

/** One manifest entry as it travels in an offer. */
export interface OfferFile {
  path: string
  kind: 'file' | 'dir'
  size: number
  mtimeMs: number
  /** Nanoseconds of the time past mtimeMs, 0–999,999 (0 or absent from an older sender). Not in the roots. */
  mtimeSubMsNs?: number
  mode: number
  /** chunkSizeFor(size) for files, 0 for directories. */
  chunkSize: number
  /** 32-byte BLAKE3 of each chunk, packed (chunk-hashes.ts says why). */
  chunks: ChunkHashes
  fileRoot: Uint8Array
}
export interface OfferMsg { transferId: Uint8Array, root: Uint8Array, totalBytes: number, files: OfferFile[] }
/** The longest wait before a retry an answer is taken to tell (a receiver waits a minute at most): a peer's number, and shown */
const MAX_RETRY_IN_MS = 60_000
/** the longest wait for a decision a receiver's answer is taken to tell (a year) */
const MAX_ACCEPT_WAIT_MS = 366 * 24 * 3600_000
/** `waitsTurn`: accepted, and waiting behind the receives from this sender that the receiver runs at once; `retryInMs`: accepted, and waiting this long before its next run, its last ones cut short; `waitsFor`: accepted, and waiting for what it says to go (room on its disk); `keptFiles`: refused as it ended there before, the files it placed whole and keeps (absent from a receiver from before 2026-12-07); `acceptWaitMs`: to an offer made again that it holds or held for a person there, how long (pending: so far; absent where it was not held, and from a receiver from before 2026-12-07) (transfer.proto, OfferAnswer) */
export interface AnswerMsg { status: 'accepted' | 'pending' | 'refused', haveBytes: number, waitsTurn?: boolean, retryInMs?: number, waitsFor?: FerryError, error?: FerryError, keptFiles?: number, acceptWaitMs?: number }
/** `missing`: done, but without these entries (a bit set over the offer's entries, see transfer.proto); absent or empty: all of it. */
/** `keptFiles`: a receiver's cancel or failure, the files of the offer it placed whole and keeps (TransferEnd.kept_files); absent from a receiver from before 2026-12-06 (a failure: 2026-12-07) */
export interface EndMsg { transferId: Uint8Array, status: 'done' | 'declined' | 'cancelled' | 'failed', root: Uint8Array, signature: Uint8Array, failure?: FerryError, wireBytes?: number, missing?: Uint8Array, doneBytes?: number, renamedCount?: number, renamed?: RenamedEntry[], refused?: RefusedEntry[], renameCount?: number, renames?: RenamedEntry[], keptFiles?: number }

/**
 * An offer's entry placed under another path by the receiver (its name taken there), relative to its receive folder.
 * `renamed` (and `renamedCount`) lists files so, a file moved with its folder too; `renames` (and `renameCount`) each
 * rename once, where it happened: a folder by its own entry, with how many of the offer's files it holds (`files`).
 */
export interface RenamedEntry { entry: number, as: string, files?: number }

/** An offer's entry the receive folder could not take as it is (a symbolic link on its way, say), and why; `under`: the folder at fault, for every entry below it. */
export interface RefusedEntry { entry: number, reason: string, under?: string, /** the reason's stable error code; none from a receiver before 2026-12-07 */ code?: ErrorCode }

/**
 * The renamed entries an End carries: at most this many of each list, and
 * this many bytes of paths in all (`renames` first, `renamed` in what they
 * leave), so that an End fits in what a sender from before the fields reads
 * (MAX_END_BYTES, unchanged).
 */
export const END_RENAMED_SHOWN = 20
const END_RENAMED_BYTES = 2048

/**
 * The refused entries an End carries: the first END_REFUSED_SHOWN, and at
 * most END_REFUSED_BYTES of reasons in all (each cut to a quarter of it),
 * so that with the renamed ones and the largest set of files not received
 * an End still fits in MAX_END_BYTES.
 */
export const END_REFUSED_SHOWN = 20
const END_REFUSED_BYTES = 1024

/** The first `shown` of `items` whose texts (`textOf`) come to `budget` bytes at most. */
function firstThatFit<T> (items: T[], shown: number, budget: number, textOf: (item: T) => string): T[] {
  const out: T[] = []
  let bytes = 0
  for (const item of items.slice(0, shown)) {
    bytes += Buffer.byteLength(textOf(item))
    if (bytes > budget) break
    out.push(item)
  }
  return out
}

/** `renames` and `renamed` as an End carries them: `renames` first (this version's senders read them), `renamed` in the bytes they leave. */
function renamedThatFit (end: EndMsg): { renames: Array<Required<RenamedEntry>>, renamed: Array<Required<RenamedEntry>> } {
  const renames = firstThatFit(end.renames ?? [], END_RENAMED_SHOWN, END_RENAMED_BYTES, (r) => r.as)
  const left = END_RENAMED_BYTES - renames.reduce((n, r) => n + Buffer.byteLength(r.as), 0)
  const renamed = firstThatFit(end.renamed ?? [], END_RENAMED_SHOWN, left, (r) => r.as)
  const wire = (r: RenamedEntry): Required<RenamedEntry> => ({ entry: r.entry, as: r.as, files: r.files ?? 0 })
  return { renames: renames.map(wire), renamed: renamed.map((r) => wire({ entry: r.entry, as: r.as })) }
}

function refusedThatFit (refused: RefusedEntry[] = []): Array<{ entry: number, reason: string, under: string, code: string }> {
  // a folder too long to fit is left out, not cut: a cut one would name another folder
  const cut = refused.slice(0, END_REFUSED_SHOWN).map((r) => ({ entry: r.entry, reason: cutMarked(r.reason, END_REFUSED_BYTES / 4), under: r.under !== undefined && Buffer.byteLength(r.under) <= END_REFUSED_BYTES / 4 ? r.under : '', code: r.code ?? '' }))
  return firstThatFit(cut, END_REFUSED_SHOWN, END_REFUSED_BYTES, (r) => r.reason + r.under)
}

/** `s` cut to at most `max` UTF-8 bytes, at a character's edge, "..." included when cut. */
function cutMarked (s: string, max: number): string {
  return Buffer.byteLength(s) <= max ? s : `${cutToBytes(s, max - 3)}...`
}

const HASH = 32
/** The largest time a Date holds (ms from 1970, either way). */
const MAX_DATE_MS = 8.64e15

function fileToWire (f: OfferFile): WireFileEntry {
  return { path: f.path, dir: f.kind === 'dir', size: f.size, mtimeMs: f.mtimeMs, mtimeSubMsNs: f.mtimeSubMsNs ?? 0, mode: f.mode, chunkSize: f.chunkSize, chunkHashes: f.chunks.bytes as Uint8Array<ArrayBuffer>, fileRoot: f.fileRoot as Uint8Array<ArrayBuffer> }
}

function fileFromWire (w: WireFileEntry): OfferFile {
  if (w.chunkHashes.length % HASH !== 0) throw new FerryError('E_PROTOCOL', `chunk hash list of ${w.path.slice(0, 100)} is not a multiple of ${HASH} bytes`)
  // the varint reader gives an unsafe (rounded) number past 2^53 and throws past 2^64
  if (!Number.isSafeInteger(w.size) || w.size < 0) throw new FerryError('E_LIMIT', 'file size out of range')
  if (!Number.isSafeInteger(w.mtimeMs) || Math.abs(w.mtimeMs) > MAX_DATE_MS) throw new FerryError('E_PROTOCOL', `modification time of ${w.path.slice(0, 100)} is out of range`)
  if (w.mtimeSubMsNs > 999_999) throw new FerryError('E_PROTOCOL', `modification time of ${w.path.slice(0, 100)} has ${w.mtimeSubMsNs} ns past its milliseconds (at most 999,999)`)
  // the hashes as they came, a view of the offer's bytes: no object per chunk (chunk-hashes.ts)
  const chunks = new ChunkHashes(w.chunkHashes)
  return { path: w.path, kind: w.dir ? 'dir' : 'file', size: w.size, mtimeMs: w.mtimeMs, mtimeSubMsNs: w.mtimeSubMsNs, mode: w.mode, chunkSize: w.chunkSize, chunks, fileRoot: w.fileRoot }
}

/** Offer's field 4 (files), length-delimited: the tag each encoded FileEntry follows. */
const OFFER_FILES_TAG = (4 << 3) | 2

/**
 * The offer's bytes, the same as Offer.encode would give (files is its last
 * field: transfer.test's codec test compares them), but written entry by
 * entry. Offer.encode builds all of a message's writes before it writes a
 * byte: for 99,100 entries it took 140 MB of heap to make a 10.8 MB offer,
 * and the sender peaked at ~550 MB (measured with process.memoryUsage).
 * Here each entry's garbage is young and goes at once.
 */
export function encodeOffer (o: OfferMsg): Uint8Array {
  const head = Offer.encode({ transferId: o.transferId as Uint8Array<ArrayBuffer>, root: o.root as Uint8Array<ArrayBuffer>, totalBytes: o.totalBytes, files: [] })
  let out = new Uint8Array(head.length + o.files.reduce((n, f) => n + 2 * f.path.length + f.chunks.length * HASH + 64, 0))
  out.set(head)
  let at = head.length
  for (const f of o.files) {
    const entry = FileEntry.encode(fileToWire(f))
    const need = at + 1 + varintLength(entry.length) + entry.length
    if (need > out.length) {
      const bigger = new Uint8Array(Math.max(need, out.length * 2))
      bigger.set(out.subarray(0, at))
      out = bigger
    }
    out[at++] = OFFER_FILES_TAG
    at = writeVarint(out, at, entry.length)
    out.set(entry, at)
    at += entry.length
  }
  return out.subarray(0, at)
}

/** Decode an offer, enforcing the file-count limit while decoding (before the list grows). */
export function decodeOffer (bytes: Uint8Array | import('uint8arraylist').Uint8ArrayList): OfferMsg {
  let w: Offer
  try {
    w = Offer.decode(bytes, { limits: { files: MAX_OFFER_FILES } })
  } catch (err) {
    const m = (err as Error).message
    // protons throws MaxLengthError ("repeated field … had too many elements") when a limit is hit
    const overLimit = (err as Error).name === 'MaxLengthError' || /limit|too many/i.test(m)
    if (overLimit) throw new FerryError('E_LIMIT', `offer has more than ${MAX_OFFER_FILES} entries (files and folders); send the folders in parts`)
    // uint8-varint reads a number past 2^53 - 1, then fails to measure it ("Could not encode varint")
    if (/could not encode varint/i.test(m)) throw new FerryError('E_LIMIT', 'offer has a size out of range (at most 2^53 - 1 bytes)')
    throw new FerryError('E_PROTOCOL', `offer: ${m}`)
  }
  if (!Number.isSafeInteger(w.totalBytes)) throw new FerryError('E_LIMIT', 'offer total size out of range')
  // checked here, before the entries are looked at: a declared size no disk holds is nonsense or hostile
  if (w.totalBytes > MAX_OFFER_TOTAL_BYTES) throw new FerryError('E_LIMIT', `offer declares ${w.totalBytes} bytes, more than ${MAX_OFFER_TOTAL_BYTES} (2^50) bytes`)
  return { transferId: w.transferId, root: w.root, totalBytes: w.totalBytes, files: w.files.map(fileFromWire) }
}

/** Sender: write the offer (`encoded`: encodeOffer of it), read the answer. */
/** How long an offer of `bytes` may take to send and be answered: a minute (FERRY_OFFER_ANSWER_MS, for tests), and a second per MiB on top (a 64 MiB offer on a slow link). */
export function offerTimeoutMs (bytes: number): number {
  const base = Number(process.env.FERRY_OFFER_ANSWER_MS)
  return (Number.isFinite(base) && base > 0 ? base : 60_000) + Math.ceil(bytes / 2 ** 20) * 1000
}

export async function sendOffer (stream: Stream, encoded: Uint8Array, signal?: AbortSignal): Promise<AnswerMsg> {
  const sig = timeoutSignal(offerTimeoutMs(encoded.byteLength), signal)
  let ans: OfferAnswer | undefined
  try {
    await sendAll(stream, lengthPrefixed(encoded), sig)
    ans = await new FrameReader(stream).readLp((b) => OfferAnswer.decode(b), MAX_SMALL_MESSAGE_BYTES, sig)
  } catch (err) {
    // a stream the receiver reset (too busy, or going away) is a link that failed: the send waits and offers again.
    // libp2p's error alone went to toFerryError, shown as the send's wait reason "E_INTERNAL: The stream has been reset" (fuzzing finding)
    // only libp2p's errors for a cut stream: a fault of this side's own code stays one, not a link to retry without end
    if (isCutStream(err)) throw new FerryError('E_PEER_UNREACHABLE', `the receiver's offer stream failed before its answer (${(err as Error).message})`, { cause: err })
    throw namedFault(err, 'receiver\'s answer to the offer')
  }
  await finishStream(stream, sig)
  // its connection dropped, or its daemon went down, as it read the offer: a link's failure (transient.ts), the offer made again
  if (ans == null) throw new FerryError('E_PROTOCOL', 'the receiver\'s offer stream ended without an answer')
  const error = fromWireError(ans.error, 'receiver')
  if (error != null) return { status: 'refused', haveBytes: 0, error: olderReceiverSaid(error), ...(ans.keptFiles !== undefined ? { keptFiles: ans.keptFiles } : {}) }
  if (ans.status !== 'accepted' && ans.status !== 'pending') throw new FerryError('E_PROTOCOL', 'receiver sent an unknown answer')
  const accepted = ans.status === 'accepted'
  // a peer's number, shown: bounded, as a sanity check of what it says
  const acceptWaitMs = ans.acceptWaitMs !== undefined ? Math.min(ans.acceptWaitMs, MAX_ACCEPT_WAIT_MS) : undefined
  return { status: ans.status, haveBytes: ans.haveBytes, waitsTurn: accepted && ans.waitsTurn, retryInMs: accepted ? Math.min(ans.retryInMs, MAX_RETRY_IN_MS) : 0, waitsFor: accepted ? fromWireError(ans.waitsFor, 'receiver') : undefined, ...(acceptWaitMs !== undefined ? { acceptWaitMs } : {}) }
}

/**
 * A refusal worded as a receiver from before 2026-12-05 words it, with what
 * to do: those refuse a whole offer with a name ending in a dot or a space,
 * which this version sends (name-probe.ts); the offer's version did not
 * change (review finding: the user was not told the receiver is older).
 */
export function olderReceiverSaid (error: FerryError): FerryError {
  if (error.code !== 'E_PATH_UNSAFE' || !error.message.endsWith(': a component ends with a dot or a space')) return error
  return new FerryError(error.code, `${error.message} (the receiving device runs a ferry from before 2026-12-05, which refuses such names in any offer: update ferry there, or rename them)`, { remote: true })
}

/** How long a receiver waits for an offer to arrive whole once its stream opened (readOffer) */
export const OFFER_READ_MS = 60_000

/**
 * Receiver: read one offer (size-limited before allocation) and get a
 * function to answer it. `bytes` are the ones it was decoded from, for the
 * receiver to store as they came instead of encoding the offer again (the
 * 1,000-photo set: ~20 ms; 99,100 entries: 10.8 MB).
 */
export async function readOffer (stream: Stream, signal?: AbortSignal): Promise<{ offer: OfferMsg, bytes: Uint8Array, answer: (a: AnswerMsg) => Promise<void> }> {
  // the refusal its sender reads says so: "stream read aborted" said neither what nor how long (helper finding)
  const sig = timeoutSignal(OFFER_READ_MS, signal, 'the offer did not arrive whole')
  const reader = new FrameReader(stream)
  let got: { offer: OfferMsg, bytes: Uint8Array } | undefined
  try {
    // decoded from the one buffer it came into, and stored as it is
    got = await readOfferBytes(reader, sig)
  } catch (err) {
    await writeAnswer(stream, { status: 'refused', haveBytes: 0, error: err as FerryError })
    throw err
  }
  if (got == null) throw new FerryError('E_PROTOCOL', 'offer stream ended before the offer')
  return { ...got, answer: async (a) => { await writeAnswer(stream, a) } }
}

async function writeAnswer (stream: Stream, a: AnswerMsg): Promise<void> {
  const msg: OfferAnswer = { status: a.status, haveBytes: a.haveBytes, waitsTurn: a.waitsTurn === true, retryInMs: Math.round(a.retryInMs ?? 0), waitsFor: a.waitsFor != null ? toWireError(a.waitsFor) : undefined, error: a.error != null ? toWireError(a.error) : undefined, ...(a.keptFiles !== undefined ? { keptFiles: a.keptFiles } : {}), ...(a.acceptWaitMs !== undefined ? { acceptWaitMs: Math.max(0, Math.round(a.acceptWaitMs)) } : {}) }
  try {
    await sendAll(stream, lengthPrefixed(OfferAnswer.encode(msg)), timeoutSignal(5000))
    await stream.close({ signal: timeoutSignal(5000) })
    await stream.closeRead({ signal: timeoutSignal(5000) })
  } catch (err) {
    stream.abort(err as Error)
  }
}

// ---- chunks ---------------------------------------------------------------

/** `firstOffset`, `firstLength`: only that range of the first listed chunk (length 0: to its end). `waitsTurn`: with no chunks, accepted by a person there and waiting its turn; `waitsFor`: with no chunks, stopped there to wait for what it says (transfer.proto). */
export interface ChunkRequestMsg { transferId: Uint8Array, fileIndex: number, chunks: number[], firstOffset?: number, firstLength?: number, heldBytes?: number, fileHeldBytes?: number, waitsTurn?: boolean, waitsFor?: FerryError, /** a progress report of a receive that runs there (ChunkRequest.runs) */ runs?: boolean, /** with heldBytes: the files it holds whole and placed there (ChunkRequest.held_files) */ heldFiles?: number }

export function encodeChunkRequest (r: ChunkRequestMsg): Uint8Array {
  return lengthPrefixed(ChunkRequest.encode({ transferId: r.transferId as Uint8Array<ArrayBuffer>, fileIndex: r.fileIndex, chunks: r.chunks, firstOffset: r.firstOffset ?? 0, firstLength: r.firstLength ?? 0, heldBytes: r.heldBytes ?? 0, fileHeldBytes: r.fileHeldBytes ?? 0, waitsTurn: r.waitsTurn === true, waitsFor: r.waitsFor != null ? toWireError(r.waitsFor) : undefined, runs: r.runs === true, heldFiles: r.heldFiles ?? 0 }))
}

/**
 * The bytes of the i-th chunk listed in `req` that it asks for, `chunkLength`
 * being that chunk's length: a range of the first (first_length 0: to its
 * end), every other one whole. Not checked against the chunk: a sender
 * refuses a range that does not fit (sender.ts).
 */
export function askedRange (req: Pick<ChunkRequestMsg, 'firstOffset' | 'firstLength'>, i: number, chunkLength: number): { from: number, length: number } {
  if (i > 0) return { from: 0, length: chunkLength }
  const from = req.firstOffset ?? 0
  const length = req.firstLength ?? 0
  return { from, length: length > 0 ? length : chunkLength - from }
}

export async function readChunkRequest (reader: FrameReader, signal?: AbortSignal): Promise<ChunkRequestMsg | undefined> {
  const r = await reader.readLp((b) => ChunkRequest.decode(b, { limits: { chunks: MAX_CHUNKS_PER_REQUEST } }), MAX_SMALL_MESSAGE_BYTES, signal)
  return r == null ? undefined : { transferId: r.transferId, fileIndex: r.fileIndex, chunks: r.chunks, firstOffset: r.firstOffset, firstLength: r.firstLength, heldBytes: countOrZero(r.heldBytes), fileHeldBytes: countOrZero(r.fileHeldBytes), waitsTurn: r.waitsTurn, waitsFor: fromWireError(r.waitsFor, 'receiver'), runs: r.runs, heldFiles: countOrZero(r.heldFiles) }
}

/** A byte count a peer told: a safe integer above 0, or 0 ("not told"). */
function countOrZero (n: number): number {
  return Number.isSafeInteger(n) && n > 0 ? n : 0
}

/** Why a sender cannot serve a file of its offer any more (ChunkHeader.not_served): removed from its path; changed (edited, replaced); unreadable there. */
export type NotServedReason = 'changed' | 'removed' | 'unreadable'

/** ChunkHeader.not_served's numbers (0: not told) */
const NOT_SERVED_ON_WIRE: Record<NotServedReason, number> = { changed: 1, removed: 2, unreadable: 3 }
const NOT_SERVED_READ = new Map<number, NotServedReason>(Object.entries(NOT_SERVED_ON_WIRE).map(([reason, wire]) => [wire, reason as NotServedReason]))

/** Whether `word` is a reason this version knows (one read back from the store, say): the reasons are NOT_SERVED_ON_WIRE's keys. */
export function isNotServedReason (word: string): word is NotServedReason {
  return Object.hasOwn(NOT_SERVED_ON_WIRE, word)
}

/**
 * `length` bytes of chunk `chunk` follow, starting `offset` bytes into it;
 * or, with `error` E_SOURCE_CHANGED, the file cannot be served, and
 * `notServed` says why (undefined: not told, by a sender from before the
 * field, or a reason of a later version's).
 */
export interface ChunkHeaderMsg { fileIndex: number, chunk: number, length: number, offset: number, error?: FerryError, notServed?: NotServedReason }

export function encodeChunkHeader (h: { fileIndex: number, chunk: number, length: number, offset?: number, error?: unknown, notServed?: NotServedReason }): Uint8Array {
  return lengthPrefixed(ChunkHeader.encode({ fileIndex: h.fileIndex, chunk: h.chunk, length: h.length, offset: h.offset ?? 0, notServed: h.notServed !== undefined ? NOT_SERVED_ON_WIRE[h.notServed] : 0, error: h.error != null ? toWireError(h.error) : undefined }))
}

export async function readChunkHeader (reader: FrameReader, signal?: AbortSignal): Promise<ChunkHeaderMsg | undefined> {
  const h = await reader.readLp((b) => ChunkHeader.decode(b), MAX_SMALL_MESSAGE_BYTES, signal).catch((err: unknown) => { throw namedFault(err, 'sender\'s chunk header') })
  if (h == null) return undefined
  return { fileIndex: h.fileIndex, chunk: h.chunk, length: h.length, offset: h.offset, error: fromWireError(h.error as WireErrorMsg | undefined, 'sender'), notServed: NOT_SERVED_READ.get(h.notServed) }
}

/**
 * A message that does not decode, or is too large, or a stream that ends
 * inside one, said with what it was (`what`): a receive failed with the
 * frame reader's words alone, "malformed message: invalid wire type 7 at
 * offset 1", which said neither what nor whose, and a send with
 * "malformed message: Could not encode varint" for an answer's byte count
 * past 2^53 - 1 (fuzzing findings). Its code
 * is kept, and "stream ended" with it (transient.ts reads it as a link that
 * failed); a timeout, a cancel or the link's own error is passed on as it is.
 */
function namedFault (err: unknown, what: string): unknown {
  if (!(err instanceof FerryError) || err.remote || (err.code !== 'E_PROTOCOL' && err.code !== 'E_MESSAGE_TOO_LARGE')) return err
  // uint8-varint reads a number past 2^53 - 1, then fails to measure it: said as what it is, not as an encoding failure
  const message = err.message.replace(/could not encode varint/i, 'a number past 2^53 - 1')
  return new FerryError(err.code, `${what}: ${message}`, { cause: err })
}

// ---- preview ---------------------------------------------------------------

/**
 * A preview of an offer still being hashed: its entries as the offer will
 * have them, without chunk hashes or roots (docs/PROTOCOL.md, Preview). The
 * receiver decodes it with decodeOffer, under the same limits.
 */
export function encodePreview (o: { transferId: Uint8Array, totalBytes: number, files: Array<Omit<OfferFile, 'chunks' | 'fileRoot'>> }): Uint8Array {
  const none = new Uint8Array(0)
  return lengthPrefixed(encodeOffer({ transferId: o.transferId, root: none, totalBytes: o.totalBytes, files: o.files.map((f) => ({ ...f, chunks: ChunkHashes.NONE, fileRoot: none })) }))
}

export async function readPreview (reader: FrameReader, signal?: AbortSignal): Promise<OfferMsg | undefined> {
  return (await readOfferBytes(reader, signal))?.offer
}

/** An offer (or a preview) read into one buffer of its own as it arrives (readLpBytes says why), and decoded from it. */
async function readOfferBytes (reader: FrameReader, signal?: AbortSignal): Promise<{ offer: OfferMsg, bytes: Uint8Array } | undefined> {
  const bytes = await reader.readLpBytes(MAX_OFFER_BYTES, signal)
  if (bytes === undefined) return undefined
  try {
    return { offer: decodeOffer(bytes), bytes }
  } catch (err) {
    if (err instanceof FerryError) throw err
    throw new FerryError('E_PROTOCOL', `malformed message: ${(err as Error).message}`)
  }
}

/** The hashes of chunks firstChunk, firstChunk + 1, … of entry fileIndex (32 bytes each). */
export interface HashPartMsg { fileIndex: number, firstChunk: number, hashes: Uint8Array }

export function encodeHashPart (p: HashPartMsg): Uint8Array {
  return lengthPrefixed(HashPart.encode({ fileIndex: p.fileIndex, firstChunk: p.firstChunk, hashes: p.hashes as Uint8Array<ArrayBuffer> }))
}

export async function readHashPart (reader: FrameReader, signal?: AbortSignal): Promise<HashPartMsg | undefined> {
  const p = await reader.readLp((b) => HashPart.decode(b), MAX_HASH_PART_BYTES, signal)
  if (p == null) return undefined
  if (p.hashes.length === 0 || p.hashes.length % HASH !== 0) throw new FerryError('E_PROTOCOL', `a hash part of ${p.hashes.length} bytes is not a whole number of ${HASH}-byte hashes`)
  return { fileIndex: p.fileIndex, firstChunk: p.firstChunk, hashes: p.hashes }
}

// ---- end / receipt -------------------------------------------------------

/** A TransferEnd: a small message, plus the bit set of the files not received (one bit per entry of the largest offer). */
const MAX_END_BYTES = MAX_SMALL_MESSAGE_BYTES + Math.ceil(MAX_OFFER_FILES / 8)

/**
 * Write `end` to `to` (the transfer's receiver: a sender's cancel; else its
 * sender) and read its acknowledgement, a refusal said as `to`'s words, as
 * every message of the other side is ("receiver: …", "sender: …"; user-test
 * finding: "peer says: …" in one place, "receiver: …" in another).
 * `acked` runs once the acknowledgement says it was taken, before this side
 * closes the stream: a sender given a receipt says its send done only once
 * that close came (readEnd, EndHandled.afterAck).
 */
export async function sendEnd (stream: Stream, end: EndMsg, to: 'sender' | 'receiver', signal?: AbortSignal, acked?: () => void): Promise<EndAnswer> {
  // a receipt whose ack did not come (its sender frozen, say) waits and is sent again: said so, not "stream read aborted"
  const sig = timeoutSignal(END_ACK_WAIT_MS, signal, `the ${to} did not acknowledge the end of the transfer`)
  const msg: TransferEnd = { transferId: end.transferId as Uint8Array<ArrayBuffer>, status: end.status, root: end.root as Uint8Array<ArrayBuffer>, signature: end.signature as Uint8Array<ArrayBuffer>, failure: end.failure != null ? toWireError(end.failure) : undefined, wireBytes: end.wireBytes ?? 0, missing: (end.missing ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>, doneBytes: end.doneBytes, renamedCount: end.renamedCount ?? 0, ...renamedThatFit(end), renameCount: end.renameCount ?? 0, refused: refusedThatFit(end.refused), ...(end.keptFiles !== undefined ? { keptFiles: end.keptFiles } : {}) }
  await sendAll(stream, lengthPrefixed(TransferEnd.encode(msg)), sig)
  const ack = await new FrameReader(stream).readLp((b) => TransferEndAck.decode(b), MAX_SMALL_MESSAGE_BYTES, sig)
  const err = fromWireError(ack?.error, to)
  if (err == null && ack?.ok === true) acked?.()
  await finishStream(stream, sig)
  if (err != null) throw err
  if (ack?.ok !== true) throw new FerryError('E_PROTOCOL', `the ${to} did not acknowledge the end of the transfer`)
  return { keptFiles: ack.keptFiles }
}

/** How long a side that sends a TransferEnd waits for its peer to take it and answer (sendEnd) */
export const END_ACK_WAIT_MS = 10_000

/** What the side told of a TransferEnd answers with it: a receiver told of its sender's cancel, the files it keeps (0: none, or not said). */
export interface EndAnswer { keptFiles: number }

/**
 * What a handler of a TransferEnd (readEnd) answers with, and `afterAck`:
 * what it does only once its peer has read the ack and closed its end of
 * the stream (or did not within END_CLOSE_WAIT_MS), run also when the ack
 * could not be written. A sender's done, given a receipt: its receiver
 * records its own done as the ack comes, before that close (sendEnd's
 * `acked`), so that once `ferry send` exits 0 the receiving device shows the
 * receive done (helper finding: it showed `verifying` for the ack's round
 * trip, in ~1 of 4 small sends looked at as the sender said done).
 */
export interface EndHandled extends Partial<EndAnswer> { afterAck?: () => void }

/** How long a side that acked an end waits for its peer to close the stream before it runs what waits for that (EndHandled.afterAck): a round trip on a link that works */
const END_CLOSE_WAIT_MS = 2000

/**
 * Read a TransferEnd and acknowledge it; its `failure` is the receiver's
 * (only a receiver sends one: a sender's end is a cancel). One that cannot
 * be read (it does not decode, is over its size limit, or says what no
 * version says) is acknowledged with why, as one `handle` refuses is, and
 * thrown for the caller to log: its receiver then fails its receive with
 * that reason (notes' leftover: the stream was reset, which its receiver
 * took for a link that failed and sent the receipt again and again).
 */
export async function readEnd (stream: Stream, handle: (end: EndMsg) => Promise<EndHandled | void>): Promise<void> {
  const sig = timeoutSignal(10_000)
  let w: TransferEnd
  const reader = new FrameReader(stream)
  try {
    w = await readValidEnd(reader, sig)
  } catch (err) {
    // nothing more is read from it: closed once told, so that its peer
    // cannot go on sending into it (review finding: 768 MiB were kept for a
    // stream whose first message was garbage)
    const unreadable = unreadableEnd(err)
    if (unreadable == null) {
      stream.abort(err as Error)
      throw err
    }
    await refuseEnd(stream, unreadable)
    throw unreadable
  }
  const status = w.status as EndMsg['status']
  let error: unknown
  let answer: EndHandled | void = undefined
  try {
    answer = await handle({ transferId: w.transferId, status, root: w.root, signature: w.signature, failure: fromWireError(w.failure as WireErrorMsg | undefined, 'receiver'), wireBytes: w.wireBytes, missing: w.missing, doneBytes: w.doneBytes, renamedCount: w.renamedCount, renamed: w.renamed.map((r) => ({ entry: r.entry, as: r.as })), renameCount: w.renameCount, renames: w.renames, refused: w.refused.map((r) => ({ entry: r.entry, reason: sanitizeForDisplay(r.reason) /* a peer's words, kept and shown: as fromWireError's */, under: r.under === '' ? undefined : r.under, ...(isErrorCode(r.code) ? { code: r.code } : {}) })), ...(w.keptFiles !== undefined ? { keptFiles: w.keptFiles } : {}) })
  } catch (err) { error = err }
  const afterAck = answer?.afterAck
  const ack = lengthPrefixed(TransferEndAck.encode({ ok: error == null, error: error != null ? toWireError(error) : undefined, keptFiles: answer?.keptFiles ?? 0 }))
  if (afterAck == null) {
    await sendAll(stream, ack, sig)
    await finishStream(stream, sig)
    return
  }
  try {
    await sendAll(stream, ack, sig)
    await stream.close({ signal: sig }).catch(() => {})
    // its peer's close: it has read the ack, and done what it does on it (sendEnd's `acked`). Anything more it
    // sends is no message of this protocol, and a peer that never closes is not waited for long
    await reader.readLp(() => undefined, MAX_SMALL_MESSAGE_BYTES, AbortSignal.any([sig, AbortSignal.timeout(END_CLOSE_WAIT_MS)])).catch(() => {})
  } finally {
    // also when the ack could not be written: the peer sends its end again, and that one is acked as taken already
    afterAck()
  }
  await stream.closeRead({ signal: sig }).catch(() => {})
}

/**
 * A TransferEnd's read that failed for what came (E_PROTOCOL, E_MESSAGE_TOO_LARGE), said as such; undefined
 * for a stream cut, a timeout or its end before any message: nothing came to answer, or no one is there to hear it.
 */
function unreadableEnd (err: unknown): FerryError | undefined {
  if (!(err instanceof FerryError) || (err.code !== 'E_PROTOCOL' && err.code !== 'E_MESSAGE_TOO_LARGE')) return undefined
  if (err.message === END_STREAM_EMPTY) return undefined
  return new FerryError(err.code, `the end of the transfer could not be read: ${err.message}`, { cause: err })
}

/**
 * The ack of a TransferEnd that could not be read, its writing end closed
 * (the ack goes out before the end), then the stream reset: its peer may
 * not go on sending into it (closing the reading end alone let a peer pour
 * 256 MiB in, abuse.test.ts).
 */
async function refuseEnd (stream: Stream, why: FerryError): Promise<void> {
  const sig = timeoutSignal(5000)
  try {
    await sendAll(stream, lengthPrefixed(TransferEndAck.encode({ ok: false, error: toWireError(why), keptFiles: 0 })), sig)
    await stream.close({ signal: sig })
  } catch {}
  stream.abort(why)
}

const END_STREAM_EMPTY = 'receipt stream ended early'

async function readValidEnd (reader: FrameReader, sig: AbortSignal): Promise<TransferEnd> {
  // no limit on `renamed`, `renames` or `refused`: a longer list (a later version's) must not make a signed receipt unreadable
  // (review finding); the frame's bound keeps it small, and the sender keeps the first END_RENAMED_SHOWN
  const w = await reader.readLp((b) => TransferEnd.decode(b), MAX_END_BYTES, sig)
  if (w == null) throw new FerryError('E_PROTOCOL', END_STREAM_EMPTY)
  if (!['done', 'declined', 'cancelled', 'failed'].includes(w.status)) throw new FerryError('E_PROTOCOL', `unknown transfer end status ${quoteForDisplay(cutToBytes(w.status, 32))}`)
  if (!Number.isSafeInteger(w.wireBytes) || w.wireBytes < 0) throw new FerryError('E_PROTOCOL', 'transfer end: wire byte count out of range')
  if (w.doneBytes != null && (!Number.isSafeInteger(w.doneBytes) || w.doneBytes < 0)) throw new FerryError('E_PROTOCOL', 'transfer end: done byte count out of range')
  return w
}

export { FrameReader, finishStream, sendAll }
export const CHUNK_REQUEST_MAX = MAX_CHUNKS_PER_REQUEST
