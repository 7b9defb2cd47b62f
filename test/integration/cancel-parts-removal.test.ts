// The part folder of a receive its sender cancelled, with nothing in it kept
// for a re-send (service.ts onEnd, dab2ac5), removed while the disk hangs:
// end to end on 127.0.0.1 with mDNS off, beta's removal held by a stand-in
// for a disk that does not answer (test/helpers/stalled-rm.mjs, preloaded
// into beta), alpha serving at most SERVE_RATE so that the send is cut half
// way. Apart from transfer-running.test.ts: beta runs with that stand-in.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { cleanupAll, pairDaemons, preloadedEnv, spawnCli, startDaemon, tempDir, waitFor, type TestDaemon } from '../helpers/daemon.ts'
import { expectError, poll, SERVE_RATE, transfersOf } from '../helpers/transfer.ts'

let a: TestDaemon // sender
let b: TestDaemon // receiver, its part folders' removal held while `gate` exists
let gate: string

beforeAll(async () => {
  gate = join(await tempDir('ferry-gate-'), 'hold')
  a = await startDaemon({ name: 'alpha', env: { FERRY_TEST_SERVE_BYTES_PER_S: String(SERVE_RATE) } })
  b = await startDaemon({ name: 'beta', peers: [a.addr], env: preloadedEnv('stalled-rm.mjs', { STALLED_RM_GATE: gate }) })
  await pairDaemons(a, b)
})
afterAll(async () => { await rm(gate, { force: true }) })
afterAll(cleanupAll)

describe('a part folder removed after the sender\'s cancel', () => {
  it('is removed after the cancel is answered: a removal that hangs holds neither the answer nor the sender\'s `ferry cancel`, which says the files kept; the folder goes once the disk answers (notes\' leftover: the ack waited for the removal, and the sender\'s cancel for it, up to its 10 s)', async () => {
    // 1-chunk files: each is placed as soon as its chunk is verified, so what is not placed at the cancel holds nothing
    const dir = join(await tempDir('ferry-src-'), 'small-held')
    await mkdir(dir)
    const count = 400
    for (let i = 0; i < count; i++) await writeFile(join(dir, `s${String(i).padStart(3, '0')}.bin`), randomBytes(64 * 1024))
    const sending = spawnCli(['send', 'beta', dir, '--json', '--home', a.home], { timeoutMs: 120_000 })
    const part = await poll(b, 'beta to hold a quarter of it', async (ctl) => (await ctl.call('transfers')).find((t) => t.direction === 'receive' && t.doneBytes >= count * 64 * 1024 / 4), 60_000, 20)
    const partDir = join(b.receiveDir, '.ferry-part', part.root!)
    await writeFile(gate, '')
    try {
      const started = Date.now()
      const cancelled = await a.cli(['cancel', part.id.slice(0, 8), '--json'])
      const took = Date.now() - started
      expect(cancelled.code, cancelled.stderr).toBe(0)
      expectError(await sending.done, 'E_CANCELLED')
      const onB = await poll(b, 'beta to show the receive cancelled', async (ctl) => (await ctl.call('transfers')).find((t) => t.id === part.id && t.state === 'cancelled'))
      expect(onB.keptFiles, 'placed before the cancel').toBeGreaterThan(0)
      // beta's removal of the part folder began, and is held
      await waitFor(() => b.output().includes(`stalled-rm: holding the removal of ${partDir}\n`), 'beta to begin removing the part folder', 10_000)
      expect(existsSync(partDir), 'held').toBe(true)
      // alpha was answered all the same, soon (not after its wait for an answer, 10 s), with the files beta keeps
      expect(took, '`ferry cancel` on alpha, ms').toBeLessThan(7000)
      expect(JSON.parse(cancelled.stdout)).toMatchObject({ id: part.id, state: 'cancelled', keptFiles: onB.keptFiles })
      expect((await transfersOf(a)).find((t) => t.id === part.id)).toMatchObject({ state: 'cancelled', keptFiles: onB.keptFiles })
    } finally {
      await rm(gate, { force: true })
    }
    // not left behind: it goes once the disk answers
    await waitFor(() => !existsSync(partDir), `beta's part folder ${partDir} to go`, 15_000)
    await rm(join(b.receiveDir, 'small-held'), { recursive: true, force: true })
  })
})
