// A send held on its receiver for a person to accept (auto-accept off), and
// accepted there while the receives from its sender that run at once are
// full: the sender shows it waiting its turn from the accept on, as it
// shows an offer accepted automatically (OfferAnswer.waits_turn), not
// "offered, waiting to be accepted there" until its next probe or its turn
// (notes' leftover: accepting told the sender nothing). Two real daemons on
// 127.0.0.1, mDNS off.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { MAX_RUNNING_RECEIVES_PER_PEER } from '../../src/protocol/constants.ts'
import { connectControl, type ControlClient } from '../../src/daemon/control/client.ts'
import type { TransferInfo } from '../../src/daemon/control/types.ts'
import { cleanupAll, pairDaemons, spawnCli, startDaemon, tempDir, waitFor, whileStopped, type TestDaemon } from '../helpers/daemon.ts'
import { writeRandomFile } from '../helpers/files.ts'

const MiB = 1024 ** 2
/** A send not yet answered waits this long before its sender probes it (send-offer.ts PROBE_AFTER_MS): the turn must show well before */
const PROBE_AFTER_MS = 10_000

let a: TestDaemon
let b: TestDaemon

beforeAll(async () => {
  a = await startDaemon({ name: 'alpha' })
  // verbose: its log tells an offer made again (a probe) apart
  b = await startDaemon({ name: 'beta', peers: [a.addr], extraArgs: ['--verbose'] })
  await pairDaemons(a, b)
  expect((await b.cli(['auto-accept', 'alpha', 'off'])).code).toBe(0)
})

afterAll(async () => {
  await Promise.allSettled([a?.stop(), b?.stop()])
  await cleanupAll()
})

async function poll<T> (ctl: ControlClient, what: string, get: (ctl: ControlClient) => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  return await waitFor(async () => await get(ctl), what, timeoutMs, 20)
}

describe('an offer accepted by a person while the receives from its sender are full', () => {
  it('shows waiting its turn on the sender at once, not at the sender\'s next probe (notes\' leftover: "offered, waiting to be accepted there" until then)', async () => {
    const dir = await tempDir('ferry-accepted-turn-')
    const sends = []
    for (let i = 0; i < MAX_RUNNING_RECEIVES_PER_PEER; i++) {
      await writeRandomFile(join(dir, `running-${i}.bin`), 64 * MiB)
      sends.push(spawnCli(['send', 'beta', join(dir, `running-${i}.bin`), '--home', a.home], { timeoutMs: 120_000 }))
    }
    await writeRandomFile(join(dir, 'accepted.bin'), MiB)
    const actl = await connectControl(a.home)
    const bctl = await connectControl(b.home)
    const events = await connectControl(a.home)
    try {
      const running = await poll(bctl, 'the first offers to wait on beta', async (c) => { const o = await c.call('offers'); return o.length === MAX_RUNNING_RECEIVES_PER_PEER ? o : undefined }, 60_000)
      // last, so that its probe is due last
      sends.push(spawnCli(['send', 'beta', join(dir, 'accepted.bin'), '--home', a.home], { timeoutMs: 120_000 }))
      const held = await poll(bctl, 'its offer to wait on beta', async (c) => (await c.call('offers')).find((o) => o.names.includes('accepted.bin')))
      const offeredAt = Date.now()
      const shown = async (): Promise<TransferInfo | undefined> => (await actl.call('transfers')).find((t) => t.id === held.id)
      await poll(actl, 'the sender to learn that it waits for a decision', async () => (await shown())?.awaitingDecision === true ? true : undefined)
      // what the sender shows of it from here on, as it changes
      const seen: Array<{ at: number, t: TransferInfo }> = []
      await events.subscribe((event, data) => { if (event === 'transfer' && (data as TransferInfo).id === held.id) seen.push({ at: Date.now(), t: data as TransferInfo }) })
      // the sender stopped a moment: the receives accepted first take their turns, and cannot end before the last is accepted
      await whileStopped(a, async () => {
        for (const o of running) await bctl.call('accept', { id: o.id })
        expect(await bctl.call('accept', { id: held.id })).toMatchObject({ state: 'waiting', error: { code: 'E_LIMIT' } })
      })
      const goneOn = Date.now()
      const waiting = await waitFor(() => seen.find((e) => e.t.state === 'waiting' && e.t.error?.code === 'E_LIMIT'), 'the sender to show it waiting its turn', 3000, 20)
      expect(waiting.t.error?.message).toMatch(/^waiting its turn: beta starts it after receives under way there/)
      // before its turn came (its first report: fetching), and told by the accept, not by a probe (an offer made again, answered as it stands there)
      expect(seen.slice(0, seen.indexOf(waiting)).map((e) => e.t.state)).not.toContain('fetching')
      expect(waiting.at - offeredAt, 'time since the offer was answered pending').toBeLessThan(PROBE_AFTER_MS)
      expect(b.output()).not.toContain(`"msg":"an offer known already, answered as it stands","id":"${held.id}"`)
      console.log(`figures: waiting its turn shown ${waiting.at - goneOn} ms after the sender went on, ${waiting.at - offeredAt} ms after the pending answer`)
      for (const s of sends) { const r = await s.done; expect(r.code, r.stderr).toBe(0) }
      expect((await shown())?.state).toBe('done')
    } finally {
      actl.close()
      bctl.close()
      events.close()
    }
  }, 120_000)
})
