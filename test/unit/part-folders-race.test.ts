// `.ferry-part` swapped for a symbolic link by another local user in the
// instant after ferry looked at it: the look is mocked (lstat) to make that
// instant happen. Making it private must not change the mode of what the
// link points at.

import { afterAll, describe, expect, it, vi } from 'vitest'
import { chmodSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** the path whose next lstat swaps it for a link to `to`, once */
let swap: { path: string, to: string } | undefined
vi.mock('node:fs/promises', async (importOriginal) => {
  const fsp = await importOriginal<typeof import('node:fs/promises')>()
  const lstat = (async (path: string, opts?: object) => {
    const st = await fsp.lstat(path, opts)
    if (swap !== undefined && path === swap.path) {
      renameSync(path, `${path}.moved`)
      symlinkSync(swap.to, path)
      swap = undefined
    }
    return st
  }) as typeof fsp.lstat
  return { ...fsp, lstat, default: { ...fsp, lstat } }
})

const { makePartFolder } = await import('../../src/transfer/receive/part-folders.ts')

const dir = mkdtempSync(join(tmpdir(), 'ferry-parts-race-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('makePartFolder, .ferry-part swapped for a link after the look', () => {
  it('does not change the mode of the folder the link points at (review finding: a chmod by name followed it)', async () => {
    const recv = join(dir, 'recv')
    const outside = join(dir, 'outside')
    mkdirSync(join(recv, '.ferry-part'), { recursive: true })
    mkdirSync(outside)
    chmodSync(outside, 0o755)
    swap = { path: join(recv, '.ferry-part'), to: outside }
    await makePartFolder(recv, 'a'.repeat(64)).catch(() => {})
    expect(statSync(outside).mode & 0o777).toBe(0o755)
  })
})
