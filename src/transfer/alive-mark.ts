// When this daemon last ran with transfers under way, kept in the store
// (meta `alive_at`): marked every ALIVE_EVERY_MS while any is, and as one
// starts to be. A daemon killed (kill -9, a power cut) leaves its transfers
// recorded as under way, and its restart did not know for how long it was
// down: that time counted as their own time, and their rate with it (review
// leftover). Read once at start, before anything marks: the transfers it cut
// short waited for it from its last mark on (downtimeOf). A clean stop
// records their waits itself (Sends.stop, Receiver.pause), from the stop.

/** How often a daemon with transfers under way marks that it runs: the downtime a crash leaves is known to this much. */
export const ALIVE_EVERY_MS = 2000

export interface AliveStore {
  aliveAt: () => number | undefined
  markAlive: (at: number) => void
}

/** How much earlier than ALIVE_EVERY_MS a mark may come. */
const MARK_SLACK_MS = 250

/** The states of a transfer under way on this daemon: a row recorded so was cut short by a crash. */
const UNDER_WAY: ReadonlySet<string> = new Set(['hashing', 'accepted', 'fetching', 'verifying'])

export function isUnderWay (state: string): boolean {
  return UNDER_WAY.has(state)
}

export class AliveMark {
  /** the last mark of the run before this one (undefined: none, or the store could not say) */
  readonly downSince?: number
  private markedAt = -Infinity
  private warned = false
  private readonly store: AliveStore
  private readonly log: { warn: (m: string, d?: Record<string, unknown>) => void }

  constructor (store: AliveStore, log: { warn: (m: string, d?: Record<string, unknown>) => void }) {
    this.store = store
    this.log = log
    try {
      this.downSince = store.aliveAt()
    } catch (err) {
      log.warn('cannot read when the daemon last ran; transfers cut short count its downtime as their own', { err: (err as Error).message })
    }
  }

  /** Transfers are under way now (`underWay` asked only when a mark is due): marked, at most every ALIVE_EVERY_MS. */
  underWay (underWay: () => boolean, now = Date.now()): void {
    // with some slack: the look that calls this comes every ALIVE_EVERY_MS, a little early at times, and a mark
    // skipped then came 4 s after the last (review finding)
    if (now - this.markedAt < ALIVE_EVERY_MS - MARK_SLACK_MS || !underWay()) return
    this.markedAt = now
    try {
      this.store.markAlive(now)
    } catch (err) {
      // a full disk: the mark is the least of it; said once
      if (!this.warned) this.log.warn('cannot mark that the daemon runs; a crash now would count its downtime as the transfers\' own time', { err: (err as Error).message })
      this.warned = true
    }
  }
}

/**
 * The time a transfer recorded as under way when its daemon died waited for it: from the daemon's last mark
 * (`downSince`), or the transfer's start if later, to `now`; never more than the time it has not counted as
 * waits already (a mark older than its last wait, where it began to move within ALIVE_EVERY_MS of the crash,
 * would count that wait twice). 0 for a row a clean stop recorded: its wait from the stop on is in it (waitingSince;
 * a send's state stays as it was, `fetching`: review finding, its downtime counted twice).
 */
export function downtimeOf (row: { state: string, createdAt: number, waitedMs?: number, acceptWaitMs?: number, waitingSince?: number | null }, downSince: number | undefined, now = Date.now()): number {
  if (downSince === undefined || !isUnderWay(row.state) || row.waitingSince != null) return 0
  const since = Math.max(downSince, row.createdAt)
  const unwaited = now - row.createdAt - (row.waitedMs ?? 0) - (row.acceptWaitMs ?? 0)
  return Math.max(0, Math.min(now - since, unwaited))
}
