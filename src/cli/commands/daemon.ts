// `ferry daemon`: run the daemon in the foreground until SIGINT, SIGTERM or SIGHUP.

import type { Daemon as DaemonType } from '../../daemon/daemon.ts'
import { claimHome } from '../../daemon/claim-home.ts'
import { createLogger } from '../../daemon/logger.ts'
import { DEFAULT_LISTEN, defaultName, defaultReceiveDir, expandTilde } from '../../daemon/config.ts'
import { homeOf, parseOptionsOnly } from '../args.ts'
import { MAX_NAME_BYTES } from '../../protocol/constants.ts'
import { SIGNAL_REPEAT_MS, UsageError } from '../output.ts'
import { resolve } from 'node:path'

export const help = `Usage: ferry daemon [options]

Run the ferry daemon in the foreground (Ctrl-C, SIGTERM or SIGHUP stops it cleanly).

Options:
  --home DIR           state folder (default $FERRY_HOME, $XDG_STATE_HOME/ferry, ~/.local/state/ferry)
  --name NAME          device name shown to other peers (default: hostname)
  --listen ADDRESS     address to listen on, IP:PORT or a multiaddr, repeatable (default
                       /ip4/0.0.0.0/tcp/4774, or a random port when 4774 is taken)
  --peer ADDRESS       dial this peer directly and keep redialling it, repeatable: IP or
                       host name, with :PORT if not 4774, or a multiaddr
  --no-mdns            do not discover peers over mDNS (use --peer instead)
  --receive-dir DIR    where received files go (default $XDG_DOWNLOAD_DIR/ferry, else
                       ~/Downloads/ferry)
  --verbose            log info and debug lines (JSON on stderr)
`

/**
 * The signals that stop the daemon cleanly, and the exit code of a second
 * one (128 + its number). SIGHUP too: a daemon started with `ferry daemon &`
 * gets it when its terminal closes, and would otherwise die as if killed,
 * its transfers left to resume as after a crash (found by a docs review).
 */
const STOP_SIGNALS = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const

export async function run (argv: string[]): Promise<number> {
  const { values } = parseOptionsOnly(argv, {
    name: { type: 'string' },
    listen: { type: 'string', multiple: true },
    peer: { type: 'string', multiple: true },
    'no-mdns': { type: 'boolean' },
    'receive-dir': { type: 'string' },
    verbose: { type: 'boolean', short: 'v' }
  }, 'daemon')
  if (values.help === true) { process.stdout.write(help); return 0 }
  // every command takes --json; the daemon would have ignored it (user-test finding)
  if (values.json === true) throw new UsageError('ferry daemon has no --json: its log lines (stderr) are JSON already; for its state as JSON, `ferry status --json`')
  const home = resolve(homeOf(values))
  // the home's lock and control socket first, then the rest: what checks the
  // flags (multiaddr, libp2p's peer IDs) and the daemon itself take ~1 s to
  // load on a busy box, and a command run right after `ferry daemon &` found
  // no socket then (E_DAEMON_NOT_RUNNING, user-test finding); now it waits
  // there until the daemon is ready (claim-home.ts)
  const early = createLogger({ verbose: values.verbose === true })
  const claimed = await claimHome(home, (level, msg, data) => { early[level](msg, data) })
  let Daemon: typeof DaemonType
  let listen: string[] | undefined
  let peers: string[] = []
  try {
    const [addresses, { cleanName }, loaded] = await Promise.all([import('../addresses.ts'), import('../../protocol/hello.ts'), import('../../daemon/daemon.ts')])
    // as multiaddrs, however typed (host:port too)
    listen = values.listen?.map((a: string) => addresses.checkListen(a))
    peers = (values.peer ?? []).map((a: string) => addresses.checkPeerAddress(a))
    // a name peers would see cut or changed is said now, not done silently (user-test finding)
    if (values.name != null && cleanName(values.name) !== values.name) throw new UsageError(`--name must be at most ${MAX_NAME_BYTES} bytes, without control characters or spaces at its ends; peers would see ${JSON.stringify(cleanName(values.name))}`)
    Daemon = loaded.Daemon
  } catch (err) {
    await claimed.giveUp(err as Error)
    throw err
  }
  const daemon = new Daemon({
    home,
    name: values.name ?? defaultName(),
    listen: listen ?? DEFAULT_LISTEN,
    mdns: values['no-mdns'] !== true,
    peers,
    // `--receive-dir=~/Photos` reaches us with its ~ (config.ts expandTilde)
    receiveDir: resolve(expandTilde(values['receive-dir'] ?? defaultReceiveDir())),
    verbose: values.verbose === true
  })
  // the daemon must survive a bug in one transfer: log it, never crash on it
  process.on('unhandledRejection', (err) => { daemon.log.error('unhandled rejection', { err: String((err as Error)?.stack ?? err) }) })
  await daemon.start(claimed)
  const st = daemon.status()
  process.stdout.write(`ferry daemon ${st.name} (${st.peerId}) listening on ${st.listenAddrs.join(' ')}\n`)
  await new Promise<void>((resolveStop) => {
    let stopping = false
    const onSignal = (sig: string): void => {
      if (stopping) return // another of STOP_SIGNALS: `again` below decides
      stopping = true
      daemon.log.info('stopping', { signal: sig })
      // said as the start is, without --verbose: a clean stop takes a second or two, silent before (user-test finding)
      process.stdout.write(`ferry daemon stopping (${sig})…\n`)
      const first = performance.now()
      // a second signal while stopping exits at once; but not one within
      // SIGNAL_REPEAT_MS of the first: the same request delivered twice (the
      // bin/ferry.js wrapper passes on what its process group got too, and
      // a service manager signals the whole group): that cut clean stops
      // short (review finding)
      const again = (code: number) => (): void => { if (performance.now() - first >= SIGNAL_REPEAT_MS) process.exit(code) }
      for (const [s, code] of Object.entries(STOP_SIGNALS)) process.on(s, again(code))
      void daemon.stop().then(resolveStop)
    }
    for (const s of Object.keys(STOP_SIGNALS)) process.on(s, () => onSignal(s))
  })
  // Stopped: everything of ferry's is closed. libp2p (3.3) leaves its
  // address manager's 1 s debounce timer running after its stop, and the
  // process stayed ~1 s after "daemon stopped" at every Ctrl-C, restart and
  // `systemctl stop` (found by a helper trimming test time). Exit once the
  // exit code is set (main.ts), not when that timer runs out.
  setImmediate(() => process.exit())
  return 0
}
