// `ferry connect ADDRESS`: a daemon reaches a device it does not find by
// itself (mDNS off here, as across a subnet or a VPN) without a restart with
// --peer, by the address people type (IP:port) or a multiaddr. Real daemons
// on 127.0.0.1 with mDNS off.

import { afterAll, describe, expect, it } from 'vitest'
import { connect, createServer } from 'node:net'
import { cleanupAll, peersOf, spawnCli, startDaemon, waitFor } from '../helpers/daemon.ts'

afterAll(cleanupAll)

describe('ferry connect', () => {
  it('reaches a device by IP:port, says whether it is paired, and pairing then needs no --peer; a paired device is dialled there again after it restarts; bad, unanswered and own addresses are said as such (notes\' leftover: a running daemon could be given no address)', async () => {
    let a = await startDaemon({ name: 'alpha' })
    let b = await startDaemon({ name: 'beta' })
    const port = Number(/\/tcp\/(\d+)/.exec(b.addr)![1])
    // nothing dialled yet: alpha knows no one
    expect(await peersOf(a)).toEqual([])
    const r = await a.cli(['connect', `127.0.0.1:${port}`])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe(`connected to beta (…${b.peerId.slice(-8)}): not paired: \`ferry pair\` shows a code here to type there, or type the one it shows with \`ferry pair CODE\`\n`)
    expect((await peersOf(a)).find((p) => p.peerId === b.peerId)).toMatchObject({ name: 'beta', online: true, paired: false })
    // online now: a code typed there finds this device without --peer
    const shown = spawnCli(['pair', '--json', '--home', a.home], { env: { FERRY_CODE: '' } })
    const code = await waitFor(() => /"code":"([^"]+)"/.exec(shown.stdout())?.[1], 'alpha to show a code', 15_000)
    const entered = await b.cli(['pair', code])
    expect(entered.code, entered.stderr).toBe(0)
    expect((await shown.done).code).toBe(0)
    // as a multiaddr too, with --json: the peer, now paired. At an address beta does not announce (a port forwarded to
    // it, as a router or `ssh -L` does, or a NAT): what alpha reached it at, not only what it says it listens on
    let target = port
    const forward = createServer((c) => { const to = connect(target, '127.0.0.1'); c.pipe(to).pipe(c); c.on('error', () => to.destroy()); to.on('error', () => c.destroy()) })
    await new Promise<void>((resolve) => forward.listen(0, '127.0.0.1', resolve))
    const forwarded = `/ip4/127.0.0.1/tcp/${(forward.address() as { port: number }).port}`
    try {
      const json = await a.cli(['connect', forwarded, '--json'])
      expect(json.code, json.stderr).toBe(0)
      expect(JSON.parse(json.stdout)).toMatchObject({ peerId: b.peerId, name: 'beta', online: true, paired: true })
      // both restart on other ports, beta reached only through the forward now (alpha's new port unknown to it):
      // alpha, given no --peer, dials it again at the address it was connected at (review finding: the peer's own
      // announcement replaced that address as it came, and alpha dialled only beta's old port, for good)
      await b.stop()
      a = await a.restart({ listen: undefined })
      b = await b.restart({ listen: undefined })
      target = Number(/\/tcp\/(\d+)/.exec(b.addr)![1])
      expect(target).not.toBe(port)
      await waitFor(async () => (await peersOf(a)).find((p) => p.peerId === b.peerId && p.online), 'alpha to reach beta again', 30_000)
    } finally { forward.close() }
    // a port where nothing listens, an address that is not one, and this daemon's own
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const freePort = (closed.address() as { port: number }).port
    await new Promise((resolve) => closed.close(resolve))
    const refused = await a.cli(['connect', `127.0.0.1:${freePort}`])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toBe(`ferry: E_PEER_UNREACHABLE: cannot reach /ip4/127.0.0.1/tcp/${freePort}: not online (127.0.0.1:${freePort} refuses connections: ferry there not running)\n`)
    const bad = await a.cli(['connect', 'not an address'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^ferry: E_BAD_REQUEST: not an address: "not an address"; give an IP address or host name/)
    const own = await a.cli(['connect', a.addr.replace(/\/p2p\/.*$/, '')])
    expect(own.code).toBe(1)
    expect(own.stderr).toMatch(/^ferry: E_PEER_UNREACHABLE: cannot reach .*: it is this device's own address/)
    const usage = await a.cli(['connect'])
    expect(usage.code).toBe(2)
  })
})
