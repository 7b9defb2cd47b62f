// What a transfer says of the bytes it carried over the network (a send's:
// what it served, an upper bound after an interruption; TransferInfo.wireBytes), beside what
// arrived: the summary of `ferry send` and `ferry wait`, and the TUI's
// details of a transfer, in the same words.

import type { TransferInfo } from '../daemon/control/types.ts'
import { formatBytes } from './format.ts'

/**
 * "(12.0 MiB of it over the network)"; more than it all when parts went again after an interruption, or were fetched
 * ahead and not used (user-test finding: "405.3 MiB of it" of 400.0). Not "of it" either when files did not arrive:
 * what arrived can count far more than crossed (a sparse file's holes, copies the receiver made of what it had), so
 * less crossed than arrived while part of it may have been for the files not received, fetched ahead of the offer or sent after
 * it (user-test finding: "(6.0 MiB of it over the network)", fetched ahead for a 4 GiB sparse file that then changed).
 */
export function overTheNetwork (t: TransferInfo): string {
  return `(${networkWords(t)})`
}

/** overTheNetwork's words without the brackets: "12.0 MiB of it over the network". */
export function networkWords (t: TransferInfo): string {
  const wire = formatBytes(t.wireBytes)
  // an interruption alone: how much more than arrived, which a total rounded as the size hid (helper finding: "1.0 GiB
  // over the network, with what went again after an interruption" of a 1 GiB file, 5.4 MiB of it sent again)
  if (t.wireBytes > t.doneBytes && t.resumed && sentForNotArrived(t) === undefined) return `${wire} over the network, ${formatBytes(t.wireBytes - t.doneBytes)} more than arrived: what went again after an interruption`
  if (t.wireBytes > t.doneBytes) return `${wire} over the network, with what ${moreThanArrived(t)}`
  const notArrived = t.wireBytes > 0 ? sentForNotArrived(t) : undefined
  return notArrived !== undefined ? `${wire} over the network, counting what ${notArrived}` : `${wire} of it over the network`
}

/**
 * Why more crossed than arrived, by what the transfer knows: files not
 * received that the receiver refused (their bytes may all have come before
 * it found it could not place them), files not received that changed on the
 * sender, a send resumed, what was fetched ahead of the offer and not used.
 * Each that applies, and only those (user-test findings: an interruption
 * blamed that never happened; a file refused after it had come whole put
 * down to an interruption or a change).
 */
function moreThanArrived (t: TransferInfo): string {
  const sent = sentForNotArrived(t)
  // nothing left out: parts sent again after an interruption, which marks the transfer resumed (a restart of either
  // side, a chunk stream cut: src/transfer/send/sends.ts markResumed). Not resumed: what was fetched ahead of the offer and dropped
  // (a file left out while hashing shifts the offer's entries from the preview's; a file changed while hashed), or a
  // chunk fetched again after it failed its check (review finding: a real send of the first kind said "went again
  // after an interruption", resumed false on both sides)
  if (sent === undefined) return t.resumed ? 'went again after an interruption' : 'was fetched ahead of the offer and not used, or fetched again after failing its check'
  return `${sent}${t.resumed ? ', and again after an interruption' : ''}`
}

/** "was sent of files that changed", and so on: what may have crossed for the files of the offer not received, by why they were not; undefined when all were. */
function sentForNotArrived (t: TransferInfo): string | undefined {
  const notReceived = t.receipt?.notReceived ?? 0
  // a send: the receipt's refusals are among what it left out; a receive: the reasons it gave
  const skipped = t.skipped ?? []
  // a receive's receipt counts each by file (receipts from before 2026-12-05: its refusals by reason only)
  const byFile = t.direction === 'receive' && t.receipt?.refusedFiles !== undefined && t.receipt.notServedFiles !== undefined
  // refused or changed files of which not a byte was sent (refused before being asked for, changed before their first
  // chunk went) are no cause: none of the wire's bytes were theirs. A send marks them in its skipped paths, a receive
  // counts them (notes' leftover: the receive said "counting what was sent of files the receive folder refused" of
  // files it refused before fetching any byte)
  const noneSent = t.direction === 'send' ? skipped.filter((s) => (s.refused === true || s.notServed === true) && s.noneSent === true).length : 0
  const refused = t.direction === 'send'
    ? skipped.filter((s) => s.refused === true && s.noneSent !== true).length
    : t.receipt?.refusedFiles !== undefined ? t.receipt.refusedFiles - (t.receipt.refusedUnfetched ?? 0) : (t.receipt?.refused?.length ?? 0)
  // so too files that changed before a byte of them was sent (user-test finding: "counting what was sent of files
  // that changed" of such files)
  const changed = t.direction === 'send' ? skipped.filter((s) => s.notServed === true && s.noneSent !== true).length : (t.receipt?.notServedFiles ?? 0)
  // a send's files not received that are not known to be either: past the paths shown (the first SKIPPED_SHOWN, as
  // many as fit a row), refused without a reason told, or in a row from before the flags (review findings: 100
  // broken links skipped while hashing hid the one refused; the 21st file refused: each was put down to a change)
  if (t.direction === 'send' && notReceived - noneSent > refused + changed) return 'was sent of files that changed or the receiver refused'
  const causes: string[] = []
  if (refused > 0) causes.push(t.direction === 'send' ? 'of files the receiver refused' : 'of files the receive folder refused')
  // a receive's refusals counted by reason, not by file: the rest is not known to be of changed files
  if (t.direction === 'send' || byFile ? changed > 0 : notReceived > 0 && refused === 0) causes.push('of files that changed')
  return causes.length === 0 ? undefined : `was sent ${causes.join(' and ')}`
}
