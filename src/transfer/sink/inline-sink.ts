// The chunk sink without a worker thread, used when BLAKE3 is native
// (@napi-rs/blake-hash, ~8 GB/s: a 1 MiB chunk is verified in ~0.13 ms, a
// 4 MiB one in ~0.5 ms, so the event loop barely notices). Writes, reads and
// fdatasync run on libuv's thread pool. Against the worker sink
// (sink-worker.js) it saves the worker's isolate (~15 MB of RSS) and the
// message round trip per chunk (~0.4 CPU-s per GiB in the receiver's
// profile). In the network-namespace lab it may cost the receiver ~0.5
// CPU-s per GiB more (6 interleaved pairs, wall time within noise;
// docs/PERFORMANCE.md, "Where the time goes"): kept for the memory. With blake3-jit (~1 GB/s,
// 16 ms for the largest chunk) the worker sink stays, so the main thread
// never stalls on hashing.
// Chunk writes go through O_DIRECT where the file system allows it
// (direct-io.ts says why and how), the ragged end of a file's last chunk
// through an ordinary descriptor. Every FLUSH_EVERY_BYTES of a file an
// fdatasync starts in the background, so the final one before the rename
// has little left to do.
// Must never: write bytes whose hash did not match, or write through a
// symlink (O_NOFOLLOW), or close a descriptor an operation is still using
// (a reused descriptor number would send that write to another file).

import { constants, fdatasync } from 'node:fs'
import { dirname } from 'node:path'
import { FerryError, withDiskHint } from '../../errors.ts'
import { hash } from '../manifest/blake3.js'
import { BufferPool } from './buffer-pool.ts'
import { ChunkBuffers } from './chunk-budget.ts'
import { directIoSuits, directPrefix, pageAlignedBuffer } from './direct-io.ts'
import { closeAsync, fdatasyncAsync, openAsync, readRange, writeAll } from './fs-async.ts'
import { CloseEnded, MAX_OPEN_PART_FILES, keptFlushError, moveKeptFlushErrors, sameDigest as same, sinkErrorCode } from './sink-common.js'
import type { ChunkSink, VerifyOptions } from './sink.ts'

interface Handle {
  fd: Promise<number>
  /** The same file opened with O_DIRECT, on first use; undefined where its file system does not get O_DIRECT (openDirect). */
  directFd?: Promise<number | undefined>
  /** Operations using fd right now; it is closed only at 0. */
  users: number
  idle?: () => void
  /** Bytes written since the last background flush started. */
  unflushed: number
  /** The background flush under way, if one is (at most one at a time): sync() waits for it. */
  flushing?: Promise<void>
}

/**
 * A large file is flushed in the background every this many bytes. The
 * disk (here a VM's, whose cache the host writes out on fdatasync) then
 * works while the network delivers the rest, instead of after it: measured
 * in the lab, the final fdatasync of a 1 GiB file took 0.7 s on its own.
 * Small files (photos) never reach it and get their one flush at the end.
 */
const FLUSH_EVERY_BYTES = 64 * 1024 * 1024

export interface InlineSinkOptions {
  /** Write chunks with O_DIRECT where possible (default true; FERRY_DIRECT_IO=0 turns it off, see createChunkSink). */
  directIo?: boolean
  /** Bytes of chunk buffers held at once, and per peer (default CHUNK_BUFFER_BUDGET and CHUNK_BUFFER_PEER_SHARE; tests use less) */
  chunkBudget?: number
  chunkShare?: number
}

