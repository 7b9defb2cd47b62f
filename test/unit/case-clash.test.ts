import { describe, expect, it } from 'vitest'
import { caseClashes, foldName } from '../../src/transfer/folder/case-clash.ts'

const file = (path: string): { path: string, kind: string } => ({ path, kind: 'file' })
const dir = (path: string): { path: string, kind: string } => ({ path, kind: 'dir' })

describe('caseClashes', () => {
  it('finds a file whose name differs only in case from a folder of the same offer', () => {
    expect(caseClashes([file('c6/Photos'), file('c6/photos/1.jpg')])).not.toEqual([])
    expect(caseClashes([file('c6/photos/1.jpg'), file('c6/Photos')])).not.toEqual([])
    expect(caseClashes([file('TRIP'), dir('trip')])).not.toEqual([])
    expect(caseClashes([file('a/Été'), file('a/ÉTÉ/x')])).not.toEqual([])
    // NFD against NFC, as APFS compares them
    expect(caseClashes([file('a/e\u0301te'), file('a/\u00e9te/x')])).not.toEqual([])
  })

  it('finds none where only files differ in case (placing keeps both already), or nothing differs', () => {
    expect(caseClashes([file('IMG_0001.JPG'), file('img_0001.jpg')])).toEqual([])
    expect(caseClashes([file('a/b/c.jpg'), file('a/b/d.jpg'), dir('a/b'), dir('a/e')])).toEqual([])
    expect(caseClashes([file('Photos/a.jpg'), file('photos/b.jpg')])).toEqual([]) // two folders: the file system merges them, as it should
    expect(caseClashes([])).toEqual([])
  })

  it('names each clashing folder once, deep ones too, and is quick for 100,000 entries', () => {
    expect(caseClashes([file('a/B/c/d.jpg'), file('a/b'), file('A/x'), file('a/B/C')]).sort()).toEqual(['a/B', 'a/B/c'])
    const many = Array.from({ length: 100_000 }, (_, i) => file(`d${i % 7}/e${i % 13}/f${i % 17}/g${i % 19}/${i}.jpg`))
    const t = performance.now()
    expect(caseClashes(many)).toEqual([])
    // correctness only: the time is printed, not asserted (benchmarks measure speed)
    console.log(`caseClashes: 100,000 entries in ${Math.round(performance.now() - t)} ms`)
  })

  it('folds letters beyond ASCII', () => {
    expect(foldName('Ärger/été')).toBe(foldName('äRGER/ÉTÉ'))
    expect(foldName('a')).not.toBe(foldName('b'))
  })
})
