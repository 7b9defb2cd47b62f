// Which command takes which of its own options, for the usage error of one
// given before the command (main.ts leadingOptions).

import { sanitizeForDisplay } from '../errors.ts'

/**
 * Each command's own long options (not --home, --help, --json, which all take), for the example of an
 * option given before the command: a static table, as loading every command's module to ask would slow
 * every start. test/unit/own-options.test.ts keeps it as the commands parse them.
 */
export const OWN_OPTIONS: Readonly<Record<string, readonly string[]>> = {
  daemon: ['name', 'listen', 'peer', 'no-mdns', 'receive-dir', 'verbose'],
  pair: ['expires', 'peer'],
  peers: ['all'],
  transfers: ['limit']
}

/**
 * How an option given before the command is given after it: with a command that takes it, the one given
 * where it does (user-test finding: `ferry --verbose status` was shown `ferry <command> --verbose …`, and
 * only `ferry daemon` takes it); `<command>` for an option none takes.
 */
export function ownOptionExample (arg: string, after: string[]): string {
  const name = arg.startsWith('--') ? arg.slice(2).split('=')[0] : ''
  const takers = Object.keys(OWN_OPTIONS).filter((c) => OWN_OPTIONS[c].includes(name))
  const given = after.find((a) => takers.includes(a))
  const shown = given != null ? [given] : takers
  if (shown.length === 0) return `\`ferry <command> ${sanitizeForDisplay(arg)} …\``
  return shown.map((c) => `\`ferry ${c} --${name} …\``).join(' or ')
}
