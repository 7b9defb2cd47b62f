// Peer- and file-supplied text on a terminal: stripped where it only labels
// something (names in columns), escaped where a person must tell it apart
// (a path in a warning).

import { describe, expect, it } from 'vitest'
import { escapeBytesForDisplay, escapeForDisplay, quoteForDisplay, sanitizeForDisplay } from '../../src/errors.ts'
import { dialFailure, fromWireError } from '../../src/protocol/stream.ts'

describe('text for the terminal', () => {
  it('strips control and bidi characters from names shown as labels', () => {
    expect(sanitizeForDisplay('evil\u001b[31mred\u0007\u202e')).toBe('evil[31mred')
    // and the C1 controls: U+009B is a CSI of its own on many terminals, U+0085 a line break (mutation finding: untested)
    expect(sanitizeForDisplay('a\u009b2Jb\u0085c\u0080d\u009fe')).toBe('a2Jbcde')
    expect(escapeForDisplay('x\u009b2J')).not.toContain('\u009b')
  })

  it('escapes them in paths instead, so that "new⏎line" does not read as a file called "newline" (review finding)', () => {
    expect(escapeForDisplay('names/new\nline')).toBe('names/new\\nline')
    expect(escapeForDisplay('tab\there')).toBe('tab\\there')
    expect(escapeForDisplay('esc\u001b[2J\u202eyxt.exe')).toBe('esc\\x1b[2J\\u202eyxt.exe')
    expect(escapeForDisplay('back\\slash')).toBe('back\\\\slash')
    // spaces at the end, which nothing shows: "notes " is not "notes" (review finding); inside a name they stay spaces
    expect(escapeForDisplay('Misc./notes  ')).toBe('Misc./notes\\x20\\x20')
    expect(escapeForDisplay('my photos/a b.jpg')).toBe('my photos/a b.jpg')
    expect(escapeForDisplay('日本語 photo.jpg')).toBe('日本語 photo.jpg')
  })

  it('a name that is not UTF-8 as a path is shown: bytes that decode as they read, escaped as escapeForDisplay does, each other byte as \\xNN, once', () => {
    const bytes = (...parts: Array<string | number[]>): Buffer => Buffer.concat(parts.map((p) => typeof p === 'string' ? Buffer.from(p, 'utf8') : Uint8Array.from(p)))
    expect(escapeBytesForDisplay(bytes('/d/caf\u00e9', [0xff], '\\\n 日本', [0xfe]))).toBe('/d/café\\xff\\\\\\n 日本\\xfe')
    // an overlong form, a surrogate and a sequence cut short are no UTF-8, byte by byte; a space at the end is shown
    expect(escapeBytesForDisplay(bytes([0xc0, 0x80], [0xed, 0xa0, 0x80], 'x', [0xe2, 0x82], ' '))).toBe('\\xc0\\x80\\xed\\xa0\\x80x\\xe2\\x82\\x20')
    // valid UTF-8 reads as escapeForDisplay shows it
    expect(escapeBytesForDisplay(Buffer.from('esc\u001b \u202e.txt '))).toBe(escapeForDisplay('esc\u001b \u202e.txt '))
  })

  it('also the line separators and the invisible characters that make two names look alike, but not the joiners scripts and emoji need (user-test finding)', () => {
    expect(escapeForDisplay('a\u2028b\u2029c')).toBe('a\\u2028b\\u2029c')
    expect(escapeForDisplay('IMG\u200b_0001.jpg')).toBe('IMG\\u200b_0001.jpg')
    expect(escapeForDisplay('\ufeffx\u2060y\u061cz')).toBe('\\ufeffx\\u2060y\\u061cz')
    expect(sanitizeForDisplay('lap\u200btop\u2028')).toBe('laptop')
    const family = '👨\u200d👩\u200d👧'
    expect(escapeForDisplay(family)).toBe(family)
    expect(sanitizeForDisplay('می\u200cخواهم')).toBe('می\u200cخواهم')
  })

  it('quoted in an error message (an unsafe path), a name has the same characters escaped that JSON leaves as they are (review finding: U+2028 and zero-width spaces went through)', () => {
    expect(quoteForDisplay('a\u2028b\u202ec\u007fd\u200be\nf\u061cg\ufeff')).toBe('"a\\u2028b\\u202ec\\x7fd\\u200be\\nf\\u061cg\\ufeff"')
    expect(quoteForDisplay('日本語 "photo".jpg')).toBe('"日本語 \\"photo\\".jpg"')
    expect(quoteForDisplay('back\\slash\b\f')).toBe('"back\\\\slash\\x08\\x0c"')
  })

  it('a name shows the same in a path and quoted, as a warning prints both (user-test finding: `ctl\\x01char: unsafe path "ctl\\u0001char"`)', () => {
    for (const name of ['ctl\u0001char', 'del\u007f', 'csi\u009b', 'rlo\u202e', 'nl\nx', 'back\\slash', 'tab\tx']) {
      expect(quoteForDisplay(name)).toBe(`"${escapeForDisplay(name)}"`)
    }
  })

  it('a dial that got no answer says so, not "The operation was aborted due to timeout" (user-test finding)', async () => {
    const timedOut = await new Promise<unknown>((resolve) => { const sig = AbortSignal.timeout(1); sig.addEventListener('abort', () => { resolve(sig.reason) }) })
    expect(dialFailure(timedOut, 10_000)).toBe('no answer within 10 s (ferry there stopped or busy, or its device asleep)')
    expect(dialFailure(new Error('connection refused'), 10_000)).toBe('connection refused')
  })

  it('a dial with no address to try (the peer away since this daemon started) says it is not online, not libp2p\'s "no valid addresses" (user-test finding)', () => {
    const none = Object.assign(new Error('The dial request has no valid addresses for peer: 12D3KooWQxS3XCap6sdrXKrG47QmpAdmwpwoAuWXS54nao2hTwpC'), { name: 'NoValidAddressesError' })
    expect(dialFailure(none, 10_000)).toBe('not online (ferry there stopped, or its device away or asleep)')
  })

  it('a dial that reached this device itself (`ferry pair CODE --peer` with its own address) says so, not libp2p\'s "Can not dial self" (user-test finding)', () => {
    const self = Object.assign(new Error('Can not dial self'), { name: 'InvalidPeerIdError' })
    expect(dialFailure(self, 5000)).toBe('it is this device\'s own address; give the other device\'s (`ferry status` there shows it)')
    expect(dialFailure(new AggregateError([self], 'All multiaddr dials failed'), 5000)).toBe('it is this device\'s own address; give the other device\'s (`ferry status` there shows it)')
  })

  it('a dial of several addresses that all failed says why, by each failure once, not libp2p\'s "All multiaddr dials failed" (user-test finding)', () => {
    const refused = (a: string): Error => new Error(`connection error ${a}: connect ECONNREFUSED ${a}`)
    expect(dialFailure(new AggregateError([refused('10.78.61.3:4774')], 'All multiaddr dials failed'), 10_000)).toBe('not online (10.78.61.3:4774 refuses connections: ferry there not running)')
    const noRoute = new Error('connect EHOSTUNREACH 10.78.61.9:4774')
    expect(dialFailure(new AggregateError([refused('10.78.61.3:4774'), noRoute], 'All multiaddr dials failed'), 10_000)).toBe('no address of it worked (10.78.61.3:4774 refuses connections: ferry there not running; 10.78.61.9:4774 cannot be reached from here: its device away, asleep, or on another network)')
    expect(dialFailure(new AggregateError([], 'All multiaddr dials failed'), 10_000)).toBe('not online: none of its addresses answered (ferry there stopped, or its device away or asleep)')
  })

  it('a dial refused (the device there, its ferry not running) says so with the address, not the socket\'s ECONNREFUSED (user-test finding)', () => {
    expect(dialFailure(new Error('connection error 127.0.0.1:47301: connect ECONNREFUSED 127.0.0.1:47301'), 10_000)).toBe('not online (127.0.0.1:47301 refuses connections: ferry there not running)')
    // an IPv6 address in brackets, as `ferry connect` takes it, not Node's "::1:47301" (user-test finding)
    // and at an IPv6 address, that a daemon there may listen on IPv4 alone, as it does by default (helper finding)
    expect(dialFailure(new Error('connect ECONNREFUSED ::1:47301'), 10_000)).toBe('not online ([::1]:47301 refuses connections: ferry there not running, or listening on IPv4 only, as it does unless started with `--listen /ip4/0.0.0.0/tcp/47301 --listen /ip6/::/tcp/47301`)')
  })

  it('a dial answered by another device than the peer (one set up anew at its address) says so, not only the two keys (user-test finding)', () => {
    const noise = new Error('Payload identity key 12D3KooWQxS3XCap6sdrXKrG47QmpAdmwpwoAuWXS54nao2hTwpC does not match expected remote identity key 12D3KooWECFUzizFaRa8utavg9zeQUFFmg4dnpWHCgG4V4RKuhHx')
    expect(dialFailure(noise, 10_000)).toBe('another device answers at its address (peer ID …ao2hTwpC): if it is this device set up anew, pair with it and `ferry unpair` the old one')
  })

  it('an address of the peer that leads back to this device (its 127.0.0.1, both listening on one port) is not "another device" to unpair for, and gives way to what its other addresses said (user-test finding: the peer\'s daemon stopped, the sender was told to unpair it, naming its own peer ID)', () => {
    const self = '12D3KooWQxS3XCap6sdrXKrG47QmpAdmwpwoAuWXS54nao2hTwpC'
    const back = Object.assign(new Error(`Payload identity key ${self} does not match expected remote identity key 12D3KooWECFUzizFaRa8utavg9zeQUFFmg4dnpWHCgG4V4RKuhHx`), { name: 'UnexpectedPeerError' })
    const refused = new Error('connection error 10.78.62.2:4774: connect ECONNREFUSED 10.78.62.2:4774')
    expect(dialFailure(new AggregateError([refused, back], 'All multiaddr dials failed'), 10_000, self)).toBe('not online (10.78.62.2:4774 refuses connections: ferry there not running)')
    expect(dialFailure(back, 10_000, self)).toBe('not online (an address it announced leads back to this device, as 127.0.0.1 does: ferry there not reachable at its others)')
    // another key than ours is another device, as before
    expect(dialFailure(back, 10_000, '12D3KooWSbHrn885PmmdboP794WfdapWT9u31M9PADLygDvukYEX')).toMatch(/^another device answers at its address/)
  })
})

describe('a peer\'s error, as taken in (fromWireError)', () => {
  it('keeps the code it knows and strips what no display may be handed from the text, as for a code it does not know (fuzzing finding: ESC, BEL, a bidi override and CR/LF kept as they came with E_IO)', () => {
    const e = fromWireError({ code: 'E_IO', message: '\x1b[2J\x1b]0;TITLE\x07\u202eowned\r\nfake: line' }, 'sender')
    expect(e).toMatchObject({ code: 'E_IO', remote: true })
    expect(e!.message).toBe('sender: [2J]0;TITLEownedfake: line')
    const unknown = fromWireError({ code: 'E_WHATEVER\x1b', message: 'a\u202eb' }, 'sender')
    expect(unknown).toMatchObject({ code: 'E_PROTOCOL' })
    expect(unknown!.message).toBe('the sender sent an error code this ferry does not know (E_WHATEVER), saying "ab"')
  })
})
