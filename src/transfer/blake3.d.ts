/** Which implementation `hash` uses. */
export declare const implementation: '@napi-rs/blake-hash' | 'blake3-jit'
/** The 32-byte BLAKE3 digest of `data`, in its own buffer. */
export declare function hash (data: Uint8Array): Uint8Array
