// Screen 4: active transfers (overall bar, per-file bars for files in flight,
// bytes, rate, ETA, state with the 'resumed' flag) and below them the history
// of finished ones (done with receipt verified/unverified, failed with its
// error code, cancelled). Pure function of its props; fits `ui.rows` lines.

import { createElement as h } from 'react'
import type { ReactNode } from 'react'
import { Box, Text } from 'ink'
import type { TransferInfo } from '../../daemon/control/types.ts'
import { sanitizeForDisplay } from '../../errors.ts'
import { displayWidth, fit, formatAgo, formatBytes, formatEta, formatRate, percent, progressBar, shortPeerId, truncate } from '../format.ts'
import { isFinished } from '../state.ts'
import { g, line, tint } from './ui.ts'
import type { Ui } from './ui.ts'

export interface TransfersScreenProps {
  active: TransferInfo[]
  history: TransferInfo[]
  selected: number
  ui: Ui
}

const MAX_FILES = 3

export function TransfersScreen ({ active, history, selected, ui }: TransfersScreenProps) {
  const histWant = history.length === 0 ? 0 : Math.min(history.length + 1, Math.max(3, Math.floor(ui.rows / 3)))
  let budget = Math.max(2, ui.rows - histWant - (history.length > 0 ? 1 : 0))
  const out: ReactNode[] = []
  if (active.length === 0) {
    out.push(line('none', { dimColor: true }, 'No active transfers. Send files from screen 5; accept offers on screen 3.'))
    budget -= 1
  }
  // start at the selected transfer when earlier ones would push it off screen
  let shown = 0
  let upToSel = 0
  for (let i = 0; i <= selected && i < active.length; i++) upToSel += blockLines(active[i])
  const first = upToSel <= budget ? 0 : selected
  for (let i = first; i < active.length; i++) {
    const lines = activeBlock(active[i], i === selected, ui)
    if (lines.length > budget) break
    out.push(...lines)
    budget -= lines.length
    shown++
  }
  if (shown < active.length - first && active.length > 0) out.push(line('more-active', { dimColor: true }, `  +${active.length - first - shown} more`))
  if (history.length > 0) {
    out.push(line('hist-gap', {}, ' '))
    const room = Math.max(1, ui.rows - out.length - 1)
    out.push(line('hist', { bold: true }, `History (${history.length})`))
    for (const t of history.slice(0, room)) out.push(historyLine(t, ui))
  }
  return h(Box, { flexDirection: 'column' }, ...out)
}

function blockLines (t: TransferInfo): number {
  return 2 + Math.min(MAX_FILES, t.inFlight.length) + (t.inFlight.length > MAX_FILES ? 1 : 0)
}

const STATE_LABEL: Record<string, string> = {
  hashing: 'hashing', offered: 'offered, waiting for the receiver', accepted: 'accepted', fetching: 'transferring',
  verifying: 'verifying', waiting: 'waiting for peer', done: 'done', failed: 'failed', cancelled: 'cancelled', declined: 'declined'
}

function stateColor (t: TransferInfo): 'yellow' | 'cyan' | 'green' | 'red' | 'gray' {
  switch (t.state) {
    case 'waiting': return 'yellow'
    case 'done': return 'green'
    case 'failed': case 'declined': return 'red'
    case 'cancelled': return 'gray'
    default: return 'cyan'
  }
}

/** "↑ to beta" / "↓ from beta", at most `room` cells: a long peer name is cut, not what follows it on the line (review finding: the state fell off). */
function who (t: TransferInfo, ui: Ui, room: number): string {
  const to = t.direction === 'send' ? `${g(ui, '↑')} to ` : `${g(ui, '↓')} from `
  const name = sanitizeForDisplay(t.peerName) || shortPeerId(t.peerId, 'tail', g(ui, '…'))
  return to + truncate(name, Math.max(8, room - displayWidth(to)), g(ui, '…'))
}

/** The widest the numbers after the bar get for this transfer: the bar keeps its width while they change. */
function numsWidth (t: TransferInfo): number {
  const total = formatBytes(t.totalBytes)
  return ` 100%  ${total} / ${total}  999.9 MiB/s  ETA 59m 59s`.length
}

/**
 * The lines of one transfer: header (direction, peer, files, state), overall
 * bar with percent, bytes, rate and ETA (a finished one shows no rate or ETA),
 * then a bar per file in flight. Also used by `ferry send` on a terminal.
 */
