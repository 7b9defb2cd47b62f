// The state database gives freed pages back to the file system
// (reclaimFreePages): SQLite reuses a freed page but never shrinks the file,
// so a daemon's database stayed at the size of its largest moment.

import { afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { RECLAIM_MIN_FREE_PAGES, openDb, reclaimFreePages } from '../../src/store/db.ts'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

function tempDb (): string {
  const d = mkdtempSync(join(tmpdir(), 'ferry-db-reclaim-'))
  dirs.push(d)
  return join(d, 'ferry.db')
}

/** ~16 MiB of rows in a table of its own, then all of them deleted: free pages the file keeps */
function fillAndEmpty (db: DatabaseSync | ReturnType<typeof openDb>): void {
  db.exec('CREATE TABLE IF NOT EXISTS bulk (b BLOB)')
  const put = db.prepare('INSERT INTO bulk (b) VALUES (?)')
  db.exec('BEGIN')
  for (let i = 0; i < 4000; i++) put.run(Buffer.alloc(4000, i % 251))
  db.exec('COMMIT')
  db.exec('DELETE FROM bulk')
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
}

const pragma = (db: ReturnType<typeof openDb>, name: string): number => Number(Object.values(db.prepare(`PRAGMA ${name}`).get() as object)[0])

describe('reclaimFreePages', () => {
  it('a database made now is incremental: its free pages go back, and the file shrinks', () => {
    const path = tempDb()
    const db = openDb(path)
    try {
      expect(pragma(db, 'auto_vacuum')).toBe(2)
      fillAndEmpty(db)
      const big = statSync(path).size
      expect(pragma(db, 'freelist_count')).toBeGreaterThan(RECLAIM_MIN_FREE_PAGES)
      const bytes = reclaimFreePages(db)
      expect(bytes).toBeGreaterThan(15 * 2 ** 20)
      expect(pragma(db, 'freelist_count')).toBe(0)
      expect(statSync(path).size).toBeLessThan(big - 15 * 2 ** 20)
      // nothing more to give: nothing done
      expect(reclaimFreePages(db)).toBe(0)
    } finally { db.close() }
  })

  it('a database from before (auto_vacuum none) is rewritten once by VACUUM, and is incremental from then on; its rows kept', () => {
    const path = tempDb()
    const old = new DatabaseSync(path)
    old.exec('PRAGMA journal_mode = WAL; PRAGMA auto_vacuum = NONE')
    old.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)')
    fillAndEmpty(old)
    old.close()
    const db = openDb(path)
    try {
      expect(pragma(db, 'auto_vacuum')).toBe(0)
      const big = statSync(path).size
      const kept = (db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value
      expect(reclaimFreePages(db)).toBeGreaterThan(15 * 2 ** 20)
      expect(pragma(db, 'auto_vacuum')).toBe(2)
      expect(statSync(path).size).toBeLessThan(big - 15 * 2 ** 20)
      expect((db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value).toBe(kept)
    } finally { db.close() }
  })

  it('fewer free pages than the threshold: left as they are', () => {
    const path = tempDb()
    const db = openDb(path)
    try {
      db.exec('CREATE TABLE bulk (b BLOB)')
      db.prepare('INSERT INTO bulk (b) VALUES (?)').run(Buffer.alloc(400_000))
      db.exec('DELETE FROM bulk')
      const free = pragma(db, 'freelist_count')
      expect(free).toBeGreaterThan(0)
      expect(reclaimFreePages(db)).toBe(0)
      expect(pragma(db, 'freelist_count')).toBe(free)
    } finally { db.close() }
  })
})
