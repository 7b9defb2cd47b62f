// Which bytes of a send's offer were served at least once in this run of the
// daemon, so that a send's progress counts each byte once: a receiver asks
// again for what a cut stream had on its way (and, restarted, for what its
// kernel held unread), and those bytes, counted when first served, were
// counted again, taking the progress shown to 100 % while bytes were still
// to go, and then back (send-serve.ts onAsked, as it was: review leftover).
// Per chunk: served whole (a bit per chunk of the offer), or, for a chunk
// asked for in pieces (a big chunk, or the rest of one whose start the
// receiver kept through a crash), how far from its start (the pieces come
// in order; a piece that starts past that mark counts from its start).
// Owns: that record; forgotten when the count is set from what the receiver
// says it holds (forget), which bytes served after that add to.
// Must never: hold more than a bit per chunk of the offer (and a number per
// file), and a number per chunk being served in pieces.

import { Bitmap } from '../bitmap.ts'
import { chunkCount } from '../manifest/chunking.ts'
import type { OfferFile } from '../../protocol/transfer.ts'

export class ServedChunks {
  /**
   * The chunks served whole: one bit set over all the offer's chunks, file
   * after file (`first`: where each file's start), made at the first chunk
   * served. Not one per file: 100,000 one-chunk files would take ~15 MB of
   * sets and map entries, where this takes ~400 KB.
   */
  private whole?: { files: readonly OfferFile[], first: Uint32Array, bits: Bitmap }
  /** `file/chunk` → bytes from the chunk's start served, for a chunk served in part so far */
  private readonly pieces = new Map<string, number>()

  /**
   * Of bytes `from`..`from + length` of chunk `chunk` (of `chunkLength`
   * bytes) of entry `file` of `files` (the offer's), how many were not
   * served before; `take`: they are now.
   */
  unseen (files: readonly OfferFile[], file: number, chunk: number, chunkLength: number, from: number, length: number, take = false): number {
    const whole = this.chunksOf(files)
    const bit = whole.first[file] + chunk
    if (whole.bits.has(bit)) return 0
    const end = Math.min(chunkLength, from + length)
    // the common case, a whole chunk served once: no key made
    const key = end < chunkLength || this.pieces.size > 0 ? `${file}/${chunk}` : undefined
    const mark = key !== undefined ? this.pieces.get(key) ?? 0 : 0
    const fresh = Math.max(0, end - Math.max(from, mark))
    if (take && end > mark) {
      if (end >= chunkLength) {
        if (key !== undefined) this.pieces.delete(key)
        whole.bits.set(bit)
      } else {
        this.pieces.set(key!, end)
      }
    }
    return fresh
  }

  /** Whether chunk `chunk` of entry `file` of `files` went whole before (asked for again: the receiver rejected it, or lost it with a cut or a crash). */
  servedWhole (files: readonly OfferFile[], file: number, chunk: number): boolean {
    // a look only: nothing made (nothing went yet, or not of these files)
    const whole = this.whole?.files === files ? this.whole : undefined
    return whole?.bits.has(whole.first[file] + chunk) === true
  }

  /** Nothing counts as served any more: the count was set from the receiver's own (what it holds), and what is served from now on adds to it. */
  forget (): void {
    this.whole = undefined
    this.pieces.clear()
  }

  private chunksOf (files: readonly OfferFile[]): { first: Uint32Array, bits: Bitmap } {
    if (this.whole?.files === files) return this.whole
    const first = new Uint32Array(files.length + 1)
    for (let i = 0; i < files.length; i++) first[i + 1] = first[i] + (files[i].kind === 'file' ? chunkCount(files[i].size, files[i].chunkSize) : 0)
    this.whole = { files, first, bits: new Bitmap(first[files.length]) }
    this.pieces.clear()
    return this.whole
  }
}
