// Whether the receive folder, as it is now, can take an offer: the folder
// made again on its own disk if it went (makeReceiveFolderOnItsDisk), the
// offer's paths checked there, and the room it needs found, part folders
// of ended receives swept for it when short (checkFits, ensureSpace). For
// a new offer (offer-intake.ts) and again when one is accepted
// (offer-decisions.ts). One of the receive side's five files, cut from
// service.ts (see receives.ts, which holds the receives).
// Must never: record or answer an offer (offer-intake.ts does).

import { lstat } from 'node:fs/promises'
import { join } from 'node:path'
import { toFerryError } from '../../errors.ts'
import type { OfferMsg } from '../../protocol/transfer.ts'
import type { Receiver } from './receiver.ts'
import { checkOfferPaths, foldersPlaced, type Refusal } from '../folder/safe-path.ts'
import { checkSpace, type SpaceNeed } from '../folder/space.ts'
import { partDirFor } from '../folder/finalize.ts'
import { alreadyInPlace } from './receive-plan.ts'
import { keepsHoles, zeroBytes } from './zero-chunks.ts'
import { checkReceiveFolder, makeReceiveFolder } from '../folder/receive-folder.ts'
import { DISK_AWAY_LOG, diskNotMounted, lookAtReceiveMount, storeMountMemory } from '../folder/receive-mount.ts'
import { partFolderBytes } from './part-folders.ts'
import { readMountinfoOnce, type MountinfoRead } from '../mounts.ts'
import type { TransferContext } from '../context.ts'
import { spoolOf, type Receives } from './receives.ts'

export class ReceiveRoom {
  private readonly ctx: TransferContext
  private readonly receives: Receives

  constructor (ctx: TransferContext, receives: Receives) {
    this.ctx = ctx
    this.receives = receives
  }

  /**
   * makeReceiveFolder, but not where its disk is not mounted: a receive
   * folder missing on another mount than it was last seen on is refused
   * (receive-mount.ts), and one that is there has its mount remembered.
   * Returns mountinfo as it read it, for checkFits: read once per offer
   * (notes' leftover: each look read it again, three times for a folder
   * made again), a few milliseconds apart.
   */
  async makeReceiveFolderOnItsDisk (dir: string): Promise<MountinfoRead> {
    const mounts = await readMountinfoOnce()
    const memory = storeMountMemory(this.ctx.c.store, this.ctx.c.log)
    const look = await lookAtReceiveMount(dir, memory, mounts)
    if (look.missingWith !== undefined) {
      this.ctx.c.log.warn(DISK_AWAY_LOG, { receiveDir: dir, mountedAt: look.missingWith })
      throw diskNotMounted()
    }
    await makeReceiveFolder(dir)
    // made now: its mount remembered (one that was there was remembered by the look); making a folder mounts nothing
    if (look.there === false) await lookAtReceiveMount(dir, memory, mounts)
    return mounts
  }

  /**
   * The receive folder as it is now against an offer, when it comes and
   * again when the person accepts it: its paths (no symlink on the way, no
   * file where it needs a folder, nothing into ferry's own state folder)
   * and the space it needs. Returns the paths the receive folder cannot
   * take as it is (the rest is received without them). `mounts`: mountinfo
   * as makeReceiveFolderOnItsDisk read it for this offer.
   */
  async checkFits (offer: OfferMsg, self?: Receiver, mounts?: MountinfoRead): Promise<ReadonlyMap<string, Refusal>> {
    await checkReceiveFolder(this.ctx.c.receiveDir, mounts)
    const { renamed, refused } = await checkOfferPaths(this.ctx.c.receiveDir, offer.files, this.receives.stateFolder, { mounts })
    // the rest is received; the receipt names these (the plan finds them again at each run)
    if (refused.size > 0) this.ctx.c.log.warn('paths of an offer refused; the rest will be received', { id: Buffer.from(offer.transferId).toString('hex'), refused: refused.size, first: refused.values().next().value!.error.message })
    await this.ensureSpace(offer, renamed, refused, self)
    return refused
  }

  /**
   * Refuse an offer that does not fit (E_NO_SPACE), counting what the
   * receiver holds of it already (files in place, the part folder of an
   * earlier attempt) and what accepted receives still need. When it does not
   * fit, the part folders of ended receives go first (part-folders.ts), in
   * every receive folder of its disk (KeptParts.sweepForRoomIn).
   */
  private async ensureSpace (offer: OfferMsg, renamed: ReadonlyMap<string, string>, refused: ReadonlyMap<string, unknown>, self?: Receiver): Promise<void> {
    const dir = this.ctx.c.receiveDir
    const rootHex = Buffer.from(offer.root).toString('hex')
    let inPlace = 0
    let inPlaceFiles = 0
    const others = (r: Receiver): boolean => r !== self && r.rootHex !== rootHex
    const reserved = this.receives.reservedIn(dir, others)
    const reservedFiles = this.receives.filesReservedIn(dir, others)
    const partDir = partDirFor(dir, rootHex)
    // the holes of sparse files are never written (zero-chunks.ts), where the file system keeps holes, nor are the paths refused
    const taken = refused.size === 0 ? offer.files : offer.files.filter((f) => !refused.has(f.path))
    const zeros = zeroBytes(taken)
    const holes = zeros > 0 && await keepsHoles(dir)
    const total = taken.reduce((n, f) => n + f.size, 0) - (holes ? zeros : 0)
    // each folder it makes takes an inode too: counted all made until looked for here (below), as the files in place
    // are (review finding: 50 files, each in two folders of its own, fitted 50 and 64 kept free, and failed with
    // "ENOSPC: no space left on device, mkdir …" once the 101 folders had taken the inodes)
    const folders = foldersPlaced(taken, renamed)
    let newFolders = folders.size
    const need = async (): Promise<SpaceNeed> => {
      const { held, spooled, partFiles } = await partFolderBytes(partDir)
      // room for the spool of what is still to fetch, not of the whole offer (review finding: a re-send all in place was refused)
      // and an inode for each file not here yet (space.ts, inodeShortage), besides those of receives accepted that wait their turn
      return { total, inPlace, held, reserved, spool: spoolOf(offer.files, total - inPlace - held), spooled, files: Math.max(0, taken.filter((f) => f.kind === 'file').length - inPlaceFiles - partFiles) + newFolders, reservedFiles }
    }
    /** undefined when the offer fits, else the E_NO_SPACE that says by how much it does not */
    const shortage = async (): Promise<unknown> => {
      try {
        await checkSpace(dir, await need())
        return undefined
      } catch (err) {
        if (toFerryError(err).code !== 'E_NO_SPACE') throw err
        return err
      }
    }
    let short = await shortage()
    if (short === undefined) return
    // Files already in place need no room. Looked for only when the offer
    // does not fit without them: it costs a stat per file (~100 ms of the
    // offer's answer for 1,000 photos, which the plan does again anyway).
    for (const f of taken) if (f.kind === 'file' && await alreadyInPlace(dir, renamed.get(f.path) ?? f.path, f, this.ctx.c.store, undefined, { estimate: true }) != null) { inPlace += f.size - (holes ? zeroBytes([f]) : 0); inPlaceFiles++ }
    newFolders = 0
    for (const folder of folders) if (await lstat(join(dir, folder)).then((st) => !st.isDirectory(), () => true)) newFolders++
    short = await shortage()
    if (short === undefined) return
    // there, and in the other receive folders of its disk this daemon received into (kept-parts.ts says why that is safe)
    if (await this.receives.parts.sweepForRoomIn(dir, rootHex, 'an offer needed the room')) short = await shortage()
    if (short !== undefined) throw short
  }
}
