// A command run at a real terminal: script(1) gives it a pseudo-terminal as
// its controlling terminal, with the shell's process group in the
// foreground, as a person's prompt does. For what depends on the terminal
// itself (which process group its Ctrl-C reaches), not only on isTTY.

import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { stripVTControlCharacters } from 'node:util'
import { procStatFields } from '../../src/cli/proc-stat.ts'

export interface AtTerminal {
  /** what the terminal showed so far (stdout and stderr, as a terminal merges them), its escapes taken out, \r\n as \n */
  output: () => string
  /** stop the processes under the terminal whose command line holds `marker`, with SIGTERM */
  stop: (marker: string) => void
  /** as stop, only the processes whose command line begins with `prefix` (the program and its arguments joined by spaces): not the shell that runs it, which `stop` hits too, and whose end ends the terminal before what comes after the stop is shown */
  stopStarting: (prefix: string) => void
  done: Promise<string>
}

/** Run `shellCommand` (sh -c) at a new pseudo-terminal; NO_COLOR set. Killed after `timeoutMs`. */
export function atTerminal (shellCommand: string, env: Record<string, string> = {}, timeoutMs = 60_000): AtTerminal {
  const proc = spawn('script', ['-qec', shellCommand, '/dev/null'], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout.on('data', (d: Buffer) => { out += d.toString() })
  proc.stderr.on('data', (d: Buffer) => { out += d.toString() })
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs)
  const shown = (): string => stripVTControlCharacters(out).replace(/\r\n/g, '\n')
  const done = new Promise<string>((resolve) => proc.on('close', () => { clearTimeout(timer); resolve(shown()) }))
  return {
    output: shown,
    stop: (marker) => { signalWhere(proc.pid!, (cmdline) => cmdline.includes(marker)) },
    stopStarting: (prefix) => { signalWhere(proc.pid!, (cmdline) => cmdline.startsWith(prefix)) },
    done
  }
}

/** SIGTERM to the processes under `root` whose command line `pick` takes. */
function signalWhere (root: number, pick: (cmdline: string) => boolean): void {
  for (const pid of descendants(root)) {
    const cmdline = readQuietly(`/proc/${pid}/cmdline`).split('\0').join(' ')
    if (pick(cmdline)) try { process.kill(pid, 'SIGTERM') } catch {}
  }
}

/** Every process under `root`, from /proc. */
function descendants (root: number): number[] {
  const parent = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const stat = readQuietly(`/proc/${name}/stat`)
    const ppid = Number(procStatFields(stat)[1])
    if (Number.isInteger(ppid)) parent.set(Number(name), ppid)
  }
  const under = (pid: number): boolean => {
    for (let p = parent.get(pid), hops = 0; p !== undefined && hops < 64; p = parent.get(p), hops++) if (p === root) return true
    return false
  }
  return [...parent.keys()].filter(under)
}

function readQuietly (path: string): string {
  try { return readFileSync(path, 'utf8') } catch { return '' }
}
