// The daemon's lifecycle: take the home's lock (`daemon.lock`, home-lock.ts), load the
// identity and store, start the libp2p node and the services, serve the
// control API; and undo all of it, in reverse, on stop. The daemon is the only
// owner of state; everything else talks to it through the control API.

import { existsSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Connection } from '@libp2p/interface'
import { isNear } from '../edit-distance.ts'
import { FerryError, quoteForDisplay, toFerryError } from '../errors.ts'
import { HashCacheStore, openDb, peekMeta, PeerStore, receiveMountKey, TransferStore, TrustStore, type Db } from '../store/index.ts'
import { TransferService } from '../transfer/service.ts'
import { VERSION } from '../version.ts'
import type { ControlServer } from './control/server.ts'
import { isFinalState, type ControlEvents, type EventName, type PeerInfo, type StatusInfo } from './control/types.ts'
import { startFlags, type DaemonConfig } from './config.ts'
import { IDENTITY_FILE, loadOrCreateIdentity } from './identity.ts'
import { createLogger, type Logger } from './logger.ts'
import { createNode, type FerryNode } from './node.ts'
import { offerAesNoise } from './cipher-choice.ts'
import { PeerTable, type PeerEntry } from './peer-table.ts'
import { isListed, UnlistedWatch } from './listed-peers.ts'
import { buildHandlers } from './handlers.ts'
import { installGate } from './gate.ts'
import { sendGoodbye } from './mdns-goodbye.ts'
import { PairingService, peerFingerprint } from '../pairing/service.ts'
import { cleanName } from '../protocol/hello.ts'
import { checkReceiveFolder } from '../transfer/folder/receive-folder.ts'
import { DISK_AWAY_LOG, lookAtReceiveMount, storeMountMemory } from '../transfer/folder/receive-mount.ts'
import { folderHolds } from '../transfer/folder/safe-path.ts'
import type { HomeLock } from './home-lock.ts'
import { claimHome, type ClaimedHome } from './claim-home.ts'
import { makeFolder } from './make-folder.ts'
import { goneListenAddrs } from './listen-gone.ts'
import { peerAddress } from './peer-address.ts'
import { dialFailure, isCutStream } from '../protocol/stream.ts'
import { HELLO_PROTOCOL } from '../protocol/constants.ts'
import { otherVersionError } from '../protocol/versions.ts'
import { IdleTrim, exposedGc } from './idle-trim.ts'

/** How long `connect` tries to reach an address, and then waits for the peer's hello. */
const CONNECT_TIMEOUT_MS = 10_000
const HELLO_WAIT_MS = 5000
/** How long `connect` gives a connection whose hello stream ended with no message to be seen closed (connect). */
const HELLO_CLOSE_GRACE_MS = 1000

/** A hello that failed as its stream ended with no message: UnexpectedEOFError, or a FerryError made of one. */
function endedEarly (failure: Error | undefined): boolean {
  const name = (e: unknown): unknown => (e as { name?: unknown } | undefined)?.name
  return name(failure) === 'UnexpectedEOFError' || name(failure?.cause) === 'UnexpectedEOFError'
}

export class Daemon {
  readonly config: DaemonConfig
  readonly log: Logger
  readonly startedAt = Date.now()
  node!: FerryNode
  db!: Db
  peerStore!: PeerStore
  trust!: TrustStore
  /** the transfers' store, for what the daemon asks of it itself (the receive folder's mount) */
  private transferStore?: TransferStore
  peers!: PeerTable
  control!: ControlServer
  /** held from the start to the end of stop(): one daemon per home */
  private homeLock?: HomeLock
  pairing!: PairingService
  transfers!: TransferService
  private stopping?: Promise<void>
  /** memory given back once idle after a transfer */
  private idleTrim?: IdleTrim
  /** says `peer:removed` when an unpaired peer a day offline leaves the list */
  private unlisted?: UnlistedWatch

  constructor (config: DaemonConfig) {
    // the name travels in hello and pairing messages: clean and cut it once, here
    this.config = { ...config, name: cleanName(config.name) || 'ferry' }
    this.log = createLogger({ verbose: config.verbose })
  }

