// Key bindings: a pure map from (state, key) to commands — local actions for
// the reducer, daemon operations for app.ts to run, or quit. Also the help
// line text, so the keys shown are the keys handled. No I/O here.

import type { Key } from 'ink'
import { detailedTransfer, isFinished, peerCalled, reduce, SCREENS, selectedOffer, selectedPeer, selectedTransfer } from './state.ts'
import type { Action, TuiState } from './state.ts'
import { NARROW_WIDTH } from './components/ui.ts'
import { otherVersionText } from '../protocol/versions.ts'
import { counted, formatBytes } from './format.ts'
import type { PeerInfo } from '../daemon/control/types.ts'

export type Op =
  | { op: 'accept', id: string }
  | { op: 'decline', id: string }
  | { op: 'unpair', peer: string }
  /** offers from `peer` accepted by themselves (on) or held on Offers for a decision (off) */
  | { op: 'autoAccept', peer: string, autoAccept: boolean }
  /** `entry`: this request's own mark (app.ts gives it), so that the code shown is told from another client's */
  | { op: 'pair.show', entry?: string }
  /** `entry`: this submission's own mark (app.ts), so that its answer acts on its own field only */
  | { op: 'pair.enter', code: string, entry: string }
  | { op: 'pair.cancel', id: string }
  | { op: 'send', peer: string, paths: string }
  | { op: 'cancel', id: string }

export type Command = { kind: 'action', action: Action } | { kind: 'op', op: Op } | { kind: 'quit' }
  // Ctrl-Z: stop like any terminal program (suspend.ts), in every screen and field
  | { kind: 'suspend' }

const act = (action: Action): Command => ({ kind: 'action', action })
const run = (op: Op): Command => ({ kind: 'op', op })
const notice = (text: string): Command[] => [act({ type: 'notice', text })]

/** No daemon to act on: none running, or one that does not answer. */
const noDaemon = (s: TuiState): boolean => s.connection === 'down' || s.connection === 'unresponsive'

/** True while a text field has the keyboard: letters and digits go to it, not to shortcuts. */
export function isTyping (s: TuiState): boolean {
  if (noDaemon(s)) return false
  return s.screen === 'send' || (s.screen === 'pair' && s.pairMode === 'enter')
}

/** One key as Ink hands it to useInput. */
export interface KeyPress { input: string, key: Partial<Key> }

/**
 * The keys in one input: Esc and the key after it, come in one read (pressed
 * fast, or over a slow link), reach Ink as one sequence ("\x1b2", "\x1bp",
 * "\x1b\x1b[A"), which it takes for Alt with that key. No key here uses
 * Alt, and terminals send Alt+x as Esc and x: so it is Esc, then the key,
 * whatever the key (user-test findings: Esc+2 did nothing; Esc+↑ in the Send
 * field moved the peer and stayed in the field, Esc+Enter sent). The text
 * fields take no Alt key either (TextField.ts), so the Esc leaves the field.
 */
export function splitEscape (input: string, key: Partial<Key>, typing = false): KeyPress[] {
  if (typing && isAltBackspace(key)) return [{ input, key }]
  if (isModifiedKey(key)) return [{ input, key: { ...key, meta: false } }]
  if (key.meta !== true) return [{ input, key }]
  return [{ input: '', key: { escape: true } }, { input, key: { ...key, meta: false } }]
}

/**
 * A key sent as one sequence with its modifier in it: a terminal sends
 * Alt+↑ as "\x1b[1;3A" (Ctrl "1;5", Shift "1;2"), Alt+Delete as
 * "\x1b[3;3~", which Ink takes for the key with meta, and splitEscape took
 * for Esc then the key (found: Alt+↑ on Send left the field, on a code
 * shown went back to the menu; Alt+Delete left the field). No key here
 * uses a modifier with them, so they are the plain key: a modifier
 * slipping onto an arrow does what the arrow does. Told from Esc pressed
 * fast before a key ("\x1b\x1b[A", still Esc then ↑) by how Ink read it: a
 * sequence with a modifier parameter is read as a kitty-style key, which
 * carries an eventType; the legacy reading of an Esc before a key has none
 * (node_modules/ink/build/parse-keypress.js; the App tests write both).
 */
