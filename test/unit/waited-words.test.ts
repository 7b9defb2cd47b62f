// What a transfer waited while it could not go on, in words, by cause (waited-words.ts).

import { describe, expect, it } from 'vitest'
import { waitedWords } from '../../src/tui/waited-words.ts'

const send = { direction: 'send' as const, peerName: 'beta' }
const receive = { direction: 'receive' as const, peerName: 'alpha' }

describe('waitedWords', () => {
  it('names the one cause it waited for (user-test finding: every cause there could be, for a receiver down 20 s)', () => {
    expect(waitedWords({ ...send, waitedSeconds: 20.1, waitedBy: { peer: 20.1 } }, 'fallback')).toBe('waited 20.1 s while beta was away')
    expect(waitedWords({ ...receive, waitedSeconds: 12, waitedBy: { down: 12 } }, 'fallback')).toBe('waited 12.0 s while this daemon was not running')
    expect(waitedWords({ ...receive, waitedSeconds: 13, waitedBy: { silent: 13 } }, 'fallback')).toBe('waited 13.0 s while alpha was silent')
    expect(waitedWords({ ...send, waitedSeconds: 3, waitedBy: { turn: 3 } }, 'fallback')).toBe('waited 3.0 s for its turn on beta')
    expect(waitedWords({ ...receive, waitedSeconds: 3, waitedBy: { turn: 3 } }, 'fallback')).toBe('waited 3.0 s for its turn here')
    expect(waitedWords({ ...send, waitedSeconds: 5, waitedBy: { room: 5 } }, 'fallback')).toBe('waited 5.0 s for room on beta')
    expect(waitedWords({ ...receive, waitedSeconds: 5, waitedBy: { room: 5 } }, 'fallback')).toBe('waited 5.0 s for room in the receive folder')
  })

  it('of several causes, the largest first, each with its time; a cause under a tenth of a second left out (a reconnect\'s moment beside a downtime)', () => {
    expect(waitedWords({ ...send, waitedSeconds: 42, waitedBy: { down: 12, peer: 30 } }, 'fallback')).toBe('waited 42.0 s: 30.0 s while beta was away, 12.0 s while this daemon was not running')
    expect(waitedWords({ ...send, waitedSeconds: 20.03, waitedBy: { down: 20, peer: 0.057 } }, 'fallback')).toBe('waited 20.0 s while this daemon was not running')
  })

  it('without a breakdown (a record from before causes were) says the fallback; nothing under a tenth of a second; a peer\'s name made safe', () => {
    expect(waitedWords({ ...send, waitedSeconds: 15 }, 'while it could not go on')).toBe('waited 15.0 s while it could not go on')
    expect(waitedWords({ ...send, waitedSeconds: 0.09, waitedBy: { peer: 0.09 } }, 'fallback')).toBe('')
    expect(waitedWords({ ...send }, 'fallback')).toBe('')
    expect(waitedWords({ direction: 'send', peerName: 'evil\x1b[2Jname', waitedSeconds: 2, waitedBy: { peer: 2 } }, 'fallback')).not.toContain('\x1b')
  })
})
