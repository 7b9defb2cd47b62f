// `ferry status` and `ferry peers`: read-only views of the daemon.

import { join } from 'node:path'
import { connectControl, type ControlClient } from '../../daemon/control/client.ts'
import { escapeForDisplay, sanitizeForDisplay } from '../../errors.ts'
import { heldThereWords, isFinalState, waitingWords, type PeerInfo, type StatusInfo, type TransferInfo } from '../../daemon/control/types.ts'
import { homeOf, parse, parseOptionsOnly } from '../args.ts'
import { formatAgo, formatBytes } from '../../tui/format.ts'
import { peerOtherVersionText } from '../../protocol/versions.ts'
import { counted, duration, printJson, table, UsageError } from '../output.ts'

export const statusHelp = `Usage: ferry status [--json] [--home DIR]

Show this daemon's peer ID, name, listen addresses, version, uptime, home
(state folder) and memory, and what its transfers are doing: how many receive
and send, how many wait and for what (a receive waiting for room on a full
disk says why), and how many offers wait for your decision. --json prints the
daemon's status alone (\`ferry transfers --json\` and \`ferry offers --json\`
list the rest).
`

/** Where kept part data is: the receive folder's `.ferry-part`, or those of several (earlier runs had another --receive-dir). */
function keptWhere (dirs: string[]): string {
  return dirs.length === 1 ? escapeForDisplay(join(dirs[0], '.ferry-part')) : `the .ferry-part of ${dirs.length} receive folders (${dirs.map(escapeForDisplay).join(', ')})`
}

/** What ended receives left for a re-send, and what was fetched ahead for offers that have not come (a re-send is a new offer: not for it). */
function keptLine (kept: NonNullable<StatusInfo['keptParts']>, receiveDir: string): string {
  const ahead = kept.ahead ?? 0
  const ended = kept.folders - ahead
  const where = keptWhere(kept.dirs ?? [receiveDir])
  const what = ahead === 0
    ? `of ${counted(ended, 'ended receive')} in ${where}, for a re-send`
    : ended === 0
      ? `fetched ahead for ${counted(ahead, 'offer')} that ${ahead === 1 ? 'has' : 'have'} not come, in ${where}`
      : `of ${counted(ended, 'ended receive')} (for a re-send) and fetched ahead for ${counted(ahead, 'offer')} that ${ahead === 1 ? 'has' : 'have'} not come, in ${where}`
  return `${formatBytes(kept.bytes)} ${what}; removed after a day`
}

export async function status (argv: string[]): Promise<number> {
  const { values } = parseOptionsOnly(argv, {}, 'status')
  if (values.help === true) { process.stdout.write(statusHelp); return 0 }
  const client = await connectControl(homeOf(values))
  try {
    const st = await client.call('status')
    if (values.json === true) { printJson(st); return 0 }
    // a daemon that cannot list them now: the rest of the status still shows
    const [list, offers] = await Promise.all([client.call('transfers'), client.call('offers')]).catch(() => [undefined, undefined])
    process.stdout.write(statusText(st, list != null ? { list, offers: offers?.length ?? 0 } : undefined))
    return 0
  } finally { client.close() }
}

/**
 * `ferry status`'s lines, the home (state folder) among them: which one a
 * daemon runs on was in --json alone (user-test finding). The home and the
 * receive folder are the person's own choice, but a name with a newline or
 * an escape sequence in it is shown escaped, as paths are elsewhere: printed
 * raw it broke the line or took over the terminal (user-test finding).
 */
export function statusText (st: StatusInfo, transfers?: { list: TransferInfo[], offers: number }): string {
  return `name:      ${st.name}\npeer ID:   ${st.peerId}\nkey:       ${st.fingerprint} (its fingerprint, as a paired device shows it)\nversion:   ${st.version}\nuptime:    ${duration(st.uptimeMs)}\npid:       ${st.pid}\nhome:      ${escapeForDisplay(st.home)}\n` +
    `mDNS:      ${st.mdns ? 'on' : 'off'}\nreceive:   ${escapeForDisplay(st.receiveDir)}${st.receiveProblem !== undefined ? ` (${sanitizeForDisplay(st.receiveProblem)})` : ''}\nmemory:    ${formatBytes(st.memory.rss)} resident (JS heap ${formatBytes(st.memory.heapUsed)}, buffers ${formatBytes(st.memory.arrayBuffers)})\n` +
    (st.keptParts != null && st.keptParts.folders > 0 ? `kept:      ${keptLine(st.keptParts, st.receiveDir)}\n` : '') +
    (transfers != null ? transfersLines(transfers.list, transfers.offers) : '') +
    `listening: ${st.listenAddrs.map((a) => st.listenGone?.includes(a) === true ? `${a} (not an address of this machine now: nothing reaches the daemon there; restart it with --listen on one it has, or /ip4/0.0.0.0/tcp/PORT)` : a).join('\n           ')}\n`
}

