// The daemon's mark that it runs with transfers under way (alive-mark.ts), and the downtime a crash leaves.
import { describe, expect, it } from 'vitest'
import { AliveMark, ALIVE_EVERY_MS, downtimeOf } from '../../src/transfer/alive-mark.ts'

const log = { warned: [] as string[], warn (m: string) { this.warned.push(m) } }

describe('AliveMark', () => {
  it('reads the last run\'s mark before marking, and marks at most every ALIVE_EVERY_MS, only with transfers under way', () => {
    const marks: number[] = []
    const mark = new AliveMark({ aliveAt: () => 1000, markAlive: (at) => { marks.push(at) } }, log)
    expect(mark.downSince).toBe(1000)
    mark.underWay(() => false, 50_000)
    expect(marks).toEqual([])
    mark.underWay(() => true, 50_000)
    mark.underWay(() => true, 50_000 + ALIVE_EVERY_MS / 2)
    // a look a little early marks all the same (review finding: a mark skipped so came 4 s after the last)
    mark.underWay(() => true, 50_000 + ALIVE_EVERY_MS - 100)
    expect(marks).toEqual([50_000, 50_000 + ALIVE_EVERY_MS - 100])
    expect(mark.downSince).toBe(1000)
  })

  it('a store that cannot be read or written is said once, and changes nothing else', () => {
    const warned: string[] = []
    const mark = new AliveMark({ aliveAt: () => { throw new Error('disk I/O error') }, markAlive: () => { throw new Error('database or disk is full') } }, { warn: (m) => { warned.push(m) } })
    expect(mark.downSince).toBeUndefined()
    mark.underWay(() => true, 10_000)
    mark.underWay(() => true, 20_000)
    expect(warned).toHaveLength(2)
  })
})

describe('downtimeOf', () => {
  const now = 100_000
  it('a transfer recorded as under way waited from the last mark (or its own start, if later) to now', () => {
    expect(downtimeOf({ state: 'fetching', createdAt: 10_000 }, 60_000, now)).toBe(40_000)
    expect(downtimeOf({ state: 'accepted', createdAt: 80_000 }, 60_000, now)).toBe(20_000)
    expect(downtimeOf({ state: 'verifying', createdAt: 10_000, waitedMs: 5000 }, 95_000, now)).toBe(5000)
  })

  it('none for a row a clean stop recorded (waiting), an offer, an ended one, or with no mark', () => {
    for (const state of ['waiting', 'offered', 'done', 'failed']) expect(downtimeOf({ state, createdAt: 10_000 }, 60_000, now), state).toBe(0)
    expect(downtimeOf({ state: 'fetching', createdAt: 10_000 }, undefined, now)).toBe(0)
    // a send a clean stop recorded keeps its state (fetching) with the wait it opened: that wait has the downtime (review finding: counted twice)
    expect(downtimeOf({ state: 'fetching', createdAt: 10_000, waitingSince: 60_000 }, 59_000, now)).toBe(0)
  })

  it('never more than the time not counted as waits already: a mark older than its last wait would count that wait twice', () => {
    // began 90 s ago, waited 80 s of it for its peer (recorded), moved 1 s before the crash, which left a mark of long before
    expect(downtimeOf({ state: 'fetching', createdAt: 10_000, waitedMs: 80_000 }, 1000, now)).toBe(10_000)
    expect(downtimeOf({ state: 'fetching', createdAt: 10_000, waitedMs: 60_000, acceptWaitMs: 40_000 }, 1000, now)).toBe(0)
  })
})
