// Noise with AES-256-GCM between ferry daemons, where both CPUs seal AES
// faster than ChaCha20-Poly1305.
//
// Why: unshaped, a send is CPU-bound (two daemons sharing the lab's 2 cores),
// and the AEAD is one of its largest costs. node:crypto seals a 64 KiB Noise
// message with ChaCha20-Poly1305 in ~38 µs here and with AES-256-GCM (AES-NI)
// in ~24 µs. Over loopback, 1 GiB, 5 interleaved pairs: 4.62 s and 7.1 CPU-s
// (both daemons) with ChaCha20-Poly1305, 4.31 s and 6.4 CPU-s with AES-GCM.
// TLS and SSH pick AES-GCM over ChaCha20 the same way, when the hardware has it.
//
// How: libp2p negotiates the connection encrypter with multistream-select,
// the dialer's list in order. A daemon that finds AES faster lists
// `/ferry/noise-aesgcm/1.0.0` before the stock `/noise`; the two connect
// with it only if both list it. Any other libp2p peer, or a ferry on a CPU
// without AES instructions (where software AES is several times slower than
// ChaCha20), answers `na` and the two go on with `/noise` one round trip later.
//
// It is libp2p-noise's own XX handshake (identity payload, signature, key
// derivation) with AES-256-GCM as the AEAD of every message. libp2p-noise
// hashes the fixed name "Noise_XX_25519_ChaChaPoly_SHA256" into the
// handshake; the prologue (which both sides must hold alike, or the
// handshake fails) carries this protocol's real name, so the handshake
// transcript is bound to the cipher in use. The nonce is libp2p-noise's
// 64-bit little-endian counter (Noise's AESGCM names big-endian): for GCM a
// nonce must only never repeat under a key, which the counter ensures.

import { randomBytes } from 'node:crypto'
import { aesGcmNoiseCrypto, ferryNoiseCrypto } from './noise-crypto.ts'
import { noiseWithoutDecryptCopy } from './wire-tuning.ts'

export const AES_NOISE_PROTOCOL = '/ferry/noise-aesgcm/1.0.0'
const PROLOGUE = new TextEncoder().encode('ferry Noise_XX_25519_AESGCM_SHA256')

/** The connection encrypter for AES_NOISE_PROTOCOL (with wire-tuning's decrypt). */
export function aesNoise (): ReturnType<typeof noiseWithoutDecryptCopy> {
  const factory = noiseWithoutDecryptCopy({ crypto: aesGcmNoiseCrypto, prologueBytes: PROLOGUE })
  return (components) => {
    const encrypter = factory(components)
    encrypter.protocol = AES_NOISE_PROTOCOL
    return encrypter
  }
}

/**
 * Whether to offer AES_NOISE_PROTOCOL: `FERRY_NOISE_AESGCM=on|off` decides
 * (for tests and for a person who wants one cipher), else a measurement of
 * this CPU. The two differ by ~1.6× one way with AES instructions (24 and
 * 38 µs per 64 KiB here) and by ~4× the other way without them (AES-NI
 * masked off with OPENSSL_ia32cap: 284 and 73 µs), so the best of a few
 * rounds is a stable answer, also on a busy box. Costs ~2 ms at start.
 */
export function offerAesNoise (setting = process.env.FERRY_NOISE_AESGCM): boolean {
  if (setting === 'on') return true
  if (setting === 'off') return false
  const [aes, chacha] = bestSealTimes([aesGcmNoiseCrypto, ferryNoiseCrypto])
  return aes < chacha
}

/**
 * ns to seal a 32 KiB message with each, as a connection would (key object
 * cached): the best of 8 rounds, taken in turns after one round each to warm
 * up, so that the first to run does not pay for the JIT alone.
 */
function bestSealTimes (cryptos: Array<typeof ferryNoiseCrypto>): number[] {
  const key = randomBytes(32)
  const nonce = new Uint8Array(12)
  const message = new Uint8Array(32 * 1024)
  const none = new Uint8Array(0)
  const best = cryptos.map(() => Infinity)
  for (let round = -1; round < 8; round++) {
    cryptos.forEach((crypto, i) => {
      const start = process.hrtime.bigint()
      crypto.chaCha20Poly1305Encrypt(message, nonce, none, key)
      if (round >= 0) best[i] = Math.min(best[i], Number(process.hrtime.bigint() - start))
    })
  }
  return best
}
