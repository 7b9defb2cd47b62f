// The offers that wait here for a decision: shown (offers, with what the
// receive folder cannot take of each as it is now), accepted or declined
// by the person on this device, and asked about at their sender when this
// daemon found them at start (checkPendingOffer: a cancel sent while it was
// down is lost). One of the receive side's five files, cut from service.ts
// (see receives.ts, which holds the receives).
// Must never: admit a new offer (offer-intake.ts).

import type { Stream } from '@libp2p/interface'
import { setTimeout as sleep } from 'node:timers/promises'
import { FerryError, toFerryError } from '../../errors.ts'
import { FrameReader, encodeChunkRequest, readChunkHeader, sendAll } from '../../protocol/transfer.ts'
import { isFinalState, type OfferInfo, type TransferInfo } from '../../daemon/control/types.ts'
import { readMountinfoOnce } from '../mounts.ts'
import type { Receiver } from './receiver.ts'
import { checkOfferPaths } from '../folder/safe-path.ts'
import { refusedSummary, toOfferInfo } from '../snapshot.ts'
import type { TransferContext } from '../context.ts'
import type { Receives } from './receives.ts'
import type { ReceiveRoom } from './receive-room.ts'

/** How long checkPendingOffer waits for a sender's "no such offer"; a sender that still offers it says nothing. */
const OFFER_CHECK_MS = 5000
/** How often the offers waiting for a decision are looked at again for paths their receive folder cannot take, at most, and how long a call waits for that look. */
const OFFERS_LOOK_MS = 1000
const OFFERS_LOOK_WAIT_MS = 2000

export class OfferDecisions {
  private readonly ctx: TransferContext
  private readonly receives: Receives
  private readonly room: ReceiveRoom
  /** The look at the offers waiting for a decision under way, and when the last one began (offers) */
  private offersLook?: Promise<void>
  private offersLookedAt = 0

  constructor (ctx: TransferContext, receives: Receives, room: ReceiveRoom) {
    this.ctx = ctx
    this.receives = receives
    this.room = room
  }

  /**
   * The offers waiting for a decision, each with the paths the receive
   * folder cannot take as it is now: it may have changed since the offer
   * came (review finding: a link removed meanwhile was still warned of), and
   * an offer reloaded after a restart was never looked at. One look at a
   * time, at most every OFFERS_LOOK_MS, waited for OFFERS_LOOK_WAIT_MS at
   * most (16 offers of 100,000 entries take a while to look at, and `ferry
   * transfers` and the TUI's connect ask for offers too: review finding);
   * beyond that, as the last look found them. A look that finds a change
   * tells the TUI (an `offer` event).
   */
  async offers (): Promise<OfferInfo[]> {
    if (this.offersLook == null && Date.now() - this.offersLookedAt >= OFFERS_LOOK_MS) {
      this.offersLookedAt = Date.now()
      this.offersLook = this.lookAtOffers().finally(() => { this.offersLook = undefined })
    }
    if (this.offersLook != null) await Promise.race([this.offersLook, sleep(OFFERS_LOOK_WAIT_MS, undefined, { ref: false })])
    return [...this.receives.receivers.values()].filter((r) => r.state === 'offered').map((r) => toOfferInfo(r, this.ctx.c.peerName(r.peerId)))
  }

  private async lookAtOffers (): Promise<void> {
    const offered = [...this.receives.receivers.values()].filter((x) => x.state === 'offered')
    // one read of the mounts for all of them (checkReceivePaths looks for disks mounted inside the receive folder)
    const mounts = offered.length > 0 ? await readMountinfoOnce() : undefined
    for (const r of offered) {
      try {
        // `partly`: an offer every file of which is refused now is counted whole, not thrown (review finding: the last, smaller count stayed)
        const { refused } = await checkOfferPaths(this.ctx.c.receiveDir, r.offer.files, this.receives.stateFolder, { partly: true, mounts })
        const now = refusedSummary(r.offer.files, refused)
        if (JSON.stringify(now) === JSON.stringify(r.refusedAtOffer)) continue
        r.refusedAtOffer = now
        if (r.state === 'offered') this.ctx.c.emitOffer(toOfferInfo(r, this.ctx.c.peerName(r.peerId)))
      } catch {
        // the folder cannot be looked at now: as last known
      }
    }
  }

  /** Why `id` is no offer to decide on: what it is instead, when it is a transfer (user-test finding: "no pending offer" for one done long ago). */
  private notAnOffer (id: string): FerryError {
    const info = this.ctx.info(id)
    if (info == null) return new FerryError('E_TRANSFER_NOT_FOUND', `no pending offer ${id}`)
    const what = info.direction === 'send' ? 'a send of this device' : 'a receive'
    // one under way is stopped with cancel (user-test finding: `ferry decline` of a receive running said what it was, not how to stop it)
    const stop = isFinalState(info.state) ? '' : `; \`ferry cancel ${id.slice(0, 8)}\` stops it`
    // found, and ended or under way: a code of its own, as a script tells "no such id" from "too late" (user-test
    // findings: both were E_TRANSFER_NOT_FOUND; then one accepted or a send still was)
    return new FerryError(isFinalState(info.state) ? 'E_TRANSFER_ENDED' : 'E_NOT_PENDING', `${id} waits for no decision: it is ${what}, ${info.state === 'fetching' ? 'transferring' : info.state}${stop}`)
  }

