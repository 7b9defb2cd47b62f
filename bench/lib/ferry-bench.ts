// The ferry measurements on one link. A sender daemon on fb-a lives for the
// whole link; every measurement that moves data gets a receiver daemon on
// fb-b that has never seen the data (fresh home = fresh identity, store and
// dedup index; fresh receive folder), paired with the code flow. For each
// data set: a timed send, then an identical re-send to the same receiver
// (dedup: should cost almost nothing). Then, on big.bin, kill -9 of the
// receiver half way and a restart with the same home, port and folder.
// On a full run's links, the big data set's receiver then gets a second
// 1 GiB and the photo set's a second photo set, other bytes each: how the
// daemons do once past their first send (shown, not a target).
// The sender's home is new for each link, so each timed send is its first
// sight of the data set and includes the hashing; the re-send and the
// kill -9 run find the chunk hashes in its hash cache (src/store/hash-cache.ts).
// Last, on the unshaped link of a full run, one 10 GiB file to a fresh
// receiver, with both daemons' RSS traced through the send (longSend).

import { readFileSync, readdirSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FerryDaemon, pair, removeTree, type Memory, type SendResult, type TransferRow } from './ferry.ts'
import { NEXT_BYTES, RECEIVER, SENDER, TEN_GIB, sameBytes, syncFs, verify, vethTx, loadavg, type Dataset, type NextDataset } from './lab.ts'
import { sleep, waitFor } from './proc.ts'
import { chunkSizeFor } from '../../src/transfer/manifest/chunking.ts'

/** Per-run limits (every wait in the bench is bounded). */
const SEND_TIMEOUT_MS = 15 * 60_000
const KILL_AT = 0.5
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/**
 * Re-send allowance after a crash: what the receiver's pull pipeline can
 * have asked for and not yet read, per chunk stream (REQUESTS_AHEAD requests
 * of REQUEST_BYTES), plus what its reader had not yet written to the spool
 * (SPOOL_WRITE_BYTES). What was read is kept (spool.ts). The numbers are
 * read from the code under test (src/transfer/receive/fetch.ts, spool.ts,
 * receiver.ts), so the allowance follows it; they are recorded with the
 * result.
 */
export interface Pipeline { streams: number, requestBytes: number, requestsAhead: number, spoolBytes: number }
export function pipelineOfSource (): Pipeline {
  const src = (f: string): string => readFileSync(join(ROOT, 'src', 'transfer', f), 'utf8')
  const constant = (text: string, name: string): number => {
    const expr = new RegExp(`const ${name} = ([0-9 *]+)`).exec(text)?.[1]
    if (expr == null) throw new Error(`cannot find ${name} in src/transfer`)
    return expr.split('*').reduce((a, b) => a * Number(b.trim()), 1)
  }
  const fetch = src('receive/fetch.ts')
  return { streams: constant(src('receive/receiver.ts'), 'CHUNK_STREAMS'), requestBytes: constant(fetch, 'REQUEST_BYTES'), requestsAhead: constant(fetch, 'REQUESTS_AHEAD'), spoolBytes: constant(src('receive/spool.ts'), 'SPOOL_WRITE_BYTES') }
}
export function resendAllowance (p: Pipeline): number {
  return p.streams * (p.requestsAhead * p.requestBytes + p.spoolBytes)
}
/** ferry's chunk-size rule, from the code under test. */
export { chunkSizeFor }

export type Recorder = (line: { [k: string]: unknown }) => void

export interface LinkContext {
  rate: string
  /** /tmp/fb-ferry-bench/<run>/<rate> */
  work: string
  logDir: string
  datasets: Dataset[]
  record: Recorder
  /** makes (once) and warms the long send's 10 GiB file, and gives its path; none: no long send on this link */
  long?: () => Promise<string>
  /** makes (once) and warms a second 1 GiB file, for the big data set's receiver after its timed send; none: not on this link */
  next?: () => Promise<string>
  /** makes (once) and warms a second photo set (other bytes), for the photo set's receiver after its timed send; none: not on this link */
  nextPhotos?: () => Promise<NextDataset>
}

