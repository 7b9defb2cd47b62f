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
    maxWorkers: 2
  }
})
