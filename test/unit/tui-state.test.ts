// Unit tests for the TUI's pure parts: the reducer over control events and UI
// actions, key bindings, the event batcher, path checks and the formatters.

import { describe, expect, it, vi } from 'vitest'
import type { OfferInfo, PeerInfo, StatusInfo, TransferInfo } from '../../src/daemon/control/types.ts'
import { createBatcher } from '../../src/tui/connection.ts'
import {
  colorEnabled, displayWidth, fit, formatAgo, formatBytes, formatCountdown, formatDone, formatEta, formatRate, percent, progressBar,
  shortPeerId, supportsUnicode, truncate, truncatePath
} from '../../src/tui/format.ts'
import { ALL_KEYS, COMMAND_KEYS, helpText, isTyping, keyToCommands, pasteCommands } from '../../src/tui/keys.ts'
import { checkPaths, splitPaths } from '../../src/tui/paths.ts'
import { HISTORY_LIMIT, REPLACED_BY_ANOTHER, detailedTransfer, initialState, reduce, selectedOffer, selectedTransfer, sendablePeers } from '../../src/tui/state.ts'
import type { Action, TuiState } from '../../src/tui/state.ts'

const peer = (id: string, name: string, over: Partial<PeerInfo> = {}): PeerInfo =>
  ({ peerId: id, name, addrs: [], online: true, lastSeen: 1, paired: false, ...over })
const offer = (id: string): OfferInfo => ({ id, peerId: 'p', peerName: 'p', files: 1, totalBytes: 1, names: ['a'], receivedAt: 1 })
const xfer = (id: string, over: Partial<TransferInfo> = {}): TransferInfo => ({
  id, direction: 'receive', peerId: 'p', peerName: 'p', state: 'fetching', files: 1, totalBytes: 10, doneBytes: 1,
  wireBytes: 1, rate: 1, etaSeconds: 1, inFlight: [], root: 'r', createdAt: 1, resumed: false, ...over
})
const run = (actions: Action[], s: TuiState = initialState()): TuiState => actions.reduce(reduce, s)

