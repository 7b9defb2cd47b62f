// For tests of reused socket reads (src/daemon/reused-reads.ts): the read
// buffer overwritten with junk as soon as each read has been handed on, as
// the next read would; anything still holding a read's bytes then sees junk.

import type { Socket } from 'node:net'
import { expect } from 'vitest'

export interface TrashedReads {
  /** the socket's read buffer */
  buffer: unknown
  reads: () => number
  dataEvents: () => number
}

/** Overwrite `socket`'s read buffer after every read; count reads and 'data' events (none where it reads the reused way). */
export function trashEveryRead (socket: Socket): TrashedReads {
  const own = Object.getOwnPropertySymbols(socket)
  const kBuffer = own.find((s) => s.description === 'kBuffer')!
  const kBufferCb = own.find((s) => s.description === 'kBufferCb')!
  const state = socket as unknown as Record<symbol, unknown>
  const callback = state[kBufferCb] as (n: number, buf: Uint8Array) => boolean
  expect(typeof callback).toBe('function')
  let reads = 0
  let dataEvents = 0
  state[kBufferCb] = (n: number, buf: Uint8Array) => {
    const r = callback(n, buf)
    reads++
    ;(state[kBuffer] as Uint8Array).fill(0xaa)
    return r
  }
  socket.on('data', () => { dataEvents++ })
  return { buffer: state[kBuffer], reads: () => reads, dataEvents: () => dataEvents }
}
