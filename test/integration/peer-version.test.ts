// A device that runs another version of ferry (its /ferry/hello/2.0.0 where
// this one speaks /ferry/hello/1.0.0: one of two laptops updated) is told
// apart from a peer that is not ferry, by the protocols libp2p's identify
// says it speaks: `ferry peers` lists it as such, `ferry connect`, `ferry
// pair` and `ferry send` to it fail with E_PEER_VERSION naming both versions
// (notes' leftover: it was listed offline, or not at all; connect said "not
// ferry, or a ferry of another version", pair --peer "cannot reach …: could
// not negotiate /ferry/pair/1.0.0", send a failed transfer, E_PROTOCOL).
// A real daemon on 127.0.0.1 with mDNS off; the other version is a real
// libp2p node that speaks only protocols of another version.

import { afterAll, describe, expect, it } from 'vitest'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { HELLO_PROTOCOL } from '../../src/protocol/constants.ts'
import { otherVersionPeer } from '../helpers/evil-peer.ts'
import { cleanupAll, pairDaemons, peersOf, startDaemon, tempDir, transfersOf, waitFor } from '../helpers/daemon.ts'

afterAll(cleanupAll)

const FUTURE_HELLO = '/ferry/hello/2.0.0'
const UPDATE_HERE = `(it speaks ${FUTURE_HELLO}; this one ${HELLO_PROTOCOL}): update ferry on this device, so that both run the same version`

describe('a peer of another version of ferry', { timeout: 120_000 }, () => {
  it('is listed as such, and connect, pair and send to it say E_PEER_VERSION with both versions; it is this version again once it runs it', async () => {
    const a = await startDaemon({ name: 'alpha' })
    let b = await startDaemon({ name: 'beta' })
    await pairDaemons(a, b)
    await b.stop()
    // beta updated to a ferry whose protocols are all of another version: its key (and pairing) and address kept
    const key = privateKeyFromProtobuf(await readFile(join(b.home, 'identity.key')))
    const betaUpdated = await otherVersionPeer([FUTURE_HELLO, '/ferry/pair/2.0.0', '/ferry/offer/2.0.0'], { privateKey: key, listen: b.addr.replace(/\/p2p\/.*$/, '') })
    // a device never seen, of that version too
    const stranger = await otherVersionPeer([FUTURE_HELLO, '/ferry/pair/2.0.0'])
    const strangerAddr = stranger.getMultiaddrs()[0].toString().replace(/\/p2p\/.*$/, '')
    try {
      // alpha dials its paired beta again, and hears what it speaks
      const listed = await waitFor(async () => (await peersOf(a)).find((p) => p.peerId === b.peerId && 'otherVersion' in p), 'alpha to list beta as of another version', 30_000)
      expect(listed).toMatchObject({ name: 'beta', online: false, paired: true, otherVersion: { theirs: [FUTURE_HELLO], ours: HELLO_PROTOCOL } })
      const table = await a.cli(['peers'])
      expect(table.code, table.stderr).toBe(0)
      expect(table.stdout).toMatch(new RegExp(`^beta +${b.peerId} +other version +yes +now *$`, 'm'))
      expect(table.stdout).toContain(`\nbeta …${b.peerId.slice(-8)} runs another version of ferry ${UPDATE_HERE}\n`)

      // a send to it is refused at once: nothing hashed, no failed transfer left
      const dir = await tempDir()
      await writeFile(join(dir, 'notes.txt'), 'hi')
      const sent = await a.cli(['send', 'beta', join(dir, 'notes.txt')])
      expect(sent.code).toBe(1)
      expect(sent.stderr).toBe(`ferry: E_PEER_VERSION: beta runs another version of ferry ${UPDATE_HERE}\n`)
      expect(await transfersOf(a)).toEqual([])

      // connect and pair --peer to a device of another version
      const connected = await a.cli(['connect', strangerAddr])
      expect(connected.code).toBe(1)
      expect(connected.stderr).toBe(`ferry: E_PEER_VERSION: ${strangerAddr} answered as ${stranger.peerId.toString()}, but it runs another version of ferry ${UPDATE_HERE}\n`)
      const paired = await a.cli(['pair', '538-violin-zebra', '--peer', strangerAddr])
      expect(paired.code).toBe(1)
      expect(paired.stderr).toContain(`ferry: E_PEER_VERSION: ${strangerAddr} runs another version of ferry ${UPDATE_HERE}\n`)
      // with no --peer: no peer of this version online, and the one of another version said (not "no ferry peer is online")
      const pairedAny = await a.cli(['pair', '538-violin-zebra'])
      expect(pairedAny.code).toBe(1)
      expect(pairedAny.stderr).toContain(`ferry: E_PEER_VERSION: no ferry peer of this version is online: beta (…${b.peerId.slice(-8)}) runs another version of ferry ${UPDATE_HERE}\n`)

      // one that dials alpha (as mDNS would have it do) is listed while connected, unnamed (its hello unread), and
      // dropped with its connection
      await stranger.dial(multiaddr(a.addr))
      const unnamed = await waitFor(async () => (await peersOf(a)).find((p) => p.peerId === stranger.peerId.toString()), 'alpha to list the stranger', 15_000)
      expect(unnamed).toMatchObject({ name: '', online: false, paired: false, otherVersion: { theirs: [FUTURE_HELLO], ours: HELLO_PROTOCOL } })
      expect((await a.cli(['peers'])).stdout).toContain(`\nthe device …${stranger.peerId.toString().slice(-8)} runs another version of ferry ${UPDATE_HERE}\n`)
      await stranger.hangUp(multiaddr(a.addr))
      await waitFor(async () => (await peersOf(a)).every((p) => p.peerId !== stranger.peerId.toString()) || undefined, 'the stranger to leave alpha\'s list', 15_000)
    } finally {
      await betaUpdated.stop()
      await stranger.stop()
    }
    // beta runs this version again: online, and nothing of another version said
    b = await b.restart()
    const back = await waitFor(async () => (await peersOf(a)).find((p) => p.peerId === b.peerId && p.online), 'alpha to see beta online again', 30_000)
    expect(back).not.toHaveProperty('otherVersion')
  })
})
