// Creating the empty part files a fetch writes into, alongside the fetch.
//
// A file creation costs this VM 250-500 µs of kernel CPU, on the thread that
// asks for it (a loop of 1,000 `open(O_CREAT)` + `close`: 0.25-0.5 s, in
// Node or Python alike; a link or an unlink costs 10-15 µs). Created in the
// plan, before the first request, they held every fetch back: the photo set
// (1,000 files) waited 0.3-0.9 s, 5,000 small files 1.5-3.1 s. Here they are
// created in the fetch's order, on the main thread, a few at a time between
// the network's callbacks, and a chunk of a file not yet created waits for
// it before it is written (ready()). Created on the thread pool as each
// file's first chunk arrived, they had delayed the chunk writes queued
// behind them and raised the receiver's peak RSS by 10-15 MB (README,
// runs 23-25); one at a time, in order, ahead of the fetch, they do not.

import { closeSync, constants, openSync } from 'node:fs'
import { toFerryError } from '../errors.ts'
import type { FileState } from './receive-plan.ts'

/** Files created between two turns of the event loop: ~1-4 ms of kernel work. */
const FILES_PER_TURN = 8

/**
 * An empty part file (no error if it exists); the sink only ever opens
 * existing ones. Readable by this user only, like its folder: a file sent
 * as private (0600) must not be readable by others while it arrives (it
 * gets the sender's permission bits when it is placed, finalize.ts).
 */
export function createPartFile (path: string): void {
  closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o600))
}

interface Waiter { resolve: () => void, reject: (err: Error) => void }

export class PartFileCreator {
  private readonly files: FileState[]
  /** position in `files` of each file index */
  private readonly position = new Map<number, number>()
  /** files[0, next) are created */
  private next = 0
  private readonly waiters = new Map<number, Waiter[]>()
  private stopped?: Error

  /** @param files the part files to create, in the order the fetch asks for them */
  constructor (files: FileState[]) {
    this.files = files
    files.forEach((f, i) => this.position.set(f.index, i))
  }

  /** Create them all, in order, yielding between a few; resolves when done or stopped. */
  async run (): Promise<void> {
    while (this.next < this.files.length && this.stopped == null) {
      const f = this.files[this.next]
      try {
        createPartFile(f.partPath)
      } catch (err) {
        this.stop(toFerryError(err))
        return
      }
      this.next++
      for (const w of this.waiters.get(f.index) ?? []) w.resolve()
      this.waiters.delete(f.index)
      if (this.next % FILES_PER_TURN === 0) await new Promise((resolve) => setImmediate(resolve))
    }
  }

  /** Stop creating; whatever waits for a file not yet created fails with `err`. */
  stop (err: Error): void {
    this.stopped ??= err
    for (const list of this.waiters.values()) for (const w of list) w.reject(this.stopped)
    this.waiters.clear()
  }

  /** Whether file `index`'s part file exists (was there, or was created here). */
  created (index: number): boolean {
    const pos = this.position.get(index)
    return pos === undefined || pos < this.next
  }

  /** undefined when file `index`'s part file exists; else a promise of its creation. */
  ready (index: number): Promise<void> | undefined {
    if (this.created(index)) return undefined
    if (this.stopped != null) return Promise.reject(this.stopped)
    return new Promise((resolve, reject) => {
      const list = this.waiters.get(index) ?? []
      list.push({ resolve, reject })
      this.waiters.set(index, list)
    })
  }
}
