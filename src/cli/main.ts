// The `ferry` command: dispatch to a subcommand. Every command but `daemon`
// is a thin client of the daemon's control API.

import { printError, printedJson, printJson, UsageError } from './output.ts'
import { parseOptionsOnly } from './args.ts'
import { VERSION } from '../version.ts'
import { reexecWithDaemonFlags } from './daemon-flags.ts'
import { resolveHome } from '../daemon/config.ts'
import { markStarting, notStarting } from '../daemon/starting-mark.ts'
import { resolve } from 'node:path'
import { quoteForDisplay, sanitizeForDisplay, toFerryError } from '../errors.ts'
import { isNear } from '../edit-distance.ts'
import { ownOptionExample } from './own-options.ts'
import { stopSignalFor, stopWithWrapper } from './wrapper-watch.ts'

type Run = (argv: string[]) => Promise<number>

const COMMANDS: Array<[name: string, summary: string, load: () => Promise<Run>]> = [
  ['daemon', 'run the daemon in the foreground', async () => (await import('./commands/daemon.ts')).run],
  ['status', "show this daemon's peer ID, addresses, uptime, memory", async () => (await import('./commands/status.ts')).status],
  ['peers', 'list ferry peers seen on the network', async () => (await import('./commands/status.ts')).peers],
  ['connect', 'reach the ferry daemon at an address now (another subnet, a VPN)', async () => (await import('./commands/status.ts')).connect],
  ['pair', 'show a pairing code, or enter one shown on another device', async () => (await import('./commands/pair.ts')).pair],
  ['unpair', 'remove trust in a paired peer', async () => (await import('./commands/pair.ts')).unpair],
  ['auto-accept', 'accept offers from a paired peer automatically (on) or ask (off)', async () => (await import('./commands/pair.ts')).autoAccept],
  ['send', 'send files and folders to a paired peer', async () => (await import('./commands/transfer.ts')).send],
  ['transfers', 'list transfers and their receipts', async () => (await import('./commands/transfer.ts')).transfers],
  ['offers', 'list incoming offers waiting for a decision', async () => (await import('./commands/transfer.ts')).offers],
  ['accept', 'accept a pending offer', async () => (await import('./commands/transfer.ts')).accept],
  ['decline', 'decline a pending offer', async () => (await import('./commands/transfer.ts')).decline],
  ['cancel', 'cancel an active transfer', async () => (await import('./commands/transfer.ts')).cancel],
  ['wait', 'wait until a transfer ends (exit 0 when done and verified)', async () => (await import('./commands/transfer.ts')).wait],
  ['tui', 'full-screen terminal UI: peers, pairing, offers, transfers, send', async () => (await import('./commands/tui.ts')).run],
  ['version', "print ferry's version, as --version does", async () => version]
]

export const usage = (): string => `ferry ${VERSION}: peer-to-peer file transfer on the local network

Usage: ferry [--home DIR] [--json] <command> [options]
       ferry --version   (ferry's version; also \`ferry version\`)

Every command takes --home DIR and --help; --home and --json may also come
before it.

Commands:
${COMMANDS.map(([c, s]) => `  ${c.padEnd(11)} ${s}`).join('\n')}
`

export async function main (argv: string[]): Promise<number> {
  // `ferry --home H status` is `ferry status --home H`, as git and docker users write it (user-test finding: refused)
  let leading: string[]
  try {
    ({ leading, rest: argv } = leadingOptions(argv))
  } catch (err) { return printError(err, givesJson(argv)) }
  // `ferry help send` is `ferry send --help`, as git, npm and cargo have it
  // (user-test finding: it printed the list of commands again)
  if (argv[0] === 'help' && argv[1] != null && !argv[1].startsWith('-')) argv = [argv[1], '--help']
  const [cmd, ...after] = argv
  // before the command's own: a later --home given after the command still counts, as when both come after it
  const rest = [...leading, ...after]
  // a script that gave --json and no command (an empty variable for it) reads that from stdout as any other
  // usage error, not the help text (notes' leftover: `ferry --json` printed the usage)
  if (cmd == null && givesJson(leading)) return printError(new UsageError('no command given: ferry [--home DIR] [--json] <command> [options]; run `ferry --help` for the commands'), true)
  if (cmd == null || cmd === '--help' || cmd === '-h' || cmd === 'help') { process.stdout.write(usage()); return cmd == null ? 2 : 0 }
  // with --json, before it or after it, as `ferry version --json` prints it (user-test finding: the bare version)
  if (cmd === '--version') { if (givesJson(rest)) printJson({ version: VERSION }); else process.stdout.write(VERSION + '\n'); return 0 }
  const entry = COMMANDS.find(([name]) => name === cmd)
  // a script that misspelt the command reads that from stdout too, as every other
  // failure with --json (user-test finding: `ferry sned nas x --json` left stdout empty)
  if (entry == null) return printError(new UsageError(`unknown command ${quoteForDisplay(cmd)}${unknownCommandHint(cmd)}; run \`ferry --help\``), givesJson(rest))
  // before anything slow (the re-exec starts Node again): a command run right after `ferry daemon &` waits for it (starting-mark.ts)
  const starting = cmd === 'daemon' && !rest.includes('--help') && !rest.includes('-h') ? resolve(resolveHome(homeFlag(rest))) : undefined
  if (cmd === 'daemon') {
    if (starting !== undefined) markStarting(starting)
    reexecWithDaemonFlags()
    outlivesItsOutput = true
  }
  try {
    return await (await entry[2]())(rest)
  } catch (err) {
    // a daemon that did not start (a usage error, its home taken): no one is to wait for it, and a home made for it goes
    if (starting !== undefined) await notStarting(starting)
    // the error as JSON on stdout too, unless the command printed its own
    return printError(err, cmd !== 'daemon' && givesJson(rest) && !printedJson())
  }
}

