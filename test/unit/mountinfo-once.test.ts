// An offer's checks read /proc/self/mountinfo once: the look at the receive
// folder's disk (receive-mount.ts, made again on its own disk if it went)
// and the check that the folder can take files (receive-folder.ts, its disk
// made read-only after an error) each read it for themselves (notes'
// leftover), a third time when the folder was made again. One read serves
// all of them now; what each decides is tested where it was (mounts.test.ts,
// test/lab/readonly.test.ts, test/lab/unmounted.test.ts). So do a preview's
// (Receives.previewFits): the read-only check, and a file over FAT32's limit
// onto a FUSE file system read it again for the driver's name.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TransferStore, openDb, type Db } from '../../src/store/index.ts'
import { fakeFileEntry, fileEntry } from '../helpers/evil-peer.ts'
import { bareIntake, bareReceives, offerAnswer } from '../helpers/offer-intake.ts'
import type { OfferFile } from '../../src/protocol/transfer.ts'

/** reads of /proc/self/mountinfo; `fuse`: statfs(2) says the folders under it are on a FUSE file system, of 64 GiB free */
const reads = vi.hoisted(() => ({ n: 0, fuse: '' }))

vi.mock('node:fs/promises', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs/promises')>()
  const readFile = (async (path: unknown, ...rest: unknown[]) => {
    if (path === '/proc/self/mountinfo') reads.n++
    return await (orig.readFile as (...a: unknown[]) => Promise<unknown>)(path, ...rest)
  }) as typeof orig.readFile
  const statfs = (async (path: string, opts?: object) => {
    const st = await orig.statfs(path, opts as never)
    if (reads.fuse === '' || !String(path).startsWith(reads.fuse)) return st
    return Object.assign(Object.create(Object.getPrototypeOf(st) as object) as object, st, { type: 0x65735546, bsize: 4096, blocks: 2 ** 24, bfree: 2 ** 24, bavail: 2 ** 24 })
  }) as typeof orig.statfs
  return { ...orig, readFile, statfs, default: { ...orig, readFile, statfs } }
})


let dir: string
let db: Db
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ferry-mountinfo-once-')); db = openDb(join(dir, 'ferry.db')) })
afterEach(async () => { reads.fuse = ''; db.close(); await rm(dir, { recursive: true, force: true }) })

/** An offer of one small file (or `files`) to a receive folder `receiveDir`, held for a decision: its answer's status, and the reads of mountinfo it took. */
async function offerTo (receiveDir: string, files: OfferFile[] = [fileEntry('a.txt', Buffer.from('hello'))]): Promise<{ status: string | undefined, reads: number }> {
  const intake = bareIntake(new TransferStore(db), receiveDir)
  reads.n = 0
  const answer = await offerAnswer(intake, files)
  return { status: answer?.status, reads: reads.n }
}

describe.runIf(process.platform === 'linux')('an offer\'s checks of the receive folder', () => {
  it('read mountinfo once, the folder there', async () => {
    const receiveDir = join(dir, 'in')
    await mkdir(receiveDir)
    expect(await offerTo(receiveDir)).toEqual({ status: 'pending', reads: 1 })
  })

  it('read mountinfo once, the folder made again (removed since the daemon started)', async () => {
    expect(await offerTo(join(dir, 'gone'))).toEqual({ status: 'pending', reads: 1 })
  })

  it('read mountinfo once, a file over FAT32\'s limit offered onto a FUSE file system (whose driver mountinfo names)', async () => {
    const receiveDir = join(dir, 'fuse')
    await mkdir(receiveDir)
    reads.fuse = receiveDir
    expect(await offerTo(receiveDir, [fakeFileEntry('big.img', 5 * 1024 ** 3)])).toEqual({ status: 'pending', reads: 1 })
  })
})

describe.runIf(process.platform === 'linux')('a preview\'s checks of the receive folder (Receives.previewFits, before fetching ahead)', () => {
  /** Whether a preview of `files` fits `receiveDir`, and the reads of mountinfo it took. */
  async function previewTo (receiveDir: string, files: OfferFile[]): Promise<{ fits: boolean, reads: number }> {
    const receives = bareReceives(new TransferStore(db), receiveDir)
    reads.n = 0
    const fits = await receives.previewFits(receiveDir, files.reduce((n, f) => n + f.size, 0), files)
    return { fits, reads: reads.n }
  }

  it('read mountinfo once, a small file', async () => {
    const receiveDir = join(dir, 'in')
    await mkdir(receiveDir)
    expect(await previewTo(receiveDir, [fileEntry('a.txt', Buffer.from('hello'))])).toEqual({ fits: true, reads: 1 })
  })

  it('read mountinfo once, a file over FAT32\'s limit onto a FUSE file system (whose driver mountinfo names; notes\' leftover: twice)', async () => {
    const receiveDir = join(dir, 'fuse')
    await mkdir(receiveDir)
    reads.fuse = receiveDir
    expect(await previewTo(receiveDir, [fakeFileEntry('big.img', 5 * 1024 ** 3)])).toEqual({ fits: true, reads: 1 })
  })
})
