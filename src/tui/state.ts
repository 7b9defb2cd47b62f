// The TUI's whole state and its pure reducer. Control events (peer, offer,
// pairing, transfer…) and local UI actions (screen, selection, inputs) go in;
// a new state comes out. Finished transfers (done, failed, cancelled,
// declined) move from `active` to `history`.
// Never does I/O and never talks to the daemon: app.ts does that.

import type {
  ControlEvents, EventName, OfferInfo, PairingState, PeerInfo, StatusInfo, TransferInfo
} from '../daemon/control/types.ts'
import { isFinalState } from '../daemon/control/types.ts'
import { counted, formatBytes, peerLabel, sharedNames } from './format.ts'

export const SCREENS = ['peers', 'pair', 'offers', 'transfers', 'send'] as const
export type ScreenId = typeof SCREENS[number]
/** `unresponsive`: its socket takes the connection but the daemon does not answer (stopped with SIGSTOP, stuck) */
export type Connection = 'connecting' | 'connected' | 'down' | 'unresponsive'
export type PairMode = 'menu' | 'show' | 'enter'

export interface TuiError { code: string, message: string }

export interface TuiState {
  screen: ScreenId
  connection: Connection
  self?: StatusInfo
  peers: PeerInfo[]
  offers: OfferInfo[]
  /**
   * Offers lately gone from `offers` (the last OFFERS_GONE_KEPT), newest first: the daemon says an offer is gone
   * before it says why (its sender withdrew it: its receive's end), and by then Offers no longer had it to name
   * (user-test finding: "alpha withdrew its offer" never showed)
   */
  offersGone?: OfferInfo[]
  active: TransferInfo[]
  /** finished transfers, newest first */
  history: TransferInfo[]
  /** older finished transfers are kept than History holds (HISTORY_LIMIT): it says "latest" (user-test finding: "History (50)" read as all there were) */
  historyCut?: boolean
  pairing?: PairingState
  pairMode: PairMode
  /**
   * A code typed in the field went to the daemon (pair.enter) and is not answered yet: that submission's mark
   * (its entry). The daemon's event that it paired may come first, and leaves the field as the answer does
   * (onPairing); the answer to a code sent from the field before it was left and opened again is not this
   * field's (pairAnswer)
   */
  pairEntering?: string
  /**
   * This TUI asked the daemon for a code to show (pair.show) and has no answer yet: that request's mark. An older
   * daemon gives no mark back, and its event of the new code comes before the answer: an unmarked code shown
   * meanwhile is left to the answer to say (anotherClients)
   */
  pairShowing?: string
  /**
   * The marks of the codes this TUI sent or asked to show (pair.enter's and pair.show's tag; newest last, the last
   * PAIR_MARKS_KEPT): a pairing is this TUI's own when the daemon gives one of them back on it (PairingState.tag);
   * any other is another client's on the same daemon (`ferry pair`, `ferry pair CODE`, another TUI), which the
   * Pair screen does not show as its own (onPairing)
   */
  pairMarks: string[]
  /** selected row per list screen; on Transfers the active ones, then History */
  sel: { peers: number, offers: number, transfers: number }
  /** Transfers: the one shown whole (its id), in place of the list; by id, so that the list moving under it does not change it */
  details?: string
  /** peer chosen on the Send screen */
  sendTo?: string
  pairCode: string
  sendPaths: string
  /** paths from the last send attempt that do not exist */
  missing: string[]
  lastError?: TuiError
  notice?: string
  /** the notice, when it is about the daemon being away: cleared as the TUI connects again (a paste refused then still said so, connected) */
  noticeUntilBack?: string
  /** a step that cannot be undone (cancel, unpair), asked once: the same key again does it (keys.ts) */
  armed?: string
  /** the question `armed` asked, as the notice line said it */
  armedText?: string
  /** peers this TUI asked the daemon to unpair, not yet answered: their pairing's end is not news to say (onEvent) */
  unpairing?: string[]
}

/** The state a text field edits. */
export type TextFieldName = 'pairCode' | 'sendPaths'

