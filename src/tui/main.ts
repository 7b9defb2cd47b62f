// Entry point of `ferry tui`: checks for a terminal, renders the App with
// Ink, and resolves with an exit code when the user quits (q or Ctrl-C).
// Quitting leaves the daemon running; nothing here talks to it directly.

import { createElement as h } from 'react'
import { render } from 'ink'
import { connectControl } from '../daemon/control/client.ts'
import { FerryError } from '../errors.ts'
import { App } from './app.ts'

export interface RunTuiOptions {
  home: string
  stdin?: NodeJS.ReadStream
  stdout?: NodeJS.WriteStream
  stderr?: NodeJS.WriteStream
}

/**
 * Why the TUI cannot run on these streams, or undefined when it can. Keys
 * need raw mode, which only a terminal on stdin has; the frames are cursor
 * moves and screen switches, which a file or a pipe on stdout would keep
 * as garbage (user-test finding: `ferry tui > file` drew into the file).
 */
export function notATerminal (stdin: { isTTY?: boolean }, stdout: { isTTY?: boolean }): string | undefined {
  const which = [stdin.isTTY !== true ? 'stdin' : '', stdout.isTTY !== true ? 'stdout' : ''].filter((s) => s !== '')
  if (which.length === 0) return undefined
  return `ferry tui needs a terminal, and its ${which.join(' and ')} ${which.length === 1 ? 'is' : 'are'} not one; ` +
    'in scripts use `ferry status`, `ferry peers` or `ferry transfers --json`'
}

/**
 * 0 after the TUI closes. Rejects with E_USAGE (the CLI exits 2) before
 * drawing anything when stdin or stdout is not a terminal.
 */
export async function runTui (opts: RunTuiOptions): Promise<number> {
  const stdin = opts.stdin ?? process.stdin
  const stdout = opts.stdout ?? process.stdout
  const stderr = opts.stderr ?? process.stderr
  const problem = notATerminal(stdin, stdout)
  if (problem != null) throw new FerryError('E_USAGE', problem)
  const instance = render(h(App, { connect: () => connectControl(opts.home), home: opts.home }), {
    stdin,
    stdout,
    stderr,
    exitOnCtrlC: true,
    alternateScreen: true,
    // a terminal is a terminal even when CI is set (Ink would then draw nothing until exit)
    interactive: true
  })
  await instance.waitUntilExit()
  return 0
}
