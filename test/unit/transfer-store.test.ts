// TransferStore against a real node:sqlite database.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { TransferStore, openDb, type Db, type TransferRow } from '../../src/store/index.ts'
import { MIGRATIONS } from '../../src/store/db.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

let dir: string
let db: Db
let store: TransferStore

beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'ferry-store-')); db = openDb(join(dir, 'ferry.db')); store = new TransferStore(db) })
afterEach(() => { db.close(); rmSync(dir, { recursive: true, force: true }) })

const row = (id: string, direction: 'send' | 'receive', receiveDir?: string): TransferRow => ({ id, direction, peerId: 'p', peerName: 'p', state: 'failed', root: new Uint8Array(32), offer: new Uint8Array(0), totalBytes: 0, doneBytes: 0, wireBytes: 0, receiveDir, receiptVerified: false, resumed: false, createdAt: 0 })

describe('openDb', () => {
  it('a file that is not a database, or a damaged schema version, fails with E_IO naming the file (review finding: E_INTERNAL, or used as it was)', () => {
    const garbage = join(dir, 'garbage.db')
    writeFileSync(garbage, 'x'.repeat(5000))
    expect(() => openDb(garbage)).toThrow(expect.objectContaining({ code: 'E_IO', message: `${garbage}: the state database: file is not a database` }))
    db.prepare("UPDATE meta SET value = 'x' WHERE key = 'schema_version'").run()
    expect(() => openDb(join(dir, 'ferry.db'))).toThrow(expect.objectContaining({ code: 'E_IO', message: expect.stringMatching(/schema version "x" is not a number/) }))
  })

  it('a database that cannot be written fails at open with E_IO, not at the first pairing (review finding: the daemon ran, and unpair failed with E_INTERNAL)', (ctx) => {
    const path = join(dir, 'locked.db')
    openDb(path).close()
    // immutable even to root; where chattr cannot (not ext2/3/4, no e2fsprogs), there is nothing to check
    if (spawnSync('chattr', ['+i', path]).status !== 0) ctx.skip('chattr cannot make a file immutable here')
    try {
      expect(() => openDb(path)).toThrow(expect.objectContaining({ code: 'E_IO', message: expect.stringMatching(/locked\.db: the state database: attempt to write a readonly database/) }))
    } finally {
      spawnSync('chattr', ['-i', path])
    }
  })

  it('says when the file held no ferry state (made now or emptied), and not when it did', () => {
    const path = join(dir, 'fresh.db')
    let news = 0
    openDb(path, { onNew: () => { news++ } }).close()
    openDb(path, { onNew: () => { news++ } }).close()
    expect(news).toBe(1)
    writeFileSync(path, '')
    rmSync(`${path}-wal`, { force: true })
    rmSync(`${path}-shm`, { force: true })
    openDb(path, { onNew: () => { news++ } }).close()
    expect(news).toBe(2)
  })

  it('refuses a database a newer ferry wrote, with E_STORE_NEWER, instead of using tables it does not know (review finding)', () => {
    // one schema newer, as a ferry one release newer leaves it (mutation finding: only 999 was tried), and far newer
    const current = Number((db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value)
    for (const newer of [current + 1, 999]) {
      db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(newer))
      expect(() => openDb(join(dir, 'ferry.db'))).toThrow(expect.objectContaining({ code: 'E_STORE_NEWER', message: expect.stringMatching(new RegExp(`newer ferry \\(schema ${newer};`)) }))
    }
  })
})

