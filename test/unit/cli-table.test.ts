// `ferry transfers` on a terminal: its table cut to the terminal's width
// (fitRows), the columns that may give first, each down to what it keeps;
// its progress with the unit once where both figures share it.

import { describe, expect, it } from 'vitest'
import { fitRows, table } from '../../src/cli/output.ts'
import { offersText, progressCell, transfersText, waitFailure } from '../../src/cli/commands/transfer.ts'
import { LeftOut } from '../../src/cli/left-out.ts'
import type { OfferInfo, TransferInfo } from '../../src/daemon/control/types.ts'
import { displayWidth } from '../../src/tui/format.ts'

const MiB = 1024 * 1024
const rows = [
  ['ID', 'DIR', 'PEER', 'WHAT', 'STATE', 'PROGRESS', 'RATE', 'RECEIPT', 'WHEN'],
  ['4f2a9c1e', 'out', 'bob-desktop-upstairs', 'Camera Roll (1,204 files)', 'waiting for peer E_PEER_UNREACHABLE', progressCell(82.8 * MiB, 476.8 * MiB), '0 B/s', '', '2m ago'],
  ['9b0c33aa', 'in', 'alice', 'IMG_0001.JPG', 'done', progressCell(2.1 * MiB, 2.1 * MiB), '', 'signed', '1h ago']
]
const SHRINK = new Map([[3, 5], [2, 6], [4, 8]])
const widest = (t: string): number => Math.max(...t.trimEnd().split('\n').map(displayWidth))

describe('ferry transfers on a terminal', () => {
  it('progress says the unit once where both figures have it', () => {
    expect(progressCell(82.8 * MiB, 476.8 * MiB)).toBe('82.8/476.8 MiB')
    expect(progressCell(512 * 1024, 3 * 1024 * MiB)).toBe('512.0 KiB/3.0 GiB')
    expect(progressCell(0, 0)).toBe('0/0 B')
  })

  it('a transfer a byte short of its total does not read as all of it; one done reads as its total exactly (notes\' leftover: "20.0/20.0 MiB" while it ran, at 99 %)', () => {
    expect(progressCell(20 * MiB - 1, 20 * MiB)).toBe('19.9/20.0 MiB')
    expect(progressCell(20 * MiB, 20 * MiB)).toBe('20.0/20.0 MiB')
    const running: TransferInfo = {
      id: '77777777aa', direction: 'send', peerId: 'p', peerName: 'bob', state: 'verifying', files: 1, totalBytes: 20 * MiB, doneBytes: 20 * MiB - 1,
      wireBytes: 20 * MiB, rate: 0, etaSeconds: null, inFlight: [], root: '', createdAt: Date.now(), resumed: false
    }
    expect(transfersText([running])).toContain('19.9/20.0 MiB')
    expect(transfersText([running])).not.toContain('20.0/20.0')
  })

  it('cuts what may give, widest first, until the table fits the terminal, the rest whole (user-test finding: rows of ~130 cells wrapped on 80)', () => {
    expect(widest(table(rows))).toBeGreaterThan(110)
    const fitted = table(fitRows(rows, 80, SHRINK))
    expect(widest(fitted)).toBeLessThanOrEqual(80)
    // the columns that do not give are whole, the header too
    expect(fitted).toContain('82.8/476.8 MiB')
    expect(fitted).toContain('signed')
    expect(fitted.split('\n')[0]).toMatch(/^ID +DIR +PEER +WHAT +STATE +PROGRESS +RATE +RECEIPT +WHEN$/)
    // what was cut ends in "…", what fits is as it was
    expect(fitted).toMatch(/Cam[^ ]*…/)
    expect(fitted).toContain('alice')
  })

  it('stops at what each column keeps, and changes nothing that fits', () => {
    const narrow = fitRows(rows, 40, SHRINK)
    expect(displayWidth(narrow[1][3])).toBe(5)
    expect(displayWidth(narrow[1][2])).toBe(6)
    expect(displayWidth(narrow[1][4])).toBe(8)
    expect(fitRows(rows, 300, SHRINK)).toEqual(rows)
  })
})

