// Chunk bytes on their way in, kept on disk as they arrive, so that a crash
// of the receiver (kill -9, power cut) or a dropped link costs the bytes not
// yet written here instead of every chunk that was in flight.
//
// Why not write them into the part file: a part file only ever receives
// chunks whose BLAKE3 matched (sink.ts), so bytes that fail verification are
// never written where the file is assembled. Arriving bytes are unverified.
// They go to a spool slot, a scratch file in the transfer's part folder;
// once the whole chunk is in and verified, the sink writes it to the part
// file from memory. A slot is reused only after that write has completed, so
// every chunk the receiver holds any bytes of is in the part file or in a
// slot. On restart, planReceive (receive-plan.ts) reads the slots back: a
// chunk found whole is verified and written; the start of a chunk is kept,
// and the sender is asked for the rest only (ChunkRequest.first_offset).
// Those bytes are verified with the rest, as part of the whole chunk.
//
// Slot files are logs of records, each a 24-byte header (magic, generation,
// file index, chunk index, position in the chunk, length; u32 little-endian)
// followed by its bytes, written with one writev. A slot is overwritten in
// place for the next chunk, never truncated: a page-cache page reused costs
// a copy, a fresh one a fault (direct-io.ts measured 3 CPU-s per GiB of
// fresh pages on this VM). Reading back, records count only while they carry
// the first record's generation and continue where the last ended, so what
// an earlier chunk left further down the file is ignored. Each run names its
// slots apart, so it never overwrites a start an earlier run left that is
// not yet spooled again; the plan deletes slots once it has no use for them.
//
// Bytes reach the slot at least SPOOL_WRITE_BYTES at a time (one writev per
// 128 KiB, not per 64 KiB piece of the stream), synchronously (SpoolSlot's
// write() says why). The spool is best-effort: a slot that fails to write
// (a full disk) stops writing, and its chunk is fetched whole after a
// restart.

import { randomBytes } from 'node:crypto'
import { closeSync, constants, openSync, unlinkSync, writevSync } from 'node:fs'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { closeAsync, openAsync, readRange } from '../sink/fs-async.ts'

/** Bytes written to a slot per write, except the last of a chunk. Bounds what a kill -9 loses per stream that the spool could have kept. */
export const SPOOL_WRITE_BYTES = 128 * 1024
const RECORD_HEADER_BYTES = 24
const MAGIC = 0x31525346 // "FSR1"
const SLOT_PREFIX = 'spool-'

/** Whether a part folder's entry is a spool slot (scratch), not a part file. */
export function isSpoolSlot (name: string): boolean {
  return name.startsWith(SLOT_PREFIX)
}

/** The start of a chunk found in a spool slot (unverified), and the slot's file. */
export interface Spooled { fileIndex: number, chunk: number, data: Uint8Array, path: string }

let nextGeneration = (Math.random() * 0xffffffff) >>> 0

export class Spool {
  private readonly dir: string
  /** Slot files of this run are named apart from those of earlier runs, which may still hold chunk starts not yet spooled again. */
  private readonly run = randomBytes(4).toString('hex')
  private readonly free: SpoolSlot[] = []
  private readonly all: SpoolSlot[] = []
  private readonly onError: (err: Error) => void

  /** @param dir the transfer's part folder; @param onError told once per slot that fails (the transfer goes on) */
  constructor (dir: string, onError: (err: Error) => void = () => {}) {
    this.dir = dir
    this.onError = onError
  }

  /** A slot for one chunk; give it back with release() once the chunk is in the part file (or given up). */
  take (): SpoolSlot {
    let slot = this.free.pop()
    if (slot == null) {
      slot = new SpoolSlot(join(this.dir, `${SLOT_PREFIX}${this.run}-${this.all.length}`), this.onError)
      this.all.push(slot)
    }
    return slot
  }

  release (slot: SpoolSlot): void {
    slot.detach()
    this.free.push(slot)
  }

  /** Close the slots' files (they stay on disk for the next plan). */
  close (): void {
    for (const s of this.all) s.close()
  }

  /**
   * Close and remove this run's slot files: for a receive its sender
   * cancelled, whose part folder is kept a day for a re-send. A slot holds
   * at most the start of a chunk; kept, such folders held ~10 MB of them,
   * some nothing else (soak-test finding). A failed receive keeps them: the
   * same file sent again (once the disk has room) goes on from them.
   */
  remove (): void {
    for (const s of this.all) s.remove()
  }
}

export class SpoolSlot {
  private readonly path: string
  private readonly onError: (err: Error) => void
  private fd?: number
  private broken = false
  /** The chunk being spooled: its buffer, how much of it has arrived, and how much is written. */
  private buf?: Uint8Array
  private arrivedBytes = 0
  private writtenBytes = 0
  private logPos = 0
  private generation = 0
  private fileIndex = 0
  private chunk = 0

  constructor (path: string, onError: (err: Error) => void) {
    this.path = path
    this.onError = onError
  }

