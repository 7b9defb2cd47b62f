// ferry as a user runs it, for the bench: `ferry daemon` processes in a lab
// namespace (mDNS off, the other host given with --peer, --verbose logs kept
// under bench/results/tmp/), the CLI as separate commands, pairing with the
// code flow, and the memory of each daemon process sampled from /proc.

import type { ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { check, run, startLogged, startPiped, stopChild, waitExit, waitFor, type RunResult } from './proc.ts'

/** Reads a namespace's TCP receive counters from the kernel (for the kill -9 run). */
const TCP_COUNTER = fileURLToPath(new URL('./tcp-received.py', import.meta.url))

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** Node 24 from the project; the system `node` may be older. */
const NODE = join(ROOT, 'node_modules', '.bin', 'node')
/** The compiled CLI, as `npm start` and `ferry` run it (`npm run bench` builds it first). */
const MAIN = join(ROOT, 'dist', 'ferry.js')
const PORT = 4774
const RSS_SAMPLE_MS = 200
/** Clock ticks per second for /proc/PID/stat times (`getconf CLK_TCK`; 100 on Linux x86-64). */
const CLK_TCK = 100

export interface Host { ns: string, ip: string }

export interface DaemonSpec {
  /** log file base name and device name */
  name: string
  host: Host
  /** the other daemon, dialled with --peer (a full multiaddr with /p2p/ID) */
  peer?: string
  home: string
  receiveDir: string
  logDir: string
}

/** Peak memory of one daemon process, in KiB as /proc reports it. */
export interface Memory { name: string, pid: number, peakRssKiB: number, hwmKiB: number }

export class FerryDaemon {
  readonly spec: DaemonSpec
  proc?: ChildProcess
  peerId = ''
  readonly memory: Memory[] = []
  private sampler?: NodeJS.Timeout
  private current?: Memory
  /** VmRSS samples (KiB, every RSS_SAMPLE_MS) while a trace runs (traceRss) */
  private trace?: number[]

  constructor (spec: DaemonSpec) { this.spec = spec }

  get addr (): string { return `/ip4/${this.spec.host.ip}/tcp/${PORT}` }
  /** with /p2p/ID: known after start() */
  get fullAddr (): string { return `${this.addr}/p2p/${this.peerId}` }

  /** Start (or restart with the same home, port and receive folder) and wait until the control API answers. */
  async start (): Promise<void> {
    const s = this.spec
    mkdirSync(s.logDir, { recursive: true })
    mkdirSync(s.receiveDir, { recursive: true })
    this.proc = startLogged('ip', ['netns', 'exec', s.host.ns, NODE, MAIN, 'daemon', '--home', s.home, '--name', s.name,
      '--listen', this.addr, '--no-mdns', ...(s.peer != null ? ['--peer', s.peer] : []), '--receive-dir', s.receiveDir, '--verbose'],
    join(s.logDir, s.name))
    const pid = this.proc.pid!
    this.current = { name: s.name, pid, peakRssKiB: 0, hwmKiB: 0 }
    this.memory.push(this.current)
    this.sampler = setInterval(() => { this.sample() }, RSS_SAMPLE_MS)
    const status = await waitFor(`${s.name} daemon to start (see ${join(s.logDir, s.name)}.err)`, async () => {
      if (this.proc?.exitCode != null) throw new Error(`${s.name} daemon exited ${this.proc.exitCode}`)
      const r = await this.cli(['status', '--json'], { timeoutMs: 10_000 })
      return r.code === 0 ? JSON.parse(r.stdout) as { peerId: string, pid: number } : undefined
    }, 30_000, 250)
    // `ip netns exec` execs node in place, so the PID we sample is the daemon's own
    if (status.pid !== pid) throw new Error(`${s.name}: daemon PID ${status.pid} is not the child PID ${pid}`)
    this.peerId = status.peerId
  }

  /** Read VmRSS/VmHWM; called on a timer and right before the process is stopped or killed. */
  private sample (): void {
    const m = this.current
    if (m == null) return
    try {
      const st = readFileSync(`/proc/${m.pid}/status`, 'utf8')
      const kib = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(st)?.[1] ?? 0)
      m.peakRssKiB = Math.max(m.peakRssKiB, kib('VmRSS'))
      m.hwmKiB = Math.max(m.hwmKiB, kib('VmHWM'))
      this.trace?.push(kib('VmRSS'))
    } catch { /* gone */ }
  }

  private endSampling (): void {
    this.sample()
    if (this.sampler != null) clearInterval(this.sampler)
    this.sampler = undefined
    this.current = undefined
  }

  /** Record VmRSS at every sample from now on; the returned function ends the trace and gives the samples (KiB). */
  traceRss (): () => number[] {
    const trace: number[] = []
    this.trace = trace
    return () => { if (this.trace === trace) this.trace = undefined; return trace }
  }

  /** CPU time (user + system, all threads) the daemon process has used so far, in seconds. */
  cpuSeconds (): number {
    const pid = this.proc?.pid
    if (pid == null) return 0
    // fields after the parenthesised command name; utime and stime are fields 14 and 15 of the line
    const after = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ')
    return (Number(after[11]) + Number(after[12])) / CLK_TCK
  }

  async stop (): Promise<void> {
    if (this.proc == null) return
    this.endSampling()
    await stopChild(this.proc)
  }

  /**
   * Start counting what this daemon's connections receive (tcp-received.py,
   * in its namespace). `freeze()` stops the daemon (SIGSTOP) and reads, from
   * the kernel within a millisecond, the TCP payload its connections have
   * received and how much of it the process has not read: killed right
   * after, the process has read exactly `received − unread`.
   */
  async tcpCounter (): Promise<{ freeze: () => Promise<{ received: number, unread: number }>, close: () => Promise<void> }> {
    const counter = startPiped('ip', ['netns', 'exec', this.spec.host.ns, 'python3', TCP_COUNTER], undefined, { stdin: true })
    const close = async (): Promise<void> => { counter.proc.stdin!.end(); await counter.exited }
    try {
      await waitFor('the TCP counter to start', () => counter.stdout().includes('"ready"') ? true : undefined, 10_000, 20)
    } catch (err) { await close(); throw err }
    const freeze = async (): Promise<{ received: number, unread: number }> => {
      const before = counter.stdout().length
      this.proc?.kill('SIGSTOP')
      counter.proc.stdin!.write('\n')
      const line = await waitFor('the TCP counter to answer', () => { const s = counter.stdout().slice(before); return s.includes('\n') ? s : undefined }, 10_000, 1)
      return JSON.parse(line) as { received: number, unread: number }
    }
    return { freeze, close }
  }

  /** The daemon's structured log (stderr) so far. */
  log (): string {
    try { return readFileSync(`${join(this.spec.logDir, this.spec.name)}.err`, 'utf8') } catch { return '' }
  }

  /** kill -9, as a crash would. */
  async kill9 (): Promise<void> {
    if (this.proc == null) return
    this.endSampling()
    this.proc.kill('SIGKILL')
    if (await waitExit(this.proc, 10_000) === undefined) throw new Error(`${this.spec.name} did not die on SIGKILL`)
  }

  /** One ferry CLI command against this daemon, in its namespace. */
  async cli (args: string[], opts: { timeoutMs: number, env?: Record<string, string> }): Promise<RunResult> {
    return await run('ip', ['netns', 'exec', this.spec.host.ns, NODE, MAIN, ...args, '--home', this.spec.home], { timeoutMs: opts.timeoutMs, env: { NO_COLOR: '1', FERRY_CODE: '', ...opts.env } })
  }

  async json<T> (args: string[], timeoutMs = 20_000): Promise<T> {
    const r = await this.cli([...args, '--json'], { timeoutMs })
    if (r.code !== 0) throw new Error(`ferry ${args.join(' ')} on ${this.spec.name} exited ${r.code}: ${r.stderr.trim()}`)
    return JSON.parse(r.stdout) as T
  }
}

