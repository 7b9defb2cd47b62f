// A send none of whose files could be read as hashed (send-hash.ts nothingSent): failed with the cause that kept
// them all, not E_INCOMPLETE, which says the rest arrived (user-test finding).
import { describe, expect, it } from 'vitest'
import { nothingSent } from '../../src/transfer/send/send-hash.ts'

describe('nothingSent', () => {
  it('says the one cause that kept every file, else E_INCOMPLETE, naming each', () => {
    const denied = { path: '/p/noread.jpg', reason: 'cannot be read by the user the daemon runs as (nobody): permission denied, skipped', code: 'E_IO' }
    expect(nothingSent([denied])).toMatchObject({ code: 'E_IO', message: `nothing could be sent: ${denied.path}: ${denied.reason}` })
    expect(nothingSent([denied, { ...denied, path: '/p/b.jpg' }]).code).toBe('E_IO')
    expect(nothingSent([denied, { path: '/p/grew.mov', reason: 'changed while it was read, skipped', code: 'E_SOURCE_CHANGED' }]).code).toBe('E_INCOMPLETE')
    expect(nothingSent([{ path: '/p/x', reason: 'gone, skipped' }]).code).toBe('E_INCOMPLETE')
    expect(nothingSent([{ ...denied, code: 'E_NOT_A_CODE' }]).code).toBe('E_INCOMPLETE')
  })
})
