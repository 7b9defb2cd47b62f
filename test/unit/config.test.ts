// Where a daemon's home and receive folder are, from flags and the environment (src/daemon/config.ts).

import { describe, expect, it } from 'vitest'
import { expandTilde, resolveHome } from '../../src/daemon/config.ts'

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
  })
})
