// A folder that appears between ensureParents' look (lstat: nothing there)
// and its mkdir (EEXIST): here a symbolic link to a folder outside the
// receive folder, put in place in that instant by another local user. The
// instant is made by mocking the look (lstatSync) to find nothing once there.

import { afterAll, describe, expect, it, vi } from 'vitest'
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

let raceAt: string | undefined
/** how many times each path was looked at with lstatSync */
const looks = new Map<string, number>()
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>()
  const lstatSync = ((path: string, opts?: { throwIfNoEntry?: boolean }) => {
    looks.set(path, (looks.get(path) ?? 0) + 1)
    if (path === raceAt) {
      raceAt = undefined
      if (opts?.throwIfNoEntry === false) return undefined
      throw Object.assign(new Error(`ENOENT: no such file or directory, lstat '${path}'`), { code: 'ENOENT', errno: -2 })
    }
    return fs.lstatSync(path, opts)
  }) as typeof fs.lstatSync
  return { ...fs, lstatSync, default: { ...fs, lstatSync } }
})

const { ensureParents, placeFile } = await import('../../src/transfer/folder/finalize.ts')

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

describe('placeFile with the folders of the transfer cached (as a receiver places)', () => {
  it('makes no folder outside the receive folder when a cached folder was swapped for a symbolic link since: the levels above are looked at again before a mkdir (review finding: B and B/C were made outside)', async () => {
    const root = join(dir, 'recv-cached')
    const outside = join(dir, 'outside-cached')
    const parts = join(root, '.ferry-part', 'x')
    mkdirSync(parts, { recursive: true })
    mkdirSync(outside)
    const knownDirs = new Set<string>()
    writeFileSync(join(parts, '0'), 'one')
    await placeFile({ root, relPath: 'A/f1', partPath: join(parts, '0'), mtimeMs: Date.now(), mode: 0o644, knownDirs })
    expect(knownDirs.has(join(root, 'A'))).toBe(true)
    // another local user who can write in the receive folder: A moved aside, a link in its place
    renameSync(join(root, 'A'), join(root, 'A-moved'))
    symlinkSync(outside, join(root, 'A'))
    writeFileSync(join(parts, '1'), 'two')
    await expect(placeFile({ root, relPath: 'A/B/C/f2', partPath: join(parts, '1'), mtimeMs: Date.now(), mode: 0o644, knownDirs })).rejects.toMatchObject({ code: 'E_PATH_UNSAFE' })
    expect(readdirSync(outside, { recursive: true })).toEqual([])
  })

  it('looks at each folder on the way once per file placed, right before the link (session 52: twice in a row, 3 lstat calls more per file of a camera roll)', async () => {
    const root = join(dir, 'recv-looks')
    const parts = join(root, '.ferry-part', 'x')
    mkdirSync(parts, { recursive: true })
    const knownDirs = new Set<string>()
    writeFileSync(join(parts, '0'), 'one')
    await placeFile({ root, relPath: 'DCIM/100APPLE/IMG_0001.JPG', partPath: join(parts, '0'), mtimeMs: Date.now(), mode: 0o644, knownDirs })
    writeFileSync(join(parts, '1'), 'two')
    looks.clear()
    await placeFile({ root, relPath: 'DCIM/100APPLE/IMG_0002.JPG', partPath: join(parts, '1'), mtimeMs: Date.now(), mode: 0o644, knownDirs })
    expect([looks.get(join(root, 'DCIM')), looks.get(join(root, 'DCIM', '100APPLE'))]).toEqual([1, 1])
    expect(readdirSync(join(root, 'DCIM', '100APPLE')).sort()).toEqual(['IMG_0001.JPG', 'IMG_0002.JPG'])
    // a name taken: after the wait for a free one, the folders are looked at again before that link
    writeFileSync(join(parts, '2'), 'three')
    looks.clear()
    expect(await placeFile({ root, relPath: 'DCIM/100APPLE/IMG_0002.JPG', partPath: join(parts, '2'), mtimeMs: Date.now(), mode: 0o644, knownDirs })).toBe(join(root, 'DCIM', '100APPLE', 'IMG_0002 (1).JPG'))
    expect([looks.get(join(root, 'DCIM')), looks.get(join(root, 'DCIM', '100APPLE'))]).toEqual([2, 2])
  })

  it('a part file swapped for a symbolic link is refused, and the file it points to keeps its mode and time (review finding: chmod and utimes by name followed it)', async () => {
    const root = join(dir, 'recv-link')
    const parts = join(root, '.ferry-part', 'x')
    mkdirSync(parts, { recursive: true })
    const victim = join(dir, 'victim.txt')
    writeFileSync(victim, 'not ferry\'s')
    chmodSync(victim, 0o600)
    const before = statSync(victim)
    symlinkSync(victim, join(parts, '0'))
    await expect(placeFile({ root, relPath: 'f', partPath: join(parts, '0'), mtimeMs: 1_000_000_000_000, mode: 0o755, knownDirs: new Set() })).rejects.toMatchObject({ code: 'E_IO' })
    const after = statSync(victim)
    expect([after.mode & 0o777, after.mtimeMs]).toEqual([before.mode & 0o777, before.mtimeMs])
    expect(readdirSync(root)).toEqual(['.ferry-part'])
  })

  it('a keep-both name is never one the transfer itself uses (`taken`): "a" next to the person\'s folder "a" becomes "a (2)", and "a (1)/x" of the same transfer is placed after it (review finding: it failed with E_PATH_UNSAFE after its bytes had come)', async () => {
    const root = join(dir, 'recv-taken')
    const parts = join(root, '.ferry-part', 'x')
    mkdirSync(parts, { recursive: true })
    mkdirSync(join(root, 'a'))
    const ours = new Set([join(root, 'a'), join(root, 'a (1)'), join(root, 'a (1)', 'x')])
    const taken = (path: string): boolean => ours.has(path)
    const knownDirs = new Set<string>()
    writeFileSync(join(parts, '0'), 'file a')
    expect(await placeFile({ root, relPath: 'a', partPath: join(parts, '0'), mtimeMs: Date.now(), mode: 0o644, knownDirs, taken })).toBe(join(root, 'a (2)'))
    writeFileSync(join(parts, '1'), 'file x')
    expect(await placeFile({ root, relPath: 'a (1)/x', partPath: join(parts, '1'), mtimeMs: Date.now(), mode: 0o644, knownDirs, taken })).toBe(join(root, 'a (1)', 'x'))
  })
})
