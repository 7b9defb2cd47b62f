// Screen 2: pairing by code. "Show a code" displays the daemon's code large,
// with a live expiry countdown and the outcome; "enter a code" is a text field
// submitted with Enter. Pure function of its props: the text field's value and
// callbacks come from app.ts, the clock from `ui.now`.

import { createElement as h } from 'react'
import type { ReactNode } from 'react'
import { Box, Text } from 'ink'
import { PAIR_ADVICE, type PairingState, type PeerInfo } from '../../daemon/control/types.ts'
import { sanitizeForDisplay } from '../../errors.ts'
import { displayWidth, formatCountdown, shortPeerId } from '../format.ts'
import type { PairMode } from '../state.ts'
import { TextField } from './TextField.ts'
import { asciiize, g, line, para, textRows, tint } from './ui.ts'
import type { Ui } from './ui.ts'
import { EXAMPLE_CODE } from '../../pairing/code.ts'

export interface PairScreenProps {
  mode: PairMode
  pairing?: PairingState
  code: string
  onCodeChange: (value: string) => void
  onSubmit: (value: string) => void
  /** this device's own fingerprint (status): shown next to the peer's, as the other device shows the same two */
  selfFingerprint?: string
  /** the peers the daemon knows: a new peer's name that another paired one has is said (twinsLine) */
  peers?: PeerInfo[]
  ui: Ui
}

export function PairScreen (props: PairScreenProps) {
  const { mode, pairing, ui } = props
  if (mode === 'show') return showView(pairing?.role === 'show' ? pairing : undefined, ui, props.selfFingerprint, props.peers)
  if (mode === 'enter') return enterView(props)
  const intro = 'Pair with another device by code. Paired devices can send each other files.'
  const s = 'show a code here, and type it on the other device'
  const e = 'enter a code shown on the other device'
  const itemRows = textRows(s, ui.width - ITEM_INDENT) + textRows(e, ui.width - ITEM_INDENT)
  const introRows = textRows(intro, ui.width) + 1
  // the intro only where the keys' lines fit under it: at 40x12 the last of them lost its last word (user-test finding)
  const withIntro = introRows + itemRows <= ui.rows
  const items = [menuItem('s', s), menuItem('e', e)]
  const menu = [...(withIntro ? [para('intro', {}, intro), line('gap', {}, ' ')] : []), ...items]
  if (pairing == null) return h(Box, { flexDirection: 'column' }, ...menu)
  // a code shown that still works: said with it, as Esc left its screen and s makes a new one (found using
  // the TUI: the code was nowhere)
  const waiting = pairing.role === 'show' && pairing.code != null && (pairing.phase === 'waiting' || pairing.phase === 'exchanging')
  const last = [
    para('last', {}, 'Last pairing: ', waiting ? `code ${sanitizeForDisplay(pairing.code ?? '')}, ` : '', outcome(pairing, ui),
      waiting && pairing.expiresAt != null ? ` (${formatCountdown(pairing.expiresAt, ui.now)} left)` : ''),
    fingerprintLine(pairing, ui, props.selfFingerprint),
    twinsLine(pairing, props.peers ?? [], ui)
  ]
  // where the menu takes the room (30x8; its keys are on the help line too), the outcome comes first (found
  // using the TUI at 30x8: paired, and nothing on screen said so); so too where the menu fits and a pairing's
  // fingerprints under it do not (user-test finding at 50x15: this device's fingerprint, the one to compare with
  // what the other device shows, was cut off, and the side that typed the code comes back to this menu)
  const menuRows = (withIntro ? introRows : 0) + itemRows
  if (menuRows + 2 > ui.rows || menuRows + 1 + pairedRows(pairing, ui, props.selfFingerprint, props.peers ?? []) > ui.rows) {
    // the keys under it without their intro, which the room left for (50x15: the intro, and no key under it)
    return h(Box, { flexDirection: 'column' }, ...last, ...items)
  }
  return h(Box, { flexDirection: 'column' }, ...menu, line('gap2', {}, ' '), ...last)
}

/** Columns before a menu item's words: "  s  ". */
const ITEM_INDENT = 5

