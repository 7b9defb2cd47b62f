// A receive whose disk filled up while it ran waits for room there
// (Receiver.awaitRoom) and goes on by itself once the room is back: the
// disk is looked at on the service's timer (every 2 s, a statfs), and the
// figures the receive shows are kept current while it waits. The room it
// needs is what is left to receive, less the chunks of zeros in it (never
// written: zero-chunks.ts), plus its spool and the disk's margin, less
// the spool slots its run left, as an offer's room is counted up front
// (receive-room.ts), and the file entries (inodes) it still makes, besides
// what the other receives there still need
// (but those that wait for room too, or cannot run now, their sender away,
// or receive the same files: those share its part folder, and one that
// placed them all lets it go, its plan to find them: sameFilesPlaced).
// Must never: start a run of a receive its peer cannot serve now (the
// caller's run() decides that), or fail a receive, but one whose receive
// folder is gone (as its run would fail as it began).

import { lstat, readdir, statfs } from 'node:fs/promises'
import { join } from 'node:path'
import { FerryError, toFerryError } from '../../errors.ts'
import { INODE_MARGIN, checkSpace } from '../folder/space.ts'
import { entriesPlaced, foldersPlaced } from '../folder/safe-path.ts'
import type { Receiver } from './receiver.ts'
import { zeroBytes } from './zero-chunks.ts'
import { spoolOf } from './receives.ts'
import { spooledBytes, statReceiveFolder } from './part-folders.ts'
import { partDirFor } from '../folder/finalize.ts'

/** How often the figures a waiting receive shows (free, needed) may change at most: each change is an event and a row written. */
const SHOWN_EVERY_MS = 10_000

export interface RoomWaitDeps {
  /** What the accepted receives into `dir` (those `which` takes) still need (Receives.reservedIn) */
  reservedIn: (dir: string, which: (r: Receiver) => boolean) => number
  /** Remove the part folders ended receives left in the folder of `r`, and in the other receive folders on its disk (kept a day for a re-send): whether any went */
  makeRoom?: (r: Receiver) => Promise<boolean>
  /** Run `r` again: there is room for it now */
  run: (r: Receiver) => void
  log: { info: (msg: string, o: Record<string, unknown>) => void, warn: (msg: string, o: Record<string, unknown>) => void }
}

export class RoomWait {
  private readonly deps: RoomWaitDeps
  /** Receives whose disk is being looked at now, with that look: one look at a time each */
  private readonly looking = new Map<Receiver, Promise<void>>()
  /** The last look asked for, by receive folder: looks at one folder go one after the other */
  private readonly lastLook = new Map<string, Promise<void>>()
  /** When each waiting receive's figures last changed (SHOWN_EVERY_MS) */
  private readonly shownAt = new WeakMap<Receiver, number>()

  constructor (deps: RoomWaitDeps) {
    this.deps = deps
  }

  /** Why the receive folder's disk lacks the room what is left of `r` needs (E_NO_SPACE), or undefined when it has it. Throws when the disk cannot be looked at: E_PATH_NOT_FOUND when the folder is gone. */
  async shortage (r: Receiver): Promise<FerryError | undefined> {
    const short = await this.lack(r)
    // the part folders ended receives left there (kept a day for a re-send) go first, as for an offer that does not
    // fit (receive-room.ts); the user was asked to free space while ferry kept what it removes for an offer (review finding)
    if (short == null || this.deps.makeRoom == null || !await this.deps.makeRoom(r)) return short
    return await this.lack(r)
  }

  private async lack (r: Receiver): Promise<FerryError | undefined> {
    // zeros left out everywhere, also where a file system keeps no holes (FAT): a count too low only runs it
    // again too soon, to wait again at its first write, where one too high would have it wait for room never needed.
    // A plan counts its chunks of zeros as held (receive-plan.ts): once planned, what is left holds none of them
    // (review finding: taken off again, a sparse receive was said to need nothing, and ran as soon as the margin was free)
    const left = Math.max(0, r.progress.left - (r.planned ? 0 : zeroBytes(r.offer.files)))
    try {
      // the file entries (inodes) it still makes, on top of those kept free (a disk out of inodes fails writes with ENOSPC too)
      // not with the room of other receives that wait for room too: each would wait for room for all, and with room
      // for one alone none would go on; they go on one after the other (one that finds the room taken waits again)
      // the spool slots its run left (chunk starts on their way in) count as room: its next plan reads them back and
      // removes them, as an offer's check counts them (review finding: asked for on top, up to its whole spool more)
      // nothing there (removed, or its disk unmounted), as its run would find as it began (makePartFolder); statfs's
      // ENOENT read as any failed look, and the receive ran to learn it (notes' leftover)
      await statReceiveFolder(r.receiveDir)
      const spooled = await spooledBytes(partDirFor(r.receiveDir, r.rootHex))
      // nor those of the same files: they share its part folder, and run one after the other (the part folder's lock), the
      // later finding what the earlier placed, so their room is this one's; counted on top (notes' leftover), the files'
      // room was asked twice, and the spool slots they share counted as room by each
      const others = (o: Receiver): boolean => o !== r && o.waitsFor == null && o.rootHex !== r.rootHex
      await checkSpace(r.receiveDir, { total: left, reserved: this.deps.reservedIn(r.receiveDir, others), spool: spoolOf(r.offer.files, left), spooled, files: await entriesLeft(r) })
      return undefined
    } catch (err) {
      const fe = toFerryError(err)
      if (fe.code === 'E_NO_SPACE') return fe
      throw fe
    }
  }

