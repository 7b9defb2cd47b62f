// A sender that freezes mid-transfer (SIGSTOP: a laptop lid closed, a
// process stuck), end to end on 127.0.0.1 with mDNS off: its receiver's
// libp2p connection monitor gets no answer to its pings and closes the
// connection, and the receive waits for the sender. What the receiving side
// says of it (its record in `ferry transfers`, `ferry wait`, its log) names
// who did not answer and for how long, in ferry's words (user-test finding:
// "E_TIMEOUT: The operation was aborted due to timeout", Node's text of an
// AbortSignal.timeout). Served at a capped rate
// (FERRY_TEST_SERVE_BYTES_PER_S), so that the fetch lasts seconds; it ends
// once the sender goes on. So for a receiver frozen as its sender begins:
// the sender's log says why its preview (FERRY_PREVIEW=always) was given up.

import { afterAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { connectControl } from '../../src/daemon/control/client.ts'
import type { TransferInfo } from '../../src/daemon/control/types.ts'
import { cleanupAll, pairDaemons, spawnCli, startDaemon, tempDir, waitFor, whileStopped } from '../helpers/daemon.ts'
import { writeRandomFile } from '../helpers/files.ts'

afterAll(cleanupAll)

const MiB = 1024 * 1024
const SIZE = 48 * MiB
const RATE = 8 * MiB
/** what the receiver's record says once the connection to its frozen sender was closed: the pings' 15-30 s timeout, 3 s apart */
const SAID = /^alpha did not answer for (\d+) s \(no reply to the connection's pings, sent every 3 s\), so the connection to it was closed: ferry there stopped or stuck, its device asleep, or the link down$/

/** what it says when a chunk stream it opens to the frozen sender gets no answer (its dial's words, as `ferry connect`'s) */
const DIAL_SAID = /^cannot reach alpha: no answer within 10 s \(ferry there stopped or busy, or its device asleep\)$/

describe('a sender frozen mid-transfer', () => {
  it('is said by its receiver as not answering, for how long, in ferry\'s words, not Node\'s "aborted due to timeout"', async () => {
    const a = await startDaemon({ name: 'alpha', env: { FERRY_TEST_SERVE_BYTES_PER_S: String(RATE) } })
    const b = await startDaemon({ name: 'beta', peers: [a.addr], extraArgs: ['--verbose'] })
    await pairDaemons(a, b)
    const src = join(await tempDir('ferry-src-'), 'clip.mov')
    await writeRandomFile(src, SIZE)
    const onB = await connectControl(b.home)
    try {
      const sending = spawnCli(['send', 'beta', src, '--json', '--home', a.home], { timeoutMs: 150_000 })
      const fetching = await waitFor(async () => (await onB.call('transfers')).find((t) => t.state === 'fetching' && t.doneBytes > 4 * MiB), 'beta to receive', 60_000, 20)
      /** the receive's states as beta's events said them, each one */
      const seen: TransferInfo[] = []
      const events = await connectControl(b.home)
      await events.subscribe((name, data) => { if (name === 'transfer') seen.push(data as TransferInfo) })
      const waiting = spawnCli(['wait', fetching.id, '--home', b.home], { timeoutMs: 150_000 })
      const listed = await whileStopped(a, async () => {
        // which says it first is a race (CI finding: the second, on a busy box): the connection's monitor, pinging every
        // 3 s and giving up after 15-30 s without an answer (E_TIMEOUT), or a chunk stream the receive opens meanwhile,
        // whose open gets no answer in 10 s (E_PEER_UNREACHABLE). Either in ferry's words; the first one said is
        // taken from the daemon's events, which a look at its list every so often could pass by
        const w = await waitFor(() => seen.find((t) => t.id === fetching.id && t.state === 'waiting'), 'beta to wait for the frozen alpha', 60_000, 100)
        return { w, cli: await b.cli(['transfers']) }
      })
      const said = listed.w.error!
      let words: string
      if (said.code === 'E_TIMEOUT') {
        expect(said.message).toMatch(SAID)
        const seconds = Number(SAID.exec(said.message)![1])
        expect(seconds).toBeGreaterThanOrEqual(15)
        expect(seconds).toBeLessThanOrEqual(40)
        words = `E_TIMEOUT: alpha did not answer for ${seconds} s`
      } else {
        expect(said).toMatchObject({ code: 'E_PEER_UNREACHABLE', message: expect.stringMatching(DIAL_SAID) })
        words = 'E_PEER_UNREACHABLE: cannot reach alpha: no answer within 10 s'
      }
      await waitFor(async () => (await onB.call('transfers')).find((t) => t.id === fetching.id && t.state === 'done'), 'the receive to end once alpha goes on', 90_000, 200)
      const waited = await waiting.done
      expect(waited.code, waited.stderr).toBe(0)
      expect(waited.stderr).toContain(`ferry: waiting for alpha (${words}`)
      expect((await sending.done).code).toBe(0)
      const interrupted = b.output().split('\n').filter((l) => l.includes('"msg":"transfer interrupted; will resume"'))
      expect(interrupted.length).toBeGreaterThan(0)
      for (const l of interrupted) expect(String(JSON.parse(l).err)).toMatch(new RegExp(`${SAID.source}|${DIAL_SAID.source}`))
      for (const text of [listed.cli.stdout, listed.cli.stderr, waited.stderr, ...interrupted]) expect(text).not.toMatch(/aborted due to timeout/i)
      events.close()
    } finally { onB.close() }
  }, 180_000)
})

describe('a receiver frozen as its sender begins', () => {
  it('is said in the sender\'s log, as the preview\'s dial is given up, as `ferry connect` says a dial that got no answer, not as Node\'s "aborted due to timeout"', async () => {
    const a = await startDaemon({ name: 'alpha', extraArgs: ['--verbose'], env: { FERRY_PREVIEW: 'always' } })
    const b = await startDaemon({ name: 'beta', peers: [a.addr] })
    await pairDaemons(a, b)
    const src = join(await tempDir('ferry-src-'), 'clip.mov')
    await writeRandomFile(src, 48 * MiB)
    const dropped = (): string[] => a.output().split('\n').filter((l) => l.includes('"msg":"preview given up; the offer follows the hashing"'))
    const sending = spawnCli(['send', 'beta', src, '--json', '--home', a.home], { timeoutMs: 150_000 })
    await whileStopped(b, async () => {
      // the preview's dial gives up after 10 s without an answer, before the ping's 15-30 s close the connection
      await waitFor(() => dropped().length > 0, 'alpha to give up its preview', 30_000, 200)
    })
    expect(String(JSON.parse(dropped()[0]).err)).toBe('cannot reach beta: no answer within 10 s (ferry there stopped or busy, or its device asleep)')
    expect((await sending.done).code).toBe(0)
  }, 180_000)
})