describe('reduce', () => {
  it('a notice that points to a screen is not said once the user is on it (helper finding: "accepted — progress on screen 4", its answer come after 4 was typed ahead, stayed there, and on a small terminal took the transfer\'s rows)', () => {
    const on4 = run([{ type: 'screen', screen: 'transfers' }, { type: 'notice', text: 'accepted — progress on screen 4', unlessOn: 'transfers' }])
    expect(on4.notice).toBeUndefined()
    const on3 = run([{ type: 'screen', screen: 'offers' }, { type: 'notice', text: 'accepted — progress on screen 4', unlessOn: 'transfers' }])
    expect(on3.notice).toBe('accepted — progress on screen 4')
  })

  it('a notice about the daemon being away goes once it is connected again, not another said since (helper finding: "pasted text not used: the daemon is not running" beside "daemon connected")', () => {
    const down = run([{ type: 'connection', connection: 'down' }])
    const said = pasteCommands(down).commands.flatMap((c) => c.kind === 'action' ? [c.action] : [])
    const away = run(said, down)
    expect(away.notice).toMatch(/^pasted text not used: the daemon is not running/)
    expect(run([{ type: 'connection', connection: 'connected' }], away).notice).toBeUndefined()
    // one said after it stays
    const other = run([{ type: 'notice', text: 'declined' }, { type: 'connection', connection: 'connected' }], away)
    expect(other.notice).toBe('declined')
  })

  it('upserts and removes peers, keeping a stable order by name', () => {
    const s = run([
      { type: 'event', name: 'peer', data: peer('b', 'zed') },
      { type: 'event', name: 'peer', data: peer('a', 'amy') },
      { type: 'event', name: 'peer', data: peer('b', 'zed', { online: false }) }
    ])
    expect(s.peers.map((p) => p.peerId)).toEqual(['a', 'b'])
    expect(s.peers[1].online).toBe(false)
    expect(run([{ type: 'event', name: 'peer:removed', data: { peerId: 'a' } }], s).peers.map((p) => p.peerId)).toEqual(['b'])
  })

  it('adds and removes offers and clamps the selection', () => {
    let s = run([{ type: 'event', name: 'offer', data: offer('o1') }, { type: 'event', name: 'offer', data: offer('o2') },
      { type: 'screen', screen: 'offers' }, { type: 'move', delta: 5 }])
    expect(s.sel.offers).toBe(1)
    s = run([{ type: 'event', name: 'offer:removed', data: { id: 'o2' } }], s)
    expect(s.offers.map((o) => o.id)).toEqual(['o1'])
    expect(s.sel.offers).toBe(0)
  })

  it('moves finished transfers (done, failed, cancelled) to history, newest first', () => {
    let s = run([{ type: 'event', name: 'transfer', data: xfer('t1') }, { type: 'event', name: 'transfer', data: xfer('t2') }])
    expect(s.active.map((t) => t.id)).toEqual(['t1', 't2'])
    s = run([{ type: 'event', name: 'transfer', data: xfer('t1', { state: 'done' }) },
      { type: 'event', name: 'transfer', data: xfer('t2', { state: 'failed', error: { code: 'E_HASH_MISMATCH', message: 'x' } }) }], s)
    expect(s.active).toEqual([])
    expect(s.history.map((t) => `${t.id}:${t.state}`)).toEqual(['t2:failed', 't1:done'])
    // a late, older snapshot of a finished transfer does not bring it back
    s = run([{ type: 'event', name: 'transfer', data: xfer('t1', { state: 'fetching' }) }], s)
    expect(s.active).toEqual([])
  })

  it('updates an active transfer in place and caps history', () => {
    let s = run([{ type: 'event', name: 'transfer', data: xfer('a') }, { type: 'event', name: 'transfer', data: xfer('b') },
      { type: 'event', name: 'transfer', data: xfer('a', { doneBytes: 9 }) }])
    expect(s.active.map((t) => `${t.id}:${t.doneBytes}`)).toEqual(['a:9', 'b:1'])
    for (let i = 0; i < HISTORY_LIMIT; i++) s = reduce(s, { type: 'event', name: 'transfer', data: xfer(`h${i}`, { state: 'cancelled' }) })
    // all there were: History says its count alone
    expect(s.history).toHaveLength(HISTORY_LIMIT)
    expect(s.historyCut).toBe(false)
    for (let i = HISTORY_LIMIT; i < HISTORY_LIMIT + 5; i++) s = reduce(s, { type: 'event', name: 'transfer', data: xfer(`h${i}`, { state: 'cancelled' }) })
    expect(s.history).toHaveLength(HISTORY_LIMIT)
    // more kept than it holds: "latest" (user-test finding: "History (50)" read as all there were)
    expect(s.historyCut).toBe(true)
    expect(run([{ type: 'snapshot', status: undefined as never, peers: [], offers: [], transfers: Array.from({ length: HISTORY_LIMIT + 1 }, (_, i) => xfer(`s${i}`, { state: 'done' })) }]).historyCut).toBe(true)
    expect(run([{ type: 'snapshot', status: undefined as never, peers: [], offers: [], transfers: Array.from({ length: HISTORY_LIMIT }, (_, i) => xfer(`s${i}`, { state: 'done' })) }]).historyCut).toBe(false)
  })

  it('the transfer shown in details stays in History while shown, though fifty more end (review finding: its details closed by themselves, as it fell off the list)', () => {
    const ended = (id: string, at: number): TransferInfo => xfer(id, { state: 'done', finishedAt: at })
    let s = run([{ type: 'snapshot', status: undefined as never, peers: [], offers: [], transfers: [ended('old', 1)] },
      { type: 'screen', screen: 'transfers' }, { type: 'details', id: 'old' }])
    for (let i = 0; i < HISTORY_LIMIT + 5; i++) s = reduce(s, { type: 'event', name: 'transfer', data: ended(`h${i}`, 10 + i) })
    expect(s.history).toHaveLength(HISTORY_LIMIT)
    expect(detailedTransfer(s)?.id).toBe('old')
    expect(s.history.at(-1)?.id).toBe('old')
    // a snapshot (the daemon again after a restart) keeps it too
    s = run([{ type: 'snapshot', status: undefined as never, peers: [], offers: [], transfers: [ended('old', 1), ...s.history.filter((t) => t.id !== 'old').map((t) => ended(t.id, t.finishedAt ?? 0)), ended('n', 99)] }], s)
    expect(s.history).toHaveLength(HISTORY_LIMIT)
    expect(detailedTransfer(s)?.id).toBe('old')
    // shown no more: it goes the way of the others
    s = run([{ type: 'details' }, { type: 'event', name: 'transfer', data: ended('m', 100) }], s)
    expect(s.history.some((t) => t.id === 'old')).toBe(false)
  })

  it('the transfer selected on Transfers stays selected as others start and end: the selection is by the line, not its place (review finding: a line of History selected went to the one above it as a transfer began)', () => {
    const ended = (id: string, at: number): TransferInfo => xfer(id, { state: 'done', finishedAt: at })
    let s = run([{ type: 'snapshot', status: undefined as never, peers: [], offers: [], transfers: [ended('h1', 3), ended('h2', 2), ended('h3', 1)] },
      { type: 'screen', screen: 'transfers' }, { type: 'move', delta: 1 }])
    expect(selectedTransfer(s)?.id).toBe('h2')
    s = run([{ type: 'event', name: 'transfer', data: xfer('n1') }], s)
    expect(selectedTransfer(s)?.id).toBe('h2')
    s = run([{ type: 'event', name: 'transfer', data: ended('n1', 4) }], s)
    expect(selectedTransfer(s)?.id).toBe('h2')
    // one under way selected, and it ends: still the one selected, in History now
    s = run([{ type: 'event', name: 'transfer', data: xfer('n2') }, { type: 'event', name: 'transfer', data: xfer('n3') }, { type: 'move', delta: -9 }], s)
    expect(selectedTransfer(s)?.id).toBe('n2')
    s = run([{ type: 'event', name: 'transfer', data: ended('n2', 5) }], s)
    expect(selectedTransfer(s)?.id).toBe('n2')
    // gone from the lists: the place is kept, within them
    s = run([{ type: 'snapshot', status: undefined as never, peers: [], offers: [], transfers: [ended('h1', 3)] }], s)
    expect(selectedTransfer(s)?.id).toBe('h1')
  })

  it('lists paired peers first, then by name: an unpaired device seen once under the same name does not come first (user-test finding)', () => {
    const s = run([{ type: 'snapshot', status: { name: 'me' } as never, offers: [], transfers: [],
      peers: [peer('x', 'beta', { paired: false }), peer('y', 'beta', { paired: true }), peer('z', 'alpha', { paired: false })] }])
    expect(s.peers.map((p) => p.peerId)).toEqual(['y', 'z', 'x'])
  })

  it('splits a snapshot into active and history and records the daemon status', () => {
    const s = run([{ type: 'snapshot', status: { name: 'me' } as never, peers: [peer('a', 'a')], offers: [offer('o')],
      transfers: [xfer('x', { state: 'done', finishedAt: 5 }), xfer('y')] }])
    expect(s.self?.name).toBe('me')
    expect(s.active.map((t) => t.id)).toEqual(['y'])
    expect(s.history.map((t) => t.id)).toEqual(['x'])
  })

  it('a code shown before the connection to the daemon was lost ends with the new snapshot: the daemon cancelled it, or restarted without it (user-test finding: it stayed on screen, counting down)', () => {
    const snap: Action = { type: 'snapshot', status: { name: 'me' } as never, peers: [], offers: [], transfers: [] }
    let s = run([snap, { type: 'pairShown', entry: 'k', state: { id: 'p', role: 'show', phase: 'waiting', code: '1-a-b', expiresAt: 9 } }])
    s = run([{ type: 'connection', connection: 'down' }, snap], s)
    expect(s.pairing).toMatchObject({ id: 'p', phase: 'cancelled', error: { code: 'E_CANCELLED', message: expect.stringMatching(/no longer works/) } })
    // a code being exchanged goes on in the daemon, and one entered here (its mark given back) is the daemon's to end: left as they are
    s = run([{ type: 'pairEntering', entry: 'm' }, { type: 'event', name: 'pairing', data: { id: 'q', role: 'enter', phase: 'waiting', tag: 'm' } }, snap], s)
    expect(s.pairing).toMatchObject({ id: 'q', phase: 'waiting' })
  })

  it('merges pairing updates and never goes back from an outcome', () => {
    let s = run([{ type: 'pairShown', entry: 'k', state: { id: 'p', role: 'show', phase: 'waiting', code: '1-a-b', expiresAt: 9 } },
      { type: 'event', name: 'pairing', data: { id: 'p', role: 'show', phase: 'paired' } }])
    expect(s.pairing).toMatchObject({ phase: 'paired', code: '1-a-b' })
    s = run([{ type: 'event', name: 'pairing', data: { id: 'p', role: 'show', phase: 'waiting' } }], s)
    expect(s.pairing?.phase).toBe('paired')
    s = run([{ type: 'pairEntering', entry: 'm' }, { type: 'event', name: 'pairing', data: { id: 'q', role: 'enter', phase: 'waiting', tag: 'm' } }], s)
    expect(s.pairing?.id).toBe('q')
    // another client's code (no mark, or not one of this TUI's) is not this screen's pairing; one that paired is said on the notice line
    s = run([{ type: 'event', name: 'pairing', data: { id: 'r', role: 'enter', phase: 'exchanging' } },
      { type: 'event', name: 'pairing', data: { id: 'r2', role: 'enter', phase: 'failed', tag: 'not-mine' } }], s)
    expect(s.pairing?.id).toBe('q')
    expect(s.notice).toBeUndefined()
    s = run([{ type: 'pairAnswer', entry: 'm' }, { type: 'event', name: 'pairing', data: { id: 'r', role: 'enter', phase: 'paired', peer: { peerId: 'P', name: 'alpha', fingerprint: 'f' } } }], s)
    expect(s.pairing?.id).toBe('q')
    expect(s.notice).toMatch(/^paired with alpha by another client of this daemon/)
  })

  it('a code another client shows is not the code this TUI shows: the one it replaced says so (notes\' leftover), by mark or, from an older daemon, by the answer', () => {
    const shown = (id: string, over: object = {}): Action => ({ type: 'event', name: 'pairing', data: { id, role: 'show', phase: 'waiting', code: `1-${id}-x`, ...over } })
    const replaced = (id: string, by: string, over: object = {}): Action => ({ type: 'event', name: 'pairing', data: { id, role: 'show', phase: 'cancelled', replacedBy: by, error: { code: 'E_CANCELLED', message: 'replaced by a newer code' }, ...over } })
    // marked: this TUI's own by its mark, before the answer; another client's code, marked or not, leaves it in place, said replaced
    let s = run([{ type: 'pairShowing', entry: 'k1' }, shown('a', { tag: 'k1' }), { type: 'pairShown', entry: 'k1', state: { id: 'a', role: 'show', phase: 'waiting', code: '1-a-x', tag: 'k1' } }])
    expect(s.pairing).toMatchObject({ id: 'a', phase: 'waiting', code: '1-a-x' })
    s = run([replaced('a', 'b', { tag: 'k1' }), shown('b', { tag: 'cli' })], s)
    expect(s.pairing).toMatchObject({ id: 'a', phase: 'cancelled', code: '1-a-x', error: { message: REPLACED_BY_ANOTHER } })
    // its own next code replaces it as before; an unmarked code of another client (an older `ferry pair`) is another's too
    s = run([{ type: 'pairShowing', entry: 'k2' }, replaced('b', 'c'), shown('c', { tag: 'k2' }), { type: 'pairShown', entry: 'k2' }], s)
    expect(s.pairing).toMatchObject({ id: 'c', phase: 'waiting', tag: 'k2' })
    s = run([replaced('c', 'd', { tag: 'k2' }), shown('d')], s)
    expect(s.pairing).toMatchObject({ id: 'c', phase: 'cancelled', error: { message: REPLACED_BY_ANOTHER } })
    // the code that replaced it pairs a device: said on the notice line too (user-test finding: said nowhere)
    const pairedByIt = run([{ type: 'event', name: 'pairing', data: { id: 'd', role: 'show', phase: 'paired', code: '1-d-x', peer: { peerId: 'B', name: 'beta', fingerprint: 'f' } } }], s)
    expect(pairedByIt.pairing).toMatchObject({ id: 'c', phase: 'cancelled', error: { message: REPLACED_BY_ANOTHER } })
    expect(pairedByIt.notice).toMatch(/^paired with beta by another client of this daemon/)
    // an older daemon (no marks, no replacedBy): its event of this TUI's code comes before the answer, which makes it this TUI's
    s = run([{ type: 'pairShowing', entry: 'k3' }, shown('e'), { type: 'pairShown', entry: 'k3', state: { id: 'e', role: 'show', phase: 'waiting', code: '1-e-x' } }], s)
    expect(s.pairing).toMatchObject({ id: 'e', phase: 'waiting', tag: 'k3' })
    s = run([{ type: 'event', name: 'pairing', data: { id: 'e', role: 'show', phase: 'cancelled', error: { code: 'E_CANCELLED', message: 'replaced by a newer code' } } }, shown('f')], s)
    expect(s.pairing).toMatchObject({ id: 'e', phase: 'cancelled', code: '1-e-x', error: { message: 'replaced by a newer code' } })
    // another client's shown code that pairs: said on the notice line, not on Pair
    s = run([{ type: 'event', name: 'pairing', data: { id: 'f', role: 'show', phase: 'paired', peer: { peerId: 'P', name: 'alpha', fingerprint: 'f' } } }], s)
    expect(s.pairing?.id).toBe('e')
    expect(s.notice).toMatch(/^paired with alpha by another client of this daemon/)
  })

  it('cycles screens both ways and picks a paired peer to send to', () => {
    expect(run([{ type: 'screen:step', delta: -1 }]).screen).toBe('send')
    expect(run([{ type: 'screen:step', delta: 1 }]).screen).toBe('pair')
    let s = run([{ type: 'event', name: 'peer', data: peer('a', 'a', { paired: true }) },
      { type: 'event', name: 'peer', data: peer('b', 'b') }, { type: 'event', name: 'peer', data: peer('c', 'c', { paired: true }) }])
    expect(sendablePeers(s).map((p) => p.peerId)).toEqual(['a', 'c'])
    expect(s.sendTo).toBe('a')
    s = run([{ type: 'screen', screen: 'send' }, { type: 'move', delta: 1 }], s)
    expect(s.sendTo).toBe('c')
    s = run([{ type: 'event', name: 'peer:removed', data: { peerId: 'c' } }], s)
    expect(s.sendTo).toBe('a')
  })

  it('picks an online peer to send to before an offline one listed above it: a device\'s old identity, set up anew under its name (review finding: Enter sent to it)', () => {
    const s = run([{ type: 'snapshot', status: {} as StatusInfo, peers: [peer('12D3KooWAAAold', 'alice', { paired: true, online: false }), peer('12D3KooWBBBnew', 'alice', { paired: true })], offers: [], transfers: [] }])
    expect(sendablePeers(s).map((p) => p.peerId)).toEqual(['12D3KooWAAAold', '12D3KooWBBBnew'])
    expect(s.sendTo).toBe('12D3KooWBBBnew')
    // with none online, the first
    expect(run([{ type: 'event', name: 'peer', data: peer('x', 'x', { paired: true, online: false }) }]).sendTo).toBe('x')
  })

  it('keeps the last error until cleared, and typing clears the missing-path list', () => {
    let s = run([{ type: 'error', error: { code: 'E_NOT_PAIRED', message: 'no' } }, { type: 'missing', paths: ['x'] }])
    expect(s.lastError?.code).toBe('E_NOT_PAIRED')
    s = run([{ type: 'input', field: 'sendPaths', value: 'y' }, { type: 'clear' }], s)
    expect(s.missing).toEqual([])
    expect(s.lastError).toBeUndefined()
  })
})

