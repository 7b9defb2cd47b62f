// The part folders receives leave behind: kept for a re-send of the same
// content, swept once unused for a day (sweepParts) or when an offer or a
// waiting receive needs the room (sweepForRoomIn), counted for the control API (keptParts), dropped at once
// when the person cancelled the receive (dropPartsOf) or a receive done
// copied them (dropUsedKeptParts). One of the receive side's five files,
// cut from service.ts (see receives.ts, which holds the receives).
// Must never: remove a part folder a receive under way uses.

import { stat } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import type { Receiver } from './receiver.ts'
import { partDirFor } from '../folder/finalize.ts'
import { forgetPartChunks, keptPartFolders, removeKeptPartFiles, removePartFolder, sweepPartFolders } from './part-folders.ts'
import type { TransferContext } from '../context.ts'
import type { Receives } from './receives.ts'

export class KeptParts {
  private readonly ctx: TransferContext
  private readonly receives: Receives
  private keptLook: Promise<{ folders: number, bytes: number, ahead: number, dirs: string[] }> | undefined

  constructor (ctx: TransferContext, receives: Receives) {
    this.ctx = ctx
    this.receives = receives
  }

  /**
   * Remove part folders of ended receives not written to for `minAgeMs`
   * (the daemon's timer: kept a day for a re-send), never one an unfinished
   * receive uses: in the receive folder and in every receive folder a
   * receive was written to before (the daemon started with another
   * --receive-dir since; a receive that ended there left its part folder,
   * which a re-send, going to the current folder, never uses: review finding).
   */
  async sweepParts (minAgeMs: number): Promise<{ folders: number, bytes: number }> {
    return await this.sweepIn(new Set([this.ctx.c.receiveDir, ...this.ctx.c.store.receiveDirs()]), minAgeMs, undefined, 'unused for a day')
  }

  /**
   * For a receive waiting for room in `dir` (room-wait.ts), or an offer that
   * does not fit (receive-room.ts; `why` says which): the part folders of
   * ended receives there, and in the
   * other receive folders a receive was written to (the current one, those
   * of earlier runs) on the same disk, never one an unfinished receive uses
   * or `alsoKeep` (its own). Those are kept for a re-send as the current
   * folder's are: a re-send goes to the current folder and copies from them
   * (the dedup index), and no receive goes on in them but the unfinished
   * ones kept (receives.ts receiveDirOf). Not on another disk: their room
   * is not this one's. (Notes' leftover: only the current folder's went,
   * none for a receive waiting in an earlier folder, and an offer was
   * refused while ferry held room there it could give.) Whether any went.
   */
  async sweepForRoomIn (dir: string, alsoKeep: string, why = 'a receive waiting for room needed the room'): Promise<boolean> {
    const devOf = async (d: string): Promise<number | undefined> => (await stat(d).catch(() => undefined))?.dev
    const dev = await devOf(dir)
    if (dev === undefined) return false
    let known: string[]
    // a store that cannot be read now: this folder's alone
    try { known = [this.ctx.c.receiveDir, ...this.ctx.c.store.receiveDirs()] } catch { known = [] }
    const dirs = new Set([dir])
    for (const d of known) if (!dirs.has(d) && await devOf(d) === dev) dirs.add(d)
    return (await this.sweepIn(dirs, 0, alsoKeep, why)).folders > 0
  }

  private async sweepIn (dirs: Iterable<string>, minAgeMs: number, alsoKeep: string | undefined, why: string): Promise<{ folders: number, bytes: number }> {
    const keep = new Set([...this.receives.receivers.values()].filter((r) => !r.finished).map((r) => r.rootHex))
    for (const name of this.receives.prefetches.folders()) keep.add(name)
    if (alsoKeep != null) keep.add(alsoKeep)
    const freed = { folders: 0, bytes: 0 }
    for (const dir of dirs) {
      const f = await sweepPartFolders(dir, keep, minAgeMs)
      forgetPartChunks(this.ctx.c.store, f.removed, this.ctx.c.log)
      freed.folders += f.folders
      freed.bytes += f.bytes
    }
    if (freed.folders > 0) this.ctx.c.log.info('removed part folders of ended receives', { folders: freed.folders, bytes: freed.bytes, why })
    return freed
  }

