// Screen 4: active transfers (overall bar, per-file bars for files in flight,
// bytes, rate, ETA, state with the 'resumed' flag) and below them the history
// of finished ones (done with receipt verified/unverified, failed with its
// error code, cancelled). Pure function of its props; fits `ui.rows` lines.

import { createElement as h } from 'react'
import type { ReactNode } from 'react'
import { Box, Text } from 'ink'
import type { TransferInfo } from '../../daemon/control/types.ts'
import { escapeForDisplay, sanitizeForDisplay } from '../../errors.ts'
import { counted, displayWidth, failedPaths, partialCount, endedByWords, fit, formatAgo, formatBytes, formatDone, formatEta, formatRateEta, hashedWord, PEER_NAME_CELLS, peerLabel, peerLabelWidth, percent, progressBar, sharedNames, truncate, truncatePath } from '../format.ts'
import { isMovingState, offeredWords, waitingWords } from '../../daemon/control/types.ts'
import { isFinished } from '../state.ts'
import { asciiize, g, isNarrow, line, listWindow, para, textRows, tint, wrapInRows } from './ui.ts'
import type { Ui } from './ui.ts'

export interface TransfersScreenProps {
  active: TransferInfo[]
  history: TransferInfo[]
  /** older ended transfers are kept than `history` holds (`ferry transfers --limit` lists them) */
  historyCut?: boolean
  /** the selected line: an active transfer, or past them one of History */
  selected: number
  /** names two peers share (state.ts sharedPeerNames); else those of these transfers */
  shared?: ReadonlySet<string>
  ui: Ui
}

const MAX_FILES = 3

export function TransfersScreen (props: TransfersScreenProps) {
  return h(Box, { flexDirection: 'column' }, ...layout(props).out)
}

/**
 * How many lines of History the screen shows as laid out now: what PgUp and PgDn move the selection by there
 * (helper finding: a page of the whole screen's lines skipped lines of History it never showed).
 */
export function historyRowsShown (props: TransfersScreenProps): number {
  return layout(props).historyRows
}

