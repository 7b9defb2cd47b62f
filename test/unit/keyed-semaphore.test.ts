import { describe, expect, it } from 'vitest'
import { KeyedSemaphore } from '../../src/transfer/receive/keyed-semaphore.ts'

const tick = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }

describe('KeyedSemaphore', () => {
  it('lets `max` hold a key at once, the rest in the order they asked; other keys are not held up', async () => {
    const sem = new KeyedSemaphore(2)
    const got: string[] = []
    const take = (key: string, name: string): Promise<() => void> => sem.acquire(key, undefined).then((release) => { got.push(name); return release })
    const a = await take('p', 'a')
    const b = await take('p', 'b')
    const c = take('p', 'c')
    const d = take('p', 'd')
    await take('q', 'x')
    await tick()
    expect(got).toEqual(['a', 'b', 'x'])
    a()
    a() // twice: one place only
    await tick()
    expect(got).toEqual(['a', 'b', 'x', 'c'])
    b()
    await tick()
    expect(got).toEqual(['a', 'b', 'x', 'c', 'd'])
    ;(await c)()
    ;(await d)()
    // all released: two at once again
    await take('p', 'e')
    await take('p', 'f')
    expect(got.slice(-2)).toEqual(['e', 'f'])
  })

  it('a waiter whose signal aborts leaves the line, and the next gets the place', async () => {
    const sem = new KeyedSemaphore(1)
    const first = await sem.acquire('p')
    const gone = new AbortController()
    const leaving = sem.acquire('p', gone.signal)
    const staying = sem.acquire('p')
    gone.abort(new Error('cancelled'))
    await expect(leaving).rejects.toThrow('cancelled')
    first()
    const release = await staying
    release()
    // nothing held: taken at once
    ;(await sem.acquire('p'))()
  })
})
