// Assembles the libp2p node: TCP + Noise (with ferry's AEAD calls, see
// noise-crypto.ts; AES-GCM between ferry daemons where it is faster, see
// aes-noise.ts) + Yamux, with the bulk-data fixes of wire-tuning.ts,
// identify, optional mDNS with ferry's own service tag. Knows nothing about
// ferry's protocols.

import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { tcp } from '@libp2p/tcp'
import type { PrivateKey, PeerDiscovery, Libp2p } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MDNS_SERVICE_TAG } from '../protocol/constants.ts'
import { ferryNoiseCrypto } from './noise-crypto.ts'
import { aesNoise } from './aes-noise.ts'
import { corkTcpWrites, lazyYamuxWindowUpdates, noiseWithoutDecryptCopy, yamuxInPieces } from './wire-tuning.ts'
import { namePingTimeouts, PING_INTERVAL_MS } from './ping-timeouts.ts'

export interface NodeInit {
  privateKey: PrivateKey
  listen: string[]
  mdns: boolean
  version: string
  /** offer Noise with AES-GCM before the stock /noise (the daemon asks cipher-choice.ts; default no) */
  aesNoise?: boolean
  /** a peer's name, for the error of a connection closed as its pings got no answer (ping-timeouts.ts); '' if none */
  peerName?: (peerId: string) => string
}

export type FerryNode = Libp2p<{ identify: ReturnType<ReturnType<typeof identify>> }>

export async function createNode (init: NodeInit): Promise<FerryNode> {
  const peerDiscovery: Array<(components: any) => PeerDiscovery> = []
  if (init.mdns) {
    // queries go out at start and every 5 s; answers come from every ferry daemon on the link
    // peerName = our peer ID (52 chars, a valid DNS label), so the goodbye on shutdown names the same record
    peerDiscovery.push(mdns({ serviceTag: MDNS_SERVICE_TAG, interval: 5000, peerName: peerIdFromPrivateKey(init.privateKey).toString() }))
  }
  lazyYamuxWindowUpdates()
  const node = await createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: init.listen },
    transports: [tcp()],
    // in order of preference when dialling: the dialer proposes them in this
    // order and the listener takes the first proposal it has (its own order
    // plays no part)
    connectionEncrypters: [
      ...(init.aesNoise === true ? [aesNoise()] : []),
      noiseWithoutDecryptCopy({ crypto: ferryNoiseCrypto })
    ],
    // yamux's default stream window (256 KiB growing to 16 MiB): a 2 MiB cap
    // cost ~10 % on the 1 Gbit shaped link and saved no measurable memory;
    // what a chunk stream buffers is bounded by the receiver's requests
    // (src/transfer/receive/fetch.ts), not by the window
    streamMuxers: [yamuxInPieces()],
    peerDiscovery,
    nodeInfo: { name: 'ferry', version: init.version, userAgent: `ferry/${init.version}` },
    services: { identify: identify() },
    connectionMonitor: {
      // a peer that vanishes without closing its socket (cable pulled, link down)
      // is detected by a failed ping and its connection aborted. The ping
      // shares the connection with bulk chunk data, so during a transfer it
      // waits behind every byte queued in yamux and TCP buffers (tens of MiB):
      // on a busy host or a slow link that took longer than 2–6 s, and healthy
      // connections were aborted mid-transfer. A vanished peer is still noticed
      // within pingInterval + 15–30 s.
      pingInterval: PING_INTERVAL_MS,
      pingTimeout: { minTimeout: 15_000, maxTimeout: 30_000 },
      abortConnectionOnPingFailure: true
    },
    connectionManager: {
      dialTimeout: 5000,
      inboundUpgradeTimeout: 5000
    }
  }) as FerryNode
  corkTcpWrites(node)
  namePingTimeouts(node, init.peerName ?? (() => ''))
  return node
}
