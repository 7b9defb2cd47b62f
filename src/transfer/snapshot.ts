// Plain JSON snapshots of transfers and offers for the control API.

import { SKIPPED_SHOWN, isFinalState, isMovingState, type FileProgress, type OfferInfo, type RenamedPath, type SkippedPath, type TransferInfo, type TransferState, type WaitsByCause } from '../daemon/control/types.ts'
import type { TransferRow } from '../store/index.ts'
import { cutToBytes, isErrorCode } from '../errors.ts'
import { popcount } from './bitmap.ts'
import type { OfferMsg } from '../protocol/transfer.ts'
import type { Receiver } from './receive/receiver.ts'
import type { Refusal } from './folder/safe-path.ts'
import type { Sender } from './send/sender.ts'
import { WaitClock } from './wait-clock.ts'

const MAX_IN_FLIGHT_SHOWN = 4

/**
 * The bytes shown done: never more than the total (re-served chunks after a
 * resume count once). A send not done is shown short of its total by a byte
 * at least: only its receipt says the receiver has everything. What was
 * served may be on its way still, and what a receiver claims to hold is a
 * peer's number, shown within what it can hold while it asks for bytes
 * (send-serve.ts): between its requests it could claim all (review leftover:
 * 100 % for a moment). Shown as 99 % (percents are rounded down).
 */
function doneShown (direction: string, state: TransferState, done: number, total: number): number {
  const most = direction === 'send' && !isFinalState(state) ? total - 1 : total
  return Math.max(0, Math.min(done, most))
}

/** TransferInfo.doneFiles: files placed on the receiving side, once there are any, while it runs and carries more than one */
function doneFilesOf (o: { sender?: Sender, receiver?: Receiver }, state: TransferState, files: number): { doneFiles?: number } {
  if (isFinalState(state) || state === 'offered' || files < 2) return {}
  const placed = o.receiver != null ? Math.min(o.receiver.placedFiles(), files) : o.sender?.heldFiles ?? 0
  return placed > 0 ? { doneFiles: placed } : {}
}

