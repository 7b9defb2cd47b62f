// The ferry command line and its home, end to end: the real CLI as a
// process, mostly with no daemon (usage errors, help, what a command says of
// a path or an option before any daemon is asked), and what a daemon or a
// client finds in its home (a port or a home taken, a stale socket). Split
// from daemon.test.ts (111 s in one file in CI) to run beside it; the
// daemons' own work is tested there.

import { afterAll, describe, expect, it } from 'vitest'
import { chmod, mkdir, stat, symlink, unlink, writeFile } from 'node:fs/promises'
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, unlinkSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { MAIN, cleanupAll, runCli, startDaemon, tempDir, waitFor } from '../helpers/daemon.ts'
import { connectControl } from '../../src/daemon/control/client.ts'

afterAll(cleanupAll)

/** A socket file left by a process killed with SIGKILL: still there, and connections to it are refused. */
async function staleSocket (path: string): Promise<void> {
  const p = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}); setInterval(() => {}, 1000)`], { stdio: 'ignore' })
  await waitFor(async () => existsSync(path) ? true : undefined, 'the socket', 20_000, 5)
  p.kill('SIGKILL')
  await new Promise((resolve) => p.once('exit', resolve))
}

describe('the ferry command: usage, help, errors said before a daemon is asked, its home', () => {
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
    // an option a typo or two away is offered, as a command is (user-test finding: `--jsn` was only sent to --help)
    const typoFlag = await runCli(['transfers', '--jsn'])
    expect(typoFlag.code).toBe(2)
    expect(typoFlag.stderr).toBe('ferry: E_USAGE: unknown option --jsn (did you mean --json?); see --help\n')
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
    // one in a folder this user may not write to: said so, exit 2, not E_IO with EACCES (mutation finding: the tests
    // ran as root, whom no permission stops; run here without that power)
    await mkdir(join(dir, 'locked'))
    await chmod(join(dir, 'locked'), 0o555)
    const locked = await runCli(['daemon', '--home', join(dir, 'home2'), '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--receive-dir', join(dir, 'locked', 'recv')], { withoutDacOverride: true })
    expect(locked.code, locked.stderr).toBe(2)
    expect(locked.stderr).toMatch(/^ferry: E_USAGE: --receive-dir .*locked\/recv cannot be made: no permission to create .*locked\/recv; choose another$/m)
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
    // accept and decline take an offer's id, as `ferry offers` lists it; cancel a transfer's (user-test finding: "transfer id" for all three)
    for (const cmd of ['accept', 'decline', 'cancel']) {
      const r = await runCli([cmd, '--home', dir])
      expect(r.code, cmd).toBe(2)
      expect(r.stderr, cmd).toBe(`ferry: E_USAGE: ferry ${cmd} takes one ${cmd === 'cancel' ? 'transfer id (or a unique prefix), as `ferry transfers`' : 'offer id (or a unique prefix), as `ferry offers`'} lists it\n`)
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
    // --json with --version too, before it or after it, as with every other command (user-test finding: the bare version, not JSON)
    for (const args of [['--json', '--version'], ['--version', '--json']]) expect(JSON.parse((await runCli(args)).stdout), args.join(' ')).toEqual({ version: flag.stdout.trim() })
    expect((await runCli(['version', '--help'])).stdout).toMatch(/^Usage: ferry version \[--json\]\n/)
    expect((await runCli(['version', 'x'])).code).toBe(2)
    const help = (await runCli(['--help'])).stdout
    expect(help).toMatch(/^ +ferry --version/m)
    expect(help).toMatch(/^ {2}version +\S/m)
    // its five screens, as `ferry tui --help` and the README name them (user-test finding: Send left out here)
    expect(help).toMatch(/^ {2}tui +full-screen terminal UI: peers, pairing, offers, transfers, send$/m)
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
    // the example names a command that takes the option (user-test finding: `ferry --verbose status` was shown
    // `ferry <command> --verbose …`, where only `ferry daemon` takes it): the one given where it does, else those that do
    for (const [args, option, example] of [
      [['--verbose', 'daemon'], '--verbose', '`ferry daemon --verbose …`'],
      [['--verbose', 'status'], '--verbose', '`ferry daemon --verbose …`'],
      [['--home', home, '--all', 'peers'], '--all', '`ferry peers --all …`'],
      [['--peer=/ip4/1.2.3.4/tcp/1', 'pair'], '--peer=/ip4/1.2.3.4/tcp/1', '`ferry pair --peer …`'],
      [['--peer', 'x', 'status'], '--peer', '`ferry daemon --peer …` or `ferry pair --peer …`'],
      [['--frobnicate', 'status'], '--frobnicate', '`ferry <command> --frobnicate …`'],
      [['-x'], '-x', '`ferry <command> -x …`']
    ] as const) {
      const r = await runCli([...args])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toBe(`ferry: E_USAGE: unknown option ${option} before the command: only --home DIR and --json go there; a command's own options come after it (${example}); run \`ferry --help\`\n`)
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
    // (IP:PORT and a host name are addresses, as `ferry connect` takes them: user-test finding)
    for (const peer of ['garbage!!', '127.0.0.1:0', '127.0.0.1:99999', '/ip4/127.0.0.1/tcp/4774/p2p/garbage']) {
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
    // the value that is neither on nor off named (user-test finding: "takes a peer and on or off", "maybe" not said)
    const maybe = await runCli(['auto-accept', 'alpha', 'maybe', '--home', dir])
    expect(maybe.code).toBe(2)
    expect(maybe.stderr).toMatch(/^ferry: E_USAGE: .*"maybe" is not on or off/m)
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
    // a name with no pattern in it is given no pattern hint: the name there with other capitals is said instead
    expect((await runCli(['send', 'beta', join(dir, 'IMG_1.JPG'), '--home', dir])).stderr).toBe(`ferry: E_PATH_NOT_FOUND: ${dir}/IMG_1.JPG does not exist (${dir} holds "IMG_1.jpg": names differ in capitals here)\n`)
  })

  it('ferry send of a name its folder holds in another Unicode form (a folder copied from a Mac keeps "Résumé" with its accents as separate marks, NFD; typed here it is NFC) or with other capitals says the name that is there, not only that the one typed does not exist: `ls` shows it (user-test finding)', async () => {
    const dir = await tempDir()
    const nfd = 'Re\u0301sume\u0301'
    await mkdir(join(dir, nfd))
    await writeFile(join(dir, nfd, 'cv.pdf'), 'x')
    await mkdir(join(dir, 'Photos'))
    const typed = join(dir, 'R\u00e9sum\u00e9')
    const r = await runCli(['send', 'beta', typed, '--home', dir])
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toBe(`ferry: E_PATH_NOT_FOUND: ${typed} does not exist (${dir} holds "${nfd}", that name in another Unicode form, its accents written as separate marks (NFD, as macOS writes names): Tab completion, or a pattern such as R*sum*, names it as it is)\n`)
    // a folder on the way so spelled: said for that folder
    const inside = await runCli(['send', 'beta', join(typed, 'cv.pdf'), '--home', dir])
    expect(inside.stderr).toBe(`ferry: E_PATH_NOT_FOUND: ${join(typed, 'cv.pdf')} does not exist (${dir} holds "${nfd}", that name in another Unicode form, its accents written as separate marks (NFD, as macOS writes names): Tab completion, or a pattern such as R*sum*, names it as it is)\n`)
    // the other way round: typed NFD where the name is NFC
    await mkdir(join(dir, 'caf\u00e9'))
    expect((await runCli(['send', 'beta', join(dir, 'cafe\u0301'), '--home', dir])).stderr).toBe(`ferry: E_PATH_NOT_FOUND: ${dir}/cafe\u0301 does not exist (${dir} holds "caf\u00e9", that name in another Unicode form, each accented letter one character (NFC): Tab completion, or a pattern such as caf*, names it as it is)\n`)
    // the pattern is one word to the shell, which names that folder and no other (review finding: "My R*sum*" for "My
    // Résumé", two words; `*` for a name of no plain ASCII; one that matched other names too)
    const spaced = 'My Re\u0301sume\u0301 (1)'
    await mkdir(join(dir, spaced))
    const mine = await runCli(['send', 'beta', join(dir, 'My R\u00e9sum\u00e9 (1)'), '--home', dir])
    const pattern = /a pattern such as (.*), names it as it is\)$/m.exec(mine.stderr)?.[1]
    expect(pattern, mine.stderr).toBe('\'My R\'*sum*\' (1)\'')
    expect(execFileSync('bash', ['-c', `set -- ${pattern!}; printf '%s:%s' "$#" "$1"`], { cwd: dir, encoding: 'utf8' })).toBe(`1:${spaced}`)
    await mkdir(join(dir, 'e\u0301'))
    await mkdir(join(dir, 'e\u0301.txt'))
    await writeFile(join(dir, 'a.txt'), 'x')
    for (const name of ['\u00e9', '\u00e9.txt']) {
      expect((await runCli(['send', 'beta', join(dir, name), '--home', dir])).stderr, name).toBe(`ferry: E_PATH_NOT_FOUND: ${dir}/${name} does not exist (${dir} holds "${name.normalize('NFD')}", that name in another Unicode form, its accents written as separate marks (NFD, as macOS writes names): Tab completion names it as it is)\n`)
    }
    // other capitals
    expect((await runCli(['send', 'beta', join(dir, 'photos'), '--home', dir])).stderr).toBe(`ferry: E_PATH_NOT_FOUND: ${dir}/photos does not exist (${dir} holds "Photos": names differ in capitals here)\n`)
    // one of several: said at once, and the rest sent (no daemon here: the send itself fails after the warning)
    const some = await runCli(['send', 'beta', typed, join(dir, 'Photos'), '--home', dir])
    expect(some.stderr).toMatch(/^ferry: warning: .*R\u00e9sum\u00e9 does not exist \(.* holds "Re\u0301sume\u0301", that name in another Unicode form/m)
  })

  it('ferry send with the path before the peer (`ferry send photos beta`) says the peer comes first, where no path is there and what was taken for the peer is a file or folder here (user-test finding: only "…/beta does not exist")', async () => {
    const dir = await tempDir()
    await mkdir(join(dir, 'photos'))
    const r = await runCli(['send', 'photos', 'beta', '--home', dir], { cwd: dir })
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toBe(`ferry: E_PATH_NOT_FOUND: ${dir}/beta does not exist (if "photos", a file or folder here, is what to send: the peer comes first, \`ferry send <peer> <path>…\`)\n`)
    // a peer that is no file here: said as before
    expect((await runCli(['send', 'beta', 'photo', '--home', dir], { cwd: dir })).stderr).toBe(`ferry: E_PATH_NOT_FOUND: ${dir}/photo does not exist\n`)
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

  it('uses $FERRY_HOME when --home is not given; --json prints one document per line to a program, indented only on a terminal (notes\' leftover: pretty-printed everywhere, while `ferry pair --json` prints one per line)', async () => {
    const a = await startDaemon({ name: 'eta' })
    const r = await runCli(['status', '--json'], { env: { FERRY_HOME: a.home } })
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).peerId).toBe(a.peerId)
    // into a pipe: each command's document on its one line, a failure's too
    for (const args of [['status'], ['peers', '--all'], ['transfers'], ['offers'], ['version'], ['cancel', 'nosuchid']]) {
      const out = await runCli([...args, '--json', '--home', a.home])
      expect(out.stdout.endsWith('\n') && !out.stdout.slice(0, -1).includes('\n'), `${args.join(' ')}: ${out.stdout}`).toBe(true)
      JSON.parse(out.stdout)
    }
    // on a terminal (a pseudo-terminal from script(1)), indented for the person reading it
    const tty = execFileSync('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(MAIN)} status --json --home ${JSON.stringify(a.home)}`, '/dev/null'], { encoding: 'utf8' }).replace(/\r\n/g, '\n')
    expect(tty).toMatch(/^\{\n {2}"peerId": /)
    expect(JSON.parse(tty).peerId).toBe(a.peerId)
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