describe('transfersText', () => {
  const base = { peerId: '12D3KooWAbCdEfGh', peerName: 'bob-desktop-upstairs', label: 'Camera Roll (1,204 files)', totalBytes: 500 * MiB, doneBytes: 500 * MiB, rate: 0, createdAt: Date.now() - 60_000, finishedAt: Date.now() - 30_000 }
  const list = [
    { ...base, id: 'aa'.repeat(16), direction: 'send', state: 'done', error: { code: 'E_INCOMPLETE', message: '3 paths could not be sent' }, skippedFailed: 3, receipt: { verified: true, notReceived: 3 } },
    { ...base, id: 'bb'.repeat(16), direction: 'receive', state: 'failed', error: { code: 'E_NO_SPACE', message: 'the receive folder has 1.0 MiB free' } },
    { ...base, id: 'cc'.repeat(16), direction: 'send', state: 'cancelled', endedBy: 'here', error: { code: 'E_CANCELLED', message: 'cancelled' } }
  ] as unknown as TransferInfo[]

  it('a receive held back by the limit of receives at once says it waits its turn, not for its peer (user-test finding: "waiting for peer E_LIMIT" while that peer was online and sending)', () => {
    const held = { ...base, id: 'dd'.repeat(16), direction: 'receive', state: 'waiting', finishedAt: undefined, error: { code: 'E_LIMIT', message: 'waiting its turn: 4 other receives from alice are under way, 4 at most at once from one device' } }
    const away = { ...base, id: 'ee'.repeat(16), direction: 'send', state: 'waiting', finishedAt: undefined, error: { code: 'E_PEER_UNREACHABLE', message: 'cannot reach bob' } }
    const text = transfersText([held, away] as unknown as TransferInfo[])
    expect(text).toMatch(/^dddddddd .* waiting its turn E_LIMIT /m)
    expect(text).toMatch(/^eeeeeeee .* waiting for peer E_PEER_UNREACHABLE /m)
  })

  it('piped: whole rows, failures spelled out below', () => {
    const text = transfersText([...list, { ...base, id: '99'.repeat(16), direction: 'send', state: 'waiting', finishedAt: undefined } as unknown as TransferInfo])
    expect(text).toContain('done E_INCOMPLETE, 3 paths not sent')
    // a send waiting for its peer shows no rate, not "0 B/s" (user-test finding)
    expect(text).toMatch(/^99999999 .*waiting/m)
    expect(text.split('\n').find((l) => l.startsWith('99999999'))).not.toContain('B/s')
    expect(text).toMatch(/^bbbbbbbb: E_NO_SPACE: the receive folder has 1\.0 MiB free$/m)
    expect(text).not.toMatch(/^aaaaaaaa: /m)
  })

  it('a receive cancelled with files placed says how many are kept and where, once, the home as ~ (user-test finding: said nowhere)', () => {
    const cut = { ...base, id: '66'.repeat(16), direction: 'receive', state: 'cancelled', endedBy: 'peer', files: 303, keptFiles: 54, receiveDir: '/home/u/Downloads/ferry', error: { code: 'E_CANCELLED', message: 'cancelled by the sender' } }
    const text = transfersText([cut, list[2]] as unknown as TransferInfo[], 80, '/home/u')
    expect(text.match(/^66666666: .*$/gm)).toEqual(['66666666: cancelled by bob-desktop-upstairs; 54 of 303 files had arrived and are kept in ~/Downloads/ferry'])
    expect(text).not.toMatch(/^cccccccc: .*kept/m)
  })

  it('one that moves with no rate measured yet (its first second) shows "—", not "0 B/s", which read as stuck', () => {
    const starting = { ...base, id: '88'.repeat(16), direction: 'send', state: 'hashing', doneBytes: MiB, finishedAt: undefined }
    const row = transfersText([starting as unknown as TransferInfo]).split('\n').find((l) => l.startsWith('88888888'))
    expect(row).toMatch(/ 1\.0\/500\.0 MiB +— /)
    expect(row).not.toContain('B/s')
  })

  it('one whose bytes stopped 10 s ago or more says how long, where one not measured yet says "—" (notes\' leftover: both read "—", a stall as a start)', () => {
    const stalled = { ...base, id: '77'.repeat(16), direction: 'receive', state: 'fetching', doneBytes: MiB, finishedAt: undefined, stalledSeconds: 65 }
    const row = transfersText([stalled as unknown as TransferInfo]).split('\n').find((l) => l.startsWith('77777777'))
    expect(row).toMatch(/ 1\.0\/500\.0 MiB +stalled 1m 05s /)
    expect(row).not.toContain('—')
  })

  it('on an 80-column terminal: within 80 cells, and a state cut short said whole below (review finding: "done E_…" told no E_INCOMPLETE anywhere)', () => {
    const text = transfersText(list, 80)
    expect(widest(text.split('\n\n')[0])).toBeLessThanOrEqual(80)
    expect(text).toMatch(/^aaaaaaaa: done E_INCOMPLETE, 3 paths not sent$/m)
    expect(text).toMatch(/^cccccccc: cancelled here$/m)
    // a failure's line, once
    expect(text.match(/^bbbbbbbb: /gm)).toHaveLength(1)
  })

  it('what a transfer carried is shown escaped, as `ferry offers` shows its names: a bidi mark or a line break is seen, not dropped (user-test finding: "bidi\\u202eevil.txt" in offers, "bidievil.txt" here)', () => {
    const text = transfersText([{ ...list[2], label: 'bidi\u202eevil.txt' } as unknown as TransferInfo])
    expect(text).toContain('bidi\\u202eevil.txt')
    expect(text).not.toContain('\u202e')
  })

  it('a cancelled or declined one says who ended it, not the code its state says (user-test finding: "cancelled E_CANCELLED", and only --json\'s message told who)', () => {
    const ended = [
      { ...base, id: '11'.repeat(16), direction: 'send', state: 'declined', endedBy: 'peer', peerName: 'beta', error: { code: 'E_DECLINED', message: 'receiver: declined on the receiving device' } },
      { ...base, id: '22'.repeat(16), direction: 'receive', state: 'cancelled', endedBy: 'peer', peerName: 'al\u202eice\nx', error: { code: 'E_CANCELLED', message: 'cancelled by the sender' } },
      { ...base, id: '33'.repeat(16), direction: 'receive', state: 'declined', endedBy: 'here', error: { code: 'E_DECLINED', message: 'declined on the receiving device' } },
      // a record from before endedBy: the code as before, nothing made up
      { ...base, id: '44'.repeat(16), direction: 'send', state: 'cancelled', error: { code: 'E_CANCELLED', message: 'cancelled' } },
      // a code that says more than the state (none of its files could be received there) is kept
      { ...base, id: '55'.repeat(16), direction: 'send', state: 'cancelled', endedBy: 'peer', peerName: 'beta', error: { code: 'E_SOURCE_CHANGED', message: 'x' } }
    ] as unknown as TransferInfo[]
    const text = transfersText(ended)
    expect(text).toMatch(/^11111111 .* declined by beta +500/m)
    // the peer's name made safe as the PEER column shows it: no bidi mark or line break gets through
    expect(text).toMatch(/^22222222 +in +alicex .* cancelled by alicex +500/m)
    expect(text).not.toContain('\u202e')
    expect(text).toMatch(/^33333333 .* declined here +500/m)
    expect(text).toMatch(/^44444444 .* cancelled E_CANCELLED +500/m)
    expect(text).toMatch(/^55555555 .* cancelled by beta E_SOURCE_CHANGED +500/m)
    expect(text).not.toMatch(/by beta E_DECLINED|here E_/)
  })

  it('two peers of one name (a device set up anew, its old self still listed) are told apart by the end of their peer IDs; a name of one peer stays alone (user-test finding: both were "C")', () => {
    const two = [
      { ...base, id: 'dd'.repeat(16), direction: 'send', state: 'done', peerName: 'C', peerId: '12D3KooWQxS3XCap6sdrXKrG47QmpAdmwpwoAuWXS54nao2hTwpC' },
      { ...base, id: 'ee'.repeat(16), direction: 'send', state: 'done', peerName: 'C', peerId: '12D3KooWECFUzizFaRa8utavg9zeQUFFmg4dnpWHCgG4V4RKuhHx' },
      { ...base, id: 'ff'.repeat(16), direction: 'receive', state: 'done', peerName: 'B', peerId: '12D3KooWLd4db2DkrTgkLMrBL1vGfnxgnKGXcSXmhkxkwxZALahe' }
    ] as unknown as TransferInfo[]
    const text = transfersText(two)
    expect(text).toMatch(/^dddddddd +out +C …ao2hTwpC /m)
    expect(text).toMatch(/^eeeeeeee +out +C …V4RKuhHx /m)
    expect(text).toMatch(/^ffffffff +in +B +/m)
    expect(text).not.toContain('…ZALahe')
  })
})


