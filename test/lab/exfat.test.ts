// A receive folder on exFAT, as on a USB stick or a camera's card: names
// with : * ? " < > | cannot be held there (src/transfer/folder/name-probe.ts), and
// a file's zeros take room, as it has no holes (zero-chunks.ts, keepsHoles). Two
// real daemons on 127.0.0.1 (mDNS off), the receiver's folder on an exFAT
// image mounted with exfat-fuse for this test (root, mkfs.exfat and
// mount.exfat-fuse: a printed skip where any is missing; this kernel has no
// vfat or exfat module of its own).

import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rm, stat, statfs, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { EXFAT, daemonsOnDiskImage, diskImageMissing } from '../helpers/disk-image.ts'
import { control as call, spawnCli, tempDir, waitFor } from '../helpers/daemon.ts'

const missing = diskImageMissing(EXFAT)

const lab = daemonsOnDiskImage(EXFAT, missing)

describe.skipIf(missing != null)('a receive folder on exFAT', () => {
  it('refuses each name exFAT cannot hold, alone and up front, and receives the rest: E_INCOMPLETE naming them, also on a re-send (user-test finding: the first such name failed the whole send, every time)', async () => {
    const src = join(await tempDir(), 'trip')
    await mkdir(join(src, '2024:summer'), { recursive: true })
    await mkdir(join(src, 'fine'))
    await writeFile(join(src, 'a:b.txt'), 'colon')
    await writeFile(join(src, 'what?.jpg'), 'question')
    await writeFile(join(src, 'ok.txt'), 'ok')
    await writeFile(join(src, '2024:summer', 'x.jpg'), 'below a folder exFAT cannot name')
    await writeFile(join(src, 'fine', 'y.jpg'), 'fine')
    // exfat-fuse holds names ending in a dot or a space as named, but Windows (and the kernel's exfat) would not: refused too
    await mkdir(join(src, 'Misc.'))
    await writeFile(join(src, 'Misc.', 'notes '), 'ends in a space')
    for (const round of [1, 2]) {
      const r = await lab.sender.cli(['send', lab.receiver.name, src, '--json'])
      expect(r.code, `round ${round}: ${r.stderr}`).toBe(1)
      const out = JSON.parse(r.stdout) as { state: string, error: { code: string }, receipt: { verified: boolean }, skipped: Array<{ path: string, reason: string }> }
      expect(out.error.code).toBe('E_INCOMPLETE')
      expect(out.state).toBe('done')
      expect(out.receipt.verified).toBe(true)
      expect(out.skipped.map((s) => s.path.slice(src.length + 1)).sort()).toEqual(['2024:summer/x.jpg', 'Misc./notes ', 'a:b.txt', 'what?.jpg'])
      for (const s of out.skipped.filter((s) => !s.path.includes('Misc.'))) expect(s.reason).toMatch(/the receive folder's file system cannot hold this name \(FAT and exFAT, and NTFS as Windows mounts it, refuse : \* \? " < > \|\)$/)
      expect(out.skipped.find((s) => s.path.includes('Misc.'))?.reason).toMatch(/"Misc.": the receive folder's file system is one Windows reads/)
      expect(out.skipped.find((s) => s.path.endsWith('x.jpg'))?.reason).toContain('"2024:summer"')
    }
    const placed = join(lab.mountpoint, 'in', 'trip')
    expect(await readFile(join(placed, 'ok.txt'), 'utf8')).toBe('ok')
    expect(await readFile(join(placed, 'fine', 'y.jpg'), 'utf8')).toBe('fine')
    // nothing else there, and no probe folder left in the receive folder
    expect((await readdir(placed)).sort()).toEqual(['fine', 'ok.txt'])
    expect((await readdir(join(lab.mountpoint, 'in'))).filter((n) => n.startsWith('.ferry-probe'))).toEqual([])
  })

  it('a folder sent again onto a card with less room left than the folder: nothing refused for room, nothing on the wire, only the new photo comes (user-test finding: E_NO_SPACE, as exFAT\'s change time cannot tell a file in place, and the free-space check counted every one as missing)', async () => {
    const src = join(await tempDir(), 'DCIM')
    await mkdir(src)
    for (let i = 1; i <= 8; i++) await writeFile(join(src, `IMG_000${i}.JPG`), randomBytes(2 * 1024 * 1024))
    const first = await lab.sender.cli(['send', lab.receiver.name, src, '--json'])
    expect(first.code, first.stderr).toBe(0)
    // the card fills up: less room than the folder's 16 MiB, more than the new photo's
    const left = async (): Promise<number> => { const f = await statfs(lab.mountpoint); return Number(f.bavail) * Number(f.bsize) }
    const filler = join(lab.mountpoint, 'filler.bin')
    await writeFile(filler, Buffer.alloc(Math.max(0, await left() - 10 * 1024 * 1024), 1))
    try {
      expect(await left()).toBeLessThan(16 * 1024 * 1024)
      await writeFile(join(src, 'IMG_0009.JPG'), randomBytes(100_000))
      const again = await lab.sender.cli(['send', lab.receiver.name, src, '--json'])
      expect(again.code, again.stderr).toBe(0)
      const out = JSON.parse(again.stdout) as { wireBytes: number, files: number }
      expect(out.files).toBe(9)
      // the new photo, and no more (a file in place is read to be sure, not fetched)
      expect(out.wireBytes).toBeLessThanOrEqual(100_000 * 2)
      expect((await readdir(join(lab.mountpoint, 'in', 'DCIM'))).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `IMG_000${i + 1}.JPG`))
    } finally {
      await rm(filler, { force: true })
      await rm(join(lab.mountpoint, 'in', 'DCIM'), { recursive: true, force: true })
    }
  })

  it('counts a file\'s runs of zeros in the free-space check, as exFAT has no holes: refused up front with E_NO_SPACE, nothing placed (user-test finding: taken, then ENOSPC once its bytes had come)', async () => {
    const dir = await tempDir()
    const file = join(dir, 'disk.img')
    // 8 MiB of data, then 72 MiB of zeros: 8 MiB where a file system keeps holes, 80 MiB on this 64 MiB exFAT
    const fh = await open(file, 'w')
    await fh.write(randomBytes(8 * 1024 * 1024))
    await fh.truncate(80 * 1024 * 1024)
    await fh.close()
    const r = await lab.sender.cli(['send', lab.receiver.name, file, '--json'])
    expect(r.code, r.stderr).toBe(1)
    const out = JSON.parse(r.stdout) as { error: { code: string, message: string }, wireBytes?: number }
    // up front: the offer's answer, before a byte came (late, it was "ENOSPC: no space left on device, ftruncate")
    expect(out.error.code).toBe('E_NO_SPACE')
    expect(out.error.message).toMatch(/^receiver: the receive folder has [0-9.]+ [KMG]iB free; this needs/)
    expect(out.wireBytes ?? 0).toBe(0)
    expect(existsSync(join(lab.mountpoint, 'in', 'disk.img'))).toBe(false)
    const free = await statfs(lab.mountpoint)
    expect(Number(free.bavail) * Number(free.bsize)).toBeGreaterThan(32 * 1024 * 1024) // nothing was allocated for it
    expect((await readdir(join(lab.mountpoint, 'in'))).filter((n) => n.startsWith('.ferry-holes-probe'))).toEqual([])
  })

  it('a file and a folder of one send whose names differ only in case: the file is kept beside the folder as "name (1)", all of it arrives (user-test finding: "photos exists and is not a folder" failed the send)', async () => {
    const src = join(await tempDir(), 'c6')
    await mkdir(join(src, 'photos'), { recursive: true })
    await writeFile(join(src, 'Photos'), 'a file named like the folder')
    // the file completes first, as in the user test (without the fix, it took the name)
    const inFolder = randomBytes(8 * 1024 * 1024)
    await writeFile(join(src, 'photos', '1.jpg'), inFolder)
    const r = await lab.sender.cli(['send', lab.receiver.name, src, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as { state: string, receipt: { verified: boolean }, renamed?: Array<{ from: string, to: string }> }
    expect(out.state).toBe('done')
    expect(out.receipt.verified).toBe(true)
    const placed = join(lab.mountpoint, 'in', 'c6')
    expect((await readFile(join(placed, 'photos', '1.jpg'))).equals(inFolder)).toBe(true)
    expect(await readFile(join(placed, 'Photos (1)'), 'utf8')).toBe('a file named like the folder')
    expect(JSON.stringify(out.renamed ?? [])).toContain('Photos (1)')
  })

  it('sending from exFAT: a photo edited in place with its date kept arrives as edited, not as the old one the receiver holds (user-test finding: the hash cache took exFAT\'s change time, which follows the date, for a real one)', async () => {
    const card = join(lab.mountpoint, 'card', 'DCIM')
    await mkdir(card, { recursive: true })
    const photo = join(card, 'IMG_0001.JPG')
    const taken = new Date('2021-05-05T05:05:02Z')
    await writeFile(photo, randomBytes(300_000))
    await utimes(photo, taken, taken)
    // hashed well after its last change, as a card's photos are: the cache would keep it
    await new Promise((resolve) => setTimeout(resolve, 2500))
    const first = await lab.sender.cli(['send', lab.receiver.name, card, '--json'])
    expect(first.code, first.stderr).toBe(0)
    // a rating written into the file by a tool that keeps its date (exiftool -P)
    const fh = await open(photo, 'r+')
    await fh.write(Buffer.from('RATING5'), 0, 7, 100)
    await fh.close()
    await utimes(photo, taken, taken)
    const edited = await readFile(photo)
    const second = await lab.sender.cli(['send', lab.receiver.name, card, '--json'])
    expect(second.code, second.stderr).toBe(0)
    // the person's copy is kept, the edited one arrives beside it
    const received = join(lab.mountpoint, 'in', 'DCIM')
    const copies = await Promise.all((await readdir(received)).map(async (n) => await readFile(join(received, n))))
    expect(copies.some((c) => c.equals(edited)), 'the edited photo arrived').toBe(true)
  })

  it('sending from exFAT: a photo edited in place with its date kept while its send waits to be accepted is left out alone (E_INCOMPLETE naming it), the rest arrives (before: the receiver rejected its chunks 3 times and failed the whole send, E_HASH_MISMATCH)', async () => {
    const card = join(lab.mountpoint, 'card3', 'DCIM')
    await mkdir(card, { recursive: true })
    const taken = new Date('2022-06-06T06:06:06Z')
    const photos = ['IMG_0101.JPG', 'IMG_0102.JPG'].map((name) => ({ name, bytes: randomBytes(400_000) }))
    for (const p of photos) {
      await writeFile(join(card, p.name), p.bytes)
      await utimes(join(card, p.name), taken, taken)
    }
    expect((await lab.receiver.cli(['auto-accept', lab.sender.name, 'off'])).code).toBe(0)
    try {
      const sending = spawnCli(['send', lab.receiver.name, card, '--json', '--home', lab.sender.home], { timeoutMs: 60_000 })
      const offer = await waitFor(async () => (await call(lab.receiver, 'offers'))[0], 'the offer to wait on the receiver', 30_000, 50)
      // hashed and offered; now a tool that keeps the date writes a rating into the first (exiftool -P)
      const fh = await open(join(card, photos[0].name), 'r+')
      await fh.write(Buffer.from('RATING5'), 0, 7, 100)
      await fh.close()
      await utimes(join(card, photos[0].name), taken, taken)
      expect((await lab.receiver.cli(['accept', offer.id])).code).toBe(0)
      const done = await sending.done
      expect(done.code, done.stderr).toBe(1)
      const out = JSON.parse(done.stdout) as { error: { code: string }, receipt: { verified: boolean }, skipped: Array<{ path: string, reason: string }> }
      expect(out.error.code).toBe('E_INCOMPLETE')
      expect(out.receipt.verified).toBe(true)
      expect(out.skipped.map((s) => s.path)).toEqual([join(card, photos[0].name)])
      // as the sender found it when asked for it: it served the refusal (its chunk checked against its hash), so it knows why
      expect(out.skipped[0].reason).toBe('changed since it was offered (its bytes differ; its modification time was put back); not received')
      const received = join(lab.mountpoint, 'in', 'DCIM')
      expect(await readFile(join(received, photos[1].name))).toEqual(photos[1].bytes)
      expect(existsSync(join(received, photos[0].name))).toBe(false)
    } finally {
      expect((await lab.receiver.cli(['auto-accept', lab.sender.name, 'on'])).code).toBe(0)
    }
  })

  it('sending from exFAT: photos arrive as the receiver\'s new files do (0644 under umask 022), not executable as exFAT shows every file (user-test finding: 0755)', async () => {
    const card = join(lab.mountpoint, 'card2', 'DCIM', '100CANON')
    await mkdir(card, { recursive: true })
    await writeFile(join(card, 'IMG_0002.JPG'), randomBytes(50_000))
    expect((await stat(join(card, 'IMG_0002.JPG'))).mode & 0o777, 'exFAT made it up').toBe(0o777)
    // from the card to a receive folder that keeps modes (the other daemon's, on this machine's disk)
    const r = await lab.receiver.cli(['send', lab.sender.name, join(lab.mountpoint, 'card2', 'DCIM'), '--json'])
    expect(r.code, r.stderr).toBe(0)
    const umask = process.umask()
    expect((await stat(join(lab.sender.receiveDir, 'DCIM', '100CANON', 'IMG_0002.JPG'))).mode & 0o777).toBe(0o666 & ~umask)
    // a folder keeps what it showed: 0777 is mkdir's own default, less the umask
    expect((await stat(join(lab.sender.receiveDir, 'DCIM', '100CANON'))).mode & 0o777).toBe(0o777 & ~umask)
  })
})
