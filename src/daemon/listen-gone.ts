// Listen addresses of this daemon that are no longer addresses of this
// machine: one given with --listen (a fixed IP) whose address went away (a
// DHCP lease renewed with another, a network left) stays bound, and libp2p
// goes on listing it, though nothing reaches the daemon there; `ferry status`
// says so (lab helper finding: it showed the old address, no word of it). A
// wildcard (0.0.0.0, ::) follows the machine's addresses by itself.

import { networkInterfaces } from 'node:os'

type Interfaces = ReturnType<typeof networkInterfaces>

/** Of `addrs` (multiaddrs as strings), those on an IP `interfaces` does not hold now. */
export function goneListenAddrs (addrs: string[], interfaces: Interfaces = networkInterfaces()): string[] {
  const held = new Set(Object.values(interfaces).flatMap((list) => (list ?? []).map((i) => i.address.toLowerCase())))
  return addrs.filter((a) => {
    const ip = /^\/ip[46]\/([^/]+)\//.exec(a)?.[1]?.toLowerCase()
    return ip !== undefined && ip !== '0.0.0.0' && ip !== '::' && !held.has(ip)
  })
}
