// Bytes done, bytes on the wire, and a smoothed rate with an ETA for one transfer.

/**
 * The rate is measured over a window this long at the least; none is given
 * before the first (0, and no ETA). A first estimate from a quarter of one
 * (up to 2026-12-06) was the bytes of one or two reports, over a time that
 * held the start-up too: as hashing began the TUI showed "256 KiB/s, ETA
 * 19m" for a frame (notes' leftover).
 */
const WINDOW_MS = 1000
/**
 * No bytes for this long is a pause (an offer waiting for a decision, a
 * link down): the rate shows 0, and bytes after it start afresh. Bytes are
 * counted a chunk at a time (up to 2 MiB), so on a slow link they come
 * seconds apart without any pause: with 3 s, 2 MiB chunks at 0.5 MiB/s
 * showed rates from 4 MiB/s down to 0 and an ETA that swung from 25 to
 * 147 s against 196 (review finding).
 */
export const QUIET_MS = 10_000
/**
 * Before that, the rate fades once nothing came for this long and for
 * three times the gap its own bytes usually leave (a chunk's worth at the
 * rate shown): a receiver stopped (SIGSTOP) showed "28.7 MiB/s ETA 12s",
 * unchanged, for the 10 s before "stalled" (user-test finding). Over a slow
 * link the gap between chunks is seconds, and nothing fades between them.
 */
const FADE_AFTER_MS = 2000

export class Progress {
  readonly total: number
  wire: number
  private doneNow = 0
  /** Of total, what will not come: files a receive goes without (refused by its receive folder, given up by the sender). */
  without = 0
  private rateBps = 0
  private windowStart = Date.now()
  private windowBytes = 0
  /** No bytes yet since the start or the last reset. */
  private before = true
  /**
   * The first bytes since the start or the last reset, when they came after
   * it: when, and how many. The time until then was a wait (the offer
   * answered while the receiver plans, the hash workers starting), so the
   * first window, once it holds more than those bytes, is measured from them
   * on, the wait and the bytes they brought (which came over a time that
   * began before them) left out: averaged in, a send of 3 s showed 742 KiB/s,
   * ETA 4m 36s, at its start, and a hash of 3 s 2.1 MiB/s, ETA 7m 58s
   * (user-test finding). Until more bytes come there is no estimate. A first
   * window that closes (after a second) with them alone is measured from its
   * start, as before: on a slow link they are a chunk that took that long to
   * come (a wait of over a second, as hash workers starting on a busy
   * machine, is then in that first figure: the second window replaces it,
   * `provisional`).
   */
  private first?: { at: number, bytes: number }
  /**
   * The rate is from a first window that closed with its first bytes alone,
   * after a wait (`first`): those bytes over a time that began before them,
   * the wait held. The next window replaces it, not averaged with it: a
   * receive at 20 MiB/s whose first 256 KiB chunk came 1.02 s after its plan
   * showed 250 KiB/s, then 8.1, 12.9, 15.9 MiB/s (user-test finding). On a
   * slow link, where that wait was the link's, the next window says the same.
   */
  private provisional = false
  /** When bytes last moved (add), or the start or the last reset: the rate is 0 once this is QUIET_MS ago. */
  private bytesAt = Date.now()
  /** How many bytes the last add() brought: the step the rate's bytes come in (FADE_AFTER_MS). */
  private lastAdd = 0
  /**
   * When anything last moved: bytes (add), or the count set (a sender's
   * from its receiver's word while that one copies what it had, a plan
   * finding what is held), or the start, or when it began or went on
   * (began(); a reset with nothing new is no move).
   */
  private movedAt = Date.now()
  /** Getting ready to move (a receiver's plan: part files made, what it holds looked up): no stall while it lasts. */
  private preparingNow = false

  constructor (total: number, done = 0, wire = 0) {
    this.total = total
    this.done = done
    this.wire = wire
  }

  get done (): number { return this.doneNow }
  /** Set (not added: no bytes moved for the rate), it still counts as moving: nothing done for QUIET_MS is stalled (stalledSeconds). */
  set done (n: number) {
    if (n !== this.doneNow) this.moved(Date.now())
    this.doneNow = n
  }

  /**
   * Told how long a stall lasted (nothing moved for QUIET_MS or more) as something moves again: its transfer counts it
   * as a wait, time it could not go on, not its own (wait-clock.ts; user-test finding: a link down 16 s said "waited
   * 0.7 s", the stall in its time and rate). One that ends as its transfer stops moving is its owner's to count
   * (stallMs).
   */
  onStallEnd?: (ms: number) => void