export type EventAction = { [E in EventName]: { type: 'event', name: E, data: ControlEvents[E] } }[EventName]

export type Action =
  | EventAction
  | { type: 'batch', actions: Action[] }
  | { type: 'snapshot', status: StatusInfo, peers: PeerInfo[], offers: OfferInfo[], transfers: TransferInfo[] }
  | { type: 'connection', connection: Connection }
  | { type: 'screen', screen: ScreenId }
  | { type: 'screen:step', delta: 1 | -1 }
  | { type: 'move', delta: number }
  | { type: 'pairMode', mode: PairMode }
  /** a code entered went to the daemon, marked `entry` */
  | { type: 'pairEntering', entry: string }
  /** the answer to the code marked `entry` (none: it failed before, or had none to give), whose field it may close */
  | { type: 'pairAnswer', entry: string, state?: PairingState }
  /** a code to show was asked of the daemon, marked `entry` */
  | { type: 'pairShowing', entry: string }
  /** the answer to the request for a code marked `entry` (none: it failed) */
  | { type: 'pairShown', entry: string, state?: PairingState }
  | { type: 'input', field: TextFieldName, value: string }
  | { type: 'sendTo', peerId: string }
  /** show transfer `id` whole on Transfers, or (none) the list again */
  | { type: 'details', id?: string }
  /** select transfer `id` on Transfers: the send this TUI just made */
  | { type: 'selectTransfer', id: string }
  /** this TUI unpaired it: no longer paired, where it is still listed (the daemon's peer:removed may have come first) */
  | { type: 'unpaired', peerId: string }
  /** this TUI asked the daemon to unpair it (`asked`), or has its answer (or error) */
  | { type: 'unpairing', peerId: string, asked: boolean }
  | { type: 'missing', paths: string[] }
  | { type: 'error', error: TuiError }
  /**
   * `unlessOn`: not said on that screen (an answer that came after the user went there: "progress on screen 4" on 4);
   * `untilBack`: about the daemon being away, cleared once it is connected again
   */
  | { type: 'notice', text: string, unlessOn?: ScreenId, untilBack?: boolean }
  /** a notice said a while ago (app.ts NOTICE_MS): gone, where it is still the one shown and no question */
  | { type: 'notice:expire', text: string }
  | { type: 'arm', key: string, text: string }
  | { type: 'disarm' }
  | { type: 'clear' }

export const HISTORY_LIMIT = 50
export function isFinished (t: TransferInfo): boolean {
  return isFinalState(t.state)
}

export function initialState (over: Partial<TuiState> = {}): TuiState {
  return {
    screen: 'peers',
    connection: 'connecting',
    peers: [],
    offers: [],
    active: [],
    history: [],
    pairMode: 'menu',
    pairMarks: [],
    sel: { peers: 0, offers: 0, transfers: 0 },
    pairCode: '',
    sendPaths: '',
    missing: [],
    ...over
  }
}

/**
 * Names that two peers share, among those the daemon knows and those of its
 * offers and transfers: a transfer still waiting for a device's old identity
 * is told from its new one even where it is the only transfer listed
 * (review finding: "↑ to alice" waited for the alice that was no more).
 */
export function sharedPeerNames (s: TuiState, ascii = false): ReadonlySet<string> {
  const named = [...s.offers, ...s.active, ...s.history].map((x) => ({ peerId: x.peerId, name: x.peerName }))
  return sharedNames([...s.peers, ...named], ascii)
}

/**
 * A peer as a sentence names it ("unpaired alice"): with the end of its peer
 * ID where another peer has its name; `ascii`: or where the sentence is to be
 * drawn on an ASCII-only terminal and another's name is drawn alike there
 * ("José", "Jose": sharedNames), as the lists tell them apart (helper
 * finding: "press u again to unpair Jose" named either). The sentence itself
 * is made ASCII where it is drawn.
 */
export function peerCalled (s: TuiState, peer: { peerId: string, name: string }, ascii = false): string {
  return peerLabel(peer, sharedPeerNames(s, ascii), Number.MAX_SAFE_INTEGER)
}

/** Peers the Send screen can send to. */
export function sendablePeers (s: TuiState): PeerInfo[] {
  return s.peers.filter((p) => p.paired)
}