export function toTransferInfo (o: { row: TransferRow, sender?: Sender, receiver?: Receiver, peerName: string, keptAwaited?: boolean, peerOnline?: boolean }): TransferInfo {
  const { row } = o
  const live = o.sender ?? o.receiver
  const progress = live?.progress
  const state = (live?.state ?? row.state) as TransferState
  const err = live != null ? live.error : (row.errorCode != null ? { code: row.errorCode, message: row.errorMessage ?? '' } : undefined)
  // a receive's offer counted once for both (an event each time its progress moves, over every entry)
  const files = o.receiver != null ? fileCount(o.receiver.offer.files) : o.sender?.totalFiles ?? countFiles(row)
  const folders = o.receiver != null ? o.receiver.offer.files.length - files : foldersOf(o)
  const info: TransferInfo = {
    id: row.id,
    direction: row.direction,
    peerId: row.peerId,
    peerName: o.peerName || row.peerName,
    state,
    files,
    totalBytes: progress?.total ?? row.totalBytes,
    doneBytes: doneShown(row.direction, state, progress?.done ?? row.doneBytes, progress?.total ?? row.totalBytes),
    ...doneFilesOf(o, state, files),
    wireBytes: progress?.wire ?? row.wireBytes,
    // only while bytes move: waiting for a peer that went away showed its last rate for 10 s (review finding)
    rate: progress != null && isMovingState(state) ? Math.round(progress.rate) : 0,
    etaSeconds: progress != null && isMovingState(state) ? progress.eta : null,
    // a rate of 0 told apart: nothing moved for 10 s, not a rate not measured yet (the daemon publishes it each second: service.ts)
    ...(progress != null && isMovingState(state) && progress.stalledSeconds !== undefined ? { stalledSeconds: progress.stalledSeconds } : {}),
    // an ended transfer has nothing in flight, also a file served in part and then given up (E_SOURCE_CHANGED);
    // nor has a send that waits (its receiver away, or its turn there), as a receive that waits has none: a
    // file bar under "waiting its turn" read as bytes moving (found using the TUI)
    inFlight: isFinalState(state) ? [] : o.receiver != null ? inFlight(o.receiver) : o.sender != null && state !== 'waiting' ? servedInFlight(o.sender) : [],
    root: Buffer.from(row.root).toString('hex'),
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
    resumed: (o.receiver?.resumed ?? o.sender?.resumed ?? false) || row.resumed,
    receiveDir: row.receiveDir,
    ...(row.label != null ? { label: row.label } : {}),
    // the receiver answered that the offer waits for a person there (auto-accept off)
    ...(o.sender?.delivered === true && state === 'offered' ? { awaitingDecision: true, ...(o.peerOnline === false ? { peerOffline: true } : {}) } : {}),
    ...(folders > 0 ? { folders } : {})
  }
  const waitMs = acceptWaitMs(o, state)
  if (waitMs !== undefined) info.acceptWaitSeconds = Math.round(waitMs) / 1000
  // what it waited otherwise (its peer away, its turn, room): as it stands in memory, else as recorded
  const waits = o.receiver?.waits ?? o.sender?.waits
  const waited = waits !== undefined ? waits.totalMs() : (row.waitedMs ?? 0) + (row.state === 'waiting' && row.waitingSince != null ? Math.max(0, Date.now() - row.waitingSince) : 0)
  if (waited > 0) info.waitedSeconds = Math.round(waited) / 1000
  const by = waited > 0 ? waits !== undefined ? waits.byCause() : recordedByCause(row) : undefined
  if (by !== undefined) info.waitedBy = Object.fromEntries(Object.entries(by).map(([c, ms]) => [c, Math.round(ms) / 1000]))
  const since = waits !== undefined ? waits.waitingSince : row.state === 'waiting' ? row.waitingSince ?? undefined : undefined
  if (state === 'waiting' && since !== undefined) info.waitingSince = since
  if (err != null && ['failed', 'cancelled', 'declined', 'waiting'].includes(state)) {
    info.error = { code: isErrorCode(err.code) ? err.code : 'E_INTERNAL', message: err.message }
  }
  const endedBy = live != null ? live.endedBy : row.endedBy
  // a receive ended short of done keeps the files it placed: how many (none: absent); a send cancelled here, those
  // its receiver said it keeps
  const kept = state === 'cancelled' || state === 'failed' ? o.receiver?.keptFiles() ?? row.keptFiles ?? 0 : 0
  if (kept > 0) info.keptFiles = kept
  if (state === 'cancelled' && (row.droppedBytes ?? 0) > 0) info.droppedBytes = row.droppedBytes
  const changed = o.sender != null && o.sender.changedAfterCount > 0 ? { count: o.sender.changedAfterCount, paths: o.sender.changedAfter } : (row.changedAfterCount ?? 0) > 0 ? { count: row.changedAfterCount!, paths: row.changedAfter ?? [] } : undefined
  if (state === 'done' && changed !== undefined) info.changedAfterOffer = changed
  // its receiver's answer to the cancel, the files it keeps, is on its way: said in an event after this one
  if (o.keptAwaited === true && state === 'cancelled') info.keptAwaited = true
  if (endedBy !== undefined && (state === 'cancelled' || state === 'declined')) info.endedBy = endedBy
  if (o.receiver != null && o.receiver.renames.count > 0) {
    info.renamed = o.receiver.renames.shown()
    info.renamedCount = o.receiver.renames.count
  } else if (o.sender != null && o.sender.renamedCount > 0) {
    info.renamed = [...o.sender.renamed]
    info.renamedCount = o.sender.renamedCount
  } else if (live == null && (row.renamedCount ?? 0) > 0) {
    // ended and gone from memory: the count and the first names were recorded (rows from before 2026-12-05, or a month old: the count only)
    if (row.renamed != null && row.renamed.length > 0) info.renamed = row.renamed
    info.renamedCount = row.renamedCount
  }
  if (o.sender != null && o.sender.skippedCount > 0) {
    info.skipped = skippedShown(o.sender.skipped)
    info.skippedCount = o.sender.skippedCount
    info.skippedFailed = o.sender.skippedFailed
  } else if (o.sender == null && (row.skippedCount ?? 0) > 0) {
    // ended and gone from memory: the counts and the paths shown were recorded (rows from before 2026-12-04: the counts only)
    if (row.skipped != null && row.skipped.length > 0) info.skipped = row.skipped
    info.skippedCount = row.skippedCount
    info.skippedFailed = row.skippedFailed
  }
  const sig = o.sender?.receiptSig ?? row.receiptSig
  if (sig != null && sig.length > 0) {
    // a receive's receipt is this device's own, signed after it verified every byte it kept: true (user-test finding: false on every receive read as suspect)
    info.receipt = { root: info.root, signature: Buffer.from(sig).toString('base64'), verified: row.direction === 'receive' ? true : (o.sender?.receiptVerified ?? row.receiptVerified) }
    const missing = o.sender?.receiptMissing ?? row.receiptMissing
    if (missing != null && missing.length > 0) info.receipt.notReceived = popcount(missing)
    // the receiver's own reasons, kept with its receipt (the sender's are among its skipped paths)
    if (row.direction === 'receive' && row.receiptRefused != null && row.receiptRefused.length > 0) info.receipt.refused = [...new Set(row.receiptRefused.map((r) => r.reason))]
    // and by file, how many of each (receipts from before 2026-12-05: not recorded)
    if (row.direction === 'receive' && info.receipt.notReceived !== undefined && row.receiptNotServed !== undefined) {
      const notServed = Math.min(row.receiptNotServed, info.receipt.notReceived)
      info.receipt.refusedFiles = info.receipt.notReceived - notServed
      info.receipt.notServedFiles = notServed
      if (row.receiptRefusedUnfetched !== undefined) info.receipt.refusedUnfetched = Math.min(row.receiptRefusedUnfetched, info.receipt.refusedFiles)
    }
  }
  return info
}

