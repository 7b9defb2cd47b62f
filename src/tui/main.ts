// Entry point of `ferry tui`: checks for a terminal, renders the App with
// Ink, and resolves with an exit code when the user quits (q or Ctrl-C).
// Quitting leaves the daemon running; nothing here talks to it directly.

import { createElement as h } from 'react'
import { render } from 'ink'
import { connectControl } from '../daemon/control/client.ts'
import { App } from './app.ts'

export interface RunTuiOptions {
  home: string
  stdin?: NodeJS.ReadStream
  stdout?: NodeJS.WriteStream
  stderr?: NodeJS.WriteStream
}

/** Exit code 2 (usage) when stdin is not a terminal, else 0 after the TUI closes. */
export async function runTui (opts: RunTuiOptions): Promise<number> {
  const stdin = opts.stdin ?? process.stdin
  const stdout = opts.stdout ?? process.stdout
  const stderr = opts.stderr ?? process.stderr
  // input components need raw mode, which only a TTY has: refuse before mounting any
  if (stdin.isTTY !== true) {
    stderr.write('ferry: E_USAGE: ferry tui needs a terminal\n')
    return 2
  }
  const instance = render(h(App, { connect: () => connectControl(opts.home), home: opts.home }), {
    stdin,
    stdout,
    stderr,
    exitOnCtrlC: true,
    alternateScreen: true,
    // a terminal is a terminal even when CI is set (Ink would then draw nothing until exit)
    interactive: stdout.isTTY === true
  })
  await instance.waitUntilExit()
  return 0
}
