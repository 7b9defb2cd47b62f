// Placing a file where hard links are missing (vfat, exFAT): placeFile falls
// back to placeByRename when link() fails with EPERM/ENOTSUP. No such file
// system can be made here (no mkfs.vfat), so the fallback is driven directly:
// it claims a free name with O_EXCL before renaming, so neither a file that
// is there nor one placed at the same moment is ever replaced.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { foldersOf, placeByRename, syncPlacedFolders } from '../../src/transfer/finalize.ts'

let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ferry-place-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

describe('placeByRename', () => {
  it('moves the part file to a free name', async () => {
    await writeFile(join(dir, 'p0'), 'new')
    expect(await placeByRename(join(dir, 'p0'), join(dir, 'a.txt'))).toBe(join(dir, 'a.txt'))
    expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('new')
    expect(await readdir(dir)).toEqual(['a.txt'])
  })

  it('never replaces a file that has the name, nor one placed at the same moment', async () => {
    await writeFile(join(dir, 'a.txt'), 'there before')
    await writeFile(join(dir, 'p0'), 'first')
    await writeFile(join(dir, 'p1'), 'second')
    const placed = await Promise.all([placeByRename(join(dir, 'p0'), join(dir, 'a.txt')), placeByRename(join(dir, 'p1'), join(dir, 'a.txt'))])
    expect(new Set(placed).size).toBe(2)
    expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('there before')
    expect((await Promise.all(placed.map(async (p) => await readFile(p, 'utf8')))).sort()).toEqual(['first', 'second'])
    expect((await readdir(dir)).sort()).toEqual(['a (1).txt', 'a (2).txt', 'a.txt'])
  })
})

describe('foldersOf', () => {
  it('every folder that got a new entry, up to the receive folder, never above it', () => {
    const r = '/recv'
    expect([...foldersOf(r, ['/recv/a/b/f', '/recv/g', '/recv/a/b/h', '/recv/a/c'])].sort()).toEqual(['/recv', '/recv/a', '/recv/a/b'])
    expect([...foldersOf(r, ['/elsewhere/x', '/recv'])]).toEqual([])
  })
})

describe('syncPlacedFolders', () => {
  it('flushes each folder that got a new entry, up to the receive folder and never above it', async () => {
    const { mkdir } = await import('node:fs/promises')
    await mkdir(join(dir, 'a', 'b'), { recursive: true })
    await writeFile(join(dir, 'a', 'b', 'f'), 'x')
    await writeFile(join(dir, 'g'), 'y')
    await syncPlacedFolders(dir, [join(dir, 'a', 'b', 'f'), join(dir, 'g'), join(dir, 'a', 'b')])
    // a folder moved away since its files were placed (an earlier run) is no reason to fail the receipt
    await syncPlacedFolders(dir, [join(dir, 'missing', 'f')])
    // a file where a folder was: the same
    await syncPlacedFolders(dir, [join(dir, 'g', 'x')])
  })
})
