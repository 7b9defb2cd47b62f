// How long a send waited for a person on the receiving device to accept it
// (its receiver holding the offer, auto-accept off), as `ferry send` saw it:
// said apart in its summary, its own time without it (notes' leftover: a
// send accepted after 30 s said it took 30 s and more).

import type { TransferInfo } from '../daemon/control/types.ts'

export class AcceptWait {
  private ms = 0
  private since?: number
  private held = false

  /** `t` as seen at `at` (Date.now()): offered and held there for a decision, or on (anything but offered) */
  update (t: TransferInfo, at = Date.now()): void {
    if (t.state === 'offered' && t.awaitingDecision === true) {
      this.since ??= at
      this.held = true
    } else if (this.since !== undefined && t.state !== 'offered') {
      // accepted (fetching, or waiting its turn there), declined, or gone away: the wait ended
      this.ms += Math.max(0, at - this.since)
      this.since = undefined
    }
  }

  /** The seconds it waited so, to `now` for a wait not ended; undefined when its receiver never held it for a person */
  seconds (now = Date.now()): number | undefined {
    if (!this.held) return undefined
    return (this.ms + (this.since !== undefined ? Math.max(0, now - this.since) : 0)) / 1000
  }
}
