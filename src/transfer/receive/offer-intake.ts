// A new offer from a peer: read one at a time per peer (onOffer), checked
// (its manifest, the peer's limits, the receive folder: receive-room.ts),
// then admitted, accepted at once or held for a decision, or refused and
// recorded as refused; an offer already known answered as it stands here
// (answerKnownOffer). One of the receive side's five files, cut from
// service.ts (see receives.ts, which holds the receives).
// Must never: decide on an offer held for a decision (offer-decisions.ts).

import type { Stream } from '@libp2p/interface'
import { FerryError, isErrorCode, toFerryError } from '../../errors.ts'
import { MAX_PENDING_OFFERS_PER_PEER, MAX_UNFINISHED_OFFER_BYTES_PER_PEER, MAX_UNFINISHED_RECEIVES_PER_PEER } from '../../protocol/constants.ts'
import { readOffer, type AnswerMsg, type OfferMsg } from '../../protocol/transfer.ts'
import { isFinalState } from '../../daemon/control/types.ts'
import type { Bitmap } from '../bitmap.ts'
import { verifyManifest } from '../manifest/manifest-root.ts'
import type { Receiver } from './receiver.ts'
import { renamesToEndAgain } from '../renames.ts'
import { fileCount, folderCount, labelOf, refusedSummary, toOfferInfo, topNamesOf } from '../snapshot.ts'
import { KeyedLock } from './keyed-lock.ts'
import { sendEndTo, type TransferContext } from '../context.ts'
import type { Receives } from './receives.ts'
import type { ReceiveRoom } from './receive-room.ts'

/** How long an offer waits for its turn to be read (onOffer) before its stream is dropped. */
const OFFER_WAIT_MS = 30_000
/** Refused offers recorded per peer and day (recordRefused); more are logged only. */
const REFUSED_RECORDS_PER_DAY = 20

export class OfferIntake {
  private readonly ctx: TransferContext
  private readonly receives: Receives
  private readonly room: ReceiveRoom
  /** whose turn it is to have an offer read, by peer (onOffer) */
  private readonly offerTurn = new KeyedLock()

  constructor (ctx: TransferContext, receives: Receives, room: ReceiveRoom) {
    this.ctx = ctx
    this.receives = receives
    this.room = room
  }

  /**
   * A peer's offers are read and checked one at a time: the largest one
   * allowed (64 MiB of chunk hashes) costs about its size while it is read
   * and checked (a few hundred MB until 2026-12-07: chunk-hashes.ts), and a
   * paired peer may open many offer streams at once. One at a
   * time, an id cannot come in on two streams at once either: takeOffer
   * looks it up once, before its checks. One turn per peer, not one for
   * all: a peer that opens an offer stream and sends nothing held the turn
   * for a minute, and every other device's offers were refused meanwhile
   * (review finding).
   */
  async onOffer (stream: Stream, peerId: string): Promise<void> {
    let release: () => void
    try {
      release = await this.offerTurn.acquire(peerId, AbortSignal.timeout(OFFER_WAIT_MS))
    } catch {
      this.ctx.c.log.warn('offer refused: too many at once', { peerId })
      stream.abort(new FerryError('E_TIMEOUT', 'too many offers at once'))
      return
    }
    try {
      await this.takeOffer(stream, peerId)
    } finally {
      release()
    }
  }

  private async takeOffer (stream: Stream, peerId: string): Promise<void> {
    let got
    try {
      got = await readOffer(stream)
    } catch (err) {
      this.ctx.c.log.warn('bad offer refused', { peerId, err: (err as Error).message })
      return
    }
    const { offer, bytes, answer } = got
    const id = Buffer.from(offer.transferId).toString('hex')
    let r: Receiver
    try {
      if (offer.transferId.length !== 16) throw new FerryError('E_PROTOCOL', 'transfer id must be 16 bytes')
      if (await this.answerKnownOffer(id, peerId, offer, answer)) return
      verifyManifest({ files: offer.files, root: offer.root, totalBytes: offer.totalBytes })
      // the space check and the limits see every receive admitted before
      // this one: offers from two devices at once are admitted one after
      // the other (their turns to be read are per peer)
      // what it fetched ahead finishes first, outside the admission's turn (up to 10 s: offers of other devices do not wait for it)
      await this.receives.prefetches.finish(id, peerId)
      r = await this.receives.oneAdmissionAtATime(async () => {
        // what it fetched ahead while the sender hashed becomes this offer's
        // part folder (the plan verifies it); in the admission's turn, so
        // that another offer's sweep for room cannot take it before its receive exists
        const ahead = await this.receives.prefetches.handOver(id, peerId, offer)
        return await this.admit(id, peerId, offer, bytes, ahead)
      })
    } catch (err) {
      const fe = toFerryError(err, 'E_PROTOCOL')
      this.ctx.c.log.warn('offer refused', { peerId, code: fe.code, err: fe.message })
      this.recordRefused(id, peerId, offer, fe)
      await answer({ status: 'refused', haveBytes: 0, error: fe })
      return
    }
    if (r.state === 'offered') {
      await answer({ status: 'pending', haveBytes: 0 })
      this.ctx.c.emitOffer(toOfferInfo(r, this.ctx.c.peerName(peerId)))
      return
    }
    await answer({ status: 'accepted', haveBytes: 0, waitsTurn: this.receives.waitsItsTurn(r) })
    this.receives.logAccepted(r, 'auto-accept')
    void this.receives.runReceiver(r)
  }

