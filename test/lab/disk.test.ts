// Full disk, end to end: two real daemons on 127.0.0.1 (mDNS off), the
// receiver's receive folder on a small tmpfs mounted for this test (needs
// root; required in CI, a printed skip elsewhere). An offer that cannot fit
// is refused up front; a disk that fills up while a transfer runs has it
// wait for room (E_NO_SPACE, both sides told), and once there is room again
// it goes on by itself from the part file instead of starting over.
//
// Sizes: the receiver keeps 1 % of this small file system free on top of
// what an offer needs (64 MiB on one of 6.4 GiB and more: transfer/folder/space.ts),
// so a 96 MiB tmpfs refuses 100 MiB, takes 15 MiB, and takes one offer of
// 50 MiB but not a second while the first is under way.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, readFile, rm, stat, statfs, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { cleanupAll, control as call, runCli, spawnCli, startDaemon, tempDir, waitFor, waitListed, whileStopped, type CliResult, type TestDaemon } from '../helpers/daemon.ts'
import { rootRequiredButMissing } from '../helpers/lab.ts'
import { showCode } from '../helpers/pairing.ts'
import { sameBytes } from '../helpers/files.ts'
import { readSpool } from '../../src/transfer/receive/spool.ts'
import { chunkSizeFor } from '../../src/transfer/manifest/chunking.ts'

const MiB = 1024 * 1024
const TMPFS_MIB = 96

const skip = rootRequiredButMissing('full-disk tests (mount -t tmpfs)')
let mountpoint: string | undefined
let sender: TestDaemon
let receiver: TestDaemon
let files: string

async function writeRandom (path: string, size: number): Promise<Buffer> {
  const data = randomBytes(size)
  await writeFile(path, data)
  return data
}

async function freeBytes (dir: string): Promise<number> {
  const st = await statfs(dir)
  return Number(st.bavail) * Number(st.bsize)
}

