// Test helper for Ink render tests (ink-testing-library): wait a tick, and
// render at a fixed terminal size.

import type { ReactElement } from 'react'
import { render } from 'ink-testing-library'
import { displayWidth } from '../../src/tui/format.ts'

export const tick = (ms = 20): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Ticks until the last frame (colours stripped) satisfies `shows`, for up to `ms`; the frame then, for the test's own
 * assertion. Ink draws at most every few tens of ms: on a busy machine (CI at load 5) one tick after an event was not
 * always enough for its frame, and an event followed by another within the throttle was never drawn at all.
 */
export async function untilFrame (r: { lastFrame: () => string | undefined }, shows: (text: string) => boolean, ms = 3000): Promise<string> {
  // eslint-disable-next-line no-control-regex
  const text = (): string => (r.lastFrame() ?? '').replace(/\u001b\[[0-9;]*m/g, '')
  const until = Date.now() + ms
  while (!shows(text()) && Date.now() < until) await tick()
  return text()
}

/** Render at a fixed terminal size (ink-testing-library's stdout reports 100 columns). */
export async function renderAt (tree: ReactElement, columns = 80, rows = 24): Promise<ReturnType<typeof render>> {
  const r = render(tree)
  Object.defineProperty(r.stdout, 'columns', { get: () => columns, configurable: true })
  Object.defineProperty(r.stdout, 'rows', { get: () => rows, configurable: true })
  r.stdout.emit('resize')
  await tick()
  // the first frame is drawn at 100 columns; on a busy machine the resized one can take a while
  // eslint-disable-next-line no-control-regex
  const fits = (): boolean => (r.lastFrame() ?? '').replace(/\u001b\[[0-9;]*m/g, '').split('\n').every((l) => displayWidth(l) <= columns)
  for (let i = 0; i < 50 && !fits(); i++) await tick()
  return r
}
