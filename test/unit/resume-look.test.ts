// How often the daemon looks at its waiting transfers (service.ts
// lookIntervalMs) and the first wait of a receive whose runs got nothing
// (receiver.ts resumeDelayMs): 2 s each. FERRY_TEST_RESUME_LOOK_MS (tests
// only: abuse-sender.test.ts's backoff tests) sets both; unset, or not a
// positive number, they are 2 s as before.

import { describe, expect, it } from 'vitest'
import { resumeDelayMs, testResumeLookMs } from '../../src/transfer/receive/receiver.ts'
import { lookIntervalMs } from '../../src/transfer/service.ts'

describe('FERRY_TEST_RESUME_LOOK_MS', () => {
  it('leaves the look and the first resume wait at 2 s unless it is a positive number, and sets both when it is', () => {
    for (const env of [{}, ...['', '0', '-5', 'soon'].map((v) => ({ FERRY_TEST_RESUME_LOOK_MS: v }))]) {
      expect(testResumeLookMs(env), JSON.stringify(env)).toBeUndefined()
      expect(lookIntervalMs(env), JSON.stringify(env)).toBe(2000)
      expect(resumeDelayMs(env), JSON.stringify(env)).toBe(2000)
    }
    expect(lookIntervalMs({ FERRY_TEST_RESUME_LOOK_MS: '1000' })).toBe(1000)
    expect(resumeDelayMs({ FERRY_TEST_RESUME_LOOK_MS: '1000' })).toBe(1000)
  })
})
