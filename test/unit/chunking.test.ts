// Chunk geometry around the interesting sizes, and hashFileChunks on real
// files of those sizes against hashing the same byte ranges directly.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync, ftruncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, RULE_MAX_CHUNK_SIZE, RULE_MIN_CHUNK_SIZE, TARGET_CHUNKS_PER_FILE, blake3, chunkCount, chunkRange, chunkSizeFor,
  createHashPool, isValidChunkSize
} from '../../src/transfer/index.ts'
import type { HashPool } from '../../src/transfer/index.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

const KiB = 1024
const MiB = 1024 * KiB
const CHUNK = RULE_MIN_CHUNK_SIZE
/** Largest size that still uses 1 MiB chunks: exactly 2,000 of them. */
const THRESHOLD = TARGET_CHUNKS_PER_FILE * RULE_MIN_CHUNK_SIZE

const SIZES: Array<{ name: string, size: number, chunkSize: number, chunks: number }> = [
  { name: 'empty', size: 0, chunkSize: CHUNK, chunks: 0 },
  { name: 'one byte', size: 1, chunkSize: CHUNK, chunks: 1 },
  { name: 'chunk - 1', size: CHUNK - 1, chunkSize: CHUNK, chunks: 1 },
  { name: 'chunk', size: CHUNK, chunkSize: CHUNK, chunks: 1 },
  { name: 'chunk + 1', size: CHUNK + 1, chunkSize: CHUNK, chunks: 2 },
  { name: 'several MiB, unaligned', size: 5 * MiB + 3, chunkSize: CHUNK, chunks: 6 },
  { name: 'several MiB, aligned', size: 8 * MiB, chunkSize: CHUNK, chunks: 8 },
  { name: 'threshold: 2,000 chunks of 1 MiB', size: THRESHOLD, chunkSize: CHUNK, chunks: 2000 },
  { name: 'threshold + 1: switches to 2 MiB', size: THRESHOLD + 1, chunkSize: 2 * CHUNK, chunks: 1001 }
]

describe('chunkSizeFor', () => {
  it('switches at every power of two exactly when 2,000 chunks are exceeded', () => {
    expect(chunkSizeFor(0)).toBe(RULE_MIN_CHUNK_SIZE)
    for (let c = RULE_MIN_CHUNK_SIZE; c < RULE_MAX_CHUNK_SIZE; c *= 2) {
      expect(chunkSizeFor(TARGET_CHUNKS_PER_FILE * c)).toBe(c)
      expect(chunkSizeFor(TARGET_CHUNKS_PER_FILE * c + 1)).toBe(c * 2)
    }
  })

  it('stays at 2 MiB (RULE_MAX_CHUNK_SIZE) beyond 2,000 × 2 MiB, where the count grows', () => {
    const huge = TARGET_CHUNKS_PER_FILE * RULE_MAX_CHUNK_SIZE + 1
    expect(RULE_MAX_CHUNK_SIZE).toBe(2 * MiB)
    expect(RULE_MAX_CHUNK_SIZE).toBeLessThanOrEqual(MAX_CHUNK_SIZE)
    expect(chunkSizeFor(huge)).toBe(RULE_MAX_CHUNK_SIZE)
    expect(chunkCount(huge, RULE_MAX_CHUNK_SIZE)).toBe(2001)
    expect(chunkSizeFor(2 ** 50)).toBe(RULE_MAX_CHUNK_SIZE)
  })

  it('gives the sizes documented in chunking.ts and docs/PROTOCOL.md', () => {
    // a photo of a few MiB in chunks of 1 MiB: each chunk costs both sides a fixed ~120–150 µs (chunking.ts)
    expect(RULE_MIN_CHUNK_SIZE).toBe(MiB)
    expect(chunkSizeFor(300 * KiB)).toBe(MiB)
    expect(chunkSizeFor(500 * MiB + 1)).toBe(MiB)
    expect(chunkSizeFor(2000 * MiB)).toBe(MiB)
    expect(chunkSizeFor(2000 * MiB + 1)).toBe(2 * MiB)
    expect(chunkSizeFor(10 * 1024 * MiB)).toBe(2 * MiB) // a 10 GiB video: 5,120 chunks, 160 KiB of hashes
    expect(chunkCount(10 * 1024 * MiB, 2 * MiB)).toBe(5120)
  })

  it('is a valid power of two giving at most 2,000 chunks for sizes up to 2,000 × 2 MiB', () => {
    for (let i = 0; i < 2000; i++) {
      const size = Math.floor(Math.random() * TARGET_CHUNKS_PER_FILE * RULE_MAX_CHUNK_SIZE)
      const c = chunkSizeFor(size)
      expect(isValidChunkSize(c)).toBe(true)
      expect(chunkCount(size, c)).toBeLessThanOrEqual(TARGET_CHUNKS_PER_FILE)
    }
  })

  it('rejects sizes that are not non-negative safe integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => chunkSizeFor(bad)).toThrow(expect.objectContaining({ code: 'E_BAD_REQUEST' }))
    }
  })

  it('isValidChunkSize accepts only powers of two in [256 KiB, 16 MiB]', () => {
    expect([MIN_CHUNK_SIZE, MiB, MAX_CHUNK_SIZE].every(isValidChunkSize)).toBe(true)
    expect([0, 1, MIN_CHUNK_SIZE / 2, MIN_CHUNK_SIZE + 1, 2 * MAX_CHUNK_SIZE, 3 * MiB].some(isValidChunkSize)).toBe(false)
  })
})

