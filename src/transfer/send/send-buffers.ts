// The serving side's source-read buffers (one 64 KiB slice each), used again
// once the connection has encrypted what was read into them.
//
// Why: a sender at 200+ MB/s read every slice into a new buffer and handed
// it to the stream. Dead ones waited for V8 to collect their wrappers (a
// slice that sat in a stream's queue is often promoted, and then waits for
// a mark-compact), and glibc kept the heap they had grown: the sender's
// peak memory (docs/PERFORMANCE.md).
//
// When a buffer is free again: the stream, yamux and Noise pass the slice on
// by reference, and libp2p-noise's encrypt() is the last to read its bytes;
// what is queued for the socket after that is ciphertext of its own.
// wire-tuning.ts wraps that encrypt() to call `sealed()` with what it
// encrypted, and a buffer goes back here once every byte lent of it has been
// sealed. A buffer never sealed in full (its stream reset, a connection
// without Noise) is never used again, only collected as before: reuse
// depends on proof that the bytes were consumed, never on timing.

/** One read from a source file, also one send() on the stream: sender.ts. */
export const SEND_SLICE = 64 * 1024

/**
 * Spare buffers kept (64 = 4 MiB). In a steady send, a slice goes back a
 * little after it was taken and few wait here; a burst (three streams'
 * queues draining at once) returns more, and what is over this is left to
 * the GC as before.
 */
const SPARE_MAX = 64

interface Lent { readonly buffer: Buffer, left: number }

const spare: Buffer[] = []
/** Buffers handed out and not yet sealed in full, by their memory. */
const lent = new WeakMap<ArrayBufferLike, Lent>()
let counts = { taken: 0, reused: 0, returned: 0 }

/**
 * A buffer of `length` bytes (at most SEND_SLICE) to read a slice into and
 * send. Nothing else may keep or send it: its memory comes back to this pool
 * once the connection has sealed all `length` bytes.
 */
export function takeSendBuffer (length: number): Buffer {
  if (!(length > 0 && length <= SEND_SLICE)) throw new RangeError(`a send buffer holds 1 to ${SEND_SLICE} bytes, not ${length}`)
  let buffer = spare.pop()
  counts.taken++
  if (buffer === undefined) buffer = Buffer.allocUnsafeSlow(SEND_SLICE) // its own ArrayBuffer: the key below
  else counts.reused++
  lent.set(buffer.buffer, { buffer, left: length })
  return length === SEND_SLICE ? buffer : buffer.subarray(0, length)
}

/**
 * `plaintext` has been encrypted into `ciphertext`: count its bytes off the
 * buffers they were lent from. A ciphertext sharing memory with a lent
 * buffer (an AEAD that encrypts in place) would be corrupted by the next
 * read: that buffer is then never reused.
 */
export function sealed (plaintext: Iterable<Uint8Array>, ciphertext: Iterable<Uint8Array>): void {
  for (const out of ciphertext) {
    const loan = lent.get(out.buffer)
    if (loan !== undefined) loan.left = Number.POSITIVE_INFINITY
  }
  for (const view of plaintext) {
    const loan = lent.get(view.buffer)
    if (loan === undefined) continue
    loan.left -= view.byteLength
    if (loan.left > 0) continue
    lent.delete(view.buffer)
    counts.returned++
    if (spare.length < SPARE_MAX) spare.push(loan.buffer)
  }
}

/** Tests: what the pool has done since the last reset, and the spares it holds. */
export function sendBufferCounts (): { taken: number, reused: number, returned: number, spare: number } {
  return { ...counts, spare: spare.length }
}

/** Tests: start from an empty pool. */
export function resetSendBuffers (): void {
  spare.length = 0
  counts = { taken: 0, reused: 0, returned: 0 }
}
