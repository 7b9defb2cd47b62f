// What both chunk sinks share (the worker sink, sink-worker.js, and the
// inline sink): comparing digests, which ferry error code a failed file
// operation reports, the bound on part files open at once and the waits and
// flush errors it brings. Plain JavaScript and a leaf, so the worker can
// import it as it is.
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
 * What a flush of the part file `path` failed with (in the background, or as
 * it was closed to keep within MAX_OPEN_PART_FILES), for its caller to
 * report; undefined when none. Kept (`keep`) for a sync: its caller may go
 * on (the bitmap recorder records nothing and tries again later), and the
 * file's closing flush, which a new descriptor's fdatasync would let pass
 * (a write-back error is reported to one fdatasync only), must still fail
 * (review finding). Forgotten once that closing flush takes it.
 * @template E
 * @param {Map<string, E>} kept @param {string} path @param {boolean} keep
 * @returns {E | undefined}
 */
export function keptFlushError (kept, path, keep) {
  const failed = kept.get(path)
  if (failed !== undefined && !keep) kept.delete(path)
  return failed
}

/**
 * The part files under folder `from`, closed, now are under `to`, or gone
 * (`to` ''): their kept flush errors go with them (a prefetch's folder
 * becoming its offer's: ChunkSink.moved), once the closes for the bound of
 * those files still under way (`closing`) are done: such a flush keeps its
 * error under the old path.
 * @template E
 * @param {Map<string, E>} kept @param {Map<string, Promise<void>>} closing @param {string} from @param {string} to
 */
export async function moveKeptFlushErrors (kept, closing, from, to) {
  await Promise.all([...closing].filter(([path]) => path.startsWith(from + '/')).map(async ([, p]) => { await p }))
  for (const [path, err] of [...kept]) {
    if (!path.startsWith(from + '/')) continue
    kept.delete(path)
    if (to !== '') kept.set(to + path.slice(from.length), err)
  }
}

/**
 * A promise settled, and made anew, at each fire(): what waits for a close
 * for the bound to end (an open, while as many are under way) looks again
 * at each, one promise for all of them (a race over every close per wait
 * piled up reactions: review finding).
 */
export class CloseEnded {
  #next = Promise.withResolvers()

  /** Settles at the next fire(). @returns {Promise<unknown>} */
  get next () { return this.#next.promise }

  fire () {
    const ended = this.#next
    this.#next = Promise.withResolvers()
    ended.resolve(undefined)
  }
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
