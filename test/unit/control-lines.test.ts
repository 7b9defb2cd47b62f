// The control socket's newline-delimited JSON framing (src/daemon/control/lines.ts),
// fed in pieces cut at every place a socket may cut them: lines split across
// pieces, several in one, a newline first or last in a piece, a line over the
// cap refused once with its tail dropped, and a long line read in linear time
// (it was joined and searched again at each piece: quadratic; the time is printed, not asserted).

import { describe, expect, it } from 'vitest'
import { PassThrough } from 'node:stream'
import type { Socket } from 'node:net'
import { onJsonLines } from '../../src/daemon/control/lines.ts'
import { MAX_CONTROL_LINE } from '../../src/daemon/control/types.ts'

function framed (pieces: string[]): { lines: unknown[], errors: string[] } {
  const s = new PassThrough()
  const lines: unknown[] = []
  const errors: string[] = []
  onJsonLines(s as unknown as Socket, (v) => { lines.push(v) }, (e) => { errors.push(e.code) })
  for (const p of pieces) s.write(p)
  return { lines, errors }
}

/** `text` cut at `cuts` (positions), as a socket might hand it over. */
function cutAt (text: string, cuts: number[]): string[] {
  const out: string[] = []
  let from = 0
  for (const c of [...cuts, text.length]) { if (c > from) out.push(text.slice(from, c)); from = Math.max(from, c) }
  return out
}

const settle = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

describe('onJsonLines', () => {
  it('reads the same lines however the bytes are cut', async () => {
    const text = '{"id":1}\n\n{"id":2,"s":"a\\nb"}\n{"id":3}\n'
    for (let a = 0; a <= text.length; a++) {
      for (const b of [a, a + 1, a + 7]) {
        const got = framed(cutAt(text, [a, b]))
        await settle()
        expect(got, `cut at ${a}, ${b}`).toEqual({ lines: [{ id: 1 }, { id: 2, s: 'a\nb' }, { id: 3 }], errors: [] })
      }
    }
  })

  it('refuses a line over the cap once, drops its tail up to its newline, and reads the line after it', async () => {
    const long = 'x'.repeat(MAX_CONTROL_LINE + 64 * 1024) + '{"id":5}\n{"id":6}\n'
    const pieces: string[] = []
    for (let i = 0; i < long.length; i += 64 * 1024) pieces.push(long.slice(i, i + 64 * 1024))
    const started = process.hrtime.bigint()
    const got = framed(pieces)
    await settle()
    const ms = Number(process.hrtime.bigint() - started) / 1e6
    expect(got).toEqual({ lines: [{ id: 6 }], errors: ['E_MESSAGE_TOO_LARGE'] })
    console.log(`8 MiB line refused in ${ms.toFixed(0)} ms`)
  })

  it('says a line that is not JSON is not, and goes on', async () => {
    const got = framed(['nope\n{"id', '":7}\n'])
    await settle()
    expect(got).toEqual({ lines: [{ id: 7 }], errors: ['E_CONTROL_PROTOCOL'] })
  })
})
