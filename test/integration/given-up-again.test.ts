// A file a send gave up serving (removed after the offer) has its reason
// recorded (send_given_up), and reloaded after a restart of the sending
// daemon, so that a receipt that comes only then is worded as this side
// found it. If the file is put back and served in full after that, the
// reason is no longer true: a receipt that goes without the file for
// another cause (the receive folder refused it, past the refusals the
// receipt tells) must not say it was removed.
//
// A real daemon ("victim") sends to a paired libp2p node that speaks the
// protocols with crafted messages (test/helpers/evil-peer.ts): the test
// decides what is asked for when, and signs the receipt a real receiver
// would send (its first END_REFUSED_SHOWN refusals told, by entry).

import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { rm, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RECEIPT_PROTOCOL } from '../../src/protocol/constants.ts'
import { END_REFUSED_SHOWN, sendEnd } from '../../src/protocol/transfer.ts'
import { receiptPayload } from '../../src/transfer/receive/receiver.ts'
import { Bitmap } from '../../src/transfer/bitmap.ts'
import { control as call, spawnCli, tempDir, waitFor, type TestDaemon } from '../helpers/daemon.ts'
import { daemonWithEvilPeer, hex, type EvilPeer } from '../helpers/evil-peer.ts'

let victim: TestDaemon
let evil: EvilPeer

daemonWithEvilPeer({ name: 'victim' }, (d, e) => { victim = d; evil = e })

describe('a file given up, then put back and served in full', () => {
  it('after a restart of the sender: a receipt that goes without it, its refusal not told, does not say it was removed', async () => {
    const dir = await tempDir('ferry-given-up-again-')
    // END_REFUSED_SHOWN files the receiver refuses and tells, and one more (after them by entry) that it refuses without telling
    const refused = Array.from({ length: END_REFUSED_SHOWN }, (_, i) => join(dir, `p${String(i).padStart(2, '0')}.bin`))
    for (const p of refused) await writeFile(p, randomBytes(100))
    const back = join(dir, 'q-back.bin')
    const data = randomBytes(1000)
    // a whole second: put back exactly (a Date's milliseconds as seconds may come back a nanosecond short)
    const mtime = 1_700_000_000
    await writeFile(back, data)
    await utimes(back, mtime, mtime)
    const sending = spawnCli(['send', 'evil', ...refused, back, '--home', victim.home], { timeoutMs: 60_000 })
    const offer = await waitFor(() => evil.offered.find((o) => o.files.some((f) => f.path === 'q-back.bin')), 'the victim to offer the files', 20_000)
    const id = hex(offer.transferId)
    const backIndex = offer.files.findIndex((f) => f.path === 'q-back.bin')
    const told = offer.files.flatMap((f, i) => f.path.startsWith('p') ? [i] : [])
    expect(told.every((i) => i < backIndex)).toBe(true)

    // removed after the offer: the victim gives it up (and records why)
    await rm(back)
    expect((await evil.requestChunks(victim, offer.transferId, backIndex, [0])).headers[0]?.error?.code).toBe('E_SOURCE_CHANGED')

    // the victim restarts (its reason reloaded from the store); the file is put back as it was offered
    victim = await victim.restart()
    await sending.done
    await writeFile(back, data)
    await utimes(back, mtime, mtime)
    await evil.connect(victim)
    // asked for again (a receive's new run), and served in full
    const again = await evil.requestChunks(victim, offer.transferId, backIndex, [0])
    expect(again.headers[0]?.error).toBeUndefined()
    expect(Buffer.concat(again.payload).equals(data)).toBe(true)
    // and restarted again before the receipt comes: the reason is not brought back from the store either
    victim = await victim.restart()
    await evil.connect(victim)

    // the receipt: the receive folder took none of them; it tells the first END_REFUSED_SHOWN refusals, not the last
    const missing = new Bitmap(offer.files.length)
    for (const i of [...told, backIndex]) missing.set(i)
    const end = {
      transferId: offer.transferId,
      status: 'done' as const,
      root: offer.root,
      signature: await evil.privateKey.sign(receiptPayload(id, offer.root, missing.bytes)),
      missing: missing.bytes,
      refused: told.map((entry) => ({ entry, reason: 'a folder of that name is there' }))
    }
    await sendEnd(await evil.open(victim, RECEIPT_PROTOCOL), end, 'sender')
    const t = await waitFor(async () => (await call(victim, 'transfers')).find((x) => x.id === id && x.state === 'done'), 'the send to be done', 15_000)
    const said = t.skipped?.find((s) => s.path === back)
    // before: "removed since it was offered; not received", flagged notServed (a file that changed), of a file served in full since
    expect(said).toEqual({ path: back, reason: 'not received: changed, removed or unreadable after it was offered, or refused by the receiver (its reason not told)', failed: true })
  })
})
