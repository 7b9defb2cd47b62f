// The peer table: which ferry daemons this one has seen, their names and
// addresses, and whether they are online right now. A peer is online only
// while a connection to it is open AND it has answered /ferry/hello; the
// connection monitor's pings close connections to peers that vanished, so a
// peer is never listed online while it is unreachable.

import type { PeerId, Connection, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { EventEmitter } from 'node:events'
import { HELLO_PROTOCOL, WIRE_VERSION } from '../protocol/constants.ts'
import { answerHello, exchangeHello, type HelloInfo } from '../protocol/hello.ts'
import type { PeerStore } from '../store/index.ts'
import type { Logger } from './logger.ts'
import type { FerryNode } from './node.ts'
import { dialFailure, dialledSelf, isDialTimeout } from '../protocol/stream.ts'
import { FerryError } from '../errors.ts'
import { answeredAsAnother, REDIAL_FAST_MS, REDIAL_STATIC_MAX_MS, RedialSchedule } from './redial-schedule.ts'
import { otherVersionOf, type OtherVersion } from '../protocol/versions.ts'

/**
 * `addrs`: where it was reached or says it listens (identify), replaced as it announces anew; `connectAddr`: the
 * address a person gave with `ferry connect` that it answered at, kept whatever it announces (in the store too)
 * until it is unpaired or another is given, and dialled first (setConnectAddr); `otherVersion`: it runs another
 * version of ferry, as identify told while connected (protocol/versions.ts).
 */
export interface PeerEntry { peerId: string, name: string, addrs: string[], online: boolean, lastSeen: number, version: string, connectAddr?: string, otherVersion?: OtherVersion }

export interface PeerTableInit {
  node: FerryNode
  store: PeerStore
  log: Logger
  name: string
  version: string
  /** multiaddrs given with --peer: dialled now and whenever the peer is offline */
  staticPeers: string[]
  /** paired peers: redialled while offline, and kept however long unseen */
  isPaired: (peerId: string) => boolean
  /** peers a transfer waits for: redialled at the fast pace however long they are away (redial-schedule.ts) */
  isAwaited: (peerId: string) => boolean
}

/**
 * An unpaired peer not seen for this long is forgotten. Why: every device
 * that ever ran ferry on the same network (a guest's laptop, each identity a
 * reinstall made, each of the peer IDs a hostile host makes up for nothing)
 * was kept in the store and listed for good; an unpaired peer is only an
 * address book entry, and mDNS finds it again when it is back.
 */
export const UNPAIRED_KEPT_MS = 30 * 24 * 60 * 60 * 1000
/** The most unpaired peers kept; past it a new one replaces the one offline longest (a host making up peer IDs). */
export const MAX_UNPAIRED = 256
const FORGET_INTERVAL_MS = 60 * 60 * 1000

/** The unpaired peers offline longest, as many as there are unpaired peers over `keep` (online ones are never chosen: they are here). */
export function unpairedToForget (peers: PeerEntry[], isPaired: (peerId: string) => boolean, keep = MAX_UNPAIRED): string[] {
  const unpaired = peers.filter((p) => !isPaired(p.peerId))
  const excess = unpaired.length - keep
  if (excess <= 0) return []
  return unpaired.filter((p) => !p.online).sort((a, b) => a.lastSeen - b.lastSeen).slice(0, excess).map((p) => p.peerId)
}

/** How long a dial of a peer away (its redial) may take */
const REDIAL_TIMEOUT_MS = 5000
/** How long the opening of a hello stream on a new connection may take (greet) */
const HELLO_OPEN_MS = 5000
/** How long the question of which version a connection's peer runs (versionOf) may take */
const VERSION_ASK_MS = 3000

/**
 * `peer`: one came, went or changed; `version`: one was seen to run another version of ferry, or no longer
 * (otherVersion): to be said to clients only, nothing else changed; `forgotten`: one was forgotten (its ID), or
 * one of another version that said no hello went away: a client listing peers drops it.
 */
export class PeerTable extends EventEmitter<{ peer: [PeerEntry], version: [PeerEntry], forgotten: [string] }> {
  private readonly init: PeerTableInit
  private readonly peers = new Map<string, PeerEntry>()
  private readonly helloDone = new WeakSet<Connection>()
  /** connections whose peer identify's answer (peer:identify) was heard on */
  private readonly identified = new WeakSet<Connection>()
  /** why the hello this daemon said on a connection it opened failed (greet): `ferry connect` says it (helloFailure) */
  private readonly helloFailed = new WeakMap<Connection, Error>()
  private timer?: NodeJS.Timeout
  private readonly controller = new AbortController()
  private readonly dialing = new Set<string>()
  /** addresses to dial a peer at once the dial on its way ends (dial) */
  private readonly dialAfter = new Map<string, Multiaddr[]>()
  /** peer IDs learned by dialling a --peer address that did not name one */
  private readonly staticIds = new Map<string, string>()
  /** when each offline peer (or --peer address) may be dialled again */
  private readonly schedule = new RedialSchedule()
  /**
   * --peer addresses that reached this daemon itself: not dialled again
   * (user-test finding: `--peer` with the daemon's own address was dialled
   * every 2 s for good, and nothing said why no peer came)
   */
  private readonly ownAddrs = new Set<string>()
  private forgotAt = 0
  /**
   * Connected peers that run another version of ferry (identify's protocols,
   * protocol/versions.ts), with when that was seen: listed as such while
   * connected, also one that never said a hello this version could read
   * (then unnamed), and dropped with its last connection.
   */
  private readonly otherVersions = new Map<string, { v: OtherVersion, seenAt: number, addr: string }>()

  constructor (init: PeerTableInit) {
    super()
    this.init = init
    for (const row of init.store.all()) {
      this.peers.set(row.peerId, { ...row, online: false, version: '' })
    }
    this.forgetUnseen()
  }

  async start (): Promise<void> {
    const { node } = this.init
    await node.handle(HELLO_PROTOCOL, (stream: Stream, connection: Connection) => {
      void this.onHelloStream(stream, connection)
    })
    node.addEventListener('connection:open', (evt) => { void this.greet(evt.detail) })
    node.addEventListener('peer:identify', (evt) => {
      this.identified.add(evt.detail.connection)
      // identify tells us the addresses the peer listens on, which we need to redial it later
      const entry = this.peers.get(evt.detail.peerId.toString())
      if (entry != null) this.saveAddrs(entry, evt.detail.listenAddrs.map(String))
      // and its protocols: those of another version of ferry tell a device to update from one that is not ferry
      this.noteVersion(evt.detail.peerId.toString(), otherVersionOf(evt.detail.protocols), evt.detail.connection)
    })
    node.addEventListener('peer:disconnect', (evt) => { this.onDisconnect(evt.detail) })
    node.addEventListener('peer:discovery', (evt) => {
      const id = evt.detail.id.toString()
      if (node.getConnections(evt.detail.id).length > 0) return
      this.init.log.debug('discovered peer', { peerId: id })
      // it announced itself just now: worth a dial whatever the schedule said
      this.schedule.reset(id)
      void this.dial(id, evt.detail.multiaddrs)
    })
    // libp2p says peer:discovery only of a peer new to its address book: a known one that announces (mDNS) other
    // addresses than before, having moved, is an update. They are kept, and dialled where it is offline (helper
    // finding: two paired devices that both changed address never found each other again, restarts or not, while
    // mDNS announced both; a redial used only the addresses ferry had stored). Kept also while it still counts as
    // online: its announcement comes at once, the old connection fails seconds later (its pings), and the redial
    // then is where the new addresses are used
    node.addEventListener('peer:update', (evt) => {
      const { peer, previous } = evt.detail
      const entry = this.peers.get(peer.id.toString())
      if (entry == null || previous == null) return
      // against the addresses ferry keeps, not `previous`: libp2p's was seen to hold the new ones already
      const kept = new Set(entry.addrs.map(withoutPeerId))
      const added = [...new Set(peer.addresses.map((a) => withoutPeerId(a.multiaddr.toString())))].filter((a) => !kept.has(a))
      if (added.length === 0) return
      this.init.log.debug('peer announced other addresses', { peerId: entry.peerId, addrs: added, online: entry.online })
      this.saveAddrs(entry, [...added, ...entry.addrs])
      if (entry.online || node.getConnections(peer.id).length > 0) return
      this.schedule.reset(entry.peerId)
      // not at a loopback address, where this device's own daemon answers, nor IPv6, as saveAddrs keeps them
      const away = awayV4(added)
      if (away.length > 0) void this.dial(entry.peerId, away.map((a) => withPeerId(a, entry.peerId)))
    })
    this.timer = setInterval(() => { this.redial() }, REDIAL_FAST_MS)
    this.redial()
  }

  stop (): void {
    this.controller.abort()
    if (this.timer != null) clearInterval(this.timer)
    this.recordOnlineSeen()
  }

  /**
   * An online peer's last-seen time is stored when it comes online and when
   * it goes; this stores "now" for those still online, at a clean stop and
   * hourly, so that after a crash a peer connected for weeks is not taken
   * for one unseen since it connected (review finding: hidden from the list,
   * or forgotten, at the next start).
   */
  private recordOnlineSeen (now = Date.now()): void {
    for (const p of this.peers.values()) {
      if (!p.online) continue
      p.lastSeen = now
      this.persist(p)
    }
  }

  /** The peers known, and connected ones of another version that said no hello (unnamed, not stored). */
  list (): PeerEntry[] {
    const ids = new Set([...this.peers.keys(), ...this.otherVersions.keys()])
    return [...ids].map((id) => this.get(id)!)
  }

  get (peerId: string): PeerEntry | undefined {
    const p = this.peers.get(peerId)
    const other = this.otherVersions.get(peerId)
    if (other == null) return p == null ? undefined : { ...p }
    return { ...(p ?? { peerId, name: '', addrs: [other.addr], online: false, lastSeen: other.seenAt, version: '' }), otherVersion: other.v }
  }

  /** The other version `peerId` runs, as identify told on its open connection; undefined: none known */
  otherVersion (peerId: string): OtherVersion | undefined {
    return this.otherVersions.get(peerId)?.v
  }

  /**
   * The other version of ferry `connection`'s peer runs, asked of identify
   * now when not known yet: for one that does not speak a protocol of ours
   * (hello, pair), where identify, run as the connection opened, may not
   * have answered yet.
   */
  async versionOf (connection: Connection): Promise<OtherVersion | undefined> {
    const id = connection.remotePeer.toString()
    const known = this.otherVersion(id)
    if (known != null || connection.status !== 'open') return known
    // read from the answer itself: the peer:identify listener (noteVersion) records it too, but not always before
    // this call returns (CI finding: a pair --peer to a device of another version said E_PEER_UNREACHABLE once)
    const signal = AbortSignal.any([AbortSignal.timeout(VERSION_ASK_MS), this.controller.signal])
    // asked again while refused: identify's own run on the connection's opening holds the one outgoing identify
    // stream a connection gets, and the peer's side takes one incoming (CI finding, on a loaded box: refused, the
    // question said the peer was not of another version). Once that run ended, its answer is known (peer:identify)
    // or the question goes through
    while (!this.identified.has(connection) && connection.status === 'open' && !signal.aborted) {
      let refusal: Error | undefined
      const answer = await this.init.node.services.identify.identify(connection, { signal }).catch((err: Error) => { refusal = err; return undefined })
      if (answer != null) return otherVersionOf(answer.protocols) ?? this.otherVersion(id)
      // a peer that does not speak identify, or whose answer cannot be read: no answer will come (`ferry connect` to
      // it says so at once)
      if (refusal?.name === 'UnsupportedProtocolError' || refusal?.name === 'InvalidMessageError') break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    return this.otherVersion(id)
  }

  private noteVersion (peerId: string, v: OtherVersion | undefined, connection: Connection): void {
    const had = this.otherVersions.get(peerId)
    // identify's answer on a connection closed meanwhile: the mark would outlive the peer's disconnect, which drops it
    if ((v == null && had == null) || (v != null && connection.status !== 'open')) return
    if (v != null && had != null && had.v.ours === v.ours && had.v.theirs.join() === v.theirs.join()) return
    if (v == null) this.otherVersions.delete(peerId)
    else this.otherVersions.set(peerId, { v, seenAt: Date.now(), addr: connection.remoteAddr.toString() })
    this.init.log.info(v == null ? 'peer runs this version of ferry now' : 'peer runs another version of ferry', { peerId, theirs: v?.theirs.join(', '), ours: v?.ours })
    if (this.get(peerId) != null) this.emit('version', this.get(peerId)!)
    else this.emit('forgotten', peerId)
  }

  /** Why this daemon's hello on `connection`, one it opened, failed; undefined: it did not (yet) */
  helloFailure (connection: Connection): Error | undefined {
    return this.helloFailed.get(connection)
  }

  isOnline (peerId: string): boolean {
    return this.peers.get(peerId)?.online === true
  }

  private mine (): HelloInfo {
    return { name: this.init.name, version: this.init.version, wire: WIRE_VERSION }
  }

  private async onHelloStream (stream: Stream, connection: Connection): Promise<void> {
    try {
      const theirs = await answerHello(stream, this.mine(), { signal: this.controller.signal })
      this.helloDone.add(connection)
      this.markOnline(connection.remotePeer, theirs, connection)
    } catch (err) {
      stream.abort(err as Error)
      this.init.log.debug('hello from peer failed', { peerId: connection.remotePeer.toString(), err: (err as Error).message })
    }
  }

  /** On every new connection, the side that opened it says hello. */
  private async greet (connection: Connection): Promise<void> {
    if (connection.direction !== 'outbound' || this.helloDone.has(connection)) return
    try {
      const stream = await connection.newStream(HELLO_PROTOCOL, { signal: AbortSignal.timeout(HELLO_OPEN_MS) }).catch(async (err: Error) => {
        // no hello of ours: whether it speaks another version of it is known once identify answered, before the failure is said
        if (err.name === 'UnsupportedProtocolError') await this.versionOf(connection)
        // Node's "The operation was aborted due to timeout" alone, which `ferry connect` said as the hello's failure
        if (err.name === 'TimeoutError') throw new FerryError('E_TIMEOUT', `no answer to the opening of a hello stream within ${HELLO_OPEN_MS / 1000} s`, { cause: err })
        throw err
      })
      const theirs = await exchangeHello(stream, this.mine(), { signal: this.controller.signal })
      this.helloDone.add(connection)
      this.markOnline(connection.remotePeer, theirs, connection)
    } catch (err) {
      // not a ferry daemon (or it went away): it is never listed
      this.helloFailed.set(connection, err as Error)
      this.init.log.debug('hello to peer failed', { peerId: connection.remotePeer.toString(), err: (err as Error).message })
    }
  }

  private markOnline (peerId: PeerId, hello: HelloInfo, connection: Connection): void {
    if (connection.status !== 'open') return
    const id = peerId.toString()
    const prev = this.peers.get(id)
    const addrs = new Set(prev?.addrs ?? [])
    if (connection.direction === 'outbound') addrs.add(connection.remoteAddr.toString())
    const entry: PeerEntry = { peerId: id, name: hello.name, version: hello.version, addrs: [...addrs].slice(-8), online: true, lastSeen: Date.now(), ...(prev?.connectAddr != null ? { connectAddr: prev.connectAddr } : {}) }
    this.schedule.reset(id)
    if (prev == null && !this.init.isPaired(id)) this.makeRoomForUnpaired()
    this.peers.set(id, entry)
    this.persist(entry)
    this.init.log.info('peer online', { peerId: id, name: hello.name })
    this.emit('peer', { ...entry })
    void this.refreshAddrs(peerId)
  }

  private async refreshAddrs (peerId: PeerId): Promise<void> {
    const known = await this.init.node.peerStore.get(peerId).catch(() => undefined)
    const entry = this.peers.get(peerId.toString())
    if (entry != null && known != null) this.saveAddrs(entry, known.addresses.map((a) => a.multiaddr.toString()))
  }

  /**
   * Store what is known of a peer. Called from libp2p's event listeners,
   * where a throw would end the daemon: a store that cannot write (a full
   * disk) costs the peer's last-seen time and addresses, logged, not the
   * daemon (review finding: a peer connecting to a daemon whose disk was
   * full crashed it).
   */
  private persist (entry: PeerEntry): void {
    try {
      this.init.store.upsert(entry)
    } catch (err) {
      this.init.log.warn('cannot record peer', { peerId: entry.peerId, err: (err as Error).message })
    }
  }

  /**
   * Keep up to 8 of the peer's IPv4 addresses (what a redial uses) and store
   * them; none: keep the old ones. Loopback ones only when it has no other:
   * a daemon listening on 0.0.0.0 announces 127.0.0.1 too, where a redial
   * reaches this device's own daemon (review finding), and a peer on this
   * very host (tests, two homes) announces nothing else. First, whatever the
   * peer announces, the addresses this daemon reached it at (its open
   * outbound connections): `ferry connect` to a port forwarded to it (a
   * router, a NAT, `ssh -L`) or to its IPv6 address is an address it does
   * not announce, and it was dialled only at the ones it did, which did not
   * answer here (review finding: the address a person gave was replaced as
   * the peer's announcement came, a moment after it was kept, markOnline).
   */
  private saveAddrs (entry: PeerEntry, addrs: string[]): void {
    const v4 = addrs.filter((a) => !a.includes('/ip6/'))
    const away = awayV4(v4)
    if (away.length > 0) v4.splice(0, v4.length, ...away)
    const reached = this.reachedAt(entry.peerId)
    if (v4.length === 0 && reached.length === 0) return
    entry.addrs = [...new Set([...reached, ...v4])].slice(0, 8)
    this.persist(entry)
  }

  /** The addresses of the open connections this daemon dialled to `peerId`. */
  private reachedAt (peerId: string): string[] {
    try {
      return this.init.node.getConnections(peerIdFromString(peerId)).filter((c) => c.direction === 'outbound' && c.status === 'open').map((c) => c.remoteAddr.toString())
    } catch {
      return []
    }
  }

  private onDisconnect (peerId: PeerId): void {
    const id = peerId.toString()
    // another version, seen on a connection: said while connected only (it may be updated when it is back);
    // one that never said a hello is dropped from the list, a known one said as it is now (below, when online)
    const otherVersion = this.otherVersions.delete(id)
    const entry = this.peers.get(id)
    if (otherVersion && entry == null) this.emit('forgotten', id)
    if (otherVersion && entry != null && !entry.online) this.emit('version', { ...entry })
    if (entry == null || !entry.online) return
    if (this.init.node.getConnections(peerId).some((c) => c.status === 'open' && this.helloDone.has(c))) return
    entry.online = false
    entry.lastSeen = Date.now()
    this.persist(entry)
    // gone just now: the fast pace from here, whatever an earlier absence (or a dial that failed while it came back) left
    for (const key of this.keysOf(id)) this.schedule.reset(key)
    this.init.log.info('peer offline', { peerId: id })
    this.emit('peer', { ...entry })
  }

  /** The schedule's keys for a peer: its ID, and each --peer address that names it or reached it. */
  private keysOf (peerId: string): string[] {
    return [peerId, ...this.init.staticPeers.map((a) => multiaddr(a)).filter((ma) => this.staticIdOf(ma) === peerId).map(String)]
  }

  private staticIdOf (ma: Multiaddr): string | undefined {
    return ma.getComponents().find((c) => c.name === 'p2p')?.value ?? this.staticIds.get(ma.toString())
  }

  /**
   * Forget unpaired peers offline for UNPAIRED_KEPT_MS, and past MAX_UNPAIRED
   * the ones offline longest (a store from before the cap may hold more; at
   * start, then hourly).
   */
  private forgetUnseen (now = Date.now()): void {
    this.forgotAt = now
    for (const p of [...this.peers.values()]) {
      if (!p.online && p.lastSeen < now - UNPAIRED_KEPT_MS && !this.init.isPaired(p.peerId)) this.forget(p.peerId)
    }
    for (const id of unpairedToForget([...this.peers.values()], this.init.isPaired)) this.forget(id)
  }

  /** Room for one more unpaired peer within MAX_UNPAIRED. */
  private makeRoomForUnpaired (): void {
    for (const id of unpairedToForget([...this.peers.values()], this.init.isPaired, MAX_UNPAIRED - 1)) this.forget(id)
  }

  private forget (peerId: string): void {
    this.peers.delete(peerId)
    this.schedule.reset(peerId)
    try {
      this.init.store.remove(peerId)
    } catch (err) {
      this.init.log.warn('cannot forget peer', { peerId, err: (err as Error).message })
    }
    this.init.log.debug('forgot unpaired peer', { peerId })
    this.emit('forgotten', peerId)
  }

  /**
   * The address a person gave for `peerId` with `ferry connect`, which it
   * answered at; undefined: forget it (unpaired). Kept apart from the
   * addresses it announces, which replace each other at every identify: a
   * device on a VPN or another subnet announces its LAN addresses, which do
   * not answer from here, and the address given went with the connection
   * made to it (notes' leftover: not reached again after the link dropped or
   * either side restarted, as Syncthing reaches a static address). One per
   * peer, the last given: the one known to answer now, where an older one
   * (a VPN address handed to another device since) would be dialled first
   * in vain, each dial trying its addresses one after another.
   */
  setConnectAddr (peerId: string, addr: string | undefined): void {
    const e = this.peers.get(peerId)
    if (e == null || e.connectAddr === addr) return
    if (addr === undefined) delete e.connectAddr; else e.connectAddr = addr
    this.persist(e)
    // dialled at it from now on, without waiting out a backoff earned at other addresses
    this.schedule.reset(peerId)
  }

  /** Touch lastSeen (e.g. after a successful protocol exchange). */
  touch (peerId: string): void {
    const e = this.peers.get(peerId)
    if (e != null) e.lastSeen = Date.now()
  }

  async dial (peerId: string | undefined, addrs: Multiaddr[]): Promise<void> {
    const key = peerId ?? addrs.map(String).join(',')
    if (this.controller.signal.aborted) return
    if (this.dialing.has(key)) {
      // a dial of the peer is on its way, at other addresses maybe (a redial at its stored ones, which may not answer
      // any more): these are dialled once it has ended, unless it reached the peer (helper finding: a discovery's
      // dial at the address announced was dropped for a redial at the old one, and never made)
      if (peerId != null && addrs.length > 0) this.dialAfter.set(key, addrs)
      return
    }
    this.dialing.add(key)
    const startedAt = Date.now()
    try {
      const conn = await this.init.node.dial(target(peerId, addrs), { signal: AbortSignal.any([AbortSignal.timeout(REDIAL_TIMEOUT_MS), this.controller.signal]) })
      if (peerId == null && addrs.length === 1) this.staticIds.set(addrs[0].toString(), conn.remotePeer.toString())
      this.schedule.reset(key)
    } catch (err) {
      if (peerId == null && addrs.length === 1 && dialledSelf(err)) { this.ownAddress(addrs[0]); return }
      // back meanwhile (it dialled us): this failure (an old address timing out) says nothing of its next absence
      const id = peerId ?? (addrs.length === 1 ? this.staticIdOf(addrs[0]) : undefined)
      if (!this.controller.signal.aborted && !(id != null && this.isOnline(id))) {
        this.schedule.failed(key, startedAt, {
          another: answeredAsAnother(err, this.init.node.peerId.toString()),
          // a peer with an address given by `ferry connect` waits no longer than a --peer address: a person named it
          maxWait: peerId == null ? REDIAL_STATIC_MAX_MS : this.init.isAwaited(peerId) ? REDIAL_FAST_MS : this.peers.get(peerId)?.connectAddr != null ? REDIAL_STATIC_MAX_MS : undefined
        })
      }
      // a timeout as `ferry connect` says it: Node's "The operation was aborted due to timeout" was logged for a peer frozen
      // or asleep. Other errors as they are: their detail (another identity's keys) is what this log is for
      this.init.log.debug('dial failed', { peer: key, err: isDialTimeout(err) ? dialFailure(err, REDIAL_TIMEOUT_MS) : (err as Error | undefined)?.message, nextInMs: this.schedule.waitOf(key) })
    } finally {
      this.dialing.delete(key)
      const next = this.dialAfter.get(key)
      this.dialAfter.delete(key)
      if (next !== undefined && peerId != null && !this.isOnline(peerId) && this.init.node.getConnections(peerIdFromString(peerId)).length === 0) void this.dial(peerId, next)
    }
  }

  /** A --peer address that is this daemon's own: said once, and left alone from now on. */
  private ownAddress (addr: Multiaddr): void {
    this.ownAddrs.add(addr.toString())
    this.init.log.warn(`--peer ${addr.toString()} is this daemon's own address: not dialled (give another device's address)`, { peer: addr.toString() })
  }

  private redial (): void {
    const now = Date.now()
    if (now - this.forgotAt >= FORGET_INTERVAL_MS) {
      this.forgetUnseen(now)
      this.recordOnlineSeen(now)
    }
    for (const addr of this.init.staticPeers) {
      const ma = multiaddr(addr)
      const id = this.staticIdOf(ma)
      if (this.ownAddrs.has(ma.toString()) || (id != null && this.isOnline(id)) || !this.schedule.due(ma.toString(), now)) continue
      void this.dial(undefined, [ma])
    }
    for (const p of this.peers.values()) {
      // the address given with `ferry connect` first (libp2p keeps the order, but for public addresses before private
      // and loopback ones last): it dials a peer's addresses one after another, and this dial gives up after 5 s,
      // which one announced that does not answer from here (a LAN behind a VPN) can take whole
      const known = [...new Set([...(p.connectAddr != null ? [p.connectAddr] : []), ...p.addrs])]
      if (p.online || known.length === 0 || !this.init.isPaired(p.peerId) || !this.schedule.due(p.peerId, now)) continue
      const addrs = known.map((a) => withPeerId(a, p.peerId))
      void this.dial(p.peerId, addrs)
    }
  }
}

/** The IPv4 addresses of `addrs` that are not loopback ones (where a redial reaches this device's own daemon). */
function awayV4 (addrs: string[]): string[] {
  return addrs.filter((a) => !a.includes('/ip6/') && !a.startsWith('/ip4/127.'))
}

/** `addr` to dial `peerId` at: with its /p2p/ part, which ferry's stored addresses may not have. */
function withPeerId (addr: string, peerId: string): Multiaddr {
  return multiaddr(addr.includes('/p2p/') ? addr : `${addr}/p2p/${peerId}`)
}

/** An address without its /p2p/ part, as libp2p's address book and ferry's stored addresses each may or may not have it. */
function withoutPeerId (addr: string): string {
  const at = addr.indexOf('/p2p/')
  return at < 0 ? addr : addr.slice(0, at)
}

/** What a dial aims at: the peer by its ID (libp2p's own address book) when no address is given, else the addresses. */
function target (peerId: string | undefined, addrs: Multiaddr[]): PeerId | Multiaddr[] {
  return peerId != null && addrs.length === 0 ? peerIdFromString(peerId) : addrs
}
