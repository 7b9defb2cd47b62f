// Owns pairing codes and peer fingerprints: generating a code, parsing and
// normalizing what a person typed, turning it into the CPace PRS, and the short
// hex fingerprint people compare after pairing. Pure apart from randomness.
//
// A code looks like `7-violin-zebra`:
//   - the nameplate, 1..999, is PUBLIC: the offering daemon advertises it so the
//     other side can find it. It adds no secrecy.
//   - CODE_WORD_COUNT words from the EFF short word list #2 (wordlist.ts) are
//     the secret: log2(1296) = 10.34 bits each, so 2 words = 20.68 bits. With
//     CPace an active attacker gets one guess per pairing attempt, and the daemon
//     burns the code on the first failure, so the chance of a successful online
//     guess is 2^-20.68 ≈ 1 in 1.68 million per code.
//
// Canonical (normalized) form: `<nameplate in decimal, no leading zeros>-<word>-<word>`,
// lowercase ASCII. Its UTF-8 bytes are the PRS (codeToPrs), so both sides must
// normalize the same way; parseCode() is the only way to get there.

import { randomInt } from 'node:crypto'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { FerryError } from '../errors.ts'
import { WORDLIST } from './wordlist.ts'

/** A code as one looks, for examples shown to people (a valid one: its words are in the list, test/unit/code.test.ts). */
export const EXAMPLE_CODE = '538-violin-zebra'
/** Secret words per code. */
export const CODE_WORD_COUNT = 2
/** Bits of secret per code: CODE_WORD_COUNT × log2(WORDLIST.length) ≈ 20.68. */
export const CODE_ENTROPY_BITS = CODE_WORD_COUNT * Math.log2(WORDLIST.length)
/** Floor the design requires; a test enforces CODE_ENTROPY_BITS ≥ this. */
export const MIN_CODE_ENTROPY_BITS = 16
/** How long a shown code may live (`ferry pair --expires`), in seconds. */
export const MIN_CODE_TTL_SEC = 10
export const MAX_CODE_TTL_SEC = 3600
export const NAMEPLATE_MIN = 1
export const NAMEPLATE_MAX = 999
/** Longest input parseCode() looks at (longest valid code is 3 + 2 × 11 chars). */
const MAX_INPUT_CHARS = 128

const WORDS = new Set(WORDLIST)
// Separators: whitespace, '.', '-', the dashes phones substitute for '-'
// (U+2010..U+2015 hyphens/dashes, U+2212 minus), and '_', ',' and '/' a person
// may type between words read out (user-test finding: "671_lilac_clubhouse"
// was told "it must start with a number"). NFKC already folds full-width forms.
const SEPARATORS = /[\s.,_/\-\u2010-\u2015\u2212]+/u
/** A nameplate, then a separator or nothing: how a code (or its first part, typed with spaces) begins. */
const CODE_START = new RegExp(`^\\d+(?:${SEPARATORS.source}|$)`, 'u')

/** Whether `text` begins as a code does (its nameplate): `ferry pair NAME CODE` is told from a code typed in parts by it. */
export function startsLikeCode (text: string): boolean {
  return CODE_START.test(text)
}

export interface ParsedCode {
  nameplate: number
  words: string[]
  /** Canonical form, e.g. `7-violin-zebra`. */
  normalized: string
}

export interface GeneratedCode extends ParsedCode {
  /** What to show the user; equal to `normalized`. */
  code: string
  /** The secret part only (`violin-zebra`); never advertise it. */
  secret: string
}

/** Make a fresh random code (node:crypto randomInt: CSPRNG, unbiased). */
/**
 * `avoid`: numbers not to give, if another is free (an ended code's: one
 * typed later would otherwise claim the new code and burn it, where it
 * should say how the old one ended).
 */
