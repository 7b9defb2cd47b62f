// What both chunk sinks share (the worker sink, sink-worker.js, and the
// inline sink): comparing digests, and which ferry error code a failed file
// operation reports. Plain JavaScript and a leaf, so the worker can import
// it as it is.
// @ts-check

/**
 * Digest equality without an early exit.
 * @param {Uint8Array} a @param {Uint8Array} b
 */
export function sameDigest (a, b) {
  if (a.length !== b.length) return false
  let d = 0
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i]
  return d === 0
}

/**
 * @param {string | undefined} errno e.g. 'ENOSPC'
 * @returns {'E_NO_SPACE' | 'E_PATH_NOT_FOUND' | 'E_PATH_UNSAFE' | 'E_IO'}
 */
export function sinkErrorCode (errno) {
  if (errno === 'ENOSPC' || errno === 'EDQUOT') return 'E_NO_SPACE'
  if (errno === 'ENOENT') return 'E_PATH_NOT_FOUND'
  if (errno === 'ELOOP') return 'E_PATH_UNSAFE'
  return 'E_IO'
}
