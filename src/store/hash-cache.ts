// The sender's memory of files it has hashed: a path and the identity of
// the file there (device, inode, size, modification and status-change
// times in nanoseconds) → its chunk size and chunk hashes. Sending the same
// files again (a re-send, a second receiver, a resend after `ferry cancel`)
// then reads nothing: no worker threads, no file bytes.
//
// Why ctime too: it changes with every write and every metadata change and
// cannot be set back by a program (mtime can: `touch -d`, `cp -p`). A file
// whose mtime or ctime is too recent is not stored (manifest.ts), since a
// write in the same clock tick as the hashing would leave both unchanged.
// A stale entry mostly fails a transfer: the receiver checks every chunk
// against the manifest and refuses bytes that do not match, and a transfer
// that fails so forgets its files' entries (src/transfer/send/send-serve.ts), so sending again
// hashes them anew. But old hashes are a valid manifest of the old file:
// where the receiver still holds the old bytes, the old file "arrives",
// verified (user-test finding: an exFAT card, whose ctime follows the
// mtime, and a photo edited with its date kept). So files on file systems
// that keep no change time of their own are never cached (manifest.ts,
// CTIME_NOT_KEPT).
// Bounded: beyond HASH_CACHE_MAX_ENTRIES files the least recently used go.

import { HASH_LENGTH } from '../transfer/manifest/chunking.ts'
import { ChunkHashes } from '../protocol/chunk-hashes.ts'
import { inTransaction, statementCache, type Db } from './db.ts'

export interface FileIdentity {
  dev: bigint
  ino: bigint
  size: bigint
  mtimeNs: bigint
  ctimeNs: bigint
}

/** The same file, unchanged: every field of the identity equal. */
export function sameIdentity (a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs
}

export interface CachedFile {
  path: string
  id: FileIdentity
  chunkSize: number
  chunks: ChunkHashes
}

export const HASH_CACHE_MAX_ENTRIES = 100_000

interface Row { dev: string, ino: string, size: number, mtime_ns: string, ctime_ns: string, chunk_size: number, chunks: Uint8Array }

export class HashCacheStore {
  private readonly db: Db
  private readonly stmt: ReturnType<typeof statementCache>
  private readonly maxEntries: number
  private putsSincePrune = 0
  /** Recency: wall-clock ms, but strictly increasing, so uses in the same ms keep their order. */
  private clock: number

  constructor (db: Db, o: { maxEntries?: number } = {}) {
    this.db = db
    this.stmt = statementCache(db)
    this.maxEntries = o.maxEntries ?? HASH_CACHE_MAX_ENTRIES
    this.clock = (this.stmt('SELECT MAX(used_at) AS t FROM hash_cache').get() as { t: number | null }).t ?? 0
  }

  private now (): number {
    this.clock = Math.max(this.clock + 1, Date.now())
    return this.clock
  }

  /** The chunk hashes stored for `path` if the file there is still the one they were computed from, with that chunk size. */
  get (path: string, id: FileIdentity, chunkSize: number): ChunkHashes | undefined {
    const row = this.stmt('SELECT dev, ino, size, mtime_ns, ctime_ns, chunk_size, chunks FROM hash_cache WHERE path = ?').get(path) as Row | undefined
    if (row == null || row.chunk_size !== chunkSize) return undefined
    const stored = { dev: BigInt(row.dev), ino: BigInt(row.ino), size: BigInt(row.size), mtimeNs: BigInt(row.mtime_ns), ctimeNs: BigInt(row.ctime_ns) }
    if (!sameIdentity(stored, id)) return undefined
    if (row.chunks.length % HASH_LENGTH !== 0) return undefined
    this.stmt('UPDATE hash_cache SET used_at = ? WHERE path = ?').run(this.now(), path)
    // the row's own bytes (node:sqlite gives each read a buffer of its own)
    return new ChunkHashes(row.chunks)
  }

  /** Store (or replace) every entry, in one transaction. */
  putAll (entries: CachedFile[]): void {
    inTransaction(this.db, () => { for (const e of entries) this.put(e.path, e.id, e.chunkSize, e.chunks) })
  }

  put (path: string, id: FileIdentity, chunkSize: number, chunks: ChunkHashes): void {
    this.stmt(`INSERT INTO hash_cache (path, dev, ino, size, mtime_ns, ctime_ns, chunk_size, chunks, used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT(path) DO UPDATE SET dev = excluded.dev, ino = excluded.ino, size = excluded.size, mtime_ns = excluded.mtime_ns,
      ctime_ns = excluded.ctime_ns, chunk_size = excluded.chunk_size, chunks = excluded.chunks, used_at = excluded.used_at`)
      .run(path, String(id.dev), String(id.ino), Number(id.size), String(id.mtimeNs), String(id.ctimeNs), chunkSize, chunks.bytes, this.now())
    // pruning counts the table, so only now and then
    if (++this.putsSincePrune >= Math.max(1, Math.min(1000, this.maxEntries / 10))) this.prune()
  }

  /** Drop what is known of these paths (a receiver found their bytes do not match). */
  forget (paths: string[]): void {
    const del = this.stmt('DELETE FROM hash_cache WHERE path = ?')
    for (const p of paths) del.run(p)
  }

  /** Keep the maxEntries most recently used entries. */
  prune (): void {
    this.putsSincePrune = 0
    this.stmt('DELETE FROM hash_cache WHERE path IN (SELECT path FROM hash_cache ORDER BY used_at DESC LIMIT -1 OFFSET ?)').run(this.maxEntries)
  }

  get size (): number {
    return (this.stmt('SELECT COUNT(*) AS n FROM hash_cache').get() as { n: number }).n
  }
}
