// Lab: three daemons in their own network namespaces find each other over
// mDNS (no --peer), and a stopped one goes offline on the others.

import { afterAll, describe, expect, it } from 'vitest'
import { cleanupAll, peersOf, startDaemon, type TestDaemon } from '../helpers/daemon.ts'
import { createLab, labRequiredButMissing, type Lab } from '../helpers/lab.ts'
import { peersNow } from '../helpers/pairing.ts'
import type { PeerInfo } from '../../src/daemon/control/types.ts'
import { MDNS_SERVICE_TAG } from '../../src/protocol/constants.ts'
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** test/helpers/mdns-names.mjs: the names the mDNS packets heard in a namespace ask about and answer with */
const MDNS_NAMES = fileURLToPath(new URL('../helpers/mdns-names.mjs', import.meta.url))

const skip = labRequiredButMissing()
let lab: Lab | undefined

afterAll(async () => {
  await cleanupAll()
  lab?.down()
})

describe.skipIf(skip != null)('lab: mDNS discovery', () => {
  it('three daemons each list the other two within 2 s; a stopped one goes offline', async () => {
    lab = createLab(3)
    const daemons: TestDaemon[] = []
    for (const [i, h] of lab.hosts.entries()) {
      daemons.push(await startDaemon({ name: `host-${i}`, netns: h.ns, mdns: true, listen: `/ip4/${h.ip}/tcp/0` }))
    }
    // all three are up now; from here every daemon must list the other two within 2 s. Asked over the
    // control socket, all three at once: a `ferry peers` per look (0.3 s to start, ~1 s on a busy
    // machine, one daemon after the other) spent the 2 s itself (review finding)
    const t0 = Date.now()
    const listsOthers = (d: TestDaemon, list: PeerInfo[]): boolean =>
      daemons.every((o) => o === d || list.some((p) => p.peerId === o.peerId && p.online && p.name === o.name))
    while (true) {
      const lists = await Promise.all(daemons.map(peersNow))
      if (daemons.every((d, i) => listsOthers(d, lists[i]))) break
      expect(Date.now() - t0, JSON.stringify(lists.map((l, i) => ({ [daemons[i].name]: l.filter((p) => p.online).map((p) => p.name) })))).toBeLessThan(2000)
      await new Promise((r) => setTimeout(r, 50))
    }
    console.log(`lab: each daemon listed the other two ${Date.now() - t0} ms after all three were up`)
    // and the CLI shows it
    const listed = await peersOf(daemons[0])
    for (const [i, o] of daemons.entries()) {
      if (i === 0) continue
      const entry = listed.find((p) => p.peerId === o.peerId)
      expect(entry?.addrs.some((a) => a.includes(`/ip4/${lab!.hosts[i].ip}/`)), JSON.stringify(entry?.addrs)).toBe(true)
    }

    // on the wire, under ferry's own service name: a ferry of another build finds these, and they find no other
    // libp2p nodes, whose mDNS asks for _p2p._udp.local (mutation finding: every daemon here is the same build, so a
    // changed name still found the others). Heard for 6 s: each daemon asks every 5 s, and is answered
    const heard = JSON.parse(execFileSync('ip', ['netns', 'exec', lab.hosts[0].ns, process.execPath, MDNS_NAMES, lab.hosts[0].ip, '6000'], { encoding: 'utf8', timeout: 30_000 })) as { questions: string[], answers: string[] }
    expect(heard.questions, JSON.stringify(heard)).toContain(MDNS_SERVICE_TAG)
    expect(heard.answers, JSON.stringify(heard)).toContain(MDNS_SERVICE_TAG)
    for (const name of [...heard.questions, ...heard.answers]) expect(name, JSON.stringify(heard)).not.toMatch(/_p2p\._udp\.local$/)
    expect(MDNS_SERVICE_TAG).toBe('_ferry._udp.local')

    await daemons[2].stop()
    const t1 = Date.now()
    for (const d of daemons.slice(0, 2)) {
      while ((await peersNow(d)).some((p) => p.peerId === daemons[2].peerId && p.online)) {
        expect(Date.now() - t1).toBeLessThan(5000)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    for (const d of daemons.slice(0, 2)) await d.stop()
  })
})
