// The root component of `ferry tui`: holds the reducer state, keeps the daemon
// link (connection.ts), turns keys into commands (keys.ts) and runs the daemon
// operations the user asks for. Quitting only unmounts the TUI and closes its
// own connection; it never calls anything that changes the daemon.

import { randomUUID } from 'node:crypto'
import { homedir } from 'node:os'
import { createElement as h, useEffect, useReducer, useRef, useState } from 'react'
import type { ReactNode } from 'react'
import { Box, Text, useApp, useInput, usePaste, useStdout, useWindowSize } from 'ink'
import { failedPairingPhase } from '../daemon/control/types.ts'
import type { PairingState } from '../daemon/control/types.ts'
import { sanitizeForDisplay, toFerryError } from '../errors.ts'
import { useDaemonLink } from './connection.ts'
import type { ControlClientLike } from './connection.ts'
import { colorEnabled, leftWords, supportsUnicode } from './format.ts'
import { helpText, isPasteBurst, isTypedText, isTyping, keyToCommands, pasteCommands, splitEscape } from './keys.ts'
import type { Command, KeyPress, Op } from './keys.ts'
import { checkPaths } from './paths.ts'
import { fitStartHint, startHintLines } from './start-hint.ts'
import type { StartHint } from './start-hint.ts'
import { onOutsideStop, stopLikeCtrlZ } from './suspend.ts'
import { detailedTransfer, initialState, peerCalled, reduce, sendablePeers, sharedPeerNames } from './state.ts'
import type { Action, TextFieldName, TuiState } from './state.ts'
import { OffersScreen } from './components/OffersScreen.ts'
import { PairScreen } from './components/PairScreen.ts'
import { PeersScreen } from './components/PeersScreen.ts'
import { SendScreen } from './components/SendScreen.ts'
import { StatusBar, statusBarRows } from './components/StatusBar.ts'
import { Tabs } from './components/Tabs.ts'
import { historyRowsShown, TransfersScreen } from './components/TransfersScreen.ts'
import { TransferDetails } from './components/TransferDetails.ts'
import { editText, splitEnter } from './components/TextField.ts'
import { asciiize, g, isNarrow, line, para, wrapInRows } from './components/ui.ts'
import type { Ui } from './components/ui.ts'

export type { ControlClientLike } from './connection.ts'

export interface AppProps {
  /** an already connected client (tests pass a fake); reconnects use `connect` */
  client?: ControlClientLike
  connect: () => Promise<ControlClientLike>
  /** the ferry home, for the "start the daemon" hint */
  home: string
  initialState?: TuiState
  /** reconnect delay while the daemon is down (default 1000 ms) */
  retryMs?: number
  /** how often a connected TUI asks the daemon how it is, and how long before a slow answer reads as "not answering" (connection.ts) */
  heartbeatMs?: number
  /** what Ctrl-Z does once the terminal is handed back: stop the process (default; tests pass a recorder) */
  stop?: () => void | Promise<void>
  /** how long the selection stays unmoved before a transfer that begins is selected in its place (FOLLOW_IDLE_MS) */
  followIdleMs?: number
  /** how long a notice stays (NOTICE_MS) */
  noticeMs?: number
}

/**
 * How long a notice stays on the line above the keys: what it says ("accepted — progress on screen 4",
 * "declined", "unpaired beta") is news of a moment (user-test finding: it stood for minutes, over a new batch of
 * offers it had nothing to do with). Not a question (press c again …): that waits for its key.
 */
const NOTICE_MS = 10_000

/**
 * A transfer that begins while the line selected on Transfers is one of History, not moved for this long, is
 * selected (user-test finding: with a line deep in History selected, transfers began and ended unseen, and the
 * one under way was some 40 ↑ away). A person who parked the selection there and looked away expects what is
 * happening now when they look back; one moving through History within this time is reading it, and keeps
 * their line (a `c` pressed as it moved would ask of the new one by name: cancel asks first). One selected
 * under way keeps it: that is the transfer being watched.
 */
const FOLLOW_IDLE_MS = 15_000

/** Lines used above and below the body and the status bar: tabs, rule, and one spare row. */
const CHROME_ROWS = 3
/** The smallest terminal the screens are laid out for; under it, one line says so (tiny terminals: 12x4). */
const MIN_COLUMNS = 20
const MIN_ROWS = 5

