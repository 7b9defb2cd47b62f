// Screen 4, one transfer whole (Enter on a line of the list): what it
// carried, its state with the receipt or why it ended, when and how long,
// where, and the files renamed or left out, as `ferry wait` and
// `ferry transfers --json` say them. The list has a line per transfer and
// room for a code, not a message: "✗ failed E_NO_SPACE" or "1 renamed" said
// neither why nor which files (user finding). One under way keeps its bars
// at the top. Pure function of its props; fits `ui.rows` lines.

import { createElement as h } from 'react'
import type { ReactNode } from 'react'
import { Box, Text } from 'ink'
import wrapAnsi from 'wrap-ansi'
import type { TransferInfo } from '../../daemon/control/types.ts'
import { escapeForDisplay, sanitizeForDisplay } from '../../errors.ts'
import { counted, endedByWords, formatBytes, formatClock, formatDone, formatRate, formatTook } from '../format.ts'
import { isFinished } from '../state.ts'
import { renamedLines } from '../renamed-lines.ts'
import { networkWords } from '../over-the-network.ts'
import { waitedWords } from '../waited-words.ts'
import { activeBlockParts, receiptLabel, stateLabel, who } from './TransfersScreen.ts'
import { asciiize, g, line, wrapInRows } from './ui.ts'
import type { Ui } from './ui.ts'

export interface TransferDetailsProps {
  t: TransferInfo
  shared: ReadonlySet<string>
  ui: Ui
}

/** Cells of the field names ("carried   "). */
const FIELD_W = 10
/** Rows the reason a transfer ended or waits takes at the most. */
const WHY_ROWS = 4
/** Rows of when it began and ended at the most (user-test finding: at 2, its waits said apart were cut at 50 columns, "waited 19.8 s while it could not go o…"). */
const WHEN_ROWS = 4
/** Rows of its state at the most. */
const STATE_ROWS = 2
/** Rows of what a transfer carried at the most (user-test finding: at 2 the network's words were cut, rows to spare under them). */
const CARRIED_ROWS = 3

