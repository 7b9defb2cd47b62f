// Progress display for long CLI operations. On a terminal (stdout a TTY, no
// --json) `ferry send`, `ferry wait` and `ferry pair` draw live Ink views
// (src/tui/live.ts; send and wait through transfer-shown.ts);
// otherwise one line redrawn in place on a TTY stderr (bytes, rate, ETA), and
// where nothing is drawn (stderr not a TTY, or --json) only what a script's
// log needs: a line when the send starts to wait or stalls, and when it goes on
// (WaitNotes), then the final summary.

import { readFileSync } from 'node:fs'
import { heldOfflineWords, isFinalState, isMovingState, waitingWords, type TransferInfo } from '../daemon/control/types.ts'
import { procStatFields } from './proc-stat.ts'
import { sanitizeForDisplay } from '../errors.ts'
// the TUI's formatters are pure (no React, no I/O): the CLI shares them so both print the same figures
import { formatBytes, formatDone, formatRateEta, hashedWord, percent } from '../tui/format.ts'

/**
 * Whether `stream` is a terminal that takes drawing: cursor moves, erased
 * lines. Not one whose TERM is `dumb` (Emacs' shell, some IDE consoles and
 * CI runners), which shows those escapes as they are: `ferry send` there
 * filled its output with them (user-test finding); it gets the lines a pipe
 * gets (WaitNotes), then the summary.
 */
export function drawsOn (stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && env.TERM !== 'dumb'
}

/**
 * Whether a keyboard hint ("Ctrl-C cancels") is for someone: stderr a
 * terminal, read by a person there, and that terminal's Ctrl-C reaching this
 * process. Not under cron (no terminal) or a script's `timeout` (its own
 * process group, which the terminal's keys do not reach), where the hint
 * landed in cron mail (user-test finding). Where the kernel says
 * (ownTerminalForeground), that decides, not stdin: `ferry send … </dev/null`
 * at a prompt still stops on Ctrl-C (notes' leftover: no hint there), and
 * `timeout 60 ferry send …` at one does not (the hint was shown); elsewhere,
 * stdin a terminal.
 */
export function keysReach (stdin: { isTTY?: boolean } = process.stdin, stderr: { isTTY?: boolean } = process.stderr, foreground: boolean | null = ownTerminalForeground()): boolean {
  return stderr.isTTY === true && (foreground ?? stdin.isTTY === true)
}

/**
 * keysReach for a live view, drawn on stdout, a terminal: its hint names
 * Ctrl-C unless the kernel says the terminal's keys do not reach this
 * process (`timeout 60 ferry send …` at a prompt).
 */
export function liveKeysReach (foreground: boolean | null = ownTerminalForeground()): boolean {
  return foreground ?? true
}

/**
 * Whether this process is in its controlling terminal's foreground process
 * group, the one the terminal's Ctrl-C signals: from /proc/self/stat (Linux),
 * given as `stat` to test; null where that cannot be read.
 */
export function ownTerminalForeground (stat: string | null = readOwnStat()): boolean | null {
  if (stat === null) return null
  const fields = procStatFields(stat)
  const [pgrp, ttyNr, tpgid] = [Number(fields[2]), Number(fields[4]), Number(fields[5])]
  if (!Number.isInteger(pgrp) || !Number.isInteger(ttyNr) || !Number.isInteger(tpgid)) return null
  return ttyNr !== 0 && tpgid === pgrp
}

function readOwnStat (): string | null {
  try { return readFileSync('/proc/self/stat', 'utf8') } catch { return null }
}

/** Whether to draw a live Ink view: stdout is a terminal that takes drawing and the output is not --json. */
export function wantsLive (json: boolean, stdout: { isTTY?: boolean } = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return !json && drawsOn(stdout, env)
}