export function App (props: AppProps) {
  const [state, dispatch] = useReducer(reduce, props.initialState ?? initialState())
  // keys can arrive faster than renders (several in one read: ssh, key repeat; Ink hands them on one
  // by one before it draws again): each key acts on the state the keys before it made, not on this
  // render's (user-test finding: ↓ then d in one read declined the offer above; ↓ then Enter on Send
  // sent to the peer chosen before ↓), as TextField does for its text
  const latest = useRef(state)
  latest.current = state
  const apply = (action: Action): void => {
    latest.current = reduce(latest.current, action)
    dispatch(action)
  }
  // when a selection was last moved by a key (↑↓, Home/End, PgUp/PgDn), and the transfers under way as last drawn (FOLLOW_IDLE_MS)
  const movedAt = useRef(0)
  const activeIds = useRef<ReadonlySet<string>>(new Set(state.active.map((t) => t.id)))
  useEffect(() => {
    const before = activeIds.current
    activeIds.current = new Set(state.active.map((t) => t.id))
    const begun = state.active.filter((t) => !before.has(t.id))
    const s = latest.current
    if (begun.length === 0 || s.details !== undefined || s.sel.transfers < s.active.length) return
    if (Date.now() - movedAt.current < (props.followIdleMs ?? FOLLOW_IDLE_MS)) return
    apply({ type: 'selectTransfer', id: begun[begun.length - 1].id })
  }, [state.active])
  useEffect(() => {
    const text = state.notice
    if (text === undefined || state.armed !== undefined) return
    const timer = setTimeout(() => { apply({ type: 'notice:expire', text }) }, props.noticeMs ?? NOTICE_MS)
    return () => { clearTimeout(timer) }
  }, [state.notice, state.armed])
  const link = useDaemonLink({ client: props.client, connect: props.connect, retryMs: props.retryMs, heartbeatMs: props.heartbeatMs }, dispatch)
  const { exit, suspendTerminal } = useApp()
  const { stdout } = useStdout()
  const { columns, rows } = useWindowSize()
  // a render a second for the clocks on screen; each render reads the clock anew, as useTerminalUi does: a code
  // that came between two ticks read 5:01 by the last tick's (found using the TUI)
  const [, setTick] = useState(0)
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 1000)
    return () => clearInterval(t)
  }, [])
  const now = Date.now()

  const width = Math.max(20, columns)
  const connected = state.connection === 'connected'
  const display = { width, rows: 0, color: colorEnabled(process.env), unicode: supportsUnicode(process.env), now }
  const bar = { connection: state.connection, selfName: state.self?.name, error: state.lastError, notice: state.notice, help: helpText(state, width) }
  // an error takes lines of its own, wrapped, so that its advice is read (review finding: cut to one line);
  // the notice and the help line wrap on a narrow terminal
  // on a very small terminal (30x8) the screen gives up its room first: the tabs and the status bar
  // stay (user-test finding: the tab row was gone)
  const room = rows - CHROME_ROWS - statusBarRows(bar, display)
  // while the daemon is down, the command that starts it is what the screen is for: where it needs more rows
  // than the screen has (30x8, a daemon started with a few flags), the rule gives it its row, and what does
  // not fit even then is cut, saying so (start-hint.ts fitStartHint); the help line stays
  const wholeHint = state.connection === 'down' ? startHintLines(props.home, state.self?.startFlags, display) : []
  const squeeze = wholeHint.length > 0 && wholeHint.length > room
  const ui: Ui = { ...display, rows: Math.max(0, room + (squeeze ? 1 : 0)) }
  const hint = fitStartHint(wholeHint, ui.rows, display)
  // PgUp and PgDn: the lines of the screen, less a list's heading and its line of how many more; on Transfers the
  // lines of History shown, which the transfers under way and the hint leave (helper finding: a page of the whole
  // screen skipped lines of History never shown). Worked out as such a key comes, not at every render: on
  // Transfers it lays the screen out again
  const pageOf = (s: TuiState): number => s.screen === 'transfers'
    ? Math.max(1, historyRowsShown({ active: s.active, history: s.history, historyCut: s.historyCut, selected: s.sel.transfers, shared: sharedPeerNames(s, !ui.unicode), ui }))
    : Math.max(1, ui.rows - 2)

  /**
   * Offers an accept or decline was asked for and not yet answered: the offer leaves the list only with the
   * answer, so a second a or d meanwhile (a double press) would ask again and show the daemon's "not an offer"
   * as an error (helper finding). It is no second decision: ignored.
   */
  const deciding = useRef(new Set<string>())

  const runOp = async (asked: Op): Promise<void> => {
    // each code asked for marked as its own: the daemon gives the mark back on its states (state.ts ownPairing)
    const op: Op = asked.op === 'pair.show' && asked.entry === undefined ? { ...asked, entry: randomUUID() } : asked
    const c = link.current
    if (c == null) {
      dispatch({ type: 'error', error: { code: 'E_DAEMON_NOT_RUNNING', message: 'not connected to the daemon' } })
      return
    }
    const decision = op.op === 'accept' || op.op === 'decline' ? op.id : undefined
    if (decision !== undefined) {
      if (deciding.current.has(decision)) return
      deciding.current.add(decision)
    }
    apply({ type: 'clear' })
    // its pairing's event may come before the answer (state.ts pairedFromField); so may the event that a peer
    // is no longer paired, which is not news when asked here (state.ts unpairedElsewhere)
    if (op.op === 'pair.enter') apply({ type: 'pairEntering', entry: op.entry })
    if (op.op === 'unpair') apply({ type: 'unpairing', peerId: op.peer, asked: true })
    if (op.op === 'pair.show' && op.entry !== undefined) apply({ type: 'pairShowing', entry: op.entry })
    try {
      const actions = await perform(c, op, latest.current, !display.unicode)
      if (actions.length > 0) dispatch({ type: 'batch', actions })
    } catch (err) {
      dispatch({ type: 'error', error: toFerryError(err).toJSON() })
    } finally {
      if (decision !== undefined) deciding.current.delete(decision)
      if (op.op === 'unpair') dispatch({ type: 'unpairing', peerId: op.peer, asked: false })
      // no longer waited for, where it still is this field's (an answer that came has done it already)
      if (op.op === 'pair.enter') dispatch({ type: 'pairAnswer', entry: op.entry })
      if (op.op === 'pair.show' && op.entry !== undefined) dispatch({ type: 'pairShown', entry: op.entry })
    }
  }

  /** `target`: 0 stops the job's whole process group, as the terminal's Ctrl-Z does; a pid, that process alone, as a `kill -TSTP` of it does */
  const suspend = (target: number): void => {
    suspendTerminal(props.stop ?? (() => stopLikeCtrlZ(stdout, target))).catch((err: unknown) => dispatch({ type: 'error', error: toFerryError(err).toJSON() }))
  }

  const execute = (cmds: Command[]): void => {
    for (const cmd of cmds) {
      if (cmd.kind === 'quit') exit()
      // Ink leaves raw mode and the alternate screen around the stop, then takes them back and redraws
      else if (cmd.kind === 'suspend') suspend(0)
      else if (cmd.kind === 'action') {
        if (cmd.action.type === 'move') movedAt.current = Date.now()
        apply(cmd.action)
      }
      else void runOp(cmd.op)
    }
  }

  /** Enter in a field: the code entered, or the paths sent to the peer chosen (as the keys before Enter left it) */
  const submit = (field: TextFieldName, value: string): void => {
    // each code sent marked as its own: its answer acts on the field it was sent from only (state.ts pairAnswer)
    if (field === 'pairCode') { void runOp({ op: 'pair.enter', code: value, entry: randomUUID() }); return }
    const sendTo = latest.current.sendTo
    if (sendTo != null) void runOp({ op: 'send', peer: sendTo, paths: value })
    // with no peer to send to, say so rather than do nothing (review finding)
    else dispatch({ type: 'notice', text: 'no paired peer to send to; pair one on screen 2' })
  }

  /**
   * Keys typed fast enough to come in one read ("1u", over ssh or while a
   * transfer redraws) reach Ink as one text, which is no key (found using
   * the TUI in tmux: "1u" did nothing): while no field has the keyboard,
   * each is a key of its own; what follows a key that opens a field is
   * typed into it, as its field would have taken it (the field is drawn
   * only after this read). Other text is a paste (keys.ts isPasteBurst).
   */
  const onKey = ({ input, key }: KeyPress): void => {
    if (isTyping(latest.current) || !isTypedText(input, key)) { execute(keyToCommands(latest.current, input, key, !display.unicode, key.pageUp === true || key.pageDown === true ? pageOf(latest.current) : undefined)); return }
    if (isPasteBurst(latest.current, input, key)) { onPaste(input); return }
    const chars = Array.from(input)
    for (let i = 0; i < chars.length; i++) {
      if (isTyping(latest.current)) { typeInto(chars.slice(i).join('')); return }
      execute(keyToCommands(latest.current, chars[i], key, !display.unicode))
    }
  }
  /** A paste where no field has the keyboard, marked by the terminal or not: into the field it is for, if any (keys.ts pasteCommands) */
  const onPaste = (text: string): void => {
    const { commands, into } = pasteCommands(latest.current)
    execute(commands)
    if (into != null) typeInto(text)
  }
  const typeInto = (text: string): void => {
    const field: TextFieldName = latest.current.screen === 'send' ? 'sendPaths' : 'pairCode'
    const before = latest.current[field]
    const { text: typed, enter } = splitEnter(text, {})
    const after = editText({ value: before, cursor: Array.from(before).length }, typed, {})?.value ?? before
    if (after !== before) apply({ type: 'input', field, value: after })
    if (enter) submit(field, after)
  }

  useInput((input, key) => {
    // each on the state the one before it left (Esc leaves a field before its digit picks a screen)
    for (const k of splitEscape(input, key, isTyping(latest.current))) onKey(k)
  })
  // a paste where no field has the keyboard is no keys: taken one by one (onKey), a path pasted on Offers
  // declined or accepted at its "d" or "a"; the terminal marks pastes (bracketed paste) while this listens
  usePaste(onPaste, { isActive: !isTyping(state) })
  // SIGTSTP from outside, as Ctrl-Z (suspend.ts); not in tests that record the stop (props.stop): the handler would be the test runner's
  useEffect(() => props.stop != null ? undefined : onOutsideStop(() => { suspend(process.pid) }), [])

  // what does not fit even then (an error and the keys wrapped at 20 columns) is cut at the bottom
  // smaller than any layout here takes: said in the rows there are, the keys still working (notes' leftover:
  // at 12x4 the lines, 20 cells at the least, wrapped over each other)
  if (columns < MIN_COLUMNS || rows < MIN_ROWS) {
    // the longest of these that fits the rows there are: "q quits" is the part to keep (user-test finding at 15x4:
    // cut off, a row left empty)
    const said = [`too small (${columns}x${rows}): ferry tui needs ${MIN_COLUMNS}x${MIN_ROWS}; q quits`, `too small: needs ${MIN_COLUMNS}x${MIN_ROWS}; q quits`, `needs ${MIN_COLUMNS}x${MIN_ROWS}; q quits`, 'q quits']
      .find((text) => wrapInRows(text, Math.max(1, columns), Infinity, '').length <= Math.max(1, rows - 1)) ?? 'q quits'
    return h(Box, { width: Math.max(1, columns), height: Math.max(1, rows - 1), overflow: 'hidden' }, h(Text, { wrap: 'wrap' }, said))
  }
  return h(Box, { flexDirection: 'column', width: ui.width, height: Math.max(3, rows - 1), overflow: 'hidden' },
    // counts of the daemon's present only: while it is down they are of a past one (review finding)
    h(Box, { flexShrink: 0 },
      h(Tabs, { screen: state.screen, selfName: state.self?.name, offers: connected ? state.offers.length : 0, active: connected ? state.active.length : 0, ui })),
    squeeze ? null : h(Box, { flexShrink: 0 }, line('rule', { dimColor: true }, g(ui, '─').repeat(ui.width))),
    // the screen keeps its own height and the room cuts it at the bottom: squeezed to fit, its lines were
    // drawn over each other (user-test finding at 60x15: "(this device's))", the code box's border over the code)
    h(Box, { flexDirection: 'column', flexGrow: 1, height: ui.rows, overflow: 'hidden' },
      h(Box, { flexDirection: 'column', flexShrink: 0 }, body(state, ui, props.home, hint, apply, submit))),
    h(Box, { flexShrink: 0 }, h(StatusBar, { ...bar, ui }))
  )
}