export async function ferryOnLink (ctx: LinkContext): Promise<Memory[]> {
  // the receivers dial the sender (--peer with its peer ID); the sender finds
  // each new receiver by pairing with `ferry pair --peer ADDR`
  const sender = new FerryDaemon({ name: `sender-${ctx.rate}`, host: SENDER, home: join(ctx.work, 'sender'), receiveDir: join(ctx.work, 'sender-inbox'), logDir: ctx.logDir })
  const receivers: FerryDaemon[] = []
  /** One measurement with its own never-seen-the-data receiver; a failure is recorded and the bench goes on. */
  const withReceiver = async (label: string, dataset: string, body: (rx: FerryDaemon) => Promise<void>): Promise<void> => {
    const rx = new FerryDaemon({ name: `receiver-${ctx.rate}-${label}`, host: RECEIVER, peer: sender.fullAddr, home: join(ctx.work, `rx-${label}`), receiveDir: join(ctx.work, `rx-${label}-inbox`), logDir: ctx.logDir })
    receivers.push(rx)
    try {
      await rx.start()
      await pair(rx, sender)
      await body(rx)
    } catch (err) {
      ctx.record({ tool: 'ferry', kind: 'error', rate: ctx.rate, dataset, test: label, error: (err as Error).message })
    } finally {
      await rx.stop()
      await removeTree(rx.spec.receiveDir)
    }
  }
  try {
    await sender.start()
    for (const ds of ctx.datasets) {
      await withReceiver(ds.name, ds.name, async (rx) => {
        if (!await timedSend(ctx, sender, rx, ds)) return
        await identicalResend(ctx, sender, rx, ds)
        if (ds.name === 'big' && ctx.next != null) await nextSend(ctx, sender, rx, await ctx.next())
        if (ds.name === 'photos' && ctx.nextPhotos != null) await nextPhotosSend(ctx, sender, rx, await ctx.nextPhotos())
      })
    }
    const big = ctx.datasets.find((d) => d.name === 'big')
    if (big != null) await withReceiver('kill9', 'big', async (rx) => { await killAndResume(ctx, sender, rx, big) })
    if (ctx.long != null) {
      const file = await ctx.long()
      await withReceiver('long', 'ten', async (rx) => { await longSend(ctx, sender, rx, file) })
    }
  } finally {
    for (const r of receivers) await r.stop()
    await sender.stop()
  }
  return [sender, ...receivers].flatMap((d) => d.memory)
}

/** `ferry send` the folder with timing as peer-bench.sh: t0 before the command, t1 after it returned AND `sync -f` of the receive folder. */
async function timedSend (ctx: LinkContext, sender: FerryDaemon, rx: FerryDaemon, ds: Dataset): Promise<boolean> {
  const src = join(ds.dir, ds.name)
  const tx0 = await vethTx(SENDER)
  const { load, t0, cpuSince } = measureFrom(sender, rx)
  const r = await sender.cli(['send', rx.peerId, src, '--json'], { timeoutMs: SEND_TIMEOUT_MS })
  const tSend = performance.now()
  if (r.code !== 0) {
    ctx.record({ tool: 'ferry', kind: 'error', rate: ctx.rate, dataset: ds.name, error: `ferry send exited ${r.code}: ${r.stderr.trim()}` })
    return false
  }
  await syncFs(rx.spec.receiveDir)
  const t1 = performance.now()
  const cpu = cpuSince()
  const vethBytes = await vethTx(SENDER) - tx0
  const sent = JSON.parse(r.stdout) as SendResult
  const verified = await verify(join(rx.spec.receiveDir, ds.name), ds) && sent.receipt?.verified === true
  // an uninterrupted run should not have needed ferry's resume
  const rxView = (await rx.json<TransferRow[]>(['transfers'])).find((x) => x.direction === 'receive')
  // which Noise the two negotiated (src/daemon/aes-noise.ts)
  const encryption = (await sender.json<Array<{ peerId: string, encryption?: string }>>(['peers'])).find((p) => p.peerId === rx.peerId)?.encryption
  const seconds = (t1 - t0) / 1000
  ctx.record({
    tool: 'ferry', dataset: ds.name, rate: ctx.rate, files: ds.files, bytes: ds.bytes, seconds: round(seconds, 3),
    MBps: round(ds.bytes / 1e6 / seconds, 1), files_per_s: round(ds.files / seconds, 1), verified,
    send_s: round((tSend - t0) / 1000, 3), ferry_seconds: sent.seconds, wireBytes: sent.wireBytes, totalBytes: sent.totalBytes, veth_tx_bytes: vethBytes, receiver_resumed: rxView?.resumed, cpu_s: cpu, encryption, loadavg: load
  })
  return verified
}

