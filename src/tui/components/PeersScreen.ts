// Screen 1: the peers the daemon knows — name, short peer id, online or
// offline (or of another version of ferry), paired, last seen — with the
// selected row marked, and under them, where the selected one runs another
// version, what `ferry peers` says of it. Pure function of its props; keys
// live in keys.ts.

import { createElement as h } from 'react'
import { Box, Text } from 'ink'
import type { PeerInfo } from '../../daemon/control/types.ts'
import { peerOtherVersionText } from '../../protocol/versions.ts'
import { displayWidth, fit, formatAgo, PEER_NAME_CELLS, peerLabel, peerLabelWidth, sharedNames, shortPeerId } from '../format.ts'
import { asciiize, g, isNarrow, line, listWindow, para, textRows, tint } from './ui.ts'
import type { Ui } from './ui.ts'

export interface PeersScreenProps {
  peers: PeerInfo[]
  selected: number
  /** the daemon finds peers by mDNS (its status); false: started --no-mdns */
  mdns?: boolean
  /** the error line says E_PEER_VERSION (s, u or p on such a peer): the same words, not said twice */
  versionSaid?: boolean
  ui: Ui
}

const STATE_W = 10
/**
 * STATE where a peer of another version is listed: "⚠ other version" whole,
 * as `ferry peers` says it, where the names keep their room; else "⚠ other
 * ver" (at 50 and 30 columns).
 */
const VERSION_STATE_W = 16
const SHORT_VERSION_STATE_W = 12
const PAIRED_W = 8
const SEEN_W = 10
/** Cells between the longest name and the column after it. */
const NAME_GAP = 2

export function PeersScreen ({ peers, selected, mdns = true, versionSaid = false, ui }: PeersScreenProps) {
  if (peers.length === 0) {
    return h(Box, { flexDirection: 'column' },
      line('none', {}, 'No peers yet.'),
      // without mDNS nothing on the network comes by itself (found using the TUI: "(mDNS)" said of a daemon started --no-mdns)
      para('hint', { dimColor: true }, mdns
        ? 'Devices running ferry on this network appear here (mDNS).'
        : 'mDNS is off: a device appears here once one of the two dials the other (ferry connect ADDRESS).')
    )
  }
  const { id, seen, stateW, nameW, shared } = columns(peers, ui)
  const ID_W = id ? idWidth(ui) : 0
  // with room for one line (a 30x8 terminal), the selected peer rather than the column names
  const headed = ui.rows >= 2
  // the selected peer runs another version: what `ferry peers` says under its table, which device to update
  // (it read "offline", or "(unnamed)", and nothing said why); its rows come from the list's, which keeps the
  // selected peer's row at the least (at 30x8 that is all there is room for: the error line of s says it)
  const chosen = peers[Math.max(0, Math.min(selected, peers.length - 1))]
  const note = chosen?.otherVersion == null || versionSaid ? undefined : asciiize(ui, peerOtherVersionText(chosen, chosen.otherVersion))
  const noteRows = note == null ? 0 : textRows(note, ui.width)
  const room = Math.max(1, ui.rows - (headed ? 1 : 0) - noteRows)
  // lines over and under them say how many more there are, when not all fit (as Offers and Transfers say it)
  const { start, size, before, after } = listWindow('more', peers.length, selected, room)
  const header = !headed ? null : line('header', { dimColor: true },
    `  ${fit('NAME', nameW)}${fit(id ? 'ID' : '', ID_W)}${fit('STATE', stateW)}${seen ? `${fit('PAIRED', PAIRED_W)}LAST SEEN` : 'PAIRED'}`)
  const rows = peers.slice(start, start + size).map((p, i) => {
    const sel = start + i === selected
    return line(p.peerId, { inverse: sel },
      sel ? `${g(ui, '›')} ` : '  ',
      h(Text, { bold: p.paired }, fit(p.name === '' ? '(unnamed)' : peerLabel(p, shared, nameW - 1, !ui.unicode), nameW - 1)), ' ',
      id ? fit(shortPeerId(p.peerId, 'tail', g(ui, '…')), ID_W) : '',
      stateCell(p, stateW, ui),
      seen ? fit(pairedText(p, ui), PAIRED_W) : pairedText(p, ui),
      // connected, as `ferry peers` says it: "now"
      seen ? p.online || p.otherVersion != null ? 'now' : formatAgo(p.lastSeen, ui.now) : ''
    )
  })
  return h(Box, { flexDirection: 'column' }, header, before, ...rows, after,
    note == null ? null : para('version', { color: tint(ui, 'yellow') }, note))
}

