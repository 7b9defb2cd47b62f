// Deciding, for one accepted offer, what the receiver must still fetch:
// files already in place (same content at the same path: indexed, or found
// there by size, time and bytes) are skipped, chunks
// already verified in a part file (resume) are kept, chunks found anywhere in
// the receive folder's index are copied locally (dedup), and the rest is
// queued for the network. Nothing is fetched that the receiver already has:
// a chunk whose start survived in a spool slot (spool.ts) is asked for from
// where that start ends, and one found whole there is verified and written.

import { lstat, open, readdir, rm, stat } from 'node:fs/promises'
import { closeSync, constants, lstatSync, openSync, type BigIntStats } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'
import { FerryError } from '../../errors.ts'
import type { OfferFile } from '../../protocol/transfer.ts'
import type { PlacedIdentity, TransferStore } from '../../store/index.ts'
import { Bitmap } from '../bitmap.ts'
import { chunkRange } from '../manifest/chunking.ts'
import { fileMode, setMetadataOf, timeSetNs } from '../folder/finalize.ts'
import { floorMs } from '../manifest/manifest.ts'
import { PART_DIR, collisionName, isCollisionName, joinUnder, resolveInside, validateRelativePath } from '../folder/safe-path.ts'
import type { ChunkSink } from '../sink/sink.ts'
import { chunkBufferSize } from '../sink/buffer-pool.ts'
import { readSpool, type Spooled } from './spool.ts'
import { RemovedFolders } from './removed-folders.ts'
import { isZeroChunk } from './zero-chunks.ts'

export interface FileState {
  index: number
  entry: OfferFile
  readonly partPath: string
  bitmap: Bitmap
  done: boolean
  dest?: string
  /** The sender could not serve it (E_SOURCE_CHANGED): the receipt says it was not received. */
  unavailable?: FerryError
}

/**
 * The bytes of a file the receiver holds verified (its recorded chunks): for the sender's bar of that file
 * (fetch.ts), what a cancel deletes of files not yet whole (Receiver.heldOfUnplaced), what a receipt does not count
 * of files given up.
 */
export function heldOf (fs: Pick<FileState, 'entry' | 'bitmap'> | undefined): number {
  if (fs == null) return 0
  const { size, chunkSize } = fs.entry
  const n = fs.bitmap.done
  const last = fs.entry.chunks.length - 1
  // every chunk but the last is chunkSize long
  return n === 0 ? 0 : Math.min(size, n * chunkSize - (last >= 0 && fs.bitmap.has(last) ? chunkSize - chunkRange(last, size, chunkSize).length : 0))
}

/** The part file of the offer's entry `index` in `partDir`. */
export function partFileOf (partDir: string, index: number): string {
  return joinUnder(partDir, String(index))
}

/**
 * A file's state as a plan makes it: its part file's path made when asked
 * for, not kept. A receive holds one per file through its fetch, and a path
 * of ~100 characters each was 3.6 MB for 30,000 files (heap snapshot);
 * it is asked for a few times a file, each time a file-system call's worth
 * of work anyway.
 */
export class PlannedFile implements FileState {
  readonly index: number
  readonly entry: OfferFile
  private readonly partDir: string
  bitmap: Bitmap
  done: boolean
  dest?: string
  unavailable?: FerryError

  constructor (index: number, entry: OfferFile, partDir: string, bitmap: Bitmap, done: boolean, dest: string | undefined) {
    this.index = index
    this.entry = entry
    this.partDir = partDir
    this.bitmap = bitmap
    this.done = done
    this.dest = dest
  }

  get partPath (): string { return partFileOf(this.partDir, this.index) }
}

/** Whether `path` is a part file, `<receive folder>/.ferry-part/<root>/<index>` (finalize.ts, partDirFor). */
function isPartFile (path: string): boolean {
  return basename(dirname(dirname(path))) === PART_DIR && /^\d+$/.test(basename(path))
}

/**
 * A chunk to fetch; `spooled`: its start, kept from an earlier run
 * (unverified; verified with the rest), and `spooledFrom` the slot file of
 * that run it was read from, removed once this run has spooled it again
 * (fetch.ts): the free-space check counts those slots as room (review finding: kept to the run's end).
 */
export interface Wanted { file: number, chunk: number, spooled?: Uint8Array, spooledFrom?: string }

export interface Plan {
  files: FileState[]
  queue: Wanted[]
  /**
   * Chunks with the same content as one queued for fetching, by that one's
   * "file/chunk": copied from it once it is verified (receiver.ts), not
   * fetched again. The same photo twice in one send, or a file's repeated
   * blocks (zeros), cross the wire once.
   */
  followers: Map<string, Wanted[]>
  haveBytes: number
  /** Of haveBytes, what this plan copied locally (dedup index, or the same content in this receive's part files) */
  copiedBytes: number
  /**
   * Of haveBytes, the files it found placed by another receive (or an earlier
   * transfer): indexed in the receive folder, not done by this one. Local,
   * not this receive's wire: the one of the same files from another device,
   * run while this one waited, placed them (its part files shared).
   */
  foundBytes: number
  /** From the spool: chunks found whole (verified and written now), and chunk starts kept (and their bytes). */
  spooled: { whole: number, starts: number, startBytes: number }
  /**
   * Part files kept by ended receives (other part folders) that this plan
   * copied chunks from, with the offsets it copied: one it copied every
   * kept chunk of is of no more use once this receive is done
   * (kept-parts.ts dropUsedKeptParts).
   */
  keptPartsUsed: Map<string, Set<number>>
  /** Of haveBytes, the chunks taken from the part files on verifiedInPartFile's word, unread */
  takenAsVerified: number
}

