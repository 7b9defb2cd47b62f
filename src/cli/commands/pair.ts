// `ferry pair` (show a code and wait), `ferry pair <code>` (enter one), `ferry unpair <peer>`.
// The code can also come from $FERRY_CODE or standard input (`ferry pair -`),
// so it need not appear in the process list.

import { randomUUID } from 'node:crypto'
import { createInterface } from 'node:readline/promises'
import { connectControl, type ControlClient } from '../../daemon/control/client.ts'
import type { ControlMethods, PairingState } from '../../daemon/control/types.ts'
import { FerryError, sanitizeForDisplay, toFerryError } from '../../errors.ts'
import { MAX_CODE_TTL_SEC, MIN_CODE_TTL_SEC, parseCode, startsLikeCode } from '../../pairing/code.ts'
import { homeOf, parse } from '../args.ts'
import { onStopSignal, printJson, printJsonLine, UsageError } from '../output.ts'
import { keysReach, liveKeysReach, wantsLive } from '../progress.ts'

export const pairHelp = `Usage: ferry pair [--expires 5m] [--json]          show a code and wait for the other device
       ferry pair <code> [--peer ADDRESS] [--json]   enter the code shown on the other device
       ferry pair -                                  read the code from standard input
       FERRY_CODE=<code> ferry pair                  read the code from the environment

Pairing makes two devices trust each other for sending files. A code works once:
a wrong guess burns it and a new one must be shown.

Options:
  --expires DURATION   how long the shown code stays valid, 10 s to 1 h (e.g. 90s,
                       5m, 1h; a bare number is seconds; default 5m)
  --peer ADDRESS       pair with the daemon at this address (when mDNS cannot find it): IP
                       or host name, with :PORT if not 4774, or a multiaddr
  --json               print JSON, one object per line: when showing, the code
                       (at once), then the outcome; when entering, the outcome
                       ({"paired": true, "peer": {peerId, name, fingerprint}},
                       with "sameName": [{peerId, name, online}] listing the
                       other paired devices of that name, if any, and
                       "again": true when the two were paired already)
  --home DIR           state folder of the daemon to use
`

export function parseDuration (s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h)?$/.exec(s.trim())
  if (m == null) throw new UsageError(`cannot read duration "${s}"; use e.g. 90s, 5m or 1h`)
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1)
}

async function readStdin (): Promise<string> {
  // on a terminal: a prompt, and the line typed (user-test finding: no prompt, and Enter did nothing; only Ctrl-D ended it)
  if (process.stdin.isTTY === true) {
    const rl = createInterface({ input: process.stdin, output: process.stderr })
    try {
      return (await rl.question('code shown on the other device: ')).trim()
    } catch {
      // Ctrl-D at the prompt: said on a line of its own, not after the prompt (user-test finding: "Aborted with Ctrl+D" there)
      process.stderr.write('\n')
      throw new FerryError('E_CANCELLED', 'no code entered')
    } finally { rl.close() }
  }
  let data = ''
  for await (const chunk of process.stdin) data += chunk
  return data.trim()
}

