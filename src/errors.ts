// Every error that crosses a boundary (wire, control API, CLI exit) is a
// FerryError with a stable code. Tests and clients match on `code`, never on
// message text. Messages say what happened and, where useful, what to do.

import { isUtf8 } from 'node:buffer'

export const ERROR_CODES = {
  E_USAGE: 'bad command-line usage',
  E_INTERNAL: 'unexpected internal error',
  E_DAEMON_RUNNING: 'a daemon is already running on this home',
  E_DAEMON_NOT_RUNNING: 'no daemon is running on this home',
  E_CONTROL_PROTOCOL: 'malformed control API message',
  E_UNKNOWN_METHOD: 'unknown control API method',
  E_BAD_REQUEST: 'invalid request parameters',
  E_PEER_NOT_FOUND: 'no such peer',
  E_PEER_AMBIGUOUS: 'peer prefix matches several peers',
  E_PEER_UNREACHABLE: 'peer could not be reached',
  E_PEER_VERSION: 'the peer runs another version of ferry, whose protocols this one does not speak',
  E_PROTOCOL: 'peer sent a malformed or unexpected message',
  E_MESSAGE_TOO_LARGE: 'message exceeds its size limit',
  E_TIMEOUT: 'operation timed out',
  E_CANCELLED: 'operation cancelled',
  E_NOT_PAIRED: 'peer is not paired',
  E_PAIRING_FAILED: 'pairing failed (wrong code or tampering); the code is burned',
  E_PAIRING_EXPIRED: 'pairing code expired, or not shown by any peer (cancelled, replaced by a newer one, used, or its number typed wrong)',
  E_PAIRING_BUSY: 'a pairing is already in progress',
  E_PAIRING_THROTTLED: 'too many failed pairing attempts',
  E_BAD_CODE: 'pairing code is not well formed',
  E_PATH_UNSAFE: 'unsafe path',
  E_PATH_NOT_FOUND: 'path not found',
  E_LIMIT: 'offer exceeds a limit',
  E_NO_SPACE: 'not enough free disk space',
  E_HASH_MISMATCH: 'data does not match its BLAKE3 hash',
  E_DECLINED: 'offer declined',
  E_TRANSFER_NOT_FOUND: 'no such transfer or offer',
  E_TRANSFER_AMBIGUOUS: 'transfer id prefix matches several transfers or offers',
  E_TRANSFER_ENDED: 'the transfer or offer has already ended',
  E_NOT_PENDING: 'the transfer waits for no decision: it was accepted already, or is a send of this device',
  E_RECEIPT_INVALID: 'receipt signature does not verify',
  E_IO: 'file system error',
  E_INCOMPLETE: 'some files could not be sent',
  E_SOURCE_CHANGED: 'a file changed or went away on the sending device after it was offered',
  E_STORE_NEWER: 'the state database was written by a newer ferry'
} as const

export type ErrorCode = keyof typeof ERROR_CODES

export class FerryError extends Error {
  readonly code: ErrorCode
  /** The peer sent this error (a WireError): its code and text are the peer's word. */
  readonly remote: boolean
  constructor (code: ErrorCode, message?: string, options?: { cause?: unknown, remote?: boolean }) {
    super(message ?? ERROR_CODES[code], options)
    this.code = code
    this.name = 'FerryError'
    this.remote = options?.remote === true
  }

  toJSON (): { code: ErrorCode, message: string } {
    return { code: this.code, message: this.message }
  }
}

export function isErrorCode (code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code)
}

/**
 * A transfer id prefix of several transfers or offers (`ferry cancel`, `accept`, `decline`, `wait`): named by
 * their ids' starts, as `ferry transfers` and `ferry offers` show them (it was E_BAD_REQUEST naming none).
 */
export function ambiguousTransferId (prefix: string, ids: string[], what: 'transfers' | 'offers'): FerryError {
  const shown = ids.slice().sort().slice(0, 5).map((id) => id.slice(0, 8)).join(', ')
  return new FerryError('E_TRANSFER_AMBIGUOUS', `${prefix} matches ${ids.length} ${what} (${shown}${ids.length > 5 ? ', …' : ''}); give more of the id`)
}

/** Convert anything thrown into a FerryError, keeping a code if it has one. */
export function toFerryError (err: unknown, fallback: ErrorCode = 'E_INTERNAL'): FerryError {
  if (err instanceof FerryError) return err
  const e = err as { code?: unknown, message?: unknown, name?: unknown } | undefined
  if (isErrorCode(e?.code)) return new FerryError(e.code, String(e.message ?? ''), { cause: err })
  // a user's disk quota used up is no room either, as the sinks say (sink-common.js sinkErrorCode)
  if (e?.code === 'ENOSPC' || e?.code === 'EDQUOT') return new FerryError('E_NO_SPACE', String(e.message), { cause: err })
  if (e?.name === 'AbortError') return new FerryError('E_CANCELLED', String(e.message ?? 'aborted'), { cause: err })
  if (e?.name === 'TimeoutError') return new FerryError('E_TIMEOUT', String(e.message ?? 'timed out'), { cause: err })
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) {
    // ENOTCONN only with a path: a socket's is not the disk's (an fd's write has none, but no socket says EROFS or EIO)
    const hint = e.code !== 'ENOTCONN' || typeof (e as { path?: unknown }).path === 'string' ? diskHint(e.code) : undefined
    return new FerryError('E_IO', hint === undefined ? String(e.message) : `${String(e.message)} (${hint})`, { cause: err })
  }
  if (e?.code === 'ERR_SQLITE_ERROR') {
    const sqlite = sqliteError(err as { errcode?: unknown }, String(e.message))
    if (sqlite !== undefined) return sqlite
  }
  return new FerryError(fallback, String(e?.message ?? err), { cause: err })
}

