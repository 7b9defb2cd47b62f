// Pure text formatting for the TUI: sizes, rates, ETAs, peer ids, relative
// times, progress bars and width-safe truncation. No React, no I/O, no clock:
// callers pass `now` so every function is deterministic and testable.

import { createRequire } from 'node:module'
import type { EndedBy, OfferInfo, TransferInfo } from '../daemon/control/types.ts'
import { sanitizeForDisplay } from '../errors.ts'
import { asciiText } from './ascii-text.ts'

/**
 * string-width, loaded at its first use, not with this module: every ferry
 * process loads this one (the CLI's output.ts, and so the daemon too), and
 * string-width's own start (an Intl.Segmenter, its Unicode property
 * regexes) took 35-55 ms of each, where most never measure a width (JSON
 * output, errors, the daemon). Printable ASCII, what most names and columns
 * are, is one cell a character without it (as string-width counts it).
 */
let stringWidthLoaded: ((s: string) => number) | undefined
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/
function stringWidth (s: string): number {
  if (PRINTABLE_ASCII.test(s)) return s.length
  stringWidthLoaded ??= (createRequire(import.meta.url)('string-width') as typeof import('string-width')).default
  return stringWidthLoaded(s)
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const

/** 0 B, 512 B, 1.5 KiB, 12.0 MiB, 3.2 GiB (binary units, one decimal); `down`: the decimal rounded down, not to nearest. */
export function formatBytes (n: number, round: 'nearest' | 'down' = 'nearest'): string {
  if (!Number.isFinite(n) || n < 0) return '?'
  if (n < 1024) return `${round === 'down' ? Math.floor(n) : Math.round(n)} B`
  let unit = 1024
  let i = 0
  while (n / unit >= 1024 && i < UNITS.length - 1) { unit *= 1024; i++ }
  // tenths from the bytes, not from n / unit * 10: 82.8 MiB is not read as 82.7
  const v = round === 'down' ? Math.floor(n * 10 / unit) / 10 : n / unit
  return `${v.toFixed(1)} ${UNITS[i]}`
}

/**
 * What is done of `total` as a progress figure beside the total says it:
 * rounded down, as percent() is, so that a transfer with bytes still to come
 * never reads as all of them (notes' leftover: one byte short of 20 MiB read
 * "20.0/20.0 MiB" at 99 %); where the total itself rounds down to that
 * figure (20.04 MiB reads 20.0), a tenth under it. All of it, or more (bytes
 * counted again after a resume), is the total's own figure.
 */
export function formatDone (done: number, total: number): string {
  if (done >= total) return formatBytes(total)
  const shown = formatBytes(done, 'down')
  if (done < 1024 || shown !== formatBytes(total)) return shown
  const space = shown.indexOf(' ')
  return `${(Number(shown.slice(0, space)) - 0.1).toFixed(1)}${shown.slice(space)}`
}

/**
 * Bytes per second in the binary units formatBytes uses (MiB/s; KiB/s below
 * 1 MiB/s so slow links still read as something), so that a size divided by
 * the rate shown gives the time shown.
 */
export function formatRate (bytesPerSec: number): string {
  if (!Number.isFinite(bytesPerSec) || bytesPerSec <= 0) return '0 B/s'
  if (bytesPerSec < 1024 * 1024) return `${Math.max(1, Math.round(bytesPerSec / 1024))} KiB/s`
  // hashing from the page cache passes a GiB a second: "3.6 GiB/s", not "3697.1 MiB/s" (helper finding)
  if (bytesPerSec >= 1024 ** 3) return `${(bytesPerSec / 1024 ** 3).toFixed(1)} GiB/s`
  return `${(bytesPerSec / (1024 * 1024)).toFixed(1)} MiB/s`
}

/**
 * The rate of a transfer that moves, as the views show it beside its ETA:
 * `none` ("—") while it has none (0: not measured over a full second yet,
 * as hashing or fetching begins, or after 10 s without a byte), not "0 B/s",
 * which read as stuck while bytes moved (user-test findings).
 */
export function formatLiveRate (bytesPerSec: number, none = '—', stalledSeconds?: number): string {
  if (stalledSeconds !== undefined) return formatStalled(stalledSeconds)
  return Number.isFinite(bytesPerSec) && bytesPerSec > 0 ? formatRate(bytesPerSec) : none
}

/**
 * A transfer whose bytes stopped (TransferInfo.stalledSeconds): "stalled
 * 12s", "stalled 1m 05s", as scp says it. Its rate is 0 then, and was shown
 * "—" as one not measured yet is (notes' leftover: the two could not be told
 * apart, and a stall read as a transfer just starting).
 */
export function formatStalled (seconds: number): string {
  return `stalled ${formatEta(seconds)}`
}

/**
 * The rate and ETA of a transfer that moves, `gap` between them: "12.3
 * MiB/s  ETA 45s", "—  ETA --" before a rate is measured; once it stalled,
 * "stalled 12s" alone (an ETA of "--" beside it says nothing more). While
 * it hashes, the rate alone: an ETA then is the hashing's, read as the
 * transfer's ("ETA 1s" with 30 s of sending to come: helper finding).
 */
export function formatRateEta (t: { rate: number, etaSeconds: number | null, stalledSeconds?: number, state?: string }, gap = '  ', none = '—'): string {
  if (t.stalledSeconds !== undefined) return formatStalled(t.stalledSeconds)
  return t.state === 'hashing' ? formatLiveRate(t.rate, none) : `${formatLiveRate(t.rate, none)}${gap}ETA ${formatEta(t.etaSeconds)}`
}

/** "hashed " before the bytes of a transfer that hashes: its bar then counts what was read, and starts again from 0 for the sending (helper finding: read as going backwards). */
export function hashedWord (t: { state: string }): string {
  return t.state === 'hashing' ? 'hashed ' : ''
}

const two = (n: number): string => String(n).padStart(2, '0')

/** The local time of `ms` (17:43:10), with its date (2026-12-05 17:43:10) when not the day of `now`. */
export function formatClock (ms: number, now: number): string {
  const d = new Date(ms)
  const time = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
  return d.toDateString() === new Date(now).toDateString() ? time : `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${time}`
}

/** 45s, 1m 05s, 2h 03m; '--' when unknown. */
export function formatEta (seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '--'
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${two(s % 60)}s`
  return `${Math.floor(s / 3600)}h ${two(Math.floor((s % 3600) / 60))}m`
}

/** Peer ids are long (12D3KooW…); show the last 8 chars, or first 4 + last 4 with `ends`. */
export function shortPeerId (peerId: string, style: 'tail' | 'ends' = 'tail', ellipsis = '…'): string {
  if (peerId.length <= 12) return peerId
  return style === 'tail' ? `${ellipsis}${peerId.slice(-8)}` : `${peerId.slice(0, 4)}${ellipsis}${peerId.slice(-4)}`
}

/** "just now", "42s ago", "5m ago", "3h ago", "2d ago"; "never" for 0. */
export function formatAgo (then: number, now: number): string {
  if (!Number.isFinite(then) || then <= 0) return 'never'
  const s = Math.max(0, Math.floor((now - then) / 1000))
  if (s < 5) return 'just now'
  if (s < 60) return `${s}s ago`
  if (s < 3600) return `${Math.floor(s / 60)}m ago`
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`
  return `${Math.floor(s / 86400)}d ago`
}

/** Seconds left until `expiresAt` as m:ss, never negative. */
export function formatCountdown (expiresAt: number, now: number): string {
  const s = Math.max(0, Math.ceil((expiresAt - now) / 1000))
  return `${Math.floor(s / 60)}:${two(s % 60)}`
}

const PARTIALS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉']

/**
 * A bar exactly `width` cells wide. Unicode uses eighth blocks for a smooth
 * edge; ASCII uses '#' and '-' for terminals without UTF-8.
 */
export function progressBar (fraction: number, width: number, opts: { ascii?: boolean } = {}): string {
  const w = Math.max(0, Math.floor(width))
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0
  if (opts.ascii === true) {
    const full = Math.floor(f * w)
    return '#'.repeat(full) + '-'.repeat(w - full)
  }
  const eighths = Math.floor(f * w * 8)
  const full = Math.floor(eighths / 8)
  const part = full < w ? PARTIALS[eighths % 8] : ''
  return '█'.repeat(full) + part + '░'.repeat(w - full - (part === '' ? 0 : 1))
}

/** done/total as a whole percentage (100 for an empty transfer). */
export function percent (done: number, total: number): number {
  if (total <= 0) return 100
  return Math.min(100, Math.floor((done / total) * 100))
}

/**
 * Terminal cells `s` takes: 2 for a CJK character or an emoji, 0 for a
 * combining mark. Columns are padded by this, not by code points, so that a
 * device named ベータ端末 does not push the columns after it out of line.
 */
export function displayWidth (s: string): number {
  return stringWidth(s)
}

/** made at the first cut, not at load: the first Segmenter of a process loads ICU's break rules, ~20 ms (see stringWidth) */
let graphemes: Intl.Segmenter | undefined

/**
 * Cut to at most `max` terminal cells, ending with `ellipsis` when cut ('...'
 * on an ASCII terminal: g(ui, '…')). Cuts between grapheme clusters, so never
 * inside an emoji (a surrogate pair, a ZWJ sequence) or between a letter and
 * its accent.
 */
export function truncate (s: string, max: number, ellipsis = '…'): string {
  if (max <= 0) return ''
  if (stringWidth(s) <= max) return s
  const mark = stringWidth(ellipsis) < max ? ellipsis : ''
  const room = max - stringWidth(mark)
  let out = ''
  let width = 0
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' })
  for (const { segment } of graphemes.segment(s)) {
    const w = stringWidth(segment)
    if (width + w > room) break
    out += segment
    width += w
  }
  return out + mark
}

/**
 * A path cut to at most `max` cells keeping its file name, the cut in its folders: "camera/vid…/VID_0001.mp4", "…/VID_0001.mp4"
 * (user-test finding: "camera/videos/V…" at 60 columns, the name that tells the files apart gone); a name too long
 * for that, cut at its end as truncate does.
 */
export function truncatePath (p: string, max: number, ellipsis = '…'): string {
  if (stringWidth(p) <= max) return p
  const slash = p.lastIndexOf('/')
  if (slash <= 0) return truncate(p, max, ellipsis)
  const name = p.slice(slash)
  const room = max - stringWidth(name)
  if (room < stringWidth(ellipsis)) return truncate(name.slice(1), max, ellipsis)
  // room for the mark alone: truncate would drop it, and "c/VID_0001.mp4" reads as a folder c
  return (room === stringWidth(ellipsis) ? ellipsis : truncate(p.slice(0, slash), room, ellipsis)) + name
}

/** Truncate, then pad with spaces to exactly `width` terminal cells. */
export function fit (s: string, width: number, ellipsis = '…', cut = truncate): string {
  const t = cut(s, width, ellipsis)
  return t + ' '.repeat(Math.max(0, width - stringWidth(t)))
}

/** Unicode glyphs unless the terminal is a Linux console or the user asks for ASCII. */
export function supportsUnicode (env: Record<string, string | undefined>): boolean {
  if (env.FERRY_ASCII != null && env.FERRY_ASCII !== '') return false
  return env.TERM !== 'linux'
}

/** https://no-color.org: any non-empty NO_COLOR disables colour. */
export function colorEnabled (env: Record<string, string | undefined>): boolean {
  return env.NO_COLOR == null || env.NO_COLOR === ''
}

/** What an offer waiting for a decision would go without, as `ferry offers` and the TUI's Offers screen say it: "2 files cannot be received here and would be left out: why". */
export function refusedLine (r: NonNullable<OfferInfo['refused']>): string {
  const what = [r.files > 0 ? `${r.files} file${r.files === 1 ? '' : 's'}` : '', r.folders > 0 ? `${r.folders} empty folder${r.folders === 1 ? '' : 's'}` : ''].filter((x) => x !== '').join(' and ')
  return `${what} cannot be received here and would be left out: ${sanitizeForDisplay(r.first)}`
}

/**
 * The names that two or more of these peers share: a device set up anew keeps
 * its name under a new peer ID, two laptops are both "laptop". Where a list
 * shows such a name, the end of each one's peer ID goes with it (peerLabel).
 * `ascii`: names drawn alike on an ASCII-only terminal ("José", "Jose":
 * ascii-text.ts) count as one.
 */
export function sharedNames (peers: Iterable<{ peerId: string, name: string }>, ascii = false): ReadonlySet<string> {
  const seen = new Map<string, { ids: Set<string>, names: Set<string> }>()
  for (const p of peers) {
    const drawn = ascii ? asciiText(sanitizeForDisplay(p.name)) : p.name
    const entry = seen.get(drawn) ?? { ids: new Set(), names: new Set() }
    entry.ids.add(p.peerId)
    entry.names.add(p.name)
    seen.set(drawn, entry)
  }
  return new Set([...seen.values()].filter((e) => e.ids.size > 1).flatMap((e) => [...e.names]))
}

/**
 * A peer's name in at most `max` cells, for a list in which `shared` names
 * more than one peer (sharedNames): such a name gets the end of its peer ID
 * after it ("laptop …7zPUrfSX"), as `ferry peers` shows it, and a long one is
 * cut before that end is (user-test finding: the old and the new "laptop"
 * read the same on every screen). Without a name, the end of the ID alone.
 * `ascii`: for an ASCII-only terminal, the name made ASCII (ascii-text.ts)
 * and "..." for "…".
 */
export function peerLabel (peer: { peerId: string, name: string }, shared: ReadonlySet<string>, max: number, ascii = false): string {
  const ellipsis = ascii ? '...' : '…'
  const name = ascii ? asciiText(sanitizeForDisplay(peer.name)) : sanitizeForDisplay(peer.name)
  const id = shortPeerId(peer.peerId, 'tail', ellipsis)
  if (name === '') return truncate(id, max, ellipsis)
  if (!shared.has(peer.name)) return truncate(name, max, ellipsis)
  return `${truncate(name, Math.max(1, max - displayWidth(id) - 1), ellipsis)} ${id}`
}

/**
 * The cells of a peer's name a line keeps before it gives up anything else
 * it says (an ID column, a time, a size): a name is what a person goes by
 * (user-test finding: at 80 and 60 columns the name was cut first).
 */
export const PEER_NAME_CELLS = 32

/** The cells peerLabel takes with the name cut to at most `nameCells`: what a line keeps for the peer before it gives up something else. */
export function peerLabelWidth (peer: { peerId: string, name: string }, shared: ReadonlySet<string>, nameCells = PEER_NAME_CELLS, ascii = false): number {
  const whole = displayWidth(peerLabel(peer, shared, Number.MAX_SAFE_INTEGER, ascii))
  const idCells = shared.has(peer.name) ? displayWidth(shortPeerId(peer.peerId, 'tail', ascii ? '...' : '…')) + 1 : 0
  return Math.min(whole, nameCells + idCells)
}

/** `1 file`, `2 files`: a count with its noun (regular plurals only). */
export function counted (n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

/** Paths of a send left out for a problem (not the links and special files it leaves out by design): its count, else those of the paths listed. */
export function failedPaths (t: Pick<TransferInfo, 'skipped' | 'skippedFailed'>): number {
  return t.skippedFailed ?? (t.skipped ?? []).filter((s) => s.failed === true).length
}

/**
 * What a done transfer went without, in paths, that makes `ferry send` and
 * `ferry wait` exit 1 with E_INCOMPLETE (LeftOut.incomplete, waitFailure): a
 * send's paths left out for a problem (the receiver's refusals among them),
 * else the files its receipt says were not received. 0: a whole success, or
 * not done. One decision for the CLI and the TUI, which shows such a one as
 * partial (user-test finding: a green "✓ done" in its history).
 */
export function partialCount (t: TransferInfo): number {
  if (t.state !== 'done') return 0
  const failed = failedPaths(t)
  return failed > 0 ? failed : t.receipt?.notReceived ?? 0
}

/** A duration to the second: "45s", "3m 20s", "2h 5m". */
export function duration (ms: number): string {
  const s = Math.floor(ms / 1000)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s % 60}s` : `${s}s`
}

/** How long a transfer took: "4.8 s" under a minute, else as duration() says it. */
export function formatTook (ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : duration(ms)
}

/**
 * " here" / " by beta" after a cancelled or declined transfer's state, by who ended it (TransferInfo.endedBy), the
 * peer's name made safe and cut to 20 cells, as `ferry transfers`' PEER column shows it; none from a daemon or a
 * record from before (user-test finding: "cancelled E_CANCELLED" said the state twice, and never who). `ferry
 * transfers`' STATE column and the TUI's history both say it so.
 */
export function endedByWords (t: { endedBy?: EndedBy, peerName: string, peerId: string }): string {
  if (t.endedBy === 'here') return ' here'
  if (t.endedBy !== 'peer') return ''
  return ` by ${peerShort(t)}`
}

/**
 * Why `t` ended short of done, in this device's words: a cancel or a decline by who did it, "cancelled here",
 * "declined by beta", as `ferry transfers` says it, where the daemon's words are only where it was done ("cancelled
 * on the receiving device (beta)"; user-test finding: `ferry wait` said that on the receiving device, its listing
 * "cancelled here"); any other reason as the daemon gives it.
 */
export function endedMessage (t: { state: string, endedBy?: EndedBy, peerName: string, peerId: string, error?: { message: string } }): string | undefined {
  // and the receiver's own for its sender's cancel (receiver.ts SENDER_CANCELLED; review finding)
  const generic = /^(?:(?:receiver|sender): )?(?:(?:cancelled|declined) on the (?:receiving|sending) device(?: \(.*\))?|cancelled by the sender)$/
  if ((t.state === 'cancelled' || t.state === 'declined') && t.endedBy !== undefined && (t.error === undefined || generic.test(t.error.message))) return `${t.state}${endedByWords(t)}`
  return t.error?.message
}

/** A peer named in a line: its name made safe and cut to 20 cells, as `ferry transfers`' PEER column shows it; one of no name, the end of its ID. */
function peerShort (t: { peerName: string, peerId: string }): string {
  const name = truncate(sanitizeForDisplay(t.peerName), 20)
  return name !== '' ? name : `…${t.peerId.slice(-8)}`
}

/**
 * A receive cancelled or failed with files placed: "54 of 303 files had arrived and are kept in ~/Downloads/ferry",
 * said by `ferry cancel` and `ferry transfers` (user-test finding: the files kept, by design, complete, were said
 * nowhere); '' when none were (TransferInfo.keptFiles). `home`: shown as ~. A send cancelled, here or by its
 * receiver, whose receiver said it keeps some: "… are kept on beta".
 */
export function keptWords (t: Pick<TransferInfo, 'keptFiles' | 'files' | 'receiveDir' | 'direction' | 'peerName' | 'peerId'>, home?: string): string {
  const kept = t.keptFiles ?? 0
  if (kept === 0) return ''
  const said = `${kept} of ${counted(t.files, 'file')} had arrived and ${kept === 1 ? 'is' : 'are'} kept`
  if (t.direction === 'send') return `${said} on ${peerShort(t)}`
  const dir = t.receiveDir ?? ''
  const shown = home !== undefined && home !== '' && home !== '/' && (dir === home || dir.startsWith(`${home}/`)) ? `~${dir.slice(home.length)}` : dir
  return `${said}${shown !== '' ? ` in ${sanitizeForDisplay(shown)}` : ' in the receive folder'}`
}

/**
 * A receive cancelled here: what its part files held of files not yet whole, deleted with them ("12.0 MiB received
 * of files not yet whole was deleted"); '' when nothing went (TransferInfo.droppedBytes).
 */
export function droppedWords (t: Pick<TransferInfo, 'droppedBytes'>): string {
  const dropped = t.droppedBytes ?? 0
  return dropped > 0 ? `${formatBytes(dropped)} received of files not yet whole was deleted` : ''
}

/** What a transfer ended short of done left behind, as `ferry cancel`, `ferry transfers` and `ferry wait` say it: the files kept (keptWords), what was deleted (droppedWords). */
export function leftWords (t: Pick<TransferInfo, 'keptFiles' | 'files' | 'receiveDir' | 'direction' | 'peerName' | 'peerId' | 'droppedBytes'>, home?: string): string {
  return [keptWords(t, home), droppedWords(t)].filter((w) => w !== '').join('; ')
}

/**
 * What `ferry send` says once a stop asked for its cancel, on its live view or its stderr: a second stop 2 s on
 * stops waiting for the daemon (onStopSignal). Ctrl-C only where the terminal's Ctrl-C reaches the command
 * (keysReach, liveKeysReach); elsewhere a `kill` of it (notes' leftover: "a Ctrl-C 2 s or more from now" said
 * under `timeout 60 ferry send …` at a prompt, whose process group the terminal's keys do not reach).
 */
export function cancellingNote (keys: boolean): string {
  return `(a ${keys ? 'Ctrl-C' : '`kill`'} 2 s or more from now stops waiting for the daemon)`
}