export async function pair (argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { expires: { type: 'string' }, peer: { type: 'string' } })
  if (values.help === true) { process.stdout.write(pairHelp); return 0 }
  if (positionals.length > 1 && positionals.includes('-')) throw new UsageError('ferry pair takes at most one code')
  // a code typed as it is read out, `ferry pair 671 lilac clubhouse`, is one code: spaces separate its
  // parts as dashes do (parseCode), as in the TUI's field (user-test finding: "takes at most one code")
  // but a name before a code, `ferry pair alpha 522-fossil-nefarious` (as other tools pair with a device named),
  // is no part of it: said as such, not as a code that must start with a number (helper finding); the code not echoed
  if (positionals.length > 1 && !startsLikeCode(positionals[0]) && positionals.slice(1).some(startsLikeCode)) {
    throw new UsageError(`ferry pair takes the code alone (\`ferry pair NUMBER-WORD-WORD\`): "${sanitizeForDisplay(positionals[0])}" before it is not part of it, and no device needs naming: the one showing the code is found by its number`)
  }
  let code: string | undefined = positionals.length > 1 ? positionals.join(' ') : positionals[0]
  if (code === '-') code = await readStdin()
  // asked to enter a code and given none (`ferry pair -` with nothing on stdin): say so, rather than show a code and wait 5 minutes
  if (code != null && code.trim() === '') throw new UsageError(positionals[0] !== '-' ? 'the pairing code is empty' : process.stdin.isTTY === true ? 'no code entered' : 'no pairing code on standard input')
  // an empty FERRY_CODE counts as unset: show a code
  if (code == null && process.env.FERRY_CODE?.trim() !== '') code = process.env.FERRY_CODE
  const fromEnv = positionals.length === 0 && code != null
  // said before anything is asked of the daemon, and not ignored (user-test findings)
  if (code != null && values.expires != null) throw new UsageError(`--expires is for showing a code, and a code was given${positionals.length === 0 ? ' (in FERRY_CODE)' : ''}`)
  if (code == null && values.peer != null) throw new UsageError('--peer is for entering a code: the device showing it is dialled there')
  // loaded for --peer only: multiaddr and libp2p's peer IDs (its key types) are ~170 ms of a `ferry pair`, `unpair`
  // or `auto-accept` start, ~3x the rest of the command's modules (168 modules against 35 for `ferry send`)
  // as a multiaddr, however typed (host:port too)
  const peer = values.peer != null ? (await import('../addresses.ts')).checkPeerAddress(values.peer) : undefined
  // a code that cannot be one (E_BAD_CODE, its text never echoed) is said before the daemon is asked, as the daemon
  // would say it (user-test finding: "pairing…" came first, as if it were tried; with no daemon, E_DAEMON_NOT_RUNNING)
  // the outcome of entering a code, on stdout under --json, in one shape whatever failed: the code, the daemon or the
  // exchange (helper finding: `{"error":…}` for a code that cannot be one, `{"paired":false,"error":…}` otherwise)
  const failed = (err: unknown): never => {
    if (code != null && values.json === true) { const fe = toFerryError(err); printJsonLine({ paired: false, error: { code: fe.code, message: fe.message } }) }
    throw err
  }
  if (code != null) { try { parseCode(code) } catch (err) { failed(fromEnv ? saidFromEnv(err) : err) } }
  const expires = values.expires != null ? parseDuration(values.expires) : undefined
  if (expires != null && (expires < MIN_CODE_TTL_SEC || expires > MAX_CODE_TTL_SEC)) throw new UsageError(`--expires ${values.expires} is out of range: from ${MIN_CODE_TTL_SEC} s to ${MAX_CODE_TTL_SEC / 3600} h`)
  const client = await connectControl(homeOf(values)).catch(failed)
  try {
    if (code != null) return await enter(client, code, peer, values.json === true, fromEnv)
    return await show(client, expires, values.json === true)
  } finally { client.close() }
}

/**
 * Ends the message of any failure of a pairing whose code came from $FERRY_CODE: one left in the environment
 * makes `ferry pair`, run to show a code, enter that one instead, and its failure ("no ferry peer is online")
 * gave no clue why (user-test finding).
 */
export const FROM_ENV = ' (the code came from $FERRY_CODE; with it unset, `ferry pair` shows a code)'

function saidFromEnv (err: unknown): FerryError {
  const fe = toFerryError(err)
  return new FerryError(fe.code, fe.message + FROM_ENV, { cause: err, remote: fe.remote })
}

