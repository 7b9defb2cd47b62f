// Shared display context and tiny helpers for the TUI components: terminal
// size, colour and glyph choices, the clock, and a one-line text row that can
// never wrap past the terminal width. No state, no I/O.

import { createElement as h } from 'react'
import type { ReactNode } from 'react'
import { Text, Transform } from 'ink'
import type { TextProps } from 'ink'
import wrapAnsi from 'wrap-ansi'
import { supportsUnicode, truncate } from '../format.ts'
import { asciiText, GLYPHS } from '../ascii-text.ts'

export interface Ui {
  /** terminal columns */
  width: number
  /** rows available to the screen body */
  rows: number
  /** false under NO_COLOR */
  color: boolean
  /** false on terminals without UTF-8: ASCII glyphs and bars */
  unicode: boolean
  /** ms since epoch, ticks once a second for countdowns and "last seen" */
  now: number
}

export const defaultUi: Ui = { width: 80, rows: 19, color: true, unicode: true, now: Date.now() }

type Color = NonNullable<TextProps['color']>

/** A colour only when colours are on. */
export function tint (ui: Ui, color: Color): Color | undefined {
  return ui.color ? color : undefined
}

/** Pick the unicode glyph or its ASCII stand-in. */
export function g (ui: Ui, glyph: string): string {
  return ui.unicode ? glyph : (GLYPHS[glyph] ?? glyph)
}

/**
 * Text as an ASCII-only terminal can draw it (ascii-text.ts): its glyphs,
 * and the names in it, of peers and files (helper finding: drawn as they
 * were). Names are made ASCII before their cells are counted, so that
 * columns still line up.
 */
export function asciiize (ui: Ui, s: string): string {
  return ui.unicode ? s : asciiText(s)
}

/**
 * One terminal line: truncated at the right edge, never wrapped. Ink marks
 * the cut with "…", which an ASCII terminal (FERRY_ASCII, TERM=linux: the
 * choice the TUI and the live views make from the environment) was drawn
 * all the same (user-test finding): there the mark is "." in its cell.
 */
export function line (key: string | number, props: TextProps, ...children: ReactNode[]): ReactNode {
  if (supportsUnicode(process.env)) return h(Text, { key, wrap: 'truncate-end', ...props }, ...children)
  const text = h(Text, { wrap: 'truncate-end', ...props }, ...children)
  // what Ink's Text and Transform each make, with both a wrap (Transform has none: its text would
  // wrap) and a transform (Text takes none)
  return h('ink-text', { key, style: { flexGrow: 0, flexShrink: 1, flexDirection: 'row', textWrap: 'truncate-end' }, internal_transform: asciiCut }, text)
}

const asciiCut = (s: string): string => s.replaceAll('…', '.')

/**
 * A sentence of the screen (a prompt, a hint, an outcome): wrapped at the
 * terminal's width, never cut, so that it still reads at 40 columns
 * (user-test finding: prompts were cut there).
 */
export function para (key: string | number, props: TextProps, ...children: ReactNode[]): ReactNode {
  return h(Transform, { key, transform: withoutBreakSpace }, h(Text, { wrap: 'wrap', ...props }, ...children))
}

/**
 * A wrapped line after the first without the spaces it was broken at: Ink
 * wraps keeping them, and a word that filled a line left the next one
 * beginning with a space (user-test finding: " (press u again)"). The first
 * line keeps its indent; colour codes before the spaces stay.
 */
function withoutBreakSpace (text: string, index: number): string {
  // eslint-disable-next-line no-control-regex
  return index === 0 ? text : text.replace(/^((?:\u001b\[[0-9;]*m)*) +/, '$1')
}

/** `text` wrapped at `width` in `rows` rows at the most, the last cut short with `ellipsis` where it needs more (a reason, what a transfer carried). */
export function wrapInRows (text: string, width: number, rows: number, ellipsis: string): string[] {
  const all = wrapAnsi(text, width, { hard: true, trim: true }).split('\n')
  const shown = all.slice(0, rows)
  if (all.length > rows) shown[rows - 1] = truncate(all.slice(rows - 1).join(' '), width, ellipsis)
  return shown
}

/** Lines `text` takes wrapped at `width`, as Ink wraps it (by words). */
export function textRows (text: string, width: number): number {
  return wrapAnsi(text, Math.max(1, width), { trim: false, hard: true }).split('\n').length
}

/** Below this many columns, screens drop or stack their less important columns. */
export const NARROW_WIDTH = 60

export const isNarrow = (ui: Ui): boolean => ui.width < NARROW_WIDTH

/**
 * Under a list cut to its room, that it goes on and which way: "+3 more",
 * "+2 more above", "+2 more above, +3 below" (↑↓ bring them in); nothing
 * when all of it shows. One line for both ways: where there is room for
 * two, listWindow says each on its side of the list.
 */
export function moreLine (key: string, above: number, below: number): ReactNode {
  if (above <= 0 && below <= 0) return null
  const text = above <= 0 ? `+${below} more` : below <= 0 ? `+${above} more above` : `+${above} more above, +${below} below`
  return line(key, { dimColor: true }, `  ${text}`)
}

/** The part of a list shown (listWindow): its items from `start`, `size` of them, and the lines to draw above and under them. */
export interface ListWindow { start: number, size: number, before: ReactNode, after: ReactNode }

/**
 * The items of a list of `count` shown in `room` lines (`perItem` lines an
 * item), the `selected` one among them, and where some are left out, how
 * many and which way: "+2 more above" over the items, "+3 more" under them,
 * each taking a line of the room (user-test finding: "+15 more above" was
 * said under the list, where the eye looks for what comes next). Where the
 * room has one line for it, that line goes on the side of the items left
 * out, or under them saying both ("+2 more above, +3 below"); with a line
 * of room and no more, the selected item alone.
 */
export function listWindow (key: string, count: number, selected: number, room: number, perItem = 1): ListWindow {
  if (count * perItem <= room) return { start: 0, size: count, before: null, after: null }
  const sized = (lines: number): { start: number, size: number } => {
    const size = Math.max(1, Math.floor((room - lines) / perItem))
    return { start: windowStart(count, selected, size), size }
  }
  if (room <= perItem) return { ...sized(0), before: null, after: null }
  let shown = sized(1)
  const both = (w: { start: number, size: number }): boolean => w.start > 0 && w.start + w.size < count
  const two = both(shown) && Math.floor((room - 2) / perItem) >= 1
  if (two) shown = sized(2)
  const above = shown.start
  const below = count - shown.start - shown.size
  if (two || above <= 0 || below <= 0) {
    return { ...shown, before: above > 0 ? moreLine(`${key}-above`, above, 0) : null, after: below > 0 ? moreLine(`${key}-below`, 0, below) : null }
  }
  return { ...shown, before: null, after: moreLine(`${key}-below`, above, below) }
}

/** First index of a `size`-row window over `count` rows that keeps `selected` visible. */
export function windowStart (count: number, selected: number, size: number): number {
  if (size <= 0 || count <= size) return 0
  const half = Math.floor(size / 2)
  return Math.max(0, Math.min(selected - half, count - size))
}