/** The same folder again to the same receiver: the bytes that still cross the wire. */
async function identicalResend (ctx: LinkContext, sender: FerryDaemon, rx: FerryDaemon, ds: Dataset): Promise<void> {
  const tx0 = await vethTx(SENDER)
  const r = await sender.cli(['send', rx.peerId, join(ds.dir, ds.name), '--json'], { timeoutMs: SEND_TIMEOUT_MS })
  if (r.code !== 0) throw new Error(`identical re-send: ferry send exited ${r.code}: ${r.stderr.trim()}`)
  await sleep(200) // let the last acks leave the veth
  const vethBytes = await vethTx(SENDER) - tx0
  const sent = JSON.parse(r.stdout) as SendResult
  const verified = await verify(join(rx.spec.receiveDir, ds.name), ds)
  ctx.record({ tool: 'ferry', kind: 'resend', dataset: ds.name, rate: ctx.rate, totalBytes: sent.totalBytes, wireBytes: sent.wireBytes, veth_tx_bytes: vethBytes, seconds: sent.seconds, verified })
}

/**
 * Send big.bin, kill -9 the receiver when its part file holds KILL_AT of the
 * bytes, restart it (same home, port, receive folder), wait for the sender's
 * `ferry transfers` to show the transfer done. Re-sent = sender's wire bytes
 * beyond the file size.
 */
async function killAndResume (ctx: LinkContext, sender: FerryDaemon, rx: FerryDaemon, ds: Dataset): Promise<void> {
  const tx0 = await vethTx(SENDER)
  const counter = await rx.tcpCounter()
  const send = sender.cli(['send', rx.peerId, join(ds.dir, ds.name), '--json'], { timeoutMs: SEND_TIMEOUT_MS })
  const partDir = join(rx.spec.receiveDir, '.ferry-part')
  const atKill = await waitFor(`the receiver's part file to reach ${KILL_AT * 100} %`, () => {
    const n = bytesUnder(partDir)
    return n >= ds.bytes * KILL_AT ? n : undefined
  }, SEND_TIMEOUT_MS, 10)
  // what had crossed the wire to the receiver, from its kernel, frozen an instant before the kill
  const atFreeze = await counter.freeze().finally(counter.close)
  await rx.kill9()
  const killedAt = Date.now()
  await rx.start()
  const restartMs = Date.now() - killedAt
  const row = await waitFor('the sender to report the resumed transfer finished', async () => {
    const list = await sender.json<TransferRow[]>(['transfers'])
    const t = list.find((x) => x.direction === 'send' && x.peerId === rx.peerId)
    return t != null && ['done', 'failed', 'cancelled', 'declined'].includes(t.state) ? t : undefined
  }, SEND_TIMEOUT_MS, 500)
  const cmd = await send
  await syncFs(rx.spec.receiveDir)
  await sleep(200)
  const vethBytes = await vethTx(SENDER) - tx0
  const verified = row.state === 'done' && await verify(join(rx.spec.receiveDir, ds.name), ds)
  const rxView = (await rx.json<TransferRow[]>(['transfers'])).find((x) => x.direction === 'receive')
  const chunk = chunkSizeFor(ds.bytes)
  const pipeline = pipelineOfSource()
  const kept = keptAfterRestart(rx.log())
  ctx.record({
    tool: 'ferry', kind: 'kill9', dataset: ds.name, rate: ctx.rate, totalBytes: row.totalBytes, state: row.state, error: row.error,
    send_exit: cmd.code, killed_at_bytes: atKill, restart_ms: restartMs, wireBytes: row.wireBytes, resent_bytes: row.wireBytes - row.totalBytes,
    veth_tx_bytes: vethBytes, chunk_size: chunk, pipeline, allowance_bytes: resendAllowance(pipeline), receiver_resumed: rxView?.resumed, verified,
    rx_tcp_received: atFreeze.received, rx_tcp_unread: atFreeze.unread, rx_kept_bytes: kept
  })
}