async function enter (client: ControlClient, code: string, peer: string | undefined, json: boolean, fromEnv: boolean): Promise<number> {
  // on a terminal: a live Ink view (src/tui/components/PairPrompt.ts); else plain lines
  const live = wantsLive(json) ? (await import('../../tui/live.ts')).openPairView('enter', undefined, liveKeysReach()) : undefined
  // Ctrl-C, `kill`, `timeout` or a closed terminal: the connection goes, and with it the daemon gives the pairing
  // up where it still can (handlers.ts whileAsked); said as such, also to a script on stdout (helper finding: killed
  // outright, exit 130, no outcome under --json). Whether it had already paired, only the peers list can tell.
  // Listened for before anything is printed, as by the side showing the code (show, below)
  let stoppedBy: NodeJS.Signals | undefined
  const removeStop = onStopSignal((sig) => { stoppedBy = sig; client.close() })
  if (!json && live == null) process.stderr.write('pairing…\n')
  let st: PairingState
  try {
    st = await client.call('pair.enter', { code, peer })
  } catch (caught) {
    let err = stoppedBy == null ? caught : new FerryError('E_CANCELLED', `stopped here (${stoppedBy === 'SIGINT' ? 'Ctrl-C' : stoppedBy}) while pairing; given up where it still could be: \`ferry peers\` shows whether the other device was paired`)
    if (fromEnv) err = saidFromEnv(err)
    await live?.fail(err)
    // a script reads the outcome on stdout either way (user-test finding: nothing there on a failure)
    if (json) { const fe = toFerryError(err); printJsonLine({ paired: false, error: { code: fe.code, message: fe.message } }) }
    throw err
  } finally { removeStop() }
  if (live != null) {
    await live.done(st, await ownFingerprint(client))
    process.stdout.write(await sameNameText(client, st))
  } else await report(client, st, json)
  return 0
}

const FINAL_PHASES = ['paired', 'failed', 'expired', 'cancelled']

async function show (client: ControlClient, expiresSec: number | undefined, json: boolean): Promise<number> {
  // on a terminal: a live Ink view (src/tui/components/PairPrompt.ts); else plain lines
  const live = wantsLive(json) ? (await import('../../tui/live.ts')).openPairView('show', undefined, liveKeysReach()) : undefined
  let id = ''
  const early: PairingState[] = []
  let settle: ((s: PairingState) => void) | undefined
  const seen = (s: PairingState): void => {
    if (s.id !== id) return
    live?.update(s)
    if (FINAL_PHASES.includes(s.phase)) settle?.(s)
  }
  await client.subscribe((event, data) => {
    if (event !== 'pairing') return
    const s = data as PairingState
    if (s.role !== 'show') return
    if (id === '') { early.push(s); return }
    seen(s)
  })
  let st: PairingState
  try {
    // marked, as the TUI marks its own: a TUI on the same daemon tells this code from its own by the mark at once,
    // also while its own request for a code is unanswered (its state.ts anotherClients)
    st = await client.call('pair.show', { expiresSec, tag: randomUUID() })
  } catch (err) { await live?.fail(err); throw err }
  id = st.id
  const done = new Promise<PairingState>((resolve) => { settle = resolve })
  // Ctrl-C, `kill`, `timeout` or a closed terminal: the code goes with the command (user-test finding: it kept working after SIGTERM)
  // (the same one passed on again by the bin/ferry.js wrapper taken as one: helper finding, exit 130 and no outcome).
  // Listened for before the code is shown: a signal as soon as it shows, taken between the print and these listeners,
  // killed the command (exit 130, no outcome; seen in CI on a loaded box, pairing.test.ts's double-signal test)
  const removeStop = onStopSignal(() => { void client.call('pair.cancel', { id }).catch(() => {}) })
  live?.update(st)
  for (const s of early) seen(s)
  const expires = new Date(st.expiresAt ?? 0)
  if (json) {
    printJsonLine({ code: st.code, expiresAt: st.expiresAt })
  } else if (live == null) {
    // the key to press only where someone can press it (user-test finding: "(Ctrl-C to cancel)" in cron mail)
    process.stdout.write(`\n    ${st.code}\n\nType this code on the other device:  ferry pair ${st.code}\n` +
      `It works once and expires at ${expires.toLocaleTimeString()}. Waiting…${keysReach() ? ' (Ctrl-C to cancel)' : ''}\n`)
  }
  client.onClose(() => settle?.({ id, role: 'show', phase: 'failed', error: { code: 'E_DAEMON_NOT_RUNNING', message: 'the daemon stopped' } }))
  const final = await done
  removeStop()
  if (live != null) await live.done(final, final.phase === 'paired' ? await ownFingerprint(client) : undefined)
  if (live != null && final.phase === 'paired') process.stdout.write(await sameNameText(client, final))
  if (final.phase === 'paired') { if (live == null) await report(client, final, json); return 0 }
  // the outcome after the code, as the help says, also when it is not a pairing (user-test finding: nothing on stdout)
  if (json) printJsonLine({ paired: false, phase: final.phase, error: final.error ?? { code: 'E_CANCELLED', message: 'pairing cancelled' } })
  if (final.phase === 'cancelled') throw new FerryError('E_CANCELLED', final.error?.message ?? 'pairing cancelled')
  throw new FerryError(final.error?.code ?? 'E_PAIRING_FAILED', final.error?.message ?? `pairing ${final.phase}`)
}