/**
 * How long it was held for a person on the receiving side to accept it, to now while it still is: a send from its
 * receiver's answer that it holds it, a receive (state `offered` here is that) from the offer's arrival.
 */
function acceptWaitMs (o: { row: TransferRow, sender?: Sender, receiver?: Receiver }, state: TransferState): number | undefined {
  const now = Date.now()
  if (o.sender != null) {
    const held = o.sender.heldSince !== undefined && state === 'offered' ? Math.max(0, now - o.sender.heldSince) : undefined
    return held === undefined ? o.sender.acceptWaitMs : (o.sender.acceptWaitMs ?? 0) + held
  }
  if (o.receiver != null) return state === 'offered' ? Math.max(0, now - o.receiver.createdAt) : o.receiver.acceptWaitMs
  return o.row.acceptWaitMs
}

/** At most this many bytes of a transfer's label (a peer's names can be long). */
const LABEL_BYTES = 120

/**
 * What a transfer carries, in a few words, from the names at its top (the
 * first component of its entries' paths, as the scan or the offer has them:
 * not a path given and skipped whole): "trip", "a.jpg and 2 more". Shown in `ferry transfers` and the TUI's
 * history, which said only "1 file, 381.5 MiB" (user-test finding).
 */
export function labelOf (topNames: readonly string[]): string | undefined {
  const names = [...new Set(topNames.filter((n) => n !== ''))]
  if (names.length === 0) return undefined
  return cutToBytes(names[0], LABEL_BYTES) + (names.length > 1 ? ` and ${names.length - 1} more` : '')
}

/** The names at an offer's top (the first component of each entry's path), for labelOf. */
export function topNamesOf (files: ReadonlyArray<{ path: string }>): string[] {
  return files.map((f) => f.path.split('/')[0])
}

/**
 * What an offer waiting for a decision says of the paths its receive
 * folder cannot take: the files (user-test finding: the folder at fault was
 * counted too, "3 paths" where 2 files were left out), the empty folders
 * among them, and the first one's reason as it stands alone ('"trip/album"
 * is a symbolic link in the receive folder'; the error's message, path
 * first, was cut before it on the TUI's line).
 */
