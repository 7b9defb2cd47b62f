// One holder at a time per key, in the order they asked; a waiter whose
// signal aborts leaves the line. The receiver takes its part folder's key
// for a run: two receives of the same content (the same folder sent twice,
// or again while the first waits for its peer) share that folder, its part
// files and spool, and must not write, place and remove them at once.

export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>()

  /** Resolves with `release` once every earlier holder of `key` has released; rejects with the signal's reason if it aborts first. */
  async acquire (key: string, signal?: AbortSignal): Promise<() => void> {
    const before = this.tails.get(key) ?? Promise.resolve()
    let open!: () => void
    const mine = new Promise<void>((resolve) => { open = resolve })
    const tail = before.then(async () => await mine)
    this.tails.set(key, tail)
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      open()
      if (this.tails.get(key) === tail) this.tails.delete(key)
    }
    try {
      await untilAborted(before, signal)
    } catch (err) {
      // whoever waits behind this one now waits only for those before it;
      // the key stays until those are done too (the last in line leaving
      // must not let the next one past a holder: review finding)
      released = true
      open()
      void tail.then(() => { if (this.tails.get(key) === tail) this.tails.delete(key) })
      throw err
    }
    return release
  }

  /** Whether `key` is held (or waited for): an acquire now would wait. */
  held (key: string): boolean { return this.tails.has(key) }

  /** Keys held or waited for (for tests and status). */
  get size (): number { return this.tails.size }
}

async function untilAborted (p: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (signal == null) { await p; return }
  signal.throwIfAborted()
  let onAbort!: () => void
  const aborted = new Promise<never>((_resolve, reject) => { onAbort = () => { reject(signal.reason) }; signal.addEventListener('abort', onAbort, { once: true }) })
  try {
    await Promise.race([p, aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}