/** "  s  show a code here, …", its words wrapped under themselves, not under the key (user-test finding at 40 columns). */
function menuItem (key: string, words: string): ReactNode {
  return h(Box, { key },
    h(Box, { flexShrink: 0, width: ITEM_INDENT }, h(Text, {}, '  ', h(Text, { bold: true }, key))),
    h(Box, { flexShrink: 1 }, para(`${key}-words`, {}, words))
  )
}

function showView (p: PairingState | undefined, ui: Ui, selfFingerprint?: string, peers: PeerInfo[] = []): ReactNode {
  if (p == null || p.code == null) return line('wait', {}, `Asking the daemon for a code${g(ui, '…')}`)
  const live = p.phase === 'waiting' || p.phase === 'exchanging'
  // a code that no longer works is not offered to be typed, as `ferry pair` says it (PairPrompt; user-test finding:
  // "Type this code on the other device:" stood over a code cancelled with c, burned or used)
  const intro = live ? 'Type this code on the other device:' : 'The code (used up or no longer valid):'
  // where the intro and the boxed code do not fit (30x8), the code first, on one line with the time it has
  // left (found using the TUI at 30x8: only "Type this code on the other" showed)
  if (textRows(intro, ui.width) + 3 > ui.rows) {
    const code = sanitizeForDisplay(p.code)
    // "left" where it fits: cut, "5:00 le…" read as nothing (found using the TUI at 30x8)
    const left = live && p.expiresAt != null ? `  ${formatCountdown(p.expiresAt, ui.now)} left` : ''
    const codeLine = line('code', {}, h(Text, { bold: true, color: tint(ui, live ? 'cyanBright' : 'gray') }, code),
      displayWidth(code + left) <= ui.width ? left : left.replace(/ left$/, ''))
    const after = [para('outcome', {}, outcome(p, ui)), fingerprintLine(p, ui, selfFingerprint), twinsLine(p, peers, ui)]
    // once used up, what came of it first (found using the TUI at 30x8: paired, and nothing on screen said so)
    return h(Box, { flexDirection: 'column' }, ...(live ? [codeLine, ...after] : [...after, codeLine]))
  }
  return h(Box, { flexDirection: 'column' },
    para('intro', {}, intro),
    h(Box, { borderStyle: ui.unicode ? 'double' : 'classic', borderColor: tint(ui, 'cyan'), paddingX: 4, paddingY: ui.rows >= 14 ? 1 : 0, alignSelf: 'flex-start' },
      h(Text, { bold: true, color: tint(ui, live ? 'cyanBright' : 'gray'), wrap: 'truncate-end' }, sanitizeForDisplay(p.code))
    ),
    // said whole: "or in ferry tui 2 Pair, e" read as a riddle, and broke mid-phrase at 60 columns (user-test finding)
    live ? para('how', { dimColor: true }, `there: ferry pair ${sanitizeForDisplay(p.code)}, or in its ferry tui: 2 (Pair), then e (enter a code)`) : null,
    live && p.expiresAt != null
      ? line('exp', {}, 'expires in ', h(Text, { bold: true }, formatCountdown(p.expiresAt, ui.now)))
      : null,
    para('outcome', {}, outcome(p, ui)),
    fingerprintLine(p, ui, selfFingerprint),
    twinsLine(p, peers, ui)
  )
}

function enterView ({ pairing, code, onCodeChange, onSubmit, ui, selfFingerprint, peers }: PairScreenProps): ReactNode {
  const p = pairing?.role === 'enter' ? pairing : undefined
  const intro = 'Enter the code shown on the other device, then press Enter:'
  const field = h(Box, { key: 'field' },
    h(Text, { color: tint(ui, 'cyan') }, `${g(ui, '›')} `),
    h(TextField, { value: code, onChange: onCodeChange, onSubmit, placeholder: `e.g. ${EXAMPLE_CODE}`, width: ui.width - 2, ascii: !ui.unicode })
  )
  // both fingerprints, and a name another device shares, as the other views say them (user-test finding: this device's
  // showed as "?" here, its fingerprint not passed)
  const after = p != null ? [para('outcome', {}, outcome(p, ui)), fingerprintLine(p, ui, selfFingerprint), twinsLine(p, peers ?? [], ui)] : []
  // where the field would be below the room (30x8), it comes first: typed blind before (user-test finding)
  if (textRows(intro, ui.width) + 1 > ui.rows) return h(Box, { flexDirection: 'column' }, field, ...after, para('intro', {}, intro))
  return h(Box, { flexDirection: 'column' }, para('intro', {}, intro), field, ...after)
}

