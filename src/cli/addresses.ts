// The addresses a person types (`--listen`, `--peer`), checked before
// anything starts: a usage error (exit 2) that names the option, instead of
// an E_INTERNAL or E_IO from deep inside libp2p, or a daemon that redials a
// bad address every 2 s for good (user-test findings). Either as a multiaddr
// or as people type an address, host:port, as `ferry connect` takes it
// (user-test finding: `ferry connect 127.0.0.1:47703` worked, `--peer
// 127.0.0.1:47701` and `--listen 127.0.0.1:47711` were usage errors).

import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { isIP } from 'node:net'
import { UsageError } from './output.ts'
import { hostAndPort } from '../daemon/peer-address.ts'
import { toFerryError } from '../errors.ts'

/**
 * `addr` as a multiaddr's text: one as it is; "host", "host:port", "[v6]:port" (the port 4774 when none) as /ip4/…,
 * /ip6/… or, a host name where `names` allows it (an address to dial; one to listen on may have port 0), /dns/…; undefined where it is neither, with why when it says.
 */
function asMultiaddr (addr: string, names: boolean): { text?: string, why?: string } {
  const given = addr.trim()
  if (given.startsWith('/')) return { text: given }
  try {
    const { host, port } = hostAndPort(given, names ? 1 : 0)
    const family = isIP(host)
    if (family === 0 && !names) return { why: 'an IP address, not a host name' }
    return { text: `/${family === 6 ? 'ip6' : family === 4 ? 'ip4' : 'dns'}/${host}/tcp/${port}` }
  } catch (err) {
    // the words of `ferry connect`, which offer host names: an address to listen on takes an IP address alone
    return { why: names ? toFerryError(err).message : 'an IP address with :PORT, as 0.0.0.0:4774' }
  }
}

/**
 * An IP address and a TCP port, nothing else: ferry listens on TCP only, and /dns4/… or …/ws passed and failed later
 * with E_IO. Returned as the multiaddr to listen on.
 */
export function checkListen (addr: string): string {
  const { text, why } = asMultiaddr(addr, false)
  let port: number | undefined
  try {
    if (text !== undefined) port = Number(/^\/ip[46]\/[^/]+\/tcp\/(\d+)$/.exec(multiaddr(text).toString())?.[1])
  } catch {}
  if (text === undefined || port == null || !Number.isInteger(port) || port > 65535) throw new UsageError(`--listen ${addr} is not a TCP address to listen on${why !== undefined ? ` (${why})` : ''}, such as 0.0.0.0:4774 or /ip4/0.0.0.0/tcp/4774 (port 0: any free one)`)
  return text
}

/** A TCP address to dial, by IP or DNS name, with the peer's ID at its end or without: `--peer` of `ferry daemon` and `ferry pair`. Returned as the multiaddr to dial. */
export function checkPeerAddress (addr: string): string {
  const example = 'such as 192.168.1.20:4774, nas.local or /ip4/192.168.1.20/tcp/4774 (a multiaddr with /p2p/<peer ID> at its end, or without)'
  const { text, why } = asMultiaddr(addr, true)
  let m: RegExpExecArray | null = null
  try {
    if (text !== undefined) m = /^\/(ip4|ip6|dns|dns4|dns6)\/[^/]+\/tcp\/(\d+)(?:\/p2p\/([^/]+))?$/.exec(multiaddr(text).toString())
  } catch {}
  if (text === undefined || m == null || Number(m[2]) > 65535 || Number(m[2]) === 0) throw new UsageError(`--peer ${addr} is not a TCP address of a device${why !== undefined ? ` (${why})` : ''}, ${example}`)
  if (m[3] != null) {
    try { peerIdFromString(m[3]) } catch { throw new UsageError(`--peer ${addr}: ${m[3]} is not a peer ID (ferry status shows a device's)`) }
  }
  return text
}
