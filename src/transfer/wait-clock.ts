// How long a transfer waited, in state `waiting`, for what it cannot go on
// without: its peer (offline, its daemon down, this daemon down), its turn,
// room in the receive folder. Counted apart from its own time, as a wait
// for a person to accept is (TransferInfo.acceptWaitSeconds): a send held
// 15 s while its receiver was away said "in 26.6 s" and half its rate
// (user-test findings). Recorded with the state (waited_ms, waiting_since),
// so a wait that spans a restart of this daemon counts whole from where it
// began; the downtime of a daemon killed mid-transfer, recorded as moving,
// is counted from its last mark that it ran (alive-mark.ts).

export class WaitClock {
  private waited: number
  private since: number | undefined
  /** the last spell closed in this process, for discount */
  private last?: { start: number, end: number }

  constructor (waitedMs = 0, waitingSince?: number) {
    this.waited = Math.max(0, waitedMs)
    this.since = waitingSince
  }

  /** The transfer is in `state` from `now` on. */
  at (state: string, now = Date.now()): void {
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
