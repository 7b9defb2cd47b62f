// The control API contract shared by the daemon, the CLI and the TUI.
// Wire format: one JSON object per line over a Unix socket (mode 0600).
//   request  {"id": 1, "method": "peers", "params": {...}}   (id: a number, or a string of up to 256 characters, sent back as it came)
//   response {"id": 1, "result": ...}  or  {"id": 1, "error": {"code": "E_…", "message": "…"}}
//   event    {"event": "peer", "data": {...}}   (only after a `subscribe` request)
// A client may close its side once its requests are written: they are answered,
// then the daemon closes. One that does not read its answers is read no further
// while 64 requests wait for an answer or 1 MiB of answers waits to be read.
// Everything here is plain JSON data: clients never see daemon internals.

import type { ErrorCode } from '../../errors.ts'
import type { UnpairUntold } from '../../protocol/trust.ts'

export const CONTROL_SOCKET = 'control.sock'
/**
 * A line longer than this (in characters as read, UTF-16 code units: up to
 * 3 bytes each) is refused: it protects either side from a runaway other
 * end. Above what one command line can carry (Linux takes
 * ~2 MiB of arguments: `ferry send peer ~/Pictures/*.jpg` with 22,000
 * photos is ~1.6 MB of paths, which the 1 MiB of before refused, and the
 * refusal was lost: review finding).
 */
export const MAX_CONTROL_LINE = 8 * 1024 * 1024

export interface PeerInfo {
  peerId: string
  name: string
  addrs: string[]
  online: boolean
  /** ms since epoch of the last sign of life (connection or hello) */
  lastSeen: number
  paired: boolean
  /** paired peers only: offers accepted without asking */
  autoAccept?: boolean
  fingerprint?: string
  /** online peers: how the open connection is encrypted, `/ferry/noise-aesgcm/1.0.0` or `/noise` (src/daemon/aes-noise.ts) */
  encryption?: string
  /**
   * The address given with `ferry connect` that the peer answered at (a multiaddr), kept until it is unpaired or
   * another is given: a paired peer is dialled there again, first, whatever it announces. Absent: none given.
   */
  connectAddr?: string
  /**
   * A connected peer that runs another version of ferry (src/protocol/versions.ts): the versions it speaks of one
   * of ferry's protocols, `theirs` (["/ferry/hello/2.0.0"]), where this daemon speaks `ours` ("/ferry/hello/1.0.0").
   * Such a peer is not online (its hello, if any, could not be read; then it has no name), and connect, pair and
   * send to it fail with E_PEER_VERSION. Absent otherwise, and from daemons before 2026-12-06.
   */
  otherVersion?: { theirs: string[], ours: string }
}

export interface StatusInfo {
  peerId: string
  /** this device's key fingerprint, as the other device shows it after pairing (both sides compare the same two) */
  fingerprint: string
  name: string
  listenAddrs: string[]
  /** of listenAddrs, those on an IP this machine no longer has (a --listen address gone): nothing reaches the daemon there; absent when none */
  listenGone?: string[]
  version: string
  uptimeMs: number
  startedAt: number
  home: string
  receiveDir: string
  /** Why the receive folder cannot take offers now (not there and its disk not mounted, not writable…); absent when it can, or from an older daemon. A folder merely missing is made at the next offer: said so. */
  receiveProblem?: string
  mdns: boolean
  /**
   * The `ferry daemon` flags that start a daemon as this one: --home, and
   * those given that differ from the defaults (--name, --listen, --peer,
   * --no-mdns, --receive-dir). The TUI's "daemon not running" gives them, so
   * that the daemon it talks to is started again as it was. Absent from a
   * daemon older than this field.
   */
  startFlags?: string[]
  pid: number
  /** The daemon's memory now, in bytes (process.memoryUsage()): resident set, V8 heap in use, and ArrayBuffer/Buffer memory outside it. */
  memory: { rss: number, heapUsed: number, external: number, arrayBuffers: number }
  /** What ended receives left in the receive folder's `.ferry-part` for a re-send, and what was fetched ahead for offers that have not come (removed after a day): part folders and the bytes they hold. */
  keptParts?: { folders: number, bytes: number, /** of `folders`, those fetched ahead for offers that have not come (taken if they do) */ ahead?: number, /** the receive folders whose `.ferry-part` holds them (earlier runs' too) */ dirs?: string[] }
}

export type PairingPhase = 'waiting' | 'exchanging' | 'paired' | 'failed' | 'expired' | 'cancelled'

