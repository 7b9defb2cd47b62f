// The version of a connection's peer asked at once, while identify's own run
// on the connection's opening is still going: identify takes one outgoing
// stream per connection at a time, so the question asked again is refused,
// and the answer is the one that run gives (CI finding: a `ferry pair
// --peer` to a device of another version said E_PEER_UNREACHABLE, "could not
// negotiate /ferry/pair/1.0.0", on a loaded box). Real libp2p nodes on
// 127.0.0.1; the peer table's store is a real one.

import { afterAll, describe, expect, it, vi } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { createNode, type FerryNode } from '../../src/daemon/node.ts'
import { PeerTable, type PeerTableInit } from '../../src/daemon/peer-table.ts'
import { openDb, PeerStore } from '../../src/store/index.ts'
import { otherVersionPeer } from '../helpers/evil-peer.ts'

const dir = mkdtempSync(join(tmpdir(), 'ferry-version-race-'))
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

describe('the version of a peer asked as its connection opens', { timeout: 60_000 }, () => {
  it('is the other version it runs, however identify\'s own run on the opening is placed; none for a peer that speaks no identify', async () => {
    const db = openDb(join(dir, 'ferry.db'))
    const node: FerryNode = await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, version: '0' })
    const table = new PeerTable({ node, store: new PeerStore(db), log: { debug: () => {}, info: () => {}, warn: () => {} } as any, name: 'me', version: '0', staticPeers: [], isPaired: () => false, isAwaited: () => false })
    try {
      await table.start()
      // a stranger anew each round: libp2p refuses more than 5 connections a second from one host
      for (let i = 0; i < 8; i++) {
        const stranger = await otherVersionPeer(['/ferry/hello/2.0.0', '/ferry/pair/2.0.0'])
        try {
          const conn = await node.dial(stranger.getMultiaddrs()[0])
          expect(await table.versionOf(conn), `round ${i}`).toEqual({ theirs: ['/ferry/hello/2.0.0'], ours: '/ferry/hello/1.0.0' })
        } finally {
          await stranger.stop()
        }
      }
      // and a peer that speaks neither ferry nor identify is of no other version
      const bare = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
      try {
        expect(await table.versionOf(await node.dial(bare.getMultiaddrs()[0]))).toBeUndefined()
      } finally {
        await bare.stop()
      }
    } finally {
      table.stop()
      await node.stop()
      db.close()
    }
  })
})

describe('the version of a peer whose identify refuses the question', () => {
  /** A peer table over a stand-in node whose identify answers with `answers`, one a call, in turn */
  const tableAsking = (answers: Array<Error | string[]>): { table: PeerTable, calls: () => number } => {
    let calls = 0
    const identify = async (): Promise<{ protocols: string[] }> => {
      const a = answers[Math.min(calls++, answers.length - 1)]
      if (a instanceof Error) throw a
      return { protocols: a }
    }
    const table = new PeerTable({
      node: { peerId: { toString: () => '12D3KooWMe' }, handle: async () => {}, addEventListener: () => {}, services: { identify: { identify } } },
      store: { all: () => [] },
      log: { debug: () => {}, info: () => {}, warn: () => {} },
      name: 'me', version: '0', staticPeers: [], isPaired: () => false, isAwaited: () => false
    } as unknown as PeerTableInit)
    return { table, calls: () => calls }
  }
  const named = (name: string): Error => Object.assign(new Error(name), { name })
  const conn = { remotePeer: { toString: () => '12D3KooWPeer' }, status: 'open' } as unknown as Parameters<PeerTable['versionOf']>[0]
  /** what versionOf gives before any timer fires: 'waiting' if it waits on one */
  const atOnce = async (p: Promise<unknown>): Promise<unknown> => await Promise.race([p, new Promise((resolve) => setImmediate(() => resolve('waiting')))])

  it('is asked again while refused for identify\'s own run, and not at all when the peer speaks no identify (its answer is at once: no timer runs)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] })
    try {
      const none = tableAsking([named('UnsupportedProtocolError')])
      expect(await atOnce(none.table.versionOf(conn))).toBeUndefined()
      expect(none.calls()).toBe(1)
      const unreadable = tableAsking([named('InvalidMessageError')])
      expect(await atOnce(unreadable.table.versionOf(conn))).toBeUndefined()
      // refused twice (our outgoing stream taken, then the peer's incoming one), answered the third time
      const busy = tableAsking([named('TooManyOutboundProtocolStreamsError'), named('UnexpectedEOFError'), ['/ipfs/id/1.0.0', '/ferry/hello/2.0.0']])
      const asked = busy.table.versionOf(conn)
      expect(await atOnce(asked)).toBe('waiting')
      await vi.advanceTimersByTimeAsync(100)
      expect(await asked).toEqual({ theirs: ['/ferry/hello/2.0.0'], ours: '/ferry/hello/1.0.0' })
      expect(busy.calls()).toBe(3)
    } finally {
      vi.useRealTimers()
    }
  })
})
