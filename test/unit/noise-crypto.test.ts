// ferry's Noise AEAD calls must produce exactly the bytes of the stock
// implementation (other libp2p peers decrypt them) and reject what it rejects;
// the AES-256-GCM ones (src/daemon/aes-noise.ts) exactly AES-256-GCM's.

import { execFileSync } from 'node:child_process'
import { createCipheriv, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { defaultCrypto } from '@chainsafe/libp2p-noise/crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { aesGcmNoiseCrypto, ferryNoiseCrypto, REKEY_MESSAGES, rekey } from '../../src/daemon/noise-crypto.ts'
import { aesGcmInHardware, offerAesNoise } from '../../src/daemon/cipher-choice.ts'

const flat = (x: Uint8Array | { subarray: () => Uint8Array }): Buffer => Buffer.from(x instanceof Uint8Array ? x : x.subarray())
// sizes around the small-message switch (1,200) and up to a full Noise frame
const SIZES = [0, 1, 100, 1199, 1200, 1201, 4096, 65519]

/** `ct` (sealed by `crypto` under `nonce`, `ad`, `k`) with a bit flipped in its body or its tag, or opened with another nonce or key: each refused. */
function expectRejectsTampering (crypto: typeof ferryNoiseCrypto, ct: Buffer, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array): void {
  const bad = Buffer.from(ct)
  bad[12_345] ^= 1
  expect(() => crypto.chaCha20Poly1305Decrypt(bad, nonce, ad, k)).toThrow()
  const tag = Buffer.from(ct)
  tag[tag.length - 1] ^= 0x80
  expect(() => crypto.chaCha20Poly1305Decrypt(tag, nonce, ad, k)).toThrow()
  expect(() => crypto.chaCha20Poly1305Decrypt(ct, Buffer.alloc(12), ad, k)).toThrow()
  expect(() => crypto.chaCha20Poly1305Decrypt(ct, nonce, ad, randomBytes(32))).toThrow()
}

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
    expectRejectsTampering(ferryNoiseCrypto, ct, nonce, ad, k)
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

describe('ferry Noise crypto with AES-256-GCM (/ferry/noise-aesgcm)', () => {
  const k = randomBytes(32)
  const nonce = Buffer.alloc(12)
  nonce.writeUInt32LE(9, 4)

  for (const size of [0, 1, 15, 16, 17, 100, 1199, 1200, 4096, 65519]) {
    for (const ad of [new Uint8Array(0), randomBytes(32)]) {
      it(`${size} bytes, ${ad.length} bytes of AD: AES-256-GCM's ciphertext and tag, for every size (the handshake too), and back`, () => {
        const plain = randomBytes(size)
        const ours = flat(aesGcmNoiseCrypto.chaCha20Poly1305Encrypt(plain, nonce, ad, k))
        // what node:crypto's AES-256-GCM makes of it, called plainly
        const c = createCipheriv('aes-256-gcm', k, nonce, { authTagLength: 16 })
        c.setAAD(ad)
        const expected = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()])
        expect(ours.equals(expected)).toBe(true)
        // and never ChaCha20-Poly1305's, not even for a small message
        expect(ours.equals(flat(defaultCrypto.chaCha20Poly1305Encrypt(plain, nonce, ad, k)))).toBe(false)
        expect(flat(aesGcmNoiseCrypto.chaCha20Poly1305Decrypt(ours, nonce, ad, k)).equals(plain)).toBe(true)
      })
    }
  }

  it('takes lists of pieces, and rejects a flipped bit, a wrong nonce, a wrong key and a message shorter than its tag', () => {
    const plain = randomBytes(50_000)
    const none = new Uint8Array(0)
    const list = new Uint8ArrayList(plain.subarray(0, 10), plain.subarray(10, 30_000), plain.subarray(30_000))
    const ct = flat(aesGcmNoiseCrypto.chaCha20Poly1305Encrypt(list as any, nonce, none, k))
    expect(ct.equals(flat(aesGcmNoiseCrypto.chaCha20Poly1305Encrypt(plain, nonce, none, k)))).toBe(true)
    const ctList = new Uint8ArrayList(ct.subarray(0, 7), ct.subarray(7, 49_990), ct.subarray(49_990))
    expect(flat(aesGcmNoiseCrypto.chaCha20Poly1305Decrypt(ctList as any, nonce, none, k)).equals(plain)).toBe(true)
    expectRejectsTampering(aesGcmNoiseCrypto, ct, nonce, none, k)
    expect(() => aesGcmNoiseCrypto.chaCha20Poly1305Decrypt(ct.subarray(0, 15), nonce, none, k)).toThrow(/shorter than its tag/)
    // a ChaCha20-Poly1305 message (a stock peer's) is not taken for one
    const chacha = flat(defaultCrypto.chaCha20Poly1305Encrypt(plain, nonce, none, k))
    expect(() => aesGcmNoiseCrypto.chaCha20Poly1305Decrypt(chacha, nonce, none, k)).toThrow()
  })
})

