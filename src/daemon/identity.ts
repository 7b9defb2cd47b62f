// The daemon's Ed25519 libp2p identity: created on first start as
// <home>/identity.key (mode 0600, protobuf-encoded private key) and reused after,
// so the peer ID is stable across restarts.

import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { open, readFile, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { FerryError } from '../errors.ts'

export const IDENTITY_FILE = 'identity.key'

export async function loadOrCreateIdentity (home: string): Promise<PrivateKey> {
  const path = join(home, IDENTITY_FILE)
  try {
    const st = await stat(path)
    if ((st.mode & 0o077) !== 0) {
      throw new FerryError('E_IO', `${path} is readable by other users (mode ${(st.mode & 0o777).toString(8)}); run \`chmod 600 ${path}\``)
    }
    const bytes = await readFile(path)
    try {
      return privateKeyFromProtobuf(bytes)
    } catch (err) {
      // not made anew: the peer ID, and every pairing with it, would be lost without a word (user-test finding: "E_INTERNAL: Unsupported key type")
      throw new FerryError('E_IO', `${path} does not hold a key ferry can read (${bytes.length === 0 ? 'it is empty' : (err as Error).message}); restore it from a backup, or move it away to start as a new device (every pairing then has to be made again)`, { cause: err })
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const key = await generateKeyPair('Ed25519')
  // write to a temporary name then rename, so a crash never leaves a truncated key
  const tmp = `${path}.tmp-${process.pid}`
  const fh = await open(tmp, 'wx', 0o600)
  try {
    await fh.writeFile(privateKeyToProtobuf(key))
    await fh.sync()
  } finally {
    await fh.close()
  }
  await rename(tmp, path)
  return key
}
