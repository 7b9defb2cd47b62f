// Foundation, end to end on 127.0.0.1 with mDNS off: real daemons as child
// processes, the real CLI, real sockets.

import { afterAll, describe, expect, it } from 'vitest'
import { mkdir, readFile, stat, symlink, unlink, writeFile } from 'node:fs/promises'
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync, readdirSync, unlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { BUILT_MAIN, MAIN, ROOT, cleanupAll, peersOf, runCli, spawnCli, startDaemon, tempDir, waitFor, whileStopped, type TestDaemon } from '../helpers/daemon.ts'
import { connectControl, type ControlClient } from '../../src/daemon/control/client.ts'
import { STARTING_MARK } from '../../src/daemon/starting-mark.ts'
import { DAEMON_GLIBC_TUNABLES, DAEMON_V8_FLAGS } from '../../src/cli/daemon-flags.ts'
import { DatabaseSync } from 'node:sqlite'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'

afterAll(cleanupAll)

/** A socket file left by a process killed with SIGKILL: still there, and connections to it are refused. */
async function staleSocket (path: string): Promise<void> {
  const p = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}); setInterval(() => {}, 1000)`], { stdio: 'ignore' })
  await waitFor(async () => existsSync(path) ? true : undefined, 'the socket', 20_000, 5)
  p.kill('SIGKILL')
  await new Promise((resolve) => p.once('exit', resolve))
}

async function newPeerId (): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
}

/** `stopped` started again, with a control connection subscribed to its events, which go into `events`. */
async function restartSubscribed (stopped: TestDaemon): Promise<{ a: TestDaemon, ctl: ControlClient, events: Array<{ name: string, data: unknown }> }> {
  const a = await stopped.restart()
  const events: Array<{ name: string, data: unknown }> = []
  const ctl = await connectControl(a.home)
  await ctl.subscribe((name, data) => { events.push({ name, data }) })
  return { a, ctl, events }
}

describe('daemon foundation', () => {
  it('two daemons dialled with --peer list each other by name; stopping one shows it offline', async () => {
    const a = await startDaemon({ name: 'alpha' })
    const b = await startDaemon({ name: 'beta', peers: [a.addr] })
    const seenByA = await waitFor(async () => (await peersOf(a)).find((p) => p.peerId === b.peerId && p.online), 'a to list b', 30_000)
    expect(seenByA.name).toBe('beta')
    expect(seenByA.paired).toBe(false)
    const seenByB = await waitFor(async () => (await peersOf(b)).find((p) => p.peerId === a.peerId && p.online), 'b to list a', 30_000)
    expect(seenByB.name).toBe('alpha')
    expect(seenByB.addrs.some((x) => x.includes('127.0.0.1'))).toBe(true)

    await b.stop()
    const offline = await waitFor(async () => (await peersOf(a)).find((p) => p.peerId === b.peerId && !p.online), 'b offline on a', 30_000)
    expect(offline.lastSeen).toBeGreaterThan(0)
    await a.stop()
  })

  it('an unpaired peer offline for over a day is left out of `ferry peers` (--all lists it), one gone 30 days is forgotten, past 256 unpaired the oldest go, a paired one stays however long away (user-test finding: every identity ever seen was listed for good; review finding: a store from before the cap kept its excess)', async () => {
    let a = await startDaemon({ name: 'alpha' })
    const b = await startDaemon({ name: 'beta', peers: [a.addr] })
    await waitFor(async () => (await peersOf(a)).find((p) => p.peerId === b.peerId && p.online), 'a to list b', 30_000)
    await b.stop()
    await a.stop()
    const day = 24 * 60 * 60 * 1000
    const [gone, paired] = await Promise.all([newPeerId(), newPeerId()])
    // a store from before the cap of 256 unpaired peers, with 300 more seen 3 days ago: the oldest go first
    const many = await Promise.all(Array.from({ length: 300 }, async () => await newPeerId()))
    const db = new DatabaseSync(join(a.home, 'ferry.db'))
    try {
      const insert = db.prepare("INSERT INTO peers (peer_id, name, addrs, last_seen) VALUES (?, 'many', '[]', ?)")
      many.forEach((id, i) => insert.run(id, Date.now() - 3 * day - i * 1000))
      db.prepare('UPDATE peers SET last_seen = ? WHERE peer_id = ?').run(Date.now() - 2 * day, b.peerId)
      db.prepare("INSERT INTO peers (peer_id, name, addrs, last_seen) VALUES (?, 'guest', '[]', ?)").run(gone, Date.now() - 31 * day)
      db.prepare("INSERT INTO peers (peer_id, name, addrs, last_seen) VALUES (?, 'nas', '[]', ?)").run(paired, Date.now() - 90 * day)
      db.prepare("INSERT INTO trust (peer_id, name, fingerprint, paired_at) VALUES (?, 'nas', 'x', ?)").run(paired, Date.now() - 100 * day)
    } finally { db.close() }
    a = await a.restart()
    const listed = await a.cli(['peers'])
    expect(listed.code, listed.stderr).toBe(0)
    expect(listed.stdout).toContain(paired)
    expect(listed.stdout).not.toContain(b.peerId)
    expect(listed.stdout).not.toContain(gone)
    expect(listed.stdout).not.toContain('many')
    const all = (JSON.parse((await a.cli(['peers', '--all', '--json'])).stdout) as Array<{ peerId: string }>).map((p) => p.peerId)
    expect(all).toContain(b.peerId)
    expect(all).toContain(paired)
    expect(all).not.toContain(gone)
    expect(all.length).toBe(257)
    // a peer left out of the list can still be named: `ferry send beta` says it is not paired, not that there is no beta
    const send = await a.cli(['send', 'beta', join(a.home, 'ferry.db')])
    expect(send.stderr).toMatch(/^ferry: E_NOT_PAIRED: /m)
    await a.stop()
    const after = new DatabaseSync(join(a.home, 'ferry.db'), { readOnly: true })
    try {
      const kept = (after.prepare('SELECT peer_id FROM peers').all() as Array<{ peer_id: string }>).map((r) => r.peer_id)
      // 256 unpaired (beta and the 255 of the 300 seen last) and the paired one
      expect(kept.length).toBe(257)
      expect(kept).toEqual(expect.arrayContaining([b.peerId, paired, ...many.slice(0, 255)]))
    } finally { after.close() }
  })

  it('`ferry peers` with none seen on a daemon started with --no-mdns says that none will be found by themselves, and how to give an address (user-test finding: only that `--all` lists more, which it did not)', async () => {
    const a = await startDaemon({ name: 'alpha' })
    const r = await a.cli(['peers'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('no peers seen yet; mDNS is off here (--no-mdns), so only addresses given are dialled: `ferry pair CODE --peer ADDRESS` pairs with the device at ADDRESS (`ferry status` there shows it), `ferry daemon --peer ADDRESS` dials it at every start\n')
    expect(JSON.parse((await a.cli(['peers', '--json'])).stdout)).toEqual([])
    // `--all` is named when it would list more: an unpaired peer seen two days ago
    const b = await startDaemon({ name: 'beta', peers: [a.addr] })
    await waitFor(async () => (await peersOf(a)).find((p) => p.peerId === b.peerId && p.online), 'a to list b', 30_000)
    await b.stop()
    await a.stop()
    const db = new DatabaseSync(join(a.home, 'ferry.db'))
    try { db.prepare('UPDATE peers SET last_seen = ? WHERE peer_id = ?').run(Date.now() - 2 * 24 * 60 * 60 * 1000, b.peerId) } finally { db.close() }
    const again = await a.restart()
    expect((await again.cli(['peers'])).stdout).toBe('no peers seen yet (`ferry peers --all` also lists 1 unpaired one not seen for a day); mDNS is off here (--no-mdns), so only addresses given are dialled: `ferry pair CODE --peer ADDRESS` pairs with the device at ADDRESS (`ferry status` there shows it), `ferry daemon --peer ADDRESS` dials it at every start\n')
  })

  it('a subscriber is told of an unpaired peer when it passes a day offline, when `peers` leaves it out (helper finding: an open TUI kept it listed)', async () => {
    let a = await startDaemon({ name: 'alpha' })
    await a.stop()
    const day = 24 * 60 * 60 * 1000
    const nas = await newPeerId()
    // seen a day ago, but for a few seconds: listed after the restart, and then no more
    const db = new DatabaseSync(join(a.home, 'ferry.db'))
    try {
      db.prepare("INSERT INTO peers (peer_id, name, addrs, last_seen) VALUES (?, 'nas', '[]', ?)").run(nas, Date.now() - day + 15_000)
    } finally { db.close() }
    const { a: restarted, ctl, events } = await restartSubscribed(a)
    a = restarted
    try {
      expect((await peersOf(a)).map((p) => p.peerId)).toContain(nas)
      await waitFor(() => events.find((e) => e.name === 'peer:removed'), 'peer:removed for nas', 30_000)
      expect(events.filter((e) => e.name === 'peer:removed')).toEqual([{ name: 'peer:removed', data: { peerId: nas } }])
      expect((await peersOf(a)).map((p) => p.peerId)).not.toContain(nas)
    } finally {
      ctl.close()
      await a.stop()
    }
  })

  it('a subscriber is told of a peer the daemon forgets (past the 256 unpaired kept) or unpairs out of its list: `peer:removed` (user-test finding: an open TUI listed them until it reconnected)', async () => {
    let a = await startDaemon({ name: 'alpha' })
    await a.stop()
    const day = 24 * 60 * 60 * 1000
    // 256 unpaired peers, the cap, the first seen longest ago; a paired one this run's table has not seen (no peers row)
    const many = await Promise.all(Array.from({ length: 256 }, async () => await newPeerId()))
    const nas = await newPeerId()
    const db = new DatabaseSync(join(a.home, 'ferry.db'))
    try {
      const insert = db.prepare("INSERT INTO peers (peer_id, name, addrs, last_seen) VALUES (?, 'many', '[]', ?)")
      many.forEach((id, i) => insert.run(id, Date.now() - 3 * day + i * 1000))
      db.prepare("INSERT INTO trust (peer_id, name, fingerprint, paired_at) VALUES (?, 'nas', 'x', ?)").run(nas, Date.now() - 100 * day)
    } finally { db.close() }
    const { a: restarted, ctl, events } = await restartSubscribed(a)
    a = restarted
    try {
      // a new unpaired peer: the one seen longest ago makes room for it
      const c = await startDaemon({ name: 'gamma', peers: [a.addr] })
      await waitFor(() => events.find((e) => e.name === 'peer:removed'), 'peer:removed for the oldest', 30_000)
      expect(events.filter((e) => e.name === 'peer:removed')).toEqual([{ name: 'peer:removed', data: { peerId: many[0] } }])
      expect((await peersOf(a)).map((p) => p.peerId)).not.toContain(many[0])
      // unpaired, the paired peer not seen in this run is listed no more: removed, where nothing was said before
      const unpaired = await a.cli(['unpair', nas])
      expect(unpaired.code, unpaired.stderr).toBe(0)
      await waitFor(() => events.find((e) => e.name === 'peer:removed' && (e.data as { peerId: string }).peerId === nas), 'peer:removed for nas', 10_000)
      expect((await peersOf(a)).map((p) => p.peerId)).not.toContain(nas)
      await c.stop()
    } finally {
      ctl.close()
      await a.stop()
    }
  })

  it('a request that comes while the daemon is still starting waits for it, instead of failing with E_INTERNAL', async () => {
    const home = await tempDir()
    const proc = spawn(process.execPath, [MAIN, 'daemon', '--home', home, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--name', 'early', '--receive-dir', join(home, 'recv')], { stdio: 'ignore' })
    try {
      // ask the moment the socket is there: the store, node and services may not exist yet
      const sock = join(home, 'control.sock')
      await waitFor(async () => existsSync(sock) ? true : undefined, 'the control socket', 20_000, 2)
      const ctl = await connectControl(home)
      try {
        const [status, transfers, peers] = await Promise.all([ctl.call('status'), ctl.call('transfers'), ctl.call('peers')])
        expect(status.name).toBe('early')
        expect(status.peerId).toMatch(/^12D3/)
        expect(transfers).toEqual([])
        expect(peers).toEqual([])
      } finally { ctl.close() }
    } finally {
      proc.kill('SIGTERM')
      await new Promise((resolve) => proc.once('exit', resolve))
    }
  })

  it('a command run right after `ferry daemon &`, before its socket is there, waits for it and gets its answer (user-test finding: E_DAEMON_NOT_RUNNING); the starting mark goes once the socket listens', async () => {
    const home = await tempDir()
    const proc = spawn(process.execPath, [MAIN, 'daemon', '--home', home, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--name', 'eager', '--receive-dir', join(home, 'recv')], { stdio: 'ignore' })
    try {
      // at once, as a script's next line: no wait for the socket
      const r = await spawnCli(['status', '--json', '--home', home]).done
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(r.stdout).name).toBe('eager')
      expect(existsSync(join(home, STARTING_MARK))).toBe(false)
    } finally {
      proc.kill('SIGTERM')
      await new Promise((resolve) => proc.once('exit', resolve))
    }
  })

  it('a signal repeated within 2 s (a wrapper passing on what its process group got too) stops the daemon cleanly, not at once (review finding)', async () => {
    const d = await startDaemon({ name: 'twice' })
    // listened for before the first signal: on a loaded box the stop can end within the wait below, and an
    // exit before the listener was missed, the test waiting for good (CI: timed out at 60 s)
    const exited = new Promise<number | null>((resolve) => { d.proc.once('exit', (c) => resolve(c)) })
    d.proc.kill('SIGTERM')
    await new Promise((resolve) => setTimeout(resolve, 20))
    d.proc.kill('SIGTERM')
    const code = await exited
    // 0, and its socket removed: the stop ran to its end (143 before: the second signal cut it short)
    expect(code, d.output().slice(-1000)).toBe(0)
    expect(existsSync(join(d.home, 'control.sock'))).toBe(false)
  })

  it('SIGHUP (the terminal of `ferry daemon &` closed) stops the daemon cleanly, as SIGTERM does (docs review finding: it died as if killed)', async () => {
    const d = await startDaemon({ name: 'hangup' })
    d.proc.kill('SIGHUP')
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => { d.proc.once('exit', (c, s) => resolve([c, s])) })
    expect({ code, signal }, d.output().slice(-1000)).toEqual({ code: 0, signal: null })
    expect(existsSync(join(d.home, 'control.sock'))).toBe(false)
    // the stop said as it begins, as the start is, without --verbose (user-test finding: ~2 s of silence after Ctrl-C)
    expect(d.output()).toMatch(/^ferry daemon stopping \(SIGHUP\)…$/m)
  })

  it('a home whose state database was removed says so when the daemon starts (its pairings are gone), and a new home does not (review finding: silently)', async () => {
    const a = await startDaemon({ name: 'lost-db' })
    expect(a.output()).not.toMatch(/state database was missing/)
    await a.stop()
    for (const f of ['ferry.db', 'ferry.db-wal', 'ferry.db-shm']) await unlink(join(a.home, f)).catch(() => {})
    const again = await startDaemon({ name: 'lost-db', home: a.home })
    try {
      expect(again.peerId).toBe(a.peerId)
      expect(again.output()).toMatch(/the state database was missing or empty: pairings, transfers and the receive index start empty/)
    } finally {
      await again.stop()
    }
  })

  it('status reports identity, addresses, version, uptime and memory; the peer ID survives a restart', async () => {
    const a = await startDaemon({ name: 'gamma' })
    const r = await a.cli(['status', '--json'])
    expect(r.code).toBe(0)
    const st = JSON.parse(r.stdout)
    expect(st).toMatchObject({ name: 'gamma', peerId: a.peerId, mdns: false })
    expect(st.version).toMatch(/^\d+\.\d+\.\d+/)
    expect(st.uptimeMs).toBeGreaterThanOrEqual(0)
    // a live daemon: tens of MB resident, a JS heap in use, all within its resident set
    expect(st.memory.rss).toBeGreaterThan(10e6)
    expect(st.memory.heapUsed).toBeGreaterThan(1e6)
    expect(st.memory.heapUsed).toBeLessThan(st.memory.rss)
    const human = await a.cli(['status'])
    expect(human.stdout).toMatch(/memory: +\d+(\.\d+)? MiB resident/)
    // the daemon's own PID (a wrapper's child under an older Node: README, Known limits)
    expect(human.stdout).toMatch(new RegExp(`^pid: +${a.proc.pid}$`, 'm'))
    // the home it runs on, as --json has it (user-test finding: not in the text)
    expect(human.stdout.split('\n')).toContain(`home:      ${a.home}`)
    expect(st.home).toBe(a.home)
    expect(st.listenAddrs[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
    expect((await stat(join(a.home, 'control.sock'))).mode & 0o777).toBe(0o600)
    expect((await stat(join(a.home, 'identity.key'))).mode & 0o777).toBe(0o600)
    // a daemon that does not answer (stopped): the command says so instead of hanging
    await whileStopped(a, async () => {
      const stuck = await a.cli(['status'], { env: { FERRY_ANSWER_TIMEOUT_MS: '500' }, timeoutMs: 15_000 })
      expect(stuck.code).toBe(1)
      expect(stuck.stderr).toMatch(/^ferry: E_TIMEOUT: the daemon did not answer `status` within 1 s; it may be stopped/m)
      // accept too (helper finding: it hung)
      const accepting = await a.cli(['accept', '0123abcd'], { env: { FERRY_ANSWER_TIMEOUT_MS: '500' }, timeoutMs: 15_000 })
      expect(accepting.code).toBe(1)
      expect(accepting.stderr).toMatch(/^ferry: E_TIMEOUT: the daemon did not answer `accept` within 1 s; it may be stopped/m)
    })
    const a2 = await a.restart()
    expect(a2.peerId).toBe(a.peerId)
    await a2.stop()
  })

  it('the built daemon (dist/) re-executes itself in place with its V8 flags and malloc settings: same PID, flags on its command line', async () => {
    const a = await startDaemon({ name: 'built', main: BUILT_MAIN })
    const st = JSON.parse((await a.cli(['status', '--json'])).stdout)
    expect(st.pid).toBe(a.proc.pid) // execve, not a child: signals and supervisors reach the daemon itself
    const argv = (await readFile(`/proc/${st.pid}/cmdline`, 'utf8')).split('\0')
    for (const f of DAEMON_V8_FLAGS) expect(argv).toContain(f)
    expect(argv).toContain(BUILT_MAIN)
    // glibc cuts the variable at each ':' in place while parsing it, so /proc shows the first setting only
    const tunables = (await readFile(`/proc/${st.pid}/environ`, 'utf8')).split('\0').find((e) => e.startsWith('GLIBC_TUNABLES='))
    expect(tunables).toBe(`GLIBC_TUNABLES=${DAEMON_GLIBC_TUNABLES.split(':')[0]}`)
    await a.stop()
    expect(a.proc.exitCode).toBe(0)
  })

  it('bin/ferry.js (the installed `ferry` command) starts the CLI', async () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'bin', 'ferry.js'), '--version'], { encoding: 'utf8' })
    expect(out.trim()).toBe(JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version)
  })

  it('bin/ferry.js run by an older system Node runs the CLI under the pinned one; a daemon started so stops cleanly when that wrapper is killed with SIGKILL, which it cannot forward (review finding: the daemon ran on, holding its home)', async (ctx) => {
    const old = ['/usr/bin/node', '/usr/local/bin/node', '/bin/node'].find((n) => {
      try {
        const [major, minor] = execFileSync(n, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim().split('.').map(Number)
        return major < 22 || (major === 22 && minor < 18)
      } catch { return false }
    })
    if (old == null) { ctx.skip('no Node older than 22.18 on this machine to run bin/ferry.js with'); return }
    const home = await tempDir()
    const wrapper = spawn(old, [join(ROOT, 'bin', 'ferry.js'), 'daemon', '--home', home, '--name', 'wrapped', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'], { stdio: 'ignore' })
    let pid: number | undefined
    try {
      const st = await waitFor(async () => {
        const r = await runCli(['status', '--json', '--home', home])
        return r.code === 0 ? JSON.parse(r.stdout) as { pid: number, version: string } : undefined
      }, 'the daemon under the wrapper to answer', 60_000, 200)
      pid = st.pid
      expect(pid, 'the daemon is the wrapper\'s child, not the wrapper').not.toBe(wrapper.pid)
      wrapper.kill('SIGKILL')
      const gone = await waitFor(async () => {
        const r = await runCli(['status', '--home', home])
        return r.code === 1 ? r : undefined
      }, 'the daemon to stop once its wrapper was killed', 30_000, 200)
      expect(gone.stderr).toMatch(/^ferry: E_DAEMON_NOT_RUNNING: /m)
      // a clean stop: its socket removed, and its home free for the next daemon
      expect(existsSync(join(home, 'control.sock'))).toBe(false)
      const again = await startDaemon({ name: 'wrapped', home })
      await again.stop()
      pid = undefined
    } finally {
      wrapper.kill('SIGKILL')
      if (pid != null) try { process.kill(pid, 'SIGKILL') } catch {}
    }
    // killed while the child starts (review finding: killed in the first half second, while the daemon re-executes
    // itself with its V8 flags, the daemon ran on): at a few moments in that time
    const running = (): number[] => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').includes(home) } catch { return false }
    }).map(Number)
    for (const ms of [250, 400, 550, 700]) {
      const early = spawn(old, [join(ROOT, 'bin', 'ferry.js'), 'daemon', '--home', home, '--name', 'wrapped', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'], { stdio: 'ignore' })
      await new Promise((resolve) => setTimeout(resolve, ms))
      early.kill('SIGKILL')
      try {
        await waitFor(() => running().length === 0, `no daemon left on the home after its wrapper was killed at ${ms} ms`, 30_000, 200)
      } finally {
        for (const p of running()) try { process.kill(p, 'SIGKILL') } catch {}
      }
    }
  })

  it('a daemon given its own address as --peer says so in one warning naming it, and does not dial it again (user-test finding: silent, dialled every 2 s for good)', async () => {
    // a port free now, for both --listen and --peer
    const port = await new Promise<number>((resolve) => { const srv = createServer().listen(0, '127.0.0.1', () => { const p = (srv.address() as { port: number }).port; srv.close(() => resolve(p)) }) })
    const own = `/ip4/127.0.0.1/tcp/${port}`
    const d = await startDaemon({ name: 'narcissus', listen: own, peers: [own], extraArgs: ['--verbose'] })
    // three ticks of the 2 s redial: each a dial before
    await new Promise((resolve) => setTimeout(resolve, 6500))
    const lines = d.output().split('\n')
    const warned = lines.filter((l) => l.includes('"level":"warn"') && l.includes(own))
    expect(warned, d.output()).toHaveLength(1)
    expect(JSON.parse(warned[0]).msg).toBe(`--peer ${own} is this daemon's own address: not dialled (give another device's address)`)
    expect(lines.filter((l) => l.includes('"msg":"dial failed"')), d.output()).toHaveLength(0)
    // nothing of it among the peers
    expect(await peersOf(d)).toEqual([])
    await d.stop()
  })

  it('a --listen port another program holds: one readable line that says so, no stack trace (review finding: libp2p\'s message and stack, flattened)', async () => {
    const a = await startDaemon({ name: 'holder' })
    const r = await runCli(['daemon', '--home', await tempDir(), '--no-mdns', '--listen', a.addr.replace(/\/p2p\/.*$/, '')])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^ferry: E_IO: cannot listen on \/ip4\/127\.0\.0\.1\/tcp\/\d+: the port is in use .*--listen/m)
    expect(r.stderr).not.toMatch(/ at |faultTolerance/)
    await a.stop()
  })

  it('refuses a second daemon on the same home with E_DAEMON_RUNNING, and replaces a stale socket after kill -9', async () => {
    const a = await startDaemon({ name: 'delta' })
    const second = await runCli(['daemon', '--home', a.home, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'])
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(/^ferry: E_DAEMON_RUNNING: /)
    // and what to do about it (user-test finding: only that one runs)
    expect(second.stderr).toContain(`; stop that one first (\`ferry status --home ${a.home}\` shows its pid), or give this one another --home\n`)
    await a.kill9()
    await expect(stat(join(a.home, 'control.sock'))).resolves.toBeTruthy() // left behind by the crash
    const again = await startDaemon({ name: 'delta', home: a.home })
    expect(again.peerId).toBe(a.peerId)
    await again.stop()
    await expect(stat(join(a.home, 'control.sock'))).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('a second daemon on the same home is refused even when the first one\'s socket file was deleted: the home lock, not the socket, says one is running (review finding: both ran)', async () => {
    const a = await startDaemon({ name: 'lonely' })
    await unlink(join(a.home, 'control.sock'))
    const second = await runCli(['daemon', '--home', a.home, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'])
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(/^ferry: E_DAEMON_RUNNING: .*daemon\.lock/m)
    expect(a.proc.exitCode).toBeNull()
    await a.kill9()
    // gone with the process: the next one starts
    const again = await startDaemon({ name: 'lonely', home: a.home })
    expect(again.peerId).toBe(a.peerId)
    await again.stop()
  })

  it('treats a socket file nobody listens on as stale, and a regular file there too', async () => {
    const home = await tempDir()
    await staleSocket(join(home, 'control.sock'))
    await expect(stat(join(home, 'control.sock'))).resolves.toBeTruthy()
    const d = await startDaemon({ name: 'eps', home })
    // a socket left by a daemon that did not stop (kill -9, a power cut) is no news at the next start (user-test finding: a warning)
    expect(d.output()).not.toMatch(/"level":"warn"/)
    await d.stop()
    const home2 = await tempDir()
    await writeFile(join(home2, 'control.sock'), 'junk')
    const d2 = await startDaemon({ name: 'zeta', home: home2 })
    await d2.stop()
  })

  it('a client that finds the socket refusing (a daemon between binding and listening) asks again and gets through; one nobody takes up is E_DAEMON_NOT_RUNNING', async () => {
    const home = await tempDir()
    const sock = join(home, 'control.sock')
    await staleSocket(sock)
    const live = createServer((s) => s.end())
    // at once, within the client's asking again (5 × 50 ms): an unlink through the thread pool could come late on a busy machine (review finding)
    const later = setTimeout(() => { unlinkSync(sock); live.listen(sock) }, 120)
    try {
      const ctl = await connectControl(home)
      ctl.close()
    } finally {
      clearTimeout(later)
      await new Promise<void>((resolve) => live.close(() => resolve()))
    }
    const home2 = await tempDir()
    await staleSocket(join(home2, 'control.sock'))
    await expect(connectControl(home2)).rejects.toMatchObject({ code: 'E_DAEMON_NOT_RUNNING' })
  })

  it('client commands without a daemon exit 1 with E_DAEMON_NOT_RUNNING and a hint', async () => {
    const home = await tempDir()
    for (const cmd of ['status', 'peers']) {
      const r = await runCli([cmd, '--home', home])
      expect(r.code).toBe(1)
      expect(r.stderr).toMatch(/^ferry: E_DAEMON_NOT_RUNNING: .*ferry daemon/)
    }
    // the command it gives works when pasted: a home with a space or a quote is quoted for the shell (user-test finding)
    const spaced = join(home, "Bob's home")
    const r = await runCli(['status', '--home', spaced])
    expect(r.stderr).toBe(`ferry: E_DAEMON_NOT_RUNNING: no daemon is running on ${spaced}; start one with \`ferry daemon --home '${home}/Bob'\\''s home'\`\n`)
    expect(execFileSync('bash', ['-c', `printf %s ${r.stderr.split('--home ')[1].split('`')[0]}`], { encoding: 'utf8' })).toBe(spaced)
  })

  it('every command has --help; unknown commands and flags are usage errors (exit 2)', async () => {
    for (const cmd of ['daemon', 'status', 'peers']) {
      const r = await runCli([cmd, '--help'])
      expect(r.code, cmd).toBe(0)
      expect(r.stdout).toContain(`ferry ${cmd}`)
    }
    expect((await runCli(['--help'])).stdout).toContain('Commands:')
    // README: --json for every command but `ferry daemon` and `ferry tui`; each one's usage says it takes it (user-test finding: five did not)
    for (const cmd of ['status', 'peers', 'pair', 'unpair', 'auto-accept', 'send', 'transfers', 'offers', 'accept', 'decline', 'cancel', 'wait']) {
      const usage = (await runCli([cmd, '--help'])).stdout.split('\n')[0]
      expect(usage, cmd).toMatch(new RegExp(`^Usage: ferry ${cmd} .*\\[--json\\]`))
    }
    const bad = await runCli(['frobnicate'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^ferry: E_USAGE: /)
    // what was probably meant (user-test finding: a typo, an option first, `receive` were only sent to --help)
    for (const [typed, said] of [['sned', 'unknown command "sned" (did you mean `ferry send`?)'], ['trasnfers', '(did you mean `ferry transfers`?)'], ['receive', '(the daemon receives what paired devices send by itself;']]) {
      const r = await runCli([typed])
      expect(r.code, typed).toBe(2)
      expect(r.stderr, typed).toContain(said)
    }
    // with --json, on stdout as every other failure (user-test finding: stdout was empty)
    const badJson = await runCli(['frobnicate', 'x', '--json'])
    expect(badJson.code).toBe(2)
    expect(JSON.parse(badJson.stdout).error.code).toBe('E_USAGE')
    expect((await runCli(['frobnicate', '--', '--json'])).stdout).toBe('')
    const badFlag = await runCli(['status', '--bogus'])
    expect(badFlag.code).toBe(2)
    // one short line, no quote left open (review finding: Node's own text)
    expect(badFlag.stderr).toBe('ferry: E_USAGE: unknown option --bogus; see --help\n')
    // a file whose name starts with "-": how to give it (user-test finding: "unknown option -w" alone)
    const here = await tempDir()
    await writeFile(join(here, '-weird.txt'), 'x')
    const dashed = await runCli(['send', 'alpha', '-weird.txt'], { cwd: here })
    expect(dashed.code).toBe(2)
    expect(dashed.stderr).toBe('ferry: E_USAGE: unknown option -w ("-weird.txt" is a file here? give it as ./-weird.txt, or put -- before it); see --help\n')
    // a --receive-dir that is a file: said so, not a raw EEXIST from mkdir (review finding)
    const dir = await tempDir()
    await writeFile(join(dir, 'afile'), 'x')
    const notAFolder = await runCli(['daemon', '--home', join(dir, 'home'), '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--receive-dir', join(dir, 'afile')])
    expect(notAFolder.code, notAFolder.stderr).toBe(2)
    expect(notAFolder.stderr).toMatch(/^ferry: E_USAGE: --receive-dir .*afile is not a folder/m)
    // an empty id is no id (review finding: exit 1 from the daemon's E_BAD_REQUEST)
    for (const cmd of ['cancel', 'accept', 'decline', 'wait']) expect((await runCli([cmd, '', '--home', dir])).code, cmd).toBe(2)
    // a --listen it could never listen on (review finding: E_IO, exit 1)
    // and a home made for a daemon that then did not start goes again (user-test finding: an empty folder left, a mistyped --home with it)
    for (const listen of ['garbage', '/ip4/127.0.0.1/tcp/99999', '/ip4/127.0.0.1/udp/5', '/dns4/localhost/tcp/0', '/ip4/127.0.0.1/tcp/0/ws']) {
      const bad = await runCli(['daemon', '--home', join(dir, 'new', 'home'), '--no-mdns', '--listen', listen])
      expect(bad.code, listen).toBe(2)
      expect(bad.stderr).toMatch(/^ferry: E_USAGE: --listen .* is not a TCP address to listen on/m)
      expect(existsSync(join(dir, 'new')), listen).toBe(false)
    }
    expect((await runCli(['daemon', '--home', join(dir, 'new', 'home'), '--bogus'])).code).toBe(2)
    expect(existsSync(join(dir, 'new'))).toBe(false)
  })

  it('empty values, arguments a command does not take and a name peers would see changed are usage errors (user-test findings)', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'afile'), 'x')
    // an empty value is an unset variable, not the working folder (user-test finding: `ferry send nas ""` sent all of it)
    const empty = await runCli(['send', 'beta', '', '--home', dir])
    expect(empty.code).toBe(2)
    expect(empty.stderr).toBe('ferry: E_USAGE: ferry send was given an empty path (an unset variable?); name the files and folders to send\n')
    // a name peers would see cut (over 64 bytes) or changed: said, not done silently (user-test finding)
    const longName = await runCli(['daemon', '--home', join(dir, 'home'), '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--name', 'n'.repeat(70)])
    expect(longName.code).toBe(2)
    expect(longName.stderr).toMatch(/^ferry: E_USAGE: --name must be at most 64 bytes, without control characters or spaces at its ends; peers would see "n{64}"$/m)
    // an option it would ignore (user-test finding)
    const json = await runCli(['daemon', '--home', join(dir, 'home'), '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--json'])
    expect(json.code).toBe(2)
    expect(json.stderr).toMatch(/^ferry: E_USAGE: ferry daemon has no --json: its log lines \(stderr\) are JSON already/m)
    for (const args of [['daemon', '--no-mdns', '--receive-dir', ''], ['daemon', '--no-mdns', '--name', ''], ['status', '--home', '']]) {
      const r = await runCli(args[0] === 'status' ? args : [...args, '--home', join(dir, 'home'), '--listen', '/ip4/127.0.0.1/tcp/0'])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(/^ferry: E_USAGE: --[a-z-]+ was given an empty value \(an unset variable\?\)$/m)
    }
    // arguments a command does not take are not ignored (user-test finding: `ferry transfers 39be` listed everything)
    for (const cmd of ['status', 'peers', 'transfers', 'offers', 'tui']) {
      const r = await runCli([cmd, 'extra', '--home', dir])
      expect(r.code, cmd).toBe(2)
      expect(r.stderr).toMatch(new RegExp(`^ferry: E_USAGE: ferry ${cmd} takes no arguments \\(given "extra"\\)`, 'm'))
    }
  })

  it('`ferry help <command>` shows that command\'s help, as `ferry <command> --help` does; a command not there is said as an unknown one (user-test finding: `ferry help send` printed the list of commands again, exit 0)', async () => {
    for (const cmd of ['send', 'pair', 'daemon']) {
      const help = await runCli(['help', cmd])
      const own = await runCli([cmd, '--help'])
      expect(help.code, cmd).toBe(0)
      expect(help.stdout, cmd).toBe(own.stdout)
      expect(help.stdout, cmd).toMatch(new RegExp(`^Usage: ferry ${cmd} `))
    }
    const typo = await runCli(['help', 'sned'])
    expect(typo.code).toBe(2)
    expect(typo.stderr).toBe('ferry: E_USAGE: unknown command "sned" (did you mean `ferry send`?); run `ferry --help`\n')
    // alone, the list of commands, as before
    expect((await runCli(['help'])).stdout).toContain('Commands:')
  })

  it('`ferry --help` lists --version, and `ferry version` prints what `ferry --version` does, as git and docker have it (user-test finding: --version was nowhere in the help, and `ferry version` was an unknown command)', async () => {
    const flag = await runCli(['--version'])
    expect(flag.code).toBe(0)
    expect(flag.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/)
    for (const args of [['version'], ['--home', '/nonexistent', 'version']]) {
      const r = await runCli(args)
      expect(r.code, args.join(' ')).toBe(0)
      expect(r.stdout, args.join(' ')).toBe(flag.stdout)
    }
    expect(JSON.parse((await runCli(['version', '--json'])).stdout)).toEqual({ version: flag.stdout.trim() })
    expect((await runCli(['version', '--help'])).stdout).toMatch(/^Usage: ferry version \[--json\]\n/)
    expect((await runCli(['version', 'x'])).code).toBe(2)
    const help = (await runCli(['--help'])).stdout
    expect(help).toMatch(/^ +ferry --version/m)
    expect(help).toMatch(/^ {2}version +\S/m)
  })

  it('--home and --json, which every command takes, may come before the command too, meaning the same; any other option there is a usage error that says which go there (user-test finding: `ferry --home A status` was refused, E_USAGE, as git and docker users put them first)', async () => {
    const home = await tempDir()
    for (const args of [['--home', home, 'status'], [`--home=${home}`, 'peers'], ['--home', home, 'help', 'status']]) {
      const r = await runCli(args)
      if (args.includes('help')) {
        expect(r.code, args.join(' ')).toBe(0)
        expect(r.stdout).toMatch(/^Usage: ferry status /)
        continue
      }
      expect(r.code, args.join(' ')).toBe(1)
      expect(r.stderr, args.join(' ')).toMatch(new RegExp(`^ferry: E_DAEMON_NOT_RUNNING: no daemon is running on ${home}; `))
    }
    // --json first: the failure as JSON on stdout, as with --json after the command
    const json = await runCli(['--json', '--home', home, 'status'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout).error.code).toBe('E_DAEMON_NOT_RUNNING')
    // --json and no command: a usage error as JSON, as a misspelt command is (notes' leftover: the usage text on stdout)
    for (const args of [['--json'], ['--home', home, '--json']]) {
      const r = await runCli(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(JSON.parse(r.stdout), args.join(' ')).toEqual({ error: { code: 'E_USAGE', message: 'no command given: ferry [--home DIR] [--json] <command> [options]; run `ferry --help` for the commands' } })
      expect(r.stderr, args.join(' ')).toBe('ferry: E_USAGE: no command given: ferry [--home DIR] [--json] <command> [options]; run `ferry --help` for the commands\n')
    }
    // given before and after the command, the later one counts, as when both are after it
    const twice = await runCli(['--home', '/nonexistent/first', 'status', '--home', home])
    expect(twice.stderr).toContain(`no daemon is running on ${home}; `)
    // before the command, only those: a command's own option there is said so, exit 2
    for (const [args, option] of [[['--verbose', 'daemon'], '--verbose'], [['--home', home, '--all', 'peers'], '--all'], [['-x'], '-x']] as const) {
      const r = await runCli([...args])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toBe(`ferry: E_USAGE: unknown option ${option} before the command: only --home DIR and --json go there; a command's own options come after it (\`ferry <command> ${option} …\`); run \`ferry --help\`\n`)
    }
    const alone = await runCli(['--home'])
    expect(alone.code).toBe(2)
    expect(alone.stderr).toBe('ferry: E_USAGE: --home needs a value; run `ferry --help`\n')
  })

  it('an option left without its value, or given one it does not take, is one line naming the option, exit 2 (user-test finding: Node\'s own text, "Option \'--home\' argument is ambiguous.Did you forget … \'--home=-XYZ\'.; see --help", its three sentences run together)', async () => {
    const dir = await tempDir()
    for (const [args, said] of [
      [['status', '--home'], '--home needs a value'],
      // the next option taken for the value: the typo `ferry daemon --receive-dir --no-mdns`
      [['status', '--home', '--json'], '--home needs a value (--json, after it, is an option; a value that starts with "-" is given as --home=-VALUE)'],
      [['status', '--json=yes', '--home', dir], '--json takes no value (given --json=yes)'],
      [['status', '--help=1', '--home', dir], '--help takes no value (given --help=1)']
    ] as const) {
      const r = await runCli([...args])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toBe(`ferry: E_USAGE: ${said}; see --help\n`)
    }
    // with --json too, as one message
    const json = await runCli(['status', '--home', '--json'])
    expect(JSON.parse(json.stdout).error.message).toBe('--home needs a value (--json, after it, is an option; a value that starts with "-" is given as --home=-VALUE); see --help')
  })

  it('addresses that could never be dialled, pairing options out of place, a home that is a file and an unreadable key are said at once (user-test findings)', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'afile'), 'x')
    // a --peer that could never be dialled (user-test finding: E_INTERNAL, or redialled every 2 s for good)
    for (const peer of ['garbage', '127.0.0.1:4774', '/ip4/127.0.0.1/tcp/4774/p2p/garbage']) {
      const r = await runCli(['daemon', '--home', join(dir, 'home'), '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--peer', peer])
      expect(r.code, peer).toBe(2)
      expect(r.stderr).toMatch(/^ferry: E_USAGE: --peer /m)
      const p = await runCli(['pair', '123-some-code', '--home', dir, '--peer', peer])
      expect(p.code, peer).toBe(2)
    }
    // pairing options checked before the daemon is asked, and not ignored
    expect((await runCli(['pair', '--expires', '5', '--home', dir])).stderr).toMatch(/^ferry: E_USAGE: --expires 5 is out of range: from 10 s to 1 h/m)
    expect((await runCli(['pair', '123-some-code', '--expires', '1m', '--home', dir])).code).toBe(2)
    for (const args of [['unpair', ''], ['auto-accept', '', 'on']]) expect((await runCli([...args, '--home', dir])).code, args[0]).toBe(2)
    // a --home that is a file, and a key file ferry cannot read: said, with what to do (user-test findings: EEXIST, E_INTERNAL)
    const homeFile = await runCli(['daemon', '--home', join(dir, 'afile'), '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'])
    expect(homeFile.code).toBe(2)
    expect(homeFile.stderr).toMatch(/^ferry: E_USAGE: --home .*afile is not a folder/m)
    const broken = join(dir, 'broken-home')
    await mkdir(broken, { mode: 0o700 })
    await writeFile(join(broken, 'identity.key'), Buffer.from([0x08, 0x07, 0x12, 0x01]), { mode: 0o600 })
    const badKey = await runCli(['daemon', '--home', broken, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'])
    expect(badKey.code).toBe(1)
    expect(badKey.stderr).toMatch(/^ferry: E_IO: .*identity\.key does not hold a key ferry can read .*; restore it from a backup, or move it away to start as a new device/m)
  })

  it('a --home or --receive-dir where the file system answers mkdir with ENOENT though the folder above is there (/proc): said at once, exit 2 (user-test finding: Node\'s recursive mkdir retried it for ever, the daemon hung at start, a core at 100 %, `ferry status` timing out)', async () => {
    const dir = await tempDir()
    const inProc = `/proc/ferry-test-${process.pid}`
    for (const [flag, args] of [['--home', ['--home', join(inProc, 'home')]], ['--receive-dir', ['--home', join(dir, 'home'), '--receive-dir', join(inProc, 'recv')]]] as const) {
      const r = await runCli(['daemon', ...args, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'], { timeoutMs: 15_000 })
      expect(r.code, `${flag}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toMatch(new RegExp(`^ferry: E_USAGE: ${flag} ${inProc}/\\w+ cannot be made: /proc does not take new folders`, 'm'))
    }
    expect(existsSync(join(dir, 'home', 'control.sock'))).toBe(false)
  })

  it('ferry send of a symbolic link to nothing (a disk not mounted) says so, with where it points, not that the path does not exist: `ls` shows it there (user-test finding)', async () => {
    const dir = await tempDir()
    const link = join(dir, 'photos')
    await symlink('/mnt/ferry-test-not-mounted/photos', link)
    const r = await runCli(['send', 'beta', link, '--home', dir])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toBe(`ferry: E_PATH_NOT_FOUND: ${link} is a symbolic link to /mnt/ferry-test-not-mounted/photos, which does not exist (a disk not mounted?)\n`)
    // and a folder on the way that is one
    const inside = await runCli(['send', 'beta', join(link, '2024'), '--home', dir])
    expect(inside.stderr).toBe(`ferry: E_PATH_NOT_FOUND: ${join(link, '2024')} does not exist: ${link} is a symbolic link to /mnt/ferry-test-not-mounted/photos, which does not exist (a disk not mounted?)\n`)
  })

  it('ferry send of a path not there shows its name escaped, as the warnings of a send do, not with its control characters dropped (user-test finding: "/tmp/\\e[31mold\\nx" was said as "/tmp/[31moldx does not exist", a path that is not the one typed)', async () => {
    const dir = await tempDir()
    const r = await runCli(['send', 'beta', join(dir, 'old\nname\x1b[31m'), '--home', dir])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toBe(`ferry: E_PATH_NOT_FOUND: ${dir}/old\\nname\\x1b[31m does not exist\n`)
  })

  it('ferry send of a shell pattern no file matched (`ferry send nas *.JPG` where they are .jpg: bash passes it on as typed) says so, as it says a ~ the shell left (user-test finding: "/tmp/x/*.JPG does not exist", as if a file were named so)', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'IMG_1.jpg'), 'x')
    const r = await runCli(['send', 'beta', join(dir, '*.JPG'), '--home', dir])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toBe(`ferry: E_PATH_NOT_FOUND: ${dir}/*.JPG does not exist (a pattern the shell matched no file to, or left as typed in quotes: \`ls\` it to see what it matches)\n`)
    for (const pattern of ['IMG_?.JPG', 'IMG_[12].JPG', '../*/x']) {
      expect((await runCli(['send', 'beta', pattern, '--home', dir], { cwd: dir })).stderr, pattern).toMatch(/ does not exist \(a pattern the shell matched no file to/)
    }
    // a name with no pattern in it is said as before
    expect((await runCli(['send', 'beta', join(dir, 'IMG_1.JPG'), '--home', dir])).stderr).toBe(`ferry: E_PATH_NOT_FOUND: ${dir}/IMG_1.JPG does not exist\n`)
  })

  it('a --receive-dir that is the home folder itself is refused at start, E_USAGE, exit 2: every offer would be refused (user-test finding: the daemon started with a warning, and each send failed with E_PATH_UNSAFE)', async () => {
    const dir = await tempDir()
    const home = join(dir, 'ferry')
    for (const receiveDir of [home, `${home}/`, join(home, '.', '')]) {
      const r = await runCli(['daemon', '--home', home, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--receive-dir', receiveDir], { timeoutMs: 30_000 })
      expect(r.code, r.stderr).toBe(2)
      expect(r.stderr).toMatch(new RegExp(`^ferry: E_USAGE: --receive-dir ${home} is the daemon's home folder \\(--home\\), where it keeps its state: every file offered would be refused; choose another folder, or one inside it$`, 'm'))
    }
  })

  it('uses $FERRY_HOME when --home is not given', async () => {
    const a = await startDaemon({ name: 'eta' })
    const r = await runCli(['status', '--json'], { env: { FERRY_HOME: a.home } })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).peerId).toBe(a.peerId)
    await a.stop()
  })
})

describe('the ferry command', () => {
  it('exits quietly when whoever reads its output has gone (ferry … | head -1)', async () => {
    const p = spawn(process.execPath, [MAIN, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] })
    p.stdout.destroy() // the reader is gone before the first write
    let stderr = ''
    p.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const code = await new Promise<number | null>((resolve) => p.on('exit', resolve))
    expect(stderr).toBe('')
    expect(code).toBe(0)
  })

  it('says in one line on stderr, exit 1, when its output cannot be written (`>> log` on a full disk), instead of a stack trace (user-test finding)', async () => {
    const full = openSync('/dev/full', 'w')
    try {
      const p = spawn(process.execPath, [MAIN, '--help'], { stdio: ['ignore', full, 'pipe'] })
      let stderr = ''
      p.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
      const code = await new Promise<number | null>((resolve) => p.on('exit', resolve))
      expect(stderr).toBe('ferry: E_NO_SPACE: cannot write the output (stdout): ENOSPC: no space left on device, write\n')
      expect(code).toBe(1)
    } finally { closeSync(full) }
  })
})
