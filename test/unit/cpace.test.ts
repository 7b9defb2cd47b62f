// CPace (CPACE-RISTR255-SHA512, initiator-responder) against the test vectors
// of draft-irtf-cfrg-cpace-21 (App. A.1, A.3, B.3), plus ferry's key
// confirmation, CI binding and abort behaviour.

import { describe, it, expect } from 'vitest'
import { sha512 } from '@noble/hashes/sha2.js'
import { hmac } from '@noble/hashes/hmac.js'
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import {
  buildChannelIdentifier, calculateGenerator, cpaceStart, generatorString, lvCat, prependLen,
  scalarMultVfy, transcriptIr
} from '../../src/pairing/cpace.ts'
import type { CpaceRole } from '../../src/pairing/cpace.ts'
import { FerryError } from '../../src/errors.ts'

const h = (s: string): Uint8Array => hexToBytes(s.replace(/\s+/g, ''))
const u = utf8ToBytes

// draft-21 Appendix B.3 (ristretto255 / SHA-512)
const V = {
  PRS: u('Password'),
  CI: h('0b415f696e69746961746f720b425f726573706f6e646572'),
  sid: h('7e4b4791d6a8ef019b936c79fb7f2c57'),
  genStr: h(`11435061636552697374726574746f3235350850617373776f726464
    00000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000000000000000000000000000
    00000000000000000000000000000000180b415f696e69746961746f
    720b425f726573706f6e646572107e4b4791d6a8ef019b936c79fb7f
    2c57`),
  genHash: h(`da6d3ddc8802fca9058755ffd3ebde08a9c2c74945901a258482a288
    b6663af06bf645c93cd1c51512307199c80e84908916d983b34af772
    05f90851a657ee27`),
  g: h('222b6b195fe84b1652badb6f6a3ae3d24341e7306967f0b8115b40d5698c7e56'),
  ADa: u('ADa'),
  ya: h('da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4ff0976d08'),
  Ya: h('d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b9157'),
  ADb: u('ADb'),
  yb: h('d2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d'),
  Yb: h('3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f7258'),
  K: h('80b69a8a76457ab6a4d7f887a4bf6b55a2f80ac19c333f917a05fc9887c8b40f'),
  transcriptIr: h(`20d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0e
    ec482b915703414461203ea7e0b19560d7c0b0f5734f63b955286dfa
    8232b5ebe63324e2d9e7433f725803414462`),
  iskIr: h(`b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dc
    ae7b35cd2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c
    3fa2068af7900447`),
  // B.3.10 / B.3.11
  s: h('7cd0e075fa7955ba52c02759a6c90dbbfc10e6d40aea8d283e407d88cf538a05'),
  X: h('2c3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c'),
  sX: h('7c13645fe790a468f62c39beb7388e541d8405d1ade69d1778c5fe3e7f6b600e'),
  Yi1: h('2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c'),
  Yi2: new Uint8Array(32)
}

function expectCode (fn: () => unknown, code: string): void {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(FerryError)
    expect((err as FerryError).code).toBe(code)
    return
  }
  throw new Error(`expected FerryError ${code}`)
}

describe('string utilities (draft App. A.1, A.3)', () => {
  it('prepend_len', () => {
    expect(bytesToHex(prependLen(new Uint8Array(0)))).toBe('00')
    expect(bytesToHex(prependLen(u('1234')))).toBe('0431323334')
    const r127 = Uint8Array.from({ length: 127 }, (_, i) => i)
    const r128 = Uint8Array.from({ length: 128 }, (_, i) => i)
    expect(bytesToHex(prependLen(r127).subarray(0, 2))).toBe('7f00')
    expect(prependLen(r127).length).toBe(128)
    expect(bytesToHex(prependLen(r128).subarray(0, 3))).toBe('800100')
    expect(prependLen(r128).length).toBe(130)
    expect(bytesToHex(prependLen(new Uint8Array(300)).subarray(0, 2))).toBe('ac02')
  })
  it('lv_cat', () => {
    expect(bytesToHex(lvCat(u('1234'), u('5'), u(''), u('678')))).toBe('043132333401350003363738')
  })
  it('transcript_ir', () => {
    expect(bytesToHex(transcriptIr(u('123'), u('PartyA'), u('234'), u('PartyB'))))
      .toBe('03313233065061727479410332333406506172747942')
    expect(bytesToHex(transcriptIr(u('3456'), u('PartyA'), u('2345'), u('PartyB'))))
      .toBe('043334353606506172747941043233343506506172747942')
  })
})

