// A --listen address this machine no longer has is told apart in `ferry status`
// (lab helper finding: the old address was shown as if the daemon could be
// reached there). src/daemon/listen-gone.ts, with the interfaces given.

import { describe, expect, it } from 'vitest'
import type { NetworkInterfaceInfo } from 'node:os'
import { goneListenAddrs } from '../../src/daemon/listen-gone.ts'
import { statusText } from '../../src/cli/commands/status.ts'

const iface = (address: string, family: 'IPv4' | 'IPv6'): NetworkInterfaceInfo => ({ address, family, netmask: '', mac: '00:00:00:00:00:00', internal: false, cidr: null }) as NetworkInterfaceInfo
const interfaces = { lo: [iface('127.0.0.1', 'IPv4'), iface('::1', 'IPv6')], eth0: [iface('10.77.0.41', 'IPv4'), iface('fd00::41', 'IPv6')] }
const P2P = '/p2p/12D3KooWDtQgsCicYoyzzSDwquJmVZaFeXqAzrdf1FAgERVp6r6j'

describe('goneListenAddrs', () => {
  it('lists the addresses on an IP the machine does not have now, not those it has, nor a wildcard', () => {
    const addrs = [`/ip4/10.77.0.2/tcp/4774${P2P}`, `/ip4/10.77.0.41/tcp/4774${P2P}`, `/ip4/127.0.0.1/tcp/4774${P2P}`, `/ip6/FD00::41/tcp/4774${P2P}`, `/ip6/fd00::2/tcp/4774${P2P}`, '/ip4/0.0.0.0/tcp/4774', '/ip6/::/tcp/4774']
    expect(goneListenAddrs(addrs, interfaces)).toEqual([`/ip4/10.77.0.2/tcp/4774${P2P}`, `/ip6/fd00::2/tcp/4774${P2P}`])
    expect(goneListenAddrs([], interfaces)).toEqual([])
  })

  it('`ferry status` says of one that nothing reaches the daemon there, and what to do', () => {
    const st = { name: 'beta', peerId: 'p', fingerprint: 'f', version: '0.1.0', uptimeMs: 1000, pid: 1, home: '/h', mdns: true, receiveDir: '/r', memory: { rss: 1, heapUsed: 1, arrayBuffers: 1 }, listenAddrs: [`/ip4/10.77.0.2/tcp/4774${P2P}`, `/ip4/127.0.0.1/tcp/4774${P2P}`], listenGone: [`/ip4/10.77.0.2/tcp/4774${P2P}`] }
    const text = statusText(st as never)
    expect(text).toContain(`listening: /ip4/10.77.0.2/tcp/4774${P2P} (not an address of this machine now: nothing reaches the daemon there; restart it with --listen on one it has, or /ip4/0.0.0.0/tcp/PORT)\n           /ip4/127.0.0.1/tcp/4774${P2P}\n`)
  })
})
