// Render tests for the Ink views of one-shot commands on a terminal —
// SendProgress (`ferry send`) and PairPrompt (`ferry pair`) — for the live
// mounting in src/tui/live.ts on a fake terminal stream, and for the TUI's
// own text field (line editing keys) and transfer history labels.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createElement as h } from 'react'
import type { ReactElement } from 'react'
import { Writable } from 'node:stream'
import { EventEmitter } from 'node:events'
import { cleanup } from 'ink-testing-library'
import { Box, render, Text } from 'ink'
import { renderAt, tick } from '../helpers/ink.ts'
import { FerryError } from '../../src/errors.ts'
import type { PairingState, TransferInfo } from '../../src/daemon/control/types.ts'
import { PairPrompt } from '../../src/tui/components/PairPrompt.ts'
import { outcome } from '../../src/tui/components/PairScreen.ts'
import { SendProgress } from '../../src/tui/components/SendProgress.ts'
import { editText, scrollStart, TextField } from '../../src/tui/components/TextField.ts'
import { PeersScreen } from '../../src/tui/components/PeersScreen.ts'
import { SendScreen } from '../../src/tui/components/SendScreen.ts'
import { receiptLabel, TransfersScreen } from '../../src/tui/components/TransfersScreen.ts'
import { OffersScreen } from '../../src/tui/components/OffersScreen.ts'
import { TransferDetails } from '../../src/tui/components/TransferDetails.ts'
import { defaultUi, para } from '../../src/tui/components/ui.ts'
import { StatusBar } from '../../src/tui/components/StatusBar.ts'
import type { Ui } from '../../src/tui/components/ui.ts'
import { displayWidth, partialCount } from '../../src/tui/format.ts'
import { openPairView, openSendView, openWaitView } from '../../src/tui/live.ts'
import { initialState, reduce } from '../../src/tui/state.ts'
import { wantsLive } from '../../src/cli/progress.ts'
import { escapeForTerminal, table } from '../../src/cli/output.ts'

const MiB = 1024 * 1024
const NOW = Date.now()
// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string): string => s.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\u001b\][^\u0007]*\u0007/g, '')

function expectFits (frame: string | undefined, columns = 80): string {
  const text = stripAnsi(frame ?? '')
  for (const l of text.split('\n')) expect(displayWidth(l), `line too wide: ${l}`).toBeLessThanOrEqual(columns)
  return text
}


const PEER = '12D3KooWAliceAliceAliceAliceAliceAliceAliceAAAAAAAA'
const sending = (over: Partial<TransferInfo> = {}): TransferInfo => ({
  id: 't1', direction: 'send', peerId: PEER, peerName: 'alice', state: 'fetching', files: 2,
  totalBytes: 200 * MiB, doneBytes: 50 * MiB, wireBytes: 50 * MiB, rate: 21 * MiB, etaSeconds: 8,
  inFlight: [], root: 'ab', createdAt: NOW - 3000, resumed: false, ...over
})

let savedNoColor: string | undefined
beforeEach(() => { savedNoColor = process.env.NO_COLOR; process.env.NO_COLOR = '1' })
afterEach(() => {
  cleanup()
  if (savedNoColor === undefined) delete process.env.NO_COLOR
  else process.env.NO_COLOR = savedNoColor
})

describe('SendProgress (ferry send on a terminal)', () => {
  it('on an ASCII terminal each state\'s hint and the outcome are ASCII only (user-test finding: "…" under FERRY_ASCII)', async () => {
    const ascii = { ...defaultUi, unicode: false }
    for (const state of ['hashing', 'offered', 'waiting', 'verifying', 'fetching'] as const) {
      const r = await renderAt(h(SendProgress, { peer: 'alice', paths: 2, transfer: sending({ state }), ui: ascii }))
      // eslint-disable-next-line no-control-regex
      expect(stripAnsi(r.lastFrame() ?? ''), state).toMatch(/^[\x00-\x7f]*$/)
      expect(stripAnsi(r.lastFrame() ?? ''), state).toContain('Ctrl-C')
    }
    // and so are names (helper finding: drawn as they were): the peer's, a file's, the one paired with
    const before = await renderAt(h(SendProgress, { peer: 'José', paths: 1, ui: ascii }))
    expect(stripAnsi(before.lastFrame() ?? '')).toContain('to Jose...')
    const moving = await renderAt(h(SendProgress, { peer: 'José', paths: 1, transfer: sending({ state: 'fetching', peerName: 'José', inFlight: [{ path: 'été.txt', size: 10, doneBytes: 5 }] }), ui: ascii }))
    // eslint-disable-next-line no-control-regex
    expect(stripAnsi(moving.lastFrame() ?? '')).toMatch(/^[\x00-\x7f]*$/)
    const paired = await renderAt(h(PairPrompt, { mode: 'show', pairing: { id: 'p1', role: 'show', phase: 'paired', code: '7-a-b', peer: { peerId: PEER, name: 'ベータ', fingerprint: 'ff' } }, finished: true, ui: ascii }))
    expect(stripAnsi(paired.lastFrame() ?? '')).toContain('paired with \\u30d9\\u30fc\\u30bf')
  })

  it('says how many files are in place on the receiving side once any are, shortened, then left out, as the terminal narrows (user-test finding: bytes alone said nothing of how many photos had arrived)', async () => {
    const roll = sending({ files: 1000, doneFiles: 312 })
    const at = async (columns: number, t: TransferInfo): Promise<string> => expectFits((await renderAt(h(SendProgress, { peer: 'alice', paths: 1, transfer: t }), columns)).lastFrame(), columns)
    expect(await at(80, roll)).toContain('to alice  312 of 1000 files  transferring')
    expect(await at(80, sending({ files: 1000 }))).toContain('to alice  1000 files  transferring')
    const narrow = await at(40, roll)
    expect(narrow).toContain('to alice  312/1000  transferring')
    expect(await at(32, roll)).toMatch(/to alice\s+transferring/)
  })

  it('shows the peer before the daemon answers, then bar, bytes, rate, ETA, state and per-file bars', async () => {
    const r = await renderAt(h(SendProgress, { peer: 'alice', paths: 2 }))
    expect(expectFits(r.lastFrame())).toContain('sending 2 paths to alice')
    r.rerender(h(SendProgress, {
      peer: 'alice',
      paths: 2,
      transfer: sending({ inFlight: [{ path: 'photos/beach.jpg', size: 100 * MiB, doneBytes: 40 * MiB }, { path: 'notes.txt', size: 10, doneBytes: 0 }] })
    }))
    await tick()
    const text = expectFits(r.lastFrame())
    console.log(`ferry send at 80 columns:\n${text}`)
    expect(text).toContain('to alice  2 files  transferring')
    expect(text).toContain(' 25%  50.0 MiB / 200.0 MiB  21.0 MiB/s  ETA 8s')
    expect(text).toMatch(/█+[▏▎▍▌▋▊▉]?░+/)
    expect(text).toMatch(/photos\/beach\.jpg\s+█+[▏▎▍▌▋▊▉]?░+ 40\.0 MiB \/ 100\.0 MiB/)
    expect(text).toContain('notes.txt')
    expect(text).toContain('Ctrl-C cancels')
    // Ctrl-C: said at once, before the daemon answers (user-test finding: nothing showed while a busy daemon took its time)
    r.rerender(h(SendProgress, { peer: 'alice', paths: 2, transfer: sending(), cancelling: true }))
    await tick()
    const cancelling = expectFits(r.lastFrame())
    expect(cancelling).toContain('cancelling… (a Ctrl-C 2 s or more from now stops waiting for the daemon)')
    expect(cancelling).not.toContain('Ctrl-C cancels')
    // the terminal's Ctrl-C not reaching it (`timeout 60 ferry send …` at a prompt): a `kill`, not a Ctrl-C (notes' leftover)
    r.rerender(h(SendProgress, { peer: 'alice', paths: 2, transfer: sending(), cancelling: true, keys: false }))
    await tick()
    expect(expectFits(r.lastFrame())).toContain('cancelling… (a `kill` 2 s or more from now stops waiting for the daemon)')
    // a hint is wrapped, not cut before its "Ctrl-C cancels" (user-test finding: "Ctrl-C can…" at 80 columns)
    r.rerender(h(SendProgress, { peer: 'alice', paths: 2, transfer: sending({ state: 'waiting' }) }))
    await tick()
    expect(expectFits(r.lastFrame()).replace(/\s+/g, ' ')).toContain('the receiver is unreachable; the transfer resumes when it is back… Ctrl-C cancels')
    // its receiver gone, with the reason the daemon gives (sends.ts peerWentOffline): that it goes on is said once, by the hint (user-test finding: the reason said it too)
    r.rerender(h(SendProgress, { peer: 'alice', paths: 2, transfer: sending({ state: 'waiting', error: { code: 'E_PEER_UNREACHABLE', message: 'alice went offline (its connection closed)' } }) }))
    await tick()
    const gone = expectFits(r.lastFrame()).replace(/\s+/g, ' ')
    expect(gone).toContain('E_PEER_UNREACHABLE: alice went offline (its connection closed)')
    expect(gone.match(/goes on|resumes/g)).toHaveLength(1)
    // one that waits its turn there is not told its receiver is unreachable: it is online and receiving (review finding)
    const turn = { code: 'E_LIMIT' as const, message: 'waiting its turn: alice starts it after receives under way there (it runs a few at a time from one device, and one at a time of the same files)' }
    r.rerender(h(SendProgress, { peer: 'alice', paths: 2, transfer: sending({ state: 'waiting', error: turn }) }))
    await tick()
    const waitsTurn = expectFits(r.lastFrame()).replace(/\s+/g, ' ')
    expect(waitsTurn).toContain('waiting its turn')
    expect(waitsTurn).not.toContain('unreachable')
    expect(waitsTurn).toContain('the receiver starts it after the receives it runs first… Ctrl-C cancels')
    // and `ferry wait` of a receive waiting its turn here
    r.rerender(h(SendProgress, { peer: 'alice', paths: 2, waitOnly: true, transfer: sending({ direction: 'receive', state: 'waiting', error: turn }) }))
    await tick()
    const receiveWaitsTurn = expectFits(r.lastFrame()).replace(/\s+/g, ' ')
    expect(receiveWaitsTurn).not.toContain('unreachable')
    expect(receiveWaitsTurn).toContain('this device starts it after the receives it runs first from the sender… Ctrl-C ends this wait, not the receive')
    // one waiting for room in the receive folder, both online: not "unreachable" on either side (user-test finding)
    const full = { code: 'E_NO_SPACE' as const, message: 'receiver: the receive folder\'s disk is full; this goes on by itself once there is room' }
    for (const direction of ['send', 'receive'] as const) {
      r.rerender(h(SendProgress, { peer: 'alice', paths: 2, waitOnly: direction === 'receive', transfer: sending({ direction, state: 'waiting', error: full }) }))
      await tick()
      const room = expectFits(r.lastFrame()).replace(/\s+/g, ' ')
      expect(room).not.toContain('unreachable')
      expect(room).toContain(direction === 'send' ? 'it goes on by itself once the receiver\'s receive folder has room… Ctrl-C cancels' : 'it goes on by itself once the receive folder has room (free some there)… Ctrl-C ends this wait, not the receive')
    }
  })

  it('a transfer whose bytes stopped says it stalled and for how long where its rate and ETA were, in the TUI too; one not measured yet keeps "—  ETA --" (notes\' leftover: a stall read as a start)', async () => {
    const stalled = sending({ rate: 0, etaSeconds: null, stalledSeconds: 75 })
    const text = expectFits((await renderAt(h(SendProgress, { peer: 'alice', paths: 1, transfer: stalled }))).lastFrame())
    expect(text).toContain(' 25%  50.0 MiB / 200.0 MiB  stalled 1m 15s')
    expect(text).not.toContain('ETA')
    const tui = expectFits((await renderAt(h(TransfersScreen, { active: [stalled], history: [], selected: 0, ui: { ...defaultUi, color: false, now: NOW } }))).lastFrame())
    expect(tui).toContain('  stalled 1m 15s')
    const starting = expectFits((await renderAt(h(SendProgress, { peer: 'alice', paths: 1, transfer: sending({ rate: 0, etaSeconds: null }) }))).lastFrame())
    expect(starting).toContain('50.0 MiB / 200.0 MiB  —  ETA --')
  })

  it('keeps the bar the same width while the numbers change', async () => {
    const barOf = (s: string): string => /[█▏▎▍▌▋▊▉░]+/.exec(s)?.[0] ?? ''
    const r = await renderAt(h(SendProgress, { peer: 'alice', paths: 1, transfer: sending({ doneBytes: 5 * MiB, rate: 900_000, etaSeconds: 3000 }) }))
    const a = barOf(stripAnsi(r.lastFrame() ?? ''))
    r.rerender(h(SendProgress, { peer: 'alice', paths: 1, transfer: sending({ doneBytes: 150 * MiB, rate: 112_000_000, etaSeconds: 1 }) }))
    await tick()
    const b = barOf(stripAnsi(r.lastFrame() ?? ''))
    expect(a.length).toBeGreaterThan(10)
    expect(Array.from(b).length).toBe(Array.from(a).length)
  })

  it('a send a byte short of its total (all served, its receipt not in) reads short of it, its bytes rounded down as its percent is, and its file\'s too; done, the total exactly (notes\' leftover: "20.0 MiB / 20.0 MiB" at 99 %)', async () => {
    const short = sending({ state: 'verifying', totalBytes: 20 * MiB, doneBytes: 20 * MiB - 1, inFlight: [{ path: 'a.bin', size: 20 * MiB, doneBytes: 20 * MiB - 1 }] })
    const text = expectFits((await renderAt(h(SendProgress, { peer: 'alice', paths: 1, transfer: short }))).lastFrame())
    expect(text).toContain(' 99%  19.9 MiB / 20.0 MiB')
    expect(text).toMatch(/a\.bin\s+\S+ 19\.9 MiB \/ 20\.0 MiB/)
    expect(text).not.toContain('20.0 MiB / 20.0 MiB')
    const tui = expectFits((await renderAt(h(TransfersScreen, { active: [short], history: [], selected: 0, ui: { ...defaultUi, color: false, now: NOW } }))).lastFrame())
    expect(tui).toContain(' 99%  19.9 MiB / 20.0 MiB')
    expect(tui).not.toContain('20.0 MiB / 20.0 MiB')
    const done = expectFits((await renderAt(h(SendProgress, { peer: 'alice', paths: 1, transfer: { ...short, state: 'done', doneBytes: 20 * MiB, inFlight: [] }, summary: 'sent' }))).lastFrame())
    expect(done).toContain('100%  20.0 MiB / 20.0 MiB')
  })

  it('ends with the summary (wrapped, not cut) or the error code', async () => {
    const done = sending({ state: 'done', doneBytes: 200 * MiB, rate: 0, etaSeconds: null, finishedAt: NOW })
    const summary = 'sent 2 files, 200.0 MiB to alice in 9.5 s (200.0 MiB of it over the network); receipt verified'
    const r = await renderAt(h(SendProgress, { peer: 'alice', paths: 2, transfer: done, summary }))
    const text = expectFits(r.lastFrame())
    expect(text).toContain('100%  200.0 MiB / 200.0 MiB')
    expect(text).not.toContain('ETA')
    expect(text.replace(/\s+/g, ' ')).toContain(summary)

    const failed = await renderAt(h(SendProgress, { peer: 'alice', paths: 2, transfer: sending({ state: 'failed' }), error: { code: 'E_PEER_UNREACHABLE', message: 'gone' } }))
    expect(expectFits(failed.lastFrame())).toMatch(/✗ failed: E_PEER_UNREACHABLE/)
    // its daemon stopped mid-send: the transfer goes on when the daemon is back, so not "failed" (review finding)
    const cut = await renderAt(h(SendProgress, { peer: 'alice', paths: 2, transfer: sending({ state: 'fetching' }), error: { code: 'E_DAEMON_NOT_RUNNING', message: 'the daemon stopped; the transfer resumes when it is back' } }))
    expect(expectFits(cut.lastFrame())).toMatch(/✗ interrupted: E_DAEMON_NOT_RUNNING/)
    const never = await renderAt(h(SendProgress, { peer: 'bob', paths: 1, error: { code: 'E_NOT_PAIRED', message: 'no' } }))
    expect(never.lastFrame()).toContain('✗ not sent: E_NOT_PAIRED')
    // declined there: what the person chose, not a failure (user-test finding: "✗ failed: E_DECLINED")
    const declined = await renderAt(h(SendProgress, { peer: 'bob', paths: 1, transfer: sending({ state: 'declined' }), error: { code: 'E_DECLINED', message: 'declined by bob' } }))
    expect(expectFits(declined.lastFrame())).toMatch(/✗ declined: E_DECLINED/)
  })

  it('a summary of a send or wait that exits 1 (E_INCOMPLETE: paths skipped or refused) is marked as a warning, in yellow (⚠), not with the green ✓ of a success; ASCII has its own mark (user-test finding: "✓ … 1 skipped (below)")', async () => {
    const done = sending({ state: 'done', doneBytes: 200 * MiB, rate: 0, etaSeconds: null, finishedAt: NOW })
    const summary = 'sent 1 file, 200.0 MiB to alice in 9.5 s (200.0 MiB of it over the network); receipt verified; 1 skipped (below)'
    const partial = expectFits((await renderAt(h(SendProgress, { peer: 'alice', paths: 2, transfer: done, summary, partial: true, ui: { ...defaultUi, now: NOW } }))).lastFrame())
    expect(partial).toContain('⚠ sent 1 file')
    expect(partial).not.toContain('✓')
    const ascii = expectFits((await renderAt(h(SendProgress, { peer: 'alice', paths: 2, transfer: done, summary, partial: true, ui: { ...defaultUi, unicode: false, now: NOW } }))).lastFrame())
    expect(ascii).toContain('! sent 1 file')
    // a whole success keeps its ✓ (the colour, yellow or green, goes with the mark: Ink draws none in tests)
    expect((await renderAt(h(SendProgress, { peer: 'alice', paths: 2, transfer: done, summary: 'sent 2 files', ui: { ...defaultUi, now: NOW } }))).lastFrame()).toContain('✓ sent 2 files')
  })
})