/** The screen's lines, and how many of them are lines of History. */
function layout ({ active, history, historyCut, selected, shared: known, ui }: TransfersScreenProps): { out: ReactNode[], historyRows: number } {
  const histWant = history.length === 0 ? 0 : Math.min(history.length + 1, Math.max(3, Math.floor(ui.rows / 3)))
  // a line of History selected is drawn, its heading with it, before what the transfers under way leave (helper finding
  // at 30x8: with one under way, the selected line of History was nowhere, and Enter would open what was not shown)
  const histSelected = history.length > 0 && selected >= active.length
  // the first transfer under way keeps its header, its bar and, on a line of their own on a narrow terminal, its rate
  // and ETA before History takes its share, as long as History keeps its heading and a line (user-test finding at
  // 40x12: the rate and ETA gone while three lines of History showed)
  const firstHead = active.length > 0 ? 1 + progressLines(active[0], ui).length : 2
  // (and the line saying how many more are under way, where more are: review finding, History lost its last line)
  let budget = Math.max(Math.max(2, Math.min(firstHead, ui.rows - 2 - (active.length > 1 ? 1 : 0))), ui.rows - histWant - (history.length > 0 ? 1 : 0))
  if (histSelected) budget = Math.max(0, Math.min(budget, ui.rows - 2))
  const out: ReactNode[] = []
  // two peers of one name: each with the end of its peer ID
  const shared = known ?? sharedNames([...active, ...history].map(peerOf), !ui.unicode)
  // lines `out` takes (a wrapped hint takes more than one)
  let used = 0
  // the lines History needs at the least: its heading, a line of it, and where it has more, the line saying so
  // (user-test finding at 40x10: 14 in History showed one line and no "+13 more", the hint taking the room)
  const histNeed = history.length === 0 ? 0 : history.length > 1 ? 3 : 2
  if (active.length === 0) {
    // whole where History still shows under it; else its first sentence (found using the TUI at 30x8: the
    // hint took the room, and a transfer just done was nowhere)
    const hint = 'No active transfers. Send files from screen 5; accept offers on screen 3.'
    const short = history.length > 0 && textRows(hint, ui.width) + histNeed > ui.rows
    // none where it would leave History no line, or no line to say how many more (30x8, the help line on two rows
    // with "Enter details"): the tab, with no count, says it
    const none = history.length > 0 && ui.rows < histNeed + 1
    if (!none) out.push(para('none', { dimColor: true }, short ? 'No active transfers.' : hint))
    used = none ? 0 : short ? 1 : textRows(hint, ui.width)
    budget -= used
  }
  // start at the selected transfer when earlier ones would push it off screen; one of History selected: from
  // the first, as many as fit with how many more (review finding: starting past them all left none, nor "+N more")
  let shown = 0
  let upToSel = 0
  // each transfer's lines built once: counted to place the selected one, then drawn
  const blocks = new Map<number, ReactNode[]>()
  const blockOf = (i: number): ReactNode[] => {
    let b = blocks.get(i)
    if (b === undefined) { b = activeBlock(active[i], i === selected, ui, shared); blocks.set(i, b) }
    return b
  }
  for (let i = 0; i <= selected && i < active.length; i++) upToSel += blockOf(i).length
  const first = upToSel <= budget || selected >= active.length ? 0 : selected
  for (let i = first; i < active.length; i++) {
    if (budget <= 0) break
    // the first one shows in part where it does not fit whole (its header and bar, without its files or
    // why it waits), rather than "+1 more" alone (review finding at 30x8)
    const lines = blockOf(i).slice(0, shown === 0 ? budget : undefined)
    if (lines.length > budget) break
    out.push(...lines)
    used += lines.length
    budget -= lines.length
    shown++
  }
  if (shown < active.length - first && active.length > 0 && (!histSelected || ui.rows - used > 2)) {
    out.push(line('more-active', { dimColor: true }, truncate(`  ${moreActive(active.slice(first + shown))}`, ui.width, g(ui, '…'))))
    used++
  }
  let historyRows = 0
  if (history.length > 0) {
    // the blank line before it only where History still has the lines it needs after it (histNeed)
    if (ui.rows - used - 1 >= histNeed) {
      out.push(line('hist-gap', {}, ' '))
      used++
    }
    const fits = Math.max(1, ui.rows - used - 1)
    out.push(line('hist', { bold: true }, historyCut === true ? `History (latest ${history.length})` : `History (${history.length})`))
    // the selected line of History in view (Enter shows it whole); where it does not fit, lines say how many more,
    // above and below, as the other lists do (helper finding: none, ↓ scrolled it unseen); not where that would
    // leave no line of it
    const sel = selected - active.length
    const { start: from, size, before, after } = listWindow('hist-more', history.length, sel, fits)
    const shownHistory = history.slice(from, from + size)
    // of all of History, not of the lines shown: the columns stay put as ↑↓ scroll it (user-test finding at 100x30:
    // they moved as one long status came into view and left it)
    const statusW = historyStatusWidth(history, ui)
    out.push(before)
    shownHistory.forEach((t, i) => out.push(historyLine(t, ui, statusW, shared, from + i === sel)))
    out.push(after)
    historyRows = shownHistory.length
  }
  return { out, historyRows }
}

const STATE_LABEL: Record<string, string> = {
  hashing: 'hashing', offered: 'offered, waiting for the receiver', accepted: 'accepted', fetching: 'transferring',
  verifying: 'verifying', waiting: 'waiting for peer', done: 'done', failed: 'failed', cancelled: 'cancelled', declined: 'declined'
}

/**
 * "+2 more, waiting its turn", "+3 more: 2 waiting its turn, 1 hashing": the transfers that do not fit,
 * with what they do (found using the TUI at 80x24: of six sends at once, the two waiting their turn were
 * "+2 more" alone, and nothing told that they waited).
 */
