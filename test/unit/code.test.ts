// Pairing codes: generation, parsing/normalization, PRS bytes, word list and
// fingerprints.

import { describe, it, expect } from 'vitest'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import {
  CODE_ENTROPY_BITS, CODE_WORD_COUNT, EXAMPLE_CODE, MIN_CODE_ENTROPY_BITS, codeToPrs, fingerprint, generateCode, parseCode
} from '../../src/pairing/code.ts'
import { WORDLIST } from '../../src/pairing/wordlist.ts'
import { FerryError } from '../../src/errors.ts'

function expectBadCode (input: string): void {
  try {
    parseCode(input)
  } catch (err) {
    expect(err).toBeInstanceOf(FerryError)
    expect((err as FerryError).code).toBe('E_BAD_CODE')
    return
  }
  throw new Error(`expected E_BAD_CODE for ${JSON.stringify(input)}`)
}

describe('word list', () => {
  it('is the EFF short list #2: 1296 unique lowercase words with unique 3-letter prefixes', () => {
    expect(WORDLIST.length).toBe(1296)
    expect(new Set(WORDLIST).size).toBe(1296)
    expect(new Set(WORDLIST.map(w => w.slice(0, 3))).size).toBe(1296)
    for (const w of WORDLIST) expect(w).toMatch(/^[a-z]+(-[a-z]+)?$/)
    expect(WORDLIST[0]).toBe('aardvark')
    expect(WORDLIST[1295]).toBe('zucchini')
    expect([...WORDLIST].sort()).toEqual([...WORDLIST])
    // the exact published list, minus dice numbers, one word per line
    expect(bytesToHex(sha256(utf8ToBytes(WORDLIST.join('\n') + '\n'))))
      .toBe('7aa57a4d3ecf6581729992bad9575bacdebf7c28378af2aec6a50f11aec326f5')
  })
  it('is frozen', () => {
    expect(Object.isFrozen(WORDLIST)).toBe(true)
  })
})

describe('the example code people are shown (TUI Pair field, E_BAD_CODE)', () => {
  it('is a valid code, as written (until 2026-12-07 the field showed 538-violet-orbit, whose words are not in the list)', () => {
    expect(parseCode(EXAMPLE_CODE).normalized).toBe(EXAMPLE_CODE)
  })
})

describe('entropy', () => {
  it('meets the 16-bit floor', () => {
    expect(CODE_WORD_COUNT).toBe(2)
    expect(CODE_ENTROPY_BITS).toBeCloseTo(2 * Math.log2(1296), 10)
    expect(CODE_ENTROPY_BITS).toBeGreaterThanOrEqual(MIN_CODE_ENTROPY_BITS)
    expect(MIN_CODE_ENTROPY_BITS).toBeGreaterThanOrEqual(16)
  })
})

