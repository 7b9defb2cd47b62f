// Argument parsing shared by all commands (node:util parseArgs), plus the
// `--home` rule. Each command declares its options; `--help` is everywhere.

import { existsSync } from 'node:fs'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { resolveHome } from '../daemon/config.ts'
import { UsageError } from './output.ts'
import { sanitizeForDisplay } from '../errors.ts'
import { isNear } from '../edit-distance.ts'

export type Options = NonNullable<ParseArgsConfig['options']>

export const COMMON: Options = {
  home: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' }
}

export function parse (argv: string[], options: Options): { values: Record<string, any>, positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { ...COMMON, ...options }, allowPositionals: true, strict: true })
    // an option given an empty value is an unset variable (`--receive-dir "$DIR"`), not a
    // choice: resolved, "" is the working folder (user-test finding: received into it)
    for (const [name, v] of Object.entries(r.values)) {
      if (v === '' || (Array.isArray(v) && v.includes(''))) throw new UsageError(`--${name} was given an empty value (an unset variable?)`)
    }
    return { values: r.values as Record<string, any>, positionals: r.positionals }
  } catch (err) {
    if (err instanceof UsageError) throw err
    // Node's own text goes on about positionals after '--' and leaves a quote open (review finding): the option is what matters
    const unknown = /^Unknown option '([^']*)'/.exec((err as Error).message)
    throw new UsageError(`${unknown != null ? `unknown option ${unknown[1]}${nearOption(unknown[1], options)}${dashFileHint(argv)}` : valueProblem(err as Error, argv) ?? (err as Error).message}; see --help`)
  }
}

/**
 * Node's words for an option without its value, or with one it does not
 * take, said as ferry says it: "Option '--home <value>' argument missing",
 * and for `--home --json` three sentences whose newlines the one-line error
 * dropped ("…is ambiguous.Did you forget…", user-test finding). undefined:
 * not one of those.
 */
function valueProblem (err: Error, argv: string[]): string | undefined {
  if ((err as NodeJS.ErrnoException).code !== 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return undefined
  // '--home <value>', '-h, --help': the long name is the one to say
  const named = /^Option '(?:-\w, )?(--[^' ]+)/.exec(err.message)
  if (named == null) return undefined
  const option = named[1]
  if (/argument missing$/.test(err.message)) return `${option} needs a value`
  if (/argument is ambiguous/.test(err.message)) {
    // the option given twice, the first time with its value: the one followed by an option
    const at = argv.findIndex((a, i) => a === option && argv[i + 1]?.startsWith('-') === true)
    return `${option} needs a value (${at !== -1 ? sanitizeForDisplay(argv[at + 1]) : 'what follows'}, after it, is an option; a value that starts with "-" is given as ${option}=-VALUE)`
  }
  if (/does not take an argument$/.test(err.message)) {
    const given = argv.find((a) => a.startsWith(`${option}=`))
    return `${option} takes no value${given !== undefined ? ` (given ${sanitizeForDisplay(given)})` : ''}`
  }
  return undefined
}

/**
 * The command's option a typo or two away from an unknown long one, as an
 * unknown command is offered the command meant (user-test finding: `--jsn`
 * was only sent to --help).
 */
function nearOption (given: string, options: Options): string {
  if (!given.startsWith('--')) return ''
  const typed = given.slice(2).split('=')[0].toLowerCase()
  const near = Object.keys({ ...COMMON, ...options }).find((name) => isNear(typed, name))
  return near != null ? ` (did you mean --${near}?)` : ''
}

/**
 * A file whose name starts with "-" is read as options (user-test finding:
 * `ferry send alpha -weird.txt` said "unknown option -w" and nothing else);
 * where such an argument names something here, how to give it, as rm and cp
 * users know it.
 */
function dashFileHint (argv: string[]): string {
  const end = argv.indexOf('--')
  const file = (end === -1 ? argv : argv.slice(0, end)).find((a) => /^-[^-]/.test(a) && existsSync(a))
  return file == null ? '' : ` (${JSON.stringify(sanitizeForDisplay(file))} is a file here? give it as ./${sanitizeForDisplay(file)}, or put -- before it)`
}

/**
 * parse, for a command that takes options only: an argument after it is a
 * usage error, not ignored (user-test finding: `ferry transfers 39be` listed
 * everything, as if it had shown that one). `hint`: what to use instead.
 */
export function parseOptionsOnly (argv: string[], options: Options, command: string, hint = ''): { values: Record<string, any> } {
  const { values, positionals } = parse(argv, options)
  if (positionals.length > 0 && values.help !== true) throw new UsageError(`ferry ${command} takes no arguments (given ${JSON.stringify(sanitizeForDisplay(positionals[0])).slice(0, 80)})${hint}; see --help`)
  return { values }
}

export function homeOf (values: Record<string, any>): string {
  return resolveHome(values.home as string | undefined)
}
