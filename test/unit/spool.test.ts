// The spool keeps chunk bytes on disk as they arrive (src/transfer/receive/spool.ts):
// what readSpool finds afterwards is exactly the start of the chunk that
// arrived, never bytes an earlier chunk left in a reused slot, and never
// anything from a file that is not a slot of this transfer.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Spool, SPOOL_WRITE_BYTES, readSpool, type SpoolSlot } from '../../src/transfer/receive/spool.ts'

const KiB = 1024
const CHUNK = 1024 * KiB
let dir: string

beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ferry-spool-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

/** Every (file, chunk) is a 1 MiB chunk of a transfer with 2 files of 8 chunks. */
const valid = (f: number, c: number): number | undefined => f < 2 && c < 8 ? CHUNK : undefined

/** Let `bytes` of `data` arrive in pieces of 64 KiB, as a stream delivers them. */
function arrive (slot: SpoolSlot, from: number, bytes: number): void {
  for (let at = from + 64 * KiB; at <= from + bytes; at += 64 * KiB) slot.arrived(Math.min(at, from + bytes))
  slot.arrived(from + bytes)
}

/** Spool the first `bytes` of chunk (file, chunk), held in `data`, in a slot taken from `spool`, and release it. */
function spoolChunk (spool: Spool, file: number, chunk: number, data: Uint8Array, bytes: number): SpoolSlot {
  const slot = spool.take()
  slot.begin(file, chunk, data, 0)
  arrive(slot, 0, bytes)
  slot.flush()
  spool.release(slot)
  return slot
}

describe('spool', () => {
  it('keeps exactly the bytes that arrived, written in pieces of at least SPOOL_WRITE_BYTES', async () => {
    const data = randomBytes(CHUNK)
    const spool = new Spool(dir)
    const slot = spool.take()
    slot.begin(1, 5, data, 0)
    arrive(slot, 0, 300 * KiB + 7)
    slot.flush()
    spool.close()
    const found = await readSpool(dir, valid)
    expect(found).toHaveLength(1)
    expect(found[0]).toMatchObject({ fileIndex: 1, chunk: 5 })
    expect(Buffer.from(found[0].data).equals(data.subarray(0, 300 * KiB + 7))).toBe(true)
    // one 24-byte record header per write: 300 KiB + 7 in at most 3 writes (128 KiB, 128 KiB, the rest)
    const [slotFile] = await readdir(dir)
    const records = ((await stat(join(dir, slotFile))).size - (300 * KiB + 7)) / 24
    expect(records).toBeGreaterThanOrEqual(1)
    expect(records).toBeLessThanOrEqual(Math.ceil((300 * KiB + 7) / SPOOL_WRITE_BYTES))
  })

  it('a reused slot gives the newer chunk only, not what the older one left further down', async () => {
    const older = randomBytes(CHUNK)
    const newer = randomBytes(CHUNK)
    const spool = new Spool(dir)
    const first = spoolChunk(spool, 0, 1, older, CHUNK)
    expect(spoolChunk(spool, 0, 2, newer, 200 * KiB)).toBe(first) // the same slot, reused
    spool.close()
    const found = await readSpool(dir, valid)
    expect(found.map((s) => [s.fileIndex, s.chunk, s.data.length])).toEqual([[0, 2, 200 * KiB]])
    expect(Buffer.from(found[0].data).equals(newer.subarray(0, 200 * KiB))).toBe(true)
  })

  it('a new run never overwrites what an earlier run left: its starts are all still found', async () => {
    const a = randomBytes(CHUNK)
    const b = randomBytes(CHUNK)
    const earlier = new Spool(dir)
    // two chunks in flight when the run stopped: two slots
    for (const [chunk, bytes] of [[1, 200 * KiB], [4, 100 * KiB]]) {
      const slot = earlier.take()
      slot.begin(0, chunk, a, 0)
      arrive(slot, 0, bytes)
      slot.flush()
    }
    earlier.close()
    const later = new Spool(dir)
    spoolChunk(later, 1, 2, b, 300 * KiB)
    later.close()
    const found = (await readSpool(dir, valid)).map((s) => [s.fileIndex, s.chunk, s.data.length]).sort()
    expect(found).toEqual([[0, 1, 200 * KiB], [0, 4, 100 * KiB], [1, 2, 300 * KiB]])
  })

  it('the same chunk spooled again (a retry) gives the retry\'s bytes only', async () => {
    const bad = randomBytes(CHUNK)
    const good = randomBytes(CHUNK)
    const spool = new Spool(dir)
    const slot = spoolChunk(spool, 0, 3, bad, CHUNK)
    expect(spoolChunk(spool, 0, 3, good, 256 * KiB)).toBe(slot)
    spool.close()
    const found = await readSpool(dir, valid)
    expect(found).toHaveLength(1)
    expect(Buffer.from(found[0].data).equals(good.subarray(0, 256 * KiB))).toBe(true)
  })

  it('a start kept from before is written again first, so a second crash keeps it too', async () => {
    const data = randomBytes(CHUNK)
    const spool = new Spool(dir)
    spool.take() // slot 0 stays busy: the chunk goes to slot 1
    const slot = spool.take()
    slot.begin(1, 0, data, 100 * KiB)
    arrive(slot, 100 * KiB, 400 * KiB)
    slot.flush()
    spool.close()
    const found = await readSpool(dir, valid)
    expect(found.map((s) => [s.fileIndex, s.chunk, s.data.length])).toEqual([[1, 0, 500 * KiB]])
    expect(Buffer.from(found[0].data).equals(data.subarray(0, 500 * KiB))).toBe(true)
  })

  it('ignores slots of chunks the transfer does not have, other files, and garbage', async () => {
    const spool = new Spool(dir)
    const slot = spool.take()
    slot.begin(7, 0, randomBytes(CHUNK), 0) // no file 7 in this transfer
    arrive(slot, 0, CHUNK)
    slot.flush()
    spool.close()
    await writeFile(join(dir, 'spool-9'), randomBytes(5000))
    await writeFile(join(dir, '0'), randomBytes(5000)) // a part file
    expect(await readSpool(dir, valid)).toEqual([])
    expect(await readSpool(join(dir, 'missing'), valid)).toEqual([])
  })

  it('a slot that cannot be written gives up quietly, once, and the chunk is simply not spooled', async () => {
    const errors: Error[] = []
    const spool = new Spool(join(dir, 'gone'), (e) => errors.push(e))
    const slot = spool.take()
    slot.begin(0, 0, randomBytes(CHUNK), 0)
    arrive(slot, 0, CHUNK)
    slot.flush()
    spool.close()
    expect(errors).toHaveLength(1)
    expect((errors[0] as NodeJS.ErrnoException).code).toBe('ENOENT')
    expect(await readdir(dir)).toEqual([])
  })
})
