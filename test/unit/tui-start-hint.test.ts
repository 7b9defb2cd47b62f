// The "start it" hint of the TUI's "daemon not running" screen: the command
// that starts the daemon the TUI talks to, as that daemon was started (its
// flags as its status gave them), laid out to paste whole at any width.

import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { fitStartHint, startCommandLines, startWords } from '../../src/tui/start-hint.ts'
import { defaultUi } from '../../src/tui/components/ui.ts'
import { displayWidth } from '../../src/tui/format.ts'

/** The lines as the shell reads them pasted: each " \" or "\" at a line's end joins it to the next. */
const pasted = (lines: string[]): string => lines.map((l, i) => i === lines.length - 1 ? l : l.replace(/ \\$/, ' ').replace(/\\$/, '')).join('')

describe('the start hint', () => {
  const flags = ['--home', '/tmp/ferry-home', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/42001', '--receive-dir', '/tmp/my photos']

  it('is the daemon\'s own flags, each value a shell word; a path in the home folder as ~/…; only --home when no daemon told its flags', () => {
    expect(startWords('/srv/h', undefined, '/home/me').map(String)).toEqual(['ferry', 'daemon', '--home', '/srv/h'])
    expect(startWords('/srv/h', flags, '/home/me').map(String)).toEqual(['ferry', 'daemon', '--home', '/tmp/ferry-home', '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/42001', '--receive-dir', "'/tmp/my photos'"])
    expect(startWords('/x', ['--home', '/home/me/.local/state/ferry', '--receive-dir', '/home/me/my photos'], '/home/me').map(String))
      .toEqual(['ferry', 'daemon', '--home', '~/.local/state/ferry', '--receive-dir', "~/'my photos'"])
  })

  it('for an ASCII-only terminal (FERRY_ASCII) a word with other characters in $\'…\' with \\u escapes, which bash and zsh read back as the word', () => {
    expect(startWords('/x', ['--home', '/h', '--name', "nás-ベータ's 📱"], '/root', true).map(String))
      .toEqual(['ferry', 'daemon', '--home', '/h', '--name', "$'n\\u00e1s-\\u30d9\\u30fc\\u30bf\\'s \\U0001f4f1'"])
    expect(startWords('/x', ['--home', '/h', '--name', 'nás'], '/root').map(String)).toEqual(['ferry', 'daemon', '--home', '/h', '--name', "'nás'"])
  })

  it('a path with what a terminal must not be handed (an escape, a line break) in $\'…\' with those escaped: drawn harmless, pasted the same path', () => {
    const home = '/tmp/a\u001b[31mb\nc d'
    const words = startWords(home, undefined, '/root').map(String)
    expect(words[3]).toBe("$'/tmp/a\\x1b[31mb\\x0ac d'")
    expect(spawnSync('bash', ['-c', `printf '%s' ${words[3]}`], { encoding: 'utf8' }).stdout).toBe(home)
  })

  it('on one line where it fits; else broken between flags, a flag kept with its value, each line but the last ending in a continuation, so that pasted whole it is the one command', () => {
    const words = startWords('/x', flags, '/home/me')
    const command = words.join(' ')
    expect(startCommandLines(words, 200)).toEqual([command])
    for (const width of [80, 40, 30, 20]) {
      const lines = startCommandLines(words, width)
      for (const l of lines) expect(displayWidth(l), `${width}: ${l}`).toBeLessThanOrEqual(width)
      expect(pasted(lines), `at ${width}`).toBe(command)
      // never a flag at a line's end with its value on the next, where both fit on one
      for (const l of lines.slice(0, -1)) if (width >= 40) expect(l, `${width}`).not.toMatch(/--(home|listen|receive-dir) \\$/)
    }
    expect(startCommandLines(words, 30)).toHaveLength(5)
  })

  it('a quoted word longer than a line is broken too, each part in its own quotes, which the shell joins (found using the TUI at 30x8: $\'…\' left whole, its " \\" wrapped to a line of its own)', () => {
    for (const [flags, ascii] of [[['--home', '/h', '--name', 'nás-ベータ-long-name', '--no-mdns'], true], [['--home', '/tmp/a folder with a long name/ferry home', '--no-mdns'], false]] as const) {
      const words = startWords('/x', [...flags], '/root', ascii)
      for (const width of [30, 20]) {
        const lines = startCommandLines(words, width, 'start it:')
        for (const l of lines) expect(displayWidth(l), `${width}: ${l}`).toBeLessThanOrEqual(width)
        // what bash reads from the lines pasted: the same words
        const script = `set -- ${lines.join('\n').replace(/^start it:\s*/, '').replace(/^ferry daemon/, '')}\nprintf '%s\\n' "$@"`
        const out = spawnSync('bash', ['-c', script], { encoding: 'utf8' }).stdout
        expect(out, `${width}:\n${lines.join('\n')}`).toBe(flags.map((f) => `${f}\n`).join(''))
      }
    }
  })

  it('a word longer than a line is broken inside, with a continuation the shell joins; a lead ("start it:") goes before the first line', () => {
    const words = startWords('/home/someone/.local/state/ferry', undefined, '/root')
    const lines = startCommandLines(words, 30, 'start it:')
    expect(lines[0].startsWith('start it: ferry daemon')).toBe(true)
    for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(30)
    expect(pasted(lines).replace(/^start it: /, '')).toBe('ferry daemon --home /home/someone/.local/state/ferry')
    expect(lines.length).toBe(3)
  })

  it('cut to the rows there are, its first lines kept as they are and one line in place of the rest, shorter where the terminal is narrower than it (found using the TUI at 20x6: "... cut: make the", its first words, wrapped and cut)', () => {
    const lines = startCommandLines(startWords('/x', flags, '/home/me'), 30, 'start it:')
    expect(fitStartHint(lines, 9, { ...defaultUi, width: 30 })).toEqual({ lines })
    expect(fitStartHint(lines, 4, { ...defaultUi, width: 30 })).toEqual({ lines: lines.slice(0, 3), cut: '… cut: widen the terminal' })
    expect(fitStartHint(lines, 4, { ...defaultUi, width: 30, unicode: false })).toEqual({ lines: lines.slice(0, 3), cut: '... cut: widen the terminal' })
    const narrow = startCommandLines(startWords('/x', flags, '/home/me'), 20, 'start it:')
    expect(fitStartHint(narrow, 2, { ...defaultUi, width: 20 })).toEqual({ lines: narrow.slice(0, 1), cut: '… cut: widen' })
  })
})
