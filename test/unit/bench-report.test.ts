// The bench's report of the 10 GiB send (bench/lib/report.ts): the target
// "RSS ≤ 150 MB and flat while sending 10 GiB" read from each daemon's trace.
import { describe, expect, it } from 'vitest'
import { report, type Line } from '../../bench/lib/report.ts'

const long = (rss: Line, verified = true): Line => ({ tool: 'ferry', kind: 'long', dataset: 'ten', rate: 'unshaped', bytes: 10 * 1024 ** 3, seconds: 50, MBps: 214.7, verified, arrived_bytes: 10 * 1024 ** 3, cpu_s: { sender: 25, receiver: 27 }, loadavg: '1 1 1', rss })
const shape = (peakMB: number, secondTenthMB: number, lastTenthMB: number): Line => ({ peakMB, secondTenthMB, lastTenthMB, samples: 250 })
const rowOf = (text: string, role: string): string => text.split('\n').find((l) => l.startsWith(`| ${role} RSS while sending 10 GiB`)) ?? ''

describe('bench report, the 10 GiB send', () => {
  it('passes a daemon under 150 MB whose RSS grew at most 15 MB from the second tenth of the send to the last, and misses one over either', () => {
    const text = report([long({ sender: shape(138.2, 121.0, 123.5), receiver: shape(147.9, 131.5, 146.0) })])
    expect(rowOf(text, 'sender')).toContain('| 138.2 MB; 121.0 → 123.5 MB | ≤ 150 MB; grows ≤ 15 MB | PASS |')
    expect(rowOf(text, 'receiver')).toContain('| PASS |')
    const grew = report([long({ sender: shape(140, 120, 136), receiver: shape(151, 130, 140) })])
    expect(rowOf(grew, 'sender')).toContain('| MISS |')
    expect(rowOf(grew, 'receiver')).toContain('| MISS |')
  })

  it('misses a send not verified, whatever its memory', () => {
    const text = report([long({ sender: shape(120, 118, 119), receiver: shape(125, 120, 121) }, false)])
    expect(rowOf(text, 'sender')).toContain('(not verified)')
    expect(rowOf(text, 'sender')).toContain('| MISS |')
    expect(text).toContain('10 GiB send (unshaped): 50 s, 214.7 MB/s')
  })
})
