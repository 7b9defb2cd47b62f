// When a quiet send is probed (send-offer.ts probeDue): after PROBE_AFTER_MS
// of quiet, doubled for each quiet probe before; and, told its receiver
// tries again at a time, once that is past with nothing heard from it since,
// whatever the doubling (notes' leftover: its "tries again at" stood, stale,
// until the next probe, up to 5 minutes on).

import { describe, expect, it } from 'vitest'
import { probeDue } from '../../src/transfer/send/send-offer.ts'

const AFTER = 10_000

describe('probeDue', () => {
  it('probes a quiet send after the wait, doubled for each quiet probe, up to 32 times', () => {
    expect(probeDue({ heardAt: 0, quietProbes: 0 }, undefined, AFTER, AFTER)).toBe(false)
    expect(probeDue({ heardAt: 0, quietProbes: 0 }, undefined, AFTER + 1, AFTER)).toBe(true)
    expect(probeDue({ heardAt: 0, quietProbes: 3 }, undefined, 8 * AFTER, AFTER)).toBe(false)
    expect(probeDue({ heardAt: 0, quietProbes: 3 }, undefined, 8 * AFTER + 1, AFTER)).toBe(true)
    expect(probeDue({ heardAt: 0, quietProbes: 9 }, undefined, 32 * AFTER + 1, AFTER)).toBe(true)
  })

  it('probes a send told when its receiver tries again a few seconds after that time, when nothing came of the try, even deep in its doubling', () => {
    const told = { heardAt: 0, quietProbes: 5 }
    expect(probeDue(told, 60_000, 60_000, AFTER)).toBe(false)
    expect(probeDue(told, 60_000, 64_000, AFTER)).toBe(false)
    expect(probeDue(told, 60_000, 66_000, AFTER)).toBe(true)
    // heard from since that time (its requests, or the probe that told a later one): no
    expect(probeDue({ heardAt: 61_000, quietProbes: 5 }, 60_000, 66_000, AFTER)).toBe(false)
  })
})