export async function planReceive (o: {
  transferId: string
  files: OfferFile[]
  receiveDir: string
  partDir: string
  store: TransferStore
  sink: ChunkSink
  /** the peer the receive is from: its share of the daemon's chunk budget (chunk-budget.ts) */
  peer?: string
  signal?: AbortSignal
  /** Files a receipt already signed says were not received: planned as given up, nothing of them fetched. */
  givenUp?: Bitmap
  /** Entries the receive folder cannot take (checkReceivePaths), with why: planned as not received, nothing of them fetched or made. */
  refused?: ReadonlyMap<number, { error: FerryError }>
  /** What it holds so far, after each entry: a plan that copies gigabytes from files already here takes a while */
  onHave?: (haveBytes: number) => void
  /**
   * The chunks that may be in the part files, where known: those a
   * prefetch wrote (prefetch.ts). Only they are read and verified there;
   * without it, every chunk the part file reaches is. (A 1 GiB file fetched
   * ahead in two ranges left the rest of its part file a hole, and the plan
   * read and hashed ~0.5 GiB of zeros: 160 ms.)
   */
  maybeInPartFile?: (file: number, chunk: number) => boolean
  /**
   * Of those, the chunks this daemon verified against the offer's very hash
   * and wrote there moments ago (a prefetch in this run, prefetch.ts):
   * taken without a second read, as the fetch's own writes are.
   */
  verifiedInPartFile?: (file: number, chunk: number) => boolean
  /** Where an offered path lands in the receive folder, when not under its own name (folderRenames) */
  localPath?: (offered: string) => string
}): Promise<Plan> {
  const saved = o.store.files(o.transferId)
  const files: FileState[] = []
  const queue: Wanted[] = []
  // chunks with a spooled start go first, so their bytes leave memory soon
  const started: Wanted[] = []
  const { byChunk: inSpool, slots } = await spooledChunks(o.partDir, o.files)
  // One listing instead of a look at each part file; the missing ones are
  // created here, before the fetch. A file creation costs this VM 250-430
  // µs of kernel CPU (the photo set: 0.3 s before its fetch). Left to the
  // sink, with a chunk's first write, it was no faster overall and the
  // receiver peaked 10-15 MB higher (interleaved loopback runs), its chunk
  // buffers waiting behind the creations in the thread pool.
  const existing = new Set(await readdir(o.partDir))
  // part files made anew below: what other receives of this content recorded of them is gone with them
  o.store.forgetSharedBitmaps(o.transferId, o.files.flatMap((e, i) => e.kind === 'file' && !existing.has(String(i)) ? [i] : []))
  let created = 0
  /** slot files still holding a start this run needs (until it is spooled again) */
  const needed = new Set<string>()
  const spooled = { whole: 0, starts: 0, startBytes: 0 }
  let haveBytes = 0
  let copiedBytes = 0
  let foundBytes = 0
  let takenAsVerified = 0
  const keptPartsUsed = new Map<string, Set<number>>()
  const unusable: Unusable = new Set()
  const removed = new RemovedFolders(o.store)
  // content seen so far in this offer, by chunk hash: queued for fetching (the
  // first of its kind), or verified in a part file here (a copy source)
  const queuedFirst = new Map<string, Wanted>()
  const heldHere = new Map<string, { fs: FileState, offset: number }>()
  const followers = new Map<string, Wanted[]>()
  for (const [index, entry] of o.files.entries()) {
    o.signal?.throwIfAborted()
    if (index > 0) o.onHave?.(haveBytes)
    const prev = saved.get(index)
    const fs: FileState = new PlannedFile(index, entry, o.partDir, new Bitmap(entry.chunks.length, prev?.bitmap), prev?.done === true, prev?.dest)
    files.push(fs)
    const refused = o.refused?.get(index)?.error
    if (entry.kind === 'dir') { if (refused !== undefined && !fs.done) fs.unavailable = refused; continue }
    if (fs.done) {
      if (stillPlaced(fs)) { haveBytes += entry.size; continue }
      // placed by an earlier run and gone since (the receive folder emptied
      // while the daemon was down): received again, not signed for as it
      // was (review finding: both sides said done, with a verified receipt,
      // for 128 files of 153 that were not there)
      fs.done = false
      fs.dest = undefined
      fs.bitmap = new Bitmap(entry.chunks.length)
      o.store.setFile(o.transferId, index, { done: false, bitmap: fs.bitmap.bytes })
    }
    if (o.givenUp?.has(index) === true || refused !== undefined) {
      fs.unavailable = refused ?? new FerryError('E_SOURCE_CHANGED', `${entry.path} was not received: the sender could no longer send it`)
      // none of it is held (haveBytes leaves it out): the chunks recorded of it
      // before it was given up must not be taken off the count again (review
      // finding: a run after a receipt that did not get through recorded a
      // negative doneBytes)
      fs.bitmap = new Bitmap(entry.chunks.length)
      continue
    }
    const adopt = { sink: o.sink, placed: { transferId: o.transferId, idx: index } }
    const relPath = o.localPath?.(entry.path) ?? entry.path
    let inPlace = await alreadyInPlace(o.receiveDir, relPath, entry, o.store, adopt)
    // changed between the look and the metadata's update: judged again, by its bytes (review finding: it was taken as it was)
    if (inPlace?.unchanged != null && !await takeOfferedMetadata(o.receiveDir, inPlace.path, inPlace.unchanged, entry, o.store)) inPlace = await alreadyInPlace(o.receiveDir, relPath, entry, o.store, adopt)
    if (inPlace != null) {
      fs.done = true
      fs.dest = inPlace.path
      haveBytes += entry.size
      // one this receive placed is done in its rows (above), or adopted: placed by a run that died before recording it
      if (inPlace.adopted !== true) foundBytes += entry.size
      continue
    }
    let partSize = 0
    if (existing.has(String(index))) {
      partSize = await sizeOf(fs.partPath)
      // longer than the file: bytes past its end are no chunk of it, and
      // nothing else would take them out before it is placed (a part file
      // fetched ahead for another entry: review finding, a 0-byte file
      // placed holding 8 MiB of another)
      if (partSize > entry.size) { await cutTo(fs.partPath, entry.size); partSize = entry.size }
    } else {
      createPartFile(fs.partPath)
      // synchronous, like the placing of files (finalize.ts), but yielding
      // every 64 files so that nothing else waits long
      if (++created % 64 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    const resuming = partSize > 0
    forgetBeyond(o, fs, partSize)
    const earlier = await earlierVersion(o.receiveDir, relPath, entry, o.store)
    for (let c = 0; c < entry.chunks.length; c++) {
      const { offset, length } = chunkRange(c, entry.size, entry.chunkSize)
      const content = contentKey(entry.chunks.at(c))
      if (fs.bitmap.has(c)) { haveBytes += length; heldHere.set(content, { fs, offset }); continue }
      // a whole chunk of zeros is neither fetched nor written: the part file reads
      // zeros where nothing was written (zero-chunks.ts); within what an earlier
      // run's part file holds, only if it does read zeros there
      if (isZeroChunk(entry, c) && (offset >= partSize || await inPartFile(o.sink, fs, c, offset, length))) {
        fs.bitmap.set(c)
        haveBytes += length
        copiedBytes += length
        continue
      }
      const held = heldHere.get(content)
      // only where the part file reaches: a chunk past its end is not there (a resumed 1 GiB receive read ~500 such chunks for nothing)
      const sure = resuming && offset + length <= partSize && o.verifiedInPartFile?.(index, c) === true
      if (sure) takenAsVerified += length
      const got = sure ? 'in part file' : await recover(o, fs, c, offset, length, resuming && offset + length <= partSize && (o.maybeInPartFile?.(index, c) ?? true), keptPartsUsed, unusable, removed)
      // else the same content earlier in this offer, else the same offset of the version received before (earlierVersion)
      if (got !== false ||
        (held != null && await copied(o.sink, held.fs.partPath, held.offset, fs, c, offset, length)) ||
        (earlier !== undefined && offset + length <= earlier.size && await copied(o.sink, earlier.path, offset, fs, c, offset, length))) {
        fs.bitmap.set(c)
        haveBytes += length
        if (got !== 'in part file') copiedBytes += length
        heldHere.set(content, { fs, offset })
        // said as it goes, not only at the next file: a big file copied from what the receive folder holds takes
        // seconds, and both sides' progress sat at 0 B through it (user-test finding: a 2.1 GiB video)
        o.onHave?.(haveBytes)
        continue
      }
      const found = inSpool.get(`${index}/${c}`)
      const start = found?.data
      if (start?.length === length && await fromSpool(o.sink, fs, c, offset, start, o.signal, o.peer)) { fs.bitmap.set(c); haveBytes += length; heldHere.set(content, { fs, offset }); spooled.whole++; continue }
      const first = queuedFirst.get(content)
      const want: Wanted = { file: index, chunk: c }
      if (first != null) {
        // a kept start of this very chunk is dropped: the copy is whole
        const key = `${first.file}/${first.chunk}`
        const list = followers.get(key)
        if (list == null) followers.set(key, [want]); else list.push(want)
        continue
      }
      queuedFirst.set(content, want)
      if (found != null && start != null && start.length < length) {
        needed.add(found.path)
        want.spooled = start
        want.spooledFrom = found.path
        started.push(want)
        spooled.starts++
        spooled.startBytes += start.length
      } else queue.push(want)
    }
  }
  // slots of chunks that are done, or that lost to a longer copy, are of no further use
  for (const path of slots) if (!needed.has(path)) await rm(path, { force: true }).catch(() => {})
  return { files, queue: [...started, ...queue], followers, haveBytes, copiedBytes, foundBytes, spooled, keptPartsUsed, takenAsVerified }
}

/**
 * The file received before under this entry's name, when its chunks were cut
 * at another size than the offer's: a file grown or cut past a step of the
 * chunk-size rule (chunkSizeFor: 2,000 MiB), or received under an older rule
 * (chunking.ts) or from a sender of another, shares no chunk hash with the
 * offer, so the dedup index finds nothing of it, yet what was not edited
 * sits at the same offsets. Its chunks are tried there (each verified
 * against the offer's hash as it is copied). A 499 MiB file with 2 MiB
 * appended went whole over the wire again, where 400 MiB with the same
 * 2 MiB sent those 2 (user-test finding). Only a file ferry placed or
 * adopted (indexed), and only then: cut as the offer's (its first chunk as
 * long as the offer's cut would make it), the index has found all there
 * is, and another file's bytes are not read for nothing. The cut is read
 * from the index, not from the rule: a file received before the rule
 * changed was cut by the rule of then (review finding: judged by today's
 * rule, one received in 256 KiB chunks and grown went whole again).
 */
async function earlierVersion (receiveDir: string, relPath: string, entry: OfferFile, store: TransferStore): Promise<{ path: string, size: number } | undefined> {
  const path = joinUnder(receiveDir, relPath)
  const known = store.indexedFile(path)
  if (known === undefined || known.size === 0) return undefined
  // its first chunk only: a 100 GiB video indexed holds 51,200 rows, and this looks at every indexed file an offer names
  const first = store.chunksAt(path, 1)[0]
  if (first === undefined || first.length === Math.min(entry.chunkSize, known.size)) return undefined
  const st = await lstat(path).catch(() => undefined)
  return st?.isFile() === true ? { path, size: Math.min(known.size, st.size) } : undefined
}

/**
 * A file an earlier run placed is still there: a regular file of its size
 * where it was placed (a look, not its bytes: a file edited since is the
 * person's own business; one removed or replaced by something else is not
 * received any more).
 */
function stillPlaced (fs: FileState): boolean {
  if (fs.dest === undefined) return false
  const st = lstatSync(fs.dest, { throwIfNoEntry: false })
  return st !== undefined && st.isFile() && st.size === fs.entry.size
}

/**
 * Chunks recorded as verified that the part file does not reach: it was
 * removed meanwhile (by a person, a cleaner, or a power cut that lost its
 * folder's entry), and this one is new or shorter. They are fetched again,
 * and forgotten in the store at once, before anything is written to the
 * part file: a write further on would make it long enough for the old
 * record to pass this check after a crash, and a file with holes of zeros
 * where those chunks were would be placed and signed for (review finding).
 */
function forgetBeyond (o: { transferId: string, store: TransferStore }, fs: FileState, partSize: number): void {
  let dropped = false
  for (let c = 0; c < fs.entry.chunks.length; c++) {
    if (!fs.bitmap.has(c)) continue
    const { offset, length } = chunkRange(c, fs.entry.size, fs.entry.chunkSize)
    if (offset + length > partSize) { fs.bitmap.unset(c); dropped = true }
  }
  if (dropped) o.store.setFile(o.transferId, fs.index, { done: false, bitmap: fs.bitmap.bytes })
}

/** A chunk hash as a map key (32 bytes as a 32-character string: no hex, no copy of the bytes kept). */
export function contentKey (hash: Uint8Array): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('latin1')
}

/** Copy chunk `chunk` of `fs` from a part file of this receive that holds the same content (verified on the way); false if it does not. */
async function copied (sink: ChunkSink, src: string, srcOffset: number, fs: FileState, chunk: number, offset: number, length: number): Promise<boolean> {
  try {
    await sink.copy(src, srcOffset, fs.partPath, offset, length, fs.entry.chunks.at(chunk))
    return true
  } catch {
    // not what it should hold, or unreadable: fetched instead
    return false
  }
}

/** What the spool slots hold, by "file/chunk" (of two slots with the same chunk, the longer start), and every slot file read. */
async function spooledChunks (partDir: string, files: OfferFile[]): Promise<{ byChunk: Map<string, Spooled>, slots: string[] }> {
  const found = await readSpool(partDir, (f, c) => {
    const e = files[f]
    if (e == null || e.kind !== 'file' || c >= e.chunks.length) return undefined
    return chunkRange(c, e.size, e.chunkSize).length
  })
  const byChunk = new Map<string, Spooled>()
  for (const s of found) {
    const key = `${s.fileIndex}/${s.chunk}`
    if ((byChunk.get(key)?.data.length ?? 0) < s.data.length) byChunk.set(key, s)
  }
  return { byChunk, slots: found.map((s) => s.path) }
}

/** A whole chunk found in the spool (it arrived, but its write to the part file had not finished): verify it and write it. */
async function fromSpool (sink: ChunkSink, fs: FileState, chunk: number, offset: number, data: Uint8Array, signal?: AbortSignal, peer?: string): Promise<boolean> {
  // its turn in the daemon's chunk budget may be long (other receives hold it): a cancel or a pause does not wait for it
  const buf = await sink.buffer(chunkBufferSize(data.length), signal, peer)
  buf.set(data, 0)
  try {
    await sink.write(fs.partPath, offset, buf, data.length, fs.entry.chunks.at(chunk))
    return true
  } catch (err) {
    if ((err as { code?: string }).code === 'E_HASH_MISMATCH') return false
    throw err
  }
}

/**
 * A file found in place: where, and, when it is untouched since ferry
 * placed it or last set its time and mode (same inode and change time, and
 * its metadata still ferry's), its status as found: only such a file may
 * get the offer's time and mode (takeOfferedMetadata, which looks no more).
 */
/** `adopted`: found by its bytes, not indexed (adoptInPlace) */
export interface InPlace { path: string, unchanged?: BigIntStats, adopted?: true }

/**
 * Where the same content already sits at the destination (indexed, and
 * unchanged on disk since), if it does: under the name offered, or under a
 * name it got there because that one was taken ("IMG (1).jpg"), so that a
 * send repeated into a folder with name clashes adds no copy each time.
 * With `adopt`, also a file found there by its bytes (adoptInPlace).
 */
export async function alreadyInPlace (receiveDir: string, relPath: string, entry: OfferFile, store: TransferStore, adopt?: { sink: ChunkSink, placed: { transferId: string, idx: number } }, o: { estimate?: boolean } = {}): Promise<InPlace | undefined> {
  // relPath as offered (validated) or renamed around a file (folderRenames): joined without join's normalizing
  const wanted = joinUnder(receiveDir, relPath)
  const here = await holds(wanted, entry, store, adopt?.sink, o.estimate)
  if (here != null) return { path: wanted, unchanged: here.unchanged }
  // a "name (n)" is given only when the name is taken; if it is free now,
  // the file goes there. Synchronous, like the placing of files
  // (finalize.ts): a look for a file that is not there takes microseconds,
  // and an await of the thread pool for each file of a new send kept the
  // plan waiting.
  if (!exists(wanted)) return undefined
  for (const f of store.filesWithRoot(entry.fileRoot)) {
    if (dirname(f.path) !== dirname(wanted) || !isCollisionName(basename(f.path), basename(wanted))) continue
    const there = await holds(f.path, entry, store, adopt?.sink, o.estimate)
    if (there != null) return { path: f.path, unchanged: there.unchanged }
  }
  if (adopt === undefined) return undefined
  const adopted = await adoptInPlace(receiveDir, relPath, entry, store, adopt.sink, adopt.placed)
  return adopted === undefined ? undefined : { path: adopted, adopted: true }
}

/** The coarsest steps a file system keeps modification times in (FAT: 2 s). */
const COARSEST_TIME_MS = 2000

/** How many "name (n)" adoptInPlace looks at, as placeFile tries as many names. */
const MAX_ADOPT_NAMES = 100

/**
 * A file not in the index that has this entry's size, time (within a FAT
 * step) and content,
 * under its name or a "name (n)" it could have got: one placed by a run that
 * died before recording it (the receiver records placed files in batches),
 * or the same file put there by other means. It is recorded as this file,
 * done, instead of being fetched again and placed next to itself. Only
 * reached when the name is taken; the bytes are read (and hashed) only when
 * size and time match.
 */
async function adoptInPlace (receiveDir: string, relPath: string, entry: OfferFile, store: TransferStore, sink: ChunkSink, placed: { transferId: string, idx: number }): Promise<string | undefined> {
  const wanted = join(receiveDir, relPath)
  /** checked once, for the first candidate worth reading: its folders are every candidate's */
  let inside: Promise<boolean> | undefined
  for (let n = 0; n <= MAX_ADOPT_NAMES; n++) {
    const candidate = n === 0 ? wanted : collisionName(wanted, n)
    // bigint times: Stats.mtimeMs, a double, rounds a time in the last ~0.2 µs of a millisecond up into the next one
    const st = await lstat(candidate, { bigint: true }).catch(() => undefined)
    // names are given in order: past the first free one, none was given
    if (st === undefined) return undefined
    // its time as a file system with coarse times keeps it (FAT: 2 s steps); the bytes are compared anyway
    if (!st.isFile() || Number(st.size) !== entry.size || Math.abs(floorMs(st.mtimeNs) - Math.floor(entry.mtimeMs)) > COARSEST_TIME_MS) continue
    // an indexed file is alreadyInPlace's to judge (it did: other content, or changed since)
    if (store.indexedFile(candidate) !== undefined) continue
    // not through a symlinked folder (only what the receive folder holds is taken as this file)
    inside ??= resolveInside(receiveDir, validateRelativePath(relPath), { lastMayBeLink: true }).then(() => true, () => false)
    if (!await inside) return undefined
    if (!await holdsChunks(sink, candidate, entry)) continue
    // its time and mode are the person's: no offer changes them; unless this
    // very receive placed it, in a run that died before recording it
    store.indexFiles([{ path: candidate, fileRoot: entry.fileRoot, size: entry.size, mtimeMs: floorMs(st.mtimeNs), identity: identityOf(st), managed: placedByThisReceive(st, entry, store, placed.transferId), chunks: entry.chunks, chunkSize: entry.chunkSize, placed }])
    return candidate
  }
  return undefined
}

/**
 * Whether a file adopted in place (its bytes are the entry's) is one this
 * receive placed itself, in a run that died before recording it: the
 * receiver records placed files in batches (up to 64, or 250 ms), and a
 * kill -9 in between left them to be adopted as the person's, so a later
 * send that only changed their time or mode on the sender reported done
 * while they kept the old ones (soak finding: 13 of 3,000 files). Told by
 * what placing leaves: the offer's time to the microsecond and its mode as
 * placed (fileMode), one link, and a change time since this receive began.
 * A copy a person made meanwhile that matches all of that (`cp -p` of the
 * same file) is then treated as ferry's, as it would have been had ferry
 * placed it: a later offer's time and mode apply to it until it is changed here.
 */
function placedByThisReceive (st: BigIntStats, entry: OfferFile, store: TransferStore, transferId: string): boolean {
  const began = store.summary(transferId)?.createdAt
  if (began === undefined || st.nlink !== 1n || st.ctimeNs < BigInt(Math.floor(began)) * 1_000_000n) return false
  if ((Number(st.mode) & 0o7777) !== fileMode(entry.mode)) return false
  // as utimesSeconds sets it: within ~0.24 µs of the offer's time (a microsecond allowed)
  const offered = BigInt(Math.floor(entry.mtimeMs)) * 1_000_000n + BigInt(entry.mtimeSubMsNs ?? 0)
  const off = st.mtimeNs - offered
  return off <= 1000n && off >= -1000n
}

/** Whether the file at `path` holds exactly `entry`'s chunks (its size was checked). */
async function holdsChunks (sink: ChunkSink, path: string, entry: OfferFile): Promise<boolean> {
  for (let c = 0; c < entry.chunks.length; c++) {
    const { offset, length } = chunkRange(c, entry.size, entry.chunkSize)
    try {
      // read-only, and not kept open: the file may not be ours to write, and a folder of them is many descriptors
      await sink.verify(path, offset, length, entry.chunks.at(c), { readOnly: true })
    } catch {
      return false
    }
  }
  return true
}

/**
 * Whether a file indexed at `path` under another root than `entry`'s holds
 * `entry`'s bytes all the same, cut into chunks of another size: received
 * before the chunk rule changed (chunking.ts), or from a sender whose rule
 * differs. The chunk size is part of the root, so the same bytes have
 * another root, and the file would be fetched again and kept twice
 * ("IMG_0001 (1).jpg"). Cut the same (an empty file, a file of one chunk
 * under both sizes, ...): the same chunk hashes say 'same' without a read,
 * another hash 'other'. Cut otherwise: read and hashed in the offer's
 * chunks with `sink` ('unknown' without one: the free-space estimate). When
 * 'same', the file is indexed anew in the offer's chunks, its identity as
 * recorded: holds then judges it as any indexed file (changed since it was
 * placed, it is read again).
 */
async function inOfferedChunks (path: string, entry: OfferFile, store: TransferStore, known: { mtimeMs: number, identity?: PlacedIdentity, managed: boolean }, sink?: ChunkSink): Promise<'same' | 'other' | 'unknown'> {
  const indexed = store.chunksAt(path)
  const sameCut = indexed.length === entry.chunks.length && indexed.every((c, i) => {
    const r = chunkRange(i, entry.size, entry.chunkSize)
    return c.offset === r.offset && c.length === r.length
  })
  let same: boolean
  if (sameCut) same = indexed.every((c, i) => entry.chunks.is(i, c.hash))
  else if (sink == null) return 'unknown'
  else {
    const st = await lstat(path).catch(() => undefined)
    same = st != null && st.isFile() && st.size === entry.size && await holdsChunks(sink, path, entry)
  }
  if (!same) return 'other'
  store.indexFiles([{ path, fileRoot: entry.fileRoot, size: entry.size, mtimeMs: known.mtimeMs, identity: known.identity, managed: known.managed, chunks: entry.chunks, chunkSize: entry.chunkSize }])
  return 'same'
}

/**
 * Whether the file at `path` is still the one received there with this
 * content. Size and modification time are not enough: content rewritten with
 * its old time put back (`cp -p`, `rsync -t`, `touch -r`) keeps both, and the
 * receiver would sign a receipt for bytes it does not hold (review finding).
 * So the inode and status-change time recorded when it was placed must match
 * too; a file whose change time moved (that rewrite, or only a `chmod` or
 * `touch` here) is read and checked against the offer's chunk hashes (with
 * `sink`; without, it counts as not held, unless `estimate`, its change time
 * cannot tell, and its size and time are as recorded), and recorded as it is
 * now when it matches. A row
 * from before identities were recorded is taken on trust once, as it was,
 * and recorded.
 */
async function holds (path: string, entry: OfferFile, store: TransferStore, sink?: ChunkSink, estimate = false): Promise<{ unchanged?: BigIntStats } | undefined> {
  const known = store.indexedFile(path)
  if (known == null || known.size !== entry.size) return undefined
  if (Buffer.compare(known.fileRoot, entry.fileRoot) !== 0) {
    // another root may be the same bytes cut into other chunks; judged here, then as any indexed file below
    const judged = await inOfferedChunks(path, entry, store, known, sink)
    if (judged === 'other' || (judged === 'unknown' && !estimate)) return undefined
  }
  // lstat: a symbolic link put at the name since holds nothing of ours (the file is placed next to it)
  const st = await lstat(path, { bigint: true }).catch(() => undefined)
  if (st == null || !st.isFile() || Number(st.size) !== entry.size) return undefined
  const now = { ino: st.ino, ctimeNs: st.ctimeNs }
  if (known.identity != null && trusted(known.identity) && known.identity.ino === now.ino && known.identity.ctimeNs === now.ctimeNs) {
    return { unchanged: known.managed ? st : undefined }
  }
  if (known.identity == null && floorMs(st.mtimeNs) === known.mtimeMs) {
    // a row from before identities: on trust, once, as it was taken then
    store.reindexFile(path, floorMs(st.mtimeNs), identityOf(st), known.managed)
    return { unchanged: known.managed ? st : undefined }
  }
  // the free-space estimate (estimate, no sink), where the change time cannot tell (FAT, exFAT: every file
  // comes here): a file of the size and time recorded counts as held, and the plan reads it. A re-send of a
  // folder onto a card or stick with less room than the folder was refused for room it did not need
  // (user-test finding). Not where the change time can tell: there one that moved is likely other bytes
  // under the old time (`cp -p`), which the plan fetches whole (review finding)
  if (sink == null && estimate && known.identity != null && !trusted(known.identity) && Math.abs(floorMs(st.mtimeNs) - known.mtimeMs) <= COARSEST_TIME_MS) return {}
  if (sink == null || !await holdsChunks(sink, path, entry)) return undefined
  // changed here and the same bytes (a chmod, a touch, the same content saved
  // again): its time and mode are the person's from now on (review finding: a
  // chmod was undone at the send after). Its change time is as good as it was
  // (a touch on ext4 sets it equal to the modification time, which does not
  // make the file system one that cannot tell: identityOf judges that where
  // ferry itself sets an old time)
  // Where the change time cannot tell (UNTRUSTED_CTIME), every send comes here: no sign of the person's hand, as it was
  const untrustedBefore = known.identity != null && !trusted(known.identity)
  store.reindexFile(path, floorMs(st.mtimeNs), untrustedBefore ? { ino: st.ino, ctimeNs: UNTRUSTED_CTIME } : now, untrustedBefore && known.managed)
  return {}
}

/**
 * A file in place, untouched here since ferry placed or recorded it, gets
 * the time and permission bits of this offer, as a newly placed one does: a
 * file only touched or chmod'ed on the sender since the last send kept its
 * old ones here (review finding; `rsync -t -p` sets them too). Only such a
 * file (review of that: a file read again or adopted may carry a choice of
 * the person's here, a `chmod 600`): not one with another name elsewhere (a
 * hard link), not through a symbolic link on the way, and through one
 * descriptor whose file must still be the one recorded. Best effort: a file
 * that cannot take them (immutable, another owner's, a read-only mount) is
 * in place all the same. Recorded as it is afterwards (its change time moved).
 */
async function takeOfferedMetadata (receiveDir: string, path: string, st: BigIntStats, entry: OfferFile, store: TransferStore): Promise<boolean> {
  // to the nanosecond, as placing it would set it: within a FAT step (2 s), as adoptInPlace judges, a time
  // touched on the sender by less (a sub-millisecond change, 1.5 s) never reached ext4 (user-test finding).
  // Only files whose change time can tell come here, not FAT's nor exFAT's; one that keeps coarser times
  // (ext3, HFS+: whole seconds) is given the same time again at each send, a cheap futimes
  const sameTime = st.mtimeNs === timeSetNs(entry.mtimeMs, entry.mtimeSubMsNs ?? 0)
  if (sameTime && (Number(st.mode) & 0o7777) === fileMode(entry.mode)) return true
  if (st.nlink !== 1n) return true
  try {
    await resolveInside(receiveDir, validateRelativePath(relative(receiveDir, path)), { lastMayBeLink: true })
    const after = await setMetadataOf(path, { ino: st.ino, ctimeNs: st.ctimeNs }, entry.mtimeMs, entry.mtimeSubMsNs ?? 0, entry.mode)
    if (after === undefined) return false
    store.reindexFile(path, floorMs(after.mtimeNs), identityOf(after), true)
    return true
  } catch (err) {
    // cannot take them (immutable, another owner's, a read-only mount): in place as it is
    const code = (err as NodeJS.ErrnoException).code
    return code === 'EPERM' || code === 'EACCES' || code === 'EROFS'
  }
}

/**
 * A status-change time no program can set back, or UNTRUSTED_CTIME: sshfs
 * (and some FUSE file systems) report the modification time as the change
 * time, so putting an old time back restores both (review finding). Judged
 * where a file's time was just set to the sender's (placed, or given the
 * offer's), or found so (adopted): on a file system that keeps a change
 * time the two differ then; where they are equal, the file is read to the
 * end at every send.
 */
export function identityOf (st: { ino: bigint, ctimeNs: bigint, mtimeNs: bigint }): PlacedIdentity {
  return { ino: st.ino, ctimeNs: st.ctimeNs === st.mtimeNs ? UNTRUSTED_CTIME : st.ctimeNs }
}

/** Recorded where the change time cannot tell a rewrite (identityOf): such a file is always read. */
export const UNTRUSTED_CTIME = -1n

function trusted (id: PlacedIdentity): boolean {
  return id.ctimeNs !== UNTRUSTED_CTIME
}

/** Whether anything is at `path` (not following a symbolic link there); an error reading it counts as nothing. */
export function exists (path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined
  } catch {
    return false
  }
}

