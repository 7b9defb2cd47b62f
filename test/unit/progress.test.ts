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
    // a second from its start, but 0.7 s from its first bytes (after a wait: the next test)
    vi.advanceTimersByTime(1)
    expect(p.rate).toBe(0)
    // a full second from its first bytes: what came after them over that second, between reports as at one
    vi.advanceTimersByTime(300)
    expect(p.rate).toBe(60 * MiB)
    expect(p.eta).toBe(4)
  })

  it('the time before its first bytes (the receiver planning, hash workers starting) is not averaged in: no ETA of minutes for a send of seconds (user-test finding)', () => {
    const MiB = 1024 * 1024
    const p = new Progress(200 * MiB)
    // nothing for 300 ms after the answer, then 10 MiB/s
    vi.advanceTimersByTime(300)
    p.add(MiB / 4)
    // its first bytes alone, after a wait, tell no rate: 0.25 MiB over the 0.3 s before them read 0.8 MiB/s, ETA 4 minutes
    expect(p.rate).toBe(0)
    expect(p.eta).toBeNull()
    vi.advanceTimersByTime(300)
    p.add(3 * MiB)
    // under a second of bytes: no rate yet
    expect(p.rate).toBe(0)
    // its first full second: 10 MiB in the second after its first bytes, not 10.25 MiB over the 1.3 s since the start (7.9 MiB/s)
    vi.advanceTimersByTime(700)
    p.add(7 * MiB)
    expect(p.rate / MiB).toBeCloseTo(10, 1)
    expect(p.eta).toBe(19)
    // the same after a reset (an offer answered, a plan made): its first second after its first bytes, not 1.5 s
    p.reset(20 * MiB)
    vi.advanceTimersByTime(500)
    p.add(MiB / 4)
    vi.advanceTimersByTime(1000)
    p.add(10 * MiB)
    expect(p.rate / MiB).toBeCloseTo(10, 1)
    // nor does a first second close early: 1 s from its first bytes, not from its start
    const q = new Progress(200 * MiB)
    vi.advanceTimersByTime(300)
    q.add(MiB / 4)
    vi.advanceTimersByTime(10)
    q.add(MiB / 4)
    vi.advanceTimersByTime(700)
    q.add(7 * MiB)
    // 1,010 ms from its start, 710 from its first bytes
    expect(q.rate).toBe(0)
    vi.advanceTimersByTime(290)
    q.add(2.75 * MiB)
    expect(q.rate / MiB).toBeCloseTo(10, 1)
  })

  it('a first figure from its first bytes alone, after a wait of over a second, is replaced by the next second\'s, not averaged in: a receive at 20 MiB/s whose first 256 KiB chunk came 1.02 s after its plan showed 250 KiB/s, then 8.1, 12.9, 15.9 MiB/s (user-test finding)', () => {
    const MiB = 1024 * 1024
    const p = new Progress(96 * MiB)
    p.reset(0) // planned
    vi.advanceTimersByTime(1024)
    p.add(MiB / 4) // its first chunk: alone, a figure over the wait (250 KiB/s), as on a slow link
    expect(p.rate).toBe(256_000)
    // 20 MiB/s from then on: a 256 KiB chunk every 12.5 ms
    for (let i = 0; i < 80; i++) {
      if (i % 2 === 0) vi.advanceTimersByTime(12); else vi.advanceTimersByTime(13)
      p.add(MiB / 4)
    }
    // the second after its first bytes: the link's, not 0.6 × 250 KiB/s + 0.4 × 20 MiB/s (8.1 MiB/s)
    expect(p.rate / MiB).toBeGreaterThan(19)
    expect(p.rate / MiB).toBeLessThan(21)
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
    // that figure was its first bytes alone over the second before them: the next replaces it (provisional)
    vi.advanceTimersByTime(1000)
    p.add(20_000_000)
    expect(p.rate).toBe(20_000_000)
    vi.advanceTimersByTime(1000)
    p.add(10_000_000)
    expect(p.rate).toBe(16_000_000)
    vi.advanceTimersByTime(10_001)
    expect(p.rate).toBe(0)
    expect(p.eta).toBeNull()
  })

  it('a rate whose bytes stop fades before the stall: past 2 s and three of its usual gaps, by the square of that over the time since, with no ETA once it fades (user-test findings: "28.7 MiB/s ETA 12s" unchanged for 10 s after the receiver was stopped; "592 KiB/s ETA 6m 49s" with the link down)', () => {
    const p = new Progress(1_000_000_000)
    for (let i = 0; i < 30; i++) { vi.advanceTimersByTime(100); p.add(2_000_000) }
    expect(p.rate).toBe(20_000_000)
    const eta = p.eta!
    expect(p.fading).toBe(false)
    vi.advanceTimersByTime(1900)
    expect(p.rate).toBe(20_000_000)
    // its ETA stands while the rate does
    expect(p.eta).toBe(eta)
    // said to fade from a second of nothing on, so that its views are told each second (service.ts publishQuiet)
    expect(p.fading).toBe(true)
    vi.advanceTimersByTime(2100) // 4 s with nothing: a quarter (by the square of 2 s over 4 s)
    expect(p.rate).toBe(5_000_000)
    // a rate that stands for no bytes moving gives no ETA
    expect(p.eta).toBeNull()
    vi.advanceTimersByTime(4000) // 8 s: a sixteenth (user-test finding: at 1/t, 5 MiB/s at 10 s of a stop after 22.5)
    expect(p.rate).toBe(1_250_000)
    expect(p.fading).toBe(true)
    vi.advanceTimersByTime(2001)
    expect(p.rate).toBe(0)
    // stalled now, which is published for itself
    expect(p.fading).toBe(false)
    // and bytes again: the rate as it was, at once
    p.add(2_000_000)
    expect(p.rate).toBeGreaterThan(0)
  })

  it('tells how long a stall lasted as bytes or a new count end it, not a quiet spell shorter than 10 s, nor one while it gets ready', () => {
    const p = new Progress(1_000_000_000)
    const told: number[] = []
    p.onStallEnd = (ms) => { told.push(ms) }
    p.add(1000)
    vi.advanceTimersByTime(9000)
    p.add(1000)
    expect(told).toEqual([])
    vi.advanceTimersByTime(16_000)
    expect(p.stallMs).toBe(16_000)
    p.add(1000)
    expect(told).toEqual([16_000])
    vi.advanceTimersByTime(12_000)
    p.done = 5000
    expect(told).toEqual([16_000, 12_000])
    // and as it goes on after one (a sender hearing from its receiver after a link was down, the connection kept:
    // user-test finding, that stall counted as its own time)
    vi.advanceTimersByTime(15_000)
    p.began()
    expect(told).toEqual([16_000, 12_000, 15_000])
    p.prepare()
    vi.advanceTimersByTime(20_000)
    expect(p.stallMs).toBe(0)
    p.done = 6000
    expect(told).toHaveLength(3)
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

  it('tells a stall from a rate not measured yet: stalledSeconds once nothing moved for 10 s, never in its first second of bytes nor while its count moves (notes\' leftover: both read "—")', () => {
    const MiB = 1024 * 1024
    const p = new Progress(100 * MiB)
    // no bytes yet for 30 s: no rate, and stalled from its start (shown only in a state that moves: began(), below)
    vi.advanceTimersByTime(30_000)
    expect(p.rate).toBe(0)
    expect(p.stalledSeconds).toBe(30)
    p.add(MiB)
    vi.advanceTimersByTime(500)
    p.add(MiB)
    // its first second, not measured yet: no rate, not stalled
    expect(p.rate).toBe(0)
    expect(p.stalledSeconds).toBeUndefined()
    vi.advanceTimersByTime(500)
    p.add(MiB)
    expect(p.rate).toBeGreaterThan(0)
    // 10 s after its last bytes it is still moving, then it has stalled: a rate of 0, and for how long
    vi.advanceTimersByTime(10_000)
    expect(p.rate).toBeGreaterThan(0)
    expect(p.stalledSeconds).toBeUndefined()
    vi.advanceTimersByTime(1)
    expect(p.rate).toBe(0)
    expect(p.eta).toBeNull()
    expect(p.stalledSeconds).toBe(10)
    vi.advanceTimersByTime(2_500)
    expect(p.stalledSeconds).toBe(12)
    // bytes again: moving, no longer stalled
    p.add(MiB)
    expect(p.stalledSeconds).toBeUndefined()
    // its count set (a sender told by its receiver, which copies what it had): no bytes for the rate, but not stalled
    for (let i = 1; i <= 4; i++) {
      vi.advanceTimersByTime(5_000)
      p.done += MiB
    }
    expect(p.rate).toBe(0)
    expect(p.stalledSeconds).toBeUndefined()
    // the same count told again moves nothing
    vi.advanceTimersByTime(6_000)
    p.done = p.done + 0
    vi.advanceTimersByTime(5_500)
    expect(p.stalledSeconds).toBe(11)
  })

  it('while it prepares (a receiver planning a large receive) it is not stalled, however long that takes; a stall counts from when it began (notes\' leftover: "stalled" while it planned)', () => {
    const p = new Progress(1_000_000)
    p.began()
    p.prepare()
    expect(p.preparing).toBe(true)
    vi.advanceTimersByTime(25_000)
    expect(p.stalledSeconds).toBeUndefined()
    // planned: nothing for 10 s from here is a stall
    p.began()
    expect(p.preparing).toBe(false)
    vi.advanceTimersByTime(10_001)
    expect(p.stalledSeconds).toBe(10)
  })

  it('a transfer that gets no byte once it began, or went on, is stalled 10 s on too (notes\' leftover: "—" until a receive\'s 30 s data limit made it a wait); a reset with nothing new does not start the count again', () => {
    const MiB = 1024 * 1024
    const p = new Progress(100 * MiB)
    // waiting (an offer held for a decision, a peer away): the state shows no stall then, whatever this says
    vi.advanceTimersByTime(40_000)
    // it goes on (fetching): from here, 10 s without a byte is a stall, though none ever came
    p.began()
    vi.advanceTimersByTime(10_000)
    expect(p.stalledSeconds).toBeUndefined()
    vi.advanceTimersByTime(1)
    expect(p.stalledSeconds).toBe(10)
    expect(p.rate).toBe(0)
    // a receive's run made again (its chunk stream timed out), its plan finding what it held: no news, the count goes on
    p.reset(0)
    vi.advanceTimersByTime(2_000)
    expect(p.stalledSeconds).toBe(12)
    // a plan that finds more held moved it
    p.reset(5 * MiB)
    expect(p.stalledSeconds).toBeUndefined()
    // the first bytes end it, and their first second is no rate yet
    vi.advanceTimersByTime(10_500)
    expect(p.stalledSeconds).toBe(10)
    p.add(MiB)
    expect(p.stalledSeconds).toBeUndefined()
    expect(p.rate).toBe(0)
  })

  it('a wait before the first request since a reset (an offer a person there accepted after 3 s) is not the first window\'s: its first bytes closed it at once, over the wait (notes\' leftover: 0.05 MiB/s, then 3.0, for a send at 8 MiB/s)', () => {
    const MiB = 1024 * 1024
    const p = new Progress(40 * MiB)
    p.reset(0) // the offer answered: pending
    vi.advanceTimersByTime(3000)
    p.asked() // accepted there, planned: its first request, its first slice served at once
    p.add(MiB)
    for (let i = 0; i < 8; i++) {
      vi.advanceTimersByTime(125)
      p.add(MiB)
    }
    // 8 MiB/s over the second since the request (and its first slice), not 1 MiB over the 3 s since the answer
    expect(p.rate / MiB).toBeGreaterThan(7)
    expect(p.rate / MiB).toBeLessThan(10)
    // asked again once bytes moved: the window runs on as it was
    vi.advanceTimersByTime(500)
    p.add(4 * MiB)
    p.asked()
    vi.advanceTimersByTime(500)
    p.add(4 * MiB)
    expect(p.rate / MiB).toBeGreaterThan(7)
    expect(p.rate / MiB).toBeLessThan(10)
  })
})
