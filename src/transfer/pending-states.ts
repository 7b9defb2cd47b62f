// A transfer's state written to the store, or, when the store cannot take
// it (its disk full), kept here and tried again until it goes in, and shown
// meanwhile in place of what the store still holds.
//
// Why: a transfer that failed (or ended) while its state could not be
// written was forgotten as soon as it left memory. The store still said
// `fetching`, so a sender asking after it was told "accepted" and waited for
// good, and after a restart a send reported failed ran again (review
// finding). Kept here, the state is what every answer and listing shows, and
// it reaches the store once there is room.
// Owns: the writes that failed, merged per transfer (the latest field wins).
// Must never: drop a write that failed before a later one for the same
// transfer went in (they are merged, and written together).

import type { TransferRow, TransferStore } from '../store/index.ts'
import type { Logger } from '../daemon/logger.ts'

export type StatePatch = Parameters<TransferStore['update']>[1]

export class PendingStates {
  private readonly pending = new Map<string, StatePatch>()
  private readonly store: TransferStore
  private readonly log: Pick<Logger, 'warn' | 'info'>

  constructor (store: TransferStore, log: Pick<Logger, 'warn' | 'info'>) {
    this.store = store
    this.log = log
  }

  /** Write `patch` for `id`, with any write kept for it; returns false (and keeps them) when the store cannot take it. */
  write (id: string, patch: StatePatch): boolean {
    const merged = { ...this.pending.get(id), ...patch }
    try {
      this.store.update(id, merged)
      this.pending.delete(id)
      return true
    } catch (err) {
      if (!this.pending.has(id)) this.log.warn('cannot record the transfer\'s state; it is kept in memory and tried again', { id, state: merged.state, err: (err as Error).message })
      this.pending.set(id, merged)
      return false
    }
  }

  /**
   * Write `patch` for `id`, throwing as the store does when it cannot (what
   * is written this way fails its transfer then, as before); where a write
   * is kept for `id`, together with it, and the patch is kept with it when
   * that fails too. For every write that is not a state change (progress
   * counts, flags): written past a kept write, its fields were put back to
   * older values when the kept write went in (the counts of up to one
   * periodic record before).
   */
  update (id: string, patch: StatePatch): void {
    const kept = this.pending.get(id)
    if (kept === undefined) { this.store.update(id, patch); return }
    const merged = { ...kept, ...patch }
    this.pending.set(id, merged)
    this.store.update(id, merged)
    this.pending.delete(id)
  }

  /** Try the kept writes again; returns the ids whose writes went in. */
  retry (): string[] {
    const done: string[] = []
    for (const [id, patch] of [...this.pending]) {
      try {
        this.store.update(id, patch)
        this.pending.delete(id)
        done.push(id)
      } catch {}
    }
    if (done.length > 0) this.log.info('recorded transfer states kept in memory', { transfers: done.length })
    return done
  }

  /** `row` as it would be with the write kept for it (the state it is in), or as it is. */
  overlay<R extends TransferRow | undefined> (row: R): R {
    if (row == null) return row
    const patch = this.pending.get(row.id)
    return patch == null ? row : { ...row, ...patch } as R
  }

  get size (): number { return this.pending.size }
}
