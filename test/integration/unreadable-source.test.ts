// A send's files that its daemon can no longer read once they were offered
// (made unreadable: chmod 000 of the file or of its folder), end to end on
// 127.0.0.1 with mDNS off: two paired daemons, the sender's without root's
// power to read past permission bits (the tests run as root, which reads a
// file chmod 000 all the same), real files, the real `ferry send`.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { connectControl } from '../../src/daemon/control/client.ts'
import { cleanupAll, pairDaemons, spawnCli, startDaemon, tempDir, waitFor, type TestDaemon } from '../helpers/daemon.ts'
import { writeRandomFile } from '../helpers/files.ts'

let a: TestDaemon // sender, without CAP_DAC_OVERRIDE
let b: TestDaemon // receiver, holding offers for the test to accept

afterAll(cleanupAll)
beforeAll(async () => {
  a = await startDaemon({ name: 'alpha', withoutDacOverride: true })
  b = await startDaemon({ name: 'beta', peers: [a.addr] })
  await pairDaemons(a, b)
  expect((await b.cli(['auto-accept', 'alpha', 'off'])).code).toBe(0)
})

/** `ferry send beta <folder>` from alpha, `change` made once the offer waits on beta, then the offer accepted; the send's result. */
async function sendChangedAfterOffer (folder: string, change: () => Promise<void>): Promise<{ code: number, stderr: string }> {
  const sending = spawnCli(['send', 'beta', folder, '--json', '--home', a.home], { timeoutMs: 60_000 })
  const ctl = await connectControl(b.home)
  let id: string
  try {
    id = (await waitFor(async () => (await ctl.call('offers')).find((o) => o.names.some((n) => n.startsWith('album'))), 'the offer to wait on beta', 30_000)).id
  } finally { ctl.close() }
  await change()
  expect((await b.cli(['accept', id])).code).toBe(0)
  return await sending.done
}

describe('a file of a send that its daemon cannot read any more', () => {
  it('made unreadable after the offer (the file, or its folder) is left out saying permission denied, as the scan says of one unreadable before, not "(EACCES)" (helper finding); the rest arrives, exit 1 with E_INCOMPLETE', async () => {
    for (const what of ['file', 'folder'] as const) {
      const dir = join(await tempDir('ferry-src-'), `album-${what}`)
      await mkdir(join(dir, 'sub'), { recursive: true })
      const photo = join(dir, 'sub', 'photo.jpg')
      await writeRandomFile(photo, 300 * 1024)
      await writeFile(join(dir, 'notes.txt'), 'kept\n')
      const done = await sendChangedAfterOffer(dir, async () => { await chmod(what === 'file' ? photo : join(dir, 'sub'), 0) })
      expect(done.code, done.stderr).toBe(1)
      expect(done.stderr).toMatch(new RegExp(`^ferry: warning: E_SOURCE_CHANGED: ${photo.replaceAll('.', '\\.')}: cannot be read any more by the user the daemon runs as \\(${userInfo().username}\\): permission denied; not received$`, 'm'))
      expect(done.stderr).toMatch(/^ferry: E_INCOMPLETE: /m)
      expect(done.stderr).not.toMatch(/EACCES/)
      expect(await readFile(join(b.receiveDir, `album-${what}`, 'notes.txt'), 'utf8')).toBe('kept\n')
      await expect(stat(join(b.receiveDir, `album-${what}`, 'sub', 'photo.jpg'))).rejects.toMatchObject({ code: 'ENOENT' })
    }
  })

  it('unreadable before the offer (a file, a folder, a folder that can be listed but not entered) is left out naming the user the daemon runs as, who was refused, not the person sending (user-test finding: "(permission denied)", of a file the person could read; and a raw "cannot stat (EACCES: …, lstat …)"); the rest arrives', async () => {
    const dir = join(await tempDir('ferry-src-'), 'album-scan')
    await mkdir(join(dir, 'closed'), { recursive: true })
    await mkdir(join(dir, 'listed'), { recursive: true })
    await writeFile(join(dir, 'notes.txt'), 'kept\n')
    await writeFile(join(dir, 'private.jpg'), 'private\n')
    await writeFile(join(dir, 'closed', 'in.jpg'), 'in\n')
    await writeFile(join(dir, 'listed', 'in.jpg'), 'in\n')
    await chmod(join(dir, 'private.jpg'), 0)
    await chmod(join(dir, 'closed'), 0)
    await chmod(join(dir, 'listed'), 0o644)
    // beta holds offers: accepted as it comes
    const done = await sendChangedAfterOffer(dir, async () => {})
    for (const p of ['closed', 'listed']) await chmod(join(dir, p), 0o755)
    expect(done.code, done.stderr).toBe(1)
    const user = `by the user the daemon runs as \\(${userInfo().username}\\): permission denied`
    expect(done.stderr).toMatch(new RegExp(`^ferry: warning: E_IO: ${join(dir, 'private.jpg').replaceAll('.', '\\.')}: cannot be read ${user}, skipped$`, 'm'))
    expect(done.stderr).toMatch(new RegExp(`^ferry: warning: E_IO: ${join(dir, 'closed')}: folder cannot be read ${user}, skipped$`, 'm'))
    expect(done.stderr).toMatch(new RegExp(`^ferry: warning: E_IO: ${join(dir, 'listed', 'in.jpg').replaceAll('.', '\\.')}: cannot be reached ${user} \\(on it or a folder above it\\), skipped$`, 'm'))
    expect(done.stderr).not.toMatch(/EACCES|cannot stat/)
    expect(await readFile(join(b.receiveDir, 'album-scan', 'notes.txt'), 'utf8')).toBe('kept\n')
  })
})
