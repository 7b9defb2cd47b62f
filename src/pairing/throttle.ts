// Bounded guessing: a peer whose pairing attempts keep failing (or that probes
// many nameplates) is refused for a while with E_PAIRING_THROTTLED.

import { FerryError } from '../errors.ts'

const WINDOW_MS = 10 * 60_000
const MAX_FAILURES = 3
const MAX_PROBES = 20

interface Record { failures: number[], probes: number[] }

export class Throttle {
  private readonly byPeer = new Map<string, Record>()
  private readonly now: () => number

  constructor (now: () => number = Date.now) { this.now = now }

  private rec (peer: string): Record {
    let r = this.byPeer.get(peer)
    if (r == null) { r = { failures: [], probes: [] }; this.byPeer.set(peer, r) }
    const cutoff = this.now() - WINDOW_MS
    r.failures = r.failures.filter((t) => t > cutoff)
    r.probes = r.probes.filter((t) => t > cutoff)
    return r
  }

  check (peer: string): void {
    const r = this.rec(peer)
    if (r.failures.length >= MAX_FAILURES || r.probes.length >= MAX_PROBES) {
      throw new FerryError('E_PAIRING_THROTTLED', 'too many failed pairing attempts from your device; wait 10 minutes')
    }
  }

  failure (peer: string): void { this.rec(peer).failures.push(this.now()) }
  probe (peer: string): void { this.rec(peer).probes.push(this.now()) }
  success (peer: string): void { this.byPeer.delete(peer) }
}
