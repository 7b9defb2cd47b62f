// Bulk data through an echo stream (a peer that writes back what it reads):
// `bytes` random bytes out in 64 KiB writes, and the digest of what came back
// must equal what went. Used on ferry's own connections and a stock node's.

import { createHash, randomBytes } from 'node:crypto'
import type { Stream } from '@libp2p/interface'
import { expect } from 'vitest'

export async function expectEchoIntact (stream: Stream, bytes: number): Promise<void> {
  const data = randomBytes(bytes)
  const got = createHash('sha256')
  let received = 0
  const reading = (async () => {
    for await (const buf of stream) {
      got.update(buf instanceof Uint8Array ? buf : buf.subarray())
      received += buf.byteLength
      if (received >= data.length) break
    }
  })()
  for (let off = 0; off < data.length; off += 64 * 1024) {
    if (!stream.send(data.subarray(off, off + 64 * 1024))) await stream.onDrain()
  }
  await reading
  await stream.close()
  expect(received).toBe(data.length)
  expect(got.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'))
}
