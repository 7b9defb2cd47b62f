// Screen 1: the peers the daemon knows — name, short peer id, online or
// offline, paired, last seen — with the selected row marked. Pure function of
// its props; keys live in keys.ts.

import { createElement as h } from 'react'
import { Box, Text } from 'ink'
import type { PeerInfo } from '../../daemon/control/types.ts'
import { fit, formatAgo, peerLabel, sharedNames, shortPeerId } from '../format.ts'
import { g, isNarrow, line, para, tint, windowStart } from './ui.ts'
import type { Ui } from './ui.ts'

export interface PeersScreenProps {
  peers: PeerInfo[]
  selected: number
  ui: Ui
}

const STATE_W = 10
const PAIRED_W = 8
const SEEN_W = 10

export function PeersScreen ({ peers, selected, ui }: PeersScreenProps) {
  if (peers.length === 0) {
    return h(Box, { flexDirection: 'column' },
      line('none', {}, 'No peers yet.'),
      para('hint', { dimColor: true }, 'Devices running ferry on this network appear here (mDNS).')
    )
  }
  // "…7zPUrfSX" and a space; "...7zPUrfSX" on an ASCII terminal. On a narrow
  // terminal the ID and LAST SEEN columns go, so that the name, its state and
  // whether it is paired still read (user-test finding: cut at 40 columns)
  const narrow = isNarrow(ui)
  const ID_W = narrow ? 0 : ui.unicode ? 10 : 12
  const SEEN = narrow ? '' : 'LAST SEEN'
  const nameW = Math.max(8, ui.width - 2 - ID_W - STATE_W - PAIRED_W - (narrow ? 0 : SEEN_W))
  const size = Math.max(1, ui.rows - 1)
  const start = windowStart(peers.length, selected, size)
  // with no ID column, a name that two peers share carries the end of each one's ID
  const shared = narrow ? sharedNames(peers) : new Set<string>()
  const header = line('header', { dimColor: true },
    `  ${fit('NAME', nameW)}${fit(narrow ? '' : 'ID', ID_W)}${fit('STATE', STATE_W)}${narrow ? 'PAIRED' : fit('PAIRED', PAIRED_W)}${SEEN}`)
  const rows = peers.slice(start, start + size).map((p, i) => {
    const sel = start + i === selected
    return line(p.peerId, { inverse: sel },
      sel ? `${g(ui, '›')} ` : '  ',
      h(Text, { bold: p.paired }, fit(p.name === '' ? '(unnamed)' : peerLabel(p, shared, nameW - 1, g(ui, '…')), nameW - 1)), ' ',
      narrow ? '' : fit(shortPeerId(p.peerId, 'tail', g(ui, '…')), ID_W),
      h(Text, { color: tint(ui, p.online ? 'green' : 'gray') },
        fit(`${g(ui, p.online ? '●' : '○')} ${p.online ? 'online' : 'offline'}`, STATE_W)),
      narrow ? pairedText(p, ui) : fit(pairedText(p, ui), PAIRED_W),
      narrow ? '' : p.online ? 'now' : formatAgo(p.lastSeen, ui.now)
    )
  })
  return h(Box, { flexDirection: 'column' }, header, ...rows)
}

// "asks": paired, its offers wait on Offers for a decision (`ferry auto-accept PEER off`), as `ferry peers` says
// "yes, asks" (user-test finding: the TUI showed "yes", and nothing said why offers waited)
const pairedText = (p: PeerInfo, ui: Ui): string => p.paired ? `${g(ui, '✓')} ${p.autoAccept === false ? 'asks' : 'yes'}` : '  no'