  /** Start; `claimed`: the home already claimed (claim-home.ts, as `ferry daemon` does before it loads this module), else claimed here. */
  async start (claimed?: ClaimedHome): Promise<void> {
    const { home } = this.config
    const claim = claimed ?? await claimHome(home, (level, msg, data) => { this.log[level](msg, data) })
    this.control = claim.control
    this.homeLock = claim.lock
    Object.assign(claim.handlers, buildHandlers(this))
    try {
      // not made where its disk is not mounted (a reboot where a USB disk did not mount): offers are refused until it is
      const lastMount = peekMeta(join(home, 'ferry.db'), receiveMountKey(this.config.receiveDir))
      const look = await lookAtReceiveMount(this.config.receiveDir, { get: () => lastMount, set: () => {} })
      if (look.missingWith !== undefined) this.log.warn(DISK_AWAY_LOG, { receiveDir: this.config.receiveDir, mountedAt: look.missingWith })
      else await makeFolder(this.config.receiveDir, '--receive-dir')
      // the home itself: every path offered lands in the state folder and is refused (user-test finding: a start
      // with a warning, then every send failed with E_PATH_UNSAFE); a folder inside it, or above it, still works
      if (await sameFolder(this.config.receiveDir, home)) throw new FerryError('E_USAGE', `--receive-dir ${this.config.receiveDir} is the daemon's home folder (--home), where it keeps its state: every file offered would be refused; choose another folder, or one inside it`)
      // said now, not first to a peer whose offer it refuses (with its disk away, said above already: once)
      if (look.missingWith === undefined) await checkReceiveFolder(this.config.receiveDir).catch((err: Error) => { this.log.warn('the receive folder cannot take files; offers will be refused until it can', { err: err.message }) })
      if (await folderHolds(this.config.receiveDir, home)) this.log.warn('the receive folder holds ferry\'s own state folder: an offer with any path into the state folder is refused whole (E_PATH_UNSAFE), others received as usual', { receiveDir: this.config.receiveDir, home })
      const hadIdentity = existsSync(join(home, IDENTITY_FILE))
      this.db = openDb(join(home, 'ferry.db'), {
        // this home had a daemon (its identity) but no state: the database was removed or emptied (review finding: silently)
        onNew: () => { if (hadIdentity) this.log.warn('the state database was missing or empty: pairings, transfers and the receive index start empty (pair the devices again)', { path: join(home, 'ferry.db') }) }
      })
      // seen at start, its mount remembered now, not at the first offer only: a reboot with the disk away before
      // anything was received made it on the disk under the mount point (review finding); the store not taking it
      // costs the guard until an offer remembers it
      const transferStore = this.transferStore = new TransferStore(this.db)
      await lookAtReceiveMount(this.config.receiveDir, storeMountMemory(transferStore, this.log))
      this.peerStore = new PeerStore(this.db)
      this.trust = new TrustStore(this.db)
      const privateKey = await loadOrCreateIdentity(home)
      this.node = await this.createNodeWithFallback(privateKey)
      installGate(this.node, this.trust, this.log)
      this.peers = new PeerTable({
        node: this.node,
        store: this.peerStore,
        log: this.log,
        name: this.config.name,
        version: VERSION,
        staticPeers: this.config.peers,
        isPaired: (id) => this.trust.isPaired(id),
        isAwaited: (id) => this.transfers?.waitsFor(id) === true
      })
      // an unpaired peer a day offline leaves the list at that moment: subscribers are told then (listed-peers.ts)
      this.unlisted = new UnlistedWatch({ peers: () => this.peerList({ all: true }), onUnlisted: (peerId) => { this.emit('peer:removed', { peerId }) } })
      this.peers.on('peer', (p) => { this.emit('peer', this.peerInfo(p)); this.unlisted?.update() })
      this.peers.on('version', (p) => { this.emit('peer', this.peerInfo(p)); this.unlisted?.update() })
      // a subscribed TUI drops it, as a new `ferry peers` would (user-test finding: listed until it reconnected)
      this.peers.on('forgotten', (peerId) => { this.emit('peer:removed', { peerId }) })
      await this.peers.start()
      this.unlisted?.update()
      this.pairing = new PairingService({
        node: this.node,
        trust: this.trust,
        log: this.log,
        myName: () => this.config.name,
        candidates: () => this.peerList().filter((p) => p.online).sort((a, b) => Number(a.paired) - Number(b.paired)).map((p) => p.peerId),
        versionOf: async (connection) => await this.peers.versionOf(connection),
        otherVersions: () => this.peers.list().flatMap((p) => p.otherVersion != null ? [{ peerId: p.peerId, name: p.name, otherVersion: p.otherVersion }] : []),
        emit: (state) => { this.emit('pairing', state) },
        onTrustChanged: (peerId, by) => {
          // first, and whatever the rest does: no byte more to or from a peer no longer trusted
          void this.transfers?.trustRemoved(peerId, by).catch((err: Error) => { this.log.warn('cannot stop the transfers of an unpaired peer', { peerId, err: err.message }) })
          try {
            // unpaired (here, or by the peer): the address given for it with `ferry connect` is forgotten with the pairing
            if (!this.trust.isPaired(peerId)) this.peers.setConnectAddr(peerId, undefined)
            // as the list now has it: a peer unpaired that the list leaves out (not seen in this run, or offline
            // for over UNPAIRED_LISTED_MS) is removed, where subscribers kept it listed, as paired
            const listed = this.peerList().find((p) => p.peerId === peerId)
            if (listed != null) this.emit('peer', listed); else this.emit('peer:removed', { peerId })
            this.unlisted?.update()
          } catch (err) {
            this.log.warn('cannot update the peer list for a pairing changed', { peerId, err: (err as Error).message })
          }
        }
      })
      await this.pairing.start()
      this.transfers = new TransferService({
        node: this.node,
        privateKey,
        store: transferStore,
        trust: this.trust,
        receiveDir: this.config.receiveDir,
        home,
        peerName: (id) => this.peers.get(id)?.name ?? this.trust.get(id)?.name ?? '',
        isOnline: (id) => this.peers.isOnline(id),
        otherVersion: (id) => this.peers.otherVersion(id),
        emitTransfer: (t) => {
          this.emit('transfer', t)
          if (isFinalState(t.state)) this.idleTrim?.transferEnded()
        },
        emitOffer: (o) => { this.emit('offer', o) },
        emitOfferRemoved: (id) => { this.emit('offer:removed', { id }) },
        refusedAsUnpaired: (id) => { this.pairing.droppedUs(id) },
        hashCache: new HashCacheStore(this.db),
        log: this.log
      })
      // run from libp2p's connection events, where a throw (a store that cannot write) would end the daemon
      this.peers.on('peer', (p) => {
        try {
          if (p.online) this.transfers.resumeWaiting(p.peerId); else this.transfers.peerGone(p.peerId)
          if (p.online) void this.pairing.peerOnline(p.peerId)
        } catch (err) {
          this.log.warn('cannot update transfers for a peer that came or went', { peerId: p.peerId, err: (err as Error).message })
        }
      })
      await this.transfers.start()
      const transfers = this.transfers
      this.idleTrim = new IdleTrim({ busy: () => transfers.moving(), gc: exposedGc(), log: this.log, idleMs: testIdleTrimMs() })
      this.idleTrim.start()
      await this.node.start()
    } catch (err) {
      claim.failed(new FerryError('E_DAEMON_NOT_RUNNING', `the daemon failed to start: ${(err as Error).message}`))
      await this.stop()
      throw err
    }
    claim.started()
    this.log.info('daemon started', { peerId: this.node.peerId.toString(), addrs: this.listenAddrs() })
  }

