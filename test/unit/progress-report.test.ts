// The receiver's progress reports (progress-report.ts): none leaves once the reporter is stopped. A run that ends
// stops it, and then tells its sender why it waits (tell-sender.ts): a report sent after that tell, on its own
// stream, set the send fetching again at the sender (notes' leftover: ~10 s "fetching" while the receive waited for room).
import { describe, expect, it } from 'vitest'
import type { Stream } from '@libp2p/interface'
import { ProgressReporter } from '../../src/transfer/receive/progress-report.ts'
import { ChunkRequest } from '../../src/protocol/pb/transfer.js'

/** A stream that records what is sent on it */
function recordingStream (): { stream: Stream, sent: Uint8Array[] } {
  const sent: Uint8Array[] = []
  const stream = {
    send: (data: Uint8Array) => { sent.push(data); return true },
    abort: () => {},
    close: async () => {}
  } as unknown as Stream
  return { stream, sent }
}

describe('ProgressReporter', () => {
  it('reports the held bytes on a stream of its own, and only when they moved', async () => {
    const { stream, sent } = recordingStream()
    let held = 0
    const reporter = new ProgressReporter(new Uint8Array(32), () => held, async () => stream, { everyMs: 5 })
    reporter.start()
    await expect.poll(() => sent.length).toBe(1)
    // each says that its receive runs (ChunkRequest.runs), also at 0 held: not a receiver's question about an offer waiting there
    expect(ChunkRequest.decode(sent[0].subarray(1))).toMatchObject({ chunks: [], heldBytes: 0, runs: true })
    held = 100
    await expect.poll(() => sent.length).toBe(2)
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(sent.length).toBe(2)
    reporter.stop()
  })

  it('tells the files placed with the bytes, and reports when only they moved: the last file of a batch is placed after its bytes came', async () => {
    const { stream, sent } = recordingStream()
    let files = 0
    const reporter = new ProgressReporter(new Uint8Array(32), () => 100, async () => stream, { everyMs: 5, heldFiles: () => files })
    reporter.start()
    await expect.poll(() => sent.length).toBe(1)
    expect(ChunkRequest.decode(sent[0].subarray(1))).toMatchObject({ heldBytes: 100, heldFiles: 0 })
    files = 3
    await expect.poll(() => sent.length).toBe(2)
    expect(ChunkRequest.decode(sent[1].subarray(1))).toMatchObject({ heldBytes: 100, heldFiles: 3 })
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(sent.length).toBe(2)
    reporter.stop()
  })

  it('while the receive plans, reports every keepalive though nothing moved, so that its sender sees no stall however long the plan takes; after it, only when the figure moves again (notes\' leftover: "stalled" while a large receive planned)', async () => {
    const { stream, sent } = recordingStream()
    let planning = true
    const reporter = new ProgressReporter(new Uint8Array(32), () => 0, async () => stream, { everyMs: 5, planning: () => planning, keepaliveMs: 30 })
    reporter.start()
    await expect.poll(() => sent.length).toBeGreaterThanOrEqual(3)
    planning = false
    await new Promise((resolve) => setTimeout(resolve, 20))
    const after = sent.length
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(sent.length).toBe(after)
    reporter.stop()
  })

  it('sends nothing once stopped, also a report whose stream was still being opened when it was stopped', async () => {
    const { stream, sent } = recordingStream()
    let opened!: (s: Stream) => void
    let asked = false
    const reporter = new ProgressReporter(new Uint8Array(32), () => 4096, async () => { asked = true; return await new Promise<Stream>((resolve) => { opened = resolve }) }, { everyMs: 5 })
    reporter.start()
    await expect.poll(() => asked).toBe(true)
    reporter.stop()
    opened(stream)
    await new Promise((resolve) => setTimeout(resolve, 40))
    expect(sent).toEqual([])
  })
})