describe('a live view where the terminal\'s Ctrl-C does not reach the command (`timeout 60 ferry send …` at a prompt)', () => {
  it('names no Ctrl-C (keys: false), and says the rest of its hint as before (notes\' leftover: "Ctrl-C cancels" where it did nothing)', async () => {
    const ui = { ...defaultUi, color: false }
    // "to accept" only where a person on the receiver is asked (helper finding: shown at every send a moment)
    for (const [state, words, awaitingDecision] of [['hashing', 'hashing the files before offering them…', undefined], ['offered', 'offered; waiting for the receiver\'s answer…', undefined], ['offered', 'waiting for someone on the receiver to accept it…', true], ['fetching', '', undefined]] as const) {
      const off = stripAnsi((await renderAt(h(SendProgress, { peer: 'alice', paths: 1, transfer: sending({ state, awaitingDecision }), keys: false, ui }))).lastFrame() ?? '')
      expect(off, state).not.toContain('Ctrl-C')
      if (words !== '') expect(off, state).toContain(words)
      if (awaitingDecision !== true) expect(off, state).not.toContain('accept')
      const on = stripAnsi((await renderAt(h(SendProgress, { peer: 'alice', paths: 1, transfer: sending({ state, awaitingDecision }), ui }))).lastFrame() ?? '')
      expect(on, state).toContain('Ctrl-C')
    }
    const wait = stripAnsi((await renderAt(h(SendProgress, { peer: 'alice', paths: 0, waitOnly: true, transfer: sending({ state: 'fetching' }), keys: false, ui }))).lastFrame() ?? '')
    expect(wait).not.toContain('Ctrl-C')
    // paths left out, said while it runs (user-test finding: only at the end of an hour's send), not after its outcome
    const left = { skippedCount: 2, skipped: [{ path: '/p/CON', reason: 'a Windows device name, skipped', failed: true }, { path: '/p/lnk', reason: 'symbolic link, skipped' }] }
    const running = stripAnsi((await renderAt(h(SendProgress, { peer: 'alice', paths: 1, transfer: sending({ state: 'fetching', ...left }), ui }))).lastFrame() ?? '')
    expect(running.replace(/\s+/g, ' ')).toContain('⚠ 2 paths skipped, 1 of them for a problem: listed when it ends')
    const ended = stripAnsi((await renderAt(h(SendProgress, { peer: 'alice', paths: 1, transfer: sending({ state: 'done', ...left }), summary: 'sent 1 file', ui }))).lastFrame() ?? '')
    expect(ended).not.toContain('listed when it ends')
    // held there, its receiver offline now: said so (user-test finding: "waiting for someone…" alone, its daemon stopped)
    const away = stripAnsi((await renderAt(h(SendProgress, { peer: 'alice', paths: 1, transfer: sending({ state: 'offered', awaitingDecision: true, peerOffline: true }), ui }))).lastFrame() ?? '')
    expect(away.replace(/\s+/g, ' ')).toContain('is offline now; the offer waits there to be accepted, and the send goes on once it is back… Ctrl-C cancels')
    const code: PairingState = { id: 'p1', role: 'show', phase: 'waiting', code: '7-violet-orbit', expiresAt: Date.now() + 300_000 }
    const pair = stripAnsi((await renderAt(h(PairPrompt, { mode: 'show', pairing: code, keys: false, ui }))).lastFrame() ?? '')
    expect(pair).toMatch(/expires in \d+:\d\d · works once$/m)
    expect(stripAnsi((await renderAt(h(PairPrompt, { mode: 'show', pairing: code, ui }))).lastFrame() ?? '')).toContain('works once · Ctrl-C cancels')
  })
})