describe('offersText', () => {
  it('two devices of one name offering at once are told apart by the ends of their peer IDs (user-test finding: "B" twice, and accepting one is trusting its files)', () => {
    const now = Date.now()
    const offer = { files: 1, totalBytes: 3, names: ['o1.txt'], receivedAt: now - 90_000 }
    const list = [
      { ...offer, id: '11'.repeat(16), peerName: 'B', peerId: '12D3KooWLd4db2DkrTgkLMrBL1vGfnxgnKGXcSXmhkxkwxZALahe' },
      { ...offer, id: '22'.repeat(16), peerName: 'B', peerId: '12D3KooWECFUzizFaRa8utavg9zeQUFFmg4dnpWHCgG4V4RKuhHx' },
      { ...offer, id: '33'.repeat(16), peerName: 'A', peerId: '12D3KooWGAJ5sXAtHuE2h8pvGGsoJuurJxANfpzgztiu69Sf2q6H' }
    ] as unknown as OfferInfo[]
    const text = offersText(list, now)
    expect(text).toMatch(/^ID +FROM +FILES +SIZE +WHEN +NAMES$/m) // WHEN, as `ferry transfers` heads the same column (user-test finding: CAME here)
    expect(text).toMatch(/^11111111 +B …wxZALahe +1 +3 B +1m ago +o1\.txt$/m)
    expect(text).toMatch(/^22222222 +B …V4RKuhHx +1 /m)
    expect(text).toMatch(/^33333333 +A +1 /m)
  })
})

