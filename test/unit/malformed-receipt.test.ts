// A TransferEnd (a receipt, or a failure, decline or cancel) that cannot be
// read is answered with an acknowledgement saying why, as any other receipt
// refused is (E_RECEIPT_INVALID), not with the stream reset (notes'
// leftover): its receiver then fails its receive with that reason instead of
// taking the reset for a link that failed and sending it again and again.
import { describe, expect, it } from 'vitest'
import { streamPair } from '@libp2p/utils'
import { FrameReader, readEnd, type EndMsg } from '../../src/protocol/transfer.ts'
import { MAX_OFFER_FILES, MAX_SMALL_MESSAGE_BYTES } from '../../src/protocol/constants.ts'
import { TransferEnd, TransferEndAck } from '../../src/protocol/pb/transfer.js'
import { lengthPrefixed, writeVarint } from '../../src/protocol/frames.ts'
import { fromWireError } from '../../src/protocol/stream.ts'

const end = (fields: Partial<TransferEnd>): Uint8Array => lengthPrefixed(TransferEnd.encode({ transferId: new Uint8Array(16).fill(1), status: 'done', root: new Uint8Array(32), signature: new Uint8Array(64), wireBytes: 0, missing: new Uint8Array(0), renamedCount: 0, renamed: [], renames: [], renameCount: 0, refused: [], ...fields }))

/** A length prefix of `n` and nothing after it. */
function prefixOnly (n: number): Uint8Array {
  const out = new Uint8Array(10)
  return out.subarray(0, writeVarint(out, 0, n))
}

const cases: Array<[string, Uint8Array, string, RegExp]> = [
  // a transfer id said to be 80 bytes long, and 2 of them
  ['bytes that do not decode', lengthPrefixed(Uint8Array.from([0x0a, 0x50, 1, 2])), 'E_PROTOCOL', /^the end of the transfer could not be read: malformed message: /],
  ['a status no version has', end({ status: 'finished' }), 'E_PROTOCOL', /^the end of the transfer could not be read: unknown transfer end status "finished"/],
  ['a message over the limit', prefixOnly(MAX_SMALL_MESSAGE_BYTES + Math.ceil(MAX_OFFER_FILES / 8) + 1), 'E_MESSAGE_TOO_LARGE', /^the end of the transfer could not be read: message of \d+ bytes exceeds the limit/]
]

describe('a TransferEnd that cannot be read', () => {
  for (const [what, bytes, code, said] of cases) {
    it(`${what}: answered with an ack that says why (${code}), the stream then closed, and readEnd throws it for its caller to log`, async () => {
      const [out, inbound] = await streamPair()
      const handled: EndMsg[] = []
      const reading = readEnd(inbound, async (e) => { handled.push(e) }).then(() => undefined, (err: Error & { code?: string }) => err)
      out.send(bytes)
      const ack = await new FrameReader(out).readLp((b) => TransferEndAck.decode(b), MAX_SMALL_MESSAGE_BYTES, AbortSignal.timeout(5000))
      expect(ack?.ok).toBe(false)
      const told = fromWireError(ack?.error, 'sender')
      expect(told?.code).toBe(code)
      expect(ack?.error?.message).toMatch(said)
      expect(handled).toEqual([])
      const thrown = await reading
      expect(thrown?.code).toBe(code)
    })
  }
})
