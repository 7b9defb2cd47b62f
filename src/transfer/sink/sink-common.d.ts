/** Part files a sink keeps open at once; past it, the least recently used idle one is flushed and closed (sink-common.js says why). */
export declare const MAX_OPEN_PART_FILES: number
/** Digest equality without an early exit. */
export declare function sameDigest (a: Uint8Array, b: Uint8Array): boolean
/** What a flush of the part file `path` failed with, kept for its syncs (`keep`) and taken by its closing flush; undefined when none (sink-common.js says why). */
export declare function keptFlushError<E> (kept: Map<string, E>, path: string, keep: boolean): E | undefined
/** The part files under folder `from` now under `to` ('': gone): their kept flush errors go with them, once their closes for the bound under way (`closing`) are done. */
export declare function moveKeptFlushErrors<E> (kept: Map<string, E>, closing: Map<string, Promise<void>>, from: string, to: string): Promise<void>
/** A promise settled, and made anew, at each fire(): what waits for a close for the bound to end looks again. */
export declare class CloseEnded {
  get next (): Promise<unknown>
  fire (): void
}
/** Which ferry error code a failed file operation of the chunk sink reports. */
export declare function sinkErrorCode (errno: string | undefined): 'E_NO_SPACE' | 'E_PATH_NOT_FOUND' | 'E_PATH_UNSAFE' | 'E_IO'
