import { describe, expect, it } from 'vitest'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

const h = (b: number): Uint8Array => new Uint8Array(32).fill(b)

describe('ChunkHashes', () => {
  it('holds hashes packed, 32 bytes each, in order; `at` is a view of them', () => {
    const list = ChunkHashes.of([h(1), h(2), h(3)])
    expect(list.length).toBe(3)
    expect(list.bytes.length).toBe(96)
    expect(list.at(2)).toEqual(h(3))
    expect([...list]).toEqual([h(1), h(2), h(3)])
    list.at(0)[0] = 9
    expect(list.bytes[0]).toBe(9)
  })

  it('refuses bytes that are not whole hashes, a hash of another length, and a chunk out of range', () => {
    expect(() => new ChunkHashes(new Uint8Array(33))).toThrow(RangeError)
    expect(() => ChunkHashes.of([new Uint8Array(31)])).toThrow(RangeError)
    const list = ChunkHashes.of([h(1)])
    for (const i of [-1, 1, 0.5, Number.NaN]) expect(() => list.at(i), String(i)).toThrow(RangeError)
    expect(() => { list.set(0, new Uint8Array(16)) }).toThrow(RangeError)
    expect(() => { ChunkHashes.NONE.set(0, h(1)) }).toThrow(RangeError)
  })

  it('`is` compares one hash, `set` replaces one; `zeroed` starts from zeros', () => {
    const list = ChunkHashes.zeroed(3)
    expect(list.is(1, new Uint8Array(32))).toBe(true)
    list.set(1, h(7))
    expect(list.is(1, h(7))).toBe(true)
    expect(list.is(1, h(8))).toBe(false)
    expect(list.is(1, h(7).subarray(0, 31))).toBe(false)
    expect([...list]).toEqual([h(0), h(7), h(0)])
    expect(ChunkHashes.zeroed(0)).toBe(ChunkHashes.NONE)
    expect(ChunkHashes.of([])).toBe(ChunkHashes.NONE)
  })
})
