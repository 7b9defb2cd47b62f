// `ferry pair` on a terminal. Showing a code: the code large and boxed, how
// to type it on the other device, a live expiry countdown, the phase; then
// the outcome. Entering a code: a line while the keys are exchanged, then the
// outcome. The outcome is "paired with NAME (peer ID)" plus the fingerprint of
// the new peer's key, or the error code (the command prints the full error
// line on stderr after this view has closed).

import { createElement as h } from 'react'
import type { ReactNode } from 'react'
import { Box, Text } from 'ink'
import type { PairingState } from '../../daemon/control/types.ts'
import { sanitizeForDisplay } from '../../errors.ts'
import { formatCountdown, truncate } from '../format.ts'
import { useTerminalUi } from './useTerminalUi.ts'
import { asciiize, g, line, para, tint } from './ui.ts'
import type { Ui } from './ui.ts'

export interface PairPromptProps {
  mode: 'show' | 'enter'
  /** show: from pair.show, then its events; enter: the result of pair.enter */
  pairing?: PairingState
  /** the call failed (enter), or could not start (show) */
  error?: { code: string, message: string }
  /** this device's key fingerprint, shown next to the peer's once paired */
  selfFingerprint?: string
  /** the last frame: the countdown stops */
  finished?: boolean
  /** false: the terminal's Ctrl-C does not reach the command (`timeout 300 ferry pair` at a prompt), so no hint names it */
  keys?: boolean
  /** display context; from the terminal (clock ticking every second) when absent */
  ui?: Ui
}

const LIVE: ReadonlySet<string> = new Set(['waiting', 'exchanging'])

export function PairPrompt (props: PairPromptProps) {
  const terminal = useTerminalUi(props.finished === true ? 0 : 1000)
  const ui = props.ui ?? terminal
  const { mode, pairing: p, error } = props
  const rows: ReactNode[] = []
  if (mode === 'show' && p?.code != null) rows.push(...codeRows(p, props.finished === true, ui, props.keys !== false))
  else if (mode === 'show' && error == null) rows.push(line('asking', {}, `asking the daemon for a code${g(ui, '…')}`))
  else if (mode === 'enter' && p == null && error == null) {
    rows.push(line('entering', { color: tint(ui, 'yellow') }, `pairing with the device that shows the code${g(ui, '…')}`))
  }
  if (error != null) rows.push(para('error', { color: tint(ui, 'red') }, `${g(ui, '✗')} pairing failed: `, h(Text, { bold: true }, error.code)))
  else if (p != null) rows.push(...outcomeRows(p, mode, props.selfFingerprint, ui))
  return h(Box, { flexDirection: 'column', width: ui.width }, ...rows)
}

function codeRows (p: PairingState, finished: boolean, ui: Ui, keys: boolean): ReactNode[] {
  const code = sanitizeForDisplay(p.code ?? '')
  const live = LIVE.has(p.phase) && !finished
  const rows: ReactNode[] = [
    line('intro', {}, live ? 'Type this code on the other device:' : 'The code (used up or no longer valid):'),
    h(Box, {
      key: 'code',
      borderStyle: ui.unicode ? 'double' : 'classic',
      borderColor: tint(ui, live ? 'cyan' : 'gray'),
      paddingX: 4,
      paddingY: 1,
      marginLeft: 2,
      alignSelf: 'flex-start'
    }, h(Text, { bold: true, color: tint(ui, live ? 'cyanBright' : 'gray'), dimColor: !live, wrap: 'truncate-end' }, code))
  ]
  if (live) {
    rows.push(line('how', {}, '  there run  ', h(Text, { bold: true }, `ferry pair ${code}`)))
    rows.push(line('how-tui', { dimColor: true }, '  or in ferry tui: 2 Pair, e, type the code, Enter'))
    if (p.expiresAt != null) {
      rows.push(line('gap', {}, ' '))
      rows.push(line('exp', {}, 'expires in ', h(Text, { bold: true }, formatCountdown(p.expiresAt, ui.now)),
        h(Text, { dimColor: true }, ` ${g(ui, '·')} works once${keys ? ` ${g(ui, '·')} Ctrl-C cancels` : ''}`)))
    }
  }
  return rows
}

function outcomeRows (p: PairingState, mode: 'show' | 'enter', selfFingerprint: string | undefined, ui: Ui): ReactNode[] {
  switch (p.phase) {
    case 'waiting':
      return [line('phase', { color: tint(ui, 'yellow') }, mode === 'show' ? `waiting for the other device${g(ui, '…')}` : `connecting${g(ui, '…')}`)]
    case 'exchanging':
      return [line('phase', { color: tint(ui, 'yellow') }, `exchanging keys${g(ui, '…')}`)]
    case 'paired': {
      const name = asciiize(ui, sanitizeForDisplay(p.peer?.name ?? '')) || '(unnamed)'
      const peerId = sanitizeForDisplay(p.peer?.peerId ?? '?')
      const fp = (label: string, value: string): ReactNode => line(label, {}, `  ${label.padEnd(29)}`, h(Text, { bold: true, color: tint(ui, 'cyan') }, sanitizeForDisplay(value)))
      const rows = [
        line('paired', { color: tint(ui, 'green') }, `${g(ui, '✓')} paired ${p.again === true ? 'again ' : ''}with `, h(Text, { bold: true }, name), ` (${peerId})`),
        fp(`fingerprint of ${truncate(name, 12, g(ui, '…'))}:`, p.peer?.fingerprint ?? '?')
      ]
      if (selfFingerprint != null) {
        rows.push(fp('fingerprint of this device:', selfFingerprint),
          h(Box, { key: 'check', paddingLeft: 2 },
            para('check', { dimColor: true }, 'the other device shows the same two, the other way round; if not, unpair it:')),
          line('unpair', { dimColor: true }, `  ferry unpair ${peerId}`))
      }
      return rows
    }
    case 'failed':
      return [para('failed', { color: tint(ui, 'red') }, `${g(ui, '✗')} pairing failed: `, h(Text, { bold: true }, p.error?.code ?? 'E_PAIRING_FAILED'))]
    case 'expired':
      // on the typing side, why follows on stderr: a guess here ("mistyped, or expired") said otherwise of a code
      // cancelled, replaced or used on the other device (helper finding)
      return [para('expired', { color: tint(ui, 'red') }, `${g(ui, '✗')} ${p.role === 'show' ? 'the code expired' : 'no device is showing that code'}: `, h(Text, { bold: true }, p.error?.code ?? 'E_PAIRING_EXPIRED'))]
    case 'cancelled':
      return [para('cancelled', { color: tint(ui, 'red') }, `${g(ui, '✗')} cancelled: `, h(Text, { bold: true }, 'E_CANCELLED'))]
  }
}
