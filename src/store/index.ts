export { openDb, peekMeta, receiveMountKey, type Db } from './db.ts'
export { PeerStore, TrustStore, type PeerRow, type TrustRow } from './peers.ts'
export { TransferStore, type TransferRow, type ChunkLocation, type GivenUpRecord, type IndexedFile, type PlacedIdentity } from './transfers.ts'
export { HashCacheStore, type CachedFile, type FileIdentity } from './hash-cache.ts'
