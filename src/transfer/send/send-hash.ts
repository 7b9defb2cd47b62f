// A new send: its paths scanned and checked against what every receiver
// takes (checkOfferLimits), then hashed in the hash pool's worker threads
// into a manifest (its receiver told the chunk hashes meanwhile when that
// looks like lasting: a preview, preview-sender.ts), then offered
// (send-offer.ts). Also a send the daemon was hashing when it stopped,
// hashed again (resumeHashing). Owns the hash pool, let go once nothing
// hashes. One of the send side's four files, cut from service.ts (see
// sends.ts, which holds the sends).
// Must never: offer a send itself (send-offer.ts), or keep a send outside
// sends.ts's map.

import { peerForLog } from '../peer-log.ts'
import { peerIdFromString } from '@libp2p/peer-id'
import { randomBytes } from 'node:crypto'
import { lstat, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { FerryError, isErrorCode } from '../../errors.ts'
import { MAX_OFFER_BYTES, MAX_OFFER_FILES, PREVIEW_PROTOCOL } from '../../protocol/constants.ts'
import { encodeOffer, type OfferMsg } from '../../protocol/transfer.ts'
import { dialFailure } from '../../protocol/stream.ts'
import { otherVersionError } from '../../protocol/versions.ts'
import type { SkippedPath, TransferInfo } from '../../daemon/control/types.ts'
import { createHashPool, type HashPool } from '../manifest/hash-pool.ts'
import { buildManifest, chunkHashBytes, fileBytes, offerBytesBound, scanPaths, type ScannedEntry } from '../manifest/manifest.ts'
import type { WaitClock } from '../wait-clock.ts'
import { Sender } from './sender.ts'
import { Progress } from '../progress.ts'
import { PART_DIR } from '../folder/safe-path.ts'
import { fileCount, labelOf, topNamesOf } from '../snapshot.ts'
import { PreviewSender, previewFiles, wantsPreview } from './preview-sender.ts'
import type { TransferContext } from '../context.ts'
import type { Sends } from './sends.ts'
import type { SendOffering } from './send-offer.ts'

/** How long the dial of a preview's stream may take */
const PREVIEW_DIAL_MS = 10_000
/** Skipped paths a send logs one by one (a send of /usr/share skips thousands: one line each flooded the log). */
const LOGGED_SKIPS = 20

/**
 * What every receiver refuses, said before hashing rather than after: more
 * entries than an offer may hold, or an offer over MAX_OFFER_BYTES (known
 * from the sizes and the names alone: offerBytesBound).
 */
function checkOfferLimits (entries: Awaited<ReturnType<typeof scanPaths>>): void {
  if (entries.length > MAX_OFFER_FILES) throw new FerryError('E_LIMIT', `${fileCount(entries)} files and ${entries.length - fileCount(entries)} folders are more than one send can hold (${MAX_OFFER_FILES} entries); send the folders in parts`)
  const bound = offerBytesBound(entries)
  if (bound <= MAX_OFFER_BYTES) return
  const totalBytes = fileBytes(entries)
  // by cause: the chunk hashes of many TiB, or the names of very many entries
  const what = chunkHashBytes(entries) > bound / 2
    ? `the chunk hashes of ${(totalBytes / 2 ** 40).toFixed(1)} TiB`
    : `the names of ${entries.length} entries`
  throw new FerryError('E_LIMIT', `this send's offer would take up to ${(bound / 2 ** 20).toFixed(0)} MiB, mostly ${what}, more than a receiver takes (${MAX_OFFER_BYTES / 2 ** 20} MiB: about 4 TiB of files, one file at most that); send the folders in parts`)
}

export class SendHashing {
  private readonly ctx: TransferContext
  private readonly sends: Sends
  private readonly offering: SendOffering
  private pool?: HashPool

  constructor (ctx: TransferContext, sends: Sends, offering: SendOffering) {
    this.ctx = ctx
    this.sends = sends
    this.offering = offering
  }

  private get hashPool (): HashPool { return (this.pool ??= createHashPool()) }

  /** Start sending; returns at once with the transfer in `hashing`; progress comes as events. */
  /** @param signal aborted when the one asking goes away while the paths are scanned: then nothing is sent */
  async send (peerId: string, paths: string[], signal?: AbortSignal): Promise<TransferInfo> {
    if (!this.ctx.c.trust.isPaired(peerId)) throw new FerryError('E_NOT_PAIRED', `${this.ctx.c.peerName(peerId)} is not paired; pair first with \`ferry pair\``)
    // a device whose ferry is of another version: said before anything is hashed, and nothing recorded (it was a
    // failed send, E_PROTOCOL "runs a ferry that does not speak /ferry/offer/…", once hashed)
    const other = this.ctx.c.otherVersion?.(peerId)
    if (other != null) throw otherVersionError(this.ctx.c.peerName(peerId), other)
    if (paths.length === 0) throw new FerryError('E_BAD_REQUEST', 'nothing to send')
    const skipped: SkippedPath[] = []
    this.ctx.c.log.debug('scanning', { peer: peerId, paths: paths.length })
    let entries: Awaited<ReturnType<typeof scanPaths>>
    try {
      entries = await scanPaths(paths, { signal, exclude: this.notSent(), onWarning: (w) => { skipped.push(w) } })
      signal?.throwIfAborted()
    } catch (err) {
      if (signal?.aborted === true) this.ctx.c.log.info('send dropped: its asker went away while the paths were scanned', { paths: paths.length })
      throw err
    }
    const warnings = skipped.map((w) => `${w.path}: ${w.reason}`)
    if (entries.length === 0) {
      // not there is E_PATH_NOT_FOUND; there, but nothing ferry sends (a named pipe, a socket, a name no receiver takes)
      // is a request it cannot do (user-test finding: "E_PATH_NOT_FOUND" for a FIFO that was there)
      const anyThere = (await Promise.all(paths.map(async (p) => await lstat(p).then(() => true, () => false)))).includes(true)
      throw new FerryError(anyThere ? 'E_BAD_REQUEST' : 'E_PATH_NOT_FOUND', `nothing to send in ${paths.join(', ')}${warnings.length > 0 ? ` (${warnings.join('; ')})` : ''}`)
    }
    checkOfferLimits(entries)
    const id = randomBytes(16).toString('hex')
    const totalBytes = fileBytes(entries)
    const sender = new Sender({ id, peerId, state: 'hashing', totalBytes })
    sender.countEntries(entries)
    sender.skipped = skipped
    // while hashing, `sources` holds the paths asked for: a daemon that stops meanwhile hashes them again when it is back
    this.ctx.c.store.insert({ id, direction: 'send', peerId, peerName: this.ctx.c.peerName(peerId), state: 'hashing', root: new Uint8Array(0), offer: new Uint8Array(0), sources: paths, totalBytes, doneBytes: 0, wireBytes: 0, receiptVerified: false, resumed: false, createdAt: Date.now(), label: labelOf(topNamesOf(entries)) })
    // only once recorded: a send the store refused (its disk full) must not stay in memory as hashing, holding the hash pool open
    this.sends.senders.set(id, sender)
    // once per send, at info (--verbose): to whom, how much (its outcome: Sends.setSendState)
    this.ctx.c.log.info('send started', { id, peer: peerForLog(this.ctx.c.peerName(peerId), peerId), files: sender.totalFiles, bytes: totalBytes })
    this.logSkipped(id, skipped, 'skipped while scanning')
    void this.hashAndOffer(sender, entries).catch((err) => { this.sends.failSend(sender, err) })
    return this.ctx.info(id)!
  }

  /** The first LOGGED_SKIPS skipped paths one by one, then how many more (all of them are in the send's `skipped`). */
  private logSkipped (id: string, list: SkippedPath[], msg: string): void {
    for (const w of list.slice(0, LOGGED_SKIPS)) this.ctx.c.log.warn(msg, { id, warning: `${w.path}: ${w.reason}` })
    if (list.length > LOGGED_SKIPS) this.ctx.c.log.warn(`${msg}: ${list.length - LOGGED_SKIPS} more, not logged one by one`, { id })
  }

  private async hashAndOffer (sender: Sender, entries: Awaited<ReturnType<typeof scanPaths>>, waitForPeer = false): Promise<void> {
    const started = performance.now()
    // the first LOGGED_SKIPS of the send's skips are logged one by one (with those of the scan), the rest counted
    let hashSkips = 0
    let hashSkipsLogged = 0
    const preview = this.startPreview(sender, entries)
    const manifest = await buildManifest(entries, this.hashPool, {
      signal: sender.controller.signal,
      onChunk: preview != null ? (file, chunk, digest) => { preview.hash(file, chunk, digest) } : undefined,
      cache: this.ctx.c.hashCache,
      onCacheError: (err) => { this.ctx.c.log.warn('hash cache failed; hashing without it', { err: (err as Error).message }) },
      // through add(), so that the hashing shows a rate and an ETA too (a file changed while read counts back: set, not added)
      onProgress: (p) => {
        if (preview != null && !preview.opened && PreviewSender.worthOpening(performance.now() - started, p.hashedBytes, p.totalBytes)) {
          this.ctx.c.log.debug('preview opened', { id: sender.id, hashedBytes: p.hashedBytes, ms: Math.round(performance.now() - started) })
          preview.open()
        }
        const more = p.hashedBytes - sender.progress.done
        if (more > 0) sender.progress.add(more); else sender.progress.done = p.hashedBytes
        this.ctx.changed(sender.id, false)
      },
      // one file that is removed, unreadable or being written to does not stop the rest
      onSkip: (w) => {
        sender.skipped.push(w)
        hashSkips++
        if (sender.skipped.length <= LOGGED_SKIPS) { hashSkipsLogged++; this.ctx.c.log.warn('skipped while hashing', { id: sender.id, warning: `${w.path}: ${w.reason}` }) }
      }
    }).catch((err: Error) => { preview?.abort(err); throw err })
    preview?.end()
    if (hashSkips > hashSkipsLogged) this.ctx.c.log.warn(`skipped while hashing: ${hashSkips - hashSkipsLogged} more, not logged one by one`, { id: sender.id })
    if (manifest.files.length === 0) throw nothingSent(sender.skipped)
    sender.countEntries(manifest.files)
    this.ctx.c.log.debug('hashed', { id: sender.id, files: manifest.files.length, bytes: manifest.totalBytes, ms: Math.round(performance.now() - started) })
    const offer: OfferMsg = { transferId: Buffer.from(sender.id, 'hex'), root: manifest.root, totalBytes: manifest.totalBytes, files: manifest.files }
    // files that grew while they were hashed can still take it over; no receiver would read it
    const encoded = encodeOffer(offer)
    if (encoded.byteLength > MAX_OFFER_BYTES) throw new FerryError('E_LIMIT', `this send's offer is ${(encoded.byteLength / 2 ** 20).toFixed(1)} MiB, more than a receiver takes (${MAX_OFFER_BYTES / 2 ** 20} MiB); send the folders in parts`)
    sender.offer = offer
    sender.encodedOffer = encoded
    sender.sources = manifest.files.map((f) => f.sourcePath ?? '')
    sender.identities = manifest.files.map((f) => f.identity)
    // what a receiver fetched ahead of the offer crossed the wire, and it holds it for the offer: done too, as
    // its file's bar counts it once the receiver says it holds it (user-test finding: counted only through the
    // receiver's reports, which lag what is on its way, a one-file send's overall bar stayed 1-3 MiB behind its
    // file bar to the end). Not when a file was left out while hashed: the receiver then drops it (prefetch.ts handOver)
    sender.fetchedAhead = hashSkips === 0 ? sender.previewWire : 0
    sender.progress = new Progress(manifest.totalBytes, sender.fetchedAhead, sender.previewWire)
    // served by the offer's entries from now on. A file left out while
    // hashing shifts them from the preview's: a request of the receive
    // fetching ahead then gets another file's chunk, which fails its check,
    // and the receiver drops what it fetched ahead anyway (prefetch.ts
    // handOver). Kept until the answer, the preview's served the receive
    // itself by the wrong indexes when it began before the sender read the
    // answer (review finding: E_PROTOCOL, failed for good).
    sender.dropPreview()
    if (waitForPeer) await this.offering.peerOnline(sender)
    if (sender.finished) { this.releaseHashPool(); return } // cancelled while it hashed or waited
    this.sends.persistOffer(sender, offer, encoded)
    this.sends.setSendState(sender, 'offered')
    this.releaseHashPool()
    await this.offering.deliverOffer(sender)
  }

  /**
   * A preview for `s`, opened if its hashing looks like lasting (hashAndOffer):
   * its receiver is told the entries, then the chunk hashes as they are made,
   * so it can fetch ahead of the offer (preview-sender.ts). None for a small
   * send, one of small files (wantsPreview) or a peer not online. A receiver that does not speak the preview
   * protocol, or will not take it, costs a dial.
   */
  private startPreview (s: Sender, entries: ScannedEntry[]): PreviewSender | undefined {
    // FERRY_PREVIEW=always opens it at once, =never never (comparisons, tests)
    const mode = process.env.FERRY_PREVIEW
    const totalBytes = fileBytes(entries)
    if (!wantsPreview(entries, mode) || !this.ctx.c.isOnline(s.peerId)) return undefined
    const files = previewFiles(entries)
    const preview = new PreviewSender({
      transferId: Buffer.from(s.id, 'hex'),
      totalBytes,
      files,
      // served from now on: the receiver may ask for chunks once it has the preview
      onOpen: () => { s.preview = { files, sources: entries.map((e) => e.sourcePath) } },
      open: async (signal) => await this.ctx.c.node.dialProtocol(peerIdFromString(s.peerId), PREVIEW_PROTOCOL, { signal: AbortSignal.any([signal, AbortSignal.timeout(PREVIEW_DIAL_MS)]) })
        // a dial that got no answer as the offer's is said (send-offer.ts), not as Node's "The operation was aborted due to
        // timeout", which onDrop logged for a receiver frozen as the send began (helper finding); others as they are
        .catch((err: Error) => { throw err.name === 'TimeoutError' ? new FerryError('E_PEER_UNREACHABLE', `cannot reach ${this.ctx.c.peerName(s.peerId)}: ${dialFailure(err, PREVIEW_DIAL_MS, this.ctx.c.node.peerId.toString())}`, { cause: err }) : err }),
      onDrop: (err) => { if (!s.finished) this.ctx.c.log.debug('preview given up; the offer follows the hashing', { id: s.id, err: err.message }) }
    })
    if (mode === 'always') {
      this.ctx.c.log.debug('preview opened', { id: s.id, hashedBytes: 0, ms: 0 })
      preview.open()
    }
    return preview
  }

  /** What a send leaves out even when asked to send it: the daemon's own state folder, and its receive folder's part folder. */
  private notSent (): Map<string, string> {
    const out = new Map([[join(this.ctx.c.receiveDir, PART_DIR), 'ferry\'s folder of files still being received']])
    if (this.ctx.c.home != null) out.set(resolve(this.ctx.c.home), 'ferry\'s own state folder (its database and key)')
    return out
  }

  /** Worker threads cost ~15 MB each: let the hash pool go once nothing is hashing. */
  private releaseHashPool (): void {
    if ([...this.sends.senders.values()].some((s) => s.state === 'hashing')) return
    const pool = this.pool
    this.pool = undefined
    void pool?.close()
  }

  /**
   * A send the daemon was hashing when it stopped (crash or clean stop):
   * hash the paths again (files unchanged since come from the hash cache,
   * unread) and offer it once its peer is online. The user's `ferry send`
   * is gone; `ferry transfers` shows it.
   */
  resumeHashing (id: string, peerId: string, paths: string[], totalBytes: number, waits?: WaitClock): void {
    const sender = new Sender({ id, peerId, state: 'hashing', totalBytes })
    // a wait its clean stop opened ends here: it hashes again, its own work
    if (waits !== undefined) { sender.waits = waits; waits.at('hashing') }
    sender.resumed = true
    this.sends.senders.set(id, sender)
    this.ctx.pendingStates.update(id, { resumed: true })
    this.ctx.c.log.info('hashing again a send the daemon stopped in', { id })
    void (async () => {
      const skipped: SkippedPath[] = sender.skipped
      // a path named to the send and gone while the daemon was stopped is left out, not the whole send failed (review finding)
      const present: string[] = []
      for (const p of paths) {
        if (await stat(p).then(() => true, () => false)) present.push(p)
        else skipped.push({ path: p, reason: 'not there when the send was hashed again after a restart (removed meanwhile, or never there), skipped', failed: true, code: 'E_PATH_NOT_FOUND' })
      }
      const entries = present.length === 0 ? [] : await scanPaths(present, { exclude: this.notSent(), onWarning: (w) => { skipped.push(w) } })
      this.logSkipped(id, skipped, 'skipped while scanning')
      if (entries.length === 0) throw new FerryError('E_PATH_NOT_FOUND', `nothing left to send in ${paths.join(', ')}`)
      // the paths may hold more by now, or the chunk rule may have changed since (a row from an older version)
      checkOfferLimits(entries)
      sender.countEntries(entries)
      await this.hashAndOffer(sender, entries, true)
    })().catch((err) => { this.sends.failSend(sender, err) })
  }

  /** The hash pool, for the daemon's stop to close (service.ts): none after it. */
  takePool (): HashPool | undefined {
    const pool = this.pool
    this.pool = undefined
    return pool
  }
}

/**
 * A send none of whose files could be read as hashed: failed with what kept them, where one cause kept them all
 * (E_IO for a file the daemon's user may not read), else E_INCOMPLETE; E_INCOMPLETE says the rest arrived, and
 * none did (user-test finding: "E_INCOMPLETE: nothing could be sent: …: permission denied").
 */
export function nothingSent (skipped: ReadonlyArray<{ path: string, reason: string, code?: string }>): FerryError {
  const codes = new Set(skipped.map((w) => w.code))
  const [only] = codes
  const code = codes.size === 1 && only !== undefined && isErrorCode(only) ? only : 'E_INCOMPLETE'
  return new FerryError(code, `nothing could be sent: ${skipped.map((w) => `${w.path}: ${w.reason}`).join('; ')}`)
}
