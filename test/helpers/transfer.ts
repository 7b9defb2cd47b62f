// Test helper for the transfer tests (test/integration/transfer*.test.ts):
// their two paired daemons, alpha (sender) and beta (receiver), that run the
// built dist/, and the ways those tests send, poll and check. One file of
// them is split into several so that vitest runs them side by side; each
// file starts its own daemons (transferDaemons) and shares these helpers.
//
// a, b and c are live bindings: a test file imports them and sees the daemons
// this module started (and restarted: restartBeta) once its beforeAll ran.

import { afterAll, beforeAll, expect } from 'vitest'
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { connectControl, type ControlClient } from '../../src/daemon/control/client.ts'
import type { OfferInfo, TransferInfo } from '../../src/daemon/control/types.ts'
import { utimesSeconds } from '../../src/transfer/folder/finalize.ts'
import { cleanupAll, control, pairDaemons, spawnCli, startDaemon, tempDir, waitFor, type CliResult, type DaemonOpts, type TestDaemon } from './daemon.ts'
import { writeRandomFile, type TreeEntry } from './files.ts'

export const KiB = 1024
export const MiB = 1024 * KiB
/**
 * Tests that act on a send while it runs (`ferry cancel`, a signal,
 * `ferry unpair`, an edit of a file being sent: a CLI process, ~0.5 s to
 * start on a busy box) run with alpha serving at most SERVE_RATE
 * (FERRY_TEST_SERVE_BYTES_PER_S, serve-pace.ts): a send of RUNNING_SIZE then
 * lasts 6 s or more however fast the machine, where without the cap a 1 GiB
 * file (300 MiB was no longer enough) lasted as long only as the machine was
 * not faster, and took 2–3 s to write.
 */
export const RUNNING_SIZE = 96 * MiB
export const SERVE_RATE = 16 * MiB

/** the sender */
export let a: TestDaemon
/** the receiver, paired with a */
export let b: TestDaemon
/** linked to a, never paired (started only when asked: transferDaemons({ gamma: true })) */
export let c: TestDaemon

/** Figures a file's tests note on the way, printed after them. */
export const numbers: string[] = []

/**
 * Start alpha and beta before the file's tests, and pair them; `gamma`:
 * also a third daemon linked to alpha and never paired; `alphaEnv`:
 * alpha's environment (FERRY_TEST_SERVE_BYTES_PER_S). All stopped after them.
 */
export function transferDaemons (opts: { gamma?: boolean, alphaEnv?: Record<string, string> } = {}): void {
  beforeAll(async () => {
    // --verbose: a test looks for what alpha logs while it scans a send's paths
    a = await startDaemon({ name: 'alpha', extraArgs: ['--verbose'], env: opts.alphaEnv })
    const [beta, gamma] = await Promise.all([startDaemon({ name: 'beta', peers: [a.addr] }), opts.gamma === true ? startDaemon({ name: 'gamma', peers: [a.addr] }) : undefined])
    b = beta
    if (gamma != null) c = gamma
    await pairDaemons(a, b)
  })
  afterAll(cleanupAll)
  afterAll(() => { if (numbers.length > 0) console.log(numbers.join('\n')) })
}

/** Stop beta and start it again on its home (`change`: other options, e.g. receiveDir); b is the new one. */
export async function restartBeta (change?: Partial<DaemonOpts>): Promise<TestDaemon> {
  b = await b.restart(change)
  return b
}

export async function restartAlpha (): Promise<TestDaemon> {
  a = await a.restart()
  return a
}

export function expectError (r: CliResult, code: string): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1)
  expect(r.stderr).toMatch(new RegExp(`^ferry: ${code}: `, 'm'))
}

export interface SendResult { id: string, state: string, files: number, totalBytes: number, wireBytes: number, seconds: number, acceptWaitSeconds?: number, root: string, receipt: { root: string, signature: string, verified: boolean }, renamed?: Array<{ path: string, as: string }>, renamedCount?: number }

