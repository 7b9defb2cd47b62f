// A libp2p node exactly as the packages ship it (TCP + stock Noise + stock
// Yamux, none of ferry's tuning), in its own process so that no patch ferry
// applies in the test process reaches it. Echoes every stream of
// /ferry-test/echo/1.0.0, and prints its listen address on stdout.

import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'

const node = await createLibp2p({
  addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()]
})
await node.handle('/ferry-test/echo/1.0.0', async (stream) => {
  for await (const buf of stream) {
    if (!stream.send(buf)) await stream.onDrain()
  }
  await stream.close()
})
process.stdout.write(node.getMultiaddrs()[0].toString() + '\n')
process.on('SIGTERM', () => { void node.stop().then(() => process.exit(0)) })
