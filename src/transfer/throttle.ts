// Per-key rate limiting of snapshot events: an urgent change (a state change)
// is published at once; progress at most every `intervalMs` per key, the last
// one always delivered by a trailing timer, so a fast transfer never floods
// the control API and a finished one never shows stale progress.

export class EmitThrottle {
  private readonly last = new Map<string, number>()
  private readonly pending = new Map<string, NodeJS.Timeout>()
  private readonly intervalMs: number
  private readonly publish: (key: string) => void
  /** stopped with its owner: a change reported later (a chunk landing while the daemon stops) publishes nothing, now or later */
  private stopped = false

  constructor (intervalMs: number, publish: (key: string) => void) {
    this.intervalMs = intervalMs
    this.publish = publish
  }

  changed (key: string, urgent: boolean): void {
    if (this.stopped) return
    const now = Date.now()
    const last = this.last.get(key) ?? 0
    // now < last: the clock was set back; published at once, or nothing would be until it caught up (review finding)
    if (!urgent && now >= last && now - last < this.intervalMs) {
      if (!this.pending.has(key)) {
        const t = setTimeout(() => { this.pending.delete(key); this.changed(key, true) }, this.intervalMs - (now - last))
        t.unref()
        this.pending.set(key, t)
      }
      return
    }
    const t = this.pending.get(key)
    if (t != null) { clearTimeout(t); this.pending.delete(key) }
    this.last.set(key, now)
    this.publish(key)
  }

  forget (key: string): void {
    this.last.delete(key)
  }

  stop (): void {
    this.stopped = true
    for (const t of this.pending.values()) clearTimeout(t)
    this.pending.clear()
  }
}
