// Where a daemon's home and receive folder are, from flags and the environment (src/daemon/config.ts).

import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { DEFAULT_LISTEN, defaultName, defaultReceiveDir, expandTilde, resolveHome, startFlags } from '../../src/daemon/config.ts'

describe('config', () => {
  it('a leading ~ the shell left (--home=~/x, a crontab or unit variable) is the home folder; ~user and a ~ inside a name are left alone (user-test finding: a folder named ~ was made in the working folder)', () => {
    expect(expandTilde('~/state/ferry', '/home/u')).toBe('/home/u/state/ferry')
    expect(expandTilde('~', '/home/u')).toBe('/home/u')
    expect(expandTilde('~bob/x', '/home/u')).toBe('~bob/x')
    expect(expandTilde('a/~/x', '/home/u')).toBe('a/~/x')
    expect(expandTilde('/abs/x', '/home/u')).toBe('/abs/x')
    const home = expandTilde('~')
    expect(resolveHome('~/h', {})).toBe(`${home}/h`)
    expect(resolveHome(undefined, { FERRY_HOME: '~/f' })).toBe(`${home}/f`)
    expect(resolveHome(undefined, { XDG_STATE_HOME: '/s' })).toBe('/s/ferry')
    // a relative one is ignored (XDG Base Directory spec)
    expect(resolveHome(undefined, { XDG_STATE_HOME: 'rel' })).toBe(join(expandTilde('~'), '.local', 'state', 'ferry'))
    // absolute, from the working folder: a hint naming it is run from anywhere (helper finding)
    expect(resolveHome('a/home', {})).toBe(join(process.cwd(), 'a', 'home'))
    expect(resolveHome(undefined, { FERRY_HOME: './f' })).toBe(join(process.cwd(), 'f'))
  })
})

describe('startFlags: the flags that start a daemon as this one (the TUI\'s "start it" hint)', () => {
  const env = { XDG_DOWNLOAD_DIR: '/dl' }
  const defaults = { home: '/h', name: defaultName(), listen: DEFAULT_LISTEN, mdns: true, peers: [], receiveDir: defaultReceiveDir(env), verbose: true }
  it('--home alone for a daemon of the defaults; each setting that is not, in the order of `ferry daemon --help`', () => {
    expect(startFlags(defaults, env)).toEqual(['--home', '/h'])
    expect(startFlags({ ...defaults, name: 'nas', listen: ['/ip4/127.0.0.1/tcp/42001', '/ip6/::1/tcp/42001'], peers: ['/ip4/10.0.0.2/tcp/4774'], mdns: false, receiveDir: '/r' }, env))
      .toEqual(['--home', '/h', '--name', 'nas', '--listen', '/ip4/127.0.0.1/tcp/42001', '--listen', '/ip6/::1/tcp/42001', '--peer', '/ip4/10.0.0.2/tcp/4774', '--no-mdns', '--receive-dir', '/r'])
  })
})