/** `ferry send beta <paths> --json` from a; must succeed. */
export async function send (paths: string[], timeoutMs = 60_000): Promise<SendResult> {
  const r = await a.cli(['send', 'beta', ...paths, '--json'], { timeoutMs })
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

/** `d`'s transfers through its control socket (daemon.ts): as `ferry transfers --json` prints them, without a CLI process a look */
export { transfersOf } from './daemon.ts'

/**
 * Start `ferry send beta <name>` (`size` random bytes: RUNNING_SIZE, with
 * alpha capped) on alpha; returns once `on` shows it fetching with bytes
 * done. Watched through the control socket: a CLI process per poll would be
 * too slow to catch it mid-way.
 */
export async function bigSendUnderWay (name: string, on: TestDaemon, direction: 'send' | 'receive', size = RUNNING_SIZE, o: { folder?: string, small?: string } = {}): Promise<{ sending: ReturnType<typeof spawnCli>, active: TransferInfo, big: string }> {
  // `folder`: the big file sent in it, and with `small` a file of 6 bytes next to it
  const top = o.folder !== undefined ? join(await tempDir('ferry-src-'), o.folder) : undefined
  if (top !== undefined) await mkdir(top)
  const big = join(top ?? await tempDir('ferry-src-'), name)
  await writeRandomFile(big, size)
  if (top !== undefined && o.small !== undefined) await writeFile(join(top, o.small), 'small\n')
  const total = size + (o.small !== undefined ? 6 : 0)
  const sending = spawnCli(['send', 'beta', top ?? big, '--json', '--home', a.home], { timeoutMs: 120_000 })
  const active = await poll(on, `the big ${direction} to be fetching`, async (ctl) => (await ctl.call('transfers')).find((t) => t.direction === direction && t.totalBytes === total && t.state === 'fetching' && t.doneBytes > 0), 60_000, 20)
  return { sending, active, big }
}

/**
 * Run `sending` with beta asking before it takes alpha's offers, and accept
 * the offer that `pick` finds: the receive then fetches in the offer's
 * order, from the offer on. Taken by itself, it would fetch ahead while
 * alpha hashes (prefetch.ts), in the order the hashes come, maybe all of
 * it before the offer; tests that act at a point of the fetch need the order.
 */
export async function acceptedByHand<T> (pick: (o: OfferInfo) => boolean, sending: () => T, beforeAccept?: (o: OfferInfo) => Promise<void>): Promise<T> {
  // switched and accepted through beta's control socket, as `ferry auto-accept` and `ferry accept` do (those commands
  // are tested in transfer.test.ts's auto-accept test and pairing-trust.test.ts): the three CLI processes per use here,
  // a Node start-up each (~0.3-0.5 s on the busy CI box), were 36 in the transfer files for nothing they checked
  expect(await control(b, 'peer.autoAccept', { peer: 'alpha', autoAccept: false })).toMatchObject({ autoAccept: false })
  try {
    const started = sending()
    const offer = await poll(b, 'the offer to wait on beta', async (ctl) => (await ctl.call('offers')).find(pick), 30_000, 20)
    await beforeAccept?.(offer)
    expect(await control(b, 'accept', { id: offer.id })).toMatchObject({ id: offer.id })
    return started
  } finally {
    expect(await control(b, 'peer.autoAccept', { peer: 'alpha', autoAccept: true })).toMatchObject({ autoAccept: true })
  }
}

/**
 * Poll `d` through its control socket until `pick` finds something: cheap
 * enough to poll often (a CLI process per poll costs a Node start-up each).
 */
export async function poll<T> (d: TestDaemon, what: string, get: (ctl: ControlClient) => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const ctl = await connectControl(d.home)
  try {
    return await waitFor(async () => await get(ctl), what, timeoutMs, everyMs)
  } finally { ctl.close() }
}

export async function offersOf (d: TestDaemon): Promise<OfferInfo[]> {
  const r = await d.cli(['offers', '--json'])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

/** Everything in b's receive folder, top level, except what earlier tests left there. */
export async function receivedNames (): Promise<string[]> {
  return (await readdir(b.receiveDir)).sort()
}

/** The source tree as the receiver must show it: symlinks are not sent. */
export function withoutSymlinks (tree: Map<string, TreeEntry>): Map<string, TreeEntry> {
  return new Map([...tree].filter(([, e]) => e.kind !== 'symlink'))
}

// a fixed, distinctive mtime with milliseconds for every file written below
let mtimeSeq = 0

export async function setMtime (path: string): Promise<number> {
  const ms = 1_600_000_000_123 + (mtimeSeq++) * 86_400_007
  // exactly ms (new Date(ms) would be up to 1 ms early on disk: finalize.ts)
  await utimes(path, utimesSeconds(ms), utimesSeconds(ms))
  return ms
}

export async function writeFileAt (path: string, data: string | Uint8Array): Promise<void> {
  await writeFile(path, data)
  await setMtime(path)
}