/**
 * Alt+Backspace: Esc and Backspace in one read ("\x1b\x7f"), as terminals
 * send it, or one sequence with Alt in it (kitty's). In a field it erases
 * the word before the cursor (TextField), as in readline and every shell,
 * where fingers expect it; taken for Esc and Backspace it left the field
 * (the Send screen for Peers, a code being typed for the pair menu). Esc
 * pressed fast before Backspace reads the same, and erases a word too, as
 * in a shell. Where no field has the keyboard it is Esc and Backspace.
 */
export function isAltBackspace (key: Partial<Key>): boolean {
  return key.meta === true && key.backspace === true
}

export function isModifiedKey (key: Partial<Key>): boolean {
  return key.meta === true && key.eventType !== undefined
}

/** Text with no key in it (no Ctrl, Alt, arrow, Enter or Esc): typed or pasted; more than one character of it came in one read. */
export function isTypedText (input: string, key: Partial<Key>): boolean {
  const special = key.ctrl === true || key.meta === true || key.escape === true || key.return === true || key.tab === true ||
    key.upArrow === true || key.downArrow === true || key.leftArrow === true || key.rightArrow === true ||
    key.backspace === true || key.delete === true || key.pageUp === true || key.pageDown === true || key.home === true || key.end === true
  // eslint-disable-next-line no-control-regex
  return !special && Array.from(input).length > 1 && !/[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]/.test(input)
}

/**
 * Every key that does something where no field has the keyboard
 * (commandsFor): quit, the screens, and each screen's letters.
 */
export const COMMAND_KEYS = 'q12345pusecad?'

/** What `?` says: the keys of every screen (the help line shows those that act on the screen shown, now). */
export const ALL_KEYS = 'keys: 1-5 or Tab screens · ↑↓ select · Peers: p pair, u unpair, s send to, a auto-accept or ask first · Pair: s show a code, e enter one, c cancel · Offers: a accept, d decline · Transfers: Enter details, c cancel · u, d and c ask first: the same key again does it · Esc back · q quit'

/** The most keys a person types ahead into one read; more in one read are a paste (isPasteBurst). */
export const TYPED_AHEAD_MAX = 4

/**
 * Whether text that came in one read, where no field has the keyboard, is a
 * paste and not keys typed fast. A terminal without bracketed paste (the
 * Linux console) hands a paste over as plain text in one read, and keys
 * typed while the TUI is busy (a redraw, an ssh link's delay) also pile up
 * into one read ("1u", found using the TUI in tmux). Taken as keys, a paste
 * ran each of its characters as a command, a path's "a" or "d" accepting or
 * declining an offer (helper finding); taken as a paste, keys typed ahead do
 * nothing and the notice line says so, which costs a press again. So: keys
 * only where there are at most TYPED_AHEAD_MAX characters and each is a
 * command key (COMMAND_KEYS) up to one that opens a field, after which the
 * rest is typed into it ("e7" on Pair: the code field with 7 in it). Tried
 * on the state as the keys would leave it, nothing run. Anything with
 * another character in it before a field opens (a path's "/" or ".", a
 * code's "-", a capital, a space, a line break) is a paste from two
 * characters on. Typing and a paste cannot be told apart from the text
 * alone only where it is a few command keys ("dad"): those still act.
 */
export function isPasteBurst (s: TuiState, input: string, key: Partial<Key>): boolean {
  if (!isTypedText(input, key)) return false
  const chars = Array.from(input)
  if (chars.length > TYPED_AHEAD_MAX) return true
  let state = s
  for (const c of chars) {
    if (isTyping(state)) return false
    if (!COMMAND_KEYS.includes(c)) return true
    state = keyToCommands(state, c, {}).reduce((st, cmd) => cmd.kind === 'action' ? reduce(st, cmd.action) : st, state)
  }
  return false
}

/**
 * What a paste does where no field has the keyboard: on Pair it is the code
 * from the other device, which opens the field to enter it (its text is
 * typed in after these commands); elsewhere it is said to be left unused.
 */