  private async createNodeWithFallback (privateKey: Awaited<ReturnType<typeof loadOrCreateIdentity>>): Promise<FerryNode> {
    const aesNoise = offerAesNoise(process.env.FERRY_NOISE_AESGCM, (message) => this.log.warn(message))
    this.log.debug('Noise with AES-GCM', { offered: aesNoise })
    // the peer table and trust store may not be there yet as the first connection opens
    const peerName = (id: string): string => this.peers?.get(id)?.name ?? this.trust?.get(id)?.name ?? ''
    const init = { privateKey, listen: this.config.listen, mdns: this.config.mdns, version: VERSION, aesNoise, peerName }
    try {
      return await createNode(init)
    } catch (err) {
      // the default fixed port may be taken by another daemon on this machine: fall back to any port
      const isDefault = this.config.listen.length === 1 && this.config.listen[0].endsWith('/tcp/4774')
      const inUse = /EADDRINUSE|address already in use/i.test(String((err as Error).message))
      if (!isDefault || !inUse) {
        // libp2p's message carries its advice on its own settings and a stack trace, in one line (review finding): the cause, readably
        const why = inUse ? 'the port is in use (another ferry daemon, or another program); choose another with --listen, e.g. /ip4/0.0.0.0/tcp/0 for any free port' : listenFailure(err)
        throw new FerryError('E_IO', `cannot listen on ${this.config.listen.join(', ')}: ${why}`, { cause: err })
      }
      this.log.warn('default port 4774 in use, listening on a random port')
      return await createNode({ ...init, listen: [this.config.listen[0].replace('/tcp/4774', '/tcp/0')] })
    }
  }

