// A receive folder on exFAT, as on a USB stick or a camera's card: names
// with : * ? " < > | cannot be held there (src/transfer/name-probe.ts). Two
// real daemons on 127.0.0.1 (mDNS off), the receiver's folder on an exFAT
// image mounted with exfat-fuse for this test (root, mkfs.exfat and
// mount.exfat-fuse: a printed skip where any is missing; this kernel has no
// vfat or exfat module of its own).

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cleanupAll, pairDaemons, startDaemon, tempDir, type TestDaemon } from '../helpers/daemon.ts'

const missing = process.getuid?.() !== 0
  ? 'not root'
  : ['mkfs.exfat', 'mount.exfat-fuse'].find((tool) => spawnSync('which', [tool]).status !== 0) ?? (existsSync('/dev/fuse') ? undefined : 'no /dev/fuse')
if (missing != null) console.log(`exFAT receive-folder test skipped: ${missing} (apt-get install exfatprogs exfat-fuse)`)

let mountpoint: string | undefined
let sender: TestDaemon
let receiver: TestDaemon

beforeAll(async () => {
  if (missing != null) return
  const root = await tempDir('ferry-exfat-')
  const image = join(root, 'exfat.img')
  execFileSync('truncate', ['-s', '64M', image])
  execFileSync('mkfs.exfat', [image], { stdio: 'ignore' })
  const stick = join(root, 'stick')
  await mkdir(stick)
  // mount(8) sets up the loop device (exfat-fuse wants a block device) and frees it at umount
  execFileSync('mount', ['-t', 'exfat-fuse', '-o', 'loop', image, stick], { stdio: 'ignore' })
  mountpoint = stick
  sender = await startDaemon({ name: 'exfat-sender' })
  receiver = await startDaemon({ name: 'exfat-receiver', receiveDir: join(mountpoint, 'in') })
  await pairDaemons(sender, receiver)
})

afterAll(async () => {
  await Promise.allSettled([sender?.stop(), receiver?.stop()])
  if (mountpoint != null) {
    try { execFileSync('umount', [mountpoint]) } catch { execFileSync('umount', ['-l', mountpoint]) }
  }
  await cleanupAll()
})

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
    for (const round of [1, 2]) {
      const r = await sender.cli(['send', receiver.name, src, '--json'])
      expect(r.code, `round ${round}: ${r.stderr}`).toBe(1)
      const out = JSON.parse(r.stdout) as { state: string, error: { code: string }, receipt: { verified: boolean }, skipped: Array<{ path: string, reason: string }> }
      expect(out.error.code).toBe('E_INCOMPLETE')
      expect(out.state).toBe('done')
      expect(out.receipt.verified).toBe(true)
      expect(out.skipped.map((s) => s.path.slice(src.length + 1)).sort()).toEqual(['2024:summer/x.jpg', 'a:b.txt', 'what?.jpg'])
      for (const s of out.skipped) expect(s.reason).toMatch(/the receive folder's file system cannot hold this name \(FAT, exFAT and NTFS refuse/)
      expect(out.skipped.find((s) => s.path.endsWith('x.jpg'))?.reason).toContain('"2024:summer"')
    }
    const placed = join(mountpoint!, 'in', 'trip')
    expect(await readFile(join(placed, 'ok.txt'), 'utf8')).toBe('ok')
    expect(await readFile(join(placed, 'fine', 'y.jpg'), 'utf8')).toBe('fine')
    // nothing else there, and no probe folder left in the receive folder
    expect((await readdir(placed)).sort()).toEqual(['fine', 'ok.txt'])
    expect((await readdir(join(mountpoint!, 'in'))).filter((n) => n.startsWith('.ferry-probe'))).toEqual([])
  })
})
