// Transfers of what the receiver holds already, end to end on 127.0.0.1
// with mDNS off: a folder sent again under another name, the same content
// twice in one send, a kept part file shared with another receive, copied
// instead of fetched; the sender's cache of chunk hashes; and, apart from
// these but as heavy, a file over 2 GiB. The two paired daemons and the
// helpers are test/helpers/transfer.ts's, as in transfer.test.ts; split from
// it so that vitest runs the files side by side.

import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { mkdir, open, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { TransferInfo } from '../../src/daemon/control/types.ts'
import { DatabaseSync } from 'node:sqlite'
import { MIN_CHUNK_SIZE, chunkSizeFor } from '../../src/transfer/index.ts'
import { CACHE_MIN_AGE_MS } from '../../src/transfer/manifest/manifest.ts'
import { utimesSeconds } from '../../src/transfer/folder/finalize.ts'
import { spawnCli, tempDir, waitFor } from '../helpers/daemon.ts'
import { digestFile, sameBytes, writeRandomFile } from '../helpers/files.ts'
import { KiB, MiB, a, acceptedByHand, b, expectError, poll, send, setMtime, transferDaemons, transfersOf } from '../helpers/transfer.ts'

transferDaemons()

const ROLL_FILE_SIZE = 200 * MiB

describe('transfer, copies', () => {
  it('a file over 2 GiB (its size and offsets past 2^31) arrives identical, its mtime in 1970 kept', async () => {
    // sparse: random bytes at the start, across the 2^31 mark and at the end, holes between
    const size = 2 * 1024 * MiB + 3 * MiB + 17
    expect(chunkSizeFor(size)).toBe(2 * MiB)
    const path = join(await tempDir('ferry-src-'), 'over-2GiB.bin')
    const fh = await open(path, 'w')
    try {
      await fh.truncate(size)
      for (const at of [0, 2 ** 31 - 512 * KiB, size - MiB - 17]) await fh.write(randomBytes(MiB + 17), 0, MiB + 17, at)
    } finally { await fh.close() }
    const mtimeMs = 2 ** 31 + 123 // a varint the 1.0.0 offer garbled (1970-01-25)
    await utimes(path, new Date(mtimeMs), new Date(mtimeMs))
    const got = join(b.receiveDir, 'over-2GiB.bin')
    try {
      const res = await send([path], 300_000)
      expect(res).toMatchObject({ state: 'done', files: 1, totalBytes: size, receipt: { verified: true } })
      const st = await stat(got)
      expect([st.size, st.mtimeMs]).toEqual([size, mtimeMs])
      expect(await sameBytes(got, path), 'arrived as sent, byte for byte').toBe(true)
    } finally {
      // 2 GiB of real blocks on the receiver; the tests after this one list its folder
      await rm(got, { force: true })
    }
  }, 240_000) // 2 GiB hashed, sent and digested on both sides: ~35 s alone, several times that on a busy box

  it('a receive that shares only a chunk with a kept part file leaves it: the re-send it is kept for still copies what it holds, and removes it once done (review finding: one chunk copied removed it whole)', async () => {
    const dir = await tempDir('ferry-src-')
    const edited = join(dir, 'kept-for-later.bin')
    // 64 chunks of 256 KiB: the last is asked for only once most of the others arrived (6 MiB are asked for at a time)
    const size = 64 * MIN_CHUNK_SIZE
    const chunk = chunkSizeFor(size)
    await writeRandomFile(edited, size)
    // its last chunk edited once it is offered, its time put back: the chunks before it are served (each
    // checked against its hash), the last is not, and beta keeps the part file of what it verified
    const sending = await acceptedByHand((o) => o.names.includes('kept-for-later.bin'), () => spawnCli(['send', 'beta', edited, '--json', '--home', a.home], { timeoutMs: 60_000 }), async () => {
      const was = await stat(edited)
      const fh = await open(edited, 'r+')
      try { await fh.write(Buffer.from('edited in place'), 0, 15, size - 100) } finally { await fh.close() }
      const ms = Math.floor(was.mtimeMs)
      await utimes(edited, utimesSeconds(ms), utimesSeconds(ms))
    })
    const done = await sending.done
    expectError(done, 'E_SOURCE_CHANGED')
    const failed = JSON.parse(done.stdout) as TransferInfo
    const onB = await poll(b, 'beta to show the receive failed', async (ctl) => (await ctl.call('transfers')).find((t) => t.id === failed.id && t.state === 'failed'))
    const partDir = join(b.receiveDir, '.ferry-part', onB.root)
    expect((await stat(partDir)).isDirectory()).toBe(true)
    // more than twice the one chunk shared below: a receive that shares it copies under half of what is kept
    expect(onB.doneBytes).toBeGreaterThanOrEqual(4 * chunk)
    expect(onB.doneBytes).toBeLessThan(size)

    // another file whose first chunk is the kept one's: that chunk is copied from the kept part file, the other fetched
    const fh = await open(edited, 'r')
    const first = Buffer.alloc(chunk)
    try { await fh.read(first, 0, chunk, 0) } finally { await fh.close() }
    const sharing = join(dir, 'shares-a-chunk.bin')
    await writeFile(sharing, Buffer.concat([first, randomBytes(chunk)]))
    expect(await send([sharing])).toMatchObject({ state: 'done', receipt: { verified: true }, wireBytes: chunk })
    // the edited file sent again: what beta kept of it is still there to copy, only the rest crosses the wire
    const again = await send([edited])
    expect(again).toMatchObject({ state: 'done', receipt: { verified: true } })
    expect(again.wireBytes, 'the kept part file was removed by a receive that copied one chunk of it').toBe(size - onB.doneBytes)
    expect(await sameBytes(join(b.receiveDir, 'kept-for-later.bin'), edited), 'arrived as sent, byte for byte').toBe(true)
    // and that re-send, which copied all of it, removes it
    await waitFor(async () => await stat(partDir).then(() => undefined, () => true), 'beta to drop the kept part file the re-send copied from', 15_000)
    for (const n of ['kept-for-later.bin', 'shares-a-chunk.bin']) await rm(join(b.receiveDir, n))
  })

  it('a folder sent again under another name is copied from what the receiver holds, nothing on the wire, and the sender\'s progress follows the copies', async () => {
    const dir = await tempDir('ferry-src-')
    const roll = join(dir, 'roll')
    await mkdir(roll)
    // enough that the copies below last more than a few of the receiver's progress reports (every 250 ms,
    // progress-report.ts) on a fast machine, for one to be seen mid-way; 3 x 300 MiB took 17 s in CI, most
    // of it to write, hash and send them once
    for (let i = 0; i < 3; i++) await writeRandomFile(join(roll, `VID_${i}.mp4`), ROLL_FILE_SIZE)
    expect(await send([roll])).toMatchObject({ state: 'done', wireBytes: 3 * ROLL_FILE_SIZE })
    const renamed = join(dir, 'roll-renamed')
    await rename(roll, renamed)
    const before = new Set((await transfersOf(a)).map((t) => t.id))
    const sending = spawnCli(['send', 'beta', renamed, '--json', '--home', a.home], { timeoutMs: 120_000 })
    // the receiver copies 600 MiB it has under the old name and fetches nothing: the sender, which serves
    // nothing, shows it going (it stayed at 0 % until the receipt before the receiver told it)
    const midway = await poll(a, 'alpha to show the copies under way', async (ctl) => (await ctl.call('transfers')).find((t) => !before.has(t.id) && t.direction === 'send' && t.state === 'fetching' && t.doneBytes > 0 && t.doneBytes < t.totalBytes), 60_000, 10)
    expect(midway.wireBytes).toBe(0)
    const done = await sending.done
    expect(done.code, done.stderr).toBe(0)
    expect(JSON.parse(done.stdout)).toMatchObject({ state: 'done', wireBytes: 0, receipt: { verified: true } })
    for (let i = 0; i < 3; i++) expect(await sameBytes(join(b.receiveDir, 'roll-renamed', `VID_${i}.mp4`), join(renamed, `VID_${i}.mp4`)), `VID_${i}.mp4`).toBe(true)
    await rm(join(b.receiveDir, 'roll'), { recursive: true })
    await rm(join(b.receiveDir, 'roll-renamed'), { recursive: true })
    await rm(dir, { recursive: true })
  }, 120_000) // 600 MiB written, hashed and sent, then hashed and copied: ~45 s on a box loaded 5 times over

  it('a folder of more files than the receiver may hold descriptors sent again under another name is copied whole, its part files not all held open (helper finding: EMFILE, nothing placed)', async () => {
    const dir = await tempDir('ferry-src-')
    const many = join(dir, 'many')
    await mkdir(many)
    const FILES = 700
    for (let i = 0; i < FILES; i++) await writeFile(join(many, `f${String(i).padStart(4, '0')}.txt`), `${i} `.repeat(600 + i))
    expect(await send([many])).toMatchObject({ state: 'done', files: FILES })
    const again = join(dir, 'many-again')
    await rename(many, again)
    // the receiving daemon may open 512 descriptors from now on (it held one per part file it copied into, until each
    // was placed): its soft limit, which it may raise back, where the hard one takes privilege (CAP_SYS_RESOURCE) to
    const pid = String(b.proc.pid)
    const was = execFileSync('prlimit', ['--pid', pid, '--nofile', '--output', 'SOFT,HARD', '--noheadings'], { encoding: 'utf8' }).trim().split(/\s+/)
    execFileSync('prlimit', ['--pid', pid, `--nofile=512:${was[1]}`])
    try {
      const res = await send([again], 120_000)
      expect(res).toMatchObject({ state: 'done', files: FILES, wireBytes: 0, receipt: { verified: true } })
    } finally {
      execFileSync('prlimit', ['--pid', pid, `--nofile=${was[0]}:${was[1]}`])
    }
    for (let i = 0; i < FILES; i += 37) {
      const name = `f${String(i).padStart(4, '0')}.txt`
      expect(await sameBytes(join(b.receiveDir, 'many-again', name), join(again, name)), name).toBe(true)
    }
    expect(await readdir(join(b.receiveDir, 'many-again'))).toHaveLength(FILES)
    await rm(join(b.receiveDir, 'many'), { recursive: true })
    await rm(join(b.receiveDir, 'many-again'), { recursive: true })
    await rm(dir, { recursive: true })
  }, 120_000)

  it('the same content twice in one send crosses the wire once: a duplicate file, and a file\'s repeated blocks, are copied from what arrived', async () => {
    const dir = join(await tempDir('ferry-src-'), 'dupes')
    await mkdir(join(dir, 'album'), { recursive: true })
    const photo = randomBytes(1536 * KiB) // two chunks (1 MiB and 512 KiB: chunking.ts)
    await writeFile(join(dir, 'IMG_0001.jpg'), photo)
    await writeFile(join(dir, 'album', 'IMG_0001 copy.jpg'), photo)
    // a disk image: one block of a chunk's size, 8 times (random, so that nothing the receiver holds has it)
    const block = randomBytes(chunkSizeFor(8 * MiB))
    await writeFile(join(dir, 'disk.img'), Buffer.concat(Array.from({ length: 8 }, () => block)))
    const sent = await send([dir])
    expect(sent).toMatchObject({ state: 'done', files: 3, totalBytes: 2 * photo.length + 8 * block.length, receipt: { verified: true } })
    expect(sent.wireBytes).toBe(photo.length + block.length)
    const got = join(b.receiveDir, 'dupes')
    for (const name of ['IMG_0001.jpg', join('album', 'IMG_0001 copy.jpg'), 'disk.img']) {
      expect(await sameBytes(join(got, name), join(dir, name)), name).toBe(true)
    }
    expect((await transfersOf(b)).find((t) => t.id === sent.id)).toMatchObject({ state: 'done', doneBytes: sent.totalBytes, wireBytes: photo.length + block.length })
    await rm(got, { recursive: true })
  })

  it('a cancel while the receiver copies the duplicates of a send stops the copies: nothing more is placed after it', async () => {
    const dir = join(await tempDir('ferry-src-'), 'many-copies')
    const photo = randomBytes(30_000)
    for (let d = 0; d < 20; d++) {
      await mkdir(join(dir, `d${d}`), { recursive: true })
      for (let i = 0; i < 100; i++) await writeFile(join(dir, `d${d}`, `IMG_${i}.jpg`), photo)
    }
    const before = new Set((await transfersOf(b)).map((t) => t.id))
    // the copies are made as their first one arrives (fetched ahead, the plan would make them all before it places one)
    const sending = await acceptedByHand((o) => o.names.some((n) => n.startsWith('many-copies/')), () => spawnCli(['send', 'beta', dir, '--json', '--home', a.home], { timeoutMs: 60_000 }))
    const active = await poll(b, 'beta to have copied a fifth of the duplicates', async (ctl) => (await ctl.call('transfers')).find((t) => !before.has(t.id) && t.direction === 'receive' && t.doneBytes >= 400 * photo.length), 30_000, 20)
    expect(active.doneBytes, 'cancelled too late').toBeLessThan(1800 * photo.length)
    expect((await b.cli(['cancel', active.id.slice(0, 8)])).code).toBe(0)
    expectError(await sending.done, 'E_CANCELLED')
    const placed = async (): Promise<number> => (await readdir(join(b.receiveDir, 'many-copies'), { recursive: true })).filter((n) => n.endsWith('.jpg')).length
    const atCancel = await placed()
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(await placed()).toBe(atCancel)
    expect(atCancel).toBeLessThan(2000)
    await rm(join(b.receiveDir, 'many-copies'), { recursive: true })
  })

  it('the sender remembers chunk hashes; hashes a file again when it changed in place, even with its size and mtime put back; forgets an entry the receiver proved wrong', async () => {
    const file = join(await tempDir('ferry-src-'), 'cache-me.bin')
    const size = 3 * MiB + 17
    await writeRandomFile(file, size)
    const mtime = await setMtime(file)
    await new Promise((resolve) => setTimeout(resolve, CACHE_MIN_AGE_MS + 200)) // out of the racy window, so the send remembers it
    const first = await send([file])
    expect(first).toMatchObject({ state: 'done', receipt: { verified: true } })
    const original = await digestFile(file)
    expect(await digestFile(join(b.receiveDir, 'cache-me.bin'))).toEqual(original)
    // the sender's store (read-only, beside the running daemon) holds the file's identity and chunk hashes
    const db = new DatabaseSync(join(a.home, 'ferry.db'), { readOnly: true })
    const row = db.prepare('SELECT size, chunk_size, length(chunks) AS bytes FROM hash_cache WHERE path = ?').get(file) as { size: number, chunk_size: number, bytes: number } | undefined
    db.close()
    expect(row).toEqual({ size, chunk_size: chunkSizeFor(size), bytes: 32 * Math.ceil(size / chunkSizeFor(size)) })
    expect((await send([file])).root).toBe(first.root) // unchanged: the same manifest, from the cache

    // rewritten in place (same inode, same size) and its mtime put back: only ctime tells
    await writeRandomFile(file, size)
    await utimes(file, new Date(mtime), new Date(mtime))
    const changed = await send([file])
    expect(changed.root).not.toBe(first.root)
    expect(changed.wireBytes).toBe(size) // every chunk is new
    expect(await digestFile(join(b.receiveDir, 'cache-me (1).bin'))).toEqual(await digestFile(file))
    expect(await digestFile(join(b.receiveDir, 'cache-me.bin'))).toEqual(original)

    // an entry that is wrong although the file's identity matches (as on a file system whose ctime
    // does not move): the receiver refuses the bytes, the sender checks the chunk asked for again against the
    // hash it offered and finds it is not that (sender.ts), the send fails with E_SOURCE_CHANGED, its one file
    // not received (before: the receiver refused it 3 times, E_HASH_MISMATCH), and the entry is forgotten
    await new Promise((resolve) => setTimeout(resolve, CACHE_MIN_AGE_MS + 200))
    expect((await send([file])).root).toBe(changed.root) // remembered now
    const rw = new DatabaseSync(join(a.home, 'ferry.db'))
    rw.exec('PRAGMA busy_timeout = 5000')
    expect(rw.prepare('UPDATE hash_cache SET chunks = zeroblob(length(chunks)) WHERE path = ?').run(file).changes).toBe(1)
    const refused = await a.cli(['send', 'beta', file, '--json'], { timeoutMs: 60_000 })
    expectError(refused, 'E_SOURCE_CHANGED')
    expect(refused.stderr).toMatch(/its bytes differ from those offered, though neither its modification nor its change time moved/)
    expect(rw.prepare('SELECT COUNT(*) AS n FROM hash_cache WHERE path = ?').get(file)).toEqual({ n: 0 })
    rw.close()
    const healed = await send([file])
    expect(healed.root).toBe(changed.root)
    // the receiver has that content already, as "cache-me (1).bin": not placed a third time
    expect(healed.wireBytes).toBe(0)
    expect(await digestFile(join(b.receiveDir, 'cache-me (1).bin'))).toEqual(await digestFile(file))
    await expect(stat(join(b.receiveDir, 'cache-me (2).bin'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
