// /ferry/trust/1.0.0: a peer that unpairs tells the other side. Gated, so only
// a paired peer can make us drop trust in it.

import type { Stream } from '@libp2p/interface'
import { FerryError, toFerryError } from '../errors.ts'
import { MAX_SMALL_MESSAGE_BYTES } from './constants.ts'
import { Unpair, UnpairAck } from './pb/trust.js'
import { boundedPbStream, fromWireError, timeoutSignal, toWireError, wireReadError } from './stream.ts'

/** How long each side of an unpairing notice waits for the other's message */
const UNPAIR_TIMEOUT_MS = 3000

/**
 * Why a peer we unpaired was not told: `unreachable`, no stream to it, or
 * the stream cut or silent (told when it can be); `unreadable`, it was
 * reached, but its answer could not be read or was no acknowledgement
 * (review finding: that too was "could not be reached"); `refused`, it
 * answered not ok with an error (UnpairAck.error), said as its code and words
 * (notes' leftover: that was "its answer could not be read"). Told again
 * later either way.
 */
export type UnpairUntold = 'unreachable' | 'unreadable' | 'refused'

/**
 * Tell the other side we unpaired it. Resolves once it acknowledged (or its
 * gate refused us: it does not trust us either); else throws a FerryError
 * that untoldWhy() reads: one it answered not ok with an error is that error,
 * marked remote (fromWireError: its code, or E_PROTOCOL naming a code this
 * ferry does not know).
 */
export async function notifyUnpair (stream: Stream): Promise<void> {
  const pb = boundedPbStream(stream, MAX_SMALL_MESSAGE_BYTES)
  const signal = timeoutSignal(UNPAIR_TIMEOUT_MS)
  await pb.write({ reason: 'unpaired by user' }, Unpair, { signal })
  const ack = await pb.read(UnpairAck, { signal }).catch((err) => {
    const fe = wireReadError(err, 'the answer to the unpairing', UNPAIR_TIMEOUT_MS)
    stream.abort(fe)
    throw fe
  })
  await stream.close({ signal }).catch(() => {})
  // its gate refused us: it does not trust us either (it unpaired us too), so there is nothing left to tell
  if (ack.error?.code === 'E_NOT_PAIRED') return
  if (ack.ok) return
  // not ok, and why: the other device said so, in a message that was read (notes' leftover: it was said as an answer that could not be read)
  throw fromWireError(ack.error, 'other device') ?? new FerryError('E_PROTOCOL', 'the answer to the unpairing is no acknowledgement')
}

/**
 * Why notifyUnpair() (or the dial before it) failed with `err`: the peer answered with an error of its own (remote);
 * its answer came but could not be read (E_PROTOCOL, E_MESSAGE_TOO_LARGE), else the peer was not reached; also when
 * its stream ended with no answer at all (its daemon stopping, say), as a stream cut is (review finding: that read
 * "its answer could not be read").
 */
export function untoldWhy (err: unknown): UnpairUntold {
  if (err instanceof FerryError && err.remote) return 'refused'
  if (!(err instanceof FerryError) || (err.code !== 'E_PROTOCOL' && err.code !== 'E_MESSAGE_TOO_LARGE')) return 'unreachable'
  return (err.cause as { name?: unknown } | undefined)?.name === 'UnexpectedEOFError' ? 'unreachable' : 'unreadable'
}

/**
 * A paired peer tells us it unpaired us: `removeTrust` drops our trust in it
 * before we answer, so that ok means it is gone (task finding: ok was sent
 * first, and a store that failed the write after it was never said: the peer
 * took itself as told, and we listed it as paired for good). A removal that
 * throws is answered not ok with its error (toFerryError, E_IO for what is
 * not the state database's own: the write to it failed), which the peer
 * says as refused and tells again later (notifyUnpair), and is thrown here.
 */
export async function handleUnpair (stream: Stream, removeTrust: () => void): Promise<void> {
  const pb = boundedPbStream(stream, MAX_SMALL_MESSAGE_BYTES)
  const signal = timeoutSignal(UNPAIR_TIMEOUT_MS)
  await pb.read(Unpair, { signal }).catch((err) => { throw wireReadError(err, 'unpair', UNPAIR_TIMEOUT_MS) })
  try {
    removeTrust()
  } catch (err) {
    const fe = toFerryError(err, 'E_IO')
    await pb.write({ ok: false, error: toWireError(new FerryError(fe.code, `its trust in this device could not be removed: ${fe.message}`)) }, UnpairAck, { signal }).catch(() => {})
    await stream.close({ signal }).catch(() => {})
    throw fe
  }
  await pb.write({ ok: true }, UnpairAck, { signal })
  await stream.close({ signal }).catch(() => {})
}
