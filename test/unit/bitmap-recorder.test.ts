// The receiver records a file's verified chunks only after its part file was
// flushed (src/transfer/receive/bitmap-recorder.ts). A power cut cannot be staged
// here, so the flush is a stand-in whose completion the test controls; what
// is checked is the order, and what is (not) recorded.

import { describe, expect, it } from 'vitest'
import { Bitmap } from '../../src/transfer/bitmap.ts'
import { BitmapRecorder } from '../../src/transfer/receive/bitmap-recorder.ts'
import type { FileState } from '../../src/transfer/receive/receive-plan.ts'
import { ChunkHashes } from '../../src/protocol/chunk-hashes.ts'

function file (index: number, chunks: number, have: number[]): FileState {
  const bitmap = new Bitmap(chunks)
  for (const c of have) bitmap.set(c)
  const entry = { path: `f${index}`, kind: 'file' as const, size: chunks * 262144, mtimeMs: 0, mode: 0o644, chunkSize: 262144, chunks: ChunkHashes.NONE, fileRoot: new Uint8Array(32) }
  return { index, entry, partPath: `/part/${index}`, bitmap, done: false }
}

/** A flush that completes when the test says so. */
function gatedSync (): { sync: (path: string) => Promise<void>, calls: string[], finish: (path: string, err?: Error) => void } {
  const waiting = new Map<string, { resolve: () => void, reject: (e: Error) => void }>()
  const calls: string[] = []
  return {
    calls,
    sync: async (path) => { calls.push(path); await new Promise<void>((resolve, reject) => { waiting.set(path, { resolve, reject }) }) },
    finish: (path, err) => { const w = waiting.get(path)!; if (err != null) w.reject(err); else w.resolve() }
  }
}

const tick = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

describe('BitmapRecorder', () => {
  it('records a bitmap only once the flush that began after it completed, and only the chunks verified before the flush', async () => {
    const g = gatedSync()
    const recorded: Array<[number, number[]]> = []
    const r = new BitmapRecorder({ sync: g.sync, record: (f, bits) => { recorded.push([f.index, [...bits]]) } })
    const f = file(0, 8, [0, 1])
    r.saveSoon(f)
    f.bitmap.set(2) // lands while the flush runs: not covered by it
    await tick()
    expect(g.calls).toEqual(['/part/0'])
    expect(recorded).toEqual([])
    g.finish('/part/0')
    await tick()
    expect(recorded).toEqual([[0, [0b00000011]]])
  })

  it('settled() waits for a save under way (a new run plans only after it), and a record the store refuses is no rejection', async () => {
    const g = gatedSync()
    const r = new BitmapRecorder({ sync: g.sync, record: () => { throw new Error('SQLITE_FULL') } })
    r.saveSoon(file(0, 4, [0]))
    let settled = false
    const waiting = r.settled().then(() => { settled = true })
    await tick()
    expect(settled).toBe(false)
    g.finish('/part/0')
    await waiting
    expect(settled).toBe(true)
  })

  it('records nothing when the flush fails, or when the file was finished meanwhile', async () => {
    const g = gatedSync()
    const recorded: number[] = []
    const r = new BitmapRecorder({ sync: g.sync, record: (f) => { recorded.push(f.index) } })
    const failing = file(0, 4, [0])
    const finished = file(1, 4, [0])
    const saved = r.saveAll([failing, finished])
    await tick()
    finished.done = true
    g.finish('/part/0', new Error('EIO'))
    g.finish('/part/1')
    await saved
    expect(recorded).toEqual([])
  })

  it('runs one background save at a time; saveAll waits for it, then saves every unfinished file that holds chunks', async () => {
    const g = gatedSync()
    const recorded: number[] = []
    const r = new BitmapRecorder({ sync: g.sync, record: (f) => { recorded.push(f.index) } })
    const a = file(0, 4, [0])
    const b = file(1, 4, [1])
    const empty = file(2, 4, [])
    r.saveSoon(a)
    r.saveSoon(b) // ignored: a save is under way
    await tick()
    expect(g.calls).toEqual(['/part/0'])
    const all = r.saveAll([a, b, empty])
    await tick()
    expect(g.calls).toEqual(['/part/0']) // still waiting for the first
    g.finish('/part/0')
    await tick()
    await tick()
    expect(g.calls).toEqual(['/part/0', '/part/0', '/part/1']) // nothing to save for the file without chunks
    g.finish('/part/0')
    g.finish('/part/1')
    await all
    expect(recorded).toEqual([0, 0, 1])
  })
})