/** Cut a part file to `size`, through a descriptor that follows no link (as every part file is opened). */
async function cutTo (path: string, size: number): Promise<void> {
  const fh = await open(path, constants.O_WRONLY | constants.O_NOFOLLOW)
  try { await fh.truncate(size) } finally { await fh.close() }
}

/**
 * The size of an existing part file (0 if it is gone). Part files are not
 * preallocated: they grow as chunks land, so on resume a chunk past the end
 * is known missing without reading anything.
 */
async function sizeOf (path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0
}

/**
 * An empty part file; the sink only ever opens existing ones. Readable by
 * this user only, like its folder: a file sent as private (0600) must not be
 * readable by others while it arrives (it gets the sender's permission bits
 * when it is placed, finalize.ts).
 */
export function createPartFile (path: string): void {
  closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o600))
}

/** Whether the part file holds chunk `c` at `offset`, read and verified. */
async function inPartFile (sink: ChunkSink, fs: FileState, c: number, offset: number, length: number): Promise<boolean> {
  try {
    await sink.verify(fs.partPath, offset, length, fs.entry.chunks.at(c))
    return true
  } catch {
    return false
  }
}

/**
 * How far the plan looks through the dedup index's places of one chunk, newest first: files tried at most, and rows
 * looked at. Rows of files moved away with their folder are kept (a disk not mounted now looks the same), so a look
 * that stopped at the newest four let four copies deleted with their folder hide an older one that is there, fetched
 * again over the network (user-test finding: a 2.1 GiB video the receive folder held). Bounded, and a file that
 * failed is tried once a plan (Unusable), so that places gone cost a look each, not one per chunk and row.
 */
