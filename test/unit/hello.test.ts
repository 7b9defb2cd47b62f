// /ferry/hello as a peer says it: what it says of itself is cleaned before
// anything keeps or shows it, whatever that peer's own side did (a crafted
// peer writes the message itself). Over a real libp2p stream pair.

import { describe, expect, it } from 'vitest'
import { streamPair } from '@libp2p/utils'
import { answerHello, exchangeHello } from '../../src/protocol/hello.ts'
import { Hello } from '../../src/protocol/pb/hello.js'
import { lengthPrefixed } from '../../src/protocol/frames.ts'
import { sendAll } from '../../src/protocol/transfer.ts'
import { MAX_NAME_BYTES } from '../../src/protocol/constants.ts'

const dirty = { name: ' ev\u001b[2Jil\u202e\u0085' + 'x'.repeat(200) + ' ', version: '9.9\u001b[31m' + 'y'.repeat(100), wire: 1 }

describe('a hello whose name and version are not clean', () => {
  it('is read with control characters stripped, the name cut to its bytes and trimmed, the version cut (mutation finding: every test peer cleaned its own, so a reader that kept them was not noticed)', async () => {
    for (const side of ['answering', 'dialling'] as const) {
      const [mine, theirs] = await streamPair()
      const said = sendAll(theirs, lengthPrefixed(Hello.encode(dirty)))
      const read = side === 'answering'
        ? answerHello(mine, { name: 'me', version: '1', wire: 1 })
        : exchangeHello(mine, { name: 'me', version: '1', wire: 1 })
      const [got] = await Promise.all([read, said])
      expect(got.name, side).toBe(('ev[2Jil' + 'x'.repeat(200)).slice(0, MAX_NAME_BYTES))
      expect(Buffer.byteLength(got.name)).toBeLessThanOrEqual(MAX_NAME_BYTES)
      expect(got.version, side).toBe('9.9[31m' + 'y'.repeat(25))
      theirs.abort(new Error('done'))
    }
  })
})