/**
 * What a file operation's errno says about the disk, beside Node's text,
 * which reads like a network fault for a disk that went away (user-test
 * finding: "ENOTCONN: socket is not connected, stat" for a USB disk pulled
 * behind FUSE).
 */
const DISK_HINTS: Record<string, string> = {
  EROFS: 'the file system is read-only now: remounted so, or by the system after an error on the disk',
  ENOTCONN: 'the disk is no longer reachable: unplugged, or its FUSE or network mount ended',
  ESTALE: 'the disk is no longer reachable: its network mount lost the file',
  EIO: 'the disk reported an input/output error: it may be failing or was unplugged'
}

/**
 * How a file system that holds no permission bits may answer a chmod of a
 * file or folder this process owns. The kernel's vfat and exfat let a mode
 * they cannot store pass as success without effect (fat_setattr: "We don't
 * return -EPERM here"); FUSE drivers answer as they like: fusefat ENOSYS,
 * others EPERM or EOPNOTSUPP.
 */
const MODE_NOT_HELD = new Set(['EPERM', 'ENOSYS', 'EOPNOTSUPP', 'ENOTSUP'])

/** Whether a chmod of something of this process's own failed because its file system keeps no permission bits (FAT, exFAT). */
export function modeNotHeld (err: unknown): boolean {
  return MODE_NOT_HELD.has(String((err as { code?: unknown } | undefined)?.code))
}

/** What a file operation's errno `code` says about the disk, if anything (DISK_HINTS). */
export function diskHint (code: unknown): string | undefined {
  return typeof code === 'string' && Object.hasOwn(DISK_HINTS, code) ? DISK_HINTS[code] : undefined
}

/**
 * Node's text of a failed file operation (`EROFS: read-only file system,
 * write`) with what its errno says about the disk, when it says something:
 * for the chunk sink, whose errors cross from a worker thread as text
 * (helper finding: a receive folder's disk turned read-only mid-receive
 * failed it with that text alone, where an offer then got the hint).
 * `errno`: the error's own code where it is at hand (the inline sink's);
 * else read from the text.
 */
export function withDiskHint (message: string, errno: unknown = /^(E[A-Z]+):/.exec(message)?.[1]): string {
  const hint = diskHint(errno)
  return hint === undefined || message.endsWith(`(${hint})`) ? message : `${message} (${hint})`
}

/**
 * Whether `err` is a failure of the state database (sqliteError), which is
 * on the disk that holds ferry's home, not on a receive folder's: told by
 * SQLite's error in its causes.
 */
export function fromStateDatabase (err: unknown): boolean {
  for (let e = err as { code?: unknown, cause?: unknown } | undefined, depth = 0; e != null && depth < 8; e = e.cause as typeof e, depth++) {
    if (e.code === 'ERR_SQLITE_ERROR') return true
  }
  return false
}

/** What SQLite's READONLY (8) and IOERR (10) say about the disk that holds ferry's home (sqliteError). */
const STORE_HINTS: Record<number, string> = {
  8: 'the disk that holds ferry\'s home is read-only now, or the database is not writable by the user the daemon runs as',
  10: 'the disk that holds ferry\'s home failed a write, or is read-only now: see the system log, dmesg'
}

/**
 * The state database's errors that are about the disk or the file, with a
 * code and a hint, not E_INTERNAL (review finding): SQLITE_FULL (13) is
 * E_NO_SPACE; READONLY (8), IOERR (10), CORRUPT (11), CANTOPEN (14) and
 * NOTADB (26) are E_IO. Extended codes carry the primary one in their low byte.
 */
function sqliteError (err: { errcode?: unknown }, message: string): FerryError | undefined {
  const primary = Number(err.errcode) & 0xff
  if (primary === 13) return new FerryError('E_NO_SPACE', `the state database cannot grow: ${message} (free space on the disk that holds ferry's home)`, { cause: err })
  // SQLite hides the errno: a disk the kernel made read-only after an error reads "disk I/O error" alone (helper finding)
  const hint = STORE_HINTS[primary]
  if ([8, 10, 11, 14, 26].includes(primary)) return new FerryError('E_IO', `the state database: ${message}${hint !== undefined ? ` (${hint})` : ''}`, { cause: err })
  return undefined
}

