// The transfer's rate and ETA as the CLI and TUI show them: smoothed per
// second, none before a full second is measured, and decaying when stalled.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Progress } from '../../src/transfer/progress.ts'

describe('Progress', () => {
  beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }) })
  afterEach(() => { vi.useRealTimers() })

  it('has no rate nor ETA until it has measured a full second: bytes over a shorter window gave one frame of nonsense (notes\' leftover: "256 KiB/s, ETA 19m" as hashing began)', () => {
    const MiB = 1024 * 1024
    const p = new Progress(300 * MiB)
    expect(p.rate).toBe(0)
    vi.advanceTimersByTime(300)
    // hashing's first report: one small file, hashed while the workers start
    p.add(64 * 1024)
    expect(p.rate).toBe(0)
    expect(p.eta).toBeNull()
    vi.advanceTimersByTime(400)
    p.add(60 * MiB)
    expect(p.rate).toBe(0)
    expect(p.eta).toBeNull()
    vi.advanceTimersByTime(299)
    expect(p.rate).toBe(0)
    // a full second: what it holds over that second, between reports as at one
    vi.advanceTimersByTime(1)
    expect(p.rate).toBe(60 * MiB + 64 * 1024)
    expect(p.eta).toBe(4)
  })

  it('what a receive goes without (files refused or given up) is not waited for: left and the ETA leave it out (review finding)', () => {
    const p = new Progress(100_000_000)
    vi.advanceTimersByTime(1000)
    p.add(10_000_000)
    expect(p.eta).toBe(9)
    p.without = 80_000_000
    expect(p.left).toBe(10_000_000)
    expect(p.eta).toBe(1)
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
    // a new start: no rate until it has measured a full second
    expect(p.rate).toBe(0)
    vi.advanceTimersByTime(500)
    p.add(10_000_000)
    // 20 MB in the 1 s since bytes began, not in 16 s
    expect(p.rate).toBe(20_000_000)
  })
})
