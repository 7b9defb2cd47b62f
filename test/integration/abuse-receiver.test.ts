// A paired receiver that lies, end to end on 127.0.0.1 with mDNS off: a real
// daemon sends to a crafted libp2p node (test/helpers/evil-peer.ts) that
// answers the transfer protocols with what a test decides. The sending
// daemon must end each send as it stands, never take a word of the receiver
// for more than it says, and keep running.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { open as openFile } from 'node:fs/promises'
import { join } from 'node:path'
import { RECEIPT_PROTOCOL } from '../../src/protocol/constants.ts'
import { sendEnd } from '../../src/protocol/transfer.ts'
import { receiptPayload } from '../../src/transfer/receiver.ts'
import { cleanupAll, control as call, spawnCli, startDaemon, tempDir, waitFor, type TestDaemon } from '../helpers/daemon.ts'
import { pairedEvilPeer, type EvilPeer } from '../helpers/evil-peer.ts'

const GiB = 1024 ** 3

let sender: TestDaemon
let evil: EvilPeer
let sourceDir: string

beforeAll(async () => {
  sourceDir = await tempDir('ferry-abuse-receiver-')
  // the preview opens as the hashing starts: the receiver knows the transfer id before there is an offer
  sender = await startDaemon({ name: 'sender', env: { FERRY_PREVIEW: 'always' } })
  evil = await pairedEvilPeer(sender)
})

afterAll(async () => {
  await evil?.stop().catch(() => {})
  await cleanupAll()
})

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

describe('a receipt for a send not yet offered', () => {
  it('is refused while the send hashes (no root to sign for yet), and the real receipt that follows the offer still ends the send done (review finding: a TypeError, then every later receipt ignored and the send never ended)', async () => {
    // sparse: hashed for a few seconds, no disk used
    const src = join(sourceDir, 'big-sparse.bin')
    const fh = await openFile(src, 'w')
    await fh.truncate(8 * GiB)
    await fh.close()
    const sending = spawnCli(['send', 'evil', src, '--json', '--home', sender.home], { timeoutMs: 120_000 })
    const preview = await waitFor(() => evil.previewed[0], 'the sender to open its preview', 20_000)
    const id = hex(preview.transferId)
    // a "receipt" over the root a send has before its offer: none
    const early = { transferId: preview.transferId, status: 'done' as const, root: new Uint8Array(0), signature: await evil.privateKey.sign(receiptPayload(id, new Uint8Array(0))) }
    const refused = await sendEnd(await evil.open(sender, RECEIPT_PROTOCOL), early, 'sender').then(() => undefined, (err: Error & { code?: string }) => err)
    // the test means something only if the send was still hashing when it came
    expect((await call(sender, 'transfers')).find((t) => t.id === id)?.state, 'still hashing after the early receipt').toBe('hashing')
    expect(refused?.code, String(refused)).toBe('E_PROTOCOL')
    // the offer comes; the receiver's receipt for it ends the send
    const offer = await waitFor(() => evil.offered.find((o) => hex(o.transferId) === id), 'the sender to offer', 60_000)
    const real = { transferId: offer.transferId, status: 'done' as const, root: offer.root, signature: await evil.privateKey.sign(receiptPayload(id, offer.root)) }
    await sendEnd(await evil.open(sender, RECEIPT_PROTOCOL), real, 'sender')
    const done = await sending.done
    expect(done.code, done.stderr).toBe(0)
    const t = (await call(sender, 'transfers')).find((x) => x.id === id)
    expect(t).toMatchObject({ state: 'done', receipt: { verified: true } })
    expect(sender.proc.exitCode).toBeNull()
  })
})