beforeAll(async () => {
  if (skip != null) return
  const root = await tempDir('ferry-disk-')
  mountpoint = join(root, 'receive')
  await mkdir(mountpoint)
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_MIB}m,mode=0755`, 'tmpfs', mountpoint])
  files = await tempDir('ferry-disk-src-')
  sender = await startDaemon({ name: 'sender' })
  receiver = await startDaemon({ name: 'receiver', receiveDir: mountpoint, peers: [sender.addr] })
  const shown = await showCode(sender)
  const entered = await receiver.cli(['pair', '--json', '--peer', sender.addr], { env: { FERRY_CODE: shown.code } })
  expect(entered.code, entered.stderr).toBe(0)
  expect((await shown.cli.done).code).toBe(0)
  await waitListed(sender, receiver, { paired: true })
})

afterAll(async () => {
  // daemons first (they hold files on the mount), then the mount, then the folders
  if (sender != null && sender.proc.exitCode == null) sender.proc.kill('SIGCONT') // in case a test failed while it was stopped
  await Promise.allSettled([sender?.stop(), receiver?.stop()])
  if (mountpoint != null) {
    try { execFileSync('umount', [mountpoint]) } catch { execFileSync('umount', ['-l', mountpoint]) }
  }
  await cleanupAll()
})

describe.skipIf(skip != null)('full disk (tmpfs receive folder)', () => {
  it('an offer larger than the free space is refused up front: the sender exits 1 with E_NO_SPACE, nothing is written', async () => {
    expect(await freeBytes(mountpoint!)).toBe(TMPFS_MIB * MiB)
    const big = join(files, 'hundred.bin')
    await writeRandom(big, 100 * MiB)
    const r = await sender.cli(['send', receiver.peerId, big, '--json'])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(/^ferry: E_NO_SPACE: /m)
    expect(await readdir(mountpoint!)).toEqual([]) // no final name, no part folder
    expect(await freeBytes(mountpoint!)).toBe(TMPFS_MIB * MiB)
    const out = (await call(sender, 'transfers'))[0]
    expect(out).toMatchObject({ direction: 'send', state: 'failed', error: { code: 'E_NO_SPACE' } })
    // the receiving side shows it refused, with why, nothing received (user-test finding: no trace there)
    expect((await call(receiver, 'transfers')).filter((t) => t.direction === 'receive')).toMatchObject([{ id: out.id, state: 'failed', doneBytes: 0, wireBytes: 0, error: { code: 'E_NO_SPACE' } }])
  })

  it('an offer that fits the free space only without room for the bytes on their way in (the spool) is refused up front too (review finding: a 60 MiB file on an empty 64 MiB disk passed, failed half way with ENOSPC, and its kept bytes then counted as the file\'s)', async () => {
    const path = join(files, 'ninety.bin')
    await writeRandom(path, 90 * MiB) // 90 MiB + 1 % of 96 MiB fit; with its spool (256 KiB chunks: 7.5 MiB) it does not
    const r = await sender.cli(['send', receiver.peerId, path, '--json'])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toMatch(/^ferry: E_NO_SPACE: .*for chunks kept on disk as they arrive/m)
    expect(await readdir(mountpoint!)).toEqual([])
    expect(await freeBytes(mountpoint!)).toBe(TMPFS_MIB * MiB)
  })

  it('a disk that fills up during the transfer waits for room, both sides saying so, with nothing under the final name; once there is room it goes on by itself from what was kept (part file and spool), and `ferry send` exits 0', async () => {
    const path = join(files, 'fifteen.bin')
    const data = await writeRandom(path, 15 * MiB)
    const final = join(mountpoint!, 'fifteen.bin')
    const filler = join(mountpoint!, 'filler.bin')

    // hold the offer so the filler can go in after the accept and before any byte arrives:
    // the receiver asks before accepting, and the sender is stopped (SIGSTOP) across the accept
    await call(receiver, 'peer.autoAccept', { peer: sender.peerId, autoAccept: false })
    const send = spawnCli(['send', receiver.peerId, path, '--json', '--home', sender.home], { timeoutMs: 90_000 })
    const offer = await waitFor(async () => (await call(receiver, 'offers')).find((o) => o.peerId === sender.peerId), 'the offer to be pending', 20_000, 100)
    expect(offer.totalBytes).toBe(15 * MiB)
    sender.proc.kill('SIGSTOP')
    let leftFree: number
    try {
      const accepted = await call(receiver, 'accept', { id: offer.id }) // passes the free-space check: 15 + 1 ≤ 96 MiB
      expect(accepted.id).toBe(offer.id)
      // leave 5 MiB: a third of the file fits, then the disk is full
      await writeFile(filler, Buffer.alloc((await freeBytes(mountpoint!)) - 5 * MiB, 0x5a))
      leftFree = await freeBytes(mountpoint!)
    } finally {
      sender.proc.kill('SIGCONT')
    }
    expect(leftFree).toBeLessThanOrEqual(5 * MiB)

    // the receive waits for room, saying how much it lacks; the sender is told at once, not at its next probe
    const waiting = await waitFor(async () => {
      const t = (await call(receiver, 'transfers')).find((x) => x.id === offer.id)
      return t?.state === 'waiting' && t.error?.code === 'E_NO_SPACE' ? t : undefined
    }, 'the receive to wait for room', 30_000, 100)
    // what to do first, the figures after (the TUI shows two lines of it)
    expect(waiting.error!.message).toMatch(/^the receive folder's disk has no room for the rest; this goes on by itself once there is room \(free some there, or cancel this\): the receive folder has .*; this needs /)
    expect(waiting.doneBytes).toBeLessThan(15 * MiB)
    const told = await waitFor(async () => {
      const t = (await call(sender, 'transfers')).find((x) => x.id === offer.id)
      return t?.state === 'waiting' && t.error?.code === 'E_NO_SPACE' ? t : undefined
    }, 'the sender to be told', 10_000, 100)
    expect(told.error!.message).toMatch(/^receiver: the receive folder's disk has no room for the rest; this goes on by itself/)
    // and how far it got: what the receiver holds, not all that was served (the full disk took some of it not)
    expect(told.doneBytes).toBe(waiting.doneBytes)
    await waitFor(() => /^ferry: waiting for room on receiver \(E_NO_SPACE: receiver: the receive folder's disk has no room for the rest/m.test(send.stderr()) ? true : undefined, '`ferry send` to say it waits for room', 10_000, 100)
    expect(send.proc.exitCode).toBeNull()
    // it stays waiting while there is no room: no run at each look (every 2 s) that fails again; and the send with it,
    // no progress report of the run that ended coming after the tell (notes' leftover: "fetching" there for ~10 s)
    for (let i = 0; i < 25; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      expect((await call(sender, 'transfers')).find((x) => x.id === offer.id)).toMatchObject({ state: 'waiting', error: { code: 'E_NO_SPACE' } })
    }
    // `ferry status` on the receiving side says so, and why
    const status = await runCli(['status', '--home', receiver.home])
    expect(status.stdout).toMatch(/^transfers: 1 waiting for room\n {11}fifteen\.bin: E_NO_SPACE: the receive folder's disk has no room for the rest; /m)
    const still = (await call(receiver, 'transfers')).find((t) => t.id === offer.id)!
    expect(still).toMatchObject({ state: 'waiting', doneBytes: waiting.doneBytes, error: { code: 'E_NO_SPACE' } })
    expect(receiver.output().match(/receive folder full; the transfer waits for room/g)).toHaveLength(1)

    // nothing under the final name; what did arrive sits in the part file and the spool
    await expect(stat(final)).rejects.toMatchObject({ code: 'ENOENT' })
    const partDirs = await readdir(join(mountpoint!, '.ferry-part'))
    expect(partDirs).toHaveLength(1)
    const part = join(mountpoint!, '.ferry-part', partDirs[0], '0')
    // (it may even be empty: arriving bytes go to the spool first, and the
    // spool may have taken the last of the room)
    const partSize = (await stat(part)).size
    expect(partSize).toBeLessThan(15 * MiB)
    // chunks are written in parallel: below the end of the part file a chunk may be
    // missing (a hole) or torn by ENOSPC, but what is whole is the sender's data
    // the chunk size the rule gives this file (chunking.ts)
    const CHUNK = chunkSizeFor(15 * MiB)
    const isWhole = new Set<number>()
    const fh = await open(part, 'r')
    try {
      const head = Buffer.alloc(Math.floor(partSize / CHUNK) * CHUNK)
      await fh.read(head, 0, head.length, 0)
      for (let o = 0; o < head.length; o += CHUNK) if (head.subarray(o, o + CHUNK).equals(data.subarray(o, o + CHUNK))) isWhole.add(o / CHUNK)
    } finally { await fh.close() }
    const whole = isWhole.size
    // and what arrived of the chunks not yet in the part file is in the spool,
    // whole or their start, as far as the disk took it (src/transfer/receive/spool.ts)
    let spooled = 0
    for (const s of await readSpool(join(mountpoint!, '.ferry-part', partDirs[0]), (f, c) => f === 0 && c < 60 ? CHUNK : undefined)) {
      if (isWhole.has(s.chunk)) continue
      expect(Buffer.from(s.data).equals(data.subarray(s.chunk * CHUNK, s.chunk * CHUNK + s.data.length)), `spooled start of chunk ${s.chunk}`).toBe(true)
      spooled += s.data.length
    }
    expect(whole * CHUNK + spooled, 'bytes kept through the wait').toBeGreaterThan(0)
    expect(await readdir(mountpoint!)).toEqual(['.ferry-part', 'filler.bin'])

    // room again: the same transfer goes on by itself, and fetches only what was neither in the part file nor in the spool
    await rm(filler)
    const sent = await send.done
    expect(sent.code, sent.stderr).toBe(0)
    expect(sent.stderr).toMatch(/^ferry: sending to receiver$/m)
    const summary = JSON.parse(sent.stdout) as { id: string, state: string, totalBytes: number }
    expect(summary).toMatchObject({ id: offer.id, state: 'done', totalBytes: 15 * MiB })
    const received = (await call(receiver, 'transfers')).find((t) => t.id === offer.id)!
    expect(received).toMatchObject({ direction: 'receive', state: 'done', doneBytes: 15 * MiB })
    expect(received.wireBytes - waiting.wireBytes).toBe(15 * MiB - whole * CHUNK - spooled)
    expect((await readFile(final)).equals(data)).toBe(true)
    expect(await readdir(mountpoint!)).toEqual(['fifteen.bin']) // part folder cleaned up
    await call(receiver, 'peer.autoAccept', { peer: sender.peerId, autoAccept: true })
  })

  it('space is counted for receives under way: of two 50 MiB offers that each fit alone, the second is refused while the first runs', async () => {
    await call(receiver, 'peer.autoAccept', { peer: sender.peerId, autoAccept: false })
    const [p1, p2] = [join(files, 'fifty-1.bin'), join(files, 'fifty-2.bin')]
    await Promise.all([writeRandom(p1, 50 * MiB), writeRandom(p2, 50 * MiB)])
    const first = spawnCli(['send', receiver.peerId, p1, '--json', '--home', sender.home], { timeoutMs: 60_000 })
    const second = spawnCli(['send', receiver.peerId, p2, '--json', '--home', sender.home], { timeoutMs: 60_000 })
    const offers = await waitFor(async () => { const o = await call(receiver, 'offers'); return o.length === 2 ? o : undefined }, 'both offers to be pending', 20_000, 100)
    try {
      const o1 = offers.find((o) => o.names.includes('fifty-1.bin'))!
      const o2 = offers.find((o) => o.names.includes('fifty-2.bin'))!
      // the sender held: the first receive is under way while the second is accepted, however
      // slow this machine (50 MiB over loopback could end between two control calls; review finding)
      sender.proc.kill('SIGSTOP')
      try {
        await call(receiver, 'accept', { id: o1.id })
        await expect(call(receiver, 'accept', { id: o2.id })).rejects.toMatchObject({ code: 'E_NO_SPACE', message: expect.stringMatching(/for receives under way/) })
        expect((await call(receiver, 'transfers')).find((t) => t.id === o1.id), 'the first receive under way, no byte yet').toMatchObject({ doneBytes: 0 })
      } finally {
        sender.proc.kill('SIGCONT')
      }
      await call(receiver, 'decline', { id: o2.id })
    } finally {
      await call(receiver, 'peer.autoAccept', { peer: sender.peerId, autoAccept: true })
    }
    const [r1, r2] = [await first.done, await second.done]
    expect(r1.code, r1.stderr).toBe(0)
    expect(r2.code).toBe(1)
    expect(r2.stderr).toMatch(/^ferry: E_DECLINED: /m)
    expect(await readdir(mountpoint!)).toEqual(['fifteen.bin', 'fifty-1.bin'])
    // sent again to this fuller disk: it fits, as the file is there already (looked for only when an offer does not fit without it)
    expect(await freeBytes(mountpoint!)).toBeLessThan(50 * MiB)
    const again = await sender.cli(['send', receiver.peerId, p1, '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({ state: 'done', wireBytes: 0 })
    expect(await readdir(mountpoint!)).toEqual(['fifteen.bin', 'fifty-1.bin'])
  })

  it('an accept the state database cannot record fails with a code and leaves the offer waiting; once it can, the same accept goes through (review finding: memory said accepted and the receive ran, after a raw SQLite error)', async (ctx) => {
    const small = join(files, 'accept-me.bin')
    const data = await writeRandom(small, 256 * 1024)
    const db = ['ferry.db', 'ferry.db-wal'].map((f) => join(receiver.home, f))
    await call(receiver, 'peer.autoAccept', { peer: sender.peerId, autoAccept: false })
    const send = spawnCli(['send', receiver.peerId, small, '--json', '--home', sender.home], { timeoutMs: 60_000 })
    try {
      const offer = await waitFor(async () => (await call(receiver, 'offers')).find((o) => o.peerId === sender.peerId), 'the offer to be pending', 20_000, 100)
      // immutable even to root (ext2/3/4); where chattr cannot, there is nothing to check here
      if (db.some((f) => spawnSync('chattr', ['+i', f]).status !== 0)) {
        for (const f of db) spawnSync('chattr', ['-i', f])
        await call(receiver, 'decline', { id: offer.id })
        await send.done
        ctx.skip('chattr cannot make the state database immutable here')
      }
      try {
        const refused = await receiver.cli(['accept', offer.id])
        expect(refused.code).toBe(1)
        expect(refused.stderr).toMatch(/^ferry: E_IO: .*state database/m)
        expect((await call(receiver, 'offers')).map((o) => o.id)).toContain(offer.id)
        // stays fixed: the retry tick (RETRY_INTERVAL_MS, service.ts) that starts nothing leaves no log, count or event to wait for
        await new Promise((resolve) => setTimeout(resolve, 2500)) // a retry tick: nothing starts
        expect((await call(receiver, 'transfers')).find((t) => t.id === offer.id)?.state ?? 'offered').toBe('offered')
      } finally {
        for (const f of db) spawnSync('chattr', ['-i', f])
      }
      const accepted = await receiver.cli(['accept', offer.id])
      expect(accepted.code, accepted.stderr).toBe(0)
      const r = await send.done
      expect(r.code, r.stderr).toBe(0)
      expect((await readFile(join(mountpoint!, 'accept-me.bin'))).equals(data)).toBe(true)
    } finally {
      await call(receiver, 'peer.autoAccept', { peer: sender.peerId, autoAccept: true })
    }
  })

  it('a read-only receive folder refuses offers up front, saying so (not a raw ENOENT from a part folder); writable again, the same send completes', async () => {
    const small = join(files, 'small.bin')
    await writeRandom(small, 64 * 1024)
    execFileSync('mount', ['-o', 'remount,ro', mountpoint!])
    try {
      const r = await sender.cli(['send', receiver.peerId, small, '--json'])
      expect(r.code, r.stderr).toBe(1)
      expect(r.stderr).toMatch(/^ferry: E_IO: .*receive folder .* is on a read-only file system$/m)
      // a daemon whose home or receive folder would be made there says why (user-test finding: "E_IO: ENOENT … mkdir")
      for (const [option, path] of [['--home', join(mountpoint!, 'home')], ['--receive-dir', join(mountpoint!, 'in', 'coming')]]) {
        const home = option === '--home' ? path : join(await tempDir('ferry-ro-home-'), 'home')
        const d = await runCli(['daemon', '--home', home, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', ...(option === '--receive-dir' ? ['--receive-dir', path] : [])])
        expect(d.code, option).toBe(2)
        expect(d.stderr).toBe(`ferry: E_USAGE: ${option} ${path} cannot be made: ${mountpoint!} is on a read-only file system; choose another\n`)
      }
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', mountpoint!])
    }
    const again = await sender.cli(['send', receiver.peerId, small, '--json'])
    expect(again.code, again.stderr).toBe(0)
    expect(await readdir(mountpoint!)).toContain('small.bin')
  })
})

/**
 * Holds the sender's process stopped (SIGSTOP) from before `rx` accepts its offer of `name` until the caller
 * sends SIGCONT: the receive has been accepted and planned (its state recorded), is fetching, and has no byte yet,
 * so that what the caller does next (fill the disk, stop `rx`) happens before the transfer's bytes, every one of
 * them still to come. Why not stop the sender once the first bytes show: yamux windows (up to 16 MiB for each of
 * the 3 chunk streams) and socket buffers hold tens of MiB, and a control call seeing the first bytes can come late
 * on a busy machine. Held at its first bytes, a 40 MiB receive had all of them (state verifying) before the disk
 * was filled in the CI run of b21b33e and in 2 of 5 runs alone beside two busy loops; a 128 MiB one, once.
 */
async function holdSenderBeforeBytes (rx: TestDaemon, name: string): Promise<void> {
  await call(rx, 'peer.autoAccept', { peer: sender.peerId, autoAccept: false })
  try {
    const offer = await waitFor(async () => (await call(rx, 'offers')).find((o) => o.names.includes(name)), 'the offer to be pending', 20_000, 100)
    sender.proc.kill('SIGSTOP')
    try {
      await call(rx, 'accept', { id: offer.id })
      // logged right after the plan, in the same turn as its record of the receive's progress (receiver.ts)
      await waitFor(() => rx.output().includes(`"msg":"receive planned","id":"${offer.id}"`), 'the receive to be planned', 20_000, 50)
      const t = (await call(rx, 'transfers')).find((x) => x.id === offer.id)
      expect(t, 'the receive is fetching, no byte yet').toMatchObject({ state: 'fetching', doneBytes: 0 })
    } catch (err) {
      sender.proc.kill('SIGCONT')
      throw err
    }
  } finally {
    await call(rx, 'peer.autoAccept', { peer: sender.peerId, autoAccept: true })
  }
}

/** A tmpfs of `sizeMiB` mounted in a new folder for `body` (which stops what it started on it), unmounted after. */
async function withTmpfs (prefix: string, sizeMiB: number, body: (root: string, mountpoint: string) => Promise<void>): Promise<void> {
  const root = await tempDir(prefix)
  const mnt = join(root, 'mnt')
  await mkdir(mnt)
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0700`, 'tmpfs', mnt])
  try {
    await body(root, mnt)
  } finally {
    try { execFileSync('umount', [mnt]) } catch { execFileSync('umount', ['-l', mnt]) }
  }
}

