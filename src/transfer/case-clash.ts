// A file and a folder of one offer whose names differ only in case
// ("trip/Photos" and "trip/photos/1.jpg"): on a file system that ignores
// case (exFAT, FAT, NTFS, APFS as macOS formats it) they are one name, and
// whichever was made first took it. Files are placed as they complete and
// their folders made then, so the file often came first, and the folder's
// files then failed the whole receive with "trip/photos exists and is not a
// folder" (user-test finding on exFAT; a re-send worked, with "photos (1)").
// Where an offer has such a pair, the receiver makes its folders before it
// places any file (receiver.ts), so the file meets the folder and is kept
// beside it as "Photos (1)", as it is beside any folder of the person's.

/**
 * How a case-insensitive file system compares names, near enough: the
 * same letters in another case (exFAT's up-case table and APFS fold
 * Unicode letters, not just ASCII), and APFS also ignores the form
 * (NFC or NFD) of an accented letter.
 */
export function foldName (path: string): string {
  return path.normalize('NFC').toUpperCase()
}

/** Whether a file's path (or a folder entry's) and a folder the offer needs differ only in case. */
export function hasCaseClash (entries: ReadonlyArray<{ path: string, kind: string }>): boolean {
  const folders = new Map<string, string>()
  for (const e of entries) {
    const parts = e.path.split('/')
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/')
      folders.set(foldName(folder), folder)
    }
    if (e.kind === 'dir') folders.set(foldName(e.path), e.path)
  }
  for (const e of entries) {
    if (e.kind === 'dir') continue
    const folder = folders.get(foldName(e.path))
    if (folder !== undefined && folder !== e.path) return true
  }
  return false
}
