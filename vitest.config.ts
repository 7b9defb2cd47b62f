import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// Integration and lab tests start real daemons as child processes; they are
// slow to boot, so timeouts are generous. None of them measures speed.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // inherited by the daemons and CLI processes the tests start: Node keeps
    // what it compiled (the TypeScript sources stripped of their types too,
    // keyed by their content) and does not do it again at every start, ~0.4 s
    // -> ~0.2 s per `ferry` process; the same code runs
    env: { NODE_COMPILE_CACHE: fileURLToPath(new URL('node_modules/.cache/ferry-test-compile', import.meta.url)) }
  }
})
