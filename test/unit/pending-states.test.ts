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
import { KeyedLock } from '../../src/transfer/receive/keyed-lock.ts'
import { Receiver } from '../../src/transfer/receive/receiver.ts'
import { createChunkSink } from '../../src/transfer/sink/sink.ts'

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

  it('a count written while a state is kept goes in with it, so the kept state\'s retry cannot put older counts back (was: written past it, then overwritten by the older ones)', () => {
    const states = new PendingStates(store, log)
    db.exec('PRAGMA query_only = ON')
    expect(() => { states.update(ID, { doneBytes: 2 }) }).toThrow() // nothing kept for it: the store's error, as before
    expect(states.write(ID, { state: 'waiting', doneBytes: 4, wireBytes: 4 })).toBe(false)
    expect(() => { states.update(ID, { doneBytes: 6 }) }).toThrow() // the store's error, as before (it fails a receive); and kept with the state
    expect(states.overlay(store.summary(ID))).toMatchObject({ state: 'waiting', doneBytes: 6, wireBytes: 4 })
    db.exec('PRAGMA query_only = OFF')
    states.update(ID, { doneBytes: 9, wireBytes: 9 })
    expect(store.summary(ID)).toMatchObject({ state: 'waiting', doneBytes: 9, wireBytes: 9 })
    expect(states.size).toBe(0)
    expect(states.retry()).toEqual([])
    expect(store.summary(ID)).toMatchObject({ doneBytes: 9, wireBytes: 9 })
  })

  it('a receiver stopped after a state was kept records its counts of now with "waiting", not the older ones the kept state carried (review finding: 10/10 over 90/90)', async () => {
    const states = new PendingStates(store, log)
    const sink = createChunkSink()
    const r = new Receiver({
      store,
      sink: () => sink,
      openChunkStream: async () => { throw new Error('not used') },
      sendEnd: async () => {},
      sign: async () => new Uint8Array(64),
      changed: () => {},
      writeState: (id, patch) => states.write(id, patch),
      updateState: (id, patch) => { states.update(id, patch) },
      partDirs: new KeyedLock(),
      log: { debug: () => {}, info: () => {}, warn: () => {} }
    }, { id: ID, peerId: 'p', offer: { transferId: Buffer.from(ID, 'hex'), root: new Uint8Array(32), totalBytes: 100, files: [] }, receiveDir: dir, state: 'fetching', doneBytes: 10, wireBytes: 10 })
    try {
      db.exec('PRAGMA query_only = ON')
      ;(r as unknown as { setState: (s: string) => void }).setState('fetching') // kept, with 10/10
      db.exec('PRAGMA query_only = OFF')
      r.progress.done = 90
      r.progress.wire = 90
      await r.pause()
      expect(store.summary(ID)).toMatchObject({ state: 'waiting', doneBytes: 90, wireBytes: 90 })
      expect(states.size).toBe(0)
    } finally {
      await sink.close()
    }
  })
})
