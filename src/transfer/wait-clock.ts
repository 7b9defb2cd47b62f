// How long a transfer waited, in state `waiting`, for what it cannot go on
// without: its peer (offline, its daemon down, this daemon down), its turn,
// room in the receive folder. Counted apart from its own time, as a wait
// for a person to accept is (TransferInfo.acceptWaitSeconds): a send held
// 15 s while its receiver was away said "in 26.6 s" and half its rate
// (user-test findings). Recorded with the state (waited_ms, waiting_since),
// so a wait that spans a restart of this daemon counts whole from where it
// began; the downtime of a daemon killed mid-transfer, recorded as moving,
// is not known.

export class WaitClock {
  private waited: number
  private since: number | undefined

  constructor (waitedMs = 0, waitingSince?: number) {
    this.waited = Math.max(0, waitedMs)
    this.since = waitingSince
  }

  /** The transfer is in `state` from `now` on. */
  at (state: string, now = Date.now()): void {
    if (state === 'waiting') { this.since ??= now; return }
    if (this.since === undefined) return
    this.waited += Math.max(0, now - this.since)
    this.since = undefined
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
