// Pairing, end to end on 127.0.0.1 with mDNS off: real daemons linked with
// --peer, the real CLI (`ferry pair`, `ferry unpair`, `ferry peers`), and a
// stranger libp2p node that was never paired, knocking on the gate.

import { afterAll, describe, expect, it } from 'vitest'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { pbStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { HELLO_PROTOCOL, TRUST_PROTOCOL, WIRE_VERSION } from '../../src/protocol/constants.ts'
import { Refusal } from '../../src/protocol/pb/common.js'
import { Hello } from '../../src/protocol/pb/hello.js'
import { WORDLIST } from '../../src/pairing/wordlist.ts'
import { cleanupAll, jsonValues, peersOf, startDaemon, waitFor, type TestDaemon } from '../helpers/daemon.ts'
import { expectNoCodeIn, fingerprintOf, showCode, wrongCode } from '../helpers/pairing.ts'

afterAll(cleanupAll)

/** Two daemons, b dialling a with --peer; resolves once each lists the other online. */
async function linkedPair (names: [string, string], extraArgs: string[] = []): Promise<[TestDaemon, TestDaemon]> {
  const a = await startDaemon({ name: names[0], extraArgs })
  const b = await startDaemon({ name: names[1], peers: [a.addr], extraArgs })
  await waitFor(async () => (await peersOf(b)).some((p) => p.peerId === a.peerId && p.online), `${b.name} to list ${a.name} online`, 10_000)
  await waitFor(async () => (await peersOf(a)).some((p) => p.peerId === b.peerId && p.online), `${a.name} to list ${b.name} online`, 10_000)
  return [a, b]
}

async function pairedWith (d: TestDaemon, other: TestDaemon): Promise<boolean | undefined> {
  return (await peersOf(d)).find((p) => p.peerId === other.peerId)?.paired
}

function expectError (r: { code: number, stderr: string }, code: string): void {
  expect(r.code, r.stderr).toBe(1)
  // `ferry pair CODE` prints "pairing…" on stderr before the outcome: the error is a line of its own
  expect(r.stderr).toMatch(new RegExp(`^ferry: ${code}: `, "m"))
}

describe('pairing', () => {
  it('the right code pairs both sides with matching fingerprints, survives restarts, and never reaches a log', async () => {
    let [a, b] = await linkedPair(['alpha', 'beta'], ['--verbose'])
    const logFrom = [a.output().length, b.output().length]

    const shown = await showCode(a)
    expect(shown.expiresAt - Date.now()).toBeGreaterThan(4 * 60_000) // default 5 minutes
    expect(shown.expiresAt - Date.now()).toBeLessThanOrEqual(5 * 60_000)
    // no --peer: b finds the peer showing this nameplate among its online peers
    const entered = await b.cli(['pair', '--json'], { env: { FERRY_CODE: shown.code } })
    expect(entered.code, entered.stderr).toBe(0)
    const bSays = JSON.parse(entered.stdout)
    const shownDone = await shown.cli.done
    expect(shownDone.code, shownDone.stderr).toBe(0)
    const aSays = jsonValues(shownDone.stdout)
    expect(aSays).toHaveLength(2)
    expect(aSays[0]).toEqual({ code: shown.code, expiresAt: shown.expiresAt })

    expect(aSays[1]).toEqual({ paired: true, peer: { peerId: b.peerId, name: 'beta', fingerprint: fingerprintOf(b.peerId) } })
    expect(bSays).toEqual({ paired: true, peer: { peerId: a.peerId, name: 'alpha', fingerprint: fingerprintOf(a.peerId) } })
    const bOnA = (await peersOf(a)).find((p) => p.peerId === b.peerId)
    const aOnB = (await peersOf(b)).find((p) => p.peerId === a.peerId)
    expect(bOnA).toMatchObject({ paired: true, fingerprint: aSays[1].peer.fingerprint, name: 'beta' })
    expect(aOnB).toMatchObject({ paired: true, fingerprint: bSays.peer.fingerprint, name: 'alpha' })

    // verbose logs: the pairing is logged on both sides (so the check below is not vacuous), the code is not
    const logs = [a.output().slice(logFrom[0]), b.output().slice(logFrom[1])]
    for (const log of logs) expect(log).toMatch(/"msg":"paired"/)
    expect(logs[0]).toMatch(/"msg":"pairing code shown"/)
    expectNoCodeIn(logs[0], shown.code, "alpha's (showing) log")
    expectNoCodeIn(logs[1], shown.code, "beta's (entering) log")

    // trust is stored: restart both (same ports); they find each other again and are still paired
    a = await a.restart()
    b = await b.restart() // a redials b on its own: b is paired
    for (const [d, other] of [[a, b], [b, a]] as const) {
      const p = await waitFor(async () => (await peersOf(d)).find((x) => x.peerId === other.peerId && x.online), `${d.name} to list ${other.name} online after restart`, 15_000)
      expect(p).toMatchObject({ paired: true, fingerprint: fingerprintOf(other.peerId) })
    }
    await a.stop()
    await b.stop()
  })

  it('a wrong code fails on both sides with E_PAIRING_FAILED, pairs nobody, and burns the code', async () => {
    const [a, b] = await linkedPair(['gamma', 'delta'], ['--verbose'])
    const shown = await showCode(a)
    const wrong = wrongCode(shown.code)
    const r = await b.cli(['pair', '--peer', a.addr], { env: { FERRY_CODE: wrong } })
    expectError(r, 'E_PAIRING_FAILED')
    expectError(await shown.cli.done, 'E_PAIRING_FAILED')
    expect(await pairedWith(a, b)).toBe(false)
    expect(await pairedWith(b, a)).toBe(false)

    // the right code, typed after the failure, is burned too
    const late = await b.cli(['pair', '--peer', a.addr], { env: { FERRY_CODE: shown.code } })
    expectError(late, 'E_PAIRING_FAILED')
    expect(await pairedWith(a, b)).toBe(false)
    expect(await pairedWith(b, a)).toBe(false)
    for (const [d, what] of [[a, 'showing'], [b, 'entering']] as const) {
      expectNoCodeIn(d.output(), shown.code, `${d.name}'s (${what}) log`)
      expectNoCodeIn(d.output(), wrong, `${d.name}'s (${what}) log`)
    }
    await a.stop()
    await b.stop()
  })

  it('a code expires: `ferry pair --expires 10s` exits with E_PAIRING_EXPIRED, and the code is refused afterwards', async () => {
    const [a, b] = await linkedPair(['eps', 'zeta'])
    const tooShort = await a.cli(['pair', '--expires', '5s'], { env: { FERRY_CODE: '' } })
    expectError(tooShort, 'E_BAD_REQUEST')

    const shown = await showCode(a, { extra: ['--expires', '10s'] })
    expect(shown.expiresAt - Date.now()).toBeGreaterThan(5_000)
    expect(shown.expiresAt - Date.now()).toBeLessThanOrEqual(10_000)
    const done = await shown.cli.done
    expectError(done, 'E_PAIRING_EXPIRED')
    expect(Date.now()).toBeGreaterThanOrEqual(shown.expiresAt - 50)

    const late = await b.cli(['pair', '--peer', a.addr], { env: { FERRY_CODE: shown.code } })
    expectError(late, 'E_PAIRING_EXPIRED')
    expect(await pairedWith(a, b)).toBe(false)
    expect(await pairedWith(b, a)).toBe(false)
    await a.stop()
    await b.stop()
  })

  it('a malformed code is E_BAD_CODE (without echoing it); a code read from standard input works', async () => {
    const [a, b] = await linkedPair(['eta', 'theta'])
    const [w1, w2, w3] = [WORDLIST[100], WORDLIST[200], WORDLIST[300]]
    const malformed = [`7-${w1}`, `7-${w1}-${w2}-${w3}`, `1000-${w1}-${w2}`, `0-${w1}-${w2}`, `seven-${w1}-${w2}`, `7-xyzzyq-${w2}`]
    for (const code of malformed) {
      const r = await b.cli(['pair', code, '--peer', a.addr])
      expectError(r, 'E_BAD_CODE')
      expect(r.stderr).not.toContain(code)
    }
    const viaEnv = await b.cli(['pair', '--peer', a.addr], { env: { FERRY_CODE: 'xyzzyq' } })
    expectError(viaEnv, 'E_BAD_CODE')
    expect(viaEnv.stderr).not.toContain('xyzzyq')
    const viaStdin = await b.cli(['pair', '-', '--peer', a.addr], { input: 'xyzzyq\n' })
    expectError(viaStdin, 'E_BAD_CODE')

    // `echo CODE | ferry pair -`, typed sloppily: upper case, spaces instead of dashes
    const shown = await showCode(a)
    const sloppy = `  ${shown.code.toUpperCase().replaceAll('-', ' ')}\n`
    const r = await b.cli(['pair', '-', '--peer', a.addr, '--json'], { input: sloppy })
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ paired: true, peer: { peerId: a.peerId } })
    expect((await shown.cli.done).code).toBe(0)
    expect(await pairedWith(a, b)).toBe(true)
    expect(await pairedWith(b, a)).toBe(true)
    await a.stop()
    await b.stop()
  })

  it('unpair on one side removes trust on both (the other side is told)', async () => {
    const [a, b] = await linkedPair(['iota', 'kappa'])
    const shown = await showCode(a)
    expect((await b.cli(['pair', '--peer', a.addr], { env: { FERRY_CODE: shown.code } })).code).toBe(0)
    expect((await shown.cli.done).code).toBe(0)
    expect(await pairedWith(a, b)).toBe(true)
    expect(await pairedWith(b, a)).toBe(true)

    const r = await a.cli(['unpair', b.peerId, '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ peerId: b.peerId, notified: true })
    expect(await pairedWith(a, b)).toBe(false)
    await waitFor(async () => (await pairedWith(b, a)) === false, `${b.name} to drop its trust in ${a.name}`, 5000)
    // still listed (online, unpaired), and unpairing again is an error
    expect((await peersOf(a)).find((p) => p.peerId === b.peerId)?.online).toBe(true)
    expectError(await a.cli(['unpair', b.peerId]), 'E_NOT_PAIRED')
    expectError(await b.cli(['unpair', a.peerId]), 'E_NOT_PAIRED')
    await a.stop()
    await b.stop()
  })

  it('after 3 failed attempts a peer is throttled (E_PAIRING_THROTTLED); that does not burn the code, another peer can still use it', async () => {
    // The throttle counts exchanges that failed after claiming a shown code. A
    // failure burns the code, so every attempt needs a freshly shown one.
    const [a, b] = await linkedPair(['lambda', 'mu'])
    for (let i = 0; i < 3; i++) {
      const shown = await showCode(a)
      expectError(await b.cli(['pair', '--peer', a.addr], { env: { FERRY_CODE: wrongCode(shown.code) } }), 'E_PAIRING_FAILED')
      expectError(await shown.cli.done, 'E_PAIRING_FAILED')
    }
    const shown = await showCode(a)
    // refused before any key exchange, even with the right code
    expectError(await b.cli(['pair', '--peer', a.addr], { env: { FERRY_CODE: shown.code } }), 'E_PAIRING_THROTTLED')
    expect(await pairedWith(a, b)).toBe(false)
    expect(shown.cli.proc.exitCode).toBe(null) // still waiting: the refused attempt did not burn the code

    const c = await startDaemon({ name: 'nu', peers: [a.addr] })
    const r = await c.cli(['pair', '--peer', a.addr, '--json'], { env: { FERRY_CODE: shown.code } })
    expect(r.code, r.stderr).toBe(0)
    const done = await shown.cli.done
    expect(done.code, done.stderr).toBe(0)
    expect(jsonValues(done.stdout)[1]).toMatchObject({ paired: true, peer: { peerId: c.peerId } })
    expect(await pairedWith(a, c)).toBe(true)
    expect(await pairedWith(a, b)).toBe(false)
    await Promise.all([a.stop(), b.stop(), c.stop()])
  })

  it('the gate refuses an unpaired peer on a gated protocol with E_NOT_PAIRED; hello stays open to it', async () => {
    const a = await startDaemon({ name: 'xi' })
    // a stranger: a plain libp2p node with its own fresh identity, never paired with xi
    const stranger = await createLibp2p({
      addresses: { listen: [] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()]
    })
    try {
      const target = multiaddr(a.addr)
      const trust = await stranger.dialProtocol(target, TRUST_PROTOCOL, { signal: AbortSignal.timeout(5000) })
      const refusal = await pbStream(trust, { maxDataLength: 1024 }).read(Refusal, { signal: AbortSignal.timeout(5000) })
      expect(refusal.error?.code).toBe('E_NOT_PAIRED')
      expect(refusal.error?.message).toMatch(/ferry pair/)

      const hello = await stranger.dialProtocol(target, HELLO_PROTOCOL, { signal: AbortSignal.timeout(5000) })
      const pb = pbStream(hello, { maxDataLength: 1024 }).pb(Hello)
      await pb.write({ name: 'stranger', version: '0.0.0', wire: WIRE_VERSION }, { signal: AbortSignal.timeout(5000) })
      const theirs = await pb.read({ signal: AbortSignal.timeout(5000) })
      expect(theirs).toMatchObject({ name: 'xi', wire: WIRE_VERSION })
      expect(theirs.error).toBeUndefined()
      // after hello the stranger is listed, as a peer that is not paired
      const listed = await waitFor(async () => (await peersOf(a)).find((p) => p.peerId === stranger.peerId.toString() && p.online), 'xi to list the stranger', 5000)
      expect(listed).toMatchObject({ name: 'stranger', paired: false })
    } finally {
      await stranger.stop()
    }
    await a.stop()
  })
})
