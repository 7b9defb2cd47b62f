// Test-only: FERRY_TEST_SERVE_BYTES_PER_S caps how fast this daemon serves
// chunk bytes, all its chunk streams together. A test that must act on a
// send while it runs (cancel it, unpair, signal `ferry send`) then needs only
// a file that lasts a few seconds at that rate, on any machine: without a
// cap it took a 1 GiB file to outlast a CLI start on a fast one, and that
// only while the machine was fast. Unset, as everywhere but in tests: no
// cap, and nothing added on the serving path (serveChunks gets no pace).

/** Waits before `bytes` more are served, so the bytes served stay within the rate. */
export type ServePace = (bytes: number) => Promise<void>

export function servePaceFromEnv (env: NodeJS.ProcessEnv = process.env): ServePace | undefined {
  const rate = Number(env.FERRY_TEST_SERVE_BYTES_PER_S)
  if (!Number.isFinite(rate) || rate <= 0) return undefined
  /** when (performance.now()) the bytes let through so far are due at the rate */
  let due = 0
  return async (bytes) => {
    const now = performance.now()
    // an idle spell earns no burst: the budget starts again from now
    const start = Math.max(due, now)
    due = start + bytes / rate * 1000
    if (start > now) await new Promise((resolve) => setTimeout(resolve, start - now))
  }
}
