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
    expect(w.record()).toEqual({ waitedMs: 3000, waitingSince: 10_000, waitedBy: { peer: 3000 }, waitingCause: 'peer' })
    // stopped cleanly at 10,000, back at 60,000: its record read again, the downtime is part of the spell
    const again = new WaitClock(3000, 10_000)
    again.at('waiting', 60_000)
    again.at('fetching', 61_000)
    expect(again.totalMs(70_000)).toBe(54_000)
    expect(again.record()).toEqual({ waitedMs: 54_000, waitingSince: null, waitedBy: { peer: 51_000 }, waitingCause: null })
  })

  it('takes out of its last spell a span counted elsewhere (a hold for a person, as the receiver counted it), and no more (review finding: both waits of the same seconds, the send\'s own time 0)', () => {
    const w = new WaitClock(1000)
    w.at('waiting', 10_000)
    w.at('offered', 20_000)
    // held since 15,000 as its receiver says: 5 s of the spell were the hold
    w.discount(15_000, 20_000)
    expect(w.totalMs(30_000)).toBe(1000 + 5000)
    // a spell under way: what it had of the span comes off, it goes on from now
    const open = new WaitClock()
    open.at('waiting', 0)
    open.discount(4000, 10_000)
    expect(open.totalMs(12_000)).toBe(4000 + 2000)
    // a span after the spell takes nothing
    const before = new WaitClock()
    before.at('waiting', 0)
    before.at('fetching', 1000)
    before.discount(5000, 6000)
    expect(before.totalMs(7000)).toBe(1000)
  })

  it('counts a stall (10 s or more with nothing moving) as a wait, as bytes end it or as it stops moving, within the time it has been moving (user-test finding: a link down 16 s said "waited 0.7 s")', () => {
    const c = new WaitClock()
    c.at('fetching', 1000)
    c.stalled(16_000, 30_000)
    expect(c.totalMs(30_000)).toBe(16_000)
    // a stall told longer than it has been moving (a count moved after a wait, before its state did) is cut to that
    c.at('waiting', 31_000)
    c.at('fetching', 40_000)
    c.stalled(30_000, 52_000)
    expect(c.totalMs(52_000)).toBe(16_000 + 9000 + 12_000)
    // cut to under 10 s so, it was no stall: nothing
    c.at('waiting', 53_000)
    c.at('fetching', 60_000)
    c.stalled(30_000, 65_000)
    expect(c.totalMs(65_000)).toBe(37_000 + 7000)
    // one under way as it stops moving (to waiting: the wait goes on from there)
    c.at('waiting', 75_000, 12_000)
    expect(c.totalMs(75_000)).toBe(44_000 + 12_000)
    // none while it does not move
    const idle = new WaitClock()
    idle.at('offered', 0)
    idle.stalled(20_000, 20_000)
    expect(idle.totalMs(20_000)).toBe(0)
  })

  it('tells each wait by its cause, as its owner\'s error says it, in either order, cut where the cause changes (user-test finding: a summary listed every cause there could be)', () => {
    const w = new WaitClock()
    w.at('fetching', 0)
    // state first, then its error, in the same moment: the spell is the turn's
    w.at('waiting', 1000)
    w.because('turn', 1000)
    // its turn came, now its peer is away: cut there
    w.because('peer', 4000)
    w.at('fetching', 10_000)
    // the error first, then the state: the spell to come is room's
    w.because('room', 12_000)
    w.at('waiting', 12_000)
    expect(w.byCause(15_000)).toEqual({ turn: 3000, peer: 6000, room: 3000 })
    w.at('fetching', 20_000)
    w.stalled(12_000, 40_000)
    expect(w.byCause(40_000)).toEqual({ turn: 3000, peer: 6000, room: 8000, silent: 12_000 })
    expect(w.totalMs(40_000)).toBe(29_000)
    // a hold counted elsewhere comes off the cause of the spell it overlapped
    const held = new WaitClock()
    held.because('turn', 0)
    held.at('waiting', 0)
    held.at('offered', 10_000)
    held.discount(6000, 10_000)
    expect(held.byCause(10_000)).toEqual({ turn: 6000 })
  })

  it('a clean stop\'s spell is this daemon\'s downtime up to the restart, then what it waits for; a crash\'s downtime is too; a record from before causes has no breakdown', () => {
    const w = new WaitClock()
    w.at('waiting', 0) // its peer away
    w.at('waiting', 5000)
    w.because('down', 5000) // stopped cleanly at 5 s
    const rec = w.record()
    expect(rec).toEqual({ waitedMs: 5000, waitingSince: 5000, waitedBy: { peer: 5000 }, waitingCause: 'down' })
    // back at 25 s, waiting for its turn there
    const back = WaitClock.restored(rec, 0, 'turn', 25_000)
    back.at('fetching', 27_000)
    expect(back.byCause(30_000)).toEqual({ peer: 5000, down: 20_000, turn: 2000 })
    expect(back.totalMs(30_000)).toBe(27_000)
    // a crash mid-fetch: its downtime from the last mark, told apart
    const crashed = WaitClock.restored({ waitedMs: 1000, waitedBy: { silent: 1000 }, waitingSince: null }, 8000, 'peer', 50_000)
    expect(crashed.byCause(50_000)).toEqual({ silent: 1000, down: 8000 })
    // waits recorded with no cause: the total stands, no breakdown that would pass for the whole
    const old = WaitClock.restored({ waitedMs: 4000, waitingSince: null }, 0, undefined, 0)
    old.at('waiting', 0)
    expect(old.totalMs(1000)).toBe(5000)
    expect(old.byCause(1000)).toBeUndefined()
  })

  it('a wait that follows a stall at once is counted up, for the views, from the start of the stall (user-test finding: "waiting for peer 2s" after a link down for 20 s)', () => {
    const w = new WaitClock()
    w.at('fetching', 0)
    // nothing moved from 5 s on; at 23 s the connection is given up
    w.at('waiting', 23_000, 18_000)
    expect(w.waitingSince).toBe(5000)
    // counted once: the stall as the peer's silence, the wait from 23 s on as its absence
    expect(w.totalMs(30_000)).toBe(25_000)
    expect(w.byCause(30_000)).toEqual({ silent: 18_000, peer: 7000 })
    // the next spell, with no stall before it, from its own start
    w.at('fetching', 30_000)
    w.at('waiting', 31_000)
    expect(w.waitingSince).toBe(31_000)
  })

  it('takes a hold counted elsewhere off every piece of a spell cut by cause, each from its own cause (review finding: only the last piece, the daemon\'s downtime counted both as a wait and as the hold)', () => {
    const w = new WaitClock()
    w.at('waiting', 0)
    w.because('down', 0) // stopped cleanly at once
    w.because('peer', 30_000) // back; its receiver not yet
    w.at('offered', 39_000)
    expect(w.byCause(39_000)).toEqual({ down: 30_000, peer: 9000 })
    // the receiver held the offer all along: none of it was a wait of its own
    w.discount(0, 39_000)
    expect(w.totalMs(39_000)).toBe(0)
    expect(w.byCause(39_000)).toEqual({})
    // taken once: the same span again takes nothing more
    w.discount(0, 39_000)
    expect(w.totalMs(39_000)).toBe(0)
  })

  it('a cause told within a moment of its piece\'s start is that piece\'s; a cut by cause keeps the spell\'s start for the views; a spell recorded with no cause counts with none (review findings)', () => {
    const w = new WaitClock()
    w.at('fetching', 0)
    w.at('waiting', 23_000, 18_000) // after a stall from 5 s on
    w.because('turn', 23_001) // its error set a millisecond after its state
    expect(w.byCause(30_000)).toEqual({ silent: 18_000, turn: 7000 })
    w.because('room', 30_000)
    expect(w.waitingSince).toBe(5000)
    // recorded open before causes were (a clean stop of a daemon before 2026-12-08): counted, and no breakdown
    const old = WaitClock.restored({ waitedMs: 0, waitingSince: 1000 }, 0, 'peer', 31_000)
    expect(old.totalMs(31_000)).toBe(30_000)
    expect(old.byCause(31_000)).toBeUndefined()
  })
})