/**
 * One 10 GiB file to a fresh receiver, for the target "daemon RSS ≤ 150 MB
 * and flat while sending 10 GiB": both daemons' RSS every 200 ms through the
 * send. Flat is read from the shape of that trace: the median RSS of the
 * send's last tenth against that of its second tenth (the first is the
 * sender's hashing, with its two hash workers). Checked by the receipt
 * (every chunk's BLAKE3 verified by the receiver) and the size that arrived:
 * a sha256 of 10 GiB would add a minute.
 */
async function longSend (ctx: LinkContext, sender: FerryDaemon, rx: FerryDaemon, file: string): Promise<void> {
  const traces = { sender: sender.traceRss(), receiver: rx.traceRss() }
  const { load, t0, cpuSince } = measureFrom(sender, rx)
  const r = await sender.cli(['send', rx.peerId, file, '--json'], { timeoutMs: SEND_TIMEOUT_MS })
  const seconds = (performance.now() - t0) / 1000
  const rss = { sender: rssShape(traces.sender()), receiver: rssShape(traces.receiver()) }
  if (r.code !== 0) throw new Error(`10 GiB send: ferry send exited ${r.code}: ${r.stderr.trim()}`)
  const cpu = cpuSince()
  const sent = JSON.parse(r.stdout) as SendResult
  let arrived = -1
  try { arrived = statSync(join(rx.spec.receiveDir, basename(file))).size } catch {}
  ctx.record({
    tool: 'ferry', kind: 'long', dataset: 'ten', rate: ctx.rate, bytes: TEN_GIB, seconds: round(seconds, 3), MBps: round(TEN_GIB / 1e6 / seconds, 1),
    verified: sent.receipt?.verified === true && arrived === TEN_GIB, arrived_bytes: arrived, cpu_s: cpu, loadavg: load, rss
  })
}

/**
 * A second 1 GiB file (other bytes) to the big data set's receiver, right
 * after its timed send, timed as that send (t0 before the command, t1 after
 * it returned and `sync -f` of the receive folder). Both daemons have moved
 * a GiB by then: V8 has compiled their data path, which a fresh daemon's
 * first transfer does as it goes (docs/PERFORMANCE.md). Shown beside the
 * targets, not as one: the targets are read from the first send. Checked by
 * the receipt and a sha256 of both copies.
 */
async function nextSend (ctx: LinkContext, sender: FerryDaemon, rx: FerryDaemon, file: string): Promise<void> {
  const { load, seconds, cpu, sent } = await timedAgain(sender, rx, file, 'second 1 GiB send')
  const same = await sameBytes(file, join(rx.spec.receiveDir, basename(file)))
  ctx.record({
    tool: 'ferry', kind: 'next', dataset: 'big', rate: ctx.rate, bytes: NEXT_BYTES, seconds: round(seconds, 3), MBps: round(NEXT_BYTES / 1e6 / seconds, 1),
    verified: sent.receipt?.verified === true && same, ferry_seconds: sent.seconds, cpu_s: cpu, loadavg: load
  })
}

/**
 * A second photo set (the same sizes, other bytes) to the photo set's
 * receiver, right after its timed send and re-send, timed as that send: the
 * receiver is then past its first photos, as a daemon left running is (its
 * sender was already, having sent the big data set). Shown beside the
 * targets, not as one. Checked by the receipt and sha256 of every file
 * against the set's manifest; its wire bytes say that nothing was taken
 * from the photos received before.
 */