/** This device's own fingerprint, as its daemon says it (the same function of its peer ID), or '?' when the daemon cannot be asked. */
async function ownFingerprint (client: ControlClient): Promise<string> {
  return await client.call('status').then((s) => s.fingerprint).catch(() => '?')
}

// Each side shows the peer's fingerprint AND its own: the other device shows
// the same two, the other way round. (A single "check the other device shows
// the same" fingerprint can never match: each side prints the other's.)
async function report (client: ControlClient, st: PairingState, json: boolean): Promise<void> {
  // the other paired devices of its name, as the lines below say them to a person (notes' leftover: no field for it)
  if (json) { const twins = await sameNamePaired(client, st); printJsonLine({ paired: true, ...(st.again === true ? { again: true } : {}), peer: st.peer, ...(twins.length > 0 ? { sameName: twins } : {}) }); return }
  const p = st.peer
  const name = sanitizeForDisplay(p?.name ?? '?')
  const mine = await ownFingerprint(client)
  process.stdout.write(`${pairedWith(st)} ${name} (${p?.peerId ?? '?'})\n` +
    `fingerprint of ${name}: ${p?.fingerprint ?? '?'}\nfingerprint of this device: ${mine}\n` +
    `check that the other device shows the same two, the other way round; if not, run \`ferry unpair ${p?.peerId ?? '<peer>'}\`\n`)
  process.stdout.write(await sameNameText(client, st))
}

/**
 * "paired with", or "paired again with" where this device had the other paired already (its trust renewed, its
 * auto-accept setting kept; notes' leftover: said as a new pairing)
 */
function pairedWith (st: PairingState): string {
  return st.again === true ? 'paired again with' : 'paired with'
}

/**
 * Lines saying that another paired device has the name of the one `st` just paired, and how to tell them apart
 * ('' when none does). Two devices may share a name for good (two laptops both "laptop"), or a device set up
 * anew (its home removed) comes back with a new identity under its old name while the old one stays paired,
 * offline: either way `ferry send NAME` is then E_PEER_AMBIGUOUS, so it is said here, where it happens, after
 * the live view too (user-test findings: two paired "C" and no word why; then, at a terminal, nothing said at
 * pairing, and only a later send's E_PEER_AMBIGUOUS told of the two "beta").
 */
async function sameNameText (client: ControlClient, st: PairingState): Promise<string> {
  const p = st.peer
  if (p == null) return ''
  const name = sanitizeForDisplay(p.name)
  const twins = await sameNamePaired(client, st)
  // no `ferry send NAME` spelled out: a name such as "Bob's laptop" would need quoting for a shell
  return twins.map((o) => `another paired device is also named ${name} (…${o.peerId.slice(-8)}, ${o.online ? 'online' : 'offline'}); a send to that name will ask which: ` +
    `name each by the end of its peer ID (…${p.peerId.slice(-8)} is the one just paired), or give one another name (\`ferry daemon --name\` there); ` +
    `if …${o.peerId.slice(-8)} is ${name} before it was set up anew, \`ferry unpair …${o.peerId.slice(-8)}\` forgets it\n`).join('')
}

/**
 * The other paired devices named as the one `st` just paired, as `--json` gives them (`sameName`, left out where
 * there are none): what sameNameText says of each, for a script (notes' leftover: said only as text)
 */
async function sameNamePaired (client: ControlClient, st: PairingState): Promise<Array<{ peerId: string, name: string, online: boolean }>> {
  const p = st.peer
  if (p == null) return []
  return (await client.call('peers').catch(() => [])).filter((o) => o.paired && o.name === p.name && o.peerId !== p.peerId)
    .map((o) => ({ peerId: o.peerId, name: o.name, online: o.online }))
}

export const unpairHelp = `Usage: ferry unpair <peer> [--json] [--home DIR]

Remove trust in a paired peer (name, peer ID or unique prefix). The other
device is told and removes its trust in this one too; one that is away or
does not take it now is told when it is next online (also after restarts),
and lists this device as paired until then.
`

