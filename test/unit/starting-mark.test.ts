// The mark of a daemon starting on a home (src/daemon/starting-mark.ts):
// what a client waits on when it finds no control socket yet.

import { afterEach, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { acquireHomeLock } from '../../src/daemon/home-lock.ts'
import { STARTING_MARK, daemonStarting, markStarting, notStarting, unmarkStarting } from '../../src/daemon/starting-mark.ts'

const made: string[] = []
function tempFolder (): string {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-mark-'))
  made.push(dir)
  return dir
}
afterEach(() => { for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true }) })

describe('the starting mark', () => {
  it('names this process while it starts, and goes when it unmarks', () => {
    const home = join(tempFolder(), 'new-home')
    expect(daemonStarting(home)).toBe(false)
    markStarting(home)
    expect(readFileSync(join(home, STARTING_MARK), 'utf8')).toBe(`${process.pid}\n${home}`)
    expect(daemonStarting(home)).toBe(true)
    unmarkStarting(home)
    expect(existsSync(join(home, STARTING_MARK))).toBe(false)
  })

  it('a mark of a process that is gone (a daemon killed while it started) is no daemon starting; one of another process is not ours to remove', () => {
    const home = tempFolder()
    const gone = spawnSync(process.execPath, ['-e', '0']).pid
    writeFileSync(join(home, STARTING_MARK), String(gone))
    expect(daemonStarting(home)).toBe(false)
    // two daemons started at once: the one that lost the home leaves the other's mark
    const other = String(process.ppid)
    writeFileSync(join(home, STARTING_MARK), other)
    unmarkStarting(home)
    expect(readFileSync(join(home, STARTING_MARK), 'utf8')).toBe(other)
    expect(daemonStarting(home)).toBe(true)
    writeFileSync(join(home, STARTING_MARK), 'not a pid')
    expect(daemonStarting(home)).toBe(false)
  })

  it('a daemon that does not start (a mistyped flag) removes the home its mark made, and the folders made above it, but no home that was there, holds more than its lock file, or whose lock another daemon holds (user-test finding: an empty folder left)', async () => {
    const base = tempFolder()
    const home = join(base, 'made', 'for', 'it')
    markStarting(home)
    // after the re-exec (the same PID): the mark is kept as it is, with what it made
    markStarting(home)
    expect(readFileSync(join(home, STARTING_MARK), 'utf8')).toBe(`${process.pid}\n${join(base, 'made')}`)
    // the socket listened (claim-home.ts unmarks), and then a flag was found wrong
    unmarkStarting(home)
    writeFileSync(join(home, 'daemon.lock'), '')
    await notStarting(home)
    expect(readdirSync(base)).toEqual([])
    // a home that was there stays
    const there = join(base, 'there')
    mkdirSync(there)
    markStarting(there)
    await notStarting(there)
    expect(readdirSync(there)).toEqual([])
    // one that another daemon took meanwhile stays
    const taken = join(base, 'taken')
    markStarting(taken)
    writeFileSync(join(taken, 'control.sock'), '')
    await notStarting(taken)
    expect(readdirSync(taken)).toEqual(['control.sock'])
    // one another daemon started at the same moment holds, before its socket is made: its lock file stays (review finding)
    const held = join(base, 'held')
    markStarting(held)
    const lock = acquireHomeLock(held)
    try {
      await notStarting(held)
      expect(existsSync(join(held, 'daemon.lock'))).toBe(true)
    } finally { lock.release() }
  })
})
