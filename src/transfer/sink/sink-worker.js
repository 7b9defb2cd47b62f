// Worker thread of the chunk sink (see sink.ts, which owns the protocol;
// message types in worker-messages.ts; plain JS on purpose, see there).
//
// Owns: verifying a received chunk's BLAKE3 against the manifest and only
// then writing it at its offset in a part file; verifying ranges already on
// disk (resume); copying verified ranges from local files (dedup); flushing
// and closing part files. Keeps the main thread free for the network.
// Must never: write bytes whose hash did not match, or import ferry modules other than the leaves blake3.js and sink-common.js.
// @ts-check

import { closeSync, fdatasync, openSync, readSync, writeSync, constants } from 'node:fs'
import { parentPort } from 'node:worker_threads'
import { hash } from '../manifest/blake3.js'
import { CloseEnded, MAX_OPEN_PART_FILES, keptFlushError, moveKeptFlushErrors, sameDigest as same, sinkErrorCode } from './sink-common.js'

if (parentPort === null) throw new Error('sink-worker.js must run in a worker thread')
const port = parentPort
/** open part files, least recently used first @type {Map<string, number>} */
const fds = new Map()
/** what a flush of a part file closed to keep within MAX_OPEN_PART_FILES failed with, by path, for its next sync or closing flush @type {Map<string, any>} */
const flushErrors = new Map()
/** the flushes of part files closed to keep within the bound, under way, by path: a sync or close of the file waits for its own @type {Map<string, Promise<void>>} */
const closing = new Map()
/** fired each time a close for the bound ends: what waits for room (roomFor) looks again */
const closeEnded = new CloseEnded()
/** a 'close' of every descriptor came (the sink is shutting down): nothing is opened any more */
let shuttingDown = false
let scratch = new Uint8Array(0)

/** @param {string} path */
function fdFor (path) {
  let fd = fds.get(path)
  if (fd == null) {
    // O_NOFOLLOW: a part file replaced by a symlink is never written through;
    // no O_CREAT: the plan made every part file (receive-plan.ts)
    fd = openSync(path, constants.O_RDWR | constants.O_NOFOLLOW)
    // one at a time in this thread: the oldest is idle. Flushed before it is
    // closed (a descriptor opened after a write-back error does not see it),
    // on the thread pool, as a closing flush is: this thread goes on
    // verifying and writing meanwhile
    for (const [oldest, old] of fds) {
      if (fds.size < MAX_OPEN_PART_FILES) break
      fds.delete(oldest)
      const flushed = new Promise((resolve) => {
        fdatasync(old, (err) => {
          if (err != null && !flushErrors.has(oldest)) flushErrors.set(oldest, err)
          try { closeSync(old) } catch {}
          if (closing.get(oldest) === flushed) closing.delete(oldest)
          resolve(undefined)
          closeEnded.fire()
        })
      })
      closing.set(oldest, /** @type {Promise<void>} */ (flushed))
    }
  } else fds.delete(path) // the most recently used last
  fds.set(path, fd)
  return fd
}

/**
 * Wait, before `path` is opened, while as many part files as the bound are
 * still being flushed and closed for it: those hold descriptors too, and on a
 * slow or busy disk they piled up past the bound (a loaded box: 276 open for
 * a bound of 2 × 128), which is how EMFILE came back. And while `path`'s own
 * close for the bound is under way, so that a path is never closing twice
 * (one entry in `closing` each). Whoever calls it reads, checks and writes
 * after it with no await between: the bytes read into `scratch` are another
 * request's once this one waits (review finding).
 * @param {string} path
 */
async function roomFor (path) {
  while (!fds.has(path) && !shuttingDown && (closing.has(path) || closing.size >= MAX_OPEN_PART_FILES)) await closeEnded.next
  if (!fds.has(path) && shuttingDown) throw Object.assign(new Error('the sink is closing: no part file is opened any more'), { code: 'E_CANCELLED' })
}

/** Throw what a flush of `path` failed with, kept for its syncs (`keep`) and taken by its closing flush (sink-common.js keptFlushError). @param {string} path @param {boolean} [keep] */
function reportFlushError (path, keep = false) {
  const failed = keptFlushError(flushErrors, path, keep)
  if (failed !== undefined) throw failed
}

