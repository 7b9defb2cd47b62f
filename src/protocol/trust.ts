// /ferry/trust/1.0.0: a peer that unpairs tells the other side. Gated, so only
// a paired peer can make us drop trust in it.

import type { Stream } from '@libp2p/interface'
import { MAX_SMALL_MESSAGE_BYTES } from './constants.ts'
import { Unpair, UnpairAck } from './pb/trust.js'
import { boundedPbStream, timeoutSignal, wireReadError } from './stream.ts'

export async function notifyUnpair (stream: Stream): Promise<boolean> {
  const pb = boundedPbStream(stream, MAX_SMALL_MESSAGE_BYTES)
  const signal = timeoutSignal(3000)
  await pb.write({ reason: 'unpaired by user' }, Unpair, { signal })
  const ack = await pb.read(UnpairAck, { signal })
  await stream.close({ signal }).catch(() => {})
  // its gate refused us: it does not trust us either (it unpaired us too), so there is nothing left to tell
  if (ack.error?.code === 'E_NOT_PAIRED') return true
  return ack.ok
}

export async function handleUnpair (stream: Stream): Promise<void> {
  const pb = boundedPbStream(stream, MAX_SMALL_MESSAGE_BYTES)
  const signal = timeoutSignal(3000)
  await pb.read(Unpair, { signal }).catch((err) => { throw wireReadError(err, 'unpair') })
  await pb.write({ ok: true }, UnpairAck, { signal })
  await stream.close({ signal }).catch(() => {})
}