export class InlineSink implements ChunkSink {
  /** open part files, least recently used first */
  private readonly handles = new Map<string, Handle>()
  /** part files closed to keep within MAX_OPEN_PART_FILES, by path, until their flush and close are done */
  private readonly closing = new Map<string, Promise<void>>()
  /** fired each time a close for the bound ends: an open waiting for room looks again */
  private readonly closeEnded = new CloseEnded()
  private readonly pool = new BufferPool(pageAlignedBuffer)
  private readonly chunks: ChunkBuffers
  private closed = false
  private direct: boolean
  /**
   * What a background flush of a part file failed with, by path, until a
   * sync() or a closing flush of it reports it. Kept apart from the file's
   * handle: Linux reports a write-back error to one fdatasync only, and a
   * descriptor opened after it does not see it, so an error dropped with a
   * handle closed without a flush (a run cut short) let the next sync()
   * succeed, and chunks whose write-back failed were recorded as on disk
   * (review finding).
   */
  private readonly flushErrors = new Map<string, Error>()
  /** Per folder of part files: whether its file system gets O_DIRECT (directIoSuits). */
  private readonly directDirs = new Map<string, Promise<boolean>>()
  /** Bytes written through O_DIRECT so far (tests check that the path is taken). */
  directBytes = 0
  /** Background flushes started so far (tests). */
  backgroundFlushes = 0

  constructor (options: InlineSinkOptions = {}) {
    this.direct = options.directIo ?? true
    this.chunks = new ChunkBuffers(this.pool, options.chunkBudget, options.chunkShare)
  }

  async buffer (size: number, signal?: AbortSignal, owner?: string): Promise<Uint8Array> { return await this.chunks.take(size, signal, owner) }
  discard (buf: Uint8Array): void { this.chunks.discard(buf) }
  /** Bytes of chunk buffers held now, and the most at once (tests). */
  get budgetBytes (): { now: number, peak: number } { return this.chunks.bytes }

  async write (path: string, offset: number, data: Uint8Array, length: number, expected: Uint8Array): Promise<void> {
    try {
      const view = data.subarray(0, length)
      if (!same(hash(view), expected)) throw new FerryError('E_HASH_MISMATCH', 'chunk does not match its BLAKE3 hash; not written')
      await this.withFd(path, async (fd, h) => { await this.writeChunk(path, h, fd, view, offset) })
    } finally {
      this.discard(data)
    }
  }

  async verify (path: string, offset: number, length: number, expected: Uint8Array, options: VerifyOptions = {}): Promise<void> {
    const buf = this.pool.take(length)
    try {
      const view = buf.subarray(0, length)
      const got = options.readOnly === true
        ? await readOnce(path, view, offset)
        : await this.withFd(path, async (fd) => await readRange(fd, view, offset))
      if (got !== length || !same(hash(view), expected)) throw new FerryError('E_HASH_MISMATCH', 'range on disk does not match')
    } finally {
      this.pool.give(buf)
    }
  }

  async copy (src: string, srcOffset: number, path: string, offset: number, length: number, expected: Uint8Array): Promise<void> {
    const buf = this.pool.take(length)
    try {
      const view = buf.subarray(0, length)
      const got = await readOnce(src, view, srcOffset)
      if (got !== length || !same(hash(view), expected)) throw new FerryError('E_HASH_MISMATCH', 'local copy source changed')
      await this.withFd(path, async (fd, h) => { await this.writeChunk(path, h, fd, view, offset) })
    } finally {
      this.pool.give(buf)
    }
  }

  /**
   * Flush a part file's data, through a descriptor of its own (fdatasync
   * flushes the file, whichever descriptor asks), so that closing the
   * file's handle meanwhile does not disturb it. A background flush that
   * failed is reported here too: a descriptor opened after a write-back
   * error does not see it.
   */
  async sync (path: string): Promise<void> {
    // one under way may yet fail: waited for, so that its error is reported here
    await this.handles.get(path)?.flushing
    await this.closing.get(path)
    this.reportFlushError(path, true)
    await syncPath(path)
  }

  /** Throw what a flush of `path` failed with, kept for its syncs (`keep`) and taken by its closing flush (sink-common.js keptFlushError). */
  private reportFlushError (path: string, keep = false): void {
    const failed = keptFlushError(this.flushErrors, path, keep)
    if (failed !== undefined) throw toSinkError(failed)
  }

  /** Flush (optionally) and close a part file; one never opened here (written before a restart) is still flushed. */
  async closeFile (path: string, sync: boolean): Promise<void> {
    const h = this.handles.get(path)
    if (h == null) {
      await this.closing.get(path)
      if (sync) { this.reportFlushError(path); await syncPath(path) }
      return
    }
    this.handles.delete(path)
    await this.release(h, sync, path)
  }

