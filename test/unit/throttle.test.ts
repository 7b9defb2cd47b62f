// Snapshot events: urgent ones at once, progress at most every interval with
// the last one delivered, and nothing at all once stopped (a timer firing
// after the daemon closed its store crashed it on SIGTERM).
import { describe, expect, it, vi } from 'vitest'
import { EmitThrottle } from '../../src/transfer/throttle.ts'

const sleep = async (ms: number): Promise<void> => await new Promise((resolve) => setTimeout(resolve, ms))

describe('EmitThrottle', () => {
  it('publishes urgent changes at once, and progress at most every interval, the last one always', async () => {
    const seen: string[] = []
    const t = new EmitThrottle(50, (k) => { seen.push(k) })
    t.changed('a', true)
    t.changed('a', false)
    t.changed('a', false)
    expect(seen).toEqual(['a'])
    await sleep(80)
    expect(seen).toEqual(['a', 'a']) // the trailing one
    t.stop()
  })

  it('publishes progress after the clock was set back (an NTP step), instead of nothing until it caught up (review finding)', () => {
    vi.useFakeTimers({ now: 10_000_000 })
    try {
      const seen: string[] = []
      const t = new EmitThrottle(250, (k) => { seen.push(k) })
      t.changed('a', true)
      vi.setSystemTime(10_000_000 - 3_600_000) // an hour back
      vi.advanceTimersByTime(300)
      t.changed('a', false)
      vi.advanceTimersByTime(300)
      t.changed('a', false)
      expect(seen.length).toBeGreaterThanOrEqual(2)
      t.stop()
    } finally {
      vi.useRealTimers()
    }
  })

  it('publishes nothing once stopped: neither a pending trailing change nor one reported later', async () => {
    const seen: string[] = []
    const t = new EmitThrottle(30, (k) => { seen.push(k) })
    t.changed('a', true)
    t.changed('a', false) // pending
    t.stop()
    t.changed('a', false)
    t.changed('b', true)
    await sleep(60)
    expect(seen).toEqual(['a'])
  })
})
