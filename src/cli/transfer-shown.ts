// How `ferry send` and `ferry wait` show a transfer as it goes and as it
// ends, one way for both: a live Ink view on a terminal's stdout
// (wantsLive; src/tui/live.ts, loaded by the command only then), else the
// one-line bar on a terminal's stderr, and where nothing is drawn on stderr
// (not a terminal, or --json) WaitNotes' lines there. Never talks to the
// daemon.

import type { TransferInfo } from '../daemon/control/types.ts'
import type { SendView } from '../tui/live.ts'
import { drawsOn, keysReach, LineProgress, progressLine, WaitNotes } from './progress.ts'
import { cancellingNote } from '../tui/format.ts'

export class TransferShown {
  private readonly line = new LineProgress()
  private readonly notes?: WaitNotes
  private readonly json: boolean
  private readonly live?: SendView
  /** whether the terminal's Ctrl-C reaches the command, for what its notes and its cancelling line name */
  private readonly keys: boolean
  /**
   * `live`: the view the command opened on its terminal, if any; `waitOnly`: `ferry wait`, whose Ctrl-C ends the
   * wait alone; `keys`: whether to name Ctrl-C in the notes, keysReach() when not given
   */
  constructor (json: boolean, live?: SendView, opts: { waitOnly?: boolean, keys?: boolean } = {}) {
    this.json = json
    this.live = live
    this.keys = opts.keys ?? keysReach()
    if (live == null && (json || !drawsOn(process.stderr))) this.notes = new WaitNotes((line) => { process.stderr.write(line + '\n') }, { waitOnly: opts.waitOnly, keys: this.keys })
  }

  update (t: TransferInfo): void {
    if (this.live != null) this.live.update(t)
    else if (!this.json) this.line.update(progressLine(t, process.stderr.columns ?? 80))
    this.notes?.update(t)
  }

  /**
   * Warnings to say as the transfer goes (LeftOut.fresh, asked only here): on stderr where no live view is drawn, the
   * one-line bar ended first; a live view counts them itself, and they are listed after its last frame.
   */
  warn (fresh: () => string): void {
    if (this.live != null) return
    const text = fresh()
    if (text === '') return
    this.line.done()
    process.stderr.write(text)
  }

  /** A cancel was asked for: said at once (a busy daemon's answer can take seconds; user-test finding: nothing showed). */
  cancelling (): void {
    if (this.live != null) this.live.cancelling()
    else if (!this.json && drawsOn(process.stderr)) { this.line.done(); process.stderr.write(`ferry: cancelling… ${cancellingNote(this.keys)}\n`) }
  }

  /** The transfer is done: its summary as the live view's last frame, else a line on stdout; `partial`: the command exits 1 after it (E_INCOMPLETE). */
  async summary (t: TransferInfo, text: string, partial = false): Promise<void> {
    this.line.done()
    if (this.live != null) await this.live.done(t, text, partial)
    else process.stdout.write(text + '\n')
  }

  /** It ended otherwise, or the command failed: the live view's last frame shows the error code (none after a summary); main prints the `ferry: E_CODE: message` line after it. */
  async fail (err: unknown): Promise<void> {
    await this.live?.fail(err)
  }

  /** `ferry wait` was ended by a signal, the transfer not: the live view's last frame says it goes on. */
  async waitEnded (): Promise<void> {
    this.line.done()
    await this.live?.waitEnded()
  }

  /** End the one-line bar (once: again writes nothing). */
  done (): void {
    this.line.done()
  }
}
