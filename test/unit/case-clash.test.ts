import { describe, expect, it } from 'vitest'
import { foldName, hasCaseClash } from '../../src/transfer/case-clash.ts'

const file = (path: string): { path: string, kind: string } => ({ path, kind: 'file' })
const dir = (path: string): { path: string, kind: string } => ({ path, kind: 'dir' })

describe('hasCaseClash', () => {
  it('finds a file whose name differs only in case from a folder of the same offer', () => {
    expect(hasCaseClash([file('c6/Photos'), file('c6/photos/1.jpg')])).toBe(true)
    expect(hasCaseClash([file('c6/photos/1.jpg'), file('c6/Photos')])).toBe(true)
    expect(hasCaseClash([file('TRIP'), dir('trip')])).toBe(true)
    expect(hasCaseClash([file('a/Été'), file('a/ÉTÉ/x')])).toBe(true)
    // NFD against NFC, as APFS compares them
    expect(hasCaseClash([file('a/e\u0301te'), file('a/\u00e9te/x')])).toBe(true)
  })

  it('finds none where only files differ in case (placing keeps both already), or nothing differs', () => {
    expect(hasCaseClash([file('IMG_0001.JPG'), file('img_0001.jpg')])).toBe(false)
    expect(hasCaseClash([file('a/b/c.jpg'), file('a/b/d.jpg'), dir('a/b'), dir('a/e')])).toBe(false)
    expect(hasCaseClash([file('Photos/a.jpg'), file('photos/b.jpg')])).toBe(false) // two folders: the file system merges them, as it should
    expect(hasCaseClash([])).toBe(false)
  })

  it('folds letters beyond ASCII', () => {
    expect(foldName('Ärger/été')).toBe(foldName('äRGER/ÉTÉ'))
    expect(foldName('a')).not.toBe(foldName('b'))
  })
})