export function reduce (state: TuiState, action: Action): TuiState {
  return clampSelection(questionStillStands(transferAsked(action, sameOfferSelected(state, samePeerSelected(state, sameTransferSelected(state, step(state, action)))))))
}

/**
 * The code field edited: the failure of the code typed before is about that code, not this one, and goes (user-test
 * finding: "✗ failed: E_BAD_CODE … word 2 is not on the word list" stayed under the code corrected, until Enter). A
 * pairing made stays, as "Last pairing".
 */
function codeEdited (s: TuiState, value: string): TuiState {
  const p = s.pairing
  const stale = p?.role === 'enter' && value !== s.pairCode && (p.phase === 'failed' || p.phase === 'expired' || p.phase === 'cancelled')
  return { ...s, pairCode: value, ...(stale ? { pairing: undefined } : {}) }
}

/** How many offers gone from Offers are kept to name (TuiState.offersGone). */
const OFFERS_GONE_KEPT = 20

/**
 * The offer selected on Offers before `after` stays selected where it is still listed: the selection is a line, and
 * an offer above it withdrawn or decided elsewhere moved it to the next offer (user-test finding: `a` then accepted
 * an offer never chosen, and a `d d` begun on one asked its second `d` of another).
 */
function sameOfferSelected (before: TuiState, after: TuiState): TuiState {
  if (after.offers === before.offers) return after
  const id = selectedOffer(before)?.id
  const at = id === undefined ? -1 : after.offers.findIndex((o) => o.id === id)
  return at < 0 || at === after.sel.offers ? after : { ...after, sel: { ...after.sel, offers: at } }
}

/**
 * The peer selected on Peers before `after` stays selected where it is still listed: the list is sorted paired
 * first, and one unpaired moved down, its line taken by the next paired one (user-test finding: `u u` unpaired
 * beta, the selection stood on gamma then, and `u u` again would have unpaired gamma).
 */
function samePeerSelected (before: TuiState, after: TuiState): TuiState {
  if (after.peers === before.peers) return after
  const id = selectedPeer(before)?.peerId
  const at = id === undefined ? -1 : after.peers.findIndex((p) => p.peerId === id)
  return at < 0 || at === after.sel.peers ? after : { ...after, sel: { ...after.sel, peers: at } }
}

/**
 * A question asked (armed) whose step can no longer be done: the offer is no longer waiting (its sender withdrew
 * it, another client decided on it), the transfer ended, the peer is no longer paired. Taken back, so that the
 * key pressed again does not ask the same of another line (user-test finding: the offer to decline withdrawn,
 * the question stayed, and the next `d` asked it of the next offer, in the same words); said, unless what
 * happened was said in its place (an offer withdrawn, a peer unpaired elsewhere).
 */
function questionStillStands (s: TuiState): TuiState {
  const armed = s.armed
  if (armed === undefined) return s
  const [step, id] = [armed.slice(0, armed.indexOf(':')), armed.slice(armed.indexOf(':') + 1)]
  const stands = step === 'decline'
    ? s.offers.some((o) => o.id === id)
    : step === 'cancel'
      ? s.active.some((t) => t.id === id)
      : step === 'unpair' ? s.peers.some((p) => p.peerId === id && p.paired) : true
  if (stands) return s
  const gone = step === 'decline' ? 'that offer is no longer waiting here: nothing was declined' : step === 'cancel' ? 'that transfer has ended: nothing to cancel' : 'that device is no longer paired'
  // the question's own words still on the line: what happened instead; another notice came with it: that one
  return { ...s, armed: undefined, notice: s.notice === s.armedText ? gone : s.notice, armedText: undefined }
}

/**
 * A send made on Send opens Transfers on it, as docs/TUI.md shows it:
 * sameTransferSelected kept the line selected there before (user-test
 * finding: an old History line stayed selected, `c` was not offered for
 * the send, and Enter showed the old one). Looked for here, after it, as
 * the send comes in one batch with the transfer it adds.
 */
