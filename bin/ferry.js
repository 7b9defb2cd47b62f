#!/usr/bin/env node
// Entry point of the `ferry` command. The code is TypeScript run through
// Node's type stripping, which needs Node >= 22.18; the project pins Node 24
// as the npm package `node`, so when an older system Node runs this file we
// run the CLI under the pinned one instead of failing with a syntax error,
// forwarding signals so that stopping this process stops the daemon too.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { constants } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  const pinned = join(root, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(pinned)) {
    console.error(`ferry: E_NODE_TOO_OLD: Node ${process.versions.node} cannot run ferry; run \`npm install\` in ${root} to get Node 24`)
    process.exit(1)
  }
  const child = spawn(pinned, [join(root, 'src', 'cli', 'main.ts'), ...process.argv.slice(2)], { stdio: 'inherit' })
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { child.kill(sig) })
  child.on('exit', (code, signal) => { process.exit(code ?? 128 + (constants.signals[signal] ?? 1)) })
} else {
  await import('../src/cli/main.ts')
}
