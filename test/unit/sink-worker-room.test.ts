// The worker sink on a disk too slow for its closes: part files closed to
// keep within MAX_OPEN_PART_FILES wait on their flush, and an open waits for
// one of them (sink-worker.js roomFor). A slow disk is had here by holding
// every thread of libuv's pool, which the worker's flushes run on, in opens
// of named pipes that no one writes to yet. Real files in a temporary folder.

import { execFileSync } from 'node:child_process'
import { constants, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { hash } from '../../src/transfer/manifest/blake3.js'
import { WorkerSink } from '../../src/transfer/sink/sink.ts'
import { MAX_OPEN_PART_FILES } from '../../src/transfer/sink/sink-common.js'

const dir = mkdtempSync(join(tmpdir(), 'ferry-sink-room-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('worker sink, its closes for the bound held up', () => {
  it('copies that waited for room each write their own bytes (review finding: the bytes were read before the wait into a buffer the next request reused, and one file got another\'s)', async () => {
    const sink = new WorkerSink()
    // every thread of the pool held in an open of a pipe with no writer
    const pipes = Array.from({ length: Number(process.env.UV_THREADPOOL_SIZE ?? 4) }, (_, i) => join(dir, `pipe${i}`))
    for (const p of pipes) execFileSync('mkfifo', [p])
    const held = pipes.map(async (p) => await open(p, 'r'))
    let released = false
    const release = (): void => {
      if (released) return
      released = true
      for (const p of pipes) closeSync(openSync(p, constants.O_WRONLY | constants.O_NONBLOCK))
    }
    try {
      const src = join(dir, 'held.bin')
      const data = randomBytes(3000)
      writeFileSync(src, data)
      // the bound's open files, and as many closed for it whose flushes cannot run
      for (let i = 0; i < 2 * MAX_OPEN_PART_FILES; i++) {
        const p = join(dir, `${i}.part`)
        writeFileSync(p, Buffer.alloc(3000))
        await sink.copy(src, 0, p, 0, 3000, hash(data))
      }
      // two copies that must wait for room, at once, from two sources
      const [a, b] = [randomBytes(3000), randomBytes(3000)]
      writeFileSync(join(dir, 'a.src'), a)
      writeFileSync(join(dir, 'b.src'), b)
      for (const name of ['A.part', 'B.part']) writeFileSync(join(dir, name), Buffer.alloc(3000))
      const copies = [
        sink.copy(join(dir, 'a.src'), 0, join(dir, 'A.part'), 0, 3000, hash(a)),
        sink.copy(join(dir, 'b.src'), 0, join(dir, 'B.part'), 0, 3000, hash(b))
      ]
      let settled = 0
      for (const c of copies) void c.then(() => { settled++ }, () => { settled++ })
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(settled, 'the copies wait for room while no close can end').toBe(0)
      release()
      await Promise.all(copies)
      await sink.closeFile(join(dir, 'A.part'), true)
      await sink.closeFile(join(dir, 'B.part'), true)
      expect(readFileSync(join(dir, 'A.part')).equals(a)).toBe(true)
      expect(readFileSync(join(dir, 'B.part')).equals(b)).toBe(true)
    } finally {
      release()
      for (const h of await Promise.all(held)) await h.close()
      await sink.close()
    }
  })
})
