// `ferry status` and `ferry peers`: read-only views of the daemon.

import { join } from 'node:path'
import { connectControl } from '../../daemon/control/client.ts'
import { escapeForDisplay, sanitizeForDisplay } from '../../errors.ts'
import type { PeerInfo, StatusInfo } from '../../daemon/control/types.ts'
import { homeOf, parseOptionsOnly } from '../args.ts'
import { formatAgo, formatBytes } from '../../tui/format.ts'
import { counted, duration, printJson, table } from '../output.ts'

export const statusHelp = `Usage: ferry status [--json] [--home DIR]

Show this daemon's peer ID, name, listen addresses, version, uptime and memory.
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
    process.stdout.write(statusText(st))
    return 0
  } finally { client.close() }
}

/**
 * `ferry status`'s lines. The receive folder is the person's own choice, but
 * a name with a newline or an escape sequence in it is shown escaped, as
 * paths are elsewhere: printed raw it broke the line or took over the
 * terminal (user-test finding).
 */
export function statusText (st: StatusInfo): string {
  return `name:      ${st.name}\npeer ID:   ${st.peerId}\nkey:       ${st.fingerprint} (its fingerprint, as a paired device shows it)\nversion:   ${st.version}\nuptime:    ${duration(st.uptimeMs)}\npid:       ${st.pid}\n` +
    `mDNS:      ${st.mdns ? 'on' : 'off'}\nreceive:   ${escapeForDisplay(st.receiveDir)}${st.receiveProblem !== undefined ? ` (${sanitizeForDisplay(st.receiveProblem)})` : ''}\nmemory:    ${formatBytes(st.memory.rss)} resident (JS heap ${formatBytes(st.memory.heapUsed)}, buffers ${formatBytes(st.memory.arrayBuffers)})\n` +
    (st.keptParts != null && st.keptParts.folders > 0 ? `kept:      ${keptLine(st.keptParts, st.receiveDir)}\n` : '') +
    `listening: ${st.listenAddrs.join('\n           ')}\n`
}

const peersHelp = `Usage: ferry peers [--all] [--json] [--home DIR]

List ferry peers this daemon has seen: name, peer ID, online, paired, last seen.
A paired peer whose offers wait for your decision (\`ferry auto-accept PEER off\`)
shows as "yes, asks". An unpaired peer offline for over a day is left out
(--all lists it too), and forgotten after 30 days. With --json, an online peer
also has "encryption": its connection's protocol, "/ferry/noise-aesgcm/1.0.0"
(Noise with AES-GCM, used between two ferry daemons whose CPUs have AES
instructions) or "/noise".
`

export async function peers (argv: string[]): Promise<number> {
  const { values } = parseOptionsOnly(argv, { all: { type: 'boolean' } }, 'peers')
  if (values.help === true) { process.stdout.write(peersHelp); return 0 }
  const client = await connectControl(homeOf(values))
  try {
    const list = await client.call('peers', values.all === true ? { all: true } : {})
    if (values.json === true) { printJson(list); return 0 }
    if (list.length === 0) { process.stdout.write(values.all === true ? 'no peers seen yet\n' : 'no peers seen yet (`ferry peers --all` also lists unpaired ones not seen for a day)\n'); return 0 }
    const rows = [['NAME', 'PEER ID', 'STATE', 'PAIRED', 'LAST SEEN']]
    for (const p of list) {
      rows.push([sanitizeForDisplay(p.name) || '?', p.peerId, p.online ? 'online' : 'offline', p.paired ? (p.autoAccept === false ? 'yes, asks' : 'yes') : 'no', p.online ? 'now' : formatAgo(p.lastSeen, Date.now())])
    }
    process.stdout.write(table(rows) + oldSelvesNote(list))
    return 0
  } finally { client.close() }
}

/**
 * A paired peer offline while another of its name is online is most often the
 * same device set up anew (its home removed: a new identity), and the old one
 * stays paired for good unless unpaired: said under the table (user-test
 * finding: two of one name listed, nothing saying which was the one around).
 */
function oldSelvesNote (list: PeerInfo[]): string {
  const online = new Set(list.filter((p) => p.online).map((p) => p.name))
  return list.filter((p) => p.paired && !p.online && online.has(p.name)).map((p) => {
    const name = sanitizeForDisplay(p.name)
    return `${name} …${p.peerId.slice(-8)} is paired but offline while another ${name} is online: if it is that device before it was set up anew, \`ferry unpair …${p.peerId.slice(-8)}\` forgets it\n`
  }).join('')
}
