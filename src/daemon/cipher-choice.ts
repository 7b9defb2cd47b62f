// Whether this daemon offers Noise with AES-GCM (aes-noise.ts): a setting,
// else a measurement of this CPU. Apart from aes-noise.ts so that it loads
// without libp2p (a test measures it in child processes).

import { randomBytes } from 'node:crypto'
import { aesGcmNoiseCrypto, ferryNoiseCrypto } from './noise-crypto.ts'

const ON = new Set(['on', '1', 'true', 'yes'])
const OFF = new Set(['off', '0', 'false', 'no'])

/**
 * `FERRY_NOISE_AESGCM=on|off` decides (for tests, and for a person who wants
 * one cipher); unset or unknown (said through `warn`), a measurement of
 * this CPU. The two ciphers differ by ~1.6× one way with AES instructions
 * (24 and 38 µs per 64 KiB here) and by ~4× the other way without them
 * (AES-NI masked off with OPENSSL_ia32cap: 284 and 73 µs), so the best of a
 * few rounds is a stable answer (50 of 50 starts here, 20 of them beside
 * three busy loops; 10 of 10 with AES-NI masked off). Costs 4–10 ms at start.
 */
export function offerAesNoise (setting = process.env.FERRY_NOISE_AESGCM, warn?: (message: string) => void): boolean {
  const value = setting?.trim().toLowerCase() ?? ''
  if (ON.has(value)) return true
  if (OFF.has(value)) return false
  if (value !== '') warn?.(`FERRY_NOISE_AESGCM=${JSON.stringify(setting)} is neither on nor off: measuring which cipher is faster here`)
  const [aes, chacha] = bestSealTimes([aesGcmNoiseCrypto, ferryNoiseCrypto])
  return aes < chacha
}

/**
 * ns to seal a full Noise message with each, as a connection would (key
 * object cached): the best of 16 rounds, taken in turns after 4 each to
 * warm up. In a fresh process the call's own JavaScript is cold and costs
 * as much as the cipher: with 32 KiB and 8 rounds the answer was wrong in 4
 * of 20 starts here.
 */
function bestSealTimes (cryptos: Array<typeof ferryNoiseCrypto>): number[] {
  const key = randomBytes(32)
  const nonce = new Uint8Array(12)
  const message = new Uint8Array(65535 - 16)
  const none = new Uint8Array(0)
  const best = cryptos.map(() => Infinity)
  for (let round = -4; round < 16; round++) {
    cryptos.forEach((crypto, i) => {
      const start = process.hrtime.bigint()
      crypto.chaCha20Poly1305Encrypt(message, nonce, none, key)
      if (round >= 0) best[i] = Math.min(best[i], Number(process.hrtime.bigint() - start))
    })
  }
  return best
}
