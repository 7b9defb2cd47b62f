// `ferry send`, `offers`, `accept`, `decline`, `transfers`, `cancel`.

import { homedir } from 'node:os'
import { basename, dirname, resolve } from 'node:path'
import { isUtf8 } from 'node:buffer'
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { connectControl } from '../../daemon/control/client.ts'
import { expandTilde } from '../../daemon/config.ts'
import { danglingLinkOnTheWay } from '../../daemon/make-folder.ts'
import { isFinalState, isMovingState, MAX_TRANSFERS_LISTED, offeredWords, TRANSFERS_LISTED, waitingWords, type OfferInfo, type TransferInfo } from '../../daemon/control/types.ts'
import { FerryError, escapeForDisplay, quoteForShell, sanitizeForDisplay, toFerryError } from '../../errors.ts'
import { homeOf, parse, parseOptionsOnly } from '../args.ts'
import { counted, fitRows, onStopSignal, printJson, STOP_SIGNALS, table, UsageError } from '../output.ts'
import { liveKeysReach, wantsLive } from '../progress.ts'
import { TransferShown } from '../transfer-shown.ts'
import { overTheNetwork } from '../../tui/over-the-network.ts'
import { waitedWords } from '../../tui/waited-words.ts'
import { LeftOut } from '../left-out.ts'
import { asTyped, GOES_UP, NAMES_FOLDER, nonFolderBeforeUp } from '../../transfer/typed-path.ts'
import { endedByWords, endedMessage, keptWords, leftWords, formatAgo, formatBytes, formatDone, formatLiveRate, formatTook, refusedLine, sharedNames, truncate } from '../../tui/format.ts'
import { renamedLines } from '../../tui/renamed-lines.ts'

/**
 * What a done transfer's summary says arrived: its files, or a tree of
 * empty folders as its folders ("3 folders (no files)": "sent 0 files" said
 * nothing of them; user-test finding), for `ferry send` and `ferry wait`
 * alike, on either side.
 */
function arrivedWords (t: TransferInfo, arrived: number): string {
  return arrived === 0 && (t.folders ?? 0) > 0 ? `${counted(t.folders!, 'folder')} (no files)` : counted(arrived, 'file')
}

export const sendHelp = `Usage: ferry send <peer> <path>... [--json] [--home DIR]

Send files and folders to a paired peer (name, peer ID or unique prefix).
Folders are sent recursively with their structure, file times and
permission bits, each as itself (\`photos/\` arrives as photos, as with
\`cp -r\`; not its contents alone, as rsync would). A path you name that
is a symbolic link is followed (\`/dev/stdin\` the file redirected in;
a pipe is refused); inside it, symbolic links, special files,
names a receiver would refuse, files removed, unreadable or changing all
the time while read, and ferry's own state folder are skipped, each with a
warning on stderr (and in --json, as "skipped").
Waits until the receiver has verified every file and signed its receipt:
exit 0 only then. When paths had to be left out because of a problem
(a path named that is not there, unreadable, removed or changing while
read, a name a receiver refuses), the rest is sent and verified, and it
exits 1 with E_INCOMPLETE; symbolic links and special files are left out
by design (exit 0). Shows progress on a terminal (not one whose TERM is
dumb); --json prints a summary (also then). Where no progress is shown
(stderr not such a terminal, or --json), a line on stderr says when the
send waits for the peer (offline, say, or holding the offer for a person
there to accept), or stalls (nothing moved for 10 s), and when it goes on.
Ctrl-C (SIGINT), SIGTERM (\`timeout\`, \`kill\`) or a closed terminal
(SIGHUP) cancels the transfer on both sides, also while the paths are
still being scanned. If \`ferry send\` dies otherwise (kill -9), the
daemon goes on with the transfer: see \`ferry transfers\`, \`ferry cancel\`.
`

/**
 * Node decodes the command line as UTF-8: bytes that are not come out as
 * U+FFFD, and the path would then name another file, or none. The raw
 * arguments (Linux: /proc/self/cmdline) tell a U+FFFD typed as such from
 * one that stands for bytes Node could not decode.
 */
function checkUtf8Given (path: string): void {
  if (!path.includes('\uFFFD')) return
  let raw: Buffer[]
  try {
    raw = readFileSync('/proc/self/cmdline').toString('latin1').split('\0').map((a) => Buffer.from(a, 'latin1'))
  } catch {
    return // not Linux: nothing to tell them apart by
  }
  const mangled = raw.some((a) => a.toString('utf8') === path && !isUtf8(a))
  if (mangled) throw new FerryError('E_PATH_UNSAFE', `${path}: its name as given is not valid UTF-8 (shown here with \uFFFD), which ferry cannot send; rename it, or send its folder to have it listed as skipped`)
}

/**
 * Why a path named on the command line cannot be sent, in the user's words,
 * or undefined when it is there. `given` is the argument as typed: a
 * relative name is compared with the command line before it is resolved
 * (review finding: a relative name that is not UTF-8 was said not to exist).
 */
async function pathGivenMissing (path: string, given: string): Promise<FerryError | undefined> {
  checkUtf8Given(given)
  // escaped, as a send's warnings show paths: with its control characters dropped at printing, "old\nx" read as "oldx"
  const shown = escapeForDisplay(path)
  try {
    statSync(path)
    return undefined
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    // a ~ the shell did not expand (quoted: `PHOTOS="~/Pictures"`, or in a crontab's variable) reads as a folder named ~ here
    // `note.txt/` names a folder (namedAsFolder): a file there is said as `ls` says it ("Not a directory")
    if (code === 'ENOTDIR' && path.endsWith('/') && existsSync(path.slice(0, -1))) {
      return new FerryError('E_PATH_NOT_FOUND', `${shown} is not a folder (a / at the end names one): name the file without it to send it`)
    }
    // `note.txt/..` goes up from no folder (upThroughFile): said as the kernel refuses it, naming what is not a folder
    const notFolder = code === 'ENOTDIR' ? await nonFolderBeforeUp(path) : undefined
    if (notFolder !== undefined) {
      return new FerryError('E_PATH_NOT_FOUND', `${shown} cannot be followed: ${escapeForDisplay(notFolder)} is not a folder (a .. goes up from a folder only): name the folder to send by its own name`)
    }
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      // a symbolic link to nothing is there for `ls`: said as what it is (user-test finding: "does not exist")
      const dangling = await danglingLinkOnTheWay(path)
      if (dangling !== undefined) {
        const what = `${escapeForDisplay(dangling.link)} is a symbolic link to ${escapeForDisplay(dangling.target)}, which does not exist (a disk not mounted?)`
        return new FerryError('E_PATH_NOT_FOUND', dangling.link === path ? what : `${shown} does not exist: ${what}`)
      }
      const hint = shellHint(given) ?? otherSpelling(path)
      return new FerryError('E_PATH_NOT_FOUND', `${shown} does not exist${hint !== undefined ? ` (${hint})` : ''}`)
    }
    if (code === 'EACCES') return new FerryError('E_PATH_NOT_FOUND', `${shown} cannot be reached: permission denied (on it or a folder above it)`)
    return new FerryError('E_PATH_NOT_FOUND', `${shown} cannot be reached: ${(err as Error).message}`)
  }
}

