// The daemon's log lines (src/daemon/logger.ts): JSON, one object a line, quiet
// unless --verbose, and safe to `cat` on a terminal.

import { describe, expect, it } from 'vitest'
import { createLogger } from '../../src/daemon/logger.ts'

describe('createLogger', () => {
  it('writes warnings and errors alone by default, every level with verbose, one JSON object a line', () => {
    const quiet: string[] = []
    const q = createLogger({ write: (l) => quiet.push(l) })
    q.debug('d'); q.info('i'); q.warn('w', { n: 1 }); q.error('e')
    expect(quiet.map((l) => JSON.parse(l))).toMatchObject([{ level: 'warn', msg: 'w', n: 1 }, { level: 'error', msg: 'e' }])
    const loud: string[] = []
    const v = createLogger({ verbose: true, write: (l) => loud.push(l) })
    v.debug('d'); v.info('i')
    expect(loud.map((l) => JSON.parse(l).level)).toEqual(['debug', 'info'])
  })

  it('escapes what JSON keeps raw and a terminal acts on (bidi overrides, C1 controls, line separators), the same JSON to a parser (user-test finding: a skip warning naming a file with U+202E drawn reversed by `cat`)', () => {
    const lines: string[] = []
    const log = createLogger({ write: (l) => lines.push(l) })
    const path = 'photo\u202egpj.exe\u009b2J\u2028x\u001b'
    log.warn('skipped', { path })
    expect(lines[0]).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/)
    expect(lines[0]).toContain('photo\\u202egpj.exe\\u009b2J\\u2028x\\u001b')
    expect(JSON.parse(lines[0]).path).toBe(path)
  })
})
