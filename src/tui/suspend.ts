// Ctrl-Z in `ferry tui`, and SIGTSTP sent from outside. Raw mode turns the
// terminal's own Ctrl-Z (which sends SIGTSTP) off, so the key reaches the
// app instead; the app hands the
// terminal back (Ink's suspendTerminal: raw mode off, main screen, cursor
// shown) and stops itself here, as the terminal would have stopped it. When
// the shell continues it (fg, or SIGCONT), Ink takes the terminal again and
// redraws the whole frame.

/** The part of a terminal stream this needs: its resize event. */
export interface ResizingTerminal {
  once: (event: 'resize', listener: () => void) => unknown
  off: (event: 'resize', listener: () => void) => unknown
}

/**
 * Stop this process's group (`target` 0) as the terminal's Ctrl-Z does: the whole
 * foreground job, so that a wrapper that started ferry (bin/ferry.js under
 * an older Node, or `sh -c`) stops too and the shell gets its prompt back.
 * A signal sent to one's own group is taken before kill returns, so this
 * goes on once the job was continued. Where the group cannot stop (an
 * orphaned group ignores SIGTSTP), nothing happens and the TUI redraws.
 */
export async function stopLikeCtrlZ (stdout: ResizingTerminal, target = 0): Promise<void> {
  // without a listener, SIGTSTP stops as by default: the app's own (a
  // SIGTSTP from outside, onOutsideStop) would take it again instead
  const listeners = process.listeners('SIGTSTP')
  for (const l of listeners) process.off('SIGTSTP', l)
  try {
    process.kill(target, 'SIGTSTP')
  } finally {
    for (const l of listeners) process.on('SIGTSTP', l)
  }
  await catchUpOnResize(stdout)
}

/**
 * A SIGTSTP from outside (`kill -TSTP`, a job-control tool), not the Ctrl-Z
 * key: handled as that key, so that the terminal is handed back before the
 * stop (by default the process stopped with the terminal still in raw mode
 * on the alternate screen, and nothing redrawn after SIGCONT); the stop is
 * then this process's alone, as the signal was (stopLikeCtrlZ with its pid).
 * A SIGTSTP a parent set to be ignored is no longer ignored: Node cannot
 * tell. Returns the undo.
 */
export function onOutsideStop (suspend: () => void): () => void {
  const listener = (): void => { suspend() }
  process.on('SIGTSTP', listener)
  return () => { process.off('SIGTSTP', listener) }
}

/**
 * A stopped job is not sent SIGWINCH (only the foreground one is), so a
 * terminal resized meanwhile still has its old size on the stream, and the
 * redraw would be cut or wrapped (found by resizing while stopped). Send it
 * as the terminal would have (Node then reads the size again, and emits
 * 'resize' if it changed), and wait for that briefly before the redraw.
 */
async function catchUpOnResize (stdout: ResizingTerminal, timeoutMs = 100): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = (): void => { clearTimeout(timer); stdout.off('resize', done); resolve() }
    const timer = setTimeout(done, timeoutMs)
    stdout.once('resize', done)
    process.kill(process.pid, 'SIGWINCH')
  })
}
