// `ferry status`'s lines: what it prints of paths the person chose (the receive folder) reaches a terminal escaped.
import { describe, expect, it } from 'vitest'
import { statusText } from '../../src/cli/commands/status.ts'
import type { StatusInfo } from '../../src/daemon/control/types.ts'

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
})