  /** The stall under way: ms since anything moved, once that is over QUIET_MS (not while it gets ready); else 0. */
  get stallMs (): number {
    return this.stallAt(Date.now())
  }

  /** stallMs as of `now`: the one reckoning of a stall, for stalledSeconds and onStallEnd too. */
  private stallAt (now: number): number {
    if (this.preparingNow) return 0
    const quiet = now - this.movedAt
    return quiet > QUIET_MS ? quiet : 0
  }

  /** Something moved at `now`: a stall it ends is told (onStallEnd). */
  private moved (now: number): void {
    const stall = this.stallAt(now)
    if (stall > 0) this.onStallEnd?.(stall)
    this.movedAt = now
  }

  /**
   * The count set to `done` (a receiver's plan, an offer's answer) and the rate measured afresh. Not a move in
   * itself: a receive whose run is made again with nothing new (its chunk stream to a sender that does not answer
   * timed out) planned again, and its stall was counted from each plan, never reaching 10 s (found with a sender
   * stopped before its first byte). A new count moves it (the setter); a state that moves again says so (began).
   */
  reset (done: number): void {
    this.done = done
    this.windowStart = this.bytesAt = Date.now()
    this.windowBytes = 0
    this.before = true
    this.first = undefined
  }

  /**
   * It moves from now on (hashing or fetching: it began, or went on after a
   * wait): what it did before is no stall, and no bytes from now on for
   * QUIET_MS is (stalledSeconds).
   */
  began (): void {
    // a stall it ends is told (a sender's receiver heard from again after a link was down, the connection kept:
    // user-test finding, that stall counted as its own time); a wait before it moved again is its owner's, no stall
    // (WaitClock.stalled counts one within the time it moves)
    this.moved(Date.now())
    this.preparingNow = false
  }

  /**
   * It gets ready to move, for as long as that takes, until began(): a
   * receiver planning (a receive of 50,000 files makes as many part files,
   * over 10 s on a slow disk) is busy, not stalled (notes' leftover: shown
   * "stalled" while it planned).
   */
  prepare (): void {
    this.preparingNow = true
  }

  get preparing (): boolean { return this.preparingNow }

  /**
   * Bytes are asked for now (a sender's receiver asked for chunks). With
   * none moved since the start or the last reset, the time until now was a
   * wait, not the link's: the first window starts here. A send's progress is
   * reset when its offer is answered, and an offer that waited there for a
   * person to accept it (auto-accept off), or its receiver planning, held
   * seconds before the first request; its first bytes then closed the first
   * window over those seconds at once (`first` leaves out a wait of under
   * one only): a send paced at 8 MiB/s, accepted after 3 s, showed 0.05
   * MiB/s for its first second, ETA 13m, and 3.0, 4.9, 6.0 after it (notes'
   * leftover). A wait of over QUIET_MS was left out already.
   */
  asked (): void {
    if (this.before) this.windowStart = Date.now()
  }

  /** `n` bytes moved, `counted` of them new to `done` (a sender's served again after a cut are not: its rate counts them) */
  add (n: number, counted = n): void {
    const now = Date.now()
    // moved once, here: through the `done` setter it was reckoned twice for each chunk
    this.moved(now)
    this.doneNow += counted
    this.bytesAt = now
    this.lastAdd = n
    // the clock was set back: a new window from now, or the rate would stay as it was until the clock caught up
    if (now < this.windowStart) { this.windowStart = now; this.windowBytes = 0 }
    // bytes after a quiet spell (an offer waiting for a decision, a link
    // that was down) start afresh: the idle time is not averaged in
    if (this.windowBytes === 0 && now - this.windowStart > QUIET_MS) {
      this.windowStart = now
      this.rateBps = 0
      this.provisional = false
    }
    if (this.before) {
      this.before = false
      if (now > this.windowStart) this.first = { at: now, bytes: n }
    }
    this.windowBytes += n
    const dt = now - this.windowStart
    // a first window with bytes after its first (`first`) is a second from those first bytes
    const since = this.sinceFirst(now)
    if (since !== undefined ? since.ms >= WINDOW_MS : dt >= WINDOW_MS) {
      const inst = since !== undefined ? since.bytes * 1000 / since.ms : this.windowBytes * 1000 / dt
      const alone = since === undefined && this.first !== undefined
      this.first = undefined
      // exponential smoothing so the ETA does not jump around
      this.rateBps = this.rateBps === 0 || this.provisional ? inst : this.rateBps * 0.6 + inst * 0.4
      this.provisional = alone
      this.windowStart = now
      this.windowBytes = 0
    }
  }

