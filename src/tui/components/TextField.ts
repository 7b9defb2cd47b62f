// A one-line text field for the Pair and Send screens, in place of
// ink-text-input, which inserts the letter of every Ctrl combination (Ctrl-U
// typed a "u"). Here the usual line-editing keys work: ←/→, Home/End,
// Ctrl-A/E, Backspace, Delete, Ctrl-U (clear to start), Ctrl-K (clear to end), Ctrl-W
// (delete to the space before), Alt+Backspace (delete a word: to the letter
// or digit after the last other character before the cursor, as readline
// does, so "/srv/photos/2024" loses "2024"; keys.ts isAltBackspace); other
// Ctrl keys, Tab, ↑/↓ and Esc are left to the app, and so is any other key
// with Alt: that is Esc and the key in one read (keys.ts splitEscape), and
// the Esc leaves the field; but an arrow sent with a modifier in it (Alt+←
// as "\x1b[1;3D") is the arrow, and so for any key sent so (keys.ts
// isModifiedKey).
// Pasted text is inserted with line breaks turned into spaces and control
// characters dropped; one at its end submits it, as Enter would. The line
// never wraps: it scrolls to keep the cursor in view within `width` cells.
// On an ASCII-only terminal (FERRY_ASCII) the text is drawn in ASCII as every
// other name is (ascii-text.ts: "é" as "e", "ベ" as "\u30d9"); the value, and
// what Enter hands on, stay as typed.

import { createElement as h, useRef, useState } from 'react'
import { Text, useInput, usePaste } from 'ink'
import type { Key } from 'ink'
import { asciiText } from '../ascii-text.ts'
import { displayWidth } from '../format.ts'
import { isAltBackspace, isModifiedKey } from '../keys.ts'

export interface TextFieldProps {
  value: string
  onChange: (value: string) => void
  onSubmit: (value: string) => void
  placeholder?: string
  /** cells available for the text and the cursor */
  width: number
  focus?: boolean
  /** draw the text in ASCII (an ASCII-only terminal: ui.unicode false) */
  ascii?: boolean
  /**
   * A paste of several lines, as the field takes it: given, it is this text
   * (the Send field's: a path a line), and it waits for Enter, a line break
   * at its end none; not given, its line breaks are spaces and one at its
   * end is Enter, as for a line typed.
   */
  pasteLines?: (lines: string[]) => string
}

/** A field's text and cursor; the cursor counts code points, not UTF-16 units. */
export interface Edit { value: string, cursor: number }

/** A word for Alt+Backspace, as readline's: letters and digits, of any script */
const WORD_CHAR = /[\p{L}\p{N}]/u
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g

/** The pure editing step: what a key does to (value, cursor); null when the key is not the field's. */
export function editText (e: Edit, input: string, key: Partial<Key>): Edit | null {
  const chars = Array.from(e.value)
  const cursor = Math.max(0, Math.min(e.cursor, chars.length))
  const edit = (before: string[], after: string[]): Edit => ({ value: [...before, ...after].join(''), cursor: before.length })
  if (isAltBackspace(key)) {
    let i = cursor
    while (i > 0 && !WORD_CHAR.test(chars[i - 1])) i--
    while (i > 0 && WORD_CHAR.test(chars[i - 1])) i--
    return edit(chars.slice(0, i), chars.slice(cursor))
  }
  if (key.meta === true || key.return === true || key.tab === true || key.upArrow === true || key.downArrow === true ||
    key.escape === true || key.pageUp === true || key.pageDown === true) return null
  if (key.leftArrow === true) return { value: e.value, cursor: Math.max(0, cursor - 1) }
  if (key.rightArrow === true) return { value: e.value, cursor: Math.min(chars.length, cursor + 1) }
  if (key.home === true) return { value: e.value, cursor: 0 }
  if (key.end === true) return { value: e.value, cursor: chars.length }
  if (key.backspace === true) {
    return cursor === 0 ? { value: e.value, cursor } : edit(chars.slice(0, cursor - 1), chars.slice(cursor))
  }
  // Delete ("\x1b[3~") takes the character under the cursor, as in a shell (found using the TUI in tmux: it
  // took the one before, as Backspace does; Ink names Backspace's "\x7f" backspace, not delete)
  if (key.delete === true) return edit(chars.slice(0, cursor), chars.slice(cursor + 1))
  if (key.ctrl === true) {
    switch (input) {
      case 'a': return { value: e.value, cursor: 0 }
      case 'e': return { value: e.value, cursor: chars.length }
      case 'u': return edit([], chars.slice(cursor))
      case 'k': return edit(chars.slice(0, cursor), [])
      case 'w': {
        let i = cursor
        while (i > 0 && /\s/.test(chars[i - 1])) i--
        while (i > 0 && !/\s/.test(chars[i - 1])) i--
        return edit(chars.slice(0, i), chars.slice(cursor))
      }
      default: return null
    }
  }
  const text = Array.from(input.replace(/\r\n|\r|\n/g, ' ').replace(CONTROL, ''))
  if (text.length === 0) return null
  return edit([...chars.slice(0, cursor), ...text], chars.slice(cursor))
}

