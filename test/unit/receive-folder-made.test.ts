// A receive folder gone (moved, removed) is made again for a new offer; one
// that cannot be made again is said so in words, without where it is (the
// peer reads it), not as the system call's "EACCES: permission denied, mkdir
// '/home/…'" (user-test finding). The permission is faked: the tests run as
// root too, which no permission bit stops.

import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { makeReceiveFolder } from '../../src/transfer/folder/receive-folder.ts'

/** a folder nothing can be made in: mkdir(2) answers `code` there */
const locked = vi.hoisted(() => ({ path: '', code: 'EACCES' }))

vi.mock('node:fs/promises', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs/promises')>()
  const mkdir = (async (path: string, opts?: { recursive?: boolean }) => {
    if (locked.path !== '' && String(path).startsWith(`${locked.path}/`)) throw Object.assign(new Error(`${locked.code}: denied, mkdir '${String(path)}'`), { code: locked.code, path: String(path) })
    return await orig.mkdir(path, opts)
  }) as typeof orig.mkdir
  return { ...orig, mkdir, default: { ...orig, mkdir } }
})

const base = mkdtempSync(join(tmpdir(), 'ferry-made-'))
mkdirSync(join(base, 'locked'))
afterAll(() => { rmSync(base, { recursive: true, force: true }) })

describe('makeReceiveFolder', () => {
  it('makes a receive folder that went away', async () => {
    await makeReceiveFolder(join(base, 'gone', 'ferry'))
    expect(statSync(join(base, 'gone', 'ferry')).isDirectory()).toBe(true)
  })

  it('one that cannot be made again: E_PATH_NOT_FOUND, why in words, without its path', async () => {
    for (const [code, why] of [['EACCES', `is not writable by the user the daemon runs as (${userInfo().username})`], ['EROFS', 'is on a read-only file system']]) {
      locked.path = join(base, 'locked')
      locked.code = code
      try {
        const err = await makeReceiveFolder(join(base, 'locked', 'ferry')).then(() => undefined, (e: unknown) => e)
        expect(err, code).toMatchObject({ code: 'E_PATH_NOT_FOUND', message: `the receive folder is not there (moved or removed?), and cannot be made again: the folder it goes in ${why}; send again once it is back` })
      } finally { locked.path = '' }
    }
  })
})
