import { describe, expect, it } from 'vitest'
import { tmpdir } from 'node:os'
import { fileSizeLimit } from '../../src/transfer/file-size-limit.ts'
import { mountIn } from '../../src/transfer/mounts.ts'

const mountTypeOf = (dir: string, info: string): string | undefined => mountIn(dir, info)?.type

const MOUNTINFO = [
  '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw',
  '30 22 0:26 / /media rw,relatime shared:2 - tmpfs tmpfs rw',
  '45 30 0:39 / /media/my\\040stick rw,nosuid,nodev,relatime - fuse.fusefat fusefat rw,user_id=0,group_id=0',
  '46 30 7:0 / /media/card rw,relatime - fuseblk /dev/loop0 rw,user_id=0',
  '47 46 7:1 / /media/card rw,relatime - vfat /dev/loop1 rw',
  ''
].join('\n')

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

  it('skips lines it cannot read', () => {
    expect(mountTypeOf('/x', 'garbage\n1 2 3\n')).toBeUndefined()
  })
})

describe('fileSizeLimit', () => {
  it('has none for an ordinary folder', async () => {
    expect(await fileSizeLimit(tmpdir())).toBeUndefined()
  })
})
