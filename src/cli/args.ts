// Argument parsing shared by all commands (node:util parseArgs), plus the
// `--home` rule. Each command declares its options; `--help` is everywhere.

import { existsSync } from 'node:fs'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { resolveHome } from '../daemon/config.ts'
import { UsageError } from './output.ts'
import { sanitizeForDisplay } from '../errors.ts'

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
    throw new UsageError(`${unknown != null ? `unknown option ${unknown[1]}${dashFileHint(argv)}` : (err as Error).message}; see --help`)
  }
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
