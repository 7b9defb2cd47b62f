// BLAKE3 of a whole buffer (chunk hashes), from the fastest implementation
// this machine can load. Plain JavaScript so that the worker threads
// (hash-worker.js, sink-worker.js) can import it as it is.
//
// @napi-rs/blake-hash is the Rust `blake3` crate with its SIMD back ends
// (AVX-512/AVX2/SSE4.1/NEON), shipped as prebuilt binaries in per-platform
// optional dependencies, with no install script. Measured here on one core,
// 1 MiB buffers: 8,329 MB/s, against 1,114 MB/s for blake3-jit (WASM SIMD)
// and ~700 MB/s for blake3-wasm 2.1.5. Where no binary exists for the
// platform, blake3-jit is used; both give the same digests (tested, and
// cross-checked with blake3-wasm).

import { createRequire } from 'node:module'
import { hash as jitHash } from 'blake3-jit'

const require = createRequire(import.meta.url)

/** @type {((input: Uint8Array) => Uint8Array) | undefined} */
let native
/** @type {(new () => { update (input: Uint8Array): unknown, digestBuffer (): Uint8Array, reset (): void }) | undefined} */
let NativeHasher
try {
  ({ blake3: native, Blake3Hasher: NativeHasher } = require('@napi-rs/blake-hash'))
} catch {}
if (process.env.FERRY_BLAKE3 === 'jit') native = NativeHasher = undefined

/** Which implementation `hash` uses: '@napi-rs/blake-hash' or 'blake3-jit'. */
export const implementation = native !== undefined ? '@napi-rs/blake-hash' : 'blake3-jit'

/**
 * The 32-byte BLAKE3 digest of `data`, in its own 32-byte buffer (a digest
 * posted to another thread must not drag a shared slab along with it).
 * @param {Uint8Array} data
 * @returns {Uint8Array}
 */
export const hash = native !== undefined
  ? (data) => new Uint8Array(/** @type {(input: Uint8Array) => Uint8Array} */ (native)(data))
  : (data) => jitHash(data)

/**
 * A reusable streaming hasher, or undefined where only blake3-jit loads (its
 * streaming hasher is plain JavaScript: 1,003 ms for 256 MiB in 128 KiB
 * pieces here, against 309 ms for its one-shot WASM SIMD `hash`). `reset`
 * starts an input, `update` takes its pieces in order, `digest` gives its
 * 32-byte digest in its own buffer.
 *
 * Why: hashing a piece right after reading it, while it is still in the CPU
 * cache, is cheaper than hashing a whole 1–2 MiB chunk read before. Measured
 * here, one thread reading 1 GiB from the page cache and hashing it: 128 KiB
 * pieces 358–408 ms, whole 1 MiB chunks 457–525 ms.
 * @returns {{ reset (): void, update (data: Uint8Array): void, digest (): Uint8Array } | undefined}
 */
export function createHasher () {
  if (NativeHasher === undefined) return undefined
  const h = new NativeHasher()
  return {
    reset () { h.reset() },
    update (data) { h.update(data) },
    digest () { return new Uint8Array(h.digestBuffer()) }
  }
}
