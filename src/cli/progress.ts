// Progress display for long CLI operations. On a terminal (stdout a TTY, no
// --json) `ferry send` and `ferry pair` draw live Ink views (src/tui/live.ts);
// otherwise one line redrawn in place on a TTY stderr (bytes, rate, ETA), and
// nothing on a pipe until the final summary.

import type { TransferInfo } from '../daemon/control/types.ts'
// the TUI's formatters are pure (no React, no I/O): the CLI shares them so both print the same figures
import { formatBytes, formatEta, formatRate } from '../tui/format.ts'

/** Whether to draw a live Ink view: stdout is a terminal and the output is not --json. */
export function wantsLive (json: boolean, stdout: { isTTY?: boolean } = process.stdout): boolean {
  return !json && stdout.isTTY === true
}

export function progressLine (t: TransferInfo, width = 80): string {
  const pct = t.totalBytes > 0 ? Math.min(1, t.doneBytes / t.totalBytes) : (t.state === 'done' ? 1 : 0)
  const label = t.state === 'hashing' ? 'hashing' : t.state === 'fetching' ? 'sending' : t.state
  const tail = ` ${(pct * 100).toFixed(0).padStart(3)}% ${formatBytes(t.doneBytes)}/${formatBytes(t.totalBytes)} ${formatRate(t.rate)} ETA ${formatEta(t.etaSeconds)} ${label}`
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

  /** End the line (once: a second call writes nothing). */
  done (): void {
    if (this.tty && this.last !== '') process.stderr.write('\n')
    this.last = ''
  }
}
