// When a sender opens its preview (preview-sender.ts): only when its hashing
// looks like lasting PREVIEW_MIN_REMAINING_MS more, judged no sooner than
// PREVIEW_FIRST_LOOK_MS after it began. From the page cache a GiB hashes in
// 0.3–0.4 s here, and a preview then only competed for the cores.
import { describe, expect, it } from 'vitest'
import { PREVIEW_FIRST_LOOK_MS, PREVIEW_MIN_BYTES, PREVIEW_MIN_MEAN_FILE_BYTES, PREVIEW_MIN_REMAINING_MS, PreviewSender, wantsPreview } from '../../src/transfer/send/preview-sender.ts'

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

describe('wantsPreview', () => {
  const files = (n: number, size: number): Array<{ kind: 'file' | 'dir', size: number }> => Array.from({ length: n }, () => ({ kind: 'file' as const, size }))

  it('none for many small files (a camera roll of 4 KiB thumbnails, 10,000 files of 64 KiB: the receiver\'s work per file cost more than it fetched ahead); photo-sized files and larger keep it', () => {
    expect(wantsPreview(files(30_000, 4096))).toBe(false)
    expect(wantsPreview(files(10_000, 64 * 1024))).toBe(false)
    expect(wantsPreview(files(1000, PREVIEW_MIN_MEAN_FILE_BYTES))).toBe(true)
    expect(wantsPreview(files(1, GiB))).toBe(true)
    // judged on average: one video among small files
    expect(wantsPreview([...files(1000, 4096), ...files(1, GiB)])).toBe(true)
    expect(wantsPreview([...files(1000, PREVIEW_MIN_MEAN_FILE_BYTES), ...files(1, PREVIEW_MIN_MEAN_FILE_BYTES - 1000)])).toBe(false)
  })

  it('folders and 0-byte files do not count as small files; under PREVIEW_MIN_BYTES in all, none', () => {
    const big = files(64, PREVIEW_MIN_MEAN_FILE_BYTES * 2)
    expect(wantsPreview([...big, ...Array.from({ length: 10_000 }, () => ({ kind: 'dir' as const, size: 0 })), ...files(10_000, 0)])).toBe(true)
    expect(wantsPreview(files(1, PREVIEW_MIN_BYTES - 1))).toBe(false)
    expect(wantsPreview(files(1, PREVIEW_MIN_BYTES))).toBe(true)
  })

  it('FERRY_PREVIEW=never: none; =always: one whatever the files\' sizes (the tests of its machinery), not under PREVIEW_MIN_BYTES', () => {
    expect(wantsPreview(files(1, GiB), 'never')).toBe(false)
    expect(wantsPreview(files(30_000, 4096), 'always')).toBe(true)
    expect(wantsPreview(files(1, 1024), 'always')).toBe(false)
  })
})
