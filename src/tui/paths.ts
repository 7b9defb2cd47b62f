// Turning the Send screen's typed text into absolute paths and checking that
// they exist before anything goes to the daemon (the daemon may run in another
// directory, so relative paths are resolved here, against the TUI's cwd).
//
// The text is split as a shell would split it, because paths are pasted from
// shells and file managers: `/tmp/my\ photos`, '/tmp/my photos' and
// "/tmp/a b" are one path each (user-test finding: they failed). A plain
// path with spaces, typed or pasted without quotes, still works when the
// whole text names something that exists.

import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { expandTilde } from '../daemon/config.ts'
import { quoteForShell } from '../errors.ts'
import { resolve } from 'node:path'

/**
 * One shell word: its text with quotes and escapes removed; `tilde` when it began with an unquoted `~` (a shell
 * expands only those); `open`, the quote in it left open, which ran to the end of the text.
 */
export interface ShellWord { text: string, tilde: boolean, open?: '"' | "'" }

/** Inside "double quotes" a backslash escapes only these (POSIX sh); elsewhere it stays. */
const DOUBLE_QUOTE_ESCAPES = new Set(['"', '\\', '$', '`'])

/**
 * Split like a POSIX shell, without expansions: blanks separate words;
 * 'single quotes' keep everything; "double quotes" keep everything but \" \\
 * \$ \`; outside quotes a backslash keeps the next character (`\ ` is a
 * space). Quoted and unquoted parts next to each other make one word
 * (/tmp/"my photos"/x). A quote left open runs to the end of the text,
 * rather than failing: the existence check then says what was not found,
 * and that its quote was left open.
 */
export function shellWords (text: string): ShellWord[] {
  const words: ShellWord[] = []
  const chars = Array.from(text)
  let word: ShellWord | undefined
  const add = (c: string, quoted: boolean): void => {
    if (word == null) { word = { text: '', tilde: !quoted && c === '~' }; words.push(word) }
    word.text += c
  }
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]
    // what a shell splits on, not every space: macOS screenshot names hold U+202F before "PM" (review finding)
    if (c === ' ' || c === '\t' || c === '\n') { word = undefined; continue }
    if (c === '\\') {
      // a backslash at the very end has nothing to keep: it stays itself
      add(i + 1 < chars.length ? chars[++i] : c, true)
    } else if (c === "'") {
      const end = chars.indexOf("'", i + 1)
      const stop = end < 0 ? chars.length : end
      openWord()
      if (end < 0) word!.open = "'"
      for (let j = i + 1; j < stop; j++) add(chars[j], true)
      i = stop
    } else if (c === '"') {
      openWord()
      let j = i + 1
      for (; j < chars.length && chars[j] !== '"'; j++) {
        if (chars[j] === '\\' && j + 1 < chars.length && DOUBLE_QUOTE_ESCAPES.has(chars[j + 1])) j++
        add(chars[j], true)
      }
      if (j >= chars.length) word!.open = '"'
      i = j
    } else {
      add(c, false)
    }
  }
  return words

  /** '' and "" are a word of their own, even empty (as in a shell); dropped later as no path. */
  function openWord (): void {
    if (word == null) { word = { text: '', tilde: false }; words.push(word) }
  }
}

/** The words' texts, without empty ones (`''` names no path). */
export function splitPaths (text: string): string[] {
  return shellWords(text).map((w) => w.text).filter((t) => t !== '')
}

/**
 * Paths pasted a line each (a file manager's, `ls`, `find`) as the Send
 * field's text: a line that names something as it stands is one path,
 * quoted so that its spaces and quotes stay in it (helper finding: "/tmp/my
 * photos" went as "/tmp/my" and "photos"); another is left as typed, to be
 * read as a shell reads it (`my\ photos`, '~/x', quoted already).
 */
export function pastedLines (lines: string[], exists: (p: string) => boolean = existsSync, cwd = process.cwd()): string {
  return lines.map((l) => !l.startsWith('~') && exists(resolve(cwd, l)) ? quoteForShell(l) : l).join(' ')
}

/** `~/x` → home/x (expandTilde, as for --home), then absolute against `cwd`. */
export function resolvePath (p: string, cwd = process.cwd(), home = homedir()): string {
  return resolve(cwd, expandTilde(p, home))
}

export interface CheckedPaths { paths: string[], missing: string[] }

/**
 * Resolve the typed paths; `missing` keeps each one as the user meant it
 * (quotes and escapes removed) so that it can be found. The whole text,
 * as typed, is one path when it names something that exists (`/tmp/my
 * photos` pasted bare, or a name with a quote in it); otherwise it is split
 * as a shell would. So a folder "a b" wins over the two paths a and b.
 */
export function checkPaths (text: string, exists: (p: string) => boolean = existsSync, cwd = process.cwd(), home = homedir()): CheckedPaths {
  // as typed first (a name may end in a space: "notes " beside "notes"; review finding), then without the spaces around it
  for (const whole of new Set([text.replace(/[\r\n]+$/, ''), text.trim()])) {
    if (whole.trim() !== '' && exists(resolvePath(whole, cwd, home))) return { paths: [resolvePath(whole, cwd, home)], missing: [] }
  }
  const paths: string[] = []
  const missing: string[] = []
  for (const w of shellWords(text)) {
    if (w.text === '') continue
    // a quoted ~ is a folder named "~", as in a shell
    const abs = w.tilde ? resolvePath(w.text, cwd, home) : resolve(cwd, w.text)
    if (exists(abs)) paths.push(abs)
    // read to the end from a quote left open: said, as a shell would refuse it (user-test finding: `it's.txt b.bin`
    // said "not found: its.txt b.bin", read as two names not found, b.bin there)
    else missing.push(w.open === undefined ? w.text : `${w.text} (read from a ${w.open} not closed to the end; a ${w.open} in a name is typed \\${w.open})`)
  }
  return { paths, missing }
}