/** Paths that name something of the process that opens them: the daemon, which reads what is sent, would open its own. */
const OWN_PROCESS_PATH = /^\/(dev\/(stdin|stdout|stderr|fd)|proc\/(self|thread-self))(\/|$)/

/**
 * A path of this command's own process (`/dev/stdin` with a file redirected
 * in, `/dev/fd/63` from the shell's `<(…)`) as the file it stands for here:
 * the daemon resolved it in its own process (user-test finding: `ferry send
 * nas /dev/stdin < backup.tar` said "nothing to send in /dev/stdin
 * (/dev/null: …)", the daemon's stdin; `<(…)` "no such file"). A pipe, a
 * socket or a terminal is no file the daemon can read: refused, with what to
 * do instead.
 */
function ownProcessPathResolved (path: string): string {
  if (!OWN_PROCESS_PATH.test(path)) return path
  let st
  try { st = statSync(path) } catch { return path } // not there: said as for any path
  // a socket too reads as a pipe to the person (Node's child processes get their stdin on one)
  const stream = st.isFIFO() || st.isSocket() ? 'a pipe' : st.isCharacterDevice() ? 'a terminal or device' : undefined
  if (stream !== undefined) throw new FerryError('E_BAD_REQUEST', `${path} is ${stream} of this command, not a file: ferry sends files and folders, read by the daemon by their path; write it to a file and send that`)
  try { return realpathSync.native(path) } catch { return path }
}

/**
 * `path` (resolved from `given`) with the / that `given` ends with (or its
 * "/."): resolve() drops it, and `ferry send beta note.txt/` sent the file
 * where `ls` and `cp` refuse it, "Not a directory" (helper finding). Kept,
 * the path is looked at as typed, here and by the daemon (scanPaths), which
 * leaves it out when it is one of several; a folder so named goes as before.
 */
function namedAsFolder (given: string, path: string): string {
  return NAMES_FOLDER.test(given) && !path.endsWith('/') ? `${path}/` : path
}

/**
 * `path` (resolved from `given`) as typed, its `..` kept, when a part before
 * a `..` is no folder: resolve() took `note.txt/..` to the folder note.txt
 * is in, and that whole folder was sent, where `ls` and `cp` refuse it, "Not
 * a directory" (helper finding). Kept, the path is refused here and by the
 * daemon (scanPaths), which leaves it out when it is one of several; a `..`
 * between folders (`photos/../videos`) resolves as before.
 */
async function upThroughFile (given: string, path: string): Promise<string> {
  if (!GOES_UP.test(given)) return path
  const typed = asTyped(given)
  return await nonFolderBeforeUp(typed) !== undefined ? typed : path
}

const TILDE_HINT = 'the ~ was not expanded by the shell, as in quotes: use $HOME, or leave it unquoted'
const unexpandedTilde = (given: string): boolean => expandTilde(given) !== given
// bash passes a pattern that matches nothing on as typed (`ferry send nas *.JPG` where they are .jpg): said so, not
// only that a file named "*.JPG" is not there (user-test finding)
const PATTERN_HINT = 'a pattern the shell matched no file to, or left as typed in quotes: `ls` it to see what it matches'
// a [ alone is no pattern (an escape sequence's "\x1b[31m"): a bracket expression is closed, within one component
const unmatchedPattern = (given: string): boolean => /[*?]|\[[^\]/]+\]/.test(given)
/** Why a path typed may not be there, said after "does not exist": a ~ or a pattern the shell left as typed. */
const shellHint = (given: string): string | undefined => unexpandedTilde(given) ? TILDE_HINT : unmatchedPattern(given) ? PATTERN_HINT : undefined

/**
 * The name of `path` that is not there, where its folder holds it spelled
 * otherwise, said as such: in another Unicode form (a folder copied from a
 * Mac keeps its accents as separate marks, NFD, and the name typed here is
 * NFC, or the other way round: bytes that differ, for the same letters on
 * the screen) or with other capitals (user-test finding: "…/Résumé does not
 * exist" where `ls` showed Résumé). Undefined when there is none, or the
 * folder cannot be read.
 */
function otherSpelling (path: string): string | undefined {
  // the first name on the way that is not there, and the folder it is missing from
  let at = path.replace(/(.)\/+$/, '$1')
  let names: string[]
  try {
    // a file on the way (ENOTDIR) is said otherwise (pathGivenMissing): nothing here then
    for (; dirname(at) !== at && lstatSync(dirname(at), { throwIfNoEntry: false }) === undefined; at = dirname(at));
    if (dirname(at) === at) return undefined
    names = readdirSync(dirname(at))
  } catch { return undefined }
  const [folder, name] = [dirname(at), basename(at)]
  const held = (n: string): string => `${escapeForDisplay(folder)} holds "${escapeForDisplay(n)}"`
  const form = names.find((n) => n !== name && n.normalize('NFC') === name.normalize('NFC'))
  if (form !== undefined) {
    const how = form === form.normalize('NFD') ? 'its accents written as separate marks (NFD, as macOS writes names)' : form === form.normalize('NFC') ? 'each accented letter one character (NFC)' : 'its letters composed otherwise'
    const pattern = spellingPattern(form, names)
    return `${held(form)}, that name in another Unicode form, ${how}: Tab completion${pattern !== undefined ? `, or a pattern such as ${pattern},` : ''} names it as it is`
  }
  const capitals = names.filter((n) => n !== name && n.toLowerCase() === name.toLowerCase())
  return capitals.length === 1 ? `${held(capitals[0])}: names differ in capitals here` : undefined
}

/** What a shell takes as it is, unquoted, in a word */
const SHELL_PLAIN = /^[A-Za-z0-9._+,:@%=-]+$/

/**
 * A pattern a shell matches to `form`, a name in `names` (its folder's),
 * whatever the Unicode form it is written in: the characters that are
 * plain ASCII in both forms as they are, the rest a `*`. One word to the
 * shell: a part it would split or expand is quoted ('My R'*sum* for "My
 * Résumé": My R*sum* was two words), a ' or \ a `?`. Undefined where it
 * would match another name there too (Ωé.txt's *.txt beside a.txt), or is
 * a `*` only (a name of no plain ASCII, "é"): no pattern is better than
 * one that sends other files (review finding).
 */
