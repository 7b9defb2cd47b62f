// The command the TUI's "daemon not running" screen gives to start the
// daemon it talks to: `ferry daemon` with the flags that daemon was started
// with, as its status gave them (startFlags), or with --home alone before
// one has answered (helper finding: a receive folder, --no-mdns, --listen
// were left out, and pasted it started another daemon than the one before).
// Laid out for the width: a line that does not hold it all ends in a
// continuation (" \", or "\" inside a word), so that the lines copied
// together from the terminal are still the one command to the shell.

import { homedir } from 'node:os'
import { quoteForShell, sanitizeForDisplay } from '../errors.ts'
import { displayWidth } from './format.ts'
import { g, isNarrow, textRows } from './components/ui.ts'
import type { Ui } from './components/ui.ts'

/**
 * A shell word as pieces a line may be broken between: `prefix` (unquoted,
 * at its start: `~/`), then the atoms of its text, in `open` and `close`
 * quotes. Broken, each part is quoted on its own, which the shell joins
 * again: `/tmp/a\⏎b`, `'my pho'\⏎'tos'`, `$'caf'\⏎$'\u00e9'` (found using
 * the TUI at 30x8: a quoted name as wide as the line was left whole, its
 * " \" wrapped to a line of its own, and the pasted lines ran as two
 * commands).
 */
export class ShellWord {
  readonly prefix: string
  readonly atoms: string[]
  readonly open: string
  readonly close: string

  constructor (prefix: string, atoms: string[], open = '', close = '') {
    this.prefix = prefix
    this.atoms = atoms
    this.open = open
    this.close = close
  }

  /** Atoms `from` to `to` as the shell reads them, with the prefix where they begin the word. */
  part (from: number, to: number): string {
    return `${from === 0 ? this.prefix : ''}${this.open}${this.atoms.slice(from, to).join('')}${this.close}`
  }

  toString (): string {
    return this.part(0, this.atoms.length)
  }
}

/**
 * `s` in ANSI-C quotes ($'…'), which bash, zsh and ksh read back as `s`,
 * each character `drawn` leaves out escaped (\xNN, \uNNNN, \UNNNNNNNN): a
 * control character or bidi mark, which a terminal must not be handed
 * (sanitizeForDisplay), and on an ASCII-only terminal (FERRY_ASCII) anything
 * not ASCII. The name stays the daemon's own, not as ascii-text.ts draws it.
 */
function ansiCQuoted (prefix: string, s: string, drawn: (c: string) => boolean): ShellWord {
  return new ShellWord(prefix, Array.from(s, (c) => {
    const code = c.codePointAt(0) ?? 0
    if (c === '\\' || c === "'") return `\\${c}`
    if (drawn(c)) return c
    if (code < 0x80) return `\\x${code.toString(16).padStart(2, '0')}`
    return code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  }), "$'", "'")
}

/** `s` as it is where the shell reads nothing in it specially (quoteForShell), else in single quotes, a quote in it as '\'' . */
function quoted (prefix: string, s: string): ShellWord {
  if (quoteForShell(s) === s) return new ShellWord(prefix, Array.from(s))
  return new ShellWord(prefix, Array.from(s, (c) => c === "'" ? "'\\''" : c), "'", "'")
}

/** `s` as a shell word, a path in the user's home folder as ~/… (shorter, and the shell makes it whole again); `ascii`: see ansiCQuoted. */
function shellWord (s: string, userHome: string, ascii: boolean): ShellWord {
  const inHome = userHome !== '' && userHome !== '/' && s.startsWith(`${userHome}/`)
  const [prefix, rest] = inHome ? ['~/', s.slice(userHome.length + 1)] : ['', s]
  const drawn = (c: string): boolean => ascii ? c >= ' ' && c <= '~' : sanitizeForDisplay(c) === c
  return Array.from(rest).every(drawn) ? quoted(prefix, rest) : ansiCQuoted(prefix, rest, drawn)
}

/** The command's words, as shell words: `ferry daemon`, then `flags` (a daemon's status), else `--home home`; `ascii`: for an ASCII-only terminal. */
export function startWords (home: string, flags: string[] | undefined, userHome: string, ascii = false): ShellWord[] {
  return ['ferry', 'daemon', ...(flags ?? ['--home', home])].map((w, i) => i < 2 || w.startsWith('--') ? new ShellWord('', Array.from(w)) : shellWord(w, userHome, ascii))
}

