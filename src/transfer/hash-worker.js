// Worker thread of the hash pool (see hash-pool.ts, which owns the protocol;
// message types in worker-messages.ts; plain JS on purpose, see there).
//
// Owns: reading byte ranges of one file into a reused buffer and hashing them
// with BLAKE3, and hashing buffers posted to it. File bytes never leave this
// thread; only digests go back (32 bytes per chunk, in batches).
// Must never: write to the file system, import ferry modules other than blake3.js (a leaf), or let an
// exception escape (every failure is an `error` reply with a ferry error code).
// @ts-check

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs'
import { parentPort } from 'node:worker_threads'
import { createHasher, hash } from './blake3.js'

if (parentPort === null) throw new Error('hash-worker.js must run in a worker thread')
const port = parentPort

/** Reused read buffer, grown to the largest read. */
let buffer = new Uint8Array(0)

/**
 * A chunk is read and hashed in pieces of this size, each hashed while it is
 * still in the CPU cache (blake3.js, createHasher, has the figures); without
 * the native streaming hasher, in one read and one hash.
 */
const PIECE = 128 * 1024
const hasher = createHasher()

/** Digests go back to the main thread in batches of about this much file data (see worker-messages.ts, `chunks`). */
const BATCH_BYTES = 8 * 1024 * 1024

class Changed extends Error {}

/** @param {number} fd @param {number} length @param {number} position */
function readFully (fd, length, position) {
  if (buffer.length < length) buffer = new Uint8Array(length)
  let got = 0
  while (got < length) {
    const n = readSync(fd, buffer, got, length - got, position + got)
    if (n === 0) throw new Changed('it got shorter')
    got += n
  }
  return buffer.subarray(0, length)
}

/** The digest of `length` bytes of `fd` from `position`. @param {number} fd @param {number} length @param {number} position */
function hashRange (fd, length, position) {
  if (hasher === undefined) return hash(readFully(fd, length, position))
  hasher.reset() // also after a range that failed half-way
  for (let done = 0; done < length; done += PIECE) {
    hasher.update(readFully(fd, Math.min(PIECE, length - done), position + done))
  }
  return hasher.digest()
}

/** @param {Extract<import('./worker-messages.ts').WorkerRequest, { type: 'file' }>} req */
function hashFileRange (req) {
  const { id, path, size, chunkSize, first, count, abort } = req
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW)
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new Changed('it is no longer a regular file')
    if (st.size !== size) throw new Changed(`its size went from ${size} to ${st.size} bytes`)
    let batchFirst = first
    let batch = []
    let batchBytes = 0
    for (let index = first; index < first + count; index++) {
      if (Atomics.load(abort, 0) !== 0) return { type: 'cancelled', id }
      const offset = index * chunkSize
      const length = Math.min(chunkSize, size - offset)
      batch.push(hashRange(fd, length, offset))
      batchBytes += length
      if (batchBytes >= BATCH_BYTES && index < first + count - 1) {
        port.postMessage({ type: 'chunks', id, first: batchFirst, digests: concat(batch), done: false })
        batchFirst = index + 1
        batch = []
        batchBytes = 0
      }
    }
    return { type: 'chunks', id, first: batchFirst, digests: concat(batch), done: true }
  } finally {
    closeSync(fd)
  }
}

/** @param {Uint8Array[]} digests */
function concat (digests) {
  const out = new Uint8Array(32 * digests.length)
  digests.forEach((d, i) => out.set(d, 32 * i))
  return out
}

/** @param {number} id @param {any} err @param {string} [path] */
function errorReply (id, err, path) {
  const where = path === undefined ? '' : `${path}: `
  if (err instanceof Changed) {
    return { type: 'error', id, code: 'E_IO', message: `${where}file changed while it was being hashed (${err.message}); try again` }
  }
  if (err?.code === 'ENOENT') return { type: 'error', id, code: 'E_PATH_NOT_FOUND', message: `${where}no such file` }
  if (err?.code === 'ELOOP') return { type: 'error', id, code: 'E_PATH_UNSAFE', message: `${where}is a symbolic link` }
  return { type: 'error', id, code: 'E_IO', message: `${where}${String(err?.message ?? err)}` }
}

port.on('message', (/** @type {import('./worker-messages.ts').WorkerRequest} */ req) => {
  let reply
  try {
    reply = req.type === 'hash'
      ? { type: 'digest', id: req.id, digest: hash(req.data) }
      : hashFileRange(req)
  } catch (err) {
    reply = errorReply(req.id, err, req.type === 'file' ? req.path : undefined)
  }
  port.postMessage(reply)
})
