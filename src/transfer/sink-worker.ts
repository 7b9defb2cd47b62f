// Worker thread of the chunk sink (see sink.ts, which owns the protocol).
//
// Owns: verifying a received chunk's BLAKE3 against the manifest and only
// then writing it at its offset in a part file; verifying ranges already on
// disk (resume); copying verified ranges from local files (dedup); flushing
// and closing part files. Keeps the main thread free for the network.
// Must never: write bytes whose hash did not match, or import other ferry
// modules (it runs as a bare worker through type stripping).

import { closeSync, fdatasyncSync, openSync, readSync, writeSync, constants } from 'node:fs'
import { parentPort } from 'node:worker_threads'
import { hash } from 'blake3-jit'

export type SinkRequest =
  | { op: 'write', id: number, path: string, offset: number, data: Uint8Array, length: number, expected: Uint8Array }
  | { op: 'verify', id: number, path: string, offset: number, length: number, expected: Uint8Array }
  | { op: 'copy', id: number, src: string, srcOffset: number, path: string, offset: number, length: number, expected: Uint8Array }
  | { op: 'close', id: number, path: string, sync: boolean }

export type SinkReply =
  | { id: number, ok: true, data?: Uint8Array }
  | { id: number, ok: false, code: string, message: string, data?: Uint8Array }

if (parentPort === null) throw new Error('sink-worker.ts must run in a worker thread')
const port = parentPort
const fds = new Map<string, number>()
let scratch = new Uint8Array(0)

function fdFor (path: string): number {
  let fd = fds.get(path)
  if (fd == null) {
    // O_NOFOLLOW: a part file replaced by a symlink is never written through
    fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW)
    fds.set(path, fd)
  }
  return fd
}

function readRange (path: string, offset: number, length: number, ownFd: boolean): Uint8Array {
  if (scratch.length < length) scratch = new Uint8Array(length)
  const fd = ownFd ? fdFor(path) : openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  try {
    let got = 0
    while (got < length) {
      const n = readSync(fd, scratch, got, length - got, offset + got)
      if (n === 0) break
      got += n
    }
    return scratch.subarray(0, got)
  } finally {
    if (!ownFd) closeSync(fd)
  }
}

function same (a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i]
  return d === 0
}

function writeAt (path: string, data: Uint8Array, offset: number): void {
  const fd = fdFor(path)
  let done = 0
  while (done < data.length) done += writeSync(fd, data, done, data.length - done, offset + done)
}

function errorCode (err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'E_NO_SPACE'
  if (code === 'ENOENT') return 'E_PATH_NOT_FOUND'
  if (code === 'ELOOP') return 'E_PATH_UNSAFE'
  return 'E_IO'
}

port.on('message', (req: SinkRequest) => {
  try {
    switch (req.op) {
      case 'write': {
        const view = req.data.subarray(0, req.length)
        if (!same(hash(view), req.expected)) {
          port.postMessage({ id: req.id, ok: false, code: 'E_HASH_MISMATCH', message: 'chunk does not match its BLAKE3 hash; not written', data: req.data } satisfies SinkReply, [req.data.buffer as ArrayBuffer])
          return
        }
        writeAt(req.path, view, req.offset)
        port.postMessage({ id: req.id, ok: true, data: req.data } satisfies SinkReply, [req.data.buffer as ArrayBuffer])
        return
      }
      case 'verify': {
        const got = readRange(req.path, req.offset, req.length, true)
        const ok = got.length === req.length && same(hash(got), req.expected)
        port.postMessage(ok ? { id: req.id, ok: true } : { id: req.id, ok: false, code: 'E_HASH_MISMATCH', message: 'range on disk does not match' } satisfies SinkReply)
        return
      }
      case 'copy': {
        const got = readRange(req.src, req.srcOffset, req.length, false)
        if (got.length !== req.length || !same(hash(got), req.expected)) {
          port.postMessage({ id: req.id, ok: false, code: 'E_HASH_MISMATCH', message: 'local copy source changed' } satisfies SinkReply)
          return
        }
        writeAt(req.path, got, req.offset)
        port.postMessage({ id: req.id, ok: true } satisfies SinkReply)
        return
      }
      case 'close': {
        const fd = fds.get(req.path)
        if (fd != null) {
          fds.delete(req.path)
          try { if (req.sync) fdatasyncSync(fd) } finally { closeSync(fd) }
        }
        port.postMessage({ id: req.id, ok: true } satisfies SinkReply)
      }
    }
  } catch (err) {
    const data = req.op === 'write' ? req.data : undefined
    port.postMessage({ id: req.id, ok: false, code: errorCode(err), message: (err as Error).message, data } satisfies SinkReply, data != null ? [data.buffer as ArrayBuffer] : [])
  }
})
