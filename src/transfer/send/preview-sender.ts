// The sender's side of /ferry/preview/1.0.0: while a send is hashed, and
// the hashing looks like lasting, its receiver is told the entries, then
// each chunk hash as the workers make it, so that it can fetch and verify those chunks before the offer comes
// (prefetch.ts). Why: the offer carries every hash, and nothing moved while
// the sender hashed: 0.25–0.3 s per GiB from the page cache, about 1 s per
// GiB from a disk, all of it before the first byte (docs/PROTOCOL.md,
// Preview).
// Owns: one preview stream (dormant until the hashing looks long enough),
// the hashes not yet written, in runs per file.
// Must never: fail or slow the send. The preview is a head start only; any
// error drops it (the offer and the fetch are as without it), and hashing
// never waits for the stream.

import type { Stream } from '@libp2p/interface'
import { encodeHashPart, encodePreview, sendAll } from '../../protocol/transfer.ts'
import { HASH_LENGTH, chunkSizeFor } from '../manifest/chunking.ts'
import type { ScannedEntry } from '../manifest/manifest.ts'
import type { OfferFile } from '../../protocol/transfer.ts'
import { ChunkHashes } from '../../protocol/chunk-hashes.ts'

/** A send smaller than this is hashed in a few milliseconds: no preview. */
export const PREVIEW_MIN_BYTES = 16 * 1024 * 1024
/**
 * The preview opens only once the hashing looks like lasting at least this
 * much longer (files read from a disk: ~1 s per GiB here). From the page
 * cache a GiB hashes in 0.3–0.4 s, and a receiver fetching ahead then only
 * competed with the hashing for the cores (lab, 2 vCPUs for both peers: no
 * faster at 1 Gbit, 3–4 % slower unshaped). Where the hashing lasted and
 * each peer had a core of its own, 1 GiB at 1 Gbit took 9.55–10.65 s
 * against 9.93–12.34 s (docs/PERFORMANCE.md, "Fetching ahead").
 */
export const PREVIEW_MIN_REMAINING_MS = 500
/**
 * No preview for files smaller than this on average: the receiver's work
 * per file (a part file made, its state kept) then costs more than the
 * fetch ahead gains, and small files hash fast but for their number. A
 * camera roll of 30,000 files of 4 KiB (loopback, 2 runs each): the
 * receiver peaked at 240-266 MB with the preview, 158-182 without, and the
 * send took 18.1-21.4 s against 17.3-17.9; 10,000 files of 64 KiB: 9.0-11.1 s
 * against 6.4-7.0, 141-152 MB against 130-132, and with each daemon on a
 * core of its own 8.2-9.0 s against 8.1-8.3, +10 MB. Each time the
 * prefetch fetched 0.2-3.4 MB. Photo-sized files and larger keep the
 * preview, as it was (256 KiB is the smallest photo of the bench's set).
 */
export const PREVIEW_MIN_MEAN_FILE_BYTES = 256 * 1024
/** Hashing is looked at for the preview no sooner than this after it began: the first batches say little about its rate. */
export const PREVIEW_FIRST_LOOK_MS = 150
/** Hashes per HashPart message (32 KiB); a receiver takes up to twice as many. */
const HASHES_PER_PART = 1024

/** The entries as the offer will have them (chunk sizes by the rule), without hashes: what a preview shows and what the chunk server serves until the offer is made. */
export function previewFiles (entries: ScannedEntry[]): OfferFile[] {
  const none = new Uint8Array(0)
  return entries.map((e) => ({ path: e.path, kind: e.kind, size: e.size, mtimeMs: e.mtimeMs, mtimeSubMsNs: e.mtimeSubMsNs, mode: e.mode, chunkSize: e.kind === 'file' ? chunkSizeFor(e.size) : 0, chunks: ChunkHashes.NONE, fileRoot: none }))
}

/**
 * Whether a send of `entries` gets a preview at all (opened later if its
 * hashing looks like lasting: worthOpening). Not below PREVIEW_MIN_BYTES,
 * nor for files under PREVIEW_MIN_MEAN_FILE_BYTES on average (0-byte ones
 * not counted). `mode`: FERRY_PREVIEW, `never` or `always` (opened at once,
 * whatever the files: the tests of its machinery) for comparisons and tests.
 */
