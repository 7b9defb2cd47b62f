// The header: ferry's own name and the five screen tabs, with counts of
// waiting offers and active transfers. Pure function of its props.

import { createElement as h } from 'react'
import { Box, Text } from 'ink'
import { SCREENS } from '../state.ts'
import type { ScreenId } from '../state.ts'
import { sanitizeForDisplay } from '../../errors.ts'
import { displayWidth, truncate } from '../format.ts'
import { asciiize, g, line, tint } from './ui.ts'
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

/** The longest the device's name shows, even with room to spare. */
const NAME_CELLS = 16
/** A name cut to fewer characters than this, before its ellipsis, would say nothing: it is left out. */
const MIN_NAME_CHARS = 3

/**
 * The widest of these that fits (user-test finding: cut at 40 columns):
 * every tab labelled, with ferry's own name, then with the name cut to the
 * room left, then the same with tighter tabs; without the name; then only
 * the current tab labelled and the others by number (their counts kept: an
 * offer waiting is worth seeing on any screen), with the name, then without
 * it, and at the very narrowest
 * without "ferry" in front. The name goes before the
 * tabs' padding (user-test finding: at 60 columns `Offers (1)` left no room
 * for it, and it was gone without a sign).
 */
export function Tabs ({ screen, selfName, offers, active, ui }: TabsProps) {
  const count = (id: ScreenId): number => id === 'offers' ? offers : id === 'transfers' ? active : 0
  const label = (id: ScreenId, titled: boolean): string => {
    const n = count(id)
    return `${titled ? ` ${SCREEN_TITLES[id]}` : ''}${n > 0 ? ` (${n})` : ''}`
  }
  const row = (pad: string, titled: (id: ScreenId) => boolean) => {
    const tabs = SCREENS.map((id, i) => ({ id, text: `${pad}${i + 1}${label(id, titled(id))}${pad}` }))
    const gap = pad === '' ? ' ' : ''
    return { pad, tabs, gap, width: tabs.reduce((sum, t) => sum + displayWidth(t.text), 0) + displayWidth(gap) * (tabs.length - 1) }
  }
  type Row = ReturnType<typeof row>
  const padded = row(' ', () => true)
  const tight = row('', () => true)
  const numbered = row('', (id) => id === screen)
  const ellipsis = g(ui, '…')
  const name = selfName == null ? '' : truncate(asciiize(ui, sanitizeForDisplay(selfName)), NAME_CELLS, ellipsis)
  // a padded first tab brings its own space: no second one after a bare "ferry" (user-test
  // finding: "ferry  1 Peers" read as a name gone missing)
  const head = (shown: string, r: Row): string => shown !== '' ? `ferry ${shown} ` : r.pad === '' ? 'ferry ' : 'ferry'
  /** The name whole or cut to the room `r` leaves; undefined when too little is left, or no name is known. */
  const named = (r: Row): string | undefined => {
    if (name === '') return undefined
    const room = ui.width - r.width - displayWidth('ferry  ') // "ferry ", the name, a space
    if (displayWidth(name) <= room) return name
    return room >= MIN_NAME_CHARS + displayWidth(ellipsis) ? truncate(name, room, ellipsis) : undefined
  }
  const layouts = [
    { shown: named(padded), row: padded },
    { shown: named(tight), row: tight },
    { shown: '', row: padded },
    { shown: '', row: tight },
    // the name before every tab's title: with three devices side by side, it tells which one this is (user-test
    // finding: at 50 columns "ferry 1 2 3 4 Transfers (1) 5", though "ferry beta 1 2 3 4 Transfers (1) 5" fits)
    { shown: named(numbered), row: numbered },
    { shown: '', row: numbered }
  ].flatMap(({ shown, row: r }) => shown === undefined ? [] : [{ head: head(shown, r), row: r }])
  // where not even "ferry " is left room (a narrow terminal with counts on the tabs): the tabs, which say where one is, before it
  layouts.push({ head: '', row: numbered })
  const fit = layouts.find((l) => displayWidth(l.head) + l.row.width <= ui.width) ?? layouts[layouts.length - 1]
  return h(Box, { width: ui.width },
    line('tabs', {},
      h(Text, { bold: true, color: tint(ui, 'cyan') }, fit.head),
      ...fit.row.tabs.flatMap((t, i) => [
        i > 0 && fit.row.gap !== '' ? h(Text, { key: `gap${i}` }, fit.row.gap) : null,
        h(Text, { key: t.id, inverse: t.id === screen, bold: t.id === screen }, t.text)
      ])
    )
  )
}