describe('TransferStore', () => {
  it('setOffer records the manifest and the send as offered in one statement: no row is left in hashing with the entries\' paths as its sources (review finding)', () => {
    const store = new TransferStore(db)
    store.insert({ ...row('e'.repeat(32), 'send'), state: 'hashing', sources: ['/home/me/Pictures'] })
    store.setOffer('e'.repeat(32), new Uint8Array(32).fill(7), new Uint8Array([1, 2]), ['/home/me/Pictures', '/home/me/Pictures/a.jpg'], 10, 1, 1)
    expect(store.get('e'.repeat(32))).toMatchObject({ state: 'offered', sources: ['/home/me/Pictures', '/home/me/Pictures/a.jpg'], totalBytes: 10, fileCount: 1, folderCount: 1 })
  })

  it('a receipt\'s refused entries are kept with it (a receipt sent again tells them too); a damaged record reads as none, and the row still reads', () => {
    const id = 'f'.repeat(32)
    store.insert(row(id, 'receive', '/data/inbox'))
    const refused = [{ entry: 3, reason: '"album" is a symbolic link in the receive folder' }]
    store.update(id, { receiptSig: new Uint8Array(64), receiptMissing: new Uint8Array([8]), receiptRefused: refused })
    expect(store.get(id)).toMatchObject({ receiptRefused: refused, receiptMissing: new Uint8Array([8]) })
    db.prepare('UPDATE transfers SET receipt_refused = ? WHERE id = ?').run('{not json', id)
    expect(store.get(id)?.receiptRefused).toBeUndefined()
    db.prepare('UPDATE transfers SET receipt_refused = ? WHERE id = ?').run('[{"entry":"x"},{"entry":1,"reason":"r"}]', id)
    expect(store.get(id)?.receiptRefused).toEqual([{ entry: 1, reason: 'r' }])
  })

  it('who ended a cancelled or declined transfer is kept with it (TransferInfo.endedBy): both values, a row from before without it, any other value read as none', () => {
    const id = 'd'.repeat(32)
    store.insert(row(id, 'send'))
    expect(store.get(id)?.endedBy).toBeUndefined()
    store.update(id, { state: 'declined', errorCode: 'E_DECLINED', endedBy: 'peer' })
    expect(store.get(id)).toMatchObject({ state: 'declined', endedBy: 'peer' })
    expect(store.list(10).find((r) => r.id === id)?.endedBy).toBe('peer')
    store.update(id, { endedBy: 'here' })
    expect(store.summary(id)?.endedBy).toBe('here')
    db.prepare('UPDATE transfers SET ended_by = ? WHERE id = ?').run('elsewhere', id)
    expect(store.get(id)?.endedBy).toBeUndefined()
  })

  it('a send\'s skipped paths keep what marks them (refused by the receiver, not served here) and their error code, so the summary read from the row tells the causes apart; any other value is dropped', () => {
    const id = 'e'.repeat(32)
    store.insert(row(id, 'send'))
    const skipped = [{ path: '/a', reason: 'refused by the receiver: r', failed: true, code: 'E_PATH_UNSAFE' as const, refused: true }, { path: '/b', reason: 'was removed since it was offered; not received', failed: true, code: 'E_SOURCE_CHANGED' as const, notServed: true }]
    store.update(id, { skipped })
    expect(store.get(id)?.skipped).toEqual(skipped)
    db.prepare('UPDATE transfers SET skipped = ? WHERE id = ?').run('[{"path":"/c","reason":"r","refused":"yes","notServed":1,"code":"E_NOT_A_CODE"}]', id)
    expect(store.get(id)?.skipped).toEqual([{ path: '/c', reason: 'r' }])
  })

  it('refused offers (failed as they came, nothing received, no manifest) are counted per peer since a time and forgotten after one; other failed receives and sends are neither', () => {
    const refused = (id: string, peerId: string, at: number): TransferRow => ({ ...row(id, 'receive'), peerId, createdAt: at, finishedAt: at, errorCode: 'E_NO_SPACE' })
    store.insert(refused('r1', 'p', 1000))
    store.insert(refused('r2', 'p', 5000))
    store.insert(refused('r3', 'q', 5000))
    store.insert({ ...row('f1', 'receive'), createdAt: 1000, finishedAt: 2000 }) // failed later: a real receive
    store.insert({ ...row('f2', 'receive'), createdAt: 1000, finishedAt: 1000, doneBytes: 5 }) // something received
    store.insert({ ...row('s1', 'send'), createdAt: 1000, finishedAt: 1000 })
    expect(store.countRefusedSince('p', 0)).toBe(2)
    expect(store.countRefusedSince('p', 2000)).toBe(1)
    expect(store.countRefusedSince('q', 0)).toBe(1)
    expect(store.forgetRefused(2000)).toBe(1)
    expect(store.list(200).map((t) => t.id).sort()).toEqual(['f1', 'f2', 'r2', 'r3', 's1'])
  })

  it('list: the newest by when they ended, or began where they have not, as `ferry transfers` shows them (user-test finding: by their start they read out of order)', () => {
    store.insert({ ...row('long', 'receive'), createdAt: 1000, finishedAt: 9000 }) // began first, ended last
    store.insert({ ...row('quick', 'send'), createdAt: 3000, finishedAt: 4000 })
    store.insert({ ...row('running', 'send'), state: 'fetching', createdAt: 6000 })
    store.insert({ ...row('old', 'send'), createdAt: 500, finishedAt: 600 })
    expect(store.list(200).map((t) => t.id)).toEqual(['long', 'running', 'quick', 'old'])
    expect(store.list(2).map((t) => t.id)).toEqual(['long', 'running'])
  })

  it('idsStartingWith: every transfer kept whose id starts so, newest listed or not, at most `max`; nothing for a prefix that is not lower-case hex (user-test finding: one older than the newest 200 could not be named)', () => {
    const ids = ['ab01' + '0'.repeat(28), 'ab02' + '0'.repeat(28), 'ac00' + '0'.repeat(28), 'ffff' + '0'.repeat(28)]
    for (const id of ids) store.insert(row(id, 'send', '/data/in'))
    expect(store.idsStartingWith('ab')).toEqual(ids.slice(0, 2))
    expect(store.idsStartingWith('ab', 1)).toEqual(ids.slice(0, 1))
    expect(store.idsStartingWith('ab02')).toEqual([ids[1]])
    expect(store.idsStartingWith('ffff')).toEqual([ids[3]])
    expect(store.idsStartingWith(ids[2])).toEqual([ids[2]])
    expect(store.idsStartingWith('ad')).toEqual([])
    expect(store.idsStartingWith('AB')).toEqual([])
    expect(store.idsStartingWith("a' OR 1")).toEqual([])
    // the newest listed leave the rest out; the look-up does not
    expect(store.list(1)).toHaveLength(1)
  })

  it('receiveDirs: every receive folder a receive was written to, once each (the part-folder sweep looks in each: review finding)', () => {
    store.insert(row('a'.repeat(32), 'receive', '/data/old-inbox'))
    store.insert(row('b'.repeat(32), 'receive', '/data/inbox'))
    store.insert(row('c'.repeat(32), 'receive', '/data/old-inbox'))
    store.insert(row('d'.repeat(32), 'send'))
    expect(store.receiveDirs().sort()).toEqual(['/data/inbox', '/data/old-inbox'])
  })

  it('a progress update or summary of a transfer does not touch its manifest: the row of a 30,000-file send with long paths (a 32 MB offer and 16 MB of sources) was rewritten whole at each update, once a second (user-test finding: 40 % of both daemons\' CPU, ~30 MB written to the WAL a second)', () => {
    const id = 'f'.repeat(32)
    const offer = new Uint8Array(8 * 1024 * 1024).fill(5)
    const sources = Array.from({ length: 2000 }, (_, i) => `/home/me/${'ü'.repeat(1000)}/${i}`)
    store.insert({ ...row(id, 'send'), state: 'hashing', sources: ['/home/me'] })
    store.setOffer(id, new Uint8Array(32).fill(7), offer, sources, 10, 1, 1)
    const wal = join(dir, 'ferry.db-wal')
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    expect(statSync(wal).size).toBe(0)
    for (let i = 0; i < 5; i++) store.update(id, { doneBytes: 10 ** i, wireBytes: 10 ** i })
    for (let i = 0; i < 5; i++) expect(store.summary(id)).toMatchObject({ doneBytes: 10_000, wireBytes: 10_000, offer: new Uint8Array(0) })
    expect(statSync(wal).size, 'five updates wrote a few pages each, not the 8 MB manifest again').toBeLessThan(256 * 1024)
    const got = store.get(id)!
    expect(Buffer.compare(got.offer, offer)).toBe(0) // not toEqual: 8 MB compared byte by byte takes vitest half a minute
    expect(got.sources?.length).toBe(sources.length)
    expect(got.sources?.[1999]).toBe(sources[1999])
    expect(got).toMatchObject({ state: 'offered', doneBytes: 10_000 })
    expect(store.unfinished().find((r) => r.id === id)?.offer).toHaveLength(offer.length)
  })

  it('a database whose manifests are in the transfers rows (before 2026-12-07) has them moved to transfer_manifests when opened, read back as before', () => {
    const id = 'd'.repeat(32)
    // as the schema before it was: the manifest in the row, no table of its own, nor the columns later steps added
    const step = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE transfer_manifests'))
    db.exec('DROP TABLE transfer_manifests')
    for (const later of MIGRATIONS.slice(step + 1)) {
      for (const [, index] of later.matchAll(/CREATE INDEX (\w+)/g)) db.exec(`DROP INDEX ${index}`)
      for (const [, column] of later.matchAll(/ALTER TABLE transfers ADD COLUMN (\w+)/g)) db.exec(`ALTER TABLE transfers DROP COLUMN ${column}`)
    }
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(step))
    db.prepare(`INSERT INTO transfers (id, direction, peer_id, state, root, offer, sources, total_bytes, created_at) VALUES (?, 'send', 'p', 'offered', x'00', ?, ?, 3, 0)`).run(id, new Uint8Array([1, 2, 3]), JSON.stringify(['/a', '/a/b']))
    db.close()
    db = openDb(join(dir, 'ferry.db'))
    store = new TransferStore(db)
    expect(store.get(id)).toMatchObject({ state: 'offered', offer: new Uint8Array([1, 2, 3]), sources: ['/a', '/a/b'] })
    expect(db.prepare('SELECT length(offer) AS n, sources FROM transfers WHERE id = ?').get(id)).toEqual({ n: 0, sources: null })
  })

  it('forgetManifests drops the offer bytes and source paths of transfers ended before the given time, and nothing else (review finding: kept for good, 10.8 MB for 99,100 files)', () => {
    const old = Date.now() - 31 * 86_400_000
    const blob = new Uint8Array(1000).fill(3)
    store.insert({ ...row('1'.repeat(32), 'send'), state: 'done', offer: blob, sources: ['/a'], finishedAt: old, receiptSig: new Uint8Array(64).fill(9), receiptVerified: true })
    store.update('1'.repeat(32), { skippedCount: 1, skipped: [{ path: '/a/link', reason: 'a symbolic link' }] })
    store.insert({ ...row('2'.repeat(32), 'receive'), state: 'failed', offer: blob, finishedAt: Date.now() })
    store.insert({ ...row('3'.repeat(32), 'receive'), state: 'waiting', offer: blob, createdAt: old })
    expect(store.forgetManifests(Date.now() - 30 * 86_400_000)).toBe(1)
    const forgotten = store.get('1'.repeat(32))!
    expect(forgotten.offer).toHaveLength(0)
    expect(forgotten.sources).toBeUndefined()
    expect(forgotten).toMatchObject({ state: 'done', receiptVerified: true, skippedCount: 1 })
    expect(forgotten.skipped, 'the list of skipped paths goes too (soak-test finding), its count stays').toBeUndefined()
    expect(forgotten.receiptSig).toHaveLength(64)
    expect(store.get('2'.repeat(32))!.offer).toHaveLength(1000) // ended, but recently
    expect(store.get('3'.repeat(32))!.offer).toHaveLength(1000) // not ended: resumes from it
    // + 1: ended in this very millisecond is not ended before it (a flake when the test ran within one)
    expect(store.forgetManifests(Date.now() + 1)).toBe(1) // the recent one now; the others are done with
  })

  it('forgetManifests drops the file rows of the transfers it forgets, and of those forgotten before, and keeps those of the rest', () => {
    const old = Date.now() - 31 * 86_400_000
    const ids = ['4'.repeat(32), '5'.repeat(32), '6'.repeat(32), '7'.repeat(32)]
    store.insert({ ...row(ids[0], 'receive'), state: 'done', offer: new Uint8Array(10), finishedAt: old })
    store.insert({ ...row(ids[1], 'receive'), state: 'done', finishedAt: old }) // manifest forgotten by an older ferry, its file rows kept
    store.insert({ ...row(ids[2], 'receive'), state: 'failed', offer: new Uint8Array(10), finishedAt: Date.now() })
    store.insert({ ...row(ids[3], 'receive'), state: 'waiting', offer: new Uint8Array(10), createdAt: old })
    for (const id of ids) for (let i = 0; i < 3; i++) store.setFile(id, i, i === 0 ? { done: true, dest: `/in/${i}` } : { done: false, bitmap: new Uint8Array([1]) })
    expect(store.forgetManifests(Date.now() - 30 * 86_400_000)).toBe(1)
    expect(ids.map((id) => store.files(id).size)).toEqual([0, 0, 3, 3])
  })

  it('a send\'s files given up are kept with why, the latest word for each standing, read back with a reason only where one was told, and forgotten with its manifest', () => {
    const ended = '8'.repeat(32)
    const going = '9'.repeat(32)
    store.insert({ ...row(ended, 'send'), state: 'done', offer: new Uint8Array(10), finishedAt: Date.now() - 31 * 86_400_000 })
    store.insert({ ...row(going, 'send'), state: 'fetching', offer: new Uint8Array(10) })
    for (const id of [ended, going]) store.setGivenUp(id, 2, { why: 'removed since it was offered', said: '/src/a was removed since it was offered', reason: 'removed' })
    store.setGivenUp(going, 2, { why: 'cannot be read any more (EACCES)', said: '/src/a cannot be read any more (EACCES)', reason: 'unreadable' })
    store.setGivenUp(going, 0, { why: 'changed since it was offered', said: '/src/b changed since it was offered' })
    expect([...store.givenUp(going)]).toEqual([
      [0, { why: 'changed since it was offered', said: '/src/b changed since it was offered' }],
      [2, { why: 'cannot be read any more (EACCES)', said: '/src/a cannot be read any more (EACCES)', reason: 'unreadable' }]
    ])
    expect(store.forgetManifests(Date.now() - 30 * 86_400_000)).toBe(1)
    expect(store.givenUp(ended).size).toBe(0)
    expect(store.givenUp(going).size).toBe(2)
  })

  it('chunks of kept part files are found like those of placed files, and forgotten with their part folder only', () => {
    const h = (n: number): Uint8Array => new Uint8Array(32).fill(n)
    store.indexFiles([{ path: '/r/placed.jpg', fileRoot: h(9), size: 10, mtimeMs: 1, chunks: ChunkHashes.of([h(1)]), chunkSize: 256 * 1024 }])
    store.indexPartChunks('/r/.ferry-part/ab/0', [{ hash: h(1), offset: 0, length: 10 }, { hash: h(2), offset: 262_144, length: 5 }])
    store.indexPartChunks('/r/.ferry-part/ab0/0', [{ hash: h(2), offset: 0, length: 5 }])
    expect(store.findChunk(h(1)).map((l) => l.path)).toEqual(['/r/.ferry-part/ab/0', '/r/placed.jpg'])
    expect(store.findChunk(h(2))).toEqual([{ path: '/r/.ferry-part/ab0/0', offset: 0, length: 5 }, { path: '/r/.ferry-part/ab/0', offset: 262_144, length: 5 }])
    // a part file is no file in the receive folder
    expect(store.indexedFile('/r/.ferry-part/ab/0')).toBeUndefined()
    store.forgetUnder('/r/.ferry-part/ab')
    expect(store.findChunk(h(1)).map((l) => l.path)).toEqual(['/r/placed.jpg'])
    // a folder whose name only starts the same stays
    expect(store.findChunk(h(2)).map((l) => l.path)).toEqual(['/r/.ferry-part/ab0/0'])
  })
})
