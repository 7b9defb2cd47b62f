// How the daemon's log names a transfer's peer: the name it told us, with
// what UNPRINTABLE lists stripped as wherever a peer's name is printed (it is
// the peer's to choose), and the end of its peer ID, which tells two devices
// of one name apart (user-test finding: a --verbose log of an accepted offer
// gave ids alone, "receive planned", "transfer received").

import { sanitizeForDisplay } from '../errors.ts'

export function peerForLog (name: string | undefined, peerId: string): string {
  const clean = sanitizeForDisplay(name ?? '')
  const tail = peerIdTail(peerId)
  return clean === '' ? tail : `${clean} (${tail})`
}

/** The end of a peer ID, as a peer without a name is told by: the whole of a short one. */
export function peerIdTail (peerId: string): string {
  return peerId.length <= 12 ? peerId : `…${peerId.slice(-8)}`
}