describe('peer renamed', () => {
  it('the transfers with a peer seen under a new name show that name, as `ferry transfers` does (review finding: the history kept the old one)', () => {
    let s = run([{ type: 'event', name: 'transfer', data: xfer('t1', { peerId: 'p1', peerName: 'old', state: 'done' }) }, { type: 'event', name: 'transfer', data: xfer('t2', { peerId: 'p2', peerName: 'other' }) }])
    s = run([{ type: 'event', name: 'peer', data: peer('p1', 'new') }], s)
    expect(s.history.map((t) => t.peerName)).toEqual(['new'])
    expect(s.active.map((t) => t.peerName)).toEqual(['other'])
  })
})

describe('keys', () => {
  const connected = (over: Partial<TuiState> = {}): TuiState => initialState({ connection: 'connected', ...over })
  it('maps global keys', () => {
    expect(keyToCommands(connected(), 'q', {})).toEqual([{ kind: 'quit' }])
    expect(keyToCommands(connected(), 'c', { ctrl: true })).toEqual([{ kind: 'quit' }])
    expect(keyToCommands(connected(), 'z', { ctrl: true })).toEqual([{ kind: 'suspend' }])
    expect(keyToCommands(connected({ screen: 'send' }), 'z', { ctrl: true })).toEqual([{ kind: 'suspend' }])
    expect(keyToCommands(initialState({ connection: 'down' }), 'z', { ctrl: true })).toEqual([{ kind: 'suspend' }])
    expect(keyToCommands(connected(), '3', {})).toEqual([{ kind: 'action', action: { type: 'screen', screen: 'offers' } }])
    expect(keyToCommands(connected(), '', { tab: true, shift: true })).toEqual([{ kind: 'action', action: { type: 'screen:step', delta: -1 } }])
  })
  it('? says every screen\'s keys, on any screen, not in a field (helper finding: ? did nothing; the help line lists only the keys that act here)', () => {
    for (const screen of ['peers', 'pair', 'offers', 'transfers'] as const) {
      expect(keyToCommands(connected({ screen }), '?', {})).toEqual([{ kind: 'action', action: { type: 'notice', text: ALL_KEYS } }])
    }
    expect(ALL_KEYS).toMatch(/a accept, d decline/)
    // in a field (Send's paths, Pair's code) it is a character typed
    expect(keyToCommands(connected({ screen: 'send' }), '?', {})).toEqual([])
    expect(keyToCommands(connected({ screen: 'pair', pairMode: 'enter' }), '?', {})).toEqual([])
  })

  it('a paste while the daemon is down says that is why it is not used, not to go to 5 (Send) where it already is (found using the TUI: text typed on Send while its daemon was stopped)', () => {
    for (const [connection, is] of [['down', 'not running'], ['unresponsive', 'not answering']] as const) {
      const { commands, into } = pasteCommands(initialState({ connection, screen: 'send' }))
      expect(into).toBeUndefined()
      expect(commands).toEqual([{ kind: 'action', action: { type: 'notice', text: `pasted text not used: the daemon is ${is}; paste it again once it is back`, untilBack: true } }])
    }
    // with the daemon there, as before
    expect(pasteCommands(connected({ screen: 'offers' })).commands).toEqual([{ kind: 'action', action: { type: 'notice', text: 'pasted text not used here: files to send go on 5 (Send), a code on 2 (Pair)' } }])
  })
  it('lets text fields have letters and digits while typing', () => {
    const s = connected({ screen: 'send' })
    expect(isTyping(s)).toBe(true)
    expect(keyToCommands(s, 'q', {})).toEqual([])
    expect(keyToCommands(s, '2', {})).toEqual([])
    expect(keyToCommands(s, '', { escape: true })).toEqual([{ kind: 'action', action: { type: 'screen', screen: 'peers' } }])
    expect(helpText(s)).toContain('Enter send')
  })
  it('the help line offers only the keys that do something now (review finding: "c cancel" with nothing to cancel)', () => {
    expect(helpText(connected({ screen: 'transfers' }))).toBe('Tab/1-5 screens · q quit')
    expect(helpText(connected({ screen: 'transfers', active: [xfer('t1')] }))).toBe('↑↓ select · Enter details · c cancel · Tab/1-5 screens · q quit')
    // one of History selected: it has ended, nothing to cancel; shown whole, Esc goes back
    const ended = { ...xfer('t2'), state: 'done' as const }
    expect(helpText(connected({ screen: 'transfers', history: [ended] }))).toBe('↑↓ select · Enter details · Tab/1-5 screens · q quit')
    expect(helpText(connected({ screen: 'transfers', history: [ended], details: 't2' }))).toBe('Esc back · Tab/1-5 screens · q quit')
    expect(helpText(connected({ screen: 'transfers', active: [xfer('t1')], details: 't1' }))).toBe('Esc back · c cancel · Tab/1-5 screens · q quit')
    // u and s only with a paired peer selected; p pairs with any (user-test finding: u and s offered for an unpaired one)
    expect(helpText(connected())).toBe('p pair · Tab/1-5 screens · q quit')
    const twoPeers = [peer('x', 'x', { paired: true }), peer('y', 'y')]
    expect(helpText(connected({ peers: twoPeers }))).toBe('↑↓ select · p pair · u unpair · s send · a ask first · Tab/1-5 screens · q quit')
    // a switches auto-accept: offered as what it does to this peer
    expect(helpText(connected({ peers: [peer('x', 'x', { paired: true, autoAccept: false })] }))).toContain('s send · a auto-accept ·')
    expect(helpText(connected({ peers: twoPeers, sel: { peers: 1, offers: 0, transfers: 0 } }))).toBe('↑↓ select · p pair · Tab/1-5 screens · q quit')
    expect(helpText(connected({ screen: 'offers' }))).not.toContain('accept')
    expect(helpText(connected({ screen: 'offers', offers: [offer('o1')] }))).toContain('a accept · d decline')
    const shown = { id: 'p', role: 'show', phase: 'waiting', code: '1-a-b' } as const
    expect(helpText(connected({ screen: 'pair', pairMode: 'show', pairing: shown }))).toContain('c cancel')
    expect(helpText(connected({ screen: 'pair', pairMode: 'show', pairing: { ...shown, phase: 'cancelled' } }))).not.toContain('c cancel')
  })
  it('acts on the selected row', () => {
    const s = connected({ screen: 'offers', offers: [offer('o1'), offer('o2')], sel: { peers: 0, offers: 1, transfers: 0 } })
    expect(keyToCommands(s, 'a', {})).toEqual([{ kind: 'op', op: { op: 'accept', id: 'o2' } }])
    // decline asks first (its key again declines)
    expect(keyToCommands({ ...s, armed: 'decline:o2' }, 'd', {})).toEqual([{ kind: 'action', action: { type: 'disarm' } }, { kind: 'op', op: { op: 'decline', id: 'o2' } }])
    const p = connected({ peers: [peer('x', 'x', { paired: true })] })
    expect(keyToCommands(p, 'p', {})).toEqual([{ kind: 'action', action: { type: 'screen', screen: 'pair' } }])
  })
  it('asks before a step that cannot be undone: the same key again unpairs or cancels, any other key forgets it', () => {
    let p = connected({ peers: [peer('x', 'x', { paired: true })] })
    const first = keyToCommands(p, 'u', {})
    expect(first).toEqual([{ kind: 'action', action: { type: 'arm', key: 'unpair:x', text: 'press u again to unpair x; any other key keeps it' } }])
    p = run(first.map((c) => (c as { action: Action }).action), p)
    expect(p.notice).toMatch(/press u again/)
    expect(keyToCommands(p, 'u', {})).toEqual([{ kind: 'action', action: { type: 'disarm' } }, { kind: 'op', op: { op: 'unpair', peer: 'x' } }])
    // another key: forgotten, and that key does its own thing
    expect(keyToCommands(p, 'p', {})).toEqual([{ kind: 'action', action: { type: 'disarm' } }, { kind: 'action', action: { type: 'screen', screen: 'pair' } }])
    expect(run([{ type: 'disarm' }], p)).toMatchObject({ armed: undefined, notice: undefined })

    let t = connected({ screen: 'transfers', active: [xfer('t1', { state: 'fetching' })] })
    const ask = keyToCommands(t, 'c', {})
    expect(ask).toHaveLength(1)
    expect(ask[0]).toMatchObject({ kind: 'action', action: { type: 'arm', key: 'cancel:t1' } })
    t = run([(ask[0] as { action: Action }).action], t)
    expect(keyToCommands(t, 'c', {})).toEqual([{ kind: 'action', action: { type: 'disarm' } }, { kind: 'op', op: { op: 'cancel', id: 't1' } }])
  })
  it('unpairing a peer with transfers under way or offers waiting says, when it asks, that they stop (user-test finding: a send at 34 % failed E_NOT_PAIRED, asked nothing of it)', () => {
    const base = { peers: [peer('x', 'x', { paired: true }), peer('y', 'y', { paired: true })] }
    const withX = connected({ ...base, active: [xfer('t1', { peerId: 'x' }), xfer('t2', { peerId: 'x', direction: 'send' }), xfer('o1', { peerId: 'x', state: 'offered' }), xfer('t3', { peerId: 'y' })], offers: [{ ...offer('o1'), peerId: 'x' }] })
    expect(keyToCommands(withX, 'u', {})).toEqual([{ kind: 'action', action: { type: 'arm', key: 'unpair:x', text: 'press u again to unpair x, which stops its 2 transfers under way and 1 offer waiting here; any other key keeps it' } }])
    // none with it: said as before
    expect(keyToCommands(connected({ ...base, active: [xfer('t3', { peerId: 'y' })] }), 'u', {})).toEqual([{ kind: 'action', action: { type: 'arm', key: 'unpair:x', text: 'press u again to unpair x; any other key keeps it' } }])
  })
  it('the peer unpaired stays selected as the list is sorted again, not the paired one that moved up to its line (user-test finding: a second `u u` would have unpaired that one)', () => {
    let s = connected({ peers: [peer('b', 'beta', { paired: true }), peer('g', 'gamma', { paired: true })] })
    expect(s.sel.peers).toBe(0)
    s = run([{ type: 'unpaired', peerId: 'b' }], s)
    expect(s.peers.map((p) => p.peerId)).toEqual(['g', 'b'])
    expect(s.sel.peers).toBe(1)
    // so `u` there says it is not paired, and asks nothing of gamma
    expect(keyToCommands(s, 'u', {})).toEqual([{ kind: 'action', action: { type: 'notice', text: 'beta is not paired — press p to pair by code' } }])
    // and as the daemon's events move it
    s = run([{ type: 'event', name: 'peer', data: peer('a', 'alpha', { paired: true }) }], s)
    expect(s.peers[s.sel.peers].peerId).toBe('b')
  })
  it('the offer selected on Offers stays selected as one above it goes, and one withdrawn is said, its removal coming first, as the daemon sends them (user-test finding: the selection moved to another offer, `a` accepting one never chosen, and no word of the withdrawal)', () => {
    const three = ['o1', 'o2', 'o3'].map((id, i) => ({ ...offer(id), peerId: 'a', peerName: 'alpha', files: i + 2, totalBytes: 8 }))
    let s = connected({ screen: 'offers', offers: three })
    s = { ...s, sel: { ...s.sel, offers: 1 } }
    expect(selectedOffer(s)?.id).toBe('o2')
    s = run(keyToCommands(s, 'd', {}).map((c) => (c as { action: Action }).action), s)
    expect(s.armed).toBe('decline:o2')
    // alpha withdraws o1: its offer is removed, then its receive ends cancelled by alpha (no offered receive listed)
    s = run([{ type: 'event', name: 'offer:removed', data: { id: 'o1' } }, { type: 'event', name: 'transfer', data: xfer('o1', { direction: 'receive', peerId: 'a', peerName: 'alpha', state: 'cancelled', endedBy: 'peer', files: 2, totalBytes: 8 }) }], s)
    expect(selectedOffer(s)?.id).toBe('o2')
    expect(s.notice).toBe('alpha withdrew its offer (2 files, 8 B)')
    // the question asked of o2 still stands, and the second `d` declines o2
    expect(s.armed).toBe('decline:o2')
    expect(keyToCommands(s, 'd', {})).toContainEqual({ kind: 'op', op: { op: 'decline', id: 'o2' } })
    // an offer accepted (gone from Offers as its receive runs), whose sender cancels it later, was not withdrawn (review finding)
    s = run([{ type: 'event', name: 'offer:removed', data: { id: 'o3' } }, { type: 'event', name: 'transfer', data: xfer('o3', { direction: 'receive', peerId: 'a', peerName: 'alpha', state: 'fetching', files: 4, totalBytes: 8 }) }, { type: 'notice', text: 'accepted' } as Action], s)
    s = run([{ type: 'event', name: 'transfer', data: xfer('o3', { direction: 'receive', peerId: 'a', peerName: 'alpha', state: 'cancelled', endedBy: 'peer', files: 4, totalBytes: 8 }) }], s)
    expect(s.notice ?? '').not.toContain('withdrew')
  })

  it('a question whose step can no longer be done is taken back and said so: the offer to decline withdrawn by its sender, the transfer to cancel ended, the peer to unpair unpaired elsewhere (user-test finding: the question stayed, and the next `d` asked it of the next offer)', () => {
    const two = [{ ...offer('o1'), peerId: 'a', peerName: 'alpha', files: 7, totalBytes: 28 }, { ...offer('o2'), peerId: 'a', peerName: 'alpha', files: 7, totalBytes: 28 }]
    let s = connected({ screen: 'offers', offers: two, active: [xfer('o1', { peerId: 'a', peerName: 'alpha', state: 'offered', files: 7, totalBytes: 28 }), xfer('o2', { peerId: 'a', peerName: 'alpha', state: 'offered', files: 7, totalBytes: 28 })] })
    s = run(keyToCommands(s, 'd', {}).map((c) => (c as { action: Action }).action), s)
    expect(s).toMatchObject({ armed: 'decline:o1', notice: 'press d again to decline the offer from alpha (7 files, 28 B); any other key keeps it' })
    // alpha withdraws it: its receive ends cancelled by it, and its offer goes
    const withdrawn = run([{ type: 'event', name: 'transfer', data: xfer('o1', { peerId: 'a', peerName: 'alpha', state: 'cancelled', endedBy: 'peer', files: 7, totalBytes: 28 }) }, { type: 'event', name: 'offer:removed', data: { id: 'o1' } }], s)
    expect(withdrawn).toMatchObject({ armed: undefined, notice: 'alpha withdrew its offer (7 files, 28 B)' })
    // the other way round (the offer's removal first): taken back at once, then said
    const removedFirst = run([{ type: 'event', name: 'offer:removed', data: { id: 'o1' } }], s)
    expect(removedFirst).toMatchObject({ armed: undefined, notice: 'that offer is no longer waiting here: nothing was declined' })
    expect(run([{ type: 'event', name: 'transfer', data: xfer('o1', { peerId: 'a', peerName: 'alpha', state: 'cancelled', endedBy: 'peer', files: 7, totalBytes: 28 }) }], removedFirst).notice).toBe('alpha withdrew its offer (7 files, 28 B)')
    // the next d asks of the offer it stands on now, afresh
    expect(keyToCommands(withdrawn, 'd', {})).toEqual([{ kind: 'action', action: { type: 'arm', key: 'decline:o2', text: 'press d again to decline the offer from alpha (7 files, 28 B); any other key keeps it' } }])
    // a transfer to cancel that ended meanwhile
    let t = connected({ screen: 'transfers', active: [xfer('t1')] })
    t = run(keyToCommands(t, 'c', {}).map((c) => (c as { action: Action }).action), t)
    expect(t.armed).toBe('cancel:t1')
    expect(run([{ type: 'event', name: 'transfer', data: xfer('t1', { state: 'done' }) }], t)).toMatchObject({ armed: undefined, notice: 'that transfer has ended: nothing to cancel' })
    // a peer to unpair, unpaired by the other device meanwhile: that notice, not the question
    let p = connected({ peers: [peer('x', 'x', { paired: true })] })
    p = run(keyToCommands(p, 'u', {}).map((c) => (c as { action: Action }).action), p)
    const elsewhere = run([{ type: 'event', name: 'peer', data: peer('x', 'x', { paired: false }) }], p)
    expect(elsewhere.armed).toBeUndefined()
    expect(elsewhere.notice).toMatch(/^x is no longer paired with this device/)
    // an offer accepted by the sender's… nothing else: a question that still stands is kept through other events
    expect(run([{ type: 'event', name: 'offer', data: { ...offer('o3'), peerId: 'a' } }], s)).toMatchObject({ armed: 'decline:o1' })
  })
  it('COMMAND_KEYS (what a read of a few characters must be made of to be keys, not a paste) are the keys that do something where no field has the keyboard, and no others', () => {
    const shown = { id: 'p', role: 'show', phase: 'waiting', code: '1-a-b' } as const
    const rich = { peers: [peer('x', 'x', { paired: true })], offers: [offer('o1')], active: [xfer('t1')], pairing: shown }
    const states = [connected({ ...rich }), connected({ ...rich, screen: 'pair' }), connected({ ...rich, screen: 'pair', pairMode: 'show' }),
      connected({ ...rich, screen: 'offers' }), connected({ ...rich, screen: 'transfers' })]
    const acting = new Set<string>()
    for (let code = 0x20; code < 0x7f; code++) {
      const c = String.fromCharCode(code)
      if (states.some((s) => keyToCommands(s, c, {}).length > 0)) acting.add(c)
    }
    expect([...acting].sort().join('')).toBe([...COMMAND_KEYS].sort().join(''))
  })
  it('does nothing to the daemon while it is down', () => {
    const s = initialState({ connection: 'down', screen: 'offers', offers: [offer('o1')] })
    expect(keyToCommands(s, 'a', {})).toEqual([])
    expect(keyToCommands(s, 'q', {})).toEqual([{ kind: 'quit' }])
  })
})

