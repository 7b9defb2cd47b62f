// A disk (or a bind mount) mounted inside the receive folder: ferry places
// each file by a link or a rename from its part folder, on the receive
// folder's own file system, which cannot reach onto another mount (EXDEV,
// a bind mount of the same file system too). The files for it are refused
// alone, up front, saying why; the rest of the send arrives, and nothing is
// written onto the mount (user-test finding: the whole receive failed once
// its bytes were in, with "EXDEV: cross-device link not permitted, rename
// '…/.ferry-part/…'", and a send again failed the same way). A mount made
// while the files come is met as a file is placed, and refused the same way
// for that file. Two real daemons on 127.0.0.1 (mDNS off); the disks are
// small tmpfs mounts and a bind mount made for this test (needs root;
// required in CI, a printed skip elsewhere).

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cleanupAll, pairDaemons, spawnCli, startDaemon, tempDir, waitFor, transfersOf, type TestDaemon } from '../helpers/daemon.ts'
import { rootRequiredButMissing } from '../helpers/lab.ts'

const skip = rootRequiredButMissing('mount-inside tests (mount -t tmpfs, mount --bind)')
/** mounted by this file, unmounted at its end, last first */
const mounts: string[] = []
let sender: TestDaemon
let receiver: TestDaemon
let recv: string
/** paced, so that a mount can be made while a file comes */
const SERVE_RATE = 2 * 1024 * 1024

function mount (args: string[], point: string): void {
  execFileSync('mount', [...args, point])
  mounts.push(point)
}

beforeAll(async () => {
  if (skip != null) return
  recv = await tempDir('ferry-mount-inside-recv-')
  sender = await startDaemon({ name: 'sender', env: { FERRY_TEST_SERVE_BYTES_PER_S: String(SERVE_RATE) } })
  receiver = await startDaemon({ name: 'nas', receiveDir: recv, peers: [sender.addr] })
  await pairDaemons(sender, receiver)
})

afterAll(async () => {
  await Promise.allSettled([sender?.stop(), receiver?.stop()])
  for (const point of mounts.reverse()) {
    try { execFileSync('umount', [point]) } catch { try { execFileSync('umount', ['-l', point]) } catch {} }
  }
  await cleanupAll()
})

/** A folder `name` to send: a.jpg at its top, and b.jpg and deep/c.jpg in its folder `inner`. */
async function album (name: string): Promise<string> {
  const dir = join(await tempDir('ferry-mount-inside-src-'), name)
  await mkdir(join(dir, 'inner', 'deep'), { recursive: true })
  for (const f of ['a.jpg', 'inner/b.jpg', 'inner/deep/c.jpg']) await writeFile(join(dir, f), `${name}/${f}\n`)
  return dir
}