describe('`ferry wait`\'s exit for an ended transfer (waitFailure)', () => {
  const ended = (over: Partial<TransferInfo>): TransferInfo => ({
    id: 'ab', direction: 'send', peerId: 'p', peerName: 'nas', state: 'done', files: 2, totalBytes: 10, doneBytes: 10, wireBytes: 10,
    rate: 0, etaSeconds: null, inFlight: [], root: 'cd', createdAt: 0, finishedAt: 1, resumed: false, ...over
  })

  it('is 0 only for a send done with a receipt that verified, or a receive done; a send done with one that did not, or none, is E_RECEIPT_INVALID (mutation finding: untested, the daemon never ends a send so)', () => {
    const receipt = { root: 'cd', signature: 's' }
    expect(waitFailure(ended({ receipt: { ...receipt, verified: true } }), new LeftOut(), false)).toBeUndefined()
    expect(waitFailure(ended({ direction: 'receive', receipt: { ...receipt, verified: false } }), new LeftOut(), false)).toBeUndefined()
    for (const t of [ended({ receipt: { ...receipt, verified: false } }), ended({})]) {
      expect(waitFailure(t, new LeftOut(), false)).toMatchObject({ code: 'E_RECEIPT_INVALID', message: 'the transfer ended without a receipt that verifies' })
    }
    expect(waitFailure(ended({ state: 'failed', error: { code: 'E_HASH_MISMATCH', message: 'chunk 7' } }), new LeftOut(), false)).toMatchObject({ code: 'E_HASH_MISMATCH', message: 'chunk 7' })
  })

  it('a cancel or a decline is said by who did it, as `ferry transfers` says it on the same device, not where it was done (user-test finding: "cancelled on the receiving device" on that device, its listing "cancelled here"); other words of the daemon as they are', () => {
    expect(waitFailure(ended({ direction: 'receive', state: 'cancelled', endedBy: 'here', error: { code: 'E_CANCELLED', message: 'cancelled on the receiving device' } }), new LeftOut(), false)).toMatchObject({ code: 'E_CANCELLED', message: 'cancelled here' })
    expect(waitFailure(ended({ state: 'cancelled', endedBy: 'peer', error: { code: 'E_CANCELLED', message: 'cancelled on the receiving device (nas)' } }), new LeftOut(), false)).toMatchObject({ message: 'cancelled by nas' })
    expect(waitFailure(ended({ state: 'declined', endedBy: 'peer', error: { code: 'E_DECLINED', message: 'receiver: declined on the receiving device' } }), new LeftOut(), false)).toMatchObject({ code: 'E_DECLINED', message: 'declined by nas' })
    // and the receiver's own words for its sender's cancel (review finding)
    expect(waitFailure(ended({ direction: 'receive', state: 'cancelled', endedBy: 'peer', error: { code: 'E_CANCELLED', message: 'cancelled by the sender' } }), new LeftOut(), false)).toMatchObject({ message: 'cancelled by nas' })
    // a reason of its own stays, as does a record from before endedBy
    expect(waitFailure(ended({ state: 'cancelled', endedBy: 'peer', error: { code: 'E_CANCELLED', message: 'the offer expired' } }), new LeftOut(), false)).toMatchObject({ message: 'the offer expired' })
    expect(waitFailure(ended({ state: 'cancelled', error: { code: 'E_CANCELLED', message: 'cancelled on the sending device' } }), new LeftOut(), false)).toMatchObject({ message: 'cancelled on the sending device' })
  })
})
