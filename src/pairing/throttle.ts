// Bounded guessing: a peer whose pairing attempts keep failing is refused for
// a while with E_PAIRING_THROTTLED.
//
// Only a guess counts: an exchange that claimed the code shown and failed. A
// PairOpen for a number not shown here is no guess at any code (a code typed
// without --peer asks every peer online for its number), and counting it let
// an honest device that paired with others be refused here (helper finding).
// Numbers are public and scanning them only finds a code to claim, and every
// claim is counted; codes are single-use, so that bounds the guesses.

import { FerryError } from '../errors.ts'

const WINDOW_MS = 10 * 60_000
const MAX_FAILURES = 3

export class Throttle {
  private readonly failures = new Map<string, number[]>()
  private readonly now: () => number

  constructor (now: () => number = Date.now) { this.now = now }

  private rec (peer: string): number[] {
    const cutoff = this.now() - WINDOW_MS
    const r = (this.failures.get(peer) ?? []).filter((t) => t > cutoff)
    // kept only while it holds failures: every peer that ever knocked would stay otherwise
    if (r.length === 0) this.failures.delete(peer); else this.failures.set(peer, r)
    return r
  }

  check (peer: string): void {
    const r = this.rec(peer)
    if (r.length >= MAX_FAILURES) {
      // how long until the oldest of those leaves the window: "wait 10 minutes" was said whenever it was asked (helper
      // finding); and that a code typed and given up counts, its guess spent (helper finding: three Ctrl-Cs locked an honest device out)
      const minutes = Math.max(1, Math.ceil((r[r.length - MAX_FAILURES] + WINDOW_MS - this.now()) / 60_000))
      throw new FerryError('E_PAIRING_THROTTLED', `too many failed pairing attempts from your device (${MAX_FAILURES} in ${WINDOW_MS / 60_000} minutes, a code entered and given up before the end counting as one); try again in ${minutes} minute${minutes === 1 ? '' : 's'}`)
    }
  }

  failure (peer: string): void { this.failures.set(peer, [...this.rec(peer), this.now()]) }
  success (peer: string): void { this.failures.delete(peer) }
}
