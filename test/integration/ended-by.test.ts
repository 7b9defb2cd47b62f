// Who ended a cancelled or declined transfer, on both sides: TransferInfo
// .endedBy ('here' | 'peer'), and `ferry transfers`'s STATE saying
// "cancelled here" / "cancelled by beta" / "declined by beta" (user-test
// finding: "cancelled E_CANCELLED" repeated the state, and only --json's
// free-text message told who). Two real daemons; beta holds alpha's offers
// for a decision (auto-accept off), so each offer waits, still, until one
// side ends it, or is accepted and cancelled while it runs (alpha serving at
// most SERVE_RATE, serve-pace.ts, so that it still runs then).

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { connectControl } from '../../src/daemon/control/client.ts'
import type { TransferInfo } from '../../src/daemon/control/types.ts'
import { cleanupAll, control, pairDaemons, spawnCli, startDaemon, tempDir, waitFor, type TestDaemon } from '../helpers/daemon.ts'
import { writeRandomFile } from '../helpers/files.ts'

afterAll(cleanupAll)

const MiB = 1024 * 1024
const SERVE_RATE = 4 * MiB
/** what alpha's records should say of each transfer ended, checked again after its restart */
const expectedOnAlpha = new Map<string, string>()

let a: TestDaemon // sender
let b: TestDaemon // receiver, holding alpha's offers

beforeAll(async () => {
  a = await startDaemon({ name: 'alpha', env: { FERRY_TEST_SERVE_BYTES_PER_S: String(SERVE_RATE) } })
  // verbose: its log says when alpha offered again a transfer it had ended (toldAtOnce)
  b = await startDaemon({ name: 'beta', peers: [a.addr], extraArgs: ['--verbose'] })
  await pairDaemons(a, b)
  const ctl = await connectControl(b.home)
  try { await ctl.call('peer.autoAccept', { peer: a.peerId, autoAccept: false }) } finally { ctl.close() }
})

