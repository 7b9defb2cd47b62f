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
// at 60 s. A peer coming back mostly does not wait for that: it dials its
// paired peers when its daemon starts, and mDNS announces it (either resets
// the schedule). Where neither can happen (mDNS off, and the returning side
// without an address of ours that works), the wait is what this schedule
// says; so a peer a transfer waits for keeps the 2 s pace, and a `--peer`
// address waits at most 10 s.
//
// An address that answers with another identity (the device set up anew, or
// another device given its address) is not going to become the old peer in
// seconds: it goes straight to the longest wait.

export const REDIAL_FAST_MS = 2000
/** how long after its first failed dial a peer is still dialled every REDIAL_FAST_MS */
export const REDIAL_FAST_FOR_MS = 60_000
export const REDIAL_MAX_MS = 60_000
/**
 * A `--peer` address waits at most this long: the person named it (mDNS may
 * be off or blocked where one is used), and it is one address, not every
 * device ever paired. So does a paired peer with an address given by
 * `ferry connect` (peer-table.ts), for the same reason.
 */
export const REDIAL_STATIC_MAX_MS = 10_000
/**
 * A dial started on one 2 s tick is due on the next one although the timer
 * may fire a few ms early or the dial have started a few ms late (review
 * finding: counted from when the dial failed, "every 2 s" was every 4 s).
 */
const TICK_SLACK_MS = 250

/** How a failed dial counts. */
export interface Failure {
  /** its address answered with another identity (not our own: see answeredAsAnother) */
  another?: boolean
  /** the longest wait for this key: REDIAL_FAST_MS for a peer a transfer waits for, REDIAL_STATIC_MAX_MS for a --peer address */
  maxWait?: number
}

interface Backoff {
  /** when the first dial of this run of failures started */
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
    return b == null || now >= b.next - TICK_SLACK_MS
  }

  /** A dial of `key` that started at `startedAt` failed; the next is counted from that start. */
  failed (key: string, startedAt: number, how: Failure = {}): void {
    const b = this.failing.get(key)
    const since = b?.since ?? startedAt
    const max = how.maxWait ?? REDIAL_MAX_MS
    const wait = how.another === true
      ? REDIAL_MAX_MS
      : startedAt - since < REDIAL_FAST_FOR_MS ? REDIAL_FAST_MS : Math.min(max, Math.max(REDIAL_FAST_MS, b?.wait ?? REDIAL_FAST_MS) * 2)
    this.failing.set(key, { since, wait, next: startedAt + wait })
  }

  /** `key` is reachable (connected, announced itself) or has just gone: dial it at the next chance. */
  reset (key: string): void {
    this.failing.delete(key)
  }

  /** the wait after the last failure of `key` (0: none failing); for tests and logs */
  waitOf (key: string): number {
    return this.failing.get(key)?.wait ?? 0
  }
}

/**
 * Whether a dial failed because an address answered with another identity:
 * Noise's "Payload identity key X does not match expected remote identity
 * key Y", maybe inside the AggregateError of a dial to several addresses, or
 * as a cause. An X that is `self` is our own daemon, reached at a loopback
 * address the peer announced (a daemon listening on 0.0.0.0 announces
 * 127.0.0.1 too): that says nothing of the peer (review finding: every
 * device away went straight to the longest wait).
 */
export function answeredAsAnother (err: unknown, self: string, depth = 0): boolean {
  const e = err as { message?: string, errors?: unknown[], cause?: unknown } | undefined
  if (e == null || depth > 3) return false
  const key = /identity key (\S+) does not match expected remote identity key/.exec(e.message ?? '')?.[1]
  if (key != null) return key !== self
  return (Array.isArray(e.errors) && e.errors.some((x) => answeredAsAnother(x, self, depth + 1))) || answeredAsAnother(e.cause, self, depth + 1)
}
