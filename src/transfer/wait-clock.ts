// How long a transfer waited, in state `waiting`, for what it cannot go on
// without: its peer (offline, its daemon down, this daemon down), its turn,
// room in the receive folder. Counted apart from its own time, as a wait
// for a person to accept is (TransferInfo.acceptWaitSeconds): a send held
// 15 s while its receiver was away said "in 26.6 s" and half its rate
// (user-test findings). Recorded with the state (waited_ms, waiting_since),
// so a wait that spans a restart of this daemon counts whole from where it
// began; the downtime of a daemon killed mid-transfer, recorded as moving,
// is counted from its last mark that it ran (alive-mark.ts). Each wait is
// told by its cause too (WaitCause), so a summary names what held it up, not
// every cause it could have had (user-test finding: "beta away or silent,
// this daemon down, its turn, or room there" for a receiver down 20 s).

import { isMovingState, WAIT_CAUSES, type WaitCause, type WaitsByCause } from '../daemon/control/types.ts'
import { QUIET_MS } from './progress.ts'
import { freezes } from './freeze-watch.ts'

/** As recorded (TransferRow): its waits, the one under way and why. */
export interface WaitRecord {
  waitedMs?: number
  waitingSince?: number | null
  waitedBy?: WaitsByCause
  waitingCause?: WaitCause | null
}

/** A cause told within this many ms of the piece it would cut is that piece's: its owner sets state and error apart. */
const SAME_MOMENT_MS = 10

/** A stretch of one spell, told as one cause's. */
interface Piece { start: number, end: number, cause: WaitCause }

export class WaitClock {
  private waited: number
  /** of `waited`, by cause; what a record from before 2026-12-08 waited is in `waited` alone */
  private readonly by: Map<WaitCause, number>
  /** since when the piece under way of the spell under way runs (one cause's: because cuts a spell in pieces) */
  private since: number | undefined
  /** since when the spell under way runs, for the views (waitingSince) */
  private spellStart: number | undefined
  /** the cause of the piece under way, or of the next spell: as the owner's error last said (because) */
  private cause: WaitCause
  /** since when it moves (hashing or fetching: isMovingState), while it does: a stall is counted within it (stalled) */
  private movingSince?: number
  /** the stall the spell under way followed at once, ms (counted as a wait of its own): the views count from its start */
  private stallBefore = 0
  /** the pieces of the spell under way closed so far, and of the last spell closed in this process: for discount */
  private pieces: Piece[] = []
  private last: Piece[] = []

  constructor (waitedMs = 0, waitingSince?: number, o: { by?: WaitsByCause, cause?: WaitCause } = {}) {
    this.waited = Math.max(0, waitedMs)
    this.since = waitingSince
    this.spellStart = waitingSince
    this.cause = o.cause ?? 'peer'
    this.by = new Map()
    for (const c of WAIT_CAUSES) if ((o.by?.[c] ?? 0) > 0) this.by.set(c, o.by![c]!)
  }

  /**
   * As `rec` recorded it, read again at `now` by a daemon that was down (`now`: when it started again): a spell a
   * clean stop opened (cause `down`) is cut there, and goes on as `cause`'s (what the transfer waits for now, by its
   * error); `downMs`, the downtime of a crash that caught it under way (downtimeOf), is a wait for this daemon too. A
   * spell recorded with no cause (before 2026-12-08) counts up to `now` with none: no breakdown then, rather than one
   * that tells a daemon's downtime as its peer away (review finding).
   */
  static restored (rec: WaitRecord, downMs = 0, cause?: WaitCause, now = Date.now()): WaitClock {
    const c = new WaitClock((rec.waitedMs ?? 0) + downMs, rec.waitingSince ?? undefined, { by: rec.waitedBy, cause: rec.waitingCause ?? cause })
    if (downMs > 0) c.add('down', downMs)
    if (c.since !== undefined && rec.waitingCause == null) {
      c.waited += Math.max(0, now - c.since)
      c.since = Math.max(c.since, now)
    } else if (c.since !== undefined && c.cause === 'down') c.because(cause ?? 'peer', now)
    else if (cause !== undefined) c.because(cause, now)
    return c
  }

  private add (cause: WaitCause, ms: number): void {
    if (ms > 0) this.by.set(cause, (this.by.get(cause) ?? 0) + ms)
  }

  /** The piece under way ends at `now`, told as `cause`'s. */
  private closePiece (now: number): void {
    if (this.since === undefined) return
    const ms = Math.max(0, now - this.since)
    this.waited += ms
    this.add(this.cause, ms)
    this.pieces.push({ start: this.since, end: now, cause: this.cause })
    this.since = undefined
  }

  /** The spell under way ends at `now`. */
  private endSpell (now: number): void {
    if (this.since === undefined) return
    this.closePiece(now)
    this.last = this.pieces
    this.pieces = []
    this.spellStart = undefined
    this.stallBefore = 0
  }

