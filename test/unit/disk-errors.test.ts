// A file operation's errno that says something about the disk gets a hint a
// person can act on; a socket's errno of the same name does not.

import { describe, expect, it } from 'vitest'
import { diskHint, toFerryError, withDiskHint } from '../../src/errors.ts'
import { sinkErrorCode } from '../../src/transfer/sink/sink-common.js'

const fsError = (code: string, message: string, path: string): Error => Object.assign(new Error(message), { code, path, syscall: 'write' })

describe('toFerryError on a disk that went away or read-only', () => {
  it('keeps E_IO and Node\'s text, and says what the errno means for the disk', () => {
    // a write to an open file: Node gives no path
    const ro = toFerryError(Object.assign(new Error('EROFS: read-only file system, write'), { code: 'EROFS', syscall: 'write' }))
    expect(ro.code).toBe('E_IO')
    expect(ro.message).toBe('EROFS: read-only file system, write (the file system is read-only now: remounted so, or by the system after an error on the disk)')
    const gone = toFerryError(fsError('ENOTCONN', "ENOTCONN: socket is not connected, stat '/media/stick/in'", '/media/stick/in'))
    expect(gone.message).toMatch(/^ENOTCONN: socket is not connected, stat '\/media\/stick\/in' \(the disk is no longer reachable: unplugged, or its FUSE or network mount ended\)$/)
  })

  it('leaves a socket\'s error (no path) and other errnos as they were; a full disk and a used-up quota are E_NO_SPACE', () => {
    const socket = toFerryError(Object.assign(new Error('ENOTCONN: socket is not connected'), { code: 'ENOTCONN' }))
    expect(socket.message).toBe('ENOTCONN: socket is not connected')
    expect(toFerryError(fsError('EACCES', 'EACCES: permission denied, open', '/x')).message).toBe('EACCES: permission denied, open')
    expect(toFerryError(fsError('ENOSPC', 'ENOSPC: no space left on device, write', '/x')).code).toBe('E_NO_SPACE')
    // a disk quota used up is no room either, here as in the sinks (mutation finding: EDQUOT was E_IO here, and untested there)
    expect(toFerryError(fsError('EDQUOT', 'EDQUOT: disk quota exceeded, write', '/x'))).toMatchObject({ code: 'E_NO_SPACE', message: 'EDQUOT: disk quota exceeded, write' })
    expect(['ENOSPC', 'EDQUOT', 'ENOENT', 'ELOOP', 'EIO', undefined].map(sinkErrorCode)).toEqual(['E_NO_SPACE', 'E_NO_SPACE', 'E_PATH_NOT_FOUND', 'E_PATH_UNSAFE', 'E_IO', 'E_IO'])
  })
})

describe('diskHint', () => {
  it('says what an errno means for a disk, and nothing for others or for what an object holds of its own', () => {
    expect(diskHint('ENOTCONN')).toBe('the disk is no longer reachable: unplugged, or its FUSE or network mount ended')
    expect(diskHint('EACCES')).toBeUndefined()
    expect(diskHint('constructor')).toBeUndefined()
    expect(diskHint(undefined)).toBeUndefined()
  })
})

describe('withDiskHint', () => {
  it('adds the hint of the errno Node\'s text starts with, once, and leaves other texts alone', () => {
    const said = 'EROFS: read-only file system, write (the file system is read-only now: remounted so, or by the system after an error on the disk)'
    expect(withDiskHint('EROFS: read-only file system, write')).toBe(said)
    expect(withDiskHint(said)).toBe(said)
    expect(withDiskHint('EACCES: permission denied, open')).toBe('EACCES: permission denied, open')
    expect(withDiskHint('part file 3 is gone')).toBe('part file 3 is gone')
    // the error's own code, where the text does not start with it
    expect(withDiskHint('write failed', 'EROFS')).toBe(`write failed (${diskHint('EROFS')!})`)
  })
})
