// makeFolder: mkdir -p of the daemon's folders, with what went wrong said in
// words. On a failure it makes the first missing folder on the way alone to
// learn the real reason; when that one could be made after all, it is not
// left behind.

import { afterAll, describe, expect, it } from 'vitest'
import { mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeFolder } from '../../src/daemon/make-folder.ts'

const made: string[] = []
const scratch = async (): Promise<string> => { const d = await mkdtemp(join(tmpdir(), 'ferry-make-folder-')); made.push(d); return d }
afterAll(async () => { for (const d of made) await rm(d, { recursive: true, force: true }) })

describe('makeFolder', () => {
  it('makes every missing folder on the way', async () => {
    const dir = await scratch()
    await makeFolder(join(dir, 'a', 'b', 'c'), '--receive-dir')
    expect((await stat(join(dir, 'a', 'b', 'c'))).isDirectory()).toBe(true)
  })

  it('a failure the first missing folder alone does not meet (a path over PATH_MAX): that folder, made to learn why, is removed again, nothing left behind', async () => {
    const dir = await scratch()
    // mkdir -p of it fails at once, nothing made (ENAMETOOLONG: 4096 bytes at most); dir/new alone can be made
    const path = join(dir, 'new', ...Array.from({ length: 25 }, () => 'x'.repeat(200)))
    const err = await makeFolder(path, '--receive-dir').then(() => undefined, (e: unknown) => e)
    expect(err).toMatchObject({ code: 'E_IO' })
    expect((err as Error).message).toMatch(`--receive-dir ${path} cannot be made: ENAMETOOLONG`)
    expect(await readdir(dir)).toEqual([])
  })

  it('a symbolic link to nothing (a receive folder on a disk not mounted): E_USAGE, said so with where it points, nothing made there (user-test finding: "EEXIST: file already exists, mkdir")', async () => {
    const dir = await scratch()
    const target = join(dir, 'usb', 'ferry')
    await symlink(target, join(dir, 'received'))
    for (const path of [join(dir, 'received'), join(dir, 'received', 'photos')]) {
      const err = await makeFolder(path, '--receive-dir').then(() => undefined, (e: unknown) => e)
      expect(err, path).toMatchObject({ code: 'E_USAGE', message: `--receive-dir ${path} cannot be made: ${join(dir, 'received')} is a symbolic link to ${target}, which is not there (a disk not mounted?); mount it or make that folder, or choose another` })
    }
    expect(await readdir(dir)).toEqual(['received'])
  })

  it('a file where a folder on the way goes: E_USAGE, said so, and nothing made', async () => {
    const dir = await scratch()
    await writeFile(join(dir, 'file'), 'x')
    await expect(makeFolder(join(dir, 'file', 'sub'), '--home')).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/is not a folder/) })
    expect(await readdir(dir)).toEqual(['file'])
  })
})
