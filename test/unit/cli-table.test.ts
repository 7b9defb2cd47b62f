// `ferry transfers` on a terminal: its table cut to the terminal's width
// (fitRows), the columns that may give first, each down to what it keeps;
// its progress with the unit once where both figures share it.

import { describe, expect, it } from 'vitest'
import { fitRows, table } from '../../src/cli/output.ts'
import { progressCell } from '../../src/cli/commands/transfer.ts'
import { displayWidth } from '../../src/tui/format.ts'

const MiB = 1024 * 1024
const rows = [
  ['ID', 'DIR', 'PEER', 'WHAT', 'STATE', 'PROGRESS', 'RATE', 'RECEIPT', 'WHEN'],
  ['4f2a9c1e', 'out', 'bob-desktop-upstairs', 'Camera Roll (1,204 files)', 'waiting for peer E_PEER_UNREACHABLE', progressCell(82.8 * MiB, 476.8 * MiB), '0 B/s', '', '2m ago'],
  ['9b0c33aa', 'in', 'alice', 'IMG_0001.JPG', 'done', progressCell(2.1 * MiB, 2.1 * MiB), '', 'signed', '1h ago']
]
const SHRINK = new Map([[3, 5], [2, 6], [4, 8]])
const widest = (t: string): number => Math.max(...t.trimEnd().split('\n').map(displayWidth))

describe('ferry transfers on a terminal', () => {
  it('progress says the unit once where both figures have it', () => {
    expect(progressCell(82.8 * MiB, 476.8 * MiB)).toBe('82.8/476.8 MiB')
    expect(progressCell(512 * 1024, 3 * 1024 * MiB)).toBe('512.0 KiB/3.0 GiB')
    expect(progressCell(0, 0)).toBe('0/0 B')
  })

  it('cuts what may give, widest first, until the table fits the terminal, the rest whole (user-test finding: rows of ~130 cells wrapped on 80)', () => {
    expect(widest(table(rows))).toBeGreaterThan(110)
    const fitted = table(fitRows(rows, 80, SHRINK))
    expect(widest(fitted)).toBeLessThanOrEqual(80)
    // the columns that do not give are whole, the header too
    expect(fitted).toContain('82.8/476.8 MiB')
    expect(fitted).toContain('signed')
    expect(fitted.split('\n')[0]).toMatch(/^ID +DIR +PEER +WHAT +STATE +PROGRESS +RATE +RECEIPT +WHEN$/)
    // what was cut ends in "…", what fits is as it was
    expect(fitted).toMatch(/Cam[^ ]*…/)
    expect(fitted).toContain('alice')
  })

  it('stops at what each column keeps, and changes nothing that fits', () => {
    const narrow = fitRows(rows, 40, SHRINK)
    expect(displayWidth(narrow[1][3])).toBe(5)
    expect(displayWidth(narrow[1][2])).toBe(6)
    expect(displayWidth(narrow[1][4])).toBe(8)
    expect(fitRows(rows, 300, SHRINK)).toEqual(rows)
  })
})