function moreActive (hidden: TransferInfo[]): string {
  const counts = new Map<string, number>()
  for (const t of hidden) {
    const word = t.state === 'offered' ? 'offered' : stateLabel(t)
    counts.set(word, (counts.get(word) ?? 0) + 1)
  }
  if (counts.size === 1) return `+${hidden.length} more, ${[...counts.keys()][0]}`
  return `+${hidden.length} more: ${[...counts].map(([word, n]) => `${n} ${word}`).join(', ')}`
}

/** Where the label above is too long for a narrow line. */
const SHORT_STATE_LABEL: Record<string, string> = { offered: 'offered', waiting: 'waiting' }

/**
 * A transfer's state in words; a waiting one says why it waits (waitingWords). An offer the receiver
 * holds for a person there to accept (auto-accept off) says so, as `ferry send` does (user-test finding:
 * "waiting for the receiver" read the same as a slow or busy receiver); the header and a transfer's
 * details both say it (found using the TUI: the details' state field said "waiting for the receiver").
 */
export function stateLabel (t: TransferInfo): string {
  if (t.state === 'offered' && t.awaitingDecision === true) return offeredWords(t)
  return t.state === 'waiting' ? waitingWords(t) : STATE_LABEL[t.state] ?? t.state
}

function stateColor (t: TransferInfo): 'yellow' | 'cyan' | 'green' | 'red' | 'gray' {
  switch (t.state) {
    case 'waiting': return 'yellow'
    case 'done': return partialCount(t) > 0 ? 'yellow' : 'green'
    case 'failed': case 'declined': return 'red'
    case 'cancelled': return 'gray'
    default: return 'cyan'
  }
}

/**
 * "↑ to beta" / "↓ from beta", at most `room` cells (and 8 of the name): a long peer name is cut, not what
 * follows it on the line (review finding: the state fell off). A name `shared` by two peers of the list has the
 * end of the peer ID after it: the old and the new "beta" (user-test finding).
 * Also a transfer's details' heading.
 */
export function who (t: TransferInfo, ui: Ui, room: number, shared: ReadonlySet<string>): string {
  const to = direction(t, ui)
  // 8 cells at the least, of which the end of the ID takes its part: it is what tells the two apart
  return to + peerLabel(peerOf(t), shared, Math.max(whoWidth(t, ui, 8, NONE_SHARED), room) - displayWidth(to), !ui.unicode)
}

const NONE_SHARED: ReadonlySet<string> = new Set()

/** The cells who() takes with `nameCells` of the name (and the end of the peer ID after a shared name). */
function whoWidth (t: TransferInfo, ui: Ui, nameCells: number, shared: ReadonlySet<string>): number {
  return displayWidth(direction(t, ui)) + peerLabelWidth(peerOf(t), shared, nameCells, !ui.unicode)
}

const direction = (t: TransferInfo, ui: Ui): string => t.direction === 'send' ? `${g(ui, '↑')} to ` : `${g(ui, '↓')} from `
const peerOf = (t: TransferInfo): { peerId: string, name: string } => ({ peerId: t.peerId, name: t.peerName })

/** The narrowest overall bar drawn; under it, the percent and bytes alone. */
const MIN_BAR = 4

/**
 * Cells the widest byte figure takes ("1023.9 MiB"): the numbers after every bar are given this much room, whatever
 * their total, so that the bars of two transfers on one screen are as wide (user-test finding: 46 and 42 cells
 * at 100 columns, by their totals' figures).
 */
const BYTES_W = 10

/** The widest the percent and bytes after a bar get (BYTES_W each); with the rate and ETA, NUMS_W: every bar keeps its width while they change. */
const BYTES_NUMS_W = ` 100%  ${'x'.repeat(BYTES_W)} / ${'x'.repeat(BYTES_W)}`.length
const NUMS_W = BYTES_NUMS_W + '  999.9 MiB/s  ETA 59m 59s'.length

/**
 * The lines of one transfer: header (direction, peer, files, state), overall
 * bar with percent, bytes, rate and ETA (only while it moves: hashing, transferring),
 * then a bar per file in flight. Also used by `ferry send` on a terminal.
 * `parts.why`: false leaves out why it waits (a transfer's details say why
 * in a field of their own, and give its files the rows left).
 */
