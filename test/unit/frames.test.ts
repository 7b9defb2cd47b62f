// FrameReader at the edges of a stream's life, over an in-memory libp2p
// stream pair: a reader made after the peer's end closed, and a read given
// up by its signal.
import { describe, expect, it } from 'vitest'
import { streamPair } from '@libp2p/utils'
import { FrameReader, finishStream, lengthPrefixed, sendAll } from '../../src/protocol/frames.ts'
import { FerryError } from '../../src/errors.ts'

const decode = (b: { subarray: () => Uint8Array }): string => Buffer.from(b.subarray()).toString()
/** `p`, or 'hung' when it has not settled after 2 s */
async function within2s<T> (p: Promise<T>): Promise<T | 'hung'> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([p, new Promise<'hung'>((resolve) => { timer = setTimeout(() => resolve('hung'), 2000) })])
  } finally { clearTimeout(timer) }
}

/** The peer sends "hello" and closes before a reader is made (on a stream left paused, if `paused`): the reader gets "hello", then the end. */
async function expectHelloThenEnd (paused: boolean): Promise<void> {
  const [out, inbound] = await streamPair()
  if (paused) inbound.pause()
  await sendAll(out, lengthPrefixed(Buffer.from('hello')))
  await out.close()
  await new Promise((resolve) => setTimeout(resolve, 20))
  const reader = new FrameReader(inbound)
  expect(await within2s(reader.readLp(decode, 1024))).toBe('hello')
  expect(await within2s(reader.readLp(decode, 1024))).toBeUndefined()
}

describe('FrameReader', () => {
  it('made on a stream whose peer closed it already: the end is seen at once, not after the read\'s timeout (review finding)', async () => {
    const [out, inbound] = await streamPair()
    await out.close()
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await within2s(new FrameReader(inbound).readLp(decode, 1024))).toBeUndefined()
  })

  it('made after the peer sent a message and closed: the message is read, then the end', async () => {
    await expectHelloThenEnd(false)
  })

  it('made on a stream the peer aborted: an error at once, E_PEER_UNREACHABLE, as a sender retries an offer on (review finding: it read as a clean end)', async () => {
    const [out, inbound] = await streamPair()
    out.abort(new Error('gone'))
    await new Promise((resolve) => setTimeout(resolve, 20))
    const got = await within2s(new FrameReader(inbound).readLp(decode, 1024).catch((err: Error) => err))
    expect(got).toBeInstanceOf(FerryError)
    expect(got).toMatchObject({ code: 'E_PEER_UNREACHABLE' })
  })

  it('made on a stream left paused, whose peer sent a message and closed: the message is read (review finding: it was lost)', async () => {
    await expectHelloThenEnd(true)
  })

  it('a read given up by its signal fails with E_TIMEOUT, not with the raw abort reason (review finding)', async () => {
    const [, inbound] = await streamPair()
    const err = await new FrameReader(inbound).readLp(decode, 1024, AbortSignal.timeout(50)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FerryError)
    expect(err).toMatchObject({ code: 'E_TIMEOUT' })
  })

  it('a read that waits for many messages listens to its signal once, not once per wait (each add and remove on a combined signal goes through a set of Node\'s that V8 kept in its old generation: 23 MB of a receiver\'s promoted memory in 50 s)', async () => {
    const [out, inbound] = await streamPair()
    const controller = new AbortController()
    const signal = AbortSignal.any([controller.signal])
    let added = 0
    let removed = 0
    const add = signal.addEventListener.bind(signal)
    const remove = signal.removeEventListener.bind(signal)
    signal.addEventListener = ((...a: Parameters<typeof add>) => { added++; add(...a) }) as typeof add
    signal.removeEventListener = ((...a: Parameters<typeof remove>) => { removed++; remove(...a) }) as typeof remove
    const target = new Uint8Array(16 * 1024)
    const read = new FrameReader(inbound).readInto(target, signal)
    for (let i = 0; i < 16; i++) {
      await sendAll(out, new Uint8Array(1024).fill(i))
      await new Promise((resolve) => setImmediate(resolve))
    }
    await read
    expect(target[15 * 1024]).toBe(15)
    expect(added).toBe(1)
    expect(removed).toBe(1)
    // the read is over: an abort now leaves the stream alone
    controller.abort()
    expect(inbound.status).toBe('open')
  })

  it('a read given up by its signal while it waits aborts the stream and fails with E_CANCELLED', async () => {
    const [out, inbound] = await streamPair()
    const controller = new AbortController()
    const read = new FrameReader(inbound).readInto(new Uint8Array(4096), AbortSignal.any([controller.signal])).catch((e: unknown) => e)
    await sendAll(out, new Uint8Array(1024))
    await new Promise((resolve) => setTimeout(resolve, 20))
    controller.abort()
    expect(await within2s(read)).toMatchObject({ code: 'E_CANCELLED' })
    expect(inbound.status).toBe('aborted')
  })

  it('a second read while one is under way fails at once with E_INTERNAL, and the first goes on (review finding: the two shared one wake and one abort listener, and an abort left the first hanging)', async () => {
    const [out, inbound] = await streamPair()
    const reader = new FrameReader(inbound)
    const first = reader.readLp(decode, 1024)
    await expect(reader.readLp(decode, 1024)).rejects.toMatchObject({ code: 'E_INTERNAL' })
    await sendAll(out, lengthPrefixed(Buffer.from('one')))
    expect(await within2s(first)).toBe('one')
  })

  it('finishStream closes both ends: what the peer writes after the last message is dropped, not kept for a reader nobody calls (review finding: up to 8 MiB per stream until the connection closed)', async () => {
    const [out, inbound] = await streamPair()
    const reader = new FrameReader(inbound)
    await sendAll(out, lengthPrefixed(Buffer.from('answer')))
    expect(await reader.readLp(decode, 1024)).toBe('answer')
    await finishStream(inbound)
    expect((inbound as unknown as { readStatus: string }).readStatus).toBe('closed')
    // the peer writes on: nothing of it reaches the reader's buffer
    await sendAll(out, Buffer.alloc(1024 * 1024)).catch(() => {})
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect((reader as unknown as { buf: { byteLength: number } }).buf.byteLength).toBe(0)
  })
})
