// A receive whose part folder goes away while its plan reads it: its disk
// unmounted, or the folder removed, between the folder's making and the
// plan's look at it. It plans again (receiver.ts runOnce: a part folder this
// run made, gone) instead of failing with E_IO "ENOENT ... scandir". End to
// end on 127.0.0.1 with mDNS off; beta's look at its part folder is held by
// test/helpers/held-plan.mjs (preloaded into beta) while the test removes the
// folder. Apart from resume.test.ts: beta runs with that stand-in.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { cleanupAll, pairDaemons, preloadedEnv, spawnCli, startDaemon, tempDir, waitFor, type TestDaemon } from '../helpers/daemon.ts'

let a: TestDaemon // sender
let b: TestDaemon // receiver, its look at a part folder held while `gate` exists
let gate: string

beforeAll(async () => {
  gate = join(await tempDir('ferry-gate-'), 'hold')
  a = await startDaemon({ name: 'alpha' })
  b = await startDaemon({ name: 'beta', peers: [a.addr], env: preloadedEnv('held-plan.mjs', { HELD_PLAN_GATE: gate }) })
  await pairDaemons(a, b)
})
afterAll(async () => { await rm(gate, { force: true }) })
afterAll(cleanupAll)

describe('a part folder gone while the receive plans', () => {
  it('is made again by a new plan, and the receive completes: `ferry send` exits 0, the file identical (CI finding: the receive failed with E_IO "ENOENT ... scandir")', async () => {
    const src = join(await tempDir('ferry-src-'), 'planned.bin')
    const data = randomBytes(3 * 1024 * 1024 + 7)
    await writeFile(src, data)
    await writeFile(gate, '')
    const sending = spawnCli(['send', 'beta', src, '--json', '--home', a.home], { timeoutMs: 60_000 })
    try {
      const held = await waitFor(() => /held-plan: holding the look at (\S+)\n/.exec(b.output())?.[1], 'beta to plan, its look at the part folder held', 20_000)
      expect(held.startsWith(join(b.receiveDir, '.ferry-part'))).toBe(true)
      await rm(held, { recursive: true, force: true })
    } finally {
      await rm(gate, { force: true })
    }
    const done = await sending.done
    expect(done.code, done.stderr).toBe(0)
    expect(JSON.parse(done.stdout)).toMatchObject({ state: 'done', receipt: { verified: true } })
    expect((await readFile(join(b.receiveDir, 'planned.bin'))).equals(data)).toBe(true)
    expect(b.output()).not.toMatch(/ENOENT/)
  })
})
