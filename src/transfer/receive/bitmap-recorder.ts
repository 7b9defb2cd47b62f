// Recording which chunks of a part file are verified, in the store, only
// once those chunks are on disk. A resume trusts the recorded bitmap (it
// does not read recorded chunks again), so a bit recorded before its chunk
// was flushed could, after a power cut, stand for bytes that never reached
// the disk. A kill -9 alone would not need this: the page cache survives it.
//
// The bitmap is snapshotted first, then the part file flushed, then the
// snapshot recorded: every chunk in the snapshot was written before the
// flush began. A file finished meanwhile is not recorded again (its row
// says done). What is not yet recorded is not lost: planReceive re-verifies
// unrecorded chunks found in the part file.

import type { FileState } from './receive-plan.ts'

export interface BitmapRecorderDeps {
  /** Flush a part file's data (ChunkSink.sync). */
  sync: (path: string) => Promise<void>
  /** Write a file's bitmap to the store. */
  record: (file: FileState, bitmap: Uint8Array) => void
}

export class BitmapRecorder {
  private readonly deps: BitmapRecorderDeps
  private saving?: Promise<void>

  constructor (deps: BitmapRecorderDeps) { this.deps = deps }

  /** Save `f`'s bitmap in the background, unless a save is already under way (the next call catches up). */
  saveSoon (f: FileState): void {
    if (this.saving != null) return
    this.saving = this.save([f]).finally(() => { this.saving = undefined })
  }

  /**
   * Resolves once no save is under way. A run plans only after the saves of
   * the run before have ended: one still under way would flush the new part
   * file by its path and record the old run's bitmap over what the plan
   * corrected (review finding).
   */
  async settled (): Promise<void> {
    await this.saving
  }

  /** Save the bitmaps of every unfinished file holding verified chunks; a file whose flush or record fails keeps what was recorded before. */
  async saveAll (files: FileState[]): Promise<void> {
    await this.saving
    await this.save(files)
  }

  private async save (files: FileState[]): Promise<void> {
    const open = files.filter((f) => !f.done && f.entry.kind === 'file' && f.bitmap.done > 0)
    await Promise.all(open.map(async (f) => {
      const bitmap = f.bitmap.bytes.slice()
      try {
        await this.deps.sync(f.partPath)
      } catch {
        return
      }
      // a store that cannot write (a full disk) keeps what it recorded
      // before: the chunks are checked again on resume. Never a rejection:
      // saveSoon's promise has no one waiting on it
      try {
        if (!f.done) this.deps.record(f, bitmap)
      } catch {}
    }))
  }
}
