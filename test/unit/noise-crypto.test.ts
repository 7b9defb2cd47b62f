// ferry's Noise AEAD calls must produce exactly the bytes of the stock
// implementation (other libp2p peers decrypt them) and reject what it rejects.

import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { ferryNoiseCrypto } from '../../src/daemon/noise-crypto.ts'

const flat = (x: Uint8Array | { subarray: () => Uint8Array }): Buffer => Buffer.from(x instanceof Uint8Array ? x : x.subarray())
// sizes around the small-message switch (1,200) and up to a full Noise frame
const SIZES = [0, 1, 100, 1199, 1200, 1201, 4096, 65519]

describe('ferry Noise crypto', () => {
  const k = randomBytes(32)
  const nonce = Buffer.alloc(12)
  nonce.writeUInt32LE(7, 4)

  for (const size of SIZES) {
    for (const ad of [new Uint8Array(0), randomBytes(32)]) {
      it(`${size} bytes, ${ad.length} bytes of AD: same ciphertext as the stock crypto, and each decrypts the other's`, () => {
        const plain = randomBytes(size)
        const ours = flat(ferryNoiseCrypto.chaCha20Poly1305Encrypt(plain, nonce, ad, k))
        const stock = flat(defaultCrypto.chaCha20Poly1305Encrypt(plain, nonce, ad, k))
        expect(ours.length).toBe(size + 16)
        expect(ours.equals(stock)).toBe(true)
        expect(flat(ferryNoiseCrypto.chaCha20Poly1305Decrypt(stock, nonce, ad, k)).equals(plain)).toBe(true)
        expect(flat(defaultCrypto.chaCha20Poly1305Decrypt(ours, nonce, ad, k)).equals(plain)).toBe(true)
      })
    }
  }

  it('takes its input as a list of pieces too', () => {
    const plain = randomBytes(50_000)
    const list = new Uint8ArrayList(plain.subarray(0, 10), plain.subarray(10, 30_000), plain.subarray(30_000))
    const ct = flat(ferryNoiseCrypto.chaCha20Poly1305Encrypt(list as any, nonce, new Uint8Array(0), k))
    expect(ct.equals(flat(defaultCrypto.chaCha20Poly1305Encrypt(plain, nonce, new Uint8Array(0), k)))).toBe(true)
    const ctList = new Uint8ArrayList(ct.subarray(0, 7), ct.subarray(7))
    expect(flat(ferryNoiseCrypto.chaCha20Poly1305Decrypt(ctList as any, nonce, new Uint8Array(0), k)).equals(plain)).toBe(true)
  })

  it('rejects a flipped bit, a wrong nonce and a wrong key', () => {
    const plain = randomBytes(20_000)
    const ad = new Uint8Array(0)
    const ct = flat(ferryNoiseCrypto.chaCha20Poly1305Encrypt(plain, nonce, ad, k))
    const bad = Buffer.from(ct)
    bad[12_345] ^= 1
    expect(() => ferryNoiseCrypto.chaCha20Poly1305Decrypt(bad, nonce, ad, k)).toThrow()
    const tag = Buffer.from(ct)
    tag[tag.length - 1] ^= 0x80
    expect(() => ferryNoiseCrypto.chaCha20Poly1305Decrypt(tag, nonce, ad, k)).toThrow()
    expect(() => ferryNoiseCrypto.chaCha20Poly1305Decrypt(ct, Buffer.alloc(12), ad, k)).toThrow()
    expect(() => ferryNoiseCrypto.chaCha20Poly1305Decrypt(ct, nonce, ad, randomBytes(32))).toThrow()
  })

  it('caches the key per key array: a new array with other bytes is a new key', () => {
    const plain = randomBytes(5000)
    const k2 = randomBytes(32)
    const a = flat(ferryNoiseCrypto.chaCha20Poly1305Encrypt(plain, nonce, new Uint8Array(0), k))
    const b = flat(ferryNoiseCrypto.chaCha20Poly1305Encrypt(plain, nonce, new Uint8Array(0), k2))
    expect(a.equals(b)).toBe(false)
    expect(b.equals(flat(defaultCrypto.chaCha20Poly1305Encrypt(plain, nonce, new Uint8Array(0), k2)))).toBe(true)
  })
})