/** A daemon with its home on `homeMount` and its receive folder under `root`, paired with the sender, which lists it online. */
async function pairedWithSender (name: string, root: string, homeMount: string): Promise<TestDaemon> {
  // --verbose: holdSenderBeforeBytes waits for a debug line
  const d = await startDaemon({ name, home: join(homeMount, 'home'), receiveDir: join(root, 'received'), peers: [sender.addr], extraArgs: ['--verbose'] })
  const shown = await showCode(sender)
  const entered = await d.cli(['pair', '--json', '--peer', sender.addr], { env: { FERRY_CODE: shown.code } })
  expect(entered.code, entered.stderr).toBe(0)
  expect((await shown.cli.done).code).toBe(0)
  await waitListed(sender, d, { paired: true })
  return d
}

describe.skipIf(skip != null)('a receive waiting for room whose receive folder is removed', () => {
  it('fails at the next look with E_PATH_NOT_FOUND naming the folder, on both sides, and the log says the folder is gone (notes\' leftover: logged "room in the receive folder again (or it cannot be looked at)", and let run to fail as it began)', async () => {
    await withTmpfs('ferry-gone-rx-', 32, async (_root, mnt) => {
      let rx: TestDaemon | undefined
      try {
        // its receive folder a folder of the small disk, its home elsewhere
        rx = await pairedWithSender('rx-gone', mnt, await tempDir('ferry-gone-home-'))
        const daemon = rx
        const receiveDir = join(mnt, 'received')
        const path = join(files, 'gone.bin')
        await writeRandom(path, 8 * MiB)
        // held for a decision from the start: 8 MiB hash before holdSenderBeforeBytes would turn auto-accept off
        await call(daemon, 'peer.autoAccept', { peer: sender.peerId, autoAccept: false })
        const send = spawnCli(['send', rx.peerId, path, '--json', '--home', sender.home], { timeoutMs: 60_000 })
        await holdSenderBeforeBytes(daemon, 'gone.bin')
        try {
          // 1 MiB left: the receive waits for room
          await writeFile(join(mnt, 'filler.bin'), Buffer.alloc(Math.max(0, (await freeBytes(mnt)) - MiB), 0x5a))
        } finally {
          sender.proc.kill('SIGCONT')
        }
        const id = (await waitFor(async () => (await call(daemon, 'transfers')).find((t) => t.direction === 'receive' && t.state === 'waiting' && t.error?.code === 'E_NO_SPACE'), 'the receive to wait for room', 30_000, 100)).id
        await rm(receiveDir, { recursive: true, force: true })
        const done = await send.done
        expect(done.code, done.stderr).toBe(1)
        expect(done.stderr).toMatch(new RegExp(`^ferry: E_PATH_NOT_FOUND: receiver: receive folder ${receiveDir} is gone \\(removed, or its disk unmounted\\); send again once it is back$`, 'm'))
        expect((await call(daemon, 'transfers')).find((t) => t.id === id)).toMatchObject({ state: 'failed', error: { code: 'E_PATH_NOT_FOUND' } })
        expect(daemon.output()).toMatch(/the receive folder is gone while a transfer waited for room there; the transfer fails/)
        expect(daemon.output()).not.toMatch(/room in the receive folder again/)
      } finally {
        await rx?.stop()
      }
    })
  })
})

