// A receive folder on FAT32, as on a USB stick or an SDHC camera card: a
// file of 4 GiB or more cannot be held there (src/transfer/folder/file-size-limit.ts).
// Two real daemons on 127.0.0.1 (mDNS off), the receiver's folder on a FAT32
// image mounted with fusefat for this test (root, mkfs.vfat and fusefat: a
// printed skip where any is missing). This kernel has no vfat module, so the
// kernel's FAT (told by statfs, not by mountinfo) is not tried here.

import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FAT32, daemonsOnDiskImage, diskImageMissing } from '../helpers/disk-image.ts'
import { tempDir } from '../helpers/daemon.ts'
import { placeByRenameKilledBeforeRename } from '../helpers/killed-placing.ts'
import { placeByRename } from '../../src/transfer/folder/finalize.ts'

const missing = diskImageMissing(FAT32)

const lab = daemonsOnDiskImage(FAT32, missing)

describe.skipIf(missing != null)('a receive folder on FAT32', () => {
  it('refuses a file of 4 GiB, alone and up front (E_LIMIT naming FAT32), and receives the rest; alone in its send, the send fails with E_LIMIT (before: taken, and failed once 4 GiB had come)', async () => {
    const src = join(await tempDir(), 'holiday')
    await mkdir(src)
    const photo = randomBytes(100_000)
    await writeFile(join(src, 'IMG_0001.JPG'), photo)
    // one byte over FAT's limit, sparse here: nothing of it may be fetched
    await writeFile(join(src, 'MOVIE.MP4'), '')
    await truncate(join(src, 'MOVIE.MP4'), 2 ** 32)
    const r = await lab.sender.cli(['send', lab.receiver.name, src, '--json'])
    expect(r.code, r.stderr).toBe(1)
    const out = JSON.parse(r.stdout) as { state: string, error: { code: string }, receipt: { verified: boolean }, wireBytes: number, skipped: Array<{ path: string, reason: string }> }
    expect(out.error.code, JSON.stringify(out.error)).toBe('E_INCOMPLETE')
    expect(out.receipt.verified).toBe(true)
    expect(out.skipped.map((s) => s.path)).toEqual([join(src, 'MOVIE.MP4')])
    expect(out.skipped[0].reason).toMatch(/4\.00 GiB, larger than the receive folder's file system holds in one file \(FAT32: 4\.00 GiB less one byte\)/)
    // (not the photo's bytes exactly: through fusefat, the chunk fetched ahead while the film was hashed is fetched again)
    expect(out.wireBytes).toBeLessThanOrEqual(2 * photo.length)
    expect(await readFile(join(lab.mountpoint, 'in', 'holiday', 'IMG_0001.JPG'))).toEqual(photo)
    expect(await readdir(join(lab.mountpoint, 'in', 'holiday'))).toEqual(['IMG_0001.JPG'])

    // the film alone: nothing to receive, the send fails with the reason
    const alone = await lab.sender.cli(['send', lab.receiver.name, join(src, 'MOVIE.MP4'), '--json'])
    expect(alone.code, alone.stderr).toBe(1)
    const err = JSON.parse(alone.stdout) as { error: { code: string, message: string } }
    expect(err.error.code).toBe('E_LIMIT')
    expect(err.error.message).toContain('FAT32')
    expect((await readdir(join(lab.mountpoint, 'in'))).filter((n) => !n.startsWith('.'))).toEqual(['holiday'])
  })

  it('refuses, alone and up front, a name with ":" (fusefat says EPERM) and names ending in a dot or a space (fusefat keeps them, Windows would not): the rest arrives (review finding: the ":" failed the whole send with E_IO after its bytes came)', async () => {
    const src = join(await tempDir(), 'notes')
    await mkdir(join(src, 'Misc.'), { recursive: true })
    await writeFile(join(src, '10:30 call.txt'), 'colon')
    await writeFile(join(src, 'Misc.', 'a.txt'), 'below a folder ending in a dot')
    await writeFile(join(src, 'draft '), 'ends in a space')
    await writeFile(join(src, 'ok.txt'), 'ok')
    const r = await lab.sender.cli(['send', lab.receiver.name, src, '--json'])
    expect(r.code, r.stderr).toBe(1)
    const out = JSON.parse(r.stdout) as { state: string, error: { code: string }, receipt: { verified: boolean }, skipped: Array<{ path: string, reason: string }> }
    expect(out.error.code, JSON.stringify(out.error)).toBe('E_INCOMPLETE')
    expect(out.receipt.verified).toBe(true)
    const skipped = new Map(out.skipped.map((s) => [s.path.slice(src.length + 1), s.reason]))
    expect([...skipped.keys()].sort()).toEqual(['10:30 call.txt', 'Misc./a.txt', 'draft '])
    expect(skipped.get('10:30 call.txt')).toMatch(/cannot hold this name/)
    expect(skipped.get('draft ')).toMatch(/one Windows reads .* a name ending in a dot or a space is another name, or none$/)
    expect(skipped.get('Misc./a.txt')).toContain('"Misc."')
    const placed = join(lab.mountpoint, 'in', 'notes')
    expect(await readFile(join(placed, 'ok.txt'), 'utf8')).toBe('ok')
    expect(await readdir(placed)).toEqual(['ok.txt'])
    expect((await readdir(join(lab.mountpoint, 'in'))).filter((n) => n.startsWith('.ferry-probe'))).toEqual([])
  })

  it('a placing killed between the name it claimed and the rename of the part over it (kill -9): the next placing of that part takes its own empty claim, not "name (1)" beside an empty file under the final name (helper finding)', async () => {
    const dir = join(lab.mountpoint, 'claimed')
    await mkdir(dir)
    await writeFile(join(dir, 'p0'), 'the bytes')
    placeByRenameKilledBeforeRename(join(dir, 'p0'), join(dir, 'IMG_0002.JPG'))
    expect(await readFile(join(dir, 'IMG_0002.JPG'), 'utf8')).toBe('')
    expect(await placeByRename(join(dir, 'p0'), join(dir, 'IMG_0002.JPG'))).toBe(join(dir, 'IMG_0002.JPG'))
    expect(await readFile(join(dir, 'IMG_0002.JPG'), 'utf8')).toBe('the bytes')
    expect(await readdir(dir)).toEqual(['IMG_0002.JPG'])
  })
})
