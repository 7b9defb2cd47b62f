// Control API method handlers: thin adapters from JSON requests to the
// daemon's services. Validation of params happens here, once.

import { FerryError } from '../errors.ts'
import type { Handlers } from './control/server.ts'
import type { Daemon } from './daemon.ts'

export function requireString (params: unknown, key: string): string {
  const v = (params as Record<string, unknown>)?.[key]
  if (typeof v !== 'string' || v === '') throw new FerryError('E_BAD_REQUEST', `parameter "${key}" must be a non-empty string`)
  return v
}

export function buildHandlers (d: Daemon): Handlers {
  return {
    status: () => d.status(),
    peers: () => d.peerList(),
    'pair.show': (p) => d.pairing.show(p.expiresSec ?? undefined),
    'pair.enter': async (p) => await d.pairing.enter(requireString(p, 'code'), typeof p.peer === 'string' && p.peer !== '' ? p.peer : undefined),
    'pair.cancel': (p) => ({ cancelled: d.pairing.cancel(typeof p.id === 'string' ? p.id : undefined) }),
    unpair: async (p) => await d.pairing.unpair(d.resolvePeer(requireString(p, 'peer')).peerId),
    'peer.autoAccept': (p) => {
      const peerId = d.resolvePeer(requireString(p, 'peer')).peerId
      if (!d.trust.setAutoAccept(peerId, p.autoAccept === true)) throw new FerryError('E_NOT_PAIRED', `${peerId} is not paired`)
      return { peerId, autoAccept: p.autoAccept === true }
    }
  }
}
