// Worker thread of the hash pool (see hash-pool.ts, which owns the protocol;
// message types in worker-messages.ts; plain JS on purpose, see there).
//
// Owns: hashing byte ranges of one file (read and hashed by hash-file.js)
// and buffers posted to it, and sending the digests back. File bytes never leave this
// thread; only digests go back (32 bytes per chunk, in batches).
// Must never: write to the file system, import ferry modules other than the leaves blake3.js and hash-file.js, or let an
// exception escape (every failure is an `error` reply with a ferry error code).
// @ts-check

import { closeSync } from 'node:fs'
import { parentPort } from 'node:worker_threads'
import { hash } from './blake3.js'
import { fileError, hashRange, openUnchanged } from './hash-file.js'

if (parentPort === null) throw new Error('hash-worker.js must run in a worker thread')
const port = parentPort

/** Digests go back to the main thread in batches of about this much file data (see worker-messages.ts, `chunks`). */
const BATCH_BYTES = 8 * 1024 * 1024

/** @param {Extract<import('../worker-messages.ts').WorkerRequest, { type: 'file' }>} req */
function hashFileRange (req) {
  const { id, path, size, chunkSize, first, count, abort } = req
  // cancelled while it waited in this worker's queue: not even opened
  if (Atomics.load(abort, 0) !== 0) return { type: 'cancelled', id }
  const fd = openUnchanged(path, size)
  try {
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

port.on('message', (/** @type {import('../worker-messages.ts').WorkerRequest} */ req) => {
  let reply
  try {
    reply = req.type === 'hash'
      ? { type: 'digest', id: req.id, digest: hash(req.data) }
      : hashFileRange(req)
  } catch (err) {
    reply = { type: 'error', id: req.id, ...fileError(err, req.type === 'file' ? req.path : undefined) }
  }
  port.postMessage(reply)
})
