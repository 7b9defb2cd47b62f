// The chunk sink's contract, for both implementations: the inline one (used
// with native BLAKE3) and the worker-thread one (used with blake3-jit).
// Real files in a temporary folder.

import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { hash } from '../../src/transfer/blake3.js'
import { InlineSink } from '../../src/transfer/inline-sink.ts'
import { WorkerSink, type ChunkSink } from '../../src/transfer/sink.ts'

const dirs: string[] = []
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

for (const [name, make] of [['inline', () => new InlineSink()], ['worker', () => new WorkerSink()]] as Array<[string, () => ChunkSink]>) {
  describe(`${name} sink`, () => {
    let sink: ChunkSink
    let dir: string
    let part: string
    beforeEach(() => {
      sink = make()
      dir = mkdtempSync(join(tmpdir(), 'ferry-sink-'))
      dirs.push(dir)
      part = join(dir, 'a.part')
      writeFileSync(part, Buffer.alloc(3000))
    })
    afterEach(async () => { await sink.close() })

    const chunk = (data: Uint8Array): Uint8Array => { const b = sink.buffer(data.length); b.set(data); return b }

    it('writes a chunk that matches its hash at its offset, concurrently with others', async () => {
      const a = randomBytes(1000)
      const b = randomBytes(1000)
      const c = randomBytes(1000)
      await Promise.all([
        sink.write(part, 2000, chunk(c), 1000, hash(c)),
        sink.write(part, 0, chunk(a), 1000, hash(a)),
        sink.write(part, 1000, chunk(b), 1000, hash(b))
      ])
      await sink.closeFile(part, true)
      expect(readFileSync(part).equals(Buffer.concat([a, b, c]))).toBe(true)
    })

    it('refuses a chunk that does not match, and writes nothing of it', async () => {
      const a = randomBytes(1000)
      await expect(sink.write(part, 0, chunk(a), 1000, hash(randomBytes(1000)))).rejects.toMatchObject({ code: 'E_HASH_MISMATCH' })
      await sink.closeFile(part, false)
      expect(readFileSync(part).equals(Buffer.alloc(3000))).toBe(true)
    })

    it('verifies a range on disk', async () => {
      const data = randomBytes(3000)
      writeFileSync(part, data)
      await sink.verify(part, 1000, 1000, hash(data.subarray(1000, 2000)))
      await expect(sink.verify(part, 1000, 1000, hash(data.subarray(0, 1000)))).rejects.toMatchObject({ code: 'E_HASH_MISMATCH' })
      // a range past the end is not there
      await expect(sink.verify(part, 2500, 1000, hash(data.subarray(2000, 3000)))).rejects.toMatchObject({ code: 'E_HASH_MISMATCH' })
    })

    it('copies a range from a local file only if it still matches', async () => {
      const src = join(dir, 'src.bin')
      const data = randomBytes(2000)
      writeFileSync(src, data)
      await sink.copy(src, 500, part, 0, 1000, hash(data.subarray(500, 1500)))
      await expect(sink.copy(src, 0, part, 1000, 1000, hash(randomBytes(1000)))).rejects.toMatchObject({ code: 'E_HASH_MISMATCH' })
      await sink.closeFile(part, true)
      const got = readFileSync(part)
      expect(got.subarray(0, 1000).equals(data.subarray(500, 1500))).toBe(true)
      expect(got.subarray(1000).equals(Buffer.alloc(2000))).toBe(true)
    })

    it('never writes through a symlink, and names a missing part file', async () => {
      const target = join(dir, 'target')
      writeFileSync(target, 'untouched')
      const link = join(dir, 'link.part')
      symlinkSync(target, link)
      const a = randomBytes(100)
      await expect(sink.write(link, 0, chunk(a), 100, hash(a))).rejects.toMatchObject({ code: 'E_PATH_UNSAFE' })
      expect(readFileSync(target, 'utf8')).toBe('untouched')
      await expect(sink.write(join(dir, 'missing.part'), 0, chunk(a), 100, hash(a))).rejects.toMatchObject({ code: 'E_PATH_NOT_FOUND' })
      await expect(sink.closeFile(join(dir, 'missing.part'), true)).rejects.toMatchObject({ code: 'E_PATH_NOT_FOUND' })
    })

    it('flushes a part file it never opened (written before a restart)', async () => {
      await sink.closeFile(part, true)
    })
  })
}
