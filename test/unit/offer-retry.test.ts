// How long a send waits before it offers again, after an offer not
// delivered for an error of the link (send-offer.ts offerRetryMs): 1 s, the
// first of its doubled waits. FERRY_TEST_OFFER_RETRY_MS (tests only: the
// abuse tests of offers not delivered several times in a row) shortens it;
// unset, or not a positive number, it is 1 s as before.

import { describe, expect, it } from 'vitest'
import { offerRetryMs } from '../../src/transfer/send/send-offer.ts'

describe('offerRetryMs', () => {
  it('is 1 s unless FERRY_TEST_OFFER_RETRY_MS says otherwise', () => {
    expect(offerRetryMs({})).toBe(1000)
    for (const v of ['', '0', '-5', 'soon']) expect(offerRetryMs({ FERRY_TEST_OFFER_RETRY_MS: v }), JSON.stringify(v)).toBe(1000)
    expect(offerRetryMs({ FERRY_TEST_OFFER_RETRY_MS: '100' })).toBe(100)
  })
})
