// Noise's AEAD, made cheaper for bulk data, in two ciphers:
//
// ChaCha20-Poly1305 (`ferryNoiseCrypto`), for the stock `/noise` protocol:
// same cipher, same wire bytes as @chainsafe/libp2p-noise's default (so any
// libp2p peer still interoperates); only how node:crypto is called changes:
// - the 32-byte key is turned into a KeyObject once per Noise cipher state
//   instead of once per 64 KiB frame (profiled: getKeyObjectSlots + getSlots
//   were 0.5 s on the sender and 0.9 s on the receiver per GiB, next to
//   1.2–1.6 s for the cipher itself; a micro-benchmark goes 849 → 1,146 MB/s);
// - ciphertext and tag go out as a list instead of being concatenated into a
//   third 64 KiB buffer per frame;
// - the empty associated data of transport messages is not set at all.
// Small messages (the handshake, < 1,200 bytes) keep the default path, which
// is faster there, as does everything but the AEAD.
//
// AES-256-GCM (`aesGcmNoiseCrypto`), for ferry's own `/ferry/noise-aesgcm`
// (aes-noise.ts): the same calls with another cipher, for every message.
// Where the CPU has AES instructions node:crypto seals a 64 KiB message in
// ~24 µs against ChaCha20-Poly1305's ~38 (both ~5 µs of it per call).

import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'

type Crypto = typeof defaultCrypto
/**
 * noise bundles uint8arraylist 2.x, we use 3.x: the classes are told apart by
 * the same Symbol.for() brand at run time and are interchangeable, but their
 * TypeScript types are not.
 */
type AeadResult = ReturnType<Crypto['chaCha20Poly1305Encrypt']>
type AeadInput = Parameters<Crypto['chaCha20Poly1305Encrypt']>[0]
type Alg = 'chacha20-poly1305' | 'aes-256-gcm'
const TAG = 16
const SMALL = 1200

/**
 * Each Noise CipherState holds its own key array for the life of the
 * connection, and libp2p-noise 17 never writes into one (every key comes
 * fresh from HKDF, and it has no rekey), so the array itself is the cache
 * key, and the KeyObject goes when the connection does. A unit test checks
 * that another key array gets another key.
 */
const keys = new WeakMap<Uint8Array, KeyObject>()
function keyObject (k: Uint8Array): KeyObject {
  let ko = keys.get(k)
  if (ko == null) {
    ko = createSecretKey(k)
    keys.set(k, ko)
  }
  return ko
}

/**
 * AES-GCM's key changes every REKEY_MESSAGES messages of a Noise cipher
 * state (64 GiB of full messages), where ChaCha20-Poly1305 needs none:
 * GCM's margin against telling its ciphertext from random shrinks with the
 * square of the blocks sealed under one key, and libp2p-noise has no rekey
 * of its own (TLS 1.3 changes AES-GCM keys for the same reason, RFC 8446
 * §5.5). Both sides count the same messages in the same order (the nonce
 * is the message's number), so each derives the same key for a message
 * without a word between them: Noise's REKEY(k), the first 32 bytes of
 * ENCRYPT(k, a nonce never used for a message, 32 zero bytes), applied once
 * per REKEY_MESSAGES. At 2^20 messages of 4,096 blocks a key seals 2^32
 * blocks: an advantage of ~2^-64.
 */
export const REKEY_MESSAGES = 2 ** 20
/** libp2p-noise's nonces are 4 zero bytes and a 32-bit counter, little-endian, and 4 zero bytes: never this one */
const REKEY_NONCE = new Uint8Array(12).fill(0xff)

interface EpochKey { epoch: number, raw: Uint8Array, key: KeyObject }
const aesKeys = new WeakMap<Uint8Array, EpochKey>()
function aesKeyObject (k: Uint8Array, nonce: Uint8Array): KeyObject {
  const epoch = Math.floor(new DataView(nonce.buffer, nonce.byteOffset, nonce.byteLength).getUint32(4, true) / REKEY_MESSAGES)
  let e = aesKeys.get(k)
  // a cipher state's counter only goes up; from the start if it ever did not
  if (e == null || e.epoch > epoch) e = { epoch: 0, raw: k, key: keyObject(k) }
  while (e.epoch < epoch) {
    const raw = rekey(e.raw)
    e = { epoch: e.epoch + 1, raw, key: createSecretKey(raw) }
  }
  aesKeys.set(k, e)
  return e.key
}

