// Telling a receive's sender where its send stands (tell-sender.ts) when the
// sender takes the word and then says nothing: best effort, given up after
// TELL_MS, and its log says what did not come in time.

import { describe, expect, it, vi } from 'vitest'
import { streamPair } from '@libp2p/utils'
import { tellSender } from '../../src/transfer/receive/tell-sender.ts'

describe('telling a sender that says nothing back', () => {
  it('gives up after 5 s, logging what did not come and in how long, not "stream read aborted" (helper finding)', async () => {
    const [out, inbound] = await streamPair()
    const logged: Array<Record<string, unknown>> = []
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    try {
      const told = tellSender({ id: '00'.repeat(16), peerId: 'sender' }, { waitsTurn: true }, async () => out, { debug: (_m: string, o?: Record<string, unknown>) => { logged.push(o ?? {}) } })
      // the sender's side reads the word and keeps its side open
      for (let i = 0; i < 10; i++) await vi.advanceTimersByTimeAsync(1000)
      const got = await Promise.race([told.then(() => 'given up'), new Promise((resolve) => { setImmediate(() => { resolve('still waiting') }) })])
      expect(got).toBe('given up')
      expect(logged).toEqual([expect.objectContaining({ err: 'the sender neither answered nor ended its side within 5 s' })])
    } finally {
      vi.useRealTimers()
      out.abort(new Error('test over'))
      inbound.abort(new Error('test over'))
    }
  })
})