export function activeBlock (t: TransferInfo, sel: boolean, ui: Ui, shared: ReadonlySet<string> = new Set(), parts: { why?: boolean } = {}): ReactNode[] {
  const { head, files } = activeBlockParts(t, sel, ui, shared, parts)
  return [...head, ...files]
}

/** activeBlock's lines as its header (with the bar) and its files in flight, each built once. */
export function activeBlockParts (t: TransferInfo, sel: boolean, ui: Ui, shared: ReadonlySet<string> = new Set(), parts: { why?: boolean } = {}): { head: ReactNode[], files: ReactNode[] } {
  // on a narrow terminal the header shortens the file count ("12/300"), drops it, then shortens the state, before the state is cut
  // (user-test finding: cut at 40 columns), and before the peer's name is (up to PEER_NAME_CELLS of it)
  const resumed = t.resumed ? '  resumed' : ''
  const to = whoWidth(t, ui, PEER_NAME_CELLS, shared)
  // a wait counted up, as a stall is (user-test finding: the screen at 20 s of a wait was the one at 1 s)
  const waited = t.state === 'waiting' && t.waitingSince !== undefined ? Math.floor((ui.now - t.waitingSince) / 1000) : -1
  const label = stateLabel(t) + (waited >= 1 ? ` ${formatEta(waited)}` : '')
  const headers = [
    { files: `  ${carriedCount(t)}  `, state: label },
    ...(t.doneFiles !== undefined ? [{ files: `  ${carriedCount(t, true)}  `, state: label }] : []),
    { files: '  ', state: label },
    { files: '  ', state: SHORT_STATE_LABEL[t.state] ?? STATE_LABEL[t.state] ?? t.state }
  ]
  const { files, state } = headers.find((x) => ui.width - 2 - x.files.length - displayWidth(x.state) - resumed.length >= to) ?? headers[headers.length - 1]
  const lines: ReactNode[] = [
    line(`${t.id}:h`, { inverse: sel },
      sel ? `${g(ui, '›')} ` : '  ',
      h(Text, { bold: true }, who(t, ui, ui.width - 2 - files.length - displayWidth(state) - resumed.length, shared)),
      files,
      h(Text, { color: tint(ui, stateColor(t)) }, state),
      resumed === '' ? null : h(Text, { color: tint(ui, 'magenta') }, resumed)
    ),
    ...progressLines(t, ui),
    ...(parts.why === false ? [] : waitReason(t, ui))
  ]
  const fileLines: ReactNode[] = []
  // a file's own bar goes first on a narrow terminal: its name and bytes say more
  const narrow = isNarrow(ui)
  const fileBar = narrow ? 0 : 12
  const bytesW = 24
  // no wider than the longest name shown and a gap: at 200 columns the bars stood 140 cells after short
  // names (found using the TUI at 200x50)
  // a file whose bytes are all in is not done: the receiver checks it and moves it into place, which for a small
  // file takes longer than its bytes did (user-test finding: a 2,000-file receive listed full bars, "99.3 KiB /
  // 99.3 KiB", as if in flight). Said as "placing", not left out: it is what the receive does then, and with
  // nothing listed the rows would empty while it still works; listed after the files still coming in, which move
  const inFlight = [...t.inFlight.filter((f) => !isPlacing(f)), ...t.inFlight.filter(isPlacing)].slice(0, MAX_FILES)
  const pathOf = (f: { path: string }): string => asciiize(ui, escapeForDisplay(f.path))
  const longest = Math.max(0, ...inFlight.map((f) => displayWidth(pathOf(f))))
  const nameW = Math.min(longest + 2, Math.max(8, ui.width - 8 - fileBar - bytesW))
  for (const f of inFlight) {
    const frac = f.size === 0 ? 1 : f.doneBytes / f.size
    const placing = isPlacing(f)
    const bytes = placing ? ` ${formatBytes(f.size)}` : ` ${formatDone(f.doneBytes, f.size)} / ${formatBytes(f.size)}`
    const bar = placing ? (narrow ? ' placing' : fit('placing', fileBar)) : narrow ? '' : progressBar(frac, fileBar, { ascii: !ui.unicode })
    fileLines.push(line(`${t.id}:${f.path}`, { dimColor: true },
      `    ${fit(pathOf(f), narrow ? ui.width - 6 - bar.length - bytes.length : nameW, g(ui, '…'), truncatePath)} `,
      bar,
      bytes))
  }
  const more = t.inFlight.length - MAX_FILES
  if (more > 0) fileLines.push(line(`${t.id}:more`, { dimColor: true }, `    +${more} more file${more === 1 ? '' : 's'} in flight`))
  return { head: lines, files: fileLines }
}

