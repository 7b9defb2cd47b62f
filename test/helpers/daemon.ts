// Test helper: real ferry daemons as child processes (real libp2p, real
// sockets, real files), and the real CLI. Optionally inside a network namespace.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { connectControl } from '../../src/daemon/control/client.ts'
import { DAEMON_GLIBC_TUNABLES, DAEMON_V8_FLAGS } from '../../src/cli/daemon-flags.ts'
import type { ControlMethods, MethodName, PeerInfo, TransferInfo } from '../../src/daemon/control/types.ts'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/**
 * What the tests run as `ferry`: the bundled build that `npm start` and
 * `ferry` run (scripts/build.sh; test/build.ts builds it before the tests)
 */
export const MAIN = join(ROOT, 'dist', 'ferry.js')
/** The TypeScript sources, which bin/ferry.js runs where there is no build */
export const SOURCE_MAIN = join(ROOT, 'src', 'cli', 'main.ts')
const NODE = process.execPath
/** A daemon boots in ~1 s on an idle box, but much slower on a loaded 2-core CI machine; only a hang should fail here. */
const BOOT_TIMEOUT_MS = Number(process.env.FERRY_TEST_BOOT_MS ?? 60_000)

export interface CliResult { code: number, stdout: string, stderr: string }

export interface DaemonOpts {
  name: string
  home?: string
  receiveDir?: string
  peers?: string[]
  mdns?: boolean
  listen?: string
  netns?: string
  extraArgs?: string[]
  env?: Record<string, string>
  /**
   * Start it as `ferry daemon` starts, re-executing itself with its V8 flags
   * and malloc settings (src/cli/daemon-flags.ts), rather than with them
   * given at once
   */
  reexec?: boolean
  /** run the TypeScript sources (SOURCE_MAIN), as bin/ferry.js does where there is no build */
  fromSources?: boolean
  /**
   * Run it without root's power to read and write past permission bits
   * (CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped with setpriv, Linux):
   * as root, the tests' user here, a file chmod 000 is read all the same,
   * and what a daemon does with one it cannot read is not seen otherwise.
   */
  withoutDacOverride?: boolean
}

export interface TestDaemon {
  name: string
  home: string
  receiveDir: string
  peerId: string
  addr: string
  proc: ChildProcess
  output: () => string
  cli: (args: string[], opts?: { input?: string, env?: Record<string, string>, timeoutMs?: number }) => Promise<CliResult>
  stop: () => Promise<void>
  kill9: () => Promise<void>
  /** Stop (SIGTERM) and start again on the same home and port; `change`: other options for the new start (e.g. receiveDir). */
  restart: (change?: Partial<DaemonOpts>) => Promise<TestDaemon>
}

const created: string[] = []
const running = new Set<ChildProcess>()

export async function tempDir (prefix = 'ferry-test-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix))
  created.push(d)
  return d
}

/** A system Node older than 22.18, which runs bin/ferry.js as a wrapper of the CLI under the pinned Node; none on this machine: undefined. */
export function olderNode (): string | undefined {
  return ['/usr/bin/node', '/usr/local/bin/node', '/bin/node'].find((n) => {
    try {
      const [major, minor] = execFileSync(n, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim().split('.').map(Number)
      return major < 22 || (major === 22 && minor < 18)
    } catch { return false }
  })
}

/** What process `pid` holds in memory now (VmRSS), in bytes. */
export function vmRssBytes (pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (m == null) throw new Error(`no VmRSS for ${pid}`)
  return Number(m[1]) * 1024
}

export async function cleanupAll (): Promise<void> {
  for (const p of running) p.kill('SIGKILL')
  running.clear()
  for (const d of created.splice(0)) await rm(d, { recursive: true, force: true }).catch(() => {})
}

function wrap (netns: string | undefined, argv: string[]): [string, string[]] {
  return netns == null ? [NODE, argv] : ['ip', ['netns', 'exec', netns, NODE, ...argv]]
}

/** setpriv's arguments that run a command as root without its power over file permissions (the daemon as a user would run it) */
const WITHOUT_DAC_OVERRIDE = ['--bounding-set', '-dac_override,-dac_read_search', '--inh-caps', '-dac_override,-dac_read_search', '--']

export function runCli (args: string[], opts: { netns?: string, input?: string, env?: Record<string, string>, timeoutMs?: number, cwd?: string, withoutDacOverride?: boolean } = {}): Promise<CliResult> {
  const wrapped = wrap(opts.netns, [MAIN, ...args])
  const [cmd, argv] = opts.withoutDacOverride === true ? ['setpriv', [...WITHOUT_DAC_OVERRIDE, wrapped[0], ...wrapped[1]]] as [string, string[]] : wrapped
  return new Promise((resolve) => {
    const p = spawn(cmd, argv, { env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'], cwd: opts.cwd })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d) => { stdout += d })
    p.stderr.on('data', (d) => { stderr += d })
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 30_000)
    p.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }) })
    if (opts.input != null) p.stdin.end(opts.input); else p.stdin.end()
  })
}

