// The addresses `ferry daemon --listen/--peer` and `ferry pair --peer` take (src/cli/addresses.ts): a multiaddr, or
// host:port as `ferry connect` takes it (user-test finding: `ferry connect 127.0.0.1:47703` worked, `--peer
// 127.0.0.1:47701` and `--listen 127.0.0.1:47711` were usage errors).
import { describe, expect, it } from 'vitest'
import { checkListen, checkPeerAddress } from '../../src/cli/addresses.ts'

describe('--listen and --peer', () => {
  it('take host:port as ferry connect does, as the multiaddr it stands for; a multiaddr as it is', () => {
    expect(checkListen('127.0.0.1:47711')).toBe('/ip4/127.0.0.1/tcp/47711')
    expect(checkListen('[::1]:0')).toBe('/ip6/::1/tcp/0')
    expect(checkListen('0.0.0.0')).toBe('/ip4/0.0.0.0/tcp/4774')
    expect(checkListen('/ip4/127.0.0.1/tcp/0')).toBe('/ip4/127.0.0.1/tcp/0')
    expect(checkPeerAddress('127.0.0.1:47701')).toBe('/ip4/127.0.0.1/tcp/47701')
    expect(checkPeerAddress('nas.local')).toBe('/dns/nas.local/tcp/4774')
    expect(checkPeerAddress('[fd00::2]:4775')).toBe('/ip6/fd00::2/tcp/4775')
    expect(checkPeerAddress('/ip4/10.0.0.2/tcp/4774')).toBe('/ip4/10.0.0.2/tcp/4774')
  })

  it('refuse what cannot be one, saying why where it can: a host name to listen on, a port out of range, no port at all to dial', () => {
    expect(() => checkListen('nas.local:4774')).toThrow(/--listen nas\.local:4774 is not a TCP address to listen on \(an IP address, not a host name\)/)
    expect(() => checkListen('127.0.0.1:99999')).toThrow(/--listen 127\.0\.0\.1:99999 is not a TCP address to listen on \(an IP address with :PORT, as 0\.0\.0\.0:4774\)/)
    // not `ferry connect`'s words, which offer host names (user-test finding)
    expect(() => checkListen('10.78.64.2:')).toThrow(/^(?!.*host name).*is not a TCP address to listen on/)
    expect(() => checkListen('garbage!!')).toThrow(/is not a TCP address to listen on/)
    expect(() => checkPeerAddress('10.0.0.2:0')).toThrow(/--peer 10\.0\.0\.2:0 is not a TCP address of a device/)
    expect(() => checkPeerAddress('/ip4/10.0.0.2/udp/5')).toThrow(/--peer \/ip4\/10\.0\.0\.2\/udp\/5 is not a TCP address of a device/)
  })
})
