// `ferry send` and `ferry wait` on a terminal: the transfer drawn the way the TUI's Transfers
// screen draws it — header with the peer and state, overall bar with percent,
// bytes, rate and ETA, a bar per file in flight — then one outcome line: the
// summary once the receiver's receipt is in, or the error code. Inline, a few
// lines tall, redrawn in place; the width follows the terminal.

import { createElement as h } from 'react'
import type { ReactNode } from 'react'
import { Box, Text } from 'ink'
import { heldOfflineWords, isFinalState, waitingWords, type TransferInfo } from '../../daemon/control/types.ts'
import { sanitizeForDisplay } from '../../errors.ts'
import { useTerminalUi } from './useTerminalUi.ts'
import { activeBlock } from './TransfersScreen.ts'
import { cancellingNote, counted, failedPaths } from '../format.ts'
import { asciiize, g, line, para, tint } from './ui.ts'
import type { Ui } from './ui.ts'

export interface SendProgressProps {
  /** the peer as typed on the command line, until the daemon names it */
  peer: string
  /** how many paths were given */
  paths: number
  transfer?: TransferInfo
  /** the summary line, once the transfer is done */
  summary?: string
  /** the command exits 1 after the summary (E_INCOMPLETE: paths skipped or refused): marked as a warning, not a success */
  partial?: boolean
  error?: { code: string, message: string }
  /** Ctrl-C (or a signal) asked the daemon to cancel: said at once, as its answer may take a while */
  cancelling?: boolean
  /** `ferry wait`: Ctrl-C ends the wait, not the transfer, and the hint says so */
  waitOnly?: boolean
  /** `ferry wait` ended so: the last frame says the transfer goes on */
  waitEnded?: boolean
  /** false: the terminal's Ctrl-C does not reach the command (`timeout 60 ferry send …` at a prompt), so no hint names it */
  keys?: boolean
  /** display context; from the terminal when absent */
  ui?: Ui
}

export function SendProgress (props: SendProgressProps) {
  // a clock while it waits: its header counts the wait up
  const terminal = useTerminalUi(props.transfer?.state === 'waiting' ? 1000 : 0)
  const ui = props.ui ?? terminal
  const { transfer: t, summary, error } = props
  const rows: ReactNode[] = []
  if (t == null) {
    rows.push(line('prep', {}, `  ${g(ui, '↑')} sending ${props.paths} path${props.paths === 1 ? '' : 's'} to `,
      h(Text, { bold: true }, asciiize(ui, sanitizeForDisplay(props.peer))), `${g(ui, '…')}`))
  } else {
    rows.push(...activeBlock(t, false, ui))
  }
  // paths left out, said while it runs: listed after the last frame, but a long send should not hide them until its
  // end, when it can no longer be stopped to mend them (user-test finding)
  const skipped = t != null && summary == null && error == null && !isFinalState(t.state) ? t.skippedCount ?? t.skipped?.length ?? 0 : 0
  if (skipped > 0) {
    const failed = failedPaths(t!)
    const problems = failed === 0 ? '' : failed === skipped ? ', for a problem' : `, ${failed} of them for a problem`
    rows.push(h(Box, { key: 'skipped', paddingLeft: 2 }, para('skipped', { color: tint(ui, 'yellow') }, `${g(ui, '⚠')} ${counted(skipped, 'path')} skipped${problems}: listed when it ends`)))
  }
  if (summary != null) {
    // the one line worth keeping: wrapped, not cut
    // a send that exits 1 is no success: yellow, as the views colour a partial outcome, and ⚠, not ✓ (user-test
    // finding: "✓ … receipt verified; 1 skipped (below)" in green, its E_INCOMPLETE after it)
    const partial = props.partial === true
    rows.push(h(Box, { key: 'outcome', paddingLeft: 2 },
      para('summary', { color: tint(ui, partial ? 'yellow' : 'green') }, `${g(ui, partial ? '⚠' : '✓')} ${asciiize(ui, sanitizeForDisplay(summary))}`)))
  } else if (error != null) {
    // a transfer that has not ended (its daemon stopped, or did not answer a cancel) may go on: not "failed" (review finding)
    // declined is what the person there chose, not a failure (user-test finding: "✗ failed: E_DECLINED")
    const how = t == null ? 'not sent' : t.state === 'cancelled' || t.state === 'declined' ? t.state : isFinalState(t.state) ? 'failed' : 'interrupted'
    rows.push(para('outcome', { color: tint(ui, 'red') }, `  ${g(ui, '✗')} ${how}: `,
      h(Text, { bold: true }, error.code)))
  } else if (props.waitEnded === true && t != null) {
    // not "✗ interrupted": nothing of the transfer was (found using it: read as the send cancelled)
    rows.push(para('outcome', { dimColor: true }, `  wait ended; the ${t.direction === 'receive' ? 'receive' : 'send'} goes on`))
  } else if (t != null && isFinalState(t.state)) {
    // ended, its outcome line not in yet (the command makes the summary after the last event): nothing left to
    // cancel, nor to wait for (notes' leftover: "Ctrl-C cancels the transfer" under the done frame for a moment)
  } else if (props.cancelling === true) {
    rows.push(para('hint', { color: tint(ui, 'yellow') }, `  cancelling${g(ui, '…')} ${cancellingNote(props.keys !== false)}`))
  } else if (t != null) {
    // wrapped, not cut: its end says how to stop (user-test finding: "Ctrl-C can…" at 80 columns)
    const words = hint(t, props.waitOnly === true, props.keys !== false)
    // its wrapped lines indented as its first (user-test finding: at 40 columns they began at the edge)
    if (words !== '') rows.push(h(Box, { key: 'hint', paddingLeft: 2 }, para('hint', { dimColor: true }, asciiize(ui, words))))
  }
  return h(Box, { flexDirection: 'column', width: ui.width }, ...rows)
}

