// Peer- and file-supplied text on a terminal: stripped where it only labels
// something (names in columns), escaped where a person must tell it apart
// (a path in a warning).

import { describe, expect, it } from 'vitest'
import { escapeForDisplay, sanitizeForDisplay } from '../../src/errors.ts'

describe('text for the terminal', () => {
  it('strips control and bidi characters from names shown as labels', () => {
    expect(sanitizeForDisplay('evil\u001b[31mred\u0007\u202e')).toBe('evil[31mred')
  })

  it('escapes them in paths instead, so that "new⏎line" does not read as a file called "newline" (review finding)', () => {
    expect(escapeForDisplay('names/new\nline')).toBe('names/new\\nline')
    expect(escapeForDisplay('tab\there')).toBe('tab\\there')
    expect(escapeForDisplay('esc\u001b[2J\u202eyxt.exe')).toBe('esc\\x1b[2J\\u202eyxt.exe')
    expect(escapeForDisplay('back\\slash')).toBe('back\\\\slash')
    expect(escapeForDisplay('日本語 photo.jpg')).toBe('日本語 photo.jpg')
  })
})
