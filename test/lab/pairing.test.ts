// Lab: pairing between two daemons in their own network namespaces that found
// each other over mDNS only (no --peer): `ferry pair` on one, `ferry pair
// <code>` on the other, which looks for the peer showing that nameplate among
// the peers it discovered.

import { afterAll, describe, expect, it } from 'vitest'
import { cleanupAll, jsonValues, peersOf, startDaemon, waitListed } from '../helpers/daemon.ts'
import { createLab, labRequiredButMissing, type Lab } from '../helpers/lab.ts'
import { fingerprintOf, peersNow, showCode, wrongCode } from '../helpers/pairing.ts'

const skip = labRequiredButMissing()
let lab: Lab | undefined

afterAll(async () => {
  // daemons first (they live in the namespaces), then the namespaces, even if the test failed
  try { await cleanupAll() } finally { lab?.down() }
})

describe.skipIf(skip != null)('lab: pairing over mDNS', { timeout: 120_000 }, () => {
  it('a wrong code fails on both sides; the right code pairs two daemons that found each other by mDNS', async () => {
    lab = createLab(2)
    const [ha, hb] = lab.hosts
    const a = await startDaemon({ name: 'lab-a', netns: ha.ns, mdns: true, listen: `/ip4/${ha.ip}/tcp/0` })
    const b = await startDaemon({ name: 'lab-b', netns: hb.ns, mdns: true, listen: `/ip4/${hb.ip}/tcp/0` })
    // mDNS only: b must discover a before it can ask it for the nameplate
    await waitListed(b, a) // over mDNS

    const first = await showCode(a, { netns: ha.ns })
    const wrong = await b.cli(['pair', wrongCode(first.code)])
    expect(wrong.code, wrong.stderr).toBe(1)
    expect(wrong.stderr).toMatch(/^ferry: E_PAIRING_FAILED: /m)
    const firstDone = await first.cli.done
    expect(firstDone.code, firstDone.stderr).toBe(1)
    expect(firstDone.stderr).toMatch(/^ferry: E_PAIRING_FAILED: /m)
    expect((await peersNow(a)).find((p) => p.peerId === b.peerId)?.paired).toBe(false)
    expect((await peersNow(b)).find((p) => p.peerId === a.peerId)?.paired).toBe(false)

    const second = await showCode(a, { netns: ha.ns })
    const right = await b.cli(['pair', second.code, '--json'])
    expect(right.code, right.stderr).toBe(0)
    expect(JSON.parse(right.stdout)).toEqual({ paired: true, peer: { peerId: a.peerId, name: 'lab-a', fingerprint: fingerprintOf(a.peerId) } })
    const secondDone = await second.cli.done
    expect(secondDone.code, secondDone.stderr).toBe(0)
    expect(jsonValues(secondDone.stdout)[1]).toEqual({ paired: true, peer: { peerId: b.peerId, name: 'lab-b', fingerprint: fingerprintOf(b.peerId) } })
    expect((await peersOf(a)).find((p) => p.peerId === b.peerId)).toMatchObject({ paired: true, online: true })
    expect((await peersOf(b)).find((p) => p.peerId === a.peerId)).toMatchObject({ paired: true, online: true })
    // the pairing went over the lab link, not loopback
    expect((await peersNow(b)).find((p) => p.peerId === a.peerId)?.addrs.some((x) => x.includes(`/ip4/${ha.ip}/`))).toBe(true)

    await Promise.all([a.stop(), b.stop()])
  })
})