/**
 * Text and the Enter after it in one read: a code pasted with its line break
 * ("123-456\r"), or a path and Enter typed fast over ssh, come as one input,
 * which is no Enter key to Ink (user-test finding: Enter had to be pressed
 * again). The line break at its end is that Enter, once however it is
 * written (\r, \n, \r\n, several); one inside the text stays a space.
 */
export function splitEnter (input: string, key: Partial<Key>): { text: string, enter: boolean } {
  if (key.ctrl === true || key.meta === true) return { text: input, enter: false }
  const text = input.replace(/[\r\n]+$/, '')
  return { text, enter: text !== input }
}

/**
 * First code point shown so that the cursor cell stays inside `width`;
 * `cells`: the cells each code point is drawn in (2 for a CJK one, 6 for
 * one escaped in ASCII), the cursor past the end taking one.
 */
export function scrollStart (cells: number[], cursor: number, width: number): number {
  const w = Math.max(1, width)
  if (cells.reduce((a, b) => a + b, 1) <= w) return 0
  let start = Math.min(cursor, cells.length)
  let used = Math.max(1, cells[start] ?? 1)
  while (start > 0 && used + cells[start - 1] <= w) used += cells[--start]
  return start
}

/**
 * One past the last code point shown from `start`: no more than `width`
 * cells, the cursor's at least one. A longer text made Ink shrink what
 * stands before the field on its line (found using the TUI at 30x8: the
 * "to alice" before the Send field blanked to "to", with the cursor at the
 * start of a long path; CJK text, two cells a character, did it whenever
 * it was longer than half the field).
 */
function shownEnd (cells: number[], start: number, cursor: number, width: number): number {
  let end = start
  let used = 0
  while (end < cells.length) {
    const cell = Math.max(cells[end], end === cursor ? 1 : 0)
    if (used + cell > Math.max(1, width)) break
    used += cell
    end++
  }
  return Math.max(end, Math.min(cursor + 1, cells.length))
}

export function TextField ({ value, onChange, onSubmit, placeholder = '', width, focus = true, ascii = false, pasteLines }: TextFieldProps) {
  // the cursor is local; the value is the app's (it may be cleared from outside)
  const chars = Array.from(value)
  const [cursorState, setCursor] = useState(chars.length)
  const cursor = Math.min(cursorState, chars.length)
  // keys can arrive faster than renders: edit the latest text, not this render's
  const latest = useRef<Edit>({ value, cursor })
  latest.current = { value, cursor }
  const type = (input: string, pressed: Partial<Key>): void => {
    const key = isModifiedKey(pressed) && !isAltBackspace(pressed) ? { ...pressed, meta: false } : pressed
    const cur = latest.current
    if (key.meta === true && !isAltBackspace(key)) return
    if (key.return === true) { onSubmit(cur.value); return }
    const { text, enter } = splitEnter(input, key)
    const next = editText(cur, text, key)
    if (next != null) {
      latest.current = next
      setCursor(next.cursor)
      if (next.value !== cur.value) onChange(next.value)
    }
    if (enter) onSubmit(latest.current.value)
  }
  useInput(type, { isActive: focus })
  // a paste whole, as the terminal marks it (bracketed paste), however many reads it takes: a long one read in
  // two parts, the first ending in a line break, sent the first part alone
  // two lines or more, where the field says how (pasteLines): a list to look at before it goes (helper finding:
  // paths pasted a line each went at once, split at their spaces)
  usePaste((text) => {
    const lines = text.split(/\r\n|\r|\n/).filter((l) => l.trim() !== '')
    type(pasteLines !== undefined && lines.length > 1 ? pasteLines(lines) : text, {})
  }, { isActive: focus })

  if (value === '') {
    const ph = Array.from(placeholder).slice(0, Math.max(0, width - 1)).join('')
    return h(Text, { wrap: 'truncate-end' }, h(Text, { inverse: focus }, ph.slice(0, 1) || ' '), h(Text, { dimColor: true }, ph.slice(1)))
  }
  // each code point as drawn: the cursor counts code points, the line is laid out by cells
  const drawn = ascii ? chars.map(asciiText) : chars
  const cells = drawn.map(displayWidth)
  const start = scrollStart(cells, cursor, width)
  const at = cursor - start
  const shown = drawn.slice(start, shownEnd(cells, start, cursor, width))
  return h(Text, { wrap: 'truncate-end' },
    shown.slice(0, at).join(''),
    // an accent on its own is drawn as nothing in ASCII: the cursor on it is still a cell
    h(Text, { inverse: focus }, shown[at] === undefined || shown[at] === '' ? ' ' : shown[at]),
    shown.slice(at + 1).join(''))
}
