import { afterEach, describe, expect, it, vi } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MAX_UNPAIRED, PeerTable, UNPAIRED_KEPT_MS, unpairedToForget, type PeerEntry, type PeerTableInit } from '../../src/daemon/peer-table.ts'
import { dialledSelf } from '../../src/protocol/stream.ts'
import { openDb, PeerStore } from '../../src/store/index.ts'
import { answeredAsAnother, REDIAL_FAST_FOR_MS, REDIAL_FAST_MS, REDIAL_MAX_MS, REDIAL_STATIC_MAX_MS, RedialSchedule, type Failure } from '../../src/daemon/redial-schedule.ts'

/**
 * The peer table's 2 s timer from `start` until `until`, each tick `early` ms
 * early (a timer may fire so) and each dial starting `late` ms after its tick,
 * failing; the waits between dials.
 */
function waitsOver (s: RedialSchedule, key: string, start: number, until: number, how: Failure = {}, early = 0, late = 0): number[] {
  const dials: number[] = []
  for (let tick = start; tick <= until; tick += REDIAL_FAST_MS) {
    if (!s.due(key, tick - early)) continue
    dials.push(tick)
    s.failed(key, tick - early + late, how)
  }
  return dials.slice(1).map((t, i) => t - dials[i])
}

/** A peer table over stand-ins: `node` and `store` as each test makes them, a quiet log unless given, every peer paired unless said. */
function standInTable (o: { node: Record<string, unknown>, store: unknown, log?: Partial<Record<'debug' | 'info' | 'warn', (msg: string, o: Record<string, unknown>) => void>>, isPaired?: (id: string) => boolean, isAwaited?: (id: string) => boolean }): PeerTable {
  return new PeerTable({
    node: { peerId: { toString: () => '12D3KooWMe' }, handle: async () => {}, addEventListener: () => {}, ...o.node },
    store: o.store,
    log: { debug: () => {}, info: () => {}, warn: () => {}, ...o.log },
    name: 'me',
    version: '0',
    staticPeers: [],
    isPaired: o.isPaired ?? (() => true),
    isAwaited: o.isAwaited ?? (() => false)
  } as unknown as PeerTableInit)
}

