// IdleTrim: one memory-reducing collection once the daemon has been idle a
// while after a transfer ended; never while one moves, never without work.

import { describe, expect, it } from 'vitest'
import { IdleTrim, type GcFunction } from '../../src/daemon/idle-trim.ts'

function setup (o: { gc?: boolean } = {}): { trim: IdleTrim, calls: unknown[], logs: Array<Record<string, unknown>>, clock: { t: number }, state: { busy: boolean } } {
  const calls: unknown[] = []
  const logs: Array<Record<string, unknown>> = []
  const clock = { t: 0 }
  const state = { busy: false }
  const gc: GcFunction = (options) => { calls.push(options); return undefined }
  const trim = new IdleTrim({ busy: () => state.busy, gc: o.gc === false ? undefined : gc, log: { debug: (_msg: string, fields?: Record<string, unknown>) => { logs.push(fields ?? {}) } }, idleMs: 1000, now: () => clock.t, rss: () => 150e6 })
  return { trim, calls, logs, clock, state }
}

describe('IdleTrim', () => {
  it('collects once, memory-reducing, after a transfer ended and idleMs of nothing moving; not again until another ends', async () => {
    const { trim, calls, logs, clock } = setup()
    trim.transferEnded()
    expect(trim.look()).toBe(false)
    clock.t = 999
    expect(trim.look()).toBe(false)
    clock.t = 1000
    expect(trim.look()).toBe(true)
    expect(calls).toEqual([{ type: 'major', execution: 'async', flavor: 'last-resort' }])
    await new Promise((resolve) => setImmediate(resolve))
    expect(logs).toEqual([{ rssBeforeMB: 150, rssAfterMB: 150 }])
    clock.t = 10_000
    expect(trim.look()).toBe(false)
    trim.transferEnded()
    expect(trim.look()).toBe(false)
    clock.t = 11_000
    expect(trim.look()).toBe(true)
    expect(calls).toHaveLength(2)
  })

  it('a transfer moving (hashing, fetching) puts it off and starts the idle time again', () => {
    const { trim, calls, clock, state } = setup()
    trim.transferEnded()
    trim.look()
    clock.t = 900
    state.busy = true
    expect(trim.look()).toBe(false)
    state.busy = false
    clock.t = 1500
    expect(trim.look()).toBe(false)
    clock.t = 2499
    expect(trim.look()).toBe(false)
    clock.t = 2500
    expect(trim.look()).toBe(true)
    expect(calls).toHaveLength(1)
  })

  it('never without a transfer ended (a daemon idle since its start), nor without gc (no --expose-gc)', () => {
    const idle = setup()
    idle.clock.t = 1e9
    expect(idle.trim.look()).toBe(false)
    const noGc = setup({ gc: false })
    noGc.trim.transferEnded()
    noGc.trim.look()
    noGc.clock.t = 1e9
    expect(noGc.trim.look()).toBe(false)
  })
})
