// `ferry tui` in a real terminal: tmux runs the TUI against real daemons on
// 127.0.0.1 (mDNS off), keys go in with `send-keys`, and what a person would
// see comes back with `capture-pane`. Covers: the peer list, a 200 MiB
// transfer's progress and its place in History with the receipt status,
// resizing, quitting (the daemon keeps running), pairing by typing a code,
// losing and regaining the daemon, Ctrl-Z and fg under an interactive shell,
// the usage error when the output is redirected, and a live view's stderr
// to a file (no terminal escape in it).
//
// All tmux commands go to a private tmux server (-S, a socket in this test's
// temp folder), so nothing here can touch anyone else's sessions; afterAll
// kills that server and removes the folder.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { cleanupAll, MAIN, pairDaemons, peersOf, spawnCli, startDaemon, tempDir, type TestDaemon } from '../helpers/daemon.ts'
import { writeRandomFile } from '../helpers/files.ts'
import { showCode } from '../helpers/pairing.ts'

const TMUX = ['/usr/bin/tmux', '/usr/local/bin/tmux', 'tmux'].find((t) => spawnSync(t, ['-V']).status === 0)
if (TMUX == null) console.warn('test/integration/tui-tmux.test.ts: skipped, tmux is not installed (apt-get install tmux)')

/** set in beforeAll, inside a temp folder that cleanupAll removes */
let socket = ''
const MiB = 1024 * 1024

function tmux (...args: string[]): { status: number | null, stdout: string, stderr: string } {
  // -u: UTF-8 whatever the locale, so bars and glyphs come back as they are drawn
  const r = spawnSync(TMUX!, ['-u', '-S', socket, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Quoted for sh. */
const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`

/**
 * A tmux session of `cols`×`rows` running `ferry tui --home <home>` under
 * sh, which prints `[exit N]` when the TUI ends and then stays, so the exit
 * status can be read off the screen (with remain-on-exit, tmux's own
 * pane_dead_status came back empty in some runs). `redirect` goes after the
 * command, e.g. ` > file`.
 */
function startTui (name: string, home: string, cols = 80, rows = 24, redirect = ''): void {
  startCommand(name, ['tui', '--home', home], cols, rows, redirect)
}

/** The same for any `ferry` command: `args` quoted for sh, `redirect` as is. */
function startCommand (name: string, args: string[], cols = 80, rows = 24, redirect = ''): void {
  const cmd = `exec sh -c ${q(`${q(process.execPath)} ${q(MAIN)} ${args.map(q).join(' ')}${redirect}; echo "[exit $?]"; sleep 600`)}`
  const r = tmux('new-session', '-d', '-s', name, '-x', String(cols), '-y', String(rows), '-e', 'NO_COLOR=1', '-e', 'FERRY_CODE=', cmd)
  if (r.status !== 0) throw new Error(`tmux new-session failed: ${r.stderr}`)
}

const screen = (name: string): string => tmux('capture-pane', '-p', '-t', name).stdout
const keys = (name: string, ...k: string[]): void => { tmux('send-keys', '-t', name, ...k) }
const type = (name: string, text: string): void => { tmux('send-keys', '-t', name, '-l', text) }

/** Poll the screen until `test` passes; on timeout the error shows the last screen. */
async function waitScreen (name: string, test: RegExp | ((s: string) => boolean), what: string, timeoutMs = 15_000): Promise<string> {
  const ok = typeof test === 'function' ? test : (s: string) => test.test(s)
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    last = screen(name)
    if (ok(last)) return last
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the screen was:\n${last}`)
}

/** The frame is whole: as many lines as rows, none wider than the terminal, one tab bar, a full-width rule, the help line. */
function expectWholeFrame (s: string, cols: number, rows: number, self: string): void {
  const lines = s.replace(/\n$/, '').split('\n')
  expect(lines.length, s).toBe(rows)
  for (const l of lines) expect(Array.from(l).length, `line wider than ${cols}: ${l}`).toBeLessThanOrEqual(cols)
  expect(lines[0], s).toMatch(new RegExp(`^ferry ${self}\\s+1 Peers\\s+2 Pair\\s+3 Offers`))
  expect(lines.filter((l) => l.startsWith(`ferry ${self} `)), s).toHaveLength(1)
  expect(lines[1]).toBe('─'.repeat(cols))
  expect(s).toMatch(/Tab\/1-5 screens · q quit/)
  expect(s).toMatch(/● daemon connected/)
}

/** The TUI's process: the child of the pane's shell. */
function tuiPid (name: string): number {
  const shell = Number(tmux('display-message', '-p', '-t', name, '#{pane_pid}').stdout.trim())
  return Number(readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').trim().split(/\s+/)[0])
}

/** The process's state letter from /proc (R, S, T for stopped…). */
const procState = (pid: number): string => /^\d+ \(.*\) (\S)/s.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))![1]

