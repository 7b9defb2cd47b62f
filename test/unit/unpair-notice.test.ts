// What `ferry unpair` says of the other device when it was not told: one
// that could not be reached, and one that was reached but whose answer could
// not be read (review finding: both were "could not be reached"). Either way
// it is told again later. The daemons' side is in test/integration/pairing-trust.test.ts.
import { describe, expect, it } from 'vitest'
import { streamPair } from '@libp2p/utils'
import type { Stream } from '@libp2p/interface'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { PairingService, type PairingComponents } from '../../src/pairing/service.ts'
import { unpairedLine } from '../../src/cli/commands/pair.ts'
import { UnpairAck } from '../../src/protocol/pb/trust.js'
import { lengthPrefixed } from '../../src/protocol/frames.ts'

/** A pairing service that trusts one peer, reached through `dial`; the trust store's calls are noted in `untold`. */
async function service (dial: () => Promise<Stream>): Promise<{ svc: PairingService, peerId: string, untold: string[] }> {
  const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  const paired = new Set([peerId])
  const untold: string[] = []
  const trust = {
    get: (id: string) => paired.has(id) ? { peerId: id, name: 'bob' } : undefined,
    remove: (id: string) => paired.delete(id),
    isPaired: (id: string) => paired.has(id),
    markUntold: (id: string) => { untold.push(id) },
    isUntold: (id: string) => untold.includes(id)
  }
  const c = {
    node: { dialProtocol: dial },
    trust,
    log: { info: () => {}, warn: () => {} },
    myName: () => 'alice',
    candidates: () => [],
    emit: () => {},
    onTrustChanged: () => {}
  } as unknown as PairingComponents
  return { svc: new PairingService(c), peerId, untold }
}

describe('unpairing a device that is not told', () => {
  it('reached, but its answer does not decode: said so, not "could not be reached", and told again later', async () => {
    const [out, inbound] = await streamPair()
    // the other side takes the notice and answers with bytes that are no UnpairAck: a length of 3, then an unfinished varint
    void (async () => {
      for await (const _ of inbound) break
      inbound.send(Uint8Array.from([3, 0xff, 0xff, 0xff]))
    })()
    const { svc, peerId, untold } = await service(async () => out)
    const r = await svc.unpair(peerId)
    expect(r).toMatchObject({ peerId, notified: false, untold: 'unreadable' })
    expect(untold).toEqual([peerId])
    const line = unpairedLine(r, 'bob')
    expect(line).not.toMatch(/could not be reached/)
    expect(line).toMatch(/was reached, but its answer could not be read/)
    expect(line).toMatch(/told again later/)
  })

  it('reached, and its stream ended without an answer (its daemon stopping, say): not reached, as a stream cut is, not "its answer could not be read" (review finding)', async () => {
    const [out, inbound] = await streamPair()
    void (async () => {
      for await (const _ of inbound) break
      await inbound.close()
    })()
    const { svc, peerId, untold } = await service(async () => out)
    const r = await svc.unpair(peerId)
    expect(r).toMatchObject({ peerId, notified: false, untold: 'unreachable' })
    expect(untold).toEqual([peerId])
  })

  it('reached, and it answered not ok with an error: said as what it answered, a code this ferry does not know named as such; not ok with no error stays an answer that could not be read (notes\' leftover)', async () => {
    const answered = async (ack: Uint8Array): Promise<Awaited<ReturnType<typeof service>> & { r: Awaited<ReturnType<PairingService['unpair']>> }> => {
      const [out, inbound] = await streamPair()
      void (async () => {
        for await (const _ of inbound) break
        inbound.send(lengthPrefixed(ack))
        await inbound.close()
      })()
      const s = await service(async () => out)
      return { ...s, r: await s.svc.unpair(s.peerId) }
    }
    const known = await answered(UnpairAck.encode({ ok: false, error: { code: 'E_IO', message: 'its store is read-only' } }))
    expect(known.r).toEqual({ peerId: known.peerId, name: 'bob', notified: false, untold: 'refused', refusal: { code: 'E_IO', message: 'other device: its store is read-only' } })
    expect(known.untold).toEqual([known.peerId])
    expect(unpairedLine(known.r, 'bob')).toMatch(/was reached, but did not take it \(E_IO: other device: its store is read-only\): it is told again later/)
    const unknown = await answered(UnpairAck.encode({ ok: false, error: { code: 'E_LATER', message: 'busy \u001b[31mnow' } }))
    expect(unknown.r).toMatchObject({ notified: false, untold: 'refused', refusal: { code: 'E_PROTOCOL', message: 'the other device sent an error code this ferry does not know (E_LATER), saying "busy [31mnow"' } })
    const bare = await answered(UnpairAck.encode({ ok: false }))
    expect(bare.r).toMatchObject({ notified: false, untold: 'unreadable' })
    expect(bare.r).not.toHaveProperty('refusal')
    // an older daemon's answer of the kind, or a newer one's without its words
    expect(unpairedLine({ peerId: '12D3KooWabcdefgh', notified: false, untold: 'refused' }, 'bob')).toMatch(/did not take it \(it gave no reason\)/)
  })

  it('not reached: said so, and told again later', async () => {
    const { svc, peerId, untold } = await service(async () => { throw Object.assign(new Error('The dial request has no valid addresses'), { name: 'NoValidAddressesError' }) })
    const r = await svc.unpair(peerId)
    expect(r).toMatchObject({ peerId, notified: false, untold: 'unreachable' })
    expect(untold).toEqual([peerId])
    expect(unpairedLine(r, 'bob')).toMatch(/could not be reached.*told when it can be/)
  })

  it('an answer from an older daemon without `untold` reads as not reached, as before', () => {
    expect(unpairedLine({ peerId: '12D3KooWabcdefgh', notified: false }, 'bob')).toMatch(/^unpaired bob \(…abcdefgh\) \(the other device could not be reached/)
    expect(unpairedLine({ peerId: '12D3KooWabcdefgh', name: 'bob', notified: true }, 'b')).toBe('unpaired bob (…abcdefgh) (the other device was told)\n')
  })
})
