// Screen 5: send files. Pick a paired peer with up/down, type or paste paths
// (split as a shell splits them, paths.ts), Enter sends. Paths that do not
// exist are listed and nothing is sent. Pure function of its props: value,
// callbacks and the missing list come from app.ts.

import { createElement as h } from 'react'
import type { ReactNode } from 'react'
import { Box, Text } from 'ink'
import type { PeerInfo } from '../../daemon/control/types.ts'
import { sanitizeForDisplay } from '../../errors.ts'
import { displayWidth, fit, PEER_NAME_CELLS, peerLabel, peerLabelWidth, sharedNames, shortPeerId } from '../format.ts'
import { TextField } from './TextField.ts'
import { pastedLines } from '../paths.ts'
import { asciiize, g, line, para, textRows, tint, windowStart } from './ui.ts'
import type { Ui } from './ui.ts'

export interface SendScreenProps {
  peers: PeerInfo[]
  sendTo?: string
  paths: string
  missing: string[]
  onPathsChange: (value: string) => void
  onSubmit: (value: string) => void
  ui: Ui
}

export function SendScreen ({ peers, sendTo, paths, missing, onPathsChange, onSubmit, ui }: SendScreenProps) {
  const selected = Math.max(0, peers.findIndex((p) => p.peerId === sendTo))
  const size = Math.max(1, Math.min(peers.length, ui.rows - 6))
  const start = windowStart(peers.length, selected, size)
  const { idW, nameW, shared } = columns(peers, ui)
  const list = peers.length === 0
    ? [para('none', { color: tint(ui, 'yellow') }, `No paired peers ${g(ui, '—')} pair one on screen 2 first.`)]
    : peers.slice(start, start + size).map((p, i) => {
      const sel = start + i === selected
      return line(p.peerId, { inverse: sel },
        sel ? `${g(ui, '›')} ` : '  ',
        fit(p.name === '' ? '(unnamed)' : peerLabel(p, shared, nameW - 1, !ui.unicode), nameW - 1), ' ',
        idW === 0 ? '' : fit(shortPeerId(p.peerId, 'tail', g(ui, '…')), idW),
        // one of another version, as Peers says it: a send to it is E_PEER_VERSION, not one waiting for it to be online
        p.otherVersion != null
          ? h(Text, { color: tint(ui, 'yellow') }, 'other version')
          : h(Text, { color: tint(ui, p.online ? 'green' : 'gray') }, p.online ? 'online' : 'offline'))
    })
  // how many its room leaves out (found using the TUI at 50x12: one of two listed, and nothing said so)
  const more = peers.length - size
  const to = `Send to (${g(ui, '↑')}${g(ui, '↓')} to choose${more > 0 ? `, ${more} more` : ''}):`
  const prompt = 'Files or folders, split as a shell would (\\ or quotes for spaces; no * wildcards):'
  const fieldLine = (before: string) => h(Box, { key: 'field' },
    before === '' ? null : h(Text, { bold: true }, before),
    h(Text, { color: tint(ui, 'cyan') }, `${g(ui, '›')} `),
    h(TextField, { value: paths, onChange: onPathsChange, onSubmit, placeholder: 'e.g. ~/photos report.pdf', width: ui.width - 2 - displayWidth(before), ascii: !ui.unicode, pasteLines: (lines) => pastedLines(lines) })
  )
  const names = missing.map((m) => asciiize(ui, sanitizeForDisplay(m)))
  const notFoundIn = (rows: number): ReactNode => missing.length > 0 ? para('missing', { color: tint(ui, 'red') }, notFoundText(names, ui, rows)) : null
  const full = textRows(to, ui.width) + list.length + 1 + textRows(prompt, ui.width) + 1
  // where the field would be below the room (30x8), it comes first, with the peer it sends to: typed blind
  // before (user-test finding)
  if (full > ui.rows) {
    const notFound = notFoundIn(ui.rows - 2)
    const peer = peers[selected]
    const name = peer == null ? '' : peerLabel(peer, shared, ui.width, !ui.unicode)
    // one line of room (30x8 while typing): the peer before the field, in at most half of it
    if (ui.rows < 2 && peer != null) return h(Box, { flexDirection: 'column' }, fieldLine(`to ${peerLabel(peer, shared, Math.max(6, Math.floor(ui.width / 2) - 4), !ui.unicode)} `), notFound)
    const target = peer == null
      ? para('none', { color: tint(ui, 'yellow') }, `no paired peer ${g(ui, '—')} pair one on screen 2`)
      : line('to', { bold: true }, `to ${name} (${g(ui, '↑')}${g(ui, '↓')})`)
    return h(Box, { flexDirection: 'column' }, fieldLine(''), target, notFound)
  }
  return h(Box, { flexDirection: 'column' },
    para('to', { bold: true }, to),
    ...list,
    line('gap', {}, ' '),
    para('paths', { bold: true }, prompt),
    fieldLine(''),
    notFoundIn(ui.rows - full)
  )
}

/**
 * "✗ not found: a, b, and 3 more": as many of the paths not found as the `rows` left take, and how many more
 * (found using the TUI at 50x15: the list ran off the screen, cut without a word).
 */
function notFoundText (names: string[], ui: Ui, rows: number): string {
  const head = `${g(ui, '✗')} not found: `
  const room = Math.max(1, rows)
  for (let k = Math.min(names.length, 50); k >= 1; k--) {
    const rest = names.length - k
    const text = `${head}${names.slice(0, k).join(', ')}${rest > 0 ? `, and ${rest} more` : ''}`
    if (textRows(text, ui.width) <= room) return text
  }
  return `${head}${names.length} path${names.length === 1 ? '' : 's'}`
}

/** Cells of the ID column, and the peers' state after the name. */
const ID_W = 12
const STATE_W = 8

/**
 * The ID column where the names fit beside it (up to PEER_NAME_CELLS); else
 * the names have its room, and one that two peers share carries the end of
 * its ID (review finding: at 40 columns the name was cut to 13 cells for
 * an ID column).
 */
function columns (peers: PeerInfo[], ui: Ui): { idW: number, nameW: number, shared: ReadonlySet<string> } {
  // no wider than the longest name and a gap: at 200 columns the IDs and states stood 160 cells away from
  // short names, as on Peers (found using the TUI at 200x50)
  const longest = (shared: ReadonlySet<string>): number => Math.max(0, ...peers.map((p) => displayWidth(peerLabel(p, shared, Number.MAX_SAFE_INTEGER, !ui.unicode))))
  const nameW = (idW: number, shared: ReadonlySet<string>): number => Math.min(longest(shared) + 2, Math.max(8, ui.width - 4 - idW - STATE_W))
  const want = Math.max(0, ...peers.map((p) => peerLabelWidth(p, new Set(), PEER_NAME_CELLS, !ui.unicode)))
  const apart = new Set<string>()
  if (nameW(ID_W, apart) - 1 >= want) return { idW: ID_W, nameW: nameW(ID_W, apart), shared: apart }
  const shared = sharedNames(peers, !ui.unicode)
  return { idW: 0, nameW: nameW(0, shared), shared }
}
