// A receive folder whose disk turns read-only in the middle of a receive: an
// ext4 disk image mounted with errors=remount-ro, made read-only by the
// kernel's own error path (trigger_fs_error, as a disk that fails a write
// does; a plain `mount -o remount,ro` is refused while files are open for
// writing). The receive fails with E_IO saying the file system is read-only
// now, not Node's "EROFS: read-only file system, write" alone (helper
// finding); nothing is left under the file's name, and the daemon goes on:
// mounted writable again, the same send arrives whole. Two real daemons on
// 127.0.0.1 (mDNS off); needs root and mkfs.ext4 (required in CI, a printed
// skip elsewhere).

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { cleanupAll, pairDaemons, spawnCli, startDaemon, tempDir, waitFor, whileStopped, type TestDaemon } from '../helpers/daemon.ts'
import { rootRequiredButMissing } from '../helpers/lab.ts'

const MiB = 1024 * 1024
const skip = rootRequiredButMissing('read-only disk tests (mount -o loop, ext4)') ?? (spawnSync('which', ['mkfs.ext4']).status !== 0 ? 'no mkfs.ext4' : undefined)
let image: string
let disk: string | undefined
let mounted = false
let sender: TestDaemon
let receiver: TestDaemon
let files: string

/** What the part folders on the disk hold (du), 0 before there are any. */
function partBytes (): number {
  const du = spawnSync('du', ['-sb', join(disk!, '.ferry-part')], { encoding: 'utf8' })
  return du.status === 0 ? Number(du.stdout.split('\t')[0]) : 0
}

function mount (): void {
  execFileSync('mount', ['-o', 'loop,errors=remount-ro', image, disk!])
  mounted = true
}

beforeAll(async () => {
  if (skip != null) return
  const root = await tempDir('ferry-readonly-')
  image = join(root, 'disk.img')
  execFileSync('truncate', ['-s', '512M', image])
  execFileSync('mkfs.ext4', ['-q', '-F', image])
  disk = join(root, 'disk')
  await mkdir(disk)
  mount()
  files = await tempDir('ferry-readonly-src-')
  sender = await startDaemon({ name: 'sender' })
  receiver = await startDaemon({ name: 'nas', receiveDir: disk, peers: [sender.addr] })
  await pairDaemons(sender, receiver)
})

afterAll(async () => {
  if (sender != null && sender.proc.exitCode == null) sender.proc.kill('SIGCONT')
  await Promise.allSettled([sender?.stop(), receiver?.stop()])
  if (mounted) { try { execFileSync('umount', [disk!]) } catch { execFileSync('umount', ['-l', disk!]) } }
  await cleanupAll()
})

describe.skipIf(skip != null)('a receive folder whose disk turns read-only mid-receive', () => {
  it('fails the receive with E_IO saying the file system is read-only now; nothing under the final name; mounted writable again, a re-send arrives whole', async () => {
    const big = join(files, 'video.bin')
    const data = randomBytes(200 * MiB)
    await writeFile(big, data)
    const send = spawnCli(['send', 'nas', big, '--home', sender.home], { timeoutMs: 120_000 })
    await waitFor(() => partBytes() >= 40 * MiB, 'the first 40 MiB to arrive', 60_000, 20)
    await whileStopped(sender, async () => {
      const dev = basename(execFileSync('findmnt', ['-no', 'SOURCE', disk!], { encoding: 'utf8' }).trim())
      await writeFile(`/sys/fs/ext4/${dev}/trigger_fs_error`, 'ferry test: the disk failed\n')
    })
    const r = await send.done
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(/^ferry: E_IO: receiver: .*\(the file system is read-only now: remounted so, or by the system after an error on the disk\)/m)
    expect((await readdir(disk!)).filter((n) => n !== 'lost+found' && n !== '.ferry-part')).toEqual([])
    const listed = JSON.parse((await receiver.cli(['transfers', '--json'])).stdout)[0]
    expect(listed).toMatchObject({ direction: 'receive', state: 'failed', error: { code: 'E_IO' } })
    // while it is so, offers are refused up front, saying why, and `ferry status` says it: its mount still reads rw
    // and access(2) writable (ext4's emergency_ro), and an offer was accepted, then failed with EROFS (helper finding)
    const small = join(files, 'small.bin')
    await writeFile(small, randomBytes(1000))
    const refused = await sender.cli(['send', 'nas', small])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^ferry: E_IO: receiver: receive folder .* \(on the disk mounted at .*\) is on a read-only file system \(the file system is read-only now: remounted so, or by the system after an error on the disk\)$/m)
    expect(JSON.parse((await receiver.cli(['status', '--json'])).stdout).receiveProblem).toMatch(/is on a read-only file system/)
    // the daemon goes on: the disk mounted again, writable, the same send takes what is kept
    execFileSync('umount', [disk!])
    mounted = false
    // as the kernel asks of a disk that failed ("Marked fs in need of filesystem check"): unchecked, the next write to
    // what the abort left inconsistent can fail it again and make it read-only anew (seen once in CI: the re-send was
    // refused as read-only; a test set-up fault, not ferry's). e2fsck exits 1 or 2 when it mended something.
    const fsck = spawnSync('e2fsck', ['-fy', image], { encoding: 'utf8' })
    expect(fsck.status, fsck.stdout + fsck.stderr).toBeLessThanOrEqual(2)
    mount()
    const options = execFileSync('findmnt', ['-no', 'OPTIONS,FS-OPTIONS', disk!], { encoding: 'utf8' }).trim()
    expect(options, 'the disk mounted writable again').not.toMatch(/(^|[,\s])(ro|emergency_ro)([,\s]|$)/)
    const again = await sender.cli(['send', 'nas', big, '--json'])
    expect(again.code, again.stderr).toBe(0)
    // (what had arrived is fetched again when it was not yet flushed and recorded: the disk dropped its
    // unwritten pages as it turned read-only)
    expect((await readFile(join(disk!, 'video.bin'))).equals(data)).toBe(true)
  })
})
