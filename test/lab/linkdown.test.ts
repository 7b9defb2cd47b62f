// Lab: the link drops in the middle of a transfer. Two paired daemons in
// their own network namespaces (--peer with the lab IPs, mDNS off) send a
// ~300 MiB file; at ~30 % the receiver's interface goes down for 5 s and
// comes back. Nobody touches the transfer. Either TCP rides the outage out
// (the connection monitor pings every 3 s but waits 15–30 s for an answer,
// src/daemon/node.ts) and the receiver stays `fetching`, or the connection is
// dropped, the receiver goes `waiting`, the peer tables redial (every 2 s)
// once the link is back and it resumes by itself. Both end in a
// byte-identical file without a restart from zero.

import { afterAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { connectControl, type ControlClient } from '../../src/daemon/control/client.ts'
import type { TransferInfo } from '../../src/daemon/control/types.ts'
import { cleanupAll, spawnCli, startDaemon, tempDir, waitFor, type TestDaemon } from '../helpers/daemon.ts'
import { writeRandomFile } from '../helpers/files.ts'
import { createLab, labRequiredButMissing, type Lab } from '../helpers/lab.ts'
import { showCode } from '../helpers/pairing.ts'

const MiB = 1024 * 1024
const SIZE = 300 * MiB
const OUTAGE_MS = 5000

const skip = labRequiredButMissing()
let lab: Lab | undefined
let events: ControlClient | undefined

afterAll(async () => {
  events?.close()
  // kill the daemons (synchronously, inside cleanupAll), remove the namespaces, then the folders
  const cleaning = cleanupAll()
  lab?.down()
  await cleaning
})

describe.skipIf(skip != null)('lab: link down during a transfer', () => {
  it('a 5 s outage at ~30 % is ridden out: the receiver waits or keeps fetching, then resumes by itself and completes identical', { timeout: 100_000 }, async () => {
    lab = createLab(2)
    console.log(`lab ${lab.prefix}`)
    const [hs, hr] = lab.hosts
    const sender = await startDaemon({ name: 'lab-sender', netns: hs.ns, listen: `/ip4/${hs.ip}/tcp/0` })
    const receiver: TestDaemon = await startDaemon({ name: 'lab-receiver', netns: hr.ns, listen: `/ip4/${hr.ip}/tcp/0`, peers: [sender.addr] })
    const shown = await showCode(sender, { netns: hs.ns })
    const entered = await receiver.cli(['pair', '--json', '--peer', sender.addr], { env: { FERRY_CODE: shown.code } })
    expect(entered.code, entered.stderr).toBe(0)
    expect((await shown.cli.done).code).toBe(0)

    const src = join(await tempDir('ferry-linkdown-'), 'big.bin')
    await writeRandomFile(src, SIZE)

    // the receiver's transfer events, straight from its control socket (a Unix
    // socket: reachable from here whatever the receiver's network namespace does)
    events = await connectControl(receiver.home)
    let latest: TransferInfo | undefined
    let onProgress: (() => void) | undefined
    await events.subscribe((event, data) => {
      if (event !== 'transfer') return
      latest = data as TransferInfo
      onProgress?.()
    })
    const atThirty = new Promise<void>((resolve) => {
      onProgress = () => { if (latest != null && latest.direction === 'receive' && latest.doneBytes >= 0.3 * SIZE) resolve() }
    })

    const send = spawnCli(['send', receiver.peerId, src, '--json', '--home', sender.home], { netns: hs.ns, timeoutMs: 110_000 })
    await Promise.race([atThirty, send.done.then((r) => { throw new Error(`send ended before 30 %: ${r.code} ${r.stderr}`) })])
    onProgress = undefined
    lab.linkDown(1)
    const downAt = latest!.doneBytes
    expect(downAt).toBeLessThan(SIZE) // still running when the link went down
    const id = latest!.id

    // during the outage the receiver never gives up: it is fetching (stalled) or waiting for the peer
    const seen = new Set<string>()
    const outageEnds = Date.now() + OUTAGE_MS
    while (Date.now() < outageEnds) {
      const t = (await events.call('transfers')).find((x) => x.id === id)
      seen.add(t?.state ?? 'missing')
      await new Promise((r) => setTimeout(r, 250))
    }
    lab.linkUp(1)
    expect([...seen].filter((s) => s !== 'fetching' && s !== 'waiting'), `states during the outage: ${[...seen].join(', ')}`).toEqual([])

    const sent = await send.done
    expect(sent.code, sent.stderr).toBe(0)
    const summary = JSON.parse(sent.stdout) as { id: string, state: string, totalBytes: number, receipt?: { verified: boolean } }
    expect(summary).toMatchObject({ id, state: 'done', totalBytes: SIZE, receipt: { verified: true } })
    const done = await waitFor(async () => (await events!.call('transfers')).find((x) => x.id === id && x.state === 'done'), 'the receiver to show the transfer done', 10_000)
    expect(done.doneBytes).toBe(SIZE)
    // the outage cost at most what was in flight when the link went down (3 streams × (2 requested
    // batches of 4 MiB + 4 chunks being written), see resume.test.ts), not a restart from zero
    expect(done.wireBytes).toBeLessThanOrEqual(SIZE + 27 * MiB)
    // byte-identical (cmp exits 0 only then)
    const dest = join(receiver.receiveDir, 'big.bin')
    expect((await stat(dest)).size).toBe(SIZE)
    expect(spawnSync('cmp', ['-s', src, dest]).status).toBe(0)
    console.log(`lab ${lab.prefix}: link down at ${(100 * downAt / SIZE).toFixed(0)} %; receiver states during the outage: ${[...seen].join(', ')}; resumed: ${done.resumed}; wire ${(done.wireBytes / MiB).toFixed(1)} MiB`)
    await Promise.all([sender.stop(), receiver.stop()])
  })
})
