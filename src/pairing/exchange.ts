// The pairing exchange itself, both roles, over one /ferry/pair stream.
// Initiator = the device where the code was typed; responder = the device
// showing it. The transcript binds both peer IDs (from the Noise-authenticated
// connection, never from a message), the nameplate and the protocol version;
// both sides confirm the key explicitly before anyone stores trust. Any
// failure is final for the code (the caller burns it). See docs/SECURITY.md.

import { randomBytes } from 'node:crypto'
import { FerryError, toFerryError } from '../errors.ts'
import { cleanName } from '../protocol/hello.ts'
import { PairFinish, PairKey, PairNonce, PairOpen, PairResult, PAIRING_VERSION, type PairChannel } from '../protocol/pair.ts'
import { codeToPrs, type ParsedCode } from './code.ts'
import { buildChannelIdentifier, cpaceStart } from './cpace.ts'

const NONCE_BYTES = 16
const enc = new TextEncoder()
const dec = new TextDecoder()

/** A name the other device sent, as stored and shown: lone surrogates made U+FFFD, then cleaned as a name from hello is (the raw one is bound into the key exchange). */
const peerNameOf = (raw: string): string => cleanName(dec.decode(enc.encode(raw)))

export interface ExchangeSide { myPeerId: string, remotePeerId: string, myName: string }
export interface ExchangeResult { peerName: string }

/**
 * `signal`: the person who typed the code gave up (Ctrl-C on `ferry pair CODE`). It is
 * heeded up to the initiator's key confirmation, the last step the responder waits
 * for before it stores trust: after that both sides pair, before it neither does.
 */
export async function runInitiator (ch: PairChannel, side: ExchangeSide, code: ParsedCode, signal?: AbortSignal): Promise<ExchangeResult> {
  const nonceI = randomBytes(NONCE_BYTES)
  await ch.write({ nameplate: code.nameplate, nonce: nonceI, version: PAIRING_VERSION }, PairOpen)
  const { nonce: nonceR } = await ch.read(PairNonce)
  if (nonceR.length !== NONCE_BYTES) throw new FerryError('E_PROTOCOL', 'pairing: responder nonce has the wrong length')
  const st = cpaceStart({
    prs: codeToPrs(code),
    ci: buildChannelIdentifier(side.myPeerId, side.remotePeerId, code.nameplate, PAIRING_VERSION),
    sid: concat(nonceI, nonceR),
    ad: enc.encode(side.myName),
    role: 'initiator'
  })
  await ch.write({ y: bytes(st.message), name: side.myName, tag: new Uint8Array(0) }, PairKey)
  const theirs = await ch.read(PairKey)
  try {
    const fin = st.finish(theirs.y, enc.encode(theirs.name))
    if (!fin.verifyPeerTag(theirs.tag)) throw new FerryError('E_PAIRING_FAILED', 'the code does not match (key confirmation failed); the code is now burned: show a new one on the other device and type that')
    signal?.throwIfAborted()
    await ch.write({ tag: bytes(fin.myTag) }, PairFinish)
  } catch (err) {
    await ch.fail(PairFinish, err)
    throw toFerryError(err, 'E_PAIRING_FAILED')
  }
  await ch.read(PairResult)
  return { peerName: peerNameOf(theirs.name) }
}

/**
 * `claim` is called with the nameplate the initiator asked for; it returns the
 * code being shown (and marks it used) or throws the FerryError to send back.
 * `commit` stores trust; it runs only after the initiator's tag verified, and
 * before we confirm success to the initiator.
 */
export async function runResponder (
  ch: PairChannel,
  side: ExchangeSide,
  claim: (nameplate: number) => ParsedCode,
  commit: (peerName: string) => void
): Promise<ExchangeResult> {
  const open = await ch.read(PairOpen)
  let code: ParsedCode
  try {
    if (open.version !== PAIRING_VERSION) throw new FerryError('E_PROTOCOL', `unsupported pairing version ${open.version.slice(0, 32)}`)
    if (open.nonce.length !== NONCE_BYTES) throw new FerryError('E_PROTOCOL', 'pairing: initiator nonce has the wrong length')
    code = claim(open.nameplate)
  } catch (err) {
    await ch.fail(PairNonce, err)
    throw err
  }
  const nonceR = randomBytes(NONCE_BYTES)
  await ch.write({ nonce: nonceR }, PairNonce)
  const theirKey = await ch.read(PairKey)
  const st = cpaceStart({
    prs: codeToPrs(code),
    ci: buildChannelIdentifier(side.remotePeerId, side.myPeerId, code.nameplate, PAIRING_VERSION),
    sid: concat(open.nonce, nonceR),
    ad: enc.encode(side.myName),
    role: 'responder'
  })
  let fin
  try {
    fin = st.finish(theirKey.y, enc.encode(theirKey.name))
  } catch (err) {
    await ch.fail(PairKey, err)
    throw err
  }
  await ch.write({ y: bytes(st.message), name: side.myName, tag: bytes(fin.myTag) }, PairKey)
  const finish = await ch.read(PairFinish).catch((err) => {
    const fe = toFerryError(err)
    // its own words already say the code is burned: said once, as on that side (user-test finding: twice, in a tangle)
    if (fe.code === 'E_PAIRING_FAILED' && fe.remote) throw new FerryError('E_PAIRING_FAILED', 'the code typed on the other device does not match; the code is burned, show a new one')
    // its words without the "other device: " they came with: this sentence names it already (helper finding: said twice)
    const why = fe.remote === true ? fe.message.replace(/^other device: /, '') : fe.message
    throw new FerryError('E_PAIRING_FAILED', `the other device ended the exchange (${why}); the code is burned, show a new one`)
  })
  if (!fin.verifyPeerTag(finish.tag)) {
    const err = new FerryError('E_PAIRING_FAILED', 'the code typed on the other device does not match; the code is burned, show a new one')
    await ch.fail(PairResult, err)
    throw err
  }
  // refused at the last moment (the code cancelled meanwhile): the initiator is told, and stores nothing either
  const peerName = peerNameOf(theirKey.name)
  try { commit(peerName) } catch (err) { await ch.fail(PairResult, err); throw err }
  await ch.write({ ok: true }, PairResult)
  return { peerName }
}

function concat (a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

/** Generated message types want Uint8Array<ArrayBuffer>; noble returns ArrayBufferLike-backed arrays. */
function bytes (u: Uint8Array): Uint8Array<ArrayBuffer> {
  return u as Uint8Array<ArrayBuffer>
}
