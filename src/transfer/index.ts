// Public API of the transfer engine's network-free core: chunk geometry,
// BLAKE3 hashing in worker threads, manifests and their root hashes, and
// receive-path safety. Everything else in src/transfer/ is private to it.
// Must never: export a worker's message types or other internals.

export {
  HASH_LENGTH,
  MAX_CHUNK_SIZE,
  RULE_MAX_CHUNK_SIZE,
  RULE_MIN_CHUNK_SIZE,
  MIN_CHUNK_SIZE,
  TARGET_CHUNKS_PER_FILE,
  chunkCount,
  chunkRange,
  chunkSizeFor,
  isValidChunkSize
} from './manifest/chunking.ts'
export type { ChunkRange } from './manifest/chunking.ts'

export { blake3, createHashPool } from './manifest/hash-pool.ts'
export type { HashFileOptions, HashOptions, HashPool, HashPoolInit, HashPoolStats } from './manifest/hash-pool.ts'

export { PROGRESS_INTERVAL_MS, buildManifest, offerBytesBound, scanPaths } from './manifest/manifest.ts'
export type { BuildOptions, BuildProgress, FileEntry, Manifest, ScanOptions, ScanWarning, ScannedEntry } from './manifest/manifest.ts'

export {
  FILE_ROOT_TAG,
  MODE_EXECUTABLE,
  MODE_REGULAR,
  TRANSFER_ROOT_TAG,
  computeFileRoot,
  computeTransferRoot,
  verifyManifest
} from './manifest/manifest-root.ts'

export {
  MAX_COMPONENT_BYTES,
  MAX_PATH_BYTES,
  MAX_PATH_DEPTH,
  PART_DIR,
  checkReceivePaths,
  resolveInside,
  uniqueDestination,
  validateRelativePath
} from './folder/safe-path.ts'
