// bin/ferry.js, run by a system Node older than the pinned one, starts the
// CLI under the pinned Node as its child and names itself in
// FERRY_WRAPPER_PID. It forwards SIGINT, SIGTERM and SIGHUP; SIGKILL (and
// the OOM killer) it cannot. This module makes the child stop once that
// wrapper is gone: as if SIGTERM had been forwarded, or a killed `ferry
// daemon` would leave its daemon running, holding the home (review
// finding); a `ferry send` as if the SIGKILL had reached it, since SIGTERM
// cancels the transfer where `kill -9` leaves it to the daemon, as its help
// says (helper finding: under the wrapper a kill -9 cancelled it).

import { readFileSync } from 'node:fs'
import { procStatFields } from './proc-stat.ts'

/** How the CLI running `command` stops once its wrapper is gone (above). */
export function stopSignalFor (command: string | undefined): 'SIGTERM' | 'SIGKILL' {
  return command === 'send' ? 'SIGKILL' : 'SIGTERM'
}

/**
 * Watch for the wrapper named in `env` to go. Its child's parent changes
 * then (to init or a subreaper); checked every second, off the event
 * loop's way. Gone already (killed before this ran) stops at once.
 */
export function stopWithWrapper (signal: 'SIGTERM' | 'SIGKILL', env: NodeJS.ProcessEnv = process.env): void {
  const wrapper = Number(env.FERRY_WRAPPER_PID)
  if (!Number.isInteger(wrapper) || wrapper <= 0) return
  if (process.ppid !== wrapper) {
    // gone already, before this got here (review finding: killed in the first
    // half second, the daemon ran on); a wrapper pid that is alive but not our
    // parent is a variable inherited from elsewhere: ignored
    if (!processAlive(wrapper)) { if (signal === 'SIGKILL') endAsKilled(); else process.kill(process.pid, signal) }
    return
  }
  let orphanedFor = 0
  setInterval(() => {
    if (process.ppid === wrapper) return
    if (signal === 'SIGKILL') endAsKilled()
    // asked once; still here 10 s later (the stop hung, or the signal came
    // where nothing took it: a CI run saw a daemon outlive its killed
    // wrapper by 30 s, once in six runs), it must not run on holding the home
    if (orphanedFor++ === 0) process.kill(process.pid, 'SIGTERM')
    else if (orphanedFor > 10) process.exit(143)
  }, 1000).unref()
}

/**
 * End as SIGKILL would, nothing said to the daemon; but the terminal given
 * back as it was taken, which a killed `ferry send` on a terminal leaves
 * raw and its cursor hidden (its live view draws with both), the shell's
 * prompt back meanwhile (review finding).
 */
function endAsKilled (): void {
  try { if (process.stdin.isTTY === true) process.stdin.setRawMode(false) } catch {}
  try { if (process.stdout.isTTY === true) process.stdout.write('\x1b[?25h\n') } catch {}
  process.kill(process.pid, 'SIGKILL')
}

/**
 * Whether `pid` is a running process. A zombie is not: a wrapper killed
 * with SIGKILL stays one, still answering kill(pid, 0), until whoever
 * started it reaps it, and its child checking in that time ran on (CI
 * finding: a test's own busy loop held off the reaping; the daemon
 * outlived its wrapper killed 700 ms into its start). /proc tells a zombie
 * apart on Linux; elsewhere kill(pid, 0) is all there is.
 */
export function processAlive (pid: number, readStat: (pid: number) => string = procStat): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  let stat: string
  try {
    stat = readStat(pid)
  } catch (err) {
    // gone between the two looks (ENOENT, or ESRCH mid-read); no /proc at
    // all (macOS): kill's answer stands
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ESRCH') return false
    return code !== 'ENOENT' || !procMounted()
  }
  const state = procStatFields(stat)[0]
  return state !== 'Z' && state !== 'X'
}

function procStat (pid: number): string {
  return readFileSync(`/proc/${pid}/stat`, 'utf8')
}

function procMounted (): boolean {
  try {
    readFileSync('/proc/self/stat')
    return true
  } catch {
    return false
  }
}
