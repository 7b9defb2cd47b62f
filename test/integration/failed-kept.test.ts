// A receive that fails with files of it placed whole before, which stay in
// the receive folder: its sender hears how many, as it hears it of a cancel
// (TransferEnd.kept_files), and both sides say it. End to end on 127.0.0.1
// with mDNS off; the two paired daemons are test/helpers/transfer.ts's. The
// failure: a chunk that never verifies (E_HASH_MISMATCH, fetch.ts
// MAX_BAD_CHUNKS), its hash made wrong in the sender's hash cache, as
// transfer-copies.test.ts does (a file changed in a way its times did not show).

import { describe, expect, it } from 'vitest'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { CACHE_MIN_AGE_MS } from '../../src/transfer/manifest/manifest.ts'
import { tempDir } from '../helpers/daemon.ts'
import { writeRandomFile } from '../helpers/files.ts'
import { MiB, a, b, expectError, send, transferDaemons, transfersOf } from '../helpers/transfer.ts'

transferDaemons()

describe('a receive that failed', () => {
  it('tells its sender the files it keeps, placed whole before the failure, and both sides say it as they say it of a cancel: `ferry send` (--json too), `ferry transfers`, `ferry wait` (notes\' leftover: a failed receive did not send its count at all)', async () => {
    const dir = join(await tempDir('ferry-src-'), 'fail-some')
    await mkdir(dir)
    await writeFile(join(dir, 'a-kept.txt'), 'small\n')
    const bad = join(dir, 'z-bad.bin')
    await writeRandomFile(bad, 4 * MiB)
    // out of the racy window, so that the send remembers the files' hashes
    await new Promise((resolve) => setTimeout(resolve, CACHE_MIN_AGE_MS + 200))
    expect(await send([dir])).toMatchObject({ state: 'done' })
    await rm(join(b.receiveDir, 'fail-some'), { recursive: true })
    // the hash of z-bad.bin's last chunk made wrong in alpha's cache: the receiver never verifies that chunk, and fails
    const rw = new DatabaseSync(join(a.home, 'ferry.db'))
    try {
      rw.exec('PRAGMA busy_timeout = 5000')
      const { chunks } = rw.prepare('SELECT chunks FROM hash_cache WHERE path = ?').get(bad) as { chunks: Uint8Array }
      chunks.fill(0, chunks.length - 32)
      expect(rw.prepare('UPDATE hash_cache SET chunks = ? WHERE path = ?').run(chunks, bad).changes).toBe(1)
    } finally { rw.close() }
    const failed = await a.cli(['send', 'beta', dir, '--json'], { timeoutMs: 60_000 })
    expectError(failed, 'E_HASH_MISMATCH')
    const res = JSON.parse(failed.stdout) as { id: string, state: string, keptFiles?: number }
    try {
      expect(await readdir(join(b.receiveDir, 'fail-some'))).toEqual(['a-kept.txt'])
      expect((await transfersOf(b)).find((t) => t.id === res.id)).toMatchObject({ state: 'failed', keptFiles: 1 })
      // the sender: its `ferry send`, its record, `ferry transfers` and `ferry wait`
      expect(failed.stderr).toMatch(/^ferry: E_HASH_MISMATCH: .*; 1 of 2 files had arrived and is kept on beta$/m)
      expect(res).toMatchObject({ state: 'failed', keptFiles: 1 })
      expect((await transfersOf(a)).find((t) => t.id === res.id)).toMatchObject({ state: 'failed', keptFiles: 1 })
      expect((await a.cli(['transfers'])).stdout).toMatch(new RegExp(`^${res.id.slice(0, 8)}: E_HASH_MISMATCH: .*; 1 of 2 files had arrived and is kept on beta$`, 'm'))
      const waited = await a.cli(['wait', res.id.slice(0, 8)])
      expectError(waited, 'E_HASH_MISMATCH')
      expect(waited.stderr).toMatch(/^ferry: E_HASH_MISMATCH: .*; 1 of 2 files had arrived and is kept on beta$/m)
      // the receiver says it too, as of its cancel
      expect((await b.cli(['transfers'])).stdout).toMatch(new RegExp(`^${res.id.slice(0, 8)}: E_HASH_MISMATCH: .*; 1 of 2 files had arrived and is kept in \\S+$`, 'm'))
      const waitedB = await b.cli(['wait', res.id.slice(0, 8)])
      expectError(waitedB, 'E_HASH_MISMATCH')
      expect(waitedB.stderr).toMatch(/^ferry: E_HASH_MISMATCH: .*; 1 of 2 files had arrived and is kept in \S+$/m)
    } finally {
      await rm(join(b.receiveDir, 'fail-some'), { recursive: true, force: true })
    }
  })
})
