// `npm run bench [-- --quick] [-- --only ferry|baselines]`: ferry against the
// peer baselines, in ONE run, on the same 2-core box, in the isolated netns
// lab (/work/shared/lab: fb-a 10.77.0.1 sends, fb-b 10.77.0.2 receives).
//
// Methodology
// - Data: dataset.sh (1 GiB incompressible big/big.bin; 1,000 photos, ~574 MB,
//   in 10 folders), warm in the page cache before each tool. --quick cuts a
//   smaller set from the same bytes (256 MiB big.bin, 200 photos).
// - Links: unshaped veth first, then `netns.sh up --rate 1gbit` (tbf on both
//   namespace-side veths). --quick: unshaped only.
// - Baselines (peer-bench.sh, run here, same box, same data, same links):
//   iperf3 (memory to memory, 10 s), tar over TCP, scp, Syncthing (including
//   its hashing scan); --quick: tcp and scp. Their timing: t0 before the
//   sender starts, t1 when the receiver has every byte and `sync -f` returned.
// - ferry: daemons started as a user would (`ferry daemon --no-mdns`, the
//   receivers with `--peer <sender>/p2p/<id>`, --verbose, logs in
//   bench/results/tmp/<run>/), paired with the code flow (`ferry pair --json`
//   on the receiver, `FERRY_CODE=… ferry pair --peer ADDR` on the sender).
//   Every timed run has a receiver that never saw the data (fresh home, hence
//   fresh identity, store and dedup index, and an empty receive folder):
//   ferry's dedup would otherwise make a repeat nearly free.
//   t0 = just before `ferry send <peer> <folder> --json` is started (so
//   BLAKE3 hashing of the source, the offer, the pull and the receipt are all
//   inside); `ferry send` returns only when the receiver has verified every
//   file and its signed receipt verified; t1 = after that AND `sync -f` on the
//   receive folder, as for the baselines. Then (untimed) sha256 of every
//   received file against the data set's manifest, names included, and the
//   receipt must say verified; an unverified run cannot PASS. Recorded with
//   it: both daemons' CPU seconds (/proc/PID/stat) and whether the receiver
//   had to resume (it should not, on an uninterrupted run).
// - Also: identical re-send of each folder to the same receiver (ferry's
//   wireBytes and the sender veth's tx_bytes delta, each / total bytes);
//   kill -9 of a fresh receiver when its part file holds 50 % of big.bin,
//   restart with the same home/port/folder, wait for the sender's `ferry
//   transfers --json` to show it done. Re-sent, three ways: the sender's
//   wireBytes − file size (also counts what sat in the sender's own socket
//   buffer and never left); veth tx − veth tx of the uninterrupted run
//   (headers and batching move it by ±1 MB); and, exact, what crossed the
//   wire and was not kept: the TCP payload the receiver's kernel had received
//   (the daemon frozen with SIGSTOP an instant before the kill, counters read
//   over sock_diag by bench/lib/tcp-received.py, python3) minus what the
//   restarted receiver still had (its plan's log line), each against what
//   the pull pipeline can have in flight (read from src/);
//   peak RSS (VmHWM, also VmRSS sampled every 200 ms) of every daemon process.
// - Full runs, both links: after the big data set's timed send and re-send,
//   a second 1 GiB file of other bytes (DATA-10g/next/next.bin, made once
//   and kept) to the same receiver, timed the same way, verified by receipt
//   and sha256: both daemons have then moved a GiB, so V8 has compiled their
//   data path, which a fresh daemon does during its first transfer
//   (docs/PERFORMANCE.md). Likewise, after the photo set's timed send and
//   re-send, a second photo set (dataset.sh's sizes, other bytes:
//   DATA-10g/next-photos/more-photos, made once and kept) to its receiver,
//   verified by receipt and manifest. Shown beside the targets as "info";
//   the targets are read from the first send.
// - Full runs, unshaped link, last: one 10 GiB incompressible file (made once
//   in DATA-10g/, ~35 s, and kept) to a fresh receiver, both daemons' VmRSS
//   traced every 200 ms through the send: its peak, and the median of the
//   send's last tenth against its second tenth (flat: grown by at most
//   15 MB). Checked by ferry's receipt and the size that arrived.
// - One run per measurement (no repeats): the lab notes put run-to-run noise
//   at ±10–15 %. Other work on the box skews everything; the load average
//   before the baselines and at each ferry t0 is recorded.
// Output: bench/results/<date>-<mode>-<n>.jsonl (raw: peer-bench.sh lines and
// ferry lines) and .md (the tables), both printed at the end.

