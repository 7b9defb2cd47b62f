// A daemon in use for months keeps every transfer; `ferry transfers` lists
// the newest 200 and says that older ones are kept and how to list them
// (`--limit`); `ferry wait`, `cancel` and the like find any of them by id
// (user-test finding: after ~1,500 sends, last month's transfer was "no
// transfer with id …", and nothing said the list was cut). Two real daemons
// on 127.0.0.1 (mDNS off); the older history is the row of a real send,
// copied into the stopped daemon's store under older times and other ids
// (200 real sends would take minutes).

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { cleanupAll, pairDaemons, startDaemon, tempDir, type TestDaemon } from '../helpers/daemon.ts'

let a: TestDaemon
let b: TestDaemon
/** the copies' ids, the newest first; the last is the oldest transfer kept */
const copies = Array.from({ length: 205 }, (_, i) => `${(0xa0000000 + i).toString(16)}${'0'.repeat(24)}`)

afterAll(async () => {
  await Promise.allSettled([a?.stop(), b?.stop()])
  await cleanupAll()
})

beforeAll(async () => {
  a = await startDaemon({ name: 'alpha' })
  b = await startDaemon({ name: 'beta', peers: [a.addr] })
  await pairDaemons(a, b)
  const file = join(await tempDir('ferry-old-src-'), 'note.txt')
  await writeFile(file, 'kept for months\n')
  const sent = await a.cli(['send', 'beta', file, '--json'])
  expect(sent.code, sent.stderr).toBe(0)
  const id: string = JSON.parse(sent.stdout).id
  await a.stop()
  const db = new DatabaseSync(join(a.home, 'ferry.db'))
  try {
    db.exec(`CREATE TEMP TABLE copy AS SELECT * FROM transfers WHERE id = '${id}'`)
    for (const [i, copy] of copies.entries()) {
      db.prepare('UPDATE copy SET id = ?, created_at = created_at - ?, finished_at = finished_at - ?').run(copy, 60_000 * (i + 1), 60_000 * (i + 1))
      db.exec('INSERT INTO transfers SELECT * FROM copy')
      db.prepare('UPDATE copy SET created_at = created_at + ?, finished_at = finished_at + ?').run(60_000 * (i + 1), 60_000 * (i + 1))
    }
  } finally { db.close() }
  a = await a.restart()
}, 120_000)

describe('a long history', { timeout: 120_000 }, () => {
  it('`ferry transfers` lists the newest 200 and says older ones are kept, and how to list them; `--limit` lists more, in --json too', async () => {
    const listed = await a.cli(['transfers'])
    expect(listed.code, listed.stderr).toBe(0)
    const rows = listed.stdout.split('\n').filter((l) => /^[0-9a-f]{8} /.test(l))
    expect(rows).toHaveLength(200)
    expect(listed.stdout).toContain('older transfers not listed: `ferry transfers --limit 1000` lists more, `ferry wait <id>` shows one\n')
    const all = await a.cli(['transfers', '--limit', '1000', '--json'])
    expect(JSON.parse(all.stdout)).toHaveLength(206)
    const some = await a.cli(['transfers', '--limit', '206'])
    expect(some.stdout).not.toContain('older transfers not listed')
    expect(JSON.parse((await a.cli(['transfers', '--json'])).stdout)).toHaveLength(200)
    const bad = await a.cli(['transfers', '--limit', '0'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^ferry: E_USAGE: --limit takes a whole number from 1 to 100,000/m)
  })

  it('one older than those listed is found by id: `ferry wait` shows it, `ferry cancel` says it has ended, not that there is no such transfer', async () => {
    const oldest = copies.at(-1)!
    const waited = await a.cli(['wait', oldest.slice(0, 10)])
    expect(waited.code, waited.stderr).toBe(0)
    expect(waited.stdout).toMatch(/^sent 1 file, 16 B to beta in /m)
    const cancelled = await a.cli(['cancel', oldest.slice(0, 10)])
    expect(cancelled.code).toBe(1)
    expect(cancelled.stderr).toMatch(/^ferry: E_TRANSFER_ENDED: /m)
    // a prefix of several, listed or not, names them
    const several = await a.cli(['wait', 'a00000'])
    expect(several.code).toBe(1)
    expect(several.stderr).toMatch(/^ferry: E_TRANSFER_AMBIGUOUS: a00000 matches 205 transfers \(a0000000, a0000001, a0000002, a0000003, a0000004, …\)/m)
    const none = await a.cli(['wait', 'b0000000'])
    expect(none.stderr).toMatch(/^ferry: E_TRANSFER_NOT_FOUND: no transfer with id b0000000/m)
  })
})
