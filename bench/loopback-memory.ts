// The bench's sender sequence (bench/lib/ferry-bench.ts, ferryOnLink) replayed
// on loopback, for the sender's memory: ONE sender daemon serves, in a row,
// big (timed send + identical re-send, one fresh receiver), photos (the same,
// another fresh receiver), and a kill -9 of a third fresh receiver half way
// through big with a restart. Prints per phase: wall s, CPU-s of sender and
// receiver, the sender's VmHWM after the phase and the receiver's VmHWM; and
// the sender's overall VmHWM with the phase in which it was reached (RSS
// sampled every 50 ms), and the hashing times from the sender's log. MB are
// 10^6 bytes, as in bench/lib/report.ts; smaps splits the sender's resident
// set into the malloc [heap], other anonymous memory (V8 heaps: 256 KiB
// pages) and file-backed pages. Not the lab: one host, no namespaces, no
// link shaping, the box's other work included; compare variants interleaved.
//
//   node bench/loopback-memory.ts [--data DIR] [--work DIR] [--port 47200] [--label X]
//     [--sender-env K=V ...] [--receiver-env K=V ...] [--main dist/ferry.js of another build]
//     [--series FILE: the sender's RSS and smaps split every 50 ms, and the receiver's]
//     [--dump DIR: its smaps at the end of each phase and while 13+ threads run]
//     [--only big: the first send of big/ alone, e.g. a 10 GiB file, with --series]
//     [--idle S: after each data set's sends, both daemons left idle S s, their RSS said 4 times]
//
// DIR holds big/ and photos/ (/work/shared/lab/dataset.sh). Daemons: --no-mdns,
// 127.0.0.1 only, ports PORT (sender) and PORT+1..3 (receivers). WORK is
// removed first. Every wait is bounded.

import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { ChildProcess } from 'node:child_process'
import { run, startLogged, startPiped, stopChild, waitExit, waitFor, sleep, killAllOwned } from './lib/proc.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const NODE = process.execPath
const MAIN = join(ROOT, 'dist', 'ferry.js')
const SEND_TIMEOUT_MS = 10 * 60_000

const { values } = parseArgs({ options: { data: { type: 'string' }, work: { type: 'string' }, port: { type: 'string' }, label: { type: 'string' }, 'sender-env': { type: 'string', multiple: true }, 'receiver-env': { type: 'string', multiple: true }, main: { type: 'string' }, series: { type: 'string' }, dump: { type: 'string' }, only: { type: 'string' }, idle: { type: 'string' } } })
// the bench's data set (bench/run.ts), and a work folder of this script's own
const DATA = values.data ?? '/tmp/fb-data'
const WORK = values.work ?? '/tmp/fb-loopback-memory'
const PORT = Number(values.port ?? 47200)
const LABEL = values.label ?? 'run'
const MAINJS = values.main ?? MAIN
const envOf = (list: string[] | undefined): Record<string, string> => Object.fromEntries((list ?? []).map((kv) => { const i = kv.indexOf('='); return [kv.slice(0, i), kv.slice(i + 1)] }))
const SENDER_ENV = envOf(values['sender-env'])
const RECEIVER_ENV = envOf(values['receiver-env'])
if (values.only != null && values.only !== 'big') throw new Error('--only takes big')
const IDLE_S = Number(values.idle ?? 0)
if (!(Number.isFinite(IDLE_S) && IDLE_S >= 0 && IDLE_S <= 600)) throw new Error('--idle takes seconds, 0 to 600')
if (!(Number.isInteger(PORT) && PORT >= 1024 && PORT + 3 <= 65535)) throw new Error('--port must be from 1024 to 65532 (it and the next three are used)')

interface Mem { hwm: number, rss: number, peakRss: number, threadsMax: number, threadsNow: number }

