// The header: ferry's own name and the five screen tabs, with counts of
// waiting offers and active transfers. Pure function of its props.

import { createElement as h } from 'react'
import { Box, Text } from 'ink'
import { SCREENS } from '../state.ts'
import type { ScreenId } from '../state.ts'
import { sanitizeForDisplay } from '../../errors.ts'
import { truncate } from '../format.ts'
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

export function Tabs ({ screen, selfName, offers, active, ui }: TabsProps) {
  const label = (id: ScreenId): string => {
    const n = id === 'offers' ? offers : id === 'transfers' ? active : 0
    return `${SCREEN_TITLES[id]}${n > 0 ? ` (${n})` : ''}`
  }
  const name = selfName == null ? 'ferry' : `ferry ${truncate(sanitizeForDisplay(selfName), 16, g(ui, '…'))}`
  return h(Box, { width: ui.width },
    line('tabs', {},
      h(Text, { bold: true, color: tint(ui, 'cyan') }, `${name} `),
      ...SCREENS.map((id, i) => h(Text, { key: id, inverse: id === screen, bold: id === screen }, ` ${i + 1} ${label(id)} `))
    )
  )
}
