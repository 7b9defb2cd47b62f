// What E_NO_SPACE says: figures in units that show them (user-test finding:
// a 4 KiB tmpfs read "0.0 MiB free; this needs 0.0 MiB and keeps 0.0 MiB free").

import { describe, expect, it } from 'vitest'
import { inodeShortage, spaceShortage } from '../../src/transfer/folder/space.ts'

describe('E_NO_SPACE message', () => {
  it('says small figures in KiB or bytes, larger ones in MiB and GiB', () => {
    const tiny = spaceShortage(4096, 2 * 1024 * 1024, { total: 10 })
    expect(tiny?.code).toBe('E_NO_SPACE')
    expect(tiny?.message).toMatch(/^the receive folder has 4\.0 KiB free; this needs 10 B and keeps 20\.5 KiB free: 20\.5 KiB in all, 16\.5 KiB more than it has$/)
    const big = spaceShortage(3 * 2 ** 30, 100 * 2 ** 30, { total: 5 * 2 ** 30 + 512 * 2 ** 20 })
    expect(big?.message).toMatch(/has 3\.00 GiB free; this needs 5\.50 GiB and keeps 64\.0 MiB free: 5\.56 GiB in all, 2\.56 GiB more than it has$/)
    expect(spaceShortage(2 ** 30, 100 * 2 ** 30, { total: 2 ** 20 })).toBeUndefined()
    // never "1024.0 KiB" or "1024 B": the next unit up
    expect(spaceShortage(0, 2 * 2 ** 20, { total: 2 ** 20 - 1 })?.message).toMatch(/needs 1\.0 MiB /)
    expect(spaceShortage(0, 2 * 2 ** 20, { total: 1023.6 })?.message).toMatch(/needs 1\.0 KiB /)
  })
})

describe('inodeShortage', () => {
  it('says how many files the disk can still make and what the offer needs; nothing where they fit or are not counted (btrfs, FUSE: 0)', () => {
    expect(inodeShortage(50, 49, 200)?.message).toBe("the receive folder's disk can make 49 more files (free inodes, as `df -i` shows); this needs 200 and keeps 64 free: remove files there, or receive onto another disk")
    expect(inodeShortage(50, 49, 200)?.code).toBe('E_NO_SPACE')
    expect(inodeShortage(1000, 264, 200)).toBeUndefined()
    expect(inodeShortage(0, 0, 200)).toBeUndefined()
    expect(inodeShortage(50, 0, 0)).toBeUndefined()
    expect(inodeShortage(50, 0, undefined)).toBeUndefined()
    // the files of receives accepted that wait their turn count too (their plan has not made them yet)
    expect(inodeShortage(1000, 264, 200, 1)?.message).toBe("the receive folder's disk can make 264 more files (free inodes, as `df -i` shows); this needs 200 (and 1 for receives accepted here that have not begun) and keeps 64 free: remove files there, or receive onto another disk")
    expect(inodeShortage(1000, 264, 199, 1)).toBeUndefined()
  })
})
