// Opens the daemon's one SQLite file (node:sqlite) and applies schema
// migrations in order. Only the daemon process ever opens it (peekMeta
// reads one value, read-only, before the daemon does).

import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { DatabaseSync, type StatementSync } from 'node:sqlite'
import { FerryError, toFerryError } from '../errors.ts'

/** The schema's steps, in order: the database's schema_version is how many it has taken (exported for tests that stage an older schema). */
export const MIGRATIONS: readonly string[] = [
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
   );`,
  // transfers: one row per transfer on either side; the manifest is kept as the
  // encoded offer so a restarted daemon can resume (receiver) or serve (sender)
  `CREATE TABLE transfers (
     id TEXT PRIMARY KEY,
     direction TEXT NOT NULL,
     peer_id TEXT NOT NULL,
     peer_name TEXT NOT NULL DEFAULT '',
     state TEXT NOT NULL,
     root BLOB NOT NULL,
     offer BLOB NOT NULL,
     sources TEXT,
     total_bytes INTEGER NOT NULL,
     done_bytes INTEGER NOT NULL DEFAULT 0,
     wire_bytes INTEGER NOT NULL DEFAULT 0,
     receive_dir TEXT,
     error_code TEXT,
     error_message TEXT,
     receipt_sig BLOB,
     receipt_verified INTEGER NOT NULL DEFAULT 0,
     resumed INTEGER NOT NULL DEFAULT 0,
     created_at INTEGER NOT NULL,
     finished_at INTEGER
   );
   CREATE INDEX transfers_state ON transfers(state);
   CREATE TABLE transfer_files (
     transfer_id TEXT NOT NULL REFERENCES transfers(id) ON DELETE CASCADE,
     idx INTEGER NOT NULL,
     done INTEGER NOT NULL DEFAULT 0,
     bitmap BLOB,
     dest TEXT,
     PRIMARY KEY (transfer_id, idx)
   );
   CREATE TABLE file_index (
     path TEXT PRIMARY KEY,
     file_root BLOB NOT NULL,
     size INTEGER NOT NULL,
     mtime_ms INTEGER NOT NULL
   );
   CREATE TABLE chunk_index (
     hash BLOB NOT NULL,
     path TEXT NOT NULL,
     offset INTEGER NOT NULL,
     length INTEGER NOT NULL
   );
   CREATE INDEX chunk_index_hash ON chunk_index(hash);
   CREATE INDEX chunk_index_path ON chunk_index(path);`,
  // the number of entries, so history can say "12 files" without decoding offers
  'ALTER TABLE transfers ADD COLUMN file_count INTEGER NOT NULL DEFAULT 0',
  // the sender's chunk hashes of files it hashed, by path and identity
  // (hash-cache.ts); 64-bit device, inode and nanosecond times as decimal text
  `CREATE TABLE hash_cache (
     path TEXT PRIMARY KEY,
     dev TEXT NOT NULL,
     ino TEXT NOT NULL,
     size INTEGER NOT NULL,
     mtime_ns TEXT NOT NULL,
     ctime_ns TEXT NOT NULL,
     chunk_size INTEGER NOT NULL,
     chunks BLOB NOT NULL,
     used_at INTEGER NOT NULL
   );
   CREATE INDEX hash_cache_used ON hash_cache(used_at);`,
  // what a receive's first plan found without the wire (dedup, files already
  // in place); NULL until it has planned. Lets a restart after a crash tell
  // how much of what it holds came over the wire (receiver.ts)
  'ALTER TABLE transfers ADD COLUMN local_bytes INTEGER',
  // a file may sit under "name (1).ext" (its name was taken): found by its content (receive-plan.ts alreadyInPlace)
  'CREATE INDEX file_index_root ON file_index(file_root)',
  // a receipt for a transfer done without some files (the sender's copies
  // changed or went away): the bit set of those entries, as signed; NULL for all of it
  'ALTER TABLE transfers ADD COLUMN receipt_missing BLOB',
  // a send's paths left out (and of those, for a problem): `ferry transfers`
  // says so after the send has left memory (review finding: shown done)
  'ALTER TABLE transfers ADD COLUMN skipped_count INTEGER NOT NULL DEFAULT 0',
  'ALTER TABLE transfers ADD COLUMN skipped_failed INTEGER NOT NULL DEFAULT 0',
  // a received file's inode and status-change time (ns, decimal text) as
  // placed: content rewritten with its old modification time put back
  // (`cp -p`, `rsync -t`, `touch -r`) moves the change time, which no program
  // can set back, so the receiver no longer takes such a file for the one it
  // received (review finding: it signed a receipt for it). NULL in rows from
  // before: taken on trust once, then recorded (receive-plan.ts holds).
  // managed: 0 once the file was found changed here or was adopted, so its
  // time and mode are the person's and no offer changes them (NULL: ferry's)
  `ALTER TABLE file_index ADD COLUMN ino TEXT;
   ALTER TABLE file_index ADD COLUMN ctime_ns TEXT;
   ALTER TABLE file_index ADD COLUMN managed INTEGER;
   ALTER TABLE transfers ADD COLUMN renamed_count INTEGER NOT NULL DEFAULT 0`,
  // peers unpaired here while they could not be told: told when next online,
  // also after a restart (user-test finding: kept in memory, it was lost with
  // the daemon, and the peer listed us as paired until it tried a send)
  'CREATE TABLE untold_unpairs (peer_id TEXT PRIMARY KEY, unpaired_at INTEGER NOT NULL)',
  // why the receive folder refused entries of a receipt (JSON, the first 20
  // as told to the sender): a receipt sent again says it too
  'ALTER TABLE transfers ADD COLUMN receipt_refused TEXT',
  // a send's skipped paths with why (JSON, the first SKIPPED_SHOWN as shown,
  // those skipped for a problem first), recorded from its offer on: `ferry
  // transfers --json` still names them after the daemon let the send go
  // (user-test finding: only the counts were kept), and a send reloaded
  // after a restart still counts them (review finding)
  'ALTER TABLE transfers ADD COLUMN skipped TEXT',
  // what a transfer carries, in a few words ("trip", "a.jpg and 2 more"):
  // `ferry transfers` and the TUI's history said only "1 file, 381.5 MiB"
  // (user-test finding); NULL in rows from before
  'ALTER TABLE transfers ADD COLUMN label TEXT',
  // receive only: the mount point its receive folder was on as it began
  // (Linux; NULL until its first run, or where it cannot be told): a daemon
  // restarted while that disk is away finds a folder of the disk below
  // instead, and must not receive into it (receiver.ts)
  'ALTER TABLE transfers ADD COLUMN receive_mount TEXT',
  // the files a transfer placed under another name, theirs being taken there
  // (JSON, [{path, as}], a folder also with folder: true and its files'
  // count, the first RENAMED_SHOWN, at most 8 KiB of them), at
  // its end: `ferry wait` and `ferry transfers --json` still list them after
  // the daemon let the transfer go (user-test finding: the count alone was kept)
  'ALTER TABLE transfers ADD COLUMN renamed TEXT',
  // send only: the files of its offer the sender gave up serving (changed,
  // removed or unreadable since the offer), each with why in its own words
  // (`why` without the path, `said` the whole sentence) and the reason told
  // to the receiver. Kept in memory only, a send resumed after a restart
  // worded them from the receipt alone ("changed, removed or unreadable")
  `CREATE TABLE send_given_up (
     transfer_id TEXT NOT NULL REFERENCES transfers(id) ON DELETE CASCADE,
     idx INTEGER NOT NULL,
     why TEXT NOT NULL,
     said TEXT NOT NULL,
     reason TEXT,
     PRIMARY KEY (transfer_id, idx)
   )`,
  // receive only, with its receipt: of the files it did without, how many
  // the sender could not serve (changed, removed, unreadable there); the
  // rest the receive folder refused. `ferry wait` told them apart by the
  // reasons kept (one per folder at fault), not by file. NULL: not recorded
  'ALTER TABLE transfers ADD COLUMN receipt_not_served INTEGER',
  // the folders a transfer carries (its offer's folder entries), as
  // file_count counts its files: a tree of empty folders, once the daemon
  // let it go, was told as "sent 0 files" by `ferry wait`, and a receive
  // never said more (user-test finding). NULL in rows from before
  'ALTER TABLE transfers ADD COLUMN folder_count INTEGER',
  // cancelled or declined: which side ended it, 'here' or 'peer'
  // (TransferInfo.endedBy). NULL in rows from before, and for other states
  'ALTER TABLE transfers ADD COLUMN ended_by TEXT',
  // receive only, ended cancelled or failed: how many of its files were
  // verified and placed in the receive folder, which keep them (TransferInfo.keptFiles);
  // nothing said so (user-test finding). NULL in rows from before and for other ends
  'ALTER TABLE transfers ADD COLUMN kept_files INTEGER',
  // held for a person on the receiving side to accept: how long, in ms (TransferInfo.acceptWaitSeconds); the
  // wait was counted as the transfer's own time (notes' leftover). NULL in rows from before and where none
  'ALTER TABLE transfers ADD COLUMN accept_wait_ms INTEGER',
  // receive only, with its receipt: of the files the receive folder refused,
  // how many it refused before asking for any byte of theirs (a link of its
  // own on the way): `ferry wait` said the wire's bytes counted "what was
  // sent of files the receive folder refused", of which none was (notes'
  // leftover). NULL: not known (fetched ahead of the offer, a run before a
  // restart), and in rows from before
  'ALTER TABLE transfers ADD COLUMN receipt_refused_unfetched INTEGER',
  // the address a person gave for the peer with `ferry connect` (a
  // multiaddr), which it answered at: dialled again while it is paired,
  // whatever it announces. Kept only while that connection was open, the next
  // identify dropped it, and a device on a VPN or another subnet, announcing
  // addresses unreachable from here, was not reached again (notes' leftover).
  // NULL: none given (and in rows from before)
  'ALTER TABLE peers ADD COLUMN connect_addr TEXT',
  // a transfer's manifest (the encoded offer) and a send's source paths, in a
  // table of their own: in the transfers row, every progress update (once a
  // second) rewrote the row with them, and every summary read past them, 32 MB
  // of offer and 16 MB of sources for 30,000 files with long paths (40 % of
  // both daemons' CPU, ~30 MB a second written to the WAL: user-test finding).
  // transfers.offer and .sources stay, empty, in rows from this on
  `CREATE TABLE transfer_manifests (
     transfer_id TEXT PRIMARY KEY REFERENCES transfers(id) ON DELETE CASCADE,
     offer BLOB NOT NULL,
     sources TEXT
   );
   INSERT INTO transfer_manifests (transfer_id, offer, sources)
     SELECT id, offer, sources FROM transfers WHERE length(offer) > 0 OR sources IS NOT NULL;
   UPDATE transfers SET offer = x'', sources = NULL WHERE length(offer) > 0 OR sources IS NOT NULL`,
  // receive only, cancelled on this device: the verified bytes of its files
  // not yet whole that the cancel removed with its part folder
  // (TransferInfo.droppedBytes); the cancel said the files kept, nothing of
  // what went (notes' leftover). NULL: none removed, and in rows from before
  'ALTER TABLE transfers ADD COLUMN dropped_bytes INTEGER',
  // send only, done: its files changed on this device after the offer whose
  // receiver has them as offered (copied from what it held, or served
  // before the change): how many, and the first 20 source paths
  // (TransferInfo.changedAfterOffer). NULL: none, not looked at (a send
  // taken up again after a restart), and in rows from before
  `ALTER TABLE transfers ADD COLUMN changed_after_count INTEGER;
   ALTER TABLE transfers ADD COLUMN changed_after TEXT`,
  // how long it waited in state `waiting` (its peer away, its turn, room),
  // ms, and since when it waits now (ms since the epoch; NULL: not waiting):
  // counted apart from its own time (wait-clock.ts). NULL in rows from before
  `ALTER TABLE transfers ADD COLUMN waited_ms INTEGER;
   ALTER TABLE transfers ADD COLUMN waiting_since INTEGER`,
  // listings go newest ended first, by when they ended, as their WHEN column
  // says (TransferStore.list; user-test finding: sorted by their start, they
  // read out of order)
  'CREATE INDEX transfers_ended ON transfers(COALESCE(finished_at, created_at))',
  // of waited_ms, by what it waited for (JSON: {"peer": ms, "down": ms, …},
  // WaitCause), and what the wait under way is for: a summary names the
  // cause (user-test finding: it listed every cause there could be). NULL in
  // rows from before
  `ALTER TABLE transfers ADD COLUMN waited_by TEXT;
   ALTER TABLE transfers ADD COLUMN waiting_cause TEXT`
]