/**
 * The rows "Last pairing" takes after a pairing, with the fingerprints and
 * the other paired devices of the name (0 before one has paired): the same
 * words fingerprintLine and twinsLine draw, as plain text.
 */
function pairedRows (p: PairingState, ui: Ui, selfFingerprint: string | undefined, peers: PeerInfo[]): number {
  if (p.phase !== 'paired' || p.peer == null) return 0
  const rows = textRows(`Last pairing: ${pairedWords(p, ui)}`, ui.width)
  const twins = twinTexts(p, peers, ui).reduce((n, t) => n + textRows(t, ui.width), 0)
  if (p.peer.fingerprint == null) return rows + twins
  const peerLine = `fingerprint ${sanitizeForDisplay(p.peer.fingerprint)} (${asciiize(ui, sanitizeForDisplay(p.peer.name))}'s key)`
  const ownLine = `fingerprint ${sanitizeForDisplay(selfFingerprint ?? '?')} (this device's)`
  return rows + [peerLine, ownLine, COMPARE].reduce((n, t) => n + textRows(t, ui.width - INDENT), 0) + twins
}

const COMPARE = 'the other device shows both, the other way round'

/** Columns the fingerprint lines are indented by, also where they wrap (user-test finding at 40 columns: their rest began at the edge). */
const INDENT = 2

/** A paragraph indented by INDENT, its wrapped lines too. */
function indented (key: string, props: Parameters<typeof para>[1], ...children: ReactNode[]): ReactNode {
  return h(Box, { key }, h(Box, { flexShrink: 0, width: INDENT }), h(Box, { flexShrink: 1 }, para(key, props, ...children)))
}

/**
 * Both keys' fingerprints after pairing, the peer's and this device's: the
 * other device shows the same two, the other way round, and a person
 * compares them. The peer's alone could never match what the other screen
 * shows (user-test finding; the CLI shows both, src/cli/commands/pair.ts).
 */
export function fingerprintLine (p: PairingState, ui: Ui, selfFingerprint?: string): ReactNode {
  if (p.phase !== 'paired' || p.peer?.fingerprint == null) return null
  return h(Box, { flexDirection: 'column' },
    indented('fingerprint', {}, 'fingerprint ', h(Text, { bold: true, color: tint(ui, 'cyan') }, sanitizeForDisplay(p.peer.fingerprint)),
      h(Text, { dimColor: true }, ` (${asciiize(ui, sanitizeForDisplay(p.peer.name))}'s key)`)),
    indented('own-fingerprint', {}, 'fingerprint ', h(Text, { bold: true, color: tint(ui, 'cyan') }, sanitizeForDisplay(selfFingerprint ?? '?')),
      h(Text, { dimColor: true }, ' (this device\'s)')),
    // a line of its own: wrapped after the fingerprint, its continuation began with a space (user-test finding)
    indented('compare', { dimColor: true }, COMPARE)
  )
}

/**
 * After pairing, the other paired devices of the same name: a device set up
 * anew comes back under its old name with a new identity, and the old one
 * stays paired, offline for good. Said where it happens, with what to do,
 * as `ferry pair` says it (review finding: two of one name on Peers, and
 * nothing in the TUI said why).
 */
function twinsLine (p: PairingState, peers: PeerInfo[], ui: Ui): ReactNode {
  const texts = twinTexts(p, peers, ui)
  if (texts.length === 0) return null
  return h(Box, { flexDirection: 'column' }, ...texts.map((t, i) => para(`twin:${i}`, { color: tint(ui, 'yellow') }, t)))
}

