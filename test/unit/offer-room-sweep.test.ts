// An offer that does not fit the receive folder's disk takes the room of the
// part folders ended receives left (kept a day for a re-send) in every
// receive folder of that disk this daemon received into, not only in the
// current one (notes' leftover, as for a receive waiting for room: room-wait.ts);
// not on another disk, whose room is not this one's. The disk's free bytes
// are faked (statfs): none, so the offer is refused whatever is removed, and
// what it removed on the way is what the test looks at.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TransferStore, openDb, type Db } from '../../src/store/index.ts'
import { fileEntry } from '../helpers/evil-peer.ts'
import { bareIntake, offerAnswer } from '../helpers/offer-intake.ts'

/** statfs(2) of the folders under `dir`: a disk of 64 GiB with nothing free */
const disk = vi.hoisted(() => ({ dir: '' }))

vi.mock('node:fs/promises', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs/promises')>()
  const statfs = (async (path: string, opts?: object) => {
    const st = await orig.statfs(path, opts as never)
    if (disk.dir === '' || !String(path).startsWith(disk.dir)) return st
    return Object.assign(Object.create(Object.getPrototypeOf(st) as object) as object, st, { bsize: 4096, blocks: 2 ** 24, bfree: 0, bavail: 0 })
  }) as typeof orig.statfs
  return { ...orig, statfs, default: { ...orig, statfs } }
})


let dir: string
let db: Db
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'ferry-offer-room-sweep-')); disk.dir = dir; db = openDb(join(dir, 'ferry.db')) })
afterEach(() => { disk.dir = ''; db.close(); rmSync(dir, { recursive: true, force: true }) })

/** A part folder an ended receive left in `receiveDir`, of 1 MiB */
function keptIn (receiveDir: string): string {
  const kept = join(receiveDir, '.ferry-part', 'ef'.repeat(32))
  mkdirSync(kept, { recursive: true })
  writeFileSync(join(kept, '0'), Buffer.alloc(1024 * 1024, 1))
  return kept
}

describe('an offer that does not fit, and the part folders ended receives left in the receive folders of its disk', () => {
  it('takes their room in every receive folder of the disk this daemon received into, not only the current one\'s, and not on another disk', async () => {
    const receiveDir = join(dir, 'now')
    const earlier = join(dir, 'earlier')
    mkdirSync(receiveDir)
    mkdirSync(earlier)
    // /dev/shm: another disk, where there is one
    const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/ferry-offer-room-sweep-') : undefined
    const elsewhere = shm !== undefined && statSync(shm).dev !== statSync(dir).dev ? shm : undefined
    try {
      const kept = { now: keptIn(receiveDir), earlier: keptIn(earlier), elsewhere: elsewhere !== undefined ? keptIn(elsewhere) : undefined }
      const store = new TransferStore(db)
      vi.spyOn(store, 'receiveDirs').mockReturnValue([earlier, ...(elsewhere !== undefined ? [elsewhere] : [])])
      const answer = await offerAnswer(bareIntake(store, receiveDir), [fileEntry('a.txt', Buffer.from('hello'))])
      expect(answer?.error?.code).toBe('E_NO_SPACE')
      expect(existsSync(kept.now), 'kept in the receive folder').toBe(false)
      expect(existsSync(kept.earlier), 'kept in an earlier receive folder of the disk').toBe(false)
      if (kept.elsewhere !== undefined) expect(existsSync(kept.elsewhere), 'kept on another disk').toBe(true)
    } finally {
      if (shm !== undefined) rmSync(shm, { recursive: true, force: true })
    }
  })
})
