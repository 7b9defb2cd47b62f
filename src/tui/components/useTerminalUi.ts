// The display context (ui.ts's Ui) for views that live outside the TUI's App,
// such as `ferry send` and `ferry pair` on a terminal: the terminal's size
// (re-rendered on resize), colour and glyph choices, and a clock.

import { useEffect, useState } from 'react'
import { useWindowSize } from 'ink'
import { colorEnabled, supportsUnicode } from '../format.ts'
import type { Ui } from './ui.ts'

/** Ui from the terminal; `now` ticks every `tickMs` (0: never, for views without countdowns). */
export function useTerminalUi (tickMs = 0): Ui {
  const { columns, rows } = useWindowSize()
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    if (tickMs <= 0) return
    const t = setInterval(() => setNow(Date.now()), tickMs)
    return () => clearInterval(t)
  }, [tickMs])
  return {
    width: Math.max(20, columns),
    rows: Math.max(3, rows),
    color: colorEnabled(process.env),
    unicode: supportsUnicode(process.env),
    now
  }
}