function transferAsked (action: Action, s: TuiState): TuiState {
  const asked = action.type === 'batch' ? action.actions.findLast((a) => a.type === 'selectTransfer') : action.type === 'selectTransfer' ? action : undefined
  if (asked?.type !== 'selectTransfer') return s
  const inActive = s.active.findIndex((t) => t.id === asked.id)
  const inHistory = inActive >= 0 ? -1 : s.history.findIndex((t) => t.id === asked.id)
  const at = inActive >= 0 ? inActive : inHistory >= 0 ? s.active.length + inHistory : undefined
  return at === undefined || at === s.sel.transfers ? s : { ...s, sel: { ...s.sel, transfers: at } }
}

/**
 * The transfer selected on Transfers before `after` stays selected where it
 * is still listed: the selection is an index over the active ones and then
 * History, and one beginning or ending moved it to another line (review
 * finding: a line of History selected went to the one above it as a transfer
 * began). ↑↓ move it; one no longer listed leaves the index as it was.
 */
function sameTransferSelected (before: TuiState, after: TuiState): TuiState {
  if (after.active === before.active && after.history === before.history) return after
  const id = selectedTransfer(before)?.id
  if (id === undefined) return after
  const inActive = after.active.findIndex((t) => t.id === id)
  const inHistory = inActive >= 0 ? -1 : after.history.findIndex((t) => t.id === id)
  const at = inActive >= 0 ? inActive : inHistory >= 0 ? after.active.length + inHistory : after.sel.transfers
  return at === after.sel.transfers ? after : { ...after, sel: { ...after.sel, transfers: at } }
}

function step (s: TuiState, a: Action): TuiState {
  switch (a.type) {
    case 'event': return onEvent(s, a)
    case 'batch': return a.actions.reduce(step, s)
    case 'snapshot': {
      const transfers = [...a.transfers].sort((x, y) => y.createdAt - x.createdAt)
      return {
        ...s,
        self: a.status,
        // a code shown over the connection before this one is gone: the daemon
        // cancels a code whose connection closes, and a restarted daemon has
        // none (user-test finding: a dead code stayed on screen, counting down)
        pairing: s.pairing?.role === 'show' && s.pairing.phase === 'waiting'
          ? { ...s.pairing, phase: 'cancelled', error: { code: 'E_CANCELLED', message: 'the connection to the daemon was lost; that code no longer works (s shows a new one)' } }
          : s.pairing,
        peers: sortPeers(a.peers),
        offers: [...a.offers],
        active: transfers.filter((t) => !isFinished(t)),
        history: cutHistory(transfers.filter(isFinished)
          .sort((x, y) => (y.finishedAt ?? y.createdAt) - (x.finishedAt ?? x.createdAt)), s.details),
        historyCut: transfers.filter(isFinished).length > HISTORY_LIMIT
      }
    }
    case 'connection': return { ...s, connection: a.connection, ...(a.connection === 'connected' && s.notice !== undefined && s.notice === s.noticeUntilBack ? { notice: undefined } : {}), noticeUntilBack: a.connection === 'connected' ? undefined : s.noticeUntilBack }
    // a screen chosen comes as a list (4 from a transfer's details: the list)
    case 'screen': return { ...s, screen: a.screen, notice: undefined, details: undefined }
    case 'screen:step': {
      const i = SCREENS.indexOf(s.screen)
      return { ...s, screen: SCREENS[(i + a.delta + SCREENS.length) % SCREENS.length], notice: undefined, details: undefined }
    }
    case 'details': return { ...s, details: a.id }
    // the selection it asks for is made in reduce, once the batch it comes in has added the transfer
    case 'selectTransfer': return s
    case 'move': return move(s, a.delta)
    // a field left, or opened again, is no longer the one whose code went to the daemon
    case 'pairMode': return { ...s, pairMode: a.mode, pairEntering: undefined }
    case 'pairEntering': return { ...s, pairEntering: a.entry, pairMarks: [...s.pairMarks, a.entry].slice(-PAIR_MARKS_KEPT) }
    case 'pairAnswer': return pairAnswer(s, a.entry, a.state)
    case 'pairShowing': return { ...s, pairShowing: a.entry, pairMarks: [...s.pairMarks, a.entry].slice(-PAIR_MARKS_KEPT) }
    // the code this TUI asked for is its own, marked or not (an older daemon gives no mark back)
    case 'pairShown': {
      const shown = { ...s, pairShowing: s.pairShowing === a.entry ? undefined : s.pairShowing }
      if (a.state == null) return shown
      const tag = a.state.tag ?? a.entry
      return onPairing(shown.pairMarks.includes(tag) ? shown : { ...shown, pairMarks: [...shown.pairMarks, tag].slice(-PAIR_MARKS_KEPT) }, { ...a.state, tag })
    }
    case 'input': return a.field === 'pairCode' ? codeEdited(s, a.value) : { ...s, sendPaths: a.value, missing: [] }
    case 'sendTo': return { ...s, sendTo: a.peerId }
    case 'unpairing': {
      const others = (s.unpairing ?? []).filter((id) => id !== a.peerId)
      return { ...s, unpairing: a.asked ? [...others, a.peerId] : others }
    }
    case 'unpaired': return { ...s, peers: sortPeers(s.peers.map((p) => p.peerId === a.peerId ? { ...p, paired: false } : p)) }
    case 'missing': return { ...s, missing: a.paths }
    case 'error': return { ...s, lastError: a.error }
    // an answer that came after the user went to the screen it points to: nothing to say there (helper finding: "accepted —
    // progress on screen 4" stayed on 4, typed ahead, and on a small terminal took the transfer's rows)
    case 'notice': return a.unlessOn !== undefined && s.screen === a.unlessOn ? s : { ...s, notice: a.text, noticeUntilBack: a.untilBack === true ? a.text : undefined }
    case 'notice:expire': return s.notice !== a.text || s.armed !== undefined ? s : { ...s, notice: undefined, noticeUntilBack: undefined }
    case 'arm': return { ...s, armed: a.key, armedText: a.text, notice: a.text }
    case 'disarm': return { ...s, armed: undefined, armedText: undefined, notice: undefined }
    case 'clear': return { ...s, lastError: undefined, notice: undefined, armed: undefined, armedText: undefined }
  }
}

