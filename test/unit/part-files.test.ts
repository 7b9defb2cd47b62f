// PartFileCreator: part files created in the fetch's order, alongside it;
// a write waits for its file's creation, and a stop fails whoever waits.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FerryError } from '../../src/errors.ts'
import { Bitmap } from '../../src/transfer/bitmap.ts'
import { PartFileCreator } from '../../src/transfer/part-files.ts'
import type { FileState } from '../../src/transfer/receive-plan.ts'

let dir: string
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'ferry-parts-')) })
afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

function files (indexes: number[], under = dir): FileState[] {
  return indexes.map((index) => ({
    index,
    entry: { path: `f${index}`, kind: 'file', size: 1, mtimeMs: 0, mode: 0o644, chunkSize: 262144, chunks: [new Uint8Array(32)], fileRoot: new Uint8Array(32) },
    partPath: join(under, String(index)),
    bitmap: new Bitmap(1),
    done: false
  }))
}

describe('PartFileCreator', () => {
  it('creates every part file, in order; a file not in its list counts as created', async () => {
    const creator = new PartFileCreator(files([3, 1, 7]))
    expect(creator.created(3)).toBe(false)
    expect(creator.created(42)).toBe(true)
    expect(creator.ready(42)).toBeUndefined()
    await creator.run()
    expect((await readdir(dir)).sort()).toEqual(['1', '3', '7'])
    for (const i of [1, 3, 7]) {
      expect(creator.created(i)).toBe(true)
      expect(creator.ready(i)).toBeUndefined()
    }
  })

  it('ready() resolves once the file exists, and not before; the creation yields to the event loop between a few files', async () => {
    const list = files(Array.from({ length: 40 }, (_, i) => i))
    const creator = new PartFileCreator(list)
    const last = creator.ready(39)
    expect(last).toBeInstanceOf(Promise)
    let seen = false
    const waited = last!.then(() => { seen = existsSync(list[39].partPath) })
    const running = creator.run()
    // the first few are created at once, the rest in later turns
    expect(existsSync(list[0].partPath)).toBe(true)
    expect(existsSync(list[39].partPath)).toBe(false)
    await waited
    expect(seen).toBe(true)
    await running
  })

  it('a creation that fails stops it: whoever waits for a later file gets the error, the files before it exist', async () => {
    const list = [...files([0, 1]), ...files([2], join(dir, 'missing-folder')), ...files([3])]
    const creator = new PartFileCreator(list)
    const waiting = creator.ready(3)
    await creator.run()
    await expect(waiting).rejects.toMatchObject({ code: expect.stringMatching(/^E_/) })
    expect(existsSync(list[1].partPath)).toBe(true)
    expect(existsSync(list[3].partPath)).toBe(false)
    expect(creator.created(3)).toBe(false)
    await expect(creator.ready(3)).rejects.toBeInstanceOf(FerryError)
  })

  it('stop() fails the waiters with its reason and ends the run', async () => {
    const list = files(Array.from({ length: 100 }, (_, i) => i))
    const creator = new PartFileCreator(list)
    const waiting = creator.ready(99)
    const running = creator.run()
    creator.stop(new FerryError('E_CANCELLED', 'the fetch has ended'))
    await expect(waiting).rejects.toMatchObject({ code: 'E_CANCELLED' })
    await running
    expect(existsSync(list[99].partPath)).toBe(false)
  })
})
