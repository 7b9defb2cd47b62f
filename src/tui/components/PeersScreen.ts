// Screen 1: the peers the daemon knows — name, short peer id, online or
// offline, paired, last seen — with the selected row marked. Pure function of
// its props; keys live in keys.ts.

import { createElement as h } from 'react'
import { Box, Text } from 'ink'
import type { PeerInfo } from '../../daemon/control/types.ts'
import { sanitizeForDisplay } from '../../errors.ts'
import { fit, formatAgo, shortPeerId } from '../format.ts'
import { g, line, tint, windowStart } from './ui.ts'
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
      line('hint', { dimColor: true }, 'Devices running ferry on this network appear here (mDNS).')
    )
  }
  // "…7zPUrfSX" and a space; "...7zPUrfSX" on an ASCII terminal
  const ID_W = ui.unicode ? 10 : 12
  const nameW = Math.max(8, ui.width - 2 - ID_W - STATE_W - PAIRED_W - SEEN_W)
  const size = Math.max(1, ui.rows - 1)
  const start = windowStart(peers.length, selected, size)
  const header = line('header', { dimColor: true },
    `  ${fit('NAME', nameW)}${fit('ID', ID_W)}${fit('STATE', STATE_W)}${fit('PAIRED', PAIRED_W)}LAST SEEN`)
  const rows = peers.slice(start, start + size).map((p, i) => {
    const sel = start + i === selected
    return line(p.peerId, { inverse: sel },
      sel ? `${g(ui, '›')} ` : '  ',
      h(Text, { bold: p.paired }, fit(sanitizeForDisplay(p.name) || '(unnamed)', nameW - 1, g(ui, '…'))), ' ',
      fit(shortPeerId(p.peerId, 'tail', g(ui, '…')), ID_W),
      h(Text, { color: tint(ui, p.online ? 'green' : 'gray') },
        fit(`${g(ui, p.online ? '●' : '○')} ${p.online ? 'online' : 'offline'}`, STATE_W)),
      fit(p.paired ? `${g(ui, '✓')} yes` : '  no', PAIRED_W),
      p.online ? 'now' : formatAgo(p.lastSeen, ui.now)
    )
  })
  return h(Box, { flexDirection: 'column' }, header, ...rows)
}
