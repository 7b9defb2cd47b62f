// `ferry tui`'s Pair screen against a real daemon (ink-testing-library, the
// real control socket), with other clients of the same daemon pairing beside
// it: `ferry pair CODE` in another terminal.

import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createElement as h } from 'react'
import { cleanup } from 'ink-testing-library'
import { connectControl } from '../../src/daemon/control/client.ts'
import { App } from '../../src/tui/app.ts'
import { renderAt, tick } from '../helpers/ink.ts'
import { cleanupAll, startDaemon, waitFor, waitListed } from '../helpers/daemon.ts'
import { showCode, wrongCode } from '../helpers/pairing.ts'

afterAll(cleanupAll)
afterEach(() => { cleanup() })

// eslint-disable-next-line no-control-regex
const plain = (s: string | undefined): string => (s ?? '').replace(/\u001b\[[0-9;]*m/g, '')

describe('ferry tui Pair, another client pairing on the same daemon', { timeout: 120_000 }, () => {
  it('another client\'s pairing, failed or paired, never shows under the code field as the outcome of the code typed there; its success is said on the notice line; the field\'s own outcomes show, until the field is edited (notes\' leftover; user-test finding)', async () => {
    const saved = process.env.NO_COLOR
    process.env.NO_COLOR = '1'
    const a = await startDaemon({ name: 'alpha' })
    const b = await startDaemon({ name: 'beta', peers: [a.addr] })
    await waitListed(b, a, {}, 15_000)
    const client = await connectControl(b.home)
    const r = await renderAt(h(App, { client, connect: async () => await connectControl(b.home), home: b.home }))
    const frame = (): string => plain(r.lastFrame())
    const until = async (want: (f: string) => boolean, what: string, ms = 15_000): Promise<string> =>
      await waitFor(() => want(frame()) ? frame() : undefined, `${what}; last frame:\n${frame()}`, ms, 50)
    const type = async (text: string): Promise<void> => { for (const k of Array.from(text)) { r.stdin.write(k); await tick(5) } }
    try {
      await until((f) => f.includes('daemon connected'), 'the TUI to connect')
      r.stdin.write('2')
      await until((f) => f.includes('enter a code shown on the other device'), 'the Pair menu')
      r.stdin.write('e')
      await until((f) => f.includes('Enter the code shown on the other device'), 'the code field')

      // the field's own code first: a number nobody shows (no attempt counted at alpha), its outcome under the field
      const first = await showCode(a)
      const nameplate = Number(first.code.split('-')[0])
      const unshown = [String(nameplate === 999 ? 1 : nameplate + 1), ...first.code.split('-').slice(1)].join('-')
      await type(unshown)
      r.stdin.write('\r')
      const own = await until((f) => f.includes('Enter the code') && f.includes('✗'), 'the field\'s own code to fail')
      const ownLine = own.split('\n').find((l) => l.includes('✗')) ?? ''
      r.stdin.write('\u0015')
      await type('12')
      await until((f) => f.includes('› 12'), 'the next code being typed')
      let from = r.frames.length

      // the field edited: its own outcome, of the code before, is gone (user-test finding: it stayed under the code corrected)
      expect(frame()).not.toContain(ownLine.trim())
      // another client's code fails: not under the field, which keeps what is being typed
      const bad = await b.cli(['pair', wrongCode(first.code), '--peer', a.addr])
      expect(bad.code, bad.stderr).toBe(1)
      expect(bad.stderr).toMatch(/E_PAIRING_FAILED/)
      await first.cli.done
      // the daemon's events go to every client at once; give the TUI time to draw what it got
      await tick(1500)
      let seen = r.frames.slice(from).map(plain)
      expect(seen.filter((f) => f.includes('Enter the code') && f.includes('E_PAIRING_FAILED')), 'another client\'s failure under the field').toEqual([])
      expect(frame()).toContain('› 12')
      expect(frame()).not.toContain('✗')

      // another client's code pairs: not under the field, which stays as it was; said on the notice line
      from = r.frames.length
      const second = await showCode(a)
      const good = await b.cli(['pair', second.code, '--peer', a.addr])
      expect(good.code, good.stderr).toBe(0)
      await until((f) => /paired with alpha .*another client/.test(f), 'the notice that another client paired alpha')
      seen = r.frames.slice(from).map(plain)
      expect(seen.filter((f) => f.includes('Enter the code') && /✓ paired (again )?with/.test(f)), 'another client\'s pairing under the field').toEqual([])
      expect(frame()).toContain('› 12')
      expect(frame()).toContain('Enter the code shown on the other device')

      // the field's own code that pairs: back to the menu with its outcome, a renewal (the other client paired alpha)
      const third = await showCode(a)
      r.stdin.write('\u0015')
      await type(third.code)
      r.stdin.write('\r')
      await until((f) => f.includes('Last pairing: ✓ paired again with alpha'), 'the field\'s own code to pair')
      expect((await third.cli.done).code).toBe(0)
    } finally {
      r.unmount()
      client.close()
      await Promise.all([a.stop(), b.stop()])
      if (saved === undefined) delete process.env.NO_COLOR
      else process.env.NO_COLOR = saved
    }
  })

  it('a code another client shows (`ferry pair`) is not shown as the TUI\'s own: the TUI says its own code was replaced by another client\'s; its next s shows its own again (notes\' leftover)', async () => {
    const saved = process.env.NO_COLOR
    process.env.NO_COLOR = '1'
    const a = await startDaemon({ name: 'alpha' })
    const client = await connectControl(a.home)
    const r = await renderAt(h(App, { client, connect: async () => await connectControl(a.home), home: a.home }))
    const frame = (): string => plain(r.lastFrame())
    const until = async (want: (f: string) => boolean, what: string, ms = 15_000): Promise<string> =>
      await waitFor(() => want(frame()) ? frame() : undefined, `${what}; last frame:\n${frame()}`, ms, 50)
    const codeIn = (f: string): string | undefined => /\d{1,3}-[a-z]+-[a-z]+/.exec(f.split('\n').find((l) => l.includes('there: ferry pair')) ?? '')?.[0]
    try {
      await until((f) => f.includes('daemon connected'), 'the TUI to connect')
      r.stdin.write('2')
      await until((f) => f.includes('enter a code shown on the other device'), 'the Pair menu')
      r.stdin.write('s')
      const own = codeIn(await until((f) => codeIn(f) !== undefined, 'the TUI\'s code')) ?? ''
      const from = r.frames.length
      // `ferry pair` in another terminal shows a code on the same daemon: the TUI's code no longer works
      const other = await showCode(a)
      const after = await until((f) => !f.includes('waiting for the other device') || f.includes(other.code), 'the TUI to take in the other code')
      expect(r.frames.slice(from).map(plain).filter((f) => f.includes(other.code)), 'the other client\'s code on the TUI').toEqual([])
      expect(after).toContain(own)
      expect(after.replace(/\s+/g, ' ')).toContain('cancelled: another client of this daemon (`ferry pair` or another TUI) showed a code, which replaced this one')
      // its own code again: the other client's is replaced in turn (its `ferry pair` ends, as when the TUI showed one before)
      r.stdin.write('s')
      const next = codeIn(await until((f) => codeIn(f) !== undefined && codeIn(f) !== own, 'the TUI\'s next code')) ?? ''
      expect(next).not.toBe(other.code)
      const ended = await other.cli.done
      expect(ended.code).toBe(1)
      expect(ended.stderr).toMatch(/E_CANCELLED: replaced by a newer code/)
    } finally {
      r.unmount()
      client.close()
      await a.stop()
      if (saved === undefined) delete process.env.NO_COLOR
      else process.env.NO_COLOR = saved
    }
  })
})