function hint (t: TransferInfo, waitOnly: boolean, keys: boolean): string {
  // as WaitNotes says it: `ferry wait`'s Ctrl-C leaves the transfer to go on
  const stop = !keys ? '' : ` ${waitOnly ? `Ctrl-C ends this wait, not the ${t.direction === 'receive' ? 'receive' : 'send'}` : 'Ctrl-C cancels'}`
  const peer = t.direction === 'receive' ? 'sender' : 'receiver'
  switch (t.state) {
    case 'hashing': return `hashing the files before offering them…${stop}`
    // "to accept" only where a person there is asked (awaitingDecision): a receiver taking it by itself flashed it at
    // every send (helper finding)
    // its receiver offline meanwhile: the offer waits there all the same (user-test finding: "waiting for someone…"
    // alone, the receiver's daemon stopped)
    case 'offered': return t.awaitingDecision === true ? t.peerOffline === true ? `${heldOfflineWords(sanitizeForDisplay(t.peerName), t.direction === 'receive' ? 'receive' : 'send')}…${stop}` : `waiting for someone on the receiver to accept it…${stop}` : `offered; waiting for the receiver's answer…${stop}`
    case 'waiting': return `${waitHint(t, peer)}…${stop}`
    case 'verifying': return t.direction === 'receive' ? `verifying what arrived…${stop}` : `waiting for the receiver's signed receipt…${stop}`
    default: return !keys ? '' : waitOnly ? stop.trimStart() : 'Ctrl-C cancels the transfer'
  }
}

/**
 * A transfer waiting its turn (E_LIMIT, waitingWords) waits behind other
 * transfers between two devices online, not for a peer gone: its hint says so
 * (review finding: "the receiver is unreachable" under "waiting its turn",
 * once sends too showed that they wait their turn on the receiver).
 */
function waitHint (t: TransferInfo, peer: string): string {
  const waiting = waitingWords(t)
  // the receive folder's disk full, both devices online (user-test finding: "the receiver is unreachable" on the
  // sender, "the sender is unreachable" on the receiver)
  if (waiting === 'waiting for room') return t.direction === 'receive' ? 'it goes on by itself once the receive folder has room (free some there)' : 'it goes on by itself once the receiver\'s receive folder has room'
  if (waiting !== 'waiting its turn') return `the ${peer} is unreachable; the transfer resumes when it is back`
  return t.direction === 'receive' ? 'this device starts it after the receives it runs first from the sender' : 'the receiver starts it after the receives it runs first'
}