  emit<E extends EventName>(event: E, data: ControlEvents[E]): void {
    this.control?.emit(event, data)
  }

  listenAddrs (): string[] {
    return this.node?.getMultiaddrs().map(String) ?? []
  }

  status (): StatusInfo {
    const listenAddrs = this.listenAddrs()
    const gone = goneListenAddrs(listenAddrs)
    return {
      peerId: this.node.peerId.toString(),
      fingerprint: peerFingerprint(this.node.peerId.toString()),
      name: this.config.name,
      listenAddrs,
      ...(gone.length > 0 ? { listenGone: gone } : {}),
      version: VERSION,
      uptimeMs: Date.now() - this.startedAt,
      startedAt: this.startedAt,
      home: this.config.home,
      receiveDir: this.config.receiveDir,
      mdns: this.config.mdns,
      startFlags: startFlags(this.config),
      pid: process.pid,
      memory: memoryNow()
    }
  }

  peerInfo (p: PeerEntry): PeerInfo {
    const t = this.trust.get(p.peerId)
    const info: PeerInfo = { peerId: p.peerId, name: p.name, addrs: p.addrs, online: p.online, lastSeen: p.lastSeen, paired: t != null, autoAccept: t?.autoAccept, fingerprint: t?.fingerprint ?? peerFingerprint(p.peerId) }
    if (p.connectAddr != null) info.connectAddr = p.connectAddr
    const encryption = p.online ? this.connectionEncryption(p.peerId) : undefined
    if (encryption != null) info.encryption = encryption
    const otherVersion = p.otherVersion ?? this.peers?.otherVersion(p.peerId)
    if (otherVersion != null) info.otherVersion = otherVersion
    return info
  }

  /** The encryption protocol of one of the peer's open connections (aes-noise.ts; both ends choose alike), if any. */
  private connectionEncryption (peerId: string): string | undefined {
    try {
      return this.node?.getConnections(peerIdFromString(peerId)).find((c) => c.status === 'open')?.encryption
    } catch { return undefined } // not a peer ID: no connection
  }

  /**
   * The peers to list: paired ones, online ones, and unpaired ones seen within
   * UNPAIRED_LISTED_MS; `all`: every peer the table still knows (resolvePeer
   * finds a peer among these: one left out of the list can still be named).
   */
  peerList (opts: { all?: boolean } = {}): PeerInfo[] {
    const seen = new Map(this.peers.list().map((p) => [p.peerId, p]))
    // paired peers are listed even if not seen in this run's table
    for (const t of this.trust.all()) {
      if (!seen.has(t.peerId)) seen.set(t.peerId, { peerId: t.peerId, name: t.name, addrs: [], online: false, lastSeen: t.pairedAt, version: '' })
    }
    const now = Date.now()
    return [...seen.values()].map((p) => this.peerInfo(p))
      .filter((p) => opts.all === true || isListed(p, now))
      .sort((a, b) => Number(b.online) - Number(a.online) || a.name.localeCompare(b.name))
  }

  /**
   * Why the receive folder cannot take an offer now, as `ferry status` says
   * it (user-test finding: status said nothing of a receive folder gone),
   * or undefined. Looked at, not changed: its mount is not remembered here.
   */
  async receiveFolderProblem (): Promise<string | undefined> {
    const dir = this.config.receiveDir
    const look = await lookAtReceiveMount(dir, { get: (d) => this.transferStore?.receiveMount(d), set: () => {} }).catch(() => ({ missingWith: undefined }))
    if (look.missingWith !== undefined) return `not there, and its disk (mounted at ${look.missingWith} when last seen) is not mounted now: offers are refused until it is`
    return await checkReceiveFolder(dir).then(() => undefined, (err: FerryError) => err.code === 'E_PATH_NOT_FOUND' ? 'not there: made again at the next offer' : err.message)
  }