describe('redial schedule', () => {
  it('a peer just gone is dialled every 2 s for a minute, then the wait doubles up to a minute', () => {
    const waits = waitsOver(new RedialSchedule(), 'p', 0, 10 * 60_000)
    const fast = waits.filter((w) => w === REDIAL_FAST_MS).length
    expect(fast).toBe(REDIAL_FAST_FOR_MS / REDIAL_FAST_MS)
    expect(waits.slice(fast, fast + 5)).toEqual([4000, 8000, 16_000, 32_000, REDIAL_MAX_MS])
    expect(waits.slice(fast + 5).every((w) => w === REDIAL_MAX_MS)).toBe(true)
    // ten minutes away: 30 fast dials, then a few a minute, where 300 dials were before
    expect(waits.length + 1).toBeLessThan(45)
  })

  it('a tick a few ms early, or a dial that starts a few ms after it, is still every 2 s (review finding: every 4 s)', () => {
    const waits = waitsOver(new RedialSchedule(), 'p', 0, REDIAL_FAST_FOR_MS - REDIAL_FAST_MS, {}, 3, 20)
    expect(waits.every((w) => w === REDIAL_FAST_MS)).toBe(true)
  })

  it('a peer a transfer waits for keeps the 2 s pace; a --peer address waits at most 10 s', () => {
    const awaited = waitsOver(new RedialSchedule(), 'p', 0, 10 * 60_000, { maxWait: REDIAL_FAST_MS })
    expect(awaited.every((w) => w === REDIAL_FAST_MS)).toBe(true)
    const named = waitsOver(new RedialSchedule(), '/ip4/10.0.0.2/tcp/4774', 0, 10 * 60_000, { maxWait: REDIAL_STATIC_MAX_MS })
    expect(Math.max(...named)).toBe(REDIAL_STATIC_MAX_MS)
  })

  it('a peer that came back (connected, or announced by mDNS) starts over at 2 s when it goes again', () => {
    const s = new RedialSchedule()
    waitsOver(s, 'p', 0, 5 * 60_000)
    expect(s.waitOf('p')).toBe(REDIAL_MAX_MS)
    s.reset('p')
    expect(s.due('p', 5 * 60_000 + 1)).toBe(true)
    s.failed('p', 5 * 60_000 + 1)
    expect(s.waitOf('p')).toBe(REDIAL_FAST_MS)
  })

  it('an address that answers with another identity waits the longest at once; other peers are not affected', () => {
    const s = new RedialSchedule()
    s.failed('old', 0, { another: true })
    expect(s.due('old', REDIAL_MAX_MS - 1000)).toBe(false)
    expect(s.due('old', REDIAL_MAX_MS)).toBe(true)
    expect(s.due('other', 1)).toBe(true)
  })

  it('tells a dial answered by another identity from other failures, also inside an AggregateError or as a cause; our own daemon answering is not another', () => {
    const self = '12D3KooWSelf'
    const noise = (key: string): Error => Object.assign(new Error(`Payload identity key ${key} does not match expected remote identity key 12D3KooWB`), { name: 'UnexpectedPeerError' })
    expect(answeredAsAnother(noise('12D3KooWA'), self)).toBe(true)
    expect(answeredAsAnother(new AggregateError([new Error('connect ECONNREFUSED 127.0.0.1:1'), noise('12D3KooWA')], 'All multiaddr dials failed'), self)).toBe(true)
    expect(answeredAsAnother(new Error('dial failed', { cause: noise('12D3KooWA') }), self)).toBe(true)
    // a daemon on 0.0.0.0 announces 127.0.0.1, where a redial of it reaches ours (review finding)
    expect(answeredAsAnother(new AggregateError([new Error('connect EHOSTUNREACH 10.0.0.2:4774'), noise(self)], 'All multiaddr dials failed'), self)).toBe(false)
    expect(answeredAsAnother(new Error('connect ECONNREFUSED 127.0.0.1:4774'), self)).toBe(false)
    expect(answeredAsAnother(Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }), self)).toBe(false)
    expect(answeredAsAnother(undefined, self)).toBe(false)
  })

  it('tells a dial that reached this daemon itself (a --peer address of its own) from other failures, also inside an AggregateError or as a cause', () => {
    const self = (): Error => Object.assign(new Error('Can not dial self'), { name: 'InvalidPeerIdError' })
    expect(dialledSelf(self())).toBe(true)
    expect(dialledSelf(new AggregateError([new Error('connect ECONNREFUSED 127.0.0.1:1'), self()], 'All multiaddr dials failed'))).toBe(true)
    expect(dialledSelf(new Error('dial failed', { cause: self() }))).toBe(true)
    expect(dialledSelf(Object.assign(new Error('Invalid peer id'), { name: 'InvalidPeerIdError' }))).toBe(false)
    expect(dialledSelf(new Error('connect ECONNREFUSED 127.0.0.1:4774'))).toBe(false)
    expect(dialledSelf(undefined)).toBe(false)
  })
})

describe('unpaired peers kept', () => {
  const peer = (peerId: string, lastSeen: number, online = false): PeerEntry => ({ peerId, name: peerId, addrs: [], online, lastSeen, version: '' })
  it('over the cap, the unpaired peers offline longest go; paired and online ones are never chosen', () => {
    const paired = new Set(['p'])
    const isPaired = (id: string): boolean => paired.has(id)
    const peers = [peer('p', 0), peer('old', 10), peer('here', 5, true), peer('newer', 20)]
    // three unpaired: none over 3, the one offline longest over 2, both offline over 1, never the online one
    expect(unpairedToForget(peers, isPaired, 3)).toEqual([])
    expect(unpairedToForget(peers, isPaired, 2)).toEqual(['old'])
    expect(unpairedToForget(peers, isPaired, 0)).toEqual(['old', 'newer'])
    expect(unpairedToForget([peer('p', 0), peer('here', 5, true), peer('there', 6, true)], isPaired, 1)).toEqual([])
    expect(MAX_UNPAIRED).toBeGreaterThanOrEqual(100)
  })
})

