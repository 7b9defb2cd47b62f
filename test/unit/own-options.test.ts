// The static table of each command's own options (src/cli/own-options.ts), which names a command in the
// usage error of an option given before it, kept as the commands really parse their options: each command
// is run with --help, and the options it hands to the parser are recorded.

import { readFileSync } from 'node:fs'
import { describe, expect, it, vi } from 'vitest'
import type { Options } from '../../src/cli/args.ts'

const seen: { options?: Options } = {}
class Parsed extends Error {}

vi.mock('../../src/cli/args.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/cli/args.ts')>()
  const record = (options: Options): never => { seen.options = options; throw new Parsed() }
  return { ...real, parse: (_argv: string[], options: Options) => record(options), parseOptionsOnly: (_argv: string[], options: Options) => record(options) }
})

const { OWN_OPTIONS, ownOptionExample } = await import('../../src/cli/own-options.ts')
const daemon = await import('../../src/cli/commands/daemon.ts')
const status = await import('../../src/cli/commands/status.ts')
const pair = await import('../../src/cli/commands/pair.ts')
const transfer = await import('../../src/cli/commands/transfer.ts')
const tui = await import('../../src/cli/commands/tui.ts')

const RUN: Record<string, (argv: string[]) => Promise<number>> = {
  daemon: daemon.run,
  status: status.status,
  peers: status.peers,
  connect: status.connect,
  pair: pair.pair,
  unpair: pair.unpair,
  'auto-accept': pair.autoAccept,
  send: transfer.send,
  transfers: transfer.transfers,
  offers: transfer.offers,
  accept: transfer.accept,
  decline: transfer.decline,
  cancel: transfer.cancel,
  wait: transfer.wait,
  tui: tui.run
}

describe('each command\'s own options', () => {
  it('the table is what each command parses (all of main.ts\'s commands but `version`, whose options, none, main.ts parses itself)', async () => {
    const listed = [...readFileSync(new URL('../../src/cli/main.ts', import.meta.url), 'utf8').matchAll(/^ {2}\['([a-z-]+)', ["']/gm)].map((m) => m[1])
    expect(listed.filter((c) => c !== 'version').sort()).toEqual(Object.keys(RUN).sort())
    for (const [name, run] of Object.entries(RUN)) {
      seen.options = undefined
      await expect(run(['--help']), name).rejects.toBeInstanceOf(Parsed)
      expect(Object.keys(seen.options ?? {}).sort(), name).toEqual([...(OWN_OPTIONS[name] ?? [])].sort())
    }
  })

  it('the example names the command given where it takes the option, else each that does, else none', () => {
    expect(ownOptionExample('--verbose', ['status'])).toBe('`ferry daemon --verbose …`')
    expect(ownOptionExample('--peer=x', ['pair'])).toBe('`ferry pair --peer …`')
    expect(ownOptionExample('--peer', ['x', 'status'])).toBe('`ferry daemon --peer …` or `ferry pair --peer …`')
    expect(ownOptionExample('--frobnicate', ['status'])).toBe('`ferry <command> --frobnicate …`')
    expect(ownOptionExample('-v', ['daemon'])).toBe('`ferry <command> -v …`')
  })
})
