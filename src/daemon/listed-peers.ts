// Which peers `peers` lists, and the watch that tells subscribers when one
// drops out of that list by time alone. An unpaired peer offline for over
// UNPAIRED_LISTED_MS is left out, and nothing happens at that moment that
// an event would say: an open TUI kept it listed while a new `ferry peers`
// left it out (helper finding). The daemon says `peer:removed` then, so that
// every client agrees with the list.

/**
 * How long an unpaired peer that went offline stays in `ferry peers` (and the
 * TUI's Peers): a device that was around today may be worth pairing when it is
 * back; one gone for longer is clutter (user-test finding: every identity ever
 * seen was listed for good). `ferry peers --all` lists the rest, which the
 * peer table forgets after UNPAIRED_KEPT_MS.
 */
export const UNPAIRED_LISTED_MS = 24 * 60 * 60 * 1000

/** What listing a peer depends on. */
export interface ListedPeer { peerId: string, paired: boolean, online: boolean, lastSeen: number }

/** The last moment `p` is listed: for good (Infinity) when paired or online, else until UNPAIRED_LISTED_MS after it was last seen. */
function listedUntil (p: ListedPeer): number {
  return p.paired || p.online ? Infinity : p.lastSeen + UNPAIRED_LISTED_MS
}

/** Whether `peers` lists `p` at `now`: paired, online, or unpaired and seen within UNPAIRED_LISTED_MS. */
export function isListed (p: ListedPeer, now: number): boolean {
  return now <= listedUntil(p)
}

/** setTimeout's longest delay (about 24.8 days); a later mark is reached by waking up and setting it again. */
const MAX_DELAY_MS = 2 ** 31 - 1

export interface UnlistedWatchInit {
  /** every peer the daemon knows, listed or not */
  peers: () => ListedPeer[]
  /** one dropped out of the list since the last check, by time alone */
  onUnlisted: (peerId: string) => void
}

/**
 * One timer, set for the next moment an unpaired peer drops out of the list.
 * `update()` after anything that changes when that is (a peer came, went,
 * was paired or unpaired): it says what dropped out since the last check and
 * sets the timer anew. A peer already out of the list at a check (unpaired
 * after a day offline: said by the unpairing itself) is not said again.
 */
export class UnlistedWatch {
  private readonly init: UnlistedWatchInit
  private timer?: NodeJS.Timeout
  private checkedAt = Date.now()

  constructor (init: UnlistedWatchInit) {
    this.init = init
  }

  update (): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const now = Date.now()
    const peers = this.init.peers()
    for (const p of peers) {
      if (isListed(p, this.checkedAt) && !isListed(p, now)) this.init.onUnlisted(p.peerId)
    }
    this.checkedAt = now
    const next = Math.min(...peers.map(listedUntil).filter((until) => until >= now))
    if (next === Infinity) return
    // the list leaves it out from the millisecond after its last listed one
    this.timer = setTimeout(() => { this.update() }, Math.min(MAX_DELAY_MS, next + 1 - now))
    this.timer.unref()
  }

  stop (): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }
}
