// What a receive fetched ahead of its offer is kept for the offer only when
// the offer's entries are the preview's, index for index: a sender that left a
// file out while hashing (it went away, or could not be read) shifts the rest,
// and a file that changed size meanwhile has other chunks; part files named
// by index would then belong to other files (prefetch.ts handOver).

import { describe, expect, it } from 'vitest'
import { sameEntries } from '../../src/transfer/receive/prefetch.ts'

const MiB = 1024 * 1024
type Entry = Parameters<typeof sameEntries>[0][number]
const preview: Entry[] = [
  { path: 'DCIM', kind: 'dir', size: 0, chunkSize: 0 },
  { path: 'DCIM/IMG_0001.JPG', kind: 'file', size: 3 * MiB + 17, chunkSize: MiB },
  { path: 'DCIM/IMG_0002.MOV', kind: 'file', size: 900 * MiB, chunkSize: 2 * MiB }
]

describe('the offer\'s entries against its preview\'s', () => {
  it('are the same only with every path, kind, size and chunk size the same, in the same order (mutation finding: a size that differed was not tested)', () => {
    expect(sameEntries(preview, preview.map((e) => ({ ...e })))).toBe(true)
    const changed: Array<[string, Entry[]]> = [
      ['a file left out', preview.filter((_, i) => i !== 1)],
      ['another order', [preview[0], preview[2], preview[1]]],
      ['another path', preview.map((e, i) => i === 1 ? { ...e, path: 'DCIM/IMG_0001 (1).JPG' } : e)],
      ['another kind', preview.map((e, i) => i === 1 ? { ...e, kind: 'dir' } : e)],
      ['another size', preview.map((e, i) => i === 1 ? { ...e, size: e.size + 1 } : e)],
      ['another chunk size', preview.map((e, i) => i === 2 ? { ...e, chunkSize: 4 * MiB } : e)]
    ]
    for (const [what, offer] of changed) expect(sameEntries(preview, offer), what).toBe(false)
  })
})
