// Live Ink views for one-shot CLI commands on a terminal: `ferry send` and
// `ferry wait` (SendProgress) and `ferry pair` (PairPrompt). The command keeps talking to
// the daemon; it only hands each new state to the view and, at the end, the
// outcome, which stays on screen as the last frame. Errors still go to stderr
// as `ferry: E_CODE: message` from the command, after the view has closed.
// The CLI imports this module only on a terminal without --json, so scripts
// never load React or Ink.

import { createElement as h } from 'react'
import type { FunctionComponent } from 'react'
import { render } from 'ink'
import type { PairingState, TransferInfo } from '../daemon/control/types.ts'
import { toFerryError } from '../errors.ts'
import { PairPrompt } from './components/PairPrompt.ts'
import type { PairPromptProps } from './components/PairPrompt.ts'
import { SendProgress } from './components/SendProgress.ts'
import type { SendProgressProps } from './components/SendProgress.ts'

export interface LiveStreams {
  stdout?: NodeJS.WriteStream
  stderr?: NodeJS.WriteStream
}

export interface LiveView<P> {
  /** show a new state */
  update: (props: P) => void
  /** show the last frame and let go of the terminal */
  close: (props?: P) => Promise<void>
}

const SHOW_CURSOR = '\u001B[?25h'
let stderrGuarded = false

/**
 * Ink hides the cursor on the terminal it draws on and shows it again when
 * it unmounts; its cli-cursor also has restore-cursor show it at exit, on
 * process.stderr, whatever that is. With stderr to a file (`ferry send …
 * 2> log`) that left an escape in the log after the error line (helper
 * finding). restore-cursor's write comes last at exit (signal-exit's
 * alwaysLast, after the 'exit' listeners), so an 'exit' listener can drop it.
 */
function keepCursorEscapeOffStderr (): void {
  if (stderrGuarded || process.stderr.isTTY === true) return
  stderrGuarded = true
  process.once('exit', () => {
    const write = process.stderr.write.bind(process.stderr) as (...a: unknown[]) => boolean
    process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => chunk === SHOW_CURSOR || write(chunk, ...rest)) as typeof process.stderr.write
  })
}

/** Mount `component` inline (not full screen) on stdout; nothing reads the keyboard. */
export function mountLive<P extends object> (component: FunctionComponent<P>, props: P, streams: LiveStreams = {}): LiveView<P> {
  const stdout = streams.stdout ?? process.stdout
  if (streams.stderr == null) keepCursorEscapeOffStderr()
  const instance = render(h(component, props), {
    stdout,
    stderr: streams.stderr ?? process.stderr,
    // no useInput anywhere: stdin stays cooked, so Ctrl-C is a SIGINT the command handles
    exitOnCtrlC: false,
    patchConsole: false,
    // only mounted on a terminal; CI=1 must not turn the live view into a final-frame dump
    interactive: stdout.isTTY === true
  })
  let closed = false
  return {
    update (p) { if (!closed) instance.rerender(h(component, p)) },
    async close (p) {
      if (closed) return
      closed = true
      if (p != null) instance.rerender(h(component, p))
      await instance.waitUntilRenderFlush()
      instance.unmount()
      await instance.waitUntilExit().catch(() => {})
    }
  }
}

/** `ferry send` or `ferry wait` on a terminal. */
export interface SendView {
  update: (t: TransferInfo) => void
  /** the transfer is done: last frame with the summary line; `partial`: the command exits 1 for what was left out */
  done: (t: TransferInfo, summary: string, partial?: boolean) => Promise<void>
  /** it failed, was cancelled, or never started: last frame with the error code, under the transfer as last seen */
  fail: (err: unknown) => Promise<void>
  /** a cancel was asked for: said until the transfer ends */
  cancelling: () => void
  /** `ferry wait` ended by a signal: last frame says the transfer goes on */
  waitEnded: () => Promise<void>
}

/** `keys`: whether the terminal's Ctrl-C reaches the command, for its hint (the CLI's liveKeysReach) */
export function openSendView (peer: string, paths: number, streams?: LiveStreams, keys = true): SendView {
  return openTransferView({ peer, paths, keys }, streams)
}

/** `ferry wait` on a terminal: the transfer `t` it found, drawn as `ferry send` draws its own (user-test finding: a one-line bar). */
export function openWaitView (t: TransferInfo, streams?: LiveStreams, keys = true): SendView {
  return openTransferView({ peer: t.peerName, paths: 0, waitOnly: true, transfer: t, keys }, streams)
}

function openTransferView (base: SendProgressProps, streams?: LiveStreams): SendView {
  let last = base.transfer
  const view = mountLive(SendProgress, base, streams)
  return {
    update (t) { last = t; view.update({ ...base, transfer: t }) },
    cancelling () { base.cancelling = true; view.update({ ...base, transfer: last }) },
    done: async (t, summary, partial) => { await view.close({ ...base, transfer: t, summary, partial }) },
    waitEnded: async () => { await view.close({ ...base, transfer: last, waitEnded: true }) },
    fail: async (err) => {
      const fe = toFerryError(err)
      await view.close({ ...base, transfer: last, error: { code: fe.code, message: fe.message } })
    }
  }
}

/** `ferry pair` on a terminal: showing a code, or entering one. */
export interface PairView {
  /** a new phase of this pairing (events may leave out the code: it is kept) */
  update: (st: PairingState) => void
  /** the outcome; `selfFingerprint` is this device's, shown next to the peer's once paired */
  done: (st: PairingState, selfFingerprint?: string) => Promise<void>
  fail: (err: unknown) => Promise<void>
}

export function openPairView (mode: 'show' | 'enter', streams?: LiveStreams, keys = true): PairView {
  let props: PairPromptProps = { mode, keys }
  const merge = (st: PairingState): PairingState => props.pairing?.id === st.id ? { ...props.pairing, ...st } : st
  const view = mountLive(PairPrompt, props, streams)
  return {
    update (st) { props = { ...props, pairing: merge(st) }; view.update(props) },
    done: async (st, selfFingerprint) => { await view.close({ ...props, pairing: merge(st), selfFingerprint, finished: true }) },
    fail: async (err) => {
      const fe = toFerryError(err)
      await view.close({ ...props, error: { code: fe.code, message: fe.message }, finished: true })
    }
  }
}
