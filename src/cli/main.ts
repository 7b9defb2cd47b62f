// The `ferry` command: dispatch to a subcommand. Every command but `daemon`
// is a thin client of the daemon's control API.

import { printError } from './output.ts'
import { VERSION } from '../version.ts'

type Command = { run: (argv: string[]) => Promise<number>, summary: string }

const COMMANDS: Record<string, () => Promise<Command>> = {
  daemon: async () => ({ run: (await import('./commands/daemon.ts')).run, summary: 'run the daemon' }),
  status: async () => ({ run: (await import('./commands/status.ts')).status, summary: 'show this daemon' }),
  peers: async () => ({ run: (await import('./commands/status.ts')).peers, summary: 'list peers' }),
  pair: async () => ({ run: (await import('./commands/pair.ts')).pair, summary: 'pair' }),
  unpair: async () => ({ run: (await import('./commands/pair.ts')).unpair, summary: 'unpair' }),
  tui: async () => ({ run: (await import('./commands/tui.ts')).run, summary: 'tui' }),
  send: async () => ({ run: (await import('./commands/transfer.ts')).send, summary: '' }),
  transfers: async () => ({ run: (await import('./commands/transfer.ts')).transfers, summary: '' }),
  offers: async () => ({ run: (await import('./commands/transfer.ts')).offers, summary: '' }),
  accept: async () => ({ run: (await import('./commands/transfer.ts')).accept, summary: '' }),
  decline: async () => ({ run: (await import('./commands/transfer.ts')).decline, summary: '' }),
  cancel: async () => ({ run: (await import('./commands/transfer.ts')).cancel, summary: '' })
}

const SUMMARIES: Array<[string, string]> = [
  ['daemon', 'run the daemon in the foreground'],
  ['status', "show this daemon's peer ID, addresses, uptime"],
  ['peers', 'list ferry peers seen on the network'],
  ['pair', 'show a pairing code, or enter one shown on another device'],
  ['unpair', 'remove trust in a paired peer'],
  ['send', 'send files and folders to a paired peer'],
  ['transfers', 'list transfers and their receipts'],
  ['offers', 'list incoming offers waiting for a decision'],
  ['accept', 'accept a pending offer'],
  ['decline', 'decline a pending offer'],
  ['cancel', 'cancel an active transfer'],
  ['tui', 'full-screen terminal UI: peers, pairing, offers, transfers']
]

export const usage = (): string => `ferry ${VERSION}: peer-to-peer file transfer on the local network

Usage: ferry <command> [options]   (every command takes --home DIR and --help)

Commands:
${SUMMARIES.map(([c, s]) => `  ${c.padEnd(10)} ${s}`).join('\n')}
`

export async function main (argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv
  if (cmd == null || cmd === '--help' || cmd === '-h' || cmd === 'help') { process.stdout.write(usage()); return cmd == null ? 2 : 0 }
  if (cmd === '--version') { process.stdout.write(VERSION + '\n'); return 0 }
  const load = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined
  if (load == null) return printError(new (await import('./output.ts')).UsageError(`unknown command "${cmd}"; run \`ferry --help\``))
  try {
    return await (await load()).run(rest)
  } catch (err) {
    return printError(err)
  }
}

const code = await main(process.argv.slice(2))
process.exitCode = code
