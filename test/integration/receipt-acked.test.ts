// A send whose receipt its daemon verified and acknowledged, its done
// waiting for its receiver to close the stream (EndHandled.afterAck,
// protocol/transfer.ts readEnd: the receiver records its own done as that
// ack comes): it ends done, whatever else comes in that window (at most
// END_CLOSE_WAIT_MS, 2 s). The receiver is crafted (test/helpers/evil-peer.ts):
// it signs a receipt for the offer it was made, reads the ack and holds the
// stream open, as a receiver whose close is on its way; a real daemon on
// 127.0.0.1 with mDNS off sends to it. And its other side: a receive whose
// receipt is on its way, from a crafted sender that holds its ack
// (EvilPeer.beforeEndAck), ends as that ack says, whatever comes meanwhile.

import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Stream } from '@libp2p/interface'
import { RECEIPT_PROTOCOL } from '../../src/protocol/constants.ts'
import { FrameReader, lengthPrefixed, sendAll } from '../../src/protocol/frames.ts'
import { TransferEnd, TransferEndAck } from '../../src/protocol/pb/transfer.js'
import { MAX_SMALL_MESSAGE_BYTES } from '../../src/protocol/constants.ts'
import { receiptPayload } from '../../src/transfer/receive/receiver.ts'
import { FerryError } from '../../src/errors.ts'
import type { OfferMsg } from '../../src/protocol/transfer.ts'
import { control as call, tempDir, waitFor, type TestDaemon } from '../helpers/daemon.ts'
import { buildOffer, daemonWithEvilPeer, hex, pairedEvilPeer, type EvilPeer } from '../helpers/evil-peer.ts'

let victim: TestDaemon
let evil: EvilPeer

daemonWithEvilPeer({ name: 'victim' }, (d, e) => { victim = d; evil = e })

/**
 * A send of a new file to the crafted receiver, its receipt sent and acked
 * ok, the stream left open (the receiver's close not come yet): the send's id,
 * and the stream (aborted by the caller once done).
 */
async function receiptAckedNotClosed (name: string): Promise<{ id: string, stream: Stream }> {
  const src = join(await tempDir('ferry-receipt-acked-'), name)
  await writeFile(src, randomBytes(64 * 1024))
  await call(victim, 'send', { peer: 'evil', paths: [src] })
  const offer = await waitFor(() => evil.offered.find((o) => o.files.some((f) => f.path === name)), 'the victim to offer the file', 20_000)
  return { id: hex(offer.transferId), stream: await receiptAcked(evil, offer) }
}

/** `by`'s receipt for `offer`, sent to the victim and acked ok; the stream left open (aborted by the caller once done). */
async function receiptAcked (by: EvilPeer, offer: OfferMsg): Promise<Stream> {
  const stream = await by.open(victim, RECEIPT_PROTOCOL)
  const signature = await by.privateKey.sign(receiptPayload(hex(offer.transferId), offer.root))
  await sendAll(stream, lengthPrefixed(TransferEnd.encode({ transferId: offer.transferId as Uint8Array<ArrayBuffer>, status: 'done', root: offer.root as Uint8Array<ArrayBuffer>, signature: signature as Uint8Array<ArrayBuffer>, wireBytes: 0, missing: new Uint8Array(0), renamedCount: 0, renamed: [], renames: [], renameCount: 0, refused: [] })))
  const ack = await new FrameReader(stream).readLp((b) => TransferEndAck.decode(b), MAX_SMALL_MESSAGE_BYTES, AbortSignal.timeout(10_000))
  expect(ack?.ok).toBe(true)
  return stream
}

describe('a send whose receipt was verified and acked, waiting for its receiver\'s close', () => {
  it('ends done when its receiver is unpaired in that window: failed E_NOT_PAIRED, where its receiver had recorded the receive done as the ack came (review finding)', async () => {
    const { id, stream } = await receiptAckedNotClosed('unpaired.bin')
    try {
      await call(victim, 'unpair', { peer: evil.peerId })
      const t = await waitFor(async () => (await call(victim, 'transfers')).find((x) => x.id === id && ['done', 'failed', 'cancelled'].includes(x.state)), 'the send to end', 10_000)
      expect({ state: t.state, code: t.error?.code, verified: t.receipt?.verified }).toEqual({ state: 'done', code: undefined, verified: true })
    } finally { stream.abort(new Error('test over')) }
  }, 60_000)

  it('ends done when the answer to its offer, come after the receipt, refuses it: failed (E_NO_SPACE, its receipt verified) by the failure of its delivery (review finding: any end but done in that window)', async () => {
    // a receiver of its own (the test above unpairs `evil`), whose answer to the offer comes after its receipt: a refusal
    const late = await pairedEvilPeer(victim, 'evil-late')
    let stream: Stream | undefined
    try {
      late.beforeOfferAnswer = async (offer) => {
        stream = await receiptAcked(late, offer)
        late.refusesOffers = new FerryError('E_NO_SPACE', 'no room for it here')
      }
      const src = join(await tempDir('ferry-receipt-acked-'), 'refused-late.bin')
      await writeFile(src, randomBytes(64 * 1024))
      const { id } = await call(victim, 'send', { peer: late.peerId, paths: [src] })
      const t = await waitFor(async () => (await call(victim, 'transfers')).find((x) => x.id === id && ['done', 'failed', 'cancelled', 'declined'].includes(x.state)), 'the send to end', 20_000)
      expect({ state: t.state, code: t.error?.code, verified: t.receipt?.verified }).toEqual({ state: 'done', code: undefined, verified: true })
    } finally {
      stream?.abort(new Error('test over'))
      await late.stop().catch(() => {})
    }
  }, 60_000)
})

