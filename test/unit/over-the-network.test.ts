// The summary of a transfer says why more crossed the network than arrived,
// by what the transfer knows: files the receiver refused, files that changed
// on the sender, parts sent again after an interruption, what was fetched
// ahead of the offer and not used.

import { describe, expect, it } from 'vitest'
import { overTheNetwork } from '../../src/tui/over-the-network.ts'
import type { SkippedPath, TransferInfo } from '../../src/daemon/control/types.ts'

const MiB = 1024 * 1024

function sent (o: { doneBytes: number, wireBytes: number, notReceived?: number, skipped?: SkippedPath[], resumed?: boolean }): TransferInfo {
  return {
    id: 'ab', direction: 'send', peerId: 'p', peerName: 'nas', state: 'done', files: 2, totalBytes: 20 * MiB, doneBytes: o.doneBytes, wireBytes: o.wireBytes,
    rate: 0, etaSeconds: null, inFlight: [], root: '', createdAt: 0, resumed: o.resumed ?? false,
    receipt: { root: '', signature: '', verified: true, ...(o.notReceived !== undefined ? { notReceived: o.notReceived } : {}) }, skipped: o.skipped
  }
}

const refusedFile: SkippedPath = { path: '/home/me/trip/a.jpg', reason: 'refused by the receiver: "trip" in the receive folder is not writable', failed: true, refused: true }
const changedFile: SkippedPath = { path: '/home/me/trip/b.jpg', reason: 'changed since it was offered (its size or modification time differs); not received', failed: true, notServed: true }

