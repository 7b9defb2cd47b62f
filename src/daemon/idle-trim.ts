// After work, the daemon gives back the memory the work grew it into.
// V8 keeps the pages its heap grew into while a transfer ran (old space
// sized for the peak, and freed pages "pooled" for reuse) until a
// memory-reducing collection, which it did not run by itself: both daemons
// left idle 40 s after a send of 30,000 files still held 182 MB (sender) and
// 150 MB (receiver), against 81-85 MB before it (loopback,
// bench/loopback-memory.ts --idle). One such collection once the daemon
// has been idle IDLE_TRIM_MS after a transfer ended: 110 MB on both. Not
// during a transfer: repeated every 2 s through one, it cost 2.3-2.7 CPU-s
// more per side on a 20 s send (docs/PERFORMANCE.md, camera roll). Nor
// soon after one: the next 1 GiB send after it took 0.15-0.25 s longer
// (loopback, 3 pairs: 2.69-2.80 s against 2.53-2.58; V8 grows the heap
// again and compiles again what it dropped), so a minute of nothing to
// do first, past the pauses between one person's sends.
// Needs `gc`, which --expose-gc (DAEMON_V8_FLAGS) gives; without it (a
// daemon that could not re-execute with its flags) nothing is done.
// Owns: the idle timer and the decision to collect.

import type { Logger } from './logger.ts'

/** How long the daemon is idle (no transfer hashing or fetching) after a transfer ended before it collects. */
export const IDLE_TRIM_MS = 60_000
/** How often idleness is looked at. */
const LOOK_MS = 2000

/** V8's gc() as --expose-gc gives it (options: V8's gc extension). */
export type GcFunction = (options: { type: 'major', execution: 'async', flavor: 'last-resort' }) => Promise<void> | undefined

export interface IdleTrimInit {
  /** Whether a transfer is hashing or fetching now. */
  busy: () => boolean
  gc?: GcFunction
  log: Pick<Logger, 'debug'>
  /** IDLE_TRIM_MS unless a test says otherwise */
  idleMs?: number
  now?: () => number
  rss?: () => number
}

export class IdleTrim {
  private readonly init: IdleTrimInit
  private readonly idleMs: number
  /** a transfer ended since the last collection */
  private workDone = false
  private idleSince: number | undefined
  private timer?: NodeJS.Timeout
  private collecting = false

  constructor (init: IdleTrimInit) {
    this.init = init
    this.idleMs = init.idleMs ?? IDLE_TRIM_MS
  }

  start (): void {
    if (this.init.gc == null || this.timer != null) return
    this.timer = setInterval(() => { this.look() }, Math.min(LOOK_MS, this.idleMs))
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** A transfer ended (done, failed, cancelled, declined): its memory may be given back once the daemon is idle. */
  transferEnded (): void {
    this.workDone = true
  }

  /** Collect if a transfer ended and the daemon has been idle idleMs since; returns whether it did. */
  look (): boolean {
    const { gc } = this.init
    if (gc == null || !this.workDone || this.collecting) return false
    const now = (this.init.now ?? Date.now)()
    if (this.init.busy()) { this.idleSince = undefined; return false }
    this.idleSince ??= now
    if (now - this.idleSince < this.idleMs) return false
    this.workDone = false
    this.idleSince = undefined
    this.collecting = true
    const rss = this.init.rss ?? (() => process.memoryUsage.rss())
    const before = rss()
    const done = (): void => {
      this.collecting = false
      this.init.log.debug('memory given back after work', { rssBeforeMB: mb(before), rssAfterMB: mb(rss()) })
    }
    try {
      void Promise.resolve(gc({ type: 'major', execution: 'async', flavor: 'last-resort' })).then(done, done)
    } catch {
      done()
    }
    return true
  }
}

function mb (bytes: number): number {
  return Math.round(bytes / 1e5) / 10
}

/** The `gc` function --expose-gc puts on globalThis, if it is there. */
export function exposedGc (): GcFunction | undefined {
  const gc = (globalThis as { gc?: unknown }).gc
  return typeof gc === 'function' ? gc as GcFunction : undefined
}