/** Noise's REKEY(k) for AES-256-GCM: ciphertext of 32 zero bytes under k (no tag needed). */
export function rekey (raw: Uint8Array): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', raw, REKEY_NONCE, { authTagLength: TAG })
  const next = Buffer.concat([cipher.update(new Uint8Array(32)), cipher.final()])
  return new Uint8Array(next.buffer, next.byteOffset, 32)
}

/** node:crypto's typings take one AEAD family per overload; both have the same calls */
const cipherFor = (alg: Alg, k: Uint8Array, nonce: Uint8Array) => alg === 'aes-256-gcm'
  ? createCipheriv(alg, aesKeyObject(k, nonce), nonce, { authTagLength: TAG })
  : createCipheriv(alg, keyObject(k), nonce, { authTagLength: TAG })
const decipherFor = (alg: Alg, k: Uint8Array, nonce: Uint8Array) => alg === 'aes-256-gcm'
  ? createDecipheriv(alg, aesKeyObject(k, nonce), nonce, { authTagLength: TAG })
  : createDecipheriv(alg, keyObject(k), nonce, { authTagLength: TAG })

/** `small`: the size below which the stock ChaCha20-Poly1305 does it (0: never) */
const encrypter = (alg: Alg, small: number) => function encrypt (plaintext: AeadInput, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array): AeadResult {
  if (plaintext.byteLength < small) return defaultCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k)
  const cipher = cipherFor(alg, k, nonce)
  if (ad.byteLength > 0) cipher.setAAD(ad, { plaintextLength: plaintext.byteLength })
  const out = new Uint8ArrayList()
  if (plaintext instanceof Uint8Array) out.append(cipher.update(plaintext))
  else for (const buf of plaintext) out.append(cipher.update(buf))
  const final = cipher.final() // empty for a stream cipher, but it computes the tag
  if (final.byteLength > 0) out.append(final)
  out.append(cipher.getAuthTag())
  return out as unknown as AeadResult
}

const decrypter = (alg: Alg, small: number) => function decrypt (ciphertext: AeadInput, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array, dst?: Uint8Array): AeadResult {
  if (ciphertext.byteLength < small) return defaultCrypto.chaCha20Poly1305Decrypt(ciphertext, nonce, ad, k, dst)
  if (ciphertext.byteLength < TAG) throw new Error('Noise message shorter than its tag')
  // a small one (the handshake's) comes out flat, as from the stock crypto:
  // libp2p-noise prepends to the remote static key it decrypted (review finding)
  if (!(ciphertext instanceof Uint8Array) && ciphertext.byteLength < SMALL) ciphertext = ciphertext.subarray()
  const decipher = decipherFor(alg, k, nonce)
  const textLength = ciphertext.byteLength - TAG
  if (ad.byteLength > 0) decipher.setAAD(ad, { plaintextLength: textLength })
  decipher.setAuthTag(ciphertext.subarray(textLength))
  if (ciphertext instanceof Uint8Array) {
    const out = decipher.update(ciphertext.subarray(0, textLength))
    decipher.final() // throws if the tag does not match; nothing has been handed on yet
    return out
  }
  const out = new Uint8ArrayList()
  for (const buf of ciphertext.sublist(0, textLength)) out.append(decipher.update(buf))
  decipher.final()
  return out as unknown as AeadResult
}

export const ferryNoiseCrypto: Crypto = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt: encrypter('chacha20-poly1305', SMALL),
  chaCha20Poly1305Decrypt: decrypter('chacha20-poly1305', SMALL)
}

/**
 * libp2p-noise names its AEAD calls after ChaCha20-Poly1305; here they are
 * AES-256-GCM, for every message (the handshake too). Only for a peer that
 * negotiated `/ferry/noise-aesgcm` (aes-noise.ts): nothing else can read it.
 */
export const aesGcmNoiseCrypto: Crypto = {
  ...defaultCrypto,
  chaCha20Poly1305Encrypt: encrypter('aes-256-gcm', 0),
  chaCha20Poly1305Decrypt: decrypter('aes-256-gcm', 0)
}
