// The test-only cap on how fast a daemon serves chunk bytes (serve-pace.ts):
// none unless FERRY_TEST_SERVE_BYTES_PER_S is set; set, bytes served by all
// the streams together stay within the rate (a lower bound on time: a busy
// machine only makes it slower).
import { describe, expect, it } from 'vitest'
import { servePaceFromEnv } from '../../src/transfer/send/serve-pace.ts'

const MiB = 1024 * 1024

describe('servePaceFromEnv', () => {
  it('is no pace at all unless the variable holds a rate above 0', () => {
    for (const v of [undefined, '', '0', '-5', 'fast']) expect(servePaceFromEnv({ FERRY_TEST_SERVE_BYTES_PER_S: v }), String(v)).toBeUndefined()
  })

  it('holds what several streams serve together to the rate', async () => {
    const pace = servePaceFromEnv({ FERRY_TEST_SERVE_BYTES_PER_S: String(4 * MiB) })!
    const started = performance.now()
    // two streams of 16 slices of 64 KiB each: 2 MiB in all, at 4 MiB/s at least ~0.5 s less one slice's time
    const stream = async (): Promise<void> => { for (let i = 0; i < 16; i++) await pace(64 * 1024) }
    await Promise.all([stream(), stream()])
    expect(performance.now() - started).toBeGreaterThanOrEqual((2 * MiB - 64 * 1024) / (4 * MiB) * 1000 - 5)
  })
})
