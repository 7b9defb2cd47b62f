// How long a transfer waited, in state `waiting`, for what it cannot go on
// without: its peer (offline, its daemon down, this daemon down), its turn,
// room in the receive folder. Counted apart from its own time, as a wait
// for a person to accept is (TransferInfo.acceptWaitSeconds): a send held
// 15 s while its receiver was away said "in 26.6 s" and half its rate
// (user-test findings). Recorded with the state (waited_ms, waiting_since),
// so a wait that spans a restart of this daemon counts whole from where it
// began; the downtime of a daemon killed mid-transfer, recorded as moving,
// is counted from its last mark that it ran (alive-mark.ts).

import { isMovingState } from '../daemon/control/types.ts'
import { QUIET_MS } from './progress.ts'

export class WaitClock {
  private waited: number
  private since: number | undefined
  /** since when it moves (hashing or fetching: isMovingState), while it does: a stall is counted within it (stalled) */
  private movingSince?: number
  /** the last spell closed in this process, for discount */
  private last?: { start: number, end: number }

  constructor (waitedMs = 0, waitingSince?: number) {
    this.waited = Math.max(0, waitedMs)
    this.since = waitingSince
  }

  /**
   * The transfer is in `state` from `now` on; `stallMs`: the stall under way as it leaves a moving state (nothing
   * moved for 10 s or more: Progress.stallMs), counted as a wait, as one that ends with bytes is (stalled).
   */
  at (state: string, now = Date.now(), stallMs = 0): void {
    if (isMovingState(state)) this.movingSince ??= now
    else {
      if (stallMs > 0) this.stalled(stallMs, now)
      this.movingSince = undefined
    }
    if (state === 'waiting') { this.since ??= now; return }
    if (this.since === undefined) return
    this.waited += Math.max(0, now - this.since)
    this.last = { start: this.since, end: now }
    this.since = undefined
  }

  /**
   * The span from `from` to `now` was a wait counted elsewhere (a hold for a person to accept it, as its receiver
   * counted it): what the last spell has of it comes off, not to be counted twice (review finding: a send restarted
   * while its receiver, away, held its offer said both waits of the same seconds, and its own time as 0).
   */
  discount (from: number, now = Date.now()): void {
    const spell = this.since !== undefined ? { start: this.since, end: now } : this.last
    if (spell === undefined) return
    const overlap = Math.max(0, Math.min(spell.end, now) - Math.max(spell.start, from))
    if (this.since !== undefined) {
      // open: it goes on from `now`, what it had of the span left out
      this.waited += Math.max(0, Math.min(from, now) - this.since)
      this.since = now
    } else {
      this.waited = Math.max(0, this.waited - overlap)
    }
  }

  /**
   * A stall of `ms` ended at `now`: nothing moved though it was hashing or fetching, its link down or its peer
   * stopped; counted as a wait, within the time it has been moving (a count that moved after a wait, before its
   * state said it moves, told a stall of the wait's length). User-test finding: a link down 16 s said "waited 0.7 s",
   * the stall in its own time and rate.
   */
  stalled (ms: number, now = Date.now()): void {
    if (this.movingSince === undefined) return
    // and a stall still, cut so: what is left of one told from before it moved may be a moment's quiet
    const within = Math.min(ms, now - this.movingSince)
    if (within > QUIET_MS) this.waited += within
  }

  /** When the wait under way began, if one is. */
  get waitingSince (): number | undefined {
    return this.since
  }

  /** All it waited, the wait under way included. */
  totalMs (now = Date.now()): number {
    return this.waited + (this.since !== undefined ? Math.max(0, now - this.since) : 0)
  }

  /** As the store keeps it (TransferRow.waitedMs, waitingSince). */
  record (): { waitedMs: number, waitingSince: number | null } {
    return { waitedMs: this.waited, waitingSince: this.since ?? null }
  }
}
