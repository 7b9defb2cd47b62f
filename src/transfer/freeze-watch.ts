// When this daemon itself did not run: stopped (SIGSTOP, Ctrl-Z) or its
// machine asleep (a laptop's lid closed). Nothing moved then, and the
// transfers told it as their peer's silence: "waited 15.5 s while laptop was
// silent" from a receiver that was the one frozen, and its sender, frozen,
// "desktop went offline (nothing came from it for 20 s …)" (user-test
// findings). A timer ticks every second; a tick that comes seconds late
// marks a span this process did not run, and a stall that overlaps one is
// told as this daemon's (WaitClock.stalled, Sends.peerGone).

/** How often it ticks. */
const TICK_MS = 1000
/** A tick this much later than due: the process did not run meanwhile (a busy event loop is late by far less). */
const LATE_MS = 3000
/** Spans kept: the stalls asked about are the last minutes' */
const KEPT = 32

export class FreezeWatch {
  private last?: number
  private timer?: NodeJS.Timeout
  private readonly spans: Array<{ start: number, end: number }> = []

  start (now = Date.now()): void {
    this.last = now
    if (this.timer !== undefined) return
    this.timer = setInterval(() => { this.tick() }, TICK_MS)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.last = undefined
  }

  /** A tick at `now`: one late by LATE_MS or more marks the span since the tick due as one this process did not run. */
  tick (now = Date.now()): void {
    if (this.last !== undefined && now - this.last > TICK_MS + LATE_MS) this.record(this.last + TICK_MS, now)
    this.last = now
  }

  record (start: number, end: number): void {
    this.spans.push({ start, end })
    if (this.spans.length > KEPT) this.spans.shift()
  }

  /**
   * How many ms of `from` to `to` this process did not run: the spans marked, and the one it is waking from, whose
   * late tick has not come yet (after a stop the event loop reads the sockets that woke it before its timers).
   */
  within (from: number, to: number): number {
    let ms = 0
    const spans = this.last !== undefined && to - this.last > TICK_MS + LATE_MS ? [...this.spans, { start: this.last + TICK_MS, end: to }] : this.spans
    for (const s of spans) ms += Math.max(0, Math.min(s.end, to) - Math.max(s.start, from))
    return ms
  }
}

/** This process's: its transfer service starts and stops it. */
export const freezes = new FreezeWatch()
