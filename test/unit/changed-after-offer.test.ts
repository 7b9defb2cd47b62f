// changedAfterOffer: which files of a send changed since they were hashed, on
// real files: an edit counts (size or modification time), metadata alone
// (chmod, a new link) does not, a file removed is not said, and files the
// receiver did without are left out.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chmod, link, lstat, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CHANGED_PATHS_KEPT, changedAfterOffer } from '../../src/transfer/send/changed-after-offer.ts'
import type { FileIdentity } from '../../src/store/index.ts'

let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ferry-changed-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

async function identityOf (path: string): Promise<FileIdentity> {
  const st = await lstat(path, { bigint: true })
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs }
}

describe('changedAfterOffer', () => {
  it('counts files edited or replaced since they were hashed, not those only chmod\'ed or linked, removed, skipped, or of no known identity', async () => {
    const names = ['edited', 'replaced', 'chmodded', 'linked', 'removed', 'skipped', 'unknown', 'same']
    const paths = names.map((n) => join(dir, n))
    for (const p of paths) await writeFile(p, 'as offered')
    const ids: Array<FileIdentity | undefined> = await Promise.all(paths.map(identityOf))
    ids[6] = undefined
    await writeFile(paths[0], 'edited since')
    // another file of the same size put in its place, of another time (file times here may not move in 1 ms)
    await writeFile(join(dir, 'new'), 'as offered')
    await utimes(join(dir, 'new'), 1_700_000_000, 1_700_000_000)
    await rm(paths[1])
    await link(join(dir, 'new'), paths[1])
    await chmod(paths[2], 0o600)
    await link(paths[3], join(dir, 'another name'))
    await rm(paths[4])
    await writeFile(paths[5], 'skipped, edited')
    await writeFile(paths[6], 'unknown, edited')
    expect(await changedAfterOffer(paths, ids, new Set([5]))).toEqual({ count: 2, paths: [paths[0], paths[1]] })
  })

  it('keeps the first paths and counts the rest', async () => {
    const paths = Array.from({ length: CHANGED_PATHS_KEPT + 5 }, (_, i) => join(dir, `f${String(i).padStart(2, '0')}`))
    for (const p of paths) await writeFile(p, 'a')
    const ids = await Promise.all(paths.map(identityOf))
    for (const p of paths) await writeFile(p, 'bb')
    expect(await changedAfterOffer(paths, ids, new Set())).toEqual({ count: CHANGED_PATHS_KEPT + 5, paths: paths.slice(0, CHANGED_PATHS_KEPT) })
  })
})
