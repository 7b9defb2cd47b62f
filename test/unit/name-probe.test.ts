// NameProbe: on this file system, which takes any name, and with a create
// that refuses as exFAT does (exfat-fuse is in test/lab/exfat.test.ts, where
// it is installed); sweepProbes; keepsHoles where holes are kept.

import { afterAll, describe, expect, it } from 'vitest'
import { mkdir, mkdtemp, open, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ENDING_REFUSED_REASON, NAME_REFUSED_REASON, NameProbe, sweepProbes } from '../../src/transfer/folder/name-probe.ts'
import { keepsHoles } from '../../src/transfer/receive/zero-chunks.ts'

const made: string[] = []
const scratch = async (): Promise<string> => { const d = await mkdtemp(join(tmpdir(), 'ferry-probe-')); made.push(d); return d }
afterAll(async () => { for (const d of made) await rm(d, { recursive: true, force: true }) })

/** A create that refuses the seven characters as exfat-fuse does (ENOENT), counting what it is asked. */
function exfatLike (asked: string[], code = 'ENOENT'): (path: string) => Promise<void> {
  return async (path) => {
    asked.push(path)
    if (/[:*?"<>|]/.test(path)) throw Object.assign(new Error(`${code}: ${path}`), { code })
  }
}

describe('NameProbe', () => {
  it('takes every name here, asking once per character, and leaves nothing behind', async () => {
    const dir = await scratch()
    const probe = new NameProbe(dir)
    expect(await probe.takes('IMG_0001.jpg')).toBe(true)
    for (const name of ['12:30:05.png', 'what?.jpg', 'a*b', 'say "hi"', '<x>', 'a|b', '1:2:3']) expect(await probe.takes(name), name).toBe(true)
    expect(await readdir(dir)).toEqual([])
  })

  it('refuses a name with a character the file system refuses, for each name that has it, asking each character once', async () => {
    const dir = await scratch()
    const asked: string[] = []
    const probe = new NameProbe(dir, exfatLike(asked))
    expect(await probe.takes('plain.jpg')).toBe(true)
    expect(asked).toEqual([])
    expect(await probe.takes('12:30:05.png')).toBe(false)
    expect(await probe.takes('10:00 notes.txt')).toBe(false)
    expect(await probe.takes('what?.jpg')).toBe(false)
    expect(asked.length).toBe(3) // ':' and '?', each once, and a plain name once (it can be made: the refusals are about the names)
    expect(asked.every((p) => p.startsWith(join(dir, '.ferry-probe-')))).toBe(true)
    // vfat says EINVAL, fusefat EPERM (review finding: taken for "fine" by a list of codes): any code, where a plain name can be made
    expect(await new NameProbe(dir, exfatLike([], 'EINVAL')).takes('a|b')).toBe(false)
    expect(await new NameProbe(dir, exfatLike([], 'EPERM')).takes('a:b')).toBe(false)
    // not about the name, as a plain name fails too (read-only, no room): taken (placing says what is wrong)
    const readOnly = async (path: string): Promise<void> => { throw Object.assign(new Error(`EROFS: ${path}`), { code: 'EROFS' }) }
    expect(await new NameProbe(dir, readOnly).takes('a|b')).toBe(true)
    expect(await new NameProbe(dir, readOnly).takes('Misc.')).toBe(true)
  })

  it('takes names ending in a dot or a space where the file system holds them as named (here), asking each ending once, and leaves nothing behind', async () => {
    const dir = await scratch()
    const asked: string[] = []
    const probe = new NameProbe(dir, async (path) => { asked.push(path); await (await open(path, 'wx')).close() })
    for (const name of ['Misc.', 'v2.', 'notes ', 'a. b ']) expect(await probe.refusal(name), name).toBeUndefined()
    // ':' first: a file system that refuses it is one Windows reads
    expect(asked.map((p) => p.slice(p.lastIndexOf('-')))).toEqual(['-p:q', '-e.', '-e '])
    expect(await readdir(dir)).toEqual([])
  })

  it('refuses a name ending in a dot where the driver drops the dot (the kernel\'s vfat and exfat: "Trip." made as "Trip"), and cleans up what the driver made', async () => {
    const dir = await scratch()
    // as vfat_striptail_len: the final dots go (the kernel's vfat refuses a final space, EINVAL: not modelled)
    const vfatLike = async (path: string): Promise<void> => { await (await open(path.replace(/\.+$/, ''), 'wx')).close() }
    const probe = new NameProbe(dir, vfatLike)
    expect(await probe.refusal('Trip.')).toBe(ENDING_REFUSED_REASON)
    expect(await probe.takes('Misc.')).toBe(false)
    expect(await probe.refusal('notes ')).toBeUndefined()
    expect(await probe.refusal('Trip')).toBeUndefined()
    expect(await readdir(dir)).toEqual([])
    // a driver that refuses the name outright (EINVAL) is refused too
    expect(await new NameProbe(dir, exfatLike([], 'EINVAL')).refusal('a:b.')).toBe(NAME_REFUSED_REASON)
    expect(await new NameProbe(dir, async (path) => { if (path.endsWith(' ')) throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' }) }).refusal('notes ')).toBe(ENDING_REFUSED_REASON)
  })

  it('refuses names ending in a dot or a space where the file system refuses Windows\' characters, though its driver keeps the dot (exfat-fuse, fusefat: a card read by Windows later; review finding)', async () => {
    const dir = await scratch()
    const asked: string[] = []
    const probe = new NameProbe(dir, exfatLike(asked))
    expect(await probe.refusal('Misc.')).toBe(ENDING_REFUSED_REASON)
    expect(await probe.refusal('notes ')).toBe(ENDING_REFUSED_REASON)
    expect(await probe.refusal('plain.jpg')).toBeUndefined()
    // ':' asked once (and the plain probe that shows the refusal is about the name), nothing else
    expect(asked.map((p) => p.slice(p.lastIndexOf('-')))).toEqual(['-p:q', '-plain'])
  })

  it('takes the name on ENOENT when the receive folder itself is gone, and asks again later (review finding: every such name refused)', async () => {
    const dir = await scratch()
    const asked: string[] = []
    const probe = new NameProbe(dir, exfatLike(asked))
    await rm(dir, { recursive: true })
    expect(await probe.takes('a:b')).toBe(true)
    await mkdir(dir)
    expect(await probe.takes('a:b')).toBe(false)
    expect(asked.length).toBe(3) // ':' twice, and a plain name once the folder is back
  })
})

describe('sweepProbes', () => {
  it('removes probe files a killed daemon left, and nothing else: not a link, not a folder, not another name', async () => {
    const dir = await scratch()
    await writeFile(join(dir, '.ferry-probe-0123456789ab-p:q'), '')
    await writeFile(join(dir, '.ferry-probe-0123456789ab-e.'), '')
    await writeFile(join(dir, '.ferry-probe-0123456789ab-plain'), '')
    await writeFile(join(dir, '.ferry-holes-probe-0123456789ab'), '')
    await writeFile(join(dir, 'IMG_0001.jpg'), 'x')
    // received files that only start like a probe (review finding: swept at the next start), or hold bytes
    await writeFile(join(dir, '.ferry-probe-notes.txt'), '')
    await writeFile(join(dir, '.ferry-probe-0123456789ab-p?q'), 'x')
    await mkdir(join(dir, '.ferry-probe-abcdefabcdef-p:q'))
    const outside = join(await scratch(), 'keep')
    await writeFile(outside, 'outside')
    await symlink(outside, join(dir, '.ferry-probe-abcdefabcdef-plain'))
    expect(await sweepProbes(dir)).toBe(4)
    expect((await readdir(dir)).sort()).toEqual(['.ferry-probe-0123456789ab-p?q', '.ferry-probe-abcdefabcdef-p:q', '.ferry-probe-abcdefabcdef-plain', '.ferry-probe-notes.txt', 'IMG_0001.jpg'])
    expect(await readdir(join(outside, '..'))).toEqual(['keep'])
  })
})

describe('keepsHoles', () => {
  it('is true where a file cut to 1 MiB takes no room (this machine\'s temporary folder), and leaves no probe', async () => {
    const dir = await scratch()
    expect(await keepsHoles(dir)).toBe(true)
    expect(await readdir(dir)).toEqual([])
  })
})
