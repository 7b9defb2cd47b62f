// Screen 1: the peers the daemon knows — name, short peer id, online or
// offline, paired, last seen — with the selected row marked. Pure function of
// its props; keys live in keys.ts.

import { createElement as h } from 'react'
import { Box, Text } from 'ink'
import type { PeerInfo } from '../../daemon/control/types.ts'
import { displayWidth, fit, formatAgo, PEER_NAME_CELLS, peerLabel, peerLabelWidth, sharedNames, shortPeerId } from '../format.ts'
import { g, isNarrow, line, moreLine, para, tint, windowStart } from './ui.ts'
import type { Ui } from './ui.ts'

export interface PeersScreenProps {
  peers: PeerInfo[]
  selected: number
  /** the daemon finds peers by mDNS (its status); false: started --no-mdns */
  mdns?: boolean
  ui: Ui
}

const STATE_W = 10
const PAIRED_W = 8
const SEEN_W = 10
/** Cells between the longest name and the column after it. */
const NAME_GAP = 2

export function PeersScreen ({ peers, selected, mdns = true, ui }: PeersScreenProps) {
  if (peers.length === 0) {
    return h(Box, { flexDirection: 'column' },
      line('none', {}, 'No peers yet.'),
      // without mDNS nothing on the network comes by itself (found using the TUI: "(mDNS)" said of a daemon started --no-mdns)
      para('hint', { dimColor: true }, mdns
        ? 'Devices running ferry on this network appear here (mDNS).'
        : 'mDNS is off: a device appears here once one of the two dials the other (ferry connect ADDRESS).')
    )
  }
  const { id, seen, nameW, shared } = columns(peers, ui)
  const ID_W = id ? idWidth(ui) : 0
  // with room for one line (a 30x8 terminal), the selected peer rather than the column names
  const headed = ui.rows >= 2
  const room = ui.rows - (headed ? 1 : 0)
  // a line under them says how many more there are, when not all fit (as Offers and Transfers say it)
  const size = Math.max(1, peers.length > room ? room - 1 : room)
  const start = windowStart(peers.length, selected, size)
  const header = !headed ? null : line('header', { dimColor: true },
    `  ${fit('NAME', nameW)}${fit(id ? 'ID' : '', ID_W)}${fit('STATE', STATE_W)}${seen ? `${fit('PAIRED', PAIRED_W)}LAST SEEN` : 'PAIRED'}`)
  const rows = peers.slice(start, start + size).map((p, i) => {
    const sel = start + i === selected
    return line(p.peerId, { inverse: sel },
      sel ? `${g(ui, '›')} ` : '  ',
      h(Text, { bold: p.paired }, fit(p.name === '' ? '(unnamed)' : peerLabel(p, shared, nameW - 1, !ui.unicode), nameW - 1)), ' ',
      id ? fit(shortPeerId(p.peerId, 'tail', g(ui, '…')), ID_W) : '',
      h(Text, { color: tint(ui, p.online ? 'green' : 'gray') },
        fit(`${g(ui, p.online ? '●' : '○')} ${p.online ? 'online' : 'offline'}`, STATE_W)),
      seen ? fit(pairedText(p, ui), PAIRED_W) : pairedText(p, ui),
      seen ? p.online ? 'now' : formatAgo(p.lastSeen, ui.now) : ''
    )
  })
  return h(Box, { flexDirection: 'column' }, header, ...rows, moreLine('more', start, peers.length - start - size))
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
function columns (peers: PeerInfo[], ui: Ui): { id: boolean, seen: boolean, nameW: number, shared: ReadonlySet<string> } {
  const layouts = [{ id: true, seen: true }, { id: true, seen: false }, { id: false, seen: false }].slice(isNarrow(ui) ? 2 : 0)
  const sharedWithout = sharedNames(peers, !ui.unicode)
  const choices = layouts.map(({ id, seen }) => {
    const shared = id ? new Set<string>() : sharedWithout
    // no wider than the longest name and a gap: at 200 columns the columns after it stood 160 cells away
    // from short names, too far to read across (found using the TUI at 200x50)
    const longest = Math.max(displayWidth('NAME'), ...peers.map((p) => displayWidth(peerLabel(p, shared, Number.MAX_SAFE_INTEGER, !ui.unicode))))
    const nameW = Math.min(longest + NAME_GAP, Math.max(8, ui.width - 2 - (id ? idWidth(ui) : 0) - STATE_W - PAIRED_W - (seen ? SEEN_W : 0)))
    const want = Math.max(...peers.map((p) => peerLabelWidth(p, shared, PEER_NAME_CELLS, !ui.unicode)))
    return { id, seen, nameW, shared, fits: nameW - 1 >= want }
  })
  return choices.find((c) => c.fits) ?? choices[choices.length - 1]
}
