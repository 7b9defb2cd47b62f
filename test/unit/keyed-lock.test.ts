import { describe, expect, it } from 'vitest'
import { KeyedLock } from '../../src/transfer/receive/keyed-lock.ts'

const tick = async (): Promise<void> => { for (let i = 0; i < 5; i++) await Promise.resolve() }

describe('KeyedLock', () => {
  it('one holder per key, in the order they asked; other keys do not wait', async () => {
    const lock = new KeyedLock()
    const order: string[] = []
    const r1 = await lock.acquire('x')
    const second = lock.acquire('x').then((r) => { order.push('second'); return r })
    const third = lock.acquire('x').then((r) => { order.push('third'); return r })
    const other = await lock.acquire('y') // not behind x
    other()
    await tick()
    expect(order).toEqual([])
    r1()
    const r2 = await second
    await tick()
    expect(order).toEqual(['second'])
    r2()
    ;(await third)()
    expect(order).toEqual(['second', 'third'])
    expect(lock.size).toBe(0)
  })

  it('a waiter that aborts leaves the line with its reason, and the next one no longer waits for it', async () => {
    const lock = new KeyedLock()
    const r1 = await lock.acquire('x')
    const ac = new AbortController()
    const quitter = lock.acquire('x', ac.signal)
    let third = false
    const next = lock.acquire('x').then((r) => { third = true; return r })
    ac.abort(new Error('cancelled'))
    await expect(quitter).rejects.toThrow('cancelled')
    await tick()
    expect(third).toBe(false) // still behind the first holder
    r1()
    ;(await next)()
    expect(third).toBe(true)
    expect(lock.size).toBe(0)
  })

  it('the last in line leaving does not let the next one past the holder (review finding: two receives then shared a part folder)', async () => {
    const lock = new KeyedLock()
    const r1 = await lock.acquire('x')
    const ac = new AbortController()
    const quitter = lock.acquire('x', ac.signal)
    ac.abort(new Error('cancelled'))
    await expect(quitter).rejects.toThrow('cancelled')
    await expect(lock.acquire('x', AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone')
    let got = false
    const next = lock.acquire('x').then((r) => { got = true; return r })
    await tick()
    expect(got).toBe(false)
    r1()
    ;(await next)()
    expect(got).toBe(true)
    await tick()
    expect(lock.size).toBe(0)
  })

  it('an already aborted signal fails at once; releasing twice is harmless', async () => {
    const lock = new KeyedLock()
    const r = await lock.acquire('x')
    await expect(lock.acquire('x', AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone')
    r()
    r()
    ;(await lock.acquire('x'))()
    expect(lock.size).toBe(0)
  })
})
