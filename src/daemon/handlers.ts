// Control API method handlers: thin adapters from JSON requests to the
// daemon's services. Validation of params happens here, once.

import type { Socket } from 'node:net'
import { isAbsolute } from 'node:path'
import { FerryError } from '../errors.ts'
import type { Handlers } from './control/server.ts'
import { MAX_TRANSFERS_LISTED } from './control/types.ts'
import type { Daemon } from './daemon.ts'

export function requireString (params: unknown, key: string): string {
  const v = (params as Record<string, unknown>)?.[key]
  if (typeof v !== 'string' || v === '') throw new FerryError('E_BAD_REQUEST', `parameter "${key}" must be a non-empty string`)
  return v
}

/**
 * E_NOT_PAIRED for a peer the person named: by its name and the end of its
 * ID, as `ferry send` and `ferry peers` show it (user-test finding:
 * `ferry unpair beta` said its whole 52-character peer ID, and nothing of
 * what to do).
 */
function notPaired (peer: { peerId: string, name?: string }, then: string): FerryError {
  const who = peer.name != null && peer.name !== '' ? `${peer.name} (…${peer.peerId.slice(-8)})` : peer.peerId
  return new FerryError('E_NOT_PAIRED', `${who} is not paired${then}`)
}

/** pair.show's and pair.enter's `tag`, the asker's mark for its pairing (none where it gave none) */
function pairTag (p: Record<string, unknown>): string | undefined {
  if (p.tag !== undefined && (typeof p.tag !== 'string' || p.tag === '' || p.tag.length > 128)) throw new FerryError('E_BAD_REQUEST', 'parameter "tag" must be a string of 1 to 128 characters')
  return p.tag as string | undefined
}

