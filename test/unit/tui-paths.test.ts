// The Send screen's path field: text pasted from a shell or a file manager
// is split as a shell would split it (user-test finding: `/tmp/my\ photos`,
// '/tmp/my photos' and "/tmp/a b" failed), and a bare path with spaces that
// exists still works.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkPaths, pastedLines, shellWords, splitPaths } from '../../src/tui/paths.ts'

describe('splitPaths: as a shell splits words', () => {
  it('backslash escapes outside quotes', () => {
    expect(splitPaths('/tmp/my\\ photos')).toEqual(['/tmp/my photos'])
    expect(splitPaths('a\\ b\\ \\ c d')).toEqual(['a b  c', 'd'])
    expect(splitPaths('it\\\'s \\"x\\" back\\\\slash')).toEqual(["it's", '"x"', 'back\\slash'])
    expect(splitPaths('trailing\\')).toEqual(['trailing\\'])
  })

  it('single quotes keep everything, backslashes too', () => {
    expect(splitPaths("'/tmp/my photos'")).toEqual(['/tmp/my photos'])
    expect(splitPaths("'a\\ b' 'c\"d'")).toEqual(['a\\ b', 'c"d'])
  })

  it('double quotes keep spaces and single quotes; a backslash there escapes only " \\ $ `', () => {
    expect(splitPaths('"/tmp/a b"')).toEqual(['/tmp/a b'])
    expect(splitPaths('"say \\"hi\\" it\'s" "a\\b" "c\\\\d"')).toEqual(['say "hi" it\'s', 'a\\b', 'c\\d'])
  })

  it('several paths, quoted and unquoted parts joined into one word, blanks of any kind between', () => {
    expect(splitPaths(' a  "b c"\t\'d e\' f ')).toEqual(['a', 'b c', 'd e', 'f'])
    expect(splitPaths('/tmp/"my photos"/x.jpg /tmp/my\' \'docs')).toEqual(['/tmp/my photos/x.jpg', '/tmp/my docs'])
    expect(splitPaths('\'\' "" x')).toEqual(['x'])
  })

  it('only space, tab and newline split: a no-break space is part of a name (macOS screenshots: "10.00.00\u202fPM.png"; review finding)', () => {
    expect(splitPaths('Shot\\ 10.00.00\u202fPM.png a\u00a0b c')).toEqual(['Shot 10.00.00\u202fPM.png', 'a\u00a0b', 'c'])
  })

  it('a quote left open runs to the end of the text', () => {
    expect(splitPaths("a 'b c")).toEqual(['a', 'b c'])
    expect(splitPaths('"b c')).toEqual(['b c'])
  })

  it('only an unquoted leading ~ is the home folder', () => {
    expect(shellWords('~/a "~/b" \\~/c x~')).toEqual([
      { text: '~/a', tilde: true }, { text: '~/b', tilde: false }, { text: '~/c', tilde: false }, { text: 'x~', tilde: false }])
  })
})

describe('checkPaths on real files', () => {
  let dir = ''
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-tui-paths-'))
    mkdirSync(join(dir, 'my photos'))
    writeFileSync(join(dir, 'a b.txt'), 'x')
    writeFileSync(join(dir, 'plain.txt'), 'x')
    writeFileSync(join(dir, "it's.txt"), 'x')
    writeFileSync(join(dir, 'notes'), 'x')
    writeFileSync(join(dir, 'notes '), 'x')
    writeFileSync(join(dir, 'only '), 'x')
  })
  afterAll(() => { rmSync(dir, { recursive: true, force: true }) })
  const check = (text: string): ReturnType<typeof checkPaths> => checkPaths(text, undefined, dir, '/nonexistent-home')

  it('accepts what a shell would pass: escaped, single-quoted, double-quoted, several at once', () => {
    const photos = join(dir, 'my photos')
    expect(check(`${dir}/my\\ photos`)).toEqual({ paths: [photos], missing: [] })
    expect(check(`'${dir}/my photos'`)).toEqual({ paths: [photos], missing: [] })
    expect(check(`"${dir}/a b.txt"`)).toEqual({ paths: [join(dir, 'a b.txt')], missing: [] })
    expect(check(`my\\ photos "a b.txt" plain.txt it\\'s.txt`)).toEqual({
      paths: [photos, join(dir, 'a b.txt'), join(dir, 'plain.txt'), join(dir, "it's.txt")], missing: []
    })
  })

  it('a bare path with spaces that exists as typed is one path', () => {
    expect(check(`  ${dir}/my photos `)).toEqual({ paths: [join(dir, 'my photos')], missing: [] })
    expect(check("it's.txt")).toEqual({ paths: [join(dir, "it's.txt")], missing: [] })
  })

  it('a bare name that ends in a space, as typed, is that name: not the one without the space beside it (review finding: the space was trimmed off)', () => {
    expect(check('notes ')).toEqual({ paths: [join(dir, 'notes ')], missing: [] })
    expect(check('notes')).toEqual({ paths: [join(dir, 'notes')], missing: [] })
    expect(check(`${dir}/only `)).toEqual({ paths: [join(dir, 'only ')], missing: [] })
    // a pasted line's end is not part of the name
    expect(check('notes \n')).toEqual({ paths: [join(dir, 'notes ')], missing: [] })
  })

  it('says which paths were not found, as meant (quotes and escapes removed)', () => {
    expect(check('plain.txt "no such file" my\\ gone')).toEqual({ paths: [join(dir, 'plain.txt')], missing: ['no such file', 'my gone'] })
    // the whole text is tried as typed first: a folder "my photos" wins over the two paths my and photos
    expect(check('my photos')).toEqual({ paths: [join(dir, 'my photos')], missing: [] })
    expect(check('plain.txt photos')).toEqual({ paths: [join(dir, 'plain.txt')], missing: ['photos'] })
  })
})

describe('pastedLines: paths pasted a line each', () => {
  it('a line that names something as it stands is one path, its spaces and quotes kept; another stays as typed, read as a shell reads it', () => {
    const there = new Set(['/p/my photos', `/p/it's "q".txt`, '/p/plain.txt'])
    const exists = (p: string): boolean => there.has(p)
    const text = pastedLines(['/p/my photos', `/p/it's "q".txt`, '/p/plain.txt', '/p/other\\ one', '~/x'], exists, '/')
    expect(text).toBe(`'/p/my photos' '/p/it'\\''s "q".txt' /p/plain.txt /p/other\\ one ~/x`)
    expect(splitPaths(text)).toEqual(['/p/my photos', `/p/it's "q".txt`, '/p/plain.txt', '/p/other one', '~/x'])
  })
})
