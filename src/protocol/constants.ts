// Protocol IDs and wire limits. Every limit is checked before anything is allocated.

export const PROTOCOL_PREFIX = '/ferry'
export const HELLO_PROTOCOL = '/ferry/hello/1.0.0'
export const PAIR_PROTOCOL = '/ferry/pair/1.0.0'
export const TRUST_PROTOCOL = '/ferry/trust/1.0.0'
// 1.2.0: modes carry the permission bits, and an offer under a known id is answered as it stands
export const OFFER_PROTOCOL = '/ferry/offer/1.2.0'
export const CHUNKS_PROTOCOL = '/ferry/chunks/1.1.0'
export const RECEIPT_PROTOCOL = '/ferry/receipt/1.0.0'
// while the sender hashes: its entries, then chunk hashes as they are made (docs/PROTOCOL.md, Preview)
export const PREVIEW_PROTOCOL = '/ferry/preview/1.0.0'

/** Protocols any peer may use. Everything else is gated on pairing (see daemon/gate.ts). */
export const UNGATED_PROTOCOLS = new Set([HELLO_PROTOCOL, PAIR_PROTOCOL])

/** mDNS service tag: ferry daemons answer only each other, not every libp2p node on the LAN. */
export const MDNS_SERVICE_TAG = '_ferry._udp.local'

/** Wire generation carried in Hello; bumped on incompatible changes. */
export const WIRE_VERSION = 1

/** Hello is tiny: a device name and a version string. */
export const MAX_HELLO_BYTES = 1024
/** A device name longer than this is cut (in UTF-8 bytes, on a code point boundary). */
export const MAX_NAME_BYTES = 64
/** PAKE messages are a point, a nonce, a tag and a name. */
export const MAX_PAIR_MESSAGE_BYTES = 1024
/** Small control messages (unpair, receipts, answers, chunk requests). */
export const MAX_SMALL_MESSAGE_BYTES = 4096
/** Default time a request/response exchange may take before the stream is aborted. */
export const DEFAULT_STREAM_TIMEOUT_MS = 10_000

/** An offer carries every file's chunk hashes; 64 MiB holds ~2 million of them. */
export const MAX_OFFER_BYTES = 64 * 1024 * 1024
/** A HashPart: at most 2,048 chunk hashes (a sender sends at most 1,024 in one). */
export const MAX_HASH_PART_BYTES = 64 * 1024
/** Files per offer: the receiver keeps per-file state in memory while fetching. */
export const MAX_OFFER_FILES = 100_000
/** Offers from one peer that may wait for a decision (auto-accept off) at once; more are refused with E_LIMIT. */
export const MAX_PENDING_OFFERS_PER_PEER = 16
/**
 * Receives from one peer not yet ended (waiting for a decision, running or
 * waiting to resume), and the bytes of their offers, that this device keeps
 * at once, auto-accept or not: each is in memory (its manifest decoded:
 * ~300 MB for the largest offer) and in the store, and comes back at every
 * start. A paired peer that turned hostile sent 20 offers of 7.9 MB, all
 * accepted, and took the daemon from 109 to 1,278 MiB (review finding).
 * One offer of the largest size is still taken.
 */
export const MAX_UNFINISHED_RECEIVES_PER_PEER = 32
export const MAX_UNFINISHED_OFFER_BYTES_PER_PEER = MAX_OFFER_BYTES + 32 * 1024 * 1024
/**
 * Receives from one peer that fetch at once; the others wait their turn,
 * shown as waiting (E_LIMIT, "waiting its turn"). Each holds streams, spool
 * slots and chunk buffers: a paired peer that served 32 receives 16 MiB
 * chunks and went silent before the end of each took the daemon from
 * 114 MiB to 1.6 GiB (review finding). The chunk buffers of all receives,
 * from every peer, are bounded in bytes as well (CHUNK_BUFFER_BUDGET).
 */
export const MAX_RUNNING_RECEIVES_PER_PEER = 4
/** Declared total size per offer (1 PiB): anything larger is nonsense or hostile. */
export const MAX_OFFER_TOTAL_BYTES = 2 ** 50
/** Chunks per ChunkRequest: bounds how much one request makes the sender read. */
export const MAX_CHUNKS_PER_REQUEST = 64
/** Largest chunk (must match transfer/manifest/chunking.ts MAX_CHUNK_SIZE). */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024
/**
 * Chunk streams one peer may have served at once, over all its connections:
 * each can hold up to SEND_AHEAD_BYTES unsent (frames.ts) and a source file
 * open. A limit per connection alone let a peer that dialled again and again
 * multiply it (review finding: 4 connections of 64 streams, +527 MiB).
 */
export const MAX_CHUNK_STREAMS_PER_PEER = 64
