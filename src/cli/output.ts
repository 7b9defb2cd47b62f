// How the CLI talks to people and scripts: errors as one line
// `ferry: E_CODE: message` on stderr, exit 1 (2 for usage); JSON on stdout with --json.

import { FerryError, escapeForTerminal, sanitizeForDisplay, toFerryError } from '../errors.ts'
import { displayWidth, truncate } from '../tui/format.ts'

export class UsageError extends FerryError {
  constructor (message: string) { super('E_USAGE', message) }
}

/**
 * The error line on stderr, and the exit code. With `json` (the command was
 * given --json and printed no JSON of its own), also `{"error": {code,
 * message}}` on stdout: a script reads every failure from stdout as it
 * reads a result (user-test finding: an unknown peer or a missing path left
 * stdout empty, and only stderr told E_PEER_NOT_FOUND from E_DECLINED).
 */
export function printError (err: unknown, json = false): number {
  const fe = toFerryError(err)
  process.stderr.write(`ferry: ${fe.code}: ${sanitizeForDisplay(fe.message)}\n`)
  if (json) printJson({ error: { code: fe.code, message: fe.message } })
  return fe.code === 'E_USAGE' ? 2 : 1
}

/** Whether this command printed JSON on stdout already (printError adds none then). */
let jsonPrinted = false
export function printedJson (): boolean { return jsonPrinted }

/** What stops a command that waits on the daemon (`ferry send`, `ferry pair`), and what it started: Ctrl-C, `kill` (and `timeout`), a closed terminal. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

/**
 * Stop signals within this long of the first are that one again, not a
 * second: the bin/ferry.js wrapper (under an older system Node) passes on
 * what its process group got too, and `timeout` and service managers signal
 * the whole group.
 */
export const SIGNAL_REPEAT_MS = 2000

/**
 * Call `onStop` at the first of STOP_SIGNALS. One within SIGNAL_REPEAT_MS of
 * it is the same request and ignored (helper finding: the wrapper's copy of
 * a Ctrl-C killed `ferry send` before its cancel was answered, exit 130,
 * stdout empty under --json, one time in three); after that no listener is
 * left, and another signal ends the command at once, should the daemon not
 * answer. Returns what removes the listeners sooner.
 */
export function onStopSignal (onStop: (sig: NodeJS.Signals) => void): () => void {
  let repeats: NodeJS.Timeout | undefined
  const remove = (): void => {
    clearTimeout(repeats)
    for (const s of STOP_SIGNALS) process.removeListener(s, listener)
  }
  const listener = (sig: NodeJS.Signals): void => {
    if (repeats !== undefined) return
    repeats = setTimeout(remove, SIGNAL_REPEAT_MS).unref()
    onStop(sig)
  }
  for (const s of STOP_SIGNALS) process.on(s, listener)
  return remove
}

/**
 * A command's `--json` output: one JSON document per line wherever a
 * program reads it, as printJsonLine's sequences are (notes' leftover: a
 * reader going line by line, as it must for `ferry pair --json`, broke on
 * the pretty-printed objects of the other commands); indented only for a
 * person at a terminal.
 */
export function printJson (value: unknown): void {
  jsonPrinted = true
  process.stdout.write(escapeForTerminal(process.stdout.isTTY === true ? JSON.stringify(value, null, 2) : JSON.stringify(value)) + '\n')
}

/** One JSON object on one line: for output that is a sequence of them (`ferry pair --json`: the code, then the result). */
export function printJsonLine (value: unknown): void {
  jsonPrinted = true
  process.stdout.write(escapeForTerminal(JSON.stringify(value)) + '\n')
}

// JSON on a terminal: src/errors.ts says why
export { escapeForTerminal } from '../errors.ts'

// the TUI says counts and durations alike (its details of a transfer)
export { counted, duration } from '../tui/format.ts'


/** Print rows as aligned columns, by terminal cells (a CJK name takes two per character). */
export function table (rows: string[][]): string {
  const widths = columnWidths(rows)
  return rows.map((r) => r.map((c, i) => i === r.length - 1 ? c : c + ' '.repeat(widths[i] - displayWidth(c))).join('  ')).join('\n') + '\n'
}

function columnWidths (rows: string[][]): number[] {
  return rows[0]?.map((_, i) => Math.max(...rows.map((r) => displayWidth(r[i] ?? '')))) ?? []
}

/**
 * `rows` (a header first) cut to fit `columns` cells a line, as `table`
 * prints them: the widest of the `shrinkable` columns (index → the fewest
 * cells it keeps) loses a cell at a time, its cells ending in "…", until the
 * table fits or none can give more. Rows of a table wider than the terminal
 * wrapped, each one over two lines (user-test finding: `ferry transfers` at
 * ~130 columns on an 80-column terminal).
 */
export function fitRows (rows: string[][], columns: number, shrinkable: ReadonlyMap<number, number>): string[][] {
  const widths = columnWidths(rows)
  const total = (): number => widths.reduce((n, w) => n + w, 0) + 2 * Math.max(0, widths.length - 1)
  while (total() > columns) {
    let widest = -1
    for (const [i, min] of shrinkable) if (widths[i] > min && (widest < 0 || widths[i] > widths[widest])) widest = i
    if (widest < 0) break
    widths[widest]--
  }
  return rows.map((r, ri) => r.map((c, i) => ri === 0 || !shrinkable.has(i) ? c : truncate(c, widths[i])))
}

