// A file received in chunks of one size, offered again in chunks of another:
// a sender of an older rule (256 KiB chunks until 2026-12-07) or a newer one
// (chunking.ts). The chunk size is part of a file's root, so the same bytes
// come with another root; the receiver must still find them in place
// (receive-plan.ts, holds and inOfferedChunks) instead of fetching them again
// and keeping a second copy as "name (1)". A crafted sender (evil-peer.ts)
// picks the chunk sizes; the receiver is a real daemon.

import { describe, expect, it } from 'vitest'
import { randomBytes } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { control as call, tempDir, waitFor, type TestDaemon } from '../helpers/daemon.ts'
import { buildOffer, daemonWithEvilPeer, hex, type BuiltOffer, type EvilFile, type EvilPeer } from '../helpers/evil-peer.ts'
import { MIN_CHUNK_SIZE, RULE_MIN_CHUNK_SIZE } from '../../src/transfer/index.ts'

const KiB = 1024
const MiB = 1024 * KiB

let victim: TestDaemon
let evil: EvilPeer
let receiveDir: string

daemonWithEvilPeer(async () => {
  receiveDir = join(await tempDir('ferry-rule-change-'), 'in')
  return { name: 'victim', receiveDir }
}, (d, e) => { victim = d; evil = e })

/** Offer `files` to the victim, wait for its end, and return the offer and what the victim asked for. */
async function sent (files: EvilFile[]): Promise<{ built: BuiltOffer, asked: number }> {
  const built = buildOffer(files)
  const ans = await evil.offer(victim, built)
  expect(ans.status, JSON.stringify(ans)).toBe('accepted')
  const end = await waitFor(() => evil.ends.find((e) => hex(e.transferId) === built.id), 'the victim to end the receive', 30_000)
  expect(end.status, JSON.stringify(end.failure)).toBe('done')
  return { built, asked: evil.asked(built.id).reduce((n, a) => n + a.length, 0) }
}

describe('a file offered again in chunks of another size than it was received in', () => {
  it('is found in place, its bytes read again where the chunks differ: nothing crosses the wire and no second copy is made; other bytes of the same size are fetched and kept both', async () => {
    // 13 chunks of 256 KiB, 4 of 1 MiB: read again to be judged
    const photo = randomBytes(3 * MiB + 5)
    // one chunk under both sizes, the same hash: judged without a read
    const note = randomBytes(100 * KiB)
    const files = (chunkSize: number): EvilFile[] => [
      { path: 'IMG_0001.jpg', data: photo, chunkSize },
      { path: 'note.txt', data: note, chunkSize },
      { path: 'empty.txt', data: new Uint8Array(0), chunkSize }
    ]
    const first = await sent(files(MIN_CHUNK_SIZE))
    expect(first.asked).toBe(photo.length + note.length)

    // the same files from a sender of today's rule: another root for each, the same bytes
    const again = await sent(files(RULE_MIN_CHUNK_SIZE))
    expect(Buffer.compare(again.built.offer.files[0].fileRoot, first.built.offer.files[0].fileRoot)).not.toBe(0)
    expect(again.asked, 'bytes fetched for files already in place').toBe(0)
    expect((await readdir(receiveDir)).sort()).toEqual(['IMG_0001.jpg', 'empty.txt', 'note.txt'])
    expect((await call(victim, 'transfers')).find((t) => t.id === again.built.id)).toMatchObject({ state: 'done', wireBytes: 0 })

    // and once more: found under the root it is indexed by now
    expect((await sent(files(RULE_MIN_CHUNK_SIZE))).asked).toBe(0)

    // other bytes of the same size, under the same name and another chunk size: not taken for the file there
    const other = randomBytes(photo.length)
    const third = await sent([{ path: 'IMG_0001.jpg', data: other, chunkSize: 2 * MiB }])
    expect(third.asked).toBe(other.length)
    expect((await readdir(receiveDir)).sort()).toEqual(['IMG_0001 (1).jpg', 'IMG_0001.jpg', 'empty.txt', 'note.txt'])
    expect((await readFile(join(receiveDir, 'IMG_0001.jpg'))).equals(photo)).toBe(true)
    expect((await readFile(join(receiveDir, 'IMG_0001 (1).jpg'))).equals(other)).toBe(true)
  })
})