  /**
   * Resolve a peer given by name, peer ID, a unique prefix of either, or the
   * end of its peer ID as ferry shows it ("…7zPUrfSX"). With `paired`, for
   * what only a paired peer can be the subject of (send, unpair,
   * auto-accept), a single paired match wins over unpaired ones: a device
   * seen once under the same name as a paired one made `ferry send NAME`
   * ambiguous for good (review finding). An unpaired match is still
   * returned when no paired one matches, for the caller's E_NOT_PAIRED;
   * several such are E_NOT_PAIRED here.
   */
  resolvePeer (query: string, opts: { paired?: boolean } = {}): PeerInfo {
    const all = this.peerList({ all: true })
    // a name or ID given whole means that peer, paired or not (review finding: the unpaired "Bob" lost to a paired
    // "Bobby" by prefix, and files went to a device not named); among several of that name, the paired one
    // names compared in one Unicode form: "é" typed as one code point names a device whose name has e and an accent
    // (user-test finding: a decomposed "Jürgen" was "no peer named Jürgen", which looked the same)
    const exact = all.filter((p) => p.peerId === query || sameText(p.name, query))
    const exactPaired = exact.filter((p) => p.paired)
    if (exact.length === 1) return exact[0]
    if (opts.paired === true && exactPaired.length === 1) return exactPaired[0]
    const among = exact.length > 0 ? [exact] : opts.paired === true ? [all.filter((p) => p.paired), all] : [all]
    for (const list of among) {
      const matches = matchPeers(list, query)
      if (matches.length === 1) return matches[0]
      // two devices may share a name: each with the end of its peer ID, which tells them apart, and whether it is
      // online (user-test finding: a device set up anew left its old self listed under its name, and nothing here
      // said which of the two was the one around)
      if (matches.length > 1) {
        const which = matches.map((p) => `${p.name || '(no name)'} …${p.peerId.slice(-8)}, ${p.online ? 'online' : 'offline'}`).join('; ')
        // none of them paired: whichever was meant, it cannot be unpaired or sent to, and no choice would change
        // that (helper finding: `ferry unpair bob` with two unpaired "bob-…" and no paired one said E_PEER_AMBIGUOUS)
        if (opts.paired === true && !matches.some((p) => p.paired)) throw new FerryError('E_NOT_PAIRED', `no paired peer matches "${query}": it matches ${matches.length} peers, none of them paired (${which})`)
        // names that differ, each starting with what was given: more of the name tells them apart, as the whole of
        // one of them does (user-test finding: `ferry send bet`, with "beta" and "betamax" paired, was told to give the peer ID)
        const names = new Set(matches.map((p) => foldedName(p.name)))
        const byName = names.size === matches.length && matches.every((p) => p.name.normalize('NFC').startsWith(query.normalize('NFC')))
        throw new FerryError('E_PEER_AMBIGUOUS', `"${query}" matches ${matches.length} peers (${which}); give more of ${byName ? 'the name, or of ' : ''}the peer ID, its start or its end as shown`)
      }
    }
    throw new FerryError('E_PEER_NOT_FOUND', notFoundMessage(query, all, { name: this.config?.name, peerId: this.node?.peerId.toString() }))
  }