/** How many of the transfers kept `transfers` lists unless asked for more (`ferry transfers --limit`): the newest */
export const TRANSFERS_LISTED = 200
/** The most one `transfers` call lists: each is ~0.6 KB of JSON */
export const MAX_TRANSFERS_LISTED = 100_000

export interface PairingState {
  id: string
  role: 'show' | 'enter'
  phase: PairingPhase
  /** only on the showing side, only to the local user */
  code?: string
  expiresAt?: number
  peer?: { peerId: string, name: string, fingerprint: string }
  error?: { code: ErrorCode, message: string }
  /**
   * The mark the client that typed the code (pair.enter's `tag`) or asked for it to be shown (pair.show's `tag`)
   * gave it, on each of its states, so that a client tells its own pairing's events from another client's (the
   * TUI closes its code field, and shows a code, for its own only); none where it gave none (older daemons:
   * never; before 2026-12-06, on role 'enter' only)
   */
  tag?: string
  /**
   * role 'show', phase 'cancelled': the id of the newer code whose showing ended this one (the daemon shows one
   * code at a time), so that the client that showed this one can say by whom (none: ended otherwise; older
   * daemons: never)
   */
  replacedBy?: string
  /**
   * phase 'paired': this device had the other one paired already, so its trust was renewed, not made (its
   * name and fingerprint taken again, its auto-accept setting kept); none for a new pairing, and from daemons
   * before 2026-12-07 (notes' leftover: a pairing again was said as a new one)
   */
  again?: boolean
}

/**
 * The advice the daemon ends a code that found no device with, in `ferry pair`'s terms (src/pairing/service.ts):
 * here so that the TUI, which has no --peer, puts its own in their place by these very words (PairScreen inTuiWords).
 */
export const PAIR_ADVICE = {
  /** after "no ferry peer is online; …" */
  noneOnline: 'or use --peer',
  /** after "no peer is showing code number N …; …" */
  elsewhere: 'give its address: `ferry connect ADDRESS`, then this code again (or `ferry pair CODE --peer ADDRESS`: its IP address, with :PORT if not 4774)'
} as const

/** How a pairing that failed with `code` ended: its phase, as its event and the TUI's Pair screen say it. */
export function failedPairingPhase (code: string): 'expired' | 'cancelled' | 'failed' {
  return code === 'E_PAIRING_EXPIRED' ? 'expired' : code === 'E_CANCELLED' ? 'cancelled' : 'failed'
}

export interface OfferInfo {
  id: string
  peerId: string
  peerName: string
  files: number
  totalBytes: number
  /** its first few names at the top, for display: a file's name, a folder's with a trailing / ("roll/") */
  names: string[]
  /** how many names at the top it has besides `names` (absent from daemons before 2026-12-07: read as 0) */
  otherNames?: number
  receivedAt: number
  /**
   * Paths the receive folder cannot take as it is (a symbolic link or a
   * file of yours on the way, a name too long): how many files, how many
   * empty folders, and why the first ('"trip/album" is a symbolic link in
   * the receive folder'); looked at when the offer came and at each
   * `offers` call. Accepted, the rest is received without them. Absent
   * when none.
   */
  refused?: { files: number, folders: number, first: string }
}

export type TransferState =
  | 'hashing' | 'offered' | 'accepted' | 'fetching' | 'verifying' | 'done' | 'failed' | 'cancelled' | 'declined' | 'waiting'

const FINAL_STATES: ReadonlySet<string> = new Set<TransferState>(['done', 'failed', 'cancelled', 'declined'])

/** A transfer in one of these states never changes again. */
export function isFinalState (state: string): boolean {
  return FINAL_STATES.has(state)
}

const MOVING_STATES: ReadonlySet<string> = new Set<TransferState>(['hashing', 'fetching'])

/** Bytes move in these states (hashed or fetched): the only ones with a rate and an ETA. */
export function isMovingState (state: string): boolean {
  return MOVING_STATES.has(state)
}

/**
 * What a wait was for: `peer` its peer away (offline, unreachable, its daemon
 * down), `silent` a stall (connected, nothing moved for 10 s or more: a link
 * down, a peer stopped), `down` this daemon down (stopped, or crashed while it
 * moved; a crash while it waited is that wait's cause's: no mark tells when), `turn`
 * its turn (E_LIMIT), `room` room in the receive folder (E_NO_SPACE).
 */
export type WaitCause = 'peer' | 'silent' | 'down' | 'turn' | 'room'