  /**
   * An offer refused whole (no room, a hostile name, a limit) is recorded
   * as a failed receive, with why and without its manifest, so that
   * `ferry transfers` and the TUI show it here too: the person on this
   * device saw nothing of a send that never arrived (user-test finding).
   * Not an id that names no transfer or one already recorded (its row
   * stands); at most REFUSED_RECORDS_PER_DAY per peer, counted in the store
   * (so across restarts), and each forgotten after KEEP_REFUSED_MS: a paired
   * device offering in a loop does not fill the store, nor push the
   * transfers that matter out of `ferry transfers` (review finding: 20 an
   * hour, counted in memory, did within a day).
   */
  private recordRefused (id: string, peerId: string, offer: OfferMsg, fe: FerryError): void {
    if (this.ctx.stopping || offer.transferId.length !== 16) return
    const now = Date.now()
    try {
      if (this.ctx.c.store.countRefusedSince(peerId, now - 24 * 3_600_000) >= REFUSED_RECORDS_PER_DAY) return
      if (this.ctx.c.store.summary(id) != null) return
      this.ctx.c.store.insert({ id, direction: 'receive', peerId, peerName: this.ctx.c.peerName(peerId), state: 'failed', root: offer.root, offer: new Uint8Array(0), totalBytes: offer.totalBytes, fileCount: fileCount(offer.files), folderCount: folderCount(offer.files), doneBytes: 0, wireBytes: 0, receiveDir: this.ctx.c.receiveDir, receiptVerified: false, resumed: false, createdAt: now, finishedAt: now, errorCode: fe.code, errorMessage: fe.message, label: labelOf(topNamesOf(offer.files)) })
    } catch (err) {
      // the refusal is told all the same (a full disk is a likely reason for both)
      this.ctx.c.log.debug('cannot record a refused offer', { id, err: (err as Error).message })
      return
    }
    this.ctx.changed(id, true)
  }

  /**
   * Check that a new offer fits and is within the peer's limits, and record
   * it: accepted (auto-accept) or waiting for a decision. Throws why not.
   * `encoded`: the offer's bytes as they came (stored as they are: decoded and verified already).
   */
  private async admit (id: string, peerId: string, offer: OfferMsg, encoded: Uint8Array, ahead: { wire: number, verified: number, held?: Map<number, Bitmap>, sure?: Map<number, Bitmap> } = { wire: 0, verified: 0 }): Promise<Receiver> {
    // the same id from another peer, read while this one's offer was (turns are per peer)
    if (this.ctx.c.store.summary(id) != null) throw new FerryError('E_PROTOCOL', 'transfer id already used')
    // removed since the daemon started (by the user, or a cleaner): made again, as at start; not on another disk
    const mounts = await this.room.makeReceiveFolderOnItsDisk(this.ctx.c.receiveDir)
    // refused now, not when its bytes have come: see checkFits (receive-room.ts)
    const refused = await this.room.checkFits(offer, undefined, mounts)
    const auto = this.ctx.c.trust.get(peerId)?.autoAccept !== false
    if (!auto && [...this.receives.receivers.values()].filter((r) => r.peerId === peerId && r.state === 'offered').length >= MAX_PENDING_OFFERS_PER_PEER) {
      throw new FerryError('E_LIMIT', `${MAX_PENDING_OFFERS_PER_PEER} offers from this device already wait for a decision`)
    }
    const unfinished = [...this.receives.receivers.values()].filter((r) => r.peerId === peerId && !r.finished)
    const heldBytes = unfinished.reduce((n, r) => n + r.offerBytes, encoded.byteLength)
    if (unfinished.length >= MAX_UNFINISHED_RECEIVES_PER_PEER || heldBytes > MAX_UNFINISHED_OFFER_BYTES_PER_PEER) {
      throw new FerryError('E_LIMIT', `${unfinished.length} transfers from this device are not finished on the receiving one (their manifests: ${(heldBytes / 2 ** 20).toFixed(1)} MiB with this one); let them finish, or cancel some there, and send again`)
    }
    const createdAt = Date.now()
    // accepted is recorded as such before the answer says so: a receive that
    // waits to start (behind another of the same content) and is cut short
    // by a crash comes back to run, not as an offer waiting for a decision
    // (review finding), as `accept` records it (offer-decisions.ts)
    const state = auto ? 'accepted' : 'offered'
    this.ctx.c.store.insert({ id, direction: 'receive', peerId, peerName: this.ctx.c.peerName(peerId), state, root: offer.root, offer: encoded, totalBytes: offer.totalBytes, fileCount: fileCount(offer.files), folderCount: folderCount(offer.files), doneBytes: 0, wireBytes: ahead.wire, receiveDir: this.ctx.c.receiveDir, receiptVerified: false, resumed: false, createdAt, label: labelOf(topNamesOf(offer.files)) })
    const r = this.receives.newReceiver(id, peerId, offer, state, { createdAt, offerBytes: encoded.byteLength, wireBytes: ahead.wire, aheadBytes: ahead.verified, aheadHeld: ahead.held, aheadSure: ahead.sure })
    // an offer that waits for a decision says so before it is accepted (user-test finding: only the receipt told)
    r.refusedAtOffer = refusedSummary(offer.files, refused)
    return r
  }

