// The address a person gives for a device that mDNS does not find (another
// subnet, a VPN): `ferry connect` (and the control API's `connect`) takes a
// multiaddr as `--peer` does, or what people type for an address, an IP or
// a host name with an optional port: 192.168.2.10, nas.local:4774,
// [fe80::1]:4774. The port defaults to the daemon's own default, 4774.

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
    try {
      const ma = multiaddr(text)
      if (!ma.toString().includes('/tcp/')) throw new Error('no /tcp/ port in it')
      return ma
    } catch (err) {
      throw new FerryError('E_BAD_REQUEST', `not an address ferry can dial: ${JSON.stringify(text)} (${(err as Error).message}); give a multiaddr such as /ip4/192.168.1.20/tcp/4774, or 192.168.1.20:4774`)
    }
  }
  const { host, port } = hostAndPort(text)
  const ip = isIP(host) !== 0 ? host : await lookup(host).then((r) => r.address, (err: NodeJS.ErrnoException) => {
    throw new FerryError('E_PEER_UNREACHABLE', `cannot find the address of ${JSON.stringify(host)} (${err.code ?? err.message}); give its IP address`)
  })
  return multiaddr(`/${isIP(ip) === 6 ? 'ip6' : 'ip4'}/${ip}/tcp/${port}`)
}

/** "host", "host:port", "[v6]" or "[v6]:port"; a bare IPv6 address has no port. */
function hostAndPort (text: string): { host: string, port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text)
  const plain = /^([^:\s/]+)(?::(\d+))?$/.exec(text)
  const [host, portText] = bracketed != null ? [bracketed[1], bracketed[2]] : plain != null ? [plain[1], plain[2]] : isIP(text) === 6 ? [text, undefined] : [undefined, undefined]
  if (host === undefined) throw new FerryError('E_BAD_REQUEST', `not an address: ${JSON.stringify(text)}; give an IP address or host name, with :PORT if not ${DEFAULT_PORT} (192.168.1.20, nas.local:4775, [fe80::1]:4774), or a multiaddr`)
  const port = portText === undefined ? DEFAULT_PORT : Number(portText)
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new FerryError('E_BAD_REQUEST', `port ${portText} of ${JSON.stringify(text)} is not from 1 to 65535`)
  return { host, port }
}
