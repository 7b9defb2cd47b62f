// The bench report: from the run's JSON lines (peer-bench.sh's and ferry's)
// to Markdown tables: throughput per link, data set and tool; the target
// ratios with PASS/MISS; and ferry's own details. Pure: lines in, text out.

export type Line = { [k: string]: any }

const MB = 1e6
const MiB = 1024 * 1024
const TOOL_ORDER = ['ferry', 'tcp', 'scp', 'scp-aesgcm', 'rsync', 'syncthing', 'localcp', 'iperf3']
const RSS_LIMIT_MB = 150
/** "Flat while sending 10 GiB": the RSS of the send's last tenth at most this much above that of its second tenth (10 % of the budget). */
const LONG_GROWTH_MB = 15
const RESEND_LIMIT = 0.01

export function report (lines: Line[]): string {
  const rates = unique(lines.filter((l) => l.rate != null).map((l) => l.rate as string))
  rates.sort((a, b) => (a === 'unshaped' ? -1 : b === 'unshaped' ? 1 : a.localeCompare(b)))
  return [
    '### Throughput (MB/s = 10^6 B/s; disk to disk, verified; iperf3 is memory to memory)', '',
    ...throughputTable(lines, rates), '',
    '### Targets', '',
    ...targetTable(lines, rates), '',
    '### ferry details', '',
    ...detailTable(lines, rates),
    ...errors(lines)
  ].join('\n') + '\n'
}

// ---- lookups ----------------------------------------------------------

/** Timed runs of a tool (ferry's re-send / kill9 / memory lines have a `kind` and are not timed runs). */
function timed (lines: Line[], tool: string, rate: string, dataset: string): Line[] {
  return lines.filter((l) => l.tool === tool && l.rate === rate && l.dataset === dataset && l.kind == null && l.skipped == null)
}