/** The words in groups kept on one line where they fit: `ferry daemon`, and each flag with its value. */
function groups (words: ShellWord[]): ShellWord[][] {
  const out: ShellWord[][] = []
  for (const w of words) {
    const last = out[out.length - 1]
    const first = last == null ? '' : String(last[0])
    const joins = last != null && ((first === 'ferry' && String(w) === 'daemon') || (last.length === 1 && first.startsWith('--') && !String(w).startsWith('--')))
    if (joins) last.push(w); else out.push([w])
  }
  return out
}

/**
 * The command in lines of at most `width` cells, `lead` ("start it:")
 * before the first. Breaks between groups first, then between words, and a
 * word longer than a line inside it (ShellWord).
 */
export function startCommandLines (words: ShellWord[], width: number, lead = ''): string[] {
  const lines: string[] = []
  let cur = lead
  const all = groups(words)
  const fits = (text: string, last: boolean): boolean => displayWidth(text) <= (last ? width : width - 2)
  const join = (a: string, b: string): string => a === '' ? b : `${a} ${b}`
  // the lead is no part of the command: no continuation after it alone
  const newLine = (): void => { if (cur !== '') lines.push(lines.length === 0 && cur === lead ? cur : `${cur} \\`); cur = '' }
  all.forEach((group, gi) => {
    const last = gi === all.length - 1
    const whole = group.join(' ')
    if (fits(join(cur, whole), last)) { cur = join(cur, whole); return }
    if (fits(whole, last)) { newLine(); cur = whole; return }
    group.forEach((word, wi) => {
      const lastWord = last && wi === group.length - 1
      const text = String(word)
      if (fits(join(cur, text), lastWord)) { cur = join(cur, text); return }
      if (fits(text, lastWord)) { newLine(); cur = text; return }
      // inside the word: as much as fits on this line (or a new one, if little would), then the rest
      const n = word.atoms.length
      if (displayWidth(join(cur, word.part(0, Math.min(n, 4)))) > width - 1) newLine()
      for (let from = 0; from < n;) {
        const rest = word.part(from, n)
        if (fits(join(cur, rest), lastWord)) { cur = join(cur, rest); return }
        const room = width - 1 - displayWidth(join(cur, ''))
        let to = from + 1
        while (to < n && displayWidth(word.part(from, to + 1)) <= room) to++
        lines.push(`${join(cur, word.part(from, to))}\\`)
        cur = ''
        from = to
      }
    })
  })
  if (cur !== '') lines.push(cur)
  return lines
}

/**
 * What the "daemon not running" screen says, line by line: at 60 columns and
 * more "daemon not running — start it with `…`", or the command on lines of
 * its own under it where it does not fit there; narrower, without what the
 * status line says (user-test finding: cut off at 30x8), "start it:" and the
 * command. `flags`: the daemon's own, from its last status.
 */
export function startHintLines (home: string, flags: string[] | undefined, ui: Ui): string[] {
  const words = startWords(home, flags, homedir(), !ui.unicode)
  if (isNarrow(ui)) return startCommandLines(words, ui.width, 'start it:')
  const sentence = `daemon not running ${g(ui, '—')} start it with`
  const inline = `${sentence} \`${words.join(' ')}\``
  if (displayWidth(inline) <= ui.width) return [inline]
  // not indented: a line broken inside a word goes on at the next one's first cell, as the shell joins them
  return [`${sentence}:`, ...startCommandLines(words, ui.width)]
}

/** The hint as drawn: the command's lines, and what is said in place of those cut off. */
export interface StartHint { lines: string[], cut?: string }

/**
 * The hint in at most `rows` lines: whole where it fits; else its first
 * lines, and in place of the rest `cut`, which says so and how to see all of
 * it. Cut rather than drawn over the help line, whose "q quit" a person at
 * 30x8 needs more (found using the TUI at 30x8: a command of five lines took
 * its row). The lines kept end in their continuation as they did: copied
 * and pasted, the shell waits for the rest, where without it the command
 * would start a daemon without the flags cut off (another daemon than the
 * one before).
 */
export function fitStartHint (lines: string[], rows: number, ui: Ui): StartHint {
  if (lines.length <= rows) return { lines }
  // on one line: wrapped at 20 columns, the room cut it to "… cut: make the" (found using the TUI at 20x6)
  const long = `${g(ui, '…')} cut: widen the terminal`
  const cut = displayWidth(long) <= ui.width ? long : `${g(ui, '…')} cut: widen`
  return { lines: lines.slice(0, Math.max(0, rows - textRows(cut, ui.width))), cut }
}
