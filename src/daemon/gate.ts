// The pairing gate, in one place: every ferry protocol except hello and pair
// refuses streams from peers that are not in the trust store. It wraps the
// node's `handle`, so any handler registered after it (offer, chunks,
// receipt, trust, and whatever comes next) is gated by construction.

import type { Connection, Stream, StreamHandler, StreamHandlerOptions } from '@libp2p/interface'
import { PROTOCOL_PREFIX, UNGATED_PROTOCOLS } from '../protocol/constants.ts'
import { Refusal } from '../protocol/pb/common.js'
import { boundedPbStream, timeoutSignal } from '../protocol/stream.ts'
import type { TrustStore } from '../store/index.ts'
import type { Logger } from './logger.ts'
import type { FerryNode } from './node.ts'

export function isGated (protocol: string): boolean {
  return protocol.startsWith(PROTOCOL_PREFIX + '/') && !UNGATED_PROTOCOLS.has(protocol)
}

export function installGate (node: FerryNode, trust: TrustStore, log: Logger): void {
  const handle = node.handle.bind(node)
  node.handle = async (protocols: string | string[], handler: StreamHandler, options?: StreamHandlerOptions) => {
    const list = Array.isArray(protocols) ? protocols : [protocols]
    if (!list.some(isGated)) { await handle(protocols, handler, options); return }
    const gated: StreamHandler = (stream: Stream, connection: Connection) => {
      const peerId = connection.remotePeer.toString()
      if (trust.isPaired(peerId)) return handler(stream, connection)
      log.info('refused stream from unpaired peer', { peerId, protocol: stream.protocol })
      void refuse(stream)
    }
    await handle(protocols, gated, options)
  }
}

async function refuse (stream: Stream): Promise<void> {
  try {
    const pb = boundedPbStream(stream, 1024)
    await pb.write({ error: { code: 'E_NOT_PAIRED', message: 'this device is not paired with you; pair first with `ferry pair`' } }, Refusal, { signal: timeoutSignal(2000) })
    await stream.close({ signal: timeoutSignal(2000) })
  } catch (err) {
    stream.abort(err as Error)
  }
}