export function activeBlock (t: TransferInfo, sel: boolean, ui: Ui): ReactNode[] {
  const pct = percent(t.doneBytes, t.totalBytes)
  // a sender's count can pass the total when chunks are sent again: never show more than all of it
  const done = Math.min(t.doneBytes, t.totalBytes)
  const nums = ` ${String(pct).padStart(3)}%  ${formatBytes(done)} / ${formatBytes(t.totalBytes)}` +
    (isFinished(t) ? '' : `  ${formatRate(t.rate)}  ETA ${formatEta(t.etaSeconds)}`)
  const barW = Math.max(10, ui.width - 4 - Math.max(nums.length, numsWidth(t)))
  const files = `  ${t.files} file${t.files === 1 ? '' : 's'}  `
  const state = STATE_LABEL[t.state] ?? t.state
  const resumed = t.resumed ? '  resumed' : ''
  const lines: ReactNode[] = [
    line(`${t.id}:h`, { inverse: sel },
      sel ? `${g(ui, '›')} ` : '  ',
      h(Text, { bold: true }, who(t, ui, ui.width - 2 - files.length - state.length - resumed.length)),
      files,
      h(Text, { color: tint(ui, stateColor(t)) }, state),
      resumed === '' ? null : h(Text, { color: tint(ui, 'magenta') }, resumed)
    ),
    line(`${t.id}:bar`, {}, '  ', h(Text, { color: tint(ui, 'green') }, progressBar(pct / 100, barW, { ascii: !ui.unicode })), nums)
  ]
  const fileBar = 12
  const nameW = Math.max(8, ui.width - 8 - fileBar - 24)
  for (const f of t.inFlight.slice(0, MAX_FILES)) {
    const frac = f.size === 0 ? 1 : f.doneBytes / f.size
    lines.push(line(`${t.id}:${f.path}`, { dimColor: true },
      `    ${fit(sanitizeForDisplay(f.path), nameW, g(ui, '…'))} `,
      progressBar(frac, fileBar, { ascii: !ui.unicode }),
      ` ${formatBytes(f.doneBytes)} / ${formatBytes(f.size)}`))
  }
  const more = t.inFlight.length - MAX_FILES
  if (more > 0) lines.push(line(`${t.id}:more`, { dimColor: true }, `    +${more} more file${more === 1 ? '' : 's'} in flight`))
  return lines
}

const STATUS_W = 27

/**
 * The receipt of a finished transfer: a sent one is 'verified' once the
 * receiver's signed receipt checked out against its key, else 'unverified'; a
 * received one carries the receipt this device 'signed' for the sender.
 */
export function receiptLabel (t: TransferInfo): 'verified' | 'signed' | 'unverified' {
  if (t.receipt?.verified === true) return 'verified'
  if (t.direction === 'receive' && t.receipt != null) return 'signed'
  return 'unverified'
}

function historyLine (t: TransferInfo, ui: Ui): ReactNode {
  const when = formatAgo(t.finishedAt ?? t.createdAt, ui.now)
  // done without the files that changed on the sender after its offer: say how many arrived
  const notReceived = t.receipt?.notReceived ?? 0
  const size = notReceived > 0
    ? `${t.files - notReceived} of ${t.files} files, ${formatBytes(t.doneBytes)}`
    : `${t.files} file${t.files === 1 ? '' : 's'}, ${formatBytes(t.totalBytes)}`
  // a send that left paths out for a problem (unreadable, changing, a name
  // the receiver refuses): `ferry send` exited 1 for it, so it is no clean
  // success here either, and says so where the receipt would (review
  // finding: shown all green)
  const notSent = t.skippedFailed ?? 0
  // files whose name was taken on the receiving side arrived as "name (1)": said on both sides (a send's receipt says so), as they are not where the sender named them
  const renamed = t.renamedCount ?? 0
  let status: ReactNode
  if (t.state === 'done') {
    const receipt = receiptLabel(t)
    // a missing receipt says more than a rename (review finding: "renamed" hid "unverified")
    const label = notSent > 0 ? `${notSent} not sent` : renamed > 0 && receipt !== 'unverified' ? `${renamed} renamed` : receipt
    status = h(Text, {},
      h(Text, { color: tint(ui, 'green') }, `${g(ui, '✓')} done     `),
      h(Text, { color: tint(ui, receipt === 'unverified' || notReceived > 0 || notSent > 0 || renamed > 0 ? 'yellow' : 'green') }, fit(label, STATUS_W - 11)))
  } else if (t.state === 'failed') {
    status = h(Text, { color: tint(ui, 'red') }, fit(`${g(ui, '✗')} failed   ${t.error?.code ?? 'E_INTERNAL'}`, STATUS_W))
  } else if (t.state === 'declined') {
    status = h(Text, { color: tint(ui, 'red') }, fit(`${g(ui, '✗')} declined`, STATUS_W))
  } else {
    status = h(Text, { dimColor: true }, fit('- cancelled', STATUS_W))
  }
  const room = ui.width - 2 - STATUS_W - 1 - 2 - size.length - 2 - when.length
  return line(`hist:${t.id}`, {}, '  ', status, ` ${who(t, ui, room)}  ${size}  ${when}`)
}