  /**
   * An offer this daemon already has: the sender offers again after a
   * restart that may have cut its first delivery short (send-offer.ts offerAgain). The same
   * peer and root get the answer as the transfer stands here; anything else
   * under a known id is refused. Returns false for an id not seen before.
   */
  private async answerKnownOffer (id: string, peerId: string, offer: OfferMsg, answer: (a: AnswerMsg) => Promise<void>): Promise<boolean> {
    const row = this.ctx.pendingStates.overlay(this.ctx.c.store.summary(id))
    if (row == null) return false
    const r = this.receives.receivers.get(id)
    if (row.direction !== 'receive' || row.peerId !== peerId || Buffer.compare(row.root, offer.root) !== 0) {
      this.ctx.c.log.warn('offer refused', { peerId, code: 'E_PROTOCOL', err: 'transfer id already used' })
      await answer({ status: 'refused', haveBytes: 0, error: new FerryError('E_PROTOCOL', 'transfer id already used') })
      return true
    } else if (row.state === 'offered') {
      // how long it has been held so far: a sender that was down meanwhile counts its wait from there, not from its restart
      await answer({ status: 'pending', haveBytes: 0, acceptWaitMs: Math.max(0, Date.now() - (r?.createdAt ?? row.createdAt)) })
    } else if (row.state === 'done' || !isFinalState(row.state)) {
      await answer({ status: 'accepted', haveBytes: row.state === 'done' ? row.totalBytes : (r?.progress.done ?? row.doneBytes), waitsTurn: r != null && this.receives.waitsItsTurn(r), retryInMs: r?.retryIn(Date.now()) ?? 0, waitsFor: r?.waitsFor, acceptWaitMs: r != null ? r.acceptWaitMs : row.acceptWaitMs })
      // done here, and asked: the sender has not kept our receipt (it is sent until acknowledged, but a sender can lose what it wrote last);
      // how many renames also as a sender from before 2026-12-05 reads it, which reads no rename_count (review finding: it was told 0);
      // the count kept is by rename since then, a folder once: fewer than its files, but not none. The renames themselves as the first
      // receipt listed them, by the entries of this offer (its root is the one received): told the count alone, a sender that lost
      // the first receipt named none of them (helper finding)
      if (row.state === 'done' && row.receiptSig != null && row.receiptSig.length > 0) {
        void sendEndTo(this.ctx.c, peerId, { transferId: Buffer.from(id, 'hex'), status: 'done', root: row.root, signature: row.receiptSig, wireBytes: row.wireBytes, missing: row.receiptMissing, renamedCount: row.renamedCount, ...renamesToEndAgain(row.renamed ?? [], row.renamedCount ?? 0, offer.files), refused: row.receiptRefused }, 'sender').catch(() => {})
      }
    } else {
      const code = row.state === 'declined' ? 'E_DECLINED' : isErrorCode(row.errorCode) ? row.errorCode : 'E_CANCELLED'
      // cancelled or failed here: with the files it keeps, placed whole before, as the end message its sender missed
      // (down then) said them (notes' leftover: that sender, back, said nothing of them). Not known (a row from before
      // 2026-12-06): not said
      const kept = row.state === 'cancelled' || row.state === 'failed' ? r?.keptFiles() ?? row.keptFiles : undefined
      await answer({ status: 'refused', haveBytes: 0, error: new FerryError(code, row.errorMessage ?? `this transfer was ${row.state} here`), ...(kept !== undefined ? { keptFiles: kept } : {}) })
    }
    this.ctx.c.log.info('an offer known already, answered as it stands', { id, state: row.state })
    return true
  }
}