  /**
   * Reach the device at `address` now (`ferry connect`): a multiaddr, or an
   * IP or host name with an optional port (peer-address.ts). For a device
   * mDNS does not find (another subnet, a VPN) without a restart with
   * --peer (notes' leftover: none). The address is kept with the peer
   * (PeerTable.setConnectAddr), replacing one given before: while it is
   * paired, or once it is, it is dialled there again whenever it goes away,
   * after a restart of either side too, whatever it announces; unpairing
   * forgets it. The peer once it said hello, paired or not.
   */
  async connect (address: string): Promise<PeerInfo> {
    const ma = await peerAddress(address)
    const dial = async (force: boolean): Promise<Connection> => await this.node.dial(ma, { signal: AbortSignal.timeout(CONNECT_TIMEOUT_MS), force }).catch((err: unknown) => {
      throw new FerryError('E_PEER_UNREACHABLE', `cannot reach ${ma.toString()}: ${dialFailure(err, CONNECT_TIMEOUT_MS)}`, { cause: err })
    })
    let conn = await dial(false)
    // an address with the /p2p/ of a peer connected already: libp2p hands back the connection open, the address not
    // tried. Tried now, so that `connected` is true of it and the address kept (setConnectAddr) is one the peer
    // answered at (review finding: a port where nothing listened said connected, and was kept and dialled first)
    const bare = (a: { toString: () => string }): string => a.toString().replace(/\/p2p\/[^/]+$/, '')
    if (bare(conn.remoteAddr) !== bare(ma)) conn = await dial(true)
    const peerId = conn.remotePeer.toString()
    // online once it answered /ferry/hello, which every ferry daemon does as a connection opens
    const until = Date.now() + HELLO_WAIT_MS
    while (!this.peers.isOnline(peerId) && conn.status === 'open' && this.peers.helloFailure(conn) === undefined && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50))
    if (this.peers.isOnline(peerId)) {
      this.peers.setConnectAddr(peerId, ma.toString())
      return this.peerInfo(this.peers.get(peerId)!)
    }
    // said as what happened (review finding: a connection closed, or a peer of another hello, were all "not as
    // ferry: no hello within 5 s"), and a connection that will not be used is not left open (it was, to a peer
    // that is not ferry)
    const failure = this.peers.helloFailure(conn)
    // a hello stream that ended with no message, its connection still open: a peer closing the connection ends the
    // stream first, and its close can come a moment later on a busy box (CI, load 13: "its hello failed: hello:
    // stream ended early" where the peer closed the connection). Given that moment, the close is said as one
    if (conn.status === 'open' && endedEarly(failure)) {
      const grace = Date.now() + HELLO_CLOSE_GRACE_MS
      while (conn.status === 'open' && Date.now() < grace) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    // a ferry of another version (identify's protocols, which the peer table asked before it said that the hello
    // failed): said so, not as "not ferry" (notes' leftover); read before the close, which drops it
    const otherVersion = this.peers.otherVersion(peerId)
    const closed = conn.status !== 'open' || isCutStream(failure) || isCutStream(failure?.cause) || (failure instanceof FerryError && failure.code === 'E_PEER_UNREACHABLE')
    await conn.close().catch(() => {})
    const answered = `${ma.toString()} answered as ${peerId}, but`
    if (otherVersion != null) throw otherVersionError(`${answered} it`, otherVersion)
    if (failure?.name === 'UnsupportedProtocolError') throw new FerryError('E_PROTOCOL', `${answered} does not speak ${HELLO_PROTOCOL}: not ferry, or a ferry of another version`)
    if (closed) throw new FerryError('E_PEER_UNREACHABLE', `${answered} closed the connection before its hello (ferry there stopping, or taking no more connections)`, { cause: failure })
    if (failure != null) throw new FerryError('E_PROTOCOL', `${answered} its hello failed: ${toFerryError(failure).message}`, { cause: failure })
    throw new FerryError('E_PROTOCOL', `${answered} said no hello within ${HELLO_WAIT_MS / 1000} s: not ferry, or ferry there too busy`)
  }

  async stop (): Promise<void> {
    this.stopping ??= this.doStop()
    return await this.stopping
  }

  private async doStop (): Promise<void> {
    this.idleTrim?.stop()
    this.unlisted?.stop()
    this.peers?.stop()
    this.pairing?.stop()
    await this.transfers?.stop().catch((err: Error) => { this.log.warn('transfer stop failed', { err: err.message }) })
    try { await this.node?.stop() } catch (err) { this.log.warn('libp2p stop failed', { err: (err as Error).message }) }
    if (this.config.mdns && this.node != null) await sendGoodbye(this.node.peerId.toString())
    try { this.db?.close() } catch {}
    await this.control?.close()
    this.homeLock?.release()
    this.log.info('daemon stopped')
  }
}

/** Whether two paths are one folder (its device and inode: another spelling, a bind mount or a link to it too). */
async function sameFolder (a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([stat(a), stat(b)].map(async (p) => await p.catch(() => undefined)))
  return x !== undefined && y !== undefined && x.dev === y.dev && x.ino === y.ino
}

/** FERRY_TEST_IDLE_TRIM_MS (tests only): how long idle after a transfer before the collection (IDLE_TRIM_MS otherwise). */
function testIdleTrimMs (env: NodeJS.ProcessEnv = process.env): number | undefined {
  const v = Number(env.FERRY_TEST_IDLE_TRIM_MS)
  return Number.isInteger(v) && v > 0 ? v : undefined
}

function memoryNow (): StatusInfo['memory'] {
  const m = process.memoryUsage()
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }
}