/** @param {string} path @param {number} offset @param {number} length @param {boolean} ownFd */
function readRange (path, offset, length, ownFd) {
  if (scratch.length < length) scratch = new Uint8Array(length)
  // O_NONBLOCK: a copy source (or a file in place) replaced by a FIFO fails instead of blocking this thread
  const fd = ownFd ? fdFor(path) : openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
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

/** @param {string} path @param {Uint8Array} data @param {number} offset */
function writeAt (path, data, offset) {
  const fd = fdFor(path)
  let done = 0
  while (done < data.length) done += writeSync(fd, data, done, data.length - done, offset + done)
}

/** @param {any} err */
function errorCode (err) {
  return err?.code === 'E_CANCELLED' ? 'E_CANCELLED' : sinkErrorCode(err?.code)
}

port.on('message', async (/** @type {import('../worker-messages.ts').SinkRequest} */ req) => {
  try {
    switch (req.op) {
      case 'write': {
        const view = req.data.subarray(0, req.length)
        const back = /** @type {ArrayBuffer} */ (req.data.buffer)
        if (!same(hash(view), req.expected)) {
          port.postMessage({ id: req.id, ok: false, code: 'E_HASH_MISMATCH', message: 'chunk does not match its BLAKE3 hash; not written', data: req.data }, [back])
          return
        }
        await roomFor(req.path)
        writeAt(req.path, view, req.offset)
        port.postMessage({ id: req.id, ok: true, data: req.data }, [back])
        return
      }
      case 'verify': {
        // a file in place (readOnly) is read through a descriptor of its own, closed after
        if (req.readOnly !== true) await roomFor(req.path)
        const got = readRange(req.path, req.offset, req.length, req.readOnly !== true)
        const ok = got.length === req.length && same(hash(got), req.expected)
        port.postMessage(ok ? { id: req.id, ok: true } : { id: req.id, ok: false, code: 'E_HASH_MISMATCH', message: 'range on disk does not match' })
        return
      }
      case 'copy': {
        // before the read: `got` is this thread's scratch buffer, another request's once this one waits
        await roomFor(req.path)
        const got = readRange(req.src, req.srcOffset, req.length, false)
        if (got.length !== req.length || !same(hash(got), req.expected)) {
          port.postMessage({ id: req.id, ok: false, code: 'E_HASH_MISMATCH', message: 'local copy source changed' })
          return
        }
        writeAt(req.path, got, req.offset)
        port.postMessage({ id: req.id, ok: true })
        return
      }
      case 'moved': {
        await moveKeptFlushErrors(flushErrors, closing, req.from, req.to)
        port.postMessage({ id: req.id, ok: true })
        return
      }
      case 'sync': {
        await closing.get(req.path)
        reportFlushError(req.path, true)
        // through a descriptor of its own, so that a 'close' of the file
        // meanwhile cannot pull the one being flushed away
        const fd = openSync(req.path, constants.O_RDONLY | constants.O_NOFOLLOW)
        fdatasync(fd, (err) => {
          try { closeSync(fd) } catch {}
          port.postMessage(err == null ? { id: req.id, ok: true } : { id: req.id, ok: false, code: errorCode(err), message: String(err.message) })
        })
        return
      }
      case 'close': {
        // path '' closes every descriptor (the sink is shutting down): nothing waiting for room opens one after it
        if (req.path === '') shuttingDown = true
        /** @type {number[]} */
        const toSync = []
        /** what a flush of one of them failed with before: reported once every descriptor is closed (review finding: thrown first, it left the file's open) @type {any} */
        let failedBefore = null
        // every close for the bound under way too when shutting down: a descriptor outlives its worker
        await Promise.all((req.path === '' ? [...closing.values()] : [closing.get(req.path)]).map(async (p) => { await p }))
        // taken after that wait: what was opened meanwhile is closed too
        const paths = req.path === '' ? [...fds.keys()] : [req.path]
        for (const path of paths) {
          // kept when closed without a flush (a run cut short): the next run's sync reports it
          if (req.sync) { try { reportFlushError(path) } catch (err) { failedBefore ??= err } }
          let fd = fds.get(path)
          fds.delete(path)
          // a file this worker never opened (written before a restart) is still flushed
          if (fd == null && req.sync && path !== '') fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW)
          if (fd == null) continue
          if (req.sync) toSync.push(fd); else closeSync(fd)
        }
        if (toSync.length === 0) { port.postMessage(failedBefore == null ? { id: req.id, ok: true } : { id: req.id, ok: false, code: errorCode(failedBefore), message: String(failedBefore.message) }); return }
        // fdatasync waits for the disk: run it on the thread pool so this
        // worker keeps verifying and writing other files' chunks meanwhile
        let left = toSync.length
        /** @type {any} */
        let failed = failedBefore
        for (const fd of toSync) {
          fdatasync(fd, (err) => {
            try { closeSync(fd) } catch {}
            if (err != null) failed ??= err
            if (--left > 0) return
            port.postMessage(failed == null ? { id: req.id, ok: true } : { id: req.id, ok: false, code: errorCode(failed), message: String(failed.message) })
          })
        }
      }
    }
  } catch (err) {
    const data = req.op === 'write' ? req.data : undefined
    port.postMessage({ id: req.id, ok: false, code: errorCode(err), message: String(/** @type {any} */ (err)?.message ?? err), data }, data != null ? [/** @type {ArrayBuffer} */ (data.buffer)] : [])
  }
})