  async accept (id: string): Promise<TransferInfo> {
    const r = this.receives.receivers.get(id)
    if (r == null || r.state !== 'offered') throw this.notAnOffer(id)
    // as for offers: two accepted at the same moment both passed the space
    // check (review finding), which counts only receives already accepted
    await this.receives.oneAdmissionAtATime(async () => {
      // removed since the offer came (by the user, or a cleaner): made again, as for a new offer (a receive's run does not)
      // refused here (the folder cannot be written to, no room, its disk not mounted): the offer still waits, and
      // is said to (user-test finding: the error alone, and nothing said whether the offer was gone)
      await this.room.makeReceiveFolderOnItsDisk(r.receiveDir).then(async (mounts) => { await this.room.checkFits(r.offer, r, mounts) }).catch((err: unknown) => {
        const fe = toFerryError(err)
        if (r.state !== 'offered') throw fe
        throw new FerryError(fe.code, `${fe.message}; the offer still waits for your decision: accept it again once that is mended, or decline it`, { cause: err })
      })
      // the checks awaited: a decline, or the sender's cancel, may have come meanwhile
      if (r.state !== 'offered') throw new FerryError(isFinalState(r.state) ? 'E_TRANSFER_ENDED' : 'E_NOT_PENDING', `offer ${id} was ${r.state} meanwhile`)
      // recorded first: a store that cannot take it (its disk full) fails the accept with a code, and the offer still waits (review finding: memory said accepted, and the receive ran)
      // how long it waited for this decision: the transfer's own time is said without it (TransferInfo.acceptWaitSeconds)
      const acceptWaitMs = Math.max(0, Date.now() - r.createdAt)
      try {
        this.ctx.pendingStates.update(id, { state: 'accepted', acceptWaitMs })
      } catch (err) {
        throw toFerryError(err)
      }
      r.state = 'accepted'
      r.acceptWaitMs = acceptWaitMs
    })
    this.ctx.c.emitOfferRemoved(id)
    this.receives.logAccepted(r, 'accept')
    void this.receives.runReceiver(r)
    // its sender was answered "pending", and would learn only at its next probe (up to minutes on) that it waits its turn
    // here (review leftover: its send showed "offered, waiting to be accepted there" until then)
    if (this.receives.waitsItsTurn(r)) void this.receives.tellSender(r, { waitsTurn: true })
    return this.ctx.info(id)!
  }

  async decline (id: string): Promise<void> {
    const r = this.receives.receivers.get(id)
    if (r == null || r.state !== 'offered') throw this.notAnOffer(id)
    this.ctx.c.emitOfferRemoved(id)
    await r.cancel('declined', true)
  }

  /** Offers found at start (Receives.offersToCheck) whose sender is online now, `peerId` or any: asked whether it still offers them. */
  checkOffers (peerId?: string): void {
    for (const id of [...this.receives.offersToCheck]) {
      const r = this.receives.receivers.get(id)
      if (r == null || r.finished || r.state !== 'offered') { this.receives.offersToCheck.delete(id); continue }
      if ((peerId == null || r.peerId === peerId) && this.ctx.c.isOnline(r.peerId)) void this.checkPendingOffer(r)
    }
  }

  /**
   * Ask the sender of an offer still waiting here for a decision whether it
   * still offers it: a chunk request for none of its chunks, which a sender
   * answers only when it does not (E_CANCELLED, E_TRANSFER_NOT_FOUND). An
   * offer it no longer has goes from `ferry offers` (review finding: a
   * cancel sent while this daemon was down left the offer there for good,
   * counted against the peer's limits, and accepting it ended in
   * `cancelled`). No answer within OFFER_CHECK_MS: it still offers it.
   */
  private async checkPendingOffer (r: Receiver): Promise<void> {
    this.receives.offersToCheck.delete(r.id)
    let stream: Stream | undefined
    try {
      stream = await this.receives.openChunkStream(r.peerId)
      await sendAll(stream, encodeChunkRequest({ transferId: Buffer.from(r.id, 'hex'), fileIndex: 0, chunks: [] }))
      const h = await readChunkHeader(new FrameReader(stream), AbortSignal.timeout(OFFER_CHECK_MS)).catch(() => undefined)
      const code = h?.error?.code
      if ((code !== 'E_CANCELLED' && code !== 'E_TRANSFER_NOT_FOUND') || r.finished || r.state !== 'offered') return
      this.ctx.c.log.info('an offer waiting here was withdrawn by its sender meanwhile', { id: r.id, code })
      this.ctx.c.emitOfferRemoved(r.id)
      await r.cancel('cancelled', false, code === 'E_CANCELLED' ? 'cancelled by the sender while this device was away' : 'the sender no longer offers this transfer')
    } catch (err) {
      // not reached: asked again when the peer is next online
      this.receives.offersToCheck.add(r.id)
      this.ctx.c.log.debug('could not ask the sender about a waiting offer', { id: r.id, err: (err as Error).message })
    } finally {
      stream?.abort(new Error('offer checked'))
    }
  }
}
