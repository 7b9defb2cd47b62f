// When a sender opens its preview (preview-sender.ts): only when its hashing
// looks like lasting PREVIEW_MIN_REMAINING_MS more, judged no sooner than
// PREVIEW_FIRST_LOOK_MS after it began. From the page cache a GiB hashes in
// 0.3–0.4 s here, and a preview then only competed for the cores.
import { describe, expect, it } from 'vitest'
import { PREVIEW_FIRST_LOOK_MS, PREVIEW_MIN_REMAINING_MS, PreviewSender } from '../../src/transfer/send/preview-sender.ts'

const GiB = 2 ** 30

describe('PreviewSender.worthOpening', () => {
  it('opens for hashing that will last (a disk: 10 % of a GiB in 200 ms), not for hashing about to end (the page cache: 60 % in 200 ms)', () => {
    expect(PreviewSender.worthOpening(200, 0.1 * GiB, GiB)).toBe(true)
    expect(PreviewSender.worthOpening(200, 0.6 * GiB, GiB)).toBe(false)
  })

  it('judges at the threshold: the estimated rest of the hashing against PREVIEW_MIN_REMAINING_MS', () => {
    // half done in t ms: t ms to go
    expect(PreviewSender.worthOpening(PREVIEW_MIN_REMAINING_MS, GiB / 2, GiB)).toBe(true)
    expect(PreviewSender.worthOpening(PREVIEW_MIN_REMAINING_MS - 1, GiB / 2, GiB)).toBe(false)
  })

  it('does not judge before PREVIEW_FIRST_LOOK_MS, nor once all is hashed; nothing hashed yet counts as slow', () => {
    expect(PreviewSender.worthOpening(PREVIEW_FIRST_LOOK_MS - 1, 0, GiB)).toBe(false)
    expect(PreviewSender.worthOpening(10_000, GiB, GiB)).toBe(false)
    expect(PreviewSender.worthOpening(PREVIEW_FIRST_LOOK_MS, 0, GiB)).toBe(true)
  })
})
