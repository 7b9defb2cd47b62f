// What a send lists of the entries its receipt went without, and what its
// summary then says of the bytes that crossed the network beyond what arrived.

import { describe, expect, it } from 'vitest'
import { receiptSkipped } from '../../src/transfer/send/receipt-skipped.ts'
import { overTheNetwork } from '../../src/tui/over-the-network.ts'
import type { EndMsg } from '../../src/protocol/transfer.ts'
import type { SkippedPath, TransferInfo } from '../../src/daemon/control/types.ts'

const MiB = 1024 * 1024
const entries = [{ path: 'trip', kind: 'dir' }, { path: 'trip/album', kind: 'dir' }, { path: 'trip/a.bin', kind: 'file' }]
const sources = ['/home/me/trip', '/home/me/trip/album', '/home/me/trip/a.bin']
const albumRefused: EndMsg = { transferId: new Uint8Array(16), status: 'done', root: new Uint8Array(32), signature: new Uint8Array(64), refused: [{ entry: 1, reason: '"trip/album" is a symbolic link in the receive folder' }] }

function sent (o: { doneBytes: number, wireBytes: number, notReceived?: number, skipped: SkippedPath[], resumed: boolean }): TransferInfo {
  return {
    id: 'ab', direction: 'send', peerId: 'p', peerName: 'nas', state: 'done', files: 1, totalBytes: 10 * MiB, doneBytes: o.doneBytes, wireBytes: o.wireBytes,
    rate: 0, etaSeconds: null, inFlight: [], root: '', createdAt: 0, resumed: o.resumed,
    receipt: { root: '', signature: '', verified: true, ...(o.notReceived !== undefined ? { notReceived: o.notReceived } : {}) }, skipped: o.skipped, skippedCount: o.skipped.length, skippedFailed: o.skipped.length
  }
}

describe('receiptSkipped', () => {
  it('files refused one by one past those whose reason the receiver tells (END_REFUSED_SHOWN, 20): the 21st is not known to be refused or changed, and a send resumed with them does not say any changed', () => {
    const files = Array.from({ length: 21 }, (_, i) => ({ path: `f${i}.txt`, kind: 'file' }))
    const end: EndMsg = { ...albumRefused, refused: files.map((f, i) => ({ entry: i, reason: `"${f.path}" is taken by a folder in the receive folder` })) }
    const { skipped } = receiptSkipped(end, files, files.map((f) => `/home/me/${f.path}`), files.map((_, i) => i), () => undefined)
    expect(skipped[20]).toEqual({ path: '/home/me/f20.txt', reason: 'not received: changed, removed or unreadable after it was offered, or refused by the receiver (its reason not told)', failed: true })
    expect(overTheNetwork(sent({ doneBytes: 0, wireBytes: 1 * MiB, notReceived: 21, skipped, resumed: true }))).toBe('(1.0 MiB over the network, with what was sent of files that changed or the receiver refused, and again after an interruption)')
  })

  it('a folder the receiver told a reason for (under) does not give it to a file there this side could not serve: that one was never the receiver\'s to refuse (review finding: a folder made read-only mid-send, since 68eeda7 told for the folder, gave a file removed at the sender "refused by the receiver: … not writable")', () => {
    const files = [{ path: 'roll', kind: 'dir' }, { path: 'roll/a.jpg', kind: 'file' }, { path: 'roll/b.jpg', kind: 'file' }, { path: 'roll/c.jpg', kind: 'file' }]
    const reason = '"roll" in the receive folder is not writable by the user the daemon runs as (me)'
    const end: EndMsg = { ...albumRefused, refused: [{ entry: 1, reason, under: 'roll', code: 'E_IO' }] }
    const { skipped } = receiptSkipped(end, files, files.map((f) => `/home/me/${f.path}`), [1, 2, 3], (i) => i === 2 ? 'was removed since it was offered' : undefined)
    expect(skipped).toEqual([
      // the code the receiver told for the folder, given to its files with its reason
      { path: '/home/me/roll/a.jpg', reason: `refused by the receiver: ${reason}`, failed: true, code: 'E_IO', refused: true },
      { path: '/home/me/roll/b.jpg', reason: 'was removed since it was offered; not received', failed: true, code: 'E_SOURCE_CHANGED', notServed: true },
      { path: '/home/me/roll/c.jpg', reason: `refused by the receiver: ${reason}`, failed: true, code: 'E_IO', refused: true }
    ])
  })

  it('a file this side could not serve, or any file not received when the receiver refused none, is marked not served', () => {
    const files = [{ path: 'a.bin', kind: 'file' }, { path: 'b.bin', kind: 'file' }]
    const none: EndMsg = { ...albumRefused, refused: [] }
    expect(receiptSkipped(none, files, [], [0, 1], (i) => i === 0 ? 'was removed since it was offered' : undefined).skipped).toEqual([
      { path: 'a.bin', reason: 'was removed since it was offered; not received', failed: true, code: 'E_SOURCE_CHANGED', notServed: true },
      { path: 'b.bin', reason: 'changed, removed or unreadable after it was offered; not received (send it again)', failed: true, code: 'E_SOURCE_CHANGED', notServed: true }
    ])
  })

  it('an empty folder the receive folder refused is listed as refused, but is no file of which bytes were sent: a send resumed with it says its more went again after the interruption, not that it was of files the receiver refused', () => {
    const { skipped } = receiptSkipped(albumRefused, entries, sources, [], () => undefined)
    expect(skipped).toMatchObject([{ path: '/home/me/trip/album', reason: 'refused by the receiver: "trip/album" is a symbolic link in the receive folder', failed: true }])
    expect(overTheNetwork(sent({ doneBytes: 10 * MiB, wireBytes: 12 * MiB, skipped, resumed: true }))).toBe('(12.0 MiB over the network, 2.0 MiB more than arrived: what went again after an interruption)')
  })

  it('an empty folder refused beside a file that changed on the sender: the more is put down to the changed file, not to files refused', () => {
    const { skipped } = receiptSkipped(albumRefused, entries, sources, [2], (i) => i === 2 ? 'changed since it was offered (its size or modification time differs)' : undefined)
    expect(skipped.map((s) => s.path)).toEqual(['/home/me/trip/a.bin', '/home/me/trip/album'])
    expect(overTheNetwork(sent({ doneBytes: 0, wireBytes: 4 * MiB, notReceived: 1, skipped, resumed: false }))).toBe('(4.0 MiB over the network, with what was sent of files that changed)')
  })
})