  async moved (from: string, to: string | undefined): Promise<void> {
    // closed first by the caller
    await moveKeptFlushErrors(this.flushErrors, this.closing, from, to ?? '')
  }

  async close (): Promise<void> {
    this.closed = true
    this.chunks.close()
    const all = [...this.handles.values()]
    this.handles.clear()
    await Promise.allSettled([...all.map(async (h) => { await this.release(h, false) }), ...this.closing.values()])
    this.flushErrors.clear()
  }

  /** Wait for the handle's users (a background flush is one), then flush and close it. */
  private async release (h: Handle, sync: boolean, path?: string): Promise<void> {
    if (h.users > 0) await new Promise<void>((resolve) => { h.idle = resolve })
    const directFd = await h.directFd?.catch(() => undefined)
    if (directFd != null) await closeAsync(directFd).catch(() => {})
    const fd = await h.fd.catch(() => undefined)
    if (fd == null) return
    try {
      if (sync && path !== undefined) this.reportFlushError(path)
      // one fdatasync covers the file, whichever descriptor wrote it
      if (sync) await mapErrors(fdatasyncAsync(fd))
    } finally {
      await closeAsync(fd).catch(() => {})
    }
  }

  /** Write `data` at `offset`: its page-aligned part with O_DIRECT when the file system takes it, the rest buffered. */
  private async writeChunk (path: string, h: Handle, fd: number, data: Uint8Array, offset: number): Promise<void> {
    let done = 0
    const direct = this.direct ? directPrefix(offset, data.length) : 0
    if (direct > 0) {
      const directFd = await (h.directFd ??= this.openDirect(path))
      if (directFd !== undefined) {
        try {
          await writeAll(directFd, data.subarray(0, direct), offset)
          done = direct
          this.directBytes += direct
        } catch (err) {
          // EINVAL here means the buffer is not aligned after all (see
          // pageAlignedBuffer): stop trying, and write this chunk buffered
          if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err
          this.direct = false
        }
      }
    }
    if (done < data.length) await writeAll(fd, data.subarray(done), offset + done)
    h.unflushed += data.length
    if (h.unflushed >= FLUSH_EVERY_BYTES && h.flushing === undefined) this.flushInBackground(path, h, fd)
  }

  /** The part file opened for O_DIRECT writes, or undefined where its file system does not suit (directIoSuits) or refuses the open (EINVAL). */
  private async openDirect (path: string): Promise<number | undefined> {
    const dir = dirname(path)
    let suits = this.directDirs.get(dir)
    if (suits === undefined) {
      suits = directIoSuits(dir)
      this.directDirs.set(dir, suits)
    }
    if (!await suits) return undefined
    try {
      return await openAsync(path, constants.O_WRONLY | constants.O_DIRECT | constants.O_NOFOLLOW)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EINVAL') return undefined
      throw err
    }
  }

  /** Start an fdatasync of the handle's file without waiting for it; it counts as a user of the descriptor, so the descriptor stays open until it is done. Call only while already a user. */
  private flushInBackground (path: string, h: Handle, fd: number): void {
    h.unflushed = 0
    h.users++
    this.backgroundFlushes++
    h.flushing = new Promise<void>((resolve) => {
      fdatasync(fd, (err) => {
        h.flushing = undefined
        if (err != null && !this.flushErrors.has(path)) this.flushErrors.set(path, err)
        if (--h.users === 0) h.idle?.()
        resolve()
      })
    })
  }

