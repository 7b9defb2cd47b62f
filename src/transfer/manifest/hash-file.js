// Reading a file's chunks and hashing them, synchronously: the hash workers'
// loop (hash-worker.js) and the hash pool's inline path for small files
// (hash-pool.ts) share it. Plain JavaScript, like the workers (see
// worker-messages.ts), and a leaf: it imports no ferry module but blake3.js.
// Each thread that loads it has its own read buffer and hasher.
// @ts-check

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs'
import { createHasher, hash } from './blake3.js'

/** Reused read buffer, grown to the largest read. */
let buffer = new Uint8Array(0)

/**
 * A chunk is read and hashed in pieces of this size, each hashed while it is
 * still in the CPU cache (blake3.js, createHasher, has the figures); without
 * the native streaming hasher, in one read and one hash.
 */
const PIECE = 128 * 1024
const hasher = createHasher()

/** The file is not what the scan saw: it changed, or is no longer a regular file. */
export class Changed extends Error {}

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
export function hashRange (fd, length, position) {
  if (hasher === undefined) return hash(readFully(fd, length, position))
  hasher.reset() // also after a range that failed half-way
  for (let done = 0; done < length; done += PIECE) {
    hasher.update(readFully(fd, Math.min(PIECE, length - done), position + done))
  }
  return hasher.digest()
}

/**
 * Opens `path` for reading, never through a symbolic link, and checks that
 * it is still a regular file of `size` bytes (as scanned). O_NONBLOCK: a
 * path replaced by a FIFO since the scan would otherwise block the open
 * until a writer came, and small files are hashed on the daemon's main
 * thread; for a regular file it changes nothing.
 * @param {string} path @param {number} size @returns {number} the descriptor
 */
export function openUnchanged (path, size) {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  try {
    const st = fstatSync(fd)
    if (!st.isFile()) throw new Changed('it is no longer a regular file')
    if (st.size !== size) throw new Changed(`its size went from ${size} to ${st.size} bytes`)
    return fd
  } catch (err) {
    closeSync(fd)
    throw err
  }
}

/**
 * The digests of every chunk of a file (of `size` bytes as scanned), 32 bytes each, concatenated.
 * @param {string} path @param {number} size @param {number} chunkSize @returns {Uint8Array}
 */
export function hashWholeFile (path, size, chunkSize) {
  const fd = openUnchanged(path, size)
  try {
    // packed, 32 bytes a chunk, as an offer carries them (chunk-hashes.ts)
    const digests = new Uint8Array(Math.ceil(size / chunkSize) * 32)
    for (let offset = 0, at = 0; offset < size; offset += chunkSize, at += 32) digests.set(hashRange(fd, Math.min(chunkSize, size - offset), offset), at)
    return digests
  } finally {
    closeSync(fd)
  }
}

/**
 * A failure to read `path` as a ferry error code and message.
 * @param {any} err @param {string} [path] @returns {{ code: string, message: string }}
 */
export function fileError (err, path) {
  const where = path === undefined ? '' : `${path}: `
  if (err instanceof Changed) return { code: 'E_IO', message: `${where}file changed while it was being hashed (${err.message}); try again` }
  if (err?.code === 'ENOENT') return { code: 'E_PATH_NOT_FOUND', message: `${where}no such file` }
  if (err?.code === 'ELOOP') return { code: 'E_PATH_UNSAFE', message: `${where}is a symbolic link` }
  return { code: 'E_IO', message: `${where}${String(err?.message ?? err)}` }
}