/** online, offline, or of another version of ferry (connected, but not as a peer of this version), in `width` cells */
function stateCell (p: PeerInfo, width: number, ui: Ui) {
  if (p.otherVersion != null) {
    return h(Text, { color: tint(ui, 'yellow') }, fit(`${g(ui, '⚠')} ${width >= VERSION_STATE_W ? 'other version' : 'other ver'}`, width))
  }
  return h(Text, { color: tint(ui, p.online ? 'green' : 'gray') }, fit(`${g(ui, p.online ? '●' : '○')} ${p.online ? 'online' : 'offline'}`, width))
}

// "asks": paired, its offers wait on Offers for a decision (`ferry auto-accept PEER off`), as `ferry peers` says
// "yes, asks" (user-test finding: the TUI showed "yes", and nothing said why offers waited)
const pairedText = (p: PeerInfo, ui: Ui): string => p.paired ? `${g(ui, '✓')} ${p.autoAccept === false ? 'asks' : 'yes'}` : '  no'

/** "…7zPUrfSX" and a space; "...7zPUrfSX" on an ASCII terminal. */
const idWidth = (ui: Ui): number => ui.unicode ? 10 : 12

/**
 * The columns beside the names: the most that leave the longest name whole
 * (up to PEER_NAME_CELLS): LAST SEEN goes first, then the ID (user-test
 * finding: at 60 columns the name was cut while both stayed). On a narrow
 * terminal both go, so that the name, its state and whether it is paired
 * still read (user-test finding: cut at 40 columns). Without the ID column,
 * a name that two peers share carries the end of each one's ID.
 */
function columns (peers: PeerInfo[], ui: Ui): { id: boolean, seen: boolean, stateW: number, nameW: number, shared: ReadonlySet<string> } {
  // a peer of another version: its state whole where the names keep their room, before the columns go
  const stateWs = peers.some((p) => p.otherVersion != null) ? [VERSION_STATE_W, SHORT_VERSION_STATE_W] : [STATE_W]
  const layouts = [{ id: true, seen: true }, { id: true, seen: false }, { id: false, seen: false }].slice(isNarrow(ui) ? 2 : 0)
    .flatMap((l) => stateWs.map((stateW) => ({ ...l, stateW })))
  const sharedWithout = sharedNames(peers, !ui.unicode)
  const choices = layouts.map(({ id, seen, stateW }) => {
    const shared = id ? new Set<string>() : sharedWithout
    // no wider than the longest name and a gap: at 200 columns the columns after it stood 160 cells away
    // from short names, too far to read across (found using the TUI at 200x50)
    const longest = Math.max(displayWidth('NAME'), ...peers.map((p) => displayWidth(peerLabel(p, shared, Number.MAX_SAFE_INTEGER, !ui.unicode))))
    const nameW = Math.min(longest + NAME_GAP, Math.max(8, ui.width - 2 - (id ? idWidth(ui) : 0) - stateW - PAIRED_W - (seen ? SEEN_W : 0)))
    const want = Math.max(...peers.map((p) => peerLabelWidth(p, shared, PEER_NAME_CELLS, !ui.unicode)))
    return { id, seen, stateW, nameW, shared, fits: nameW - 1 >= want }
  })
  return choices.find((c) => c.fits) ?? choices[choices.length - 1]
}