function body (s: TuiState, ui: Ui, home: string, hint: StartHint, dispatch: (a: Action) => void, submit: (field: TextFieldName, value: string) => void): ReactNode {
  if (s.connection === 'down') return notRunning(hint, ui)
  if (s.connection === 'unresponsive') return notAnswering(home, s.self?.pid, ui)
  if (s.connection === 'connecting' && s.self == null) return h(Text, {}, `connecting to the daemon${g(ui, '…')}`)
  switch (s.screen) {
    case 'peers': return h(PeersScreen, { peers: s.peers, selected: s.sel.peers, mdns: s.self?.mdns, versionSaid: s.lastError?.code === 'E_PEER_VERSION', ui })
    case 'offers': return h(OffersScreen, { offers: s.offers, selected: s.sel.offers, shared: sharedPeerNames(s, !ui.unicode), ui })
    case 'transfers': {
      const shown = detailedTransfer(s)
      if (shown != null) return h(TransferDetails, { t: shown, shared: sharedPeerNames(s, !ui.unicode), ui })
      return h(TransfersScreen, { active: s.active, history: s.history, historyCut: s.historyCut, selected: s.sel.transfers, shared: sharedPeerNames(s, !ui.unicode), ui })
    }
    case 'pair': return h(PairScreen, {
      mode: s.pairMode,
      pairing: s.pairing,
      code: s.pairCode,
      onCodeChange: (value) => dispatch({ type: 'input', field: 'pairCode', value }),
      onSubmit: (value) => { submit('pairCode', value) },
      selfFingerprint: s.self?.fingerprint,
      peers: s.peers,
      ui
    })
    case 'send': return h(SendScreen, {
      peers: sendablePeers(s),
      sendTo: s.sendTo,
      paths: s.sendPaths,
      missing: s.missing,
      onPathsChange: (value) => dispatch({ type: 'input', field: 'sendPaths', value }),
      onSubmit: (value) => { submit('sendPaths', value) },
      ui
    })
  }
}