describe('CPace ristretto255/SHA-512 test vectors (draft App. B.3)', () => {
  it('B.3.1 generator', () => {
    const gs = generatorString(u('CPaceRistretto255'), V.PRS, V.CI, V.sid)
    expect(bytesToHex(gs)).toBe(bytesToHex(V.genStr))
    expect(bytesToHex(sha512(gs))).toBe(bytesToHex(V.genHash))
    expect(bytesToHex(calculateGenerator(V.PRS, V.CI, V.sid).toBytes())).toBe(bytesToHex(V.g))
  })

  const a = () => cpaceStart({ prs: V.PRS, ci: V.CI, sid: V.sid, ad: V.ADa, role: 'initiator', scalar: V.ya })
  const b = () => cpaceStart({ prs: V.PRS, ci: V.CI, sid: V.sid, ad: V.ADb, role: 'responder', scalar: V.yb })

  it('B.3.2-3 messages Ya and Yb', () => {
    expect(bytesToHex(a().message)).toBe(bytesToHex(V.Ya))
    expect(bytesToHex(b().message)).toBe(bytesToHex(V.Yb))
  })

  it('B.3.4 secret point K', () => {
    expect(bytesToHex(scalarMultVfy(V.ya, V.Yb))).toBe(bytesToHex(V.K))
    expect(bytesToHex(scalarMultVfy(V.yb, V.Ya))).toBe(bytesToHex(V.K))
  })

  it('B.3.5 ISK, initiator/responder', () => {
    expect(bytesToHex(transcriptIr(V.Ya, V.ADa, V.Yb, V.ADb))).toBe(bytesToHex(V.transcriptIr))
    const ia = a().finish(V.Yb, V.ADb)
    const ib = b().finish(V.Ya, V.ADa)
    expect(bytesToHex(ia.isk)).toBe(bytesToHex(V.iskIr))
    expect(bytesToHex(ib.isk)).toBe(bytesToHex(V.iskIr))
  })

  it('§10.4 confirmation tags follow the draft formula', () => {
    const macKey = sha512(concatBytes(u('CPaceMac'), V.sid, V.iskIr))
    const ta = hmac(sha512, macKey, lvCat(V.Ya, V.ADa))
    const tb = hmac(sha512, macKey, lvCat(V.Yb, V.ADb))
    const fa = a().finish(V.Yb, V.ADb)
    const fb = b().finish(V.Ya, V.ADa)
    expect(bytesToHex(fa.myTag)).toBe(bytesToHex(ta))
    expect(bytesToHex(fb.myTag)).toBe(bytesToHex(tb))
    expect(fa.verifyPeerTag(tb)).toBe(true)
    expect(fb.verifyPeerTag(ta)).toBe(true)
  })

  it('B.3.10 scalar_mult_vfy with valid input', () => {
    expect(bytesToHex(scalarMultVfy(V.s, V.X))).toBe(bytesToHex(V.sX))
  })

  it('B.3.11 invalid inputs abort (non-canonical encoding, identity)', () => {
    expectCode(() => scalarMultVfy(V.s, V.Yi1), 'E_PAIRING_FAILED')
    expectCode(() => scalarMultVfy(V.s, V.Yi2), 'E_PAIRING_FAILED')
    expectCode(() => a().finish(V.Yi1, V.ADb), 'E_PAIRING_FAILED')
    expectCode(() => a().finish(V.Yi2, V.ADb), 'E_PAIRING_FAILED')
    expectCode(() => b().finish(V.Yi1, V.ADa), 'E_PAIRING_FAILED')
    expectCode(() => b().finish(V.Yi2, V.ADa), 'E_PAIRING_FAILED')
  })
})

// ferry composition: real random scalars, CI from peer IDs, 32-byte sid.
const INI = '12D3KooWAbCdEfGhIjKlMnOpQrStUvWxYz1234567890abcdefgh'
const RESP = '12D3KooWZyXwVuTsRqPoNmLkJiHgFeDcBa0987654321hgfedcba'
const SID = new Uint8Array(32).map((_, i) => i * 7 + 1)

interface Side { prs?: string, ci?: Uint8Array, ad?: string }
function run (ini: Side = {}, resp: Side = {}) {
  const start = (s: Side, role: CpaceRole) => cpaceStart({
    prs: u(s.prs ?? '7-violin-zebra'),
    ci: s.ci ?? buildChannelIdentifier(INI, RESP, '7', 'ferry/1'),
    sid: SID,
    ad: u(s.ad ?? role),
    role
  })
  const A = start(ini, 'initiator')
  const B = start(resp, 'responder')
  const fb = B.finish(A.message, u(ini.ad ?? 'initiator'))
  const fa = A.finish(B.message, u(resp.ad ?? 'responder'))
  return { fa, fb }
}

