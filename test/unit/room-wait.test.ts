// A receive waiting for room on its disk (room-wait.ts): the room it needs
// is what is left of it (less its chunks of zeros), its spool and the
// disk's margin, besides what the other receives there still need, but not
// those that wait for room too: each would wait for room for all, and with
// room for one alone none would go on. On a real folder's disk (statfs).

import { describe, expect, it } from 'vitest'
import { statfs } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { RoomWait } from '../../src/transfer/receive/room-wait.ts'
import type { Receiver } from '../../src/transfer/receive/receiver.ts'
import { FerryError } from '../../src/errors.ts'

const dir = tmpdir()

/** As much of a Receiver as RoomWait reads. */
function receive (left: number, waitsFor?: FerryError): Receiver {
  return { receiveDir: dir, progress: { left }, offer: { files: [] }, waitsFor } as unknown as Receiver
}

function roomWait (others: Receiver[]): RoomWait {
  return new RoomWait({
    reservedIn: (_dir, which) => others.filter(which).reduce((n, o) => n + o.progress.left, 0),
    run: () => {},
    log: { info: () => {} }
  })
}

describe('RoomWait.shortage', () => {
  it('needs room for what the receives under way still need, not for those that wait for room too', async () => {
    const st = await statfs(dir)
    const free = Number(st.bavail) * Number(st.bsize)
    const full = new FerryError('E_NO_SPACE', 'waits for room')
    const me = receive(1)
    // another that runs and needs more than the disk has: no room for this one
    expect((await roomWait([me, receive(2 * free)]).shortage(me))?.code).toBe('E_NO_SPACE')
    // the same, waiting for room itself: this one may go on
    expect(await roomWait([me, receive(2 * free, full)]).shortage(me)).toBeUndefined()
    // and what it needs itself counts
    expect((await roomWait([me]).shortage(receive(2 * free)))?.code).toBe('E_NO_SPACE')
  })
})
