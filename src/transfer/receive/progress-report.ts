// The receiver tells the sender how much of the transfer it holds, so that
// the sender's progress also moves while the receiver copies what it has
// already (dedup) instead of fetching it: a renamed folder sent again is
// copied locally in full, and the sender would otherwise sit at 0 % until
// the receipt. A ChunkRequest with no chunks and held_bytes set, on a
// /ferry/chunks stream of its own, every REPORT_EVERY_MS (250 ms) while the receiver
// runs and only when the figure moved (the first one always: it also tells a
// sender that its send, which waited its turn, runs), and every KEEPALIVE_MS
// while it plans, however long that takes: its sender takes any report as
// no stall (a plan of a large receive lasts over 10 s on a slow disk, with
// nothing new to report). Best effort: a stream that cannot be
// opened or written ends the reports of this run (the transfer does not
// depend on them), and a sender that predates the field reads past them.

import type { Stream } from '@libp2p/interface'
import { encodeChunkRequest, sendAll } from '../../protocol/transfer.ts'

export const REPORT_EVERY_MS = 250
/** While the receiver plans: a report this often with the figure unchanged, well within a sender's 10 s before it says a stall. */
export const KEEPALIVE_MS = 3000

export class ProgressReporter {
  private timer?: NodeJS.Timeout
  private stream?: Promise<Stream>
  /** reports in a row that could not be sent */
  private failures = 0
  /** the figure last sent; -1: none yet, so that the first report goes even at 0 and tells a sender whose send waited its turn that it runs (OfferAnswer.waits_turn) */
  private sent = -1
  /** the file count last sent with it */
  private sentFiles = 0
  /** when a report last went (performance.now()) */
  private sentAt = 0
  private busy = false
  private stopped = false

  private readonly transferId: Uint8Array
  private readonly held: () => number
  private readonly heldFiles: () => number
  private readonly open: () => Promise<Stream>
  private readonly everyMs: number
  private readonly planning: () => boolean
  private readonly keepaliveMs: number

  /**
   * `planning`: whether the receive plans now, when a report goes every `keepaliveMs` though its figure did not move;
   * `heldFiles`: the files it holds whole and placed, told with the bytes (ChunkRequest.held_files), a report going
   * when either moved (the last file of a batch placed moves no byte)
   */
  constructor (transferId: Uint8Array, held: () => number, open: () => Promise<Stream>, opts: { everyMs?: number, planning?: () => boolean, keepaliveMs?: number, heldFiles?: () => number } = {}) {
    this.transferId = transferId
    this.held = held
    this.heldFiles = opts.heldFiles ?? (() => 0)
    this.open = open
    this.everyMs = opts.everyMs ?? REPORT_EVERY_MS
    this.planning = opts.planning ?? (() => false)
    this.keepaliveMs = opts.keepaliveMs ?? KEEPALIVE_MS
  }

  start (): void {
    this.timer = setInterval(() => { void this.tick() }, this.everyMs)
    this.timer.unref()
  }

  private async tick (): Promise<void> {
    if (this.busy || this.stopped) return
    const held = this.held()
    const files = this.heldFiles()
    const keepalive = this.planning() && performance.now() - this.sentAt >= this.keepaliveMs
    if (held <= this.sent && files <= this.sentFiles && !keepalive) return
    this.busy = true
    try {
      this.stream ??= this.open()
      const stream = await this.stream
      // stopped while its stream opened: the run ended, and may have told the sender since why it waits (tell-sender.ts),
      // which a report coming after would undo there ("fetching" again for seconds while it waited for room: notes' leftover)
      if (this.stopped) return
      await sendAll(stream, encodeChunkRequest({ transferId: this.transferId, fileIndex: 0, chunks: [], heldBytes: held, heldFiles: files, runs: true }), AbortSignal.timeout(5000))
      this.sent = held
      this.sentFiles = files
      this.sentAt = performance.now()
      this.failures = 0
    } catch {
      // a stream the sender closed (idle: sender.ts, CHUNK_STREAM_IDLE_MS) is opened again; a sender gone for good ends the reports
      this.stream?.then((s) => { s.abort(new Error('progress report failed')) }).catch(() => {})
      this.stream = undefined
      if (++this.failures >= 3) this.stop()
    } finally {
      this.busy = false
    }
  }

  /** No more reports; the stream is closed (its end tells the sender nothing more comes). */
  stop (): void {
    if (this.stopped) return
    this.stopped = true
    if (this.timer != null) clearInterval(this.timer)
    this.stream?.then(async (s) => { await s.close({ signal: AbortSignal.timeout(2000) }) }).catch(() => {})
  }
}
