// What a transfer says of what arrived under another name than sent, its
// name being taken where it arrived: each rename once, where it happened. A
// folder of the offer kept as "trip (1)" (folderRenames in safe-path.ts) is
// one rename, with how many of the offer's files it holds; a file whose own
// name was taken when it was placed ("IMG_1 (1).jpg") is one; a file that
// only moved with its folder is none (user-test finding: a folder of 1000
// files was listed file by file, "tree/a.jpg -> tree (1)/a.jpg", …). The
// receiver keeps them (ReceiveRenames) and tells its sender in the receipt
// (TransferEnd.renames); the sender reads them back (renamesFromEnd). Only
// counts and names: this module touches no file.

import { RENAMED_SHOWN, type RenamedPath } from '../daemon/control/types.ts'
import { MAX_PATH_BYTES } from './folder/safe-path.ts'
import { END_RENAMED_SHOWN, type EndMsg, type OfferFile, type RenamedEntry } from '../protocol/transfer.ts'

/** A rename as the receiver keeps it: a RenamedPath, and its entry in the offer (none for a folder the offer has no entry of) to tell the sender. */
type KeptRename = RenamedPath & { entry?: number }

/** What a file told placed was counted in (ReceiveRenames.seen): placed elsewhere than offered (byFile), renamed on its own (files) */
const BY_FILE = 1
const RENAMED = 2

/**
 * The folders of `entries` that land under another name (`local`: where
 * folderRenames sends each offered path that lands elsewhere), each once,
 * by path, with how many files of the offer each holds, those for which
 * `without(i)` is true (refused, not received) left out. A folder inside a
 * renamed one and renamed itself is one more.
 */
export function folderRenamesOf (entries: ReadonlyArray<Pick<OfferFile, 'path' | 'kind'>>, local: ReadonlyMap<string, string>, without: (i: number) => boolean = () => false): KeptRename[] {
  if (local.size === 0) return []
  const folders = new Map<string, KeptRename & { files: number }>()
  const own = new Map<string, number>()
  for (const [i, e] of entries.entries()) {
    if (e.kind === 'dir') own.set(e.path, i)
    const as = local.get(e.path)
    if (as === undefined) continue
    const from = e.path.split('/')
    const to = as.split('/')
    // a file's own name is never one folderRenames changes: placeFile does, later
    const depth = e.kind === 'dir' ? from.length : from.length - 1
    for (let n = 1; n <= depth; n++) {
      if (from[n - 1] === to[n - 1]) continue
      const path = from.slice(0, n).join('/')
      let f = folders.get(path)
      if (f === undefined) folders.set(path, f = { path, as: to.slice(0, n).join('/'), folder: true, files: 0 })
      if (e.kind === 'file' && !without(i)) f.files++
    }
  }
  // a folder the receive goes without whole (refused) did not land anywhere
  return [...folders.values()]
    .map((f) => ({ ...f, entry: own.get(f.path) }))
    .filter((f) => f.files > 0 || (f.entry !== undefined && !without(f.entry)))
    .sort((x, y) => x.path < y.path ? -1 : x.path > y.path ? 1 : 0)
}

/**
 * A receive's renames: the folders, found again at each run of it (its
 * plan), and the files renamed on their own, counted as placed (a snapshot
 * every 250 ms must not walk every file). Also, for a sender from before
 * 2026-12-05, every file placed under another path than offered, as it
 * reads them (TransferEnd.renamed).
 */
export class ReceiveRenames {
  private folders: KeptRename[] = []
  private readonly files: KeptRename[] = []
  private filesCount = 0
  /** every file placed elsewhere than offered, a file moved with its folder too: the first END_RENAMED_SHOWN (the End's own limit), and how many */
  private readonly byFile: RenamedEntry[] = []
  private byFileCount = 0
  /**
   * The entries told placed under another name, each with what it was counted in (BY_FILE, RENAMED): a file an
   * earlier run placed is told again by each later run's plan, counted once; one no longer there is forgotten
   * (notPlaced), to be told where it is placed again
   */
  private readonly seen = new Map<number, number>()

  /** The folders of the offer that land under another name in this run (see folderRenamesOf). */
  planned (entries: ReadonlyArray<Pick<OfferFile, 'path' | 'kind'>>, local: ReadonlyMap<string, string>, without: (i: number) => boolean): void {
    this.folders = folderRenamesOf(entries, local, without)
  }

  /** Entry `entry` (`path` as offered) was placed at `as`, where its folders led it to `planned`; all relative to the receive folder. Once per entry: told again, it is not counted again (notPlaced takes it back). */
  placed (entry: number, path: string, planned: string, as: string): void {
    if (this.seen.has(entry)) return
    let counted = 0
    if (as !== path) {
      counted |= BY_FILE
      this.byFileCount++
      if (this.byFile.length < END_RENAMED_SHOWN) this.byFile.push({ entry, as })
    }
    if (as !== planned) {
      counted |= RENAMED
      this.filesCount++
      if (this.files.length < RENAMED_SHOWN) this.files.push({ entry, path, as })
    }
    this.seen.set(entry, counted)
  }