  /**
   * Spool chunk `chunk` of file `fileIndex`, which will arrive in `buf`; its
   * first `have` bytes are there already (kept from before a restart) and are
   * written again here, so a second crash keeps them too.
   */
  begin (fileIndex: number, chunk: number, buf: Uint8Array, have: number): void {
    this.buf = buf
    this.fileIndex = fileIndex
    this.chunk = chunk
    this.generation = nextGeneration = (nextGeneration + 1) >>> 0
    this.logPos = 0
    this.writtenBytes = 0
    this.arrivedBytes = have
    this.write()
  }

  /** Bytes [0, end) of the chunk are in its buffer. */
  arrived (end: number): void {
    this.arrivedBytes = end
    if (end - this.writtenBytes >= SPOOL_WRITE_BYTES) this.write()
  }

  /** Whether every record begun so far was written (a slot that failed once writes no more). */
  get intact (): boolean {
    return !this.broken
  }

  /** Write what arrived and is not yet written. After this the buffer is no longer read. */
  flush (): void {
    this.write()
  }

  detach (): void {
    this.buf = undefined
  }

  close (): void {
    if (this.fd != null) { try { closeSync(this.fd) } catch {} }
    this.fd = undefined
  }

  remove (): void {
    this.close()
    try { unlinkSync(this.path) } catch {}
  }

  /**
   * Write, as one record, what has arrived and is not yet written.
   * Synchronous on purpose: a write into page-cache pages the slot already
   * has takes tens of microseconds, while on libuv's thread pool it would
   * queue behind the part files' O_DIRECT writes and fdatasyncs, and the
   * bytes waiting for it are exactly what a crash would lose.
   */
  private write (): void {
    if (this.broken || this.buf == null) return
    const from = this.writtenBytes
    const to = this.arrivedBytes
    if (to <= from) return
    const header = new Uint8Array(RECORD_HEADER_BYTES)
    const v = new DataView(header.buffer)
    v.setUint32(0, MAGIC, true)
    v.setUint32(4, this.generation, true)
    v.setUint32(8, this.fileIndex, true)
    v.setUint32(12, this.chunk, true)
    v.setUint32(16, from, true)
    v.setUint32(20, to - from, true)
    const data = this.buf.subarray(from, to)
    try {
      this.fd ??= openSync(this.path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600)
      const n = writevSync(this.fd, [header, data], this.logPos)
      if (n !== RECORD_HEADER_BYTES + data.length) throw new Error(`short write to ${this.path} (${n} of ${RECORD_HEADER_BYTES + data.length} bytes)`)
    } catch (err) {
      // a short record may look valid up to where it stopped; the chunk hash
      // catches that after a restart
      this.broken = true
      this.onError(err as Error)
      return
    }
    this.writtenBytes = to
    this.logPos += RECORD_HEADER_BYTES + data.length
  }
}

/**
 * The chunk starts held in the spool slots of `dir`, as they were left
 * (by a crash, or by a run that stopped): per slot, the bytes from the start
 * of one chunk, as far as its records continue. `valid` says whether a
 * (file, chunk) exists in this transfer and how long that chunk is.
 */
export async function readSpool (dir: string, valid: (fileIndex: number, chunk: number) => number | undefined): Promise<Spooled[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(SLOT_PREFIX))
  const out: Spooled[] = []
  for (const name of names) {
    const path = join(dir, name)
    const found = await readSlot(path, valid).catch(() => undefined)
    // a slot with nothing usable in it (garbage, another transfer's layout) is of no further use
    if (found != null) out.push(found)
    else await rm(path, { force: true }).catch(() => {})
  }
  return out
}

async function readSlot (path: string, valid: (fileIndex: number, chunk: number) => number | undefined): Promise<Spooled | undefined> {
  const fd = await openAsync(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  try {
    const header = new Uint8Array(RECORD_HEADER_BYTES)
    let at = 0
    let first: { generation: number, fileIndex: number, chunk: number, length: number } | undefined
    let data: Uint8Array | undefined
    let have = 0
    while (true) {
      if (await readRange(fd, header, at) < RECORD_HEADER_BYTES) break
      const v = new DataView(header.buffer)
      const rec = { magic: v.getUint32(0, true), generation: v.getUint32(4, true), fileIndex: v.getUint32(8, true), chunk: v.getUint32(12, true), pos: v.getUint32(16, true), len: v.getUint32(20, true) }
      if (rec.magic !== MAGIC || rec.pos !== have) break
      if (first == null) {
        const length = valid(rec.fileIndex, rec.chunk)
        if (length == null) break
        first = { generation: rec.generation, fileIndex: rec.fileIndex, chunk: rec.chunk, length }
        data = new Uint8Array(length)
      } else if (rec.generation !== first.generation || rec.fileIndex !== first.fileIndex || rec.chunk !== first.chunk) break
      if (rec.len === 0 || have + rec.len > first.length) break
      const got = await readRange(fd, data!.subarray(have, have + rec.len), at + RECORD_HEADER_BYTES)
      have += got
      if (got < rec.len) break
      at += RECORD_HEADER_BYTES + rec.len
    }
    if (first == null || have === 0) return undefined
    return { fileIndex: first.fileIndex, chunk: first.chunk, data: data!.subarray(0, have), path }
  } finally {
    await closeAsync(fd).catch(() => {})
  }
}