export function refusedSummary (files: OfferMsg['files'], refused: ReadonlyMap<string, Refusal>): OfferInfo['refused'] {
  if (refused.size === 0) return undefined
  // the folders that hold a file of the offer, once (a look per refused folder would be quadratic)
  let holding: Set<string> | undefined
  const below = (dir: string): boolean => {
    holding ??= new Set(files.flatMap((f) => f.kind === 'file' ? f.path.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/')) : []))
    return holding.has(dir)
  }
  const out = { files: 0, folders: 0, first: '' }
  for (const f of files) {
    const r = refused.get(f.path)
    if (r == null) continue
    if (f.kind === 'file') out.files++
    else if (!below(f.path)) out.folders++
    else continue
    if (out.first === '') out.first = r.reason
  }
  return out.files + out.folders > 0 ? out : undefined
}

/**
 * The skipped paths a snapshot shows, and an ended send records: the first
 * SKIPPED_SHOWN, those skipped for a problem first when there are more (a
 * folder with thousands of symbolic links): the files that could not be
 * sent, which a person must do something about, are the ones named.
 */
export function skippedShown (all: SkippedPath[]): SkippedPath[] {
  const failed = failedCount(all)
  return failed === 0 || failed === all.length || all.length <= SKIPPED_SHOWN
    ? all.slice(0, SKIPPED_SHOWN)
    : [...all.filter((s) => s.failed === true), ...all.filter((s) => s.failed !== true)].slice(0, SKIPPED_SHOWN)
}

/** What an ended send records of its skipped paths (JSON): every `ferry transfers` reads it with the row. */
const SKIPPED_RECORD_BYTES = 32 * 1024

/** The skipped paths shown, as many as fit SKIPPED_RECORD_BYTES (100 paths of 4 KiB would be 400 KiB a row); the counts tell the rest. */
export function skippedToRecord (all: SkippedPath[]): SkippedPath[] {
  return firstThatFit(skippedShown(all), SKIPPED_RECORD_BYTES)
}

/** What an ended transfer records of the files it placed under another name (JSON), as many of those shown as fit this. */
const RENAMED_RECORD_BYTES = 8 * 1024

/** The renames to record: the first of `shown` that fit RENAMED_RECORD_BYTES (20 of two 4 KiB paths would be 160 KiB a row); the count tells the rest. */
export function renamedToRecord (shown: readonly RenamedPath[]): RenamedPath[] {
  return firstThatFit(shown.map((r) => ({ ...r })), RENAMED_RECORD_BYTES)
}

/** The first of `items` whose JSON array fits `maxBytes`. */
function firstThatFit<T> (items: readonly T[], maxBytes: number): T[] {
  const out: T[] = []
  let bytes = 2 // the array's brackets
  for (const item of items) {
    bytes += Buffer.byteLength(JSON.stringify(item)) + 1 // and its comma
    if (bytes > maxBytes) break
    out.push(item)
  }
  return out
}

/** How many of a send's skipped paths were left out for a problem (not by design: a symbolic link, a special file). */
export function failedCount (skipped: ReadonlyArray<SkippedPath>): number {
  let n = 0
  for (const s of skipped) if (s.failed === true) n++
  return n
}

/** Files only: an offer also lists every folder (for its modification time), which is not what a person counts. */
export function fileCount (entries: ReadonlyArray<{ kind: 'file' | 'dir' }>): number {
  let n = 0
  for (const e of entries) if (e.kind === 'file') n++
  return n
}

/** The folders of an offer: its entries that are not files. */
export function folderCount (entries: ReadonlyArray<{ kind: 'file' | 'dir' }>): number {
  return entries.length - fileCount(entries)
}

/** The folders a send carries, in memory, else as recorded with its offer (0 in rows from before); a receive's are its offer's (toTransferInfo). */
function foldersOf (o: { row: TransferRow, sender?: Sender }): number {
  return o.sender?.totalFolders ?? o.row.folderCount ?? 0
}

function countFiles (row: TransferRow): number {
  return row.fileCount ?? row.sources?.length ?? 0
}

function inFlight (r: Receiver): FileProgress[] {
  const out: FileProgress[] = []
  for (const f of r.files) {
    if (f.done || f.entry.kind !== 'file' || f.bitmap.done === 0 || f.unavailable != null) continue
    const done = Math.min(f.entry.size, f.bitmap.done * f.entry.chunkSize)
    out.push({ path: f.entry.path, size: f.entry.size, doneBytes: done })
    if (out.length >= MAX_IN_FLIGHT_SHOWN) break
  }
  return out
}

/** The sender's view: files it has served part of but not all. */
function servedInFlight (s: Sender): FileProgress[] {
  const out: FileProgress[] = []
  for (const [index, done] of s.served) {
    const f = s.offer?.files[index]
    if (f == null || done >= f.size) continue
    out.push({ path: f.path, size: f.size, doneBytes: done })
    if (out.length >= MAX_IN_FLIGHT_SHOWN) break
  }
  return out
}

/** How many of an offer's top names its OfferInfo lists. */
export const OFFER_NAMES_SHOWN = 5

/**
 * What an offer is, as the person deciding sees it: its names at the top,
 * a folder with a trailing / ("roll/", as the sender's WHAT column has it),
 * the first OFFER_NAMES_SHOWN in the offer's order, and how many more. Not
 * its first file paths: a folder of 30,000 photos read "roll/DCIM 100/
 * IMG_00000.jpg, roll/DCIM 100/IMG_00001.jpg, r…" (user-test finding), and
 * an empty folder beside files was not named at all (notes' leftover).
 */
export function offerNames (files: ReadonlyArray<{ path: string, kind: string }>): { names: string[], otherNames: number } {
  const tops = new Map<string, boolean>()
  for (const f of files) {
    const slash = f.path.indexOf('/')
    const top = slash === -1 ? f.path : f.path.slice(0, slash)
    if (top === '') continue
    const folder = slash !== -1 || f.kind === 'dir'
    if (!tops.has(top) || folder) tops.set(top, folder)
  }
  const names = [...tops].slice(0, OFFER_NAMES_SHOWN).map(([top, folder]) => folder ? `${top}/` : top)
  return { names, otherNames: tops.size - names.length }
}

export function toOfferInfo (r: Receiver, peerName: string): OfferInfo {
  return {
    id: r.id,
    peerId: r.peerId,
    peerName,
    files: fileCount(r.offer.files),
    totalBytes: r.offer.totalBytes,
    ...offerNames(r.offer.files),
    receivedAt: r.createdAt,
    ...(r.refusedAtOffer != null ? { refused: r.refusedAtOffer } : {})
  }
}

/** The waits by cause of a transfer not in memory, the one under way to now; undefined where its record has none for some of it. */
function recordedByCause (row: TransferRow): WaitsByCause | undefined {
  return new WaitClock(row.waitedMs, row.state === 'waiting' ? row.waitingSince ?? undefined : undefined, { by: row.waitedBy, cause: row.waitingCause ?? undefined }).byCause()
}