class Daemon {
  proc?: ChildProcess
  peerId = ''
  mem: Mem = { hwm: 0, rss: 0, peakRss: 0, threadsMax: 0, threadsNow: 0 }
  private timer?: NodeJS.Timeout
  onSample?: (m: Mem) => void
  readonly name: string
  readonly port: number
  readonly home: string
  readonly receiveDir: string
  readonly peer?: string
  readonly env?: Record<string, string>
  constructor (name: string, port: number, home: string, receiveDir: string, peer?: string, env?: Record<string, string>) {
    this.name = name; this.port = port; this.home = home; this.receiveDir = receiveDir; this.peer = peer; this.env = env
  }
  get addr (): string { return `/ip4/127.0.0.1/tcp/${this.port}` }
  get fullAddr (): string { return `${this.addr}/p2p/${this.peerId}` }
  async start (): Promise<void> {
    mkdirSync(this.receiveDir, { recursive: true })
    mkdirSync(join(WORK, 'logs'), { recursive: true })
    this.proc = startLogged(NODE, [MAINJS, 'daemon', '--home', this.home, '--name', this.name, '--listen', this.addr, '--no-mdns', ...(this.peer != null ? ['--peer', this.peer] : []), '--receive-dir', this.receiveDir, '--verbose'], join(WORK, 'logs', this.name), this.env)
    this.mem = { hwm: 0, rss: 0, peakRss: 0, threadsMax: 0, threadsNow: 0 }
    this.timer = setInterval(() => { this.sample() }, 50)
    const st = await waitFor(`${this.name} to start`, async () => {
      if (this.proc?.exitCode != null) throw new Error(`${this.name} exited ${this.proc.exitCode}`)
      const r = await this.cli(['status', '--json'], 10_000)
      return r.code === 0 ? JSON.parse(r.stdout) as { peerId: string, pid: number } : undefined
    }, 30_000, 250)
    if (st.pid !== this.proc.pid) throw new Error(`${this.name}: pid ${st.pid} != ${this.proc.pid}`)
    this.peerId = st.peerId
  }
  sample (): void {
    const pid = this.proc?.pid
    if (pid == null) return
    try {
      const s = readFileSync(`/proc/${pid}/status`, 'utf8')
      const kib = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0)
      this.mem.hwm = Math.max(this.mem.hwm, kib('VmHWM'))
      this.mem.rss = kib('VmRSS')
      this.mem.peakRss = Math.max(this.mem.peakRss, this.mem.rss)
      this.mem.threadsNow = kib('Threads')
      this.mem.threadsMax = Math.max(this.mem.threadsMax, this.mem.threadsNow)
      this.onSample?.(this.mem)
    } catch {}
  }
  /** RSS by kind from smaps, MB: the malloc [heap], other anonymous mappings (V8 heaps, thread stacks, mmapped malloc chunks), file-backed. */
  smaps (): { heap: number, anon: number, file: number } {
    const out = { heap: 0, anon: 0, file: 0 }
    try {
      let kind: 'heap' | 'anon' | 'file' = 'anon'
      for (const line of readFileSync(`/proc/${this.proc!.pid}/smaps`, 'utf8').split('\n')) {
        const m = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line)
        if (m != null) { kind = m[2] === '[heap]' ? 'heap' : (m[1] !== '0' || m[2].startsWith('/')) ? 'file' : 'anon'; continue }
        const r = /^Rss:\s+(\d+) kB/.exec(line)
        if (r != null) out[kind] += Number(r[1])
      }
    } catch {}
    return { heap: mb(out.heap), anon: mb(out.anon), file: mb(out.file) }
  }
  cpu (): number {
    const after = readFileSync(`/proc/${this.proc!.pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ')
    return (Number(after[11]) + Number(after[12])) / 100
  }
  async cli (args: string[], timeoutMs: number, env?: Record<string, string>): Promise<{ code: number, stdout: string, stderr: string }> {
    return await run(NODE, [MAINJS, ...args, '--home', this.home], { timeoutMs, env: { NO_COLOR: '1', FERRY_CODE: '', ...env } })
  }
  async stop (): Promise<void> {
    this.sample()
    clearInterval(this.timer)
    if (this.proc != null) await stopChild(this.proc)
  }
  async kill9 (): Promise<void> {
    this.sample()
    clearInterval(this.timer)
    this.proc!.kill('SIGKILL')
    if (await waitExit(this.proc!, 10_000) === undefined) throw new Error('no death on SIGKILL')
  }
}

async function pair (shower: Daemon, enterer: Daemon): Promise<void> {
  const show = startPiped(NODE, [MAINJS, 'pair', '--json', '--expires', '2m', '--home', shower.home], { NO_COLOR: '1', FERRY_CODE: '' })
  try {
    const code = await waitFor('pair code', () => { try { return (JSON.parse(show.stdout()) as { code: string }).code } catch { return undefined } }, 20_000)
    const r = await enterer.cli(['pair', '--json', '--peer', shower.addr], 30_000, { FERRY_CODE: code })
    if (r.code !== 0) throw new Error(`pair: ${r.stderr}`)
    await Promise.race([show.exited, sleep(20_000)])
  } finally { if (show.proc.exitCode == null) await stopChild(show.proc, 2000) }
}

function bytesUnder (dir: string): number {
  let n = 0
  try { for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) { try { n += statSync(join(e.parentPath, e.name)).size } catch {} } } catch {}
  return n
}

const rows: Array<Record<string, unknown>> = []
const r2 = (x: number): number => Math.round(x * 100) / 100
const mb = (kib: number): number => Math.round(kib * 1024 / 1e5) / 10 // MB (10^6 B), as bench/lib/report.ts

async function main (): Promise<void> {
  // removed whole: a folder of its own, not a short path such as / or /tmp given by mistake
  if (resolve(WORK).split('/').filter(Boolean).length < 2) throw new Error(`--work ${WORK}: give a folder of this script's own (it is removed first)`)
  await run('rm', ['-rf', '--one-file-system', WORK], { timeoutMs: 120_000 })
  mkdirSync(WORK, { recursive: true })
  const sender = new Daemon('sender', PORT, join(WORK, 'sender'), join(WORK, 'sender-inbox'), undefined, SENDER_ENV)
  // the phase the sender's RSS peak (50 ms samples) was seen in
  let phase = 'start'
  let peakPhase = 'start'
  let lastPeak = 0
  const series: string[] = []
  let currentRx: Daemon | undefined
  let dumpPhase = 'start'
  let lastSmaps = ''
  if (values.dump != null) mkdirSync(values.dump, { recursive: true })
  const tStart = performance.now()
  sender.onSample = (m) => {
    if (m.peakRss > lastPeak) { lastPeak = m.peakRss; peakPhase = phase }
    if (values.dump != null) {
      if (phase !== dumpPhase) { writeFileSync(join(values.dump, `smaps-${dumpPhase}-end`), lastSmaps); dumpPhase = phase }
      try { lastSmaps = readFileSync(`/proc/${sender.proc!.pid}/smaps`, 'utf8') } catch {}
      if (m.threadsNow >= 13) writeFileSync(join(values.dump, `smaps-${phase}-workers`), lastSmaps)
    }
    if (values.series != null) {
      const k = sender.smaps()
      // the receiver of the phase too, read at the same moment (its own 50 ms sampler updates rss)
      const r = currentRx?.proc?.exitCode == null ? currentRx : undefined
      const rk = r?.smaps()
      series.push(`${Math.round(performance.now() - tStart)}\t${phase}\t${mb(m.rss)}\t${m.threadsNow}\theap=${k.heap}\tanon=${k.anon}\tfile=${k.file}` +
        (r != null && rk != null ? `\trx=${mb(r.mem.rss)}\trxHeap=${rk.heap}\trxAnon=${rk.anon}\trxFile=${rk.file}` : ''))
    }
  }
  let nrx = 0
  const phaseRun = async (name: string, rx: Daemon, body: () => Promise<void>): Promise<void> => {
    phase = name
    const c0 = [sender.cpu(), rx.cpu()]
    const t0 = performance.now()
    await body()
    const secs = (performance.now() - t0) / 1000
    sender.sample(); rx.sample()
    rows.push({ label: LABEL, phase: name, s: r2(secs), cpuS: r2(sender.cpu() - c0[0]), cpuR: r2(rx.cpu() - c0[1]), senderHwmMB: mb(sender.mem.hwm), senderRssMB: mb(sender.mem.rss), rxHwmMB: mb(rx.mem.hwm), threadsMax: sender.mem.threadsMax, smaps: sender.smaps() })
    console.log(JSON.stringify(rows.at(-1)))
  }
  const send = async (rx: Daemon, ds: string): Promise<void> => {
    const r = await sender.cli(['send', rx.peerId, join(DATA, ds), '--json'], SEND_TIMEOUT_MS)
    if (r.code !== 0) throw new Error(`send ${ds}: ${r.stderr}`)
    const out = JSON.parse(r.stdout) as { receipt?: { verified: boolean }, state: string }
    if (out.receipt?.verified !== true) throw new Error(`send ${ds}: not verified (${out.state})`)
  }
  const withRx = async (label: string, body: (rx: Daemon) => Promise<void>): Promise<void> => {
    nrx++
    const rx = new Daemon(`rx-${label}`, PORT + nrx, join(WORK, `rx-${label}`), join(WORK, `rx-${label}-inbox`), sender.fullAddr, RECEIVER_ENV)
    currentRx = rx
    try {
      phase = `pair-${label}`
      await rx.start()
      await pair(rx, sender)
      await body(rx)
    } finally {
      await rx.stop()
      await run('rm', ['-rf', '--one-file-system', rx.receiveDir, rx.home], { timeoutMs: 120_000 })
    }
  }
  try {
    await sender.start()
    sender.sample()
    console.log(JSON.stringify({ label: LABEL, phase: 'idle', senderHwmMB: mb(sender.mem.hwm) }))
    for (const ds of values.only === 'big' ? ['big'] : ['big', 'photos']) {
      await withRx(ds, async (rx) => {
        await phaseRun(`${ds}`, rx, async () => { await send(rx, ds) })
        if (values.only == null) await phaseRun(`${ds}-resend`, rx, async () => { await send(rx, ds) })
        if (IDLE_S > 0) {
          // both daemons left idle after the send: what they give back (RSS every IDLE_S / 4 s)
          for (let i = 1; i <= 4; i++) {
            await sleep(IDLE_S * 250)
            sender.sample(); rx.sample()
            console.log(JSON.stringify({ label: LABEL, phase: `${ds}-idle-${i * IDLE_S / 4}s`, senderRssMB: mb(sender.mem.rss), rxRssMB: mb(rx.mem.rss), smaps: sender.smaps(), rxSmaps: rx.smaps() }))
          }
        }
      })
    }
    if (values.only == null) await withRx('kill9', async (rx) => {
      await phaseRun('kill9', rx, async () => {
        const s = sender.cli(['send', rx.peerId, join(DATA, 'big'), '--json'], SEND_TIMEOUT_MS)
        const big = statSync(join(DATA, 'big', 'big.bin')).size
        await waitFor('part file 50 %', () => bytesUnder(join(rx.receiveDir, '.ferry-part')) >= big / 2 ? true : undefined, SEND_TIMEOUT_MS, 10)
        await rx.kill9()
        await rx.start()
        await waitFor('resumed send done', async () => {
          const r = await sender.cli(['transfers', '--json'], 20_000)
          const t = (JSON.parse(r.stdout) as Array<{ direction: string, peerId: string, state: string }>).find((x) => x.direction === 'send' && x.peerId === rx.peerId)
          return t != null && ['done', 'failed', 'cancelled', 'declined'].includes(t.state) ? t.state : undefined
        }, SEND_TIMEOUT_MS, 250)
        await s
      })
    })
    phase = 'end'
    sender.sample()
    const lines = readFileSync(join(WORK, 'logs', 'sender.err'), 'utf8').split('\n')
    const log = lines.filter((l) => l.includes('"msg":"hashed"')).map((l) => (JSON.parse(l) as { ms: number }).ms)
    const summary = { label: LABEL, summary: true, senderHwmMB: mb(sender.mem.hwm), senderPeakRss50msMB: mb(sender.mem.peakRss), peakPhase, hashedMs: log, senderCpuTotal: r2(sender.cpu()) }
    console.log(JSON.stringify(summary))
    if (values.series != null) writeFileSync(values.series, series.join('\n') + '\n')
  } finally {
    await sender.stop()
    killAllOwned()
  }
}

await main().catch((err: Error) => { console.error(err.stack); killAllOwned(); process.exitCode = 1 })
