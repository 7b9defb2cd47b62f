// What the resume tests share (test/integration/resume.test.ts, the
// receiver's side, and resume-sender.test.ts, the sender's; one file was
// ~110 s alone, the longest of the suite, and the files run three at a
// time): two paired daemons on 127.0.0.1 with mDNS off, the files they send,
// and the looks and checks the tests make of them. Each file starts its own.

import { expect } from 'vitest'
import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { connectControl } from '../../src/daemon/control/client.ts'
import { isFinalState, type OfferInfo, type TransferInfo } from '../../src/daemon/control/types.ts'
import { chunkSizeFor } from '../../src/transfer/index.ts'
import { REQUEST_BYTES, REQUESTS_AHEAD } from '../../src/transfer/receive/fetch.ts'
import { SPOOL_WRITE_BYTES } from '../../src/transfer/receive/spool.ts'
import { CHUNK_STREAMS } from '../../src/transfer/receive/receiver.ts'
import { control, pairDaemons, spawnCli, startDaemon, tempDir, transfersOf, waitFor, type CliResult, type TestDaemon } from './daemon.ts'
import { sameBytes, writeRandomFile } from './files.ts'

export const MiB = 1024 * 1024
/** The receiver-kill test's file: ~400 MiB, as the re-sent bound is measured on it. */
export const SIZE = 400 * MiB
/** The other tests only need a transfer that is still running when killed half-way. */
export const MID_SIZE = 160 * MiB
/**
 * How fast alpha serves in resume-sender.test.ts and resume.test.ts (bytes/s; startResumePair's serveRate): mid.bin
 * lasts ~2 s, past what a loopback send on an idle box takes (~200-300 MB/s). Uncapped, beta was once first seen at
 * 100 % of mid.bin in CI ("killed too late to test a resume"): its answer to the look late while it received at full
 * speed, or all of it fetched ahead while alpha hashed slowly. (resume.test.ts, capped so, failed its first test until
 * the part of a piece that went as its stream failed no longer counted as word from the receiver: alpha was set
 * fetching again after beta's kill -9.)
 */
export const RESUME_SERVE_RATE = 80 * MiB
const CHUNK = chunkSizeFor(SIZE) // 256 KiB
// A test sends 160–400 MiB once (plus hashing it, restarts, digests): 10–20 s
// on an idle 2-core machine, but several times that on a shared one.
export const TEST_TIMEOUT = 240_000
export const HOOK_TIMEOUT = 120_000

// What a kill -9 of the receiver may cost (constants from fetch.ts,
// spool.ts and receiver.ts):
// - The sender serves only what it was asked for, and counts a request's
//   bytes in its wireBytes once they are all queued on the stream.
// - Each of the CHUNK_STREAMS (3) streams asks for about REQUEST_BYTES at a
//   time (1 MiB = 4 chunks of 256 KiB here), REQUESTS_AHEAD (2) deep: while
//   one request is read, one more is outstanding.
// - What the receiver reads goes to a spool slot as it arrives, at least
//   every SPOOL_WRITE_BYTES (128 KiB), and a chunk stays in its slot until
//   it is in the part file. On restart the receiver keeps the chunks in the
//   part file (recorded in its bitmap, or verified against their BLAKE3),
//   writes the ones found whole in the spool, and asks only for the rest of
//   one found started.
// So re-sent bytes ≤ streams × (2 requests + the spool's lag) =
// 3 × (2 MiB + 128 KiB) ≈ 6.4 MiB: what was asked for and had not reached the
// receiver's reader (in the sender's and the receiver's socket buffers, and
// in libp2p's), and what the reader had not yet written to the spool.
export const RESEND_BOUND = CHUNK_STREAMS * (REQUESTS_AHEAD * Math.max(REQUEST_BYTES, CHUNK) + SPOOL_WRITE_BYTES)

/** A file sent by the tests: never changed after the setup wrote it, so what arrives is compared with it. */
export interface Source { path: string, name: string, size: number }

/** The daemons and files of a file of these tests. */
export interface ResumePair {
  a: TestDaemon // sender
  b: TestDaemon // receiver, started with --peer a (redials a whenever a is offline)
  /** SIZE, written when asked for (only the receiver-kill test sends it) */
  big?: Source
  mid: Source
}

/** Two paired daemons, alpha and beta, and the files sent (written meanwhile), for a beforeAll. */
export async function startResumePair (opts: { big: boolean, serveRate?: number }): Promise<ResumePair> {
  const srcDir = await tempDir('ferry-src-')
  const source = async (name: string, size: number): Promise<Source> => {
    const path = join(srcDir, name)
    await writeRandomFile(path, size)
    return { path, name, size }
  }
  const written = Promise.all([opts.big ? source('big.bin', SIZE) : undefined, source('mid.bin', MID_SIZE)])
  // `serveRate`: alpha serves at most that (bytes/s), so that "half" can be seen and acted on, on a box however loaded
  const a = await startDaemon({ name: 'alpha', ...(opts.serveRate != null ? { env: { FERRY_TEST_SERVE_BYTES_PER_S: String(opts.serveRate) } } : {}) })
  // --verbose: the receiver logs every interruption ("transfer interrupted; will resume")
  const b = await startDaemon({ name: 'beta', peers: [a.addr], extraArgs: ['--verbose'] })
  await pairDaemons(a, b)
  const [big, mid] = await written
  return { a, b, big, mid }
}

