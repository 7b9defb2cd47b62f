// Opens the daemon's one SQLite file (node:sqlite) and applies schema
// migrations in order. Only the daemon process ever opens it.

import { DatabaseSync } from 'node:sqlite'

const MIGRATIONS: string[] = [
  `CREATE TABLE peers (
     peer_id TEXT PRIMARY KEY,
     name TEXT NOT NULL DEFAULT '',
     addrs TEXT NOT NULL DEFAULT '[]',
     last_seen INTEGER NOT NULL DEFAULT 0
   );
   CREATE TABLE trust (
     peer_id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     paired_at INTEGER NOT NULL,
     auto_accept INTEGER NOT NULL DEFAULT 1
   );`
]

export type Db = DatabaseSync

export function openDb (path: string): Db {
  const db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;')
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)')
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined
  let version = row == null ? 0 : Number(row.value)
  while (version < MIGRATIONS.length) {
    db.exec('BEGIN')
    try {
      db.exec(MIGRATIONS[version])
      version++
      db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(version))
      db.exec('COMMIT')
    } catch (err) {
      db.exec('ROLLBACK')
      throw err
    }
  }
  return db
}