/** How to start the daemon (start-hint.ts), or as much of it as fits and that it is cut, and that the TUI waits for it. */
function notRunning (hint: StartHint, ui: Ui): ReactNode {
  return h(Box, { flexDirection: 'column' },
    ...hint.lines.map((l, i) => para(`start:${i}`, { bold: true }, l)),
    hint.cut == null ? null : para('cut', { dimColor: true }, hint.cut),
    h(Text, { dimColor: true }, `retrying every second${g(ui, '…')}`)
  )
}

/**
 * A daemon that takes the connection and does not answer, and the command
 * that continues it if it was stopped: with its pid, as its last status
 * gave it (found using the TUI: `kill -CONT` named no process). On a narrow
 * terminal without what the status line says (user-test finding at 30x8:
 * cut before the command).
 */
function notAnswering (home: string, pid: number | undefined, ui: Ui): ReactNode {
  const command = `kill -CONT ${pid ?? 'PID'}`
  return h(Box, { flexDirection: 'column' },
    para('stuck', { bold: true }, isNarrow(ui)
      ? `stopped or stuck; if stopped: ${command}`
      : `the daemon of ${asciiize(ui, sanitizeForDisplay(home))} is running but does not answer: stopped (SIGSTOP, Ctrl-Z: \`${command}\` continues it) or stuck`),
    h(Text, { dimColor: true }, `asking again${g(ui, '…')}`)
  )
}

