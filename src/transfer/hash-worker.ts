// Worker thread of the hash pool (see hash-pool.ts, which owns the protocol).
//
// Owns: reading byte ranges of one file into a reused buffer and hashing them
// with BLAKE3, and hashing buffers posted to it. File bytes never leave this
// thread; only 32-byte digests go back.
// Must never: write to the file system, import other ferry modules (it runs
// as a bare Node worker through type stripping), or let an exception escape
// (every failure is reported as an `error` reply with a ferry error code).

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs'
import { parentPort } from 'node:worker_threads'
import { hash } from 'blake3-jit'

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
  | { type: 'chunk', id: number, index: number, digest: Uint8Array }
  | { type: 'done', id: number }
  | { type: 'cancelled', id: number }
  | { type: 'error', id: number, code: string, message: string }

if (parentPort === null) throw new Error('hash-worker.ts must run in a worker thread')
const port = parentPort

/** Reused read buffer, grown to the largest chunk size seen. */
let buffer = new Uint8Array(0)

class Changed extends Error {}

function readFully (fd: number, length: number, position: number): Uint8Array {
  if (buffer.length < length) buffer = new Uint8Array(length)
  let got = 0
  while (got < length) {
    const n = readSync(fd, buffer, got, length - got, position + got)
    if (n === 0) throw new Changed('it got shorter')
    got += n
  }
  return buffer.subarray(0, length)
}

function hashFileRange (req: Extract<WorkerRequest, { type: 'file' }>): WorkerReply {
  const { id, path, size, chunkSize, first, count, abort } = req
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new Changed('it is no longer a regular file')
    if (st.size !== size) throw new Changed(`its size went from ${size} to ${st.size} bytes`)
    for (let index = first; index < first + count; index++) {
      if (Atomics.load(abort, 0) !== 0) return { type: 'cancelled', id }
      const offset = index * chunkSize
      const data = readFully(fd, Math.min(chunkSize, size - offset), offset)
      port.postMessage({ type: 'chunk', id, index, digest: hash(data) } satisfies WorkerReply)
    }
    return { type: 'done', id }
  } finally {
    closeSync(fd)
  }
}

function errorReply (id: number, err: unknown, path?: string): WorkerReply {
  const e = err as { code?: unknown, message?: unknown }
  const where = path === undefined ? '' : `${path}: `
  if (err instanceof Changed) {
    return { type: 'error', id, code: 'E_IO', message: `${where}file changed while it was being hashed (${err.message}); try again` }
  }
  if (e?.code === 'ENOENT') return { type: 'error', id, code: 'E_PATH_NOT_FOUND', message: `${where}no such file` }
  if (e?.code === 'ELOOP') return { type: 'error', id, code: 'E_PATH_UNSAFE', message: `${where}is a symbolic link` }
  return { type: 'error', id, code: 'E_IO', message: `${where}${String(e?.message ?? err)}` }
}

port.on('message', (req: WorkerRequest) => {
  let reply: WorkerReply
  try {
    reply = req.type === 'hash'
      ? { type: 'digest', id: req.id, digest: hash(req.data) }
      : hashFileRange(req)
  } catch (err) {
    reply = errorReply(req.id, err, req.type === 'file' ? req.path : undefined)
  }
  port.postMessage(reply)
})