/** The fewest characters of a peer ID's end taken without the "…" ferry shows before it (fewer could be a name's start by chance). */
const TAIL_BARE_CHARS = 6

/** What a peer ID can hold (base58btc): a query with anything else is a name only. */
const PEER_ID_CHARS = /^(…|\.\.\.)?[1-9A-HJ-NP-Za-km-z]+$/

/**
 * Why no peer answers to `query`, said so that the person knows what to type
 * instead. This device's own name or ID is said to be this device
 * (user-test finding: `ferry send beta` on beta said there was no peer
 * "beta"); the peer-ID forms are offered only for what could be one
 * (user-test finding: `ferry unpair 測試` was told of peer IDs that "start so,
 * or end so"); the query is quoted with its controls shown, not dropped.
 */
function notFoundMessage (query: string, peers: PeerInfo[], self: { name?: string, peerId?: string }): string {
  const quoted = quoteForDisplay(query)
  const tail = query.replace(/^(…|\.\.\.)/, '')
  // a start beyond the "12D3KooW" every Ed25519 peer ID begins with
  const isSelf = query === self.name || (self.peerId != null && ((tail === query && query.length > 8 && self.peerId.startsWith(query)) || (tail.length >= TAIL_BARE_CHARS && self.peerId.endsWith(tail))))
  if (isSelf) return `${quoted} is this device; name another device (see \`ferry peers\`)`
  // a name as typed in another case or Unicode form is offered, not taken: files must not go to a device not named
  const alike = peers.filter((p) => foldedName(p.name) === foldedName(query)).map((p) => quoteForDisplay(p.name))
  if (alike.length > 0) return `no peer named ${quoted} (did you mean ${alike.join(' or ')}? names are matched as written); see \`ferry peers\``
  // a name a typo or two away is offered too, as an unknown command is (user-test finding: `ferry send alpah` was only "no peer named")
  const near = [...new Set(peers.filter((p) => p.name !== '' && isNear(foldedName(query), foldedName(p.name))).map((p) => quoteForDisplay(p.name)))]
  const named = near.length > 0 ? `${quoted} (did you mean ${near.join(' or ')}?)` : quoted
  if (!PEER_ID_CHARS.test(query)) return `no peer named ${named}; see \`ferry peers\``
  // the end of an ID shorter than matchPeers takes bare is said, not only its rule (user-test finding: "cy31A", the end of one, was "not found" with "ends so")
  const shortTail = query.length < TAIL_BARE_CHARS && tail === query && peers.some((p) => p.peerId.endsWith(query))
  return `no peer named ${named} or with a peer ID that starts so${shortTail ? `; a peer ID ends so: give its end as \`ferry peers\` shows it, "…${query}", or ${TAIL_BARE_CHARS} characters of it or more` : ', or ends so'}; see \`ferry peers\``
}

/** Two names that are one text, whatever their Unicode form ("café" composed or not); case still counts. */
function sameText (a: string, b: string): boolean {
  return a === b || a.normalize('NFC') === b.normalize('NFC')
}

/** A name with case and Unicode form set aside ("Laptop", "laptop"; "café" composed or not). */
function foldedName (name: string): string {
  return name.normalize('NFC').toLowerCase()
}

/** The peers `query` names by a prefix of their name or peer ID, or the end of a peer ID ("…7zPUrfSX", as shown); resolvePeer takes exact names first. */
function matchPeers<P extends { peerId: string, name: string }> (list: P[], query: string): P[] {
  const tail = query.replace(/^(…|\.\.\.)/, '')
  // the end of an ID only when asked as shown, or long enough not to be a name's start by chance
  const byTail = tail !== query || tail.length >= TAIL_BARE_CHARS
  const nameStart = query.normalize('NFC')
  return list.filter((p) => (tail === query && (p.peerId.startsWith(query) || p.name.normalize('NFC').startsWith(nameStart))) || (byTail && tail !== '' && p.peerId.endsWith(tail)))
}

/** The system's reason a listen failed (EADDRNOTAVAIL, EACCES…), without libp2p's wrapping and stack. */
function listenFailure (err: unknown): string {
  const message = String((err as Error)?.message ?? err)
  const errno = /\b(listen )?(E[A-Z]+): ([^\n]*?)(?:\s+at |$)/.exec(message)
  return errno != null ? `${errno[2]}: ${errno[3].trim()}` : message.split('\n')[0]
}