export const WAIT_CAUSES: readonly WaitCause[] = ['peer', 'silent', 'down', 'turn', 'room']

export function isWaitCause (v: unknown): v is WaitCause {
  return typeof v === 'string' && (WAIT_CAUSES as readonly string[]).includes(v)
}

/** The cause of a wait in state `waiting` with this error (waitingWords says the same in words). */
export function waitCauseOf (error?: { code: string }): WaitCause {
  return error?.code === 'E_LIMIT' ? 'turn' : error?.code === 'E_NO_SPACE' ? 'room' : 'peer'
}

/** A transfer's waits by cause (ms in the store, TransferRow.waitedBy; seconds in TransferInfo.waitedBy). */
export type WaitsByCause = Partial<Record<WaitCause, number>>

/**
 * A waiting transfer in words: a receive held back by the limit of receives
 * at once from its peer (E_LIMIT) waits its turn here, the peer online and
 * sending; any other waits for its peer (user-test finding: "waiting for
 * peer E_LIMIT" read as a peer gone away).
 */
export function waitingWords (t: { error?: { code: string } }): string {
  // E_NO_SPACE: the receive folder's disk filled up while it ran, and it goes on once there is room (room-wait.ts)
  const cause = waitCauseOf(t.error)
  return cause === 'turn' ? 'waiting its turn' : cause === 'room' ? 'waiting for room' : 'waiting for peer'
}

/**
 * A send its receiver holds for a person there (awaitingDecision) in words: "offered, waiting to be accepted there",
 * and "(receiver offline now)" while it is (peerOffline). `ferry transfers` and the TUI say it so; `ferry status`
 * without "offered, " (heldThereWords).
 */
export function offeredWords (t: { awaitingDecision?: boolean, peerOffline?: boolean }): string {
  return t.awaitingDecision !== true ? 'offered' : `offered, ${heldThereWords(t)}`
}

/** offeredWords' words of a send held there: "waiting to be accepted there (receiver offline now)". */
export function heldThereWords (t: { peerOffline?: boolean }): string {
  return `waiting to be accepted there${t.peerOffline === true ? ' (receiver offline now)' : ''}`
}

/**
 * A held send whose receiver is offline now, as a sentence: `ferry send`'s and `ferry wait`'s live view and their
 * notes on stderr say it alike (`peer` made safe to print by the caller).
 */
export function heldOfflineWords (peer: string, what: string): string {
  return `${peer} is offline now; the offer waits there to be accepted, and the ${what} goes on once it is back`
}

export interface FileProgress {
  path: string
  size: number
  doneBytes: number
}

export interface ReceiptInfo {
  /** hex transfer root the receiver signed */
  root: string
  /** base64 signature by the receiver's peer key */
  signature: string
  /** send: the receiver's signature checked out against its peer key; receive: true, the receipt being this device's own, signed once every byte it kept was verified */
  verified: boolean
  /** files the receiver did without, because they changed or went away on the sending side after the offer (the signature covers which); absent: none */
  notReceived?: number
  /** receive: why the receive folder refused some of them, once per folder at fault (the first 20, as the receipt told the sender): '"trip/album" is a symbolic link in the receive folder' */
  refused?: string[]
  /** receive: of `notReceived`, how many files the receive folder refused, and how many the sender could not send (changed, removed or unreadable there after the offer); absent in receipts from before 2026-12-05 */
  refusedFiles?: number
  notServedFiles?: number
  /** receive: of `refusedFiles`, how many were refused before any byte of theirs was asked for (a link of its own on the way, found as its run began): none of `wireBytes` was theirs. Absent where not known (bytes fetched ahead of the offer, a receive that ran before a restart of its daemon) and from daemons before 2026-12-06 */
  refusedUnfetched?: number
}

