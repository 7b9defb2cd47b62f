// The errors a small message read (hello, pairing, unpair) ends with, as a
// person reads them: what was read, and why it failed.
import { describe, expect, it } from 'vitest'
import { streamPair } from '@libp2p/utils'
import { pairChannel, PairNonce, PairOpen } from '../../src/protocol/pair.ts'
import { FerryError } from '../../src/errors.ts'

describe('a small message read over a stream the other side cut', () => {
  it('fails naming what was read and that the stream was cut (E_PEER_UNREACHABLE), not with libp2p\'s words alone as a protocol error (fuzzing finding: `ferry pair CODE` said "E_PROTOCOL: The stream has been reset")', async () => {
    const [out, inbound] = await streamPair()
    const mine = pairChannel(out)
    const theirs = pairChannel(inbound)
    await mine.write({ nameplate: 7, nonce: new Uint8Array(16), version: 'ferry-pair/1' }, PairOpen)
    await theirs.read(PairOpen)
    inbound.abort(new Error('gone'))
    const err = await mine.read(PairNonce).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(FerryError)
    expect(err).toMatchObject({ code: 'E_PEER_UNREACHABLE' })
    expect((err as Error).message).toMatch(/^pairing: the stream was cut before the other side's message \(.+\)$/)
  })
})

describe('a small message read that gets nothing in time', () => {
  it('fails as E_TIMEOUT naming what was read and how long it waited, not "timed out" alone (helper finding: a pairing whose other side went silent ended "E_TIMEOUT: pairing: timed out")', async () => {
    const [out, inbound] = await streamPair()
    const mine = pairChannel(out, undefined, 300)
    pairChannel(inbound) // says nothing
    const err = await mine.read(PairNonce).then(() => undefined, (e: unknown) => e)
    expect(err).toBeInstanceOf(FerryError)
    expect(err).toMatchObject({ code: 'E_TIMEOUT', message: 'pairing: no message from the other side within 0.3 s' })
  })
})