export type Db = DatabaseSync

/**
 * `fn` in one transaction (BEGIN … COMMIT), or in the one already open; its
 * value returned. SQLite rolls back by itself on some errors (a full disk):
 * ROLLBACK then throws and hides the error, so it is sent only while the
 * transaction is still open.
 */
export function inTransaction<T> (db: Db, fn: () => T): T {
  if (db.isTransaction) return fn()
  db.exec('BEGIN')
  try {
    const out = fn()
    db.exec('COMMIT')
    return out
  } catch (err) {
    if (db.isTransaction) db.exec('ROLLBACK')
    throw err
  }
}

/** Free pages a database keeps before reclaimFreePages gives them back: 4 MiB of 4 KiB pages. */
export const RECLAIM_MIN_FREE_PAGES = 1024

/**
 * Give the database's free pages back to the file system, once there are
 * `minFreePages` of them: SQLite reuses a freed page but never shrinks the
 * file by itself, so a state database stayed at the size of its largest
 * moment (12 MB after one send of 30,000 files, its manifest forgotten 30
 * days later). Incremental (the pages moved to the end, then cut off), or
 * for a file made before auto_vacuum was set a VACUUM, once: it rewrites the
 * file (seconds for hundreds of MB, twice its size on the disk meanwhile)
 * and leaves it incremental. Returns the bytes given back.
 */