/** A file in flight whose bytes are all in: being checked and placed under its name (receiver.ts finishFile). */
const isPlacing = (f: { size: number, doneBytes: number }): boolean => f.size > 0 && f.doneBytes >= f.size

/**
 * The overall bar with percent and bytes, and while the transfer moves its
 * rate and ETA: on a line of their own on a narrow terminal.
 */
function progressLines (t: TransferInfo, ui: Ui): ReactNode[] {
  // a send of empty files only is not 100 % done while it waits for its peer (user-test finding: a full green bar)
  const pct = t.totalBytes > 0 ? percent(t.doneBytes, t.totalBytes) : t.state === 'done' ? 100 : 0
  // a rate and an ETA only while it moves, as `ferry transfers` has them: "0 B/s  ETA --" on one that waits
  // for its peer or a decision read as stuck (a user-test finding there)
  const moving = isMovingState(t.state)
  // what is done rounded down, as the percent: never all of it while bytes remain, nor more than all of it
  // (a sender's count can pass the total when chunks are sent again)
  const nums = ` ${String(pct).padStart(3)}%  ${hashedWord(t)}${formatDone(t.doneBytes, t.totalBytes)} / ${formatBytes(t.totalBytes)}` +
    (moving ? `  ${formatRateEta(t, '  ', g(ui, '—'))}` : '')
  // the bar's width is that of a split line whenever the rate would be on a line of its own, shown or not: it
  // keeps its width as a transfer waits and goes on, and is not cut to 10 cells for a rate not shown
  const narrowNums = ui.width - 4 - NUMS_W < 10 && !isFinished(t)
  const split = narrowNums && moving
  const barNums = split ? nums.slice(0, nums.indexOf('  ', nums.indexOf('/'))) : nums
  const room = ui.width - 2 - barNums.length
  // 10 cells at the least, where the numbers still fit after them; else what is left, and no bar under
  // MIN_BAR cells: at 30 columns a 10-cell bar cut the total ("7.5 MiB / …", found using the TUI at 30x8)
  const barW = room >= 10
    ? Math.max(10, ui.width - 4 - Math.max(barNums.length, narrowNums ? BYTES_NUMS_W : NUMS_W))
    : room >= MIN_BAR ? room : 0
  const bar = line(`${t.id}:bar`, {}, '  ', h(Text, { color: tint(ui, 'green') }, progressBar(pct / 100, barW, { ascii: !ui.unicode })), barNums)
  return split ? [bar, line(`${t.id}:rate`, {}, `  ${nums.slice(barNums.length).trimStart()}`)] : [bar]
}

/** At most this many lines say why a transfer waits. */
const REASON_ROWS = 2

/**
 * Why a transfer waits, as the daemon gives it and `ferry transfers` says it
 * under its table (user-test finding: "waiting for peer" and no more: an
 * address refused, a peer switched off, a receiver out of space read the
 * same): wrapped between words over at most REASON_ROWS lines, the last cut.
 */
function waitReason (t: TransferInfo, ui: Ui): ReactNode[] {
  if (t.state !== 'waiting' || t.error == null) return []
  const width = Math.max(1, ui.width - 4)
  // no empty row under a reason that fits on fewer (found using the TUI)
  const shown = wrapInRows(`${t.error.code}: ${asciiize(ui, sanitizeForDisplay(t.error.message))}`, width, REASON_ROWS, g(ui, '…'))
  return shown.map((text, i) => line(`${t.id}:why${i}`, { color: tint(ui, 'yellow') }, `    ${text}`))
}

