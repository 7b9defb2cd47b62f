// Lab: two paired daemons in their own network namespaces, found over mDNS,
// listening on every address (0.0.0.0, as `ferry daemon` does by default),
// both move to other addresses (a DHCP lease renewed with another address,
// a laptop taken to another network of the same name): they find each other
// again at the addresses mDNS announces, by themselves (helper finding: they
// stayed offline for good, restarts or not, dialling the old addresses; only
// `ferry connect` brought them back). libp2p tells a known peer's new
// addresses as an update of its address book, not as a discovery.

import { afterAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { cleanupAll, startDaemon, tempDir, waitFor, waitListed, type TestDaemon } from '../helpers/daemon.ts'
import { createLab, labRequiredButMissing, type Lab } from '../helpers/lab.ts'
import { peersNow, showCode } from '../helpers/pairing.ts'

const skip = labRequiredButMissing()
let lab: Lab | undefined

afterAll(async () => {
  // daemons first (they live in the namespaces), then the namespaces, even if the test failed
  try { await cleanupAll() } finally { lab?.down() }
})

/** Host `i` of the lab moves from its address to `to` (same /24), its multicast route kept. */
function move (i: number, to: string): void {
  const h = lab!.hosts[i]
  execFileSync('ip', ['-n', h.ns, 'addr', 'del', `${h.ip}/24`, 'dev', h.veth])
  execFileSync('ip', ['-n', h.ns, 'addr', 'add', `${to}/24`, 'dev', h.veth])
  execFileSync('ip', ['-n', h.ns, 'route', 'replace', '224.0.0.0/4', 'dev', h.veth])
  h.ip = to
}

async function onlineAt (d: TestDaemon, other: TestDaemon, ip: string): Promise<boolean> {
  const p = (await peersNow(d)).find((x) => x.peerId === other.peerId)
  return p?.online === true && p.addrs.some((a) => a.includes(`/ip4/${ip}/`))
}

describe.skipIf(skip != null)('lab: paired devices that both move to other addresses', { timeout: 180_000 }, () => {
  it('find each other again over mDNS at their new addresses, by themselves', async () => {
    lab = createLab(2)
    const [ha, hb] = lab.hosts
    const a = await startDaemon({ name: 'moved-a', netns: ha.ns, mdns: true, listen: '/ip4/0.0.0.0/tcp/0' })
    const b = await startDaemon({ name: 'moved-b', netns: hb.ns, mdns: true, listen: '/ip4/0.0.0.0/tcp/0' })
    await waitListed(b, a)
    const shown = await showCode(a, { netns: ha.ns })
    const entered = await b.cli(['pair', shown.code])
    expect(entered.code, entered.stderr).toBe(0)
    expect((await shown.cli.done).code).toBe(0)
    await waitFor(async () => await onlineAt(a, b, hb.ip) && await onlineAt(b, a, ha.ip), 'each to list the other online', 15_000, 200)

    const subnet = ha.ip.split('.').slice(0, 3).join('.')
    move(0, `${subnet}.101`)
    move(1, `${subnet}.102`)
    const t0 = Date.now()
    // a send after the move goes through once each finds the other where mDNS says it is now (the old connection
    // goes once its pings fail, ~10-20 s); before, it waited for good, "waiting for moved-b (E_PEER_UNREACHABLE)"
    const file = join(await tempDir('ferry-moved-src-'), 'after-the-move.txt')
    await writeFile(file, 'moved\n')
    const sent = await a.cli(['send', 'moved-b', file, '--json'], { timeoutMs: 120_000 })
    expect(sent.code, sent.stderr).toBe(0)
    expect(await readFile(join(b.receiveDir, 'after-the-move.txt'), 'utf8')).toBe('moved\n')
    await waitFor(async () => await onlineAt(a, b, hb.ip) && await onlineAt(b, a, ha.ip), 'each to list the other online at its new address', 30_000, 500)
    console.log(`lab: both moved, a send went through after ${Date.now() - t0} ms`)
    await Promise.all([a.stop(), b.stop()])
  })
})
