// Progress display for long CLI operations. On a terminal (stdout a TTY, no
// --json) `ferry send` and `ferry pair` draw live Ink views (src/tui/live.ts);
// otherwise one line redrawn in place on a TTY stderr (bytes, rate, ETA), and
// nothing on a pipe until the final summary.

import type { TransferInfo } from '../daemon/control/types.ts'

/** Whether to draw a live Ink view: stdout is a terminal and the output is not --json. */
export function wantsLive (json: boolean, stdout: { isTTY?: boolean } = process.stdout): boolean {
  return !json && stdout.isTTY === true
}

export function fmtBytes (n: number): string {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  let v = n
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++ }
  return `${i === 0 ? v : v.toFixed(1)} ${u[i]}`
}

export function fmtRate (bps: number): string {
  return `${(bps / 1e6).toFixed(1)} MB/s`
}

export function fmtEta (s: number | null): string {
  if (s == null || !Number.isFinite(s)) return '--'
  const m = Math.floor(s / 60)
  return m > 0 ? `${m}m ${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`
}

export function progressLine (t: TransferInfo, width = 80): string {
  const pct = t.totalBytes > 0 ? Math.min(1, t.doneBytes / t.totalBytes) : (t.state === 'done' ? 1 : 0)
  const label = t.state === 'hashing' ? 'hashing' : t.state === 'fetching' ? 'sending' : t.state
  const tail = ` ${(pct * 100).toFixed(0).padStart(3)}% ${fmtBytes(t.doneBytes)}/${fmtBytes(t.totalBytes)} ${fmtRate(t.rate)} ETA ${fmtEta(t.etaSeconds)} ${label}`
  const barWidth = Math.max(10, Math.min(30, width - tail.length - 3))
  const filled = Math.round(pct * barWidth)
  return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${tail}`
}

export class LineProgress {
  private readonly tty: boolean
  private last = ''
  constructor (stream: NodeJS.WriteStream = process.stderr) {
    this.tty = stream.isTTY === true
  }

  update (line: string): void {
    if (!this.tty || line === this.last) return
    this.last = line
    process.stderr.write(`\r\x1b[2K${line}`)
  }

  done (): void {
    if (this.tty && this.last !== '') process.stderr.write('\n')
  }
}