/**
 * Pair with the code flow: `ferry pair --json` on `shower` prints a code and
 * waits; `FERRY_CODE=… ferry pair --peer ADDR` on `enterer` enters it. The
 * code goes through the environment only, never into a log or argv.
 */
export async function pair (shower: FerryDaemon, enterer: FerryDaemon): Promise<void> {
  const s = shower.spec
  const show = startPiped('ip', ['netns', 'exec', s.host.ns, NODE, MAIN, 'pair', '--json', '--expires', '2m', '--home', s.home], { NO_COLOR: '1', FERRY_CODE: '' })
  try {
    const code = await waitFor('`ferry pair --json` to print a code', () => {
      if (show.proc.exitCode != null) throw new Error(`ferry pair exited ${show.proc.exitCode}: ${show.stderr()}`)
      return parseJson<{ code: string }>(show.stdout())?.code
    }, 20_000)
    const r = await enterer.cli(['pair', '--json', '--peer', shower.addr], { timeoutMs: 30_000, env: { FERRY_CODE: code } })
    if (r.code !== 0) throw new Error(`entering the code on ${enterer.spec.name} failed: ${r.stderr.trim()}`)
    const shown = await Promise.race([show.exited, new Promise<number>((resolve) => setTimeout(() => resolve(-2), 20_000))])
    if (shown !== 0) throw new Error(`ferry pair on ${s.name} ended with ${shown}: ${show.stderr().trim()}`)
  } finally {
    if (show.proc.exitCode == null) await stopChild(show.proc, 2000)
  }
}

/** The summary `ferry send --json` prints. */
export interface SendResult { id: string, state: string, files: number, totalBytes: number, wireBytes: number, seconds: number, root: string, receipt?: { verified: boolean } }

export interface TransferRow { id: string, direction: string, peerId: string, state: string, totalBytes: number, doneBytes: number, wireBytes: number, resumed: boolean, createdAt: number, error?: { code: string, message: string } }

/** The CLI's --json output (pretty-printed, so only complete once the process wrote all of it). */
function parseJson<T> (text: string): T | undefined {
  try { return JSON.parse(text) as T } catch { return undefined }
}

export async function removeTree (path: string): Promise<void> {
  await check('rm', ['-rf', '--one-file-system', path], { timeoutMs: 300_000 })
}
