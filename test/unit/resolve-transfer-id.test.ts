// TransferService.resolveId, the id or prefix `ferry cancel`, `accept` and
// `decline` take, against a real store (no node: nothing is started).

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TransferStore, openDb, type Db, type TransferRow } from '../../src/store/index.ts'
import type { TransferService } from '../../src/transfer/service.ts'
import { transferServiceOn } from '../helpers/service.ts'

let dir: string
let db: Db
let service: TransferService
let store: TransferStore

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-resolve-id-'))
  db = openDb(join(dir, 'ferry.db'))
  store = new TransferStore(db)
  service = await transferServiceOn(db, store, join(dir, 'received'))
})
afterEach(() => { db.close(); rmSync(dir, { recursive: true, force: true }) })

const row = (id: string, createdAt: number): TransferRow => ({ id, direction: 'send', peerId: 'p', peerName: 'beta', state: 'done', root: new Uint8Array(32), offer: new Uint8Array(0), totalBytes: 0, doneBytes: 0, wireBytes: 0, receiptVerified: false, resumed: false, createdAt })

describe('resolveId', () => {
  it('a prefix of several transfers is E_TRANSFER_AMBIGUOUS naming them, as a peer prefix is E_PEER_AMBIGUOUS (it was E_BAD_REQUEST, "invalid request parameters", naming none); one of them by more of its id, or whole, resolves', () => {
    const ids = ['ab01' + '0'.repeat(28), 'ab02' + '0'.repeat(28), 'ab03' + '0'.repeat(28), 'cd00' + '0'.repeat(28)]
    ids.forEach((id, i) => { store.insert(row(id, i)) })
    expect(() => service.resolveId('ab')).toThrow(expect.objectContaining({ code: 'E_TRANSFER_AMBIGUOUS', message: 'ab matches 3 transfers (ab010000, ab020000, ab030000); give more of the id' }))
    expect(service.resolveId('AB02')).toBe(ids[1])
    expect(service.resolveId(ids[0])).toBe(ids[0])
    expect(() => service.resolveId('ef')).toThrow(expect.objectContaining({ code: 'E_TRANSFER_NOT_FOUND' }))
  })
})
