// Spans this daemon did not run (freeze-watch.ts), and the stalls they are told as (WaitClock.stalled): its own
// downtime, not its peer's silence (user-test finding: a receiver frozen 15 s said "while laptop was silent").
import { afterEach, describe, expect, it } from 'vitest'
import { FreezeWatch, freezes } from '../../src/transfer/freeze-watch.ts'
import { WaitClock } from '../../src/transfer/wait-clock.ts'

afterEach(() => { freezes.stop() })

describe('FreezeWatch', () => {
  it('marks a tick that comes seconds late as a span the process did not run; a tick a moment late is none', () => {
    const w = new FreezeWatch()
    w.tick(1000)
    w.tick(2100) // a busy loop's late tick
    expect(w.within(0, 3000)).toBe(0)
    w.tick(22_100) // stopped 19 s
    expect(w.within(0, 22_100)).toBe(19_000)
    expect(w.within(10_000, 15_000)).toBe(5000)
    w.stop()
  })

  it('counts the span it is waking from before its late tick comes (the sockets that woke it are read first)', () => {
    const w = new FreezeWatch()
    w.start(1000)
    expect(w.within(0, 1500)).toBe(0)
    expect(w.within(0, 21_000)).toBe(19_000)
    w.stop()
  })

  it('a stall this daemon spent frozen is told as its own downtime, the rest as its peer\'s silence', () => {
    freezes.record(5_003_000, 5_018_000)
    const c = new WaitClock()
    c.at('fetching', 5_000_000)
    c.stalled(20_000, 5_020_000)
    expect(c.byCause(5_020_000)).toEqual({ down: 15_000, silent: 5000 })
    expect(c.totalMs(5_020_000)).toBe(20_000)
  })
})