function median (xs: number[]): number | undefined {
  if (xs.length === 0) return undefined
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

function metric (lines: Line[], tool: string, rate: string, dataset: string, key: 'MBps' | 'files_per_s'): number | undefined {
  return median(timed(lines, tool, rate, dataset).map((l) => Number(l[key])))
}

/** All timed runs behind a number verified (iperf3 has nothing to verify). */
function verified (lines: Line[], tool: string, rate: string, dataset: string): boolean {
  const runs = timed(lines, tool, rate, dataset)
  return runs.length > 0 && runs.every((l) => l.verified === true)
}

// ---- tables -----------------------------------------------------------

function throughputTable (lines: Line[], rates: string[]): string[] {
  const out = ['| link | tool | big MB/s | photos MB/s | photos files/s | verified |', '|---|---|---|---|---|---|']
  for (const rate of rates) {
    const tools = unique(lines.filter((l) => l.rate === rate && l.kind == null && l.tool != null && l.skipped == null).map((l) => l.tool as string))
    tools.sort((a, b) => rank(a) - rank(b))
    for (const tool of tools) {
      if (tool === 'iperf3') {
        out.push(`| ${rate} | iperf3 (memory, 10 s) | ${f1(metric(lines, tool, rate, 'mem', 'MBps'))} | | | |`)
        continue
      }
      const ok = DATASETS.filter((d) => timed(lines, tool, rate, d).length > 0).map((d) => `${d} ${verified(lines, tool, rate, d) ? 'yes' : 'NO'}`)
      out.push(`| ${rate} | ${tool} | ${f1(metric(lines, tool, rate, 'big', 'MBps'))} | ${f1(metric(lines, tool, rate, 'photos', 'MBps'))} | ${f1(metric(lines, tool, rate, 'photos', 'files_per_s'))} | ${ok.join(', ')} |`)
    }
  }
  return out
}

const DATASETS = ['big', 'photos']

interface Row { target: string, link: string, measured: string, goal: string, result: string }

function targetTable (lines: Line[], rates: string[]): string[] {
  const rows: Row[] = []
  const ratio = (target: string, rate: string, dataset: string, key: 'MBps' | 'files_per_s', other: string, goal: number, isTarget: boolean): void => {
    if (!rates.includes(rate)) return
    const otherDataset = other === 'iperf3' ? 'mem' : dataset
    const a = metric(lines, 'ferry', rate, dataset, key)
    const b = key === 'MBps' ? metric(lines, other, rate, otherDataset, key) : metric(lines, other, rate, dataset, key)
    const unit = key === 'MBps' ? 'MB/s' : 'files/s'
    if (a == null || b == null) { rows.push({ target, link: rate, measured: `n/a (${a == null ? 'no ferry run' : `no ${other} run`})`, goal: `≥ ${goal}`, result: '—' }); return }
    const r = a / b
    const ok = verified(lines, 'ferry', rate, dataset)
    const result = !isTarget ? 'info' : !ok ? 'MISS (ferry run not verified)' : r >= goal ? 'PASS' : 'MISS'
    rows.push({ target, link: rate, measured: `${shownRatio(r, goal)} (${f1(a)} / ${f1(b)} ${unit})`, goal: `≥ ${goal}`, result })
  }
  for (const rate of rates.filter((r) => r !== 'unshaped')) {
    ratio('ferry / iperf3, big', rate, 'big', 'MBps', 'iperf3', 0.95, true)
    ratio('ferry / iperf3, photos', rate, 'photos', 'MBps', 'iperf3', 0.95, false)
  }
  ratio('ferry / syncthing, big', 'unshaped', 'big', 'MBps', 'syncthing', 1.25, true)
  ratio('ferry / scp, big', 'unshaped', 'big', 'MBps', 'scp', 1, true)
  ratio('ferry / syncthing, photos files/s', 'unshaped', 'photos', 'files_per_s', 'syncthing', 1.5, true)
  for (const rate of rates.filter((r) => r !== 'unshaped')) ratio('ferry / syncthing, photos files/s', rate, 'photos', 'files_per_s', 'syncthing', 1.5, false)
  rows.push(...nextRows(lines, rates))
  rows.push(...memoryRows(lines))
  rows.push(...longRows(lines))
  rows.push(...resendRows(lines, rates))
  rows.push(...killRows(lines, rates))
  return ['| target | link | measured | goal | result |', '|---|---|---|---|---|', ...rows.map((r) => `| ${r.target} | ${r.link} | ${r.measured} | ${r.goal} | ${r.result} |`)]
}

function memoryRows (lines: Line[]): Row[] {
  const rows: Row[] = []
  for (const role of ['sender', 'receiver']) {
    const mem = lines.filter((l) => l.kind === 'memory' && l.role === role)
    if (mem.length === 0) { rows.push({ target: `${role} daemon peak RSS`, link: 'all', measured: 'n/a', goal: `≤ ${RSS_LIMIT_MB} MB`, result: '—' }); continue }
    const worst = mem.reduce((a, b) => (b.hwmKiB > a.hwmKiB ? b : a))
    const mb = worst.hwmKiB * 1024 / MB
    rows.push({ target: `${role} daemon peak RSS (VmHWM, max of ${mem.length} process${mem.length > 1 ? 'es' : ''})`, link: 'all', measured: `${mb.toFixed(1)} MB (${worst.name})`, goal: `≤ ${RSS_LIMIT_MB} MB`, result: mb <= RSS_LIMIT_MB ? 'PASS' : 'MISS' })
  }
  return rows
}

/**
 * The second 1 GiB to the big data set's receiver (ferry-bench.ts
 * nextSend), against the same baselines as the first: shown, not a target
 * (the targets are read from the daemons' first send).
 */
function nextRows (lines: Line[], rates: string[]): Row[] {
  const rows: Row[] = []
  for (const rate of rates) {
    const photos = lines.find((x) => x.kind === 'next' && x.rate === rate && x.dataset === 'photos')
    const b = metric(lines, 'syncthing', rate, 'photos', 'files_per_s')
    if (photos != null && b != null) {
      // all of it over the wire, or it is no measure of a transfer: bytes the receiver took from what it held are said
      const copied = typeof photos.wireBytes === 'number' && photos.wireBytes < photos.bytes ? `, ${mib(photos.bytes - photos.wireBytes)} not over the wire` : ''
      rows.push({ target: 'ferry / syncthing, photos files/s: the receiver\'s second photo set (more-photos)', link: rate, measured: `${shownRatio(photos.files_per_s / b, 1.5)} (${f1(photos.files_per_s)} / ${f1(b)} files/s${photos.verified === true ? '' : ', not verified'}${copied})`, goal: '≥ 1.5', result: 'info' })
    }
    const l = lines.find((x) => x.kind === 'next' && x.rate === rate && x.dataset === 'big')
    if (l == null) continue
    const against = rate === 'unshaped' ? [['syncthing', 'big', 1.25], ['scp', 'big', 1]] as const : [['iperf3', 'mem', 0.95]] as const
    for (const [other, dataset, goal] of against) {
      const b = metric(lines, other, rate, dataset, 'MBps')
      if (b == null) continue
      rows.push({ target: `ferry / ${other}, big: the daemons' second GiB (next.bin)`, link: rate, measured: `${shownRatio(l.MBps / b, goal)} (${f1(l.MBps)} / ${f1(b)} MB/s${l.verified === true ? '' : ', not verified'})`, goal: `≥ ${goal}`, result: 'info' })
    }
  }
  return rows
}

/** The 10 GiB send (ferry-bench.ts longSend): each daemon's peak over the send, and its RSS early in the send against late. */
function longRows (lines: Line[]): Row[] {
  const rows: Row[] = []
  for (const l of lines.filter((x) => x.kind === 'long')) {
    for (const role of ['sender', 'receiver'] as const) {
      const r = l.rss?.[role]
      if (r == null) continue
      const growth = r.lastTenthMB - r.secondTenthMB
      const ok = l.verified === true && r.peakMB <= RSS_LIMIT_MB && growth <= LONG_GROWTH_MB
      rows.push({ target: `${role} RSS while sending 10 GiB: peak; second tenth → last tenth of the send`, link: l.rate, measured: `${r.peakMB.toFixed(1)} MB; ${r.secondTenthMB.toFixed(1)} → ${r.lastTenthMB.toFixed(1)} MB${l.verified === true ? '' : ' (not verified)'}`, goal: `≤ ${RSS_LIMIT_MB} MB; grows ≤ ${LONG_GROWTH_MB} MB`, result: ok ? 'PASS' : 'MISS' })
    }
  }
  return rows
}

function resendRows (lines: Line[], rates: string[]): Row[] {
  const rows: Row[] = []
  for (const rate of rates) {
    for (const ds of DATASETS) {
      const l = lines.find((x) => x.kind === 'resend' && x.rate === rate && x.dataset === ds)
      if (l == null) continue
      const wire = l.wireBytes / l.totalBytes
      const veth = l.veth_tx_bytes / l.totalBytes
      const ok = Math.max(wire, veth) <= RESEND_LIMIT && l.verified === true
      rows.push({ target: `identical re-send, ${ds}: bytes on the wire / total`, link: rate, measured: `ferry ${pct(wire)} (${l.wireBytes} B); veth ${pct(veth)} (${l.veth_tx_bytes} B)`, goal: `≤ ${pct(RESEND_LIMIT)} (both)`, result: ok ? 'PASS' : 'MISS' })
    }
  }
  return rows
}

/**
 * Two measures of the same thing: the sender's wireBytes (what ferry says it
 * sent) and the sender veth's tx bytes (what left the host, including
 * noise/yamux/TCP/IP headers, about 1 % here), each minus the file size.
 */
function killRows (lines: Line[], rates: string[]): Row[] {
  const rows: Row[] = []
  for (const rate of rates) {
    const l = lines.find((x) => x.kind === 'kill9' && x.rate === rate)
    if (l == null) continue
    const what = `re-sent after kill -9 of the receiver at ${pct(l.killed_at_bytes / l.totalBytes, 0)} of big.bin`
    const goal = `≤ ${mib(l.allowance_bytes)} (${allowanceText(l)})`
    if (l.state !== 'done' || l.verified !== true) {
      rows.push({ target: what, link: rate, measured: `transfer ${l.state}, verified ${l.verified}`, goal, result: 'MISS (did not finish verified)' })
      continue
    }
    // the veth counter also counts TCP/IP headers (~1 % of the file, more
    // than the whole allowance at 1 MiB chunks): compare with the timed,
    // uninterrupted run of the same file on the same link when there is one
    const clean = timed(lines, 'ferry', rate, 'big')[0]
    const veth: [string, number] = clean != null
      ? ['veth tx − veth tx of the uninterrupted run', l.veth_tx_bytes - clean.veth_tx_bytes]
      : ['veth tx − size (includes ~1 % of headers)', l.veth_tx_bytes - l.totalBytes]
    const measures: Array<[string, number]> = [['ferry wireBytes − size', l.resent_bytes], veth]
    for (const [how, bytes] of measures) {
      rows.push({ target: `${what}: ${how}`, link: rate, measured: `${mib(bytes)} (${(bytes / l.chunk_size).toFixed(1)} chunks of ${mib(l.chunk_size)})`, goal, result: bytes <= l.allowance_bytes ? 'PASS' : 'MISS' })
    }
    // The receiver's side, exact: what had reached its kernel before the kill
    // and what it still had after the restart. What it lost is what crosses
    // the wire twice; the sender's count also has what sat in its own socket
    // buffer and never left, and the veth's what headers and batching add.
    const lost = receiverLost(l)
    if (lost != null) {
      rows.push({ target: `${what}: crossed the wire before the kill and not kept (receiver's kernel count − kept)`, link: rate, measured: `${mib(lost.total)} (${mib(lost.read)} read by ferry, ${mib(lost.unread)} still in the kernel)`, goal, result: lost.total <= l.allowance_bytes ? 'PASS' : 'MISS' })
    }
    // the issue's own target, stricter than the pipeline bound above: one chunk per open file (one file here)
    const worst = lost?.total ?? Math.max(...measures.map(([, b]) => b))
    rows.push({ target: `${what}: issue target (${lost != null ? 'crossed and not kept' : 'the larger measure'})`, link: rate, measured: `${mib(worst)} (${(worst / l.chunk_size).toFixed(1)} chunks)`, goal: `≤ 1 chunk per open file (${mib(l.chunk_size)})`, result: worst <= l.chunk_size ? 'PASS' : 'MISS' })
  }
  return rows
}

/** How the kill -9 allowance was made, from the pipeline numbers recorded with it. */
function allowanceText (l: Line): string {
  const p = l.pipeline
  if (p?.requestBytes == null) return 'what the pipeline has in flight'
  return `${p.streams} streams × (${p.requestsAhead} requests of ${mib(p.requestBytes)} + ${mib(p.spoolBytes)} not yet spooled)`
}

/**
 * Bytes the receiver had received (TCP payload, counted by its kernel with
 * the daemon frozen just before the kill) and did not have after its
 * restart. Noise frames every ≤ 65,519 bytes with 18 bytes (length and
 * tag); only that is taken off, so the figure errs high by yamux's headers
 * (≤ 12 bytes per 64 KiB) and the few small messages on the connection.
 * The kernel's unread bytes include what arrived while frozen.
 */
function receiverLost (l: Line): { total: number, read: number, unread: number } | undefined {
  if (l.rx_tcp_received == null || l.rx_kept_bytes == null) return undefined
  const payload = (tcp: number): number => Math.floor(tcp * 65519 / 65537)
  const unread = payload(l.rx_tcp_unread ?? 0)
  const total = payload(l.rx_tcp_received) - l.rx_kept_bytes
  return { total, read: total - unread, unread }
}

function detailTable (lines: Line[], rates: string[]): string[] {
  const out = ['| link | data set | t0→t1 s (incl. sync -f) | `ferry send` s | daemon-reported s | wire bytes | veth tx bytes | receiver had to resume | daemon CPU s (sender / receiver) | encryption | load avg at t0 |', '|---|---|---|---|---|---|---|---|---|---|---|']
  for (const rate of rates) {
    for (const ds of DATASETS) {
      for (const l of timed(lines, 'ferry', rate, ds)) {
        out.push(`| ${rate} | ${ds} | ${l.seconds} | ${l.send_s} | ${l.ferry_seconds} | ${l.wireBytes} | ${l.veth_tx_bytes} | ${l.receiver_resumed === true ? 'YES' : 'no'} | ${l.cpu_s != null ? `${l.cpu_s.sender} / ${l.cpu_s.receiver}` : '-'} | ${l.encryption ?? '-'} | ${l.loadavg} |`)
      }
    }
  }
  for (const l of lines.filter((x) => x.kind === 'kill9')) {
    const clean = timed(lines, 'ferry', l.rate, 'big')[0]
    const vsClean = clean != null ? ` (${l.veth_tx_bytes - clean.veth_tx_bytes} B more than the timed run of the same file)` : ''
    out.push('', `kill -9 (${l.rate}): killed at ${l.killed_at_bytes} B of ${l.totalBytes}; receiver back in ${l.restart_ms} ms; sender wireBytes ${l.wireBytes} B, veth tx ${l.veth_tx_bytes} B${vsClean}; \`ferry send\` exit ${l.send_exit}; receiver reports resumed=${l.receiver_resumed}; verified=${l.verified}; receiver's TCP payload before the kill ${l.rx_tcp_received ?? '-'} B (${l.rx_tcp_unread ?? '-'} B unread), kept after the restart ${l.rx_kept_bytes ?? '-'} B`)
  }
  for (const l of lines.filter((x) => x.kind === 'next' && x.dataset === 'photos')) {
    out.push('', `second photo set (${l.rate}): ${l.files} files, ${l.bytes} B in ${l.seconds} s, ${l.files_per_s} files/s, ${l.MBps} MB/s (daemon-reported ${l.ferry_seconds} s); wireBytes ${l.wireBytes} B; daemon CPU s ${l.cpu_s?.sender ?? '-'} / ${l.cpu_s?.receiver ?? '-'}; verified=${l.verified}; load avg at t0 ${l.loadavg}`)
  }
  for (const l of lines.filter((x) => x.kind === 'next' && x.dataset === 'big')) {
    out.push('', `second 1 GiB (${l.rate}): ${l.seconds} s, ${l.MBps} MB/s (daemon-reported ${l.ferry_seconds} s); daemon CPU s ${l.cpu_s?.sender ?? '-'} / ${l.cpu_s?.receiver ?? '-'}; verified=${l.verified}; load avg at t0 ${l.loadavg}`)
  }
  for (const l of lines.filter((x) => x.kind === 'long')) {
    out.push('', `10 GiB send (${l.rate}): ${l.seconds} s, ${l.MBps} MB/s; daemon CPU s ${l.cpu_s?.sender ?? '-'} / ${l.cpu_s?.receiver ?? '-'}; verified=${l.verified} (receipt, ${l.arrived_bytes} B arrived); RSS samples ${l.rss?.sender?.samples ?? '-'} / ${l.rss?.receiver?.samples ?? '-'}; load avg at t0 ${l.loadavg}`)
  }
  return out
}

function errors (lines: Line[]): string[] {
  const errs = lines.filter((l) => l.kind === 'error')
  return errs.length === 0 ? [] : ['', '### Errors', '', ...errs.map((e) => `- ${e.rate} ${e.dataset ?? ''} ${e.test ?? ''}: ${String(e.error).replace(/\n/g, ' ')}`)]
}

// ---- formatting -------------------------------------------------------

function rank (tool: string): number { const i = TOOL_ORDER.indexOf(tool); return i < 0 ? TOOL_ORDER.length : i }
function unique<T> (xs: T[]): T[] { return [...new Set(xs)] }
function f1 (x: number | undefined): string { return x == null ? '-' : x.toFixed(1) }
/** Two decimals, or as many more (up to 5) as a miss needs not to print as its goal (0.94983 is "0.9498", not "0.95" or "0.950"). */
function shownRatio (r: number, goal: number): string {
  let digits = 2
  while (r < goal && digits < 5 && Number(r.toFixed(digits)) >= goal) digits++
  return r.toFixed(digits)
}
function pct (x: number, digits = 2): string { return `${(x * 100).toFixed(digits)} %` }
function mib (bytes: number): string { return `${(bytes / MiB).toFixed(2)} MiB` }