function onEvent (s: TuiState, e: EventAction): TuiState {
  switch (e.name) {
    case 'peer': return unpairedElsewhere(s, e.data.peerId, e.data.paired, renamed({ ...s, peers: sortPeers(upsert(s.peers, e.data, (p) => p.peerId)) }, e.data))
    case 'peer:removed': return unpairedElsewhere(s, e.data.peerId, false, { ...s, peers: s.peers.filter((p) => p.peerId !== e.data.peerId) })
    case 'pairing': return onPairing(s, e.data)
    // a new offer is newer news than the notice of the last decision (user-test finding: "accepted — progress on
    // screen 4" still stood over a new batch of offers); a question asked (armed) stays until a key answers it
    case 'offer': return { ...s, offers: upsert(s.offers, e.data, (o) => o.id), ...(s.armed === undefined && !s.offers.some((o) => o.id === e.data.id) ? { notice: undefined, noticeUntilBack: undefined } : {}) }
    case 'offer:removed': {
      const gone = s.offers.find((o) => o.id === e.data.id)
      return { ...s, offers: s.offers.filter((o) => o.id !== e.data.id), ...(gone !== undefined ? { offersGone: [gone, ...(s.offersGone ?? [])].slice(0, OFFERS_GONE_KEPT) } : {}) }
    }
    case 'transfer': return onTransfer(s, e.data)
    case 'log': return e.data.level === 'error' ? { ...s, notice: e.data.msg } : s
    default: return s
  }
}

/**
 * A paired peer the daemon says is no longer paired, where this TUI did not ask for it: said on the notice line
 * (user-test finding: unpaired by the other device, Peers said "no" under PAIRED, and nothing else). The daemon's
 * events do not tell the other device unpairing this one from another client of this daemon (`ferry unpair` in a
 * terminal) doing it: both come as `peer` with paired false (or `peer:removed`), so the notice names both.
 */
