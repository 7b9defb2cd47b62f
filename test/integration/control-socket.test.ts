// The control socket used as a careless or hostile local client would use it,
// against a real daemon: raw lines written to <home>/control.sock, answers
// not read, lines too long. The daemon must answer what it can read, keep
// its memory bounded, and go on serving the others.

import { afterAll, describe, expect, it } from 'vitest'
import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { cleanupAll, control, startDaemon } from '../helpers/daemon.ts'
import { MAX_CONTROL_LINE } from '../../src/daemon/control/types.ts'

afterAll(cleanupAll)

async function rawConnect (home: string): Promise<Socket> {
  const s = connect(join(home, 'control.sock'))
  await new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('error', reject) })
  return s
}

/** The JSON lines `s` receives, as they come. */
function linesOf (s: Socket): Array<Record<string, any>> {
  const got: Array<Record<string, any>> = []
  let buf = ''
  s.setEncoding('utf8')
  s.on('data', (d: string) => {
    buf += d
    let nl: number
    while ((nl = buf.indexOf('\n')) >= 0) { got.push(JSON.parse(buf.slice(0, nl))); buf = buf.slice(nl + 1) }
  })
  return got
}

/** Whether `s` drains within `ms` (its reader takes what was written). */
async function drainsWithin (s: Socket, ms: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const timer = setTimeout(() => { s.off('drain', onDrain); resolve(false) }, ms)
    const onDrain = (): void => { clearTimeout(timer); resolve(true) }
    s.once('drain', onDrain)
  })
}

describe('the control socket', { timeout: 120_000 }, () => {
  it('a client that sends requests and never reads the answers is read no further once its answers pile up: the daemon\'s memory stays bounded, others are served (helper finding: 200,000 `peers` requests never read grew the daemon by 266 MB, kept after the client left)', async () => {
    const d = await startDaemon({ name: 'alpha' })
    const before = (await control(d, 'status')).memory.rss
    const greedy = await rawConnect(d.home)
    greedy.on('error', () => {})
    // never read: nothing takes what the daemon answers
    greedy.pause()
    const batch = '{"id":1,"method":"status"}\n'.repeat(1000)
    let written = 0
    let stalled = false
    // up to ~2.7 MB of requests, 100,000 answers of ~700 bytes; a daemon that stops reading stalls this within the socket buffers
    for (let i = 0; i < 100 && !stalled; i++) {
      written += batch.length
      if (!greedy.write(batch)) stalled = !(await drainsWithin(greedy, 3000))
    }
    expect(stalled).toBe(true)
    expect(written).toBeLessThan(1024 * 1024)
    // served meanwhile
    const after = await control(d, 'status')
    expect(after.memory.rss - before).toBeLessThan(64 * 1024 * 1024)
    greedy.destroy()
    expect((await control(d, 'peers'))).toEqual([])
    await d.stop()
  })

  it('a line too long is refused once: the rest of it, up to its newline, is not read as a line of its own, and the line after it is answered (helper finding: a second error, "not JSON: xxxx…", for its tail)', async () => {
    const d = await startDaemon({ name: 'alpha' })
    const s = await rawConnect(d.home)
    const got = linesOf(s)
    s.write('x'.repeat(MAX_CONTROL_LINE + 64 * 1024) + '{"id":5,"method":"peers"}\n')
    s.write('{"id":6,"method":"peers"}\n')
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => { clearInterval(poll); reject(new Error(`no answer to id 6: ${JSON.stringify(got)}`)) }, 20_000)
      const poll = setInterval(() => { if (got.some((m) => m.id === 6)) { clearInterval(poll); clearTimeout(deadline); resolve() } }, 50)
    })
    expect(got).toEqual([
      { id: 0, error: { code: 'E_MESSAGE_TOO_LARGE', message: expect.any(String) } },
      { id: 6, result: [] }
    ])
    s.destroy()
    await d.stop()
  })

  it('a client that writes its request and then closes its side (`echo … | socat - UNIX-CONNECT:…`, `nc -U -N`) gets its answer, then the daemon closes the connection (helper finding: `status` went unanswered, the socket ended before it was ready, while `peers` was answered)', async () => {
    const d = await startDaemon({ name: 'alpha' })
    for (const method of ['status', 'peers', 'nosuch']) {
      const s = await rawConnect(d.home)
      const got = linesOf(s)
      const closed = new Promise<void>((resolve) => s.once('close', () => { resolve() }))
      s.end(`{"id":1,"method":"${method}"}\n`)
      await Promise.race([closed, new Promise((_resolve, reject) => setTimeout(() => { reject(new Error(`the daemon did not close the connection after \`${method}\``)) }, 10_000))])
      expect(got).toHaveLength(1)
      expect(got[0].id).toBe(1)
      if (method === 'nosuch') expect(got[0].error.code).toBe('E_UNKNOWN_METHOD')
      else expect(got[0].result).toBeDefined()
    }
    await d.stop()
  })
})
