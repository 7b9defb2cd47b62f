// processAlive, the check a CLI started by bin/ferry.js makes on its wrapper
// when it finds another parent: a killed wrapper not yet reaped is a zombie,
// which kill(pid, 0) still answers (CI finding: the daemon ran on).

import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { processAlive } from '../../src/cli/wrapper-watch.ts'
import { procStatFields } from '../../src/cli/proc-stat.ts'

function state (pid: number): string {
  return procStatFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))[0]
}

describe('processAlive', () => {
  it('a running process is alive; a killed one not yet reaped (a zombie, which kill(pid, 0) still answers) is not', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' })
    const pid = child.pid as number
    await new Promise((resolve) => child.once('spawn', resolve))
    try {
      expect(processAlive(pid)).toBe(true)
      expect(processAlive(process.pid)).toBe(true)
      child.kill('SIGKILL')
      // Node reaps its children on its event loop: not returning to it, the child stays a zombie
      const until = Date.now() + 5000
      while (state(pid) !== 'Z' && Date.now() < until) { /* a zombie within microseconds */ }
      expect(state(pid)).toBe('Z')
      expect(() => process.kill(pid, 0)).not.toThrow()
      expect(processAlive(pid)).toBe(false)
    } finally {
      child.kill('SIGKILL')
    }
    await new Promise((resolve) => child.once('exit', resolve))
    // reaped: no such process
    expect(processAlive(pid)).toBe(false)
  })

  it('where /proc cannot be read for a pid kill(pid, 0) finds, kill\'s answer stands unless the process went in between', () => {
    const fail = (code: string) => () => { throw Object.assign(new Error(code), { code }) }
    expect(processAlive(process.pid, fail('EACCES'))).toBe(true)
    expect(processAlive(process.pid, fail('ESRCH'))).toBe(false)
    // ENOENT with /proc mounted (this Linux box): gone between the looks
    expect(processAlive(process.pid, fail('ENOENT'))).toBe(false)
    expect(processAlive(process.pid, () => `${process.pid} (a (b) c) R 1 2 3`)).toBe(true)
    expect(processAlive(process.pid, () => `${process.pid} (a (b) c) Z 1 2 3`)).toBe(false)
  })
})
