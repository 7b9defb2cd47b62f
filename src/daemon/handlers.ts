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
    peers: () => d.peerList()
  }
}