export interface TransferInfo {
  id: string
  direction: 'send' | 'receive'
  peerId: string
  peerName: string
  state: TransferState
  files: number
  /** the folders it carries (each folder sent, empty or not), either way; absent when none, and in ended transfers from before 2026-12-06 */
  folders?: number
  totalBytes: number
  doneBytes: number
  /**
   * While it runs (not ended): of `files`, how many are whole on the receiving side, verified and placed in its
   * receive folder (found there already included); a send's as its receiver last reported it. Absent while none
   * is (or none was reported: a receiver from before 2026-12-07 never reports it), while offered, once it ended
   * (`files`, `receipt.notReceived` and `keptFiles` say it then), and where it carries one file or none (user-test
   * finding: the live views said bytes alone, and a camera roll of 1,000 photos gave no idea of how many had arrived)
   */
  doneFiles?: number
  /**
   * File data this transfer carried over the network, what went again included (dedup and resume make it smaller
   * than the total; the offer, requests and framing are not in it). A receive counts what its reader took off the
   * connection (as recorded, about once a second: a kill -9 of it loses the last of that count). A send counts what it
   * served, handed to its connection, which it cannot tell from what crossed: what was on its way when the link or
   * the receiver went is counted though it never arrived. After a receiver's kill -9 that is up to ~6.4 MiB more than
   * went again (docs/PERFORMANCE.md, "The kill -9 bound"; a user test counted ~6 MiB where `ss` measured 0.94–2.35 MB
   * sent twice). An upper bound, then, on a send that was interrupted (task finding: this said "bytes that actually
   * crossed the network"), with one exception: what went before the offer, to a receiver fetching ahead while the
   * sender hashed, is counted in memory only until the offer, and a kill -9 of either daemon then loses it (the
   * receiver counts what it kept of it as held); after such kills both sides may count less than crossed (soak
   * finding, 2026-12-07: 22.7 MiB less for 1 GiB).
   */
  wireBytes: number
  /**
   * bytes per second, smoothed; 0 when none: not moving (only `hashing` and `fetching` move), not measured
   * yet (its first second of bytes, or none in the 10 s since it began or went on), or stalled (`stalledSeconds`)
   */
  rate: number
  etaSeconds: number | null
  /**
   * hashing or fetching, and for this many seconds (10 or more) nothing has moved, since its last bytes or, none
   * having come, since it began or went on (until 2026-12-06 only once bytes had moved): `rate` is 0 and
   * `etaSeconds` null. Sent again each second while it lasts. Absent otherwise, also when `rate` is 0 for not
   * being measured yet (and from daemons before 2026-12-06, which said 0 for both)
   */
  stalledSeconds?: number
  inFlight: FileProgress[]
  root: string
  createdAt: number
  finishedAt?: number
  resumed: boolean
  receiveDir?: string
  /** what it carries, in a few words: "trip", "a.jpg and 2 more" (a receive's are the sending peer's names); absent in records from before 2026-12-04 */
  label?: string
  /** send, offered: its receiver has it and waits for a person there to accept it (auto-accept off), not an offer still on its way */
  awaitingDecision?: boolean
  /**
   * send, awaitingDecision: its receiver is offline now; the offer waits there all the same, and the send goes on
   * once it is back and the offer accepted (user-test finding: "waiting to be accepted" alone, its receiver's daemon
   * stopped). Absent otherwise
   */
  peerOffline?: boolean
  /**
   * held for a person on the receiving side to accept (auto-accept off there): the seconds of the time from
   * `createdAt` on that went waiting for that, to now while it still waits; a send counts from its receiver's
   * answer that it holds the offer, a receive from the offer's arrival. Absent for a transfer never held so, and in
   * records from before 2026-12-06 (notes' leftover: `ferry wait`, the TUI and `ferry transfers` counted that wait
   * as the transfer's own time, and a send's rate with it)
   */
  acceptWaitSeconds?: number
  /**
   * the seconds of the time from `createdAt` on that it spent waiting (state `waiting`: its peer away or its daemon
   * down, this daemon down after a clean stop or a crash, its turn, room in the receive folder; and stalls, 10 s or
   * more with nothing moving while it hashed or fetched, since 2026-12-07), to now while it waits; not
   * its own time either, and not counted in its rate. Absent when none, and in records from before 2026-12-07
   * (user-test findings: a send whose receiver was away 15 s said "in 26.6 s", at half its rate)
   */
  waitedSeconds?: number
  /**
   * of waitedSeconds, by what it waited for (WaitCause: its peer away, its peer silent in a stall, this daemon down,
   * its turn, room), each in seconds, so a summary names the cause that held it up. Absent when it waited none, when
   * some of what it waited has no cause recorded (records from before 2026-12-08), and from a daemon before then
   */
  waitedBy?: WaitsByCause
  /**
   * state `waiting`: when the wait under way began (ms since the epoch, the daemon's clock, which is its local
   * clients' too), so that a view counts it up (the live views' header: "waiting for peer 42s"; user-test finding: the
   * screen at 20 s of a wait was the one at 1 s). Absent otherwise, and where not known
   */
  waitingSince?: number
  error?: { code: ErrorCode, message: string }
  /**
   * cancelled or declined: on which side it was ended, this device (`here`) or its peer (`peer`: its sender cancelled
   * it, its receiver cancelled or declined it). Absent otherwise, and in records from before 2026-12-06 (user-test
   * finding: "cancelled E_CANCELLED" said the state twice and never who; only error.message's words hinted at it)
   */
  endedBy?: EndedBy
  /**
   * receive, cancelled or failed: how many of its files had arrived, verified and placed in the receive folder
   * (`receiveDir`), where they stay (by design: each is complete; the rest of it is not kept). Absent when none,
   * and in records from before 2026-12-06 (user-test finding: a cancel said nothing of the files kept). Send,
   * cancelled here: how many its receiver said it keeps so, as it was told of the cancel (absent when none, when
   * it could not be told then, or from a receiver before 2026-12-06); cancelled by its receiver: how many that one
   * said it keeps, in its end message (absent when none, or from a receiver before 2026-12-06)
   */
  keptFiles?: number
  /**
   * receive, cancelled on this device: the verified bytes of its files not yet whole, which the cancel removed with
   * their part files (a cancel by its sender, or a failure, keeps them a day for a re-send). Absent when none went
   * (nothing of them had arrived, another receive of the same content still used them), and in records from before
   * 2026-12-07 (notes' leftover: the cancel said the files kept, nothing of what it threw away)
   */
  droppedBytes?: number
  /**
   * send, done: its files that changed on this device after the offer, which its receiver has as they were offered
   * (it held them already, or they were served before the change): how many, and the first 20 source paths. Absent
   * when none, and where not looked at: a send this daemon took up again after a restart, and records from before
   * 2026-12-07 (user-test finding: a file edited while the offer waited arrived as offered, and nothing said so)
   */
  changedAfterOffer?: { count: number, paths: string[] }
  /**
   * send, cancelled here and its receiver being told so now: its answer, the files it keeps (`keptFiles`), comes
   * in an event after this one, which has this absent (also when the receiver could not be told). A client that
   * ends on the cancel and says what is kept waits a moment for that one (user-test finding: `ferry send`, the
   * send cancelled from another terminal, ended on the cancel's event, before the daemon learned the count)
   */
  keptAwaited?: true
  receipt?: ReceiptInfo
  /**
   * send: what it left out (symlinks, special files, names a receiver would
   * refuse, files that changed, paths the receiver refused), and why; the
   * first SKIPPED_SHOWN of them, those for a problem first (a send of
   * /usr/share skips thousands, and every event carries this). Once ended,
   * as many of them as its row keeps (32 KiB).
   */
  skipped?: SkippedPath[]
  /** How many paths were skipped in all, and how many of them for a problem (`failed`), when `skipped` is there */
  skippedCount?: number
  skippedFailed?: number
  /**
   * What of it arrived under another name than sent, its name being taken
   * where it arrived, each rename once where it happened: a folder kept as
   * "trip (1)" (`folder`, with how many of its files it holds: `files`),
   * a file as "IMG_1 (1).jpg" (not a file only moved with its folder). The
   * first RENAMED_SHOWN, folders first; `renamedCount`: how many renames in
   * all, a folder counting once. A send has them from its receiver's
   * receipt: one from before 2026-12-05 tells files alone, each file under
   * a renamed folder among them, and so did this daemon's own records then.
   */
  renamed?: RenamedPath[]
  renamedCount?: number
}

