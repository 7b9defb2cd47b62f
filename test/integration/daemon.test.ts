// Foundation, end to end on 127.0.0.1 with mDNS off: real daemons as child
// processes, the real CLI, real sockets. What the command line says without a
// daemon (usage, help, paths) and what a daemon finds in its home (a port or a
// home taken, a stale socket) are in cli.test.ts, split from here to run beside it.

import { afterAll, describe, expect, it } from 'vitest'
import { readFile, stat, unlink } from 'node:fs/promises'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { MAIN, ROOT, SOURCE_MAIN, cleanupAll, control, olderNode, peersOf, runCli, spawnCli, startDaemon, tempDir, waitFor, whileStopped, type TestDaemon } from '../helpers/daemon.ts'
import { connectControl, type ControlClient } from '../../src/daemon/control/client.ts'
import { STARTING_MARK } from '../../src/daemon/starting-mark.ts'
import { DAEMON_GLIBC_TUNABLES, DAEMON_V8_FLAGS } from '../../src/cli/daemon-flags.ts'
import { DatabaseSync } from 'node:sqlite'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'

afterAll(cleanupAll)

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
    expect(r.stdout).toBe('no peers seen yet; mDNS is off here (--no-mdns), so only addresses given are dialled: `ferry connect ADDRESS` reaches the device at ADDRESS now (its IP address, with :PORT if not 4774), `ferry pair CODE --peer ADDRESS` pairs with it, `ferry daemon --peer ADDRESS` dials it at every start\n')
    expect(JSON.parse((await a.cli(['peers', '--json'])).stdout)).toEqual([])
    // `--all` is named when it would list more: an unpaired peer seen two days ago
    const b = await startDaemon({ name: 'beta', peers: [a.addr] })
    await waitFor(async () => (await peersOf(a)).find((p) => p.peerId === b.peerId && p.online), 'a to list b', 30_000)
    await b.stop()
    await a.stop()
    const db = new DatabaseSync(join(a.home, 'ferry.db'))
    try { db.prepare('UPDATE peers SET last_seen = ? WHERE peer_id = ?').run(Date.now() - 2 * 24 * 60 * 60 * 1000, b.peerId) } finally { db.close() }
    const again = await a.restart()
    expect((await again.cli(['peers'])).stdout).toBe('no peers seen yet (`ferry peers --all` also lists 1 unpaired one not seen for a day); mDNS is off here (--no-mdns), so only addresses given are dialled: `ferry connect ADDRESS` reaches the device at ADDRESS now (its IP address, with :PORT if not 4774), `ferry pair CODE --peer ADDRESS` pairs with it, `ferry daemon --peer ADDRESS` dials it at every start\n')
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

  it('`npm start` stopped with SIGTERM (a service manager, `kill %1`) stops its daemon cleanly: the daemon is npm\'s own child, not left running under init (helper finding: `sh -c` passed the signal on to nobody)', async () => {
    const home = await tempDir()
    // --ignore-scripts: not its prestart build, which would rewrite dist/ under the other test files' daemons
    const npm = spawn('npm', ['start', '--ignore-scripts', '--silent', '--', '--home', home, '--name', 'npm-started', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--receive-dir', join(home, 'in')], { cwd: ROOT, stdio: 'ignore' })
    let pid: number | undefined
    try {
      const st = await waitFor(async () => await control({ home }, 'status'), 'the daemon `npm start` started to answer', 60_000, 100)
      pid = st.pid
      const parent = Number(readFileSync(`/proc/${st.pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1])
      expect(parent, 'the daemon is npm\'s child, with no shell between them').toBe(npm.pid)
      const npmExit = new Promise<number | null>((resolve) => { npm.once('exit', (c) => resolve(c)) })
      npm.kill('SIGTERM')
      await npmExit
      const stopped = st.pid
      await waitFor(() => { try { return readFileSync(`/proc/${stopped}/stat`, 'utf8').replace(/^.*\) /s, '').startsWith('Z') } catch { return true } }, 'the daemon to stop with npm', 30_000, 50)
      expect(existsSync(join(home, 'control.sock')), 'a clean stop removes its socket').toBe(false)
      pid = undefined
    } finally {
      npm.kill('SIGKILL')
      if (pid != null) try { process.kill(pid, 'SIGKILL') } catch {}
    }
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

  it('status reports identity, addresses, version, uptime and memory; the peer ID survives a restart; without --verbose the log says nothing below a warning', async () => {
    const before = Date.now()
    const a = await startDaemon({ name: 'gamma' })
    const r = await a.cli(['status', '--json'])
    const after = Date.now()
    expect(r.code).toBe(0)
    const st = JSON.parse(r.stdout)
    expect(st).toMatchObject({ name: 'gamma', peerId: a.peerId, mdns: false })
    expect(st.version).toMatch(/^\d+\.\d+\.\d+/)
    // since the daemon started, by the clock (mutation finding: an uptime always 0 passed)
    expect(st.startedAt).toBeGreaterThanOrEqual(before)
    expect(st.uptimeMs).toBeGreaterThan(0)
    expect(st.startedAt + st.uptimeMs).toBeLessThanOrEqual(after)
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
    // quiet by default: its start, and the commands answered, logged nothing of level info or debug (mutation
    // finding: a daemon always verbose was not noticed)
    expect(a.output()).toMatch(/\S/)
    expect(a.output()).not.toMatch(/"level":"(info|debug)"/)
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
    const a = await startDaemon({ name: 'built', reexec: true })
    const st = JSON.parse((await a.cli(['status', '--json'])).stdout)
    expect(st.pid).toBe(a.proc.pid) // execve, not a child: signals and supervisors reach the daemon itself
    const argv = (await readFile(`/proc/${st.pid}/cmdline`, 'utf8')).split('\0')
    for (const f of DAEMON_V8_FLAGS) expect(argv).toContain(f)
    expect(argv).toContain(MAIN)
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

  it('the TypeScript sources run as they are, as bin/ferry.js runs them where there is no build: a daemon starts from them and answers (every other test runs the bundle, dist/ferry.js)', async () => {
    const a = await startDaemon({ name: 'sources', fromSources: true })
    expect((await readFile(`/proc/${a.proc.pid}/cmdline`, 'utf8')).split('\0')).toContain(SOURCE_MAIN)
    const st = await a.cli(['status', '--json'])
    expect(st.code, st.stderr).toBe(0)
    expect(JSON.parse(st.stdout)).toMatchObject({ peerId: a.peerId, pid: a.proc.pid })
    await a.stop()
    expect(a.proc.exitCode).toBe(0)
  })

  it('bin/ferry.js run by an older system Node runs the CLI under the pinned one; a daemon started so stops cleanly when that wrapper is killed with SIGKILL, which it cannot forward (review finding: the daemon ran on, holding its home)', async (ctx) => {
    const old = olderNode()
    if (old == null) { ctx.skip('no Node older than 22.18 on this machine to run bin/ferry.js with'); return }
    const home = await tempDir()
    const wrapper = spawn(old, [join(ROOT, 'bin', 'ferry.js'), 'daemon', '--home', home, '--name', 'wrapped', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'], { stdio: 'ignore' })
    let pid: number | undefined
    try {
      // asked over its socket (control()), not by a `ferry status` process per try: each one a Node start-up taken
      // from the daemon booting beside it on a 2-core box; the CLI says the outcome below
      const st = await waitFor(async () => await control({ home }, 'status'), 'the daemon under the wrapper to answer', 60_000, 100)
      pid = st.pid
      expect(pid, 'the daemon is the wrapper\'s child, not the wrapper').not.toBe(wrapper.pid)
      wrapper.kill('SIGKILL')
      const stopped = pid
      // gone, or a zombie not yet reaped by whoever took it over from the wrapper
      await waitFor(() => { try { return readFileSync(`/proc/${stopped}/stat`, 'utf8').replace(/^.*\) /s, '').startsWith('Z') } catch { return true } }, 'the daemon to stop once its wrapper was killed', 30_000, 50)
      const gone = await runCli(['status', '--home', home])
      expect(gone.code).toBe(1)
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
    for (const ms of [100, 250, 400, 550, 700]) {
      const early = spawn(old, [join(ROOT, 'bin', 'ferry.js'), 'daemon', '--home', home, '--name', 'wrapped', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'], { stdio: 'ignore' })
      await new Promise((resolve) => setTimeout(resolve, ms))
      early.kill('SIGKILL')
      // this process reaps the killed wrapper on its event loop; held off, as a busy parent holds it off, the wrapper
      // stays a zombie that kill(pid, 0) still answers (CI finding: the daemon took it for alive and ran on)
      const until = Date.now() + 800
      while (Date.now() < until) { /* the wrapper a zombie meanwhile */ }
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
    // two ticks of the 2 s redial and a margin (three before, 6.5 s): each a dial before
    await new Promise((resolve) => setTimeout(resolve, 4500))
    const lines = d.output().split('\n')
    const warned = lines.filter((l) => l.includes('"level":"warn"') && l.includes(own))
    expect(warned, d.output()).toHaveLength(1)
    expect(JSON.parse(warned[0]).msg).toBe(`--peer ${own} is this daemon's own address: not dialled (give another device's address)`)
    expect(lines.filter((l) => l.includes('"msg":"dial failed"')), d.output()).toHaveLength(0)
    // nothing of it among the peers
    expect(await peersOf(d)).toEqual([])
    await d.stop()
  })

})
