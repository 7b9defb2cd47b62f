// BLAKE3 hashing off the main thread: a pool of worker threads (hash-worker.js).
//
// Owns: the workers' lifecycle, a FIFO task queue, splitting a larger file's
// chunks into contiguous ranges that several workers read and hash in
// parallel (a smaller one goes to one worker whole, a file of at most
// INLINE_MAX_BYTES is hashed on the calling thread), and
// cancellation (AbortSignal → a shared flag the worker checks between chunks).
// Workers are started lazily, up to `size`, unref'd while idle so a pool
// never keeps the process alive on its own, and stopped once idle for
// IDLE_WORKER_MS; close() terminates them.
// Must never: read more than INLINE_MAX_BYTES of a file on the main thread, or copy file bytes between
// threads (workers read the ranges themselves and return digests, 32 bytes
// per chunk, in batches).

import { stat } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { Transferable } from 'node:worker_threads'
import { hash } from './blake3.js'
import { fileError, hashWholeFile } from './hash-file.js'
import { FerryError, isErrorCode, toFerryError } from '../../errors.ts'
import { ChunkHashes } from '../../protocol/chunk-hashes.ts'
import { chunkCount, chunkRange } from './chunking.ts'
import type { WorkerReply, WorkerRequest } from '../worker-messages.ts'

export interface HashPoolInit {
  /** Number of worker threads; default os.availableParallelism(). */
  size?: number
  /** A worker idle this long is stopped (default IDLE_WORKER_MS). */
  idleMs?: number
}

/**
 * An idle worker is stopped after this long. The daemon closes its pool
 * once no send is hashing (send-hash.ts, releaseHashPool), but a send restored
 * after a restart counts as hashing while it waits for its peer, and keeps
 * the pool open for every other send meanwhile: this lets the workers go
 * then. They hold ~11 MB of RSS while they wait (loopback, after a 1 GiB and
 * a photo send), and a new pair starts in ~45 ms.
 */
export const IDLE_WORKER_MS = 30_000

export interface HashOptions {
  signal?: AbortSignal
  /** Let the pool take `data`'s ArrayBuffer (it is detached) instead of copying it. Only done when `data` spans its whole, non-shared buffer; otherwise `data` is copied. */
  transfer?: boolean
}

export interface HashFileOptions {
  signal?: AbortSignal
  /**
   * Called for each chunk hashed: in batches as a worker reports them (about
   * every 8 MiB of a range, in index order within a batch; the ranges of a
   * large file in completion order), or all at once for a small file.
   */
  onChunk?: (index: number, digest: Uint8Array, length: number) => void
  /** Size the file is expected to have (e.g. from a scan); hashing fails with E_IO if it differs. Default: stat the file now. */
  size?: number
}

export interface HashPoolStats {
  workers: number
  busy: number
  queued: number
}

export interface HashPool {
  hash: (data: Uint8Array, options?: HashOptions) => Promise<Uint8Array>
  hashFileChunks: (path: string, chunkSize: number, options?: HashFileOptions) => Promise<ChunkHashes>
  stats: () => HashPoolStats
  close: () => Promise<void>
}

/** Synchronous BLAKE3 (32-byte digest) on the calling thread, for small data. */
export function blake3 (data: Uint8Array): Uint8Array {
  return hash(data)
}

/** A file is split into ranges of at most this many bytes, so several workers share it and a slow one holds back little (a worker holds at most two: TASKS_PER_WORKER). */
const RANGE_TARGET_BYTES = 64 * 1024 * 1024
/**
 * A file smaller than this goes to one worker whole: a folder keeps the
 * workers busy with files in flight anyway, and each range is a message each
 * way on the main thread (the 1,000-photo set: 357-415 ms against 420-645
 * with a range per worker and a reply per chunk; README, Choices).
 */
const SPLIT_MIN_BYTES = 8 * 1024 * 1024
/**
 * A file this small is read and hashed here, on the calling thread, not by a
 * worker: a 64 KiB read and hash take ~30 µs, less than a message to a
 * worker and back, and a send of small files then starts no worker at all
 * (≈ 45 ms each, and ≈ 15 MB of memory while they live).
 */
const INLINE_MAX_BYTES = 64 * 1024
/**
 * Tasks posted to one worker at a time: the next one waits in its message
 * queue, so the worker starts it as soon as it is done with the current one
 * instead of waiting for the main thread to see the reply and post it (a
 * round trip per file on the photo set). Loopback, the 1,000-photo set
 * hashed in 291-404 ms against 331-452 with one at a time (11 interleaved
 * pairs, 9 quicker; means 344 and 382 ms).
 */
const TASKS_PER_WORKER = 2