export function pasteCommands (s: TuiState): { commands: Command[], into?: 'pairCode' } {
  // no screen takes text without a daemon: "files to send go on 5 (Send)" was said on Send itself (found using the TUI)
  // said until the daemon is back (helper finding: it stayed beside "daemon connected")
  if (noDaemon(s)) return { commands: [act({ type: 'notice', text: `pasted text not used: the daemon is ${s.connection === 'down' ? 'not running' : 'not answering'}; paste it again once it is back`, untilBack: true })] }
  if (s.screen === 'pair') {
    return { commands: [act({ type: 'input', field: 'pairCode', value: '' }), act({ type: 'pairMode', mode: 'enter' })], into: 'pairCode' }
  }
  return { commands: notice('pasted text not used here: files to send go on 5 (Send), a code on 2 (Pair)') }
}

/**
 * `ascii`: the notices it makes are drawn on an ASCII-only terminal (state.ts peerCalled). `page`: the lines the
 * screen has for its list, which PgUp and PgDn move the selection by (an offer takes two of them; on Transfers
 * it counts lines of History, and a transfer under way, taking more, is passed as one).
 */
export function keyToCommands (s: TuiState, input: string, key: Partial<Key>, ascii = false, page = 10): Command[] {
  const commands = commandsFor(s, input, key, ascii, page)
  // an asked step is done by its key pressed again, and forgotten at any other key
  if (s.armed === undefined || commands.some((c) => c.kind === 'action' && (c.action.type === 'arm' || c.action.type === 'disarm'))) return commands
  return [act({ type: 'disarm' }), ...commands]
}

/**
 * A step that cannot be undone, asked once: the first press says what the
 * same key again will do, the second does it.
 */
function confirmed (s: TuiState, armKey: string, text: string, op: Op): Command[] {
  if (s.armed === armKey) return [act({ type: 'disarm' }), run(op)]
  return [act({ type: 'arm', key: armKey, text })]
}

const isListJump = (key: Partial<Key>): boolean => key.home === true || key.end === true || key.pageUp === true || key.pageDown === true

/** A move past either end of any list: the selection stops at its end (state.ts clampSelection). */
const LIST_END = Number.MAX_SAFE_INTEGER

function commandsFor (s: TuiState, input: string, key: Partial<Key>, ascii: boolean, page: number): Command[] {
  if (key.ctrl === true && input === 'c') return [{ kind: 'quit' }]
  if (key.ctrl === true && input === 'z') return [{ kind: 'suspend' }]
  if (key.tab === true) return [act({ type: 'screen:step', delta: key.shift === true ? -1 : 1 })]
  // a transfer shown whole stays the one shown: Esc goes back to the list, where ↑↓ choose
  const details = s.screen === 'transfers' && detailedTransfer(s) !== undefined && !noDaemon(s)
  if (details && (key.upArrow === true || key.downArrow === true || isListJump(key))) return []
  if (details && key.escape === true) return [act({ type: 'details' })]
  if (key.upArrow === true) return [act({ type: 'move', delta: -1 })]
  if (key.downArrow === true) return [act({ type: 'move', delta: 1 })]
  if (isTyping(s)) {
    if (key.escape !== true) return []
    return s.screen === 'pair' ? [act({ type: 'pairMode', mode: 'menu' })] : [act({ type: 'screen', screen: 'peers' })]
  }
  // to the ends of the list, and a page at a time (user-test finding: they did nothing, and a transfer under way
  // took some 40 ↑ from a line deep in History); in a field Home and End are the field's (TextField)
  if (isListJump(key)) {
    const delta = key.home === true ? -LIST_END : key.end === true ? LIST_END : (key.pageUp === true ? -1 : 1) * Math.max(1, Math.floor(page / (s.screen === 'offers' ? 2 : 1)))
    return [act({ type: 'move', delta })]
  }
  if (key.escape === true) {
    return s.screen === 'pair' && s.pairMode === 'show' ? [act({ type: 'pairMode', mode: 'menu' })] : [act({ type: 'clear' })]
  }
  if (input === 'q') return [{ kind: 'quit' }]
  // every screen's keys at once: the line below lists only those that act here and now (helper finding: ? did nothing)
  if (input === '?') return notice(ALL_KEYS)
  const n = Number.parseInt(input, 10)
  if (input.length === 1 && n >= 1 && n <= SCREENS.length) return [act({ type: 'screen', screen: SCREENS[n - 1] })]
  if (noDaemon(s)) return []
  switch (s.screen) {
    case 'peers': return peersKeys(s, input, ascii)
    case 'pair': return pairKeys(s, input)
    case 'offers': return offersKeys(s, input, ascii)
    case 'transfers': return transfersKeys(s, input, key, ascii)
    case 'send': return []
  }
}

