// Up to `max` holders at a time per key, in the order they asked; a waiter
// whose signal aborts leaves the line. The service takes a peer's key for
// each run of a receive from it (receiver.ts): each run holds streams,
// spool slots and chunk buffers (MAX_RUNNING_RECEIVES_PER_PEER).

export class KeyedSemaphore {
  private readonly max: number
  private readonly held = new Map<string, number>()
  private readonly waiting = new Map<string, Array<() => void>>()

  constructor (max: number) { this.max = max }

  /** How many may hold a key at once. */
  get limit (): number { return this.max }

  /** Whether an acquire of `key` now would wait its turn. */
  full (key: string): boolean {
    return (this.held.get(key) ?? 0) >= this.max || (this.waiting.get(key)?.length ?? 0) > 0
  }

  /** Resolves with `release` once fewer than `max` hold `key` and every earlier waiter got its turn; rejects with the signal's reason if it aborts first. */
  async acquire (key: string, signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted()
    if ((this.held.get(key) ?? 0) < this.max && (this.waiting.get(key)?.length ?? 0) === 0) {
      this.held.set(key, (this.held.get(key) ?? 0) + 1)
      return this.releaser(key)
    }
    await new Promise<void>((resolve, reject) => {
      const line = this.waiting.get(key) ?? []
      this.waiting.set(key, line)
      const onAbort = (): void => {
        const at = line.indexOf(turn)
        if (at >= 0) line.splice(at, 1)
        if (line.length === 0) this.waiting.delete(key)
        reject(signal!.reason)
      }
      // handed the place of a holder that released (its count moves to this one)
      const turn = (): void => { signal?.removeEventListener('abort', onAbort); resolve() }
      line.push(turn)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
    return this.releaser(key)
  }

  private releaser (key: string): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      const line = this.waiting.get(key)
      const next = line?.shift()
      if (line?.length === 0) this.waiting.delete(key)
      if (next !== undefined) { next(); return } // the place goes to the next in line
      const n = (this.held.get(key) ?? 1) - 1
      if (n > 0) this.held.set(key, n); else this.held.delete(key)
    }
  }
}
