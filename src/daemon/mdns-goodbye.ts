// mDNS "goodbye" (RFC 6762 §10.1): on a clean shutdown, announce our service
// record with TTL 0 so that mDNS caches on the LAN drop us at once instead of
// keeping us for the record's 120 s TTL. @libp2p/mdns does not send one.
// Peers running ferry also see us go offline when our connections close.

import multicastDns from 'multicast-dns'
import { MDNS_SERVICE_TAG } from '../protocol/constants.ts'

export async function sendGoodbye (peerName: string): Promise<void> {
  const mdns = multicastDns({ reuseAddr: true })
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 500)
      mdns.respond({
        answers: [{ name: MDNS_SERVICE_TAG, type: 'PTR', class: 'IN', ttl: 0, data: `${peerName}.${MDNS_SERVICE_TAG}` }]
      }, () => { clearTimeout(timer); resolve() })
    })
  } catch {
    // best effort: shutting down must not fail because the network is gone
  } finally {
    await new Promise<void>((resolve) => { mdns.destroy(() => resolve()) })
  }
}
