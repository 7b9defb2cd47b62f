// Message types between the main thread and the worker threads of the hash
// pool (hash-worker.js) and the chunk sink (sink-worker.js). The workers are
// plain JavaScript: a TypeScript worker makes Node load its type stripper in
// every worker isolate, measured at +10 MB RSS per worker (2 workers: 51 MB
// as .ts, 31 MB as .js), and worker count × that was most of the daemon's
// peak memory.

export type WorkerRequest =
  | { type: 'hash', id: number, data: Uint8Array }
  | {
    type: 'file'
    id: number
    path: string
    /** Size the file must still have; a different size means it changed since it was scanned. */
    size: number
    chunkSize: number
    first: number
    count: number
    /** Shared flag: the main thread stores 1 at index 0 to stop between chunks. */
    abort: Int32Array
  }

export type WorkerReply =
  | { type: 'digest', id: number, digest: Uint8Array }
  /**
   * Digests of chunks `first`… of a file range, 32 bytes each, concatenated:
   * sent every BATCH_BYTES (hash-worker.js) of file data and at the range's end (`done`),
   * so a photo costs one reply, not one per chunk and another at the end.
   */
  | { type: 'chunks', id: number, first: number, digests: Uint8Array, done: boolean }
  | { type: 'cancelled', id: number }
  | { type: 'error', id: number, code: string, message: string }

export type SinkRequest =
  | { op: 'write', id: number, path: string, offset: number, data: Uint8Array, length: number, expected: Uint8Array }
  | { op: 'verify', id: number, path: string, offset: number, length: number, expected: Uint8Array, readOnly?: boolean }
  | { op: 'copy', id: number, src: string, srcOffset: number, path: string, offset: number, length: number, expected: Uint8Array }
  | { op: 'close', id: number, path: string, sync: boolean }
  | { op: 'sync', id: number, path: string }
  /** part files under folder `from` now under `to` ('' : gone): their kept flush errors go with them */
  | { op: 'moved', id: number, from: string, to: string }

export type SinkReply =
  | { id: number, ok: true, data?: Uint8Array }
  | { id: number, ok: false, code: string, message: string, data?: Uint8Array }
