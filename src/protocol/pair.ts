// Message I/O for /ferry/pair/1.0.0: bounded reads with timeouts and WireError
// translation. The exchange logic (CPace, what to check when) is in src/pairing/.

import type { Stream } from '@libp2p/interface'
import { MAX_PAIR_MESSAGE_BYTES } from './constants.ts'
import { PairFinish, PairKey, PairNonce, PairOpen, PairResult } from './pb/pair.js'
import { boundedPbStream, fromWireError, timeoutSignal, toWireError, wireReadError, type WireErrorMsg } from './stream.ts'

export { PairFinish, PairKey, PairNonce, PairOpen, PairResult }
export const PAIRING_VERSION = 'ferry-pair/1'

type Codec<T> = { encode: (v: T) => Uint8Array, decode: (b: Uint8Array | any) => T }

export interface PairChannel {
  write: <T>(msg: T, codec: Codec<T>) => Promise<void>
  /** Read one message; a message carrying `error` is thrown as the FerryError it names. */
  read: <T>(codec: Codec<T>) => Promise<T>
  /** Tell the other side why we stop, best effort. */
  fail: <T>(codec: Codec<T>, err: unknown) => Promise<void>
  close: () => Promise<void>
}

export function pairChannel (stream: Stream, signal?: AbortSignal, timeoutMs = 30_000): PairChannel {
  const pb = boundedPbStream(stream, MAX_PAIR_MESSAGE_BYTES)
  const sig = (): AbortSignal => timeoutSignal(timeoutMs, signal)
  return {
    write: async (msg, codec) => { await pb.write(msg, codec, { signal: sig() }) },
    read: async (codec) => {
      const msg = await pb.read(codec, { signal: sig() }).catch((err) => { throw wireReadError(err, 'pairing', timeoutMs) })
      // said as the other device's words, as a transfer's are the receiver's or the sender's
      const err = fromWireError((msg as { error?: WireErrorMsg }).error, 'other device')
      if (err != null) throw err
      return msg
    },
    fail: async (codec, err) => {
      try { await pb.write({ error: toWireError(err) } as any, codec, { signal: timeoutSignal(2000) }) } catch {}
    },
    close: async () => { await stream.close({ signal: timeoutSignal(2000) }).catch(() => { stream.abort(new Error('close failed')) }) }
  }
}
