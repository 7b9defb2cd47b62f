// The inline sink's bound on part files open at once (MAX_OPEN_PART_FILES):
// what a flush of a file closed to keep within it fails with is reported by
// the file's next sync and by its closing flush. The disk's failure is made
// here: fdatasync is wrapped to fail when told (a real write-back error
// cannot be had on demand without a failing device).

import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterAll, expect, it, vi } from 'vitest'

const flushes: { failNext: number, calls: number, held?: Promise<void> } = { failNext: 0, calls: 0 }
vi.mock('../../src/transfer/sink/fs-async.ts', async (original) => {
  const m = await original<typeof import('../../src/transfer/sink/fs-async.ts')>()
  return {
    ...m,
    fdatasyncAsync: async (fd: number): Promise<void> => {
      flushes.calls++
      // a slow disk: every flush waits until the test lets it go
      if (flushes.held !== undefined) await flushes.held
      if (flushes.failNext > 0) { flushes.failNext--; throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }) }
      await m.fdatasyncAsync(fd)
    }
  }
})
const { InlineSink } = await import('../../src/transfer/sink/inline-sink.ts')
const { hash } = await import('../../src/transfer/manifest/blake3.js')
const { MAX_OPEN_PART_FILES } = await import('../../src/transfer/sink/sink-common.js')

const dirs: string[] = []
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }) })

/** `n` part files of 3,000 zeros and a source of 3,000 random bytes, in a folder of their own */
function partsAndSource (n: number): { src: string, data: Buffer, parts: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-sink-bound-'))
  dirs.push(dir)
  const src = join(dir, 'held.jpg')
  const data = randomBytes(3000)
  writeFileSync(src, data)
  const parts = Array.from({ length: n }, (_, i) => join(dir, `${i}.part`))
  for (const p of parts) writeFileSync(p, Buffer.alloc(3000))
  return { src, data, parts }
}

/** MAX_OPEN_PART_FILES + 1 part files and a source of 3,000 bytes; the first MAX_OPEN_PART_FILES copied into (open, the first the least recently used) */
async function filled (sink: InstanceType<typeof InlineSink>): Promise<{ src: string, data: Buffer, parts: string[] }> {
  const made = partsAndSource(MAX_OPEN_PART_FILES + 1)
  for (const p of made.parts.slice(0, -1)) await sink.copy(made.src, 0, p, 0, 1000, hash(made.data.subarray(0, 1000)))
  return made
}

it('a file closed for the bound whose flush fails: its syncs report it, and so does its closing flush, which then forgets it', async () => {
  const sink = new InlineSink({ directIo: false })
  try {
    const { src, data, parts } = await filled(sink)
    flushes.failNext = 1
    // one more part file: the first is flushed and closed
    await sink.copy(src, 0, parts.at(-1)!, 0, 1000, hash(data.subarray(0, 1000)))
    await expect(sink.sync(parts[0])).rejects.toMatchObject({ code: 'E_IO' })
    // kept: the bitmap recorder goes on after a failed sync, and the file must not be placed as whole
    await expect(sink.sync(parts[0])).rejects.toMatchObject({ code: 'E_IO' })
    await expect(sink.closeFile(parts[0], true)).rejects.toMatchObject({ code: 'E_IO' })
    await expect(sink.sync(parts[0])).resolves.toBeUndefined()
  } finally {
    await sink.close()
  }
})

it('a file written again while its close for the bound is under way: written whole, and the flush error reported by its closing flush', async () => {
  const sink = new InlineSink({ directIo: false })
  try {
    const { src, data, parts } = await filled(sink)
    flushes.failNext = 1
    // the close held until the file is written again: both copies started at once, either could open its file first,
    // and with parts[0] touched first the one closed was parts[1] (a flake: 1 run in 5)
    let release = (): void => {}
    flushes.held = new Promise<void>((resolve) => { release = resolve })
    const opening = sink.copy(src, 0, parts.at(-1)!, 0, 1000, hash(data.subarray(0, 1000)))
    const closing = (sink as unknown as { closing: Map<string, Promise<void>> }).closing
    while (!closing.has(parts[0])) await new Promise((resolve) => setTimeout(resolve, 5))
    const again = sink.copy(src, 1000, parts[0], 1000, 2000, hash(data.subarray(1000)))
    release()
    flushes.held = undefined
    await Promise.all([opening, again])
    await expect(sink.closeFile(parts[0], true)).rejects.toMatchObject({ code: 'E_IO' })
    expect(readFileSync(parts[0]).equals(data)).toBe(true)
  } finally {
    flushes.held = undefined
    await sink.close()
  }
})

