// Owns the pairing PAKE: CPace (draft-irtf-cfrg-cpace-21), cipher suite
// CPACE-RISTR255-SHA512, initiator-responder setting, plus explicit key
// confirmation (draft §10.4) and the final key derivation (§10.3, RFC 5869).
// Pure and synchronous: no I/O, no timers, no state outside the closure
// returned by cpaceStart(). Section numbers are draft-21's;
// docs/SECURITY.md ("Pairing protocol") describes how ferry composes it.
//
// Usage (both sides, after exchanging the 16-byte nonces that make up sid):
//
//   const st = cpaceStart({ prs, ci, sid, ad: myAd, role })
//   send(st.message)                           // Ya (initiator) or Yb (responder)
//   const s = st.finish(peerMessage, peerAd)   // throws E_PAIRING_FAILED on abort
//   send(s.myTag); if (!s.verifyPeerTag(peerTag)) burn the code and stop
//   const key = s.sessionKey('ferry/pair/v1/key')
//
// Any abort (bad point, identity point, reflected message, wrong tag) means the
// code is burned; callers must not retry with the same code.

import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js'
import { equalBytes } from '@noble/curves/utils.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { hmac } from '@noble/hashes/hmac.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { concatBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js'
import { FerryError } from '../errors.ts'

export type CpaceRole = 'initiator' | 'responder'

export interface CpaceStartOptions {
  /** Password-related string: the normalized pairing code, UTF-8 (codeToPrs). */
  prs: Uint8Array
  /** Channel identifier (buildChannelIdentifier). Secret-free but never sent. */
  ci: Uint8Array
  /** Session id: initiator nonce ‖ responder nonce. At least 16 bytes. */
  sid: Uint8Array
  /** This side's associated data (ADa or ADb); sent in clear next to message. */
  ad: Uint8Array
  role: CpaceRole
  /** Tests only: fixed 32-byte little-endian scalar (as in the draft's vectors). */
  scalar?: Uint8Array
}

export interface CpaceStarted {
  /** Ya (initiator) or Yb (responder): 32-byte ristretto255 encoding. */
  readonly message: Uint8Array
  /** Consume the peer's Y and AD. Callable once; throws FerryError('E_PAIRING_FAILED') on abort. */
  finish (peerMessage: Uint8Array, peerAd: Uint8Array): CpaceFinished
}

export interface CpaceFinished {
  /** Intermediate session key (64 bytes, §7.2). Unauthenticated until verifyPeerTag() is true. */
  readonly isk: Uint8Array
  /** This side's key-confirmation tag (64 bytes): Ta for the initiator, Tb for the responder. */
  readonly myTag: Uint8Array
  /** Constant-time check of the peer's tag. Any false is final: later calls return false (the session is burned). */
  verifyPeerTag (tag: Uint8Array): boolean
  /** HKDF-SHA512(ikm = ISK, salt = sid, info) → 32 bytes. Throws unless verifyPeerTag() returned true. */
  sessionKey (info: string): Uint8Array
}

export const CPACE_SUITE = 'CPACE-RISTR255-SHA512'
const DSI = utf8ToBytes('CPaceRistretto255') // G_Ristretto255.DSI, §8.3
const DSI_ISK = utf8ToBytes('CPaceRistretto255_ISK') // G.DSI || b"_ISK", §7.2
const MAC_LABEL = utf8ToBytes('CPaceMac') // §10.4
const S_IN_BYTES = 128 // SHA-512 input block size, §6.2
const MIN_SID_BYTES = 16
const { Point } = ristretto255

/** LEB128 length prefix (draft App. A.1.1). */
export function prependLen (data: Uint8Array): Uint8Array {
  const len: number[] = []
  let n = data.length
  do {
    const b = n & 0x7f
    n = Math.floor(n / 128)
    len.push(n > 0 ? b | 0x80 : b)
  } while (n > 0)
  return concatBytes(Uint8Array.from(len), data)
}

/** Length-value concatenation (draft App. A.1.3). */
export function lvCat (...parts: Uint8Array[]): Uint8Array {
  return concatBytes(...parts.map(prependLen))
}

/** generator_string (App. A.2, used by §8.1/§8.3): zero padding fills the first hash block after DSI and PRS. */
export function generatorString (dsi: Uint8Array, prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  const zpad = Math.max(0, S_IN_BYTES - 1 - prependLen(prs).length - prependLen(dsi).length)
  return lvCat(dsi, prs, new Uint8Array(zpad), ci, sid)
}

/** G_Ristretto255.calculate_generator (§8.3): RFC 9496 element derivation of SHA-512(gen_str). */
export function calculateGenerator (prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): InstanceType<typeof Point> {
  if (ristretto255_hasher.deriveToCurve === undefined) throw new FerryError('E_INTERNAL', 'noble ristretto255 lacks deriveToCurve')
  return ristretto255_hasher.deriveToCurve(sha512(generatorString(DSI, prs, ci, sid)))
}

/** transcript_ir (§6.3, App. A.3.4): lv_cat(Ya,ADa) ‖ lv_cat(Yb,ADb). */
export function transcriptIr (ya: Uint8Array, ada: Uint8Array, yb: Uint8Array, adb: Uint8Array): Uint8Array {
  return concatBytes(lvCat(ya, ada), lvCat(yb, adb))
}

/** sample_scalar (§8.3): 32 random bytes, clear bits ≥ 252, little-endian; 0 is resampled. */
function sampleScalar (fixed?: Uint8Array): bigint {
  for (;;) {
    const b = fixed !== undefined ? Uint8Array.from(fixed) : randomBytes(32)
    if (b.length !== 32) throw new FerryError('E_INTERNAL', 'CPace scalar must be 32 bytes')
    b[31] = b[31]! & 0x0f
    const s = Point.Fn.fromBytes(b)
    if (s !== 0n) return s
    if (fixed !== undefined) throw new FerryError('E_INTERNAL', 'CPace scalar is zero')
  }
}

function abort (why: string): never {
  throw new FerryError('E_PAIRING_FAILED', `pairing failed: ${why}; the code is burned`)
}

/**
 * G.scalar_mult_vfy (§8.3) with the abort folded in: decode, reject identity,
 * multiply, reject identity. Where the draft returns G.I this throws
 * FerryError('E_PAIRING_FAILED'). Exported for the test vectors (B.3.10-11).
 */
export function scalarMultVfy (scalarLE: Uint8Array, encoded: Uint8Array): Uint8Array {
  return mulVfy(Point.Fn.fromBytes(scalarLE), encoded)
}

function mulVfy (y: bigint, encoded: Uint8Array): Uint8Array {
  if (!(encoded instanceof Uint8Array) || encoded.length !== 32) abort('peer message is not a 32-byte group element')
  let X: InstanceType<typeof Point>
  try {
    X = Point.fromBytes(encoded)
  } catch {
    abort('peer message is not a valid ristretto255 encoding')
  }
  if (X.is0()) abort('peer message is the identity element')
  const K = X.multiply(y)
  if (K.is0()) abort('shared point is the identity element')
  return K.toBytes()
}

/** Start one CPace run. Returns this side's message; finish() derives ISK and the confirmation tags. */
export function cpaceStart (opts: CpaceStartOptions): CpaceStarted {
  const { prs, ci, ad, role } = opts
  const sid = Uint8Array.from(opts.sid)
  if (role !== 'initiator' && role !== 'responder') throw new FerryError('E_INTERNAL', `bad CPace role ${String(role)}`)
  if (prs.length === 0) throw new FerryError('E_BAD_CODE', 'empty pairing code')
  if (sid.length < MIN_SID_BYTES) throw new FerryError('E_INTERNAL', `CPace sid must be at least ${MIN_SID_BYTES} bytes`)
  const g = calculateGenerator(prs, ci, sid)
  const y = sampleScalar(opts.scalar)
  const message = g.multiply(y).toBytes()
  const myAd = Uint8Array.from(ad)
  let used = false

  return {
    message: Uint8Array.from(message), // caller's copy; the transcript uses ours
    finish (peerMessage: Uint8Array, peerAd: Uint8Array): CpaceFinished {
      if (used) throw new FerryError('E_INTERNAL', 'CPace finish() called twice')
      used = true
      const K = mulVfy(y, peerMessage)
      if (equalBytes(peerMessage, message)) abort('peer reflected our own message')
      const peerY = Uint8Array.from(peerMessage)
      const peerAdCopy = Uint8Array.from(peerAd)
      const transcript = role === 'initiator'
        ? transcriptIr(message, myAd, peerY, peerAdCopy)
        : transcriptIr(peerY, peerAdCopy, message, myAd)
      const isk = sha512(concatBytes(lvCat(DSI_ISK, sid, K), transcript))
      K.fill(0)
      return confirmation(isk, sid, lvCat(message, myAd), lvCat(peerY, peerAdCopy))
    }
  }
}

/** Explicit key confirmation (§10.4): mac_key = H(b"CPaceMac" ‖ sid ‖ ISK); T = HMAC(mac_key, lv_cat(Y, AD)). */
function confirmation (isk: Uint8Array, sid: Uint8Array, mine: Uint8Array, theirs: Uint8Array): CpaceFinished {
  const macKey = sha512(concatBytes(MAC_LABEL, sid, isk))
  const myTag = hmac(sha512, macKey, mine)
  const expected = hmac(sha512, macKey, theirs)
  let state: 'pending' | 'confirmed' | 'failed' = 'pending'
  return {
    isk,
    myTag,
    verifyPeerTag (tag: Uint8Array): boolean {
      if (state === 'failed') return false
      const ok = tag instanceof Uint8Array && tag.length === expected.length && equalBytes(tag, expected)
      state = ok ? 'confirmed' : 'failed'
      return ok
    },
    sessionKey (info: string): Uint8Array {
      if (state !== 'confirmed') throw new FerryError('E_PAIRING_FAILED', 'pairing key requested before the peer\'s confirmation tag verified')
      if (info.length === 0) throw new FerryError('E_INTERNAL', 'sessionKey() needs a non-empty info label')
      return hkdf(sha512, isk, sid, utf8ToBytes(info), 32)
    }
  }
}

/**
 * CI for ferry pairing (draft §10.1.1: both identities, role-tagged, initiator first):
 *   lv_cat("ferry-pair-ci", "initiator", initiatorPeerId, "responder", responderPeerId,
 *          "nameplate", nameplate, "version", protocolVersion)
 * All strings UTF-8; peer IDs in their canonical string form (base58btc multihash,
 * PeerId.toString()); nameplate in decimal without leading zeros.
 */
export function buildChannelIdentifier (initiatorPeerId: string, responderPeerId: string, nameplate: string | number, protocolVersion: string): Uint8Array {
  const np = String(nameplate)
  if (initiatorPeerId === '' || responderPeerId === '' || np === '' || protocolVersion === '') {
    throw new FerryError('E_INTERNAL', 'channel identifier fields must be non-empty')
  }
  if (initiatorPeerId === responderPeerId) throw new FerryError('E_PAIRING_FAILED', 'a peer cannot pair with itself')
  const u = utf8ToBytes
  return lvCat(u('ferry-pair-ci'), u('initiator'), u(initiatorPeerId), u('responder'), u(responderPeerId),
    u('nameplate'), u(np), u('version'), u(protocolVersion))
}
