// The same content sent to one receiver by two devices, end to end on
// 127.0.0.1 with mDNS off: three real daemons, beta receiving from alpha and
// gamma. Its two receives share the part folder of that content and take
// turns on it (docs/PROTOCOL.md, Receiving, resume and dedup); what each says
// crossed the wire must be what its own sender sent, also after beta's crash.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyFile, utimes } from 'node:fs/promises'
import { join } from 'node:path'
import { cleanupAll, pairDaemons, spawnCli, startDaemon, tempDir, transfersOf, waitFor, type TestDaemon } from '../helpers/daemon.ts'
import { sameBytes, writeRandomFile } from '../helpers/files.ts'
import { HOOK_TIMEOUT, MID_SIZE, RESEND_BOUND, RESUME_SERVE_RATE, TEST_TIMEOUT, watch } from '../helpers/resume.ts'

afterAll(cleanupAll)

let alpha: TestDaemon
let beta: TestDaemon
let gamma: TestDaemon

beforeAll(async () => {
  alpha = await startDaemon({ name: 'alpha' })
  // capped as resume.test's sender is (RESUME_SERVE_RATE): uncapped, beta was first seen past three quarters of
  // gamma's send in CI ("killed too late to test a resume", run 101, a loaded box)
  gamma = await startDaemon({ name: 'gamma', env: { FERRY_TEST_SERVE_BYTES_PER_S: String(RESUME_SERVE_RATE) } })
  // --peer: beta dials both again whenever they are away (after its restarts too)
  beta = await startDaemon({ name: 'beta', peers: [alpha.addr, gamma.addr], extraArgs: ['--verbose'] })
  await pairDaemons(alpha, beta)
  await pairDaemons(gamma, beta)
}, HOOK_TIMEOUT)

describe('the same content from two devices', () => {
  it('receiver killed while it fetched from one, the other sending the same file meanwhile: the file arrives once, and each receive counts on the wire only what its own sender sent (helper finding: the one resumed last, finding the file placed by the other, counted the whole file as its wire, and its sender said so)', async () => {
    // the same file (name, bytes, time) on both senders: the same transfer root
    const fromAlpha = join(await tempDir('ferry-src-'), 'same.bin')
    const fromGamma = join(await tempDir('ferry-src-'), 'same.bin')
    await writeRandomFile(fromAlpha, MID_SIZE)
    await copyFile(fromAlpha, fromGamma)
    // a whole second: utimes keeps it exactly on both (a Date of the first's time would drop its sub-millisecond part)
    for (const p of [fromAlpha, fromGamma]) await utimes(p, 1_700_000_000, 1_700_000_000)

    const byGamma = spawnCli(['send', 'beta', fromGamma, '--json', '--home', gamma.home], { timeoutMs: 180_000 })
    const part = await watch(beta, 'beta to hold a quarter of gamma\'s send', (t) => t.direction === 'receive' && t.peerName === 'gamma' && t.doneBytes >= MID_SIZE / 4, 120_000)
    expect(part.doneBytes, 'killed too late to test a resume').toBeLessThan(MID_SIZE * 0.75)
    await beta.kill9()
    // gamma away: alpha's receive of the same file runs alone, and places it
    await gamma.stop()
    const byAlpha = spawnCli(['send', 'beta', fromAlpha, '--json', '--home', alpha.home], { timeoutMs: 180_000 })
    beta = await beta.restart()
    const doneAlpha = await byAlpha.done
    expect(doneAlpha.code, doneAlpha.stderr).toBe(0)
    expect(await sameBytes(join(beta.receiveDir, 'same.bin'), fromAlpha)).toBe(true)
    // gamma back: its receive, resumed, finds the file placed (`ferry send` ended with gamma's daemon: waited for anew)
    expect((await byGamma.done).stderr).toContain('E_DAEMON_NOT_RUNNING')
    gamma = await gamma.restart()
    const doneGamma = await gamma.cli(['wait', part.id, '--json'], { timeoutMs: 120_000 })
    expect(doneGamma.code, doneGamma.stderr).toBe(0)
    const sentByAlpha = JSON.parse(doneAlpha.stdout)
    const sentByGamma = JSON.parse(doneGamma.stdout)
    expect(sentByGamma).toMatchObject({ id: part.id, state: 'done', receipt: { verified: true } })

    const onBeta = await waitFor(async () => {
      const all = await transfersOf(beta)
      const ofGamma = all.find((t) => t.id === sentByGamma.id)
      return ofGamma?.state === 'done' ? { ofGamma, ofAlpha: all.find((t) => t.id === sentByAlpha.id)! } : undefined
    }, 'beta to list both receives done')
    // what gamma served before the kill, and alpha the rest: the file crossed the wire once, plus what was on its
    // way when beta died (lost with the connection, up to RESEND_BOUND)
    expect(onBeta.ofAlpha.wireBytes).toBeGreaterThan(0)
    expect(onBeta.ofAlpha.wireBytes + onBeta.ofGamma.wireBytes, `beta's wire counts: ${onBeta.ofAlpha.wireBytes} from alpha, ${onBeta.ofGamma.wireBytes} from gamma`).toBeLessThanOrEqual(MID_SIZE + RESEND_BOUND)
    // gamma's own count of what it served stands: at least what beta held of it when it was killed
    expect(sentByGamma.wireBytes).toBeGreaterThanOrEqual(part.doneBytes)
    expect(sentByAlpha.wireBytes + sentByGamma.wireBytes, `the senders' wire counts: alpha ${sentByAlpha.wireBytes}, gamma ${sentByGamma.wireBytes}`).toBeLessThanOrEqual(MID_SIZE + RESEND_BOUND)
  }, TEST_TIMEOUT)
})
