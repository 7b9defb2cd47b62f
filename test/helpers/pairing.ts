// Test helper for pairing through the real CLI: show a code with
// `ferry pair --json` and keep the command running, make a wrong code for the
// same nameplate, and check that a code never reached a log; and what both
// pairing test files (pairing.test.ts, pairing-trust.test.ts) start from.

import { expect } from 'vitest'
import { peerIdFromString } from '@libp2p/peer-id'
import { fingerprint, parseCode } from '../../src/pairing/code.ts'
import { WORDLIST } from '../../src/pairing/wordlist.ts'
import type { PeerInfo } from '../../src/daemon/control/types.ts'
import { control, jsonValues, spawnCli, startDaemon, waitFor, waitListed, type CliProcess, type TestDaemon } from './daemon.ts'

export interface ShownCode {
  code: string
  expiresAt: number
  /** the `ferry pair --json` command, still waiting for the other device */
  cli: CliProcess
}

/** `ferry pair --json [extra]` on `d`; resolves once the code is printed. */
export async function showCode (d: TestDaemon, opts: { extra?: string[], netns?: string } = {}): Promise<ShownCode> {
  // an inherited FERRY_CODE would make `ferry pair` enter a code instead of showing one
  const cli = spawnCli(['pair', '--json', ...(opts.extra ?? []), '--home', d.home], { netns: opts.netns, env: { FERRY_CODE: '' } })
  const first = await waitFor(() => {
    if (cli.proc.exitCode != null) throw new Error(`ferry pair exited ${cli.proc.exitCode}: ${cli.stderr()}`)
    return jsonValues(cli.stdout())[0] as { code: string, expiresAt: number } | undefined
  }, `${d.name} to show a code`, 15_000)
  expect(typeof first.code).toBe('string')
  expect(typeof first.expiresAt).toBe('number')
  return { code: first.code, expiresAt: first.expiresAt, cli }
}

/** A well-formed code with the same (public) nameplate but different secret words. */
export function wrongCode (code: string): string {
  const { nameplate, words } = parseCode(code)
  const other = words.map((w) => WORDLIST[(WORDLIST.indexOf(w) + 1 + WORDLIST.length / 2) % WORDLIST.length])
  const wrong = [String(nameplate), ...other].join('-')
  expect(parseCode(wrong).normalized).toBe(wrong)
  expect(wrong).not.toBe(code)
  return wrong
}

/** What both sides must print for a peer: SHA-256 of its peer ID multihash, 8 bytes in 4 groups. */
export function fingerprintOf (peerId: string): string {
  return fingerprint(peerIdFromString(peerId).toMultihash().bytes)
}

/**
 * Assert that no part of a code's secret appears in `text`: not the code, not
 * the words joined, not any single word as a word of its own (peer IDs and
 * other base58/hex strings may contain a short word by chance, so only
 * occurrences not inside a longer alphanumeric run count).
 */
export function expectNoCodeIn (text: string, code: string, what: string): void {
  const { words, normalized } = parseCode(code)
  expect(text.includes(normalized), `${what} contains the code`).toBe(false)
  expect(text.includes(words.join('-')), `${what} contains the secret words`).toBe(false)
  for (const w of words) {
    const re = new RegExp(`(?<![A-Za-z0-9])${w}(?![A-Za-z0-9])`, 'i')
    expect(re.test(text), `${what} contains the code word "${w}"`).toBe(false)
  }
}

/** The peer list straight from the daemon's control socket (see control()). */
export async function peersNow (d: TestDaemon): Promise<PeerInfo[]> {
  return await control(d, 'peers')
}

/** Two daemons, b dialling a with --peer; resolves once b lists a online. */
export async function linkedPair (names: [string, string], extraArgs: string[] = [], env?: Record<string, string>): Promise<[TestDaemon, TestDaemon]> {
  const a = await startDaemon({ name: names[0], extraArgs, env })
  const b = await startDaemon({ name: names[1], peers: [a.addr], extraArgs, env })
  await waitListed(b, a, {}, 10_000)
  return [a, b]
}

export async function pairedWith (d: TestDaemon, other: TestDaemon): Promise<boolean | undefined> {
  return (await peersNow(d)).find((p) => p.peerId === other.peerId)?.paired
}

export function expectError (r: { code: number, stderr: string }, code: string): void {
  expect(r.code, r.stderr).toBe(1)
  // `ferry pair CODE` prints "pairing…" on stderr before the outcome: the error is a line of its own
  expect(r.stderr).toMatch(new RegExp(`^ferry: ${code}: `, 'm'))
}