export function progressLine (t: TransferInfo, width = 80): string {
  // rounded down, as the TUI's (percent, formatDone): a send short of its total by a byte, its receipt not in, read "100%" with a full bar
  const pct = t.totalBytes > 0 ? percent(t.doneBytes, t.totalBytes) / 100 : (t.state === 'done' ? 1 : 0)
  // as seen from this side: `ferry wait` on the receiving device read "sending" (user-test finding)
  const label = t.state === 'fetching' ? (t.direction === 'receive' ? 'receiving' : 'sending') : t.state === 'waiting' ? waitingWords(t) : t.state
  // the files in place on the receiving side, once any are (TransferInfo.doneFiles), as the live view's header has them
  // where the line has room for it beside a 10-cell bar: one wider than the terminal wraps, and its redraw (\r, erase
  // line) leaves the rows above behind (review finding: 83 cells at 80 columns)
  // done: the files that arrived, and no rate nor ETA, which are of a transfer that moves (user-test finding: its last
  // line said "— ETA -- done", the count gone)
  const done = t.state === 'done'
  const arrived = t.files - (t.receipt?.notReceived ?? 0)
  const counted = t.doneFiles !== undefined ? ` ${t.doneFiles}/${t.files} files` : done && t.files > 1 ? ` ${arrived}/${t.files} files` : ''
  const tailWith = (files: string): string => ` ${(pct * 100).toFixed(0).padStart(3)}% ${hashedWord(t)}${formatDone(t.doneBytes, t.totalBytes)}/${formatBytes(t.totalBytes)}${files}${isFinalState(t.state) ? '' : ` ${formatRateEta(t, ' ')}`} ${label}`
  const tail = tailWith(counted !== '' && tailWith(counted).length + 12 > width ? '' : counted)
  const barWidth = Math.max(10, Math.min(30, width - tail.length - 3))
  const filled = Math.floor(pct * barWidth)
  return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${tail}`
}

export class LineProgress {
  private readonly tty: boolean
  private last = ''
  constructor (stream: { isTTY?: boolean } = process.stderr, env: NodeJS.ProcessEnv = process.env) {
    this.tty = drawsOn(stream, env)
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

/**
 * On a pipe (a script's or a cron job's log) or with --json, no progress
 * is drawn, and a send that waited, for hours maybe, said nothing (a send to
 * a peer switched off looked hung). It says once why it waits, again when
 * the reason changes, and once when it goes on; and when its receiver holds
 * the offer for a person there to accept (auto-accept off), and once when
 * it stalls (nothing moved for 10 s: stalledSeconds). On a terminal
 * the progress line and the live view show the same. `ferry wait` says the
 * same of the transfer it waits for, either way, its Ctrl-C ending the wait
 * alone (`waitOnly`; user-test finding: it said nothing while it waited).
 */
export class WaitNotes {
  private shown?: string
  private readonly write: (line: string) => void
  private readonly waitOnly: boolean
  private readonly keys: boolean
  /** `keys`: say which key stops the command (keysReach: only where someone can press it) */
  constructor (write: (line: string) => void, opts: { waitOnly?: boolean, keys?: boolean } = {}) {
    this.write = write
    this.waitOnly = opts.waitOnly === true
    this.keys = opts.keys !== false
  }

  update (t: TransferInfo): void {
    const peer = sanitizeForDisplay(t.peerName)
    const what = t.direction === 'receive' ? 'receive' : 'send'
    const stop = !this.keys ? '' : ` (${this.waitOnly ? `Ctrl-C ends this wait, not the ${what}` : 'Ctrl-C cancels'})`
    if (t.state === 'waiting') {
      const why = t.error != null ? `${t.error.code}: ${sanitizeForDisplay(t.error.message)}` : 'not connected'
      // a full disk is waited for on the receiving side, not the peer: "waiting for beta" read as if it were away
      const whom = t.error?.code !== 'E_NO_SPACE' ? peer : t.direction === 'receive' ? 'room in the receive folder' : `room on ${peer}`
      this.note(`waiting for ${whom} (${why}); the ${what} goes on by itself when it can${stop}`)
    } else if (t.state === 'offered' && t.awaitingDecision === true) {
      // its receiver offline meanwhile, and back: said each time, as the live view says it (user-test finding: a
      // piped `ferry send` never said it)
      this.note(t.peerOffline === true
        ? `${heldOfflineWords(peer, what)}${stop}`
        : `offered to ${peer}; waiting for it to be accepted there${stop}`)
    } else if (isMovingState(t.state) && t.stalledSeconds !== undefined) {
      // nothing moved for 10 s or more: said once, with the seconds it had then (the daemon counts them up each
      // second), and its end as the end of a wait (notes' leftover: on a pipe a stall read as a send going on)
      const nothing = t.state === 'hashing' ? 'hashing has read nothing' : t.direction === 'receive' ? `nothing has come from ${peer}` : `nothing has gone to ${peer}`
      this.note(`stalled: ${nothing} for ${t.stalledSeconds} s; the ${what} goes on by itself when it can${stop}`, `stalled ${t.state}`)
    } else if (t.state !== 'offered') {
      // an offer on its way (`offered`) is no news, nor what it goes on to
      if (this.shown !== undefined && !isFinalState(t.state)) this.write(`ferry: ${t.state === 'hashing' ? 'hashing again' : t.direction === 'receive' ? `receiving from ${peer}` : `sending to ${peer}`}`)
      this.shown = undefined
    }
  }

  /** `text` once: again only after another (`key`, when given, tells them apart in its place: a stall's seconds count up) */
  private note (text: string, key = text): void {
    if (key !== this.shown) this.write(`ferry: ${text}`)
    this.shown = key
  }
}
