// An offer's intake on the receiving side without a daemon: OfferIntake on a
// bare context, and an offer put to it over an in-memory stream pair.

import { streamPair } from '@libp2p/utils'
import { FrameReader, sendAll } from '../../src/protocol/transfer.ts'
import { OfferAnswer } from '../../src/protocol/pb/transfer.js'
import { MAX_SMALL_MESSAGE_BYTES } from '../../src/protocol/constants.ts'
import type { TransferStore } from '../../src/store/index.ts'
import { Receives } from '../../src/transfer/receive/receives.ts'
import { ReceiveRoom } from '../../src/transfer/receive/receive-room.ts'
import { OfferIntake } from '../../src/transfer/receive/offer-intake.ts'
import { PendingStates } from '../../src/transfer/pending-states.ts'
import type { TransferContext } from '../../src/transfer/context.ts'
import { buildOffer } from './evil-peer.ts'

const quiet = { debug: () => {}, info: () => {}, warn: () => {} }

/** A bare context receiving into `receiveDir`: `store`, quiet logs, its peer ('peer') paired without auto-accept, and away. */
function bareContext (store: TransferStore, receiveDir: string): TransferContext {
  return {
    c: { store, receiveDir, log: quiet, trust: { get: () => ({ autoAccept: false }) }, peerName: () => 'peer', isOnline: () => false, emitOffer: () => {}, emitTransfer: () => {}, emitOfferRemoved: () => {} },
    pendingStates: new PendingStates(store, quiet),
    changed: () => {},
    info: () => undefined,
    stopping: false
  } as unknown as TransferContext
}

/** The receives of a bare context (bareContext), for what they answer without an offer (a preview's fit). */
export function bareReceives (store: TransferStore, receiveDir: string): Receives {
  return new Receives(bareContext(store, receiveDir))
}

/** An OfferIntake into `receiveDir` on a bare context (bareContext). */
export function bareIntake (store: TransferStore, receiveDir: string): OfferIntake {
  const ctx = bareContext(store, receiveDir)
  const receives = new Receives(ctx)
  return new OfferIntake(ctx, receives, new ReceiveRoom(ctx, receives))
}

/** `files` offered to `intake` by 'peer': its answer, once the intake is done with the offer. */
export async function offerAnswer (intake: OfferIntake, files: Parameters<typeof buildOffer>[0]): Promise<OfferAnswer | undefined> {
  const built = buildOffer(files)
  const [out, inbound] = await streamPair()
  const taking = intake.onOffer(inbound, 'peer')
  await sendAll(out, built.wire)
  const answer = await new FrameReader(out).readLp((b) => OfferAnswer.decode(b), MAX_SMALL_MESSAGE_BYTES, AbortSignal.timeout(5000))
  await taking
  return answer
}
