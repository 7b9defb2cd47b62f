/** Which implementation `hash` uses. */
export declare const implementation: '@napi-rs/blake-hash' | 'blake3-jit'
/** The 32-byte BLAKE3 digest of `data`, in its own buffer. */
export declare function hash (data: Uint8Array): Uint8Array
/** A reusable streaming hasher (reset, the pieces of one input in order, then its digest), or undefined without the native BLAKE3. */
export declare function createHasher (): { reset (): void, update (data: Uint8Array): void, digest (): Uint8Array } | undefined
