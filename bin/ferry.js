#!/usr/bin/env node
// Entry point of the `ferry` command. It runs the compiled CLI in dist/
// (built by `npm install`, `npm start` and `npm test`), or the TypeScript
// sources through Node's type stripping when there is no build. The project
// pins Node 24 as the npm package `node`: when an older system Node runs
// this file, we run the CLI under the pinned one instead of failing, and
// forward signals so that stopping this process stops the daemon too.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { constants } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const built = join(root, 'dist', 'ferry.js')
const entry = existsSync(built) ? built : join(root, 'src', 'cli', 'main.ts')
const [major, minor] = process.versions.node.split('.').map(Number)
// 22.18: type stripping on by default, node:sqlite, process.execve
if (major < 22 || (major === 22 && minor < 18)) {
  const pinned = join(root, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(pinned)) {
    console.error(`ferry: E_NODE_TOO_OLD: Node ${process.versions.node} cannot run ferry; run \`npm install\` in ${root} to get Node 24`)
    process.exit(1)
  }
  // SIGKILL (and the OOM killer) cannot be forwarded: the child watches for
  // this process to go (src/cli/main.ts), or a killed `ferry daemon` would
  // leave its daemon running, holding the home (review finding)
  const env = { ...process.env, FERRY_WRAPPER_PID: String(process.pid) }
  const child = spawn(pinned, [entry, ...process.argv.slice(2)], { stdio: 'inherit', env })
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { child.kill(sig) })
  child.on('exit', (code, signal) => { process.exit(code ?? 128 + (constants.signals[signal] ?? 1)) })
} else {
  await import(entry)
}