describe('the peer table forgets', () => {
  afterEach(() => { vi.useRealTimers() })

  it('says which peer it forgot, so that a subscribed TUI drops it while open (user-test finding: listed until it reconnected)', async () => {
    vi.useFakeTimers({ now: 1_000_000_000_000 })
    const removed: string[] = []
    const store = {
      // a guest unseen for 30 days less a minute, and a paired peer unseen for longer
      all: () => [
        { peerId: 'guest', name: 'guest', addrs: [], lastSeen: Date.now() - UNPAIRED_KEPT_MS + 60_000 },
        { peerId: 'nas', name: 'nas', addrs: [], lastSeen: Date.now() - 2 * UNPAIRED_KEPT_MS }
      ],
      remove: (id: string) => { removed.push(id) },
      upsert: () => {}
    }
    const table = standInTable({ node: {}, store, isPaired: (id: string) => id === 'nas' })
    const forgotten: string[] = []
    table.on('forgotten', (id) => { forgotten.push(id) })
    await table.start()
    try {
      expect(forgotten).toEqual([])
      // the hourly sweep after the guest's 30 days are up
      await vi.advanceTimersByTimeAsync(60 * 60 * 1000 + 2000)
      expect(forgotten).toEqual(['guest'])
      expect(removed).toEqual(['guest'])
      expect(table.list().map((p) => p.peerId)).toEqual(['nas'])
    } finally {
      table.stop()
    }
  })
})

async function waitForDials (dials: string[][], n: number): Promise<void> {
  for (let i = 0; i < 100 && dials.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 10))
}

