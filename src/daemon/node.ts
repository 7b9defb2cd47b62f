// Assembles the libp2p node: TCP + Noise + Yamux, identify, optional mDNS with
// ferry's own service tag. Knows nothing about ferry's protocols.

import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { tcp } from '@libp2p/tcp'
import type { PrivateKey, PeerDiscovery, Libp2p } from '@libp2p/interface'
import { createLibp2p } from 'libp2p'
import { MDNS_SERVICE_TAG } from '../protocol/constants.ts'

export interface NodeInit {
  privateKey: PrivateKey
  listen: string[]
  mdns: boolean
  version: string
}

export type FerryNode = Libp2p<{ identify: ReturnType<ReturnType<typeof identify>> }>

export async function createNode (init: NodeInit): Promise<FerryNode> {
  const peerDiscovery: Array<(components: any) => PeerDiscovery> = []
  if (init.mdns) {
    // queries go out at start and every 5 s; answers come from every ferry daemon on the link
    peerDiscovery.push(mdns({ serviceTag: MDNS_SERVICE_TAG, interval: 5000 }))
  }
  return await createLibp2p({
    privateKey: init.privateKey,
    addresses: { listen: init.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    nodeInfo: { name: 'ferry', version: init.version, userAgent: `ferry/${init.version}` },
    services: { identify: identify() },
    connectionMonitor: {
      // a peer that vanishes without closing its socket (cable pulled, link down)
      // is detected by a failed ping and its connection aborted
      pingInterval: 3000,
      pingTimeout: { minTimeout: 2000, maxTimeout: 6000 },
      abortConnectionOnPingFailure: true
    },
    connectionManager: {
      dialTimeout: 5000,
      inboundUpgradeTimeout: 5000
    }
  }) as FerryNode
}