  /**
   * Part files kept by ended receives that a receive now done copied most
   * of (Plan.keptPartsUsed): what they held is in place now, or was of an
   * older version of what is. They go at once, and a part folder left without part files with them;
   * before, a re-send after a change kept both copies for a day (user-test
   * finding: 231.8 MiB shown kept after everything had arrived). Not in a
   * part folder a receive under way uses (a re-send of that very content).
   * Called after the receive's run, which no longer holds its own folder's
   * lock then.
   */
  async dropUsedKeptParts (used: ReadonlyMap<string, ReadonlySet<number>>): Promise<void> {
    // only those it copied at least half the kept chunks of: a file sent again after an edit copies all
    // but the chunks edited (user-test finding: kept for a day after), where a receive that shared a
    // chunk or two with it leaves it a re-send's worth (review finding: one chunk removed it whole)
    const byDir = new Map<string, string[]>()
    for (const [p, copied] of used) {
      // (none known any more: not known to be used up either)
      const kept = this.ctx.c.store.chunkOffsetsAt(p)
      if (kept.length === 0 || kept.filter((o) => copied.has(o)).length * 2 < kept.length) continue
      byDir.set(dirname(p), [...(byDir.get(dirname(p)) ?? []), p])
    }
    const inUse = (root: string): boolean => [...this.receives.receivers.values()].some((x) => !x.finished && x.rootHex === root)
    let files = 0
    let bytes = 0
    for (const [dir, paths] of byDir) {
      const root = basename(dir)
      if (inUse(root)) continue
      // in the admissions' turn: an offer of that very content being admitted counts on the folder (its space check, a prefetch handed over) (review finding)
      await this.receives.oneAdmissionAtATime(async () => {
        if (inUse(root)) return
        const release = await this.receives.partDirs.acquire(root)
        try {
          const r = await removeKeptPartFiles(dir, paths, this.ctx.c.store, this.ctx.c.log)
          files += r.files
          bytes += r.bytes
        } finally {
          release()
        }
      })
    }
    if (files > 0) this.ctx.c.log.info('removed kept part files a receive copied from', { files, bytes })
  }

  /**
   * A receive cancelled here, by the person on this device: what it fetched
   * is not kept for a re-send, as it is after the sender's cancel or a
   * failure (review finding: a day of hundreds of MB nobody asked for, shown
   * nowhere). Not while another receive of the same content uses it.
   * `unlessKept`: nor when its part files hold chunks kept for a re-send
   * (service.ts onEnd, a receive cancelled by its sender with none of its own).
   * Whether its part folder went (the cancel then says what it held: TransferInfo.droppedBytes).
   */
  async dropPartsOf (r: Receiver, opts: { unlessKept?: boolean } = {}): Promise<boolean> {
    const inUse = (): boolean => [...this.receives.receivers.values()].some((o) => o !== r && !o.finished && o.rootHex === r.rootHex)
    if (inUse()) return false
    // the folder's lock, as a run holds it: a receive of the same content that begins while it goes (sent again just
    // after a cancel, which its sender is now answered before this removal: service.ts onEnd) waits for it and makes
    // its folder anew, instead of having its part files removed under it
    const release = await this.receives.partDirs.acquire(r.rootHex)
    try {
      return !inUse() && await this.removeUnlessKept(r, opts)
    } finally {
      release()
    }
  }

  private async removeUnlessKept (r: Receiver, opts: { unlessKept?: boolean }): Promise<boolean> {
    if (opts.unlessKept === true) {
      // an earlier receive of the same content (cancelled, failed) kept its verified chunks there, indexed; `r`, which
      // verified none of its own (an offer cancelled before it was accepted, a receive cancelled while it planned),
      // is no reason to drop them (review finding: a re-send cancelled while offered took the folder of the
      // cancelled receive before it, all of it to fetch again)
      try {
        if (this.ctx.c.store.indexedUnder(partDirFor(r.receiveDir, r.rootHex))) return false
      } catch (err) {
        this.ctx.c.log.warn('cannot tell whether a part folder holds chunks kept for a re-send; kept', { id: r.id, err: (err as Error).message })
        return false
      }
    }
    const removed = await removePartFolder(r.receiveDir, r.rootHex).then(() => true, (err: Error) => { this.ctx.c.log.warn('cannot remove the part folder of a cancelled receive', { id: r.id, err: err.message }); return false })
    forgetPartChunks(this.ctx.c.store, [partDirFor(r.receiveDir, r.rootHex)], this.ctx.c.log)
    return removed
  }

  /**
   * Part folders in the receive folder that receives under way do not use:
   * kept for a re-send, swept after a day. One look at a time: on a network
   * mount that hangs, each look holds a thread of libuv's pool, and four
   * would stop every file operation of the daemon (review finding).
   */
  async keptParts (): Promise<{ folders: number, bytes: number, ahead: number, dirs: string[] }> {
    const active = new Set([...this.receives.receivers.values()].filter((r) => !r.finished).map((r) => r.rootHex))
    for (const name of this.receives.prefetches.fetchingFolders()) active.add(name)
    // also in the receive folders of earlier runs (another --receive-dir then): the daily sweep
    // looks there too, and what they hold is on a disk all the same (user-test finding: not counted)
    this.keptLook ??= (async () => {
      const kept = { folders: 0, bytes: 0, ahead: 0, dirs: [] as string[] }
      for (const dir of new Set([this.ctx.c.receiveDir, ...this.ctx.c.store.receiveDirs()])) {
        const k = await keptPartFolders(dir, active)
        if (k.folders === 0) continue
        kept.folders += k.folders
        kept.bytes += k.bytes
        kept.ahead += k.ahead
        kept.dirs.push(dir)
      }
      return kept
    })().finally(() => { this.keptLook = undefined })
    return await this.keptLook
  }
}
