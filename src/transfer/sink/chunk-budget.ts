// One budget, in bytes, for the chunk buffers that all of a daemon's
// receives hold at once: being read from the wire, and handed to the sink
// and not yet verified and written. Counting receives is not enough: each
// holds a chunk per stream and more in the sink, and a peer may use chunks
// of up to 16 MiB, so four receives from one peer (MAX_RUNNING_RECEIVES_PER_PEER)
// could hold 200–400 MiB, and each further peer as much again (review
// finding). Each peer gets a share of it: a buffer counts from when its
// chunk's bytes begin to come, and a peer whose sender is slow (or trickles
// on purpose, under the idle limit) holds its buffers as long as it likes;
// with the whole budget to one peer, that stalled the receives of every
// other peer (review finding). With a share of half the budget, two such
// peers together still held all of it, and every other peer's receives
// waited for as long as they trickled (helper finding): peers holding
// bytes now take more only outside a reserve, which a peer holding nothing
// may take its chunk from. A stream that would go over waits its turn:
// first come first served for the whole budget, but one held back only by
// its own peer's share, or by the reserve, lets the others by. Nothing a
// waiter holds waits on the budget, so the waits always end.

import { FerryError } from '../../errors.ts'
import type { BufferPool } from './buffer-pool.ts'

/**
 * The daemon's chunk buffers, all receives together. One receive of the
 * rule's chunks (at most 2 MiB) holds at most its three streams' chunk
 * being read and WRITE_BYTES_IN_FLIGHT each in the sink: 9 MiB at its
 * peak for 1 GiB (1 MiB chunks) on loopback at 127 MB/s, and 12 MiB for
 * 2.2 GiB (2 MiB chunks) at 245 MB/s, measured. So one receive never
 * waits, and two peers holding what they may leave room for a third
 * (CHUNK_BUFFER_RESERVE).
 */
export const CHUNK_BUFFER_BUDGET = 48 * 1024 * 1024
/** What one peer's receives may hold of CHUNK_BUFFER_BUDGET. */
export const CHUNK_BUFFER_PEER_SHARE = 24 * 1024 * 1024
/**
 * What of CHUNK_BUFFER_BUDGET peers already holding bytes of it never take,
 * together: kept for a peer that holds nothing, whose first chunk, of any
 * size the protocol allows (16 MiB), fits it. So two peers trickling hold
 * 40 MiB at most (one's share, and of the other what is left of 32 MiB or
 * its first chunk), and a third gets at least 8 MiB: four of the rule's
 * 2 MiB chunks. One peer alone still gets its whole share; two honest
 * receives at their peak (9–12 MiB) still fit outside it.
 */
export const CHUNK_BUFFER_RESERVE = 16 * 1024 * 1024

interface Waiter { size: number, owner: string, admit: () => void }

export class ChunkBudget {
  private readonly limit: number
  private readonly share: number
  private readonly reserve: number
  private used = 0
  private peak = 0
  private readonly byOwner = new Map<string, number>()
  private readonly line: Waiter[] = []
  private readonly held = new WeakMap<Uint8Array, { size: number, owner: string }>()
  private closedBy?: Error

  /** `reserve`: never more than one owner at its whole share leaves (it alone gets all of its share). */
  constructor (limit = CHUNK_BUFFER_BUDGET, share = Math.min(limit, CHUNK_BUFFER_PEER_SHARE), reserve = Math.max(0, Math.min(CHUNK_BUFFER_RESERVE, limit - share))) {
    this.limit = limit
    this.share = share
    this.reserve = reserve
  }

  /** Bytes held now. */
  get bytes (): number { return this.used }
  /** The most ever held at once (tests). */
  get peakBytes (): number { return this.peak }
  /** Bytes `owner` holds now. */
  bytesOf (owner: string): number { return this.byOwner.get(owner) ?? 0 }

