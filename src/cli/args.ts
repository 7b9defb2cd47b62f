// Argument parsing shared by all commands (node:util parseArgs), plus the
// `--home` rule. Each command declares its options; `--help` is everywhere.

import { parseArgs, type ParseArgsConfig } from 'node:util'
import { resolveHome } from '../daemon/config.ts'
import { UsageError } from './output.ts'

export type Options = NonNullable<ParseArgsConfig['options']>

export const COMMON: Options = {
  home: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' }
}

export function parse (argv: string[], options: Options): { values: Record<string, any>, positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options: { ...COMMON, ...options }, allowPositionals: true, strict: true })
    return { values: r.values as Record<string, any>, positionals: r.positionals }
  } catch (err) {
    // Node's own text goes on about positionals after '--' and leaves a quote open (review finding): the option is what matters
    const unknown = /^Unknown option '([^']*)'/.exec((err as Error).message)
    throw new UsageError(`${unknown != null ? `unknown option ${unknown[1]}` : (err as Error).message}; see --help`)
  }
}

export function homeOf (values: Record<string, any>): string {
  return resolveHome(values.home as string | undefined)
}