describe('PairPrompt (ferry pair on a terminal)', () => {
  const shown: PairingState = { id: 'p1', role: 'show', phase: 'waiting', code: '7-violet-orbit', expiresAt: NOW + 300_000 }
  const peer = { peerId: PEER, name: 'alice', fingerprint: '1a2b-3c4d-5e6f-7a8b' }

  it('shows the code boxed, how to use it, and a live countdown', async () => {
    const expiresAt = Date.now() + 300_000
    const r = await renderAt(h(PairPrompt, { mode: 'show', pairing: { ...shown, expiresAt } }))
    const text = expectFits(r.lastFrame())
    console.log(`ferry pair at 80 columns:\n${text}`)
    expect(text).toMatch(/║\s+7-violet-orbit\s+║/)
    expect(text).toContain('ferry pair 7-violet-orbit')
    expect(text).toContain('waiting for the other device')
    /** The seconds left drawn: the code's, at most 5:00 and at least what is left now (not a fixed "5:00 or 4:59": a loaded box has the clock run on). */
    const left = (frame: string | undefined): number => {
      const m = /expires in (\d+):(\d\d)/.exec(frame ?? '')
      expect(m, frame).not.toBeNull()
      const s = Number(m![1]) * 60 + Number(m![2])
      expect(s).toBeLessThanOrEqual(300)
      expect(s).toBeGreaterThanOrEqual(Math.floor((expiresAt - Date.now()) / 1000))
      return s
    }
    const first = left(text)
    // live: it counts down while on screen, waited for rather than a fixed 1.1 s
    await vi.waitFor(() => { expect(left(r.lastFrame())).toBeLessThan(first) }, { timeout: 5000 })
  })

  it('ends with the peer, both fingerprints, or the error code', async () => {
    const paired = await renderAt(h(PairPrompt, { mode: 'show', pairing: { ...shown, phase: 'paired', peer }, selfFingerprint: 'ffff-eeee-dddd-cccc', finished: true }))
    const text = expectFits(paired.lastFrame())
    expect(text).toContain(`✓ paired with alice (${PEER})`)
    expect(text).toMatch(/fingerprint of alice:\s+1a2b-3c4d-5e6f-7a8b/)
    expect(text).toMatch(/fingerprint of this device:\s+ffff-eeee-dddd-cccc/)
    expect(text).not.toContain('expires in')
    // paired while paired already: a renewal, said so (notes' leftover: said as a new pairing)
    const again = await renderAt(h(PairPrompt, { mode: 'show', pairing: { ...shown, phase: 'paired', peer, again: true }, selfFingerprint: 'ffff-eeee-dddd-cccc', finished: true }))
    expect(expectFits(again.lastFrame())).toContain(`✓ paired again with alice (${PEER})`)

    const expired = await renderAt(h(PairPrompt, { mode: 'show', pairing: { ...shown, phase: 'expired', error: { code: 'E_PAIRING_EXPIRED', message: 'x' } }, finished: true }))
    expect(expired.lastFrame()).toContain('✗ the code expired: E_PAIRING_EXPIRED')
    // the TUI's pair screen: "press s for a new code" only where s shows one (review finding: it was shown after a mistyped number, where s typed an s)
    const ended = { id: 'p', phase: 'expired', error: { code: 'E_PAIRING_EXPIRED', message: 'x' } } as const
    const shownSide = stripAnsi((await renderAt(h(Text, {}, outcome({ ...ended, role: 'show' }, { ...defaultUi, color: false })))).lastFrame() ?? '')
    const typedSide = stripAnsi((await renderAt(h(Text, {}, outcome({ ...ended, role: 'enter' }, { ...defaultUi, color: false })))).lastFrame() ?? '')
    expect(shownSide).toContain('✗ expired — press s for a new code')
    expect(typedSide).toContain('✗ failed: E_PAIRING_EXPIRED x')
    // why it is not shown, as the other device said it, not a guess at a mistyped number (helper finding: "check it", of a code cancelled there)
    const cancelledThere = stripAnsi((await renderAt(h(Text, {}, outcome({ ...ended, role: 'enter', error: { code: 'E_PAIRING_EXPIRED', message: 'other device: that code was cancelled there; show a new one' } }, { ...defaultUi, color: false })))).lastFrame() ?? '')
    expect(cancelledThere).toContain('✗ failed: E_PAIRING_EXPIRED other device: that code was cancelled there; show a new one')
    expect(cancelledThere).not.toContain('check it')
    const unsaid = stripAnsi((await renderAt(h(Text, {}, outcome({ id: 'p', phase: 'expired', role: 'enter' }, { ...defaultUi, color: false })))).lastFrame() ?? '')
    expect(unsaid.replace(/\s+/g, ' ')).toContain('✗ failed: E_PAIRING_EXPIRED no device is showing that code: check it, or show a new one on the other device')
    const entering = await renderAt(h(PairPrompt, { mode: 'enter' }))
    expect(entering.lastFrame()).toContain('pairing with the device that shows the code')
    const failed = await renderAt(h(PairPrompt, { mode: 'enter', error: { code: 'E_PAIRING_FAILED', message: 'wrong code' }, finished: true }))
    expect(failed.lastFrame()).toContain('✗ pairing failed: E_PAIRING_FAILED')
  })

  it('at 40 columns the outcome wraps and its error code stays whole (user-test finding: codes were cut)', async () => {
    const expired = await renderAt(h(PairPrompt, { mode: 'enter', pairing: { id: 'p', role: 'enter', phase: 'expired', error: { code: 'E_PAIRING_EXPIRED', message: 'x' } }, finished: true }), 40, 24)
    const text = expectFits(expired.lastFrame(), 40)
    // no guess at why (mistyped, expired): the error line after it says (helper finding: it said so of a code cancelled on the other device)
    expect(text.replace(/\s+/g, ' ')).toContain('✗ no device is showing that code: E_PAIRING_EXPIRED')
    expect(text).toMatch(/^E_PAIRING_EXPIRED$|: E_PAIRING_EXPIRED$/m)
  })
})

/** A stream that looks like an 80×24 terminal and keeps what is written to it. */
function fakeTerminal (): NodeJS.WriteStream & { text: () => string } {
  let out = ''
  const s = new Writable({ write (chunk, _enc, cb) { out += String(chunk); cb() } }) as unknown as NodeJS.WriteStream & { text: () => string }
  Object.assign(s, { isTTY: true, columns: 80, rows: 24, text: () => out })
  return s
}

describe('live views (src/tui/live.ts)', () => {
  it('draws ferry send on a terminal stream and leaves the outcome as the last frame', async () => {
    const term = fakeTerminal()
    const view = openSendView('alice', 1, { stdout: term, stderr: term })
    view.update(sending({ doneBytes: 100 * MiB }))
    // drawn by Ink's render throttle: waited for, not a fixed 60 ms (on a loaded box the timers ran in another order)
    await vi.waitFor(() => { expect(stripAnsi(term.text())).toContain('50%  100.0 MiB / 200.0 MiB') }, { timeout: 5000 })
    await view.done(sending({ state: 'done', doneBytes: 200 * MiB, finishedAt: NOW }), 'sent 1 file, 200.0 MiB to alice in 3.0 s (200.0 MiB of it over the network); receipt verified')
    expect(stripAnsi(term.text())).toMatch(/receipt\s+verified/)
  })

  it('draws ferry wait on a terminal stream as ferry send\'s, its Ctrl-C said to end the wait alone, and leaves the summary as the last frame (user-test finding: a one-line bar)', async () => {
    const term = fakeTerminal()
    const receiving = sending({ direction: 'receive', doneBytes: 100 * MiB })
    const view = openWaitView(receiving, { stdout: term, stderr: term })
    await vi.waitFor(() => { expect(stripAnsi(term.text())).toContain('50%  100.0 MiB / 200.0 MiB') }, { timeout: 5000 })
    const drawn = stripAnsi(term.text())
    expect(drawn).toContain('50%  100.0 MiB / 200.0 MiB')
    expect(drawn).toContain('Ctrl-C ends this wait, not the receive')
    expect(drawn).not.toContain('cancels')
    view.update({ ...receiving, doneBytes: 150 * MiB })
    await vi.waitFor(() => { expect(stripAnsi(term.text())).toContain('75%  150.0 MiB / 200.0 MiB') }, { timeout: 5000 })
    await view.done({ ...receiving, state: 'done', doneBytes: 200 * MiB, finishedAt: NOW }, 'received 2 files, 200.0 MiB from alice in 3.0 s (200.0 MiB of it over the network); receipt signed')
    expect(stripAnsi(term.text())).toMatch(/receipt\s+signed/)
  })

  it('ferry send\'s frame once the send has ended says nothing of Ctrl-C, before its summary comes as after (notes\' leftover: "Ctrl-C cancels the transfer" under the done frame for a moment)', async () => {
    const term = fakeTerminal()
    // what the terminal shows last: from the last header drawn on
    const last = (): string => { const all = stripAnsi(term.text()); return all.slice(all.lastIndexOf('↑ to alice')) }
    const view = openSendView('alice', 1, { stdout: term, stderr: term })
    view.update(sending({ doneBytes: 100 * MiB }))
    await vi.waitFor(() => { expect(last()).toContain('Ctrl-C cancels the transfer') }, { timeout: 5000 })
    const done = sending({ state: 'done', doneBytes: 200 * MiB, rate: 0, etaSeconds: null, finishedAt: NOW })
    view.update(done)
    await vi.waitFor(() => { expect(last()).toContain('100%') }, { timeout: 5000 })
    expect(last()).not.toContain('Ctrl-C')
    await view.done(done, 'sent 1 file, 200.0 MiB to alice in 3.0 s (200.0 MiB of it over the network); receipt verified')
    expect(last()).toMatch(/receipt\s+verified/)
    expect(last()).not.toContain('Ctrl-C')
  })

  it('a transfer that has ended, its outcome not yet shown, has no hint of Ctrl-C nor of cancelling, in ferry send\'s view or ferry wait\'s', async () => {
    for (const state of ['done', 'failed', 'cancelled', 'declined'] as const) {
      for (const waitOnly of [false, true]) {
        for (const cancelling of [false, true]) {
          const r = await renderAt(h(SendProgress, { peer: 'alice', paths: 1, waitOnly, cancelling, transfer: sending({ state, rate: 0, etaSeconds: null, finishedAt: NOW }) }))
          const text = expectFits(r.lastFrame())
          expect(text, `${state} waitOnly=${waitOnly} cancelling=${cancelling}`).not.toContain('Ctrl-C')
          expect(text, state).toContain('to alice')
        }
      }
    }
  })

  it('keeps the code when a pairing event leaves it out, and shows an error code at the end', async () => {
    const term = fakeTerminal()
    const view = openPairView('show', { stdout: term, stderr: term })
    view.update({ id: 'p1', role: 'show', phase: 'waiting', code: '7-violet-orbit', expiresAt: Date.now() + 60_000 })
    view.update({ id: 'p1', role: 'show', phase: 'exchanging' })
    await vi.waitFor(() => { expect(stripAnsi(term.text())).toContain('exchanging keys') }, { timeout: 5000 })
    await view.fail(new FerryError('E_DAEMON_NOT_RUNNING', 'gone'))
    const all = stripAnsi(term.text())
    const last = all.slice(all.lastIndexOf('The code (used up or no longer valid)'))
    expect(last).toContain('7-violet-orbit')
    expect(last).toContain('pairing failed: E_DAEMON_NOT_RUNNING')
    expect(last).not.toContain('expires in')
  })

  it('is used only on a terminal and never with --json', () => {
    expect(wantsLive(false, { isTTY: true })).toBe(true)
    expect(wantsLive(true, { isTTY: true })).toBe(false)
    expect(wantsLive(false, { isTTY: false })).toBe(false)
    expect(wantsLive(false, {})).toBe(false)
  })
})

