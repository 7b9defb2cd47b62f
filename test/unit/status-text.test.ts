// `ferry status`'s lines: what it prints of paths the person chose (the receive folder) reaches a terminal escaped.
import { describe, expect, it } from 'vitest'
import { statusText, transfersLines } from '../../src/cli/commands/status.ts'
import type { StatusInfo, TransferInfo } from '../../src/daemon/control/types.ts'

const status = (over: Partial<StatusInfo>): StatusInfo => ({
  peerId: '12D3KooWtest',
  fingerprint: 'aaaa-bbbb-cccc-dddd',
  name: 'laptop',
  listenAddrs: ['/ip4/127.0.0.1/tcp/4774'],
  version: '0.1.0',
  uptimeMs: 1000,
  startedAt: 0,
  home: '/home/me/.local/state/ferry',
  receiveDir: '/home/me/Downloads/ferry',
  mdns: false,
  pid: 1,
  memory: { rss: 1, heapUsed: 1, external: 1, arrayBuffers: 1 },
  ...over
})

describe('statusText', () => {
  it('shows a receive folder whose name holds a newline or an escape sequence escaped, as paths are shown elsewhere, never raw (user-test finding: `--receive-dir $\'/tmp/in\\e[31mred\\nx\'` turned the terminal red and broke the line)', () => {
    const dir = '/tmp/in\x1b[31mred\nx'
    const text = statusText(status({ receiveDir: dir, receiveProblem: `${dir} is not writable`, keptParts: { folders: 1, bytes: 1024, dirs: [dir] } }))
    expect(text).not.toMatch(/\x1b/)
    expect(text).toContain('receive:   /tmp/in\\x1b[31mred\\nx (')
    expect(text).toContain('in /tmp/in\\x1b[31mred\\nx/.ferry-part, for a re-send')
    expect(text.split('\n').filter((l) => l !== '' && !/^[a-zA-Z ]+: {1,}/.test(l) && !l.startsWith(' '))).toEqual([])
  })

  it('says the home (state folder) in use, as --json has it, escaped as the receive folder is (user-test finding: only `--json` showed which home a daemon runs on)', () => {
    expect(statusText(status({}))).toContain('\nhome:      /home/me/.local/state/ferry\n')
    expect(statusText(status({ home: '/tmp/h\x1b[31m\nx' }))).toContain('\nhome:      /tmp/h\\x1b[31m\\nx\n')
  })
})

describe('transfersLines', () => {
  const t = (over: Partial<TransferInfo>): TransferInfo => ({
    id: 'ab'.repeat(16), direction: 'receive', peerId: '12D3KooWpeer', peerName: 'nas', state: 'fetching', files: 1, totalBytes: 10, doneBytes: 1, wireBytes: 1, rate: 0, etaSeconds: null, inFlight: [], root: '00', createdAt: 0, resumed: false, ...over
  })

  it('counts the transfers under way by what they do, and says why a receive waits for room: the one wait that asks something of the person here (notes\' leftover: `ferry status` said nothing of it)', () => {
    const room = "the receive folder's disk is full; this goes on by itself once there is room (free some there, or cancel this): the receive folder has 0 B free; this needs 33.5 MiB and keeps 14.1 MiB free"
    const text = transfersLines([
      t({}), t({}), t({ direction: 'send' }),
      t({ state: 'waiting', label: 'trip\x1b[2J', error: { code: 'E_NO_SPACE', message: room } }),
      t({ direction: 'send', state: 'waiting', error: { code: 'E_NO_SPACE', message: `receiver: ${room}` } }),
      t({ state: 'waiting', error: { code: 'E_PEER_UNREACHABLE', message: 'lost the connection' } }),
      t({ state: 'done' }), t({ state: 'failed', error: { code: 'E_NO_SPACE', message: 'x' } })
    ], 2)
    expect(text).toBe('transfers: 2 receiving, 1 sending, 1 waiting for room, 1 waiting for room on the receiver, 1 waiting for peer, 2 offers waiting for your decision (`ferry offers`)\n' +
      `           trip[2J: E_NO_SPACE: ${room}\n`)
    expect(statusText(status({}), { list: [t({ state: 'done' })], offers: 0 })).toContain('\ntransfers: none under way\n')
  })

  it('a send its receiver holds for a person there is said in the words of `ferry transfers`, `ferry send` and the TUI (user-test finding: "offered, awaiting a decision there" here alone)', () => {
    expect(transfersLines([t({ direction: 'send', state: 'offered', awaitingDecision: true }), t({ direction: 'send', state: 'offered' })], 0))
      .toBe('transfers: 1 waiting to be accepted there, 1 offered\n')
  })
})
