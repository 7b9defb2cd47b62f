// The transfer's rate and ETA as the CLI and TUI show them: smoothed per
// second, estimated within the first second, and decaying when stalled.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Progress } from '../../src/transfer/progress.ts'

describe('Progress', () => {
  beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }) })
  afterEach(() => { vi.useRealTimers() })

  it('has a rate and an ETA before its first full second', () => {
    const p = new Progress(100_000_000)
    expect(p.rate).toBe(0)
    vi.advanceTimersByTime(100)
    p.add(1_000_000)
    // too early to say anything sensible
    expect(p.rate).toBe(0)
    expect(p.eta).toBeNull()
    vi.advanceTimersByTime(400)
    p.add(4_000_000)
    // 5 MB in 0.5 s
    expect(p.rate).toBe(10_000_000)
    expect(p.eta).toBe(10)
  })

  it('what a receive goes without (files refused or given up) is not waited for: left and the ETA leave it out (review finding)', () => {
    const p = new Progress(100_000_000)
    vi.advanceTimersByTime(500)
    p.add(5_000_000)
    expect(p.eta).toBe(10)
    p.without = 80_000_000
    expect(p.left).toBe(15_000_000)
    expect(p.eta).toBe(2)
    p.done = 30_000_000
    expect(p.left).toBe(0)
  })

  it('smooths from one second to the next and decays to 0 when stalled', () => {
    const p = new Progress(100_000_000)
    vi.advanceTimersByTime(1000)
    p.add(10_000_000)
    expect(p.rate).toBe(10_000_000)
    vi.advanceTimersByTime(1000)
    p.add(20_000_000)
    expect(p.rate).toBe(14_000_000)
    vi.advanceTimersByTime(10_001)
    expect(p.rate).toBe(0)
    expect(p.eta).toBeNull()
  })

  it('a slow link, a 2 MiB chunk every 4 s, shows a steady rate near 0.5 MiB/s, and an ETA that is never negative (review finding)', () => {
    const MiB = 1024 * 1024
    const p = new Progress(100 * MiB)
    const rates: number[] = []
    for (let i = 0; i < 8; i++) {
      vi.advanceTimersByTime(2000)
      rates.push(p.rate) // between chunks
      vi.advanceTimersByTime(2000)
      p.add(2 * MiB)
      rates.push(p.rate)
    }
    for (const r of rates.slice(2)) expect(r / MiB).toBeCloseTo(0.5, 1)
    p.add(200 * MiB) // counted again past the total
    expect(p.eta).toBe(0)
  })

  it('bytes after a quiet spell (an offer waiting 15 s for a decision) are not averaged over it', () => {
    const p = new Progress(100_000_000)
    vi.advanceTimersByTime(15_000)
    p.add(1_000_000)
    vi.advanceTimersByTime(500)
    p.add(9_000_000)
    // 10 MB in the 0.5 s since bytes began, not in 15.5 s
    expect(p.rate).toBe(20_000_000)
  })
})
