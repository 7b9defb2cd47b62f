// What a send lists among its skipped paths once a verified receipt says the
// receiver went without some of the offer: each file not received, with why
// (refused by the receive folder, as the receiver told; or why this side
// could not serve it), and the empty folders the receive folder refused.

import { END_REFUSED_SHOWN, type EndMsg } from '../../protocol/transfer.ts'
import type { SkippedPath } from '../../daemon/control/types.ts'
import type { ErrorCode } from '../../errors.ts'
import { foldersAbove } from '../folder/safe-path.ts'

/**
 * The skipped paths for `notReceived` (the receipt's files) and the folders
 * refused with nothing below them named; `sources`: each entry's path on this
 * device; `notServed`: why this side could not serve an entry, if it found so.
 * `refused`: the entries the receiver refused, with its reason.
 */
export function receiptSkipped (end: EndMsg, entries: ReadonlyArray<{ path: string, kind: string }>, sources: ReadonlyArray<string | undefined>, notReceived: readonly number[], notServed: (entry: number) => string | undefined): { skipped: SkippedPath[], refused: Map<number, string> } {
  const told = refusedReasons(end, entries, notReceived, notServed)
  const refused = new Map([...told].map(([i, r]) => [i, r.reason]))
  // not refused, known: this side found it could not serve it, or the receiver refused nothing (it tells its first refusals)
  const served = (i: number): boolean => !refused.has(i) && (notServed(i) !== undefined || refused.size === 0)
  // the refusal's code as the receiver told it; a file this side could not serve, or one not received while the
  // receiver refused nothing, went without for a change here: E_SOURCE_CHANGED, as the receiver failed it
  const codeOf = (i: number): ErrorCode | undefined => refused.has(i) ? told.get(i)?.code : served(i) ? 'E_SOURCE_CHANGED' : undefined
  const skipped: SkippedPath[] = notReceived.map((i) => { const code = codeOf(i); return { path: sources[i] ?? entries[i].path, reason: notReceivedReason(refused, i, notServed(i)), failed: true, ...(code !== undefined ? { code } : {}), ...(refused.has(i) ? { refused: true } : {}), ...(served(i) ? { notServed: true } : {}) } })
  // a folder the receive folder could not take, when nothing below it is named already (an empty one). Not
  // marked `refused`: that counts files whose bytes may have crossed, and a summary took an empty folder for one
  // (review finding: a send resumed said its more "was sent of files the receiver refused")
  const holdsNamed = foldersAbove([...notReceived, ...refused.keys()].map((i) => entries[i].path))
  for (const [i, why] of told) {
    if (entries[i].kind === 'dir' && !holdsNamed.has(entries[i].path)) skipped.push({ path: sources[i] ?? entries[i].path, reason: `refused by the receiver: ${why.reason}`, failed: true, ...(why.code !== undefined ? { code: why.code } : {}) })
  }
  return { skipped, refused }
}

/**
 * Why the receiver did not take entries (its receive folder could not, as
 * it was): by entry, the first END_REFUSED_SHOWN it told, each reason cut to
 * 200 characters, and each told for a folder (`under`) applied to the
 * files below it that were not received either (but those `notServed`
 * says this side could not serve), and to the folders there.
 */
function refusedReasons (end: EndMsg, entries: ReadonlyArray<{ path: string, kind: string }>, notReceived: readonly number[], notServed: (entry: number) => string | undefined): Map<number, Told> {
  const out = new Map<number, Told>()
  const folders: Array<{ under: string, told: Told }> = []
  for (const r of (end.refused ?? []).slice(0, END_REFUSED_SHOWN)) {
    if (r.entry >= entries.length || out.has(r.entry)) continue
    const told: Told = { reason: r.reason.length > 200 ? `${r.reason.slice(0, 197)}...` : r.reason, ...(r.code !== undefined ? { code: r.code } : {}) }
    out.set(r.entry, told)
    if (r.under !== undefined && r.under !== '') folders.push({ under: r.under, told })
  }
  if (folders.length === 0) return out
  // "." is the receive folder itself, told for the files at its top that it did not take (made read-only while they
  // arrived; helper finding: of 45 photos sent by name, 32 read "its reason not told"), not for folders there; "a/."
  // alike the files directly in "a", not its folders, which may have taken theirs (review finding)
  const below = (i: number): Told | undefined => folders.find((x) => x.under === '.' || x.under.endsWith('/.') ? entries[i].kind === 'file' && parentOf(entries[i].path) === x.under.slice(0, -2) : entries[i].path === x.under || entries[i].path.startsWith(`${x.under}/`))?.told
  // the files not received, and the folders there (not made either); not a file this side could not serve, which
  // the receiver never had to refuse (review finding: a folder made read-only mid-send gave a file removed here
  // "refused by the receiver: … not writable")
  for (const i of notReceived) if (!out.has(i) && notServed(i) === undefined) { const why = below(i); if (why !== undefined) out.set(i, why) }
  for (const [i, e] of entries.entries()) if (e.kind === 'dir' && !out.has(i)) { const why = below(i); if (why !== undefined) out.set(i, why) }
  return out
}

/** A reason the receiver told for not taking an entry, with its code where it told one. */
interface Told { reason: string, code?: ErrorCode }

/** The folder `path` is in, "" for the top */
function parentOf (path: string): string {
  const at = path.lastIndexOf('/')
  return at < 0 ? '' : path.slice(0, at)
}

/** What `ferry send` says of a file of the offer the receipt says was not received; `notServed`: why this side could not serve it, as it found then. */
function notReceivedReason (refused: ReadonlyMap<number, string>, entry: number, notServed?: string): string {
  const why = refused.get(entry)
  if (why !== undefined) return `refused by the receiver: ${why}`
  if (notServed !== undefined) return `${notServed}; not received`
  return refused.size > 0 ? 'not received: changed, removed or unreadable after it was offered, or refused by the receiver (its reason not told)' : 'changed, removed or unreadable after it was offered; not received (send it again)'
}
