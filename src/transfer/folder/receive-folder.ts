// Whether the receive folder can take files at all, said in words before an
// offer is accepted: the calls that would fail later say less (Node's
// recursive mkdir reports a read-only file system as ENOENT, and an
// unwritable folder as EACCES on a part folder the user never heard of).

import { constants } from 'node:fs'
import { access, realpath, stat } from 'node:fs/promises'
import { byDaemonUser } from '../daemon-user.ts'
import { FerryError, diskHint, toFerryError } from '../../errors.ts'
import { mountOf, type MountinfoRead } from '../mounts.ts'
import { danglingLinkOnTheWay, firstRefusal } from '../../daemon/make-folder.ts'
import { mkdirP } from '../../daemon/mkdir-p.ts'

/**
 * Why a folder cannot be written in, from access(2)'s error, as words that
 * follow its name ("is on a read-only file system"); undefined for an error
 * that says nothing of writing (a folder gone, say).
 */
export function notWritableBecause (err: unknown): string | undefined {
  // err may be undefined (the cause of an error made here): the receive failed whole with "Cannot read properties of undefined" (helper finding)
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  if (code === 'EROFS') return 'is on a read-only file system'
  if (code === 'EACCES') return `is not writable ${byDaemonUser()}`
  // not a matter of permission bits: root got "not writable by root" for a `chattr +i` folder (soak-test finding)
  if (code === 'EPERM') return 'cannot be written to (EPERM: marked immutable or append-only? see lsattr -d)'
  // placing a file there from the part folder (a link, a rename): a disk mounted there after the offer was
  // checked (safe-path.ts mountedRefusal says it up front)
  if (code === 'EXDEV') return 'is on another disk (or a bind mount) than the receive folder, and ferry places files only on the receive folder\'s own file system'
  return undefined
}

/** Throws E_PATH_NOT_FOUND (missing) or E_IO (not a folder, read-only, not writable by this process), each saying so. `mounts`: mountinfo as read for the same task (else read now). */
export async function checkReceiveFolder (dir: string, mounts?: MountinfoRead): Promise<void> {
  const st = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new FerryError('E_PATH_NOT_FOUND', `receive folder ${dir} does not exist`)
    throw toFerryError(err, 'E_IO')
  })
  if (!st.isDirectory()) throw new FerryError('E_IO', `receive folder ${dir} is not a folder`)
  try {
    await access(dir, constants.W_OK | constants.X_OK)
  } catch (err) {
    const why = notWritableBecause(err)
    if (why !== undefined) throw new FerryError('E_IO', `receive folder ${dir} ${why}`)
    throw toFerryError(err, 'E_IO')
  }
  // a disk the kernel made read-only after an error passes access(2) (ext4's emergency_ro): its mount says so, and an
  // offer accepted there failed with EROFS as its first bytes came (helper finding, session 41)
  const mount = await mountOf(await realpath(dir).catch(() => dir), mounts)
  // the hint last, as every EROFS says it (withDiskHint)
  if (mount?.readOnly === true) throw new FerryError('E_IO', `receive folder ${dir} (on the disk mounted at ${mount.point}) ${notWritableBecause({ code: 'EROFS' })} (${diskHint('EROFS')})`)
}

/**
 * mkdir -p of a receive folder, for an offer. One that is (or passes through)
 * a symbolic link to nothing, a disk not mounted, is said so (E_PATH_NOT_FOUND,
 * as a receive folder that goes away; where it points is not told to the
 * peer): user-test finding, the sender read "receiver: ENOENT: no such file or
 * directory, mkdir '…'". So is one gone (moved, removed) that cannot be made
 * again where it was, for want of permission or on a read-only disk
 * (user-test finding: "receiver: EACCES: permission denied, mkdir '/home/…'").
 */
export async function makeReceiveFolder (dir: string): Promise<void> {
  try {
    // not Node's recursive mkdir: it loops for ever where mkdir says ENOENT under a folder that is there (mkdir-p.ts)
    await mkdirP(dir)
  } catch (err) {
    if (await danglingLinkOnTheWay(dir) !== undefined) throw new FerryError('E_PATH_NOT_FOUND', 'the receive folder is a symbolic link to a folder that is not there (a disk not mounted?); send again once it is', { cause: err })
    // moved away and a file put at its name (or at a folder's on the way): said as checkReceiveFolder and `ferry status`
    // say it, not as "EEXIST: file already exists, mkdir '…'", which also told the peer where it is (helper finding)
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new FerryError('E_IO', 'the receive folder is not a folder: a file has its name, or the name of a folder on the way; send again once it is a folder', { cause: err })
    // the folder it goes in said to be at fault, by the error of making the first folder missing alone (Node's recursive mkdir says ENOENT for EROFS)
    const why = notWritableBecause(await firstRefusal(dir).catch(() => undefined) ?? err)
    if (why === undefined) throw err
    throw new FerryError('E_PATH_NOT_FOUND', `the receive folder is not there (moved or removed?), and cannot be made again: the folder it goes in ${why}; send again once it is back`, { cause: err })
  }
}
