// The command the TUI's "daemon not running" screen gives to start the
// daemon it talks to: `ferry daemon` with the flags that daemon was started
// with, as its status gave them (startFlags), or with --home alone before
// one has answered (helper finding: a receive folder, --no-mdns, --listen
// were left out, and pasted it started another daemon than the one before).
// Laid out for the width: a line that does not hold it all ends in a
// continuation (" \", or "\" inside a word), so that the lines copied
// together from the terminal are still the one command to the shell.

import { homedir } from 'node:os'
import { quoteForShell } from '../errors.ts'
import { displayWidth } from './format.ts'
import { g, isNarrow } from './components/ui.ts'
import type { Ui } from './components/ui.ts'

/**
 * `s` in ANSI-C quotes ($'…'), each character that is not ASCII as \uNNNN
 * or \UNNNNNNNN: a command an ASCII-only terminal can draw (FERRY_ASCII),
 * which bash, zsh and ksh read back as `s` (the name is the daemon's as it
 * is, not as ascii-text.ts draws it).
 */
function ansiCQuote (s: string): string {
  const escaped = Array.from(s, (c) => {
    const code = c.codePointAt(0) ?? 0
    if (c === '\\' || c === "'") return `\\${c}`
    if (code < 0x80) return c
    return code > 0xffff ? `\\U${code.toString(16).padStart(8, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
  return `$'${escaped.join('')}'`
}

/** `s` as a shell word, a path in the user's home folder as ~/… (shorter, and the shell makes it whole again); `ascii`: see ansiCQuote. */
function shellWord (s: string, userHome: string, ascii: boolean): string {
  // eslint-disable-next-line no-control-regex
  if (ascii && !/^[\u0000-\u007f]*$/.test(s)) return ansiCQuote(s)
  if (userHome !== '' && userHome !== '/' && s.startsWith(`${userHome}/`)) return `~/${quoteForShell(s.slice(userHome.length + 1))}`
  return quoteForShell(s)
}

/** The command's words, as shell words: `ferry daemon`, then `flags` (a daemon's status), else `--home home`; `ascii`: for an ASCII-only terminal. */
export function startWords (home: string, flags: string[] | undefined, userHome: string, ascii = false): string[] {
  return ['ferry', 'daemon', ...(flags ?? ['--home', home]).map((w) => w.startsWith('--') ? w : shellWord(w, userHome, ascii))]
}

/** The words in groups kept on one line where they fit: `ferry daemon`, and each flag with its value. */
function groups (words: string[]): string[][] {
  const out: string[][] = []
  for (const w of words) {
    const last = out[out.length - 1]
    const joins = last != null && ((last[0] === 'ferry' && w === 'daemon') || (last.length === 1 && last[0].startsWith('--') && !w.startsWith('--')))
    if (joins) last.push(w); else out.push([w])
  }
  return out
}

/** A word the shell reads the same with a backslash and a line break anywhere in it: no quotes, no backslash, no ~ at a break's edge. */
const breakable = (w: string): boolean => /^[\w./@%+=:,-]+$/.test(w)

/**
 * The command in lines of at most `width` cells, `lead` ("start it:")
 * before the first. Breaks between groups first, then between words, and a
 * word longer than a line inside it, where the shell allows (a quoted one
 * is left whole, to wrap).
 */
export function startCommandLines (words: string[], width: number, lead = ''): string[] {
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
      if (fits(join(cur, word), lastWord)) { cur = join(cur, word); return }
      if (fits(word, lastWord) || !breakable(word)) { newLine(); cur = word; return }
      // inside the word: as much as fits on this line (or a new one, if little would), then the rest
      let rest = Array.from(word)
      if (width - 1 - displayWidth(join(cur, '')) < 8) newLine()
      while (!fits(join(cur, rest.join('')), lastWord)) {
        const room = Math.max(1, width - 1 - displayWidth(join(cur, '')))
        lines.push(`${join(cur, rest.slice(0, room).join(''))}\\`)
        rest = rest.slice(room)
        cur = ''
        if (fits(rest.join(''), lastWord)) break
      }
      cur = join(cur, rest.join(''))
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
