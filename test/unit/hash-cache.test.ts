// The sender's hash cache on a real SQLite file: hits only for the same
// file (path and identity) and chunk size, and bounded by least recent use.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { HashCacheStore, openDb, type FileIdentity } from '../../src/store/index.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

const dir = mkdtempSync(join(tmpdir(), 'ferry-hash-cache-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

const id: FileIdentity = { dev: 2049n, ino: 1234567890123n, size: 600_000n, mtimeNs: 1764633600123456789n, ctimeNs: 1764633600223456789n }
const chunks = ChunkHashes.of([new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), new Uint8Array(32).fill(3)])

describe('HashCacheStore', () => {
  it('gives back the chunk hashes for the same path, identity (64-bit values and nanoseconds exact) and chunk size, and survives a reopen', () => {
    const path = join(dir, 'a.db')
    const c = new HashCacheStore(openDb(path))
    c.put('/photos/a.jpg', id, 262144, chunks)
    expect(c.get('/photos/a.jpg', id, 262144)).toEqual(chunks)
    const reopened = new HashCacheStore(openDb(path))
    expect(reopened.get('/photos/a.jpg', id, 262144)).toEqual(chunks)
  })

  it('misses for another path, chunk size, or any field of the identity', () => {
    const c = new HashCacheStore(openDb(join(dir, 'b.db')))
    c.put('/photos/a.jpg', id, 262144, chunks)
    expect(c.get('/photos/b.jpg', id, 262144)).toBeUndefined()
    expect(c.get('/photos/a.jpg', id, 524288)).toBeUndefined()
    for (const k of ['dev', 'ino', 'size', 'mtimeNs', 'ctimeNs'] as const) {
      expect(c.get('/photos/a.jpg', { ...id, [k]: id[k] + 1n }, 262144), k).toBeUndefined()
    }
    c.put('/photos/a.jpg', { ...id, ctimeNs: id.ctimeNs + 1n }, 262144, ChunkHashes.of([chunks.at(0)])) // the file changed: replaced
    expect(c.get('/photos/a.jpg', id, 262144)).toBeUndefined()
    expect(c.size).toBe(1)
  })

  it('keeps at most maxEntries, dropping the least recently used', () => {
    const c = new HashCacheStore(openDb(join(dir, 'c.db')), { maxEntries: 3 })
    for (const name of ['1', '2', '3']) c.put(`/f/${name}`, id, 262144, chunks)
    expect(c.get('/f/1', id, 262144)).toEqual(chunks) // used again: now the most recent
    for (const name of ['4', '5']) c.put(`/f/${name}`, id, 262144, chunks)
    c.prune()
    expect(c.size).toBe(3)
    expect(c.get('/f/1', id, 262144)).toEqual(chunks)
    expect(c.get('/f/2', id, 262144)).toBeUndefined()
  })
})

describe('HashCacheStore.putAll', () => {
  it('stores every entry of a manifest in one transaction, and none when one fails', () => {
    const c = new HashCacheStore(openDb(join(dir, 'd.db')))
    c.putAll([1, 2, 3].map((n) => ({ path: `/f/${n}`, id, chunkSize: 262144, chunks })))
    expect(c.size).toBe(3)
    const bad = { path: '/f/4', id, chunkSize: 262144, chunks: { bytes: Symbol('not bytes') } as unknown as ChunkHashes } // not bytes: the insert throws
    expect(() => { c.putAll([{ path: '/f/5', id, chunkSize: 262144, chunks }, bad]) }).toThrow()
    expect(c.size).toBe(3)
    expect(c.get('/f/5', id, 262144)).toBeUndefined()
  })
})

describe('HashCacheStore.forget', () => {
  it('drops exactly the given paths', () => {
    const c = new HashCacheStore(openDb(join(dir, 'e.db')))
    c.putAll([1, 2, 3].map((n) => ({ path: `/f/${n}`, id, chunkSize: 262144, chunks })))
    c.forget(['/f/1', '/f/3', '/f/never-stored'])
    expect(c.size).toBe(1)
    expect(c.get('/f/2', id, 262144)).toEqual(chunks)
  })
})