/** What one transfer under way is doing, in the words `ferry status` counts it by. */
function doing (t: TransferInfo): string {
  if (t.state === 'fetching') return t.direction === 'receive' ? 'receiving' : 'sending'
  if (t.state === 'waiting') return t.direction === 'send' && t.error?.code === 'E_NO_SPACE' ? 'waiting for room on the receiver' : waitingWords(t)
  if (t.state === 'offered') return t.awaitingDecision === true ? heldThereWords(t) : 'offered' // as `ferry transfers` and `ferry send` say it ("offered, awaiting a decision there" here alone was a user-test finding)
  return t.state === 'accepted' ? 'starting' : t.state
}

/**
 * `ferry status`'s transfers: those under way counted by what they do, the
 * offers that wait for a decision here, and why a receive waits for room:
 * a disk filled up under a receive is the one wait that asks something of
 * the person at this device (notes' leftover: `ferry status` said nothing
 * of it, and only `ferry transfers` showed it).
 */
export function transfersLines (list: TransferInfo[], offers: number): string {
  const counts = new Map<string, number>()
  for (const t of list) {
    if (isFinalState(t.state)) continue
    const what = doing(t)
    counts.set(what, (counts.get(what) ?? 0) + 1)
  }
  const parts = [...counts].map(([what, n]) => `${n} ${what}`)
  if (offers > 0) parts.push(`${counted(offers, 'offer')} waiting for your decision (\`ferry offers\`)`)
  const roomless = list.find((t) => t.direction === 'receive' && t.state === 'waiting' && t.error?.code === 'E_NO_SPACE')
  const why = roomless?.error != null ? `           ${sanitizeForDisplay(`${roomless.label ?? roomless.id.slice(0, 8)}: ${roomless.error.code}: ${roomless.error.message}`)}\n` : ''
  return `transfers: ${parts.length > 0 ? parts.join(', ') : 'none under way'}\n${why}`
}

const peersHelp = `Usage: ferry peers [--all] [--json] [--home DIR]

List ferry peers this daemon has seen: name, peer ID, online, paired, last seen.
A paired peer whose offers wait for your decision (\`ferry auto-accept PEER off\`)
shows as "yes, asks". An unpaired peer offline for over a day is left out
(--all lists it too), and forgotten after 30 days. With --json, an online peer
also has "encryption": its connection's protocol, "/ferry/noise-aesgcm/1.0.0"
(Noise with AES-GCM, used between two ferry daemons whose CPUs have AES
instructions) or "/noise". A device connected that runs another version of
ferry, whose protocols this one does not speak, shows as "other version",
with the versions that tell under the table ("otherVersion": {"theirs":
["/ferry/hello/2.0.0"], "ours": "/ferry/hello/1.0.0"} with --json): pairing
with it and sending to it fail with E_PEER_VERSION until both run one version.
`

export async function peers (argv: string[]): Promise<number> {
  const { values } = parseOptionsOnly(argv, { all: { type: 'boolean' } }, 'peers')
  if (values.help === true) { process.stdout.write(peersHelp); return 0 }
  const client = await connectControl(homeOf(values))
  try {
    const list = await client.call('peers', values.all === true ? { all: true } : {})
    if (values.json === true) { printJson(list); return 0 }
    if (list.length === 0) { process.stdout.write(await nonePeersText(client, values.all === true)); return 0 }
    const rows = [['NAME', 'PEER ID', 'STATE', 'PAIRED', 'LAST SEEN']]
    for (const p of list) {
      // connected, but of another version of ferry: said as such, and why under the table (otherVersionNote)
      const here = p.online || p.otherVersion != null
      rows.push([sanitizeForDisplay(p.name) || '?', p.peerId, p.otherVersion != null ? 'other version' : p.online ? 'online' : 'offline', p.paired ? (p.autoAccept === false ? 'yes, asks' : 'yes') : 'no', here ? 'now' : formatAgo(p.lastSeen, Date.now())])
    }
    process.stdout.write(table(rows) + oldSelvesNote(list) + otherVersionNote(list))
    return 0
  } finally { client.close() }
}

