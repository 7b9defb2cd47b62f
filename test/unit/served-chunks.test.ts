// Which chunks of a send went whole before (served-chunks.ts): what the
// chunk server checks against its hash when one is asked for again.

import { describe, expect, it } from 'vitest'
import { ServedChunks } from '../../src/transfer/send/served-chunks.ts'
import type { OfferFile } from '../../src/protocol/transfer.ts'

const MiB = 1024 * 1024
const file = (size: number): OfferFile => ({ path: `f${size}`, kind: 'file', size, chunkSize: MiB, chunks: [], fileRoot: new Uint8Array(32), mtimeMs: 0, mode: 0o644 } as unknown as OfferFile)

describe('ServedChunks.servedWhole', () => {
  it('is true of a chunk once it went whole, not of one served in part or not at all, and not after forget()', () => {
    const files = [file(3 * MiB), file(MiB + 10)]
    const s = new ServedChunks()
    expect(s.servedWhole(files, 0, 1), 'nothing served yet').toBe(false)
    s.unseen(files, 0, 1, MiB, 0, MiB, true)
    s.unseen(files, 1, 0, MiB, 0, MiB / 2, true)
    expect(s.servedWhole(files, 0, 1)).toBe(true)
    expect(s.servedWhole(files, 0, 0)).toBe(false)
    expect(s.servedWhole(files, 1, 0), 'half of it went').toBe(false)
    s.unseen(files, 1, 0, MiB, MiB / 2, MiB / 2, true)
    expect(s.servedWhole(files, 1, 0), 'its second half went too').toBe(true)
    expect(s.servedWhole([...files], 0, 1), 'another offer\'s files').toBe(false)
    s.forget()
    expect(s.servedWhole(files, 0, 1)).toBe(false)
  })
})
