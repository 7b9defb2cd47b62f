// V8 settings for the daemon process. A daemon moving files allocates
// hundreds of short-lived 64 KiB buffers per second (TCP reads, Noise
// frames, chunk reads). With V8's default young generation (16 MiB
// semi-spaces) these wait longer for a scavenge and promote more often to
// the old generation, whose collection external memory triggers only every
// ~64 MiB. A 2 MiB semi-space cut peak RSS by 23–32 MB on a 1 GiB loopback
// transfer at no measurable CPU cost; once the wire tuning
// (src/daemon/wire-tuning.ts) took most small allocations off the data path,
// scavenges came less often per byte, and 1 MiB cut another 10–15 MB on
// each side (5 runs of 1 GiB, 2 of the photo set, interleaved; CPU the same).
//
// Flags must be set before V8 sizes its heap, so the daemon re-executes
// itself in place with them (process.execve keeps the PID, stdio and
// environment, so supervisors and `ferry status` see the same process).

export const DAEMON_V8_FLAGS = ['--max-semi-space-size=1']

/** Re-exec with DAEMON_V8_FLAGS unless they (or an explicit choice) are already there; returns if it cannot. */
export function reexecWithDaemonFlags (): void {
  const missing = DAEMON_V8_FLAGS.filter((f) => !process.execArgv.some((a) => a.startsWith(f.split('=')[0])))
  if (missing.length === 0) return
  // Node < 22.15 has no execve: run with the defaults rather than fail
  if (typeof process.execve !== 'function') return
  process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)], process.env as Record<string, string>)
}
