// The bottom lines, always visible: the last error (code and message, whole,
// wrapped over up to three lines), the daemon connection state with a notice,
// and the help line of keys that work now, both wrapped on a narrow
// terminal (the help line between its keys). Pure function of its props.

import { createElement as h } from 'react'
import { Box, Text } from 'ink'
import type { Connection, TuiError } from '../state.ts'
import { sanitizeForDisplay } from '../../errors.ts'
import { displayWidth, truncate } from '../format.ts'
import { g, asciiize, para, textRows, tint } from './ui.ts'
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
  const color = connection === 'connected' ? 'green' : connection === 'down' ? 'red' : 'yellow'
  const notes = noticeText(error, notice, ui)
  const rows = errorRows(error, ui)
  return h(Box, { flexDirection: 'column', width: ui.width },
    // the error under the status line, wrapped to at most ERROR_ROWS lines: its advice is at its end
    error == null
      ? null
      : h(Box, { key: 'error', height: rows, overflow: 'hidden' }, para('error', { color: tint(ui, 'red') }, errorText(error, ui))),
    // the notice and the keys wrap rather than lose their end at 40 columns (user-test finding): the
    // "press u again" of a notice, the "q quit" of the help line are at their ends
    para('status', {}, h(Text, { color: tint(ui, color) }, connectionText(connection, selfName, ui)),
      notes === '' ? null : h(Text, { color: tint(ui, 'yellow') }, notes)),
    // none where there are no keys to list
    help === '' ? null : para('help', { dimColor: true }, helpLines(help, ui))
  )
}

/**
 * " (name)" after "daemon connected", cut to the line: wrapped, a long name
 * (or one escaped on an ASCII terminal) took the only row a 30x8 screen had
 * (found using the TUI at 30x8: Peers and the Send field gone). Left out
 * where not even three of its characters fit; the top line has it too.
 */
function connectedName (selfName: string, ui: Ui): string {
  const room = ui.width - displayWidth(`${g(ui, '●')} daemon connected ()`)
  const name = asciiize(ui, sanitizeForDisplay(selfName))
  const ellipsis = g(ui, '…')
  if (displayWidth(name) > room && room < 3 + displayWidth(ellipsis)) return ''
  return ` (${truncate(name, room, ellipsis)})`
}

function connectionText (connection: Connection, selfName: string | undefined, ui: Ui): string {
  if (connection === 'connected') return `${g(ui, '●')} daemon connected${selfName != null ? connectedName(selfName, ui) : ''}`
  if (connection === 'unresponsive') return `${g(ui, '○')} daemon not answering`
  return connection === 'down' ? `${g(ui, '○')} daemon not running` : `${g(ui, '○')} connecting${g(ui, '…')}`
}

/**
 * A notice shows only when there is no error (the error says more). Its
 * glyphs as the terminal takes them: notices come from everywhere (keys.ts,
 * app.ts, the daemon's log), and on an ASCII terminal they drew "—" and "…"
 * (user-test finding).
 */
function noticeText (error: TuiError | undefined, notice: string | undefined, ui: Ui): string {
  return error == null && notice != null ? `  ${asciiize(ui, sanitizeForDisplay(notice))}` : ''
}

/** At most this many lines for an error; longer ones are cut at the end of the last. */
const ERROR_ROWS = 3

/** The daemon's message, glyphs as the terminal takes them (its "…7zPUrfSX", its "—"), as a notice's. */
function errorText (error: TuiError, ui: Ui): string {
  return `${error.code}: ${asciiize(ui, sanitizeForDisplay(error.message))}`
}


/** The lines the last error takes above the status line (0 without one). */
function errorRows (error: TuiError | undefined, ui: Ui): number {
  if (error == null) return 0
  return Math.min(ERROR_ROWS, textRows(errorText(error, ui), ui.width))
}

/** The lines the whole bar takes: the error, the status line with its notice, the help line, each wrapped. */
export function statusBarRows (props: Omit<StatusBarProps, 'ui'>, ui: Ui): number {
  return errorRows(props.error, ui) +
    textRows(connectionText(props.connection, props.selfName, ui) + noticeText(props.error, props.notice, ui), ui.width) +
    (props.help === '' ? 0 : textRows(helpLines(props.help, ui), ui.width))
}

const HELP_SEPARATOR = ' · '

/**
 * The help line broken between its keys, not inside one (user-test finding:
 * at 60 columns a wrapped line began " quit"): each key with what it does
 * stays on one line, and the separator where the line breaks is left out.
 */
export function helpLines (help: string, ui: Ui): string {
  const separator = asciiize(ui, HELP_SEPARATOR)
  const lines: string[] = []
  for (const key of help.split(HELP_SEPARATOR).map((k) => asciiize(ui, k))) {
    const last = lines.length - 1
    if (last >= 0 && displayWidth(lines[last] + separator + key) <= ui.width) lines[last] += separator + key
    else lines.push(key)
  }
  return lines.join('\n')
}