export async function waitFor<T> (fn: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v !== undefined && v !== false) return v
    } catch (err) { last = err }
    await new Promise((r) => setTimeout(r, everyMs))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last != null ? `: ${(last as Error).message}` : ''}`)
}

/** Whether 127.0.0.1:`port` is free to listen on now. */
async function portFree (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => { resolve(false) })
    server.listen(port, '127.0.0.1', () => { server.close(() => { resolve(true) }) })
  })
}

/** the test files vitest runs at once (vitest.config.ts maxWorkers): each worker takes its own share of FERRY_TEST_PORTS */
const PORT_SHARES = 3
/** where this worker's next search for a free port in FERRY_TEST_PORTS begins */
let nextPort: number | undefined

/**
 * The ports test daemons listen on when FERRY_TEST_PORTS does not say:
 * below the kernel's ephemeral range (32768-60999 on Linux), where every
 * outgoing connection and every tcp/0 listener takes its port. A daemon on
 * an ephemeral port, killed and restarted on it, found it taken (seen in a
 * suite run: resume-sender.test.ts's alpha, "the port is in use", after
 * which each later test of the file failed on the dead daemon).
 */
const DEFAULT_TEST_PORTS = '20000-31999'

/**
 * Where a daemon given no --listen listens: a free port of
 * FERRY_TEST_PORTS=LO-HI (a box shared by several test runs, each given its
 * own ports), or of DEFAULT_TEST_PORTS. A daemon that restarts takes its port
 * again (restart()), so a port free now may be one a stopped daemon comes
 * back to: each vitest worker (VITEST_POOL_ID) looks in its own share of the
 * range, and goes on from the port it gave last rather than from a random one
 * (seen: pairing-trust.test.ts's daemon down between a stop and its restart
 * found its port taken by a daemon of pairing.test.ts, run beside it).
 */
async function defaultListen (): Promise<string> {
  const ports = process.env.FERRY_TEST_PORTS ?? DEFAULT_TEST_PORTS
  const range = /^(\d+)-(\d+)$/.exec(ports)
  if (range == null) throw new Error(`FERRY_TEST_PORTS=${ports}: not a range LO-HI`)
  const [lo, hi] = [Number(range[1]), Number(range[2])]
  // shares of a range too small to split are the whole range, as before
  const share = Math.floor((hi - lo + 1) / PORT_SHARES)
  const worker = (Number(process.env.VITEST_POOL_ID ?? 1) - 1) % PORT_SHARES
  const [from, size] = share >= 20 ? [lo + worker * share, share] : [lo, hi - lo + 1]
  nextPort ??= Math.floor(Math.random() * size)
  for (let i = 0; i < Math.min(size, 200); i++) {
    const port = from + (nextPort + i) % size
    if (await portFree(port)) { nextPort = (nextPort + i + 1) % size; return `/ip4/127.0.0.1/tcp/${port}` }
  }
  throw new Error(`no free port in ${ports}`)
}

/**
 * The environment of a test daemon with `helper` (a file of test/helpers, a
 * stand-in preloaded with --import, as held-plan.mjs and stalled-rm.mjs are)
 * loaded before its own code, after whatever NODE_OPTIONS this process runs
 * with; `env`: the helper's own variables (its gate).
 */
export function preloadedEnv (helper: string, env: Record<string, string>): Record<string, string> {
  const preload = `--import=${pathToFileURL(join(ROOT, 'test', 'helpers', helper)).href}`
  return { NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter((o) => o != null && o !== '').join(' '), ...env }
}

/** `portTries`: how many ports of FERRY_TEST_PORTS it tries (one taken meanwhile by another daemon: the next). */
export async function startDaemon (opts: DaemonOpts, portTries = 5): Promise<TestDaemon> {
  const home = opts.home ?? await tempDir(`ferry-${opts.name}-`)
  const receiveDir = opts.receiveDir ?? join(home, 'received')
  const args = [opts.fromSources === true ? SOURCE_MAIN : MAIN, 'daemon', '--home', home, '--name', opts.name, '--receive-dir', receiveDir,
    '--listen', opts.listen ?? await defaultListen(), ...(opts.extraArgs ?? [])]
  if (opts.mdns !== true) args.push('--no-mdns')
  for (const p of opts.peers ?? []) args.push('--peer', p)
  // started with the settings it would re-execute itself with (daemon-flags.ts): the same process, one Node
  // start-up fewer (~0.15 s of a ~0.5 s boot, at every start and restart). One asked to (reexec), and one in a
  // network namespace, still re-execute, as `ferry daemon` does (daemon.test.ts checks that it does)
  const preset = opts.netns == null && opts.reexec !== true
  const wrapped = wrap(opts.netns, preset ? [...DAEMON_V8_FLAGS, ...args] : args)
  // setpriv execs the command: the process is the daemon's, its pid too
  const [cmd, argv] = opts.withoutDacOverride === true ? ['setpriv', [...WITHOUT_DAC_OVERRIDE, wrapped[0], ...wrapped[1]]] as [string, string[]] : wrapped
  const env = { ...(preset && process.platform === 'linux' ? { GLIBC_TUNABLES: DAEMON_GLIBC_TUNABLES } : {}), ...process.env, ...opts.env }
  const proc = spawn(cmd, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  running.add(proc)
  let out = ''
  proc.stdout!.on('data', (d) => { out += d })
  proc.stderr!.on('data', (d) => { out += d })
  const exited = new Promise<void>((resolve) => proc.on('exit', () => { running.delete(proc); resolve() }))
  const cli = (a: string[], o: { input?: string, env?: Record<string, string>, timeoutMs?: number } = {}): Promise<CliResult> =>
    runCli([...a, '--home', home], { ...o, netns: opts.netns })
  // asked through the control socket, as `ferry status --json` asks it (that command is tested in daemon.test.ts):
  // a CLI process per try would be a Node start-up, ~0.3 s of CPU taken from the daemon booting on a 2-core box
  // a daemon that exits while starting says why at once, not after the boot timeout (waitFor takes a throw for "not yet")
  const status = await waitFor(async () => {
    if (proc.exitCode != null || proc.signalCode != null) return { exited: true } as const
    if (opts.netns == null) return await control({ home }, 'status')
    const r = await cli(['status', '--json'], { timeoutMs: 5000 })
    return r.code === 0 ? JSON.parse(r.stdout) as { peerId: string, listenAddrs: string[] } : undefined
  }, `daemon ${opts.name} to start`, BOOT_TIMEOUT_MS, 50)
  if ('exited' in status) {
    // a port of FERRY_TEST_PORTS found free, then taken by a daemon of another test file (run side by side) before
    // this one listened on it: another port, as tcp/0 would have given
    if (opts.listen == null && portTries > 1 && out.includes('the port is in use')) return await startDaemon(opts, portTries - 1)
    throw new Error(`daemon ${opts.name} exited ${proc.exitCode ?? proc.signalCode} while starting: ${out}`)
  }
  const d: TestDaemon = {
    name: opts.name,
    home,
    receiveDir,
    peerId: status.peerId,
    addr: status.listenAddrs[0],
    proc,
    output: () => out,
    cli,
    stop: async () => { if (proc.exitCode == null && proc.signalCode == null) { proc.kill('SIGTERM'); await exited } },
    kill9: async () => { if (proc.exitCode == null && proc.signalCode == null) { proc.kill('SIGKILL'); await exited } },
    restart: async (change) => {
      await d.stop()
      // keep the same listen port, so the other side's redial finds it again
      const port = d.addr.match(/\/tcp\/(\d+)/)?.[1]
      const listen = (opts.listen ?? '/ip4/127.0.0.1/tcp/0').replace(/\/tcp\/\d+/, `/tcp/${port ?? 0}`)
      return await startDaemon({ ...opts, home, receiveDir, listen, ...change })
    }
  }
  return d
}

/** Run `fn` with `d`'s process stopped (SIGSTOP), as a daemon that does not answer; it goes on (SIGCONT) afterwards, also when `fn` throws. */
export async function whileStopped<T> (d: Pick<TestDaemon, 'proc'>, fn: () => Promise<T>): Promise<T> {
  d.proc.kill('SIGSTOP')
  try {
    return await fn()
  } finally {
    d.proc.kill('SIGCONT')
  }
}

export async function peersOf (d: TestDaemon): Promise<Array<{ peerId: string, name: string, online: boolean, paired: boolean, addrs: string[], lastSeen: number }>> {
  const r = await d.cli(['peers', '--json'])
  if (r.code !== 0) throw new Error(`ferry peers failed: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