function unpairedElsewhere (before: TuiState, peerId: string, paired: boolean, after: TuiState): TuiState {
  const was = before.peers.find((p) => p.peerId === peerId)
  if (was?.paired !== true || paired || before.unpairing?.includes(peerId) === true) return after
  return { ...after, notice: `${peerCalled(before, was)} is no longer paired with this device: it unpaired this one, or another client of this daemon did (\`ferry unpair\`)` }
}

const PAIR_DONE: ReadonlySet<string> = new Set(['paired', 'failed', 'expired', 'cancelled'])

/** How many of the marks of the codes it sent the TUI knows again (pairMarks): a code's events come within seconds of it */
const PAIR_MARKS_KEPT = 16

/**
 * Same pairing: merge (events may omit the code) and never go back from an outcome. A code another client
 * entered or showed (`ferry pair CODE`, `ferry pair`, another TUI on this daemon) is not this screen's: it is not
 * shown as its outcome (notes' leftover: its failure, or its pairing, showed under the code field as the outcome
 * of the code being typed), nor as the code this TUI shows (notes' leftover: the code `ferry pair` showed took
 * the place of the TUI's, as if the TUI showed it), only said on the notice line when it paired a device, and,
 * where it replaced the code this TUI showed, under that code (anotherClients).
 */
function onPairing (s: TuiState, p: PairingState): TuiState {
  if (!ownPairing(s, p)) return anotherClients(s, p)
  const prev = s.pairing
  if (prev == null || prev.id !== p.id) return pairedFromField({ ...s, pairing: p })
  if (PAIR_DONE.has(prev.phase) && !PAIR_DONE.has(p.phase)) return s
  return pairedFromField({ ...s, pairing: { ...prev, ...p } })
}

/**
 * Whether a pairing is of a code this TUI sent or showed: the daemon gives its mark back on each of its states.
 * One without a mark is this TUI's only where its answer made it so (pairAnswer, pairShown): an older daemon
 * gives no marks, and its events of the TUI's own code are then said by the answer alone.
 */
function ownPairing (s: TuiState, p: PairingState): boolean {
  return p.tag !== undefined ? s.pairMarks.includes(p.tag) : s.pairing?.id === p.id
}

/** Said of the code this TUI showed when another client showed one, which replaced it (the daemon shows one code at a time) */
export const REPLACED_BY_ANOTHER = 'another client of this daemon (`ferry pair` or another TUI) showed a code, which replaced this one: ' +
  'this one no longer works (s shows a new one here, which replaces that one in turn)'

/**
 * Another client's pairing: nothing of it as this Pair screen's, where the person at this TUI reads the
 * outcome of their own codes; but a device it paired is trusted from now on, which they are told (the peer
 * also shows as paired on Peers); and a code it showed replaced the code this TUI showed, which the daemon
 * ended saying it was "replaced by a newer code" (PairingState.replacedBy): said there, as that other code
 * is not this screen's to show. Not judged while this TUI's own request of that role is unanswered and the
 * pairing has no mark: an older daemon, giving no marks, sends that request's event before its answer.
 */
function anotherClients (before: TuiState, p: PairingState): TuiState {
  if (p.tag === undefined && (p.role === 'enter' ? before.pairEntering : before.pairShowing) !== undefined) return before
  const own = before.pairing
  // the code that replaced this TUI's: said under that one, and, once it pairs a device, on the notice line as any
  // other client's (user-test finding: that pairing was said nowhere)
  const s = p.role === 'show' && own?.role === 'show' && own.replacedBy === p.id
    ? { ...before, pairing: { ...own, error: { code: 'E_CANCELLED' as const, message: REPLACED_BY_ANOTHER } } }
    : before
  if (p.phase !== 'paired' || p.peer == null) return s
  return { ...s, notice: `paired ${p.again === true ? 'again ' : ''}with ${peerCalled(s, p.peer)} by another client of this daemon (\`ferry pair\` or another TUI)` }
}

