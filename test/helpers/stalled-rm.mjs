// A stand-in for a disk that hangs while a part folder is removed, preloaded
// into a test daemon (NODE_OPTIONS=--import=<this file>, STALLED_RM_GATE=<a
// path>): while the file STALLED_RM_GATE exists, a recursive rm of a folder
// directly under a `.ferry-part` (a receive's part folder: part-folders.ts
// removePartFolder) waits, and goes on once the test removes that file. It
// says once on stderr, in the daemon's output, that it holds one. Nothing
// else is touched; without STALLED_RM_GATE nothing at all.

import fsp from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { basename, dirname } from 'node:path'
import { syncBuiltinESMExports } from 'node:module'

const gate = process.env.STALLED_RM_GATE
if (gate !== undefined && gate !== '') {
  const rm = fsp.rm
  fsp.rm = async (path, opts) => {
    if (opts?.recursive === true && basename(dirname(String(path))) === '.ferry-part' && existsSync(gate)) {
      process.stderr.write(`stalled-rm: holding the removal of ${String(path)}\n`)
      // bounded: a test that forgets its gate does not hold the daemon's stop for ever
      for (let i = 0; i < 1200 && existsSync(gate); i++) await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return await rm(path, opts)
  }
  // the daemon's `import { rm } from 'node:fs/promises'` sees this one
  syncBuiltinESMExports()
}