describe('overTheNetwork', () => {
  it('no more than arrived: how much of it crossed', () => {
    expect(overTheNetwork(sent({ doneBytes: 20 * MiB, wireBytes: 12 * MiB }))).toBe('(12.0 MiB of it over the network)')
  })

  it('a file the receiver refused after it had been sent in full: its bytes are put down to the refusal, not to an interruption or a change that never happened', () => {
    expect(overTheNetwork(sent({ doneBytes: 10 * MiB, wireBytes: 20 * MiB, notReceived: 1, skipped: [refusedFile] }))).toBe('(20.0 MiB over the network, with what was sent of files the receiver refused)')
  })

  it('files the receiver refused before any of their bytes was sent (refused up front: a link of its own on the way, a name its disk cannot hold): what crossed is of what arrived (user-test finding: "(2 B over the network, counting what was sent of files the receiver refused)")', () => {
    const refusedUpFront: SkippedPath = { ...refusedFile, noneSent: true }
    expect(overTheNetwork(sent({ doneBytes: 2, wireBytes: 2, notReceived: 1, skipped: [refusedUpFront] }))).toBe('(2 B of it over the network)')
    // one refused after its bytes came, beside it: said as before
    expect(overTheNetwork(sent({ doneBytes: 2, wireBytes: 2, notReceived: 2, skipped: [refusedUpFront, refusedFile] }))).toBe('(2 B over the network, counting what was sent of files the receiver refused)')
    expect(overTheNetwork(sent({ doneBytes: 10 * MiB, wireBytes: 20 * MiB, notReceived: 2, skipped: [refusedUpFront, refusedFile] }))).toBe('(20.0 MiB over the network, with what was sent of files the receiver refused)')
  })

  it('files that changed on the sender before a byte of them was sent: what crossed is of what arrived (user-test finding: "counting what was sent of files that changed" of such files)', () => {
    const changedUnsent: SkippedPath = { ...changedFile, noneSent: true }
    expect(overTheNetwork(sent({ doneBytes: 10 * MiB, wireBytes: 10 * MiB, notReceived: 1, skipped: [changedUnsent] }))).toBe('(10.0 MiB of it over the network)')
    // one of which bytes went, beside it: said as before
    expect(overTheNetwork(sent({ doneBytes: 10 * MiB, wireBytes: 10 * MiB, notReceived: 2, skipped: [changedUnsent, changedFile] }))).toBe('(10.0 MiB over the network, counting what was sent of files that changed)')
  })

  it('files changed on the sender, refused ones too, and a send resumed after an interruption: each cause it knows of', () => {
    expect(overTheNetwork(sent({ doneBytes: 10 * MiB, wireBytes: 15 * MiB, notReceived: 1, skipped: [changedFile] }))).toBe('(15.0 MiB over the network, with what was sent of files that changed)')
    expect(overTheNetwork(sent({ doneBytes: 5 * MiB, wireBytes: 15 * MiB, notReceived: 2, skipped: [refusedFile, changedFile], resumed: true }))).toBe('(15.0 MiB over the network, with what was sent of files the receiver refused and of files that changed, and again after an interruption)')
  })

  it('a file refused past the paths shown (the first SKIPPED_SHOWN, here 100 broken links skipped while hashing): the more is not put down to files that changed, which it may not be', () => {
    const brokenLinks: SkippedPath[] = Array.from({ length: 100 }, (_, i) => ({ path: `/home/me/trip/link${i}`, reason: 'a symbolic link to nothing, skipped', failed: true }))
    const t = { ...sent({ doneBytes: 10 * MiB, wireBytes: 20 * MiB, notReceived: 1, skipped: brokenLinks }), skippedCount: 101, skippedFailed: 101 }
    expect(overTheNetwork(t)).toBe('(20.0 MiB over the network, with what was sent of files that changed or the receiver refused)')
    // all shown: what is not refused is of files that changed
    expect(overTheNetwork({ ...t, skipped: [...brokenLinks.slice(1), changedFile], skippedCount: 100, skippedFailed: 100 })).toBe('(20.0 MiB over the network, with what was sent of files that changed)')
  })

  it('a send recorded before its files not received were marked refused or not served: which it was is not known, and is not said to be a change', () => {
    const { refused: _, ...recordedBefore } = refusedFile
    expect(overTheNetwork(sent({ doneBytes: 10 * MiB, wireBytes: 20 * MiB, notReceived: 1, skipped: [recordedBefore] }))).toBe('(20.0 MiB over the network, with what was sent of files that changed or the receiver refused)')
  })

  it('a receive whose receipt counts its files not received by cause: each cause it has files of, and only those (before, a refusal told by reason hid the changed file)', () => {
    const received = (receipt: { notReceived: number, refused?: string[], refusedFiles?: number, notServedFiles?: number }): TransferInfo => ({ ...sent({ doneBytes: 10 * MiB, wireBytes: 20 * MiB }), direction: 'receive', receipt: { root: '', signature: '', verified: true, ...receipt } })
    const linked = ['"trip/album" is a symbolic link in the receive folder']
    expect(overTheNetwork(received({ notReceived: 3, refused: linked, refusedFiles: 2, notServedFiles: 1 }))).toBe('(20.0 MiB over the network, with what was sent of files the receive folder refused and of files that changed)')
    expect(overTheNetwork(received({ notReceived: 2, refused: linked, refusedFiles: 2, notServedFiles: 0 }))).toBe('(20.0 MiB over the network, with what was sent of files the receive folder refused)')
    expect(overTheNetwork(received({ notReceived: 1, refusedFiles: 0, notServedFiles: 1 }))).toBe('(20.0 MiB over the network, with what was sent of files that changed)')
    // a receipt from before the counts: the refusals by reason, the rest not said to be changed files
    expect(overTheNetwork(received({ notReceived: 3, refused: linked }))).toBe('(20.0 MiB over the network, with what was sent of files the receive folder refused)')
  })

  it('a receive whose receive folder refused files before asking for any of their bytes (a link of its own on the way): those are no cause, what crossed is of what arrived (notes\' leftover: "counting what was sent of files the receive folder refused" for files of which not a byte was fetched)', () => {
    const received = (receipt: { notReceived: number, refusedFiles: number, notServedFiles: number, refusedUnfetched?: number }, doneBytes = 2): TransferInfo => ({ ...sent({ doneBytes, wireBytes: 2 }), direction: 'receive', receipt: { root: '', signature: '', verified: true, refused: ['"s7/album" is a symbolic link in the receive folder'], ...receipt } })
    expect(overTheNetwork(received({ notReceived: 1, refusedFiles: 1, notServedFiles: 0, refusedUnfetched: 1 }))).toBe('(2 B of it over the network)')
    // one of two refused after its bytes came (its folder not writable as it was placed): said as before
    expect(overTheNetwork(received({ notReceived: 2, refusedFiles: 2, notServedFiles: 0, refusedUnfetched: 1 }))).toBe('(2 B over the network, counting what was sent of files the receive folder refused)')
    // a file changed on the sender beside them: that cause alone
    expect(overTheNetwork(received({ notReceived: 2, refusedFiles: 1, notServedFiles: 1, refusedUnfetched: 1 }))).toBe('(2 B over the network, counting what was sent of files that changed)')
    // not known (a daemon from before, a receive cut by a restart, bytes fetched ahead of the offer): as before
    expect(overTheNetwork(received({ notReceived: 1, refusedFiles: 1, notServedFiles: 0 }))).toBe('(2 B over the network, counting what was sent of files the receive folder refused)')
  })

  it('nothing left out, and resumed (a restart, a chunk stream cut): the more went again after that interruption', () => {
    expect(overTheNetwork(sent({ doneBytes: 20 * MiB, wireBytes: 21 * MiB, resumed: true }))).toBe('(21.0 MiB over the network, 1.0 MiB more than arrived: what went again after an interruption)')
    // the excess said, where the total rounds as the size does (helper finding: "1.0 GiB … with what went again")
    expect(overTheNetwork(sent({ doneBytes: 1024 * MiB, wireBytes: 1024 * MiB + 5.4 * MiB, resumed: true }))).toBe('(1.0 GiB over the network, 5.4 MiB more than arrived: what went again after an interruption)')
  })

  it('nothing left out and not resumed: no interruption is blamed, which never happened (a real send: a file removed while hashing shifted the offer\'s entries from the preview\'s, and what was fetched ahead was dropped: "with what went again after an interruption", resumed false on both sides)', () => {
    const why = '(21.0 MiB over the network, with what was fetched ahead of the offer and not used, or fetched again after failing its check)'
    expect(overTheNetwork(sent({ doneBytes: 20 * MiB, wireBytes: 21 * MiB }))).toBe(why)
    expect(overTheNetwork({ ...sent({ doneBytes: 20 * MiB, wireBytes: 21 * MiB }), direction: 'receive' })).toBe(why)
  })

  it('no more than arrived, but files did not arrive (a 4 GiB sparse file received counts its holes, which never cross): the figure is not said to be "of it", as part of it may have crossed for the files not received (fetched ahead of the offer, or sent after it) (user-test finding: "(6.0 MiB of it over the network)", fetched ahead for a file that then changed)', () => {
    const GiB = 1024 * MiB
    expect(overTheNetwork(sent({ doneBytes: 4 * GiB, wireBytes: 6 * MiB, notReceived: 1, skipped: [changedFile] }))).toBe('(6.0 MiB over the network, counting what was sent of files that changed)')
    expect(overTheNetwork(sent({ doneBytes: 4 * GiB, wireBytes: 6 * MiB, notReceived: 1, skipped: [refusedFile] }))).toBe('(6.0 MiB over the network, counting what was sent of files the receiver refused)')
    // paths left out before the offer (a symbolic link, a name the receiver would refuse): all that was offered arrived
    const link: SkippedPath = { path: '/home/me/link', reason: 'symbolic link, skipped' }
    expect(overTheNetwork({ ...sent({ doneBytes: 4 * GiB, wireBytes: 6 * MiB, skipped: [link] }), skippedCount: 1, skippedFailed: 0 })).toBe('(6.0 MiB of it over the network)')
    // a receive's receipt says which
    const received: TransferInfo = { ...sent({ doneBytes: 4 * GiB, wireBytes: 6 * MiB }), direction: 'receive', receipt: { root: '', signature: '', verified: true, notReceived: 1, refusedFiles: 0, notServedFiles: 1 } }
    expect(overTheNetwork(received)).toBe('(6.0 MiB over the network, counting what was sent of files that changed)')
    // nothing crossed: nothing to count
    expect(overTheNetwork(sent({ doneBytes: 4 * GiB, wireBytes: 0, notReceived: 1, skipped: [changedFile] }))).toBe('(0 B of it over the network)')
  })
})
