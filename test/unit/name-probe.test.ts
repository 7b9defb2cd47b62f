// NameProbe on a file system that takes any name (the exFAT side is in
// test/lab/exfat.test.ts): names with characters some file systems refuse
// are asked and taken, others are not asked at all, and nothing is left.

import { describe, expect, it } from 'vitest'
import { readdir, mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { NameProbe } from '../../src/transfer/name-probe.ts'

describe('NameProbe', () => {
  it('takes every name here; asks only for names with : * ? " < > |, in a probe folder it removes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-probe-'))
    const probe = new NameProbe(dir)
    expect(await probe.takes('IMG_0001.jpg')).toBe(true)
    expect(await readdir(dir)).toEqual([]) // not asked: no probe folder made
    for (const name of ['12:30:05.png', 'what?.jpg', 'a*b', 'say "hi"', '<x>', 'a|b']) expect(await probe.takes(name), name).toBe(true)
    expect((await readdir(dir)).length).toBe(1)
    await probe.close()
    expect(await readdir(dir)).toEqual([])
  })

})