export function TransferDetails ({ t, shared, ui }: TransferDetailsProps) {
  const under = !isFinished(t)
  // under way: its header and bar as on the list; ended: who and what, as History says it
  const block = under ? activeBlockParts(t, false, ui, shared, { why: false }) : undefined
  const head = block !== undefined
    ? block.head
    // which of two peers of one name, as its History line says (review finding: the name alone)
    : [line('who', { bold: true }, asciiize(ui, `${who(t, ui, ui.width, shared)}${t.label != null ? `  ${escapeForDisplay(t.label)}` : ''}`))]
  const out: ReactNode[] = []
  const width = Math.max(1, ui.width - 2 - FIELD_W)
  const field = (name: string, text: string, color?: 'red' | 'yellow'): ReactNode =>
    line(`f:${name}`, {}, `  ${name.padEnd(FIELD_W)}`, h(Text, { color: ui.color ? color : undefined }, asciiize(ui, text)))
  // rows under a field, indented to its text
  const more = (key: string, text: string, color?: 'red' | 'yellow'): ReactNode =>
    line(key, { color: ui.color ? color : undefined }, `  ${' '.repeat(FIELD_W)}${asciiize(ui, text)}`)
  // a field wrapped under its name, up to `rows` rows, the last cut short with "…" if it needs more
  const fieldWrapped = (name: string, text: string, rows: number, color?: 'red' | 'yellow'): void => {
    wrapInRows(text, width, rows, g(ui, '…')).forEach((row, i) => out.push(i === 0 ? field(name, row, color) : more(`${name}${i}`, row, color)))
  }
  out.push(field('id', t.id))
  // wrapped: what a cancel kept and deleted outgrows 80 columns
  fieldWrapped('state', stateText(t), STATE_ROWS, t.state === 'failed' || t.state === 'declined' ? 'red' : undefined)
  if (t.error != null) fieldWrapped('why', `${t.error.code}: ${sanitizeForDisplay(t.error.message)}`, WHY_ROWS, t.state === 'waiting' ? 'yellow' : 'red')
  // what crossed the network, once ended, as `ferry send` words it: that can take a second row
  // "carries" while under way (user-test nitpick: the past tense at 19 %)
  fieldWrapped(isFinished(t) ? 'carried' : 'carries', carried(t), CARRIED_ROWS)
  // wrapped: with a wait to be accepted said apart it outgrows 80 columns
  fieldWrapped('when', when(t, ui.now), WHEN_ROWS)
  if (t.receiveDir != null) out.push(field('into', escapeForDisplay(t.receiveDir)))
  // its files in flight, as the list has them, in the rows these fields leave (review finding: at 40x12 the
  // bars took the rows, and the fields were cut off); why it waits is its field, not said again above it
  const files = block?.files ?? []
  out.unshift(...head, ...files.slice(0, Math.max(0, ui.rows - head.length - out.length)))
  // the lists take the rows left, each cut with how many more
  let room = ui.rows - out.length
  // a heading wrapped under its field (it names the peer); the rows under it cut at the edge
  const wrapped = (list: string[]): string[] => list.length === 0 ? list : [...wrapAnsi(list[0], width, { hard: true, trim: true }).split('\n'), ...list.slice(1)]
  const renamed = wrapped(renamedRows(t))
  const skipped = wrapped(skippedRows(t))
  for (const [name, list] of [['renamed', renamed], ['not sent', skipped]] as const) {
    if (list.length === 0 || room < 1) continue
    // cut, its last row says how much more there is: with one row only, that alone (review finding: its first line, and the word of more cut off below)
    const kept = room >= 2 ? room - 1 : 0
    const fits = list.length <= room ? list : [...list.slice(0, kept), kept === 0 ? `${list.length} lines: see \`ferry transfers --json\`` : `and ${list.length - kept} more lines: \`ferry transfers --json\``]
    fits.forEach((text, i) => out.push(i === 0 ? field(name, text, 'yellow') : more(`${name}${i}`, text)))
    room -= fits.length
  }
  return h(Box, { flexDirection: 'column' }, ...out)
}

/** "done, receipt verified", "transferring, resumed", "failed". */
function stateText (t: TransferInfo): string {
  // who ended a cancelled or declined one, as its History line says (endedByWords)
  const parts = [`${stateLabel(t)}${t.state === 'cancelled' || t.state === 'declined' ? endedByWords(t) : ''}`]
  if (t.state === 'done') parts.push(`receipt ${receiptLabel(t)}`)
  const notReceived = t.receipt?.notReceived ?? 0
  if (notReceived > 0) parts.push(`${notReceived} of ${t.files} files not received`)
  // a receive cancelled or failed: what it had placed stays, and where is the `into` field
  const kept = t.state !== 'done' ? t.keptFiles ?? 0 : 0
  if (kept > 0) parts.push(`${kept} of ${counted(t.files, 'file')} kept`)
  // cancelled here: what its files not yet whole held went with their part files (droppedWords)
  if ((t.droppedBytes ?? 0) > 0) parts.push(`${formatBytes(t.droppedBytes!)} of files not yet whole deleted`)
  // a send's files changed here after the offer, which arrived as offered (TransferInfo.changedAfterOffer)
  if ((t.changedAfterOffer?.count ?? 0) > 0) parts.push(`${counted(t.changedAfterOffer!.count, 'file')} changed here since the offer, sent as offered`)
  if (t.resumed) parts.push('resumed')
  return parts.join(', ')
}

/**
 * "4 files in 2 folders, 100.0 MiB; 1.0 MiB of it over the network". Once
 * ended, the network's part as `ferry send` says it (networkWords: not "of
 * it" when files did not arrive, with why more crossed than arrived); under
 * way, more crossing than verified is only what is in flight.
 */
