// The daemon-wide byte budget for receive chunk buffers (chunk-budget.ts).
import { describe, expect, it } from 'vitest'
import { ChunkBudget } from '../../src/transfer/sink/chunk-budget.ts'

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false
  void p.then(() => { done = true }, () => { done = true })
  await new Promise((resolve) => setImmediate(resolve))
  return done
}

describe('ChunkBudget', () => {
  it('admits up to its limit, then waits until a buffer holding bytes is released', async () => {
    const b = new ChunkBudget(10)
    await b.admit(6)
    const six = b.hold(new Uint8Array(6), 6)
    await b.admit(4)
    const four = b.hold(new Uint8Array(4), 4)
    const next = b.admit(3)
    expect(await settled(next)).toBe(false)
    b.release(four)
    expect(await settled(next)).toBe(true)
    expect(b.bytes).toBe(9)
    // a second release of the same buffer gives back nothing more
    b.release(four)
    b.release(new Uint8Array(99))
    expect(b.bytes).toBe(9)
    b.release(six)
    expect(b.bytes).toBe(3)
    expect(b.peakBytes).toBe(10)
  })

  it('serves waiters in the order they asked: a small one does not pass a big one that waits', async () => {
    const b = new ChunkBudget(10)
    await b.admit(8)
    const held = b.hold(new Uint8Array(8), 8)
    const order: string[] = []
    const big = b.admit(9).then(() => { order.push('big') })
    // 1 more fits beside the 8 held, but the 9 asked first
    const small = b.admit(1).then(() => { order.push('small') })
    expect(await settled(small)).toBe(false)
    b.release(held)
    await Promise.all([big, small])
    expect(order).toEqual(['big', 'small'])
    expect(b.bytes).toBe(10)
  })

  it('a chunk bigger than the whole budget goes alone once nothing is held, and never waits for ever', async () => {
    const b = new ChunkBudget(10)
    await b.admit(4)
    const four = b.hold(new Uint8Array(4), 4)
    const huge = b.admit(16)
    expect(await settled(huge)).toBe(false)
    b.release(four)
    await huge
    expect(b.bytes).toBe(16)
  })

  it('a waiter whose signal aborts leaves the line with its reason, and those behind it move up', async () => {
    const b = new ChunkBudget(10)
    await b.admit(8)
    b.hold(new Uint8Array(8), 8)
    const abort = new AbortController()
    const big = b.admit(9, abort.signal)
    const small = b.admit(2)
    abort.abort(new Error('cancelled'))
    await expect(big).rejects.toThrow('cancelled')
    await small
    expect(b.bytes).toBe(10)
  })

  it('closing fails every waiter and every later ask', async () => {
    const b = new ChunkBudget(10)
    await b.admit(10)
    const waiting = b.admit(1)
    b.close()
    await expect(waiting).rejects.toMatchObject({ code: 'E_CANCELLED' })
    await expect(b.admit(1)).rejects.toMatchObject({ code: 'E_CANCELLED' })
  })

  it('gives each owner a share: one held back by its own share lets the others by, and its own later asks wait behind it (review finding: one slow peer holding the whole budget stalled every other peer)', async () => {
    const b = new ChunkBudget(10, 4)
    await b.admit(4, undefined, 'slow')
    b.hold(new Uint8Array(4), 4, 'slow')
    const order: string[] = []
    const slowAgain = b.admit(1, undefined, 'slow').then(() => { order.push('slow') })
    const other = b.admit(4, undefined, 'other').then(() => { order.push('other') })
    await other
    expect(await settled(slowAgain)).toBe(false)
    expect(b.bytesOf('slow')).toBe(4)
    expect(b.bytesOf('other')).toBe(4)
    // the whole budget is first come first served again: 2 left, a third owner's 3 waits, and a 1 behind it too
    const third = b.admit(3, undefined, 'third').then(() => { order.push('third') })
    const small = b.admit(1, undefined, 'fourth').then(() => { order.push('fourth') })
    expect(await settled(third)).toBe(false)
    expect(await settled(small)).toBe(false)
    expect(order).toEqual(['other'])
  })

  it('a chunk bigger than an owner\'s share goes alone once that owner holds nothing', async () => {
    const b = new ChunkBudget(10, 2)
    await b.admit(1, undefined, 'p')
    const one = b.hold(new Uint8Array(1), 1, 'p')
    const big = b.admit(3, undefined, 'p')
    expect(await settled(big)).toBe(false)
    b.release(one)
    await big
    expect(b.bytesOf('p')).toBe(3)
  })

  it('keeps a reserve that owners already holding bytes cannot take: two that hold all they may leave room for a third that holds nothing (helper finding: two peers trickling at their whole share stalled every other peer\'s receives)', async () => {
    const b = new ChunkBudget(48, 24, 16)
    // two owners asking chunk after chunk, and holding each (they trickle, under the idle limit)
    const asks = ['slow1', 'slow2'].flatMap((owner) => Array.from({ length: 12 }, async () => { await b.admit(2, undefined, owner) }))
    await settled(Promise.all(asks))
    // the first takes its share, the second what is left outside the reserve
    expect([b.bytesOf('slow1'), b.bytesOf('slow2')]).toEqual([24, 8])
    // one holding nothing gets a chunk from the reserve at once, after every ask of theirs
    const fast = b.admit(2, undefined, 'fast')
    expect(await settled(fast)).toBe(true)
    // holding it, it asks outside the reserve as they do: its next chunk waits
    const fastAgain = b.admit(2, undefined, 'fast')
    expect(await settled(fastAgain)).toBe(false)
    // as does a later ask of theirs: a fourth holding nothing still finds room in the reserve
    expect(await settled(b.admit(2, undefined, 'fourth'))).toBe(true)
    expect(b.bytes).toBe(36)
  })

  it('among owners holding bytes, first come first served outside the reserve: a big ask is not passed by smaller ones of others, but one holding nothing passes it', async () => {
    const b = new ChunkBudget(10, 6, 4)
    await b.admit(5, undefined, 'a')
    const order: string[] = []
    await b.admit(1, undefined, 'b')
    // the room outside the reserve (6) is full: b's 3 waits, and a's 1 behind it waits too
    const big = b.admit(3, undefined, 'b').then(() => { order.push('b') })
    const small = b.admit(1, undefined, 'a').then(() => { order.push('a') })
    const newcomer = b.admit(3, undefined, 'c').then(() => { order.push('c') })
    expect(await settled(newcomer)).toBe(true)
    expect(await settled(big)).toBe(false)
    expect(await settled(small)).toBe(false)
    expect(order).toEqual(['c'])
  })

  it('never holds more than the whole budget, however the owners ask (the daemon\'s memory is bound by it)', async () => {
    const b = new ChunkBudget(48, 24, 16)
    // a peer at its whole share, a second whose first chunk is the largest (its own share of the reserve), then others holding nothing
    await Promise.all(Array.from({ length: 3 }, async () => { await b.admit(8, undefined, 'a') }))
    await b.admit(16, undefined, 'b')
    expect(b.bytes).toBe(40)
    expect(await settled(b.admit(8, undefined, 'c'))).toBe(true)
    expect(await settled(b.admit(1, undefined, 'd'))).toBe(false)
    expect(b.peakBytes).toBe(48)
  })
})