describe.skipIf(skip != null)('a disk mounted inside the receive folder', () => {
  for (const kind of ['a disk of its own (tmpfs)', 'a bind mount of a folder of the same file system'] as const) {
    it(`${kind}: the files for it are refused alone, up front, saying why (E_IO); the rest arrives; nothing is written onto it; a send again does the same`, async () => {
      const name = kind.startsWith('a disk') ? 'trip' : 'bound'
      const point = join(recv, name, 'inner')
      await mkdir(point, { recursive: true })
      if (kind.startsWith('a disk')) mount(['-t', 'tmpfs', '-o', 'size=4m,mode=0755', 'tmpfs'], point)
      else mount(['--bind', await tempDir('ferry-mount-inside-bound-')], point)
      const src = await album(name)
      // the folder entry of the mount point is refused too: its time (and mode) are not set on that disk's root
      await utimes(join(src, 'inner'), 1_600_000_000, 1_600_000_000)
      const rootBefore = await stat(point)
      for (let run = 0; run < 2; run++) {
        const r = await sender.cli(['send', 'nas', src, '--json'])
        expect(r.code, r.stderr).toBe(1)
        const res = JSON.parse(r.stdout)
        expect(res.error?.code, r.stdout).toBe('E_INCOMPLETE')
        expect(res.state).toBe('done')
        const refused = res.skipped.filter((s: { failed?: boolean }) => s.failed === true)
        expect(refused.map((s: { path: string }) => s.path).sort()).toEqual([join(src, 'inner/b.jpg'), join(src, 'inner/deep/c.jpg')])
        for (const s of refused) {
          expect(s.code).toBe('E_IO')
          expect(s.reason).toContain(`"${name}/inner" in the receive folder has another disk mounted on it (or a bind mount)`)
        }
        expect(r.stderr).toMatch(new RegExp(`^ferry: warning: E_IO: ${join(src, 'inner/b.jpg').replaceAll('.', '\\.')}: refused by the receiver: `, 'm'))
        expect(await readFile(join(recv, name, 'a.jpg'), 'utf8')).toBe(`${name}/a.jpg\n`)
        // nothing onto the mount: no file, no folder, no claim of a name, no time or mode of its root changed
        expect(await readdir(point)).toEqual([])
        const rootNow = await stat(point)
        expect([rootNow.mtimeMs, rootNow.mode]).toEqual([rootBefore.mtimeMs, rootBefore.mode])
      }
    })
  }

  it('its mount point offered as an empty folder: refused too, its time and mode not set on that disk\'s root (review finding); the rest arrives', async () => {
    const point = join(recv, 'bare', 'inner')
    await mkdir(point, { recursive: true })
    mount(['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs'], point)
    const rootBefore = await stat(point)
    const src = join(await tempDir('ferry-mount-inside-src-'), 'bare')
    await mkdir(join(src, 'inner'), { recursive: true })
    await writeFile(join(src, 'a.jpg'), 'bare/a.jpg\n')
    await utimes(join(src, 'inner'), 1_600_000_000, 1_600_000_000)
    const r = await sender.cli(['send', 'nas', src, '--json'])
    expect(JSON.parse(r.stdout).state, r.stderr).toBe('done')
    expect(await readFile(join(recv, 'bare', 'a.jpg'), 'utf8')).toBe('bare/a.jpg\n')
    const rootNow = await stat(point)
    expect([rootNow.mtimeMs, rootNow.mode]).toEqual([rootBefore.mtimeMs, rootBefore.mode])
  })

  it('mounted while the files come: the file for it is refused as it is placed, saying why (E_IO); the rest arrives, nothing is written onto it', async () => {
    const src = join(await tempDir('ferry-mount-inside-src-'), 'late')
    await mkdir(join(src, 'later'), { recursive: true })
    // one file after another (by path), each paced: the mount is made while the first comes
    await writeFile(join(src, 'a-first.bin'), randomBytes(3 * SERVE_RATE))
    await writeFile(join(src, 'later', 'b.bin'), randomBytes(64 * 1024))
    const point = join(recv, 'late', 'later')
    await mkdir(point, { recursive: true })
    const sending = spawnCli(['send', 'nas', src, '--json', '--home', sender.home], { timeoutMs: 60_000 })
    await waitFor(async () => (await transfersOf(receiver)).find((t) => t.direction === 'receive' && t.state === 'fetching' && t.doneBytes > 0), 'the first file to start coming', 30_000, 50)
    mount(['-t', 'tmpfs', '-o', 'size=4m,mode=0755', 'tmpfs'], point)
    const r = await sending.done
    expect(r.code, r.stderr).toBe(1)
    const res = JSON.parse(r.stdout)
    expect(res.error?.code, r.stdout).toBe('E_INCOMPLETE')
    const refused = res.skipped.filter((s: { failed?: boolean }) => s.failed === true)
    expect(refused.map((s: { path: string }) => s.path)).toEqual([join(src, 'later', 'b.bin')])
    expect(refused[0].code).toBe('E_IO')
    expect(refused[0].reason).toMatch(/is on another disk \(or a bind mount\) than the receive folder/)
    expect((await readFile(join(recv, 'late', 'a-first.bin'))).length).toBe(3 * SERVE_RATE)
    expect(await readdir(point)).toEqual([])
  })
})
