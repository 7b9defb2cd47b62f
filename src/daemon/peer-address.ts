// The address a person gives for a device that mDNS does not find (another
// subnet, a VPN): `ferry connect` (and the control API's `connect`) takes a
// multiaddr as `--peer` does, or what people type for an address, an IP or
// a host name with an optional port: 192.168.2.10, nas.local:4774,
// [fd00::2]:4774. The port defaults to the daemon's own default, 4774.

import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { FerryError } from '../errors.ts'
import { DEFAULT_PORT } from './config.ts'

/**
 * `given` as a multiaddr to dial: a multiaddr as it is, else host[:port]
 * with a host name looked up (the daemon dials IP addresses). E_BAD_REQUEST
 * naming what is wrong with it.
 */
export async function peerAddress (given: string): Promise<Multiaddr> {
  const text = given.trim()
  if (text.startsWith('/')) {
    let ma: Multiaddr
    try {
      ma = multiaddr(text)
      if (!ma.toString().includes('/tcp/')) throw new Error('no /tcp/ port in it')
    } catch (err) {
      throw new FerryError('E_BAD_REQUEST', `not an address ferry can dial: ${JSON.stringify(text)} (${(err as Error).message}); give a multiaddr such as /ip4/192.168.1.20/tcp/4774, or 192.168.1.20:4774`)
    }
    if (ma.getComponents().some((c) => c.name === 'ip6zone' || (c.name === 'ip6' && linkLocal(c.value ?? '')))) throw linkLocalError(text)
    return ma
  }
  const { host, port } = hostAndPort(text)
  if (linkLocal(host)) throw linkLocalError(text)
  // of a name's addresses, one that can be dialled (a .local name may come with a link-local IPv6 one first)
  const ip = isIP(host) !== 0 ? host : await lookup(host, { all: true }).then((r) => (r.find((a) => !linkLocal(a.address)) ?? r[0]).address, (err: NodeJS.ErrnoException) => {
    throw new FerryError('E_PEER_UNREACHABLE', `cannot find the address of ${JSON.stringify(host)} (${err.code ?? err.message}); give its IP address`)
  })
  if (linkLocal(ip)) throw linkLocalError(text)
  return multiaddr(`/${isIP(ip) === 6 ? 'ip6' : 'ip4'}/${ip}/tcp/${port}`)
}

/**
 * fe80::/10, with or without its interface (fe80::1%eth0): an address of one link, which a dial reaches only
 * through that interface. libp2p's TCP dial leaves the interface out (its net config has no zone), and without
 * one the kernel refuses the connect (EINVAL): such an address is never reached (review finding: the help's own
 * example, [fe80::1]:4774, and one with its %eth0 an internal error, E_INTERNAL "Invalid IPv6 address").
 */
function linkLocal (host: string): boolean {
  const [ip, zone] = host.split('%', 2)
  return isIP(ip) === 6 && (zone !== undefined || /^fe[89ab][0-9a-f]:/i.test(ip))
}

function linkLocalError (text: string): FerryError {
  return new FerryError('E_BAD_REQUEST', `${JSON.stringify(text)} is a link-local IPv6 address (fe80::, or one with its %interface), which ferry cannot dial: give the device's IPv4 address (\`ferry status\` there shows its addresses), or another IPv6 one`)
}

/** "host", "host:port", "[v6]" or "[v6]:port"; a bare IPv6 address has no port. `minPort` 0: an address to listen on (any free port). */
export function hostAndPort (text: string, minPort = 1): { host: string, port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text)
  const plain = /^([^:\s/]+)(?::(\d+))?$/.exec(text)
  const [host, portText] = bracketed != null ? [bracketed[1], bracketed[2]] : plain != null ? [plain[1], plain[2]] : isIP(text) === 6 ? [text, undefined] : [undefined, undefined]
  if (host === undefined) throw new FerryError('E_BAD_REQUEST', `not an address: ${JSON.stringify(text)}; give an IP address or host name, with :PORT if not ${DEFAULT_PORT} (192.168.1.20, nas.local:4775, [fd00::2]:4774), or a multiaddr`)
  const problem = isIP(host) === 0 ? hostNameProblem(host, text) : undefined
  if (problem !== undefined) throw problem
  const port = portText === undefined ? DEFAULT_PORT : Number(portText)
  if (!Number.isInteger(port) || port < minPort || port > 65535) throw new FerryError('E_BAD_REQUEST', `port ${portText} of ${JSON.stringify(text)} is not from ${minPort} to 65535`)
  return { host, port }
}

/**
 * One label of a host name: letters (any script, with their combining marks, and the joiners some scripts need),
 * digits, hyphens within, underscores; up to 63 (review finding: Devanagari, and a name typed in NFD, were refused).
 */
const LABEL = /^[\p{L}\p{N}_](?:[\p{L}\p{M}\p{N}_\u200c\u200d-]{0,61}[\p{L}\p{M}\p{N}_])?$/u

/**
 * What keeps `host` (of `text`), not an IP address, from being a host name to look up: E_BAD_REQUEST where it cannot
 * be one, rather than a look-up that fails with E_PEER_UNREACHABLE (user-test finding: `ferry connect
 * 'notanaddress!!'` and `ferry connect 300.1.1.1` said "cannot find the address of …", where the README promised
 * E_BAD_REQUEST); undefined where it can.
 */
export function hostNameProblem (host: string, text: string): FerryError | undefined {
  // four numbers that are no IPv4 address (300.1.1.1); shorter forms (127.1) are the system's to read, as before
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) return new FerryError('E_BAD_REQUEST', `${JSON.stringify(text)} is not an IPv4 address: four numbers from 0 to 255 (192.168.1.20), with :PORT if not ${DEFAULT_PORT}`)
  const labels = host.replace(/\.$/, '').split('.')
  if (host.length > 253 || labels.some((l) => !LABEL.test(l))) return new FerryError('E_BAD_REQUEST', `not an address: ${JSON.stringify(text)} (a host name has letters, digits and hyphens, in parts between dots); give an IP address or host name, with :PORT if not ${DEFAULT_PORT} (192.168.1.20, nas.local:4775, [fd00::2]:4774), or a multiaddr`)
  return undefined
}
