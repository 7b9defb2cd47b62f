// Lab network for tests: N hosts, each in its own network namespace, joined
// by veth pairs to a private bridge that is NOT connected to any real
// interface, with 10.78.x.0/24 addresses, no default route, and a multicast
// route so mDNS works inside. Every name carries a random prefix owned by this
// run and is removed by exact name in `down()`, on process exit too.

import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'

export interface LabHost { ns: string, ip: string, veth: string }
export interface Lab { prefix: string, hosts: LabHost[], bridge: string, down: () => void, linkDown: (i: number) => void, linkUp: (i: number) => void }

export function labAvailable (): { ok: boolean, reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: 'lab tests need Linux network namespaces' }
  if (process.getuid?.() !== 0) return { ok: false, reason: 'lab tests need root (ip netns); run as root or in CI' }
  try { execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' }) } catch { return { ok: false, reason: 'the `ip` command (iproute2) is missing' } }
  return { ok: true, reason: '' }
}

/** Lab tests are required in CI: there a missing lab is a failure, elsewhere a printed skip. */
export function labRequiredButMissing (): string | undefined {
  const a = labAvailable()
  return requiredButMissing(a.ok ? undefined : a.reason, 'lab tests')
}

/** The same rule for tests that need root but no network namespace (e.g. to mount a small tmpfs). */
export function rootRequiredButMissing (what: string): string | undefined {
  if (process.platform !== 'linux') return requiredButMissing(`${what} need Linux`, what)
  return requiredButMissing(process.getuid?.() !== 0 ? `${what} need root; run as root or in CI` : undefined, what)
}

function requiredButMissing (reason: string | undefined, what: string): string | undefined {
  if (reason == null) return undefined
  if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}`)
  console.warn(`skipping ${what}: ${reason}`)
  return reason
}

function ip (...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] })
}

export function createLab (n: number): Lab {
  const prefix = 'fy' + randomBytes(2).toString('hex')
  const subnet = `10.78.${randomBytes(1)[0]}`
  const bridge = `${prefix}br`
  const hosts: LabHost[] = []
  const lab: Lab = {
    prefix,
    hosts,
    bridge,
    down: () => {
      for (const h of hosts) { try { ip('netns', 'del', h.ns) } catch {} }
      for (let i = 0; i < n; i++) { try { ip('link', 'del', `${prefix}p${i}`) } catch {} }
      try { ip('link', 'del', bridge) } catch {}
      process.removeListener('exit', lab.down)
    },
    linkDown: (i) => { ip('-n', hosts[i].ns, 'link', 'set', hosts[i].veth, 'down') },
    linkUp: (i) => {
      ip('-n', hosts[i].ns, 'link', 'set', hosts[i].veth, 'up')
      ip('-n', hosts[i].ns, 'route', 'replace', '224.0.0.0/4', 'dev', hosts[i].veth)
    }
  }
  process.on('exit', lab.down)
  try {
    ip('link', 'add', bridge, 'type', 'bridge')
    ip('link', 'set', bridge, 'up')
    for (let i = 0; i < n; i++) {
      const h: LabHost = { ns: `${prefix}-h${i}`, ip: `${subnet}.${i + 1}`, veth: `${prefix}v${i}` }
      hosts.push(h)
      ip('netns', 'add', h.ns)
      ip('link', 'add', h.veth, 'type', 'veth', 'peer', 'name', `${prefix}p${i}`)
      ip('link', 'set', h.veth, 'netns', h.ns)
      ip('link', 'set', `${prefix}p${i}`, 'master', bridge, 'up')
      ip('-n', h.ns, 'link', 'set', 'lo', 'up')
      ip('-n', h.ns, 'addr', 'add', `${h.ip}/24`, 'dev', h.veth)
      ip('-n', h.ns, 'link', 'set', h.veth, 'up')
      ip('-n', h.ns, 'route', 'add', '224.0.0.0/4', 'dev', h.veth)
    }
  } catch (err) {
    lab.down()
    throw err
  }
  return lab
}