/** Cells of the history's status column: room for "✗ failed   " and most error codes; a longer code widens it. */
const STATUS_W = 27
/** "✓ done     ", "✗ failed   ": the state, padded so that the receipts and codes after it line up. */
const STATE_W = 11

/**
 * The receipt of a finished transfer: a sent one is 'verified' once the
 * receiver's signed receipt checked out against its key, else 'unverified'; a
 * received one carries the receipt this device 'signed' for the sender.
 */
export function receiptLabel (t: TransferInfo): 'verified' | 'signed' | 'unverified' {
  if (t.direction === 'receive' && t.receipt != null) return 'signed'
  if (t.receipt?.verified === true) return 'verified'
  return 'unverified'
}

/**
 * The cells a history line's status takes: the error code of a failed one is never cut (user-test finding: cut at
 * any width), nor who ended a cancelled or declined one (endedStatus).
 */
function statusWidth (t: TransferInfo, ui: Ui): number {
  if (t.state === 'failed') return STATE_W + displayWidth(t.error?.code ?? 'E_INTERNAL')
  return t.state === 'cancelled' || t.state === 'declined' ? displayWidth(endedStatus(t, ui)) : 0
}

/**
 * A cancelled or declined transfer's status: "- cancelled here", "✗ declined by beta", by who ended it, in the words
 * of `ferry transfers` (endedByWords; notes' leftover: the TUI said "- cancelled" whichever side did); a record
 * from before endedBy, the state alone.
 */
function endedStatus (t: TransferInfo, ui: Ui): string {
  const state = t.state === 'declined' ? `${g(ui, '✗')} declined` : '- cancelled'
  // who ended it cut to ENDED_BY_CELLS: it fits the status column, whose width every line of History takes; the
  // peer is named whole after it (user-test finding at 100x30: "- cancelled by Ömer's 🖥️ Büro 日本…" widened the
  // column for every line, and their names and sizes fell off)
  if (t.endedBy === 'peer' && t.peerName !== '') return `${state} by ${truncate(asciiize(ui, sanitizeForDisplay(t.peerName)), ENDED_BY_CELLS, g(ui, '…'))}`
  return `${state}${asciiize(ui, endedByWords(t))}`
}

/** Cells of the peer's name in "- cancelled by beta": "- cancelled by " and this many leave a cell of STATUS_W, so that two spaces part it from the peer, as on the other lines (helper finding: one). */
const ENDED_BY_CELLS = STATUS_W - '- cancelled by '.length - 1

/**
 * What a done line says after "✓ done": its receipt, or what it lacks or
 * changed: paths a send left out for a problem, files that did not arrive,
 * or files and folders that arrived under another name, their name being
 * taken on the receiving side (said on both sides, as a send's receipt says
 * so; a folder is one rename, whatever it holds).
 */
function doneLabel (t: TransferInfo): string {
  const notSent = failedPaths(t)
  const notReceived = t.receipt?.notReceived ?? 0
  const renamed = t.renamedCount ?? 0
  const receipt = receiptLabel(t)
  // a missing receipt says more than a rename (review finding: "renamed" hid "unverified")
  return notSent > 0 ? `${notSent} not sent` : notReceived > 0 ? `${notReceived} not received` : renamed > 0 && receipt !== 'unverified' ? `${renamed} renamed` : receipt
}

/**
 * The status column's width for these lines: wide enough for each one's
 * error code, so that the columns still line up; 0 (each status as long as
 * it is) where that column would leave the peers fewer than PEER_MIN_W
 * cells (user-test finding: at 40 columns one E_PEER_UNREACHABLE left
 * every line "↑ to de…").
 */
