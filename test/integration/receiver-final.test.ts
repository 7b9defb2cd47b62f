// What the receiving device shows of a receive once its sender has said
// the send done (its receipt verified), and so once `ferry send` there has
// exited 0: done, with its counts and its receipt final, at once, as a
// person or a script on the receiving device sees it when they look right
// after the send. The two paired daemons and the helpers are
// test/helpers/transfer.ts's.

import { describe, expect, it } from 'vitest'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { connectControl } from '../../src/daemon/control/client.ts'
import type { TransferInfo } from '../../src/daemon/control/types.ts'
import { control, spawnCli, tempDir, transfersOf } from '../helpers/daemon.ts'
import { a, b, transferDaemons } from '../helpers/transfer.ts'

transferDaemons()

/** small sends, each looked at as it ends: the receiver showed `verifying` at that moment in ~1 of 4 (a 0.3 % chance that 20 miss it) */
const SENDS = 20

function expectFinal (t: TransferInfo | undefined, size: number, how: string): void {
  expect(t, how).toBeDefined()
  expect({ state: t!.state, doneBytes: t!.doneBytes, files: t!.files, finished: typeof t!.finishedAt, receipt: typeof t!.receipt?.signature }, how)
    .toEqual({ state: 'done', doneBytes: size, files: 2, finished: 'number', receipt: 'string' })
  expect(t!.wireBytes, how).toBe(size)
}

describe('the receiver, once its sender said the send done', () => {
  it('shows the receive done with its counts and receipt: looked at as the sender says so (what `ferry send` exits 0 on), then through `ferry transfers --json` once `ferry send` exited (helper finding: it showed `verifying` until the ack of its receipt came back)', async () => {
    // the sender's word, as `ferry send` hears it: its events over the control socket
    const events = await connectControl(a.home)
    const sentDone = new Map<string, () => void>()
    await events.subscribe((event, data) => { const t = data as TransferInfo; if (event === 'transfer' && t.direction === 'send' && t.state === 'done') sentDone.get(t.label ?? '')?.() })
    try {
      for (let i = 0; i < SENDS; i++) {
        const name = `final-${i}`
        const dir = join(await tempDir('ferry-src-'), name)
        await mkdir(dir)
        await writeFile(join(dir, 'one.txt'), `one ${i}\n`)
        await writeFile(join(dir, 'two.txt'), `two ${i}\n`.repeat(1000))
        const size = `one ${i}\n`.length + `two ${i}\n`.length * 1000
        // read at that moment, before anything else runs here: what a `ferry send` that exits at once would leave to see
        let atDone: Promise<TransferInfo[]> | undefined
        const said = new Promise<void>((resolve) => { sentDone.set(name, () => { atDone ??= control(b, 'transfers'); resolve() }) })
        const sending = spawnCli(['send', 'beta', dir, '--json', '--home', a.home])
        const r = await sending.done
        expect(r.code, r.stderr).toBe(0)
        await said
        const id = (JSON.parse(r.stdout) as { id: string }).id
        expectFinal((await atDone!).find((t) => t.id === id), size, `send ${i}, as the sender said it done`)
        const cli = await b.cli(['transfers', '--json'])
        expect(cli.code, cli.stderr).toBe(0)
        expectFinal((JSON.parse(cli.stdout) as TransferInfo[]).find((t) => t.id === id), size, `send ${i}, \`ferry transfers --json\` after \`ferry send\` exited`)
      }
    } finally { events.close() }
  })

  it('lists through its control socket what `ferry transfers --json` prints (the tests\' transfersOf reads the socket)', async () => {
    // every transfer here has ended: nothing in the list moves between the two looks
    const [bySocket, byCli] = await Promise.all([transfersOf(b), b.cli(['transfers', '--json'])])
    expect(byCli.code, byCli.stderr).toBe(0)
    expect(bySocket.length).toBeGreaterThanOrEqual(SENDS)
    expect(JSON.parse(byCli.stdout)).toEqual(bySocket)
  })
})