import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { execFileSync } from 'node:child_process'
import { cpus } from 'node:os'
import { createHash } from 'node:crypto'
import { ferryOnLink } from './lib/ferry-bench.ts'
import { DATASETS, describe, fullDataset, loadavg, netnsDown, netnsUp, nextFile, nextPhotos, peerBench, preflight, quickDataset, tenGiBFile, warm, type Dataset } from './lib/lab.ts'
import { killAllOwned } from './lib/proc.ts'
import { report, type Line } from './lib/report.ts'
import { removeTree } from './lib/ferry.ts'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const FERRY_WORK = '/tmp/fb-ferry-bench'

const USAGE = `Usage: npm run bench -- [--quick] [--only ferry|baselines] [--baselines LIST] [--data DIR]

  --quick            256 MiB big.bin + 200 photos, unshaped link only, tcp and scp baselines
  --only ferry       skip the baselines; --only baselines skips ferry
  --baselines LIST   peer-bench.sh tools (default iperf3,tcp,scp,syncthing; quick: tcp,scp)
  --data DIR         full data set folder (default /tmp/fb-data; quick uses DIR-quick)
`

interface Options { quick: boolean, ferry: boolean, baselines: string[], data: string, rates: Array<string | undefined> }

function options (): Options {
  const { values } = parseArgs({ options: { quick: { type: 'boolean' }, only: { type: 'string' }, baselines: { type: 'string' }, data: { type: 'string' }, help: { type: 'boolean', short: 'h' } } })
  if (values.help === true) { process.stdout.write(USAGE); process.exit(0) }
  if (values.only != null && !['ferry', 'baselines'].includes(values.only)) { process.stderr.write(USAGE); process.exit(2) }
  const quick = values.quick === true
  const tools = (values.baselines ?? (quick ? 'tcp,scp' : 'iperf3,tcp,scp,syncthing')).split(',').filter(Boolean)
  return {
    quick,
    ferry: values.only !== 'baselines',
    baselines: values.only === 'ferry' ? [] : tools,
    data: values.data ?? '/tmp/fb-data',
    rates: quick ? [undefined] : [undefined, '1gbit']
  }
}

/** bench/results/<date>-<mode>-<n>: the first n not used yet today. */
function runName (quick: boolean): string {
  const date = new Date().toISOString().slice(0, 10)
  const mode = quick ? 'quick' : 'full'
  let n = 1
  while (existsSync(join(HERE, 'results', `${date}-${mode}-${n}.jsonl`))) n++
  return `${date}-${mode}-${n}`
}

/** HEAD, and a hash of uncommitted changes under src/ (the code measured is the working tree). */
function gitCommit (): string {
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: HERE, maxBuffer: 256 * 1024 * 1024 }).toString()
  try {
    const diff = git('diff', 'HEAD', '--', '../src') + git('ls-files', '--others', '--exclude-standard', '--', '../src')
    return git('rev-parse', '--short', 'HEAD').trim() + (diff === '' ? '' : ` + uncommitted src changes (sha256 ${createHash('sha256').update(diff).digest('hex').slice(0, 12)})`)
  } catch { return 'unknown' }
}

