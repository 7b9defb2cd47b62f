// Persistent transfer state (both directions), per-file progress bitmaps, and
// the receive folder's index of files and chunks used for dedup.

import { inTransaction, receiveMountKey, reclaimFreePages, statementCache, type Db } from './db.ts'
import { isErrorCode, type ErrorCode } from '../errors.ts'
import { isWaitCause, type WaitCause, type WaitsByCause } from '../daemon/control/types.ts'
import type { ChunkHashes } from '../protocol/chunk-hashes.ts'

export interface TransferRow {
  id: string
  direction: 'send' | 'receive'
  peerId: string
  peerName: string
  state: string
  root: Uint8Array
  offer: Uint8Array
  sources?: string[]
  totalBytes: number
  fileCount?: number
  /** the folders of its offer (unset in rows from before 2026-12-06) */
  folderCount?: number
  doneBytes: number
  wireBytes: number
  /** receive only: what its first plan held without fetching; unset until then */
  localBytes?: number
  receiveDir?: string
  errorCode?: string
  errorMessage?: string
  /** cancelled or declined: which side ended it (TransferInfo.endedBy); unset in rows from before 2026-12-06 and for other states */
  endedBy?: 'here' | 'peer'
  /** ended cancelled or failed, a receive: its files verified and placed in the receive folder, kept there; a send cancelled (here or by its receiver): those its receiver said it keeps so (TransferInfo.keptFiles) */
  keptFiles?: number
  /** receive only, cancelled on this device: the verified bytes of files not yet whole that the cancel removed (TransferInfo.droppedBytes) */
  droppedBytes?: number
  /** send only, done: how many of its files changed here after the offer, the receiver having them as offered, and the first 20 source paths (TransferInfo.changedAfterOffer) */
  changedAfterCount?: number
  changedAfter?: string[]
  /** how long it waited in state `waiting` (its peer away, its turn, room), ms, and since when it waits now (wait-clock.ts) */
  waitedMs?: number
  waitingSince?: number | null
  /** of waitedMs, by what it waited for, and what the wait under way is for (WaitCause); unset in rows from before 2026-12-08 */
  waitedBy?: WaitsByCause
  waitingCause?: WaitCause | null
  /** held for a person on the receiving side to accept, this many ms of it, once that wait ended (TransferInfo.acceptWaitSeconds) */
  acceptWaitMs?: number
  receiptSig?: Uint8Array
  /** the receipt's bit set of the entries not received (receiptPayload); unset: none */
  receiptMissing?: Uint8Array
  /** with the receipt: why the receive folder refused entries of it, as told to the sender (the first 20), so a receipt sent again tells it too */
  receiptRefused?: Array<{ entry: number, reason: string, under?: string, code?: ErrorCode }>
  /** receive only, with the receipt: of the files it says were not received, how many the sender could not serve (the rest the receive folder refused); unset: not recorded */
  receiptNotServed?: number
  /** receive only, with the receipt: of the files the receive folder refused, how many were refused before any byte of theirs was asked for (ReceiptInfo.refusedUnfetched); unset: not known */
  receiptRefusedUnfetched?: number
  receiptVerified: boolean
  resumed: boolean
  createdAt: number
  finishedAt?: number
  /** send only: the paths it left out, and of those, the ones left out for a problem (not by design) */
  skippedCount?: number
  skippedFailed?: number
  /** send only, from its offer on: the skipped paths shown (the first SKIPPED_SHOWN, those skipped for a problem first; at most 32 KiB of them), with why */
  skipped?: Array<{ path: string, reason: string, failed?: boolean, code?: ErrorCode, escaped?: boolean, refused?: boolean, notServed?: boolean, noneSent?: boolean }>
  /** renames of what it carried, theirs taken where they arrived (here for a receive, on the peer for a send): a folder counts once (TransferInfo.renamedCount); files each in rows from before 2026-12-05 */
  renamedCount?: number
  /** the first of those, recorded at the end (renamedToRecord): path as offered, and as placed; a folder marked, with how many files it holds */
  renamed?: Array<{ path: string, as: string, folder?: true, files?: number }>
  /** receive only: the mount point its receive folder was on when it began; unset until its first run (or where it cannot be told) */
  receiveMount?: string
  /** what it carries, in a few words (labelOf); a receive's are the peer's names, shown sanitized */
  label?: string
}

