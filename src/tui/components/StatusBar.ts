// The bottom lines, always visible: the last error (code and message, whole,
// wrapped over up to three lines), the daemon connection state with a notice,
// and the help line of keys that work now. Pure function of its props.

import { createElement as h } from 'react'
import { Box, Text } from 'ink'
import type { Connection, TuiError } from '../state.ts'
import { sanitizeForDisplay } from '../../errors.ts'
import { g, asciiize, line, tint } from './ui.ts'
import type { Ui } from './ui.ts'
import wrapAnsi from 'wrap-ansi'

export interface StatusBarProps {
  connection: Connection
  selfName?: string
  error?: TuiError
  notice?: string
  help: string
  ui: Ui
}

export function StatusBar ({ connection, selfName, error, notice, help, ui }: StatusBarProps) {
  const conn = connection === 'connected'
    ? h(Text, { color: tint(ui, 'green') }, `${g(ui, '●')} daemon connected${selfName != null ? ` (${sanitizeForDisplay(selfName)})` : ''}`)
    : connection === 'down'
      ? h(Text, { color: tint(ui, 'red') }, `${g(ui, '○')} daemon not running`)
      : h(Text, { color: tint(ui, 'yellow') }, `${g(ui, '○')} connecting…`)
  const msg = error == null && notice != null ? h(Text, { color: tint(ui, 'yellow') }, `  ${sanitizeForDisplay(notice)}`) : null
  const rows = errorRows(error, ui.width)
  return h(Box, { flexDirection: 'column', width: ui.width },
    // the error under the status line, wrapped to at most ERROR_ROWS lines: its advice is at its end
    error == null
      ? null
      : h(Box, { key: 'error', height: rows, overflow: 'hidden' }, h(Text, { color: tint(ui, 'red'), wrap: 'wrap' }, errorText(error))),
    line('status', {}, conn, msg),
    line('help', { dimColor: true }, asciiize(ui, help))
  )
}

/** At most this many lines for an error; longer ones are cut at the end of the last. */
const ERROR_ROWS = 3

function errorText (error: TuiError): string {
  return `${error.code}: ${sanitizeForDisplay(error.message)}`
}

/** The lines the last error takes above the status line (0 without one). */
export function errorRows (error: TuiError | undefined, width: number): number {
  if (error == null) return 0
  // as Ink wraps it (by words)
  return Math.min(ERROR_ROWS, wrapAnsi(errorText(error), Math.max(1, width), { trim: false, hard: true }).split('\n').length)
}