export function buildHandlers (d: Daemon): Handlers {
  /** the code each control connection showed last, cancelled when that connection closes */
  const showing = new WeakMap<object, string>()
  return {
    status: async () => {
      const receiveProblem = await d.receiveFolderProblem()
      return { ...d.status(), keptParts: await keptPartsSoon(d), ...(receiveProblem !== undefined ? { receiveProblem } : {}) }
    },
    peers: (p) => d.peerList({ all: p.all === true }),
    connect: async (p) => await d.connect(requireString(p, 'address')),
    'pair.show': (p, { socket }) => {
      // gone while the daemon started (requests wait for it): no code for nobody (review finding)
      if (socket.destroyed || socket.readableEnded) throw new FerryError('E_CANCELLED', 'the asker went away before the code was made')
      // the asker's mark, given back on the code's states: a TUI tells the code it shows from another client's by it
      const shown = d.pairing.show(p.expiresSec ?? undefined, pairTag(p))
      // a code lives as long as what shows it: a `ferry pair` killed (SIGKILL, a
      // closed terminal) or a TUI quit leaves no code that still pairs whoever
      // types it, with nobody there to see it (user-test finding)
      // one watch per connection: its first code sets it up
      if (!showing.has(socket)) socket.once('close', () => { const id = showing.get(socket); if (id != null) d.pairing.cancel(id, 'what showed the code (ferry pair, the TUI) went away') })
      showing.set(socket, shown.id)
      return shown
    },
    'pair.enter': async (p, { socket }) => {
      // the asker's mark, given back on the pairing's states: a TUI tells its own pairing from another client's by it
      const tag = pairTag(p)
      // Ctrl-C on `ferry pair CODE` (or the TUI quit) while the exchange waits on the other device: the pairing
      // is given up, not finished by the daemon alone (user-test finding: the two devices paired after the
      // person had pressed Ctrl-C)
      return await whileAsked(socket, 'the `ferry pair` that typed the code stopped (Ctrl-C) before the pairing was done',
        async (signal) => await d.pairing.enter(requireString(p, 'code'), typeof p.peer === 'string' && p.peer !== '' ? p.peer : undefined, signal, tag))
    },
    'pair.cancel': (p) => ({ cancelled: d.pairing.cancel(typeof p.id === 'string' ? p.id : undefined) }),
    unpair: async (p) => {
      const peer = d.resolvePeer(requireString(p, 'peer'), { paired: true })
      if (!d.trust.isPaired(peer.peerId)) throw notPaired(peer, ': nothing to unpair')
      return await d.pairing.unpair(peer.peerId)
    },
    send: async (p, { socket }) => {
      if (!Array.isArray(p.paths) || p.paths.some((x) => typeof x !== 'string' || x === '')) throw new FerryError('E_BAD_REQUEST', 'parameter "paths" must be a list of paths')
      // resolved against the daemon's own working folder, a relative path would name another file than the client meant
      const relative = p.paths.find((x: string) => !isAbsolute(x))
      if (relative !== undefined) throw new FerryError('E_BAD_REQUEST', `parameter "paths" must hold absolute paths (the client resolves them): ${JSON.stringify(relative).slice(0, 200)}`)
      // a `ferry send` stopped (Ctrl-C) or gone while its paths are scanned, before it
      // learned the transfer's id to cancel it: nothing is sent
      // an unpaired one said as unpair and auto-accept say it, with the end of its ID (user-test finding: "gamma is not
      // paired" alone, while `ferry peers` listed another gamma, paired); the transfer service checks it again as it starts
      const peer = d.resolvePeer(requireString(p, 'peer'), { paired: true })
      if (!d.trust.isPaired(peer.peerId)) throw notPaired(peer, '; pair first with `ferry pair`')
      return await whileAsked(socket, 'the `ferry send` that asked for it stopped before anything was offered',
        async (signal) => await d.transfers.send(peer.peerId, p.paths, signal))
    },
    transfers: (p) => {
      if (p.id !== undefined) {
        const t = d.transfers.info(d.transfers.resolveId(requireString(p, 'id')))
        return t === undefined ? [] : [t]
      }
      if (p.limit !== undefined && (!Number.isInteger(p.limit) || p.limit < 1 || p.limit > MAX_TRANSFERS_LISTED)) throw new FerryError('E_BAD_REQUEST', `parameter "limit" must be a whole number from 1 to ${MAX_TRANSFERS_LISTED}`)
      return d.transfers.list(p.limit)
    },
    offers: async () => await d.transfers.offers(),
    accept: async (p) => await d.transfers.accept(d.transfers.resolveId(requireString(p, 'id'), { offers: true })),
    decline: async (p) => { const id = d.transfers.resolveId(requireString(p, 'id'), { offers: true }); await d.transfers.decline(id); return { declined: true as const, id } },
    cancel: async (p) => await d.transfers.cancel(d.transfers.resolveId(requireString(p, 'id'))),
    'peer.autoAccept': (p) => {
      // anything but true was taken as off (review finding: "on" switched it off)
      if (typeof p.autoAccept !== 'boolean') throw new FerryError('E_BAD_REQUEST', 'parameter "autoAccept" must be true or false')
      const peer = d.resolvePeer(requireString(p, 'peer'), { paired: true })
      const peerId = peer.peerId
      if (!d.trust.setAutoAccept(peerId, p.autoAccept === true)) throw notPaired(peer, '; pair first with `ferry pair`')
      // a TUI open meanwhile shows it on Peers ("✓ asks"), as `ferry peers` does ("yes, asks"); peerList has every paired peer
      const info = d.peerList().find((x) => x.peerId === peerId)
      if (info != null) d.emit('peer', info)
      return { peerId, name: info?.name ?? '', autoAccept: p.autoAccept === true }
    }
  }
}

/**
 * Run `work` with a signal that is aborted (E_CANCELLED, `why`) once the
 * client that asked for it goes away. Its going shows first as the socket's
 * 'end' (read at the latest on the work's next turn of the event loop), its
 * 'close' a turn or two later: no answer reaches it after either.
 */
async function whileAsked<T> (socket: Socket, why: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const gone = new AbortController()
  const onGone = (): void => { gone.abort(new FerryError('E_CANCELLED', why)) }
  socket.once('end', onGone)
  socket.once('close', onGone)
  if (socket.destroyed || socket.readableEnded) onGone()
  try {
    return await work(gone.signal)
  } finally { socket.off('end', onGone); socket.off('close', onGone) }
}

/**
 * What ended receives left for a re-send (and prefetches for offers that
 * have not come), if the receive folder answers
 * within 2 s: on a network mount that hangs, `ferry status` (and the TUI,
 * and `ferry pair`, which ask for it) must not hang with it (review finding).
 */
async function keptPartsSoon (d: Daemon): Promise<{ folders: number, bytes: number, ahead: number, dirs: string[] } | undefined> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<undefined>((resolve) => { timer = setTimeout(() => { resolve(undefined) }, 2000) })
  try {
    return await Promise.race([d.transfers.keptParts().catch(() => undefined), late])
  } finally { clearTimeout(timer) }
}