describe('TextField (Pair and Send screens)', () => {
  it('asks the terminal for bracketed paste while it has the keyboard, and takes a paste whole: its line breaks spaces, one at its end Enter, once (a long paste read in two parts, split after a line break, sent the first part alone)', async () => {
    const term = fakeTerminal()
    // a terminal's stdin as Ink reads it: 'readable', then read() until null
    let pending: string | null = null
    const stdin = Object.assign(new EventEmitter(), {
      isTTY: true, setRawMode: () => {}, setEncoding: () => {}, resume: () => {}, pause: () => {}, ref: () => {}, unref: () => {},
      read: () => { const d = pending; pending = null; return d }
    }) as unknown as NodeJS.ReadStream
    const submitted: string[] = []
    let value = ''
    const field = (): ReactElement => h(TextField, { value, onChange: (v: string) => { value = v; inst.rerender(field()) }, onSubmit: (v: string) => { submitted.push(v) }, width: 60 })
    const inst = render(field(), { stdout: term, stdin, exitOnCtrlC: false, patchConsole: false, interactive: true })
    try {
      await tick()
      expect(term.text()).toContain('\u001b[?2004h')
      // the terminal marks the paste; it comes in two reads, the first ending in a line break
      const data = (chunk: string): void => { pending = chunk; (stdin as unknown as EventEmitter).emit('readable') }
      data('\u001b[200~a.txt\n')
      await tick()
      expect(submitted).toEqual([])
      data('b.txt\n\u001b[201~')
      await tick()
      expect(submitted).toEqual(['a.txt b.txt'])
    } finally {
      inst.unmount()
    }
    expect(term.text()).toContain('\u001b[?2004l')
  })

  it('edits like a shell line: arrows, Home/End, Backspace, Ctrl-A/E/U/K/W', () => {
    const e = { value: 'ab cd', cursor: 5 }
    expect(editText(e, 'u', { ctrl: true })).toEqual({ value: '', cursor: 0 })
    expect(editText({ value: 'ab cd', cursor: 2 }, 'u', { ctrl: true })).toEqual({ value: ' cd', cursor: 0 })
    expect(editText({ value: 'ab cd', cursor: 2 }, 'k', { ctrl: true })).toEqual({ value: 'ab', cursor: 2 })
    expect(editText(e, 'w', { ctrl: true })).toEqual({ value: 'ab ', cursor: 3 })
    expect(editText({ value: 'ab cd  ', cursor: 7 }, 'w', { ctrl: true })).toEqual({ value: 'ab ', cursor: 3 })
    expect(editText(e, 'a', { ctrl: true })).toEqual({ value: 'ab cd', cursor: 0 })
    expect(editText({ value: 'ab', cursor: 0 }, 'e', { ctrl: true })).toEqual({ value: 'ab', cursor: 2 })
    expect(editText(e, '', { leftArrow: true })).toEqual({ value: 'ab cd', cursor: 4 })
    expect(editText(e, '', { home: true })).toEqual({ value: 'ab cd', cursor: 0 })
    expect(editText({ value: 'ab cd', cursor: 1 }, '', { backspace: true })).toEqual({ value: 'b cd', cursor: 0 })
    expect(editText({ value: 'a😀b', cursor: 2 }, '', { backspace: true })).toEqual({ value: 'ab', cursor: 1 })
    expect(editText({ value: 'ad', cursor: 1 }, 'bc', {})).toEqual({ value: 'abcd', cursor: 3 })
    expect(editText({ value: '', cursor: 0 }, 'a\nb\u0007', {})).toEqual({ value: 'a b', cursor: 3 })
    // not the field's: the app handles them
    for (const key of [{ tab: true }, { upArrow: true }, { escape: true }, { return: true }]) expect(editText(e, '', key)).toBe(null)
    expect(editText(e, 'x', { ctrl: true })).toBe(null)
    expect(editText(e, 'x', { meta: true })).toBe(null)
  })

  it('Alt+Backspace erases the word before the cursor as readline does: letters and digits, back from the last other character', () => {
    const alt = { meta: true, backspace: true }
    expect(editText({ value: '/srv/photos/2024', cursor: 16 }, '', alt)).toEqual({ value: '/srv/photos/', cursor: 12 })
    expect(editText({ value: '/srv/photos/', cursor: 12 }, '', alt)).toEqual({ value: '/srv/', cursor: 5 })
    expect(editText({ value: 'IMG_0001.jpg tail', cursor: 12 }, '', alt)).toEqual({ value: 'IMG_0001. tail', cursor: 9 })
    expect(editText({ value: 'été 写真', cursor: 6 }, '', alt)).toEqual({ value: 'été ', cursor: 4 })
    expect(editText({ value: '///', cursor: 3 }, '', alt)).toEqual({ value: '', cursor: 0 })
    expect(editText({ value: 'ab', cursor: 0 }, '', alt)).toEqual({ value: 'ab', cursor: 0 })
  })

  it('scrolls a long line to keep the cursor in view', async () => {
    const ones = (n: number): number[] => Array<number>(n).fill(1)
    expect(scrollStart(ones(5), 5, 10)).toBe(0)
    expect(scrollStart(ones(30), 30, 10)).toBe(21)
    expect(scrollStart(ones(30), 0, 10)).toBe(0)
    // by the cells each is drawn in: two CJK characters and the cursor after them in 5 cells
    expect(scrollStart([2, 2, 2], 3, 5)).toBe(1)
    let value = ''
    const r = await renderAt(h(TextField, { value: 'x'.repeat(100) + 'END', onChange: (v) => { value = v }, onSubmit: () => {}, width: 40 }))
    const text = expectFits(r.lastFrame(), 40)
    expect(text).toContain('END')
    expect(text.split('\n')).toHaveLength(1)
    r.stdin.write('\u0015') // Ctrl-U
    await tick()
    expect(value).toBe('')
  })
})

describe('Transfers in flight', () => {
  it('shows a file name\'s control characters as escapes, as the CLI prints paths, never as themselves (mutation finding: no file in flight had one; the daemon refuses such names, so this is the screen\'s own guard)', async () => {
    const t = sending({ inFlight: [{ path: 'raw/a\u001b[2Jb.jpg', size: 10 * MiB, doneBytes: 4 * MiB }] })
    const text = expectFits((await renderAt(h(TransfersScreen, { active: [t], history: [], selected: 0, ui: { ...defaultUi, color: false } }))).lastFrame())
    expect(text).toContain('raw/a\\x1b[2Jb.jpg')
    expect(text).not.toContain('\u001b[2J')
  })
})

