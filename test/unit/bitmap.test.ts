import { describe, expect, it } from 'vitest'
import { Bitmap, popcount } from '../../src/transfer/bitmap.ts'

describe('Bitmap', () => {
  // a set of up to 32 bits keeps them in a number, a larger one in bytes: the same behaviour either way
  for (const size of [0, 1, 7, 8, 9, 31, 32, 33, 64, 100]) {
    it(`sets, unsets, counts and gives its bytes (${size} bits)`, () => {
      const b = new Bitmap(size)
      expect(b.bytes).toEqual(new Uint8Array(Math.ceil(size / 8)))
      expect(b.complete).toBe(size === 0)
      for (let i = 0; i < size; i += 3) b.set(i)
      if (size > 0) b.set(0) // again: counted once
      const set = Math.ceil(size / 3)
      expect(b.done).toBe(set)
      for (let i = 0; i < size; i++) expect(b.has(i)).toBe(i % 3 === 0)
      expect(b.has(-1)).toBe(false)
      expect(b.has(Math.ceil(size / 8) * 8)).toBe(false)
      expect(b.has(size + 32)).toBe(false)
      expect(popcount(b.bytes)).toBe(set)
      const again = new Bitmap(size, b.bytes)
      expect(again.bytes).toEqual(b.bytes)
      expect(again.done).toBe(set)
      if (size > 0) {
        b.unset(0)
        b.unset(0)
        expect(b.has(0)).toBe(false)
        expect(b.done).toBe(set - 1)
      }
      for (let i = 0; i < size; i++) b.set(i)
      expect(b.complete).toBe(true)
    })
  }

  it('keeps bits past its size as given, counting only those within it', () => {
    const b = new Bitmap(3, Uint8Array.of(0b1111_0101))
    expect(b.done).toBe(2)
    expect(b.has(4)).toBe(true)
    expect(b.bytes).toEqual(Uint8Array.of(0b1111_0101))
    expect(new Bitmap(20, Uint8Array.of(0xff, 0xff, 0xff)).bytes).toEqual(Uint8Array.of(0xff, 0xff, 0xff))
    expect(new Bitmap(32, Uint8Array.of(0xff, 0xff, 0xff, 0xff)).done).toBe(32)
  })

  it('ignores bytes of the wrong length', () => {
    expect(new Bitmap(9, Uint8Array.of(0xff)).done).toBe(0)
    expect(new Bitmap(40, Uint8Array.of(0xff)).done).toBe(0)
  })

  it('gives a small set\'s bytes as a copy, a large set\'s as its own', () => {
    const small = new Bitmap(8)
    small.bytes[0] = 0xff
    expect(small.done).toBe(0)
    expect(small.has(0)).toBe(false)
    const large = new Bitmap(40)
    expect(large.bytes).toBe(large.bytes)
  })
})
