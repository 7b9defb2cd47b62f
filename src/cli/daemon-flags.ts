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
// V8's old generation: after each full collection V8 lets it grow by a
// factor it picks from its GC and mutator speeds (up to 4x for a heap this
// size) before the next. A large offer makes tens of MB of short-lived
// strings and objects per pass over its paths (decoding, checking, the
// plan), which outlive the 1 MiB semi-spaces: on the receiver the old
// generation reached 98 MB with 34 MB live before its first full collection
// (--trace-gc; 10,000 files with long unicode paths, 10.9 MB offer), and
// pages freed are then kept pooled (54 MB). --heap-growing-percent=25 caps
// the factor at 1.25: the same send peaked at 203 and 205 MB VmHWM on the
// receiver instead of 249 and 264, 212 and 220 on the sender instead of
// 231 and 232 (2 interleaved runs each), at 1.5–4.5 CPU-s more on the
// receiver and ~2 more on the sender (of 20 and 8): full collections come
// more often while the offer is worked through. 10 % took as much CPU and
// saved no more. 1 GiB sends: see the commit (their heap stays small, the
// data in external buffers: no difference).
//
// glibc malloc (Linux): those 64 KiB buffers are malloc'd (Node's socket
// reads, Buffer.allocUnsafe, Noise's cipher output) and freed in batches
// when the GC gets to them. Freed space stays resident in glibc's heaps:
// after a 1 GiB send and the photo set, malloc_trim(0) (called from gdb)
// gave back 33 MB on the sender and 30 MB on the receiver. Every thread
// that mallocs (hash workers, libuv's pool, V8's helpers) also gets an
// arena of its own, which keeps its freed space too. arena_max=1 puts them
// all on the one heap. 1 GiB loopback sends, two batches of 5 and 8
// interleaved pairs: mean peak RSS 127 and 130 MiB instead of 135 and 139
// on the sender, 129 instead of 133 on the receiver; wall time and CPU no
// different (batch of 8: 6.06 s and 4.7 / 4.5 CPU-s against 6.24 s and
// 4.7 / 4.8). An earlier measurement had it ≈ 10 % slower; these pairs do
// not show that.
// Dropped: mmap_threshold=65536 (every 64 KiB buffer its own mapping, so
// nothing stays behind) met 150 MB in the bench but cost 40 % more CPU,
// page faults and munmaps (bench/results/2026-12-02-full-6).
// A GLIBC_TUNABLES the user set is left as it is.
//
// --expose-gc: the daemon runs one memory-reducing collection once it is
// idle after a transfer (src/daemon/idle-trim.ts), which only gc() asks for.

export const DAEMON_V8_FLAGS = ['--max-semi-space-size=1', '--heap-growing-percent=25', '--expose-gc']
export const DAEMON_GLIBC_TUNABLES = 'glibc.malloc.arena_max=1'

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
