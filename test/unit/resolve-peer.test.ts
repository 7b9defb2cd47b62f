// Which peer a name, an ID or a part of one means (Daemon.resolvePeer): for
// `ferry send`, `unpair` and `auto-accept`, and every command naming a peer.

import { describe, expect, it } from 'vitest'
import { Daemon } from '../../src/daemon/daemon.ts'
import type { PeerInfo } from '../../src/daemon/control/types.ts'

const peer = (peerId: string, name: string, paired: boolean): PeerInfo => ({ peerId, name, paired, online: true, addrs: [], lastSeen: 1 })
const resolve = (peers: PeerInfo[], query: string, opts: { paired?: boolean } = {}, self?: { name: string, peerId: string }): PeerInfo =>
  Daemon.prototype.resolvePeer.call({ peerList: () => peers, config: { name: self?.name }, node: self != null ? { peerId: self.peerId } : undefined } as unknown as Daemon, query, opts)

const BOBBY = peer('12D3KooWBobbyBobbyBobbyBobbyBobby11111111', 'Bobby', true)
const BOB = peer('12D3KooWBobBobBobBobBobBobBobBob22222222', 'Bob', false)
const TWIN = peer('12D3KooWTwinTwinTwinTwinTwinTwin33333333', 'Bobby', false)

