// `ferry daemon` in a real terminal that goes away, as when the window of
// `ferry daemon &` is closed: the kernel hangs the terminal up (SIGHUP) and
// every later write to it fails with EIO. The daemon must stop cleanly
// (its control socket removed, its home free for the next one), not die half
// way. tmux provides the terminal, on a private server (-S, a socket in this
// test's temp folder); the daemon listens on 127.0.0.1 with mDNS off.

import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { connectControl } from '../../src/daemon/control/client.ts'
import { writeFile } from 'node:fs/promises'
import { cleanupAll, MAIN, pairDaemons, spawnCli, startDaemon, tempDir } from '../helpers/daemon.ts'

const TMUX = ['/usr/bin/tmux', '/usr/local/bin/tmux', 'tmux'].find((t) => spawnSync(t, ['-V']).status === 0)
if (TMUX == null) console.warn('test/integration/daemon-terminal.test.ts: skipped, tmux is not installed (apt-get install tmux)')

let socket = ''
const tmux = (...args: string[]): { status: number | null, stderr: string } => spawnSync(TMUX!, ['-S', socket, ...args], { encoding: 'utf8' })

async function until (test: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe.skipIf(TMUX == null)('ferry daemon in a terminal that closes', () => {
  afterAll(async () => {
    if (TMUX != null && socket !== '') tmux('kill-server')
    await cleanupAll()
  })

  it('stops cleanly when its terminal closes, also with --verbose writing to it (review finding: the EIO of its "stopping" line ended the stop half way, exit 1, socket left behind)', async () => {
    const dir = await tempDir('ferry-daemon-tty-')
    socket = join(dir, 'tmux.sock')
    const home = join(dir, 'home')
    const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`
    const cmd = `exec ${q(process.execPath)} ${q(MAIN)} daemon --home ${q(home)} --no-mdns --listen /ip4/127.0.0.1/tcp/0 --name tty --receive-dir ${q(join(dir, 'recv'))} --verbose`
    const r = tmux('new-session', '-d', '-s', 'd', '-x', '120', '-y', '30', cmd)
    expect(r.status, r.stderr).toBe(0)
    const sock = join(home, 'control.sock')
    await until(() => existsSync(sock), 'the daemon to start')
    // started: it answers (its signal handlers are set once it has started)
    const ctl = await connectControl(home)
    try { expect((await ctl.call('status')).name).toBe('tty') } finally { ctl.close() }
    // the window closes: its terminal is hung up under the daemon
    expect(tmux('kill-session', '-t', 'd').status).toBe(0)
    await until(() => !existsSync(sock), 'the daemon to remove its control socket (a clean stop)')
    // and its home is free: the next daemon starts on it
    const next = await startDaemon({ name: 'after', home })
    expect((await next.cli(['status', '--json'])).code).toBe(0)
  })

  it('`ferry wait` at a terminal draws the live view `ferry send` draws, its summary as the last frame (user-test finding: a plain one-line bar)', async () => {
    const dir = await tempDir('ferry-wait-tty-')
    if (socket === '') socket = join(dir, 'tmux.sock')
    const [a, b] = await Promise.all([startDaemon({ name: 'alpha' }), startDaemon({ name: 'beta' })])
    await pairDaemons(a, b)
    const file = join(dir, 'note.txt')
    await writeFile(file, 'a note\n')
    const sent = await a.cli(['send', 'beta', file, '--json'])
    expect(sent.code, sent.stderr).toBe(0)
    const id = (JSON.parse(sent.stdout) as { id: string }).id
    const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`
    const cmd = `${q(process.execPath)} ${q(MAIN)} wait ${id.slice(0, 8)} --home ${q(a.home)}; echo "exit $?"; sleep 30`
    expect(tmux('new-session', '-d', '-s', 'w', '-x', '100', '-y', '20', cmd).status).toBe(0)
    const screen = (): string => spawnSync(TMUX!, ['-S', socket, 'capture-pane', '-p', '-t', 'w'], { encoding: 'utf8' }).stdout
    await until(() => screen().includes('exit '), 'ferry wait to end')
    const shown = screen()
    tmux('kill-session', '-t', 'w')
    expect(shown).toMatch(/^exit 0$/m)
    // the view's header (the peer, its state), its bar, and the summary as its last line, marked and indented
    expect(shown).toMatch(/^ +\S+ to beta +1 file +done/m)
    expect(shown).toMatch(/^ +\S+ sent 1 file, 7 B to beta in /m)
    // not the one-line bar on stderr, nor the summary as a plain line
    expect(shown).not.toContain('[#')
    expect(shown).not.toMatch(/^sent 1 file/m)
  }, 60_000)

  it('`ferry wait` at a terminal ended by Ctrl-C: its view ends "wait ended; the send goes on", not "✗ interrupted", and the line under it says how to wait again (found using it: "interrupted: E_CANCELLED" read as the send cancelled)', async () => {
    const dir = await tempDir('ferry-wait-stop-tty-')
    if (socket === '') socket = join(dir, 'tmux.sock')
    const [a, b] = await Promise.all([startDaemon({ name: 'alpha' }), startDaemon({ name: 'beta' })])
    await pairDaemons(a, b)
    // beta away: the send waits for it
    await b.stop()
    const file = join(dir, 'note.txt')
    await writeFile(file, 'a note\n')
    const sending = spawnCli(['send', 'beta', file, '--json', '--home', a.home], { timeoutMs: 60_000 })
    let id = ''
    const ctl = await connectControl(a.home)
    try {
      const deadline = Date.now() + 15_000
      while (id === '' && Date.now() < deadline) {
        id = (await ctl.call('transfers')).find((t) => t.direction === 'send' && t.state === 'waiting')?.id ?? ''
        if (id === '') await new Promise((resolve) => setTimeout(resolve, 100))
      }
    } finally { ctl.close() }
    expect(id, 'the send to wait for beta').not.toBe('')
    const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`
    const cmd = `${q(process.execPath)} ${q(MAIN)} wait ${id.slice(0, 8)} --home ${q(a.home)}; echo "exit $?"; sleep 30`
    expect(tmux('new-session', '-d', '-s', 'ws', '-x', '100', '-y', '20', cmd).status).toBe(0)
    const screen = (): string => spawnSync(TMUX!, ['-S', socket, 'capture-pane', '-p', '-t', 'ws'], { encoding: 'utf8' }).stdout
    await until(() => screen().includes('waiting for peer'), 'the view of the waiting send')
    expect(tmux('send-keys', '-t', 'ws', 'C-c').status).toBe(0)
    await until(() => screen().includes('exit '), 'ferry wait to end')
    const shown = screen()
    tmux('kill-session', '-t', 'ws')
    expect(shown).toMatch(/^exit 1$/m)
    expect(shown).toMatch(/^ferry: E_CANCELLED: the wait was ended \(SIGINT\); the send goes on/m)
    expect(shown).not.toContain('interrupted')
    expect(shown).toMatch(/^ +wait ended; the send goes on$/m)
    // and it does go on
    expect((await a.cli(['transfers', '--json'])).stdout).toContain(id)
    sending.proc.kill('SIGKILL')
  }, 60_000)

  it('`ferry pair -` at a terminal: Ctrl-D at its prompt says "no code entered" on a line of its own (user-test finding: Node\'s "Aborted with Ctrl+D" after the prompt)', async () => {
    const dir = await tempDir('ferry-pair-tty-')
    if (socket === '') socket = join(dir, 'tmux.sock')
    const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`
    // no daemon is asked: the code is read first; the shell stays to show what was written
    const cmd = `${q(process.execPath)} ${q(MAIN)} pair - --home ${q(join(dir, 'home'))}; echo "exit $?"; sleep 30`
    expect(tmux('new-session', '-d', '-s', 'p', '-x', '100', '-y', '10', cmd).status).toBe(0)
    const screen = (): string => spawnSync(TMUX!, ['-S', socket, 'capture-pane', '-p', '-t', 'p'], { encoding: 'utf8' }).stdout
    await until(() => screen().includes('code shown on the other device:'), 'the prompt')
    expect(tmux('send-keys', '-t', 'p', 'C-d').status).toBe(0)
    await until(() => screen().includes('exit '), 'ferry pair to end')
    expect(screen()).toMatch(/^code shown on the other device: *\nferry: E_CANCELLED: no code entered\nexit 1$/m)
    tmux('kill-session', '-t', 'p')
  })
})