  /**
   * Resolves once `size` more bytes fit, in the whole budget after every
   * earlier waiter, and in `owner`'s share after its own earlier waiters;
   * for an owner holding bytes already, outside the reserve too, after the
   * earlier waiters of owners holding bytes. The bytes count from then on,
   * and go with release() of the buffer given to hold(). A size over the
   * budget, the share or the room outside the reserve waits until nothing
   * of it is held, then goes alone. Rejects with the signal's reason if it
   * aborts first.
   */
  async admit (size: number, signal?: AbortSignal, owner = ''): Promise<void> {
    signal?.throwIfAborted()
    if (this.closedBy != null) throw this.closedBy
    let admitted = false
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.line.indexOf(waiter)
        if (at >= 0) this.line.splice(at, 1)
        reject(signal!.reason)
        this.drain() // a big waiter leaving may let smaller ones behind it in
      }
      const waiter: Waiter = {
        size,
        owner,
        admit: () => { admitted = true; signal?.removeEventListener('abort', onAbort); resolve() }
      }
      this.line.push(waiter)
      this.drain()
      if (!admitted) signal?.addEventListener('abort', onAbort, { once: true })
    })
    if (this.closedBy != null) throw this.closedBy
  }

  /** `buf` holds `size` bytes admitted for `owner` until release(buf). */
  hold (buf: Uint8Array, size: number, owner = ''): Uint8Array {
    this.held.set(buf, { size, owner })
    return buf
  }

  /** The bytes `buf` held go back to the budget (once; a buffer never held is ignored). */
  release (buf: Uint8Array): void {
    const h = this.held.get(buf)
    if (h === undefined) return
    this.held.delete(buf)
    this.used -= h.size
    const left = this.bytesOf(h.owner) - h.size
    if (left > 0) this.byOwner.set(h.owner, left); else this.byOwner.delete(h.owner)
    this.drain()
  }

  /** Every waiter, now and later, fails with `err` (the sink is closing). */
  close (err: Error = new FerryError('E_CANCELLED', 'sink closed')): void {
    this.closedBy = err
    for (const w of this.line.splice(0)) w.admit()
  }

  private drain (): void {
    // owners with an earlier waiter held back by their share: their later ones wait behind it
    const behind = new Set<string>()
    // an earlier waiter of an owner holding bytes found no room outside the reserve: those of owners holding bytes wait behind it
    let outsideFull = false
    for (let i = 0; i < this.line.length;) {
      const w = this.line[i]
      const mine = this.bytesOf(w.owner)
      if (behind.has(w.owner) || (mine > 0 && mine + w.size > this.share)) { behind.add(w.owner); i++; continue }
      // the reserve is for owners holding nothing: one holding bytes lets them by
      if (mine > 0 && (outsideFull || this.used + w.size > this.limit - this.reserve)) { outsideFull = true; i++; continue }
      if (this.used > 0 && this.used + w.size > this.limit) return // the whole budget: nobody passes
      this.line.splice(i, 1)
      this.used += w.size
      this.byOwner.set(w.owner, mine + w.size)
      if (this.used > this.peak) this.peak = this.used
      w.admit()
    }
  }
}

/** A sink's chunk buffers: reused from its pool, and counted against its budget from take() until written or discarded. */
export class ChunkBuffers {
  private readonly pool: BufferPool
  private readonly budget: ChunkBudget

  constructor (pool: BufferPool, limit?: number, share?: number) {
    this.pool = pool
    this.budget = new ChunkBudget(limit, share)
  }

  /** Bytes held now, and the most at once (tests). */
  get bytes (): { now: number, peak: number } { return { now: this.budget.bytes, peak: this.budget.peakBytes } }

  /** `owner`: the peer whose chunks it is for (its share of the budget). */
  async take (size: number, signal?: AbortSignal, owner?: string): Promise<Uint8Array> {
    await this.budget.admit(size, signal, owner)
    return this.budget.hold(this.pool.take(size), size, owner)
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
