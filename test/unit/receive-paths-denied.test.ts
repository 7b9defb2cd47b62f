// A folder of the receive folder the daemon cannot write in (another user's,
// read-only, immutable): the offer's paths that need something made there are
// refused alone, with why, before anything is fetched; the rest is received
// (user-test finding: the receive failed whole once its bytes were in, with
// "EACCES: permission denied, link '…/.ferry-part/…/1' -> '…/tree/new.txt'").
// The permission is the file system's answer to access(2), faked here: the
// tests run as root too, which every permission bit lets through.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { checkReceivePaths } from '../../src/transfer/index.ts'

/** folder → the errno access(2) answers for it */
const denied = vi.hoisted(() => new Map<string, string>())

vi.mock('node:fs/promises', async (importOriginal) => {
  const orig = await importOriginal<typeof import('node:fs/promises')>()
  return {
    ...orig,
    access: async (path: string, mode?: number): Promise<void> => {
      const code = denied.get(String(path))
      if (code !== undefined) throw Object.assign(new Error(`${code}: denied, access '${String(path)}'`), { code })
      await orig.access(path, mode)
    }
  }
})

let root: string
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ferry-denied-'))
  mkdirSync(join(root, 'tree'))
  writeFileSync(join(root, 'tree', 'a.txt'), 'in place\n')
  mkdirSync(join(root, 'open'))
})
afterAll(() => { rmSync(root, { recursive: true, force: true }) })

describe('a folder of the receive folder that cannot be written in', () => {
  it('refuses alone what would be made in it (a new file, a new folder and what is below), not what is there already, nor the rest', async () => {
    denied.set(join(root, 'tree'), 'EACCES')
    try {
      const paths = ['tree', 'tree/a.txt', 'tree/new.txt', 'tree/sub', 'tree/sub/b.txt', 'open', 'open/c.txt', 'top.txt']
      const { refused } = await checkReceivePaths(root, paths, new Set(['tree', 'tree/sub', 'open']))
      expect([...refused.keys()].sort()).toEqual(['tree/new.txt', 'tree/sub', 'tree/sub/b.txt'])
      const reason = `"tree" in the receive folder is not writable by the user the daemon runs as (${userInfo().username})`
      for (const p of refused.keys()) expect(refused.get(p), p).toMatchObject({ reason, error: { code: 'E_IO', message: `"${p}": ${reason}` } })
      // a folder not there is the one every path below it is refused for (the sender tells them by one reason); not
      // "tree", where what is there already is received (a folder there already was listed as not sent)
      expect(refused.get('tree/new.txt')?.under).toBe(undefined)
      expect([refused.get('tree/sub')?.under, refused.get('tree/sub/b.txt')?.under]).toEqual(['tree/sub', 'tree/sub'])
      // nothing else to receive: the offer is refused, said so
      await expect(checkReceivePaths(root, ['tree', 'tree/new.txt'], new Set(['tree']))).rejects.toMatchObject({ code: 'E_IO', message: `"tree/new.txt": ${reason}` })
    } finally { denied.clear() }
  })

  it('says why in the words of the cause: a read-only file system, or a folder marked immutable', async () => {
    for (const [code, why] of [['EROFS', 'is on a read-only file system'], ['EPERM', 'cannot be written to (EPERM: marked immutable or append-only? see lsattr -d)']]) {
      denied.set(join(root, 'open'), code)
      try {
        const { refused } = await checkReceivePaths(root, ['open/c.txt', 'top.txt'])
        expect(refused.get('open/c.txt')?.reason, code).toBe(`"open" in the receive folder ${why}`)
      } finally { denied.clear() }
    }
  })
})