  get rate (): number {
    const dt = Date.now() - this.windowStart
    // a stalled transfer's rate decays instead of freezing at its last value: from its last bytes, as stalledSeconds counts
    if (Date.now() - this.bytesAt > QUIET_MS) return 0
    // the first full window, between the reports that end one: what it holds so far (a slow link's chunks come seconds
    // apart); from its first bytes when they came after a wait (`first`) and more followed: over the wait they read as minutes to go
    if (this.rateBps === 0) {
      const since = this.sinceFirst(Date.now())
      if (since !== undefined) return since.ms >= WINDOW_MS ? since.bytes * 1000 / since.ms : 0
      if (dt >= WINDOW_MS) return this.windowBytes * 1000 / dt
    }
    return this.rateBps * this.fadeFactor(Date.now() - this.bytesAt)
  }

  /**
   * The rate shown fades now (nothing came for over a second, not yet
   * QUIET_MS; fadeFactor): it changes with no bytes moving, so whoever shows
   * it must be told again (service.ts publishQuiet). Until 2026-12-07 only a
   * stall was published again, and the views showed the rate as it stood for
   * the 10 s before "stalled" though it faded here (user-test finding).
   */
  get fading (): boolean {
    const quiet = Date.now() - this.bytesAt
    // also a first window's rate, its bytes over the time since it began (`rate`): it falls as that time grows
    return quiet > WINDOW_MS && quiet <= QUIET_MS && this.rate > 0
  }

  /** 1, or less once nothing came for longer than its bytes' usual gap allows (FADE_AFTER_MS): as if the next bytes came now. */
  private fadeFactor (quietMs: number): number {
    if (this.rateBps <= 0 || this.lastAdd <= 0) return 1
    const holdMs = Math.max(FADE_AFTER_MS, 3 * this.lastAdd * 1000 / this.rateBps)
    // by the square of it: as the rate the next bytes would give, coming now, it showed 5 MiB/s at 10 s of nothing
    // after 22.5 (user-test finding: a rate and an ETA of minutes for a transfer that had stopped)
    return quietMs <= holdMs ? 1 : (holdMs / quietMs) ** 2
  }

  /** What the first window holds after its first bytes (`first`), and over how long; undefined when nothing yet. */
  private sinceFirst (now: number): { bytes: number, ms: number } | undefined {
    const f = this.first
    if (f === undefined || this.windowBytes <= f.bytes || now <= f.at) return undefined
    return { bytes: this.windowBytes - f.bytes, ms: now - f.at }
  }

  /**
   * How long nothing has moved, in whole seconds, once that is over
   * QUIET_MS (the rate is then 0), counted from the last bytes or new
   * count, or from its start or began() when none came since;
   * else undefined. A rate of 0 without it is one not measured yet (its
   * first second), not a transfer that stopped: the views said "—" for
   * both (notes' leftover). Also when no byte came at all: a fetch whose
   * sender never answered its first requests (or a sender whose receiver
   * never asked) said "—" until the receiver's 30 s data limit made it a
   * wait (notes' leftover); 10 s of nothing is a stall whether bytes moved
   * before or not.
   */
  get stalledSeconds (): number | undefined {
    const stall = this.stallMs
    return stall > 0 ? Math.floor(stall / 1000) : undefined
  }

  /**
   * Seconds to go at the rate shown; none while that rate fades (nothing came for longer than its bytes' usual gap):
   * an ETA of a rate that stands for no bytes moving read as a real one, "592 KiB/s ETA 6m 49s" with the link down
   * (user-test finding). The faded rate still says that it slowed.
   */
  get eta (): number | null {
    const r = this.rate
    if (r > 0 && this.fadeFactor(Date.now() - this.bytesAt) < 1) return null
    return r > 0 ? Math.ceil(this.left / r) : null
  }

  /** What is still to come: never below 0 (bytes fetched again, after a part folder was removed or a resume, count past the total). */
  get left (): number {
    return Math.max(0, this.total - this.without - this.done)
  }
}