export function reclaimFreePages (db: Db, minFreePages = RECLAIM_MIN_FREE_PAGES): number {
  const free = pragmaNumber(db, 'freelist_count')
  if (free < minFreePages) return 0
  if (pragmaNumber(db, 'auto_vacuum') === 2) db.exec('PRAGMA incremental_vacuum')
  else db.exec('VACUUM')
  // the file is cut at the checkpoint; TRUNCATE empties the write-ahead log too, which held the pages moved
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  return (free - pragmaNumber(db, 'freelist_count')) * pragmaNumber(db, 'page_size')
}

function pragmaNumber (db: Db, name: string): number {
  const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown> | undefined
  return Number(row == null ? 0 : Object.values(row)[0])
}

/**
 * Prepared statements, compiled once per SQL text and reused: a receiver
 * writes a few rows per file (its state, the dedup index), and preparing
 * them anew for each of 1,000 photos showed up in the profile.
 */
export function statementCache (db: Db): (sql: string) => StatementSync {
  const cache = new Map<string, StatementSync>()
  return (sql) => {
    let st = cache.get(sql)
    if (st == null) {
      st = db.prepare(sql)
      cache.set(sql, st)
    }
    return st
  }
}

export interface OpenOptions {
  /** Called when the file held no ferry state (made now, or emptied): a home that had a daemon before has lost its pairings. */
  onNew?: () => void
}

