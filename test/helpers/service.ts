// A TransferService on a real store with no node behind it (nothing is
// started, dialled or listened on; every peer is offline): for unit tests of
// what the service does with its records (resolveId, restoring unfinished
// transfers).

import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { TrustStore, type Db, type TransferStore } from '../../src/store/index.ts'
import { TransferService } from '../../src/transfer/service.ts'

export async function transferServiceOn (db: Db, store: TransferStore, receiveDir: string): Promise<TransferService> {
  const privateKey = await generateKeyPair('Ed25519')
  const unused = async (): Promise<never> => { throw new Error('not started') }
  return new TransferService({
    node: { peerId: peerIdFromPrivateKey(privateKey), handle: unused, dialProtocol: unused },
    privateKey,
    store,
    trust: new TrustStore(db),
    receiveDir,
    peerName: () => 'beta',
    isOnline: () => false,
    emitTransfer: () => {},
    emitOffer: () => {},
    emitOfferRemoved: () => {},
    log: { info: () => {}, warn: () => {}, debug: () => {} }
  })
}
