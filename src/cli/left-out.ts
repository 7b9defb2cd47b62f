// What a send left out (TransferInfo.skipped and its counts), said one way
// by `ferry send` and `ferry wait`: a note in the summary, E_INCOMPLETE when
// paths were left out for a problem, and the paths as warnings on stderr
// (user-test finding: `ferry wait` said none of it, only "see `ferry
// transfers --json`").

import type { SkippedPath, TransferInfo } from '../daemon/control/types.ts'
import { FerryError, escapeForDisplay, sanitizeForDisplay } from '../errors.ts'
import { counted, failedPaths } from '../tui/format.ts'

export class LeftOut {
  /**
   * Paths `ferry send` warned about already, as it began, with a hint (a ~
   * or a pattern the shell left as typed): not listed again at the end
   * (user-test finding: `ferry send beta ok.txt '~/x'` warned of ~/x twice,
   * the hint, then the daemon's "no such file or directory, skipped").
   */
  private readonly said: ReadonlySet<string>
  /** Paths warned about already as the transfer went (fresh): not listed again at the end. */
  private readonly printed = new Set<string>()

  constructor (said: ReadonlySet<string> = new Set()) {
    this.said = said
  }

  /** the paths shown (the first SKIPPED_SHOWN, those for a problem first) */
  paths: SkippedPath[] = []
  /** all paths left out, and those of them for a problem */
  count = 0
  failed = 0

  /** What `t` tells of it; a send tells more while it hashes (files removed, unreadable, written to), never less. */
  take (t: TransferInfo): void {
    if (t.skipped == null && t.skippedCount == null) return
    const count = t.skippedCount ?? t.skipped!.length
    if (count < this.count) return
    this.paths = t.skipped ?? []
    this.count = count
    this.failed = failedPaths(t)
  }

  /**
   * Said at the end of the summary, before the warnings come: "; 2 skipped (below)", "; 3 skipped (below), 1 of
   * them for a problem", or "". The part for a problem said with it, where some are and some are not: "3 skipped" and
   * then "E_INCOMPLETE: 1 path could not be sent" read as two counts of one thing (user-test finding).
   */
  summaryNote (): string {
    if (this.count === 0) return ''
    // said before: warned of as `ferry send` began, or as they came (fresh), also those the daemon's list has dropped since
    const above = new Set([...this.paths.filter((p) => this.said.has(p.path)).map((p) => p.path), ...this.printed]).size
    const problems = this.failed > 0 && this.failed < this.count ? `, ${this.failed} of them for a problem` : ''
    return `; ${this.count} skipped (${above === 0 ? 'below' : above === this.count ? 'above' : 'above and below'})${problems}`
  }

  /**
   * Why the command exits 1 though what arrived is verified, if so: paths
   * left out for a problem, which a script that goes on to delete the source
   * must hear of. `arrived`: files verified there; `json`: the paths are in
   * the printed "skipped" too.
   */
  incomplete (arrived: number, json: boolean): FerryError | undefined {
    if (this.failed === 0) return undefined
    // (user-test findings: "listed above" in the JSON too, and "the 0 files sent arrived")
    const where = json ? 'listed as warnings, and in "skipped"' : 'listed above'
    const arrivedText = arrived === 0 ? 'no file arrived' : arrived === 1 ? 'the file sent arrived and was verified' : `the ${arrived} files sent arrived and were verified`
    return new FerryError('E_INCOMPLETE', `${counted(this.failed, 'path')} could not be sent (${where}${this.count > this.paths.length ? `, among the first ${this.paths.length} skipped` : ''}); ${arrivedText}`)
  }

  /**
   * The warning lines for stderr, written after the last frame so a live
   * view does not draw over them (with --json too). A path left out for a
   * problem leads with its code, as an error line does ("ferry: E_IO: …"),
   * so a script reading stderr can tell the causes apart without --json.
   */
  warnings (): string {
    const lines = this.unsaid().map(warningLine)
    // listed: those the daemon's list has now, and those said as they came that it has dropped for later ones (a
    // path with a problem goes first: review finding, one said was counted "not listed")
    const listed = new Set([...this.paths.map((p) => p.path), ...this.printed]).size
    if (this.count > listed) lines.push(`ferry: warning: ${counted(this.count - listed, 'more path')} skipped, not listed (${this.failed} of all ${this.count} for a problem)\n`)
    return lines.join('')
  }

  /**
   * The warning lines of paths left out that none said yet, marked said: written as the transfer goes where no live
   * view is drawn, so that a long send's log tells of them while it can still be stopped (user-test finding: an hour's
   * send warned of a skipped file only at its end). Those left are said at the end (warnings).
   */
  fresh (): string {
    const lines = this.unsaid().map((s) => { this.printed.add(s.path); return warningLine(s) })
    return lines.join('')
  }

  private unsaid (): SkippedPath[] {
    return this.paths.filter((s) => !this.said.has(s.path) && !this.printed.has(s.path))
  }
}

/** A path left out for a problem leads with its code, as an error line does. */
function warningLine (s: SkippedPath): string {
  return `ferry: warning: ${s.code != null ? `${s.code}: ` : ''}${s.escaped === true ? sanitizeForDisplay(s.path) : escapeForDisplay(s.path)}: ${sanitizeForDisplay(s.reason)}\n`
}
