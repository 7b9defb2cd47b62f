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

describe('bench report, the second 1 GiB', () => {
  const first: Line = { tool: 'ferry', dataset: 'big', rate: 'unshaped', files: 1, bytes: 1024 ** 3, seconds: 4.3, MBps: 250, files_per_s: 0.2, verified: true }
  const baselines: Line[] = [{ tool: 'syncthing', dataset: 'big', rate: 'unshaped', MBps: 200, verified: true }, { tool: 'scp', dataset: 'big', rate: 'unshaped', MBps: 260, verified: true }]
  const next = (MBps: number, verified = true): Line => ({ tool: 'ferry', kind: 'next', dataset: 'big', rate: 'unshaped', bytes: 1024 ** 3, seconds: 3, MBps, verified, ferry_seconds: 2.9, cpu_s: { sender: 2, receiver: 2 }, loadavg: '1 1 1' })
  const rowsOf = (text: string, other: string): string[] => text.split('\n').filter((l) => l.startsWith(`| ferry / ${other}, big`))

  it('shows it against Syncthing and scp as information, and leaves the targets to the first send', () => {
    const text = report([first, ...baselines, next(358)])
    const [target, second] = rowsOf(text, 'syncthing')
    expect(target).toContain('| 1.25 (250.0 / 200.0 MB/s) | ≥ 1.25 | PASS |')
    expect(second).toBe("| ferry / syncthing, big: the daemons' second GiB (next.bin) | unshaped | 1.79 (358.0 / 200.0 MB/s) | ≥ 1.25 | info |")
    expect(rowsOf(text, 'scp')[0]).toContain('| MISS |')
    expect(rowsOf(text, 'scp')[1]).toContain('| 1.38 (358.0 / 260.0 MB/s) | ≥ 1 | info |')
    expect(text).toContain('second 1 GiB (unshaped): 3 s, 358 MB/s')
  })

  it('says when it was not verified', () => {
    expect(rowsOf(report([first, ...baselines, next(300, false)]), 'syncthing')[1]).toContain(', not verified) | ≥ 1.25 | info |')
  })
})

describe('bench report, the second photo set', () => {
  const first: Line = { tool: 'ferry', dataset: 'photos', rate: 'unshaped', files: 1000, bytes: 574e6, seconds: 2.5, MBps: 229.6, files_per_s: 400, verified: true }
  const syncthing: Line = { tool: 'syncthing', dataset: 'photos', rate: 'unshaped', files: 1000, MBps: 200, files_per_s: 350, verified: true }
  const next = (filesPerS: number, verified = true): Line => ({ tool: 'ferry', kind: 'next', dataset: 'photos', rate: 'unshaped', files: 1000, bytes: 574e6, seconds: Math.round(1e6 / filesPerS) / 1000, MBps: Math.round(5740 * filesPerS / 1000) / 10, files_per_s: filesPerS, wireBytes: 575e6, verified, ferry_seconds: 1.9, cpu_s: { sender: 1.5, receiver: 1.8 }, loadavg: '1 1 1' })
  const rowsOf = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('| ferry / syncthing, photos files/s'))

  it('shows it against Syncthing as information, after the first send\'s target, and not as a second GiB', () => {
    const text = report([first, syncthing, next(540)])
    const [target, second] = rowsOf(text)
    expect(target).toContain('| 1.14 (400.0 / 350.0 files/s) | ≥ 1.5 | MISS |')
    expect(second).toBe("| ferry / syncthing, photos files/s: the receiver's second photo set (more-photos) | unshaped | 1.54 (540.0 / 350.0 files/s) | ≥ 1.5 | info |")
    expect(text).not.toContain('second GiB')
    expect(text).toContain('second photo set (unshaped): 1000 files, 574000000 B in 1.852 s, 540 files/s, 310 MB/s')
  })

  it('says when it was not verified, and what did not cross the wire', () => {
    expect(rowsOf(report([first, syncthing, next(500, false)]))[1]).toContain(', not verified) | ≥ 1.5 | info |')
    expect(rowsOf(report([first, syncthing, { ...next(600), wireBytes: 574e6 - 10 * 2 ** 20 }]))[1]).toContain('(600.0 / 350.0 files/s, 10.00 MiB not over the wire) | ≥ 1.5 | info |')
  })
})
