// The two bottom lines, always visible: daemon connection state plus the last
// error (code and message) or notice, and the help line of keys that work now.
// Pure function of its props.

import { createElement as h } from 'react'
import { Box, Text } from 'ink'
import type { Connection, TuiError } from '../state.ts'
import { sanitizeForDisplay } from '../../errors.ts'
import { g, asciiize, line, tint } from './ui.ts'
import type { Ui } from './ui.ts'

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
  const msg = error != null
    ? h(Text, { color: tint(ui, 'red') }, `  ${error.code}: ${sanitizeForDisplay(error.message)}`)
    : notice != null
      ? h(Text, { color: tint(ui, 'yellow') }, `  ${sanitizeForDisplay(notice)}`)
      : null
  return h(Box, { flexDirection: 'column', width: ui.width },
    line('status', {}, conn, msg),
    line('help', { dimColor: true }, asciiize(ui, help))
  )
}
