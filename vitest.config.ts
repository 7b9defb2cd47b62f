import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Integration and lab tests start real daemons as child processes; they are
// slow to boot, so timeouts are generous. None of them measures speed.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/build.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    // three files at a time on the 2-core CI box: the daemons the tests start
    // spend much of a test waiting on timers and sockets, so a third file
    // fills that; measured on an idle box (2026-12-06): 586-600 s with 2,
    // 504 s with 3, the CPU then 95-99 % busy (a fourth would only queue)
    maxWorkers: 3,
    // inherited by the daemons and CLI processes the tests start: Node keeps
    // what it compiled (the bundle's chunks; the TypeScript sources, stripped
    // of their types, where a test runs those), keyed by their content, and
    // does not do it again at every start; the same code runs
    env: { NODE_COMPILE_CACHE: fileURLToPath(new URL('node_modules/.cache/ferry-test-compile', import.meta.url)) }
  }
})
