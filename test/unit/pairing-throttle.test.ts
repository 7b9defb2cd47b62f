// The pairing throttle (src/pairing/throttle.ts): 3 failed attempts from a
// peer in 10 minutes refuse it, saying how long is left, until the oldest of
// them is 10 minutes old.

import { describe, expect, it } from 'vitest'
import { Throttle } from '../../src/pairing/throttle.ts'

const MIN = 60_000

describe('pairing Throttle', () => {
  it('refuses a peer after 3 failures in 10 minutes, saying when it may try again (helper finding: "wait 10 minutes" whenever asked) and that a code given up counts', () => {
    let now = 0
    const t = new Throttle(() => now)
    for (const at of [0, 1, 2]) { now = at * MIN; t.check('p'); t.failure('p') }
    now = 3 * MIN
    expect(() => { t.check('p') }).toThrow(/^too many failed pairing attempts from your device \(3 in 10 minutes, a code entered and given up before the end counting as one\); try again in 7 minutes$/)
    now = 9.5 * MIN
    expect(() => { t.check('p') }).toThrow(/try again in 1 minute$/)
    t.check('q') // another peer is not refused
    now = 10 * MIN + 1 // the first failure is out of the window: 2 left
    t.check('p')
    t.success('p')
    t.failure('p'); t.failure('p')
    t.check('p')
  })
})
