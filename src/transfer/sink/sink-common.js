// What both chunk sinks share (the worker sink, sink-worker.js, and the
// inline sink): comparing digests, and which ferry error code a failed file
// operation reports. Plain JavaScript and a leaf, so the worker can import
// it as it is.
// @ts-check

/**
 * Part files kept open at once (two descriptors each where O_DIRECT is
 * used). Past it, the least recently used one that nothing is using is
 * flushed and closed, and opened again if it is written again. A handle
 * stayed open until its file was finished, and a re-send of files the
 * receiver held under other names copies into every part file in its plan,
 * before any is finished: 3,000 files failed with EMFILE at a limit of
 * 2,048 descriptors, the same ~20,000 at the machine's default (helper
 * finding). A fetch writes to far fewer at a time (its streams' chunks).
 */
export const MAX_OPEN_PART_FILES = 128

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