/**
 * One call of `d`'s control API straight over its socket, without a CLI
 * process: cheap enough to poll in waitFor. (peersOf and `d.cli` test the CLI
 * itself.)
 */
export async function control<M extends MethodName> (d: Pick<TestDaemon, 'home'>, method: M, params?: ControlMethods[M]['params']): Promise<ControlMethods[M]['result']> {
  const client = await connectControl(d.home)
  try { return await client.call(method, params) } finally { client.close() }
}

/**
 * `d`'s transfers, as `ferry transfers --json` prints them, through its
 * control socket: a CLI process per look was a Node start-up (~0.2-0.4 s,
 * more on a busy box) taken from the daemons, ~70 looks in the transfer
 * and resume tests, and its start-up hid a window in which the receiver of
 * a send just done showed `verifying` (receiver-final.test.ts, which also
 * checks that the CLI prints the same list). `ferry transfers` itself is
 * tested there, in ended-by.test.ts and in transfer*.test.ts's table rows.
 */
export async function transfersOf (d: Pick<TestDaemon, 'home'>): Promise<TransferInfo[]> {
  return await control(d, 'transfers')
}

/**
 * Wait until `d` lists `other` as online (`online: false`: as offline), and,
 * when `paired` is given, as paired or not; resolves to its entry. The
 * label of a timeout says which of these was awaited.
 */