  /**
   * The transfer is in `state` from `now` on; `stallMs`: the stall under way as it leaves a moving state (nothing
   * moved for 10 s or more: Progress.stallMs), counted as a wait, as one that ends with bytes is (stalled).
   */
  at (state: string, now = Date.now(), stallMs = 0): void {
    let stalled = 0
    if (isMovingState(state)) this.movingSince ??= now
    else {
      if (stallMs > 0) stalled = this.stalled(stallMs, now)
      this.movingSince = undefined
    }
    if (state === 'waiting') {
      if (this.since === undefined) { this.since = now; this.spellStart = now; this.stallBefore = stalled; this.pieces = [] }
      return
    }
    this.endSpell(now)
  }

  /**
   * What it waits for from `now` on (its owner's error changed: waitCauseOf; a clean stop: `down`): the spell under
   * way is cut there, what went before told as the old cause's; a spell yet to come is told so. Its owner may set its
   * state before its error, or after: a cause told within SAME_MOMENT_MS of the piece's start is that piece's.
   */
  because (cause: WaitCause, now = Date.now()): void {
    if (cause === this.cause) return
    if (this.since !== undefined && now - this.since > SAME_MOMENT_MS) {
      this.closePiece(now)
      this.since = now
    }
    this.cause = cause
  }

  /**
   * The span from `from` to `now` was a wait counted elsewhere (a hold for a person to accept it, as its receiver
   * counted it): what the last spell (or the one under way) has of it comes off, each piece from its own cause, not
   * to be counted twice (review findings: a send restarted while its receiver, away, held its offer said both waits
   * of the same seconds, and its own time as 0; a spell cut by cause lost only its last piece).
   */
  discount (from: number, now = Date.now()): void {
    for (const p of this.since !== undefined ? this.pieces : this.last) {
      const overlap = Math.max(0, Math.min(p.end, now) - Math.max(p.start, from))
      if (overlap === 0) continue
      this.waited = Math.max(0, this.waited - overlap)
      const had = this.by.get(p.cause) ?? 0
      if (had - overlap > 0) this.by.set(p.cause, had - overlap)
      else this.by.delete(p.cause)
      // taken off once: a second discount of the same span takes nothing more
      p.end = Math.max(p.start, Math.min(p.end, from))
    }
    if (this.since !== undefined) {
      // open: it goes on from `now`, what it had of the span left out
      const ms = Math.max(0, Math.min(from, now) - this.since)
      this.waited += ms
      this.add(this.cause, ms)
      if (ms > 0) this.pieces.push({ start: this.since, end: this.since + ms, cause: this.cause })
      this.since = now
    }
  }

  /**
   * A stall of `ms` ended at `now`: nothing moved though it was hashing or fetching, its link down or its peer
   * stopped; counted as a wait, within the time it has been moving (a count that moved after a wait, before its
   * state said it moves, told a stall of the wait's length). User-test finding: a link down 16 s said "waited 0.7 s",
   * the stall in its own time and rate. Returns what it counted.
   */
  stalled (ms: number, now = Date.now()): number {
    if (this.movingSince === undefined) return 0
    // and a stall still, cut so: what is left of one told from before it moved may be a moment's quiet
    const within = Math.min(ms, now - this.movingSince)
    if (within <= QUIET_MS) return 0
    this.waited += within
    // what of it this daemon itself did not run (stopped, its machine asleep) is its own downtime, not its peer's
    // silence (user-test finding: a receiver frozen 15 s said "while laptop was silent")
    const frozen = Math.min(within, freezes.within(now - within, now))
    this.add('down', frozen)
    this.add('silent', within - frozen)
    return within
  }

  /**
   * When the wait under way began, if one is, as the views count it up: the spell's start (pieces of other causes
   * in it or not), or the start of the stall it followed at once, nothing having moved since (user-test finding:
   * "waiting for peer 2s" after a link down for 20 s, the connection given up at last).
   */
  get waitingSince (): number | undefined {
    return this.since !== undefined ? (this.spellStart ?? this.since) - this.stallBefore : undefined
  }

  /** All it waited, the wait under way included. */
  totalMs (now = Date.now()): number {
    return this.waited + (this.since !== undefined ? Math.max(0, now - this.since) : 0)
  }

  /**
   * All it waited by cause, ms, the wait under way included; undefined where some of it has no cause told (a record
   * from before 2026-12-08 that had waited): not a breakdown then, that a reader would take for the whole.
   */
  byCause (now = Date.now()): WaitsByCause | undefined {
    const out: WaitsByCause = {}
    let told = 0
    for (const [c, ms] of this.by) { out[c] = ms; told += ms }
    if (this.since !== undefined && now > this.since) out[this.cause] = (out[this.cause] ?? 0) + now - this.since
    return this.waited - told > 0.5 ? undefined : out
  }

  /** As the store keeps it (TransferRow.waitedMs, waitingSince, waitedBy, waitingCause). */
  record (): { waitedMs: number, waitingSince: number | null, waitedBy: WaitsByCause, waitingCause: WaitCause | null } {
    return { waitedMs: this.waited, waitingSince: this.since ?? null, waitedBy: Object.fromEntries(this.by), waitingCause: this.since !== undefined ? this.cause : null }
  }
}
