import { describe, expect, it } from 'vitest'
import { LeftOut } from '../../src/cli/left-out.ts'
import type { TransferInfo } from '../../src/daemon/control/types.ts'

const skipped = [
  { path: '/w/~/x', reason: 'no such file or directory, skipped', failed: true },
  { path: '/w/missing.txt', reason: 'no such file or directory, skipped', failed: true, code: 'E_PATH_NOT_FOUND' }
]

describe('LeftOut', () => {
  it('does not list again a path `ferry send` warned about as it began, and says where the skipped are (user-test finding: a ~ left by the shell warned twice)', () => {
    const told = new LeftOut(new Set(['/w/~/x']))
    told.take({ skipped, skippedCount: 2 } as unknown as TransferInfo)
    // led by its code, as an error line is, for a script reading stderr
    expect(told.warnings()).toBe('ferry: warning: E_PATH_NOT_FOUND: /w/missing.txt: no such file or directory, skipped\n')
    expect(told.summaryNote()).toBe('; 2 skipped (above and below)')
    const all = new LeftOut(new Set(['/w/~/x', '/w/missing.txt']))
    all.take({ skipped, skippedCount: 2 } as unknown as TransferInfo)
    expect(all.warnings()).toBe('')
    expect(all.summaryNote()).toBe('; 2 skipped (above)')
    // `ferry wait`: nothing said before, all listed
    const none = new LeftOut()
    none.take({ skipped, skippedCount: 2 } as unknown as TransferInfo)
    expect(none.warnings().split('\n').filter(Boolean)).toHaveLength(2)
    expect(none.summaryNote()).toBe('; 2 skipped (below)')
    expect(none.incomplete(1, false)?.code).toBe('E_INCOMPLETE')
  })

  it('says how many of the skipped were for a problem, where not all were: "3 skipped" and "1 path could not be sent" read as two counts of one thing (user-test finding)', () => {
    const mixed = new LeftOut()
    mixed.take({ skipped: [skipped[1], { path: '/w/link', reason: 'symbolic link, skipped' }, { path: '/w/fifo', reason: 'not a regular file or directory, skipped' }], skippedCount: 3, skippedFailed: 1 } as unknown as TransferInfo)
    expect(mixed.summaryNote()).toBe('; 3 skipped (below), 1 of them for a problem')
    expect(mixed.incomplete(2, false)?.message).toMatch(/^1 path could not be sent/)
    // all or none of them for a problem: one count
    const links = new LeftOut()
    links.take({ skipped: [{ path: '/w/link', reason: 'symbolic link, skipped' }], skippedCount: 1, skippedFailed: 0 } as unknown as TransferInfo)
    expect(links.summaryNote()).toBe('; 1 skipped (below)')
  })

  it('says the paths as they come where asked (fresh), each once, and not again at the end; the summary says they are above (user-test finding: an hour\'s send warned of a skipped file only at its end)', () => {
    const going = new LeftOut(new Set(['/w/~/x']))
    going.take({ skipped: [skipped[1]], skippedCount: 1 } as unknown as TransferInfo)
    expect(going.fresh()).toBe('ferry: warning: E_PATH_NOT_FOUND: /w/missing.txt: no such file or directory, skipped\n')
    expect(going.fresh()).toBe('')
    // one more found as it hashes: that one alone
    going.take({ skipped: [...skipped, { path: '/w/link', reason: 'symbolic link, skipped' }], skippedCount: 3 } as unknown as TransferInfo)
    expect(going.fresh()).toBe('ferry: warning: /w/link: symbolic link, skipped\n')
    expect(going.warnings()).toBe('')
    expect(going.summaryNote()).toBe('; 3 skipped (above), 2 of them for a problem')
    // the daemon's list keeps its first few, those for a problem first: one said already may drop out of it, and is
    // not then counted as never listed (review finding)
    going.take({ skipped: [...skipped, { path: '/w/fifo', reason: 'not a regular file, skipped' }], skippedCount: 4 } as unknown as TransferInfo)
    expect(going.fresh()).toBe('ferry: warning: /w/fifo: not a regular file, skipped\n')
    expect(going.warnings()).toBe('')
    expect(going.summaryNote()).toBe('; 4 skipped (above), 2 of them for a problem')
  })
})
