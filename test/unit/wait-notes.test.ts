// What `ferry send` writes to stderr where it draws no progress (a pipe, or
// --json): a line when the send starts to wait and why, again only when the
// reason changes, one when it goes on, and an offer its receiver holds for a
// person there (every send is `offered` for a moment: that is no news).

import { beforeEach, describe, expect, it, vi } from 'vitest'
import { drawsOn, keysReach, liveKeysReach, ownTerminalForeground, progressLine, WaitNotes, wantsLive } from '../../src/cli/progress.ts'
import type { TransferInfo } from '../../src/daemon/control/types.ts'
import { TransferShown } from '../../src/cli/transfer-shown.ts'

const info = (state: TransferInfo['state'], error?: TransferInfo['error'], awaitingDecision?: boolean): TransferInfo => ({
  id: 'ab', direction: 'send', peerId: 'p', peerName: 'nas\x1b[2J', state, files: 1, totalBytes: 10, doneBytes: 0, wireBytes: 0,
  rate: 0, etaSeconds: null, inFlight: [], root: '', createdAt: 0, resumed: false, error, awaitingDecision
})

describe('WaitNotes', () => {
  let lines: string[]
  let notes: WaitNotes
  beforeEach(() => { lines = []; notes = new WaitNotes((l) => { lines.push(l) }) })

  it('says nothing for a send that goes through', () => {
    for (const s of ['hashing', 'offered', 'fetching', 'verifying', 'done'] as const) notes.update(info(s))
    expect(lines).toEqual([])
  })

  it('says why it waits, once per reason, and that it goes on; the peer\'s name without its control characters', () => {
    notes.update(info('fetching'))
    notes.update(info('waiting'))
    notes.update(info('waiting'))
    notes.update(info('waiting', { code: 'E_PEER_UNREACHABLE', message: 'cannot reach nas: refused' }))
    notes.update(info('offered'))
    notes.update(info('fetching'))
    notes.update(info('fetching'))
    expect(lines).toEqual([
      'ferry: waiting for nas[2J (not connected); the send goes on by itself when it can (Ctrl-C cancels)',
      'ferry: waiting for nas[2J (E_PEER_UNREACHABLE: cannot reach nas: refused); the send goes on by itself when it can (Ctrl-C cancels)',
      'ferry: sending to nas[2J'
    ])
  })

  it('an offer its receiver holds for a person there is said, once, and so is its acceptance; offers again while the peer cannot be reached say nothing more (review finding: "waiting to be accepted" at every try); a final state adds nothing', () => {
    notes.update(info('offered'))
    expect(lines).toEqual([])
    notes.update(info('offered', undefined, true))
    notes.update(info('offered', undefined, true))
    expect(lines).toEqual(['ferry: offered to nas[2J; waiting for it to be accepted there (Ctrl-C cancels)'])
    // its receiver offline, then back: said each time (user-test finding: never, on a pipe)
    notes.update({ ...info('offered', undefined, true), peerOffline: true })
    notes.update({ ...info('offered', undefined, true), peerOffline: true })
    notes.update(info('offered', undefined, true))
    expect(lines.slice(1)).toEqual(['ferry: nas[2J is offline now; the offer waits there to be accepted, and the send goes on once it is back (Ctrl-C cancels)', 'ferry: offered to nas[2J; waiting for it to be accepted there (Ctrl-C cancels)'])
    notes.update(info('fetching'))
    expect(lines.at(-1)).toBe('ferry: sending to nas[2J')
    const gone = { code: 'E_PEER_UNREACHABLE' as const, message: 'cannot reach nas' }
    notes.update(info('waiting', gone))
    notes.update(info('offered'))
    notes.update(info('waiting', gone))
    notes.update(info('offered'))
    notes.update(info('waiting', gone))
    expect(lines).toHaveLength(5)
    notes.update(info('failed', { code: 'E_TIMEOUT', message: 'x' }))
    expect(lines).toHaveLength(5)
  })

  it('a transfer whose bytes stopped is said once as it stalls, with its seconds then, and once as it moves again (notes\' leftover: on a pipe nothing told a stall from a send going on)', () => {
    const stalled = (state: TransferInfo['state'], seconds: number, direction: TransferInfo['direction'] = 'send'): TransferInfo => ({ ...info(state), direction, stalledSeconds: seconds })
    notes.update(info('fetching'))
    notes.update(stalled('fetching', 10))
    notes.update(stalled('fetching', 11))
    notes.update(stalled('fetching', 12))
    expect(lines).toEqual(['ferry: stalled: nothing has gone to nas[2J for 10 s; the send goes on by itself when it can (Ctrl-C cancels)'])
    notes.update(info('fetching'))
    notes.update(info('fetching'))
    expect(lines.at(-1)).toBe('ferry: sending to nas[2J')
    // a stall that turns into a wait for the peer says the wait, and the stall after it again
    notes.update(stalled('fetching', 10))
    notes.update(info('waiting', { code: 'E_PEER_UNREACHABLE', message: 'gone' }))
    notes.update(stalled('fetching', 10))
    expect(lines.slice(2)).toEqual([
      'ferry: stalled: nothing has gone to nas[2J for 10 s; the send goes on by itself when it can (Ctrl-C cancels)',
      'ferry: waiting for nas[2J (E_PEER_UNREACHABLE: gone); the send goes on by itself when it can (Ctrl-C cancels)',
      'ferry: stalled: nothing has gone to nas[2J for 10 s; the send goes on by itself when it can (Ctrl-C cancels)'
    ])
    const receive = new WaitNotes((l) => { lines.push(l) }, { waitOnly: true })
    receive.update(stalled('fetching', 14, 'receive'))
    receive.update(stalled('hashing', 11))
    expect(lines.slice(5)).toEqual([
      'ferry: stalled: nothing has come from nas[2J for 14 s; the receive goes on by itself when it can (Ctrl-C ends this wait, not the receive)',
      'ferry: stalled: hashing has read nothing for 11 s; the send goes on by itself when it can (Ctrl-C ends this wait, not the send)'
    ])
  })

  it('for `ferry wait`: Ctrl-C ends the wait, not the transfer, and a receive is said as one (user-test finding: `ferry wait` said nothing while it waited)', () => {
    const waitNotes = new WaitNotes((l) => { lines.push(l) }, { waitOnly: true })
    waitNotes.update(info('offered', undefined, true))
    waitNotes.update(info('fetching'))
    waitNotes.update({ ...info('waiting'), direction: 'receive' })
    waitNotes.update({ ...info('fetching'), direction: 'receive' })
    expect(lines).toEqual([
      'ferry: offered to nas[2J; waiting for it to be accepted there (Ctrl-C ends this wait, not the send)',
      'ferry: sending to nas[2J',
      'ferry: waiting for nas[2J (not connected); the receive goes on by itself when it can (Ctrl-C ends this wait, not the receive)',
      'ferry: receiving from nas[2J'
    ])
  })

  it('with no terminal (cron, `timeout` in a script) the notes `ferry send` and `ferry wait` write say no Ctrl-C, which no one there can press; with --json at a terminal they still do (user-test finding: "(Ctrl-C cancels)" in cron mail)', () => {
    const tty = { stdin: process.stdin.isTTY, stderr: process.stderr.isTTY }
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    const shownLines = (): string[] => write.mock.calls.map((c) => String(c[0]))
    try {
      for (const waitOnly of [false, true]) {
        process.stdin.isTTY = false as true
        process.stderr.isTTY = false as true
        write.mockClear()
        new TransferShown(false, undefined, { waitOnly }).update(info('waiting'))
        expect(shownLines()).toEqual(['ferry: waiting for nas[2J (not connected); the send goes on by itself when it can\n'])
        // a terminal whose Ctrl-C reaches the command (keysReach, below), its output --json: no drawing, the notes,
        // and the key to press
        process.stdin.isTTY = true
        process.stderr.isTTY = true
        write.mockClear()
        new TransferShown(true, undefined, { waitOnly, keys: keysReach(process.stdin, process.stderr, true) }).update(info('waiting'))
        expect(shownLines()).toEqual([`ferry: waiting for nas[2J (not connected); the send goes on by itself when it can (${waitOnly ? 'Ctrl-C ends this wait, not the send' : 'Ctrl-C cancels'})\n`])
      }
    } finally {
      write.mockRestore()
      process.stdin.isTTY = tty.stdin as true
      process.stderr.isTTY = tty.stderr as true
    }
  })
})