export function wantsPreview (entries: ReadonlyArray<Pick<ScannedEntry, 'kind' | 'size'>>, mode?: string): boolean {
  if (mode === 'never') return false
  let bytes = 0
  let files = 0
  for (const e of entries) if (e.kind === 'file' && e.size > 0) { bytes += e.size; files++ }
  if (bytes < PREVIEW_MIN_BYTES) return false
  return mode === 'always' || bytes >= PREVIEW_MIN_MEAN_FILE_BYTES * files
}

interface Run { file: number, first: number, hashes: Uint8Array[] }

export class PreviewSender {
  private stream?: Stream
  /** not opened yet: hashes are kept until open(), and dropped by end() if it never came */
  private dormant = true
  private dropped = false
  private runs: Run[] = []
  private flushScheduled = false
  private readonly controller = new AbortController()
  private readonly onDrop: (err: Error) => void

  private readonly preview: { transferId: Uint8Array, totalBytes: number, files: OfferFile[], open: (signal: AbortSignal) => Promise<Stream>, onOpen: () => void }
  private writing: Promise<void> = Promise.resolve()

  /**
   * Dormant until open(): hashing that ends soon needs no preview.
   * `onDrop`: told once why the preview was given up (logged by the
   * caller; the send goes on).
   */
  constructor (o: { transferId: Uint8Array, totalBytes: number, files: OfferFile[], open: (signal: AbortSignal) => Promise<Stream>, onOpen: () => void, onDrop: (err: Error) => void }) {
    this.onDrop = o.onDrop
    this.preview = o
  }

  /** Whether the preview should open now, the hashing having run `elapsedMs` and done `hashed` of `total` bytes: if it looks like lasting PREVIEW_MIN_REMAINING_MS more. */
  static worthOpening (elapsedMs: number, hashed: number, total: number): boolean {
    if (elapsedMs < PREVIEW_FIRST_LOOK_MS || hashed >= total) return false
    return (total - hashed) * elapsedMs / Math.max(hashed, 1) >= PREVIEW_MIN_REMAINING_MS
  }

  get opened (): boolean { return !this.dormant }

  /** Open the stream and write the preview, then the hashes made so far and from now on; hashing does not wait for it. */
  open (): void {
    if (!this.dormant || this.dropped) return
    this.dormant = false
    this.preview.onOpen()
    this.chain(async () => {
      this.stream = await this.preview.open(this.controller.signal)
      await sendAll(this.stream, encodePreview(this.preview), this.controller.signal)
    })
    this.flush()
  }

  /** Chunk `chunk` of entry `file` hashed to `digest` (manifest.ts onChunk). */
  hash (file: number, chunk: number, digest: Uint8Array): void {
    if (this.dropped) return
    const last = this.runs.at(-1)
    if (last != null && last.file === file && last.first + last.hashes.length === chunk && last.hashes.length < HASHES_PER_PART) last.hashes.push(digest)
    else this.runs.push({ file, first: chunk, hashes: [digest] })
    if (this.flushScheduled || this.dormant) return
    // the pool reports a worker's batch (~8 MiB of a file) in one go: one write per batch
    this.flushScheduled = true
    setImmediate(() => { this.flushScheduled = false; this.flush() })
  }

  /** All hashed: the last hashes go, and the stream ends (the receiver stops asking for chunks then; the offer follows). Never opened: nothing goes. */
  end (): void {
    if (this.dormant) { this.dropped = true; this.runs = [] }
    if (this.dropped) return
    this.flush()
    this.chain(async () => { await this.stream?.close({ signal: AbortSignal.timeout(5000) }) })
  }

  /** The send failed or was cancelled while hashing. */
  abort (err: Error): void {
    if (this.dropped) return
    this.dropped = true
    this.controller.abort(err)
    this.stream?.abort(err)
  }

  private flush (): void {
    if (this.dropped || this.dormant || this.runs.length === 0) return
    const runs = this.runs
    this.runs = []
    const bytes = runs.map((r) => {
      const hashes = new Uint8Array(r.hashes.length * HASH_LENGTH)
      r.hashes.forEach((h, i) => hashes.set(h, i * HASH_LENGTH))
      return encodeHashPart({ fileIndex: r.file, firstChunk: r.first, hashes })
    })
    this.chain(async () => { for (const b of bytes) await sendAll(this.stream!, b, this.controller.signal) })
  }

  private chain (write: () => Promise<void>): void {
    this.writing = this.writing.then(write)
    this.writing.catch((err: Error) => { this.drop(err) })
  }

  private drop (err: Error): void {
    if (this.dropped) return
    this.abort(err)
    this.onDrop(err)
  }
}
