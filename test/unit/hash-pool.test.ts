// The hash pool: digests agree with an independent BLAKE3 (blake3-wasm),
// buffers are transferred or copied as asked, cancellation works at every
// stage, file errors map to ferry codes, and close() leaves no threads.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { hash as blake3Wasm } from 'blake3-wasm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MIN_CHUNK_SIZE, blake3, createHashPool } from '../../src/transfer/index.ts'
import { createHasher, implementation } from '../../src/transfer/manifest/blake3.js'
import { hash as jitHash } from 'blake3-jit'
import type { HashPool } from '../../src/transfer/index.ts'

const EMPTY = 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262'
const hex = (d: Uint8Array): string => Buffer.from(d).toString('hex')
const code = (c: string): unknown => expect.objectContaining({ code: c })
/** blake3-wasm, the independent implementation (its typings also allow a string result). */
const wasmHash = (d: Uint8Array): Uint8Array => blake3Wasm(d) as Buffer
/** Each MIN_CHUNK_SIZE chunk of `data` hashed on its own with blake3-wasm, in hex. */
const chunkDigests = (data: Uint8Array): string[] => Array.from({ length: Math.ceil(data.length / MIN_CHUNK_SIZE) }, (_, i) => hex(wasmHash(data.subarray(i * MIN_CHUNK_SIZE, (i + 1) * MIN_CHUNK_SIZE))))
// Around BLAKE3's 64-byte block and 1 KiB chunk boundaries, and blake3-jit's SIMD threshold.
const LENGTHS = [0, 1, 63, 64, 65, 1023, 1024, 1025, 2048, 4095, 4097, 16 * 1024 + 1, 65536, 1024 * 1024 + 7, 3 * 1024 * 1024]