export async function unpair (argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {})
  if (values.help === true) { process.stdout.write(unpairHelp); return 0 }
  if (positionals.length !== 1 || positionals[0].trim() === '') throw new UsageError('ferry unpair takes one peer (name, peer ID or prefix)')
  const client = await connectControl(homeOf(values))
  try {
    const r = await client.call('unpair', { peer: positionals[0] })
    if (values.json === true) printJson(r)
    else process.stdout.write(unpairedLine(r, positionals[0]))
    return 0
  } finally { client.close() }
}

/**
 * What `ferry unpair` prints of `r`, the daemon's answer (`typed`: the peer as given). A device reached whose
 * answer could not be read is said to have been reached (review finding: it read "could not be reached"); one
 * that answered it did not take the unpairing, with what it answered.
 */
export function unpairedLine (r: ControlMethods['unpair']['result'], typed: string): string {
  const told = r.notified
    ? 'the other device was told'
    : r.untold === 'refused'
      // what it answered, not "its answer could not be read" (notes' leftover); its words cut as a wire error's are
      ? `the other device was reached, but did not take it (${refusalWords(r.refusal)}): it is told again later, and lists this device as paired until then`
      : r.untold === 'unreadable'
        ? 'the other device was reached, but its answer could not be read: it is told again later, and lists this device as paired until then'
        : 'the other device could not be reached: it is told when it can be, and lists this device as paired until then'
  // named as it was paired, not as typed (a prefix, an ID's end; user-test finding)
  return `unpaired ${sanitizeForDisplay(r.name ?? typed)} (…${r.peerId.slice(-8)}) (${told})\n`
}

/** What the other device answered to an unpairing it did not take: its code and words, made safe to print. */
function refusalWords (refusal: { code: string, message: string } | undefined): string {
  if (refusal == null) return 'it gave no reason'
  return `${sanitizeForDisplay(refusal.code).slice(0, 64)}: ${sanitizeForDisplay(refusal.message.slice(0, 512))}`
}

export const autoAcceptHelp = `Usage: ferry auto-accept <peer> on|off [--json] [--home DIR]

Whether offers from a paired peer are accepted automatically (on, the
default after pairing) or wait in \`ferry offers\` for accept/decline (off).
`

export async function autoAccept (argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {})
  if (values.help === true) { process.stdout.write(autoAcceptHelp); return 0 }
  // a second word that is neither is named (user-test finding: `ferry auto-accept alpha maybe` did not say "maybe" was wrong)
  if (positionals.length === 2 && positionals[0].trim() !== '' && !['on', 'off'].includes(positionals[1])) throw new UsageError(`"${sanitizeForDisplay(positionals[1])}" is not on or off: ferry auto-accept takes a peer and on or off`)
  if (positionals.length !== 2 || positionals[0].trim() === '') throw new UsageError('ferry auto-accept takes a peer and on or off')
  const client = await connectControl(homeOf(values))
  try {
    const r = await client.call('peer.autoAccept', { peer: positionals[0], autoAccept: positionals[1] === 'on' })
    // on takes the offers that come next; those held already still wait: said, or they wait unseen (user-test finding),
    // in --json too, as `stillWaiting` (helper finding: the text said them, the JSON not)
    const held = r.autoAccept ? (await client.call('offers')).filter((o) => o.peerId === r.peerId).length : 0
    if (values.json === true) printJson({ ...r, ...(r.autoAccept ? { stillWaiting: held } : {}) })
    // the peer's own name, not what was typed (user-test finding: `ferry auto-accept …z5YTWP8Z off` said "offers from …z5YTWP8Z (…z5YTWP8Z)")
    else {
      process.stdout.write(`offers from ${sanitizeForDisplay(r.name) || '?'} (…${r.peerId.slice(-8)}) are ${r.autoAccept ? 'accepted automatically' : 'held for accept/decline'}\n`)
      if (held > 0) process.stdout.write(`${held === 1 ? '1 offer from it that came before still waits' : `${held} offers from it that came before still wait`} for your decision: \`ferry offers\`\n`)
    }
    return 0
  } finally { client.close() }
}
