// V8 and allocator settings for the daemon process, applied by re-executing
// it in place (process.execve keeps the PID, stdio and the rest of the
// environment, so supervisors and `ferry status` see the same process).
// Both must be in place before the process starts: V8 sizes its heap, and
// glibc reads GLIBC_TUNABLES, once, at start.
//
// V8: a daemon moving files allocates hundreds of short-lived 64 KiB buffers
// per second (TCP reads, Noise frames, chunk reads). With V8's default young
// generation (16 MiB semi-spaces) these wait longer for a scavenge and
// promote more often to the old generation, whose collection external
// memory triggers only every ~64 MiB. A 2 MiB semi-space cut peak RSS by
// 23–32 MB on a 1 GiB loopback transfer at no measurable CPU cost; once the
// wire tuning (src/daemon/wire-tuning.ts) took most small allocations off
// the data path, scavenges came less often per byte, and 1 MiB cut another
// 10–15 MB on each side (5 runs of 1 GiB, 2 of the photo set, interleaved;
// CPU the same).
//
// glibc malloc (Linux): those 64 KiB buffers are malloc'd (Node's socket
// reads, Buffer.allocUnsafe, Noise's cipher output) and freed in batches
// when the GC gets to them. In glibc's heap the freed space stays resident
// wherever a live allocation sits above it: after a 1 GiB send and the
// photo set, malloc_trim(0) (called from gdb) gave back 33 MB on the
// sender and 30 MB on the receiver. With mmap_threshold=65536 every buffer
// of 64 KiB or more gets its own mapping, returned whole on free; and with
// arena_max=1 the hash workers and libuv's threads share that one heap
// instead of each keeping an arena of their own. Lab, 1 GiB: peak RSS
// 125–131 MiB instead of 136–143 on the sender over 4 interleaved pairs,
// CPU of both daemons 9.9–12.1 s against 10.1–13.8; over a 1 GiB send, the
// photo set and another 1 GiB send, 138 / 141 MiB instead of 155 / 149.
// A GLIBC_TUNABLES the user set is left as it is.

export const DAEMON_V8_FLAGS = ['--max-semi-space-size=1']
export const DAEMON_GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=65536:glibc.malloc.arena_max=1'

/** Re-exec with DAEMON_V8_FLAGS and DAEMON_GLIBC_TUNABLES unless they (or an explicit choice) are already there; returns if it cannot. */
export function reexecWithDaemonFlags (): void {
  const missing = DAEMON_V8_FLAGS.filter((f) => !process.execArgv.some((a) => a.startsWith(f.split('=')[0])))
  const env = { ...process.env } as Record<string, string>
  const tunables = process.platform === 'linux' && env.GLIBC_TUNABLES == null
  if (tunables) env.GLIBC_TUNABLES = DAEMON_GLIBC_TUNABLES
  if (missing.length === 0 && !tunables) return
  // Node < 22.15 has no execve: run with the defaults rather than fail
  if (typeof process.execve !== 'function') return
  process.execve(process.execPath, [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)], env)
}