describe('AES-GCM Noise changes its key every REKEY_MESSAGES messages', () => {
  /** libp2p-noise's nonce for message n: 4 zero bytes, n as uint32 little-endian, 4 zero bytes */
  const nonceOf = (n: number): Buffer => { const b = Buffer.alloc(12); b.writeUInt32LE(n, 4); return b }
  const none = new Uint8Array(0)
  const plainAes = (key: Uint8Array, n: number, plain: Uint8Array): Buffer => {
    const c = createCipheriv('aes-256-gcm', key, nonceOf(n), { authTagLength: 16 })
    return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()])
  }

  it('REKEY is Noise\'s: the first 32 bytes of 32 zero bytes sealed under the key with a nonce no message uses', () => {
    const k = randomBytes(32)
    const c = createCipheriv('aes-256-gcm', k, Buffer.alloc(12, 0xff), { authTagLength: 16 })
    expect(Buffer.from(rekey(k)).equals(c.update(Buffer.alloc(32)))).toBe(true)
    expect(rekey(k).byteLength).toBe(32)
  })

  it('messages up to the first boundary use the handshake\'s key, the next ones the rekeyed one, and each side opens what the other sealed', () => {
    const k = randomBytes(32)
    const plain = randomBytes(3000)
    const k1 = rekey(k)
    const k2 = rekey(k1)
    const cases: Array<[number, Uint8Array]> = [[0, k], [1, k], [REKEY_MESSAGES - 1, k], [REKEY_MESSAGES, k1], [REKEY_MESSAGES + 5, k1], [2 * REKEY_MESSAGES, k2]]
    for (const [n, key] of cases) {
      const sealed = flat(aesGcmNoiseCrypto.chaCha20Poly1305Encrypt(plain, nonceOf(n), none, k))
      expect(sealed.equals(plainAes(key, n, plain)), `message ${n}`).toBe(true)
      expect(flat(aesGcmNoiseCrypto.chaCha20Poly1305Decrypt(sealed, nonceOf(n), none, k)).equals(plain)).toBe(true)
    }
    // a key array seen first at a late message, as a receiver's would be if it started there, gets the same key
    const fresh = Uint8Array.from(k)
    expect(flat(aesGcmNoiseCrypto.chaCha20Poly1305Encrypt(plain, nonceOf(2 * REKEY_MESSAGES), none, fresh)).equals(plainAes(k2, 2 * REKEY_MESSAGES, plain))).toBe(true)
    // and back to an earlier message (a counter never goes down, but if it did): the key of that message
    expect(flat(aesGcmNoiseCrypto.chaCha20Poly1305Encrypt(plain, nonceOf(3), none, fresh)).equals(plainAes(k, 3, plain))).toBe(true)
  })

  it('ChaCha20-Poly1305 (/noise, as any libp2p peer) never rekeys', () => {
    const k = randomBytes(32)
    const plain = randomBytes(3000)
    const n = nonceOf(REKEY_MESSAGES + 1)
    expect(flat(ferryNoiseCrypto.chaCha20Poly1305Encrypt(plain, n, none, k)).equals(flat(defaultCrypto.chaCha20Poly1305Encrypt(plain, n, none, k)))).toBe(true)
  })
})