let dir: string
let pool: HashPool
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-hash-pool-'))
  pool = createHashPool({ size: 2 })
})
afterAll(async () => {
  await pool.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('digests', () => {
  it('hashes the empty input to the BLAKE3 known vector', async () => {
    expect(hex(blake3(new Uint8Array(0)))).toBe(EMPTY)
    expect(hex(await pool.hash(new Uint8Array(0)))).toBe(EMPTY)
    expect(hex(wasmHash(new Uint8Array(0)))).toBe(EMPTY)
  })

  it.each(LENGTHS)('agrees with blake3-wasm on %i random bytes (sync and pool)', async (n) => {
    const data = randomBytes(n)
    const expected = hex(wasmHash(data))
    expect(hex(blake3(data))).toBe(expected)
    expect(hex(await pool.hash(data))).toBe(expected)
  })

  it.each(LENGTHS)('blake3-jit, the fallback where no native binary loads, agrees too on %i bytes', (n) => {
    const data = randomBytes(n)
    expect(hex(jitHash(data))).toBe(hex(wasmHash(data)))
  })

  it.runIf(createHasher() !== undefined).each(LENGTHS)('the streaming hasher (the hash workers read chunks in pieces) agrees on %i bytes fed in uneven pieces, also after a reset mid-input', (n) => {
    const data = randomBytes(n)
    const hasher = createHasher()!
    hasher.update(randomBytes(1000)) // an input abandoned half-way
    hasher.reset()
    for (let at = 0, step = 1; at < n; at += step, step = step * 3 + 7) hasher.update(data.subarray(at, Math.min(n, at + step)))
    expect(hex(hasher.digest())).toBe(hex(wasmHash(data)))
    hasher.reset()
    hasher.update(data)
    expect(hex(hasher.digest())).toBe(hex(wasmHash(data)))
  })

  it.runIf(process.platform === 'linux' && process.arch === 'x64')('uses the native BLAKE3 (@napi-rs/blake-hash) on linux-x64, where it ships a binary', () => {
    expect(implementation).toBe('@napi-rs/blake-hash')
  })

  it('returns a digest in its own 32-byte buffer (posting it to a thread copies 32 bytes, not a slab)', () => {
    const d = blake3(randomBytes(5000))
    expect(d.byteLength).toBe(32)
    expect(d.buffer.byteLength).toBe(32)
  })

  it('hashes many buffers concurrently, each to its own digest', async () => {
    const inputs = Array.from({ length: 50 }, (_, i) => randomBytes(1000 + i * 997))
    const got = await Promise.all(inputs.map(async d => hex(await pool.hash(d))))
    expect(got).toEqual(inputs.map(d => hex(wasmHash(d))))
  })
})

describe('buffer handling', () => {
  it('copies by default: the caller keeps its buffer', async () => {
    const data = new Uint8Array(randomBytes(1000))
    await pool.hash(data)
    expect(data.byteLength).toBe(1000)
  })

  it('transfers a whole buffer when asked: it is detached', async () => {
    const data = new Uint8Array(randomBytes(1000))
    const expected = hex(wasmHash(data))
    expect(hex(await pool.hash(data, { transfer: true }))).toBe(expected)
    expect(data.byteLength).toBe(0)
  })

  it('copies a view into a larger buffer even with transfer, hashing only the view', async () => {
    const big = new Uint8Array(randomBytes(4096))
    const view = big.subarray(100, 300)
    expect(hex(await pool.hash(view, { transfer: true }))).toBe(hex(wasmHash(view)))
    expect(big.byteLength).toBe(4096)
  })

  it('hashes a view on a SharedArrayBuffer', async () => {
    const shared = new Uint8Array(new SharedArrayBuffer(2048))
    shared.set(randomBytes(2048))
    const view = shared.subarray(7, 1500)
    expect(hex(await pool.hash(view, { transfer: true }))).toBe(hex(wasmHash(Buffer.from(view))))
  })
})

describe('cancellation', () => {
  const big = (): string => {
    const path = join(dir, 'big')
    if (!existsSync(path)) writeFileSync(path, randomBytes(64 * 1024 * 1024))
    return path
  }

  it('rejects at once with E_CANCELLED when the signal is already aborted', async () => {
    await expect(pool.hash(new Uint8Array(10), { signal: AbortSignal.abort() })).rejects.toEqual(code('E_CANCELLED'))
    await expect(pool.hashFileChunks(big(), MIN_CHUNK_SIZE, { signal: AbortSignal.abort() })).rejects.toEqual(code('E_CANCELLED'))
  })

  it('stops a file midway, and the pool stays usable', async () => {
    const ac = new AbortController()
    let seen = 0
    const started = Date.now()
    await expect(pool.hashFileChunks(big(), MIN_CHUNK_SIZE, {
      signal: ac.signal,
      onChunk: () => { if (++seen === 3) ac.abort() }
    })).rejects.toEqual(code('E_CANCELLED'))
    expect(seen).toBeLessThan(256)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(hex(await pool.hash(new Uint8Array(0)))).toBe(EMPTY)
    await expect.poll(() => pool.stats().busy).toBe(0)
  })

  it('drops a queued task whose signal aborts before it starts', async () => {
    const one = createHashPool({ size: 1 })
    try {
      // the worker takes two tasks (one waits in its message queue): both taken, the next is queued here
      const size = 64 * 1024 * 1024 // given, so that both are queued at once (no stat first)
      const running = [one.hashFileChunks(big(), MIN_CHUNK_SIZE, { size }), one.hashFileChunks(big(), MIN_CHUNK_SIZE, { size })]
      await expect.poll(() => one.stats().busy).toBe(1)
      expect(one.stats().queued).toBe(0)
      const ac = new AbortController()
      const queued = one.hash(new Uint8Array(100), { signal: ac.signal })
      expect(one.stats().queued).toBe(1)
      ac.abort()
      await expect(queued).rejects.toEqual(code('E_CANCELLED'))
      expect(one.stats().queued).toBe(0)
      for (const r of running) expect(await r).toHaveLength(256)
    } finally {
      await one.close()
    }
  })

  it('stops all ranges of a file when the onChunk callback throws', async () => {
    await expect(pool.hashFileChunks(big(), MIN_CHUNK_SIZE, { onChunk: () => { throw new Error('boom') } }))
      .rejects.toEqual(code('E_INTERNAL'))
    await expect.poll(() => pool.stats().busy).toBe(0)
  })
})

// 1,000 bytes are hashed on the calling thread, 300,000 by a worker: both ways map errors alike
describe.each([['hashed inline', 1000], ['hashed by a worker', 300_000]])('file errors, %s', (_, n) => {
  it('E_PATH_NOT_FOUND for a missing file', async () => {
    await expect(pool.hashFileChunks(join(dir, 'missing'), MIN_CHUNK_SIZE)).rejects.toEqual(code('E_PATH_NOT_FOUND'))
    await expect(pool.hashFileChunks(join(dir, 'missing'), MIN_CHUNK_SIZE, { size: n })).rejects.toEqual(code('E_PATH_NOT_FOUND'))
  })

  it('E_IO when the file does not have the expected size (it changed since the scan)', async () => {
    const path = join(dir, `small-${n}`)
    writeFileSync(path, randomBytes(n))
    await expect(pool.hashFileChunks(path, MIN_CHUNK_SIZE, { size: n + 1000 })).rejects.toEqual(code('E_IO'))
  })

  it('E_PATH_UNSAFE for a symlink (never followed)', async () => {
    const path = join(dir, `small-link-${n}`)
    writeFileSync(join(dir, `target-${n}`), randomBytes(n))
    symlinkSync(join(dir, `target-${n}`), path)
    await expect(pool.hashFileChunks(path, MIN_CHUNK_SIZE)).rejects.toEqual(code('E_PATH_UNSAFE'))
  })

  it('E_IO at once for a FIFO where the file was (opening it does not wait for a writer)', async () => {
    const path = join(dir, `now-a-fifo-${n}`)
    expect(spawnSync('mkfifo', [path]).status).toBe(0)
    await expect(pool.hashFileChunks(path, MIN_CHUNK_SIZE, { size: n })).rejects.toEqual(code('E_IO'))
  })

  it('E_IO for a folder where the file was', async () => {
    const path = join(dir, `now-a-folder-${n}`)
    mkdirSync(path)
    await expect(pool.hashFileChunks(path, MIN_CHUNK_SIZE, { size: n })).rejects.toEqual(code('E_IO'))
  })
})

describe('batches', () => {
  it('a 64 MiB file in two ranges of 32 MiB, each reported in batches of 8 MiB: every digest agrees with hashing its chunk directly', async () => {
    const path = join(dir, 'batched')
    const data = randomBytes(64 * 1024 * 1024 + 12345)
    writeFileSync(path, data)
    const reported = new Map<number, string>()
    const got = [...await pool.hashFileChunks(path, MIN_CHUNK_SIZE, { onChunk: (i, d) => { expect(reported.has(i)).toBe(false); reported.set(i, hex(d)) } })].map(hex)
    const expected = chunkDigests(data)
    expect(got).toEqual(expected)
    expect([...reported.keys()].sort((a, b) => a - b)).toEqual(expected.map((_, i) => i))
    expect(expected.every((d, i) => reported.get(i) === d)).toBe(true)
  })
})

describe('small files', () => {
  it('up to 64 KiB are hashed without a worker; digests agree, onChunk is called', async () => {
    const p = createHashPool({ size: 2 })
    try {
      for (const n of [1, 65535, 65536]) {
        const path = join(dir, `inline-${n}`)
        const data = randomBytes(n)
        writeFileSync(path, data)
        const seen: number[] = []
        expect([...await p.hashFileChunks(path, MIN_CHUNK_SIZE, { onChunk: (_i, _d, length) => seen.push(length) })].map(hex)).toEqual([hex(wasmHash(data))])
        expect(seen).toEqual([n])
      }
      expect(p.stats().workers).toBe(0)
      const path = join(dir, 'inline-65537')
      writeFileSync(path, randomBytes(65537))
      await p.hashFileChunks(path, MIN_CHUNK_SIZE)
      expect(p.stats().workers).toBe(1)
    } finally {
      await p.close()
    }
  })
})

describe('file errors', () => {

  it('E_BAD_REQUEST for a bad chunk size or pool size', async () => {
    const path = join(dir, 'small')
    writeFileSync(path, randomBytes(10))
    await expect(pool.hashFileChunks(path, 0)).rejects.toEqual(code('E_BAD_REQUEST'))
    expect(() => createHashPool({ size: 0 })).toThrow(expect.objectContaining({ code: 'E_BAD_REQUEST' }))
  })
})

describe('close', () => {
  const threads = (): number => readdirSync('/proc/self/task').length
  const procOk = existsSync('/proc/self/task')

  it('terminates every worker, fails in-flight work with E_CANCELLED, refuses new work', async () => {
    const before = procOk ? threads() : 0
    const p = createHashPool({ size: 3 })
    const path = join(dir, 'close-me')
    writeFileSync(path, randomBytes(32 * 1024 * 1024))
    await p.hashFileChunks(path, MIN_CHUNK_SIZE)
    expect(p.stats().workers).toBe(3)
    if (procOk) expect(threads()).toBeGreaterThanOrEqual(before + 3)
    let started!: () => void
    const firstChunk = new Promise<void>(resolve => { started = resolve })
    const inFlight = expect(p.hashFileChunks(path, MIN_CHUNK_SIZE, { onChunk: () => started() })).rejects.toEqual(code('E_CANCELLED'))
    await firstChunk
    await p.close()
    await inFlight
    expect(p.stats()).toEqual({ workers: 0, busy: 0, queued: 0 })
    if (procOk) expect(threads()).toBe(before)
    await expect(p.hash(new Uint8Array(1))).rejects.toEqual(code('E_CANCELLED'))
    await p.close()
  })
})

describe('ranges', () => {
  it('gives a file under 8 MiB to one worker whole, and splits a larger one over the workers; digests agree either way', async () => {
    const p = createHashPool({ size: 2 })
    try {
      const small = join(dir, 'ranges-small')
      const large = join(dir, 'ranges-large')
      const smallData = randomBytes(8 * 1024 * 1024 - 1)
      const largeData = randomBytes(8 * 1024 * 1024 + 3 * MIN_CHUNK_SIZE + 5)
      writeFileSync(small, smallData)
      writeFileSync(large, largeData)
      const seen: number[] = []
      expect([...await p.hashFileChunks(small, MIN_CHUNK_SIZE, { onChunk: (i) => seen.push(i) })].map(hex)).toEqual(chunkDigests(smallData))
      expect(seen).toEqual(Array.from({ length: 32 }, (_, i) => i)) // one range, reported in order
      expect(p.stats().workers).toBe(1)
      expect([...await p.hashFileChunks(large, MIN_CHUNK_SIZE)].map(hex)).toEqual(chunkDigests(largeData))
      expect(p.stats().workers).toBe(2)
    } finally {
      await p.close()
    }
  })
})

describe('the default size', () => {
  it('is a worker per core the machine offers: a large file is split over more than one where there are several (mutation finding: every test gave a size)', async () => {
    const p = createHashPool()
    try {
      const large = join(dir, 'default-size-large')
      const data = randomBytes(32 * 1024 * 1024)
      writeFileSync(large, data)
      expect([...await p.hashFileChunks(large, MIN_CHUNK_SIZE)].map(hex)).toEqual(chunkDigests(data))
      expect(p.stats().workers).toBeGreaterThanOrEqual(Math.min(2, availableParallelism()))
      expect(p.stats().workers).toBeLessThanOrEqual(availableParallelism())
    } finally {
      await p.close()
    }
  })
})

describe('idle workers', () => {
  const threads = (): number => readdirSync('/proc/self/task').length
  const procOk = existsSync('/proc/self/task')

  it('are stopped once idle for idleMs, and the pool starts new ones for the next work', async () => {
    await stat(dir) // Node's file-system threads start with the first fs promise: counted before, not as the pool's
    const before = procOk ? threads() : 0
    const p = createHashPool({ size: 2, idleMs: 1000 })
    try {
      const path = join(dir, 'idle')
      const data = randomBytes(4 * MIN_CHUNK_SIZE)
      writeFileSync(path, data)
      await Promise.all([p.hashFileChunks(path, MIN_CHUNK_SIZE), p.hashFileChunks(path, MIN_CHUNK_SIZE)]) // a small file goes to one worker whole
      expect(p.stats().workers).toBe(2)
      // recently busy: kept
      await new Promise(resolve => setTimeout(resolve, 50))
      expect(p.stats().workers).toBe(2)
      const deadline = Date.now() + 5000
      while (p.stats().workers > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
      expect(p.stats().workers).toBe(0)
      if (procOk) {
        // their threads are gone too (terminate() is asynchronous)
        while (threads() > before && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
        expect(threads()).toBe(before)
      }
      expect(hex(await p.hash(data))).toBe(hex(wasmHash(data)))
      expect(p.stats().workers).toBe(1)
    } finally {
      await p.close()
    }
  })
})
