// When to dial an offline peer again.
//
// Why: the peer table dialled every paired peer that was offline every 2 s,
// for as long as it stayed away (user-test finding: a desktop set up anew
// under a new identity left the laptop dialling its old one every 2 s, for
// good, each dial a TCP connection and half a Noise handshake on the desktop;
// a device away for a week cost 300,000 dials). A peer that has just gone
// (a dropped link, a restart, a kill -9) is usually back within seconds, and a
// resumed transfer waits for it, so the first minute keeps the 2 s pace; after
// that the wait doubles up to a minute, as Syncthing's reconnect loop settles
// at 60 s. A peer coming back does not depend on this: it dials us itself when
// its daemon starts, and mDNS announces it (either resets the schedule).
//
// An address that answers with another identity (the device set up anew, or
// another device given its address) is not going to become the old peer in
// seconds: it goes straight to the longest wait.

export const REDIAL_FAST_MS = 2000
/** how long after its first failed dial a peer is still dialled every REDIAL_FAST_MS */
export const REDIAL_FAST_FOR_MS = 60_000
export const REDIAL_MAX_MS = 60_000

interface Backoff {
  /** when the first dial of this run of failures failed */
  since: number
  /** the wait after the last failure */
  wait: number
  /** not before this time */
  next: number
}

export class RedialSchedule {
  private readonly failing = new Map<string, Backoff>()

  /** Whether `key` (a peer ID, or a --peer address) may be dialled at `now`. */
  due (key: string, now: number): boolean {
    const b = this.failing.get(key)
    return b == null || now >= b.next
  }

  /** A dial of `key` failed at `now`; `answeredAsAnother`: its address answered with another identity. */
  failed (key: string, now: number, answeredAsAnother = false): void {
    const b = this.failing.get(key)
    const since = b?.since ?? now
    const wait = answeredAsAnother
      ? REDIAL_MAX_MS
      : now - since < REDIAL_FAST_FOR_MS ? REDIAL_FAST_MS : Math.min(REDIAL_MAX_MS, Math.max(REDIAL_FAST_MS, b?.wait ?? REDIAL_FAST_MS) * 2)
    this.failing.set(key, { since, wait, next: now + wait })
  }

  /** `key` is reachable (connected, or announced itself): dial it at the next chance when it goes. */
  reset (key: string): void {
    this.failing.delete(key)
  }

  /** the wait after the last failure of `key` (0: none failing); for tests and logs */
  waitOf (key: string): number {
    return this.failing.get(key)?.wait ?? 0
  }
}

/**
 * Whether a dial failed because the address answered with another identity:
 * Noise's UnexpectedPeerError, maybe inside the AggregateError of a dial to
 * several addresses, or as a cause.
 */
export function answeredAsAnother (err: unknown, depth = 0): boolean {
  const e = err as { name?: string, message?: string, errors?: unknown[], cause?: unknown } | undefined
  if (e == null || depth > 3) return false
  if (e.name === 'UnexpectedPeerError' || /does not match expected remote identity key/.test(e.message ?? '')) return true
  return (Array.isArray(e.errors) && e.errors.some((x) => answeredAsAnother(x, depth + 1))) || answeredAsAnother(e.cause, depth + 1)
}
