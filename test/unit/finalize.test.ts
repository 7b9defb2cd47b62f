// Placing a file where hard links are missing (vfat, exFAT): placeFile falls
// back to placeByRename when link() fails with EPERM/ENOTSUP. No such file
// system can be made here (no mkfs.vfat), so the fallback is driven directly:
// it claims a free name with O_EXCL before renaming, so neither a file that
// is there nor one placed at the same moment is ever replaced.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileMode, foldersOf, placeByRename, placeDir, placeFile, setMetadataOf, syncPlacedFolders, utimesSeconds } from '../../src/transfer/folder/finalize.ts'
import { folderIdOf } from '../../src/transfer/folder/safe-path.ts'
import { floorMs } from '../../src/transfer/manifest/manifest.ts'
import { statSync, utimesSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import { placeByRenameKilledBeforeRename } from '../helpers/killed-placing.ts'
import { removePartFolder } from '../../src/transfer/receive/part-folders.ts'

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

describe('placeByRename after a placing killed between its claim and its rename', () => {
  it('takes its own empty claim again: the file goes under the name it claimed, not "name (1)" next to an empty file left under the final name (helper finding)', async () => {
    await writeFile(join(dir, 'p0'), 'the bytes')
    placeByRenameKilledBeforeRename(join(dir, 'p0'), join(dir, 'a.txt'))
    expect(statSync(join(dir, 'a.txt')).size).toBe(0)
    expect(await placeByRename(join(dir, 'p0'), join(dir, 'a.txt'))).toBe(join(dir, 'a.txt'))
    expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('the bytes')
    expect(await readdir(dir)).toEqual(['a.txt'])
  })

  it('a name it claimed because the person\'s (empty) file had the name: that "name (1)" is taken again, the person\'s file left as it is', async () => {
    await writeFile(join(dir, 'b.txt'), '')
    await writeFile(join(dir, 'p0'), 'the bytes')
    placeByRenameKilledBeforeRename(join(dir, 'p0'), join(dir, 'b.txt'))
    expect(await placeByRename(join(dir, 'p0'), join(dir, 'b.txt'))).toBe(join(dir, 'b (1).txt'))
    expect(await readFile(join(dir, 'b (1).txt'), 'utf8')).toBe('the bytes')
    expect(await readFile(join(dir, 'b.txt'), 'utf8')).toBe('')
    expect((await readdir(dir)).sort()).toEqual(['b (1).txt', 'b.txt'])
  })
})

describe('a claim left by a placing killed before its rename, its part file then let go of unplaced', () => {
  it('is removed with the part folder (the receive cancelled, or its kept part files swept): no empty file stays under the final name (helper finding); one written to since is the person\'s, and stays', async () => {
    const partDir = join(dir, '.ferry-part', 'ab'.repeat(32))
    await mkdir(partDir, { recursive: true })
    await mkdir(join(dir, 'album'))
    await writeFile(join(partDir, '0'), 'the bytes')
    await writeFile(join(partDir, '1'), 'more bytes')
    placeByRenameKilledBeforeRename(join(partDir, '0'), join(dir, 'album', 'a.txt'))
    placeByRenameKilledBeforeRename(join(partDir, '1'), join(dir, 'album', 'b.txt'))
    await writeFile(join(dir, 'album', 'b.txt'), 'written here since')
    await removePartFolder(dir, 'ab'.repeat(32))
    expect(await readdir(join(dir, 'album'))).toEqual(['b.txt'])
    expect(await readFile(join(dir, 'album', 'b.txt'), 'utf8')).toBe('written here since')
    expect(await readdir(dir)).toEqual(['album'])
  })
})

describe('placeFile', () => {
  it('places nothing in ferry\'s state folder (keepOut), though the offer was checked elsewhere: a receive that began in another receive folder and is placed in one that holds the state folder after a restart (review finding)', async () => {
    const root = join(dir, 'recv')
    const state = join(root, '.local', 'state', 'ferry')
    await mkdir(state, { recursive: true })
    const keepOut = folderIdOf(state)
    for (const [relPath, into] of [['.local/state/ferry/ferry.db-journal', state], ['.local/state/ferry/sub/x', state]] as const) {
      await writeFile(join(dir, 'part'), 'planted')
      await expect(placeFile({ root, relPath, partPath: join(dir, 'part'), mtimeMs: 0, mode: 0o644, keepOut }), relPath).rejects.toMatchObject({ code: 'E_PATH_UNSAFE', message: expect.stringMatching(/ferry's own state folder/) })
      expect(await readdir(into)).toEqual([])
    }
    // a folder entry there too, and the receive folder being the state folder itself (through a link to it as well)
    await expect(placeDir(root, '.local/state/ferry/new', 0, undefined, 0, keepOut)).rejects.toMatchObject({ code: 'E_PATH_UNSAFE' })
    await symlink(state, join(dir, 'state-link'))
    for (const r of [state, join(dir, 'state-link')]) {
      await expect(placeFile({ root: r, relPath: 'x.jpg', partPath: join(dir, 'part'), mtimeMs: 0, mode: 0o644, keepOut })).rejects.toMatchObject({ code: 'E_PATH_UNSAFE', message: 'the receive folder is ferry\'s own state folder: nothing is placed in it' })
    }
    expect(await readdir(state)).toEqual([])
    // beside it: placed as usual
    expect(await placeFile({ root, relPath: '.local/state/notes.txt', partPath: join(dir, 'part'), mtimeMs: 0, mode: 0o644, keepOut })).toBe(join(root, '.local', 'state', 'notes.txt'))
  })

  it('looks at the folders on the way again before each file: a folder swapped for a symbolic link to one outside after the first file was placed gets nothing (review finding: the next file was written outside the receive folder)', async () => {
    const root = join(dir, 'recv')
    const outside = join(dir, 'outside')
    await mkdir(root)
    await mkdir(outside)
    const knownDirs = new Set<string>()
    await writeFile(join(dir, 'p0'), 'first')
    await writeFile(join(dir, 'p1'), 'second')
    expect(await placeFile({ root, relPath: 'D/a', partPath: join(dir, 'p0'), mtimeMs: 0, mode: 0o644, knownDirs })).toBe(join(root, 'D', 'a'))
    // a local user moves the folder away and puts a symlink in its place
    await rename(join(root, 'D'), join(root, 'D-moved'))
    await symlink(outside, join(root, 'D'))
    await expect(placeFile({ root, relPath: 'D/b', partPath: join(dir, 'p1'), mtimeMs: 0, mode: 0o644, knownDirs })).rejects.toMatchObject({ code: 'E_PATH_UNSAFE' })
    expect(await readdir(outside)).toEqual([])
  })

  it('a folder moved away while the rest of its files arrive is made again for them, not the transfer failed with ENOENT (review finding)', async () => {
    const root = join(dir, 'recv')
    await mkdir(root)
    const knownDirs = new Set<string>()
    await writeFile(join(dir, 'p0'), 'first')
    await writeFile(join(dir, 'p1'), 'second')
    await placeFile({ root, relPath: 'D/E/a', partPath: join(dir, 'p0'), mtimeMs: 0, mode: 0o644, knownDirs })
    await rename(join(root, 'D'), join(root, 'D-tidied'))
    expect(await placeFile({ root, relPath: 'D/E/b', partPath: join(dir, 'p1'), mtimeMs: 0, mode: 0o644, knownDirs })).toBe(join(root, 'D', 'E', 'b'))
    expect(await readFile(join(root, 'D', 'E', 'b'), 'utf8')).toBe('second')
    expect(await readFile(join(root, 'D-tidied', 'E', 'a'), 'utf8')).toBe('first')
  })
})

describe('foldersOf', () => {
  it('every folder that got a new entry, up to the receive folder, never above it', () => {
    const r = '/recv'
    expect([...foldersOf(r, ['/recv/a/b/f', '/recv/g', '/recv/a/b/h', '/recv/a/c'])].sort()).toEqual(['/recv', '/recv/a', '/recv/a/b'])
    expect([...foldersOf(r, ['/elsewhere/x', '/recv'])]).toEqual([])
    // a folder whose name starts with ".." is inside (review finding: it and the receive folder were never flushed)
    expect([...foldersOf(r, ['/recv/..foo/x'])].sort()).toEqual(['/recv', '/recv/..foo'])
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

/** Nanoseconds between neighbouring doubles of seconds around `ms` (at least 1): what utimes can hold there. */
const spacingNs = (ms: number): bigint => ms === 0 ? 1n : BigInt(Math.max(1, Math.ceil(2 ** (Math.floor(Math.log2(Math.abs(ms / 1000))) - 52) * 1e9)))

describe('file times: utimesSeconds and floorMs', () => {
  it('a time set from whole ms reads back as those ms, within one double spacing above (0.24 µs today; new Date(ms) set half of them 1 ms early)', async () => {
    const f = join(dir, 't')
    await writeFile(f, 'x')
    // within what ext4 and tmpfs hold (1901–2446)
    const times = [0, -1, -999, -1001, 1, 999, 1_700_000_468_609, 1_700_000_000_999, 1_600_000_000_123, 4_102_444_800_001, -1_000_000_000_001]
    for (let i = 0; i < 500; i++) times.push(1_700_000_000_000 + i * 7_919)
    const wrong: string[] = []
    for (const ms of times) {
      const s = utimesSeconds(ms)
      utimesSync(f, s, s)
      const ns = statSync(f, { bigint: true }).mtimeNs
      const above = ns - BigInt(ms) * 1_000_000n
      if (floorMs(ns) !== ms || above < 0n || above > spacingNs(ms)) wrong.push(`${ms}: ${ns}`)
    }
    expect(wrong).toEqual([])
    // what the old code did, for the record: the test above can fail
    utimesSync(f, new Date(1_700_000_468_609), new Date(1_700_000_468_609))
    expect(floorMs(statSync(f, { bigint: true }).mtimeNs)).toBe(1_700_000_468_608)
  })

  it('with the nanoseconds past the ms, a time reads back with those ms exactly and within one double spacing of the nanoseconds (a double of seconds holds no more: 2^-22 s apart today, 0.24 µs)', async () => {
    const f = join(dir, 'tn')
    await writeFile(f, 'x')
    const times: Array<[number, number]> = [[1_700_000_000_123, 456_789], [1_700_000_000_999, 999_999], [1_700_000_000_000, 1], [0, 1], [-1, 999_999], [-1_000_000_000_001, 500_000], [4_102_444_800_001, 999_900]]
    for (let i = 0; i < 500; i++) times.push([1_700_000_000_000 + i * 7_919, (i * 104_729) % 1_000_000])
    const wrong: string[] = []
    let worst = 0n
    for (const [ms, sub] of times) {
      const s = utimesSeconds(ms, sub)
      utimesSync(f, s, s)
      const ns = statSync(f, { bigint: true }).mtimeNs
      const off = ns - (BigInt(ms) * 1_000_000n + BigInt(sub))
      const abs = off < 0n ? -off : off
      if (abs > worst) worst = abs
      if (floorMs(ns) !== ms || abs > spacingNs(ms)) wrong.push(`${ms} + ${sub} ns: ${ns}`)
    }
    expect(wrong).toEqual([])
    // without them, the same time lands up to 0.999999 ms away
    const s = utimesSeconds(1_700_000_000_123)
    utimesSync(f, s, s)
    expect(statSync(f, { bigint: true }).mtimeNs - 1_700_000_000_123_456_789n).toBeLessThan(-456_000n)
    expect(worst).toBeGreaterThan(0n) // doubles really are that coarse: the bound above is not slack
  })

  it('floorMs rounds down exactly, also before 1970 (Stats.mtimeMs rounds .999999999 s up into the next second)', () => {
    expect(floorMs(1_700_000_000_999_999_999n)).toBe(1_700_000_000_999)
    expect(Math.floor(Number(1_700_000_000_999_999_999n) / 1e6)).toBe(1_700_000_001_000)
    expect(floorMs(0n)).toBe(0)
    expect(floorMs(999_999n)).toBe(0)
    expect(floorMs(-1n)).toBe(-1)
    expect(floorMs(-1_000_000n)).toBe(-1)
    expect(floorMs(-1_000_001n)).toBe(-2)
  })

  it('fileMode keeps the sender\'s permission bits, read and write for the owner, less the umask', () => {
    const umask = process.umask()
    expect(fileMode(0o600)).toBe(0o600 & ~umask)
    expect(fileMode(0o755)).toBe(0o755 & ~umask)
    expect(fileMode(0o444)).toBe(0o644 & ~umask)
    expect(fileMode(0o000)).toBe(0o600 & ~umask)
    expect(fileMode(0o777)).toBe(0o777 & ~umask)
    expect(fileMode(0o4755)).toBe(0o755 & ~umask)
  })
})

describe('setMetadataOf', () => {
  it('sets time and mode only on the file it was told of; a FIFO put in its place does not block it (review finding: the open waited for a writer, and the daemon with it)', async () => {
    const path = join(dir, 'placed.bin')
    await writeFile(path, 'x')
    const st = statSync(path, { bigint: true })
    const after = await setMetadataOf(path, { ino: st.ino, ctimeNs: st.ctimeNs }, 1_262_304_000_123, 0, 0o755)
    expect(after?.mode != null && Number(after.mode) & 0o777).toBe(fileMode(0o755))
    expect(floorMs(after!.mtimeNs)).toBe(1_262_304_000_123)
    // no longer that file (its change time moved): left as it is
    expect(await setMetadataOf(path, { ino: st.ino, ctimeNs: st.ctimeNs }, 0, 0, 0o600)).toBeUndefined()
    expect(statSync(path).mode & 0o777).toBe(fileMode(0o755))
    await rm(path)
    execFileSync('mkfifo', [path])
    expect(await setMetadataOf(path, { ino: st.ino, ctimeNs: st.ctimeNs }, 0, 0, 0o600)).toBeUndefined()
  })
})

describe('placeDir on a folder that is there already', () => {
  it('takes away the permission bits its sender\'s folder no longer grants, and adds none: a folder made private there and sent again is private here too (user-test finding: it stayed 0755)', async () => {
    const mode = (p: string): number => statSync(p).mode & 0o7777
    const root = join(dir, 'recv')
    await mkdir(join(root, 'trip'), { recursive: true, mode: 0o755 })
    execFileSync('chmod', ['755', join(root, 'trip')])
    await placeDir(root, 'trip', Date.now(), new Map([['trip', 0o700]]))
    expect(mode(join(root, 'trip')).toString(8)).toBe('700')
    // only group and other lose bits: the owner's stay, and the receiving user's own tightening is kept
    await mkdir(join(root, 'own'), { mode: 0o750 })
    execFileSync('chmod', ['2750', join(root, 'own')])
    await placeDir(root, 'own', Date.now(), new Map([['own', 0o500 | 0o055]]))
    expect(mode(join(root, 'own')).toString(8)).toBe('2750')
    await placeDir(root, 'own', Date.now(), new Map([['own', 0o777]]))
    expect(mode(join(root, 'own')).toString(8)).toBe('2750')
    await placeDir(root, 'own', Date.now(), new Map([['own', 0o705]]))
    expect(mode(join(root, 'own')).toString(8)).toBe('2700')
    // no mode told (a folder on the way, not the entry): left as it is
    await mkdir(join(root, 'loose'), { mode: 0o755 })
    execFileSync('chmod', ['755', join(root, 'loose')])
    await placeDir(root, 'loose', Date.now())
    expect(mode(join(root, 'loose')).toString(8)).toBe('755')
  })
})