/**
 * The code entered in the field paired: back to the menu, where the outcome stays, whether the daemon's event
 * says so before the answer to pair.enter or after (review finding: the event first showed the outcome under
 * the field a moment). Only for the code sent from the field, as its mark on the pairing's states says
 * (PairingState.tag, pairEntering): another client's pairing (`ferry pair CODE`), or a code sent from the field
 * before it was left, ending as this code goes leaves the field alone (notes' leftover: any pairing closed it).
 * An older daemon gives no mark back: the field closes with the answer (pairAnswer).
 */
function pairedFromField (s: TuiState): TuiState {
  const p = s.pairing
  if (s.pairMode !== 'enter' || s.pairEntering === undefined || p?.tag !== s.pairEntering || p.role !== 'enter' || p.phase !== 'paired') return s
  return { ...s, pairMode: 'menu', pairCode: '', pairEntering: undefined }
}

/**
 * The answer to the code marked `entry`. The field's own (its entry still in flight): its outcome, and the field
 * closed where it paired. One sent from the field before it was left (and opened again, maybe with another code
 * in flight): no answer to this field, left alone, with what is typed and what waits (notes' leftover: it closed
 * the field, or ended the other code's wait); its outcome shown only where no code of the field waits, as the
 * daemon's events for it have said it already.
 */
function pairAnswer (s: TuiState, entry: string, answer: PairingState | undefined): TuiState {
  // the answer to this TUI's own code is its own, marked or not (an older daemon gives no mark back)
  const st = answer == null ? undefined : { ...answer, tag: answer.tag ?? entry }
  if (s.pairEntering !== entry) return st == null || s.pairEntering !== undefined ? s : onPairing(s, st)
  const answered = st == null ? s : onPairing(s, st)
  if (answered.pairEntering !== entry) return answered
  // done with the field: back to the menu, where the outcome stays and keys work again
  return st?.phase === 'paired' && answered.pairMode === 'enter'
    ? { ...answered, pairMode: 'menu', pairCode: '', pairEntering: undefined }
    : { ...answered, pairEntering: undefined }
}

/**
 * A peer seen under another name: the transfers with it show that name, as
 * `ferry transfers` does (review finding: the history kept the old one).
 */
function renamed (s: TuiState, p: PeerInfo): TuiState {
  if (p.name === '') return s
  const rename = (list: TransferInfo[]): TransferInfo[] => list.some((t) => t.peerId === p.peerId && t.peerName !== p.name)
    ? list.map((t) => t.peerId === p.peerId ? { ...t, peerName: p.name } : t)
    : list
  const active = rename(s.active)
  const history = rename(s.history)
  return active === s.active && history === s.history ? s : { ...s, active, history }
}

/**
 * History's first HISTORY_LIMIT lines, newest first; the transfer shown in
 * details (`shown`) stays, as the last line, while it is shown, or its
 * details would close by themselves as others end (review finding).
 */
function cutHistory (history: TransferInfo[], shown: string | undefined): TransferInfo[] {
  if (history.length <= HISTORY_LIMIT) return history
  const kept = history.slice(0, HISTORY_LIMIT)
  const cut = shown === undefined || kept.some((t) => t.id === shown) ? undefined : history.find((t) => t.id === shown)
  return cut === undefined ? kept : [...kept.slice(0, -1), cut]
}

function onTransfer (before: TuiState, t: TransferInfo): TuiState {
  const withdrawn = offerWithdrawn(before, t)
  const s = withdrawn === undefined ? before : { ...before, notice: withdrawn, noticeUntilBack: undefined }
  const active = s.active.filter((x) => x.id !== t.id)
  // a late reply to send/accept must not bring a finished transfer back
  if (!isFinished(t) && s.history.some((x) => x.id === t.id)) return s
  const history = s.history.filter((x) => x.id !== t.id)
  if (isFinished(t)) {
    return { ...s, active, history: cutHistory([t, ...history], s.details), historyCut: s.historyCut === true || history.length + 1 > HISTORY_LIMIT }
  }
  // keep an active transfer's row where it was so the selection does not jump
  const i = s.active.findIndex((x) => x.id === t.id)
  if (i >= 0) active.splice(i, 0, t)
  else active.push(t)
  return { ...s, active, history }
}