describe('generateCode / parseCode', () => {
  it('round-trips', () => {
    for (let i = 0; i < 200; i++) {
      const g = generateCode()
      expect(g.code).toBe(g.normalized)
      expect(g.nameplate).toBeGreaterThanOrEqual(1)
      expect(g.nameplate).toBeLessThanOrEqual(999)
      expect(g.words.length).toBe(CODE_WORD_COUNT)
      expect(g.secret).toBe(g.words.join('-'))
      expect(g.code).toBe(`${g.nameplate}-${g.secret}`)
      const p = parseCode(g.code)
      expect(p).toEqual({ nameplate: g.nameplate, words: g.words, normalized: g.normalized })
      expect(bytesToHex(codeToPrs(p))).toBe(bytesToHex(codeToPrs(g)))
    }
  })

  it('is random', () => {
    const seen = new Set(Array.from({ length: 50 }, () => generateCode().code))
    expect(seen.size).toBeGreaterThan(45)
  })

  it('gives no number it is told to avoid while another is free (an ended code\'s: typed later, it claimed the new code and burned it), and always ends', () => {
    for (const free of [1, 500, 999]) {
      for (let i = 0; i < 20; i++) expect(generateCode((n) => n !== free).nameplate).toBe(free)
    }
    const g = generateCode(() => true)
    expect(g.nameplate).toBeGreaterThanOrEqual(1)
    expect(g.nameplate).toBeLessThanOrEqual(999)
  })

  it('normalizes case, whitespace, separators and Unicode forms', () => {
    const want = '7-violin-zebra'
    for (const input of [
      '7-violin-zebra',
      '  7-violin-zebra\n',
      '7 violin zebra',
      '7.violin.zebra',
      '7 -- Violin . ZEBRA',
      '007-violin-zebra',
      '7\tviolin  zebra',
      '７－ｖｉｏｌｉｎ－ｚｅｂｒａ', // full-width, folded by NFKC
      '7\u2013violin\u2014zebra', // en/em dash from phone autocorrect
      '7\u00a0violin\u3000zebra', // no-break and ideographic spaces
      '7_violin_zebra', '7, violin, zebra', '7/violin/zebra' // typed as read out (user-test finding)
    ]) {
      const p = parseCode(input)
      expect(p.normalized).toBe(want)
      expect(p.nameplate).toBe(7)
      expect(p.words).toEqual(['violin', 'zebra'])
    }
  })

  it('handles the one list word that contains a dash (yo-yo)', () => {
    expect(parseCode('12-yo-yo-zebra').words).toEqual(['yo-yo', 'zebra'])
    expect(parseCode('12 yo yo zebra').normalized).toBe('12-yo-yo-zebra')
    expect(parseCode('12-zebra-YO-YO').normalized).toBe('12-zebra-yo-yo')
    expect(parseCode('12-yo-yo-yo-yo').words).toEqual(['yo-yo', 'yo-yo'])
    expectBadCode('12-yo-zebra')
  })

  it('rejects malformed codes with E_BAD_CODE', () => {
    for (const input of [
      '', '   ', '7', '7-violin', '7-violin-zebra-acid', 'violin-zebra', 'violin-zebra-7',
      '0-violin-zebra', '1000-violin-zebra', '7x-violin-zebra',
      '7-violin-zebraa', '7-vio-zebra', '7-violín-zebra', '7-violin-zebra!',
      '+7-violin-zebra', '1e2-violin-zebra', '٧-violin-zebra', '7-violin-' + 'a'.repeat(200)
    ]) expectBadCode(input)
  })

  it('says a number run into the first word lacks its dash, not that it does not start with a number (user-test finding)', () => {
    for (const input of ['412violin-zebra', '412violin zebra', '7Violin-zebra']) {
      expect(() => parseCode(input)).toThrow(/a dash or space must come between the number and the first word/)
    }
    // no number at all, or a number out of range, is still said as such
    expect(() => parseCode('violin-zebra-7')).toThrow(/it must start with a number from 1 to 999/)
    expect(() => parseCode('1000violin-zebra')).toThrow(/it must start with a number from 1 to 999/)
  })

  it('names the word not on the list by its place after the number, as a person reads the code (user-test finding: "word 2" of "121-smelliness-dictionray", its third part)', () => {
    expect(() => parseCode('121-smelliness-dictionray')).toThrow(/: the second word after the number is not on the word list/)
    expect(() => parseCode('121-smellines-dictionary')).toThrow(/: the first word after the number is not on the word list/)
  })

  it('does not echo the secret in the error message', () => {
    try {
      parseCode('7-bamboo-notaword')
      throw new Error('no throw')
    } catch (err) {
      expect((err as FerryError).code).toBe('E_BAD_CODE')
      expect((err as Error).message).not.toContain('bamboo')
      expect((err as Error).message).not.toContain('notaword')
    }
  })

  it('codeToPrs is the UTF-8 of the normalized code', () => {
    expect(new TextDecoder().decode(codeToPrs(parseCode(' 42 Acid Zebra ')))).toBe('42-acid-zebra')
    expect(bytesToHex(codeToPrs(parseCode('42-acid-zebra')))).toBe(bytesToHex(utf8ToBytes('42-acid-zebra')))
  })
})

describe('fingerprint', () => {
  it('is the first 8 bytes of SHA-256 in 4 groups of 4 hex digits', () => {
    const bytes = utf8ToBytes('abc')
    // SHA-256("abc") = ba7816bf 8f01cfea 414140de ...
    expect(fingerprint(bytes)).toBe('ba78-16bf-8f01-cfea')
    expect(fingerprint(new Uint8Array([1, 2, 3]))).toMatch(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/)
    expect(fingerprint(new Uint8Array([1, 2, 3]))).not.toBe(fingerprint(new Uint8Array([1, 2, 4])))
  })
})