async function transfersOf (d: TestDaemon): Promise<TransferInfo[]> {
  const r = await d.cli(['transfers', '--json'])
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

/** An offer from alpha waiting on beta for a decision: its id, and the `ferry send` that waits for it. */
async function offered (name: string, size = 64 * 1024): Promise<{ id: string, sending: ReturnType<typeof spawnCli> }> {
  const dir = await tempDir('ferry-src-')
  const file = join(dir, name)
  await writeRandomFile(file, size)
  const sending = spawnCli(['send', 'beta', file, '--home', a.home], { timeoutMs: 60_000 })
  const ctl = await connectControl(b.home)
  let offer
  try {
    offer = await waitFor(async () => (await ctl.call('offers')).find((o) => o.names.includes(name)), `the offer of ${name} to show on beta`, 15_000)
  } finally { ctl.close() }
  // looked for over the control socket: a `ferry transfers --json` process a try was ~0.3 s of CPU each
  await waitFor(async () => (await control(a, 'transfers')).find((t) => t.id === offer.id && t.awaitingDecision === true), 'alpha to learn that the offer waits')
  return { id: offer.id, sending }
}

/** `d`'s row of `id` in `ferry transfers`, and its --json, once it has ended as `state` there. */
async function endedOn (d: TestDaemon, id: string, state: string): Promise<{ row: string, info: TransferInfo }> {
  // waited for over the control socket (a CLI process a try was ~0.3 s of CPU), then read once from `ferry transfers --json`
  await waitFor(async () => (await control(d, 'transfers')).find((t) => t.id === id && t.state === state), `${id.slice(0, 8)} to be ${state} on ${d.name}`, 15_000)
  const info = (await transfersOf(d)).find((t) => t.id === id)!
  expect(info.state).toBe(state)
  const text = (await d.cli(['transfers'])).stdout
  const row = text.split('\n').find((l) => l.startsWith(id.slice(0, 8)))
  expect(row, text).toBeDefined()
  return { row: row!, info }
}

/**
 * Beta told alpha of its end itself: alpha never offered `id` again after `from` (beta's log then), as it does to
 * learn what became of a send its receiver said nothing of (mutation finding: with beta's message gone, alpha
 * learnt it ~10 s later from that offer, and every test still passed).
 */
function expectToldAtOnce (id: string, from: number): void {
  expect(b.output().slice(from)).not.toMatch(new RegExp(`"msg":"an offer known already[^"]*","id":"${id}"`))
}

describe('who ended a transfer', () => {
  it('declined on the receiving device: "declined here" there, "declined by beta" on the sender', async () => {
    const { id, sending } = await offered('declined.bin')
    const from = b.output().length
    expect((await b.cli(['decline', id])).code).toBe(0)
    expect((await sending.done).code).toBe(1)
    const there = await endedOn(b, id, 'declined')
    expect(there.info.endedBy).toBe('here')
    expect(there.row).toMatch(/ declined here /)
    expect(there.row).not.toContain('E_DECLINED')
    const sender = await endedOn(a, id, 'declined')
    expect(sender.info.endedBy).toBe('peer')
    expect(sender.row).toMatch(/ declined by beta /)
    expect(sender.row).not.toContain('E_DECLINED')
    expectToldAtOnce(id, from)
    expectedOnAlpha.set(id, 'declined by beta')
  })

  it('cancelled on the sending device: "cancelled here" there, "cancelled by alpha" on the receiver', async () => {
    const { id, sending } = await offered('sender-cancel.bin')
    // what alpha's control API says of it: the cancel's event, which says beta's answer is awaited, then one after that
    // answer, which keeps nothing (user-test finding: none came, and a `ferry send` or `ferry wait` of it waited out its
    // 3 s, then printed the event before, `keptAwaited` in it)
    const seen: TransferInfo[] = []
    const ctl = await connectControl(a.home)
    try {
      await ctl.subscribe((event, data) => { if (event === 'transfer' && (data as TransferInfo).id === id) seen.push(data as TransferInfo) })
      expect((await a.cli(['cancel', id])).code).toBe(0)
      await waitFor(async () => {
        const awaited = seen.findIndex((t) => t.state === 'cancelled' && t.keptAwaited === true)
        return awaited >= 0 && seen.slice(awaited + 1).some((t) => t.state === 'cancelled' && t.keptAwaited === undefined) ? true : undefined
      }, 'an event of the cancelled send after beta\'s answer', 10_000)
    } finally { ctl.close() }
    expect((await sending.done).code).toBe(1)
    const here = await endedOn(a, id, 'cancelled')
    expect(here.info.endedBy).toBe('here')
    expect(here.row).toMatch(/ cancelled here /)
    expect(here.row).not.toContain('E_CANCELLED')
    const receiver = await endedOn(b, id, 'cancelled')
    expect(receiver.info.endedBy).toBe('peer')
    expect(receiver.row).toMatch(/ cancelled by alpha /)
    // `ferry wait --json` says it as its line on stderr does, with the fields `ferry send --json` has (user-test finding:
    // "cancelled on the sending device" in its JSON, "cancelled here" on stderr; no `seconds`)
    const waited = await a.cli(['wait', id, '--json'])
    expect(waited.stderr).toMatch(/^ferry: E_CANCELLED: cancelled here$/m)
    expect(JSON.parse(waited.stdout)).toMatchObject({ id, state: 'cancelled', seconds: expect.any(Number), skippedCount: 0, error: { code: 'E_CANCELLED', message: 'cancelled here' } })
    expectedOnAlpha.set(id, 'cancelled here')
  })

  it('cancelled on the receiving device: "cancelled here" there, "cancelled by beta" on the sender', async () => {
    const { id, sending } = await offered('receiver-cancel.bin')
    const from = b.output().length
    expect((await b.cli(['cancel', id])).code).toBe(0)
    expect((await sending.done).code).toBe(1)
    const here = await endedOn(b, id, 'cancelled')
    expect(here.info.endedBy).toBe('here')
    expect(here.row).toMatch(/ cancelled here /)
    const sender = await endedOn(a, id, 'cancelled')
    expect(sender.info.endedBy).toBe('peer')
    expect(sender.row).toMatch(/ cancelled by beta /)
    expect(sender.row).not.toContain('E_CANCELLED')
    expectToldAtOnce(id, from)
    expectedOnAlpha.set(id, 'cancelled by beta')
  })

  /** An offer of 32 MiB accepted on beta, and running (8 s at SERVE_RATE): some of it arrived, far from all. */
  async function running (name: string): Promise<{ id: string, sending: ReturnType<typeof spawnCli> }> {
    const r = await offered(name, 32 * MiB)
    expect((await b.cli(['accept', r.id])).code).toBe(0)
    await waitFor(async () => (await control(b, 'transfers')).find((t) => t.id === r.id && t.state === 'fetching' && t.doneBytes > 0), `${name} to be under way`, 15_000)
    return r
  }

  for (const side of ['sending', 'receiving'] as const) {
    it(`a transfer under way cancelled on the ${side} device: "cancelled here" there, "cancelled by …" on the other`, async () => {
      const { id, sending } = await running(`running-${side}.bin`)
      const [here, there] = side === 'sending' ? [a, b] : [b, a]
      const from = b.output().length
      const cancel = await here.cli(['cancel', id])
      expect(cancel.code, cancel.stderr).toBe(0)
      expect((await sending.done).code).toBe(1)
      const mine = await endedOn(here, id, 'cancelled')
      expect(mine.info.endedBy).toBe('here')
      expect(mine.row).toMatch(/ cancelled here /)
      const theirs = await endedOn(there, id, 'cancelled')
      expect(theirs.info.endedBy).toBe('peer')
      expect(theirs.row).toMatch(new RegExp(` cancelled by ${here.name} `))
      expect(theirs.row).not.toContain('E_CANCELLED')
      // the receive was still far from done: it ended cancelled, not done
      expect(mine.info.doneBytes).toBeLessThan(32 * MiB)
      if (side === 'receiving') expectToldAtOnce(id, from)
      expectedOnAlpha.set(id, side === 'sending' ? 'cancelled here' : 'cancelled by beta')
    })
  }

  it('an offer held on beta while beta is down: alpha says the offer waits there, beta offline now, and as before once it is back (user-test finding: "waiting to be accepted" alone, its receiver\'s daemon stopped)', async () => {
    const { id, sending } = await offered('held-while-down.bin')
    await b.stop()
    const down = await waitFor(async () => (await control(a, 'transfers')).find((t) => t.id === id && t.peerOffline === true), 'alpha to show beta offline for the held offer', 15_000)
    expect(down).toMatchObject({ state: 'offered', awaitingDecision: true })
    expect((await a.cli(['transfers'])).stdout).toMatch(new RegExp(`^${id.slice(0, 8)} .* offered, waiting to be accepted there \\(receiver offline now\\)`, 'm'))
    b = await b.restart()
    await waitFor(async () => (await control(a, 'transfers')).find((t) => t.id === id && t.awaitingDecision === true && t.peerOffline === undefined), 'alpha to show the held offer with beta back', 15_000)
    expect((await b.cli(['decline', id])).code).toBe(0)
    const sent = await sending.done
    expect(sent.code).toBe(1)
    // on a pipe too, as it went and as it came back (user-test finding: never said there)
    expect(sent.stderr).toMatch(/^ferry: beta is offline now; the offer waits there to be accepted, and the send goes on once it is back\nferry: offered to beta; waiting for it to be accepted there$/m)
  })

  it('kept across a restart: the record says who', async () => {
    expect(expectedOnAlpha.size).toBe(5)
    a = await a.restart()
    const text = (await a.cli(['transfers'])).stdout
    const list = await transfersOf(a)
    for (const [id, said] of expectedOnAlpha) {
      expect(list.find((t) => t.id === id)?.endedBy).toBe(said.endsWith('here') ? 'here' : 'peer')
      expect(text.split('\n').find((l) => l.startsWith(id.slice(0, 8)))).toContain(` ${said} `)
    }
  })
})
