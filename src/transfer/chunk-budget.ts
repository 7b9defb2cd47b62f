// One budget, in bytes, for the chunk buffers that all of a daemon's
// receives hold at once: being read from the wire, and handed to the sink
// and not yet verified and written. Counting receives is not enough: each
// holds a chunk per stream and more in the sink, and a peer may use chunks
// of up to 16 MiB, so four receives from one peer (MAX_RUNNING_RECEIVES_PER_PEER)
// could hold 200–400 MiB, and each further peer as much again (review
// finding). A stream that would go over waits its turn, in the order asked,
// until the sink has written enough; nothing it holds waits on the budget,
// so the waits always end.

import { FerryError } from '../errors.ts'
import type { BufferPool } from './buffer-pool.ts'

/**
 * The daemon's chunk buffers, all receives together. One receive of the
 * rule's chunks (at most 2 MiB) holds at most its three streams' chunk
 * being read and WRITE_BYTES_IN_FLIGHT each in the sink: 9 MiB at its
 * peak for 1 GiB (1 MiB chunks) on loopback at 127 MB/s, measured. So one
 * or two receives never wait; more, or a peer's bigger chunks, share this.
 */
export const CHUNK_BUFFER_BUDGET = 32 * 1024 * 1024

interface Waiter { size: number, admit: () => void }

export class ChunkBudget {
  private readonly limit: number
  private used = 0
  private peak = 0
  private readonly line: Waiter[] = []
  private readonly held = new WeakMap<Uint8Array, number>()
  private closedBy?: Error

  constructor (limit = CHUNK_BUFFER_BUDGET) { this.limit = limit }

  /** Bytes held now. */
  get bytes (): number { return this.used }
  /** The most ever held at once (tests). */
  get peakBytes (): number { return this.peak }

  /**
   * Resolves once `size` more bytes fit, after every earlier waiter; the
   * bytes count from then on, and go with release() of the buffer given to
   * hold(). A size over the whole budget waits until nothing is held, then
   * goes alone. Rejects with the signal's reason if it aborts first.
   */
  async admit (size: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted()
    if (this.closedBy != null) throw this.closedBy
    if (this.line.length === 0 && this.fits(size)) { this.take(size); return }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.line.indexOf(waiter)
        if (at >= 0) this.line.splice(at, 1)
        reject(signal!.reason)
        this.drain() // a big waiter leaving may let smaller ones behind it in
      }
      const waiter: Waiter = {
        size,
        admit: () => { signal?.removeEventListener('abort', onAbort); resolve() }
      }
      this.line.push(waiter)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
    if (this.closedBy != null) throw this.closedBy
  }

  /** `buf` holds `size` admitted bytes until release(buf). */
  hold (buf: Uint8Array, size: number): Uint8Array {
    this.held.set(buf, size)
    return buf
  }

  /** The bytes `buf` held go back to the budget (once; a buffer never held is ignored). */
  release (buf: Uint8Array): void {
    const size = this.held.get(buf)
    if (size === undefined) return
    this.held.delete(buf)
    this.used -= size
    this.drain()
  }

  /** Every waiter, now and later, fails with `err` (the sink is closing). */
  close (err: Error = new FerryError('E_CANCELLED', 'sink closed')): void {
    this.closedBy = err
    for (const w of this.line.splice(0)) w.admit()
  }

  private fits (size: number): boolean {
    return this.used === 0 || this.used + size <= this.limit
  }

  private take (size: number): void {
    this.used += size
    if (this.used > this.peak) this.peak = this.used
  }

  private drain (): void {
    while (this.line.length > 0 && this.fits(this.line[0].size)) {
      const w = this.line.shift()!
      this.take(w.size)
      w.admit()
    }
  }
}

/** A sink's chunk buffers: reused from its pool, and counted against its budget from take() until written or discarded. */
export class ChunkBuffers {
  private readonly pool: BufferPool
  private readonly budget: ChunkBudget

  constructor (pool: BufferPool, limit?: number) {
    this.pool = pool
    this.budget = new ChunkBudget(limit)
  }

  /** Bytes held now, and the most at once (tests). */
  get bytes (): { now: number, peak: number } { return { now: this.budget.bytes, peak: this.budget.peakBytes } }

  async take (size: number, signal?: AbortSignal): Promise<Uint8Array> {
    await this.budget.admit(size, signal)
    return this.budget.hold(this.pool.take(size), size)
  }

  /** `buf` is written, or failed to be: its bytes go back to the budget (the memory itself may be elsewhere now, e.g. with a worker). */
  settle (buf: Uint8Array): void {
    this.budget.release(buf)
  }

  /** `buf` is not wanted any more: back to the budget, and to the pool for reuse. */
  discard (buf: Uint8Array): void {
    this.budget.release(buf)
    this.pool.give(buf)
  }

  close (): void {
    this.budget.close()
  }
}