const MAX_CHUNK_PLACES = 32
const MAX_CHUNK_ROWS = 256
/** Rows read at a time. */
const PLACES_PAGE = 16

/**
 * Files of the dedup index a plan could not copy from (gone, changed, unreadable): passed over for the rest of that
 * plan (review finding: each was tried again for every chunk it held, up to 32 failed copies per chunk; one file
 * gone holding a chunk 40 times used up the 32 tries alone).
 */
type Unusable = Set<string>

/** A chunk not yet recorded: maybe already in the part file (killed before we recorded it), else in the dedup index (a kept part file copied from goes in `keptUsed`). */
async function recover (o: { store: TransferStore, sink: ChunkSink, partDir: string }, fs: FileState, chunk: number, offset: number, length: number, resuming: boolean, keptUsed: Map<string, Set<number>>, unusable: Unusable, removed: RemovedFolders): Promise<'in part file' | 'copied' | false> {
  const hash = fs.entry.chunks.at(chunk)
  if (resuming && await inPartFile(o.sink, fs, chunk, offset, length)) return 'in part file'
  for (let tried = 0, looked = 0, before: number | undefined; tried < MAX_CHUNK_PLACES && looked < MAX_CHUNK_ROWS;) {
    const page = o.store.findChunkPage(hash, PLACES_PAGE, before)
    if (page.length === 0) break
    before = page[page.length - 1].rowid
    for (const loc of page) {
      looked++
      if (loc.length !== length || unusable.has(loc.path)) continue
      if (tried === MAX_CHUNK_PLACES) break
      tried++
      try {
        await o.sink.copy(loc.path, loc.offset, fs.partPath, offset, length, hash)
        if (isPartFile(loc.path) && dirname(loc.path) !== o.partDir) {
          const offsets = keptUsed.get(loc.path)
          if (offsets == null) keptUsed.set(loc.path, new Set([loc.offset])); else offsets.add(loc.offset)
        }
        return 'copied'
      } catch (err) {
        const code = (err as { code?: unknown }).code
        // the part file's side failed (its disk full, the sink closing): no other place would do better (review
        // finding: 32 sources read and hashed for one chunk on a full disk); fetched, which meets the same disk
        if (code === 'E_NO_SPACE' || code === 'E_CANCELLED') return false
        unusable.add(loc.path)
        // the file there went or changed since it was indexed: its rows are of
        // no more use, and would cost a look at each plan (not when its folder
        // is missing too: a disk not mounted now, unless its receive folder is there on its disk: RemovedFolders)
        // (or a kept part file, ferry's own: gone with its part folder, or replaced by a receive's new one)
        if (code === 'E_HASH_MISMATCH' || (!exists(loc.path) && (isPartFile(loc.path) || await removed.removed(loc.path)))) o.store.forgetPath(loc.path)
      }
    }
  }
  return false
}