it('a file closed for the bound is flushed even when an earlier flush of it failed (its error kept, the first)', async () => {
  const sink = new InlineSink({ directIo: false })
  try {
    const { src, data, parts } = await filled(sink)
    // a background flush of the first failed before (as flushInBackground keeps it)
    ;(sink as unknown as { flushErrors: Map<string, Error> }).flushErrors.set(parts[0], Object.assign(new Error('EIO: earlier'), { code: 'EIO' }))
    const before = flushes.calls
    await sink.copy(src, 0, parts.at(-1)!, 0, 1000, hash(data.subarray(0, 1000)))
    await sink.sync(parts[0]).catch(() => {})
    expect(flushes.calls - before).toBe(1)
    await expect(sink.closeFile(parts[0], true)).rejects.toThrow('EIO: earlier')
  } finally {
    await sink.close()
  }
})

it('a kept flush error goes with its part file when its folder is renamed (a prefetch\'s becoming its offer\'s), and is forgotten with a folder removed', async () => {
  const sink = new InlineSink({ directIo: false })
  try {
    const { src, data, parts } = await filled(sink)
    flushes.failNext = 1
    await sink.copy(src, 0, parts.at(-1)!, 0, 1000, hash(data.subarray(0, 1000)))
    const from = join(parts[0], '..')
    const to = `${from}-renamed`
    await sink.moved(from, to)
    await expect(sink.sync(parts[0])).resolves.toBeUndefined()
    const now = join(to, '0.part')
    await expect(sink.closeFile(now, true)).rejects.toMatchObject({ code: 'E_IO' })
    flushes.failNext = 1
    await sink.copy(src, 0, parts[1], 0, 1000, hash(data.subarray(0, 1000)))
    await sink.copy(src, 0, parts[0], 0, 1000, hash(data.subarray(0, 1000)))
    const kept = (sink as unknown as { flushErrors: Map<string, Error>, closing: Map<string, Promise<void>> })
    await kept.closing.get(parts[2])
    expect(kept.flushErrors.has(parts[2])).toBe(true)
    await sink.moved(from, undefined)
    // parts[2] was closed for the bound when parts[0] was opened again: its failed flush is forgotten with the folder
    await expect(sink.sync(parts[2])).resolves.toBeUndefined()
  } finally {
    await sink.close()
  }
})

it('on a slow disk, the files being flushed and closed for the bound count in it: an open waits for one of those closes when as many are under way (loaded-box finding: 276 descriptors for a bound of 2 × 128)', async () => {
  const sink = new InlineSink({ directIo: false })
  let release = (): void => {}
  flushes.held = new Promise<void>((resolve) => { release = resolve })
  try {
    const { src, data, parts } = partsAndSource(3 * MAX_OPEN_PART_FILES)
    const partsOpen = (): number => readdirSync('/proc/self/fd').filter((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`).endsWith('.part') } catch { return false } }).length
    // as a plan copies: one file after the other, none of the flushes done
    let copied = 0
    const copying = (async () => {
      for (const p of parts) { await sink.copy(src, 0, p, 0, 3000, hash(data)); copied++ }
    })()
    // the bound's open files, and as many being closed, and then the next open waits
    while (copied < 2 * MAX_OPEN_PART_FILES) await new Promise((resolve) => setTimeout(resolve, 10))
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(copied).toBe(2 * MAX_OPEN_PART_FILES)
    expect(partsOpen()).toBeLessThanOrEqual(2 * MAX_OPEN_PART_FILES)
    release()
    flushes.held = undefined
    await copying
    for (const p of parts) await sink.closeFile(p, true)
    expect(partsOpen()).toBe(0)
    for (const p of parts) expect(readFileSync(p).equals(data), p).toBe(true)
  } finally {
    release()
    flushes.held = undefined
    await sink.close()
  }
})
