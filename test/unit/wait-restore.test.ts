// A transfer's waits across a restart of its daemon (wait-clock.ts), through
// TransferService's own restore of unfinished transfers, against a real
// store (no node: nothing is dialled, every peer is offline).

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { TransferStore, openDb, type Db, type TransferRow } from '../../src/store/index.ts'
import type { TransferService } from '../../src/transfer/service.ts'
import { transferServiceOn } from '../helpers/service.ts'
import { encodeOffer, type OfferMsg } from '../../src/protocol/transfer.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'
import { computeFileRoot } from '../../src/transfer/manifest/manifest-root.ts'

let dir: string
let db: Db
let service: TransferService
let store: TransferStore

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-wait-restore-'))
  db = openDb(join(dir, 'ferry.db'))
  store = new TransferStore(db)
  service = await serviceOnStore()
})
afterEach(async () => { await service.stop(); db.close(); rmSync(dir, { recursive: true, force: true }) })

/** A transfer service on the test's store, as a daemon (re)started makes it. */
async function serviceOnStore (): Promise<TransferService> {
  return await transferServiceOn(db, store, join(dir, 'received'))
}

/** A row of an offer of one empty folder, `id` (32 hex), as a daemon that stopped left it. */
function unfinished (id: string, direction: 'send' | 'receive', state: string): TransferRow {
  const root = Buffer.from(id.repeat(2), 'hex')
  const offer: OfferMsg = { transferId: Buffer.from(id, 'hex'), root, totalBytes: 0, files: [{ path: 'd', kind: 'dir', size: 0, mtimeMs: 0, mode: 0o755, chunkSize: 0, chunks: ChunkHashes.NONE, fileRoot: computeFileRoot(0, 0, ChunkHashes.NONE) }] }
  return { id, direction, peerId: 'p', peerName: 'beta', state, root, offer: encodeOffer(offer), sources: direction === 'send' ? [join(dir, 'd')] : undefined, totalBytes: 0, doneBytes: 0, wireBytes: 0, receiveDir: join(dir, 'received'), receiptVerified: false, resumed: false, createdAt: Date.now() - 60_000 }
}

const loadUnfinished = async (): Promise<void> => { await (service as unknown as { loadUnfinished: () => Promise<void> }).loadUnfinished() }

describe('waits across a restart', () => {
  it('a receive cut short by a kill -9 (recorded fetching) counts its wait for its away sender from the restart; one stopped cleanly, from its stop (review findings: the first counted none, its wait after the restart its own time)', async () => {
    const [killed, stopped] = ['a1'.repeat(16), 'b2'.repeat(16)]
    store.insert(unfinished(killed, 'receive', 'fetching'))
    store.insert(unfinished(stopped, 'receive', 'waiting'))
    store.update(stopped, { waitedMs: 1000, waitingSince: Date.now() - 5000 })
    await loadUnfinished()
    await sleep(300)
    expect(service.info(killed)?.waitedSeconds).toBeGreaterThanOrEqual(0.29)
    expect(service.info(killed)?.waitedSeconds).toBeLessThan(5)
    expect(service.info(stopped)?.waitedSeconds).toBeGreaterThanOrEqual(6.29)
    // (recorded before causes were, its earlier second has none: no breakdown then) a clean stop's wait is this
    // daemon's downtime, told so, up to the restart; then its wait for its sender, away
    await service.stop()
    expect(store.get(stopped)?.waitingCause, 'the wait a clean stop opens is for this daemon').toBe('down')
    store.update(stopped, { waitedMs: 1000, waitedBy: { peer: 1000 }, waitingSince: Date.now() - 5000, waitingCause: 'down' })
    service = await serviceOnStore()
    await loadUnfinished()
    await sleep(300)
    const by = service.info(stopped)?.waitedBy
    expect(by?.peer, JSON.stringify(by)).toBeGreaterThanOrEqual(1.29)
    expect(by?.down, JSON.stringify(by)).toBeGreaterThanOrEqual(5)
    expect(by?.down, JSON.stringify(by)).toBeLessThan(5.29)
  })

  it('a send and a receive cut short by a kill -9 count the downtime from the daemon\'s last mark that it ran as a wait; a row stopped cleanly keeps its own (review leftover: counted as their own time)', async () => {
    const [receive, send, stopped] = ['d4'.repeat(16), 'e5'.repeat(16), 'f6'.repeat(16)]
    store.insert(unfinished(receive, 'receive', 'fetching'))
    store.insert(unfinished(send, 'send', 'fetching'))
    store.insert(unfinished(stopped, 'receive', 'waiting'))
    store.update(stopped, { waitingSince: Date.now() - 5000 })
    const cleanSend = 'a7'.repeat(16)
    store.insert(unfinished(cleanSend, 'send', 'fetching'))
    store.update(cleanSend, { waitingSince: Date.now() - 8000 })
    // the run that died last marked 20 s ago; the service started now reads that
    store.markAlive(Date.now() - 20_000)
    await service.stop()
    service = await serviceOnStore()
    await loadUnfinished()
    expect(service.info(receive)?.waitedSeconds).toBeGreaterThanOrEqual(20)
    expect(service.info(send)?.waitedSeconds).toBeGreaterThanOrEqual(20)
    expect(service.info(send)?.waitedSeconds).toBeLessThan(25)
    // told as this daemon's downtime (waitedBy), not as every cause there could be
    expect(service.info(receive)?.waitedBy?.down).toBeGreaterThanOrEqual(20)
    expect(service.info(send)?.waitedBy?.down).toBeGreaterThanOrEqual(20)
    expect(service.info(stopped)?.waitedSeconds).toBeGreaterThanOrEqual(5)
    expect(service.info(stopped)?.waitedSeconds).toBeLessThan(10)
    // a send a clean stop recorded: its state stays fetching, its wait opened at the stop; counted once, not with the
    // downtime from the mark on top (review finding: 121 s for 60)
    expect(service.info(cleanSend)?.waitedSeconds).toBeGreaterThanOrEqual(8)
    expect(service.info(cleanSend)?.waitedSeconds).toBeLessThan(15)
    // the wait under way, for the views to count up (TransferInfo.waitingSince): the clean stop's, or from the restart
    expect(service.info(stopped)?.waitingSince).toBeLessThanOrEqual(Date.now() - 5000)
    expect(service.info(receive)).toMatchObject({ state: 'waiting', waitingSince: expect.any(Number) })
    expect(service.info(receive)!.waitingSince).toBeGreaterThan(Date.now() - 5000)
  })

  it('a send stopped cleanly records its wait as begun at the stop, and counts it on from there once restored (review finding: the sender\'s downtime was its own time, where its receiver counted it a wait)', async () => {
    const id = 'c3'.repeat(16)
    store.insert(unfinished(id, 'send', 'fetching'))
    const before = Date.now()
    // restored as waiting for its receiver, offline: its wait begins there, and its stop keeps it
    await loadUnfinished()
    await service.stop()
    const row = store.get(id)!
    expect(row.waitingSince).toBeGreaterThanOrEqual(before)
    expect(row.waitingCause, 'the wait a clean stop opens is for this daemon').toBe('down')
    // down 4 s, then restored by the daemon started again
    store.update(id, { waitingSince: row.waitingSince! - 4000 })
    service = await serviceOnStore()
    await loadUnfinished()
    expect(service.info(id)?.waitedSeconds).toBeGreaterThanOrEqual(4)
    expect(service.info(id)?.waitedBy?.down).toBeGreaterThanOrEqual(4)
  })
})