/**
 * A receive from a crafted sender of its own (the other test of the file unpairs `evil`), whose receipt it holds
 * unanswered while `ferry wait` follows it here and the victim unpairs it; then its ack goes, ok or (`refuse`) an
 * error. What `ferry wait` said (exit code, state) and the record's state and code.
 */
async function unpairedWhileReceipt (name: string, refuse?: Error): Promise<{ wait: number, waitState: string, state: string, code?: string, stderr: string, other: { state?: string, code?: string } }> {
  const sender = await pairedEvilPeer(victim, 'evil-sender')
  try {
    let receiptCame!: () => void
    const came = new Promise<void>((resolve) => { receiptCame = resolve })
    let release!: () => void
    const held = new Promise<void>((resolve) => { release = resolve })
    // the ack held until the unpairing here has been dealt with (well within the receiver's 10 s for it)
    sender.beforeEndAck = async () => { receiptCame(); await held; if (refuse != null) throw refuse }
    const built = buildOffer([{ path: name, data: new Uint8Array(randomBytes(64 * 1024)) }])
    expect((await sender.offer(victim, built)).status).toBe('accepted')
    const waited = victim.cli(['wait', built.id, '--json'], { timeoutMs: 30_000 })
    await Promise.race([came, new Promise((_resolve, reject) => setTimeout(() => reject(new Error('no receipt within 20 s')), 20_000))])
    // another receive from it, under way (its chunks never come): stopped by the unpairing while the first one's ack is awaited
    const other = buildOffer([{ path: `${name}.other`, data: new Uint8Array(randomBytes(64 * 1024)) }])
    expect((await sender.offer(victim, other, undefined, undefined, { stall: true })).status).toBe('accepted')
    await waitFor(async () => (await call(victim, 'transfers')).find((x) => x.id === other.id && x.state === 'fetching'), 'the other receive to run')
    // `ferry wait` subscribed (a CLI start-up, ~0.3 s on an idle box)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await call(victim, 'unpair', { peer: sender.peerId })
    await waitFor(async () => !(await call(victim, 'peers')).some((p) => p.peerId === sender.peerId && p.paired), 'the sender to be unpaired here')
    // its transfers dealt with (service.ts trustRemoved, run as the trust goes)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const o = (await call(victim, 'transfers')).find((x) => x.id === other.id)
    release()
    const r = await waited
    const t = await waitFor(async () => (await call(victim, 'transfers')).find((x) => x.id === built.id && ['done', 'failed', 'cancelled'].includes(x.state)), 'the receive to end', 10_000)
    return { wait: r.code, waitState: JSON.parse(r.stdout).state, state: t.state, code: t.error?.code, stderr: r.stderr, other: { state: o?.state, code: o?.error?.code } }
  } finally {
    await sender.stop().catch(() => {})
  }
}

describe('a receive whose receipt is on its way, its sender\'s ack not come yet, its sender unpaired here', () => {
  it('ends done once the ack takes it, `ferry wait` exiting 0 as its record says: it exited 1 on a failed E_NOT_PAIRED, the record then done as the ack came (review finding); another receive from that sender stops at once, not after that ack', async () => {
    const { stderr, ...got } = await unpairedWhileReceipt('unpaired-here.bin')
    expect(got, stderr).toEqual({ wait: 0, waitState: 'done', state: 'done', code: undefined, other: { state: 'failed', code: 'E_NOT_PAIRED' } })
  }, 60_000)

  it('ends failed E_NOT_PAIRED when the ack refuses it, `ferry wait` saying so', async () => {
    const { stderr, ...got } = await unpairedWhileReceipt('unpaired-refused.bin', new Error('not taken'))
    expect(got, stderr).toEqual({ wait: 1, waitState: 'failed', state: 'failed', code: 'E_NOT_PAIRED', other: { state: 'failed', code: 'E_NOT_PAIRED' } })
  }, 60_000)
})