  /** Look at the disk of `r`, which waits for room (Receiver.waitsFor): run it once there is room, else keep what it shows current. Resolves once that look (or the one under way) is done. */
  async look (r: Receiver): Promise<void> {
    const under = this.looking.get(r)
    if (under != null) return await under
    // after the looks of the others waiting on the same folder: one let go runs (or holds its room, its sender away),
    // and counts for the next. Looked at together (the service's timer looks at all in one go) each found the room of
    // one and left the other out as waiting, and both went on, to split the room and fill the disk again (review finding)
    const dir = r.receiveDir
    const looked: Promise<void> = (this.lastLook.get(dir) ?? Promise.resolve())
      .then(async () => { await this.lookNow(r) })
      .catch(() => undefined)
      .finally(() => {
        this.looking.delete(r)
        if (this.lastLook.get(dir) === looked) this.lastLook.delete(dir)
      })
    this.looking.set(r, looked)
    this.lastLook.set(dir, looked)
    await looked
  }

  /**
   * `done` placed the files `r` waits for room to receive (the same files,
   * into the same folder): `r` goes on, its plan to find them there. Its
   * count of what is left is its last plan's, and it waited on for the room
   * those files had taken (notes' leftover). Not while the other runs: a
   * run of each in turn on a full disk would go on and on.
   */
  sameFilesPlaced (r: Receiver, done: Receiver): void {
    if (r.finished || r.active || r.waitsFor == null) return
    this.deps.log.info('another receive placed the same files; the transfer goes on', { id: r.id, placedBy: done.id })
    r.roomBack()
    this.deps.run(r)
  }

  private async lookNow (r: Receiver): Promise<void> {
    let short: FerryError | undefined
    let unseen: FerryError | undefined
    try { short = await this.shortage(r) } catch (err) { unseen = toFerryError(err) }
    if (r.finished || r.active || r.waitsFor == null) return
    // its folder gone (removed, or its disk unmounted): it fails now, saying so (notes' leftover: it was let run, and
    // failed as its run began, or said it went on once its sender was online when that one was away)
    if (unseen?.code === 'E_PATH_NOT_FOUND') {
      this.deps.log.warn('the receive folder is gone while a transfer waited for room there; the transfer fails', { id: r.id, receiveDir: r.receiveDir })
      r.receiveFolderGone(unseen)
      return
    }
    if (short == null) {
      // a disk that cannot be looked at otherwise (EACCES, EIO): its run says what
      if (unseen != null) this.deps.log.info('the receive folder\'s disk cannot be looked at; the transfer runs, and says what', { id: r.id, err: unseen.message })
      else this.deps.log.info('room in the receive folder again; the transfer goes on', { id: r.id })
      r.roomBack()
      this.deps.run(r)
      return
    }
    const now = Date.now()
    if (now - (this.shownAt.get(r) ?? 0) < SHOWN_EVERY_MS) return
    this.shownAt.set(r, now)
    r.stillShort(short)
  }
}

/**
 * The file entries (inodes) what is left of `r` makes: a part file for each
 * file not placed (nor left out) that has none yet (its plan makes them all
 * up front), and the folders of its offer not here yet (made as files are
 * placed); its spool's slots and part folder are in the margin kept free
 * (INODE_MARGIN).
 * Counted only when the disk has fewer free than the most it could make
 * (entriesPlaced): a look at its part folder, its record and each folder.
 * (Notes' leftover: 1 was asked, the least its spool needs, so it ran again
 * as soon as the margin was free, to fail at its next part file or folder,
 * and said "this needs 1".) An earlier name of a folder a file was in the
 * way of counts as not here: a little more, never less.
 */
async function entriesLeft (r: Receiver): Promise<number> {
  const most = entriesPlaced(r.offer.files)
  const st = await statfs(r.receiveDir)
  // a file system that does not count them (btrfs, FUSE: 0) is never short of them (space.ts inodeShortage)
  if (Number(st.files) === 0 || Number(st.ffree) >= most + INODE_MARGIN) return most
  let settled: ReadonlySet<number>
  // its record not readable now: the least, as before, rather than a count that may never be free (it runs, and waits again)
  try { settled = r.settledFiles() } catch { return 1 }
  const made = new Set(await readdir(partDirFor(r.receiveDir, r.rootHex)).catch(() => []))
  let left = 0
  for (const [i, f] of r.offer.files.entries()) if (f.kind === 'file' && !settled.has(i) && !made.has(String(i))) left++
  for (const folder of foldersPlaced(r.offer.files)) if (await lstat(join(r.receiveDir, folder)).then((d) => !d.isDirectory(), () => true)) left++
  return left
}