function spellingPattern (form: string, names: string[]): string | undefined {
  let pattern = ''
  let re = ''
  // odd indexes: runs of what is not printable ASCII
  for (const [i, part] of form.normalize('NFC').split(/([^\x20-\x7e]+)/).entries()) {
    if (i % 2 === 1) { pattern += '*'; re += '.*'; continue }
    for (const [j, piece] of part.split(/(['\\])/).entries()) {
      if (j % 2 === 1) { pattern += '?'; re += '.'; continue }
      if (piece === '') continue
      pattern += SHELL_PLAIN.test(piece) ? piece : `'${piece}'`
      re += piece.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&')
    }
  }
  if (/^\**$/.test(pattern.replace(/\?/g, '*'))) return undefined
  const matches = new RegExp(`^${re}$`, 's')
  const matched = names.filter((n) => matches.test(n))
  return matched.length === 1 && matched[0] === form ? pattern : undefined
}

/**
 * The paths named must be there to send: with none there, said here. One
 * of several that is not is left out by the daemon and listed as not sent,
 * the rest sent (as cp, scp and rsync do; user-test finding: one missing
 * path refused the whole send); a ~ or a pattern the shell left is said at once.
 */
async function checkPathsGiven (paths: string[], given: string[]): Promise<Set<string>> {
  const missing = await Promise.all(paths.map(async (p, i) => await pathGivenMissing(p, given[i])))
  if (missing.every((m) => m != null)) throw missing[0]!
  // returned: the daemon lists them as not sent too, which is not said again (LeftOut)
  const said = new Set<string>()
  for (const [i, m] of missing.entries()) {
    if (m == null || (shellHint(given[i]) === undefined && otherSpelling(paths[i]) === undefined)) continue
    process.stderr.write(`ferry: warning: ${m.code}: ${sanitizeForDisplay(m.message)}\n`)
    said.add(paths[i])
    // the daemon lists one not there as resolved, without the / it was named with (namedAsFolder)
    if (paths[i].endsWith('/')) said.add(paths[i].slice(0, -1))
  }
  return said
}


/**
 * No path named is there, and what was taken for the peer is a file or
 * folder here: the path was probably typed first (`ferry send photos nas`),
 * which is said, as an if: a peer may share its name with a folder here (user-test finding: only "…/nas does not exist").
 */
function peerFirst (err: unknown, peer: string): unknown {
  if (!(err instanceof FerryError) || err.code !== 'E_PATH_NOT_FOUND' || !existsSync(peer)) return err
  return new FerryError(err.code, `${err.message} (if "${escapeForDisplay(peer)}", a file or folder here, is what to send: the peer comes first, \`ferry send <peer> <path>…\`)`, { cause: err })
}

export async function send (argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {})
  if (values.help === true) { process.stdout.write(sendHelp); return 0 }
  if (positionals.length < 2) throw new UsageError('ferry send needs a peer and at least one path')
  const [peer, ...rawPaths] = positionals
  if (peer.trim() === '') throw new UsageError('ferry send needs a peer: a name, a peer ID or a unique prefix of one')
  // resolved, "" is the working folder: an unset variable (`ferry send nas "$PHOTOS"`) sent all of it (user-test finding)
  if (rawPaths.includes('')) throw new UsageError('ferry send was given an empty path (an unset variable?); name the files and folders to send')
  const paths = await Promise.all(rawPaths.map(async (p) => namedAsFolder(p, await upThroughFile(p, ownProcessPathResolved(resolve(p))))))
  const saidAtOnce = await checkPathsGiven(paths, rawPaths).catch((err: unknown) => { throw peerFirst(err, peer) })
  const json = values.json === true
  const client = await connectControl(homeOf(values))
  // on a terminal: a live Ink view on stdout; otherwise the one-line progress on a TTY stderr
  const shown = new TransferShown(json, wantsLive(json) ? (await import('../../tui/live.ts')).openSendView(peer, paths.length, undefined, liveKeysReach()) : undefined)
  const leftOut = new LeftOut(saidAtOnce)
  let stoppedBy: NodeJS.Signals | undefined
  /** the daemon's answer to the cancel a stop asked for: the transfer as cancelled, with the files its receiver keeps */
  let cancelled: Promise<TransferInfo | undefined> | undefined
  let removeStop = (): void => {}
  try {
    let id = ''
    const early: TransferInfo[] = []
    let settle: ((t: TransferInfo) => void) | undefined
    const finished = new Promise<TransferInfo>((resolve) => { settle = resolve })
    /** what the daemon said last: a script still learns how far it got when the daemon stops or does not answer */
    let latest: TransferInfo | undefined
    /** The wait ends without the daemon's word: the transfer as last seen, its state as it was (it goes on when the daemon does), and why. */
    // the last state known, without its rate and ETA: nothing moves for this command any more
    const interrupted = (error: { code: string, message: string }): TransferInfo => ({ ...(latest ?? {}), state: latest?.state ?? 'failed', rate: 0, etaSeconds: null, stalledSeconds: undefined, error }) as unknown as TransferInfo
    const onInfo = (t: TransferInfo): void => {
      if (t.id !== id) return
      latest = t
      leftOut.take(t)
      shown.warn(() => leftOut.fresh())
      shown.update(t)
      // one this command's stop cancelled waits for the daemon's answer to that cancel instead, which says the same
      settleEnded(t, settle, stoppedBy == null)
    }
    await client.subscribe((event, data) => {
      if (event !== 'transfer') return
      if (id === '') early.push(data as TransferInfo); else onInfo(data as TransferInfo)
    })
    // also one still being hashed: the daemon hashes it again when it is back, and offers it
    // the command to run names the home this one was given (user-test finding: pasted, `ferry wait` asked the default home's daemon)
    const home = values.home != null ? ` --home ${quoteForShell(homeOf(values))}` : ''
    client.onClose(() => settle?.(interrupted({ code: 'E_DAEMON_NOT_RUNNING', message: `the daemon stopped; the transfer resumes when it is back${id === '' ? ` (see \`ferry transfers${home}\`)` : `: \`ferry wait ${id.slice(0, 8)}${home}\` then waits for its end`}` })))
    // Ctrl-C, a `kill` or a closed terminal cancels the send; from the
    // start: while the daemon scans the paths, before there is an id to
    // cancel, closing the connection makes it drop the send
    const onStop = (sig: NodeJS.Signals): void => {
      if (stoppedBy != null) return
      stoppedBy = sig
      shown.cancelling()
      if (id === '') client.close()
      // a daemon that does not answer (stopped with SIGSTOP, stuck) must not
      // keep `ferry send` waiting: `timeout` sends its signal once. Whether
      // it reads the cancel once it runs again is not known here.
      // On a connection of its own, which nothing is written to before the daemon
      // reads it: the daemon writes this command's events to the other one as soon
      // as it runs again, and a write to a connection this command closed meanwhile
      // (a second Ctrl-C, the timeout below) destroyed it with the cancel unread
      // (user-test finding: the transfer then completed).
      else {
        cancelled = cancelApart(homeOf(values), id).catch((err: unknown) => {
          const fe = toFerryError(err)
          // it ended as the stop came: its end is on the way to this command, and says how it ended
          if (fe.code === 'E_TRANSFER_ENDED') return undefined
          // not answered, but sent: the daemon reads it when it runs again (a stopped daemon keeps what its socket got)
          const after = fe.code === 'E_TIMEOUT' ? 'the cancel takes effect when it runs again: see `ferry transfers`' : `the transfer may go on once it runs again: see \`ferry transfers\`, or \`ferry cancel ${id.slice(0, 8)}\``
          settle?.(interrupted({ code: fe.code, message: `${fe.message}; ${after}` }))
          return undefined
        })
      }
    }
    // a second Ctrl-C, not the same one passed on again, ends `ferry send` at once, should the daemon not answer
    removeStop = onStopSignal(onStop)
    const started = await client.call('send', { peer, paths }).catch((err: unknown) => {
      if (stoppedBy != null) throw new FerryError('E_CANCELLED', `stopped (${stoppedBy}) before anything was offered`)
      // The daemon went away before it answered: it was scanning the paths
      // (seconds for a large tree), and it records a send only as it answers
      // (TransferService.send, src/transfer/send/send-hash.ts), so nothing goes on when it is back. Said so:
      // the bare "connection to the daemon closed" left a person (or a
      // script) not knowing whether to wait or to send again, where a stop a
      // moment later says the transfer resumes (soak finding: a kill -9 while
      // the daemon scanned)
      if (err instanceof FerryError && err.code === 'E_DAEMON_NOT_RUNNING') throw new FerryError('E_DAEMON_NOT_RUNNING', 'the daemon stopped before it took the send (while it looked at the paths); nothing was sent: run `ferry send` again once it is back')
      throw err
    })
    id = started.id
    // the daemon holds this list only while it holds the transfer: take it from the first answer
    onInfo(started)
    for (const t of early) onInfo(t)
    const t = await finished
    shown.done()
    // a wait for a person there to accept it, said apart from the send's own time: the daemon keeps it
    const waited = t.acceptWaitSeconds
    if (t.state !== 'done') {
      // a script still learns which transfer it was (to look it up, or resume it) and how far it got
      // cancelled as this command asked: said as what the person did, not as the daemon's "cancelled on the sending device" (user-test finding)
      const byStop = stoppedBy != null && t.state === 'cancelled' && t.error?.code === 'E_CANCELLED'
      // and what its receiver keeps of it, which the daemon's answer to the cancel says, as it learned it telling the
      // receiver (notes' leftover: only the receiving side said so); not waited for long, a receiver away cannot say
      // cancelled otherwise (`ferry cancel` or the TUI here, or its receiver's cancel): said as `ferry cancel`, `ferry wait`
      // and `ferry transfers` say it, from the event it ended on (settleEnded waited for the receiver's answer); failed
      // there, as its receiver said it with its failure (notes' leftover: a failed receive did not say it)
      const keptFiles = byStop ? (await Promise.race([cancelled, new Promise<undefined>((resolve) => setTimeout(() => { resolve(undefined) }, KEPT_WAIT_MS).unref())]))?.keptFiles ?? t.keptFiles : t.state === 'cancelled' || t.state === 'failed' ? t.keptFiles : undefined
      const kept = keptFiles !== undefined ? keptWords({ ...t, keptFiles }) : ''
      // "sent", not "arrived": the sender's count holds what was on its way as the cancel came, which the receiver may
      // not have kept (user-test finding: "890.0 MiB … arrived" here, 888.0 MiB on the receiver)
      const error = byStop
        ? { code: 'E_CANCELLED' as const, message: `cancelled here (${stoppedBy === 'SIGINT' ? 'Ctrl-C' : stoppedBy}) with ${formatDone(t.doneBytes, t.totalBytes)} of ${formatBytes(t.totalBytes)} sent${kept !== '' ? `; ${kept}` : ''}` }
        : t.error != null ? { ...t.error, message: `${endedMessage(t)}${kept !== '' ? `; ${kept}` : ''}` } : t.error
      // `seconds` and `root` as a done send has them: how long it took to end so, and which offer it was (user-test
      // finding: neither); none for a daemon that stopped before it said anything of the send
      if (json) printJson({ id, peerId: t.peerId, peerName: t.peerName, state: t.state, files: t.files, totalBytes: t.totalBytes, doneBytes: t.doneBytes, wireBytes: t.wireBytes, seconds: t.createdAt != null ? sendSeconds(t) : undefined, acceptWaitSeconds: waited, waitedSeconds: t.waitedSeconds, waitedBy: t.waitedBy, root: t.root, error, keptFiles, skipped: leftOut.paths, skippedCount: leftOut.count })
      throw new FerryError(error?.code ?? 'E_INTERNAL', error?.message ?? `transfer ${t.state}`)
    }
    const seconds = sendSeconds(t)
    // files of the offer the receiver did without (they changed here after the offer) are among `skipped`
    const arrived = t.files - (t.receipt?.notReceived ?? 0)
    // what arrived is verified; but a script that goes on to delete the source must hear of what did not
    const incomplete = leftOut.incomplete(arrived, json)
    if (json) {
      // the error a script's exit code 1 is for, as a failed send has it (user-test finding: only the exit code said so)
      printJson({ id: t.id, peerId: t.peerId, peerName: t.peerName, state: t.state, files: t.files, totalBytes: t.totalBytes, doneBytes: t.doneBytes, wireBytes: t.wireBytes, seconds, acceptWaitSeconds: waited, waitedSeconds: t.waitedSeconds, waitedBy: t.waitedBy, root: t.root, receipt: t.receipt, skipped: leftOut.paths, skippedCount: leftOut.count, ...((t.renamedCount ?? 0) > 0 ? { renamed: t.renamed ?? [], renamedCount: t.renamedCount } : {}), ...(t.changedAfterOffer !== undefined ? { changedAfterOffer: t.changedAfterOffer } : {}), ...(incomplete != null ? { error: incomplete.toJSON() } : {}) })
    } else {
      // its own time: a person there taking 30 s to accept is no part of it, and is said apart
      const summary = `sent ${arrivedWords(t, arrived)}, ${formatBytes(t.doneBytes)} to ${sanitizeForDisplay(t.peerName)} in ${ownSeconds(t).toFixed(1)} s ` +
        `${overTheNetwork(t)}; receipt ${t.receipt?.verified === true ? 'verified' : 'missing'}${acceptWaitNote(t)}` +
        leftOut.summaryNote()
      await shown.summary(t, summary, incomplete != null)
      process.stdout.write(afterSummaryText(t))
    }
    if (incomplete != null) throw incomplete
    return 0
  } catch (err) {
    // the last frame shows the error code (not after the summary: an E_INCOMPLETE send has its own)
    await shown.fail(err)
    throw err
  } finally {
    removeStop()
    shown.done()
    client.close()
    // after the last frame, so a live view does not draw over them
    process.stderr.write(leftOut.warnings())
  }
}

/**
 * "; waited 30.2 s for beta to accept" (a receive: "to be accepted here"), after a summary's receipt, as `ferry send`
 * and `ferry wait` say it; '' for a transfer never held for a person to accept it (TransferInfo.acceptWaitSeconds)
 */
function acceptWaitNote (t: TransferInfo): string {
  const accept = t.acceptWaitSeconds === undefined ? '' : `; waited ${formatTook(t.acceptWaitSeconds * 1000)} ${t.direction === 'send' ? `for ${sanitizeForDisplay(t.peerName)} to accept` : 'to be accepted here'}`
  // and what it waited while it could not go on, as apart from its time (TransferInfo.waitedSeconds; user-test findings:
  // 15 s of a receiver away counted in "in 26.6 s"), by cause (waited-words.ts); a record from before causes were, with
  // every cause it could have been
  const waited = waitedWords(t, `while it could not go on (${sanitizeForDisplay(t.peerName)} away or silent, this daemon down, its turn, or room ${t.direction === 'send' ? 'there' : 'here'})`)
  return accept + (waited !== '' ? `; ${waited}` : '')
}

/** Its own time, s: from its start to its end (or now), less its waits for a person to accept it and while it could not go on. */
function ownSeconds (t: TransferInfo): number {
  return Math.max(0, sendSeconds(t) - (t.acceptWaitSeconds ?? 0) - (t.waitedSeconds ?? 0))
}

/**
 * How long `ferry send`, cancelled by a stop, waits for the daemon's answer that says what its receiver keeps; and
 * `ferry send` or `ferry wait` of a send cancelled otherwise on this device, for the event that says it (settleEnded).
 */
const KEPT_WAIT_MS = 3000

/**
 * `settle` with `t` once it has ended. A send cancelled here whose receiver is being told so (TransferInfo.keptAwaited)
 * ends on the event after, which says what that one keeps (user-test finding: `ferry send`, the send cancelled from
 * another terminal, said nothing of it, ended before the daemon knew); KEPT_WAIT_MS at most, a receiver away says nothing.
 */
function settleEnded (t: TransferInfo, settle: ((t: TransferInfo) => void) | undefined, waitKept = true): void {
  if (!isFinalState(t.state)) return
  if (t.keptAwaited !== true || !waitKept) settle?.(t)
  else setTimeout(() => { settle?.(t) }, KEPT_WAIT_MS).unref()
}

/** How long a send took from its start to its end (to now, for one this command stopped waiting for), in seconds. */
function sendSeconds (t: TransferInfo): number {
  return ((t.finishedAt ?? Date.now()) - t.createdAt) / 1000
}

/**
 * What of `t` was placed under another name, its own being taken where it
 * arrived, as lines after its summary ("" for none): each rename once, a
 * folder kept as "trip (1)" with how many files it holds, a file as
 * "photo (1).jpg". Not where they were sent as, so a script or a person
 * looking for them there should hear where they are. `ferry send` and
 * `ferry wait` both (user-test findings: `ferry wait` did not list them; a
 * folder was listed file by file). Then the files changed here since the
 * offer (changedText).
 */
function afterSummaryText (t: TransferInfo): string {
  const said = renamedLines(t)
  return (said === undefined ? '' : `${said.heading}:\n${said.rows.map((r) => `  ${r}\n`).join('')}`) + changedText(t)
}

/**
 * A send's files changed here after the offer, which its receiver has as they were offered (TransferInfo
 * .changedAfterOffer): said after its summary, with the renames, as a warning (the send did what it promised; the
 * file here is newer than what arrived: user-test finding, said nowhere). `ferry send` and `ferry wait` both.
 */
function changedText (t: TransferInfo): string {
  const changed = t.changedAfterOffer
  if (changed === undefined || changed.count === 0) return ''
  const more = changed.count - changed.paths.length
  return `${counted(changed.count, 'file')} changed on this device after ${changed.count === 1 ? 'it was' : 'they were'} offered; ${sanitizeForDisplay(t.peerName)} has ${changed.count === 1 ? 'it' : 'them'} as offered (send again for the new version):\n` +
    changed.paths.map((p) => `  ${escapeForDisplay(p)}\n`).join('') + (more > 0 ? `  and ${more} more (\`ferry transfers --json\` lists the first ${changed.paths.length})\n` : '')
}

/** `cancel` of `id`, on a connection of its own (send, onStop). */
async function cancelApart (home: string, id: string): Promise<TransferInfo> {
  const c = await connectControl(home)
  try {
    return await c.call('cancel', { id })
  } finally {
    c.close()
  }
}

/**
 * Why `ferry wait` exits 1 for the ended transfer `t`, if it does: not done; done without all it was to carry (a
 * send's paths left out for a problem said as `ferry send` says them, `json` or not); a send without a receipt that verifies.
 */
export function waitFailure (t: TransferInfo, leftOut: LeftOut, json: boolean): FerryError | undefined {
  if (t.state !== 'done') {
    // a cancelled (or failed) one's files placed whole before, which its receiver keeps: said as `ferry cancel` and `ferry transfers`
    // say it (user-test finding: "cancelled on the receiving device" alone, the receive folder holding one of its two files)
    const kept = t.state === 'cancelled' || t.state === 'failed' ? leftWords(t, homedir()) : ''
    return new FerryError(t.error?.code ?? 'E_INTERNAL', `${endedMessage(t) ?? `transfer ${t.state}`}${kept !== '' ? `; ${kept}` : ''}`)
  }
  const notReceived = t.receipt?.notReceived ?? 0
  // a send's files the receiver did without are among what it left out
  const notSent = leftOut.incomplete(t.files - notReceived, json)
  if (notSent != null) return notSent
  if (notReceived > 0) {
    const refused = t.receipt?.refused ?? []
    const reasons = `${refused.slice(0, 3).map(sanitizeForDisplay).join('; ')}${refused.length > 3 ? `; and ${refused.length - 3} more reasons (\`ferry transfers --json\`)` : ''}`
    const head = `${counted(notReceived, 'file')} of the offer ${notReceived === 1 ? 'was' : 'were'} not received`
    // a receive's receipt counts each cause by file (user-test finding: refusals were told by reason, the rest not known to be changed files)
    const { refusedFiles, notServedFiles } = t.receipt ?? {}
    if (refusedFiles !== undefined && notServedFiles !== undefined) {
      const causes = [
        ...(refusedFiles > 0 ? [`${refusedFiles} refused by the receive folder${reasons !== '' ? ` (${reasons})` : ''}`] : []),
        ...(notServedFiles > 0 ? [`${notServedFiles} changed, removed or unreadable on the sender after the offer`] : [])
      ]
      return new FerryError('E_INCOMPLETE', `${head}: ${causes.join(', ')}`)
    }
    const why = refused.length > 0
      // the receipt keeps the first 20 reasons: one not among them is not known to be the sender's (review finding)
      ? `the receive folder refused: ${reasons}; any others changed or went away on the sender after the offer, or were refused past the 20 reasons kept`
      : 'changed or removed on the sender after the offer, or refused by the receive folder: a symbolic link on the way, say; the daemon\'s log names them'
    return new FerryError('E_INCOMPLETE', `${head} (${why})`)
  }
  if (t.direction === 'send' && t.receipt?.verified !== true) return new FerryError('E_RECEIPT_INVALID', 'the transfer ended without a receipt that verifies')
  return undefined
}

/** States as the TUI words them (review finding: an outgoing send read "fetching"); --json keeps the states themselves. */
const STATE_WORDS: Partial<Record<TransferInfo['state'], string>> = { fetching: 'transferring', waiting: 'waiting for peer' }

/** A transfer's state in words; a send its receiver holds for a person there says so, as the TUI does (user-test finding: "offered" for as long as nobody decided). */
function stateWords (t: TransferInfo): string {
  if (t.state === 'offered' && t.awaitingDecision === true) return offeredWords(t)
  if (t.state === 'waiting') return waitingWords(t)
  return STATE_WORDS[t.state] ?? t.state
}

/** Who ended it is said, and its code is the one its state says (E_CANCELLED, E_DECLINED): the code adds nothing. */
function saysOnlyWho (t: TransferInfo): boolean {
  return t.endedBy !== undefined && (t.error?.code === 'E_CANCELLED' || t.error?.code === 'E_DECLINED')
}

/** The receipt column: verified or only signed, and how many files the receiver did without. */
function receiptCell (t: TransferInfo): string {
  if (t.receipt == null) return ''
  const n = t.receipt.notReceived ?? 0
  // a receive's is the one this device signed; a send's, the receiver's, checked against its key
  return (t.direction === 'receive' ? 'signed' : t.receipt.verified ? 'verified' : 'unverified') + (n > 0 ? `, ${n} not received` : '')
}

export const transfersHelp = `Usage: ferry transfers [--limit N] [--json] [--home DIR]

List transfers (active first, then history) with state, progress and receipt:
those under way and the newest ${TRANSFERS_LISTED} of all kept, or N (up to ${MAX_TRANSFERS_LISTED.toLocaleString('en')}).
Every transfer is kept; \`ferry wait <id>\` shows any one of them.
`

export async function transfers (argv: string[]): Promise<number> {
  const { values } = parseOptionsOnly(argv, { limit: { type: 'string' } }, 'transfers', '; `ferry transfers --json` has each in full, `ferry wait <id>` waits for one')
  if (values.help === true) { process.stdout.write(transfersHelp); return 0 }
  const limit = values.limit === undefined ? TRANSFERS_LISTED : Number(values.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TRANSFERS_LISTED) throw new UsageError(`--limit takes a whole number from 1 to ${MAX_TRANSFERS_LISTED.toLocaleString('en')} (given ${JSON.stringify(sanitizeForDisplay(String(values.limit))).slice(0, 40)})`)
  const client = await connectControl(homeOf(values))
  try {
    // one more than shown: whether older ones are left out, said under the table (user-test finding: 200 rows, and
    // nothing said that more were kept, or how to see them)
    const all = await client.call('transfers', { limit: Math.min(limit + 1, MAX_TRANSFERS_LISTED) })
    const list = all.slice(0, limit)
    if (values.json === true) { printJson(list); return 0 }
    const older = all.length > limit ? `older transfers not listed: \`ferry transfers --limit ${Math.min(limit * 5, MAX_TRANSFERS_LISTED)}\` lists more, \`ferry wait <id>\` shows one\n` : ''
    // incoming offers are not transfers until accepted, but the person looking here should hear of them
    const waiting = (await client.call('offers')).length
    const hint = waiting === 0 ? '' : `${waiting === 1 ? '1 offer waits' : `${waiting} offers wait`} for your decision: \`ferry offers\`\n`
    if (list.length === 0) { process.stdout.write(`no transfers\n${hint}`); return 0 }
    process.stdout.write(transfersText(list, process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : undefined) + older + hint)
    return 0
  } finally { client.close() }
}

/** `ferry transfers`'s table and the lines under it; `columns`: a terminal's width to fit (else rows whole, as for a pipe). */
export function transfersText (list: TransferInfo[], columns?: number, home = homedir()): string {
  const rows = [['ID', 'DIR', 'PEER', 'WHAT', 'STATE', 'PROGRESS', 'RATE', 'RECEIPT', 'WHEN']]
  const peerCell = peerCells(list)
  for (const t of list) {
    rows.push([t.id.slice(0, 8), t.direction === 'send' ? 'out' : 'in', peerCell(t),
      // what it carried (user-test finding: nothing told transfers apart but their ids and sizes)
      // escaped, as `ferry offers` shows names: a bidi mark or line break in a name is seen, not dropped
      truncate(escapeForDisplay(t.label ?? ''), 24),
      stateWords(t) + endedByWords(t) + (t.error != null && !saysOnlyWho(t) ? ` ${t.error.code}` : '') + ((t.skippedFailed ?? 0) > 0 ? `, ${counted(t.skippedFailed!, 'path')} not sent` : '') + ((t.renamedCount ?? 0) > 0 ? `, ${t.renamedCount} renamed` : ''), progressCell(t.doneBytes, t.totalBytes),
      // none for one that waits (offline peer, a decision): "0 B/s" read as stuck (user-test finding)
      isMovingState(t.state) ? formatLiveRate(t.rate, '—', t.stalledSeconds) : '', receiptCell(t), formatAgo(t.finishedAt ?? t.createdAt, Date.now())])
  }
  // the table has room for the code only: what happened, for the few latest that failed or wait (user-test finding: only --json said)
  const failures = list.filter((t) => t.error != null && (t.state === 'failed' || t.state === 'waiting')).slice(0, ERRORS_SHOWN)
  // a failed one with files placed whole before, kept there: how many and where, as a cancelled one says it below (notes' leftover)
  let why = failures.map((t) => `${t.id.slice(0, 8)}: ${t.error!.code}: ${sanitizeForDisplay(t.error!.message)}${t.state === 'failed' && keptWords(t) !== '' ? `; ${keptWords(t, home)}` : ''}\n`).join('')
  // a receive cancelled with files placed keeps them: how many and where (user-test finding: said nowhere)
  // and what its cancel here deleted of files not yet whole (droppedWords)
  const kept = list.filter((t) => t.state === 'cancelled' && leftWords(t) !== '').slice(0, ERRORS_SHOWN)
  why += kept.map((t) => `${t.id.slice(0, 8)}: cancelled${endedByWords(t)}; ${leftWords(t, home)}\n`).join('')
  // on a terminal, cut to its width: what it carried, the peer's name, the receipt, then the state; a state
  // cut short is said whole below, unless its failure is (review finding: "done E_…" told no E_INCOMPLETE)
  const shown = columns !== undefined ? fitRows(rows, columns, TRANSFERS_SHRINK) : rows
  why += list.flatMap((t, i) => shown[i + 1][4] !== rows[i + 1][4] && !failures.includes(t) && !kept.includes(t) ? [`${t.id.slice(0, 8)}: ${rows[i + 1][4]}\n`] : []).slice(0, ERRORS_SHOWN).join('')
  return table(shown) + (why !== '' ? `\n${why}` : '')
}

/**
 * The PEER cell of each row of a list: the peer's name, and where two peers of the list share it (a device set up
 * anew, two laptops both "laptop") the end of each one's peer ID too, as `ferry peers` and E_PEER_AMBIGUOUS show it
 * (user-test finding: the old and the new "C" were one name in every row, and which went to which could not be told)
 */
export function peerCells (list: Array<{ peerId: string, peerName: string }>): (row: { peerId: string, peerName: string }) => string {
  const shared = sharedNames(list.map((t) => ({ peerId: t.peerId, name: t.peerName })))
  return (t) => {
    const name = truncate(sanitizeForDisplay(t.peerName), 20)
    if (name === '') return t.peerId.slice(-8)
    return shared.has(t.peerName) ? `${name} …${t.peerId.slice(-8)}` : name
  }
}

/** "82.8/476.8 MiB": the unit once where both have it (a narrower column), else both in full; what is done rounded down, as the views round it (formatDone). */
export function progressCell (done: number, total: number): string {
  const [d, t] = [formatDone(done, total), formatBytes(total)]
  const unit = (s: string): string => s.slice(s.lastIndexOf(' ') + 1)
  return unit(d) === unit(t) ? `${d.slice(0, d.lastIndexOf(' '))}/${t}` : `${d}/${t}`
}

/** The columns of `ferry transfers` cut to fit a terminal, and the fewest cells each keeps: WHAT, PEER, RECEIPT, STATE. */
const TRANSFERS_SHRINK = new Map([[3, 5], [2, 6], [7, 8], [4, 8]])

/** Failed or waiting transfers whose error `ferry transfers` spells out under its table. */
const ERRORS_SHOWN = 5

export const offersHelp = `Usage: ferry offers [--json] [--home DIR]

List incoming offers waiting for \`ferry accept <id>\` or \`ferry decline <id>\`.
`

export async function offers (argv: string[]): Promise<number> {
  const { values } = parseOptionsOnly(argv, {}, 'offers', '; `ferry accept <id>` or `ferry decline <id>` decides one')
  if (values.help === true) { process.stdout.write(offersHelp); return 0 }
  const client = await connectControl(homeOf(values))
  try {
    const list: OfferInfo[] = await client.call('offers')
    if (values.json === true) { printJson(list); return 0 }
    if (list.length === 0) { process.stdout.write('no pending offers\n'); return 0 }
    process.stdout.write(offersText(list, Date.now()))
    return 0
  } finally { client.close() }
}

/** `ferry offers`'s table and the lines under it. */
export function offersText (list: OfferInfo[], now: number): string {
  // when each came, as the TUI's Offers screen shows it (user-test finding: not here); headed WHEN, as `ferry
  // transfers` heads its column of the same kind (user-test finding: CAME here, WHEN there, for one thing)
  const rows = [['ID', 'FROM', 'FILES', 'SIZE', 'WHEN', 'NAMES']]
  // two devices of one name offering at once are told apart: accepting one is trusting its files (user-test finding)
  const peerCell = peerCells(list)
  for (const o of list) rows.push([o.id.slice(0, 8), peerCell(o), String(o.files), formatBytes(o.totalBytes), formatAgo(o.receivedAt, now), namesCell(o)])
  // said before it is accepted, not only in the receipt
  return table(rows) + list.flatMap((o) => o.refused == null ? [] : [`${o.id.slice(0, 8)}: ${refusedLine(o.refused)}\n`]).join('')
}

/** An offer's names at the top in 60 cells, a name cut before the count of the others after it ("roll/, a.jpg +3 more"). */
function namesCell (o: OfferInfo): string {
  const more = (o.otherNames ?? 0) > 0 ? ` +${o.otherNames ?? 0} more` : ''
  return truncate(o.names.map((n) => escapeForDisplay(n)).join(', '), 60 - more.length) + more
}

function idCommand (method: 'accept' | 'decline' | 'cancel', help: string) {
  return async (argv: string[]): Promise<number> => {
    const { values, positionals } = parse(argv, {})
    if (values.help === true) { process.stdout.write(help); return 0 }
    // accept and decline act on an offer waiting here, which `ferry offers` lists by its id (user-test finding: "transfer id" for them)
    if (positionals.length !== 1 || positionals[0].trim() === '') throw new UsageError(method === 'cancel' ? 'ferry cancel takes one transfer id (or a unique prefix), as `ferry transfers` lists it' : `ferry ${method} takes one offer id (or a unique prefix), as \`ferry offers\` lists it`)
    const client = await connectControl(homeOf(values))
    try {
      const r = await client.call(method, { id: positionals[0] })
      if (values.json === true) printJson(r)
      // the whole id, as `ferry transfers --json` has it, whatever prefix was typed (user-test finding: the prefix echoed)
      // a receive cancelled keeps the files it placed: said, with where (user-test finding: said nowhere)
      else {
        // and what went of files not yet whole (droppedWords)
        const kept = method === 'cancel' && r != null && 'direction' in r ? leftWords(r, homedir()) : ''
        process.stdout.write(`${method === 'accept' ? 'accepted' : method === 'decline' ? 'declined' : 'cancelled'} ${'id' in r ? r.id : positionals[0]}${kept !== '' ? `; ${kept}` : ''}\n`)
      }
      return 0
    } finally { client.close() }
  }
}

export const accept = idCommand('accept', 'Usage: ferry accept <id> [--json] [--home DIR]\n\nAccept a pending offer (see `ferry offers`); files go to the receive folder.\n')
export const decline = idCommand('decline', 'Usage: ferry decline <id> [--json] [--home DIR]\n\nDecline a pending offer; the sender is told.\n')
export const cancel = idCommand('cancel', 'Usage: ferry cancel <id> [--json] [--home DIR]\n\nCancel an active transfer, sending or receiving; the other side is told.\n')

export const waitHelp = `Usage: ferry wait <id> [--json] [--home DIR]

Wait until a transfer ends: one \`ferry send\` stopped waiting for (its daemon
stopped, and the transfer went on once it was back), or one started from
the TUI. The id as \`ferry transfers\` shows it, or a unique prefix.
Exits as \`ferry send\` does: 0 when it is done and verified with nothing
left out for a problem; otherwise 1 with its error code (E_INCOMPLETE when
files could not be sent or were not received). Progress as \`ferry send\`
shows it: drawn live on a terminal, else a bar on a terminal's stderr,
else a line when it waits for the peer and when it goes on; then its
summary, with the files placed under another name, the name being taken
where they arrived (\`photo (1).jpg\`), and the paths a send left out
(warnings on stderr, with --json too), as \`ferry send\` lists them;
--json prints the transfer as it ended. Ctrl-C ends the wait, not the
transfer (exit 1, E_CANCELLED).
`

export async function wait (argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {})
  if (values.help === true) { process.stdout.write(waitHelp); return 0 }
  if (positionals.length !== 1 || positionals[0].trim() === '') throw new UsageError('ferry wait takes one transfer id (or a unique prefix)')
  const json = values.json === true
  const client = await connectControl(homeOf(values))
  /** drawn as `ferry send` draws it, once the transfer is found */
  let shown: TransferShown | undefined
  let removeStop = (): void => {}
  /** the wait was ended by a signal (Ctrl-C, `timeout`) */
  let stopped = false
  /** what the send left out, as `ferry send` says it: while it runs and after it ended (the daemon keeps the list) */
  const leftOut = new LeftOut()
  try {
    let id = ''
    let settle: ((t: TransferInfo | FerryError) => void) | undefined
    const ended = new Promise<TransferInfo | FerryError>((resolve) => { settle = resolve })
    /** the transfer as last seen */
    let waited: TransferInfo | undefined
    const onInfo = (t: TransferInfo): void => {
      if (t.id !== id) return
      waited = t
      leftOut.take(t)
      shown?.warn(() => leftOut.fresh())
      shown?.update(t)
      settleEnded(t, settle)
    }
    const stoppedWords = 'the daemon stopped; the transfer goes on when it is back: run `ferry wait` again then'
    // the daemon gone before the transfer was found: said as once it was, not as the bare "connection to the daemon
    // closed" (soak finding: a daemon killed again just after its restart)
    const daemonGone = (err: unknown): never => {
      if (err instanceof FerryError && err.code === 'E_DAEMON_NOT_RUNNING') throw new FerryError('E_DAEMON_NOT_RUNNING', stoppedWords, { cause: err })
      throw err
    }
    // subscribed before the list is read, so that an end between the two is not missed
    const early: TransferInfo[] = []
    await client.subscribe((event, data) => {
      if (event !== 'transfer') return
      if (id === '') early.push(data as TransferInfo); else onInfo(data as TransferInfo)
    }).catch(daemonGone)
    client.onClose(() => settle?.(new FerryError('E_DAEMON_NOT_RUNNING', stoppedWords)))
    // Ctrl-C, `kill` or `timeout` ends the wait, not the transfer, said as `ferry send` and `ferry pair` say theirs:
    // with --json on stdout too (user-test finding: killed by the signal, exit 130, nothing for a script to parse)
    const onStop = (sig: NodeJS.Signals): void => {
      stopped = true
      const again = id === '' ? '' : `: \`ferry wait ${id.slice(0, 8)}${values.home != null ? ` --home ${quoteForShell(homeOf(values))}` : ''}\` waits for it again`
      settle?.(new FerryError('E_CANCELLED', `the wait was ended (${sig}); the ${waited?.direction === 'receive' ? 'receive' : 'send'} goes on${again}`))
    }
    for (const s of STOP_SIGNALS) process.on(s, onStop)
    removeStop = () => { for (const s of STOP_SIGNALS) process.removeListener(s, onStop) }
    const prefix = positionals[0].toLowerCase()
    // looked for among every transfer kept, not only the newest listed (user-test finding: an older one was "no
    // transfer with id …"); several that match: E_TRANSFER_AMBIGUOUS naming them, from the daemon
    const matches = await client.call('transfers', { id: positionals[0] }).catch((err: unknown) => {
      if (toFerryError(err).code === 'E_TRANSFER_NOT_FOUND') return []
      return daemonGone(err)
    })
    if (matches.length === 0 || (matches[0].direction === 'receive' && matches[0].state === 'offered')) {
      // an offer waiting for a decision here is no transfer yet, and `ferry transfers` does not list it: said what it
      // is (user-test finding: "no transfer with id …; see `ferry transfers`" for the id `ferry offers` showed)
      const offers = (await client.call('offers').catch(daemonGone)).filter((o) => o.id.startsWith(prefix))
      if (offers.length === 1) throw new FerryError('E_TRANSFER_NOT_FOUND', `${offers[0].id} is an offer waiting for your decision (\`ferry offers\`), not a transfer yet: \`ferry accept ${positionals[0]}\` starts it, and \`ferry wait\` then follows it`)
      throw new FerryError('E_TRANSFER_NOT_FOUND', `no transfer with id ${positionals[0]}; see \`ferry transfers\``)
    }
    id = matches[0].id
    waited = matches[0]
    // on a terminal the live view `ferry send` draws (user-test finding: a one-line bar here); elsewhere the same line and notes
    shown = new TransferShown(json, wantsLive(json) ? (await import('../../tui/live.ts')).openWaitView(matches[0], undefined, liveKeysReach()) : undefined, { waitOnly: true })
    onInfo(matches[0])
    for (const t of early) onInfo(t)
    const t = await ended
    shown.done()
    // with --json the transfer as it stood, and why the wait ended, as `ferry send` prints one it was stopped in
    // (helper finding: the error alone, no id nor state)
    if (t instanceof FerryError && stopped && json) printJson({ ...waited, error: t.toJSON() })
    if (t instanceof FerryError) throw t
    const failure = waitFailure(t, leftOut, json)
    // with --json the transfer, and what exit 1 is for, as `ferry send` prints it (review finding: `error` left out of a
    // done one): its words as the line on stderr says them, its time and what it left out, as `ferry send`'s JSON has
    // them, so a script that goes on with `ferry wait` (as `ferry send` tells it to, its daemon stopped) reads the same
    // fields (user-test finding: "cancelled on the sending device" here, "cancelled here" on stderr; no `seconds`)
    if (json) printJson({ ...t, seconds: sendSeconds(t), ...(t.direction === 'send' ? { skipped: leftOut.paths, skippedCount: leftOut.count } : {}), ...(failure != null ? { error: failure.toJSON() } : {}) })
    else if (t.state === 'done') {
      const notReceived = t.receipt?.notReceived ?? 0
      // how long, as `ferry send` says it (user-test finding: left out here); a wait for a person to accept it, and
      // its waits while it could not go on, said apart, as `ferry send` says them (notes' leftover: counted in)
      const took = ownSeconds(t)
      await shown.summary(t, `${t.direction === 'send' ? 'sent' : 'received'} ${arrivedWords(t, t.files - notReceived)}, ${formatBytes(t.doneBytes)} ${t.direction === 'send' ? 'to' : 'from'} ${sanitizeForDisplay(t.peerName)} ` +
        `in ${formatTook(took * 1000)} ${overTheNetwork(t)}; receipt ${receiptCell(t) || 'missing'}${acceptWaitNote(t)}` +
        leftOut.summaryNote(), failure != null)
      process.stdout.write(afterSummaryText(t))
    }
    if (failure != null) throw failure
    return 0
  } catch (err) {
    // the last frame shows the error code, as `ferry send`'s does (not after the summary); not for the wait
    // ended here, which ends no transfer: the view keeps it as it was, and the line under it says it goes on
    // (found using it: "✗ interrupted: E_CANCELLED" read as the send cancelled)
    if (stopped) await shown?.waitEnded()
    else await shown?.fail(err)
    throw err
  } finally {
    removeStop()
    shown?.done()
    client.close()
    // as `ferry send` lists them, after the last frame
    process.stderr.write(leftOut.warnings())
  }
}