export async function waitListed (d: Pick<TestDaemon, 'home' | 'name'>, other: { peerId: string, name?: string }, want: { online?: boolean, paired?: boolean } = {}, timeoutMs = 30_000): Promise<PeerInfo> {
  const online = want.online ?? true
  const as = [want.paired == null ? '' : want.paired ? 'paired' : 'unpaired', online ? 'online' : 'offline'].filter(Boolean).join(' and ')
  return await waitFor(async () => (await control(d, 'peers')).find((p) => p.peerId === other.peerId && p.online === online && (want.paired == null || p.paired === want.paired)),
    `${d.name} to list ${other.name ?? other.peerId} as ${as}`, timeoutMs)
}

export interface CliProcess {
  proc: ChildProcess
  /** stdout so far (grows while the command runs) */
  stdout: () => string
  stderr: () => string
  /** resolves when the command exits (killed with SIGKILL after timeoutMs) */
  done: Promise<CliResult>
}

/**
 * Start the CLI without waiting for it to finish, for long-running commands
 * such as `ferry pair` (show a code and wait). Read its output while it runs;
 * `cleanupAll()` kills it if a test leaves it running.
 */
export function spawnCli (args: string[], opts: { netns?: string, input?: string, env?: Record<string, string>, timeoutMs?: number } = {}): CliProcess {
  const [cmd, argv] = wrap(opts.netns, [MAIN, ...args])
  const proc = spawn(cmd, argv, { env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] })
  running.add(proc)
  let stdout = ''
  let stderr = ''
  proc.stdout!.on('data', (d) => { stdout += d })
  proc.stderr!.on('data', (d) => { stderr += d })
  const timer = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 60_000)
  const done = new Promise<CliResult>((resolve) => {
    proc.on('close', (code) => { clearTimeout(timer); running.delete(proc); resolve({ code: code ?? -1, stdout, stderr }) })
  })
  if (opts.input != null) proc.stdin!.end(opts.input); else proc.stdin!.end()
  return { proc, stdout: () => stdout, stderr: () => stderr, done }
}

