// The header: ferry's own name and the five screen tabs, with counts of
// waiting offers and active transfers. Pure function of its props.

import { createElement as h } from 'react'
import { Box, Text } from 'ink'
import { SCREENS } from '../state.ts'
import type { ScreenId } from '../state.ts'
import { sanitizeForDisplay } from '../../errors.ts'
import { displayWidth, truncate } from '../format.ts'
import { g, line, tint } from './ui.ts'
import type { Ui } from './ui.ts'

export const SCREEN_TITLES: Record<ScreenId, string> = {
  peers: 'Peers', pair: 'Pair', offers: 'Offers', transfers: 'Transfers', send: 'Send'
}

export interface TabsProps {
  screen: ScreenId
  selfName?: string
  offers: number
  active: number
  ui: Ui
}

/**
 * The widest of these that fits (user-test finding: cut at 40 columns):
 * every tab labelled, with ferry's own name, then without it, then tighter,
 * then only the current tab labelled and the others by number (their counts
 * kept: an offer waiting is worth seeing on any screen).
 */
export function Tabs ({ screen, selfName, offers, active, ui }: TabsProps) {
  const count = (id: ScreenId): number => id === 'offers' ? offers : id === 'transfers' ? active : 0
  const label = (id: ScreenId, titled: boolean): string => {
    const n = count(id)
    return `${titled ? ` ${SCREEN_TITLES[id]}` : ''}${n > 0 ? ` (${n})` : ''}`
  }
  const named = selfName == null ? 'ferry' : `ferry ${truncate(sanitizeForDisplay(selfName), 16, g(ui, '…'))}`
  const layouts = [
    { name: named, pad: ' ', titled: (): boolean => true },
    { name: 'ferry', pad: ' ', titled: (): boolean => true },
    { name: 'ferry', pad: '', titled: (): boolean => true },
    { name: 'ferry', pad: '', titled: (id: ScreenId): boolean => id === screen }
  ].map(({ name, pad, titled }) => ({
    name,
    tabs: SCREENS.map((id, i) => ({ id, text: `${pad}${i + 1}${label(id, titled(id))}${pad}` })),
    gap: pad === '' ? ' ' : ''
  }))
  const width = (l: typeof layouts[number]): number =>
    displayWidth(`${l.name} `) + l.tabs.reduce((sum, t) => sum + displayWidth(t.text), 0) + displayWidth(l.gap) * (l.tabs.length - 1)
  const fit = layouts.find((l) => width(l) <= ui.width) ?? layouts[layouts.length - 1]
  return h(Box, { width: ui.width },
    line('tabs', {},
      h(Text, { bold: true, color: tint(ui, 'cyan') }, `${fit.name} `),
      ...fit.tabs.flatMap((t, i) => [
        i > 0 && fit.gap !== '' ? h(Text, { key: `gap${i}` }, fit.gap) : null,
        h(Text, { key: t.id, inverse: t.id === screen, bold: t.id === screen }, t.text)
      ])
    )
  )
}
