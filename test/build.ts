// vitest's globalSetup: build dist/ (scripts/build.sh, ~3 s) before any test
// file runs. The daemons and CLI processes the tests start run the bundle,
// dist/ferry.js, so a bare `vitest run test/…` after an edit tests the code
// as it is now, not the last build.

import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export default function build (): void {
  execFileSync('bash', [fileURLToPath(new URL('../scripts/build.sh', import.meta.url))], { stdio: 'inherit' })
}
