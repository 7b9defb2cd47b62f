// Resume after a crash, end to end on 127.0.0.1 with mDNS off: kill -9 the
// receiver or the sender half-way through a big file, restart it on the same
// port and home, and the transfer finishes by itself with an identical file
// (SHA-256 and BLAKE3), re-sending only what was in flight.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { connectControl } from '../../src/daemon/control/client.ts'
import type { TransferInfo } from '../../src/daemon/control/types.ts'
import { chunkSizeFor } from '../../src/transfer/index.ts'
import { CHUNK_STREAMS } from '../../src/transfer/receiver.ts'
import { cleanupAll, pairDaemons, spawnCli, startDaemon, tempDir, waitFor, type CliResult, type TestDaemon } from '../helpers/daemon.ts'
import { digestFile, writeRandomFile, type Digest } from '../helpers/files.ts'

afterAll(cleanupAll)

const MiB = 1024 * 1024
const SIZE = 400 * MiB
const CHUNK = chunkSizeFor(SIZE) // 256 KiB

// What a kill -9 of the receiver may cost, from fetch.ts and receiver.ts:
// - Each of the CHUNK_STREAMS (3) streams has one request outstanding at a
//   time: it asks for the next batch only after it has read every chunk of
//   the current one. A batch is one file's chunks up to BATCH_BYTES (4 MiB;
//   takeBatch stops once the batch reaches 4 MiB, so < 4 MiB + 1 chunk in
//   general, exactly 16 × 256 KiB here). The sender serves (and counts in its
//   wireBytes) only chunks asked for, so at most one batch per stream is on
//   the wire or in buffers when the receiver dies.
// - Chunks already read are handed to the sink (verify, then pwrite in a
//   worker thread) with at most WRITES_IN_FLIGHT (4) per stream; the stream
//   sends its next request only after its in-flight set is below 4, so up to
//   3 chunks of the previous batch may still be unwritten when the current
//   batch is asked for. Those die with the process too.
// - Everything written before the kill is kept: on restart the receiver
//   re-plans from the part file, keeping the chunks recorded in its bitmap
//   and verifying against its BLAKE3 hash every other chunk below the part
//   file's end (so chunks written but not yet recorded are not fetched again).
// So re-sent bytes ≤ streams × (batch + 3 chunks) = 3 × (4 MiB + 768 KiB) = 14.25 MiB.
const BATCH_BYTES = 4 * MiB
const WRITES_IN_FLIGHT = 4
const RESEND_BOUND = CHUNK_STREAMS * (BATCH_BYTES + (WRITES_IN_FLIGHT - 1) * CHUNK)

let a: TestDaemon // sender
let b: TestDaemon // receiver, started with --peer a (redials a whenever a is offline)
let srcDir: string
let big: string
let bigDigest: Digest
const numbers: string[] = []

beforeAll(async () => {
  srcDir = await tempDir('ferry-src-')
  big = join(srcDir, 'big.bin')
  const written = writeRandomFile(big, SIZE).then(async () => { bigDigest = await digestFile(big) })
  a = await startDaemon({ name: 'alpha' })
  b = await startDaemon({ name: 'beta', peers: [a.addr] })
  await pairDaemons(a, b)
  await written
})

afterAll(() => { if (numbers.length > 0) console.log(numbers.join('\n')) })

function expectError (r: CliResult, code: string): void {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1)
  expect(r.stderr).toMatch(new RegExp(`^ferry: ${code}: `, 'm'))
}

