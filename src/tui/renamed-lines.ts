// What a transfer says of its files placed under another name, theirs (or a
// folder's on the way) being taken where they arrived: a heading, then a
// row per rename the daemon still names. `ferry send`, `ferry wait` and the
// TUI's details of a transfer say it alike. Pure: no React, no I/O.

import type { TransferInfo } from '../daemon/control/types.ts'
import { escapeForDisplay, sanitizeForDisplay } from '../errors.ts'
import { counted } from './format.ts'

/** "1 folder and 2 files are under another name, the name being taken on beta", and its rows (`tree/ -> tree (1)/ (25 files)`); none without renames. */
export function renamedLines (t: TransferInfo): { heading: string, rows: string[] } | undefined {
  const count = t.renamedCount ?? 0
  if (count === 0) return undefined
  const renamed = t.renamed ?? []
  const where = t.direction === 'send' ? `on ${sanitizeForDisplay(t.peerName)}` : 'here'
  const rows = renamed.map((r) => r.folder === true
    ? `${escapeForDisplay(r.path)}/ -> ${escapeForDisplay(r.as)}/ (${counted(r.files ?? 0, 'file')})`
    : `${escapeForDisplay(r.path)} -> ${escapeForDisplay(r.as)}`)
  // the names are kept while the transfer is: an old one has its count alone
  if (renamed.length === 0) rows.push('(their names are no longer kept)')
  else if (count > renamed.length) rows.push(`and ${count - renamed.length} more`)
  // "are", not "arrived": a send again finds them there, and nothing arrives (user-test finding)
  return { heading: `${renamesCounted(count, renamed)} ${count === 1 ? 'is' : 'are'} under another name, the name being taken ${where}`, rows }
}

/** "1 folder and 2 files", as far as the renames listed tell; "25 files or folders" past them. */
function renamesCounted (count: number, listed: NonNullable<TransferInfo['renamed']>): string {
  // folders are listed first: a file among those listed comes after every folder (one from before folders were told lists files alone)
  if (count > listed.length && !listed.some((r) => r.folder !== true)) return `${count} files or folders`
  const folders = listed.filter((r) => r.folder === true).length
  return [folders > 0 ? counted(folders, 'folder') : '', count > folders ? counted(count - folders, 'file') : ''].filter((w) => w !== '').join(' and ')
}
