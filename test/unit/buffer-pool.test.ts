// The receive side's chunk-buffer pool: reuse, and one budget for all sizes.

import { describe, expect, it } from 'vitest'
import { BufferPool, chunkBufferSize } from '../../src/transfer/sink/buffer-pool.ts'

const MiB = 1024 * 1024
const KiB256 = 256 * 1024

describe('BufferPool', () => {
  it('hands back a given buffer of the same size instead of allocating', () => {
    let allocated = 0
    const pool = new BufferPool((size) => { allocated++; return new Uint8Array(size) })
    const a = pool.take(MiB)
    pool.give(a)
    expect(pool.take(MiB)).toBe(a)
    expect(pool.take(KiB256)).not.toBe(a)
    expect(allocated).toBe(2)
  })

  it('keeps at most 16 MiB of spares over all sizes; the size in use displaces the others', () => {
    const pool = new BufferPool()
    const small = Array.from({ length: 64 }, () => pool.take(KiB256)) // 16 MiB of 256 KiB buffers
    for (const b of small) pool.give(b)
    expect(pool.bytes).toBe(16 * MiB)
    const big = Array.from({ length: 20 }, () => pool.take(MiB))
    for (const b of big) pool.give(b)
    expect(pool.bytes).toBe(16 * MiB)
    // every 256 KiB spare made room for 1 MiB ones
    const back = Array.from({ length: 16 }, () => pool.take(MiB))
    expect(back.every((b) => big.includes(b))).toBe(true)
    expect(pool.bytes).toBe(0)
  })

  it('never pools a buffer larger than the budget', () => {
    const pool = new BufferPool()
    pool.give(new Uint8Array(17 * MiB))
    expect(pool.bytes).toBe(0)
  })
})

describe('chunkBufferSize', () => {
  it('reads a chunk into the next power of two, 256 KiB at least: a few sizes of spares for chunks of every length, a 300 KB photo holds no whole 1 MiB, and tiny files keep the budget bounding the chunks in flight', () => {
    expect([1, 4096, KiB256 - 1, KiB256, KiB256 + 1, 300_000, MiB - 1, MiB, 2 * MiB].map(chunkBufferSize))
      .toEqual([KiB256, KiB256, KiB256, KiB256, 512 * 1024, 512 * 1024, MiB, MiB, 2 * MiB])
  })
})