async function transfersOf (d: TestDaemon): Promise<TransferInfo[]> {
  const r = await d.cli(['transfers', '--json'])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

/**
 * Poll `d`'s transfers through its control socket (a CLI process per poll
 * would be too slow to catch a fast transfer half-way) until `pick` finds one.
 */
async function watch (d: TestDaemon, what: string, pick: (t: TransferInfo) => boolean, timeoutMs = 60_000): Promise<TransferInfo> {
  const ctl = await connectControl(d.home)
  try {
    return await waitFor(async () => (await ctl.call('transfers')).find(pick), what, timeoutMs, 20)
  } finally { ctl.close() }
}

/** Start `ferry send beta big.bin --json` on a; returns once b receives at least half of it. */
async function sendUntilHalf (): Promise<{ sending: ReturnType<typeof spawnCli>, half: TransferInfo }> {
  const before = new Set((await transfersOf(b)).map((t) => t.id))
  const sending = spawnCli(['send', 'beta', big, '--json', '--home', a.home], { timeoutMs: 180_000 })
  const half = await watch(b, 'beta to have half of big.bin', (t) => !before.has(t.id) && t.direction === 'receive' && t.totalBytes === SIZE && t.doneBytes >= SIZE / 2)
  expect(half.doneBytes, 'killed too late to test a resume').toBeLessThan(SIZE * 0.9)
  return { sending, half }
}

async function expectReceivedIdentical (): Promise<void> {
  const got = join(b.receiveDir, 'big.bin')
  expect(await digestFile(got)).toEqual(bigDigest)
  await expect(stat(join(b.receiveDir, 'big (1).bin'))).rejects.toMatchObject({ code: 'ENOENT' })
  await expect(stat(join(b.receiveDir, '.ferry-part'))).rejects.toMatchObject({ code: 'ENOENT' })
}

/** Remove what the last test received, so the next send cannot take it from the receiver's own folder (dedup). */
async function forgetReceived (): Promise<void> {
  await rm(join(b.receiveDir, 'big.bin'), { force: true })
}

describe('resume after kill -9', () => {
  it('receiver killed at ~50 %: restarted, it resumes by itself; the file is identical and little is re-sent', async () => {
    const { sending, half } = await sendUntilHalf()
    await b.kill9()
    const started = Date.now()
    b = await b.restart()

    const done = await sending.done
    expect(done.code, done.stderr).toBe(0)
    const res = JSON.parse(done.stdout)
    expect(res).toMatchObject({ id: half.id, state: 'done', totalBytes: SIZE, receipt: { verified: true } })
    await expectReceivedIdentical()
    // the sender's wireBytes count every chunk it served, before and after the crash
    const resent = res.wireBytes - SIZE
    numbers.push(`receiver kill -9 at ${(half.doneBytes / MiB).toFixed(0)} MiB of ${SIZE / MiB} MiB: re-sent ${(resent / MiB).toFixed(2)} MiB (bound ${(RESEND_BOUND / MiB).toFixed(2)} MiB); ` +
      `whole send ${res.seconds.toFixed(1)} s (${(SIZE / MiB / res.seconds).toFixed(0)} MiB/s incl. hashing and the restart), restart to done ${((Date.now() - started) / 1000).toFixed(1)} s`)
    expect(resent).toBeGreaterThanOrEqual(0)
    expect(resent, `re-sent ${resent} bytes after the receiver's kill -9`).toBeLessThanOrEqual(RESEND_BOUND)

    const onB = (await transfersOf(b)).find((t) => t.id === half.id)
    expect(onB).toMatchObject({ state: 'done', resumed: true, doneBytes: SIZE })
    expect(onB?.receipt?.signature).toBe(res.receipt.signature)
  })

  it('sender killed at ~50 %: the receiver waits; the restarted sender serves the rest; identical file', async () => {
    await forgetReceived()
    const { sending, half } = await sendUntilHalf()
    await a.kill9()
    expectError(await sending.done, 'E_DAEMON_NOT_RUNNING')
    const waiting = await watch(b, 'beta to wait for alpha', (t) => t.id === half.id && t.state === 'waiting', 15_000)
    expect(waiting.doneBytes).toBeGreaterThanOrEqual(half.doneBytes)
    const wireBefore = waiting.wireBytes
    a = await a.restart()

    const onB = await watch(b, 'beta to finish', (t) => t.id === half.id && ['done', 'failed', 'cancelled'].includes(t.state), 120_000)
    expect(onB).toMatchObject({ state: 'done', resumed: true, doneBytes: SIZE })
    await expectReceivedIdentical()
    const onA = await waitFor(async () => (await transfersOf(a)).find((t) => t.id === half.id && t.state === 'done'), 'alpha to show the transfer done', 10_000)
    expect(onA.receipt).toMatchObject({ verified: true, signature: onB.receipt?.signature })
    // the receiver lived through it: its wireBytes count everything that reached it
    const resent = onB.wireBytes - SIZE
    numbers.push(`sender kill -9 at ${(half.doneBytes / MiB).toFixed(0)} MiB: receiver had ${(wireBefore / MiB).toFixed(0)} MiB on the wire when it noticed; re-sent ${(resent / MiB).toFixed(2)} MiB`)
    expect(resent).toBeGreaterThanOrEqual(0)
    expect(resent).toBeLessThanOrEqual(RESEND_BOUND)
  })

  it('both killed at ~50 %: after the receiver restarts, `ferry transfers` shows it waiting and resumed; it completes when the sender is back', async () => {
    await forgetReceived()
    const { sending, half } = await sendUntilHalf()
    await a.kill9()
    await b.kill9()
    await sending.done
    b = await b.restart()
    // the sender is down: the receiver cannot go on, and says so
    const shown = (await transfersOf(b)).find((t) => t.id === half.id)
    expect(shown).toMatchObject({ direction: 'receive', state: 'waiting', resumed: true, totalBytes: SIZE })
    expect(shown!.doneBytes).toBeGreaterThan(0)
    a = await a.restart()
    const onB = await watch(b, 'beta to finish', (t) => t.id === half.id && ['done', 'failed', 'cancelled'].includes(t.state), 120_000)
    expect(onB).toMatchObject({ state: 'done', resumed: true, doneBytes: SIZE })
    await expectReceivedIdentical()
    const onA = await waitFor(async () => (await transfersOf(a)).find((t) => t.id === half.id && t.state === 'done'), 'alpha to show the transfer done', 10_000)
    expect(onA.receipt?.verified).toBe(true)
  })
})