/**
 * Parse a stream of concatenated JSON values, e.g. the output of a `--json`
 * command that prints more than one (pretty-printed) object. An incomplete
 * value at the end is left out, so this is safe on output that is still growing.
 */
export function jsonValues (text: string): any[] {
  const out: any[] = []
  let depth = 0
  let start = -1
  let inString = false
  let escaped = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (inString) {
      if (escaped) escaped = false
      else if (ch === '\\') escaped = true
      else if (ch === '"') inString = false
      continue
    }
    if (ch === '"') { inString = true; continue }
    if (ch === '{' || ch === '[') { if (depth === 0) start = i; depth++; continue }
    if (ch === '}' || ch === ']') {
      depth--
      if (depth === 0 && start >= 0) { out.push(JSON.parse(text.slice(start, i + 1))); start = -1 }
    }
  }
  return out
}

/**
 * Pair two running daemons, as `ferry pair` does it, over their control
 * sockets: `pair.show` on `a` (its code lives as long as that connection),
 * `pair.enter` of that code on `b`, dialling `a.addr`. Resolves once the
 * entering side said paired and each side lists the other as paired and
 * online. The setup of tests about what comes after a pairing: the two
 * `ferry pair` processes it ran before were ~0.3-0.5 s of CPU each on a
 * loaded box, ~40 pairings a run; the commands themselves are tested in
 * pairing.test.ts and pairing-trust.test.ts (showCode, `d.cli(['pair', …])`).
 */
export async function pairDaemons (a: TestDaemon, b: TestDaemon): Promise<void> {
  const shown = await connectControl(a.home)
  try {
    // a's own end of it, as `ferry pair` waits for it before it exits (and so closes the connection, which would cancel a code not yet done)
    const phases = new Map<string, string>()
    await shown.subscribe((event, data) => { if (event === 'pairing') { const s = data as { id: string, phase: string }; phases.set(s.id, s.phase) } })
    const st = await shown.call('pair.show', {})
    if (st.code == null) throw new Error(`${a.name} showed no pairing code: ${JSON.stringify(st)}`)
    const entered = await control(b, 'pair.enter', { code: st.code, peer: a.addr })
    if (entered.phase !== 'paired') throw new Error(`pairing on ${b.name} ended ${entered.phase}: ${JSON.stringify(entered.error)}`)
    const phase = await waitFor(() => ['paired', 'failed', 'expired', 'cancelled'].includes(phases.get(st.id) ?? '') ? phases.get(st.id) : undefined, `${a.name} to end the pairing`, 10_000, 20)
    if (phase !== 'paired') throw new Error(`pairing on ${a.name} ended ${phase}`)
  } finally { shown.close() }
  for (const [d, other] of [[a, b], [b, a]] as const) {
    await waitListed(d, other, { paired: true }, 10_000)
  }
}
