// A receive folder on a disk of its own that is not mounted (a USB disk on a
// home server, unplugged, or not mounted after a reboot): offers are refused
// with E_PATH_NOT_FOUND, and nothing is made on the disk under the mount
// point, neither by an offer nor by the daemon's start; once the disk is
// mounted again, receives go there (src/transfer/folder/receive-mount.ts). Two
// real daemons on 127.0.0.1 (mDNS off); the disk is a small tmpfs mounted
// for this test (needs root; required in CI, a printed skip elsewhere).

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cleanupAll, pairDaemons, startDaemon, tempDir, type CliResult, type TestDaemon } from '../helpers/daemon.ts'
import { rootRequiredButMissing } from '../helpers/lab.ts'

const skip = rootRequiredButMissing('unmounted-disk tests (mount -t tmpfs)')
let disk: string | undefined
let mounted = false
let sender: TestDaemon
let receiver: TestDaemon
let files: string

function mount (): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0755', 'tmpfs', disk!])
  mounted = true
}

function unmount (): void {
  try { execFileSync('umount', [disk!]) } catch { execFileSync('umount', ['-l', disk!]) }
  mounted = false
}

beforeAll(async () => {
  if (skip != null) return
  disk = join(await tempDir('ferry-unmounted-'), 'usb')
  await mkdir(disk)
  mount()
  files = await tempDir('ferry-unmounted-src-')
  sender = await startDaemon({ name: 'sender' })
  receiver = await startDaemon({ name: 'nas', receiveDir: join(disk, 'photos'), peers: [sender.addr] })
  await pairDaemons(sender, receiver)
})

// each case starts with the disk mounted, so that one failing midway (disk away) does not fail the next ones too
beforeEach(() => {
  if (skip == null && !mounted) mount()
})

afterAll(async () => {
  await Promise.allSettled([sender?.stop(), receiver?.stop()])
  if (mounted) unmount()
  await cleanupAll()
})

function expectError (r: CliResult, code: string): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1)
  expect(r.stderr).toMatch(new RegExp(`^ferry: ${code}: `, 'm'))
}

async function send (name: string): Promise<CliResult> {
  const path = join(files, name)
  await writeFile(path, `${name}\n`)
  return await sender.cli(['send', 'nas', path])
}

describe.skipIf(skip != null)('a receive folder whose disk is not mounted', () => {
  it('is not made on the disk under the mount point, by an offer or at the daemon\'s start; offers are refused with E_PATH_NOT_FOUND until the disk is back, then go to it', async () => {
    const first = await send('one.jpg')
    expect(first.code, first.stderr).toBe(0)
    expect(await readFile(join(disk!, 'photos', 'one.jpg'), 'utf8')).toBe('one.jpg\n')

    unmount()
    const refused = await send('two.jpg')
    expectError(refused, 'E_PATH_NOT_FOUND')
    expect(refused.stderr).toContain('the receive folder is on a disk that is not mounted now; send again once it is')
    // the mount point on the system's disk stays empty (before, the folder was made there and the file put in it)
    expect(await readdir(disk!)).toEqual([])
    // `ferry status` says why (it said nothing of it)
    const status = await receiver.cli(['status'])
    expect(status.stdout).toContain(`receive:   ${join(disk!, 'photos')} (not there, and its disk (mounted at ${disk!} when last seen) is not mounted now: offers are refused until it is)`)

    // a restart while the disk is away (a reboot where it did not mount) does not make it either
    receiver = await receiver.restart()
    expect(receiver.output()).toMatch(/the receive folder is not there, and was on a disk mounted at another place/)
    // said once: not also the general "cannot take files" of a folder not there
    expect(receiver.output()).not.toMatch(/cannot take files/)
    expect(await readdir(disk!)).toEqual([])
    expectError(await send('three.jpg'), 'E_PATH_NOT_FOUND')
    expect(await readdir(disk!)).toEqual([])

    // the disk back (here a fresh one, where the folder is made again, as a folder the user removed is)
    mount()
    expect(JSON.parse((await receiver.cli(['status', '--json'])).stdout).receiveProblem).toBe('not there: made again at the next offer')
    const back = await send('four.jpg')
    expect(back.code, back.stderr).toBe(0)
    expect(await readFile(join(disk!, 'photos', 'four.jpg'), 'utf8')).toBe('four.jpg\n')
    expect(JSON.parse((await receiver.cli(['status', '--json'])).stdout).receiveProblem).toBeUndefined()
  })

  it('that was the disk\'s mount point itself: with the disk away it is an empty folder on the disk under it, and offers are refused the same way', async () => {
    receiver = await receiver.restart({ receiveDir: disk! })
    const first = await send('five.jpg')
    expect(first.code, first.stderr).toBe(0)
    unmount()
    const refused = await send('six.jpg')
    expectError(refused, 'E_PATH_NOT_FOUND')
    expect(await readdir(disk!)).toEqual([])
    mount()
    const back = await send('seven.jpg')
    expect(back.code, back.stderr).toBe(0)
    expect(await readdir(disk!)).toEqual(['seven.jpg'])
  })
  it('that was the disk\'s mount point, with a marker file left in it before the disk was first mounted: still refused with the disk away; used once something is put in it by hand', async () => {
    // a sysadmin's NOT_MOUNTED marker in the empty mount point, under the disk (before, anything in the folder made it the one to use)
    unmount()
    await writeFile(join(disk!, 'NOT_MOUNTED'), 'the USB disk is not mounted\n')
    mount()
    // the disk seen there again by an offer, after the marker was made
    const first = await send('eight.jpg')
    expect(first.code, first.stderr).toBe(0)
    unmount()
    const refused = await send('nine.jpg')
    expectError(refused, 'E_PATH_NOT_FOUND')
    expect(await readdir(disk!)).toEqual(['NOT_MOUNTED'])
    // the person moves on to the folder on the system's disk: something put in it since the disk was last seen
    await mkdir(join(disk!, 'albums'))
    const used = await send('ten.jpg')
    expect(used.code, used.stderr).toBe(0)
    expect((await readdir(disk!)).sort()).toEqual(['NOT_MOUNTED', 'albums', 'ten.jpg'])
    await Promise.all(['NOT_MOUNTED', 'albums', 'ten.jpg'].map(async (name) => await rm(join(disk!, name), { recursive: true })))
    mount()
  })

  it('seen only at the daemon\'s start (no offer yet): after a restart with the disk away it is not made under the mount point either', async () => {
    // a daemon set up on the disk, restarted (a reboot where the disk did not mount) before anything was received
    const fresh = await startDaemon({ name: 'fresh', receiveDir: join(disk!, 'albums') })
    expect(await readdir(join(disk!, 'albums'))).toEqual([])
    await fresh.stop()
    unmount()
    const again = await fresh.restart()
    await again.stop()
    expect(again.output()).toMatch(/the receive folder is not there, and was on a disk mounted at another place/)
    expect(await readdir(disk!)).toEqual([])
    mount()
  })
})
