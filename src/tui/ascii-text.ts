// Text in ASCII for a terminal that draws nothing else (FERRY_ASCII, the
// Linux console): the TUI's own glyphs as their stand-ins, letters with
// accents as the letters ("José" → "Jose"), a few letters as their usual
// spelling ("ß" → "ss"), and anything else escaped as \uNNNN, so that a name
// in another script still reads as something and two differ where they
// differ (helper finding: peer and file names were drawn as they were).
// Only for drawing: what the TUI sends to the daemon is left as it is.

/** The TUI's own glyphs and their ASCII stand-ins (ui.ts g). */
export const GLYPHS: Readonly<Record<string, string>> = {
  '›': '>', '●': '*', '○': 'o', '✓': '+', '✗': 'x', '⚠': '!', '↑': '^', '↓': 'v', '·': '|', '—': '-', '…': '...', '─': '-'
}

/** Letters and signs that no accent removal makes ASCII, as they are usually written without them. */
const SPELLED: Readonly<Record<string, string>> = {
  ß: 'ss', ẞ: 'SS', æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D',
  ð: 'd', Ð: 'D', þ: 'th', Þ: 'Th', ı: 'i', ĸ: 'k', ŋ: 'ng', Ŋ: 'NG',
  '‘': "'", '’': "'", '‚': "'", '“': '"', '”': '"', '„': '"', '–': '-', '‐': '-', '‑': '-', '→': '->', '←': '<-', '«': '<<', '»': '>>'
}

// eslint-disable-next-line no-control-regex
const ASCII_ONLY = /^[\u0000-\u007f]*$/

/** One code point in ASCII: as it is, a stand-in, without its accents, or escaped. */
function asciiChar (c: string): string {
  if (ASCII_ONLY.test(c)) return c
  const known = GLYPHS[c] ?? SPELLED[c]
  if (known != null) return known
  // an accent on its own (a name written decomposed, "e" + U+0301): its letter already came
  if (/^\p{M}$/u.test(c)) return ''
  // "é" → "e", "ﬁ" → "fi", a full-width "Ａ" → "A", a no-break space → " "
  const bare = c.normalize('NFKD').replace(/\p{M}/gu, '')
  if (bare !== '' && ASCII_ONLY.test(bare)) return bare
  const code = c.codePointAt(0) ?? 0
  return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** `s` with every character ASCII (see the top of this file). */
export function asciiText (s: string): string {
  if (ASCII_ONLY.test(s)) return s
  return Array.from(s, asciiChar).join('')
}
