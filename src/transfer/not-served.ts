// Why a sender can no longer serve a file of its offer (E_SOURCE_CHANGED),
// kept as a reason where the error is made, not read back from its text: the
// receiver does without the file, and both sides word what the user sees by it.

import { FerryError } from '../errors.ts'
import { isNotServedReason, type NotServedReason } from '../protocol/transfer.ts'

export type { NotServedReason }

/**
 * A file of the offer that cannot be served any more, and why. `peerMessage`: the words its receiver is told,
 * where they differ from this side's (this daemon's user is named here, not to the peer, where "the user the
 * daemon runs as" would read as its own: review finding)
 */
export class NotServedError extends FerryError {
  readonly reason: NotServedReason
  readonly peerMessage: string
  constructor (reason: NotServedReason, message: string, options?: { cause?: unknown, remote?: boolean, peerMessage?: string }) {
    super('E_SOURCE_CHANGED', message, options)
    this.reason = reason
    this.peerMessage = options?.peerMessage ?? message
  }
}

/** The reason of an E_SOURCE_CHANGED error; undefined when not told (a sender from before ChunkHeader.not_served): its words are not read for one. */
export function notServedReason (err: unknown): NotServedReason | undefined {
  return err instanceof NotServedError ? err.reason : undefined
}

/** `word` as a reason, when it is one (a reason read back from the store); undefined otherwise. */
export function asNotServedReason (word: string | undefined): NotServedReason | undefined {
  return word !== undefined && isNotServedReason(word) ? word : undefined
}

/** The sender's E_SOURCE_CHANGED `err`, with the reason it told (if any) kept on it. */
export function withNotServedReason (err: FerryError, reason: NotServedReason | undefined): FerryError {
  return reason === undefined ? err : new NotServedError(reason, err.message, { remote: err.remote })
}

/**
 * Why a transfer whose every file (`files` of them) was not served failed,
 * said once: the first file's own sentence (`first`, naming it) and, when one
 * of them may be in the middle of an edit, when to send again. The receiver
 * says it, and the sender too (in its own paths) rather than quote the
 * receiver quoting it (user-test finding: "receiver: … sender: …").
 */
export function noneReceived (files: number, first: string, changing: boolean, side: 'send' | 'receive' = 'receive'): string {
  // each side in its own verb (user-test finding: the sender said "the file could not be received" of its own file)
  const verb = side === 'send' ? 'sent' : 'received'
  const what = files === 1 ? `the file could not be ${verb}` : `none of the ${files} files could be ${verb}`
  const more = files > 1 ? ` (and ${files - 1} more)` : ''
  const hint = changing ? `; send ${files === 1 ? 'it' : 'them'} again once ${files === 1 ? 'it has' : 'they have'} stopped changing` : ''
  return `${what}: ${first}${more}${hint}`
}
