// Noise with AES-256-GCM between ferry daemons, where both CPUs seal AES
// faster than ChaCha20-Poly1305 (cipher-choice.ts decides).
//
// Why: unshaped, a send is CPU-bound (two daemons sharing the lab's 2 cores),
// and the AEAD is one of its largest costs. node:crypto seals a 64 KiB Noise
// message with ChaCha20-Poly1305 in ~38 µs here and with AES-256-GCM (AES-NI)
// in ~24 µs. Over loopback, 1 GiB, 5 interleaved pairs: 4.62 s and 7.1 CPU-s
// (both daemons) with ChaCha20-Poly1305, 4.31 s and 6.4 CPU-s with AES-GCM.
// BoringSSL and Go's crypto/tls choose between the two by the hardware the
// same way.
//
// How: libp2p negotiates the connection encrypter with multistream-select,
// the dialer's list in order. A daemon that finds AES faster lists
// `/ferry/noise-aesgcm/1.0.0` before the stock `/noise`; the two connect
// with it only if both list it. Any other libp2p peer, or a ferry on a CPU
// without AES instructions (where software AES is ~4× slower than
// ChaCha20), answers `na` and the two go on with `/noise` one round trip later.
// Someone on the path who strips the offer gets them ChaCha20-Poly1305, no
// weaker.
//
// It is libp2p-noise's own XX handshake (identity payload, signature, key
// derivation) with AES-256-GCM as the AEAD of every message. libp2p-noise
// starts the handshake hash from the fixed name
// "Noise_XX_25519_ChaChaPoly_SHA256"; the prologue (which both sides must
// hold alike, or the handshake fails) carries this protocol's real name, so
// the handshake transcript is bound to the cipher in use. The nonce is
// libp2p-noise's: a 32-bit message counter, little-endian, in bytes 4–7
// (Noise's AESGCM names a big-endian 64-bit one): for GCM a nonce must only
// never repeat under a key, which the counter ensures. The key changes every
// 2^20 messages (noise-crypto.ts, REKEY_MESSAGES), as libp2p-noise has no
// rekey and GCM wants one over some TiB.

import { aesGcmNoiseCrypto } from './noise-crypto.ts'
import { noiseWithoutDecryptCopy } from './wire-tuning.ts'

export const AES_NOISE_PROTOCOL = '/ferry/noise-aesgcm/1.0.0'
/** Exported for the test that shows a handshake without it fails. */
export const AES_NOISE_PROLOGUE = new TextEncoder().encode('ferry Noise_XX_25519_AESGCM_SHA256')

/** The connection encrypter for AES_NOISE_PROTOCOL (with wire-tuning's decrypt). */
export function aesNoise (): ReturnType<typeof noiseWithoutDecryptCopy> {
  const factory = noiseWithoutDecryptCopy({ crypto: aesGcmNoiseCrypto, prologueBytes: AES_NOISE_PROLOGUE })
  return (components) => {
    const encrypter = factory(components)
    encrypter.protocol = AES_NOISE_PROTOCOL
    return encrypter
  }
}