export function historyStatusWidth (list: TransferInfo[], ui: Ui): number {
  const asked = Math.max(isNarrow(ui) ? 0 : STATUS_W, ...list.map((t) => statusWidth(t, ui)))
  // where there is a column, a done line's receipt is not cut to it either: below NARROW_WIDTH the column is as
  // wide as the other lines ask, and a declined one's 18 cells cut "verified" to "verifi…" (user-test finding at 50
  // columns); with none (done lines alone, narrow), each status stays as long as it is
  const width = asked === 0 ? 0 : Math.max(asked, ...list.filter((t) => t.state === 'done').map((t) => STATE_W + displayWidth(doneLabel(t))))
  return ui.width - 2 - width - 1 >= PEER_MIN_W ? width : 0
}

/** "2 files"; a tree of empty folders as its folders, "3 folders" ("0 files" said nothing of them: user-test finding, as `ferry send` says it). */
function carriedCount (t: TransferInfo, compact = false): string {
  if (t.files === 0 && (t.folders ?? 0) > 0) return counted(t.folders!, 'folder')
  // while it runs, how many are in place on the receiving side (user-test finding: bytes alone said nothing of that)
  if (t.doneFiles !== undefined) return compact ? `${t.doneFiles}/${t.files}` : `${t.doneFiles} of ${counted(t.files, 'file')}`
  return counted(t.files, 'file')
}

/** Cells a history line's peer ("↑ to desktop") gets at the least before the status column gives up lining up. */
const PEER_MIN_W = 24

/**
 * One finished transfer: its state with the receipt or the error code, the
 * peer, its size and when. When the line is short of room, the time goes
 * first, then the size, then the peer's name is cut; on a narrow terminal
 * the status is not padded to a column. The state and the code always stay.
 */