async function nextPhotosSend (ctx: LinkContext, sender: FerryDaemon, rx: FerryDaemon, set: NextDataset): Promise<void> {
  const { load, seconds, cpu, sent } = await timedAgain(sender, rx, join(set.dir, set.name), 'second photo set')
  const same = await verify(join(rx.spec.receiveDir, set.name), set)
  ctx.record({
    tool: 'ferry', kind: 'next', dataset: 'photos', rate: ctx.rate, files: set.files, bytes: set.bytes, seconds: round(seconds, 3),
    MBps: round(set.bytes / 1e6 / seconds, 1), files_per_s: round(set.files / seconds, 1), wireBytes: sent.wireBytes,
    verified: sent.receipt?.verified === true && same, ferry_seconds: sent.seconds, cpu_s: cpu, loadavg: load
  })
}

/**
 * `ferry send` of `path` to a receiver that had a send before (nextSend, nextPhotosSend), timed as the timed send
 * is: t0 before the command, t1 after it returned and `sync -f` of the receive folder; `what` names it in a failure.
 */
async function timedAgain (sender: FerryDaemon, rx: FerryDaemon, path: string, what: string): Promise<{ load: ReturnType<typeof loadavg>, seconds: number, cpu: { sender: number, receiver: number }, sent: SendResult }> {
  const { load, t0, cpuSince } = measureFrom(sender, rx)
  const r = await sender.cli(['send', rx.peerId, path, '--json'], { timeoutMs: SEND_TIMEOUT_MS })
  if (r.code !== 0) throw new Error(`${what}: ferry send exited ${r.code}: ${r.stderr.trim()}`)
  await syncFs(rx.spec.receiveDir)
  const seconds = (performance.now() - t0) / 1000
  return { load, seconds, cpu: cpuSince(), sent: JSON.parse(r.stdout) as SendResult }
}

/**
 * What a timed send records besides its time, taken from now: the load
 * average, and (when asked) both daemons' CPU-seconds since. `t0` is taken
 * last, just before the caller starts the send.
 */
function measureFrom (sender: FerryDaemon, rx: FerryDaemon): { load: ReturnType<typeof loadavg>, t0: number, cpuSince: () => { sender: number, receiver: number } } {
  const load = loadavg()
  const cpu0 = [sender.cpuSeconds(), rx.cpuSeconds()]
  const t0 = performance.now()
  return { load, t0, cpuSince: () => ({ sender: round(sender.cpuSeconds() - cpu0[0], 2), receiver: round(rx.cpuSeconds() - cpu0[1], 2) }) }
}

/** A VmRSS trace (KiB samples) in MB: its peak, the medians of its second and last tenths, and how many samples. */
function rssShape (kib: number[]): { peakMB: number, secondTenthMB: number, lastTenthMB: number, samples: number } {
  const mb = (k: number): number => round(k * 1024 / 1e6, 1)
  const tenth = (i: number): number[] => kib.slice(Math.floor(kib.length * i / 10), Math.max(Math.floor(kib.length * (i + 1) / 10), Math.floor(kib.length * i / 10) + 1))
  const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] ?? 0 }
  return { peakMB: mb(Math.max(0, ...kib)), secondTenthMB: mb(median(tenth(1))), lastTenthMB: mb(median(tenth(9))), samples: kib.length }
}

/**
 * What the restarted receiver found it still had (its plan's log line):
 * whole chunks in the part file or the spool, plus starts of chunks kept in
 * the spool.
 */
function keptAfterRestart (log: string): number | undefined {
  const plans = log.split('\n').filter((l) => l.includes('"msg":"receive planned"')).map((l) => JSON.parse(l) as { haveBytes: number, spooledStartBytes?: number })
  const last = plans.at(-1)
  return plans.length >= 2 && last != null ? last.haveBytes + (last.spooledStartBytes ?? 0) : undefined
}

/** Size of the part files under a folder: they grow as chunks land (at their offsets, 3 streams in file order). */
function bytesUnder (dir: string): number {
  let n = 0
  try {
    for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
      if (e.isFile()) { try { n += statSync(join(e.parentPath, e.name)).size } catch {} }
    }
  } catch {}
  return n
}

function round (x: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}