describe.each(SIZES)('$name ($size bytes)', ({ size, chunkSize, chunks }) => {
  it('has the expected chunk size and count', () => {
    expect(chunkSizeFor(size)).toBe(chunkSize)
    expect(chunkCount(size, chunkSize)).toBe(chunks)
  })

  it('has contiguous ranges covering the file, all full but the last', () => {
    let next = 0
    for (let i = 0; i < chunks; i++) {
      const r = chunkRange(i, size, chunkSize)
      expect(r.offset).toBe(next)
      expect(r.length).toBeGreaterThan(0)
      if (i < chunks - 1) expect(r.length).toBe(chunkSize)
      next += r.length
    }
    expect(next).toBe(size)
    expect(() => chunkRange(chunks, size, chunkSize)).toThrow(expect.objectContaining({ code: 'E_BAD_REQUEST' }))
    expect(() => chunkRange(-1, size, chunkSize)).toThrow(expect.objectContaining({ code: 'E_BAD_REQUEST' }))
  })
})

describe('hashFileChunks on real files', () => {
  let dir: string
  let pool: HashPool
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-chunking-'))
    pool = createHashPool()
  })
  afterAll(async () => {
    await pool.close()
    rmSync(dir, { recursive: true, force: true })
  })

  /** Random bytes for small files; large ones are sparse with a distinct marker at each 64 KiB. */
  function makeFile (name: string, size: number): string {
    const path = join(dir, name)
    const fd = openSync(path, 'w')
    try {
      if (size <= 16 * MiB) {
        if (size > 0) writeSync(fd, randomBytes(size))
      } else {
        ftruncateSync(fd, size)
        for (let off = 0; off < size; off += 64 * KiB) writeSync(fd, randomBytes(Math.min(16, size - off)), 0, undefined, off)
        writeSync(fd, randomBytes(1), 0, 1, size - 1)
      }
    } finally {
      closeSync(fd)
    }
    return path
  }

  function hashRangesDirectly (path: string, size: number, chunkSize: number): string[] {
    const fd = openSync(path, 'r')
    const buf = new Uint8Array(chunkSize)
    try {
      return Array.from({ length: chunkCount(size, chunkSize) }, (_, i) => {
        const { offset, length } = chunkRange(i, size, chunkSize)
        expect(readSync(fd, buf, 0, length, offset)).toBe(length)
        return Buffer.from(blake3(buf.subarray(0, length))).toString('hex')
      })
    } finally {
      closeSync(fd)
    }
  }

  it.each(SIZES)('$name: same hashes as hashing the ranges directly', async ({ name, size, chunkSize, chunks }) => {
    const path = makeFile(name.replace(/\W+/g, '_'), size)
    const seen = new Set<number>()
    let bytes = 0
    const got = await pool.hashFileChunks(path, chunkSize, {
      onChunk: (i, digest, length) => { seen.add(i); bytes += length; expect(digest.length).toBe(32) }
    })
    expect(got).toHaveLength(chunks)
    expect(seen.size).toBe(chunks)
    expect(bytes).toBe(size)
    expect([...got].map(d => Buffer.from(d).toString('hex'))).toEqual(hashRangesDirectly(path, size, chunkSize))
    rmSync(path)
  })

  it('gives the same hashes whatever the pool size (1, 3 workers)', async () => {
    const size = 5 * MiB + 3
    const path = makeFile('pools', size)
    const expected = hashRangesDirectly(path, size, CHUNK)
    for (const n of [1, 3]) {
      const p = createHashPool({ size: n })
      try {
        const got = await p.hashFileChunks(path, CHUNK)
        expect([...got].map(d => Buffer.from(d).toString('hex'))).toEqual(expected)
      } finally {
        await p.close()
      }
    }
  })
})

describe('chunks of zeros (sparse files)', () => {
  it('a whole chunk of zeros is known by its hash; a last, shorter one and one with a byte set are not; an offer counts the bytes never written', async () => {
    const { hash } = await import('../../src/transfer/manifest/blake3.js')
    const { isZeroChunk, zeroBytes } = await import('../../src/transfer/receive/zero-chunks.ts')
    const cs = 256 * 1024
    const zero = hash(new Uint8Array(cs))
    const oneSet = new Uint8Array(cs)
    oneSet[cs - 1] = 1
    // 3 whole chunks (zeros, data, zeros) and a last one of 10 zero bytes
    const entry = { kind: 'file', size: 3 * cs + 10, chunkSize: cs, chunks: ChunkHashes.of([zero, hash(oneSet), zero, hash(new Uint8Array(10))]) }
    expect([0, 1, 2, 3].map((c) => isZeroChunk(entry, c))).toEqual([true, false, true, false])
    expect(zeroBytes([entry, { ...entry, kind: 'dir' }])).toBe(2 * cs)
  })
})
