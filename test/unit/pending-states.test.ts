// PendingStates against a real node:sqlite store that refuses writes for a
// while (query_only, as a full disk refuses them): a state that could not be
// written is shown in place of the stored one, merged with later ones, and
// written once the store takes writes again.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TransferStore, openDb, type Db } from '../../src/store/index.ts'
import { PendingStates } from '../../src/transfer/pending-states.ts'

let dir: string
let db: Db
let store: TransferStore
const warned: string[] = []
const log = { warn: (msg: string) => { warned.push(msg) }, info: () => {} }
const ID = 'a'.repeat(32)

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ferry-pending-'))
  db = openDb(join(dir, 'ferry.db'))
  store = new TransferStore(db)
  store.insert({ id: ID, direction: 'receive', peerId: 'p', peerName: 'p', state: 'fetching', root: new Uint8Array(32), offer: new Uint8Array(0), totalBytes: 10, doneBytes: 0, wireBytes: 0, receiptVerified: false, resumed: false, createdAt: 1 })
  warned.length = 0
})
afterEach(() => { db.close(); rmSync(dir, { recursive: true, force: true }) })

describe('PendingStates', () => {
  it('a state the store refuses is kept and shown, merged with later writes, and written once the store takes writes again', () => {
    const states = new PendingStates(store, log)
    expect(states.write(ID, { state: 'fetching', doneBytes: 5 })).toBe(true)
    expect(store.summary(ID)).toMatchObject({ state: 'fetching', doneBytes: 5 })
    db.exec('PRAGMA query_only = ON')
    expect(states.write(ID, { state: 'failed', errorCode: 'E_NO_SPACE', errorMessage: 'the state database cannot grow' })).toBe(false)
    expect(states.write(ID, { doneBytes: 7 })).toBe(false)
    expect(warned).toHaveLength(1) // said once, not at every write
    expect(store.summary(ID)).toMatchObject({ state: 'fetching', doneBytes: 5 })
    expect(states.overlay(store.summary(ID))).toMatchObject({ state: 'failed', errorCode: 'E_NO_SPACE', doneBytes: 7 })
    expect(states.retry()).toEqual([])
    db.exec('PRAGMA query_only = OFF')
    expect(states.retry()).toEqual([ID])
    expect(store.summary(ID)).toMatchObject({ state: 'failed', errorCode: 'E_NO_SPACE', doneBytes: 7 })
    expect(states.size).toBe(0)
    expect(states.overlay(store.summary(ID))).toEqual(store.summary(ID))
    expect(states.overlay(undefined)).toBeUndefined()
  })
})