describe('the address given with `ferry connect`', () => {
  it('is kept in the store with the peer, read back at start, and dialled first while the peer is paired and away; set to none, it is gone from the store (notes\' leftover: kept only while its connection was open)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-connect-addr-'))
    const db = openDb(join(dir, 'ferry.db'))
    const table = (store: PeerStore, dials: string[][]): PeerTable => standInTable({
      node: { dial: async (addrs: Array<{ toString: () => string }>) => { dials.push(addrs.map(String)); throw new Error('connect ECONNREFUSED') } },
      store
    })
    const id = '12D3KooWGivenAddrPeer'
    try {
      const store = new PeerStore(db)
      // as identify left it: the addresses the peer announces, which do not answer from here
      store.upsert({ peerId: id, name: 'vpn-box', addrs: ['/ip4/192.168.1.20/tcp/4774'], lastSeen: 1 })
      store.upsert({ peerId: 'other', name: 'other', addrs: ['/ip4/192.168.1.21/tcp/4774'], lastSeen: 1 })
      const before = table(store, [])
      before.setConnectAddr(id, '/ip4/10.8.0.5/tcp/4774')
      // identify's addresses written again (persist of the whole entry) keep it
      expect(store.all().find((r) => r.peerId === id)).toMatchObject({ connectAddr: '/ip4/10.8.0.5/tcp/4774', addrs: ['/ip4/192.168.1.20/tcp/4774'] })
      expect(store.all().find((r) => r.peerId === 'other')?.connectAddr).toBeUndefined()
      // a daemon started anew reads it back and dials it first
      const dials: string[][] = []
      const after = table(store, dials)
      expect(after.get(id)?.connectAddr).toBe('/ip4/10.8.0.5/tcp/4774')
      await after.start()
      await waitForDials(dials, 2)
      after.stop()
      expect(dials).toContainEqual([`/ip4/10.8.0.5/tcp/4774/p2p/${id}`, `/ip4/192.168.1.20/tcp/4774/p2p/${id}`])
      after.setConnectAddr(id, undefined)
      expect(after.get(id)?.connectAddr).toBeUndefined()
      expect(store.all().find((r) => r.peerId === id)?.connectAddr).toBeUndefined()
    } finally {
      db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('the redial of a paired peer away', () => {
  it('past its fast minute waits at most 10 s when `ferry connect` gave its address, as a --peer address does; 2 s while a transfer waits for it; else up to a minute (mutation finding: which one the table chose was untested)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-redial-waits-'))
    const db = openDb(join(dir, 'ferry.db'))
    vi.useFakeTimers({ toFake: ['Date'] })
    try {
      const store = new PeerStore(db)
      for (const id of ['given', 'awaited', 'plain']) store.upsert({ peerId: id, name: id, addrs: ['/ip4/192.168.1.20/tcp/4774'], lastSeen: 1 })
      const table = standInTable({ node: { dial: async () => { throw new Error('connect ECONNREFUSED') } }, store, isAwaited: (id) => id === 'awaited' })
      table.setConnectAddr('given', '/ip4/10.8.0.5/tcp/4774')
      const dial = (table as unknown as { dial: (id: string, addrs: unknown[]) => Promise<void> }).dial.bind(table)
      const schedule = (table as unknown as { schedule: RedialSchedule }).schedule
      // five minutes of dials, each as soon as the schedule lets it
      for (let now = 0; now <= 5 * 60_000; now += 1000) {
        vi.setSystemTime(now)
        for (const id of ['given', 'awaited', 'plain']) if (schedule.due(id, now)) await dial(id, [])
      }
      expect([schedule.waitOf('given'), schedule.waitOf('awaited'), schedule.waitOf('plain')]).toEqual([REDIAL_STATIC_MAX_MS, REDIAL_FAST_MS, REDIAL_MAX_MS])
      table.stop()
    } finally {
      vi.useRealTimers()
      db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('a peer that does not answer in time', () => {
  const timeout = (): Error => new DOMException('The operation was aborted due to timeout', 'TimeoutError')
  const table = (store: PeerStore, debug: Array<[string, Record<string, unknown>]>, listeners: Map<string, (evt: { detail: unknown }) => void>): PeerTable => standInTable({
    node: {
      addEventListener: (name: string, f: (evt: { detail: unknown }) => void) => { listeners.set(name, f) },
      dial: async () => { throw timeout() }
    },
    store,
    log: { debug: (msg: string, o: Record<string, unknown>) => { debug.push([msg, o]) } }
  })

  it('is logged, dialled, as no answer within 5 s, not as Node\'s "The operation was aborted due to timeout"; its hello stream not opened in time fails as E_TIMEOUT with its seconds (`ferry connect` says it)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferry-timeouts-'))
    const db = openDb(join(dir, 'ferry.db'))
    const debug: Array<[string, Record<string, unknown>]> = []
    const listeners = new Map<string, (evt: { detail: unknown }) => void>()
    try {
      const store = new PeerStore(db)
      store.upsert({ peerId: '12D3KooWAsleep', name: 'asleep', addrs: ['/ip4/192.168.1.20/tcp/4774'], lastSeen: 1 })
      const t = table(store, debug, listeners)
      await t.start()
      for (let i = 0; i < 100 && !debug.some(([m]) => m === 'dial failed'); i++) await new Promise((resolve) => setTimeout(resolve, 10))
      const conn = { direction: 'outbound', status: 'open', remotePeer: { toString: () => '12D3KooWAsleep' }, newStream: async () => { throw timeout() } }
      listeners.get('connection:open')!({ detail: conn })
      for (let i = 0; i < 100 && t.helloFailure(conn as never) === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 10))
      t.stop()
      const failed = debug.find(([m]) => m === 'dial failed')
      expect(failed?.[1].err).toBe('no answer within 5 s (ferry there stopped or busy, or its device asleep)')
      expect(t.helloFailure(conn as never)).toMatchObject({ code: 'E_TIMEOUT', message: 'no answer to the opening of a hello stream within 5 s' })
      expect(JSON.stringify(debug)).not.toMatch(/aborted due to timeout/)
    } finally {
      db.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
