// Pairing as a daemon service: shows codes (responder), enters codes
// (initiator), keeps each code single-use, expires and throttles, and writes
// trust on success. Emits PairingState snapshots for the control API.
// Never logs a code.

import type { Connection, Stream, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { randomUUID } from 'node:crypto'
import { FerryError, toFerryError } from '../errors.ts'
import { PAIR_PROTOCOL, TRUST_PROTOCOL } from '../protocol/constants.ts'
import { PairResult, pairChannel } from '../protocol/pair.ts'
import { dialFailure } from '../protocol/stream.ts'
import { notifyUnpair, handleUnpair, untoldWhy, type UnpairUntold } from '../protocol/trust.ts'
import { otherVersionError, type OtherVersion } from '../protocol/versions.ts'
import { PAIR_ADVICE, failedPairingPhase } from '../daemon/control/types.ts'
import type { PairingState } from '../daemon/control/types.ts'
import type { TrustStore } from '../store/index.ts'
import { MAX_CODE_TTL_SEC, MIN_CODE_TTL_SEC, generateCode, parseCode, fingerprint, type GeneratedCode, type ParsedCode } from './code.ts'
import { runInitiator, runResponder } from './exchange.ts'
import { Throttle } from './throttle.ts'

export interface PairingComponents {
  node: { peerId: PeerId, handle: (p: string, h: (s: Stream, c: Connection) => void) => Promise<void>, dial: (t: any, o?: any) => Promise<Connection>, dialProtocol: (t: any, p: string, o?: any) => Promise<Stream> }
  trust: TrustStore
  log: { info: (m: string, d?: Record<string, unknown>) => void, warn: (m: string, d?: Record<string, unknown>) => void }
  myName: () => string
  /** online ferry peers to try when a code is entered without --peer, unpaired first */
  candidates: () => string[]
  /** the other version of ferry a connection's peer runs, if it does (peer-table.ts versionOf): a --peer of it is E_PEER_VERSION */
  versionOf?: (connection: Connection) => Promise<OtherVersion | undefined>
  /** the connected peers that run another version of ferry: with no candidate, said instead of "no ferry peer is online" */
  otherVersions?: () => Array<{ peerId: string, name: string, otherVersion: OtherVersion }>
  emit: (state: PairingState) => void
  /** `by`: who removed a trust that went, this device (`ferry unpair`) or the peer (it told us, or we learned it dropped us) */
  onTrustChanged: (peerId: string, by?: 'here' | 'peer') => void
}

export const DEFAULT_CODE_TTL_SEC = 300
/** how long a burned or expired nameplate is remembered, so a late attempt gets a precise error */
const TOMBSTONE_MS = 10 * 60_000
/** How often unpairings not yet told are told to their peers that are online (a peer told fails or answers within 3 s): 10 s, or FERRY_UNTOLD_RETRY_MS (tests). */
function untoldRetryMs (): number {
  const v = Number(process.env.FERRY_UNTOLD_RETRY_MS)
  return Number.isFinite(v) && v > 0 ? v : 10_000
}
/**
 * What the device that typed an ended code is told, by how the code ended (review finding: a replaced code was
 * called expired; helper finding: a cancelled one and a replaced one were both "cancelled or replaced by a newer
 * one", and the person typing could not tell whether to ask for a new code or to type the newer one shown).
 * `newerShown`: whether this device shows a code now. One error code for all, E_PAIRING_EXPIRED but for a burned
 * one: to whoever typed it, each is a code that no longer works, and the words say why and what to do. That
 * device reads them after "other device: ", so "there" is this one (user-test finding: "shown here" sent the
 * person to look at the device they were typing on).
 */
const TOMBSTONE_MESSAGE: Record<Ended, (newerShown: boolean) => string> = {
  failed: () => 'that code was already used and is burned',
  // a device that typed it after another one paired with it (helper finding: told "no peer is showing code number N: check that you typed it right")
  used: () => 'that code was already used to pair a device; show a new one',
  expired: () => 'that code has expired',
  cancelled: () => 'that code was cancelled there; show a new one',
  replaced: (newerShown) => newerShown ? 'that code was replaced by a newer one shown there: type the newer one' : 'that code was replaced by a newer one, which is no longer shown either; show a new one'
}
type Ended = 'failed' | 'used' | 'expired' | 'cancelled' | 'replaced'

/**
 * What a device that shows no code of a number typed adds after "no code with number N is being shown here", and
 * the device typing it looks for (tryCandidates): whether it shows a code with another number now, or none. A
 * device from before says neither: not known then.
 */
const NOT_SHOWN_WORDS = { otherShown: '; the code shown here has another number', noneShown: ', nor any other code' } as const

/**
 * `cancelled`: asked to end while another device was using it; that exchange ends without a pairing.
 * `stopExchange`: ends that exchange's wait for the other device at once (it may wait up to 30 s for an
 * answer; user-test finding: Ctrl-C on the showing side took that long to end `ferry pair`).
 */
interface ShownCode { state: PairingState, code: GeneratedCode, timer: NodeJS.Timeout, cancelled?: FerryError, stopExchange?: () => void }

export class PairingService {
  private readonly c: PairingComponents
  private shown?: ShownCode
  private readonly tombstones = new Map<number, { code: 'E_PAIRING_EXPIRED' | 'E_PAIRING_FAILED', ended: Ended, until: number }>()
  private readonly throttle = new Throttle()
  private untoldTimer?: NodeJS.Timeout
  private tellingUntold = false

  constructor (components: PairingComponents) {
    this.c = components
  }

  async start (): Promise<void> {
    // a peer that stayed connected while it could not hear us (stopped with SIGSTOP, busy) never comes online
    // again: asked again while it is online (user-test finding: it listed us as paired until it tried a send)
    this.untoldTimer = setInterval(() => { void this.tellUntoldOnline() }, untoldRetryMs())
    this.untoldTimer.unref()
    await this.c.node.handle(PAIR_PROTOCOL, (stream, connection) => { void this.respond(stream, connection) })
    await this.c.node.handle(TRUST_PROTOCOL, (stream, connection) => {
      const id = connection.remotePeer.toString()
      let removed = false
      // removed before the answer, which says whether it was (task finding: ok went first, and a failed removal was swallowed)
      void handleUnpair(stream, () => {
        try {
          removed = this.c.trust.remove(id)
        } catch (err) {
          // answered not ok with this: the peer tells us again later
          this.c.log.warn('peer removed its pairing with us, but we could not remove our trust in it; it tells us again later', { peerId: id, err: toFerryError(err, 'E_IO').message })
          throw err
        }
      }).catch(() => {}).finally(() => {
        if (!removed) return
        // said by default (quiet logs show warnings): this device no longer trusts, nor is trusted by, that peer (user-test finding: not logged)
        this.c.log.warn('peer removed its pairing with us; trust removed', { peerId: id })
        this.c.onTrustChanged(id, 'peer')
      })
    })
  }

  stop (): void {
    clearInterval(this.untoldTimer)
    if (this.shown != null) this.finishShown('cancelled', new FerryError('E_CANCELLED', 'the daemon stopped; the code no longer works'))
  }

  /** `tag`: the asker's mark, on every state of this code (its events too), so that it tells them from another client's */
  show (expiresSec = DEFAULT_CODE_TTL_SEC, tag?: string): PairingState {
    if (!Number.isFinite(expiresSec) || expiresSec < MIN_CODE_TTL_SEC || expiresSec > MAX_CODE_TTL_SEC) {
      throw new FerryError('E_BAD_REQUEST', `expiry must be between ${MIN_CODE_TTL_SEC} and ${MAX_CODE_TTL_SEC} seconds`)
    }
    const id = randomUUID()
    // one code at a time: whoever showed the one before is told why it ended (user-test finding: it read as a Ctrl-C),
    // and by which code, which tells a TUI whether it was its own next one or another client's (replacedBy)
    if (this.shown != null) {
      this.shown.state.replacedBy = id
      this.finishShown('cancelled', new FerryError('E_CANCELLED', 'replaced by a newer code (another `ferry pair` or the TUI showed one); this one no longer works'), undefined, undefined, 'replaced')
    }
    // not the number of a code ended lately: typed after this one shows, it would claim this one and burn it,
    // not say how it ended (helper finding; 1 in 999 before)
    const code = generateCode((n) => (this.tombstones.get(n)?.until ?? 0) > Date.now())
    const state: PairingState = { id, role: 'show', phase: 'waiting', code: code.normalized, expiresAt: Date.now() + expiresSec * 1000, ...(tag !== undefined ? { tag } : {}) }
    const timer = setTimeout(() => {
      if (this.shown?.state.id === state.id && this.shown.state.phase === 'waiting') {
        this.finishShown('expired', new FerryError('E_PAIRING_EXPIRED', 'the code expired before anyone used it'))
      }
    }, expiresSec * 1000)
    timer.unref()
    this.shown = { state, code, timer }
    this.c.log.info('pairing code shown', { id: state.id, nameplate: code.nameplate, expiresAt: state.expiresAt })
    this.c.emit({ ...state })
    return { ...state }
  }

  cancel (id?: string, why?: string): boolean {
    if (this.shown == null || (id != null && this.shown.state.id !== id)) return false
    // while another device uses the code: that exchange is refused before this device stores trust, and
    // ends as cancelled (user-test finding: a TUI quit, or `ferry pair` killed, mid-exchange still paired)
    if (this.shown.state.phase === 'exchanging') {
      // a second cancel (the TUI quit and Ctrl-C) keeps the first: the exchange tells the other device once
      this.shown.cancelled ??= new FerryError('E_CANCELLED', why ?? 'the code was cancelled on the device showing it')
      this.shown.stopExchange?.()
      return true
    }
    if (this.shown.state.phase !== 'waiting') return false
    this.finishShown('cancelled', why != null ? new FerryError('E_CANCELLED', why) : undefined)
    return true
  }

  current (): PairingState | undefined {
    return this.shown == null ? undefined : { ...this.shown.state }
  }

  /**
   * `of`: the code an exchange claimed; nothing when another has replaced it since (that one is not this exchange's to end).
   * `ended`: how it ended, for whoever types it later, where the phase does not say (a cancel that was a replacement).
   */
  private finishShown (phase: 'paired' | 'failed' | 'expired' | 'cancelled', error?: FerryError, peer?: PairingState['peer'], of?: ShownCode, ended: Ended = phase === 'paired' ? 'used' : phase, again = false): void {
    const s = this.shown
    if (s == null || (of != null && of !== s)) return
    clearTimeout(s.timer)
    this.shown = undefined
    this.tombstones.set(s.code.nameplate, { code: phase === 'failed' ? 'E_PAIRING_FAILED' : 'E_PAIRING_EXPIRED', ended, until: Date.now() + TOMBSTONE_MS })
    const state: PairingState = { ...s.state, phase, peer, error: error?.toJSON(), ...(again ? { again } : {}) }
    delete state.code
    this.c.emit(state)
  }

  /** Responder: an initiator opened /ferry/pair. */
  private async respond (stream: Stream, connection: Connection): Promise<void> {
    const remote = connection.remotePeer.toString()
    const stop = new AbortController()
    const ch = pairChannel(stream, stop.signal)
    let claimed: ShownCode | undefined
    let committed = false
    /** the other device was paired here already: its trust renewed */
    let again = false
    /** refused at the commit as replaced: the other device's key confirmation verified, so it typed the code right */
    let replaced: FerryError | undefined
    try {
      const result = await runResponder(ch, { myPeerId: this.c.node.peerId.toString(), remotePeerId: remote, myName: this.c.myName() }, (nameplate) => {
        this.throttle.check(remote)
        // past its time, however late its timer is (a busy event loop): the time shown is the promise
        const shownNow = this.shown
        if (shownNow != null && shownNow.state.phase === 'waiting' && Date.now() >= (shownNow.state.expiresAt ?? Infinity)) {
          this.finishShown('expired', new FerryError('E_PAIRING_EXPIRED', 'the code expired before anyone used it'))
        }
        const s = this.shown
        if (s == null || s.code.nameplate !== nameplate) {
          const t = this.tombstones.get(nameplate)
          if (t != null && t.until > Date.now()) throw new FerryError(t.code, TOMBSTONE_MESSAGE[t.ended](s != null))
          // not shown, nor ended here lately (its tombstone): a number mistyped, or a code that ended long ago. Which
          // one, the device typing it tells by whether a code is shown here now (NOT_SHOWN_WORDS; notes' leftover: a
          // mistyped number read as an expired code). Its number is not said: the number and the words are the code
          throw new FerryError('E_PAIRING_EXPIRED', `no code with number ${nameplate} is being shown here${s != null ? NOT_SHOWN_WORDS.otherShown : NOT_SHOWN_WORDS.noneShown}`)
        }
        if (s.state.phase !== 'waiting') throw new FerryError('E_PAIRING_BUSY', 'that code is being used by another device right now')
        claimed = s
        s.stopExchange = () => { stop.abort() }
        s.state.phase = 'exchanging'
        this.c.emit({ ...s.state, code: undefined })
        return s.code as ParsedCode
      }, (peerName) => {
        // cancelled or replaced by a newer code while this exchange went on: no trust stored
        if (claimed !== undefined && (claimed.cancelled != null || this.shown !== claimed)) throw claimed.cancelled ?? (replaced = new FerryError('E_CANCELLED', 'the code was replaced by a newer one on the device showing it'))
        // paired again: an unpairing not yet told is not to be told any more (TrustStore.add; review finding: it undid the new pairing)
        again = this.c.trust.isPaired(remote)
        this.c.trust.add({ peerId: remote, name: peerName, fingerprint: peerFingerprint(remote), pairedAt: Date.now(), autoAccept: true })
        // trust is stored: a cancel from here on is too late to stop the exchange's last word (review finding: it
        // could abort the "ok" and report cancelled a pairing that was made)
        committed = true
        if (claimed !== undefined) claimed.stopExchange = undefined
      })
      this.throttle.success(remote)
      this.c.log.info('paired', { peerId: remote, role: 'responder', ...(again ? { again } : {}) })
      this.c.onTrustChanged(remote)
      this.finishShown('paired', undefined, { peerId: remote, name: result.peerName, fingerprint: peerFingerprint(remote) }, claimed, 'used', again)
    } catch (err) {
      const fe = toFerryError(err, 'E_PAIRING_FAILED')
      if (claimed?.cancelled != null && !committed) {
        this.c.log.info('pairing cancelled during the exchange', { peerId: remote })
        // stopped while waiting for the other device (not refused at the commit, which told it): told here why
        if (fe !== claimed.cancelled) await ch.fail(PairResult, claimed.cancelled)
        this.finishShown('cancelled', claimed.cancelled, undefined, claimed)
      } else if (fe === replaced) {
        // no failed attempt of the other device's: it was this device that moved on to a newer code (helper
        // finding: counted as one, three such and that device was refused here as a guesser)
        this.c.log.info('pairing refused: the code was replaced by a newer one during the exchange', { peerId: remote })
      } else if (claimed !== undefined) {
        this.throttle.failure(remote)
        this.c.log.warn('pairing failed; code burned', { peerId: remote, code: fe.code })
        this.finishShown('failed', fe.code === 'E_PAIRING_FAILED' ? fe : new FerryError('E_PAIRING_FAILED', fe.message), undefined, claimed)
      }
    }
    // close, not abort: the error message we just wrote must reach the initiator
    await ch.close()
  }

  /**
   * Initiator: the user typed a code here. `signal`: what asked went away (handlers.ts); the pairing is given up where it still can be (runInitiator).
   * `tag`: the asker's mark, on every state of this pairing (its events too), so that it tells them from another client's.
   */
  async enter (input: string, peer?: string, signal?: AbortSignal, tag?: string): Promise<PairingState> {
    const code = parseCode(input)
    // typed on the device that shows it (user-test finding: "no peer is showing code number …", which it was); the code stays shown
    // the whole code: another device's code may share the number (review finding)
    if (this.shown != null && this.shown.code.normalized === code.normalized) throw new FerryError('E_PAIRING_FAILED', `code number ${code.nameplate} is shown by this device itself: type it on the other device`)
    const id = randomUUID()
    const state: PairingState = { id, role: 'enter', phase: 'exchanging', ...(tag !== undefined ? { tag } : {}) }
    this.c.emit({ ...state })
    try {
      const { peerId, peerName, again } = await this.tryCandidates(code, peer, signal)
      const done: PairingState = { ...state, phase: 'paired', peer: { peerId, name: peerName, fingerprint: peerFingerprint(peerId) }, ...(again ? { again } : {}) }
      this.c.emit(done)
      return done
    } catch (err) {
      const fe = toFerryError(err, 'E_PAIRING_FAILED')
      this.c.emit({ ...state, phase: failedPairingPhase(fe.code), error: fe.toJSON() })
      throw fe
    }
  }

  private async tryCandidates (code: ParsedCode, peer?: string, signal?: AbortSignal): Promise<{ peerId: string, peerName: string, again: boolean }> {
    const dialSignal = (): AbortSignal => signal != null ? AbortSignal.any([signal, AbortSignal.timeout(5000)]) : AbortSignal.timeout(5000)
    const targets: Array<{ label: string, open: () => Promise<{ stream: Stream, remote: string }> }> = []
    if (peer != null) {
      targets.push({ label: peer, open: async () => {
        const conn = await this.c.node.dial(multiaddr(peer), { signal: dialSignal() })
        const stream = await conn.newStream(PAIR_PROTOCOL, { signal: dialSignal() }).catch(async (err: Error) => {
          // a ferry of another version: said so (it was "cannot reach …: could not negotiate /ferry/pair/1.0.0")
          const other = err.name === 'UnsupportedProtocolError' ? await this.c.versionOf?.(conn) : undefined
          if (other != null) throw otherVersionError(peer, other)
          throw err
        })
        return { stream, remote: conn.remotePeer.toString() }
      } })
    } else {
      for (const id of this.c.candidates()) {
        targets.push({ label: id, open: async () => ({ stream: await this.c.node.dialProtocol(peerIdFromString(id), PAIR_PROTOCOL, { signal: dialSignal() }), remote: id }) })
      }
    }
    let notShowing: FerryError | undefined
    /** of the peers that do not show this number: how many show a code with another number, and how many none (NOT_SHOWN_WORDS) */
    let otherShown = 0
    let noneShown = 0
    let refused: { label: string, err: FerryError } | undefined
    for (const t of targets) {
      signal?.throwIfAborted()
      let opened
      try {
        opened = await t.open()
      } catch (err) {
        signal?.throwIfAborted()
        if (err instanceof FerryError && err.code === 'E_PEER_VERSION') throw err
        if (peer != null) throw new FerryError('E_PEER_UNREACHABLE', `cannot reach ${peer}: ${dialFailure(err, 5000, this.c.node.peerId.toString())}`)
        continue
      }
      const ch = pairChannel(opened.stream)
      try {
        const r = await runInitiator(ch, { myPeerId: this.c.node.peerId.toString(), remotePeerId: opened.remote, myName: this.c.myName() }, code, signal)
        const again = this.c.trust.isPaired(opened.remote)
        this.c.trust.add({ peerId: opened.remote, name: r.peerName, fingerprint: peerFingerprint(opened.remote), pairedAt: Date.now(), autoAccept: true })
        this.c.log.info('paired', { peerId: opened.remote, role: 'initiator', ...(again ? { again } : {}) })
        this.c.onTrustChanged(opened.remote)
        await ch.close()
        return { peerId: opened.remote, peerName: r.peerName, again }
      } catch (err) {
        await ch.close()
        const fe = toFerryError(err, 'E_PAIRING_FAILED')
        // a peer that is not showing this nameplate is not a failure: try the next one
        if (fe.code === 'E_PAIRING_EXPIRED' && /no code with number/.test(fe.message)) {
          notShowing = fe
          if (fe.message.endsWith(NOT_SHOWN_WORDS.otherShown)) otherShown++
          else if (fe.message.endsWith(NOT_SHOWN_WORDS.noneShown)) noneShown++
          continue
        }
        // without --peer, a peer that refuses this device for failed attempts there refuses before it looks at the
        // number: it may well not be the one showing this code, so the others are asked (helper finding: it ended
        // the pairing with the right peer unasked)
        if (peer == null && fe.code === 'E_PAIRING_THROTTLED') { refused ??= { label: t.label, err: fe }; continue }
        throw fe
      }
    }
    // none online, but a device of another version is here: that one is likely the one meant (a ferry updated on one side only)
    const other = targets.length === 0 ? this.c.otherVersions?.()[0] : undefined
    if (other != null) throw otherVersionError(`no ferry peer of this version is online: ${other.name !== '' ? `${other.name} (…${other.peerId.slice(-8)})` : `the device …${other.peerId.slice(-8)}`}`, other.otherVersion)
    if (targets.length === 0) throw new FerryError('E_PEER_NOT_FOUND', `no ferry peer is online; check that the other device runs \`ferry daemon\` on this network, ${PAIR_ADVICE.noneOnline}`)
    if (refused != null) throw new FerryError('E_PAIRING_THROTTLED', `no other peer online here shows code number ${code.nameplate}, and the peer …${refused.label.slice(-8)} would not say whether it does: ${refused.err.message}`)
    if (notShowing == null) throw new FerryError('E_PEER_UNREACHABLE', 'could not reach any peer to pair with')
    const online = `the ${targets.length} peer${targets.length === 1 ? '' : 's'} online here`
    // without --peer, only the peers online here were asked: a device showing the code that this one has no
    // connection to is reached with --peer (helper finding: "check that you typed it right" alone, of such a code)
    const elsewhere = `if the other device is not among them (\`ferry peers\`), ${PAIR_ADVICE.elsewhere}`
    // said as the peers asked know it (notes' leftover: a mistyped number was answered "if it expired, show a new
    // one", of a code shown and waiting): one that shows a code with another number, the number typed is not its
    // code's; none showing any code (nor ended lately, which its tombstone would have said), not a mistyped number
    // of theirs, and what showed it ended long ago or is not among them; peers from before, either
    const head = `no peer is showing code number ${code.nameplate}`
    if (otherShown > 0) {
      const who = peer != null ? 'the other device shows' : targets.length === 1 ? `${online} shows` : `${otherShown} of ${online} ${otherShown === 1 ? 'shows' : 'show'}`
      throw new FerryError('E_PAIRING_EXPIRED', `${head}: ${who} a code with another number: check the number you typed`)
    }
    if (noneShown === targets.length) {
      const none = peer != null ? 'the other device shows no code now' : `${targets.length === 1 ? `${online} shows no code now` : `none of ${online} shows a code now`}: ${elsewhere}`
      throw new FerryError('E_PAIRING_EXPIRED', `${head}: ${none}; if it showed this one, that one has ended: show a new one there`)
    }
    throw new FerryError('E_PAIRING_EXPIRED', `${head}: check that you typed it right${peer != null ? '' : `; asked ${online}: ${elsewhere}`}; if it expired, show a new one on the other device`)
  }

  /** `untold`: why the other side was not told (`notified` false), which `ferry unpair` says. */
  async unpair (peerId: string): Promise<{ peerId: string, name: string, notified: boolean, untold?: UnpairUntold, refusal?: { code: string, message: string } }> {
    const name = this.c.trust.get(peerId)?.name
    if (name == null) throw new FerryError('E_NOT_PAIRED', `${peerId} is not paired`)
    // what the other side answered, where it answered not ok with an error (untold 'refused')
    let refusal: { code: string, message: string } | undefined
    // tell the other side first, while it still accepts our gated stream
    const untold = await this.tellUnpaired(peerId).then((told): UnpairUntold | undefined => told ? undefined : 'unreachable', (err: unknown) => {
      this.c.log.info('could not tell a peer of our unpairing; told when it can be', { peerId, err: (err as Error).message })
      const why = untoldWhy(err)
      if (why === 'refused') refusal = (err as FerryError).toJSON()
      return why
    })
    this.c.trust.remove(peerId)
    // kept in the store: told when it is next online, after a restart too
    if (untold !== undefined) this.c.trust.markUntold(peerId)
    this.c.onTrustChanged(peerId, 'here')
    return untold === undefined ? { peerId, name, notified: true } : { peerId, name, notified: false, untold, ...(refusal != null ? { refusal } : {}) }
  }

  /**
   * A peer came online: if we unpaired it while it could not be told, it is
   * told now (user-test finding: it went on listing us as paired, and its
   * sends failed with E_NOT_PAIRED). Its gate still takes our stream: it
   * trusts us until told.
   */
  async peerOnline (peerId: string): Promise<void> {
    // not once paired again (the pairing's own connection may be what brought it online), also while the dial goes
    const stillUntold = (): boolean => this.c.trust.isUntold(peerId) && !this.c.trust.isPaired(peerId)
    // all of it caught: a store that cannot be read now is asked again when the peer is next online (review finding: an unhandled rejection)
    try {
      if (!stillUntold()) return
      if (await this.tellUnpaired(peerId, stillUntold)) {
        this.c.trust.clearUntold(peerId)
        this.c.log.info('told a peer we unpaired while it was away', { peerId })
      }
    } catch (err) {
      this.c.log.info('could not tell a peer of our unpairing yet', { peerId, err: (err as Error).message })
    }
  }

  /** The unpairings not yet told, to those of their peers online now, one after the other. */
  private async tellUntoldOnline (): Promise<void> {
    if (this.tellingUntold) return
    this.tellingUntold = true
    try {
      const untold = this.c.trust.untold()
      const online = untold.length === 0 ? new Set<string>() : new Set(this.c.candidates())
      // peerOnline catches its own failures
      for (const peerId of untold) if (online.has(peerId)) await this.peerOnline(peerId)
    } catch {
      // a store that cannot be read now: the next round asks again
    } finally {
      this.tellingUntold = false
    }
  }

  /**
   * Tell `peerId` we unpaired it (/ferry/trust); `still`: looked at once the stream is open, false drops it untold.
   * Whether it was told; throws when it was not reached or its answer was no acknowledgement (untoldWhy).
   */
  private async tellUnpaired (peerId: string, still: () => boolean = () => true): Promise<boolean> {
    const stream = await this.c.node.dialProtocol(peerIdFromString(peerId), TRUST_PROTOCOL, { signal: AbortSignal.timeout(3000) })
    if (!still()) { stream.abort(new Error('no longer to be told')); return false }
    await notifyUnpair(stream)
    return true
  }

  /**
   * A paired peer refused us as not paired with it: it unpaired us while we
   * could not be told (a daemon restarted since, or one from before the
   * notice on reconnecting). Said by the peer over a connection its key
   * authenticates, so our trust in it goes too, as if it had told us.
   */
  droppedUs (peerId: string): void {
    if (this.c.trust.remove(peerId)) {
      this.c.log.info('peer no longer trusts us (it unpaired while we were apart); trust removed', { peerId })
      this.c.onTrustChanged(peerId, 'peer')
    }
  }
}

export function peerFingerprint (peerId: string): string {
  return fingerprint(peerIdFromString(peerId).toMultihash().bytes)
}
