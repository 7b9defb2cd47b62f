// A folder that appears between ensureParents' look (lstat: nothing there)
// and its mkdir (EEXIST): here a symbolic link to a folder outside the
// receive folder, put in place in that instant by another local user. The
// instant is made by mocking the look (lstatSync) to find nothing once there.

import { afterAll, describe, expect, it, vi } from 'vitest'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

let raceAt: string | undefined
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  const lstatSync = ((path: string, opts?: { throwIfNoEntry?: boolean }) => {
    if (path === raceAt) {
      raceAt = undefined
      if (opts?.throwIfNoEntry === false) return undefined
      throw Object.assign(new Error(`ENOENT: no such file or directory, lstat '${path}'`), { code: 'ENOENT', errno: -2 })
    }
    return fs.lstatSync(path, opts)
  }) as typeof fs.lstatSync
  return { ...fs, lstatSync, default: { ...fs, lstatSync } }
})

const { ensureParents } = await import('../../src/transfer/finalize.ts')

const dir = mkdtempSync(join(tmpdir(), 'ferry-place-race-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('ensureParents, a folder that appears after the look', () => {
  it('is looked at before it is used: a symbolic link there is refused with E_PATH_UNSAFE, not taken as the folder (review finding: EEXIST from mkdir was trusted)', async () => {
    const root = join(dir, 'recv')
    const outside = join(dir, 'outside')
    mkdirSync(root)
    mkdirSync(outside)
    symlinkSync(outside, join(root, 'D'))
    raceAt = join(root, 'D')
    const known = new Set<string>()
    await expect(ensureParents(root, ['D', 'file'], known)).rejects.toMatchObject({ code: 'E_PATH_UNSAFE' })
    expect(raceAt).toBeUndefined() // the race was played
    expect(known.has(join(root, 'D'))).toBe(false)
    expect(readdirSync(outside)).toEqual([])
  })
})