/**
 * An offer waiting here for a decision that its sender withdrew (`ferry cancel`, Ctrl-C of its `ferry send`): said
 * (user-test finding: it went from Offers without a word).
 */
function offerWithdrawn (s: TuiState, t: TransferInfo): string | undefined {
  if (t.direction !== 'receive' || t.state !== 'cancelled' || t.endedBy !== 'peer') return undefined
  // an offer gone from Offers as it was accepted, its receive cancelled by its sender later, was not withdrawn (review finding)
  const ran = s.active.some((x) => x.id === t.id && x.state !== 'offered')
  const offer = s.offers.find((o) => o.id === t.id) ?? (ran ? undefined : s.offersGone?.find((o) => o.id === t.id))
  if (offer === undefined && s.active.find((x) => x.id === t.id)?.state !== 'offered') return undefined
  return `${peerCalled(s, { peerId: t.peerId, name: t.peerName })} withdrew its offer (${counted(t.files, 'file')}, ${formatBytes(t.totalBytes)})`
}

function upsert<T> (list: T[], item: T, key: (x: T) => string): T[] {
  const k = key(item)
  const i = list.findIndex((x) => key(x) === k)
  if (i < 0) return [...list, item]
  const out = [...list]
  out[i] = item
  return out
}

/** Stable order (by name, then id) so rows do not jump when a peer comes online. */
/** Paired ones first, then by name: an unpaired device seen once under the same name must not come first (user-test finding). */
function sortPeers (peers: PeerInfo[]): PeerInfo[] {
  return [...peers].sort((a, b) => Number(b.paired) - Number(a.paired) || a.name.localeCompare(b.name) || a.peerId.localeCompare(b.peerId))
}

function move (s: TuiState, delta: number): TuiState {
  switch (s.screen) {
    case 'peers': return { ...s, sel: { ...s.sel, peers: s.sel.peers + delta } }
    case 'offers': return { ...s, sel: { ...s.sel, offers: s.sel.offers + delta } }
    case 'transfers': return { ...s, sel: { ...s.sel, transfers: s.sel.transfers + delta } }
    case 'send': {
      const list = sendablePeers(s)
      if (list.length === 0) return s
      const i = Math.max(0, list.findIndex((p) => p.peerId === s.sendTo))
      const j = Math.min(list.length - 1, Math.max(0, i + delta))
      return { ...s, sendTo: list[j].peerId }
    }
    case 'pair': return s
  }
}

const clamp = (i: number, n: number): number => Math.max(0, Math.min(i, n - 1))

function clampSelection (s: TuiState): TuiState {
  const sel = {
    peers: clamp(s.sel.peers, s.peers.length),
    offers: clamp(s.sel.offers, s.offers.length),
    transfers: clamp(s.sel.transfers, s.active.length + s.history.length)
  }
  let sendTo = s.sendTo
  const sendable = sendablePeers(s)
  // the first one online, where a choice is made for the user: a device's old identity, offline for good under
  // its name, listed before its new one, was chosen, and Enter sent to it (review finding)
  if (sendTo == null || !sendable.some((p) => p.peerId === sendTo)) sendTo = (sendable.find((p) => p.online) ?? sendable[0])?.peerId
  if (sel.peers === s.sel.peers && sel.offers === s.sel.offers && sel.transfers === s.sel.transfers && sendTo === s.sendTo) return s
  return { ...s, sel, sendTo }
}

export const selectedPeer = (s: TuiState): PeerInfo | undefined => s.peers[s.sel.peers]
export const selectedOffer = (s: TuiState): OfferInfo | undefined => s.offers[s.sel.offers]
/** The transfer selected on Transfers: an active one, or one of History after them. */
export const selectedTransfer = (s: TuiState): TransferInfo | undefined =>
  s.sel.transfers < s.active.length ? s.active[s.sel.transfers] : s.history[s.sel.transfers - s.active.length]

/** The transfer shown whole on Transfers, while it is still listed. */
export const detailedTransfer = (s: TuiState): TransferInfo | undefined =>
  s.details === undefined ? undefined : s.active.find((t) => t.id === s.details) ?? s.history.find((t) => t.id === s.details)
