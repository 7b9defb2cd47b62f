// Screen 3: incoming offers waiting for a decision — sender, file count,
// total size and the first file names — with the selected offer marked.
// Pure function of its props; `a`/`d` live in keys.ts.

import { createElement as h } from 'react'
import { Box, Text } from 'ink'
import type { OfferInfo } from '../../daemon/control/types.ts'
import { escapeForDisplay } from '../../errors.ts'
import { displayWidth, formatAgo, formatBytes, PEER_NAME_CELLS, peerLabel, peerLabelWidth, refusedLine, sharedNames, shortPeerId, truncate } from '../format.ts'
import { asciiize, g, line, listWindow, para, tint } from './ui.ts'
import type { Ui } from './ui.ts'

export interface OffersScreenProps {
  offers: OfferInfo[]
  selected: number
  /** names two peers share (state.ts sharedPeerNames); else those of these offers */
  shared?: ReadonlySet<string>
  ui: Ui
}

export function OffersScreen ({ offers, selected, shared: known, ui }: OffersScreenProps) {
  if (offers.length === 0) {
    return h(Box, { flexDirection: 'column' },
      line('none', {}, 'No offers waiting.'),
      para('hint', { dimColor: true }, 'Files a paired peer sends come in at once; from a peer whose auto-accept is off (a on Peers, or `ferry auto-accept <peer> off`) they wait here to be accepted or declined.')
    )
  }
  // two lines an offer, three when one says what would be left out; a line under them says how many more
  // there are, when not all fit (user-test finding: nothing said there were more)
  const perOffer = offers.some((o) => o.refused != null) ? 3 : 2
  const { start, size, before, after } = listWindow('more', offers.length, selected, ui.rows, perOffer)
  // an offer from one of two devices of one name: accepting it is trusting its files (user-test finding)
  const shared = known ?? sharedNames(offers.map((o) => ({ peerId: o.peerId, name: o.peerName })), !ui.unicode)
  const rows = offers.slice(start, start + size).flatMap((o, i) => {
    const sel = start + i === selected
    // the offer's id as `ferry offers` shows it, so the two can be matched
    const files = `  ${o.files} file${o.files === 1 ? '' : 's'}  ${formatBytes(o.totalBytes)}`
    const peer = { peerId: o.peerId, name: o.peerName }
    // a shared name has the end of the peer ID after it, kept as the name is (peerLabel)
    const peerId = shared.has(o.peerName) ? '' : ` (${shortPeerId(o.peerId, 'tail', g(ui, '…'))})`
    const nameWant = peerLabelWidth(peer, shared, PEER_NAME_CELLS, !ui.unicode)
    const when = `  ${formatAgo(o.receivedAt, ui.now)}`
    const id = `  id ${o.id.slice(0, 8)}`
    // what follows the name, the longest that leaves it whole (up to PEER_NAME_CELLS): the count and size
    // stay; the peer id goes first, then the time, then the offer's id (user-test findings: cut at 40
    // columns; the name cut at 80 while the peer id and the time were there)
    const rests = [peerId + files + when + id, files + when + id, files + id, files]
    const rest = rests.find((r) => ui.width - 2 - displayWidth(r) >= nameWant) ?? files
    return [
      line(`${o.id}:1`, { inverse: sel },
        sel ? `${g(ui, '›')} ` : '  ',
        // a long name is cut, not the size after it (review finding)
        h(Text, { bold: true, color: tint(ui, 'cyan') }, o.peerName === '' ? '(unnamed)' : peerLabel(peer, shared, Math.max(8, ui.width - 2 - displayWidth(rest)), !ui.unicode)),
        rest
      ),
      line(`${o.id}:2`, { dimColor: !sel }, `    ${namesText(o, ui.width - 4, ui)}`),
      // said before it is accepted, as `ferry offers` says it
      // one line, cut to the width: a peer's long folder name would otherwise take the screen (review finding); `ferry offers` has it whole
      ...(o.refused != null ? [line(`${o.id}:3`, { color: tint(ui, 'yellow') }, truncate(`    ${asciiize(ui, refusedLine(o.refused))}`, ui.width, g(ui, '…')))] : [])
    ]
  })
  return h(Box, { flexDirection: 'column' }, before, ...rows, after)
}

/**
 * The offer's first names at the top that fit in `width` cells, and how
 * many more it has ("roll/, a.jpg, … +38 more"): cut at the edge, the count
 * was lost with the names (user-test finding: nothing said there were more).
 */
function namesText (o: OfferInfo, width: number, ui: Ui): string {
  const names = o.names.map((n) => asciiize(ui, escapeForDisplay(n)))
  const others = (n: number): number => (o.otherNames ?? 0) + names.length - n
  const more = (n: number): string => others(n) > 0 ? `, ${g(ui, '…')} +${others(n)} more` : ''
  let n = names.length
  while (n > 1 && displayWidth(names.slice(0, n).join(', ') + more(n)) > width) n--
  // one name too long for the line is cut, not the count after it
  return truncate(names.slice(0, n).join(', '), Math.max(8, width - displayWidth(more(n))), g(ui, '…')) + more(n)
}