const versionHelp = `Usage: ferry version [--json]

Print this ferry's version, as \`ferry --version\` does (\`ferry status\` shows
the running daemon's, which may be older until it is restarted).
`

/**
 * `ferry version`: what `ferry --version` prints, as git, docker and go users
 * type it (user-test finding: an unknown command); --json as every command.
 */
async function version (argv: string[]): Promise<number> {
  const { values } = parseOptionsOnly(argv, {}, 'version')
  if (values.help === true) process.stdout.write(versionHelp)
  else if (values.json === true) printJson({ version: VERSION })
  else process.stdout.write(VERSION + '\n')
  return 0
}

/**
 * The options every command takes (--home DIR and --json), given before the
 * command, taken off for it to parse with its own; `--help`, `-h` and
 * `--version` end them, as they stand for a command there. Any other option
 * there is a usage error: a command's own options come after it.
 */
function leadingOptions (argv: string[]): { leading: string[], rest: string[] } {
  let i = 0
  for (; i < argv.length && argv[i].startsWith('-') && !['--help', '-h', '--version'].includes(argv[i]); i++) {
    const arg = argv[i]
    if (arg === '--json' || arg.startsWith('--json=') || arg.startsWith('--home=')) continue
    if (arg !== '--home') throw new UsageError(`unknown option ${sanitizeForDisplay(arg)} before the command: only --home DIR and --json go there; a command's own options come after it (${ownOptionExample(arg, argv.slice(i + 1))}); run \`ferry --help\``)
    // its value is the next argument, whatever it is, as after the command (where one that starts with "-" is said to be missing)
    if (++i === argv.length) throw new UsageError('--home needs a value; run `ferry --help`')
  }
  return { leading: argv.slice(0, i), rest: argv.slice(i) }
}

/**
 * What was probably meant by an unknown command (user-test finding: `ferry
 * sned` was only told to read --help): a command a typo or two away is
 * named.
 */
function unknownCommandHint (cmd: string): string {
  // as `wormhole receive` and `croc` have it: here the daemon receives by itself
  if (['receive', 'recv', 'get'].includes(cmd.toLowerCase())) return ' (the daemon receives what paired devices send by itself; `ferry offers` lists what waits for you, `ferry transfers` what came)'
  const near = COMMANDS.map(([name]) => name).find((name) => isNear(cmd.toLowerCase(), name))
  return near != null ? ` (did you mean \`ferry ${near}\`?)` : ''
}

/** The value of --home in a command's arguments (`--home D` or `--home=D`, before a `--`), if given. */
function homeFlag (args: string[]): string | undefined {
  let value: string | undefined
  for (let i = 0; i < args.length && args[i] !== '--'; i++) {
    if (args[i] === '--home') value = args[i + 1]
    else if (args[i].startsWith('--home=')) value = args[i].slice('--home='.length)
  }
  return value
}

/** The command named in `argv`, after the options every command takes; none when they are wrong (main says so). */
function commandOf (argv: string[]): string | undefined {
  try { return leadingOptions(argv).rest[0] } catch { return undefined }
}

/** --json given, before a `--` that ends the options. */
function givesJson (args: string[]): boolean {
  const options = args.includes('--') ? args.slice(0, args.indexOf('--')) : args
  return options.includes('--json')
}

/**
 * The daemon outlives its terminal: a line it can no longer write there
 * (EIO once the terminal closed, EPIPE) is dropped, never a crash. Found with
 * a pty closed under `ferry daemon --verbose`: the "stopping" line's EIO,
 * thrown on below, ended its clean stop half way (exit 1, socket left).
 */
let outlivesItsOutput = false

// `ferry transfers --json | head -1`: the reader has what it wanted and left;
// that is no error to print a stack trace for. Output that cannot be written
// (`>> log` on a full disk: ENOSPC) is said in one line on the other stream,
// exit 1 (user-test finding: a stack trace from a cron job's `ferry send`)
for (const out of [process.stdout, process.stderr]) {
  out.on('error', (err: NodeJS.ErrnoException) => {
    if (outlivesItsOutput) return
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0)
    if (out === process.stdout) sayOutputLost(err)
    process.exit(1)
  })
}

/** The line that says stdout could not be written, on stderr; nothing if that fails too. */
function sayOutputLost (err: NodeJS.ErrnoException): void {
  const fe = toFerryError(err)
  try { process.stderr.write(`ferry: ${fe.code}: cannot write the output (stdout): ${sanitizeForDisplay(fe.message)}\n`) } catch {}
}

stopWithWrapper(stopSignalFor(commandOf(process.argv.slice(2))))
process.exitCode = await main(process.argv.slice(2))
