// The receive side's chunk sink: verifies each chunk's BLAKE3 and only then
// writes it at its offset in a part file; verifies ranges already on disk
// (resume), copies verified ranges from local files (dedup), flushes and
// closes part files. Two implementations of one contract (test/unit/sink.test.ts
// runs both): InlineSink (inline-sink.ts) when BLAKE3 is native, and
// WorkerSink, below, a worker thread (sink-worker.js) when it is not, so that
// slower hashing never stalls the event loop. Buffers travel to the worker
// and back without copying (transferred), and are reused for the next chunk.

import { Worker } from 'node:worker_threads'
import { FerryError, isErrorCode, withDiskHint } from '../../errors.ts'
import { implementation } from '../manifest/blake3.js'
import { BufferPool } from './buffer-pool.ts'
import { ChunkBuffers } from './chunk-budget.ts'
import { InlineSink } from './inline-sink.ts'
import type { SinkReply, SinkRequest } from '../worker-messages.ts'

export interface ChunkSink {
  /**
   * A buffer of at least `size` bytes, reused when possible, once the
   * daemon's chunk budget has room for it, and `owner`'s share of it (the
   * peer whose chunk it is for: chunk-budget.ts); hand it back through
   * write(), or discard() if it is not written.
   */
  buffer: (size: number, signal?: AbortSignal, owner?: string) => Promise<Uint8Array>
  /** A buffer from buffer() that will not be written: its bytes go back to the budget. */
  discard: (buf: Uint8Array) => void
  /** Verify `data[0..length)` against `expected`, then write it at `offset`. The buffer is handed over. Rejects E_HASH_MISMATCH without writing. */
  write: (path: string, offset: number, data: Uint8Array, length: number, expected: Uint8Array) => Promise<void>
  /**
   * Resolves if the range already on disk matches `expected`, rejects
   * E_HASH_MISMATCH otherwise. `readOnly`: `path` is not a part file (a file
   * found in place): read through a read-only descriptor of its own, closed
   * after, never opened for writing or kept open.
   */
  verify: (path: string, offset: number, length: number, expected: Uint8Array, options?: VerifyOptions) => Promise<void>
  /** Copy a range of a local file into a part file if it matches `expected`. */
  copy: (src: string, srcOffset: number, path: string, offset: number, length: number, expected: Uint8Array) => Promise<void>
  /**
   * Flush a part file's data to disk, leaving it open: every write that
   * completed before the call is durable once it resolves. Rejects if the
   * file is gone or a write-back failed.
   */
  sync: (path: string) => Promise<void>
  /** Flush (optionally) and close a part file. */
  closeFile: (path: string, sync: boolean) => Promise<void>
  /**
   * The part files under folder `from`, closed, now are under `to` (renamed),
   * or gone (`to` undefined): what a flush of one failed with, kept for its
   * next sync, goes with it (a prefetch's folder becomes its offer's).
   */
  moved: (from: string, to: string | undefined) => Promise<void>
  close: () => Promise<void>
}

export interface VerifyOptions { readOnly?: boolean }

/** The sink for this machine: inline with native BLAKE3, a worker thread otherwise. */
export function createChunkSink (): ChunkSink {
  return implementation === '@napi-rs/blake-hash' ? new InlineSink({ directIo: process.env.FERRY_DIRECT_IO !== '0' }) : new WorkerSink()
}

type Req = SinkRequest extends infer R ? R extends { id: number } ? Omit<R, 'id'> : never : never
interface Pending { resolve: (r: SinkReply) => void, reject: (e: Error) => void }

export class WorkerSink implements ChunkSink {
  private readonly workers: Worker[] = []
  private readonly pending = new Map<number, Pending>()
  private readonly load: number[] = []
  private nextId = 1
  private closed = false
  /** Spare buffers returned by workers, for reuse. */
  private readonly pool = new BufferPool()
  private readonly chunks: ChunkBuffers

  /** One worker verifies (BLAKE3 ~1 GB/s) and writes faster than the network delivers; each extra worker costs ~15 MB. */
  /** @param chunkBudget bytes of chunk buffers held at once (default CHUNK_BUFFER_BUDGET; tests use less) */
  constructor (size = 1, chunkBudget?: number) {
    this.chunks = new ChunkBuffers(this.pool, chunkBudget)
    for (let i = 0; i < size; i++) {
      this.workers.push(this.spawn(i))
      this.load.push(0)
    }
  }