/** twinsLine's lines, one per other paired device of the new peer's name. */
function twinTexts (p: PairingState, peers: PeerInfo[], ui: Ui): string[] {
  const peer = p.peer
  if (p.phase !== 'paired' || peer == null) return []
  const name = asciiize(ui, sanitizeForDisplay(peer.name))
  return peers.filter((o) => o.paired && o.name === peer.name && o.peerId !== peer.peerId).map((o) =>
    `  another paired device is also named ${name} (${shortPeerId(o.peerId, 'tail', g(ui, '…'))}, ${o.online ? 'online' : 'offline'}): ` +
    `if it is ${name} before it was set up anew, unpair it on Peers (1, then u)`)
}

/** "✓ paired with alpha (…EDDfDFp8)": outcome's words for a pairing that paired. */
function pairedWords (p: PairingState, ui: Ui): string {
  const name = p.peer == null ? 'peer' : `${asciiize(ui, sanitizeForDisplay(p.peer.name))} (${shortPeerId(p.peer.peerId, 'tail', g(ui, '…'))})`
  return `${g(ui, '✓')} paired ${p.again === true ? 'again ' : ''}with ${name}`
}

/** What the TUI's person does where the daemon's words say `--peer`, which only `ferry pair` takes. */
const CONNECT_HERE = 'run `ferry connect ADDRESS` (its IP address) in a terminal here, then enter this code again'

/**
 * The daemon's words for a code that found no device, with the advice a person at this TUI can follow: the
 * daemon says it as `ferry pair` is used, "or use --peer", "(or `ferry pair CODE --peer ADDRESS` …)", and the
 * TUI has no such option nor a connect of its own (user-test finding: a code for a device never seen ended "…
 * or use --peer"). The error code stays the daemon's; words it does not have are left as they are.
 */
export function inTuiWords (message: string): string {
  // the daemon's words from the control API's contract, so that a rewording there is one here too
  const noneOnline = `, ${PAIR_ADVICE.noneOnline}`
  const shown = message.endsWith(noneOnline) ? `${message.slice(0, -noneOnline.length)}: if it does, ${CONNECT_HERE}` : message
  return shown.replace(PAIR_ADVICE.elsewhere, CONNECT_HERE)
}

/** What happened to a pairing, in one line. */
export function outcome (p: PairingState, ui: Ui): ReactNode {
  switch (p.phase) {
    case 'waiting':
      return h(Text, { color: tint(ui, 'yellow') }, p.role === 'show' ? `waiting for the other device${g(ui, '…')}` : `connecting${g(ui, '…')}`)
    case 'exchanging':
      return h(Text, { color: tint(ui, 'yellow') }, `exchanging keys${g(ui, '…')}`)
    case 'paired':
      return h(Text, { color: tint(ui, 'green'), bold: true }, pairedWords(p, ui))
    case 'failed':
      return h(Text, { color: tint(ui, 'red') },
        `${g(ui, '✗')} failed: ${p.error?.code ?? 'E_PAIRING_FAILED'}${p.error != null ? ` ${asciiize(ui, sanitizeForDisplay(inTuiWords(p.error.message)))}` : ''}`)
    case 'expired':
      // on the side that typed it, the number may as well be mistyped, and a new code comes from the other device (review finding: "press s" here typed an s);
      // why, where it is known: a code cancelled, replaced by a newer one or used on the other device was "check it" (helper finding);
      // with its error code, as a code that failed is said (user-test finding: "✗ no peer is showing code number 999: …" alone)
      return h(Text, { color: tint(ui, 'red') }, p.role === 'show'
        ? `${g(ui, '✗')} expired ${g(ui, '—')} press s for a new code`
        : `${g(ui, '✗')} failed: ${p.error?.code ?? 'E_PAIRING_EXPIRED'} ${p.error != null ? asciiize(ui, sanitizeForDisplay(inTuiWords(p.error.message))) : 'no device is showing that code: check it, or show a new one on the other device'}`)
    case 'cancelled':
      // why, when it was not this screen's own cancel: a newer code, the daemon stopping
      return h(Text, { dimColor: true }, p.error != null ? `cancelled: ${asciiize(ui, sanitizeForDisplay(p.error.message))}` : 'cancelled')
  }
}