export function expectError (r: CliResult, code: string): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1)
  expect(r.stderr).toMatch(new RegExp(`^ferry: ${code}: `, 'm'))
}

/** `d`'s transfers through its control socket (daemon.ts), as transfer.ts's tests look at them */
export { transfersOf }

/**
 * Poll `d`'s transfers through its control socket (a CLI process per poll
 * would be too slow to catch a fast transfer half-way) until `pick` finds one.
 */
export async function watch (d: TestDaemon, what: string, pick: (t: TransferInfo) => boolean, timeoutMs = 60_000): Promise<TransferInfo> {
  const ctl = await connectControl(d.home)
  try {
    return await waitFor(async () => (await ctl.call('transfers')).find(pick), what, timeoutMs, 20)
  } finally { ctl.close() }
}

/** Start `ferry send beta <src> --json` on a; returns once b has received at least half of it. */
export async function sendUntilHalf (a: TestDaemon, b: TestDaemon, src: Source): Promise<{ sending: ReturnType<typeof spawnCli>, half: TransferInfo }> {
  const before = new Set((await transfersOf(b)).map((t) => t.id))
  const sending = spawnCli(['send', 'beta', src.path, '--json', '--home', a.home], { timeoutMs: 180_000 })
  const half = await watch(b, `beta to have half of ${src.name}`, (t) => !before.has(t.id) && t.direction === 'receive' && t.totalBytes === src.size && t.doneBytes >= src.size / 2, 120_000)
  expect(half.doneBytes, 'killed too late to test a resume').toBeLessThan(src.size * 0.9)
  return { sending, half }
}

/**
 * Run `body` with beta holding alpha's offers for a decision; auto-accept is back on after it. Switched through the
 * control socket, as `ferry auto-accept` does (that command is tested in pairing.test.ts): two CLI processes per
 * test were ~1-3 s of Node start-ups on a busy box, in five tests.
 */
export async function holdingOffers (b: TestDaemon, body: () => Promise<void>): Promise<void> {
  expect(await control(b, 'peer.autoAccept', { peer: 'alpha', autoAccept: false })).toMatchObject({ autoAccept: false })
  try { await body() } finally { await control(b, 'peer.autoAccept', { peer: 'alpha', autoAccept: true }) }
}

/** beta accepts offer `id` through its control socket, as `ferry accept` does (tested in transfer.test.ts): no Node start-up */
export async function acceptOnBeta (b: TestDaemon, id: string): Promise<void> {
  expect(await control(b, 'accept', { id })).toMatchObject({ id })
}

/** The offer waiting on beta for a decision that `pick` finds (polled through the control socket: a CLI process per try is a Node start-up; `ferry offers --json` is tested in transfer.test.ts). */
export async function offerOnBeta (b: TestDaemon, pick: (o: OfferInfo) => boolean): Promise<OfferInfo> {
  return await waitFor(async () => (await control(b, 'offers')).find(pick), 'the offer to wait on beta', 30_000, 100)
}

/** Interruptions the receiver logged (a dropped connection, besides the kills the tests make). */
export function interruptions (log: string): number {
  return interruptionReasons(log).length
}

export function interruptionReasons (log: string): string[] {
  return log.split('\n').filter((l) => l.includes('"msg":"transfer interrupted; will resume"')).map((l) => {
    try { return String(JSON.parse(l).err) } catch { return l }
  })
}

export async function expectReceivedIdentical (b: TestDaemon, src: Source): Promise<void> {
  expect(await sameBytes(join(b.receiveDir, src.name), src.path), `${src.name} arrived as sent, byte for byte`).toBe(true)
  expect((await readdir(b.receiveDir)).filter((n) => n !== 'big.bin' && n !== 'mid.bin'), 'no duplicate, no part files').toEqual([])
}

/** Remove what an earlier test received, so the next send cannot take it from the receiver's own folder (dedup). */
export async function forgetReceived (b: TestDaemon, src: Source): Promise<void> {
  await rm(join(b.receiveDir, src.name), { force: true })
}

/**
 * Remove the part folders the receives that ended on `b` left for a re-send (kept a day): a test that cuts a send of
 * a file an earlier test's cancel left most of there would find it copied locally, and done before it could cut it
 * (CI finding: "killed too late to test a resume", the earlier cancel late on a busy box). Only with no receive under
 * way on `b`, whose part folder this would take.
 */
export async function forgetKeptParts (b: TestDaemon): Promise<void> {
  const under = (await transfersOf(b)).filter((t) => t.direction === 'receive' && !isFinalState(t.state))
  expect(under.map((t) => `${t.id} ${t.state}`), 'receives under way on beta').toEqual([])
  const parts = join(b.receiveDir, '.ferry-part')
  for (const name of await readdir(parts).catch(() => [])) await rm(join(parts, name), { recursive: true, force: true })
}