  /**
   * Entry `entry` is not (or no longer) where it was told placed: a run's plan found it gone (removed, moved
   * away, or back under its own name) and receives it again, or found it in its own place. What was told of it
   * is taken back, so that where it lands now is told, not where it was first (notes' leftover: a file placed
   * again under another name, or found under its own, kept its first one in the receipt, the receive's record
   * and `ferry transfers`).
   */
  notPlaced (entry: number): void {
    const counted = this.seen.get(entry)
    if (counted === undefined) return
    this.seen.delete(entry)
    if ((counted & BY_FILE) !== 0) {
      this.byFileCount--
      const i = this.byFile.findIndex((r) => r.entry === entry)
      if (i >= 0) this.byFile.splice(i, 1)
    }
    if ((counted & RENAMED) !== 0) {
      this.filesCount--
      const i = this.files.findIndex((r) => r.entry === entry)
      if (i >= 0) this.files.splice(i, 1)
    }
  }

  /** How many renames, a folder counting once. */
  get count (): number { return this.folders.length + this.filesCount }

  /** The first RENAMED_SHOWN renames, folders first, as TransferInfo.renamed lists them. */
  shown (): RenamedPath[] {
    return this.kept().map(({ entry: _, ...r }) => r)
  }

  /** What the receipt says of them (sendEnd keeps what fits). */
  toEnd (): Pick<EndMsg, 'renamedCount' | 'renamed' | 'renameCount' | 'renames'> {
    const renames = this.kept().flatMap((r) => r.entry === undefined ? [] : [{ entry: r.entry, as: r.as, ...(r.folder === true ? { files: r.files } : {}) }])
    return { renamedCount: this.byFileCount, renamed: this.byFile, renameCount: this.count, renames }
  }

  private kept (): KeptRename[] {
    return [...this.folders, ...this.files].slice(0, RENAMED_SHOWN)
  }
}

/**
 * What a receipt sent again says of the renames (TransferEnd.renames), from
 * what the receive recorded of them at its end (`recorded`: its `renamed`,
 * paths as offered and as placed) and the offer's `entries`: each by its
 * entry, as the first receipt had them (ReceiveRenames.toEnd), a folder with
 * how many files it holds. A rename whose path the offer has no entry of (a
 * folder it lists no entry for, or a record damaged) is left out, as the
 * first receipt left it out; `count` is the recorded count, by rename.
 */
export function renamesToEndAgain (recorded: readonly RenamedPath[], count: number, entries: ReadonlyArray<Pick<OfferFile, 'path' | 'kind'>>): Pick<EndMsg, 'renameCount' | 'renames'> {
  if (recorded.length === 0) return { renameCount: count, renames: [] }
  const index = new Map<string, number>()
  for (const [i, e] of entries.entries()) index.set(`${e.kind}:${e.path}`, i)
  const renames = recorded.flatMap((r): RenamedEntry[] => {
    const entry = index.get(`${r.folder === true ? 'dir' : 'file'}:${r.path}`)
    return entry === undefined ? [] : [{ entry, as: r.as, ...(r.folder === true ? { files: r.files ?? 0 } : {}) }]
  })
  return { renameCount: Math.max(count, renames.length), renames }
}

/**
 * The renames a receipt tells a sender, as paths of its offer's `entries`:
 * each once where it happened (`renames`), or from a receiver from before
 * them file by file (`renamed`). Entries out of range, or paths longer
 * than a path can be, are left out; the count is never less than those
 * listed, nor more than the offer's entries.
 */
export function renamesFromEnd (end: EndMsg, entries: ReadonlyArray<Pick<OfferFile, 'path' | 'kind'>>, notReceived: ReadonlySet<number> = new Set()): { renamed: RenamedPath[], renamedCount: number } {
  const leveled = (end.renameCount ?? 0) > 0 || (end.renames ?? []).length > 0
  const told = (leveled ? end.renames : end.renamed) ?? []
  // a peer's list, not signed: each entry once, none the same receipt says did not arrive, and a folder's files no more
  // than the offer has under it (fuzzing finding: "4 files are under another name" for a send of 2, one of them
  // "not received" too)
  const seen = new Set<number>()
  const renamed = told.slice(0, RENAMED_SHOWN)
    .filter((r) => r.entry < entries.length && !notReceived.has(r.entry) && Buffer.byteLength(r.as) <= MAX_PATH_BYTES && !seen.has(r.entry) && seen.add(r.entry) !== undefined)
    .map((r): RenamedPath => leveled && entries[r.entry].kind === 'dir'
      ? { path: entries[r.entry].path, as: r.as, folder: true, files: Math.min(r.files ?? 0, filesUnder(entries, entries[r.entry].path, notReceived)) }
      : { path: entries[r.entry].path, as: r.as })
  const count = leveled ? end.renameCount : end.renamedCount
  return { renamed, renamedCount: Math.min(Math.max(count ?? 0, renamed.length), entries.length - notReceived.size) }
}

/** How many file entries of an offer lie below the folder `path`, but those `notReceived`. */
function filesUnder (entries: ReadonlyArray<Pick<OfferFile, 'path' | 'kind'>>, path: string, notReceived: ReadonlySet<number>): number {
  let n = 0
  for (const [i, e] of entries.entries()) if (e.kind === 'file' && e.path.startsWith(`${path}/`) && !notReceived.has(i)) n++
  return n
}
