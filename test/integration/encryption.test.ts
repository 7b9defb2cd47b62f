// Which Noise two peers end up with (src/daemon/aes-noise.ts): AES-GCM only
// when both offer it, the stock /noise otherwise, whichever side dials; and
// bulk data crosses either intact. The stock libp2p peer's side is in
// wire-tuning.test.ts.

import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { createNode, type FerryNode } from '../../src/daemon/node.ts'
import { AES_NOISE_PROLOGUE, AES_NOISE_PROTOCOL } from '../../src/daemon/aes-noise.ts'
import { aesGcmNoiseCrypto } from '../../src/daemon/noise-crypto.ts'
import type { PeerInfo } from '../../src/daemon/control/types.ts'
import { cleanupAll, pairDaemons, startDaemon, tempDir, waitFor, type TestDaemon } from '../helpers/daemon.ts'
import { expectEchoIntact } from '../helpers/echo.ts'

const ECHO = '/ferry-test/echo/1.0.0'
const nodes: Libp2p[] = []

async function node (aesNoise: boolean): Promise<FerryNode> {
  const n = await createNode({ privateKey: await generateKeyPair('Ed25519'), listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false, version: 'test', aesNoise })
  nodes.push(n)
  await n.handle(ECHO, async (stream) => {
    for await (const buf of stream) {
      if (!stream.send(buf)) await stream.onDrain()
    }
    await stream.close()
  })
  return n
}

/** `bytes` random bytes from `a` to `b`'s echo and back, intact. */
async function echoIntact (a: FerryNode, b: FerryNode, bytes: number): Promise<void> {
  await expectEchoIntact(await a.dialProtocol(b.getMultiaddrs()[0], ECHO), bytes)
}

const encryptionOf = (from: FerryNode, to: FerryNode): string | undefined =>
  from.getConnections(to.peerId)[0]?.encryption

afterAll(async () => {
  await Promise.all(nodes.map(async (n) => await n.stop()))
  await cleanupAll() // the daemons' homes and the test's files
})

describe('Noise between two ferry nodes', () => {
  it('is AES-GCM when both offer it, and 16 MiB cross it intact both ways', async () => {
    const a = await node(true)
    const b = await node(true)
    await echoIntact(a, b, 16 * 1024 * 1024)
    expect(encryptionOf(a, b)).toBe(AES_NOISE_PROTOCOL)
    expect(encryptionOf(b, a)).toBe(AES_NOISE_PROTOCOL)
  })

  for (const [dialerAes, listenerAes] of [[true, false], [false, true]]) {
    it(`is the stock /noise when only the ${dialerAes ? 'dialer' : 'listener'} offers AES-GCM`, async () => {
      const a = await node(dialerAes)
      const b = await node(listenerAes)
      await echoIntact(a, b, 1024 * 1024)
      expect(encryptionOf(a, b)).toBe('/noise')
      expect(encryptionOf(b, a)).toBe('/noise')
    })
  }
})

describe('what /ferry/noise-aesgcm is', () => {
  /** A plain libp2p node whose only encrypter is libp2p-noise with `init`, under the AES protocol's name. */
  async function impostor (init: Parameters<typeof noise>[0]): Promise<Libp2p> {
    const relabelled = (components: any): any => Object.assign(noise(init)(components), { protocol: AES_NOISE_PROTOCOL })
    const n = await createLibp2p({ addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] }, transports: [tcp()], connectionEncrypters: [relabelled], streamMuxers: [yamux()] })
    nodes.push(n)
    return n
  }

  it('is AES-GCM and the prologue that names it: a Noise with either missing cannot connect, with both it can', async () => {
    const ferry = await node(true)
    const cases: Array<[string, Parameters<typeof noise>[0], boolean]> = [
      ['the stock ChaCha20-Poly1305', {}, false],
      ['AES-GCM without the prologue', { crypto: aesGcmNoiseCrypto }, false],
      ['ChaCha20-Poly1305 with the prologue', { prologueBytes: AES_NOISE_PROLOGUE }, false],
      ['AES-GCM with the prologue', { crypto: aesGcmNoiseCrypto, prologueBytes: AES_NOISE_PROLOGUE }, true]
    ]
    for (const [what, init, connects] of cases) {
      const other = await impostor(init)
      for (const [from, to] of [[other, ferry], [ferry, other]]) {
        const dialled = from.dial(to.getMultiaddrs()[0], { signal: AbortSignal.timeout(5000) })
        if (connects) expect((await dialled).encryption, what).toBe(AES_NOISE_PROTOCOL)
        else await expect(dialled, what).rejects.toThrow()
        await from.hangUp(to.peerId)
      }
    }
  })
})

describe('daemons', () => {
  const daemons: TestDaemon[] = []
  afterAll(async () => { await Promise.all(daemons.map(async (d) => await d.stop())) })

  it('say in `ferry peers --json` how each connection is encrypted, and FERRY_NOISE_AESGCM=off keeps a daemon to /noise', async () => {
    const a = await startDaemon({ name: 'enc-a', env: { FERRY_NOISE_AESGCM: 'on' } })
    daemons.push(a)
    const b = await startDaemon({ name: 'enc-b', env: { FERRY_NOISE_AESGCM: 'on' } })
    daemons.push(b)
    const c = await startDaemon({ name: 'enc-c', env: { FERRY_NOISE_AESGCM: 'off' } })
    daemons.push(c)
    await pairDaemons(a, b)
    await pairDaemons(a, c)
    // a file crosses each kind of connection, verified by the receiver
    const dir = await tempDir()
    const file = join(dir, 'enc.bin')
    await writeFile(file, randomBytes(3 * 1024 * 1024 + 17))
    for (const to of [b, c]) {
      const sent = await a.cli(['send', to.name, file, '--json'])
      expect(sent.code, sent.stderr).toBe(0)
    }
    const encryption = async (d: TestDaemon, other: TestDaemon): Promise<string | undefined> => {
      const r = await d.cli(['peers', '--json'])
      expect(r.code, r.stderr).toBe(0)
      return (JSON.parse(r.stdout) as PeerInfo[]).find((p) => p.peerId === other.peerId && p.online)?.encryption
    }
    for (const [d, other, expected] of [[a, b, AES_NOISE_PROTOCOL], [b, a, AES_NOISE_PROTOCOL], [a, c, '/noise'], [c, a, '/noise']] as const) {
      expect(await waitFor(async () => await encryption(d, other), `${d.name} to list ${other.name} online`)).toBe(expected)
    }
  })
})
