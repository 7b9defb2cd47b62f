// `ferry tui`: the terminal UI, a thin client of the daemon's control API.

import { homeOf, parseOptionsOnly } from '../args.ts'

export const help = `Usage: ferry tui [--home DIR]

Full-screen terminal UI: peers, pairing, incoming offers, transfers, send.
Keyboard only; the help line at the bottom lists the keys that act there,
and ? all of them. q or Ctrl-C quits the UI; the daemon and its transfers
keep running. It needs a terminal on stdin and stdout; scripts use
\`ferry status\`, \`ferry peers\` and \`ferry transfers --json\`.
`

export async function run (argv: string[]): Promise<number> {
  const { values } = parseOptionsOnly(argv, {}, 'tui')
  if (values.help === true) { process.stdout.write(help); return 0 }
  const { runTui } = await import('../../tui/index.ts')
  return await runTui({ home: homeOf(values) })
}