interface Task {
  request: WorkerRequest
  transferList: Transferable[]
  cancelled: boolean
  /** Handle a reply; return true when it is the task's last. */
  onReply: (reply: WorkerReply) => boolean
  onFail: (err: FerryError) => void
}

interface Slot {
  worker: Worker
  /** Posted to the worker, in order: the one it works on, and up to TASKS_PER_WORKER - 1 waiting in its message queue. */
  tasks: Task[]
  error?: unknown
  /** Stops the worker once it has been idle for idleMs. */
  idleTimer?: NodeJS.Timeout
}

function cancelled (signal?: AbortSignal): FerryError {
  return toFerryError(signal?.reason ?? new FerryError('E_CANCELLED', 'hashing cancelled'), 'E_CANCELLED')
}

function checkSignal (signal?: AbortSignal): void {
  if (signal?.aborted === true) throw cancelled(signal)
}

/** A failure to hash, as a worker reports it or hash-file.js's fileError() gives it, as a FerryError. */
function hashError (e: { code: string, message: string }, cause?: unknown): FerryError {
  return new FerryError(isErrorCode(e.code) ? e.code : 'E_IO', e.message, cause === undefined ? undefined : { cause })
}

export function createHashPool (init: HashPoolInit = {}): HashPool {
  const poolSize = init.size ?? availableParallelism()
  if (!Number.isSafeInteger(poolSize) || poolSize < 1) throw new FerryError('E_BAD_REQUEST', `hash pool size ${poolSize} must be a positive integer`)
  const idleMs = init.idleMs ?? IDLE_WORKER_MS
  const slots: Slot[] = []
  /** Workers stopped for being idle, until they have exited: close() waits for them too. */
  const stopping = new Set<Promise<number>>()
  const queue: Task[] = []
  let nextId = 1
  let closed = false

  function spawn (): Slot {
    const worker = new Worker(new URL('./hash-worker.js', import.meta.url))
    const slot: Slot = { worker, tasks: [] }
    worker.on('message', (reply: WorkerReply) => {
      const i = slot.tasks.findIndex((t) => t.request.id === reply.id)
      if (i < 0 || !slot.tasks[i].onReply(reply)) return
      slot.tasks.splice(i, 1)
      if (slot.tasks.length === 0) worker.unref()
      dispatch()
      if (slot.tasks.length === 0) stopWhenIdle(slot)
    })
    worker.on('error', (err) => { slot.error = err })
    worker.on('exit', () => {
      const i = slots.indexOf(slot)
      if (i >= 0) slots.splice(i, 1)
      const tasks = slot.tasks.splice(0)
      if (!closed) {
        for (const task of tasks) task.onFail(new FerryError('E_INTERNAL', `hash worker died: ${String((slot.error as Error | undefined)?.message ?? 'exited')}`, { cause: slot.error }))
      }
      if (!closed) dispatch()
    })
    slots.push(slot)
    return slot
  }

  function stopWhenIdle (slot: Slot): void {
    clearTimeout(slot.idleTimer)
    slot.idleTimer = setTimeout(() => {
      if (slot.tasks.length > 0 || closed) return
      // out of the pool first, so that nothing is dispatched to it while it stops
      const i = slots.indexOf(slot)
      if (i >= 0) slots.splice(i, 1)
      const exited = slot.worker.terminate()
      stopping.add(exited)
      void exited.finally(() => stopping.delete(exited))
    }, idleMs)
    slot.idleTimer.unref()
  }

  function dispatch (): void {
    while (queue.length > 0 && !closed) {
      const task = queue[0]
      if (task.cancelled) { queue.shift(); continue }
      // an idle worker, else a new one, else one with room in its queue
      const slot = slots.find(s => s.tasks.length === 0) ??
        (slots.length < poolSize ? spawn() : slots.find(s => s.tasks.length < TASKS_PER_WORKER))
      if (slot === undefined) return
      queue.shift()
      clearTimeout(slot.idleTimer)
      slot.tasks.push(task)
      slot.worker.ref()
      slot.worker.postMessage(task.request, task.transferList)
    }
  }

  function enqueue (task: Task): void {
    if (closed) { task.onFail(new FerryError('E_CANCELLED', 'hash pool is closed')); return }
    queue.push(task)
    dispatch()
  }

  function hashBuffer (data: Uint8Array, options: HashOptions = {}): Promise<Uint8Array> {
    const { signal } = options
    if (signal?.aborted === true) return Promise.reject(cancelled(signal))
    const whole = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength
    const shared = data.buffer instanceof SharedArrayBuffer
    let payload: Uint8Array = data
    // new Uint8Array(view) copies (Buffer#slice would not).
    if (!shared && (options.transfer !== true || !whole)) payload = new Uint8Array(data)
    const transferList: Transferable[] = shared ? [] : [payload.buffer as ArrayBuffer]
    return new Promise((resolve, reject) => {
      const onAbort = (): void => { task.cancelled = true; reject(cancelled(signal)) }
      const task: Task = {
        request: { type: 'hash', id: nextId++, data: payload },
        transferList,
        cancelled: false,
        onReply (reply) {
          signal?.removeEventListener('abort', onAbort)
          if (reply.type === 'digest') resolve(reply.digest)
          else if (reply.type === 'error') reject(hashError(reply))
          else reject(new FerryError('E_INTERNAL', `unexpected hash worker reply ${reply.type}`))
          return true
        },
        onFail (err) { signal?.removeEventListener('abort', onAbort); reject(err) }
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      enqueue(task)
    })
  }

  async function hashFileChunks (path: string, chunkSize: number, options: HashFileOptions = {}): Promise<ChunkHashes> {
    const { signal, onChunk } = options
    checkSignal(signal)
    let fileSize = options.size
    if (fileSize === undefined) {
      try {
        fileSize = (await stat(path)).size
      } catch (err) {
        if ((err as { code?: unknown }).code === 'ENOENT') throw new FerryError('E_PATH_NOT_FOUND', `${path}: no such file`, { cause: err })
        throw toFerryError(err, 'E_IO')
      }
    }
    const size = fileSize
    const count = chunkCount(size, chunkSize)
    if (count === 0) return ChunkHashes.NONE
    checkSignal(signal)
    if (size <= INLINE_MAX_BYTES) {
      let inline: ChunkHashes
      try {
        inline = new ChunkHashes(hashWholeFile(path, size, chunkSize))
      } catch (err) {
        throw hashError(fileError(err, path), err)
      }
      try {
        for (let i = 0; i < count; i++) onChunk?.(i, inline.at(i), chunkRange(i, size, chunkSize).length)
      } catch (err) { throw toFerryError(err) }
      return inline
    }
    // Contiguous ranges: one per worker, but none larger than RANGE_TARGET_BYTES; a small file whole.
    const perRange = size < SPLIT_MIN_BYTES ? count : Math.max(1, Math.min(Math.ceil(count / poolSize), Math.floor(RANGE_TARGET_BYTES / chunkSize)))
    const abort = new Int32Array(new SharedArrayBuffer(4))

    const digests = ChunkHashes.zeroed(count)
    return await new Promise<ChunkHashes>((resolve, reject) => {
      const tasks: Task[] = []
      let pending = 0
      let settled = false
      const finish = (err?: FerryError): void => {
        if (settled) return
        settled = true
        signal?.removeEventListener('abort', onAbort)
        if (err === undefined) { resolve(digests); return }
        Atomics.store(abort, 0, 1)
        for (const t of tasks) t.cancelled = true
        reject(err)
      }
      const onAbort = (): void => finish(cancelled(signal))
      signal?.addEventListener('abort', onAbort, { once: true })
      for (let first = 0; first < count; first += perRange) {
        const n = Math.min(perRange, count - first)
        pending++
        const task: Task = {
          request: { type: 'file', id: nextId++, path, size, chunkSize, first, count: n, abort },
          transferList: [],
          cancelled: false,
          onReply (reply) {
            if (reply.type === 'chunks') {
              for (let k = 0; k * 32 < reply.digests.length; k++) {
                const index = reply.first + k
                digests.set(index, reply.digests.subarray(32 * k, 32 * k + 32))
                if (!settled && onChunk !== undefined) {
                  try {
                    onChunk(index, digests.at(index), chunkRange(index, size, chunkSize).length)
                  } catch (err) { finish(toFerryError(err)) }
                }
              }
              if (!reply.done) return false
              if (--pending === 0) finish()
              return true
            }
            finish(reply.type === 'error' ? hashError(reply) : cancelled(signal))
            return true
          },
          onFail: finish
        }
        tasks.push(task)
      }
      for (const t of tasks) enqueue(t)
    })
  }

  async function close (): Promise<void> {
    if (closed) return
    closed = true
    const err = new FerryError('E_CANCELLED', 'hash pool closed')
    for (const t of queue.splice(0)) if (!t.cancelled) t.onFail(err)
    const running = slots.splice(0)
    for (const s of running) {
      clearTimeout(s.idleTimer)
      for (const task of s.tasks.splice(0)) {
        const r = task.request
        if (r.type === 'file') Atomics.store(r.abort, 0, 1)
        task.onFail(err)
      }
    }
    await Promise.all([...running.map(async s => await s.worker.terminate()), ...stopping])
  }

  function stats (): HashPoolStats {
    return { workers: slots.length, busy: slots.filter(s => s.tasks.length > 0).length, queued: queue.filter(t => !t.cancelled).length }
  }

  return { hash: hashBuffer, hashFileChunks, stats, close }
}