  private async withFd<T> (path: string, op: (fd: number, h: Handle) => Promise<T>): Promise<T> {
    if (this.closed) throw new FerryError('E_CANCELLED', 'sink closed')
    let h = this.handles.get(path)
    if (h == null && this.closing.size >= MAX_OPEN_PART_FILES) {
      // part files being flushed and closed for the bound hold descriptors too: on a slow or busy disk they piled up
      // past it (a loaded box: 276 open for a bound of 2 × 128), which is how EMFILE came back
      while (this.closing.size >= MAX_OPEN_PART_FILES && !this.handles.has(path) && !this.closed) await this.closeEnded.next
      if (this.closed) throw new FerryError('E_CANCELLED', 'sink closed')
      h = this.handles.get(path)
    }
    if (h == null) {
      // O_NOFOLLOW: a part file replaced by a symlink is never written through.
      // No O_CREAT: the plan made every part file (receive-plan.ts); one gone
      // since is an error, not a fresh file that would lack the chunks
      // already recorded. Once a close of it to keep within the bound is done.
      const closing = this.closing.get(path)
      const open = async (): Promise<number> => await openAsync(path, constants.O_RDWR | constants.O_NOFOLLOW)
      h = { fd: closing === undefined ? open() : closing.then(open), users: 0, unflushed: 0 }
      this.handles.set(path, h)
      const opened = h
      h.fd.catch(() => { if (this.handles.get(path) === opened) this.handles.delete(path) })
    } else {
      // the most recently used last
      this.handles.delete(path)
      this.handles.set(path, h)
    }
    h.users++
    // after its own use began: not the one just opened
    if (this.handles.size > MAX_OPEN_PART_FILES) this.closeIdleBeyondBound()
    try {
      const handle = h
      return await mapErrors(h.fd.then(async (fd) => await op(fd, handle)))
    } finally {
      if (--h.users === 0) h.idle?.()
    }
  }

  /**
   * Keep at most MAX_OPEN_PART_FILES open: flush and close the least
   * recently used ones nothing is using. Flushed, not only closed: a
   * write-back error is reported to one fdatasync only, and a descriptor
   * opened after it does not see it, so one closed unflushed could let a
   * later sync() succeed over chunks that never reached the disk. What the
   * flush fails with is kept for that sync() (flushErrors), which waits for
   * the close; so does the next open of the file.
   */
  private closeIdleBeyondBound (): void {
    for (const [path, h] of this.handles) {
      if (this.handles.size <= MAX_OPEN_PART_FILES) return
      if (h.users > 0) continue
      this.handles.delete(path)
      // released with its flush, and no kept error reported first (its path not given), which would skip the flush;
      // what the flush fails with is kept for the file's next sync, the first one kept
      const closed: Promise<void> = this.release(h, true)
        .catch((err: unknown) => { if (!this.flushErrors.has(path)) this.flushErrors.set(path, err as Error) })
        .finally(() => {
          if (this.closing.get(path) === closed) this.closing.delete(path)
          this.closeEnded.fire()
        })
      this.closing.set(path, closed)
    }
  }
}

async function syncPath (path: string): Promise<void> {
  const fd = await mapErrors(openAsync(path, constants.O_RDONLY | constants.O_NOFOLLOW))
  try { await mapErrors(fdatasyncAsync(fd)) } finally { await closeAsync(fd).catch(() => {}) }
}

async function mapErrors<T> (p: Promise<T>): Promise<T> {
  try {
    return await p
  } catch (err) {
    throw toSinkError(err)
  }
}

/** A failed file operation as the ferry error the sink reports (E_NO_SPACE, E_IO, …). */
function toSinkError (err: unknown): FerryError {
  if (err instanceof FerryError) return err
  const e = err as NodeJS.ErrnoException
  const code = sinkErrorCode(e.code)
  return new FerryError(code, code === 'E_IO' ? withDiskHint(String(e.message ?? e), e.code) : String(e.message ?? e), { cause: err })
}

/**
 * Read `target.length` bytes at `offset` of a file that is not a part file
 * (a copy source, a file found in place) through a read-only descriptor of
 * its own, closed after: such a file may be read-only to us, and is never
 * kept open. O_NONBLOCK: one replaced by a FIFO must not hold a thread of
 * the pool until a writer comes.
 */
async function readOnce (path: string, target: Uint8Array, offset: number): Promise<number> {
  const fd = await mapErrors(openAsync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK))
  try {
    return await mapErrors(readRange(fd, target, offset))
  } finally {
    await closeAsync(fd).catch(() => {})
  }
}