describe('resolvePeer', () => {
  it('a name given whole means that peer, also an unpaired one against a paired one it is the start of (review finding: files went to "Bobby" for "Bob")', () => {
    expect(resolve([BOBBY, BOB], 'Bob', { paired: true })).toBe(BOB)
    expect(resolve([BOBBY, BOB], 'Bo', { paired: true })).toBe(BOBBY) // a prefix: the paired one
    expect(() => resolve([BOBBY, BOB], 'Bo')).toThrow(/matches 2 peers/)
  })

  it('of two peers with one name, the paired one, for what only a paired peer can be the subject of', () => {
    expect(resolve([BOBBY, TWIN], 'Bobby', { paired: true })).toBe(BOBBY)
    expect(() => resolve([BOBBY, TWIN], 'Bobby')).toThrow(/E_PEER_AMBIGUOUS|matches 2 peers/)
  })

  it('for what only a paired peer can be the subject of (unpair, send), several matches none of which is paired are no paired peer, not a choice to make (helper finding: `ferry unpair bob` with two unpaired "bob-…" said E_PEER_AMBIGUOUS)', () => {
    const ONE = peer('12D3KooWOneOneOneOneOneOneOneOne88888888', 'bob-one', false)
    const TWO = peer('12D3KooWTwoTwoTwoTwoTwoTwoTwoTwo99999999', 'bob-two', false)
    for (const query of ['bob', '12D3KooW']) {
      expect(() => resolve([ONE, TWO], query, { paired: true }), query).toThrow(expect.objectContaining({ code: 'E_NOT_PAIRED' }))
    }
    expect(() => resolve([ONE, TWO], 'bob', { paired: true })).toThrow('no paired peer matches "bob": it matches 2 peers, none of them paired (bob-one …88888888, online; bob-two …99999999, online)')
    // two unpaired of one name, given whole
    expect(() => resolve([ONE, { ...TWO, name: 'bob-one' }], 'bob-one', { paired: true })).toThrow(expect.objectContaining({ code: 'E_NOT_PAIRED' }))
    // one paired among them is the one meant; asked without `paired`, still a choice to make
    expect(resolve([ONE, TWO, BOBBY], 'Bo', { paired: true })).toBe(BOBBY)
    expect(resolve([ONE, { ...TWO, paired: true }], 'bob', { paired: true }).peerId).toBe(TWO.peerId)
    expect(() => resolve([ONE, TWO], 'bob')).toThrow(expect.objectContaining({ code: 'E_PEER_AMBIGUOUS' }))
  })

  it('two peers of one name: the error names each by the end of its peer ID and says which is online (user-test finding: a device set up anew and its old self, offline for good, could not be told apart)', () => {
    const OLD = { ...peer('12D3KooWOldOldOldOldOldOldOldOld44444444', 'C', true), online: false }
    const NEW = peer('12D3KooWNewNewNewNewNewNewNewNew55555555', 'C', true)
    expect(() => resolve([NEW, OLD], 'C', { paired: true })).toThrow('"C" matches 2 peers (C …55555555, online; C …44444444, offline)')
  })

  it('two paired peers whose names share the start given: the error says to give more of the name, not only of the peer ID (user-test finding: `ferry send bet` with "beta" and "betamax" paired, where "beta" names one)', () => {
    const BETA = peer('12D3KooWBetaBetaBetaBetaBetaBeta77777777', 'beta', true)
    const BETAMAX = peer('12D3KooWMaxMaxMaxMaxMaxMaxMaxMax88888888', 'betamax', true)
    expect(() => resolve([BETA, BETAMAX], 'bet', { paired: true })).toThrow('"bet" matches 2 peers (beta …77777777, online; betamax …88888888, online); give more of the name, or of the peer ID, its start or its end as shown')
    // by the start of their peer IDs: those are what to give more of
    expect(() => resolve([BETA, BETAMAX], '12D3KooW', { paired: true })).toThrow('"12D3KooW" matches 2 peers (beta …77777777, online; betamax …88888888, online); give more of the peer ID, its start or its end as shown')
  })

  it('by the end of a peer ID as ferry shows it, or 6 characters of it or more; never a short name by chance', () => {
    expect(resolve([BOBBY, BOB], '…22222222')).toBe(BOB)
    expect(resolve([BOBBY, BOB], '22222222')).toBe(BOB)
    expect(resolve([BOBBY, BOB], '12D3KooWBobB')).toBe(BOB)
    expect(() => resolve([BOBBY, BOB], '2222')).toThrow(/no peer named "2222"/)
  })

  it('a name or ID not found: this device\'s own is said to be this device (user-test finding: `ferry send beta` on beta said no peer "beta"); a name no peer ID could be is not offered the peer-ID forms (user-test finding: `ferry unpair 測試` was, "or with a peer ID that starts so, or ends so"); controls are shown, not dropped', () => {
    const self = { name: 'beta', peerId: '12D3KooWSelfSelfSelfSelfSelfSelf66666666' }
    for (const query of ['beta', self.peerId, '12D3KooWSelf', '…66666666', '666666']) {
      expect(() => resolve([BOBBY, BOB], query, { paired: true }, self), query).toThrow(`"${query}" is this device; name another device (see \`ferry peers\`)`)
    }
    // the start all peer IDs share is not taken for this device
    expect(() => resolve([], '12D3KooW', {}, self)).toThrow('no peer named "12D3KooW" or with a peer ID that starts so, or ends so; see `ferry peers`')
    expect(() => resolve([BOBBY, BOB], '測試', {}, self)).toThrow(/^no peer named "測試"; see `ferry peers`$/)
    expect(() => resolve([BOBBY, BOB], 'my "laptop"\t\x1b[31m', {}, self)).toThrow(/^no peer named "my \\"laptop\\"\\t\\x1b\[31m"; see `ferry peers`$/)
  })

  it('a name in another case or Unicode form is offered, not taken: files must not go to a device not named (user-test finding: "Alpha" for "alpha" was only "not found")', () => {
    const CAFE = peer('12D3KooWCafeCafeCafeCafeCafeCafe77777777', 'Caf\u00e9', true)
    expect(() => resolve([BOBBY, CAFE], 'bobby')).toThrow(/^no peer named "bobby" \(did you mean "Bobby"\? names are matched as written\); see `ferry peers`$/)
    expect(() => resolve([BOBBY, CAFE], 'cafe\u0301')).toThrow('(did you mean "Caf\u00e9"?')
  })

  it('a name a typo or two away is offered, not taken, as an unknown command is (user-test finding: `ferry send alpah` was only "no peer named")', () => {
    const ALPHA = peer('12D3KooWAlphaAlphaAlphaAlphaAlpha8888888', 'alpha', true)
    expect(() => resolve([ALPHA, BOB], 'alpah', { paired: true })).toThrow(/^no peer named "alpah" \(did you mean "alpha"\?\); see `ferry peers`$/)
    // one that could be the start or end of a peer ID keeps those forms
    expect(() => resolve([ALPHA, BOB], 'apha')).toThrow(/^no peer named "apha" \(did you mean "alpha"\?\) or with a peer ID that starts so, or ends so; see `ferry peers`$/)
    // a short name is not offered for any short query, nor a far one
    expect(() => resolve([ALPHA, BOB], 'Bx')).toThrow(/^no peer named "Bx" or with/)
    expect(() => resolve([ALPHA, BOB], 'gamma')).toThrow(/^no peer named "gamma" or with/)
  })
})