function historyLine (t: TransferInfo, ui: Ui, statusW = historyStatusWidth([t], ui), shared: ReadonlySet<string> = new Set(), sel = false): ReactNode {
  const when = formatAgo(t.finishedAt ?? t.createdAt, ui.now)
  // done without the files that changed on the sender after its offer: say how many arrived
  const notReceived = t.receipt?.notReceived ?? 0
  // a receive cancelled or failed keeps the files it had placed: how many, as `ferry transfers` says (notes'
  // leftover: the line said all it would have carried, as if nothing had stayed)
  const kept = t.state !== 'done' ? t.keptFiles ?? 0 : 0
  const size = notReceived > 0
    ? `${t.files - notReceived} of ${t.files} files, ${formatBytes(t.doneBytes)}`
    : kept > 0
      ? `${kept} of ${counted(t.files, 'file')} kept`
      : `${carriedCount(t)}, ${formatBytes(t.totalBytes)}`
  // a send that left paths out for a problem (unreadable, changing, a name
  // the receiver refuses): `ferry send` exited 1 for it, so it is no clean
  // success here either, and says so where the receipt would (review
  // finding: shown all green)
  // partialCount: what makes `ferry send` and `ferry wait` exit 1 with E_INCOMPLETE, drawn as partial (a
  // yellow ⚠ done), as their live summary is (user-test finding: a green "✓ done")
  const partial = partialCount(t)
  const notSent = failedPaths(t)
  const renamed = t.renamedCount ?? 0
  const pad = (text: string, width: number): string => statusW === 0 ? text : fit(text, width)
  const stateW = statusW === 0 ? 0 : STATE_W
  let status: ReactNode
  let statusText: string
  if (t.state === 'done') {
    const receipt = receiptLabel(t)
    const label = doneLabel(t)
    const mark = g(ui, partial > 0 ? '⚠' : '✓')
    const state = statusW === 0 ? `${mark} done ` : fit(`${mark} done`, stateW)
    statusText = state + pad(label, statusW - stateW)
    status = h(Text, {},
      h(Text, { color: tint(ui, partial > 0 ? 'yellow' : 'green') }, state),
      h(Text, { color: tint(ui, receipt === 'unverified' || notReceived > 0 || notSent > 0 || renamed > 0 ? 'yellow' : 'green') }, pad(label, statusW - stateW)))
  } else if (t.state === 'failed') {
    statusText = pad(statusW === 0 ? `${g(ui, '✗')} failed ${t.error?.code ?? 'E_INTERNAL'}` : `${fit(`${g(ui, '✗')} failed`, stateW)}${t.error?.code ?? 'E_INTERNAL'}`, statusW)
    status = h(Text, { color: tint(ui, 'red') }, statusText)
  } else if (t.state === 'declined') {
    statusText = pad(endedStatus(t, ui), statusW)
    status = h(Text, { color: tint(ui, 'red') }, statusText)
  } else {
    statusText = pad(endedStatus(t, ui), statusW)
    status = h(Text, { dimColor: true }, statusText)
  }
  const room = ui.width - 2 - displayWidth(statusText) - 1
  // the peer keeps its whole name, or PEER_NAME_CELLS of it, before what it carried, the size and the time
  // may follow (user-test finding: the name was cut first)
  const peerW = whoWidth(t, ui, PEER_NAME_CELLS, shared)
  // then it is cut to PEER_HISTORY_MIN cells of it before what it carried or the size go (user-test finding at 80
  // and 100 columns: a long name kept its 32 cells and the line said nothing of what came nor how much)
  const peerMinW = Math.min(peerW, whoWidth(t, ui, PEER_HISTORY_MIN, shared))
  // what it carried (user-test finding: rows said only "1 file, 381.5 MiB"): at least LABEL_MIN_W cells of
  // it before the time, which goes first; up to LABEL_W cells of what room is left
  // escaped, as the Offers screen shows names: a bidi mark or line break in a name is seen, not dropped
  const label = t.label != null ? asciiize(ui, escapeForDisplay(t.label)) : ''
  const minLabel = label === '' ? 0 : Math.min(LABEL_MIN_W, displayWidth(label)) + 2
  // where not even that fits, the time still gives way to what does of it (found using the TUI at 80x24: a
  // receive from a 9-letter peer kept "15s ago" and said nothing of what came)
  const someLabel = label === '' ? 0 : Math.min(LABEL_SOME_W, displayWidth(label)) + 2
  // shorter still, the size goes before what it carried: two lines "1 file, 1.0 GiB" and "1 file, 2.0 GiB" said
  // nothing of which was big.bin (user-test finding at 60-80 columns)
  const choices = [
    { tail: `  ${size}  ${when}`, label: minLabel, peer: peerW },
    { tail: `  ${size}`, label: minLabel, peer: peerW },
    { tail: `  ${size}`, label: someLabel, peer: peerW },
    { tail: `  ${size}`, label: someLabel, peer: peerMinW },
    { tail: '', label: someLabel, peer: peerMinW },
    { tail: `  ${size}`, label: 0, peer: peerMinW },
    { tail: '', label: 0, peer: 0 }
  ]
  const chosen = choices.find((c) => room - c.tail.length - c.label >= c.peer) ?? choices[choices.length - 1]
  const tail = chosen.tail
  // with the name whole (or its PEER_NAME_CELLS), what it carried has the room left, up to LABEL_W; with the name
  // cut, up to LABEL_MIN_W of it, and the name the rest
  const labelW = chosen.label === 0
    ? 0
    : chosen.peer === peerW
      ? Math.min(LABEL_W, room - peerW - tail.length - 2)
      : Math.min(LABEL_MIN_W, displayWidth(label), room - peerMinW - tail.length - 2)
  // at least LABEL_SOME_W cells of it, or all of a shorter one
  const what = label !== '' && labelW >= Math.min(LABEL_SOME_W, displayWidth(label)) ? `  ${truncate(label, labelW, g(ui, '…'))}` : ''
  return line(`hist:${t.id}`, { inverse: sel }, sel ? `${g(ui, '›')} ` : '  ', status, ` ${who(t, ui, room - tail.length - displayWidth(what), shared)}`, h(Text, { dimColor: true }, what), tail)
}

/** Cells of the peer's name a history line keeps before what the transfer carried and its size give way. */
const PEER_HISTORY_MIN = 12

/** Cells a history line gives to what the transfer carried (TransferInfo.label), at most, and at least before it drops the time. */
const LABEL_W = 28
const LABEL_MIN_W = 16
/** Cells of it shown at the least; fewer say nothing. */
const LABEL_SOME_W = 6
