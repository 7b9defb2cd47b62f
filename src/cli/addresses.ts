// The addresses a person types (`--listen`, `--peer`), checked before
// anything starts: a usage error (exit 2) that names the option, instead of
// an E_INTERNAL or E_IO from deep inside libp2p, or a daemon that redials a
// bad address every 2 s for good (user-test findings).

import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { UsageError } from './output.ts'

/** An IP address and a TCP port, nothing else: ferry listens on TCP only, and /dns4/… or …/ws passed and failed later with E_IO. */
export function checkListen (addr: string): void {
  let port: number | undefined
  try {
    port = Number(/^\/ip[46]\/[^/]+\/tcp\/(\d+)$/.exec(multiaddr(addr).toString())?.[1])
  } catch {}
  if (port == null || !Number.isInteger(port) || port > 65535) throw new UsageError(`--listen ${addr} is not a TCP address to listen on, such as /ip4/0.0.0.0/tcp/4774 (port 0: any free one)`)
}

/** A TCP address to dial, by IP or DNS name, with the peer's ID at its end or without: `--peer` of `ferry daemon` and `ferry pair`. */
export function checkPeerAddress (addr: string): void {
  const example = 'such as /ip4/192.168.1.20/tcp/4774 (with /p2p/<peer ID> at its end, or without)'
  let m: RegExpExecArray | null = null
  try {
    m = /^\/(ip4|ip6|dns|dns4|dns6)\/[^/]+\/tcp\/(\d+)(?:\/p2p\/([^/]+))?$/.exec(multiaddr(addr).toString())
  } catch {}
  if (m == null || Number(m[2]) > 65535 || Number(m[2]) === 0) throw new UsageError(`--peer ${addr} is not a TCP address of a device, ${example}`)
  if (m[3] != null) {
    try { peerIdFromString(m[3]) } catch { throw new UsageError(`--peer ${addr}: ${m[3]} is not a peer ID (ferry status shows a device's)`) }
  }
}