export function generateCode (avoid: (nameplate: number) => boolean = () => false): GeneratedCode {
  let nameplate = randomInt(NAMEPLATE_MIN, NAMEPLATE_MAX + 1)
  // random first, as the rest is; then the next free one up, so the draw stays uniform enough and always ends
  for (let i = 0; i <= NAMEPLATE_MAX - NAMEPLATE_MIN && avoid(nameplate); i++) nameplate = nameplate === NAMEPLATE_MAX ? NAMEPLATE_MIN : nameplate + 1
  const words: string[] = []
  for (let i = 0; i < CODE_WORD_COUNT; i++) words.push(WORDLIST[randomInt(0, WORDLIST.length)]!)
  const normalized = formatCode(nameplate, words)
  return { code: normalized, normalized, nameplate, words, secret: words.join('-') }
}

function formatCode (nameplate: number, words: readonly string[]): string {
  return [String(nameplate), ...words].join('-')
}

const ORDINALS = ['first', 'second', 'third', 'fourth']

function bad (why: string): never {
  throw new FerryError('E_BAD_CODE', `pairing code is not well formed: ${why} (expected NUMBER-WORD-WORD, e.g. ${EXAMPLE_CODE})`)
}

/**
 * Parse and normalize user input: trim, NFKC, lowercase; separators are any run
 * of spaces, dots or dashes. The nameplate must be 1..999 (leading zeros are
 * dropped); exactly CODE_WORD_COUNT words, each on the list. Throws
 * FerryError('E_BAD_CODE'). The error message never echoes the input (it is a secret).
 */
export function parseCode (input: string): ParsedCode {
  if (typeof input !== 'string') bad('not a string')
  if (input.length > MAX_INPUT_CHARS) bad('too long')
  const text = input.trim().normalize('NFKC').toLowerCase()
  const tokens = text.split(SEPARATORS).filter(t => t !== '')
  if (tokens.length === 0) bad('empty')
  const first = tokens.shift()!
  // the number run into the first word ("412violin-zebra") does start with a number: say what is missing
  // (user-test finding: it was told "it must start with a number from 1 to 999")
  if (/^[0-9]{1,3}\p{L}/u.test(first)) bad('a dash or space must come between the number and the first word')
  if (!/^[0-9]{1,3}$/.test(first)) bad('it must start with a number from 1 to 999')
  const nameplate = Number(first)
  if (nameplate < NAMEPLATE_MIN || nameplate > NAMEPLATE_MAX) bad('the number must be from 1 to 999')
  const words: string[] = []
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (WORDS.has(t)) { words.push(t); continue }
    // A listed word may itself contain a dash ("yo-yo"), which the split cut in two.
    const joined = i + 1 < tokens.length ? `${t}-${tokens[i + 1]!}` : ''
    if (joined !== '' && WORDS.has(joined)) { words.push(joined); i++; continue }
    // counted after the number, as a person reads the code (user-test finding: "word 2" of "121-smelliness-dictionray"
    // read as its third part); the word itself is never echoed
    const nth = ORDINALS[words.length]
    bad(`${nth !== undefined ? `the ${nth} word` : `word ${words.length + 1}`} after the number is not on the word list`)
  }
  if (words.length !== CODE_WORD_COUNT) bad(`it needs exactly ${CODE_WORD_COUNT} words after the number`)
  return { nameplate, words, normalized: formatCode(nameplate, words) }
}

/** The CPace PRS: UTF-8 bytes of the normalized code (nameplate included). */
export function codeToPrs (parsed: Pick<ParsedCode, 'normalized'>): Uint8Array {
  return utf8ToBytes(parsed.normalized)
}

/**
 * Short human-comparable fingerprint of a peer: the first 8 bytes of SHA-256
 * over the given bytes, as 16 lowercase hex digits in 4 dash-separated groups,
 * e.g. `3f2a-9c01-77be-d410`. Pass the peer ID's multihash bytes
 * (`peerId.toMultihash().bytes`) so both sides hash the same thing.
 * 64 bits: enough to spot a mix-up or a casual impostor when people read it
 * aloud, NOT a security boundary (pairing security comes from CPace binding
 * both peer IDs; a 2^64 second-preimage search is within reach of a
 * well-funded attacker). Never use it as an identifier in storage.
 */
export function fingerprint (publicKeyOrPeerIdBytes: Uint8Array): string {
  const hex = bytesToHex(sha256(publicKeyOrPeerIdBytes).subarray(0, 8))
  return hex.match(/.{4}/g)!.join('-')
}
