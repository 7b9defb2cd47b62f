// `ferry tui` refuses to start without a terminal on both ends: a usage
// error (E_USAGE, exit 2) before anything is drawn (user-test finding:
// `ferry tui > file` drew the UI into the file).

import { describe, expect, it } from 'vitest'
import { PassThrough } from 'node:stream'
import { notATerminal, runTui } from '../../src/tui/main.ts'

/** A stream that says it is a terminal (raw mode does nothing). */
function fakeTty (): PassThrough & { isTTY: boolean, setRawMode: () => void, columns: number, rows: number } {
  return Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {}, columns: 80, rows: 24 })
}

/** runTui's outcome, or 'still running' when it went on to draw and wait for keys. */
async function outcome (stdin: PassThrough, stdout: PassThrough): Promise<unknown> {
  const run = runTui({
    home: '/nonexistent/ferry-home',
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: new PassThrough() as unknown as NodeJS.WriteStream
  })
  return await Promise.race([run.then((code) => ({ code }), (err: unknown) => err),
    new Promise((resolve) => setTimeout(() => resolve('still running'), 1000))])
}

describe('ferry tui without a terminal', () => {
  it('stdout redirected: E_USAGE naming stdout and the commands for scripts, and nothing written to it', async () => {
    const stdout = new PassThrough()
    const written: Buffer[] = []
    stdout.on('data', (b: Buffer) => written.push(b))
    const err = await outcome(fakeTty(), stdout)
    expect(err).toMatchObject({ code: 'E_USAGE' })
    const message = (err as Error).message
    expect(message).toMatch(/needs a terminal, and its stdout is not one/)
    expect(message).toContain('`ferry status`')
    expect(message).toContain('`ferry transfers --json`')
    expect(Buffer.concat(written).length).toBe(0)
  })

  it('stdin not a terminal (no raw mode for keys), or neither: E_USAGE too', async () => {
    expect(await outcome(new PassThrough(), fakeTty())).toMatchObject({ code: 'E_USAGE', message: expect.stringMatching(/its stdin is not one/) })
    expect(notATerminal({}, {})).toMatch(/its stdin and stdout are not one/)
    expect(notATerminal({ isTTY: true }, { isTTY: true })).toBeUndefined()
  })
})
