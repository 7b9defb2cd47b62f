// The display context (ui.ts's Ui) for views that live outside the TUI's App,
// such as `ferry send` and `ferry pair` on a terminal: the terminal's size
// (re-rendered on resize), colour and glyph choices, and a clock.

import { useEffect, useState } from 'react'
import { useWindowSize } from 'ink'
import { colorEnabled, supportsUnicode } from '../format.ts'
import type { Ui } from './ui.ts'

/**
 * Ui from the terminal. `now` is read at every render, so a countdown is right
 * as soon as new props arrive; with `tickMs` > 0 the view also re-renders that
 * often on its own (0: never, for views without a clock).
 */
export function useTerminalUi (tickMs = 0): Ui {
  const { columns, rows } = useWindowSize()
  const [, setTick] = useState(0)
  useEffect(() => {
    if (tickMs <= 0) return
    const t = setInterval(() => setTick((n) => n + 1), tickMs)
    return () => clearInterval(t)
  }, [tickMs])
  return {
    width: Math.max(20, columns),
    rows: Math.max(3, rows),
    color: colorEnabled(process.env),
    unicode: supportsUnicode(process.env),
    now: Date.now()
  }
}
