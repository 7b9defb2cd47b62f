// The state database's failures about the disk or the file come out with a
// code (E_NO_SPACE, E_IO), not E_INTERNAL, and a transaction that SQLite
// rolled back by itself (a full disk) reports the real error, not
// "cannot rollback - no transaction is active" (review finding).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DatabaseSync } from 'node:sqlite'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { toFerryError } from '../../src/errors.ts'
import { HashCacheStore, openDb } from '../../src/store/index.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

let dir: string
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'ferry-store-errors-')) })
afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

const identity = (n: number): { dev: bigint, ino: bigint, size: bigint, mtimeNs: bigint, ctimeNs: bigint } => ({ dev: 1n, ino: BigInt(n), size: 1n << 20n, mtimeNs: 1n, ctimeNs: 1n })

describe('state database errors', () => {
  it('a database that cannot grow (SQLITE_FULL) is E_NO_SPACE; a file that is not a database is E_IO, naming the database', () => {
    const db = new DatabaseSync(':memory:')
    db.exec('CREATE TABLE t (x BLOB); PRAGMA max_page_count = 10')
    let full: unknown
    try { for (let i = 0; i < 100; i++) db.prepare('INSERT INTO t VALUES (?)').run(Buffer.alloc(4096)) } catch (err) { full = err }
    expect(toFerryError(full)).toMatchObject({ code: 'E_NO_SPACE', message: expect.stringMatching(/state database cannot grow: database or disk is full/) })
    const path = join(dir, 'garbage.db')
    writeFileSync(path, 'x'.repeat(5000))
    let garbage: unknown
    try { new DatabaseSync(path).exec('SELECT * FROM sqlite_master') } catch (err) { garbage = err }
    expect(toFerryError(garbage)).toMatchObject({ code: 'E_IO', message: expect.stringMatching(/state database: file is not a database/) })
  })

  it('a database whose disk failed a write or turned read-only says so, not "disk I/O error" alone (helper finding: ferry\'s home on a disk the kernel made read-only mid-receive)', () => {
    // SQLITE_IOERR_WRITE (778): what SQLite answers when the write(2) under it fails with EROFS or EIO
    const ioerr = Object.assign(new Error('disk I/O error'), { code: 'ERR_SQLITE_ERROR', errcode: 778 })
    expect(toFerryError(ioerr)).toMatchObject({ code: 'E_IO', message: 'the state database: disk I/O error (the disk that holds ferry\'s home failed a write, or is read-only now: see the system log, dmesg)' })
    const path = join(dir, 'ro.db')
    new DatabaseSync(path).exec('CREATE TABLE t (x)')
    let ro: unknown
    try { new DatabaseSync(path, { readOnly: true }).exec('INSERT INTO t VALUES (1)') } catch (err) { ro = err }
    expect(toFerryError(ro)).toMatchObject({ code: 'E_IO', message: 'the state database: attempt to write a readonly database (the disk that holds ferry\'s home is read-only now, or the database is not writable by the user the daemon runs as)' })
  })

  it('a transaction that fills the database fails with the disk-full error, and the store goes on (SQLite had rolled it back itself)', () => {
    const db = openDb(join(dir, 'ferry.db'))
    const cache = new HashCacheStore(db)
    db.exec('PRAGMA max_page_count = ' + String((db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count + 2))
    const many = Array.from({ length: 50 }, (_, i) => ({ path: `/f${i}`, id: identity(i), chunkSize: 1 << 20, chunks: ChunkHashes.of(Array.from({ length: 64 }, () => new Uint8Array(32).fill(i))) }))
    let err: unknown
    try { cache.putAll(many) } catch (e) { err = e }
    expect(err).toBeDefined()
    expect(toFerryError(err).code).toBe('E_NO_SPACE')
    expect(db.isTransaction).toBe(false)
    // room again: the same store writes
    db.exec('PRAGMA max_page_count = 100000')
    cache.putAll(many.slice(0, 2))
    expect(cache.get('/f1', identity(1), 1 << 20)).toHaveLength(64)
    db.close()
  })
})
