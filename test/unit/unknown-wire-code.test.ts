// A peer's error whose code this ferry does not know (a newer version's, or
// made up) is E_PROTOCOL, said as the peer's unknown code with its text
// quoted, not in the peer's words alone (review finding: a chunk header's
// read "E_PROTOCOL: sender: <its text>").
import { describe, expect, it } from 'vitest'
import { streamPair } from '@libp2p/utils'
import { ChunkHeader } from '../../src/protocol/pb/transfer.js'
import { FrameReader, lengthPrefixed } from '../../src/protocol/frames.ts'
import { readChunkHeader } from '../../src/protocol/transfer.ts'
import { fromWireError } from '../../src/protocol/stream.ts'

describe('an error code from a peer that this ferry does not know', () => {
  it('in a sender\'s chunk header: E_PROTOCOL naming the code the sender sent and quoting its text, controls stripped', async () => {
    const [out, inbound] = await streamPair()
    const header = ChunkHeader.encode({ fileIndex: 0, chunk: 0, length: 0, offset: 0, notServed: 0, error: { code: 'E_DISK\x1b[2J_MELTED', message: 'the disk \x1b[31mmelted' } })
    inbound.send(lengthPrefixed(header))
    const h = await readChunkHeader(new FrameReader(out), AbortSignal.timeout(5000))
    expect(h?.error?.code).toBe('E_PROTOCOL')
    expect(h?.error?.message).toBe('the sender sent an error code this ferry does not know (E_DISK[2J_MELTED), saying "the disk [31mmelted"')
  })

  it('a known code stays the peer\'s, in its words; an unknown one with no text says so; a code too long to be one is cut', () => {
    expect(fromWireError({ code: 'E_NO_SPACE', message: 'disk full' }, 'receiver')).toMatchObject({ code: 'E_NO_SPACE', message: 'receiver: disk full', remote: true })
    expect(fromWireError({ code: 'E_LATER', message: '' }, 'receiver')?.message).toBe('the receiver sent an error code this ferry does not know (E_LATER), with no text')
    const long = fromWireError({ code: 'E_' + 'X'.repeat(500), message: 'x' }, 'other device')
    expect(long?.code).toBe('E_PROTOCOL')
    expect(long?.message).toMatch(/^the other device sent an error code this ferry does not know \(E_X{61}…\), saying "x"$/)
  })
})
