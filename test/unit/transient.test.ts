// A receive waits for the link only when the link failed: a file name the
// peer chose never makes a failure look like one (review finding: a hash
// mismatch in "Timeout.mkv" was retried every 2 s forever).
import { describe, expect, it } from 'vitest'
import { FerryError, toFerryError } from '../../src/errors.ts'
import { fromWireError } from '../../src/protocol/stream.ts'
import { isTransient } from '../../src/transfer/transient.ts'

function named (name: string, message = 'x'): Error {
  const e = new Error(message)
  e.name = name
  return e
}

describe('isTransient', () => {
  it.each([
    ['E_HASH_MISMATCH', 'chunk 3 of Timeout.mkv failed verification 3 times; the sender\'s file may have changed'],
    ['E_PATH_UNSAFE', 'unsafe path "Abort/x": …'],
    ['E_PROTOCOL', 'sender answered with 5 B of chunk 0/1 from 0, expected 6 B of 0/1 from 0'],
    ['E_NO_SPACE', 'Unsupported reset closed ended'],
    ['E_INTERNAL', 'StreamResetError ConnectionClosedError']
  ] as const)('%s "%s": fails, whatever names its message holds', (code, message) => {
    expect(isTransient(new FerryError(code, message))).toBe(false)
  })

  it('an I/O error under a folder named like a link error fails', () => {
    const fsErr = Object.assign(new Error("EACCES: permission denied, open '/r/Unsupported/Timeout/a.txt'"), { code: 'EACCES', errno: -13, syscall: 'open' })
    expect(isTransient(toFerryError(fsErr))).toBe(false)
  })

  it('an error the peer sent fails, even one that reads like a dropped link', () => {
    expect(isTransient(fromWireError({ code: 'E_TIMEOUT', message: 'timed out' }, 'peer')!)).toBe(false)
    expect(isTransient(fromWireError({ code: 'E_PROTOCOL', message: 'stream ended early' }, 'peer')!)).toBe(false)
    expect(isTransient(fromWireError({ code: 'E_PEER_UNREACHABLE', message: 'reset' }, 'peer')!)).toBe(false)
  })

  it('waits when the peer cannot be reached or did not answer in time', () => {
    expect(isTransient(new FerryError('E_PEER_UNREACHABLE', 'cannot reach bob: no route'))).toBe(true)
    expect(isTransient(new FerryError('E_TIMEOUT', 'chunk stream: timed out'))).toBe(true)
  })

  it('waits when a stream ended under it (our own messages)', () => {
    for (const m of ['stream ended inside a chunk', 'stream ended inside a length prefix', 'receipt stream ended early', 'offer stream ended before the offer', 'sender closed the chunk stream early', 'chunks: stream ended early']) {
      expect(isTransient(new FerryError('E_PROTOCOL', m)), m).toBe(true)
    }
  })

  it('waits on libp2p\'s connection and stream errors, by class name, also wrapped twice', () => {
    for (const n of ['StreamResetError', 'ConnectionClosedError', 'MuxerClosedError', 'StreamStateError', 'UnsupportedProtocolError']) {
      expect(isTransient(toFerryError(named(n), 'E_PROTOCOL')), n).toBe(true)
    }
    const dial = Object.assign(named('DialError'), { cause: named('ConnectionFailedError') })
    expect(isTransient(new FerryError('E_IO', 'x', { cause: new Error('wrapper', { cause: dial }) }))).toBe(true)
    expect(isTransient(toFerryError(named('InvalidMessageError'), 'E_PROTOCOL'))).toBe(false)
  })
})
