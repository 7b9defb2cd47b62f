// What a transfer waited while it could not go on, by cause, in words: the
// summary of `ferry send` and `ferry wait`, and the TUI's details of a
// transfer, say it alike. User-test finding: a summary listed every cause
// there could be ("beta away or silent, this daemon down, its turn, or room
// there") for a receiver whose daemon was down 20 s.

import type { TransferInfo, WaitCause } from '../daemon/control/types.ts'
import { sanitizeForDisplay } from '../errors.ts'
import { formatTook } from './format.ts'

/** "while beta was away": a wait for `cause`, as a transfer of that direction had it. */
function whileWords (cause: WaitCause, t: Pick<TransferInfo, 'direction' | 'peerName'>): string {
  const peer = sanitizeForDisplay(t.peerName)
  switch (cause) {
    case 'peer': return `while ${peer} was away`
    // a stall: connected, nothing moved for 10 s or more (a link down, a peer stopped)
    case 'silent': return `while ${peer} was silent`
    // stopped, crashed, or frozen (its machine asleep: freeze-watch.ts)
    case 'down': return 'while this daemon was not running'
    case 'turn': return t.direction === 'send' ? `for its turn on ${peer}` : 'for its turn here'
    case 'room': return t.direction === 'send' ? `for room on ${peer}` : 'for room in the receive folder'
  }
}

/**
 * "waited 20.1 s while this daemon was not running"; of more than one cause, the largest first: "waited 42.0 s: 30.0 s while
 * beta was away, 12.0 s while this daemon was not running". Causes under a tenth of a second are left out (a reconnect's
 * moment beside a downtime). Without a breakdown (a record from before 2026-12-08 that waited): `fallback`'s words
 * after the total. '' for under a tenth of a second in all.
 */
export function waitedWords (t: Pick<TransferInfo, 'direction' | 'peerName' | 'waitedSeconds' | 'waitedBy'>, fallback: string): string {
  const total = t.waitedSeconds ?? 0
  if (total < 0.1) return ''
  const causes = Object.entries(t.waitedBy ?? {})
    .filter(([, s]) => s >= 0.1)
    .sort(([, a], [, b]) => b - a) as Array<[WaitCause, number]>
  if (t.waitedBy === undefined || causes.length === 0) return `waited ${formatTook(total * 1000)} ${fallback}`
  if (causes.length === 1) return `waited ${formatTook(total * 1000)} ${whileWords(causes[0][0], t)}`
  return `waited ${formatTook(total * 1000)}: ${causes.map(([c, s]) => `${formatTook(s * 1000)} ${whileWords(c, t)}`).join(', ')}`
}