function carried (t: TransferInfo): string {
  const folders = (t.folders ?? 0) > 0 ? ` in ${counted(t.folders!, 'folder')}` : ''
  const ended = isFinished(t)
  // done without some of its files (its receipt says how many): what arrived, as its History line says (user-test
  // finding: "2 files, 4 B" of a receive that had 1 of them refused)
  const notReceived = t.state === 'done' ? t.receipt?.notReceived ?? 0 : 0
  const done = (ended && t.state !== 'done') || notReceived > 0 ? `${formatDone(t.doneBytes, t.totalBytes)} of ${formatBytes(t.totalBytes)}` : formatBytes(t.totalBytes)
  const files = notReceived > 0 ? `${t.files - notReceived} of ${counted(t.files, 'file')}` : counted(t.files, 'file')
  return `${files}${folders}, ${done}; ${ended ? networkWords(t) : `${formatBytes(t.wireBytes)} of it over the network`}`
}

/**
 * When it began and, ended, how long it took and at what rate; a wait for a person on the receiving side to accept
 * it said apart, and left out of both (notes' leftover: a send held 5 minutes showed the rate of those 5 minutes).
 */
function when (t: TransferInfo, now: number): string {
  const began = `began ${formatClock(t.createdAt, now)}`
  if (t.finishedAt == null) return began
  const waitMs = Math.round((t.acceptWaitSeconds ?? 0) * 1000)
  // nor its waits while it could not go on: its peer away, its turn, room (TransferInfo.waitedSeconds; user-test
  // finding: "(6.2 s, 8.0 MiB/s)" of a send that waited 6 s for its receiver's daemon, 0 B crossing)
  const pausedMs = Math.round((t.waitedSeconds ?? 0) * 1000)
  const ms = Math.max(0, t.finishedAt - t.createdAt - waitMs - pausedMs)
  // under a tenth of a second, said so, with no rate: one over such a moment says nothing (user-test finding: "(0.0 s,
  // 244 KiB/s)" for a tiny transfer)
  const brief = ms < 100
  const rate = t.state === 'done' && !brief && t.doneBytes > 0 ? `, ${formatRate(t.doneBytes / (ms / 1000))}` : ''
  // the receiver records the wait however the offer left its held state: one declined, or cancelled while held,
  // was never accepted (user-test finding: "waited 17.8 s to be accepted" on a send declined there, "3.3 s" on one
  // cancelled here before beta decided); only one done surely was, and a decision is what any other waited for
  const waited = (waitMs > 0 ? `; waited ${formatTook(waitMs)} ${t.state === 'done' ? 'to be accepted' : 'for a decision'}` : '') +
    (pausedMs >= 100 ? `; ${waitedWords(t, 'while it could not go on')}` : '')
  return `${began}, ended ${formatClock(t.finishedAt, now)} (${brief ? '<0.1 s' : formatTook(ms)}${rate}${waited})`
}

/** Its files placed under another name: a line saying so, then one per rename the daemon still names. */
function renamedRows (t: TransferInfo): string[] {
  const said = renamedLines(t)
  return said === undefined ? [] : [`${said.heading}:`, ...said.rows]
}

/** The paths a send left out, with why: those for a problem first, as the daemon lists them. */
function skippedRows (t: TransferInfo): string[] {
  const count = t.skippedCount ?? t.skipped?.length ?? 0
  if (count === 0) return []
  const failed = t.skippedFailed ?? 0
  const list = (t.skipped ?? []).map((p) => `${p.escaped === true ? p.path : escapeForDisplay(p.path)}: ${sanitizeForDisplay(p.reason)}`)
  return [`${counted(count, 'path')} left out${failed > 0 ? `, ${failed} for a problem` : ''}:`, ...list,
    ...(count > list.length ? [`and ${count - list.length} more`] : [])]
}
