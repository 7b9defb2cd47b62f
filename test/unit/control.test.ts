// The control API's framing between the real server and the real client, on
// a real Unix socket, with stand-in handlers: what a command line can carry
// goes through, and what is too long fails the call instead of hanging it.

import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { connect, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectControl, controlSocketPath } from '../../src/daemon/control/client.ts'
import { ControlServer } from '../../src/daemon/control/server.ts'
import { MAX_CONTROL_LINE, type TransferInfo } from '../../src/daemon/control/types.ts'
import { buildHandlers } from '../../src/daemon/handlers.ts'
import type { Daemon } from '../../src/daemon/daemon.ts'
import { scanPaths } from '../../src/transfer/manifest/manifest.ts'
import { send, wait } from '../../src/cli/commands/transfer.ts'
import { FerryError } from '../../src/errors.ts'

let home: string
let server: ControlServer

beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'ferry-control-'))
  server = new ControlServer({
    path: controlSocketPath(home),
    handlers: {
      // as many paths as were asked for, and a long answer: every path back
      send: (params) => ({ id: 'x', skipped: params.paths.map((path) => ({ path, reason: 'stand-in' })) } as unknown as TransferInfo)
    }
  })
  await server.listen()
})
afterEach(async () => { await server.close(); rmSync(home, { recursive: true, force: true }) })

describe('control API framing', () => {
  it('carries a request and an answer of what one command line holds: 22,000 paths of ~75 bytes, ~1.7 MB each way (review finding: 1 MiB lines were refused, and the refusal lost)', async () => {
    const client = await connectControl(home)
    try {
      const paths = Array.from({ length: 22_000 }, (_, i) => `/home/someone/Pictures/2026/holiday-by-the-sea/IMG_${String(i).padStart(5, '0')}.jpg`)
      expect(JSON.stringify(paths).length).toBeGreaterThan(1024 * 1024)
      const answer = await client.call('send', { peer: 'p', paths }) as unknown as { skipped: Array<{ path: string }> }
      expect(answer.skipped).toHaveLength(22_000)
      expect(answer.skipped[21_999].path).toBe(paths[21_999])
    } finally {
      client.close()
    }
  })

  it('a request longer than the daemon reads fails with its error, instead of waiting for an answer that never comes (review finding)', async () => {
    const client = await connectControl(home)
    try {
      const long = 'x'.repeat(MAX_CONTROL_LINE + 1024)
      await expect(client.call('send', { peer: 'p', paths: [long] })).rejects.toMatchObject({ code: 'E_MESSAGE_TOO_LARGE', message: expect.stringMatching(/could not read a request/) })
    } finally {
      client.close()
    }
  })
})

/** A bare socket to the control API, connected: for what the client does not send, or a subscriber that does not read. */
async function rawSocket (): Promise<Socket> {
  const raw = connect(controlSocketPath(home))
  await new Promise<void>((resolve, reject) => { raw.once('connect', resolve); raw.once('error', reject) })
  return raw
}

