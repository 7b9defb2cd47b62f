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

/** node:crypto's typings take one AEAD family per overload; both have the same calls */
const cipherFor = (alg: Alg, k: Uint8Array, nonce: Uint8Array) => alg === 'aes-256-gcm'
  ? createCipheriv(alg, keyObject(k), nonce, { authTagLength: TAG })
  : createCipheriv(alg, keyObject(k), nonce, { authTagLength: TAG })
const decipherFor = (alg: Alg, k: Uint8Array, nonce: Uint8Array) => alg === 'aes-256-gcm'
  ? createDecipheriv(alg, keyObject(k), nonce, { authTagLength: TAG })
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