describe.skipIf(skip != null)('full disk under ferry\'s home (its state database)', () => {
  it('a receiver whose home disk fills during a transfer fails it with E_NO_SPACE and tells the sender: `ferry send` exits 1 at once, the daemon lives (review finding: the receive was neither failed nor told, and retried every 2 s while `ferry send` hung)', async () => {
    await withTmpfs('ferry-fullhome-rx-', 16, async (root, homeMount) => {
      let rx: TestDaemon | undefined
      try {
        rx = await pairedWithSender('rx-fullhome', root, homeMount)
        const daemon = rx
        const path = join(files, 'forty.bin')
        await writeRandom(path, 40 * MiB)
        const send = spawnCli(['send', rx.peerId, path, '--json', '--home', sender.home], { timeoutMs: 60_000 })
        // before any byte, hold the sender, take every byte of the receiver's home disk, and let the sender go on
        await holdSenderBeforeBytes(daemon, 'forty.bin')
        try {
          // the store's write-ahead log emptied first: a log with room left in it takes the receive's
          // writes without a new block of the full disk. A checkpoint asked for while the daemon writes
          // reports itself busy and truncates nothing; it waits here (busy_timeout) and is checked
          const db = new DatabaseSync(join(homeMount, 'home', 'ferry.db'))
          try {
            db.exec('PRAGMA busy_timeout = 10000')
            const checkpoint = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get() as { busy: number }
            expect(checkpoint.busy, 'the checkpoint truncating the write-ahead log was not kept waiting').toBe(0)
          } finally { db.close() }
          await writeFile(join(homeMount, 'filler.bin'), Buffer.alloc(await freeBytes(homeMount), 0x5a)).catch(() => {})
        } finally {
          sender.proc.kill('SIGCONT')
        }
        const r = await send.done
        expect(r.code, r.stdout).toBe(1)
        expect(r.stderr).toMatch(/^ferry: E_NO_SPACE: .*state database cannot grow/m)
        expect(rx.proc.exitCode, rx.output()).toBe(null)
        expect((await rx.cli(['status', '--json'])).code).toBe(0)
        // and a send from it cannot be recorded either: refused, saying why
        const back = await rx.cli(['send', sender.peerId, path, '--json'])
        expect(back.code).toBe(1)
        expect(back.stderr).toMatch(/^ferry: E_NO_SPACE: .*state database cannot grow/m)
        // the receive shows how it ended, though the store could not take it (review finding: it showed `fetching`,
        // answered a sender asking after it "accepted", and ran again after a restart)
        const failedHere = async (d: TestDaemon): Promise<void> => {
          const t = (await call(d, 'transfers')).find((x) => x.direction === 'receive')
          expect(t).toMatchObject({ state: 'failed', error: { code: 'E_NO_SPACE' } })
        }
        await failedHere(daemon)
        // with room again it is written (tried every 2 s, and at the stop), and a restart finds it ended: nothing runs again
        await rm(join(homeMount, 'filler.bin'))
        await daemon.stop()
        rx = await startDaemon({ name: 'rx-fullhome', home: join(homeMount, 'home'), receiveDir: join(root, 'received'), peers: [sender.addr] })
        await failedHere(rx)
        expect(rx.output()).not.toMatch(/resuming transfer/)
      } finally {
        await rx?.stop()
      }
    })
  })

  it('a daemon stopped while a receive runs and its home disk is full stops cleanly (exit 0), and the receive goes on after a restart with room', async () => {
    await withTmpfs('ferry-fullhome-stop-', 16, async (root, homeMount) => {
      let rx: TestDaemon | undefined
      let held = false
      try {
        rx = await pairedWithSender('rx-stop-full', root, homeMount)
        const daemon = rx
        const path = join(files, 'forty-stop.bin')
        const data = await writeRandom(path, 40 * MiB)
        const send = spawnCli(['send', rx.peerId, path, '--json', '--home', sender.home], { timeoutMs: 90_000 })
        // no more bytes come while the disk is full: the receive is under way, not failed, when the daemon stops
        held = true
        await holdSenderBeforeBytes(daemon, 'forty-stop.bin')
        await writeFile(join(homeMount, 'filler.bin'), Buffer.alloc(await freeBytes(homeMount), 0x5a)).catch(() => {})
        await daemon.stop()
        expect(daemon.proc.exitCode, daemon.output()).toBe(0)
        sender.proc.kill('SIGCONT')
        held = false
        await rm(join(homeMount, 'filler.bin'))
        rx = await startDaemon({ name: 'rx-stop-full', home: join(homeMount, 'home'), receiveDir: join(root, 'received'), peers: [sender.addr] })
        const r = await send.done
        expect(r.code, r.stderr).toBe(0)
        expect((await readFile(join(root, 'received', 'forty-stop.bin'))).equals(data)).toBe(true)
      } finally {
        if (held) sender.proc.kill('SIGCONT')
        await rx?.stop()
      }
    })
  })

  it('a peer connecting to a daemon whose home disk is full does not end it: the peer is not recorded, which is logged, and the daemon answers on (review finding: a throw in libp2p\'s identify listener ended it with "database or disk is full", depending on timing; otherwise it went unsaid)', async () => {
    await withTmpfs('ferry-fullhome-', 8, async (root, homeMount) => {
      let full: TestDaemon | undefined
      let visitor: TestDaemon | undefined
      try {
        full = await startDaemon({ name: 'full', home: join(homeMount, 'home'), receiveDir: join(root, 'received') })
        // every byte of the file system taken, so that the database cannot grow its write-ahead log
        await writeFile(join(homeMount, 'filler.bin'), Buffer.alloc(await freeBytes(homeMount), 0x5a)).catch(() => {})
        visitor = await startDaemon({ name: 'visitor', peers: [full.addr] })
        const daemon = full
        await waitFor(() => /cannot record peer/.test(daemon.output()) || daemon.proc.exitCode != null ? true : undefined, 'the full daemon to meet the visitor', 20_000)
        expect(full.proc.exitCode, full.output()).toBe(null)
        expect(full.output()).toMatch(/database or disk is full/)
        const status = await full.cli(['status', '--json'])
        expect(status.code, status.stderr).toBe(0)
      } finally {
        await Promise.allSettled([visitor?.stop(), full?.stop()])
      }
    })
  })
})