describe('ferry pairing exchange', () => {
  it('both sides derive the same ISK and accept each other\'s tags', () => {
    const { fa, fb } = run()
    expect(fa.isk.length).toBe(64)
    expect(bytesToHex(fa.isk)).toBe(bytesToHex(fb.isk))
    expect(fa.myTag.length).toBe(64)
    expect(bytesToHex(fa.myTag)).not.toBe(bytesToHex(fb.myTag))
    expect(fb.verifyPeerTag(fa.myTag)).toBe(true)
    expect(fa.verifyPeerTag(fb.myTag)).toBe(true)
    const ka = fa.sessionKey('ferry/pair/v1/key')
    expect(ka.length).toBe(32)
    expect(bytesToHex(ka)).toBe(bytesToHex(fb.sessionKey('ferry/pair/v1/key')))
    expect(bytesToHex(ka)).not.toBe(bytesToHex(fa.sessionKey('other-label')))
    // a later bad tag still burns the session
    expect(fa.verifyPeerTag(new Uint8Array(64))).toBe(false)
    expect(fa.verifyPeerTag(fb.myTag)).toBe(false)
    expectCode(() => fa.sessionKey('ferry/pair/v1/key'), 'E_PAIRING_FAILED')
  })

  it('sessionKey() is refused before the peer tag is verified', () => {
    const { fa } = run()
    expectCode(() => fa.sessionKey('ferry/pair/v1/key'), 'E_PAIRING_FAILED')
  })

  it('a wrong code gives different keys and failing tags, and stays burned', () => {
    const { fa, fb } = run({ prs: '7-violin-zebra' }, { prs: '7-violin-zebu' })
    expect(bytesToHex(fa.isk)).not.toBe(bytesToHex(fb.isk))
    expect(fb.verifyPeerTag(fa.myTag)).toBe(false)
    expect(fa.verifyPeerTag(fb.myTag)).toBe(false)
    expectCode(() => fa.sessionKey('k'), 'E_PAIRING_FAILED')
    // after a failure even a correct tag is refused
    const ok = run()
    expect(ok.fa.verifyPeerTag(new Uint8Array(64))).toBe(false)
    expect(ok.fa.verifyPeerTag(ok.fb.myTag)).toBe(false)
  })

  it('swapping a peer ID in CI makes confirmation fail', () => {
    const mallory = '12D3KooWMaLLoRyMaLLoRyMaLLoRyMaLLoRyMaLLoRyMaLLoRy12'
    const { fa, fb } = run({}, { ci: buildChannelIdentifier(mallory, RESP, '7', 'ferry/1') })
    expect(fb.verifyPeerTag(fa.myTag)).toBe(false)
    expect(fa.verifyPeerTag(fb.myTag)).toBe(false)
  })

  it('CI is role-tagged: exchanging the roles of the IDs fails, as do nameplate or version mismatches', () => {
    for (const ci of [
      buildChannelIdentifier(RESP, INI, '7', 'ferry/1'),
      buildChannelIdentifier(INI, RESP, '8', 'ferry/1'),
      buildChannelIdentifier(INI, RESP, 7, 'ferry/2')
    ]) {
      const { fa, fb } = run({}, { ci })
      expect(fa.verifyPeerTag(fb.myTag)).toBe(false)
      expect(fb.verifyPeerTag(fa.myTag)).toBe(false)
    }
    expect(bytesToHex(buildChannelIdentifier(INI, RESP, 7, 'v'))).toBe(bytesToHex(buildChannelIdentifier(INI, RESP, '7', 'v')))
    expectCode(() => buildChannelIdentifier(INI, INI, '7', 'v'), 'E_PAIRING_FAILED')
  })

  it('tampered associated data makes confirmation fail', () => {
    const A = cpaceStart({ prs: u('1-acid-zebra'), ci: u('ci'), sid: SID, ad: u('alice'), role: 'initiator' })
    const B = cpaceStart({ prs: u('1-acid-zebra'), ci: u('ci'), sid: SID, ad: u('bob'), role: 'responder' })
    const fb = B.finish(A.message, u('mallory'))
    const fa = A.finish(B.message, u('bob'))
    expect(fb.verifyPeerTag(fa.myTag)).toBe(false)
    expect(fa.verifyPeerTag(fb.myTag)).toBe(false)
  })

  it('rejects the identity point, reflected messages, bad lengths and a second finish()', () => {
    const mk = () => cpaceStart({ prs: u('1-acid-zebra'), ci: u('ci'), sid: SID, ad: u(''), role: 'initiator' })
    expectCode(() => mk().finish(new Uint8Array(32), u('')), 'E_PAIRING_FAILED')
    const A = mk()
    expectCode(() => A.finish(A.message, u('')), 'E_PAIRING_FAILED')
    expectCode(() => mk().finish(new Uint8Array(31), u('')), 'E_PAIRING_FAILED')
    expectCode(() => mk().finish(new Uint8Array(33), u('')), 'E_PAIRING_FAILED')
    const B = cpaceStart({ prs: u('1-acid-zebra'), ci: u('ci'), sid: SID, ad: u(''), role: 'responder' })
    const A2 = mk()
    A2.finish(B.message, u(''))
    expectCode(() => A2.finish(B.message, u('')), 'E_INTERNAL')
  })

  it('fresh scalars give fresh messages; bad inputs are refused', () => {
    const mk = () => cpaceStart({ prs: u('1-acid-zebra'), ci: u('ci'), sid: SID, ad: u(''), role: 'initiator' })
    expect(bytesToHex(mk().message)).not.toBe(bytesToHex(mk().message))
    expectCode(() => cpaceStart({ prs: u(''), ci: u('ci'), sid: SID, ad: u(''), role: 'initiator' }), 'E_BAD_CODE')
    expectCode(() => cpaceStart({ prs: u('x'), ci: u('ci'), sid: new Uint8Array(8), ad: u(''), role: 'initiator' }), 'E_INTERNAL')
  })
})