/**
 * What a terminal must not be handed from a peer or a file name: C0, DEL and
 * C1 controls; the bidi marks, embeddings, overrides and isolates (U+061C,
 * U+200E/F, U+202A–E, U+2066–9), which reorder what follows; the line and
 * paragraph separators (U+2028/9), which some terminals break lines at; and
 * the invisible ones that make two names look alike (U+200B zero-width space,
 * U+2060 word joiner, U+FEFF). The zero-width (non-)joiners U+200C/D stay:
 * Persian, Indic scripts and emoji sequences need them.
 */
const UNPRINTABLE = String.raw`\u0000-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u2028-\u202e\u2060\u2066-\u2069\ufeff`
const UNPRINTABLE_RE = new RegExp(`[${UNPRINTABLE}]`, 'g')
const UNPRINTABLE_OR_BACKSLASH_RE = new RegExp(`[${UNPRINTABLE}\\\\]`, 'g')

const UNPRINTABLE_BACKSLASH_OR_QUOTE_RE = new RegExp(`[${UNPRINTABLE}\\\\"]`, 'g')

/**
 * How a character of UNPRINTABLE, a backslash or a double quote is shown:
 * `\n`, `\t`, `\r`, `\\`, `\"`, else `\xNN` below U+0100 and `\uNNNN` above.
 * One table for quoted names and for paths: a warning that prints both
 * showed the same name as `ctl\x01char` and `"ctl\u0001char"` (user-test finding).
 */
function escapeChar (c: string): string {
  if (c === '\\' || c === '"') return `\\${c}`
  if (c === '\n') return '\\n'
  if (c === '\t') return '\\t'
  if (c === '\r') return '\\r'
  const code = c.charCodeAt(0)
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** `s` in double quotes, with what UNPRINTABLE lists, backslashes and quotes escaped (escapeChar): a name quoted in an error message. */
export function quoteForDisplay (s: string): string {
  return `"${s.replace(UNPRINTABLE_BACKSLASH_OR_QUOTE_RE, escapeChar)}"`
}

/**
 * `s` as one word for a POSIX shell, in a command a message tells the person
 * to run: as it is when it holds nothing a shell reads specially, else in
 * single quotes (a quote in it as '\''). User-test finding: "start one with
 * `ferry daemon --home /tmp/my home`" made a home /tmp/my when pasted.
 */
export function quoteForShell (s: string): string {
  if (/^[\w./@%+=:,-]+$/.test(s)) return s
  return `'${s.replaceAll("'", "'\\''")}'`
}

/** The longest start of `s` that is at most `maxBytes` in UTF-8, cut at a character's edge (a name for the wire, a reason in a receipt). */
export function cutToBytes (s: string, maxBytes: number): string {
  let out = ''
  let bytes = 0
  for (const ch of s) {
    const n = Buffer.byteLength(ch)
    if (bytes + n > maxBytes) break
    out += ch
    bytes += n
  }
  return out
}

/**
 * JSON.stringify escapes C0 controls, not DEL, the C1 controls (U+009B is a
 * CSI to some terminals) or the line and bidi marks: a peer's names (labels,
 * paths, reasons) reach `--json` output and the daemon's log lines read on
 * a terminal too (review finding; the log: user-test finding, a skip
 * warning drawn reversed by `cat`). As \uXXXX, the same JSON to a parser.
 */
export function escapeForTerminal (json: string): string {
  return json.replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** Strip what a terminal must not be handed (UNPRINTABLE) from peer-supplied text before printing it. */
export function sanitizeForDisplay (s: string): string {
  return s.replace(UNPRINTABLE_RE, '')
}

/**
 * A path to print on a line of its own: what UNPRINTABLE lists shown as
 * escapes (\n, \t, \x1b, \u202e, \u2028) instead of dropped, so that `new⏎line`
 * does not read as a file called `newline` (review finding); so are spaces
 * at its end (\x20), which nothing shows: "notes " read as "notes" (review finding).
 */
export function escapeForDisplay (s: string): string {
  return s.replace(UNPRINTABLE_OR_BACKSLASH_RE, escapeChar).replace(/ +$/, (spaces) => '\\x20'.repeat(spaces.length))
}

/**
 * A path whose bytes are not all UTF-8 (a Linux name can hold any byte but
 * / and NUL), as escapeForDisplay shows a path: what decodes as it reads,
 * escaped as there, and each byte that does not as \xNN. Shown as it is,
 * not escaped again (user-test finding: "bad\\xff" in the warning that
 * such a file was skipped).
 */
export function escapeBytesForDisplay (raw: Uint8Array): string {
  let out = ''
  for (let i = 0; i < raw.length;) {
    const n = utf8Length(raw[i])
    if (n > 0 && i + n <= raw.length && isUtf8(raw.subarray(i, i + n))) {
      out += Buffer.from(raw.subarray(i, i + n)).toString('utf8').replace(UNPRINTABLE_OR_BACKSLASH_RE, escapeChar)
      i += n
    } else {
      out += `\\x${raw[i].toString(16).padStart(2, '0')}`
      i++
    }
  }
  return out.replace(/ +$/, (spaces) => '\\x20'.repeat(spaces.length))
}

/** How many bytes a UTF-8 sequence starting with `lead` has; 0 for a byte no sequence starts with. */
function utf8Length (lead: number): number {
  return lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0
}