/** Which side ended a cancelled or declined transfer (TransferInfo.endedBy). */
export type EndedBy = 'here' | 'peer'

/** A rename of TransferInfo.renamed: the path as sent, and as placed, both relative to the receive folder. */
export interface RenamedPath { path: string, as: string, folder?: true, files?: number }

/** Renames a transfer's snapshot lists (TransferInfo.renamed). */
export const RENAMED_SHOWN = 20

/** Skipped paths a transfer's snapshot lists (TransferInfo.skipped); the counts cover the rest. */
export const SKIPPED_SHOWN = 100

/**
 * A path left out of a send; `failed`: because of a problem (it could not be
 * read, or named), not by design (a symbolic link, a special file);
 * `escaped`: `path` is shown escaped already, to print as it is (a name that
 * is not UTF-8, its bytes as \xNN: no string holds it as it is). Of a file
 * a send's receipt says was not received: `refused`, the receiver
 * refused it (its receive folder could not take it), as its receipt said
 * (not an empty folder refused: no bytes of it crossed); `notServed`, the
 * receiver did not refuse it: it changed, went away or could not be read
 * here after the offer. Neither: not known which (the receiver told the
 * reasons of its first refusals only; a row from before 2026-12-05).
 */
export interface SkippedPath { path: string, reason: string, failed?: boolean, /** with `failed`: the problem's stable error code (E_PATH_UNSAFE, E_PATH_NOT_FOUND, E_SOURCE_CHANGED, E_IO, …); none where it is not known (a receiver from before 2026-12-07 refusing it, or one that said nothing of why) */ code?: ErrorCode, escaped?: boolean, refused?: boolean, notServed?: boolean, /** `refused` or `notServed`, and not a byte of it was sent (refused before it was asked for, changed before its first chunk went); absent where not known (its sending daemon restarted meanwhile, or the receiver fetched ahead of the offer) and from daemons before 2026-12-06 */ noneSent?: boolean }

