// Which ferry error code a failed file operation of the chunk sink reports
// (shared by the worker sink, sink-worker.js, and the inline sink; plain
// JavaScript and a leaf, so the worker can import it as it is).
// @ts-check

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