describe('whether a daemon offers /ferry/noise-aesgcm', () => {
  it('FERRY_NOISE_AESGCM=on or off decides (1/0, true/false, yes/no, any case); another value is said and measured', () => {
    for (const v of ['on', 'ON', '1', 'true', 'Yes ']) expect(offerAesNoise(v), v).toBe(true)
    for (const v of ['off', 'Off', '0', 'false', 'no']) expect(offerAesNoise(v), v).toBe(false)
    const warned: string[] = []
    expect(typeof offerAesNoise('maybe', (m) => warned.push(m))).toBe('boolean')
    expect(warned).toEqual(['FERRY_NOISE_AESGCM="maybe" is neither on nor off: asking this CPU which cipher is faster'])
    offerAesNoise('', (m) => warned.push(m))
    offerAesNoise(undefined, (m) => warned.push(m))
    expect(warned.length).toBe(1)
  })

  it('this CPU decides by what the kernel lists of it: AES and a carry-less multiply (x86 aes + pclmulqdq, arm64 aes + pmull), any Mac; not told where OpenSSL is told otherwise or the list says nothing', () => {
    const x86 = (flags: string): () => string => () => `processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu vme ${flags} sse2\n\nprocessor\t: 1\n`
    expect(aesGcmInHardware(x86('aes pclmulqdq avx2'), 'x64', 'linux', {})).toBe(true)
    expect(aesGcmInHardware(x86('pclmulqdq avx2'), 'x64', 'linux', {})).toBe(false)
    expect(aesGcmInHardware(x86('aes avx2'), 'x64', 'linux', {})).toBe(false)
    // not "vaes" taken for "aes"
    expect(aesGcmInHardware(x86('vaes pclmulqdq'), 'x64', 'linux', {})).toBe(false)
    expect(aesGcmInHardware(() => 'processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32\n', 'arm64', 'linux', {})).toBe(true)
    expect(aesGcmInHardware(() => 'processor\t: 0\nFeatures\t: fp asimd evtstrm crc32\n', 'arm64', 'linux', {})).toBe(false)
    expect(aesGcmInHardware(() => undefined, 'arm64', 'darwin', {})).toBe(true)
    for (const env of [{ OPENSSL_ia32cap: '~0x200000200000000' }, { OPENSSL_armcap: '0' }]) expect(aesGcmInHardware(x86('aes pclmulqdq'), 'x64', 'linux', env)).toBeUndefined()
    expect(aesGcmInHardware(() => undefined, 'x64', 'linux', {})).toBeUndefined()
    expect(aesGcmInHardware(() => 'processor\t: 0\n', 'x64', 'linux', {})).toBeUndefined()
    expect(aesGcmInHardware(x86('aes pclmulqdq'), 'riscv64', 'linux', {})).toBeUndefined()
  })

  // OpenSSL takes its view of the CPU from OPENSSL_ia32cap: bits 57 (AES-NI)
  // and 33 (PCLMULQDQ) masked off, AES-GCM runs in software, ~4× slower than
  // ChaCha20-Poly1305 here
  const aesCpu = process.arch === 'x64' && /^flags\s*:.*\baes\b/m.test(readFileSafe('/proc/cpuinfo'))
  it.skipIf(!aesCpu)('offered on this CPU with AES-NI (its flags), and not once OpenSSL is told the CPU has none (then measured: 4× slower, in a fresh process whose every seal pays for fresh pages)', () => {
    const script = `import { offerAesNoise } from ${JSON.stringify(fileURLToPath(new URL('../../src/daemon/cipher-choice.ts', import.meta.url)))}; console.log(offerAesNoise(undefined))`
    const run = (env: Record<string, string>): string => execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, FERRY_NOISE_AESGCM: '', ...env }, encoding: 'utf8' }).trim()
    for (let i = 0; i < 3; i++) {
      expect(run({})).toBe('true')
      expect(run({ OPENSSL_ia32cap: '~0x200000200000000' })).toBe('false')
    }
  })
})

function readFileSafe (path: string): string {
  try { return readFileSync(path, 'utf8') } catch { return '' }
}
