// What `ferry daemon --verbose` logs of a transfer, once each, on both
// sides: which peer (its name and the end of its peer ID), how many files
// and bytes, the receive folder, as a receive is accepted and a send
// starts, and how each ended (user-test finding: the log of an accepted
// offer gave ids alone, "receive planned", "transfer received"). At info,
// so a daemon without --verbose logs none of it (logger.ts). Two real
// daemons on 127.0.0.1, mDNS off.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { writeFile } from 'node:fs/promises'
import { cleanupAll, pairDaemons, spawnCli, startDaemon, tempDir, waitFor, type TestDaemon } from '../helpers/daemon.ts'
import { peerForLog } from '../../src/transfer/peer-log.ts'

let a: TestDaemon
let b: TestDaemon

beforeAll(async () => {
  a = await startDaemon({ name: 'alpha', extraArgs: ['--verbose'] })
  b = await startDaemon({ name: 'beta', peers: [a.addr], extraArgs: ['--verbose'] })
  await pairDaemons(a, b)
})

afterAll(async () => {
  await Promise.allSettled([a?.stop(), b?.stop()])
  await cleanupAll()
})

/** The JSON lines of `d`'s log with message `msg` for transfer `id`. */
function logged (d: TestDaemon, msg: string, id: string): Array<Record<string, unknown>> {
  return d.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === msg && l.id === id)
}

const tail = (peerId: string): string => `…${peerId.slice(-8)}`

describe('a transfer in the --verbose log', () => {
  it('names the peer, the files, the bytes and the receive folder once as it starts, and its outcome once as it ends', async () => {
    const dir = await tempDir('ferry-log-src-')
    await writeFile(join(dir, 'one.txt'), 'hello\n')
    await writeFile(join(dir, 'two.txt'), 'world!!\n')
    const r = await a.cli(['send', 'beta', join(dir, 'one.txt'), join(dir, 'two.txt'), '--json'])
    expect(r.code, r.stderr).toBe(0)
    const { id } = JSON.parse(r.stdout) as { id: string }
    await waitFor(() => logged(b, 'receive ended', id).length > 0 && logged(a, 'send ended', id).length > 0 ? true : undefined, 'both ends logged', 10_000, 50)
    expect(logged(a, 'send started', id)).toEqual([expect.objectContaining({ level: 'info', peer: `beta (${tail(b.peerId)})`, files: 2, bytes: 14 })])
    expect(logged(a, 'send ended', id)).toEqual([expect.objectContaining({ level: 'info', peer: `beta (${tail(b.peerId)})`, state: 'done', files: 2, bytes: 14 })])
    expect(logged(b, 'receive accepted', id)).toEqual([expect.objectContaining({ level: 'info', peer: `alpha (${tail(a.peerId)})`, files: 2, bytes: 14, receiveDir: b.receiveDir, by: 'auto-accept' })])
    expect(logged(b, 'receive ended', id)).toEqual([expect.objectContaining({ level: 'info', peer: `alpha (${tail(a.peerId)})`, state: 'done', files: 2, bytes: 14, receiveDir: b.receiveDir })])
  })

  it('logs an offer accepted by hand, and one declined with its code on both sides', async () => {
    expect((await b.cli(['auto-accept', 'alpha', 'off'])).code).toBe(0)
    try {
      const dir = await tempDir('ferry-log-src-')
      const ids: string[] = []
      for (const name of ['taken.txt', 'declined.txt']) {
        await writeFile(join(dir, name), name)
        const sending = spawnCli(['send', 'beta', join(dir, name), '--json', '--home', a.home], { timeoutMs: 30_000 })
        const offer = await waitFor(async () => JSON.parse((await b.cli(['offers', '--json'])).stdout).find((o: { names: string[] }) => o.names.includes(name)) as { id: string } | undefined, 'the offer on beta', 15_000, 100)
        expect((await b.cli([name === 'taken.txt' ? 'accept' : 'decline', offer.id])).code).toBe(0)
        await sending.done
        ids.push(offer.id)
      }
      const [taken, declined] = ids
      await waitFor(() => logged(a, 'send ended', declined).length > 0 ? true : undefined, 'the decline logged on alpha', 10_000, 50)
      expect(logged(b, 'receive accepted', taken)).toEqual([expect.objectContaining({ peer: `alpha (${tail(a.peerId)})`, files: 1, by: 'accept' })])
      expect(logged(b, 'receive accepted', declined)).toEqual([])
      expect(logged(b, 'receive ended', declined)).toEqual([expect.objectContaining({ state: 'declined', code: 'E_DECLINED' })])
      expect(logged(a, 'send ended', declined)).toEqual([expect.objectContaining({ peer: `beta (${tail(b.peerId)})`, state: 'declined', code: 'E_DECLINED' })])
    } finally {
      expect((await b.cli(['auto-accept', 'alpha', 'on'])).code).toBe(0)
    }
  })

  it('strips control characters from the peer\'s name, its own to choose', () => {
    expect(peerForLog('be\x1bta\n', '12D3KooWABCDEFGHIJKLMNOP')).toBe('beta (…IJKLMNOP)')
    expect(peerForLog('', '12D3KooWABCDEFGHIJKLMNOP')).toBe('…IJKLMNOP')
  })
})