describe.skipIf(skip != null)('a receive folder that is a mount point', () => {
  /**
   * A receiver whose receive folder is `sub` of a tmpfs mounted for it (the
   * mount point itself when `sub` is ''), paired with the sender, and a send
   * of `size` bytes to it whose receive has begun on the disk (its part
   * folder made) and holds nothing yet when `meanwhile` runs: held for a
   * decision and accepted while the sender is stopped. Timed by the data
   * alone, the whole file arrived first on a busy CI box (the check never
   * ran, the send ended done). `meanwhile` unmounts and may restart the
   * receiver (it returns the daemon then running). The mount and daemon go
   * at the end.
   */
  async function sendWhileUnmounted (name: string, sub: string, size: number, meanwhile: (o: { rx: TestDaemon, mp: string, unmount: () => void }) => Promise<TestDaemon>, then: (o: { done: CliResult, mp: string, receiveDir: string, path: string }) => Promise<void>): Promise<void> {
    const mp = join(await tempDir('ferry-mount-'), 'disk')
    await mkdir(mp)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=200m,mode=0755', 'tmpfs', mp])
    const receiveDir = sub === '' ? mp : join(mp, sub)
    let mounted = true
    const unmount = (): void => { execFileSync('umount', ['-l', mp]); mounted = false }
    let rx: TestDaemon | undefined
    try {
      rx = await startDaemon({ name, receiveDir, peers: [sender.addr] })
      const shown = await showCode(sender)
      expect((await rx.cli(['pair', '--json', '--peer', sender.addr], { env: { FERRY_CODE: shown.code } })).code).toBe(0)
      expect((await shown.cli.done).code).toBe(0)
      await waitListed(sender, rx, { paired: true })
      const path = join(files, `${name}.bin`)
      await writeRandom(path, size)
      expect((await rx.cli(['auto-accept', 'sender', 'off'])).code).toBe(0)
      const sending = spawnCli(['send', rx.peerId, path, '--json', '--home', sender.home], { timeoutMs: 60_000 })
      const r = rx
      const offer = await waitFor(async () => (await call(r, 'offers'))[0], 'the offer to wait on the mounted receiver', 30_000, 50)
      await whileStopped(sender, async () => {
        expect((await r.cli(['accept', offer.id])).code).toBe(0)
        await waitFor(async () => await stat(join(receiveDir, '.ferry-part')).then(() => true, () => undefined), 'the receive to make its part folder on the disk', 10_000, 20)
        rx = await meanwhile({ rx: r, mp, unmount })
      })
      await then({ done: await sending.done, mp, receiveDir, path })
    } finally {
      await rx?.stop()
      if (mounted) execFileSync('umount', ['-l', mp])
    }
  }

  it('unmounted (umount -l) while a receive runs: the receive fails with E_PATH_NOT_FOUND, and nothing goes to the disk under it (user-test finding: the rest landed on the root disk, and the send ended done)', async () => {
    await sendWhileUnmounted('mounted', '', 80 * MiB, async ({ rx, unmount }) => { unmount(); return rx }, async ({ done, mp }) => {
      expect(done.code, done.stderr).toBe(1)
      expect(done.stderr).toMatch(/^ferry: E_PATH_NOT_FOUND: .*is no longer on the disk this receive began on \(unmounted\?\)/m)
      expect(await readdir(mp), 'nothing on the disk under the mount point').toEqual([])
    })
  })

  it('a receiver killed (power cut) and restarted while the disk is away, its receive folder a folder of that disk: the receive fails with E_PATH_NOT_FOUND, and nothing goes to the disk under the mount point (the daemon made the folder there again at start, and received into it)', async () => {
    await sendWhileUnmounted('remounted', 'ferry', 40 * MiB, async ({ rx, unmount }) => { await rx.kill9(); unmount(); return await rx.restart() }, async ({ done, receiveDir }) => {
      expect(done.code, done.stderr).toBe(1)
      expect(done.stderr).toMatch(/^ferry: E_PATH_NOT_FOUND: receiver: receive folder .* is gone \(removed, or its disk unmounted\); send again once it is back/m)
      // the daemon's start does not make its receive folder on the disk under the mount point either, since
      // 3a0dd9d (receive-mount.ts: the mount it was last seen on is remembered); before, it did, and the receive's
      // own mount check (receiver.ts sameDiskAsBefore) refused to go on in it
      expect(await stat(receiveDir).catch(() => undefined), 'nothing on the disk under the mount point').toBeUndefined()
    })
  })

  it('a receiver restarted while the disk is away, with another --receive-dir: the receive starts over in that folder and completes (review finding: it failed the mount check of the folder it began in)', async () => {
    const other = await tempDir('ferry-recv-other-')
    await sendWhileUnmounted('moved', 'ferry', 40 * MiB, async ({ rx, unmount }) => { await rx.kill9(); unmount(); return await rx.restart({ receiveDir: other }) }, async ({ done, path }) => {
      expect(done.code, done.stderr).toBe(0)
      expect(await sameBytes(join(other, 'moved.bin'), path)).toBe(true)
    })
  })
})
