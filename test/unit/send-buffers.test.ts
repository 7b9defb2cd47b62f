// The send-buffer pool: a buffer comes back only once every byte lent of it
// has been sealed, never while any of it may still be read.

import { beforeEach, describe, expect, it } from 'vitest'
import { SEND_SLICE, resetSendBuffers, sealed, sendBufferCounts, takeSendBuffer } from '../../src/transfer/send/send-buffers.ts'

describe('send buffers', () => {
  beforeEach(() => { resetSendBuffers() })

  it('come back once all their bytes are sealed, in however many pieces', () => {
    const a = takeSendBuffer(SEND_SLICE)
    // yamux put a 12-byte header before it, and the window split it in two frames
    sealed([new Uint8Array(12), a.subarray(0, 1000)], [new Uint8Array(1028)])
    expect(sendBufferCounts().spare).toBe(0)
    expect(takeSendBuffer(SEND_SLICE).buffer).not.toBe(a.buffer)
    sealed([a.subarray(1000)], [new Uint8Array(SEND_SLICE)])
    expect(sendBufferCounts()).toMatchObject({ returned: 1, spare: 1 })
    expect(takeSendBuffer(SEND_SLICE).buffer).toBe(a.buffer)
    expect(sendBufferCounts()).toMatchObject({ taken: 3, reused: 1, spare: 0 })
  })

  it('lend a short slice as a view, and take it back when that much is sealed', () => {
    const a = takeSendBuffer(100)
    expect(a.byteLength).toBe(100)
    sealed([a], [new Uint8Array(116)])
    const b = takeSendBuffer(SEND_SLICE)
    expect(b.buffer).toBe(a.buffer)
    expect(b.byteLength).toBe(SEND_SLICE)
  })

  it('never come back where the ciphertext is in their own memory (an AEAD encrypting in place)', () => {
    const a = takeSendBuffer(SEND_SLICE)
    sealed([a], [a.subarray(0, 16)])
    expect(sendBufferCounts().spare).toBe(0)
    expect(takeSendBuffer(SEND_SLICE).buffer).not.toBe(a.buffer)
  })

  it('ignore bytes that are not theirs, and sizes outside 1..SEND_SLICE', () => {
    sealed([new Uint8Array(SEND_SLICE)], [new Uint8Array(SEND_SLICE)])
    expect(sendBufferCounts()).toMatchObject({ returned: 0, spare: 0 })
    expect(() => takeSendBuffer(0)).toThrow(RangeError)
    expect(() => takeSendBuffer(SEND_SLICE + 1)).toThrow(RangeError)
  })

  it('keep at most 64 spares', () => {
    const lentOut = Array.from({ length: 70 }, () => takeSendBuffer(SEND_SLICE))
    sealed(lentOut, [])
    expect(sendBufferCounts()).toMatchObject({ returned: 70, spare: 64 })
  })
})