/** Waits for the TUI's process to end; returns its exit status. */
async function waitTuiExit (name: string): Promise<number> {
  const s = await waitScreen(name, /\[exit \d+\]/, 'the TUI to exit')
  return Number(/\[exit (\d+)\]/.exec(s)![1])
}

// (a) and (b)+(c) use different daemons' TUIs and run side by side
describe.skipIf(TMUX == null).concurrent('ferry tui in tmux', () => {
  let a: TestDaemon // receives; runs the TUI of test (a)
  let b: TestDaemon // paired with a through the CLI; sends
  let c: TestDaemon // linked to a, paired through its TUI in test (b), restarted in test (c)
  let big: string

  beforeAll(async () => {
    const t0 = Date.now()
    const dir = await tempDir('ferry-tui-tmux-')
    socket = join(dir, 'tmux.sock')
    big = join(dir, 'big.bin')
    const written = writeRandomFile(big, 200 * MiB)
    a = await startDaemon({ name: 'alpha' })
    // beta sends the 200 MiB file: without a preview, so that a slow hashing does not fetch it ahead and leave
    // the screen too short a time "transferring" for two frames (review finding)
    ;[b, c] = await Promise.all([startDaemon({ name: 'beta', peers: [a.addr], env: { FERRY_PREVIEW: 'never' } }), startDaemon({ name: 'gamma', peers: [a.addr] })])
    await Promise.all([pairDaemons(a, b), written])
    console.log(`tui-tmux: three daemons up, a and b paired, 200 MiB written in ${Date.now() - t0} ms`)
  })

  afterAll(async () => {
    if (TMUX != null && socket !== '') tmux('kill-server')
    await cleanupAll()
  })

  it('(a) shows the peer, a transfer advancing, History with the receipt, survives resizes; q quits and the daemon keeps running', async ({ expect }) => {
    const S = 'tui-alpha'
    startTui(S, a.home)
    let s = await waitScreen(S, /beta.*online/, 'beta on the Peers screen')
    expect(s).toMatch(/› beta\s+…\S{8}\s+● online\s+✓ yes\s+now/)
    expectWholeFrame(s, 80, 24, 'alpha')

    keys(S, '4')
    await waitScreen(S, /No active transfers/, 'the Transfers screen')
    const send = spawnCli(['send', 'alpha', big, '--json', '--home', b.home], { timeoutMs: 50_000 })

    // two frames with different progress while the transfer runs
    const seen: Array<{ pct: number, done: string }> = []
    // no rate ("—") before one is measured over a full second
    const progress = /↓ from beta\s+1 file\s+transferring[\s\S]*?\s(\d+)%\s+([\d.]+ (?:B|KiB|MiB)) \/ 200\.0 MiB\s+(?:[\d.]+ [KM]iB\/s|—)\s+ETA/
    s = await waitScreen(S, (text) => {
      const m = progress.exec(text)
      if (m != null && Number(m[1]) < 100 && !seen.some((x) => x.done === m[2])) seen.push({ pct: Number(m[1]), done: m[2] })
      return seen.length >= 2 || /History \(1\)/.test(text)
    }, 'two frames of progress', 40_000)
    expect(seen.length, `progress frames seen: ${JSON.stringify(seen)}; last screen:\n${s}`).toBeGreaterThanOrEqual(2)
    expect(seen[1].pct).toBeGreaterThanOrEqual(seen[0].pct)
    expect(s).toMatch(/big\.bin\s+[█▏▎▍▌▋▊▉░]+ [\d.]+ \w+ \/ 200\.0 MiB/) // the file's own bar
    expect(s).toContain('4 Transfers (1)')

    s = await waitScreen(S, /History \(1\)/, 'the transfer in History', 40_000)
    const sent = await send.done
    expect(sent.code, sent.stderr).toBe(0)
    expect(JSON.parse(sent.stdout)).toMatchObject({ state: 'done', totalBytes: 200 * MiB, receipt: { verified: true } })
    // received here: done, with the receipt this side signed for the sender
    expect(s).toMatch(/✓ done\s+signed\s+↓ from beta  big\.bin  1 file, 200\.0 MiB\s+(just now|\d+s ago)/)
    expect(s).toContain('No active transfers')
    expectWholeFrame(s, 80, 24, 'alpha')

    tmux('resize-window', '-t', S, '-x', '200', '-y', '50')
    s = await waitScreen(S, (text) => text.split('\n')[1] === '─'.repeat(200), 'a 200-column frame')
    expectWholeFrame(s, 200, 50, 'alpha')
    expect(s).toMatch(/✓ done\s+signed\s+↓ from beta/)
    tmux('resize-window', '-t', S, '-x', '80', '-y', '24')
    s = await waitScreen(S, (text) => text.split('\n')[1] === '─'.repeat(80), 'an 80-column frame again')
    expectWholeFrame(s, 80, 24, 'alpha')
    expect(s).toMatch(/✓ done\s+signed\s+↓ from beta/)

    keys(S, 'q')
    expect(await waitTuiExit(S), screen(S)).toBe(0)
    const st = await a.cli(['status', '--json'])
    expect(st.code, st.stderr).toBe(0)
    expect(JSON.parse(st.stdout)).toMatchObject({ name: 'alpha', peerId: a.peerId })
  })

  it('(d) Ctrl-Z, or SIGTSTP from outside, stops the TUI and gives the shell its prompt; fg redraws it at the size of the moment and keys work again (user-test findings: Ctrl-Z swallowed; after kill -TSTP and fg nothing was redrawn)', async ({ expect }) => {
    // an interactive shell, with job control as a person has: under plain `sh -c` the job's
    // process group is orphaned, and the kernel drops a SIGTSTP sent to it
    const S = 'tui-suspend'
    const r = tmux('new-session', '-d', '-s', S, '-x', '80', '-y', '24', '-e', 'NO_COLOR=1', '-e', 'FERRY_CODE=',
      `exec env ${q('PS1=tuishell$ ')} bash --norc --noprofile -i`)
    if (r.status !== 0) throw new Error(`tmux new-session failed: ${r.stderr}`)
    await waitScreen(S, /tuishell\$/, 'the shell prompt')
    // the TUI alone on the line: a stopped job drops the rest of a list (its "[exit $?]" would print at once)
    type(S, `${q(process.execPath)} ${q(MAIN)} tui --home ${q(a.home)}`)
    keys(S, 'Enter')
    await waitScreen(S, /beta.*online/, 'beta on the Peers screen')
    const pid = tuiPid(S)
    keys(S, 'C-z')
    let s = await waitScreen(S, /Stopped.*\n(.*\n)*tuishell\$ *\n/, 'the job stopped and the prompt back')
    expect(s).not.toContain('1 Peers')
    expect(s).not.toContain('[exit')
    expect(procState(pid)).toBe('T')

    type(S, 'fg')
    keys(S, 'Enter')
    s = await waitScreen(S, /beta.*online/, 'the redrawn frame')
    expectWholeFrame(s, 80, 24, 'alpha')

    // resized while stopped (a stopped job is not told): the redraw fits the new size
    keys(S, 'C-z')
    await waitScreen(S, /Stopped[\s\S]*Stopped/, 'the job stopped again')
    tmux('resize-window', '-t', S, '-x', '60', '-y', '20')
    type(S, 'fg')
    keys(S, 'Enter')
    s = await waitScreen(S, (text) => text.split('\n')[1] === '─'.repeat(60), 'a 60-column frame after fg')
    expect(s.replace(/\n$/, '').split('\n')).toHaveLength(20)
    // (the tabs drop the name when test (a)'s transfer count makes them too wide for 60 columns)
    expect(s).toMatch(/^ferry (alpha )?\s*1 Peers\s+2 Pair/)
    keys(S, '4')
    await waitScreen(S, /No active transfers|History/, 'the Transfers screen: keys work again')

    // SIGTSTP from outside, not the key: the terminal is handed back as for Ctrl-Z, and fg redraws (user-test finding: raw mode and the TUI's screen were left behind)
    process.kill(pid, 'SIGTSTP')
    s = await waitScreen(S, (text) => !text.includes('1 Peers') && /Stopped.*\n(.*\n)*tuishell\$ *\n\s*$/.test(text), 'the job stopped by kill -TSTP and the prompt back')
    expect(procState(pid)).toBe('T')
    type(S, 'fg')
    keys(S, 'Enter')
    s = await waitScreen(S, /No active transfers|History/, 'the frame redrawn after kill -TSTP and fg')
    expect(s).toMatch(/1 Peers/)
    keys(S, 'q')
    await waitScreen(S, /tuishell\$ *\n\s*$/, 'the prompt after quitting')
    type(S, 'echo "[exit $?]"')
    keys(S, 'Enter')
    expect(await waitTuiExit(S), screen(S)).toBe(0)
  })

  it('(e) ferry tui with its output redirected says it needs a terminal and exits 2, drawing nothing into the file', async ({ expect }) => {
    const S = 'tui-redirected'
    const out = join(socket, '..', 'tui-out.txt')
    startTui(S, a.home, 100, 10, ` > '${out}'`)
    expect(await waitTuiExit(S), screen(S)).toBe(2)
    expect(screen(S).replace(/\n/g, '')).toMatch(/ferry: E_USAGE: ferry tui needs a terminal, and its stdout is not one; in scripts use `ferry status`/)
    expect(statSync(out).size).toBe(0)
  })

  it('(f) a live view on the terminal with stderr to a file (`ferry pair 2> log`): the file gets the error line and no terminal escape (helper finding: Ink\'s cursor restore, `\\e[?25h`, was written there at exit)', async ({ expect }) => {
    const S = 'pair-stderr-redirected'
    const log = join(socket, '..', 'pair-err.txt')
    startCommand(S, ['pair', '--home', b.home], 100, 20, ` 2> '${log}'`)
    await waitScreen(S, /Type this code on the other device/, 'the code shown')
    // a signal to the command alone: C-c would reach the pane's sh too, which then ends before it prints "[exit N]"
    process.kill(tuiPid(S), 'SIGINT')
    expect(await waitTuiExit(S), screen(S)).toBe(1)
    const text = readFileSync(log, 'utf8')
    expect(text).toMatch(/^ferry: E_CANCELLED: /m)
    expect(JSON.stringify(text)).not.toContain('\\u001b')
  })

  it('(g) `ferry pair CODE` at a terminal (its live view) of a device named as one already paired says so after the outcome, as it says without a terminal (user-test finding: nothing said, and the next `ferry send` to the name was E_PEER_AMBIGUOUS)', async ({ expect }) => {
    // daemons of its own: the others' peer lists stay as tests (a) to (d) expect them
    const x = await startDaemon({ name: 'delta' })
    const [y1, y2] = await Promise.all([startDaemon({ name: 'epsilon', peers: [x.addr] }), startDaemon({ name: 'epsilon', peers: [x.addr] })])
    await pairDaemons(x, y1)
    const shown = await showCode(y2)
    const S = 'pair-same-name'
    startCommand(S, ['pair', shown.code, '--peer', y2.addr, '--home', x.home], 100, 30)
    expect(await waitTuiExit(S), screen(S)).toBe(0)
    // the lines wrapped at 100 columns, joined (-J)
    const s = tmux('capture-pane', '-p', '-J', '-t', S).stdout
    expect(s).toMatch(/paired with epsilon/)
    expect(s).toContain(`another paired device is also named epsilon (…${y1.peerId.slice(-8)}, online); a send to that name will ask which: name each by the end of its peer ID (…${y2.peerId.slice(-8)} is the one just paired)`)
    expect((await shown.cli.done).code).toBe(0)
    await Promise.all([x.stop(), y1.stop(), y2.stop()])
  })

  it('(b) pairs by typing the code shown on the other device; (c) shows the daemon gone and reconnects when it is back', async ({ expect }) => {
    const S = 'tui-gamma'
    startTui(S, c.home)
    await waitScreen(S, /alpha.*online/, 'alpha on the Peers screen')
    const shown = await showCode(a)

    keys(S, '2')
    await waitScreen(S, /e {2}enter a code shown on the other device/, 'the Pair screen')
    keys(S, 'e')
    await waitScreen(S, /Enter the code shown on the other device/, 'the code field')
    type(S, shown.code)
    await waitScreen(S, (text) => text.includes(`› ${shown.code}`), 'the typed code')
    keys(S, 'Enter')
    // the outcome comes with the daemon's pairing event, and the field gives way to the menu with the answer to
    // pair.enter, which may come a moment after it: the frame once both are in (CI saw the one between)
    let s = await waitScreen(S, (text) => /paired with alpha/.test(text) && /Tab\/1-5 screens · q quit/.test(text), 'the pairing outcome, back on the menu', 20_000)
    expect(s).toMatch(/✓ paired with alpha \(…\S{8}\)/)
    expect(s).toMatch(/fingerprint [0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}/)
    expectWholeFrame(s, 80, 24, 'gamma')
    const done = await shown.cli.done
    expect(done.code, done.stderr).toBe(0)
    expect((await peersOf(a)).find((p) => p.peerId === c.peerId)).toMatchObject({ paired: true })
    expect((await peersOf(c)).find((p) => p.peerId === a.peerId)).toMatchObject({ paired: true })
    // back on the menu after pairing: digits switch screens again
    keys(S, '1')
    s = await waitScreen(S, /LAST SEEN/, 'the Peers screen')
    expect(s).toMatch(/› alpha\s+…\S{8}\s+● online\s+✓ yes/)

    // (c) the daemon stops under the TUI, then comes back on the same home
    await c.stop()
    // the command gamma was started with: over lines ending in "\\" where it does not fit one
    s = await waitScreen(S, /daemon not running — start it with/, 'the not-running message')
    expect(s).toContain('○ daemon not running')
    // as the shell reads those lines pasted
    const command = s.split('\n').map((l) => l.trimEnd()).join('\n').replace(/\\\n/g, '')
    expect(command).toContain(`ferry daemon --home ${c.home} --name gamma --listen /ip4/127.0.0.1/tcp/`)
    expect(command).toContain(`--peer ${a.addr} --no-mdns --receive-dir ${c.receiveDir}`)
    c = await c.restart()
    s = await waitScreen(S, /● daemon connected \(gamma\)/, 'the TUI to reconnect', 20_000)
    expect(s).toMatch(/alpha\s+…\S{8}\s+\S+ (online|offline)\s+✓ yes/)
    expectWholeFrame(s, 80, 24, 'gamma')
    keys(S, 'q')
    expect(await waitTuiExit(S), screen(S)).toBe(0)
  })
})
