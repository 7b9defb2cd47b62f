// What `ferry send` writes to stderr where it draws no progress (a pipe, or
// --json): a line when the send starts to wait and why, again only when the
// reason changes, one when it goes on, and an offer left unanswered said
// only once it has waited a while (every send is `offered` for a moment).

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { WaitNotes } from '../../src/cli/progress.ts'
import type { TransferInfo } from '../../src/daemon/control/types.ts'

const info = (state: TransferInfo['state'], error?: TransferInfo['error']): TransferInfo => ({
  id: 'ab', direction: 'send', peerId: 'p', peerName: 'nas\x1b[2J', state, files: 1, totalBytes: 10, doneBytes: 0, wireBytes: 0,
  rate: 0, etaSeconds: null, inFlight: [], root: '', createdAt: 0, resumed: false, error
})

describe('WaitNotes', () => {
  let lines: string[]
  let notes: WaitNotes
  beforeEach(() => { vi.useFakeTimers(); lines = []; notes = new WaitNotes((l) => { lines.push(l) }, 3000) })
  afterEach(() => { notes.close(); vi.useRealTimers() })

  it('says nothing for a send that goes through', () => {
    for (const s of ['hashing', 'offered', 'fetching', 'verifying', 'done'] as const) notes.update(info(s))
    vi.advanceTimersByTime(10_000)
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

  it('an offer unanswered for a while is said, once, and so is its acceptance; a final state adds nothing', () => {
    notes.update(info('offered'))
    vi.advanceTimersByTime(2999)
    expect(lines).toEqual([])
    vi.advanceTimersByTime(1)
    notes.update(info('offered'))
    vi.advanceTimersByTime(10_000)
    expect(lines).toEqual(['ferry: offered to nas[2J; waiting for it to be accepted there (Ctrl-C cancels)'])
    notes.update(info('fetching'))
    expect(lines.at(-1)).toBe('ferry: sending to nas[2J')
    notes.update(info('waiting'))
    notes.update(info('failed', { code: 'E_TIMEOUT', message: 'x' }))
    expect(lines).toHaveLength(3)
  })
})
