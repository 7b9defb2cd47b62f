// What a transfer says of what arrived under another name (src/transfer/renames.ts):
// a folder renamed once is one rename with its files' count, not one per file.

import { describe, expect, it } from 'vitest'
import { ReceiveRenames, folderRenamesOf, renamesFromEnd, renamesToEndAgain } from '../../src/transfer/renames.ts'
import type { EndMsg } from '../../src/protocol/transfer.ts'

const file = (path: string) => ({ path, kind: 'file' as const })
const dir = (path: string) => ({ path, kind: 'dir' as const })

// as the offer lists them: files before their folders
const entries = [file('tree/a.jpg'), file('tree/b.jpg'), file('tree/sub/c.jpg'), dir('tree/sub'), dir('tree'), file('note.txt')]
// "tree" is a file on the receiver, and inside "tree (1)" so is "sub"
const local = new Map([['tree/a.jpg', 'tree (1)/a.jpg'], ['tree/b.jpg', 'tree (1)/b.jpg'], ['tree/sub/c.jpg', 'tree (1)/sub (1)/c.jpg'], ['tree/sub', 'tree (1)/sub (1)'], ['tree', 'tree (1)']])
const end = (over: Partial<EndMsg>): EndMsg => ({ transferId: new Uint8Array(16), status: 'done', root: new Uint8Array(32), signature: new Uint8Array(64), ...over })

describe('renames', () => {
  it('a folder renamed is one rename, by its own entry, with how many files it holds (those the receive goes without left out); a folder renamed inside it is one more', () => {
    expect(folderRenamesOf(entries, local)).toEqual([
      { path: 'tree', as: 'tree (1)', folder: true, files: 3, entry: 4 },
      { path: 'tree/sub', as: 'tree (1)/sub (1)', folder: true, files: 1, entry: 3 }
    ])
    expect(folderRenamesOf(entries, local, (i) => i === 2 || i === 3).map((f) => [f.path, f.files])).toEqual([['tree', 2]])
    expect(folderRenamesOf(entries, new Map())).toEqual([])
  })

  it('a receive counts each folder once and a file only when its own name was taken; the receipt still tells an older sender every file placed elsewhere', () => {
    const r = new ReceiveRenames()
    r.planned(entries, local, () => false)
    r.placed(0, 'tree/a.jpg', 'tree (1)/a.jpg', 'tree (1)/a.jpg')
    r.placed(1, 'tree/b.jpg', 'tree (1)/b.jpg', 'tree (1)/b (1).jpg')
    r.placed(5, 'note.txt', 'note.txt', 'note (1).txt')
    expect(r.count).toBe(4)
    expect(r.shown()).toEqual([
      { path: 'tree', as: 'tree (1)', folder: true, files: 3 },
      { path: 'tree/sub', as: 'tree (1)/sub (1)', folder: true, files: 1 },
      { path: 'tree/b.jpg', as: 'tree (1)/b (1).jpg' },
      { path: 'note.txt', as: 'note (1).txt' }
    ])
    expect(r.toEnd()).toEqual({
      renameCount: 4,
      renames: [{ entry: 4, as: 'tree (1)', files: 3 }, { entry: 3, as: 'tree (1)/sub (1)', files: 1 }, { entry: 1, as: 'tree (1)/b (1).jpg' }, { entry: 5, as: 'note (1).txt' }],
      renamedCount: 3,
      renamed: [{ entry: 0, as: 'tree (1)/a.jpg' }, { entry: 1, as: 'tree (1)/b (1).jpg' }, { entry: 5, as: 'note (1).txt' }]
    })
  })

  it('a sender reads the renames as they happened, a folder by its entry\'s kind; from a receiver from before them, file by file as before', () => {
    expect(renamesFromEnd(end({ renameCount: 2, renames: [{ entry: 4, as: 'tree (1)', files: 3 }, { entry: 5, as: 'note (1).txt' }, { entry: 99, as: 'x' }], renamedCount: 4, renamed: [{ entry: 0, as: 'tree (1)/a.jpg' }] }), entries)).toEqual({
      renamedCount: 2,
      renamed: [{ path: 'tree', as: 'tree (1)', folder: true, files: 3 }, { path: 'note.txt', as: 'note (1).txt' }]
    })
    expect(renamesFromEnd(end({ renamedCount: 30, renamed: [{ entry: 0, as: 'tree (1)/a.jpg' }] }), entries)).toEqual({ renamedCount: entries.length, renamed: [{ path: 'tree/a.jpg', as: 'tree (1)/a.jpg' }] })
    expect(renamesFromEnd(end({}), entries)).toEqual({ renamedCount: 0, renamed: [] })
  })

  it('a receipt\'s renames are a peer\'s list: an entry told twice is taken once, one the receipt says did not arrive not at all, a folder\'s files never more than arrived under it (fuzzing finding: "4 files under another name" for a send of 2)', () => {
    const told = end({ renameCount: 5, renames: [{ entry: 4, as: 'tree (1)', files: 2 ** 32 - 1 }, { entry: 3, as: 'tree (1)/sub (1)', files: 99 }, { entry: 5, as: 'note (1).txt' }, { entry: 5, as: 'note (2).txt' }, { entry: 0, as: 'tree (1)/a (1).jpg' }] })
    expect(renamesFromEnd(told, entries, new Set([0]))).toEqual({
      renamedCount: 5,
      renamed: [{ path: 'tree', as: 'tree (1)', folder: true, files: 2 }, { path: 'tree/sub', as: 'tree (1)/sub (1)', folder: true, files: 1 }, { path: 'note.txt', as: 'note (1).txt' }]
    })
    // nor more renames than entries arrived; a first telling of an entry too long to be a path does not hide a second
    expect(renamesFromEnd(end({ renameCount: 99, renames: [{ entry: 5, as: 'n'.repeat(5000) }, { entry: 5, as: 'note (1).txt' }] }), entries, new Set([0, 1, 2]))).toEqual({ renamedCount: 3, renamed: [{ path: 'note.txt', as: 'note (1).txt' }] })
  })

  it('a receipt sent again lists the renames as the first did, from what the receive recorded and its offer; one the offer has no entry of is left out', () => {
    const r = new ReceiveRenames()
    r.planned(entries, local, () => false)
    r.placed(1, 'tree/b.jpg', 'tree (1)/b.jpg', 'tree (1)/b (1).jpg')
    r.placed(5, 'note.txt', 'note.txt', 'note (1).txt')
    const { renameCount, renames } = r.toEnd()
    // recorded through JSON, as the store keeps it
    expect(renamesToEndAgain(JSON.parse(JSON.stringify(r.shown())), r.count, entries)).toEqual({ renameCount, renames })
    expect(renamesToEndAgain([{ path: 'gone', as: 'gone (1)', folder: true, files: 2 }, { path: 'tree', as: 'tree (1)' }, { path: 'note.txt', as: 'note (1).txt' }], 3, entries)).toEqual({ renameCount: 3, renames: [{ entry: 5, as: 'note (1).txt' }] })
    // a row from before the list was recorded: the count alone
    expect(renamesToEndAgain([], 2, entries)).toEqual({ renameCount: 2, renames: [] })
  })
})