describe('request ids', () => {
  it('come back as sent, numbers and strings alike (JSON-RPC habit); one that is neither, or a number JSON cannot write back, as 0 (helper finding: a string id came back as 0, 1e400 as null)', async () => {
    const raw = await rawSocket()
    try {
      let got = ''
      raw.setEncoding('utf8')
      raw.on('data', (d: string) => { got += d })
      // a string id too long to be echoed (mutation finding: untested) is 0 as well
      raw.write(`{"id":"a-7","method":"nope"}\n{"id":12.5,"method":"nope"}\n{"id":1e400,"method":"nope"}\n{"id":{"x":1},"method":"nope"}\n{"id":"${'x'.repeat(300)}","method":"nope"}\n`)
      const deadline = Date.now() + 5000
      while (got.split('\n').length < 6 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
      const answers = got.trim().split('\n').map((l) => JSON.parse(l) as { id: unknown, error?: { code: string } })
      expect(answers.map((a) => a.id).sort()).toEqual([0, 0, 0, 12.5, 'a-7'].sort())
      expect(answers.every((a) => a.error?.code === 'E_UNKNOWN_METHOD')).toBe(true)
    } finally {
      raw.destroy()
    }
  })
})

describe('a method named as what every object has', () => {
  it('is an unknown method, not the object\'s own (mutation finding: `in` for Object.hasOwn was not noticed)', async () => {
    const client = await connectControl(home)
    try {
      for (const method of ['toString', 'constructor', 'hasOwnProperty', '__proto__']) {
        await expect(client.call(method as 'status', {} as never), method).rejects.toMatchObject({ code: 'E_UNKNOWN_METHOD' })
      }
    } finally {
      client.close()
    }
  })
})

describe('a subscriber that does not read', () => {
  it('is dropped once 16 MiB of events wait for it, rather than held in the daemon\'s memory (mutation finding: untested)', async () => {
    const raw = await rawSocket()
    try {
      raw.write('{"id":1,"method":"subscribe"}\n')
      // subscribed once its answer came; from then on it reads nothing
      await new Promise<void>((resolve) => { raw.once('data', () => { resolve() }) })
      raw.pause()
      const subscribers = (server as unknown as { subscribers: Set<Socket> }).subscribers
      expect(subscribers.size).toBe(1)
      const [held] = subscribers
      const big = { id: 'x', inFlight: [{ path: 'p'.repeat(64 * 1024), size: 1, doneBytes: 0 }] } as unknown as TransferInfo
      // 48 MiB of events at most, far past what the socket takes
      for (let i = 0; i < 768 && !held.destroyed; i++) {
        server.emit('transfer', big)
        await new Promise((resolve) => setImmediate(resolve))
      }
      expect(held.destroyed).toBe(true)
      expect(held.writableLength).toBeLessThan(17 * 1024 * 1024)
    } finally {
      raw.destroy()
    }
  })
})

describe('`send` whose asker goes away before the answer (the real handler, a stand-in for the transfer service)', () => {
  it('is told so by its signal when its socket ends, before the close: the scan\'s last turn of the event loop sees it, and no send is made (review finding: a `ferry send` stopped during the scan of a big folder had its send made and offered)', async () => {
    // the asker goes away in the scan's last stretch of work, which waits for no I/O:
    // as the scan passes the folder's last name, a symbolic link
    const dir = join(home, 'folder')
    mkdirSync(dir)
    writeFileSync(join(dir, 'a.txt'), 'x')
    symlinkSync('a.txt', join(dir, 'z-link'))
    let asker: Socket | undefined
    const made: string[] = []
    let settle!: (outcome: unknown) => void
    const settled = new Promise<unknown>((resolve) => { settle = resolve })
    // as TransferService.send (send-hash.ts): the scan, a last look at the signal, then the send is made
    const d = {
      resolvePeer: (peer: string) => ({ peerId: peer }),
      // the handler says an unpaired peer itself, before the send is asked for (3468046)
      trust: { isPaired: () => true },
      transfers: {
        send: async (peerId: string, paths: string[], signal: AbortSignal) => {
          try {
            await scanPaths(paths, { signal, onWarning: () => { asker?.destroy() } })
            signal.throwIfAborted()
            made.push(peerId)
            settle('made')
            return { id: 'x' }
          } catch (err) { settle(err); throw err }
        }
      }
    } as unknown as Daemon
    const path = join(home, 'handlers.sock')
    const real = new ControlServer({ path, handlers: buildHandlers(d) })
    await real.listen()
    try {
      asker = connect(path)
      await new Promise((resolve) => asker!.once('connect', resolve))
      asker.write(JSON.stringify({ id: 1, method: 'send', params: { peer: 'p', paths: [dir] } }) + '\n')
      expect(await settled).toMatchObject({ code: 'E_CANCELLED' })
      expect(made).toEqual([])
    } finally {
      await real.close()
    }
  })
})

describe('`ferry send` whose daemon goes away before it answers the send (it was scanning the paths)', () => {
  it('says that nothing was sent and to send again, not a bare "connection to the daemon closed" (soak finding: a kill -9 while the daemon scanned left it unsaid whether the send would resume)', async () => {
    const own = mkdtempSync(join(tmpdir(), 'ferry-control-'))
    let asked = false
    // the daemon killed while it scans: the connection closes, no answer comes
    const dying = new ControlServer({ path: controlSocketPath(own), handlers: { send: async (_p, { socket }) => { asked = true; socket.destroy(); return await new Promise<never>(() => {}) } } })
    await dying.listen()
    try {
      const err = await send(['beta', own, '--json', '--home', own]).then(() => undefined, (e: unknown) => e)
      expect(asked, 'the send reached the daemon').toBe(true)
      expect(err).toBeInstanceOf(FerryError)
      expect(err).toMatchObject({ code: 'E_DAEMON_NOT_RUNNING', message: expect.stringMatching(/stopped before it took the send.*nothing was sent.*`ferry send` again/) })
    } finally {
      await dying.close()
      rmSync(own, { recursive: true, force: true })
    }
  })
})

describe('`ferry wait` whose daemon goes away before it found the transfer', () => {
  it('says the transfer goes on and to wait again, as once it was found, not a bare "connection to the daemon closed" (soak finding: a daemon killed again just after its restart)', async () => {
    const own = mkdtempSync(join(tmpdir(), 'ferry-control-'))
    let asked = false
    const dying = new ControlServer({ path: controlSocketPath(own), handlers: { transfers: async (_p, { socket }) => { asked = true; socket.destroy(); return await new Promise<never>(() => {}) } } })
    await dying.listen()
    try {
      const err = await wait(['f0986e22', '--json', '--home', own]).then(() => undefined, (e: unknown) => e)
      expect(asked, 'the wait reached the daemon').toBe(true)
      expect(err).toMatchObject({ code: 'E_DAEMON_NOT_RUNNING', message: 'the daemon stopped; the transfer goes on when it is back: run `ferry wait` again then' })
    } finally {
      await dying.close()
      rmSync(own, { recursive: true, force: true })
    }
  })
})

describe('`peer.autoAccept` (the real handler, a stand-in daemon)', () => {
  it('tells the subscribers the peer as it now is, so a TUI open meanwhile shows "asks" (user-test finding: it kept "yes")', async () => {
    const emitted: Array<{ event: string, data: unknown }> = []
    let autoAccept = true
    const d = {
      resolvePeer: () => ({ peerId: 'p1' }),
      trust: { setAutoAccept: (_id: string, on: boolean) => { autoAccept = on; return true } },
      peerList: () => [{ peerId: 'p1', name: 'alice', addrs: [], online: true, lastSeen: 0, paired: true, autoAccept }],
      emit: (event: string, data: unknown) => { emitted.push({ event, data }) }
    } as unknown as Daemon
    const h = buildHandlers(d)['peer.autoAccept'] as (p: unknown, ctx: unknown) => unknown
    expect(await h({ peer: 'alice', autoAccept: false }, { socket: new Socket() })).toEqual({ peerId: 'p1', name: 'alice', autoAccept: false })
    expect(emitted).toEqual([{ event: 'peer', data: expect.objectContaining({ peerId: 'p1', autoAccept: false }) }])
  })
})

describe('controlSocketPath', () => {
  it('names the socket from the working folder where its whole path is too long for a socket and that is not; else says to use a shorter --home', () => {
    const deep = join('/srv', 'x'.repeat(60), 'y'.repeat(60))
    // --home h given there, taken absolute (resolveHome): 128 bytes whole
    expect(controlSocketPath(join(deep, 'h'), deep)).toBe(join('h', 'control.sock'))
    expect(controlSocketPath('/h', deep)).toBe('/h/control.sock')
    expect(() => controlSocketPath(join(deep, 'h'), '/')).toThrow(expect.objectContaining({ code: 'E_USAGE' }))
  })
})
