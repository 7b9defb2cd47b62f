// What E_NO_SPACE says: figures in units that show them (user-test finding:
// a 4 KiB tmpfs read "0.0 MiB free; this needs 0.0 MiB and keeps 0.0 MiB free").

import { describe, expect, it } from 'vitest'
import { spaceShortage } from '../../src/transfer/space.ts'

describe('E_NO_SPACE message', () => {
  it('says small figures in KiB or bytes, larger ones in MiB and GiB', () => {
    const tiny = spaceShortage(4096, 2 * 1024 * 1024, { total: 10 })
    expect(tiny?.code).toBe('E_NO_SPACE')
    expect(tiny?.message).toMatch(/^the receive folder has 4\.0 KiB free; this needs 10 B and keeps 20\.5 KiB free$/)
    const big = spaceShortage(3 * 2 ** 30, 100 * 2 ** 30, { total: 5 * 2 ** 30 + 512 * 2 ** 20 })
    expect(big?.message).toMatch(/has 3\.00 GiB free; this needs 5\.50 GiB and keeps 64\.0 MiB free$/)
    expect(spaceShortage(2 ** 30, 100 * 2 ** 30, { total: 2 ** 20 })).toBeUndefined()
    // never "1024.0 KiB" or "1024 B": the next unit up
    expect(spaceShortage(0, 2 * 2 ** 20, { total: 2 ** 20 - 1 })?.message).toMatch(/needs 1\.0 MiB /)
    expect(spaceShortage(0, 2 * 2 ** 20, { total: 1023.6 })?.message).toMatch(/needs 1\.0 KiB /)
  })
})