/** Why a sender gave up serving a file of its offer: `why` without the path, `said` the whole sentence, `reason` as told to the receiver ('changed', 'removed', 'unreadable'). */
export interface GivenUpRecord { why: string, said: string, reason?: string }

/** A file in the receive folder with its content, for indexFiles; `placed`: it completes file `idx` of a transfer. */
export interface IndexedFile {
  path: string
  fileRoot: Uint8Array
  size: number
  mtimeMs: number
  /** the file as placed (lstat after its last change by us); unknown in rows from before they were recorded */
  identity?: PlacedIdentity
  /** false: its time and mode are the person's (changed here, or adopted), not to be set from an offer; default true */
  managed?: boolean
  chunks: ChunkHashes
  chunkSize: number
  placed?: { transferId: string, idx: number }
}

/** Which file sits at a path, and whether anything changed it since: its inode and status-change time. */
export interface PlacedIdentity { ino: bigint, ctimeNs: bigint }

export interface ChunkLocation { path: string, offset: number, length: number }

export class TransferStore {
  private readonly db: Db
  private readonly stmt: ReturnType<typeof statementCache>
  constructor (db: Db) { this.db = db; this.stmt = statementCache(db) }

  insert (t: TransferRow): void {
    inTransaction(this.db, () => {
      // the manifest and sources go in transfer_manifests (db.ts: kept in this row, each progress update rewrote them)
      this.stmt(`INSERT INTO transfers (id, direction, peer_id, peer_name, state, root, offer, sources, total_bytes, done_bytes, wire_bytes,
        receive_dir, error_code, error_message, receipt_sig, receipt_verified, resumed, created_at, finished_at, file_count, folder_count, label)
        VALUES (?, ?, ?, ?, ?, ?, x'', NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(t.id, t.direction, t.peerId, t.peerName, t.state, t.root,
          t.totalBytes, t.doneBytes, t.wireBytes, t.receiveDir ?? null, t.errorCode ?? null, t.errorMessage ?? null,
          t.receiptSig ?? null, t.receiptVerified ? 1 : 0, t.resumed ? 1 : 0, t.createdAt, t.finishedAt ?? null, t.fileCount ?? 0, t.folderCount ?? null, t.label ?? null)
      if (t.offer.length > 0 || t.sources != null) this.setManifest(t.id, t.offer, t.sources)
    })
  }

  private setManifest (id: string, offer: Uint8Array, sources: string[] | undefined): void {
    this.stmt(`INSERT INTO transfer_manifests (transfer_id, offer, sources) VALUES (?, ?, ?)
      ON CONFLICT(transfer_id) DO UPDATE SET offer = excluded.offer, sources = excluded.sources`)
      .run(id, offer, sources == null ? null : JSON.stringify(sources))
  }

  update (id: string, patch: Partial<Pick<TransferRow, 'state' | 'doneBytes' | 'wireBytes' | 'localBytes' | 'errorCode' | 'errorMessage' | 'endedBy' | 'receiptSig' | 'receiptMissing' | 'receiptRefused' | 'receiptNotServed' | 'receiptRefusedUnfetched' | 'receiptVerified' | 'resumed' | 'finishedAt' | 'peerName' | 'receiveDir' | 'skippedCount' | 'skippedFailed' | 'skipped' | 'renamedCount' | 'renamed' | 'receiveMount' | 'keptFiles' | 'droppedBytes' | 'changedAfterCount' | 'changedAfter' | 'waitedMs' | 'waitingSince' | 'waitedBy' | 'waitingCause' | 'acceptWaitMs'>>): void {
    const cols: Record<string, string> = { receiveDir: 'receive_dir', state: 'state', doneBytes: 'done_bytes', wireBytes: 'wire_bytes', localBytes: 'local_bytes', errorCode: 'error_code', errorMessage: 'error_message', endedBy: 'ended_by', receiptSig: 'receipt_sig', receiptMissing: 'receipt_missing', receiptRefused: 'receipt_refused', receiptNotServed: 'receipt_not_served', receiptRefusedUnfetched: 'receipt_refused_unfetched', receiptVerified: 'receipt_verified', resumed: 'resumed', finishedAt: 'finished_at', peerName: 'peer_name', skippedCount: 'skipped_count', skippedFailed: 'skipped_failed', skipped: 'skipped', renamedCount: 'renamed_count', renamed: 'renamed', receiveMount: 'receive_mount', keptFiles: 'kept_files', droppedBytes: 'dropped_bytes', changedAfterCount: 'changed_after_count', changedAfter: 'changed_after', waitedMs: 'waited_ms', waitingSince: 'waiting_since', waitedBy: 'waited_by', waitingCause: 'waiting_cause', acceptWaitMs: 'accept_wait_ms' }
    const keys = Object.keys(patch).filter((k) => cols[k] != null)
    if (keys.length === 0) return
    const values = keys.map((k) => {
      const v = (patch as Record<string, unknown>)[k]
      // lists and records (waitedBy) as JSON; a signature or bit set as the bytes they are
      return typeof v === 'boolean' ? (v ? 1 : 0) : Array.isArray(v) || (v != null && typeof v === 'object' && !(v instanceof Uint8Array)) ? JSON.stringify(v) : (v ?? null)
    })
    this.stmt(`UPDATE transfers SET ${keys.map((k) => `${cols[k]} = ?`).join(', ')} WHERE id = ?`).run(...values as any[], id)
  }

  /**
   * The sender's manifest, once hashing is done, and the send `offered`, in
   * one statement: `sources` then holds every entry's source path, no longer
   * the paths the person named, so a row left in `hashing` with them would
   * be scanned again from the wrong paths at the next start (review finding:
   * a kill -9 between two statements; every folder and file landed at the
   * top of the receive folder).
   */
  setOffer (id: string, root: Uint8Array, offer: Uint8Array, sources: string[], totalBytes: number, fileCount: number, folderCount: number): void {
    // one transaction: the manifest is in a table of its own now (db.ts)
    inTransaction(this.db, () => {
      this.stmt('UPDATE transfers SET root = ?, total_bytes = ?, file_count = ?, folder_count = ?, state = \'offered\' WHERE id = ?').run(root, totalBytes, fileCount, folderCount, id)
      this.setManifest(id, offer, sources)
    })
  }

  get (id: string): TransferRow | undefined {
    const r = this.stmt(`SELECT ${FULL_COLUMNS} WHERE id = ?`).get(id)
    return r == null ? undefined : toRow(r)
  }

  /**
   * A row without its manifest and source list, which can be megabytes: for
   * the snapshots published several times a second and for listings.
   */
  summary (id: string): TransferRow | undefined {
    const r = this.stmt(`SELECT ${SUMMARY_COLUMNS} FROM transfers WHERE id = ?`).get(id)
    return r == null ? undefined : toRow(r)
  }

  /** The newest `limit` transfers (the control API's TRANSFERS_LISTED unless asked for more), by when they ended, or began where they have not */
  list (limit: number): TransferRow[] {
    return this.stmt(`SELECT ${SUMMARY_COLUMNS} FROM transfers ORDER BY COALESCE(finished_at, created_at) DESC LIMIT ?`).all(limit).map(toRow)
  }

  /**
   * The ids of every transfer kept, not only those listed, that start with `prefix` (lower-case hex), at most
   * `max` (enough to count them for an ambiguous prefix): `ferry wait`, `cancel` and the like find one older
   * than the newest listed (user-test finding:
   * last month's receipt was "no transfer with id …"). A range of the primary key, not a scan.
   */
  idsStartingWith (prefix: string, max = 10_000): string[] {
    if (!/^[0-9a-f]*$/.test(prefix)) return []
    return (this.stmt('SELECT id FROM transfers WHERE id >= ? AND id < ? ORDER BY id LIMIT ?').all(prefix, `${prefix}g`, max) as Array<{ id: string }>).map((r) => r.id)
  }

  /**
   * Drop the manifest (the offer's bytes) and the sender's source paths of
   * transfers that ended before `before` (ms): nothing reads them once a
   * transfer has ended (`ferry transfers` shows the row's own columns), and
   * they were kept for good, 10.8 MB for a send of 99,100 files, on both
   * sides (review finding). Their files' rows (where each was placed, the
   * verified chunks of those not finished) go too: without the manifest
   * nothing can resume from them, and a daily re-send of a 10,000-photo
   * folder added ~1 MB of them a day, for good. Returns how many rows lost
   * their manifest.
   */
  forgetManifests (before: number): number {
    const ended = "state IN ('done', 'failed', 'cancelled', 'declined') AND finished_at IS NOT NULL AND finished_at < ?"
    return inTransaction(this.db, () => {
      // and a send's list of skipped paths (up to 32 KiB; its counts stay): soak-test finding, kept for good; the renamed files' names too
      const r = this.stmt(`UPDATE transfers SET offer = x'', sources = NULL, skipped = NULL, renamed = NULL WHERE ${ended} AND (${HAS_MANIFEST} OR length(offer) > 0 OR sources IS NOT NULL OR skipped IS NOT NULL OR renamed IS NOT NULL)`).run(before)
      this.stmt(`DELETE FROM transfer_manifests WHERE transfer_id IN (SELECT id FROM transfers WHERE ${ended})`).run(before)
      this.stmt(`DELETE FROM transfer_files WHERE transfer_id IN (SELECT id FROM transfers WHERE ${ended})`).run(before)
      this.stmt(`DELETE FROM send_given_up WHERE transfer_id IN (SELECT id FROM transfers WHERE ${ended})`).run(before)
      return Number(r.changes)
    })
  }

  /** A file of send `transferId`'s offer (entry `idx`) its sender gave up serving, and why (the latest word for it stands). */
  setGivenUp (transferId: string, idx: number, g: GivenUpRecord): void {
    this.stmt(`INSERT INTO send_given_up (transfer_id, idx, why, said, reason) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(transfer_id, idx) DO UPDATE SET why = excluded.why, said = excluded.said, reason = excluded.reason`)
      .run(transferId, idx, g.why, g.said, g.reason ?? null)
  }

  /** Where receive folder `dir` was last seen (receive-mount.ts, whose value it is), if known. */
  receiveMount (dir: string): string | undefined {
    return (this.stmt('SELECT value FROM meta WHERE key = ?').get(receiveMountKey(dir)) as { value: string } | undefined)?.value
  }

  setReceiveMount (dir: string, value: string): void {
    this.stmt('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(receiveMountKey(dir), value)
  }

  /** When the daemon last marked that it ran with transfers under way (alive-mark.ts), if it did. */
  aliveAt (): number | undefined {
    const v = (this.stmt("SELECT value FROM meta WHERE key = 'alive_at'").get() as { value: string } | undefined)?.value
    const n = Number(v)
    return v !== undefined && Number.isSafeInteger(n) && n > 0 ? n : undefined
  }

  markAlive (at: number): void {
    this.stmt("INSERT INTO meta (key, value) VALUES ('alive_at', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(String(at))
  }

  /** Entry `idx` of send `transferId` is served again (put back as offered): why it was given up is no longer true. */
  clearGivenUp (transferId: string, idx: number): void {
    this.stmt('DELETE FROM send_given_up WHERE transfer_id = ? AND idx = ?').run(transferId, idx)
  }

  /** The files of send `transferId` its sender gave up serving, by entry, as setGivenUp recorded them. */
  givenUp (transferId: string): Map<number, GivenUpRecord> {
    const out = new Map<number, GivenUpRecord>()
    for (const r of this.stmt('SELECT idx, why, said, reason FROM send_given_up WHERE transfer_id = ? ORDER BY idx').all(transferId) as any[]) {
      out.set(r.idx, { why: r.why, said: r.said, ...(r.reason != null ? { reason: r.reason } : {}) })
    }
    return out
  }

  /**
   * Offers refused whole, recorded as failed receives without a manifest
   * and ended as they came (src/transfer/receive/offer-intake.ts recordRefused): how many from
   * `peerId` since `since`, and forgetting those older than `before`.
   */
  countRefusedSince (peerId: string, since: number): number {
    return Number((this.stmt(`SELECT count(*) AS n FROM transfers WHERE peer_id = ? AND ${REFUSED_OFFER} AND created_at >= ?`).get(peerId, since) as { n: number }).n)
  }

  forgetRefused (before: number): number {
    return Number(this.stmt(`DELETE FROM transfers WHERE ${REFUSED_OFFER} AND created_at < ?`).run(before).changes)
  }

  /** Give the state database's free pages back to the file system once there are enough of them (db.ts reclaimFreePages); the bytes given back. */
  reclaimSpace (): number {
    return reclaimFreePages(this.db)
  }

  /** Every receive folder a receive was ever written to (part folders may be left in each). */
  receiveDirs (): string[] {
    return (this.stmt("SELECT DISTINCT receive_dir AS d FROM transfers WHERE direction = 'receive' AND receive_dir IS NOT NULL").all() as Array<{ d: string }>).map((r) => r.d)
  }

  unfinished (): TransferRow[] {
    return this.stmt(`SELECT ${FULL_COLUMNS} WHERE state NOT IN ('done', 'failed', 'cancelled', 'declined')`).all().map(toRow)
  }

  /** An unfinished or failed receive of the same content from the same peer: its part files can be reused. */
  findByRoot (peerId: string, root: Uint8Array): TransferRow | undefined {
    const r = this.stmt(`SELECT ${FULL_COLUMNS} WHERE direction = 'receive' AND peer_id = ? AND root = ? ORDER BY created_at DESC LIMIT 1`).get(peerId, root)
    return r == null ? undefined : toRow(r)
  }

  setFile (transferId: string, idx: number, f: { done: boolean, bitmap?: Uint8Array, dest?: string }): void {
    this.stmt(`INSERT INTO transfer_files (transfer_id, idx, done, bitmap, dest) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(transfer_id, idx) DO UPDATE SET done = excluded.done, bitmap = excluded.bitmap, dest = excluded.dest`)
      .run(transferId, idx, f.done ? 1 : 0, f.bitmap ?? null, f.dest ?? null)
  }

  /**
   * Forget the verified chunks that the other receives of the same content
   * into the same receive folder recorded for these entries: they share the
   * part folder (`.ferry-part/<root>`), and these part files are being made
   * anew, so those records describe files that are gone. Kept, another
   * receive resumed on a part file this one wrote later chunks into, took
   * its holes for its old chunks, and placed zeros and signed for them
   * (review finding).
   */
  forgetSharedBitmaps (transferId: string, indices: number[]): void {
    if (indices.length === 0) return
    this.stmt(`UPDATE transfer_files SET bitmap = NULL
      WHERE done = 0 AND bitmap IS NOT NULL AND idx IN (SELECT value FROM json_each(?))
      AND transfer_id IN (SELECT o.id FROM transfers o JOIN transfers t ON t.id = ?
        WHERE o.direction = 'receive' AND o.root = t.root AND o.receive_dir IS t.receive_dir AND o.id != t.id)`).run(JSON.stringify(indices), transferId)
  }

  /** Forget every verified chunk a receive recorded of its unfinished files (its part folder is another now). */
  forgetBitmaps (transferId: string): void {
    this.stmt('UPDATE transfer_files SET bitmap = NULL WHERE transfer_id = ? AND done = 0').run(transferId)
  }

  files (transferId: string): Map<number, { done: boolean, bitmap?: Uint8Array, dest?: string }> {
    const out = new Map<number, { done: boolean, bitmap?: Uint8Array, dest?: string }>()
    for (const r of this.stmt('SELECT * FROM transfer_files WHERE transfer_id = ?').all(transferId) as any[]) {
      out.set(r.idx, { done: r.done === 1, bitmap: r.bitmap ?? undefined, dest: r.dest ?? undefined })
    }
    return out
  }

  /**
   * Record finished files in the receive index (replacing what was known at
   * each path) and, with `placed`, mark each done in its transfer: one
   * commit for all of them. A commit costs ~160 µs here (WAL pages written),
   * more than everything else a file's record needs: one per file cost a
   * receive of 1,000 photos ~0.3 s of its main thread.
   */
  indexFiles (files: IndexedFile[]): void {
    if (files.length === 0) return
    inTransaction(this.db, () => {
      const ins = this.stmt('INSERT INTO chunk_index (hash, path, offset, length) VALUES (?, ?, ?, ?)')
      for (const f of files) {
        if (f.placed !== undefined) this.setFile(f.placed.transferId, f.placed.idx, { done: true, dest: f.path })
        this.stmt('DELETE FROM chunk_index WHERE path = ?').run(f.path)
        this.stmt(`INSERT INTO file_index (path, file_root, size, mtime_ms, ino, ctime_ns, managed) VALUES (?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT(path) DO UPDATE SET file_root = excluded.file_root, size = excluded.size, mtime_ms = excluded.mtime_ms, ino = excluded.ino, ctime_ns = excluded.ctime_ns, managed = excluded.managed`)
          .run(f.path, f.fileRoot, f.size, f.mtimeMs, f.identity?.ino.toString() ?? null, f.identity?.ctimeNs.toString() ?? null, f.managed === false ? 0 : null)
        for (let i = 0; i < f.chunks.length; i++) ins.run(f.chunks.at(i), f.path, i * f.chunkSize, Math.min(f.chunkSize, f.size - i * f.chunkSize))
      }
    })
  }

  indexedFile (path: string): { fileRoot: Uint8Array, size: number, mtimeMs: number, identity?: PlacedIdentity, managed: boolean } | undefined {
    const r = this.stmt('SELECT * FROM file_index WHERE path = ?').get(path) as any
    if (r == null) return undefined
    const identity = r.ino == null || r.ctime_ns == null ? undefined : { ino: BigInt(r.ino), ctimeNs: BigInt(r.ctime_ns) }
    return { fileRoot: r.file_root, size: r.size, mtimeMs: r.mtime_ms, identity, managed: r.managed !== 0 }
  }

  /** A file at `path` found to hold what was indexed there (its bytes read, or taken on trust), as it is now; `managed` as IndexedFile's. */
  reindexFile (path: string, mtimeMs: number, identity: PlacedIdentity, managed: boolean): void {
    this.stmt('UPDATE file_index SET mtime_ms = ?, ino = ?, ctime_ns = ?, managed = ? WHERE path = ?').run(mtimeMs, identity.ino.toString(), identity.ctimeNs.toString(), managed ? null : 0, path)
  }

  /** Files already in the receive folder with this exact content (indexed by file_root). */
  filesWithRoot (fileRoot: Uint8Array): Array<{ path: string, size: number, mtimeMs: number }> {
    return (this.stmt('SELECT path, size, mtime_ms FROM file_index WHERE file_root = ? ORDER BY rowid DESC LIMIT 32').all(fileRoot) as any[])
      .map((r) => ({ path: r.path, size: r.size, mtimeMs: r.mtime_ms }))
  }

  /** Where a chunk with this hash was placed, the newest first (older copies are more likely moved away or changed since). */
  findChunk (hash: Uint8Array): ChunkLocation[] {
    return this.findChunkPage(hash, 4).map((r) => ({ path: r.path, offset: r.offset, length: r.length }))
  }

  /**
   * The newest `limit` places the dedup index holds chunk `hash` at, of the rows before row `before`: a page of a walk
   * further back than findChunk's few (receive-plan.ts, recover), with the row to go on from.
   */
  findChunkPage (hash: Uint8Array, limit: number, before = Number.MAX_SAFE_INTEGER): Array<ChunkLocation & { rowid: number }> {
    return (this.stmt('SELECT rowid, path, offset, length FROM chunk_index WHERE hash = ? AND rowid < ? ORDER BY rowid DESC LIMIT ?').all(hash, before, limit) as any[])
      .map((r) => ({ rowid: r.rowid, path: r.path, offset: r.offset, length: r.length }))
  }

  /** Indexed files in rowid order after `after`, at most `limit`: a walk over the index in pages (pruneIndex). */
  indexPage (after: number, limit: number): Array<{ rowid: number, path: string, size: number, mtimeMs: number }> {
    return (this.stmt('SELECT rowid, path, size, mtime_ms FROM file_index WHERE rowid > ? ORDER BY rowid LIMIT ?').all(after, limit) as any[])
      .map((r) => ({ rowid: r.rowid, path: r.path, size: r.size, mtimeMs: r.mtime_ms }))
  }

  /** The chunks the dedup index holds at `path`, in file order: how the file was cut and hashed when indexed; the first `limit` only, when given. */
  chunksAt (path: string, limit = -1): Array<{ hash: Uint8Array, offset: number, length: number }> {
    return (this.stmt('SELECT hash, offset, length FROM chunk_index WHERE path = ? ORDER BY offset LIMIT ?').all(path, limit) as any[])
      .map((r) => ({ hash: r.hash, offset: r.offset, length: r.length }))
  }

  /** The offsets of the chunks the dedup index holds at `path` (a kept part file: what it keeps for a re-send). */
  chunkOffsetsAt (path: string): number[] {
    return (this.stmt('SELECT offset FROM chunk_index WHERE path = ?').all(path) as Array<{ offset: number }>).map((r) => r.offset)
  }

  forgetPath (path: string): void {
    this.stmt('DELETE FROM chunk_index WHERE path = ?').run(path)
    this.stmt('DELETE FROM file_index WHERE path = ?').run(path)
  }

  /**
   * The chunks verified in a part file that a receive keeps without placing
   * it (a file the sender could no longer send, a failed receive): found by
   * findChunk like those of placed files, so that the same file sent again
   * after its change copies what it still shares (every copy is verified).
   * Chunk rows only: a part file is no file in the receive folder.
   */
  indexPartChunks (path: string, chunks: Array<{ hash: Uint8Array, offset: number, length: number }>): void {
    inTransaction(this.db, () => {
      this.stmt('DELETE FROM chunk_index WHERE path = ?').run(path)
      const ins = this.stmt('INSERT INTO chunk_index (hash, path, offset, length) VALUES (?, ?, ?, ?)')
      for (const c of chunks) ins.run(c.hash, path, c.offset, c.length)
    })
  }

  /** Whether chunks of part files under the folder `dir` are indexed (indexPartChunks): a part folder kept for a re-send. */
  indexedUnder (dir: string): boolean {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`
    return this.stmt('SELECT 1 FROM chunk_index WHERE path >= ? AND path < ? LIMIT 1').get(prefix, `${prefix.slice(0, -1)}0`) !== undefined
  }

  /** Forget the chunk rows of everything under the folder `dir` (a part folder removed). */
  forgetUnder (dir: string): void {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`
    // every path that starts with "dir/": from "dir/" up to "dir0" ('0' follows '/')
    this.stmt('DELETE FROM chunk_index WHERE path >= ? AND path < ?').run(prefix, `${prefix.slice(0, -1)}0`)
  }
}

/** A row of `transfers` (unaliased) whose manifest is kept. */
const HAS_MANIFEST = 'EXISTS (SELECT 1 FROM transfer_manifests m WHERE m.transfer_id = transfers.id)'

/** A row recordRefused made: a receive that failed as it came, with nothing of it received and no manifest kept. */
const REFUSED_OFFER = `direction = 'receive' AND state = 'failed' AND NOT ${HAS_MANIFEST} AND done_bytes = 0 AND finished_at = created_at`

const SUMMARY_COLUMNS = `id, direction, peer_id, peer_name, state, root, x'' AS offer, NULL AS sources, total_bytes,
  done_bytes, wire_bytes, receive_dir, error_code, error_message, receipt_sig, receipt_verified, resumed, created_at,
  finished_at, file_count, folder_count, local_bytes, receipt_missing, receipt_refused, receipt_not_served, receipt_refused_unfetched, skipped_count, skipped_failed, skipped, renamed_count, renamed, label, receive_mount, ended_by, kept_files, dropped_bytes, changed_after_count, changed_after, waited_ms, waiting_since, waited_by, waiting_cause, accept_wait_ms`

/** The whole row, its manifest and sources with it: after SELECT, before WHERE. */
const FULL_COLUMNS = `${SUMMARY_COLUMNS.replace("x'' AS offer, NULL AS sources", "coalesce(m.offer, x'') AS offer, m.sources AS sources")}
  FROM transfers LEFT JOIN transfer_manifests m ON m.transfer_id = transfers.id`

/** The receipt's refused entries as recorded; a damaged record is none (its reasons are only told, never trusted). */
function parseRefused (text: string | null): TransferRow['receiptRefused'] {
  if (text == null) return undefined
  try {
    const v: unknown = JSON.parse(text)
    // a code kept only where it is one (rows from before 2026-12-07 have none)
    return Array.isArray(v) ? v.filter((r) => Number.isSafeInteger(r?.entry) && typeof r?.reason === 'string').map((r) => isErrorCode(r.code) ? r : { entry: r.entry, reason: r.reason, ...(typeof r.under === 'string' ? { under: r.under } : {}) }) : undefined
  } catch { return undefined }
}

/** The marks a skipped path may carry, kept only where true. */
const SKIPPED_FLAGS = ['failed', 'escaped', 'refused', 'notServed', 'noneSent'] as const
type SkippedRecord = NonNullable<TransferRow['skipped']>[number]

/** A send's skipped paths as recorded; a damaged record is none (they are only shown). */
function parseSkipped (text: string | null): TransferRow['skipped'] {
  if (text == null) return undefined
  try {
    const v: unknown = JSON.parse(text)
    if (!Array.isArray(v)) return undefined
    return v.filter((s) => typeof s?.path === 'string' && typeof s?.reason === 'string').map((s) => {
      const out: SkippedRecord = { path: s.path, reason: s.reason }
      for (const flag of SKIPPED_FLAGS) if (s[flag] === true) out[flag] = true
      if (isErrorCode(s.code)) out.code = s.code
      return out
    })
  } catch { return undefined }
}

/** The renamed files as recorded; a damaged record is none (they are only shown). */
/** A JSON list of paths as recorded; undefined for none, or a damaged one. */
function parsePaths (text: string | null): string[] | undefined {
  if (text == null) return undefined
  try {
    const v = JSON.parse(text) as unknown
    return Array.isArray(v) && v.every((p) => typeof p === 'string') ? v : undefined
  } catch {
    return undefined
  }
}

function parseRenamed (text: string | null): TransferRow['renamed'] {
  if (text == null) return undefined
  try {
    const v: unknown = JSON.parse(text)
    return Array.isArray(v) ? v.filter((r) => typeof r?.path === 'string' && typeof r?.as === 'string').map((r) => r.folder === true ? { path: r.path, as: r.as, folder: true as const, files: Number.isSafeInteger(r.files) ? r.files : 0 } : { path: r.path, as: r.as }) : undefined
  } catch { return undefined }
}

/** The waits by cause as recorded; a damaged record is none (the total, waited_ms, still counts). */
function parseWaitedBy (text: string | null): WaitsByCause | undefined {
  if (text == null) return undefined
  try {
    const v: unknown = JSON.parse(text)
    if (v == null || typeof v !== 'object') return undefined
    const out: WaitsByCause = {}
    for (const [c, ms] of Object.entries(v)) if (isWaitCause(c) && typeof ms === 'number' && ms > 0) out[c] = ms
    return out
  } catch { return undefined }
}

function toRow (r: any): TransferRow {
  return {
    id: r.id,
    direction: r.direction,
    peerId: r.peer_id,
    peerName: r.peer_name,
    state: r.state,
    root: r.root,
    offer: r.offer,
    sources: r.sources == null ? undefined : JSON.parse(r.sources),
    totalBytes: r.total_bytes,
    fileCount: r.file_count,
    folderCount: r.folder_count ?? undefined,
    doneBytes: r.done_bytes,
    wireBytes: r.wire_bytes,
    localBytes: r.local_bytes ?? undefined,
    receiveDir: r.receive_dir ?? undefined,
    receiveMount: r.receive_mount ?? undefined,
    errorCode: r.error_code ?? undefined,
    errorMessage: r.error_message ?? undefined,
    // only the two values written: a damaged record says nothing of who
    endedBy: r.ended_by === 'here' || r.ended_by === 'peer' ? r.ended_by : undefined,
    keptFiles: r.kept_files ?? undefined,
    droppedBytes: r.dropped_bytes ?? undefined,
    changedAfterCount: r.changed_after_count ?? undefined,
    changedAfter: parsePaths(r.changed_after ?? null),
    waitedMs: r.waited_ms ?? undefined,
    waitingSince: r.waiting_since ?? undefined,
    waitedBy: parseWaitedBy(r.waited_by ?? null),
    waitingCause: isWaitCause(r.waiting_cause) ? r.waiting_cause : undefined,
    acceptWaitMs: r.accept_wait_ms ?? undefined,
    receiptSig: r.receipt_sig ?? undefined,
    receiptMissing: r.receipt_missing ?? undefined,
    receiptRefused: parseRefused(r.receipt_refused),
    receiptNotServed: r.receipt_not_served ?? undefined,
    receiptRefusedUnfetched: r.receipt_refused_unfetched ?? undefined,
    receiptVerified: r.receipt_verified === 1,
    resumed: r.resumed === 1,
    createdAt: r.created_at,
    finishedAt: r.finished_at ?? undefined,
    skippedCount: r.skipped_count ?? 0,
    skippedFailed: r.skipped_failed ?? 0,
    skipped: parseSkipped(r.skipped ?? null),
    renamedCount: r.renamed_count ?? 0,
    renamed: parseRenamed(r.renamed ?? null),
    label: r.label ?? undefined
  }
}