const connectHelp = `Usage: ferry connect <address> [--json] [--home DIR]

Reach the ferry daemon at <address> now: for a device this one does not
find by itself (mDNS does not cross to another subnet or a VPN, or it is
off here). <address> is an IP address or host name, with :PORT when not
4774 (192.168.2.10, nas.local:4775, [fd00::2]:4774), or a multiaddr
(/ip4/192.168.2.10/tcp/4774), as \`ferry status\` there shows it. Prints
the device's name and peer ID, and whether it is paired. The address is
kept with the device (a host name as the IP address it had): once it is
paired, it is dialled there again whenever it goes away, also after either
daemon restarts, whatever addresses it announces, until \`ferry unpair\`;
another address given for it replaces this one. To dial an address at
every start, paired or not, \`ferry daemon --peer ADDRESS\` (the same forms).
`

export async function connect (argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {})
  if (values.help === true) { process.stdout.write(connectHelp); return 0 }
  if (positionals.length !== 1 || positionals[0].trim() === '') throw new UsageError('ferry connect takes one address (192.168.2.10, nas.local:4775, or a multiaddr)')
  const client = await connectControl(homeOf(values))
  try {
    const p = await client.call('connect', { address: positionals[0] })
    if (values.json === true) { printJson(p); return 0 }
    const name = sanitizeForDisplay(p.name) || '(no name)'
    process.stdout.write(`connected to ${name} (…${p.peerId.slice(-8)}): ${p.paired ? 'paired' : 'not paired: `ferry pair` shows a code here to type there, or type the one it shows with `ferry pair CODE`'}\n`)
    return 0
  } finally { client.close() }
}

/**
 * `ferry peers` with none to list: whether `--all` would list more, and on a
 * daemon with mDNS off, that none will be found by themselves and how to give
 * an address (user-test finding: a daemon started with --no-mdns was told
 * only that `--all` lists more, which it did not). A daemon that cannot
 * answer these leaves them out.
 */
async function nonePeersText (client: ControlClient, all: boolean): Promise<string> {
  const [st, hidden] = await Promise.all([
    client.call('status').catch(() => undefined),
    all ? Promise.resolve(0) : client.call('peers', { all: true }).then((l) => l.length, () => 0)
  ])
  const allHint = hidden > 0 ? ` (\`ferry peers --all\` also lists ${counted(hidden, 'unpaired one')} not seen for a day)` : ''
  const mdnsOff = st?.mdns === false ? '; mDNS is off here (--no-mdns), so only addresses given are dialled: `ferry connect ADDRESS` reaches the device at ADDRESS now (its IP address, with :PORT if not 4774), `ferry pair CODE --peer ADDRESS` pairs with it, `ferry daemon --peer ADDRESS` dials it at every start' : ''
  return `no peers seen yet${allHint}${mdnsOff}\n`
}

/**
 * A paired peer offline while another of its name is online is most often the
 * same device set up anew (its home removed: a new identity), and the old one
 * stays paired for good unless unpaired: said under the table (user-test
 * finding: two of one name listed, nothing saying which was the one around).
 */
function oldSelvesNote (list: PeerInfo[]): string {
  const online = new Set(list.filter((p) => p.online).map((p) => p.name))
  return list.filter((p) => p.paired && !p.online && p.otherVersion == null && online.has(p.name)).map((p) => {
    const name = sanitizeForDisplay(p.name)
    return `${name} …${p.peerId.slice(-8)} is paired but offline while another ${name} is online: if it is that device before it was set up anew, \`ferry unpair …${p.peerId.slice(-8)}\` forgets it\n`
  }).join('')
}

/**
 * The peers of another version of ferry, each said under the table with the
 * versions of it that tell: a device updated on one side only was listed as
 * offline (a paired one), or not at all (notes' leftover).
 */
function otherVersionNote (list: PeerInfo[]): string {
  return list.filter((p) => p.otherVersion != null).map((p) => `${peerOtherVersionText(p, p.otherVersion!)}\n`).join('')
}
