// A stand-in for a disk that goes away while a receive plans, preloaded into a
// test daemon (NODE_OPTIONS=--import=<this file>, HELD_PLAN_GATE=<a path>):
// while the file HELD_PLAN_GATE exists, a readdir of a folder that is there
// directly under a `.ferry-part` (a receive's part folder, as its plan lists
// it: receive-plan.ts) waits, and goes on once the test removes that file. It
// says on stderr, in the daemon's output, which folder it holds, so that the
// test can take the folder away in that window (the window the CI run of
// 4ad2e46 met by chance: its disk unmounted between the part folder's making
// and the plan's look at it). Nothing else is touched; without HELD_PLAN_GATE
// nothing at all.

import fsp from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { syncBuiltinESMExports } from 'node:module'

const gate = process.env.HELD_PLAN_GATE
if (gate !== undefined && gate !== '') {
  const readdir = fsp.readdir
  fsp.readdir = async (path, opts) => {
    // one that is there: a receive's own look, after its run made the folder (the free-space check before it looks too)
    if (basename(dirname(String(path))) === '.ferry-part' && existsSync(gate) && existsSync(String(path))) {
      process.stderr.write(`held-plan: holding the look at ${String(path)}\n`)
      // bounded: a test that forgets its gate does not hold the daemon for ever
      for (let i = 0; i < 600 && existsSync(gate); i++) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return await readdir(path, opts)
  }
  // the daemon's `import { readdir } from 'node:fs/promises'` sees this one
  syncBuiltinESMExports()
}
