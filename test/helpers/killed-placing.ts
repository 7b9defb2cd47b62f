// A placing of a part file killed (SIGKILL) between the name it claimed and
// the rename of the part over it: what a kill -9 there leaves
// where hard links are missing (FAT, exFAT: placeByRename).

import { spawnSync } from 'node:child_process'
import { expect } from 'vitest'

/** placeByRename(`partPath`, `wanted`) in a process killed right as it would rename the part over the name it claimed. */
export function placeByRenameKilledBeforeRename (partPath: string, wanted: string): void {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', `
    import fs from 'node:fs'
    import { syncBuiltinESMExports } from 'node:module'
    fs.renameSync = () => { process.kill(process.pid, 'SIGKILL') }
    syncBuiltinESMExports()
    const { placeByRename } = await import(${JSON.stringify(new URL('../../src/transfer/folder/finalize.ts', import.meta.url).href)})
    await placeByRename(${JSON.stringify(partPath)}, ${JSON.stringify(wanted)})
  `], { encoding: 'utf8' })
  expect(child.signal, child.stderr).toBe('SIGKILL')
}