describe('Transfers history', () => {
  it('labels receipts by direction and files declined transfers as finished', async () => {
    const done = (over: Partial<TransferInfo>): TransferInfo => sending({ state: 'done', doneBytes: 200 * MiB, inFlight: [], finishedAt: NOW - 1000, ...over })
    const sentOk = done({ id: 'a', receipt: { root: 'ab', signature: 's', verified: true } })
    const received = done({ id: 'b', direction: 'receive', receipt: { root: 'ab', signature: 's', verified: false } })
    const noReceipt = done({ id: 'c' })
    // a receipt that came and did not check out (mutation finding: every one shown "verified" was not noticed)
    const sentBad = done({ id: 'e', peerName: 'carol', receipt: { root: 'ab', signature: 's', verified: false } })
    expect([sentOk, received, noReceipt, sentBad].map(receiptLabel)).toEqual(['verified', 'signed', 'unverified', 'unverified'])

    const declined = sending({ id: 'd', state: 'declined', finishedAt: NOW })
    const s = reduce(initialState({ active: [sending({ id: 'd' })] }), { type: 'event', name: 'transfer', data: declined })
    expect(s.active).toHaveLength(0)
    expect(s.history.map((t) => t.id)).toEqual(['d'])

    const r = await renderAt(h(TransfersScreen, { active: [], history: [sentOk, received, noReceipt, sentBad, declined], selected: 0, ui: { ...defaultUi, color: false } }))
    const text = expectFits(r.lastFrame())
    expect(text).toMatch(/done\s+verified\s+↑ to alice/)
    expect(text).toMatch(/done\s+unverified\s+↑ to carol/)
    expect(text).toMatch(/done\s+signed\s+↓ from alice/)
    expect(text).toMatch(/done\s+unverified/)
    expect(text).toMatch(/✗ declined\s+↑ to alice/)
  })

  it('History longer than its room says how many more, above and below, as the other lists do (helper finding: none, ↓ scrolled it unseen)', async () => {
    const many = Array.from({ length: 16 }, (_, i) => sending({ id: `h${i}`, state: 'done', doneBytes: 200 * MiB, inFlight: [], finishedAt: NOW - 1000, receipt: { root: 'ab', signature: 's', verified: true } }))
    const ui = { ...defaultUi, color: false, rows: 8 }
    const top = expectFits((await renderAt(h(TransfersScreen, { active: [], history: many, selected: 0, ui }))).lastFrame())
    expect(top).toContain('History (16)')
    expect(top).toMatch(/\+\d+ more$/m)
    // more kept than it holds: said "latest" (user-test finding: "History (50)" read as all there were)
    expect(expectFits((await renderAt(h(TransfersScreen, { active: [], history: many, historyCut: true, selected: 0, ui }))).lastFrame())).toContain('History (latest 16)')
    // what is above the lines shown is said above them, what is below under them (user-test finding: "+15 more
    // above" was said under the list)
    const mid = expectFits((await renderAt(h(TransfersScreen, { active: [], history: many, selected: 9, ui }))).lastFrame())
    expect(mid).toMatch(/History \(16\)\n {2}\+\d+ more above\n/)
    expect(mid).toMatch(/\n {2}\+\d+ more$/)
    const last = expectFits((await renderAt(h(TransfersScreen, { active: [], history: many, selected: 15, ui }))).lastFrame())
    expect(last).toMatch(/History \(16\)\n {2}\+\d+ more above\n/)
    expect(last.trimEnd().split('\n').at(-1)).toMatch(/^› /)
    // rows: the header, the lines shown and the more-line, within the room
    expect(top.split('\n').length).toBeLessThanOrEqual(8)
  })

  it('a cancelled or declined transfer says who ended it, as `ferry transfers` does (notes\' leftover: the TUI said "- cancelled" whichever side did)', async () => {
    const ended = (over: Partial<TransferInfo>): TransferInfo => sending({ inFlight: [], finishedAt: NOW - 1000, ...over })
    const here = ended({ id: 'h', state: 'cancelled', endedBy: 'here', error: { code: 'E_CANCELLED' as const, message: 'cancelled on the sending device' } })
    const there = ended({ id: 't', direction: 'receive', state: 'cancelled', endedBy: 'peer', error: { code: 'E_CANCELLED' as const, message: 'cancelled on the sending device' } })
    const declined = ended({ id: 'd', state: 'declined', endedBy: 'peer', error: { code: 'E_DECLINED', message: 'declined on the receiving device (alice)' } })
    // a record from before endedBy: as before
    const old = ended({ id: 'o', state: 'cancelled' })
    const text = expectFits((await renderAt(h(TransfersScreen, { active: [], history: [here, there, declined, old], selected: 0, ui: { ...defaultUi, color: false, now: NOW } }))).lastFrame())
    expect(text).toMatch(/- cancelled here\s+↑ to alice/)
    expect(text).toMatch(/- cancelled by alice\s+↓ from alice/)
    expect(text).toMatch(/✗ declined by alice\s+↑ to alice/)
    expect(text).toMatch(/- cancelled\s+↑ to alice/)
    // a peer of no name: the end of its ID, in ASCII on a terminal that has no "…"
    const nameless = ended({ id: 'n', state: 'declined', endedBy: 'peer', peerName: '' })
    const ascii = expectFits((await renderAt(h(TransfersScreen, { active: [], history: [nameless], selected: 0, ui: { ...defaultUi, color: false, unicode: false, now: NOW } }))).lastFrame())
    expect(ascii).toContain(`x declined by ...${PEER.slice(-8)}`)
  })

  it('one long "cancelled by <name>" does not widen the status column: it is cut to the column, the columns stay put as History scrolls, and what each carried and its size stay at 80 columns and more (user-test finding at 100x30: names and sizes fell off every line)', async () => {
    const name = "Ömer's 🖥️ Büro 日本語 👨‍👩‍👧 Schreibtisch"
    const ended = (over: Partial<TransferInfo>): TransferInfo => sending({ direction: 'receive', peerName: name, files: 1, state: 'done', doneBytes: 200 * MiB, inFlight: [], finishedAt: NOW - 1000, receipt: { root: 'ab', signature: 's', verified: false }, ...over })
    const history = [
      ended({ id: 'a', direction: 'send', state: 'cancelled', endedBy: 'here', label: 'big5.bin', totalBytes: 1536 * MiB }),
      ended({ id: 'b', label: 'signed.txt' }),
      ended({ id: 'c', state: 'cancelled', endedBy: 'peer', label: 'c.txt' }),
      ended({ id: 'd', peerName: 'desktop', label: 'big2.bin', totalBytes: 1024 * MiB }),
      ended({ id: 'e', peerName: 'desktop', label: 'big.bin', totalBytes: 2048 * MiB })
    ]
    const at = async (width: number, selected = 0, rows = 19, list = history): Promise<string> =>
      expectFits((await renderAt(h(Box, { width }, h(TransfersScreen, { active: [], history: list, selected, ui: { ...defaultUi, color: false, width, rows, now: NOW } })), width)).lastFrame(), width)
    for (const width of [80, 100, 250]) {
      const text = await at(width)
      // the status column as wide as without the long one: "✓ done     signed" and 27 cells, two spaces after it
      // as after the others (helper finding: one)
      expect(text, `${width}`).toMatch(/^ {2}- cancelled by Ömer's [^↓]*…  ↓ from Ömer's/m)
      expect(text, `${width}`).toMatch(/^› - cancelled here {12}↑ to Ömer's .*  big5\.bin  1 file, 1\.5 GiB/m)
      for (const what of ['signed.txt  1 file, 200.0 MiB', 'c.txt  1 file, 200.0 MiB', 'big2.bin  1 file, 1.0 GiB', 'big.bin  1 file, 2.0 GiB']) expect(text, `${width}`).toContain(what)
    }
    // at 60 and 70 columns what it carried stays, cut where it must, before the size does
    for (const width of [60, 70]) {
      const text = await at(width)
      expect(text, `${width}`).toMatch(/↓ from desktop  big2\.b/)
      expect(text, `${width}`).toMatch(/↓ from desktop  big\.bin/)
      expect(text, `${width}`).toMatch(/↑ to Ömer's .*  big5\.bin/)
    }
    // scrolled so that the long status is out of view, the columns are where they were
    // the cells before the peer, on each line of History shown
    const column = (text: string): number[] => text.split('\n').filter((l) => /[↑↓] (to|from) /.test(l)).map((l) => displayWidth(l.slice(0, l.search(/[↑↓] (to|from) /))))
    const first = [history[2], ...history.filter((t) => t.id !== 'c')]
    const top = await at(80, 0, 6, first)
    const scrolled = await at(80, 4, 6, first)
    expect(top).toContain('cancelled by')
    expect(scrolled).not.toContain('cancelled by')
    expect(new Set([...column(top), ...column(scrolled)]).size).toBe(1)
    // so with a failure's code wider than the column, which is never cut
    const unreachable = [ended({ id: 'f', state: 'failed', error: { code: 'E_PEER_UNREACHABLE', message: 'x' } }), ...history.slice(1)]
    const codeTop = await at(80, 0, 6, unreachable)
    const codeScrolled = await at(80, 4, 6, unreachable)
    expect(codeTop).toContain('E_PEER_UNREACHABLE')
    expect(codeScrolled).not.toContain('E_PEER_UNREACHABLE')
    expect(new Set([...column(codeTop), ...column(codeScrolled)]).size).toBe(1)
  })

  it('a send that left paths out for a problem is no clean success: it says how many were not sent (review finding: shown all green, while `ferry send` exited 1 with E_INCOMPLETE)', async () => {
    const partly = sending({ id: 'p', state: 'done', doneBytes: 200 * MiB, finishedAt: NOW - 1000, receipt: { root: 'ab', signature: 's', verified: true }, skippedCount: 6, skippedFailed: 4 })
    const text = expectFits((await renderAt(h(TransfersScreen, { active: [], history: [partly], selected: 0, ui: { ...defaultUi, color: false, now: NOW } }))).lastFrame())
    expect(text).toMatch(/done\s+4 not sent\s+↑ to alice  2 files, 200\.0 MiB  just now/)
    // partial, as `ferry send`'s summary is (user-test finding: a green "✓ done"); a receive without files, too
    expect(text).toMatch(/⚠ done\s+4 not sent/)
    expect(text).not.toContain('✓')
    const without = sending({ id: 'q', direction: 'receive', state: 'done', doneBytes: 100 * MiB, finishedAt: NOW - 1000, receipt: { root: 'ab', signature: 's', verified: true, notReceived: 1 } })
    const ascii = expectFits((await renderAt(h(TransfersScreen, { active: [], history: [without], selected: 0, ui: { ...defaultUi, color: false, unicode: false, now: NOW } }))).lastFrame())
    expect(ascii).toMatch(/! done\s+1 not received\s+v from alice  1 of 2 files/)
    // its details say what arrived, as the line does (user-test finding: "2 files, 4 B" with 1 of them refused)
    const details = expectFits((await renderAt(h(TransferDetails, { t: without, shared: new Set<string>(), ui: { ...defaultUi, color: false, now: NOW, rows: 12 } }))).lastFrame())
    expect(details.replace(/\s+/g, ' ')).toContain('carried 1 of 2 files, 100.0 MiB of 200.0 MiB;')
    expect([partly, without, sending({ state: 'done', skippedCount: 3, skippedFailed: 0 })].map(partialCount)).toEqual([4, 1, 0])
  })

  it('a receive cancelled or failed with files placed says how many it kept, as `ferry transfers` does (notes\' leftover: the line said all it would have carried)', async () => {
    const ended = (over: Partial<TransferInfo>): TransferInfo => sending({ direction: 'receive', files: 303, inFlight: [], finishedAt: NOW - 1000, ...over })
    const cancelled = ended({ id: 'c', state: 'cancelled', endedBy: 'here', keptFiles: 54, error: { code: 'E_CANCELLED', message: 'cancelled on the receiving device' } })
    const failed = ended({ id: 'f', state: 'failed', keptFiles: 1, error: { code: 'E_NO_SPACE', message: 'the disk is full' } })
    const none = ended({ id: 'n', state: 'cancelled', endedBy: 'peer', error: { code: 'E_CANCELLED' as const, message: 'cancelled on the sending device' } })
    const text = expectFits((await renderAt(h(TransfersScreen, { active: [], history: [cancelled, failed, none], selected: 0, ui: { ...defaultUi, color: false, now: NOW } }))).lastFrame())
    expect(text).toMatch(/- cancelled here\s+↓ from alice  54 of 303 files kept  just now/)
    expect(text).toMatch(/✗ failed\s+E_NO_SPACE\s+↓ from alice  1 of 303 files kept/)
    expect(text).toMatch(/- cancelled by alice\s+↓ from alice  303 files, 200\.0 MiB/)
    const details = expectFits((await renderAt(h(TransferDetails, { t: cancelled, shared: new Set<string>(), ui: { ...defaultUi, color: false, now: NOW, rows: 12 } }))).lastFrame())
    expect(details).toMatch(/^ {2}state +cancelled here, 54 of 303 files kept$/m)
    // and what its cancel here deleted of files not yet whole (TransferInfo.droppedBytes)
    const dropped = (columns: number): ReturnType<typeof h> => h(TransferDetails, { t: { ...cancelled, droppedBytes: 12 * MiB }, shared: new Set<string>(), ui: { ...defaultUi, color: false, now: NOW, rows: 12, width: columns } })
    expect(expectFits((await renderAt(dropped(100), 100)).lastFrame(), 100)).toMatch(/^ {2}state +cancelled here, 54 of 303 files kept, 12\.0 MiB of files not yet whole deleted$/m)
    // on 80 columns, wrapped
    expect(expectFits((await renderAt(dropped(80))).lastFrame()).replace(/\s+/g, ' ')).toContain('state cancelled here, 54 of 303 files kept, 12.0 MiB of files not yet whole deleted')
  })

  it('a receive whose files arrived under another name (theirs was taken here) says how many (review finding: nowhere)', async () => {
    const got = sending({ id: 'r', direction: 'receive', state: 'done', doneBytes: 200 * MiB, finishedAt: NOW - 1000, receipt: { root: 'ab', signature: 's', verified: false }, renamedCount: 2, renamed: [{ path: 'a.jpg', as: 'a (1).jpg' }, { path: 'b.jpg', as: 'b (1).jpg' }] })
    const text = expectFits((await renderAt(h(TransfersScreen, { active: [], history: [got], selected: 0, ui: { ...defaultUi, color: false, now: NOW } }))).lastFrame())
    expect(text).toMatch(/done\s+2 renamed\s+↓ from alice  2 files, 200\.0 MiB  just now/)
  })
})

describe('a transfer shown whole (TransferDetails)', () => {
  const ui = { ...defaultUi, color: false, now: NOW }
  it('its time and rate leave out what it waited while it could not go on, said apart (TransferInfo.waitedSeconds; user-test finding: "(6.2 s, 8.0 MiB/s)" of a send that waited 6 s for its receiver)', async () => {
    const t = sending({ id: 'w', state: 'done', doneBytes: 200 * MiB, createdAt: NOW - 12_000, finishedAt: NOW - 2000, waitedSeconds: 8, receipt: { root: 'ab', signature: 's', verified: true } })
    const text = expectFits((await renderAt(h(TransferDetails, { t, shared: new Set<string>(), ui: { ...ui, rows: 12 } }))).lastFrame())
    expect(text.replace(/\s+/g, ' ')).toMatch(/when began (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d, ended (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d \(2\.0 s, 100\.0 MiB\/s; waited 8\.0 s while it could not go on\)/)
    // at 50 columns, with a wait to be accepted too, all of it, over the rows it takes (user-test finding: cut at two)
    const both = { ...t, createdAt: NOW - 32_000, acceptWaitSeconds: 19.8 }
    const narrow = expectFits((await renderAt(h(Box, { width: 50 }, h(TransferDetails, { t: both, shared: new Set<string>(), ui: { ...ui, width: 50, rows: 16 } })), 50)).lastFrame(), 50)
    expect(narrow).not.toContain('…')
    expect(narrow.replace(/\s+/g, ' ')).toMatch(/; waited 8\.0 s while it could not go on\)/)
  })

  it('with one row left for a list, that row says how much there is and where to see it, not its first line with the word of more cut off below (review finding)', async () => {
    const ended = sending({ state: 'done', doneBytes: 200 * MiB, finishedAt: NOW, renamedCount: 3, renamed: [{ path: 'a', as: 'a (1)' }, { path: 'b', as: 'b (1)' }, { path: 'c', as: 'c (1)' }] })
    // who, id, state, carried, when: 5 rows, and one for the renames
    const text = expectFits((await renderAt(h(TransferDetails, { t: ended, shared: new Set<string>(), ui: { ...ui, rows: 6 } }))).lastFrame())
    expect(text.split('\n')).toHaveLength(6)
    expect(text).toMatch(/^ {2}renamed +4 lines: see `ferry transfers --json`$/m)
    // with room, the heading and each rename
    const roomy = expectFits((await renderAt(h(TransferDetails, { t: ended, shared: new Set<string>(), ui: { ...ui, rows: 12 } }))).lastFrame())
    expect(roomy).toMatch(/^ {2}renamed +3 files are under another name, the name being taken on alice:$/m)
    expect(roomy).toMatch(/^ +c -> c \(1\)$/m)
  })

  it('one that failed a byte short of its total says it carried less than all of it (notes\' leftover: "20.0 MiB of 20.0 MiB")', async () => {
    const failed = sending({ state: 'failed', totalBytes: 20 * MiB, doneBytes: 20 * MiB - 1, wireBytes: 20 * MiB - 1, finishedAt: NOW, error: { code: 'E_PEER_UNREACHABLE', message: 'gone' } })
    const text = expectFits((await renderAt(h(TransferDetails, { t: failed, shared: new Set<string>(), ui: { ...ui, rows: 12 } }))).lastFrame())
    expect(text).toContain('19.9 MiB of 20.0 MiB')
  })

  it('a transfer held for a person to accept says that wait apart, and its time and rate leave it out (notes\' leftover: a send held 5 minutes showed the rate of those 5 minutes)', async () => {
    const held = sending({ state: 'done', doneBytes: 200 * MiB, createdAt: NOW - 310_000, finishedAt: NOW - 10_000, acceptWaitSeconds: 290, receipt: { root: 'ab', signature: 's', verified: true } })
    const text = expectFits((await renderAt(h(TransferDetails, { t: held, shared: new Set<string>(), ui: { ...ui, rows: 12 } }))).lastFrame())
    // 300 s from start to end, 290 of them waiting: 10 s at 20 MiB/s; wrapped under its field at 80 columns
    expect(text.replace(/\s+/g, ' ')).toMatch(/ when began (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d, ended (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d \(10\.0 s, 20\.0 MiB\/s; waited 4m 50s to be accepted\)/)
    const not = expectFits((await renderAt(h(TransferDetails, { t: { ...held, acceptWaitSeconds: undefined }, shared: new Set<string>(), ui: { ...ui, rows: 12 } }))).lastFrame())
    expect(not).not.toContain('waited')
  })

  it('one that took under a tenth of a second says so, "<0.1 s", and no rate, which over such a moment says nothing (user-test finding: "(0.0 s, 244 KiB/s)")', async () => {
    const tiny = sending({ state: 'done', totalBytes: 10_000, doneBytes: 10_000, createdAt: NOW - 1040, finishedAt: NOW - 1000, receipt: { root: 'ab', signature: 's', verified: true } })
    const text = expectFits((await renderAt(h(TransferDetails, { t: tiny, shared: new Set<string>(), ui: { ...ui, rows: 12 } }))).lastFrame()).replace(/\s+/g, ' ')
    expect(text).toMatch(/ended (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d \(<0\.1 s\)/)
    expect(text).not.toMatch(/KiB\/s/)
    // a tenth and more: its time and rate
    const brief = expectFits((await renderAt(h(TransferDetails, { t: { ...tiny, createdAt: NOW - 1100 }, shared: new Set<string>(), ui: { ...ui, rows: 12 } }))).lastFrame()).replace(/\s+/g, ' ')
    expect(brief).toMatch(/\(0\.1 s, 98 KiB\/s\)/)
  })

  it('one declined, or cancelled, after it was held for a person to decide says it waited for a decision, not "to be accepted" (user-test finding: a declined send said "waited 17.8 s to be accepted")', async () => {
    const declined = sending({ state: 'declined', endedBy: 'peer', doneBytes: 0, wireBytes: 0, createdAt: NOW - 20_000, finishedAt: NOW - 1_000, acceptWaitSeconds: 17.8, error: { code: 'E_DECLINED', message: 'declined on the receiving device (alice)' } })
    const text = expectFits((await renderAt(h(TransferDetails, { t: declined, shared: new Set<string>(), ui: { ...ui, rows: 12 } }))).lastFrame()).replace(/\s+/g, ' ')
    expect(text).not.toContain('to be accepted')
    expect(text).toMatch(/ when began (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d, ended (?:\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d \(1\.2 s; waited 17\.8 s for a decision\)/)
    // so too one cancelled while it was held there, never accepted (found using the TUI: "waited 3.3 s to be accepted")
    const cancelled = { ...declined, state: 'cancelled' as const, endedBy: 'here' as const, error: { code: 'E_CANCELLED' as const, message: 'cancelled on the sending device' } }
    const text2 = expectFits((await renderAt(h(TransferDetails, { t: cancelled, shared: new Set<string>(), ui: { ...ui, rows: 12 } }))).lastFrame()).replace(/\s+/g, ' ')
    expect(text2).not.toContain('to be accepted')
    expect(text2).toContain('waited 17.8 s for a decision')
  })

  it('an offer held there for a person to accept says so in its state field too, as its header does (found using the TUI: the header said "waiting to be accepted there", the field "waiting for the receiver")', async () => {
    const held = sending({ state: 'offered', doneBytes: 0, rate: 0, etaSeconds: null, awaitingDecision: true })
    const text = expectFits((await renderAt(h(TransferDetails, { t: held, shared: new Set<string>(), ui: { ...ui, rows: 12 } }))).lastFrame())
    expect(text).toMatch(/^ {2}state +offered, waiting to be accepted there$/m)
    expect(text).not.toContain('waiting for the receiver')
  })
})

describe('long and wide peer names (review finding: a long name pushed the state and sizes off the line; CJK names broke the columns)', () => {
  const long = 'ベータ端末📱-a-device-with-a-very-long-name-indeed'
  const ui = { ...defaultUi, color: false, now: NOW }

  it('transfers: the name is cut, the state stays; a history line gives the name 32 cells before its size and time (user-test finding: the name was cut first)', async () => {
    const active = sending({ peerName: long, resumed: true })
    const ended = sending({ id: 'h', peerName: long, state: 'done', doneBytes: 200 * MiB, finishedAt: NOW - 1000, receipt: { root: 'ab', signature: 's', verified: true } })
    const text = expectFits((await renderAt(h(TransfersScreen, { active: [active], history: [ended], selected: 0, ui }))).lastFrame())
    expect(text).toMatch(/↑ to ベータ端末📱-a-device.*…  2 files  transferring  resumed/)
    // at 80 the size stays, the name cut to the room left, 12 cells of it at the least (user-test finding: the line said nothing of how much)
    expect(text).toMatch(/done\s+verified\s+↑ to ベータ端末📱-a-device-\S*…  2 files, 200\.0 MiB$/m)
    const wide = expectFits((await renderAt(h(TransfersScreen, { active: [], history: [ended], selected: 0, ui: { ...ui, width: 100 } }), 100)).lastFrame(), 100)
    expect(wide).toMatch(/done\s+verified\s+↑ to ベータ端末📱-a-device-with-a-ver\S*…  2 files, 200\.0 MiB  just now$/m)
  })

  it('transfers: where 16 cells of what it carried do not fit even without the time, the time still gives way to what does, 6 cells or more (found using the TUI at 80x24: a receive from a 9-letter peer said nothing of what came, and kept "15s ago")', async () => {
    const received = sending({ id: 'r', direction: 'receive', peerName: 'nas-beta1', state: 'done', doneBytes: 200 * MiB, finishedAt: NOW - 15_000, receipt: { root: 'ab', signature: 's', verified: true }, label: 'résumé été.txt and 1 more' })
    const text = expectFits((await renderAt(h(TransfersScreen, { active: [], history: [received], selected: 0, ui }))).lastFrame())
    expect(text).toMatch(/↓ from nas-beta1  résumé été\S*…  2 files, 200\.0 MiB$/m)
  })

  it('transfers: a history line says what the transfer carried, before the time and after the peer, cut to the room left (user-test finding: "1 file, 381.5 MiB" only)', async () => {
    const ended = sending({ id: 'h', state: 'done', doneBytes: 200 * MiB, finishedAt: NOW - 1000, receipt: { root: 'ab', signature: 's', verified: true }, label: 'holiday\x1b[2J-2026-photos-from-the-big-camera and 2 more' })
    const frame = (await renderAt(h(TransfersScreen, { active: [], history: [ended], selected: 0, ui }))).lastFrame() ?? ''
    const text = expectFits(frame)
    // at 80 columns the time gives way to 16 cells and more of it; the name's escape character shown escaped, as Offers shows names (the raw frame: stripAnsi would hide it)
    expect(text).toMatch(/↑ to alice  holiday\\x1b\[2J-20\S*…  2 files, 200\.0 MiB$/m)
    expect(frame).not.toContain('\x1b[2J')
    const wide = expectFits((await renderAt(h(TransfersScreen, { active: [], history: [ended], selected: 0, ui: { ...ui, width: 100 } }), 100)).lastFrame(), 100)
    expect(wide).toMatch(/↑ to alice  holiday\\x1b\[2J-2026-photos-…  2 files, 200\.0 MiB  just now$/m)
    const narrow = expectFits((await renderAt(h(Box, { width: 40 }, h(TransfersScreen, { active: [], history: [ended], selected: 0, ui: { ...ui, width: 40 } })), 40)).lastFrame(), 40)
    // at 40 columns, with no room for the size: what is left goes to the label
    expect(narrow).toMatch(/↑ to alice  holiday\S+…$/m)
  })

  it('transfers: a file in flight whose bytes are all in says "placing" (checked and moved into place), not a full bar, and comes after the files still coming in (user-test finding: a 2,000-file receive listed full bars "99.3 KiB / 99.3 KiB")', async () => {
    const KiB = 1024
    const receiving = sending({ direction: 'receive', files: 2000, inFlight: [
      { path: 'photos/a.jpg', size: 99.3 * KiB, doneBytes: 99.3 * KiB },
      { path: 'photos/b.jpg', size: 99.3 * KiB, doneBytes: 40 * KiB },
      { path: 'photos/c.jpg', size: 99.3 * KiB, doneBytes: 99.3 * KiB },
      { path: 'photos/d.jpg', size: 99.3 * KiB, doneBytes: 10 * KiB }
    ] })
    for (const width of [80, 40]) {
      const text = expectFits((await renderAt(h(Box, { width }, h(TransfersScreen, { active: [receiving], history: [], selected: 0, ui: { ...ui, width } })), width)).lastFrame(), width)
      expect(text, `${width}`).not.toContain('99.3 KiB / 99.3 KiB')
      const rows = text.split('\n').filter((l) => l.includes('photos/'))
      expect(rows.map((l) => l.match(/photos\/(\w)/)?.[1]), `${width}`).toEqual(['b', 'd', 'a'])
      expect(rows[2], `${width}`).toMatch(/photos\/a\.jpg +placing +99\.3 KiB$/)
      expect(text, `${width}`).toContain('+1 more file in flight')
    }
  })

  it('transfers: a tree of empty folders is told as its folders in the history and under way, not as "0 files" (user-test finding)', async () => {
    const frames = sending({ id: 'f', files: 0, folders: 3, totalBytes: 0, doneBytes: 0, wireBytes: 0, rate: 0, etaSeconds: null, label: 'frames' })
    const ended = { ...frames, state: 'done' as const, finishedAt: NOW - 1000, receipt: { root: 'ab', signature: 's', verified: true } }
    expect(expectFits((await renderAt(h(TransfersScreen, { active: [], history: [ended], selected: 0, ui }))).lastFrame())).toMatch(/↑ to alice  frames  3 folders, 0 B  just now$/m)
    expect(expectFits((await renderAt(h(TransfersScreen, { active: [frames], history: [], selected: 0, ui }))).lastFrame())).toMatch(/↑ to alice  3 folders  /)
  })

  it('transfers: a send of empty files only waiting for its peer is at 0 %, not a full bar; done, at 100 % (user-test finding)', async () => {
    const empty = sending({ state: 'waiting', totalBytes: 0, doneBytes: 0, wireBytes: 0, rate: 0, etaSeconds: null })
    expect(expectFits((await renderAt(h(TransfersScreen, { active: [empty], history: [], selected: 0, ui }))).lastFrame())).toMatch(/ 0%\s+0 B \/ 0 B/)
    expect(expectFits((await renderAt(h(TransfersScreen, { active: [{ ...empty, state: 'verifying' }], history: [], selected: 0, ui }))).lastFrame())).not.toMatch(/100%/)
  })

  it('offers: the name is cut, the size stays, and the id is the one `ferry offers` shows; the peer ID only where the name keeps 32 cells', async () => {
    const offer = { id: '0123456789abcdef', peerId: PEER, peerName: long, files: 4, totalBytes: 450 * MiB, names: ['a.jpg'], receivedAt: NOW }
    const text = expectFits((await renderAt(h(OffersScreen, { offers: [offer], selected: 0, ui }))).lastFrame())
    expect(text).toMatch(/ベータ.*…  4 files  450\.0 MiB  just now  id 01234567/)
    const wide = expectFits((await renderAt(h(OffersScreen, { offers: [offer], selected: 0, ui: { ...ui, width: 100 } }), 100)).lastFrame(), 100)
    expect(wide).toMatch(/ベータ.*… \(…AAAAAAAA\)  4 files  450\.0 MiB  just now  id 01234567/)
  })

  it('offers: an offer whose paths the receive folder cannot all take says so before it is accepted, on one line cut to the width', async () => {
    const offer = { id: '0123456789abcdef', peerId: PEER, peerName: 'alpha', files: 40, totalBytes: 450 * MiB, names: ['trip/a.jpg'], receivedAt: NOW, refused: { files: 33, folders: 0, first: '"trip/album"\x1b[2J is a symbolic link here' } }
    const frame = (await renderAt(h(OffersScreen, { offers: [offer], selected: 0, ui: { ...ui, width: 100 } }), 100)).lastFrame() ?? ''
    const wide = expectFits(frame, 100)
    expect(wide).toContain('33 files cannot be received here and would be left out: "trip/album"[2J is a symbolic link here')
    expect(frame).not.toContain('\x1b[2J')
    const long = { ...offer, refused: { files: 1, folders: 0, first: `"${'x'.repeat(200)}" is a symbolic link in the receive folder` } }
    const text = expectFits((await renderAt(h(OffersScreen, { offers: [long], selected: 0, ui }))).lastFrame())
    expect(text.split('\n')).toHaveLength(3)
    expect(text).toMatch(/1 file cannot be received here and would be left out: "x+…$/m)
  })

  it('--json output escapes what JSON.stringify leaves raw and a terminal may act on (DEL, C1 such as CSI U+009B, line and bidi marks): the same JSON to a parser (review finding)', () => {
    const value = { label: 'a\u009b2Jb\u202ec\u2028d\u007fe', plain: 'IMG_1 (1).jpg' }
    const out = escapeForTerminal(JSON.stringify(value))
    expect(out).not.toMatch(/[\u007f-\u009f\u2028\u202e]/)
    expect(out).toContain('\\u009b')
    expect(JSON.parse(out)).toEqual(value)
  })

  it('CLI tables (`ferry peers`, `transfers`, `offers`): columns line up by terminal cells', () => {
    const lines = table([['NAME', 'STATE'], ['ベータ端末📱', 'online'], ['beta', 'offline']]).split('\n')
    expect(lines.slice(0, 3).map((l) => displayWidth(l.slice(0, l.search(/(STATE|online|offline)$/))))).toEqual([14, 14, 14])
  })

  it('on an ASCII-only terminal (FERRY_ASCII) cut names and short peer IDs end in "..." (user-test finding)', async () => {
    const ascii = { ...ui, unicode: false }
    const offer = { id: '0123456789abcdef', peerId: PEER, peerName: long, files: 4, totalBytes: 450 * MiB, names: ['a.jpg'], receivedAt: NOW }
    const text = expectFits((await renderAt(h(OffersScreen, { offers: [offer], selected: 0, ui: { ...ascii, width: 100 } }), 100)).lastFrame(), 100)
    expect(text).toMatch(/\.\.\. \(\.\.\.AAAAAAAA\)  4 files/)
    const peer = { peerId: PEER, name: 'a device with a name far too long for its column', addrs: [], online: true, lastSeen: NOW, paired: true }
    const peers = expectFits((await renderAt(h(PeersScreen, { peers: [peer], selected: 0, ui: ascii }))).lastFrame())
    expect(peers).toMatch(/\.\.\. +\.\.\.AAAAAAAA/)
    expect(text + peers).not.toContain('…')
  })

  it('peers: the columns after a CJK name line up with the header', async () => {
    const peer = { peerId: PEER, name: 'ベータ端末📱', addrs: [], online: true, lastSeen: NOW, paired: true }
    const lines = expectFits((await renderAt(h(PeersScreen, { peers: [peer], selected: 0, ui }))).lastFrame()).split('\n')
    const col = (l: string, s: string): number => displayWidth(l.slice(0, l.indexOf(s)))
    expect(col(lines[1], '✓')).toBe(col(lines[0], 'PAIRED'))
  })
})

describe('Peers screen columns', () => {
  it('keeps a space between "offline" and the PAIRED column', async () => {
    const peer = { peerId: PEER, name: 'alice', addrs: [], online: false, lastSeen: NOW - 48_000, paired: true }
    const r = await renderAt(h(PeersScreen, { peers: [peer, { ...peer, peerId: PEER.replace('A', 'B'), name: 'bob', online: true }], selected: 0, ui: { ...defaultUi, color: false, now: NOW } }))
    const text = expectFits(r.lastFrame())
    expect(text).toMatch(/alice\s+…AAAAAAAA ○ offline\s+✓ yes\s+48s ago/)
    expect(text).toMatch(/bob\s+…AAAAAAAA ● online\s+✓ yes\s+now/)
    const header = text.split('\n')[0]
    expect(header.indexOf('PAIRED')).toBe(text.split('\n')[1].indexOf('✓'))
  })
})

describe('two peers of one name (user-test finding: a device set up anew kept its name, and its old and new identities read the same on every screen)', () => {
  const OLD = '12D3KooWOldOldOldOldOldOldOldOldOldOld7zPUrfSX'
  const NEW = '12D3KooWNewNewNewNewNewNewNewNewNewNewQx4mNwa2'
  const ui = { ...defaultUi, color: false, now: NOW }
  const render40 = async (view: (narrow: Ui) => ReactElement): Promise<string> =>
    expectFits((await renderAt(h(Box, { width: 40 }, view({ ...ui, width: 40 })), 40)).lastFrame(), 40)

  it('peers: on a narrow terminal, without the ID column, the shared name has the end of each ID; a name of its own has none', async () => {
    const peer = (peerId: string, name: string, online: boolean) => ({ peerId, name, addrs: [], online, lastSeen: NOW, paired: true })
    const text = await render40((narrow) => h(PeersScreen, { peers: [peer(NEW, 'alice-laptop', true), peer(OLD, 'alice-laptop', false), peer(PEER, 'bob', true)], selected: 0, ui: narrow }))
    expect(text).toMatch(/alice-la\S* …Qx4mNwa2 ● online/)
    expect(text).toMatch(/alice-la\S* …7zPUrfSX ○ offline/)
    expect(text).toMatch(/bob\s+● online/)
    expect(text).not.toContain('…AAAAAAAA')
  })

  it('offers: the end of the ID stays with a shared name where a name of its own loses its ID first', async () => {
    const offer = (id: string, peerId: string, peerName: string) => ({ id, peerId, peerName, files: 4, totalBytes: 450 * MiB, names: ['a.jpg'], receivedAt: NOW })
    const text = await render40((narrow) => h(OffersScreen, { offers: [offer('o1', NEW, 'alice-laptop'), offer('o2', OLD, 'alice-laptop'), offer('o3', PEER, 'bob')], selected: 0, ui: narrow }))
    expect(text).toMatch(/alice-\S* …Qx4mNwa2  4 files/)
    expect(text).toMatch(/alice-\S* …7zPUrfSX  4 files/)
    expect(text).toMatch(/bob  4 files/)
    expect(text).not.toContain('…AAAAAAAA')
  })

  it('transfers: active and history lines with a shared name have the end of its ID; a long name is cut before it', async () => {
    const long = 'alice-workstation-upstairs'
    const now = sending({ peerId: NEW, peerName: long })
    const before = sending({ id: 'h', peerId: OLD, peerName: long, state: 'done', doneBytes: 200 * MiB, finishedAt: NOW - 1000, receipt: { root: 'ab', signature: 's', verified: true } })
    const bob = sending({ id: 'b', peerName: 'bob', state: 'done', doneBytes: 200 * MiB, finishedAt: NOW - 1000 })
    const text = expectFits((await renderAt(h(TransfersScreen, { active: [now], history: [before, bob], selected: 0, ui }))).lastFrame())
    expect(text).toMatch(/↑ to alice-workstation-upstairs …Qx4mNwa2  2 files  transferring/)
    // the size kept at 80, the name cut before the end of its ID is
    expect(text).toMatch(/done\s+verified\s+↑ to alice-works\S*… …7zPUrfSX  2 files, 200\.0 MiB$/m)
    expect(text).toMatch(/↑ to bob  2 files/)
    const narrow = await render40((narrow) => h(TransfersScreen, { active: [now], history: [before], selected: 0, ui: narrow }))
    expect(narrow).toMatch(/↑ to alice-\S*… …Qx4mNwa2/)
    expect(narrow).toMatch(/↑ to alice\S*… …7zPUrfSX$/m)
  })
})

describe('a peer\'s name is the last to shrink (user-test finding: at 80 and 60 columns the name was cut while the ID, the time, the last seen stayed)', () => {
  const name = 'alice-workstation-upstairs'
  const ui = { ...defaultUi, color: false, now: NOW }
  const at = async (width: number, tree: ReactElement): Promise<string> =>
    expectFits((await renderAt(h(Box, { width }, tree), width)).lastFrame(), width)

  it('peers: at 60 columns LAST SEEN gives way, then the ID', async () => {
    const peer = { peerId: PEER, name, addrs: [], online: false, lastSeen: NOW - 60_000, paired: true }
    const text = await at(60, h(PeersScreen, { peers: [peer], selected: 0, ui: { ...ui, width: 60 } }))
    expect(text).toMatch(/alice-workstation-upstairs\s+…AAAAAAAA ○ offline ✓ yes$/m)
    expect(text).not.toContain('LAST SEEN')
    const longer = await at(60, h(PeersScreen, { peers: [{ ...peer, name: `${name}-2nd` }], selected: 0, ui: { ...ui, width: 60 } }))
    expect(longer).toMatch(/alice-workstation-upstairs-2nd\s+○ offline ✓ yes$/m)
    expect(await at(80, h(PeersScreen, { peers: [peer], selected: 0, ui }))).toMatch(/alice-workstation-upstairs\s+…AAAAAAAA ○ offline ✓ yes\s+1m ago$/m)
  })

  it('send: at 40 columns the ID column gives way to the name; a name two peers share keeps the end of each ID', async () => {
    const peer = (peerId: string, name: string) => ({ peerId, name, addrs: [], online: true, lastSeen: NOW, paired: true })
    const send = (peers: ReturnType<typeof peer>[], width = 40) => h(SendScreen, { peers, sendTo: peers[0].peerId, paths: '', missing: [], onPathsChange: () => {}, onSubmit: () => {}, ui: { ...ui, width } })
    expect(await at(40, send([peer(PEER, name), peer(`${PEER}2`, 'bob')]))).toMatch(/› alice-workstation-upstairs +online$/m)
    const twins = await at(40, send([peer(PEER, name), peer('12D3KooWOldOldOldOldOldOldOldOldOldOld7zPUrfSX', name)]))
    expect(twins).toMatch(/› alice-\S*… …AAAAAAAA +online$/m)
    expect(twins).toMatch(/ {2}alice-\S*… …7zPUrfSX +online$/m)
    expect(await at(80, send([peer(PEER, name)], 80))).toMatch(/› alice-workstation-upstairs +…AAAAAAAA +online$/m)
  })

  it('send: the paths not found take the rows left, and say how many more there are (found using the TUI at 50x15: cut off with no word)', async () => {
    const peer = { peerId: PEER, name: 'alice', addrs: [], online: true, lastSeen: NOW, paired: true }
    const missing = Array.from({ length: 12 }, (_, i) => `/home/someone/Pictures/holiday-2026/missing-${i}.jpg`)
    const screen = (rows: number) => h(SendScreen, { peers: [peer], sendTo: PEER, paths: '', missing, onPathsChange: () => {}, onSubmit: () => {}, ui: { ...ui, width: 50, rows } })
    const text = (await at(50, screen(9))).split('\n')
    // to, the peer, a gap, the prompt (2 rows at 50), the field: 6 rows; 3 left for what was not found
    const from = text.findIndex((l) => l.startsWith('✗ not found:'))
    expect(from).toBeGreaterThan(0)
    const said = text.slice(from).join(' ')
    expect(text.length - from, said).toBeLessThanOrEqual(3)
    expect(said).toMatch(/missing-0\.jpg.*, and \d+ more$/)
    // with room, all of them
    expect((await at(50, screen(40))).replace(/\s+/g, ' ')).toMatch(/missing-11\.jpg$/)
  })

  it('offers: at 80 columns the peer ID gives way, at 60 the time and the offer\'s id too', async () => {
    const offer = { id: '0123456789abcdef', peerId: PEER, peerName: name, files: 4, totalBytes: 450 * MiB, names: ['a.jpg'], receivedAt: NOW }
    expect(await at(80, h(OffersScreen, { offers: [offer], selected: 0, ui }))).toMatch(/› alice-workstation-upstairs  4 files  450\.0 MiB  just now  id 01234567$/m)
    expect(await at(60, h(OffersScreen, { offers: [offer], selected: 0, ui: { ...ui, width: 60 } }))).toMatch(/› alice-workstation-upstairs  4 files  450\.0 MiB$/m)
  })

  it('transfers: at 50 columns the file count and the long state give way; History at 80 keeps the name before the size and time', async () => {
    const active = sending({ peerName: name, state: 'waiting' })
    const ended = sending({ id: 'h', peerName: 'alice-workstation-attic', state: 'done', doneBytes: 200 * MiB, finishedAt: NOW - 1000, receipt: { root: 'ab', signature: 's', verified: true } })
    expect(await at(50, h(TransfersScreen, { active: [active], history: [], selected: 0, ui: { ...ui, width: 50 } }))).toMatch(/↑ to alice-workstation-upstairs  waiting$/m)
    expect(await at(80, h(TransfersScreen, { active: [], history: [ended], selected: 0, ui }))).toMatch(/verified\s+↑ to alice-workstation-attic  2 files, 200\.0 MiB$/m)
  })
})

describe('a waiting transfer says why it waits (user-test finding: "waiting for peer" and no more, where `ferry transfers` says why)', () => {
  const ui = { ...defaultUi, color: false, now: NOW }
  const why = 'cannot reach alice: not online (127.0.0.1:47102 refuses connections: ferry there not running)'
  const waiting = sending({ state: 'waiting', rate: 0, etaSeconds: null, error: { code: 'E_PEER_UNREACHABLE', message: why } })

  it('under its bar, wrapped between words over at most two lines, the second cut', async () => {
    const text = expectFits((await renderAt(h(TransfersScreen, { active: [waiting], history: [], selected: 0, ui }))).lastFrame())
    expect(text).toContain('    E_PEER_UNREACHABLE: cannot reach alice: not online (127.0.0.1:47102 refuses\n    connections: ferry there not running)')
    const narrow = expectFits((await renderAt(h(Box, { width: 40 }, h(TransfersScreen, { active: [waiting], history: [], selected: 0, ui: { ...ui, width: 40 } })), 40)).lastFrame(), 40)
    expect(narrow).toMatch(/^ {4}E_PEER_UNREACHABLE: cannot reach\n {4}alice: not online \(127\.0\.0\.1:47102 …$/m)
    // the same in `ferry send`'s live view, which draws the transfer as the Transfers screen does
    const live = expectFits((await renderAt(h(SendProgress, { peer: 'alice', paths: 1, transfer: waiting, ui }))).lastFrame())
    expect(live).toContain('E_PEER_UNREACHABLE: cannot reach alice')
  })

  it('two transfers\' bars are as wide, whatever their totals (user-test finding: 46 and 42 cells at 100 columns)', async () => {
    for (const width of [100, 80, 60]) {
      const two = [sending({ id: 'big', totalBytes: 512 * MiB, doneBytes: 300 * MiB }), sending({ id: 'small', totalBytes: 5 * 1024, doneBytes: 1024 })]
      const text = expectFits((await renderAt(h(Box, { width }, h(TransfersScreen, { active: two, history: [], selected: 0, ui: { ...ui, width } })), width)).lastFrame(), width)
      const bars = text.split('\n').filter((l) => l.includes('░')).map((l) => l.trim().split(' ')[0].length)
      expect(bars, `at ${width} columns`).toHaveLength(2)
      expect(bars[0], `at ${width} columns`).toBe(bars[1])
    }
  })

  it('its hint wraps under its own indent on a narrow terminal (user-test finding: at 40 columns its lines began at the edge)', async () => {
    const text = expectFits((await renderAt(h(SendProgress, { peer: 'alice', paths: 1, transfer: waiting, ui: { ...ui, width: 40 } }), 40)).lastFrame(), 40)
    const hint = text.split('\n').slice(text.split('\n').findIndex((l) => l.includes('the receiver is unreachable')))
    expect(hint.length).toBeGreaterThan(1)
    for (const l of hint.filter((l) => l.trim() !== '')) expect(l, 'each line of the hint indented').toMatch(/^ {2}\S/)
  })

  it('counts its wait up in its header, in the TUI and the live view (user-test finding: the screen at 20 s of a wait was the one at 1 s)', async () => {
    const since = sending({ state: 'waiting', rate: 0, etaSeconds: null, error: { code: 'E_PEER_UNREACHABLE', message: why }, waitingSince: ui.now - 65_400 })
    expect(expectFits((await renderAt(h(TransfersScreen, { active: [since], history: [], selected: 0, ui }))).lastFrame())).toContain('to alice  2 files  waiting for peer 1m 05s')
    expect(expectFits((await renderAt(h(SendProgress, { peer: 'alice', paths: 1, transfer: { ...since, waitingSince: ui.now - 42_000 }, ui }))).lastFrame())).toContain('waiting for peer 42s')
    // under a second, and where not known, none
    expect(expectFits((await renderAt(h(TransfersScreen, { active: [{ ...since, waitingSince: ui.now - 400 }], history: [], selected: 0, ui }))).lastFrame())).toMatch(/waiting for peer$/m)
    expect(expectFits((await renderAt(h(TransfersScreen, { active: [waiting], history: [], selected: 0, ui }))).lastFrame())).toMatch(/waiting for peer$/m)
  })

  it('no rate or ETA while it waits, as `ferry transfers` has none (a user-test finding there: "0 B/s" read as stuck); both while it moves', async () => {
    const text = expectFits((await renderAt(h(TransfersScreen, { active: [waiting, sending({ id: 't2', state: 'offered', awaitingDecision: true }), sending({ id: 't3' })], history: [], selected: 0, ui }))).lastFrame())
    expect(text).toMatch(/ 25%  50\.0 MiB \/ 200\.0 MiB\n {4}E_PEER_UNREACHABLE/)
    expect(text).toMatch(/offered, waiting to be accepted there\n.* 25%  50\.0 MiB \/ 200\.0 MiB$/m)
    expect(text).toMatch(/transferring\n.* 25%  50\.0 MiB \/ 200\.0 MiB  21\.0 MiB\/s  ETA 8s$/m)
    expect(text.match(/B\/s/g)).toHaveLength(1)
    // at 60 columns, where a moving one's rate goes on a line of its own, the bar of one that waits is as wide (review finding: cut to 10 cells)
    const bars = expectFits((await renderAt(h(Box, { width: 60 }, h(TransfersScreen, { active: [waiting, sending({ id: 't3' })], history: [], selected: 0, ui: { ...ui, width: 60 } })), 60)).lastFrame(), 60)
      .split('\n').filter((l) => l.includes('░')).map((l) => l.trim().indexOf(' '))
    expect(bars).toHaveLength(2)
    expect(bars[0]).toBe(bars[1])
    expect(bars[0]).toBeGreaterThan(20)
  })

  it('one that moves with no rate measured yet (its first second, as hashing begins) shows none, "—", not "0 B/s" (read as stuck) nor a rate from a moment (notes\' leftover: "256 KiB/s, ETA 19m")', async () => {
    const starting = sending({ id: 't4', state: 'hashing', doneBytes: 0.6 * MiB, rate: 0, etaSeconds: null })
    const text = expectFits((await renderAt(h(TransfersScreen, { active: [starting], history: [], selected: 0, ui }))).lastFrame())
    // while hashing, what was read ("hashed"), and no ETA: it would be the hashing's (helper finding: "ETA 1s", 30 s to go)
    expect(text).toMatch(/ 0%\s+hashed 614\.4 KiB \/ 200\.0 MiB  —$/m)
    expect(text).not.toContain('B/s')
    expect(text).not.toContain('ETA')
    const hashingFast = expectFits((await renderAt(h(TransfersScreen, { active: [{ ...starting, doneBytes: 180 * MiB, rate: 1000 * MiB, etaSeconds: 1 }], history: [], selected: 0, ui }))).lastFrame())
    expect(hashingFast).toMatch(/ 90%\s+hashed 180\.0 MiB \/ 200\.0 MiB  1000\.0 MiB\/s$/m)
    const live = expectFits((await renderAt(h(SendProgress, { peer: 'alice', paths: 1, transfer: { ...starting, state: 'fetching' }, ui: { ...ui, unicode: false } }))).lastFrame())
    expect(live).toMatch(/ 0%\s+614\.4 KiB \/ 200\.0 MiB  -  ETA --$/m)
    expect(live).not.toContain('B/s')
  })

  it('a reason that fits on one line takes one line, with no empty line under it (found using the TUI at 200x50: a blank line under each "waiting its turn")', async () => {
    const short = sending({ state: 'waiting', rate: 0, etaSeconds: null, inFlight: [], error: { code: 'E_LIMIT', message: 'waiting its turn' } })
    const text = expectFits((await renderAt(h(TransfersScreen, { active: [short, sending({ id: 't2' })], history: [], selected: 0, ui }))).lastFrame())
    expect(text).toMatch(/ {4}E_LIMIT: waiting its turn\n.*↑ to alice/)
  })

  it('the transfers that do not fit are counted with what they do: "+2 more, waiting its turn" (found using the TUI at 80x24: six sends at once, the two waiting their turn were "+2 more" alone)', async () => {
    const turn = { code: 'E_LIMIT' as const, message: 'waiting its turn: alice starts it after receives under way there (it runs a few at a time from one device, and one at a time of the same files)' }
    const running = [1, 2, 3, 4].map((i) => sending({ id: `r${i}`, inFlight: [{ path: `big${i}.bin`, size: 200 * MiB, doneBytes: 50 * MiB }] }))
    const waits = [5, 6].map((i) => sending({ id: `w${i}`, state: 'waiting', rate: 0, etaSeconds: null, doneBytes: 0, error: turn }))
    const text = expectFits((await renderAt(h(TransfersScreen, { active: [...running, ...waits], history: [], selected: 0, ui: { ...ui, rows: 14 } }))).lastFrame())
    expect(text).toMatch(/^ {2}\+2 more, waiting its turn$/m)
    // of several kinds, each counted
    const mixed = expectFits((await renderAt(h(TransfersScreen, { active: [...running, waits[0], sending({ id: 'x', state: 'hashing' }), waits[1]], history: [], selected: 0, ui: { ...ui, rows: 14 } }))).lastFrame())
    expect(mixed).toMatch(/^ {2}\+3 more: 2 waiting its turn, 1 hashing$/m)
  })

  it('a receive held back by the limit of receives at once waits its turn, not for its peer (user-test finding: "waiting for peer" while the peer was online and sending)', async () => {
    const held = sending({ state: 'waiting', direction: 'receive', rate: 0, etaSeconds: null, error: { code: 'E_LIMIT', message: 'waiting its turn: 4 other receives from alice are under way, 4 at most at once from one device' } })
    const text = expectFits((await renderAt(h(TransfersScreen, { active: [held], history: [], selected: 0, ui }))).lastFrame())
    expect(text).toContain('waiting its turn')
    expect(text).not.toContain('waiting for peer')
  })

  it('none for a transfer that waits without a reason, or that moves', async () => {
    const text = expectFits((await renderAt(h(TransfersScreen, { active: [{ ...waiting, error: undefined }, sending({ id: 't2' })], history: [], selected: 0, ui }))).lastFrame())
    expect(text).not.toContain('E_')
  })
})

describe('wrapped lines (user-test findings: a wrapped notice began " (press u again)"; at 40 columns History said "↑ to de…")', () => {
  const ui = { ...defaultUi, color: false, now: NOW }

  it('a line that wrapping began does not start with the space it broke at, with colours on or off; the first keeps its indent', async () => {
    const notice = 'unpaired alice-workstation-upstairs (press u again)'
    for (const color of [false, true]) {
      const r = await renderAt(h(StatusBar, { connection: 'connected', selfName: 'laptop', notice, help: 'q quit', ui: { ...ui, width: 26, color } }), 26)
      const lines = stripAnsi(r.lastFrame() ?? '').split('\n')
      expect(lines).toContain('alice-workstation-upstairs')
      expect(lines).toContain('(press u again)')
      for (const l of lines) expect(l, lines.join('\n')).not.toMatch(/^ /)
    }
    const error = { code: 'E_PAIRING_FAILED', message: 'the other device refused the code: check it, or show a new one there' }
    const text = stripAnsi((await renderAt(h(StatusBar, { connection: 'connected', error, help: 'q quit', ui: { ...ui, width: 28 } }), 28)).lastFrame() ?? '')
    expect(text.split('\n').filter((l) => l.startsWith(' '))).toEqual([])
    const fingerprint = stripAnsi((await renderAt(h(Box, { width: 30 }, para('p', {}, '  indented, and long enough to wrap twice over')), 30)).lastFrame() ?? '')
    expect(fingerprint).toBe('  indented, and long enough to\nwrap twice over')
  })

  it('History at 40 columns: an error code too wide for a lined-up status column leaves each status as long as it is, and the peers their names', async () => {
    const ended = (over: Partial<TransferInfo>): TransferInfo => sending({ peerName: 'desktop', state: 'done', doneBytes: 200 * MiB, finishedAt: NOW - 1000, receipt: { root: 'ab', signature: 's', verified: true }, ...over })
    const history = [ended({ id: 'a' }), ended({ id: 'b', state: 'failed', error: { code: 'E_PEER_UNREACHABLE', message: 'x' } })]
    const narrow = expectFits((await renderAt(h(Box, { width: 40 }, h(TransfersScreen, { active: [], history, selected: 0, ui: { ...ui, width: 40 } })), 40)).lastFrame(), 40)
    expect(narrow).toMatch(/^[ ›] ✓ done verified ↑ to desktop/m)
    expect(narrow).toMatch(/^[ ›] ✗ failed E_PEER_UNREACHABLE ↑ to desk/m)
    // at 60 there is room for the column
    const wide = expectFits((await renderAt(h(Box, { width: 60 }, h(TransfersScreen, { active: [], history, selected: 0, ui: { ...ui, width: 60 } })), 60)).lastFrame(), 60)
    expect(wide).toMatch(/^[ ›] ✓ done {5}verified {11}↑ to desktop/m)
  })
})