function peersKeys (s: TuiState, input: string, ascii: boolean): Command[] {
  const p = selectedPeer(s)
  // Pair all the same (a code may be for another device), saying why this one will not pair
  if (input === 'p') return p?.otherVersion != null && !p.paired ? [otherVersionRefusal(s, p, ascii), act({ type: 'screen', screen: 'pair' })] : [act({ type: 'screen', screen: 'pair' })]
  if (p == null || (input !== 'u' && input !== 's' && input !== 'a')) return []
  // a device of another version: the daemon refuses a send to it and a pairing with it so; said at once, not
  // "press p to pair by code", nor the Send screen to learn it once paths are typed. Unpairing it is done (the
  // daemon forgets it; the device, not speaking this version, is told when it can be)
  if (p.otherVersion != null && (input === 's' || !p.paired)) return [otherVersionRefusal(s, p, ascii)]
  // a: its offers accepted by themselves or held on Offers, switched here as `ferry auto-accept` does (user-test
  // finding: the TUI showed "asks" and said to run `ferry auto-accept` in a shell)
  if (input === 'a' && p.paired) return [run({ op: 'autoAccept', peer: p.peerId, autoAccept: p.autoAccept === false })]
  // which of two of one name (review finding: "unpair alice" with two alice listed)
  const name = peerCalled(s, p, ascii)
  if (!p.paired) return notice(`${name} is not paired — press p to pair by code`)
  // what it stops with it, said before (user-test finding: a send at 34 % failed E_NOT_PAIRED, asked nothing of it)
  if (input === 'u') return confirmed(s, `unpair:${p.peerId}`, `press u again to unpair ${name}${stopsWith(s, p.peerId)}; any other key keeps it`, { op: 'unpair', peer: p.peerId })
  return [act({ type: 'sendTo', peerId: p.peerId }), act({ type: 'screen', screen: 'send' })]
}

/** ", which stops its 2 transfers under way and 1 offer waiting here" for a peer being unpaired; '' where none. */
function stopsWith (s: TuiState, peerId: string): string {
  const offers = s.offers.filter((o) => o.peerId === peerId).length
  // an offer waiting here is listed under the transfers too (state offered): counted once, as an offer
  const running = s.active.filter((t) => t.peerId === peerId && !s.offers.some((o) => o.id === t.id)).length
  const what = [...(running > 0 ? [`its ${counted(running, 'transfer')} under way`] : []), ...(offers > 0 ? [`${counted(offers, 'offer')} waiting here`] : [])]
  return what.length === 0 ? '' : `, which stops ${what.join(' and ')}`
}

/**
 * E_PEER_VERSION for `p`, in the daemon's words for a send to it
 * (protocol/versions.ts): named as the TUI names it, or "the device …" where
 * it said no name.
 */
function otherVersionRefusal (s: TuiState, p: PeerInfo, ascii: boolean): Command {
  const who = p.name === '' ? `the device …${p.peerId.slice(-8)}` : peerCalled(s, p, ascii)
  return act({ type: 'error', error: { code: 'E_PEER_VERSION', message: otherVersionText(who, p.otherVersion!) } })
}

function pairKeys (s: TuiState, input: string): Command[] {
  if (input === 's') return [act({ type: 'pairMode', mode: 'show' }), run({ op: 'pair.show' })]
  if (input === 'e') return [act({ type: 'input', field: 'pairCode', value: '' }), act({ type: 'pairMode', mode: 'enter' })]
  const p = s.pairing
  if (input === 'c' && p != null && (p.phase === 'waiting' || p.phase === 'exchanging')) return [run({ op: 'pair.cancel', id: p.id })]
  return []
}

