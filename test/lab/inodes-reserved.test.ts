// Offers that wait their turn on a disk with few file entries (inodes): a
// crafted sender (test/helpers/evil-peer.ts) has the receiver run as many
// of its receives as it runs at once, each stalled on its first chunk, then
// offers two more, each of as many files as the disk can make alone. The
// first is accepted and waits its turn, its files not made yet; the second
// must be refused up front, as it would be for bytes (Receives.reservedIn),
// not accepted to run the disk out of inodes once both run (review
// suspicion, helper-reproduced). Needs root to mount the tmpfs (required in
// CI, a printed skip elsewhere).

import { afterAll, describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, rm, statfs } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { MAX_RUNNING_RECEIVES_PER_PEER } from '../../src/protocol/constants.ts'
import { INODE_MARGIN } from '../../src/transfer/folder/space.ts'
import { control as call, tempDir, waitFor, type TestDaemon } from '../helpers/daemon.ts'
import { buildOffer, daemonWithEvilPeer, type EvilPeer } from '../helpers/evil-peer.ts'
import { rootRequiredButMissing } from '../helpers/lab.ts'

const skip = rootRequiredButMissing('inode tests (mount -t tmpfs -o nr_inodes)')
let disk: string | undefined
let mounted = false
let victim: TestDaemon
let evil: EvilPeer

// registered before the daemon's: run after it has stopped (vitest runs after-hooks last first)
afterAll(async () => {
  if (!mounted) return
  try { execFileSync('umount', [disk!]) } catch { execFileSync('umount', ['-l', disk!]) }
  await rm(dirname(disk!), { recursive: true, force: true })
})

if (skip == null) {
  daemonWithEvilPeer(async () => {
    disk = join(await tempDir('ferry-inodes-reserved-'), 'disk')
    await mkdir(disk)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m,nr_inodes=400,mode=0755', 'tmpfs', disk])
    mounted = true
    return { name: 'nas', receiveDir: disk }
  }, (d, e) => { victim = d; evil = e })
}

/** An offer of `n` files of a byte each, at the top of the receive folder (no folder of its own to count). */
function smallFiles (name: string, n: number): ReturnType<typeof buildOffer> {
  return buildOffer(Array.from({ length: n }, (_, i) => ({ path: `${name}-${i}.txt`, data: randomBytes(1) })))
}

describe.skipIf(skip != null)('offers accepted while the receives from their sender are full', () => {
  it('set aside the inodes of their files until their plan makes them: two that each fit alone are not both accepted (review suspicion: only their bytes were set aside)', async () => {
    const ids: string[] = []
    // the receives it runs at once, each stalled on its first chunk: planned, their part files made
    for (let i = 0; i < MAX_RUNNING_RECEIVES_PER_PEER; i++) {
      const running = buildOffer([{ path: `running-${i}.bin`, data: randomBytes(512 * 1024) }])
      ids.push(running.id)
      const ans = await evil.offer(victim, running, undefined, undefined, { hold: () => true })
      expect(ans, `running ${i}`).toMatchObject({ status: 'accepted', waitsTurn: false })
    }
    // each asked for its first chunk: planned, its part files made (fetching is said before the plan)
    await waitFor(async () => ids.every((id) => evil.attempts(id, 0, 0) > 0) && (await call(victim, 'transfers')).filter((t) => ids.includes(t.id) && t.state === 'fetching').length === ids.length ? true : undefined, 'the first receives to run', 20_000)
    // as many files as the disk can make with the margin kept, and 2 to spare (a spool slot more, say)
    const n = Number((await statfs(disk!)).ffree) - INODE_MARGIN - 2
    expect(n, 'files the disk can make with the margin').toBeGreaterThan(100)
    const first = smallFiles('first', n)
    ids.push(first.id)
    // accepted, its files not made: it waits its turn (and the part files of the receives that run are not counted again)
    expect(await evil.offer(victim, first)).toMatchObject({ status: 'accepted', waitsTurn: true })
    const second = smallFiles('second', n)
    const ans = await evil.offer(victim, second)
    expect(ans.status, JSON.stringify(ans)).toBe('refused')
    expect(ans.error?.code).toBe('E_NO_SPACE')
    expect(ans.error?.message).toMatch(new RegExp(`^the receive folder's disk can make \\d+ more files \\(free inodes, as \`df -i\` shows\\); this needs ${n} \\(and ${n} for receives accepted here that have not begun\\) and keeps ${INODE_MARGIN} free`))
    // the one waiting its turn first: it would run, and end, once a slot is free
    for (const id of ids.reverse()) { const c = await victim.cli(['cancel', id]); expect(c.code, c.stderr).toBe(0) }
    expect(victim.proc.exitCode).toBeNull()
  }, 90_000)
})
