// TransferStore against a real node:sqlite database.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TransferStore, openDb, type Db, type TransferRow } from '../../src/store/index.ts'

let dir: string
let db: Db
let store: TransferStore

beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'ferry-store-')); db = openDb(join(dir, 'ferry.db')); store = new TransferStore(db) })
afterEach(() => { db.close(); rmSync(dir, { recursive: true, force: true }) })

const row = (id: string, direction: 'send' | 'receive', receiveDir?: string): TransferRow => ({ id, direction, peerId: 'p', peerName: 'p', state: 'failed', root: new Uint8Array(32), offer: new Uint8Array(0), totalBytes: 0, doneBytes: 0, wireBytes: 0, receiveDir, receiptVerified: false, resumed: false, createdAt: 0 })

describe('openDb', () => {
  it('refuses a database a newer ferry wrote, with E_STORE_NEWER, instead of using tables it does not know (review finding)', () => {
    db.prepare("UPDATE meta SET value = '999' WHERE key = 'schema_version'").run()
    expect(() => openDb(join(dir, 'ferry.db'))).toThrow(expect.objectContaining({ code: 'E_STORE_NEWER', message: expect.stringMatching(/newer ferry \(schema 999/) }))
  })
})

describe('TransferStore', () => {
  it('setOffer records the manifest and the send as offered in one statement: no row is left in hashing with the entries\' paths as its sources (review finding)', () => {
    const store = new TransferStore(db)
    store.insert({ ...row('e'.repeat(32), 'send'), state: 'hashing', sources: ['/home/me/Pictures'] })
    store.setOffer('e'.repeat(32), new Uint8Array(32).fill(7), new Uint8Array([1, 2]), ['/home/me/Pictures', '/home/me/Pictures/a.jpg'], 10, 1)
    expect(store.get('e'.repeat(32))).toMatchObject({ state: 'offered', sources: ['/home/me/Pictures', '/home/me/Pictures/a.jpg'], totalBytes: 10 })
  })

  it('receiveDirs: every receive folder a receive was written to, once each (the part-folder sweep looks in each: review finding)', () => {
    store.insert(row('a'.repeat(32), 'receive', '/data/old-inbox'))
    store.insert(row('b'.repeat(32), 'receive', '/data/inbox'))
    store.insert(row('c'.repeat(32), 'receive', '/data/old-inbox'))
    store.insert(row('d'.repeat(32), 'send'))
    expect(store.receiveDirs().sort()).toEqual(['/data/inbox', '/data/old-inbox'])
  })
})
