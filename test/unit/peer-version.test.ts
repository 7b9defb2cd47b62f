import { describe, expect, it } from 'vitest'
import { HELLO_PROTOCOL, OFFER_PROTOCOL } from '../../src/protocol/constants.ts'
import { FERRY_PROTOCOLS, otherVersionOf, otherVersionText } from '../../src/protocol/versions.ts'

describe('a peer of another version of ferry (identify\'s protocols)', () => {
  it('is one that speaks one of our protocols in other versions only', () => {
    const libp2p = ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0']
    // not ferry at all, or this version (whatever else it speaks: a protocol a newer ferry added)
    expect(otherVersionOf(libp2p)).toBeUndefined()
    expect(otherVersionOf([...libp2p, ...FERRY_PROTOCOLS])).toBeUndefined()
    expect(otherVersionOf([...FERRY_PROTOCOLS, '/ferry/hello/2.0.0', '/ferry/newthing/1.0.0'])).toBeUndefined()
    expect(otherVersionOf(['/ferry/newthing/1.0.0'])).toBeUndefined()
    // another hello: named before anything else
    expect(otherVersionOf([...libp2p, '/ferry/offer/9.0.0', '/ferry/hello/2.0.0'])).toEqual({ theirs: ['/ferry/hello/2.0.0'], ours: HELLO_PROTOCOL })
    // this hello, another offer: such a peer is online, and cannot be sent to
    expect(otherVersionOf([...FERRY_PROTOCOLS.filter((p) => p !== OFFER_PROTOCOL), '/ferry/offer/1.1.0'])).toEqual({ theirs: ['/ferry/offer/1.1.0'], ours: OFFER_PROTOCOL })
    // a name under ours is not a version of it; a peer's words are cleaned
    expect(otherVersionOf(['/ferry/hello/2.0.0/x'])).toBeUndefined()
    expect(otherVersionOf(['/ferry/hello/2\x1b[31m'])?.theirs[0]).not.toContain('\x1b')
  })

  it('says which side runs the older ferry', () => {
    expect(otherVersionText('beta', { theirs: ['/ferry/hello/2.0.0'], ours: '/ferry/hello/1.0.0' })).toBe('beta runs another version of ferry (it speaks /ferry/hello/2.0.0; this one /ferry/hello/1.0.0): update ferry on this device, so that both run the same version')
    expect(otherVersionText('beta', { theirs: ['/ferry/offer/1.1.0'], ours: '/ferry/offer/1.2.0' })).toMatch(/: update ferry on that device, so that both run the same version$/)
    expect(otherVersionText('beta', { theirs: [], ours: '/ferry/offer/1.2.0' })).toBe('beta runs another version of ferry (it does not speak /ferry/offer/1.2.0, which this one does): update ferry on both devices to the same version')
  })
})
