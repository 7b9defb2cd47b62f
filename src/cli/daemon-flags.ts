// V8 settings for the daemon process. A daemon moving files allocates
// hundreds of short-lived 64 KiB buffers per second (TCP reads, Noise
// frames, chunk reads). With V8's default young generation (16 MiB
// semi-spaces) these wait longer for a scavenge and promote more often to
// the old generation, whose collection external memory triggers only every
// ~64 MiB; a 2 MiB semi-space cut peak RSS by 23–32 MB on a 1 GiB loopback
// transfer at no measurable CPU cost (README, "Memory").
//
// Flags must be set before V8 sizes its heap, so the daemon re-executes
// itself in place with them (process.execve keeps the PID, stdio and
// environment, so supervisors and `ferry status` see the same process).

export const DAEMON_V8_FLAGS = ['--max-semi-space-size=2']

/** Re-exec with DAEMON_V8_FLAGS unless they (or an explicit choice) are already there; returns if it cannot. */
export function reexecWithDaemonFlags (): void {
  const missing = DAEMON_V8_FLAGS.filter((f) => !process.execArgv.some((a) => a.startsWith(f.split('=')[0])))
  if (missing.length === 0) return
  // Node < 22.15 has no execve: run with the defaults rather than fail
  if (typeof process.execve !== 'function') return
  process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)], process.env as Record<string, string>)
}