/**
 * pair.enter; a code that did not pair is the outcome under the field, as
 * the daemon's pairing event says it, not also the error line (user-test
 * finding: a wrong code was said twice). Also one the daemon turned down
 * before it began (not a code, this device's own), which has no event.
 */
async function enterCode (c: ControlClientLike, code: string, entry: string): Promise<PairingState> {
  try {
    // marked: the daemon gives the mark back on this pairing's events, which tells them from another client's (state.ts pairedFromField)
    return await c.call('pair.enter', { code, tag: entry })
  } catch (err) {
    const fe = toFerryError(err)
    // an id of its own: the daemon's event for the same failure, which may come after, takes its place
    return { id: 'typed', role: 'enter', phase: failedPairingPhase(fe.code), error: fe.toJSON(), tag: entry }
  }
}

/** Run one daemon operation; returns the reducer actions for its result (`ascii`: drawn on an ASCII-only terminal, state.ts peerCalled). */
async function perform (c: ControlClientLike, op: Op, s: TuiState, ascii: boolean): Promise<Action[]> {
  switch (op.op) {
    case 'accept': {
      const t = await c.call('accept', { id: op.id })
      // selected there, as a send made on Send is: the notice sends you to screen 4, where the line selected before
      // (a History one) stayed selected, and `c` was not offered for it (user-test finding)
      return [{ type: 'event', name: 'transfer', data: t }, { type: 'event', name: 'offer:removed', data: { id: op.id } },
        { type: 'notice', text: 'accepted — progress on screen 4', unlessOn: 'transfers' }, { type: 'selectTransfer', id: t.id }]
    }
    case 'decline':
      await c.call('decline', { id: op.id })
      return [{ type: 'event', name: 'offer:removed', data: { id: op.id } }, { type: 'notice', text: 'declined' }]
    case 'autoAccept': {
      const r = await c.call('peer.autoAccept', { peer: op.peer, autoAccept: op.autoAccept })
      const p = s.peers.find((x) => x.peerId === r.peerId)
      const name = p == null ? sanitizeForDisplay(r.name) : peerCalled(s, p, ascii)
      // on takes the offers that come next; those held already still wait, said as `ferry auto-accept` says it
      const held = r.autoAccept ? s.offers.filter((o) => o.peerId === r.peerId).length : 0
      const still = held > 0 ? `; ${held === 1 ? '1 offer that came before still waits' : `${held} offers that came before still wait`} on Offers` : ''
      return [{ type: 'notice', text: `offers from ${name} are ${r.autoAccept ? 'accepted automatically' : 'held on Offers for you to accept or decline'}${still}` }]
    }
    case 'unpair': {
      const r = await c.call('unpair', { peer: op.peer })
      const p = s.peers.find((x) => x.peerId === r.peerId)
      // not the peer as it was: the daemon's event that it is no longer listed comes before this answer (user-test finding: back, as unpaired)
      return [{ type: 'unpaired', peerId: r.peerId }, { type: 'notice', text: `unpaired ${p == null ? r.peerId : peerCalled(s, p, ascii)}` }]
    }
    case 'pair.show': {
      // marked: the daemon gives the mark back on this code's states, which tells them from another client's code (state.ts ownPairing)
      const entry = op.entry ?? randomUUID()
      return [{ type: 'pairShown', entry, state: await c.call('pair.show', { tag: entry }) }]
    }
    case 'pair.enter': {
      const code = op.code.trim()
      if (code === '') return [{ type: 'notice', text: 'type the code shown on the other device first' }]
      return [{ type: 'pairAnswer', entry: op.entry, state: await enterCode(c, code, op.entry) }]
    }
    case 'pair.cancel':
      await c.call('pair.cancel', { id: op.id })
      return []
    case 'send': {
      const { paths, missing } = checkPaths(op.paths)
      if (missing.length > 0) return [{ type: 'missing', paths: missing }]
      if (paths.length === 0) return [{ type: 'notice', text: 'type at least one path to send' }]
      const t = await c.call('send', { peer: op.peer, paths })
      return [{ type: 'event', name: 'transfer', data: t }, { type: 'input', field: 'sendPaths', value: '' }, { type: 'screen', screen: 'transfers' }, { type: 'selectTransfer', id: t.id }]
    }
    case 'cancel': {
      // said, as a decline is, with what stays and what went (user-test finding: nothing said it)
      const t = await c.call('cancel', { id: op.id })
      const left = leftWords(t, homedir())
      const what = `${t.direction === 'send' ? 'the send to' : 'the receive from'} ${peerCalled(s, { peerId: t.peerId, name: t.peerName }, ascii)}`
      return [{ type: 'event', name: 'transfer', data: t }, { type: 'notice', text: `cancelled ${what}${left !== '' ? `; ${left}` : ''}` }]
    }
  }
}