describe('createBatcher', () => {
  it('renders transfer progress at most once per interval and other events at once', () => {
    vi.useFakeTimers()
    try {
      const out: Action[] = []
      let now = 1000
      const b = createBatcher((a) => out.push(a), 200, () => now)
      const t = (n: number): Action & { type: 'event' } => ({ type: 'event', name: 'transfer', data: xfer('t', { doneBytes: n }) })
      b.push(t(1))
      expect(out).toHaveLength(1) // leading edge
      for (let i = 2; i < 50; i++) b.push(t(i))
      expect(out).toHaveLength(1)
      now += 200
      vi.advanceTimersByTime(200)
      expect(out).toHaveLength(2)
      expect(out[1]).toMatchObject({ type: 'batch' })
      b.push(t(60))
      b.push({ type: 'event', name: 'offer', data: offer('o') })
      expect(out).toHaveLength(3)
      b.stop()
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('paths', () => {
  it('splits on spaces and honours quotes', () => {
    expect(splitPaths(' a  "b c" \'d e\' f ')).toEqual(['a', 'b c', 'd e', 'f'])
  })
  it('reports the paths that do not exist, as typed', () => {
    const r = checkPaths('/here /gone', (p) => p === '/here')
    expect(r).toEqual({ paths: ['/here'], missing: ['/gone'] })
  })
  it('a quote left open runs to the end, and a name not found so says it (user-test finding: "it\'s.txt b.bin" said "not found: its.txt b.bin", read as two names, b.bin there); one found so is sent, as before', () => {
    const there = (p: string): boolean => p === '/d/b.bin' || p === '/d/my photos'
    expect(checkPaths("/d/it's.txt /d/b.bin", there, '/')).toEqual({ paths: [], missing: ["/d/its.txt /d/b.bin (read from a ' not closed to the end; a ' in a name is typed \\')"] })
    expect(checkPaths('/d/b.bin "/d/a b', there, '/')).toEqual({ paths: ['/d/b.bin'], missing: ['/d/a b (read from a " not closed to the end; a " in a name is typed \\")'] })
    expect(checkPaths('"/d/my photos', there, '/')).toEqual({ paths: ['/d/my photos'], missing: [] })
  })
})

describe('format', () => {
  it('formats bytes in binary units', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(1536)).toBe('1.5 KiB')
    expect(formatBytes(12 * 1024 ** 2)).toBe('12.0 MiB')
    expect(formatBytes(3.25 * 1024 ** 3)).toBe('3.3 GiB')
  })
  it('formats what is done of a total rounded down: bytes still to come never read as the total, all of it reads as the total exactly (notes\' leftover: "20.0/20.0 MiB" at 99 %)', () => {
    const MiB = 1024 ** 2
    expect(formatBytes(20 * MiB - 1)).toBe('20.0 MiB') // the total's figure, rounded to nearest
    expect(formatDone(20 * MiB - 1, 20 * MiB)).toBe('19.9 MiB')
    expect(formatDone(20 * MiB, 20 * MiB)).toBe('20.0 MiB')
    // counted past the total (chunks fetched again): the total
    expect(formatDone(21 * MiB, 20 * MiB)).toBe('20.0 MiB')
    // a total that rounds down to the figure the bytes done round down to: a tenth under it
    expect(formatDone(20 * MiB, 20.04 * MiB)).toBe('19.9 MiB')
    expect(formatDone(1024, 1030)).toBe('0.9 KiB')
    // otherwise rounded down, as percents are
    expect(formatDone(1535, 3 * 1024)).toBe('1.4 KiB')
    expect(formatDone(82.8 * MiB, 476.8 * MiB)).toBe('82.8 MiB')
    expect(formatDone(1023, 4096)).toBe('1023 B')
    expect(formatDone(0, 0)).toBe('0 B')
  })
  it('formats rates and ETAs', () => {
    // the same binary units as the sizes beside them
    expect(formatRate(12.3 * 1024 * 1024)).toBe('12.3 MiB/s')
    expect(formatRate(12_300_000)).toBe('11.7 MiB/s')
    expect(formatRate(450 * 1024)).toBe('450 KiB/s')
    expect(formatRate(100)).toBe('1 KiB/s')
    expect(formatRate(0)).toBe('0 B/s')
    // past a GiB a second (hashing from the page cache), in GiB/s (helper finding: "3697.1 MiB/s")
    expect(formatRate(3697.1 * 1024 * 1024)).toBe('3.6 GiB/s')
    expect(formatRate(1023.9 * 1024 * 1024)).toBe('1023.9 MiB/s')
    expect(formatEta(45)).toBe('45s')
    expect(formatEta(65)).toBe('1m 05s')
    expect(formatEta(7380)).toBe('2h 03m')
    // an hour on the dot is in hours (mutation finding: "60m 00s" was not noticed)
    expect(formatEta(3599)).toBe('59m 59s')
    expect(formatEta(3600)).toBe('1h 00m')
    expect(formatEta(null)).toBe('--')
  })
  it('shortens peer ids', () => {
    const id = '12D3KooWAbCdEfGhIjKlMnOpQrStUvWxYz12345678'
    expect(shortPeerId(id)).toBe('…12345678')
    expect(shortPeerId(id, 'ends')).toBe('12D3…5678')
    expect(shortPeerId('short')).toBe('short')
  })
  it('formats relative times and countdowns', () => {
    expect(formatAgo(0, 1e6)).toBe('never')
    expect(formatAgo(1e6 - 2000, 1e6)).toBe('just now')
    expect(formatAgo(1e6 - 42_000, 1e6)).toBe('42s ago')
    expect(formatAgo(2e7 - 5 * 3600_000, 2e7)).toBe('5h ago')
    expect(formatCountdown(65_000, 0)).toBe('1:05')
    expect(formatCountdown(0, 10)).toBe('0:00')
  })
  it('draws bars of exactly the given width, unicode and ASCII', () => {
    for (const f of [0, 0.1, 0.45, 0.999, 1, 2, -1, Number.NaN]) {
      expect(Array.from(progressBar(f, 20))).toHaveLength(20)
      expect(progressBar(f, 20, { ascii: true })).toHaveLength(20)
    }
    expect(progressBar(0.5, 10)).toBe('█████░░░░░')
    expect(progressBar(0.5, 10, { ascii: true })).toBe('#####-----')
    expect(progressBar(0.55, 10)).toBe('█████▌░░░░')
    expect(percent(5, 0)).toBe(100)
  })
  it('truncates and pads to a width', () => {
    expect(truncate('abcdef', 4)).toBe('abc…')
    expect(fit('ab', 4)).toBe('ab  ')
    expect(fit('abcdef', 4)).toBe('abc…')
  })

  it('cuts a path in its folders, keeping its file name (user-test finding: "camera/videos/V…" at 60 columns)', () => {
    expect(truncatePath('camera/videos/VID_0001.mp4', 30)).toBe('camera/videos/VID_0001.mp4')
    expect(truncatePath('camera/videos/VID_0001.mp4', 22)).toBe('camera/v…/VID_0001.mp4')
    expect(truncatePath('camera/videos/VID_0001.mp4', 20)).toBe('camera…/VID_0001.mp4')
    expect(truncatePath('camera/videos/VID_0001.mp4', 14)).toBe('…/VID_0001.mp4')
    // a name too long for that: cut at its end, as any text
    expect(truncatePath('camera/a-very-long-file-name.jpg', 10)).toBe('a-very-lo…')
    expect(truncatePath('no-folder-name.jpg', 10)).toBe('no-folder…')
    expect(fit('camera/videos/VID_0001.mp4', 24, '...', truncatePath)).toBe('camera/v.../VID_0001.mp4')
    expect(fit('a/b.jpg', 9, '…', truncatePath)).toBe('a/b.jpg  ')
  })

  it('counts terminal cells, not code points, and never cuts inside a character (review finding: CJK names pushed columns out of line, an emoji was cut in half)', () => {
    expect(displayWidth('ベータ')).toBe(6)
    expect(fit('ベータ', 8)).toBe('ベータ  ')
    expect(truncate('ベータ端末', 6)).toBe('ベー…') // 5 cells: a third wide character would not fit before the '…'
    expect(displayWidth(fit('ベータ端末', 6))).toBe(6)
    expect(truncate('ab🚀cd', 4)).toBe('ab…')
    expect(truncate('ab🚀cd', 5)).toBe('ab🚀…')
    expect(truncate('👩‍👩‍👧xy', 3)).toBe('👩‍👩‍👧…') // a ZWJ family is one character of 2 cells
    expect(truncate('e\u0301e\u0301e\u0301', 2)).toBe('e\u0301…') // an accent stays with its letter
    expect(fit('日本', 3)).toBe('日…')
  })
  it('honours NO_COLOR and ASCII-only terminals', () => {
    expect(colorEnabled({})).toBe(true)
    expect(colorEnabled({ NO_COLOR: '1' })).toBe(false)
    expect(supportsUnicode({ TERM: 'linux' })).toBe(false)
    expect(supportsUnicode({ TERM: 'xterm-256color' })).toBe(true)
  })
})