/**
 * A value of the meta table of the database at `path`, read before the
 * daemon opens it (the receive folder's last mount, receive-mount.ts, is
 * wanted before the folder is made at start); undefined where there is
 * none, or the file is not there or cannot be read so.
 */
export function peekMeta (path: string, key: string): string | undefined {
  if (!existsSync(path)) return undefined
  let db: DatabaseSync | undefined
  try {
    db = new DatabaseSync(path, { readOnly: true })
    return (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value
  } catch {
    return undefined
  } finally {
    try { db?.close() } catch {}
  }
}

/** The meta key of the mount point `receiveDir` was last seen on (receive-mount.ts). */
export function receiveMountKey (receiveDir: string): string {
  return `receive_mount:${resolve(receiveDir)}`
}

/**
 * Open (or make) the state database at `path` and bring its schema up to
 * date. Fails with E_IO naming the file when it is not a database, damaged,
 * or cannot be written (a read-only file or file system: found now, with a
 * write, not at the first pairing or transfer; review finding), E_NO_SPACE
 * when its disk is full, E_STORE_NEWER when a newer ferry wrote it.
 */
export function openDb (path: string, options: OpenOptions = {}): Db {
  try {
    return openAndMigrate(path, options)
  } catch (err) {
    if (err instanceof FerryError) throw err
    const fe = toFerryError(err, 'E_IO')
    throw new FerryError(fe.code, `${path}: ${fe.message}`, { cause: err })
  }
}

function openAndMigrate (path: string, options: OpenOptions): Db {
  const db = new DatabaseSync(path)
  // pages freed (manifests forgotten, the hash cache pruned) can be given back
  // to the file system (reclaimFreePages): taken by a new file here, before
  // anything is written to it (the switch to WAL writes its first page); one
  // made before 2026-12-07 takes it at its first VACUUM
  db.exec('PRAGMA auto_vacuum = INCREMENTAL')
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;')
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)')
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined
  let version = row == null ? 0 : Number(row.value)
  if (!Number.isSafeInteger(version) || version < 0) {
    db.close()
    throw new FerryError('E_IO', `${path}: schema version ${JSON.stringify(row?.value)} is not a number; the file is damaged`)
  }
  if (version === 0) options.onNew?.()
  // written by a newer ferry: its tables are not what this one knows (review finding: it was used as if they were)
  if (version > MIGRATIONS.length) {
    db.close()
    throw new FerryError('E_STORE_NEWER', `${path} was written by a newer ferry (schema ${version}; this one knows up to ${MIGRATIONS.length}); update ferry, or use another --home`)
  }
  while (version < MIGRATIONS.length) {
    inTransaction(db, () => {
      db.exec(MIGRATIONS[version])
      version++
      db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(version))
    })
  }
  try {
    db.prepare("INSERT INTO meta (key, value) VALUES ('opened_at', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(Date.now()))
  } catch (err) {
    db.close()
    throw err
  }
  return db
}