/**
 * What a subscribed connection may carry. This daemon sends `peer`,
 * `peer:removed`, `pairing`, `offer`, `offer:removed` and `transfer`;
 * `log` is not sent yet, and clients such as the TUI take it for when it
 * is. `peer:removed`: a peer `peers` no longer lists, forgotten (unpaired
 * and unseen for 30 days, or past the 256 unpaired kept: peer-table.ts) or
 * unpaired where the list leaves it out; an unpaired peer that goes offline
 * stays listed as such.
 */
export interface ControlEvents {
  peer: PeerInfo
  'peer:removed': { peerId: string }
  pairing: PairingState
  offer: OfferInfo
  'offer:removed': { id: string }
  transfer: TransferInfo
  log: { level: 'info' | 'warn' | 'error', msg: string, [k: string]: unknown }
}

export interface ControlMethods {
  status: { params: Record<string, never>, result: StatusInfo }
  /** all: also unpaired peers offline for over a day (listed-peers.ts, UNPAIRED_LISTED_MS) */
  peers: { params: { all?: boolean }, result: PeerInfo[] }
  /** reach the device at `address` now (a multiaddr, or an IP or host name with an optional port: src/daemon/peer-address.ts): the peer once it said hello */
  connect: { params: { address: string }, result: PeerInfo }
  /** after the response, the connection streams ControlEvents */
  subscribe: { params: Record<string, never>, result: { subscribed: true } }
  /** tag: the asker's own mark for this code, at most 128 characters, given back on its states (PairingState.tag; older daemons ignore it) */
  'pair.show': { params: { expiresSec?: number, tag?: string }, result: PairingState }
  /** tag: the asker's own mark for this pairing, at most 128 characters, given back on its states (PairingState.tag; older daemons ignore it) */
  'pair.enter': { params: { code: string, peer?: string, tag?: string }, result: PairingState }
  'pair.cancel': { params: { id?: string }, result: { cancelled: boolean } }
  unpair: { params: { peer: string }, result: { peerId: string, /** its name as paired (older daemons: none) */ name?: string, notified: boolean, /** not notified: why (older daemons: none, read as unreachable; protocol/trust.ts) */ untold?: UnpairUntold, /** untold 'refused': what the other device answered, its code and words (older daemons: none; they said such an answer 'unreadable') */ refusal?: { code: string, message: string } } }
  send: { params: { peer: string, paths: string[] }, result: TransferInfo }
  /**
   * The transfers under way and the newest ended ones, `limit` of those kept (TRANSFERS_LISTED unless given, at most
   * MAX_TRANSFERS_LISTED);
   * with `id` (a unique prefix), that one alone, found among all kept (E_TRANSFER_NOT_FOUND, E_TRANSFER_AMBIGUOUS)
   */
  transfers: { params: { limit?: number, id?: string }, result: TransferInfo[] }
  offers: { params: Record<string, never>, result: OfferInfo[] }
  accept: { params: { id: string }, result: TransferInfo }
  decline: { params: { id: string }, result: { declined: true, id: string } }
  cancel: { params: { id: string }, result: TransferInfo }
  /** name: the peer's, as `ferry peers` lists it (not what was typed to name it) */
  'peer.autoAccept': { params: { peer: string, autoAccept: boolean }, result: { peerId: string, name: string, autoAccept: boolean } }
}

export type MethodName = keyof ControlMethods
export type EventName = keyof ControlEvents

export interface RequestLine { id: number, method: string, params?: unknown }
export type ResponseLine =
  | { id: number, result: unknown }
  | { id: number, error: { code: ErrorCode, message: string } }
export interface EventLine { event: EventName, data: unknown }
