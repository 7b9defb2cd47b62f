import { describe, expect, it } from 'vitest'
import { MAX_UNPAIRED, unpairedToForget, type PeerEntry } from '../../src/daemon/peer-table.ts'
import { answeredAsAnother, REDIAL_FAST_FOR_MS, REDIAL_FAST_MS, REDIAL_MAX_MS, RedialSchedule } from '../../src/daemon/redial-schedule.ts'

/** Fail `key` each time it is due, from `start` until `until`; the waits between dials. */
function waitsOver (s: RedialSchedule, key: string, start: number, until: number): number[] {
  const dials: number[] = []
  for (let now = start; now <= until; now += 100) {
    if (!s.due(key, now)) continue
    dials.push(now)
    s.failed(key, now)
  }
  return dials.slice(1).map((t, i) => t - dials[i])
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
    s.failed('old', 0, true)
    expect(s.due('old', REDIAL_MAX_MS - 1)).toBe(false)
    expect(s.due('old', REDIAL_MAX_MS)).toBe(true)
    expect(s.due('other', 1)).toBe(true)
  })

  it('tells a dial answered by another identity from other failures, also inside an AggregateError or as a cause', () => {
    const noise = Object.assign(new Error('Payload identity key 12D3KooWA does not match expected remote identity key 12D3KooWB'), { name: 'UnexpectedPeerError' })
    expect(answeredAsAnother(noise)).toBe(true)
    expect(answeredAsAnother(new AggregateError([new Error('connect ECONNREFUSED 127.0.0.1:1'), noise], 'All multiaddr dials failed'))).toBe(true)
    expect(answeredAsAnother(new Error('dial failed', { cause: noise }))).toBe(true)
    expect(answeredAsAnother(new Error('connect ECONNREFUSED 127.0.0.1:4774'))).toBe(false)
    expect(answeredAsAnother(Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }))).toBe(false)
    expect(answeredAsAnother(undefined)).toBe(false)
  })
})

describe('unpaired peers kept', () => {
  const peer = (peerId: string, lastSeen: number, online = false): PeerEntry => ({ peerId, name: peerId, addrs: [], online, lastSeen, version: '' })
  it('at the cap, a new unpaired peer replaces the unpaired one offline longest; paired and online ones are never chosen', () => {
    const paired = new Set(['p'])
    const isPaired = (id: string): boolean => paired.has(id)
    const peers = [peer('p', 0), peer('old', 10), peer('here', 5, true), peer('newer', 20)]
    expect(unpairedToForget(peers, isPaired, 4)).toBe(undefined)
    expect(unpairedToForget(peers, isPaired, 3)).toBe('old')
    expect(unpairedToForget([peer('p', 0), peer('here', 5, true), peer('there', 6, true)], isPaired, 2)).toBe(undefined)
    expect(MAX_UNPAIRED).toBeGreaterThanOrEqual(100)
  })
})
