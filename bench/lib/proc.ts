// Child processes for the bench: run a command to completion with a time
// limit, start long-lived ones whose PIDs we own, and kill exactly those on
// exit. Nothing here kills by name; every wait has a deadline.

import { spawn, type ChildProcess } from 'node:child_process'
import { openSync, closeSync } from 'node:fs'

export interface RunResult { code: number, stdout: string, stderr: string, ms: number }

export interface RunOpts {
  timeoutMs: number
  env?: Record<string, string>
  /** stream the child's stderr to ours as it comes (long shell steps) */
  echoStderr?: boolean
  /** stream the child's stdout to ours as it comes */
  echoStdout?: boolean
}

const owned = new Set<ChildProcess>()

/** Run to completion; SIGKILL when the time limit passes (code -1 then). */
export function run (cmd: string, args: string[], opts: RunOpts): Promise<RunResult> {
  const t0 = performance.now()
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    owned.add(p)
    let stdout = ''
    let stderr = ''
    p.stdout!.on('data', (d: Buffer) => { stdout += d; if (opts.echoStdout === true) process.stdout.write(d) })
    p.stderr!.on('data', (d: Buffer) => { stderr += d; if (opts.echoStderr === true) process.stderr.write(d) })
    const timer = setTimeout(() => { p.kill('SIGKILL') }, opts.timeoutMs)
    p.on('error', (err) => { clearTimeout(timer); owned.delete(p); reject(err) })
    p.on('close', (code) => {
      clearTimeout(timer)
      owned.delete(p)
      resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - t0 })
    })
  })
}

/** Like run(), but a non-zero exit is an error carrying the command's stderr. */
export async function check (cmd: string, args: string[], opts: RunOpts): Promise<RunResult> {
  const r = await run(cmd, args, opts)
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim().slice(-2000)}`)
  return r
}

/** A long-lived child with stdout/stderr going to files; its PID is ours to kill. */
export function startLogged (cmd: string, args: string[], logBase: string, env?: Record<string, string>): ChildProcess {
  const out = openSync(`${logBase}.out`, 'a')
  const err = openSync(`${logBase}.err`, 'a')
  const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', out, err] })
  closeSync(out)
  closeSync(err)
  owned.add(p)
  p.on('exit', () => { owned.delete(p) })
  return p
}

/** A child we read from while it runs (e.g. `ferry pair --json`, which prints a code and then waits). */
export function startPiped (cmd: string, args: string[], env?: Record<string, string>, opts: { stdin?: boolean } = {}): { proc: ChildProcess, stdout: () => string, stderr: () => string, exited: Promise<number> } {
  const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: [opts.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'] })
  owned.add(p)
  let stdout = ''
  let stderr = ''
  p.stdout!.on('data', (d: Buffer) => { stdout += d })
  p.stderr!.on('data', (d: Buffer) => { stderr += d })
  const exited = new Promise<number>((resolve) => { p.on('close', (code) => { owned.delete(p); resolve(code ?? -1) }) })
  return { proc: p, stdout: () => stdout, stderr: () => stderr, exited }
}

/** Resolves with the exit code, or undefined if the process is still running after `ms`. */
export async function waitExit (p: ChildProcess, ms: number): Promise<number | null | undefined> {
  if (p.exitCode != null || p.signalCode != null) return p.exitCode
  return await new Promise((resolve) => {
    const timer = setTimeout(() => { p.removeListener('exit', onExit); resolve(undefined) }, ms)
    const onExit = (code: number | null): void => { clearTimeout(timer); resolve(code) }
    p.once('exit', onExit)
  })
}

/** SIGTERM, then SIGKILL after `graceMs`; by PID, only for children we started. */
export async function stopChild (p: ChildProcess, graceMs = 15_000): Promise<void> {
  if (p.exitCode != null || p.signalCode != null) return
  p.kill('SIGTERM')
  if (await waitExit(p, graceMs) !== undefined) return
  p.kill('SIGKILL')
  await waitExit(p, 5000)
}

/** Synchronous last resort on exit: SIGKILL every child still running. */
export function killAllOwned (): void {
  for (const p of owned) {
    if (p.exitCode == null && p.signalCode == null) { try { p.kill('SIGKILL') } catch {} }
  }
  owned.clear()
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Poll `fn` until it returns a value (not undefined/false) or the deadline passes. */
export async function waitFor<T> (what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await fn()
      if (v !== undefined && v !== false) return v
    } catch (err) { last = err }
    await sleep(everyMs)
  }
  throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${last != null ? ` (last error: ${(last as Error).message})` : ''}`)
}
