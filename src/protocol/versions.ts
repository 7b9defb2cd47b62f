// A peer that runs another version of ferry: one whose ferry protocols, as
// libp2p's identify lists them, are of versions this one does not speak.
// Without it, a device whose ferry was updated (a new /ferry/hello) was
// taken for one that is not ferry at all: never listed, `ferry connect`
// "not ferry, or a ferry of another version", `ferry pair --peer`
// unreachable (notes' leftover).

import { FerryError, sanitizeForDisplay } from '../errors.ts'
import { CHUNKS_PROTOCOL, HELLO_PROTOCOL, OFFER_PROTOCOL, PAIR_PROTOCOL, PREVIEW_PROTOCOL, RECEIPT_PROTOCOL, TRUST_PROTOCOL } from './constants.ts'

/** Every ferry protocol this version speaks, hello first: the first one of them a peer speaks only in other versions is the one named. */
export const FERRY_PROTOCOLS = [HELLO_PROTOCOL, PAIR_PROTOCOL, TRUST_PROTOCOL, PREVIEW_PROTOCOL, OFFER_PROTOCOL, CHUNKS_PROTOCOL, RECEIPT_PROTOCOL]

/**
 * A peer's versions of one of ferry's protocols, none of them this one's: `theirs` (/ferry/hello/2.0.0), `ours`
 * (/ferry/hello/1.0.0). `theirs` empty: a paired peer that refused `ours`, identify not heard (yet).
 */
export interface OtherVersion { theirs: string[], ours: string }

/**
 * What tells a peer that speaks `protocols` (identify's list) for a ferry of
 * another version: the first of ours that it speaks under its name
 * (/ferry/<name>/) in other versions only; undefined when there is none
 * (a peer that speaks no ferry protocol, or ours too, or only new ones).
 */
export function otherVersionOf (protocols: string[]): OtherVersion | undefined {
  for (const ours of FERRY_PROTOCOLS) {
    if (protocols.includes(ours)) continue
    const name = ours.slice(0, ours.lastIndexOf('/') + 1)
    const theirs = protocols.filter((p) => p.startsWith(name) && p.length > name.length && !p.slice(name.length).includes('/'))
    if (theirs.length > 0) return { theirs: theirs.slice(0, 4).map((p) => sanitizeForDisplay(p).slice(0, 64)), ours }
  }
  return undefined
}

/** A version's numbers (2.0.0: [2, 0, 0]), to tell which side runs the older ferry. */
function numbersOf (protocol: string): number[] {
  return protocol.slice(protocol.lastIndexOf('/') + 1).split('.').map((n) => Number.parseInt(n, 10) || 0)
}

function newer (a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0)
  }
  return false
}

/** "runs another version of ferry (it speaks …; this one …): update …", said of `who` (a name, or an address). */
export function otherVersionText (who: string, v: OtherVersion): string {
  if (v.theirs.length === 0) return `${who} runs another version of ferry (it does not speak ${v.ours}, which this one does): update ferry on both devices to the same version`
  // the side whose protocol is older runs the older ferry
  const theirsNewer = v.theirs.some((p) => newer(numbersOf(p), numbersOf(v.ours)))
  return `${who} runs another version of ferry (it speaks ${v.theirs.join(', ')}; this one ${v.ours}): ` +
    `update ferry on ${theirsNewer ? 'this device' : 'that device'}, so that both run the same version`
}

/**
 * What `ferry peers` says under its table of a listed peer of another
 * version, and the TUI's Peers of the one selected: named with the end of
 * its ID, or "the device …" where it said no name (its hello unread).
 */
export function peerOtherVersionText (p: { peerId: string, name: string }, v: OtherVersion): string {
  const name = sanitizeForDisplay(p.name)
  return otherVersionText(name !== '' ? `${name} …${p.peerId.slice(-8)}` : `the device …${p.peerId.slice(-8)}`, v)
}

/** E_PEER_VERSION for `who`, a peer of another version. */
export function otherVersionError (who: string, v: OtherVersion): FerryError {
  return new FerryError('E_PEER_VERSION', otherVersionText(who, v))
}
