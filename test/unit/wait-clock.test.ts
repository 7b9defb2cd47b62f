// WaitClock: the time a transfer spent waiting, apart from its own.

import { describe, expect, it } from 'vitest'
import { WaitClock } from '../../src/transfer/wait-clock.ts'

describe('WaitClock', () => {
  it('adds up the spells in `waiting`, the one under way to now, and keeps it across a record and a reload (a clean stop and a restart: the downtime counts)', () => {
    const w = new WaitClock()
    w.at('fetching', 1000)
    w.at('waiting', 2000)
    w.at('waiting', 2500) // still the same spell
    w.at('fetching', 5000)
    expect(w.totalMs(9000)).toBe(3000)
    w.at('waiting', 10_000)
    expect(w.totalMs(11_000)).toBe(4000)
    expect(w.record()).toEqual({ waitedMs: 3000, waitingSince: 10_000 })
    // stopped cleanly at 10,000, back at 60,000: its record read again, the downtime is part of the spell
    const again = new WaitClock(3000, 10_000)
    again.at('waiting', 60_000)
    again.at('fetching', 61_000)
    expect(again.totalMs(70_000)).toBe(54_000)
    expect(again.record()).toEqual({ waitedMs: 54_000, waitingSince: null })
  })
})
