// Which peers `peers` lists, and the watch that tells subscribers (the TUI)
// when an unpaired peer drops out of that list by time alone: offline for
// over UNPAIRED_LISTED_MS (helper finding: the open TUI kept it listed).

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { isListed, UNPAIRED_LISTED_MS, UnlistedWatch } from '../../src/daemon/listed-peers.ts'
import type { ListedPeer } from '../../src/daemon/listed-peers.ts'

const HOUR = 60 * 60 * 1000

describe('UnlistedWatch', () => {
  beforeEach(() => { vi.useFakeTimers({ now: 1_000_000_000_000 }) })
  afterEach(() => { vi.useRealTimers() })

  it('says an unpaired offline peer is gone at the moment the list leaves it out, once; not a paired, online or already unlisted one', () => {
    const now = Date.now()
    const peers: ListedPeer[] = [
      { peerId: 'nas', paired: false, online: false, lastSeen: now - 23 * HOUR },
      { peerId: 'desktop', paired: true, online: false, lastSeen: now - 23 * HOUR },
      { peerId: 'phone', paired: false, online: true, lastSeen: now - 23 * HOUR },
      { peerId: 'old', paired: false, online: false, lastSeen: now - 48 * HOUR }
    ]
    const gone: Array<{ peerId: string, listed: string[] }> = []
    const listedNow = (): string[] => peers.filter((p) => isListed(p, Date.now())).map((p) => p.peerId)
    const watch = new UnlistedWatch({ peers: () => peers, onUnlisted: (peerId) => gone.push({ peerId, listed: listedNow() }) })
    watch.update()
    expect(listedNow()).toEqual(['nas', 'desktop', 'phone'])
    // still listed at the mark itself
    vi.advanceTimersByTime(HOUR)
    expect(gone).toEqual([])
    expect(listedNow()).toContain('nas')
    // one millisecond after: out of the list, and said so then, once
    vi.advanceTimersByTime(1)
    expect(gone).toEqual([{ peerId: 'nas', listed: ['desktop', 'phone'] }])
    vi.advanceTimersByTime(48 * HOUR)
    expect(gone).toHaveLength(1)
    watch.stop()
  })

  it('a peer that goes offline later, or is unpaired while offline, is watched from then (update after each change)', () => {
    const now = Date.now()
    const phone: ListedPeer = { peerId: 'phone', paired: false, online: true, lastSeen: now }
    const laptop: ListedPeer = { peerId: 'laptop', paired: true, online: false, lastSeen: now - 2 * HOUR }
    const gone: string[] = []
    const watch = new UnlistedWatch({ peers: () => [phone, laptop], onUnlisted: (peerId) => gone.push(peerId) })
    watch.update()
    vi.advanceTimersByTime(HOUR)
    phone.online = false
    phone.lastSeen = Date.now()
    watch.update()
    laptop.paired = false
    watch.update()
    // laptop: seen 3 h ago, out 21 h from now; phone: 24 h from now
    vi.advanceTimersByTime(21 * HOUR + 1)
    expect(gone).toEqual(['laptop'])
    vi.advanceTimersByTime(3 * HOUR)
    expect(gone).toEqual(['laptop', 'phone'])
    expect(UNPAIRED_LISTED_MS).toBe(24 * HOUR)
    watch.stop()
  })

  it('stops: no timer left to fire after the daemon stops', () => {
    const gone: string[] = []
    const watch = new UnlistedWatch({ peers: () => [{ peerId: 'nas', paired: false, online: false, lastSeen: Date.now() }], onUnlisted: (peerId) => gone.push(peerId) })
    watch.update()
    watch.stop()
    vi.advanceTimersByTime(48 * HOUR)
    expect(gone).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })
})
