/** The file is not what the scan saw: it changed, or is no longer a regular file. */
export declare class Changed extends Error {}
/** The digest of `length` bytes of `fd` from `position`. */
export declare function hashRange (fd: number, length: number, position: number): Uint8Array
/** Opens `path` for reading (never through a symbolic link) and checks it is still a regular file of `size` bytes. */
export declare function openUnchanged (path: string, size: number): number
/** The digests of every chunk of a file (of `size` bytes as scanned), 32 bytes each, concatenated. */
export declare function hashWholeFile (path: string, size: number, chunkSize: number): Uint8Array
/** A failure to read `path` as a ferry error code and message. */
export declare function fileError (err: unknown, path?: string): { code: string, message: string }