  /**
   * Worker `i`. One that dies (an uncaught error, out of memory) fails what
   * was asked of it and is replaced: a call posted to a dead worker would
   * never settle, and the fetch waiting on it would hang a cancel or stop.
   */
  private spawn (i: number): Worker {
    const w = new Worker(new URL('./sink-worker.js', import.meta.url))
    let failure: Error | undefined
    w.on('message', (r: SinkReply) => { this.load[i]--; this.settle(r) })
    w.on('error', (err: Error) => { failure = err })
    w.on('exit', (code) => {
      if (this.closed) return
      this.failAll(new FerryError('E_INTERNAL', `the sink's worker thread stopped (${failure?.message ?? `exit code ${code}`})`))
      this.load[i] = 0
      this.workers[i] = this.spawn(i)
    })
    w.unref()
    return w
  }

  async buffer (size: number, signal?: AbortSignal, owner?: string): Promise<Uint8Array> { return await this.chunks.take(size, signal, owner) }
  discard (buf: Uint8Array): void { this.chunks.discard(buf) }
  /** Bytes of chunk buffers held now, and the most at once (tests). */
  get budgetBytes (): { now: number, peak: number } { return this.chunks.bytes }

  private settle (r: SinkReply): void {
    const p = this.pending.get(r.id)
    if (p == null) return
    this.pending.delete(r.id)
    if (r.data != null) this.pool.give(r.data)
    p.resolve(r)
  }

  private failAll (err: Error): void {
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
  }

  private call (req: Req, worker?: number, transfer: ArrayBuffer[] = []): Promise<void> {
    if (this.closed) return Promise.reject(new FerryError('E_CANCELLED', 'sink closed'))
    const id = this.nextId++
    const i = worker ?? this.leastLoaded()
    this.load[i]++
    return new Promise<SinkReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      this.workers[i].postMessage({ ...req, id }, transfer)
    }).then((r) => {
      if (!r.ok) {
        const code = isErrorCode(r.code) ? r.code : 'E_IO'
        throw new FerryError(code, code === 'E_IO' ? withDiskHint(r.message) : r.message)
      }
    })
  }

  private leastLoaded (): number {
    let best = 0
    for (let i = 1; i < this.load.length; i++) if (this.load[i] < this.load[best]) best = i
    return best
  }

  write (path: string, offset: number, data: Uint8Array, length: number, expected: Uint8Array): Promise<void> {
    // the worker hands the memory back as a new view (settle() pools it); the budget goes by this one, written or not
    return this.call({ op: 'write', path, offset, data, length, expected: own(expected) }, undefined, [data.buffer as ArrayBuffer])
      .finally(() => { this.chunks.settle(data) })
  }

  verify (path: string, offset: number, length: number, expected: Uint8Array, options: VerifyOptions = {}): Promise<void> {
    return this.call({ op: 'verify', path, offset, length, expected: own(expected), readOnly: options.readOnly === true })
  }

  copy (src: string, srcOffset: number, path: string, offset: number, length: number, expected: Uint8Array): Promise<void> {
    return this.call({ op: 'copy', src, srcOffset, path, offset, length, expected: own(expected) })
  }

  /** In every worker: a flush error of the file is kept by the worker whose descriptor it was (review finding). */
  async sync (path: string): Promise<void> {
    await Promise.all(this.workers.map((_, i) => this.call({ op: 'sync', path }, i)))
  }

  async moved (from: string, to: string | undefined): Promise<void> {
    await Promise.all(this.workers.map((_, i) => this.call({ op: 'moved', from, to: to ?? '' }, i)))
  }

  /**
   * Flush (optionally) and close the part file in every worker. Each worker
   * syncs through its own descriptor (fdatasync flushes the file, whichever
   * descriptor asks); a worker that never opened the file has nothing of it.
   */
  async closeFile (path: string, sync: boolean): Promise<void> {
    await Promise.all(this.workers.map((_, i) => this.call({ op: 'close', path, sync }, i)))
  }

  async close (): Promise<void> {
    // descriptors opened by a worker outlive its termination: close them first
    await Promise.all(this.workers.map((_, i) => this.call({ op: 'close', path: '', sync: false }, i).catch(() => {})))
    this.closed = true
    this.chunks.close()
    this.failAll(new FerryError('E_CANCELLED', 'sink closed'))
    await Promise.all(this.workers.map(async (w) => await w.terminate()))
  }
}

/**
 * A hash that owns its 32 bytes. Manifest hashes are views into the decoded
 * offer's buffer, and posting a view to a worker clones the WHOLE underlying
 * buffer (megabytes per chunk for a big offer).
 */
function own (h: Uint8Array): Uint8Array {
  return h.byteOffset === 0 && h.byteLength === h.buffer.byteLength ? h : h.slice()
}
