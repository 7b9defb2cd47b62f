/** Part files a sink keeps open at once; past it, the least recently used idle one is flushed and closed (sink-common.js says why). */
export declare const MAX_OPEN_PART_FILES: number
/** Digest equality without an early exit. */
export declare function sameDigest (a: Uint8Array, b: Uint8Array): boolean
/** Which ferry error code a failed file operation of the chunk sink reports. */
export declare function sinkErrorCode (errno: string | undefined): 'E_NO_SPACE' | 'E_PATH_NOT_FOUND' | 'E_PATH_UNSAFE' | 'E_IO'