describe('progressLine (`ferry wait` on a terminal, `ferry send` with stdout not one)', () => {
  it('says what the transfer does as seen from this side: a receive is receiving, not sending; waiting is for the peer, as `ferry transfers` says it (user-test finding: `ferry wait` on the receiving device read "sending")', () => {
    const line = (direction: TransferInfo['direction'], state: TransferInfo['state']): string => progressLine({ ...info(state), direction, doneBytes: 5 })
    expect(line('send', 'fetching')).toMatch(/ sending$/)
    expect(line('receive', 'fetching')).toMatch(/ receiving$/)
    expect(line('receive', 'waiting')).toMatch(/ waiting for peer$/)
    expect(progressLine({ ...info('waiting', { code: 'E_LIMIT', message: 'waiting its turn: 4 other receives' }), direction: 'receive' })).toMatch(/ waiting its turn$/)
    expect(line('send', 'hashing')).toMatch(/ hashing$/)
    // no rate measured yet (its first second): none, not "0 B/s", which read as stuck
    // while hashing: what was read, and no ETA, which would be the hashing's, not the send's (helper finding)
    expect(line('send', 'hashing')).toMatch(/% hashed [^—]+ — hashing$/)
    expect(progressLine({ ...info('fetching'), doneBytes: 5, rate: 3 * 1024 * 1024, etaSeconds: 7 })).toMatch(/ 3\.0 MiB\/s ETA 7s sending$/)
    expect(line('receive', 'verifying')).toMatch(/ verifying$/)
  })

  it('says how many files are in place on the receiving side once any are (TransferInfo.doneFiles), as the live view does', () => {
    expect(progressLine({ ...info('fetching'), files: 300, doneFiles: 12, doneBytes: 5, rate: 3 * 1024 * 1024, etaSeconds: 7 })).toMatch(/ 5 B\/10 B 12\/300 files 3\.0 MiB\/s ETA 7s sending$/)
    expect(progressLine({ ...info('fetching'), files: 300, doneBytes: 5 })).not.toContain('files')
    // never wider than the terminal: left out where it does not fit beside a 10-cell bar (review finding: 83 cells at 80)
    const big = { ...info('fetching'), files: 100_000, doneFiles: 31_200, totalBytes: 381 * 2 ** 30, doneBytes: 121 * 2 ** 30, rate: 300 * 2 ** 20, etaSeconds: 3725 }
    expect(progressLine(big, 80).length).toBeLessThanOrEqual(80)
    expect(progressLine(big, 80)).not.toContain('files')
    expect(progressLine(big, 120)).toContain(' 31200/100000 files ')
    // done: the files that arrived, and no rate nor ETA (user-test finding: "— ETA -- done", the count gone)
    const done = progressLine({ ...info('done'), files: 500, doneBytes: 10, receipt: { root: 'r', signature: 's', verified: true } })
    expect(done).toMatch(/ 10 B\/10 B 500\/500 files done$/)
    expect(progressLine({ ...info('done'), files: 500, doneBytes: 10, receipt: { root: 'r', signature: 's', verified: true, notReceived: 2 } })).toContain(' 498/500 files done')
  })

  it('a transfer whose bytes stopped says it stalled and for how long, in place of its rate and ETA; one not measured yet keeps "—" (notes\' leftover: both read "— ETA --")', () => {
    expect(progressLine({ ...info('fetching'), direction: 'receive', doneBytes: 5, stalledSeconds: 12 })).toMatch(/ 5 B\/10 B stalled 12s receiving$/)
    expect(progressLine({ ...info('hashing'), doneBytes: 5, stalledSeconds: 3725 })).toMatch(/ stalled 1h 02m hashing$/)
    expect(progressLine({ ...info('fetching'), doneBytes: 5 })).toMatch(/ — ETA -- sending$/)
  })

  it('a send one byte short of its total (all served, its receipt not in yet) is not drawn as 100 %, nor with a full bar: percents are rounded down, as the TUI rounds them', () => {
    const total = 1024 * 1024 * 1024
    const line = progressLine({ ...info('fetching'), direction: 'send', totalBytes: total, doneBytes: total - 1 })
    expect(line).toMatch(/ 99% /)
    expect(line).toMatch(/-\]/)
    // nor its bytes as all of them (notes' leftover: "1024.0 MiB/1.0 GiB", rounded to nearest)
    expect(line).toContain(' 1023.9 MiB/1.0 GiB ')
    expect(progressLine({ ...info('verifying'), direction: 'send', totalBytes: 20 * 1024 * 1024, doneBytes: 20 * 1024 * 1024 - 1 })).toContain(' 19.9 MiB/20.0 MiB ')
    expect(progressLine({ ...info('done'), direction: 'send', totalBytes: total, doneBytes: total })).toMatch(/^\[#+\] 100% 1\.0 GiB\/1\.0 GiB /)
  })
})

describe('drawing on a terminal', () => {
  it('a terminal whose TERM is dumb (Emacs\' shell, IDE consoles) gets no live view and no redrawn line, as a pipe (user-test finding: escapes filled the output)', () => {
    const tty = { isTTY: true }
    expect(wantsLive(false, tty, { TERM: 'xterm-256color' })).toBe(true)
    expect(wantsLive(false, tty, {})).toBe(true)
    expect(wantsLive(false, tty, { TERM: 'dumb' })).toBe(false)
    expect(drawsOn(tty, { TERM: 'dumb' })).toBe(false)
    expect(drawsOn({ isTTY: false }, { TERM: 'xterm' })).toBe(false)
    expect(wantsLive(true, tty, {})).toBe(false)
  })
})

describe('whether a keyboard hint is for someone (keysReach)', () => {
  // /proc/self/stat: pid (comm) state ppid pgrp session tty_nr tpgid …
  const stat = (comm: string, pgrp: number, ttyNr: number, tpgid: number): string => `4242 (${comm}) S 4000 ${pgrp} 4000 ${ttyNr} ${tpgid} 4194304 1 0 0 0`

  it('the kernel says whether the terminal\'s Ctrl-C reaches this process: in its foreground group at a terminal, not under `timeout` (its own group) nor with no terminal (cron)', () => {
    expect(ownTerminalForeground(stat('node', 4100, 34816, 4100))).toBe(true)
    expect(ownTerminalForeground(stat('node', 4100, 34816, 4000))).toBe(false)
    expect(ownTerminalForeground(stat('node', 4100, 0, -1))).toBe(false)
    // a command name holding spaces and parentheses does not shift the fields
    expect(ownTerminalForeground(stat('a) 1 2 (b', 4100, 34816, 4100))).toBe(true)
    expect(ownTerminalForeground(stat('a) 1 2 (b', 4100, 34816, 99))).toBe(false)
    // not Linux, or not readable: unknown
    expect(ownTerminalForeground(null)).toBeNull()
    expect(ownTerminalForeground('garbage')).toBeNull()
    // this process's own, read for real here: a yes or no on Linux
    expect(typeof ownTerminalForeground()).toBe('boolean')
  })

  it('where the kernel says, that decides and not stdin (notes\' leftover: `ferry send … </dev/null` at a prompt had no hint, `timeout 60 ferry send …` at one had it); elsewhere stdin a terminal; stderr always one, read by a person', () => {
    const tty = { isTTY: true }
    const pipe = { isTTY: false }
    expect(keysReach(pipe, tty, true)).toBe(true)
    expect(keysReach(tty, tty, false)).toBe(false)
    expect(keysReach(tty, pipe, true)).toBe(false)
    expect(keysReach(tty, tty, null)).toBe(true)
    expect(keysReach(pipe, tty, null)).toBe(false)
    // a live view is drawn on a terminal: its hint unless the kernel says no
    expect([liveKeysReach(true), liveKeysReach(false), liveKeysReach(null)]).toEqual([true, false, true])
  })
})
