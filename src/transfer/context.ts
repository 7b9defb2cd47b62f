// What the parts of the transfer service share, built by service.ts and
// passed to each part explicitly (TransferContext): the daemon's
// components, the states the store could not take yet, how a change is
// published, a transfer's snapshot, and whether the daemon is stopping.
// Also the two things the send side and the receive side both do: tell the
// peer that a transfer ended (sendEndTo), and fail a row of an earlier run
// whose recorded offer cannot be read (failUnreadable).
// Must never: hold a send or a receive (sends.ts and receives.ts do).

import type { Connection, Stream, PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { FerryError } from '../errors.ts'
import { RECEIPT_PROTOCOL } from '../protocol/constants.ts'
import { dialFailure } from '../protocol/stream.ts'
import { sendEnd, type EndAnswer, type EndMsg } from '../protocol/transfer.ts'
import type { OfferInfo, TransferInfo } from '../daemon/control/types.ts'
import type { TransferStore, TrustStore } from '../store/index.ts'
import type { TransferRow } from '../store/transfers.ts'
import type { ChunkHashCache } from './manifest/manifest.ts'
import type { PendingStates } from './pending-states.ts'
import type { OtherVersion } from '../protocol/versions.ts'

export interface TransferComponents {
  node: { peerId: PeerId, handle: (p: string, h: (s: Stream, c: Connection) => void, o?: any) => Promise<void>, dialProtocol: (t: any, p: string, o?: any) => Promise<Stream> }
  privateKey: PrivateKey
  store: TransferStore
  trust: TrustStore
  receiveDir: string
  /** the daemon's state folder (its database, its key): never sent, also when a send includes it */
  home?: string
  peerName: (peerId: string) => string
  isOnline: (peerId: string) => boolean
  /** the other version of ferry a connected peer runs, if it does (peer-table.ts): a send to it is E_PEER_VERSION */
  otherVersion?: (peerId: string) => OtherVersion | undefined
  emitTransfer: (t: TransferInfo) => void
  emitOffer: (o: OfferInfo) => void
  emitOfferRemoved: (id: string) => void
  /** A peer refused us as not paired with it (it unpaired while we could not be told): the daemon drops its trust too. */
  refusedAsUnpaired?: (peerId: string) => void
  /** Chunk hashes of files hashed before; without it every send hashes every file. */
  hashCache?: ChunkHashCache
  log: { info: (m: string, d?: Record<string, unknown>) => void, warn: (m: string, d?: Record<string, unknown>) => void, debug: (m: string, d?: Record<string, unknown>) => void }
}

/** What service.ts gives each part of the transfer service (sends.ts, receives.ts and the files of each side). */
export interface TransferContext {
  readonly c: TransferComponents
  /** States the store could not take (its disk full), shown meanwhile and tried again every RETRY_INTERVAL_MS (service.ts) */
  readonly pendingStates: PendingStates
  /** Publish a snapshot: state changes at once, progress throttled (service.ts, EmitThrottle). */
  readonly changed: (id: string, urgent: boolean) => void
  /** A transfer as the control API shows it (service.ts info). */
  readonly info: (id: string) => TransferInfo | undefined
  /** the daemon is stopping: sends cut short by it are not failures, they resume after the restart (set by service.ts stop alone) */
  stopping: boolean
  /** when the run before this one last ran with transfers under way: those it cut short waited from then (alive-mark.ts) */
  readonly downSince?: number
  /** when this run of the daemon began (ms since the epoch): a spell a clean stop opened ends there (WaitClock.restored) */
  readonly startedAt: number
}

/** `end` to `peerId`, the transfer's `to` (its receiver for a sender's cancel, else its sender); `acked`: sendEnd's. */
export async function sendEndTo (c: TransferComponents, peerId: string, end: EndMsg, to: 'sender' | 'receiver', acked?: () => void): Promise<EndAnswer> {
  const stream = await c.node.dialProtocol(peerIdFromString(peerId), RECEIPT_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
    .catch((err: Error) => { throw new FerryError('E_PEER_UNREACHABLE', `cannot reach ${c.peerName(peerId)}: ${dialFailure(err, 10_000, c.node.peerId.toString())}`, { cause: err }) })
  return await sendEnd(stream, end, to, undefined, acked)
}

/** A row whose recorded offer does not decode: failed, saying so, not left unfinished for good (a receive was skipped silently, shown `fetching` forever). */
export function failUnreadable (ctx: TransferContext, row: TransferRow, err: Error): void {
  ctx.c.log.warn('an unfinished transfer\'s recorded offer cannot be read; it is failed', { id: row.id, err: err.message })
  ctx.pendingStates.update(row.id, { state: 'failed', errorCode: 'E_INTERNAL', errorMessage: `its recorded offer cannot be read: ${err.message}`, finishedAt: Date.now() })
}