async function main (): Promise<number> {
  const opts = options()
  const problems = preflight()
  if (problems.length > 0) { for (const p of problems) console.error(`bench: ${p}`); return 1 }

  const name = runName(opts.quick)
  const results = join(HERE, 'results')
  const logDir = join(results, 'tmp', name)
  mkdirSync(logDir, { recursive: true })
  const jsonl = join(results, `${name}.jsonl`)
  const md = join(results, `${name}.md`)
  const record = (line: Line): void => {
    appendFileSync(jsonl, JSON.stringify(line) + '\n')
    if (line.kind !== 'meta') console.log(`ferry-bench: ${JSON.stringify(line)}`)
  }

  // the lab and every daemon go away however we leave
  let cleaned = false
  const cleanup = (): void => { if (cleaned) return; cleaned = true; killAllOwned(); netnsDown() }
  process.on('exit', cleanup)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => { console.error(`bench: ${sig}, cleaning up`); cleanup(); process.exit(130) })

  await fullDataset(opts.data)
  let dataDir = opts.data
  if (opts.quick) { dataDir = `${opts.data}-quick`; await quickDataset(opts.data, dataDir, 256 * 1024 * 1024, 200) }
  const datasets: Dataset[] = DATASETS.map((d) => describe(dataDir, d))
  record({ kind: 'meta', run: name, mode: opts.quick ? 'quick' : 'full', commit: gitCommit(), node: execFileSync(join(HERE, '..', 'node_modules', '.bin', 'node'), ['--version']).toString().trim(), cpus: cpus().length, loadavg: loadavg(), datasets: datasets.map(({ name, files, bytes }) => ({ name, files, bytes })), baselines: opts.baselines, started: new Date().toISOString() })

  await removeTree(FERRY_WORK)
  try {
    for (const rate of opts.rates) {
      const label = rate ?? 'unshaped'
      console.log(`\n== link ${label} ==`)
      await netnsUp(rate)
      if (opts.baselines.length > 0) {
        for (const ds of datasets) await warm(ds)
        record({ kind: 'load', rate: label, before: 'baselines', loadavg: loadavg() })
        await peerBench({ rate, tools: opts.baselines, data: dataDir, out: jsonl, timeoutMs: 60 * 60_000 })
      }
      if (opts.ferry) {
        for (const ds of datasets) await warm(ds)
        // the long send (10 GiB) on the unshaped link of a full run: at 1 Gbit it would add 90 s and show nothing more
        const long = opts.quick || rate != null ? undefined : async (): Promise<string> => await tenGiBFile(`${opts.data}-10g`)
        // a second 1 GiB to the big data set's receiver: what the daemons do once past their first (full runs)
        const next = opts.quick ? undefined : async (): Promise<string> => await nextFile(`${opts.data}-10g`)
        // and a second photo set to the photo set's receiver, for the same reason
        const morePhotos = opts.quick ? undefined : async () => await nextPhotos(`${opts.data}-10g`)
        const memory = await ferryOnLink({ rate: label, work: join(FERRY_WORK, name, label), logDir, datasets, record, long, next, nextPhotos: morePhotos })
        for (const m of memory) record({ tool: 'ferry', kind: 'memory', rate: label, role: m.name.startsWith('sender') ? 'sender' : 'receiver', ...m })
      }
    }
  } finally {
    cleanup()
    await removeTree(FERRY_WORK)
  }

  const lines = readFileSync(jsonl, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line)
  const meta = lines.find((l) => l.kind === 'meta')!
  const loads = lines.filter((l) => l.kind === 'load').map((l) => `before ${l.before} on ${l.rate}: ${l.loadavg}`)
  const text = `## ferry bench ${name}\n\ncommit ${meta.commit}, node ${meta.node}, ${meta.cpus} CPUs; ` +
    `data: ${meta.datasets.map((d: Line) => `${d.name} ${d.files} files ${d.bytes} B`).join(', ')}\n\n` +
    `Load average (1/5/15 min; other work on the box slows every tool): at start ${meta.loadavg}${loads.map((l) => `; ${l}`).join('')}; at end ${loadavg()}\n\n${report(lines)}`
  writeFileSync(md, text)
  console.log(`\n${text}\nraw results: ${jsonl}\ntable:       ${md}\ndaemon logs: ${logDir}`)
  return 0
}

process.exitCode = await main().catch((err: Error) => { console.error(`bench: ${err.stack ?? err.message}`); return 1 })
