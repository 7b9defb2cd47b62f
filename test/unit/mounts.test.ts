import { describe, expect, it } from 'vitest'
import { tmpdir } from 'node:os'
import { fileSizeLimit } from '../../src/transfer/folder/file-size-limit.ts'
import { isWithin, mountIn, mountedAt, mountPointsBelow } from '../../src/transfer/mounts.ts'

const mountTypeOf = (dir: string, info: string): string | undefined => mountIn(dir, info)?.type

const MOUNTINFO = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '30 22 0:26 / /media rw,relatime shared:2 - tmpfs tmpfs rw',
  '45 30 0:39 / /media/my\\040stick rw,nosuid,nodev,relatime - fuse.fusefat fusefat rw,user_id=0,group_id=0',
  '46 30 7:0 / /media/card rw,relatime - fuseblk /dev/loop0 rw,user_id=0',
  '47 46 7:1 / /media/card rw,relatime - vfat /dev/loop1 rw',
  '48 22 8:1 /home/me/Downloads/ferry /home/me/Downloads/ferry rw,relatime - ext4 /dev/sda1 rw',
  ''
].join('\n')

describe('mountPointsBelow', () => {
  it('lists the mount points strictly inside a folder, relative to it, by whole components, escapes read; none of the folder itself or above', () => {
    expect([...mountPointsBelow('/media', MOUNTINFO)].sort()).toEqual(['card', 'my stick'])
    expect([...mountPointsBelow('/home/me', MOUNTINFO)]).toEqual(['Downloads/ferry'])
    expect([...mountPointsBelow('/home/me/Downloads/ferry', MOUNTINFO)]).toEqual([])
    expect([...mountPointsBelow('/media/my', MOUNTINFO)]).toEqual([])
    expect([...mountPointsBelow('/', MOUNTINFO)].sort()).toEqual(['home/me/Downloads/ferry', 'media', 'media/card', 'media/my stick'])
  })

  it('leaves out a mount hidden by a later one above it: the receive folder\'s disk mounted over a folder that held one', () => {
    const info = [
      '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
      '60 22 0:50 / /srv/recv/x rw,relatime - tmpfs tmpfs rw',
      '61 22 8:17 / /srv/recv rw,relatime - ext4 /dev/sdb1 rw',
      '62 61 0:51 / /srv/recv/y rw,relatime - tmpfs tmpfs rw',
      ''
    ].join('\n')
    expect([...mountPointsBelow('/srv/recv', info)]).toEqual(['y'])
    expect([...mountPointsBelow('/srv', info)].sort()).toEqual(['recv', 'recv/y'])
  })
})

describe('mountIn', () => {
  it('takes the mount whose point is the longest prefix of the folder, by whole components, octal escapes read', () => {
    expect(mountTypeOf('/media/my stick/in', MOUNTINFO)).toBe('fuse.fusefat')
    expect(mountTypeOf('/media/my stick', MOUNTINFO)).toBe('fuse.fusefat')
    // "/media/my" is no prefix of it by components
    expect(mountTypeOf('/media/my sticker', MOUNTINFO)).toBe('tmpfs')
    expect(mountTypeOf('/home/me/Downloads', MOUNTINFO)).toBe('ext4')
    expect(mountIn('/media/my stick/in', MOUNTINFO)?.point).toBe('/media/my stick')
    expect(mountIn('/home/me', MOUNTINFO)?.point).toBe('/')
  })

  it('takes the last of two mounts at one point (the one mounted over the other)', () => {
    expect(mountTypeOf('/media/card/DCIM', MOUNTINFO)).toBe('vfat')
  })

  it('reads the root within the file system: "/" for a disk, the folder for a bind mount', () => {
    expect(mountIn('/media/card/DCIM', MOUNTINFO)?.root).toBe('/')
    expect(mountIn('/home/me/Downloads/ferry/x', MOUNTINFO)).toEqual({ point: '/home/me/Downloads/ferry', root: '/home/me/Downloads/ferry', type: 'ext4', readOnly: false })
  })

  it('reads a mount as read-only by its options or its file system\'s: `ro`, or ext4\'s `emergency_ro` after an error (newer kernels, seen on 6.18: the mount says rw, access(2) says writable, writes fail with EROFS)', () => {
    const info = [
      '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
      '46 22 7:0 / /mnt/nas rw,relatime - ext4 /dev/loop0 rw,errors=remount-ro,emergency_ro',
      '47 22 7:1 / /mnt/cd ro,relatime - iso9660 /dev/sr0 ro',
      '48 22 7:2 / /mnt/bind ro,relatime - ext4 /dev/sda1 rw',
      // an option that merely contains the letters is not it
      '49 22 7:3 / /mnt/ok rw,relatime - fuse.x x rw,user_id=0,errors=remount-ro',
      ''
    ].join('\n')
    expect(mountIn('/mnt/nas/in', info)?.readOnly).toBe(true)
    expect(mountIn('/mnt/cd', info)?.readOnly).toBe(true)
    expect(mountIn('/mnt/bind/x', info)?.readOnly).toBe(true)
    expect(mountIn('/mnt/ok', info)?.readOnly).toBe(false)
    expect(mountIn('/home', info)?.readOnly).toBe(false)
  })

  it('mountedAt and isWithin', () => {
    expect(mountedAt('/media/my stick', MOUNTINFO)).toBe(true)
    expect(mountedAt('/media/other', MOUNTINFO)).toBe(false)
    expect(isWithin('/media/card', '/')).toBe(true)
    expect(isWithin('/media/card', '/media')).toBe(true)
    expect(isWithin('/media/cardigan', '/media/card')).toBe(false)
  })

  it('skips lines it cannot read', () => {
    expect(mountTypeOf('/x', 'garbage\n1 2 3\n')).toBeUndefined()
  })
})

describe('fileSizeLimit', () => {
  it('has none for an ordinary folder', async () => {
    expect(await fileSizeLimit(tmpdir())).toBeUndefined()
  })
})
