// A file and a folder of one offer whose names differ only in case
// ("trip/Photos" and "trip/photos/1.jpg"): on a file system that ignores
// case (exFAT, FAT, NTFS, APFS as macOS formats it) they are one name, and
// whichever was made first took it. Files are placed as they complete and
// their folders made then, so the file often came first, and the folder's
// files then failed the whole receive with "trip/photos exists and is not a
// folder" (user-test finding on exFAT; a re-send worked, with "photos (1)").
// Where an offer has such a pair, the receiver makes those folders before
// it places any file (receiver.ts), so the file meets the folder and is kept
// beside it as "Photos (1)", as it is beside any folder of the person's.

/**
 * How a case-insensitive file system compares names, near enough: the
 * same letters in another case (exFAT's up-case table and APFS fold
 * Unicode letters, not just ASCII), and APFS also ignores the form
 * (NFC or NFD) of an accented letter.
 */
export function foldName (path: string): string {
  // most names are ASCII, which has one form
  return ASCII.test(path) ? path.toUpperCase() : path.normalize('NFC').toUpperCase()
}
const ASCII = /^[\x00-\x7f]*$/

/**
 * The folders the offer needs (parents of its entries, and its folder
 * entries) that a file entry's path matches but for case: what the receiver
 * makes before placing any file. Each distinct folder is folded once
 * (walked up from each entry, stopping at one seen already): 100,000 entries
 * five folders deep took 873 ms when every prefix was folded (review
 * finding), 190–390 ms now with 29,000 distinct folders among them, on a
 * box busy with other work; a camera roll's few folders cost far less.
 */
export function caseClashes (entries: ReadonlyArray<{ path: string, kind: string }>): string[] {
  /** folded → the folder as offered */
  const folders = new Map<string, string>()
  const seen = new Set<string>()
  const addFolder = (folder: string): boolean => {
    if (seen.has(folder)) return false
    seen.add(folder)
    folders.set(foldName(folder), folder)
    return true
  }
  for (const e of entries) {
    if (e.kind === 'dir') addFolder(e.path)
    for (let end = e.path.lastIndexOf('/'); end > 0; end = e.path.lastIndexOf('/', end - 1)) {
      if (!addFolder(e.path.slice(0, end))) break // and every folder above it
    }
  }
  const clashes = new Set<string>()
  for (const e of entries) {
    if (e.kind === 'dir') continue
    const folder = folders.get(foldName(e.path))
    if (folder !== undefined && folder !== e.path) clashes.add(folder)
  }
  return [...clashes]
}