function offersKeys (s: TuiState, input: string, ascii: boolean): Command[] {
  const o = selectedOffer(s)
  if (o == null) return []
  if (input === 'a') return [run({ op: 'accept', id: o.id })]
  // asked first, as cancel and unpair are: the sender is told and the offer is gone for good (user-test finding:
  // one stray d declined, and "dd" typed fast declined without a word); the offer named by its peer and size
  if (input === 'd') {
    const what = `the offer from ${peerCalled(s, { peerId: o.peerId, name: o.peerName }, ascii)} (${counted(o.files, 'file')}, ${formatBytes(o.totalBytes)})`
    return confirmed(s, `decline:${o.id}`, `press d again to decline ${what}; any other key keeps it`, { op: 'decline', id: o.id })
  }
  return []
}

function transfersKeys (s: TuiState, input: string, key: Partial<Key>, ascii: boolean): Command[] {
  const shown = detailedTransfer(s)
  const t = shown ?? selectedTransfer(s)
  if (t == null) return []
  if (key.return === true && shown == null) return [act({ type: 'details', id: t.id })]
  // one that has ended has nothing to cancel
  if (input !== 'c' || isFinished(t)) return []
  const what = `${t.direction === 'send' ? 'the send to' : 'the receive from'} ${peerCalled(s, { peerId: t.peerId, name: t.peerName }, ascii)}`
  return confirmed(s, `cancel:${t.id}`, `press c again to cancel ${what}; any other key keeps it`, { op: 'cancel', id: t.id })
}

/** The keys that work right now, for the help line at the bottom; `width`: the terminal's columns. */
export function helpText (s: TuiState, width = Number.MAX_SAFE_INTEGER): string {
  const nav = 'Tab/1-5 screens'
  // no "waiting for the daemon…": the screen says so ("retrying every second…"), and at 30 columns its line went from the command to type
  if (noDaemon(s)) return `${nav} · q quit`
  // not "type paths", "type the code": the field says so; at 30x8 the line they took was the one under the
  // field, where a code that did not pair is said (found using the TUI at 30x8)
  if (isTyping(s)) {
    return s.screen === 'send'
      ? '↑↓ peer · Enter send · Esc back · Tab screens · Ctrl-C quit'
      : 'Enter pair · Esc back · Tab screens · Ctrl-C quit'
  }
  // only the keys that do something now (review finding: "c cancel" with nothing to cancel)
  const live = s.pairing?.phase === 'waiting' || s.pairing?.phase === 'exchanging'
  // u and s act on a paired peer only (user-test finding: offered with an unpaired one selected)
  const peer = selectedPeer(s)
  const per: Record<string, string> = {
    // nor s with one of another version, which it cannot send to
    // while a step is asked (u, c), what the next key does, as for a decline (helper finding: the help line unchanged)
    peers: s.armed?.startsWith('unpair:') === true ? 'u again: unpair · any other key keeps it' : peer == null ? 'p pair' : peer.paired ? `↑↓ select · p pair · u unpair${peer.otherVersion != null ? '' : ' · s send'} · a ${peer.autoAccept === false ? 'auto-accept' : 'ask first'}` : '↑↓ select · p pair',
    pair: s.pairMode === 'show' ? `s new code${live ? ' · c cancel' : ''} · e enter a code · Esc back` : `s show a code · e enter a code${live ? ' · c cancel' : ''}`,
    // while a decline is asked, what the next key does (the question itself is on the notice line)
    offers: s.offers.length === 0 ? '' : s.armed?.startsWith('decline:') === true ? 'd again: decline · any other key keeps it' : '↑↓ select · a accept · d decline',
    transfers: transfersHelp(s, width)
  }
  return [per[s.screen] ?? '', nav, 'q quit'].filter((k) => k !== '').join(' · ')
}

/**
 * Transfers' keys: on the list, to choose one and see it whole; shown whole,
 * back; c where the one chosen is under way. On a narrow terminal without
 * "↑↓ select" (the › shows it): at 30x8 the help line took three rows, and a
 * transfer's bar its place.
 */
function transfersHelp (s: TuiState, width: number): string {
  if (s.armed?.startsWith('cancel:') === true) return 'c again: cancel · any other key keeps it'
  const shown = detailedTransfer(s)
  const t = shown ?? selectedTransfer(s)
  const cancel = t != null && !isFinished(t) ? ' · c cancel' : ''
  if (shown != null) return `Esc back${cancel}`
  return t == null ? '' : `${width < NARROW_WIDTH ? '' : '↑↓ select · '}Enter details${cancel}`
}
