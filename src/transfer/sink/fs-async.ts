// The callback forms of node:fs on libuv's thread pool, as promises, without
// a FileHandle object per call: cheaper than node:fs/promises on the data
// path, where there is one call per chunk or per piece of one.

import { close, fdatasync, open, read, write } from 'node:fs'

export const openAsync = async (path: string, flags: number): Promise<number> => await new Promise((resolve, reject) => { open(path, flags, (err, fd) => { if (err != null) reject(err); else resolve(fd) }) })
export const closeAsync = async (fd: number): Promise<void> => await new Promise((resolve, reject) => { close(fd, (err) => { if (err != null) reject(err); else resolve() }) })
export const fdatasyncAsync = async (fd: number): Promise<void> => await new Promise((resolve, reject) => { fdatasync(fd, (err) => { if (err != null) reject(err); else resolve() }) })
export const readAsync = async (fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<number> => await new Promise((resolve, reject) => { read(fd, buf, off, len, pos, (err, n) => { if (err != null) reject(err); else resolve(n) }) })
export const writeAsync = async (fd: number, buf: Uint8Array, off: number, len: number, pos: number): Promise<number> => await new Promise((resolve, reject) => { write(fd, buf, off, len, pos, (err, n) => { if (err != null) reject(err); else resolve(n) }) })

/** Write all of `data` at `offset` (a write may be short). */
export async function writeAll (fd: number, data: Uint8Array, offset: number): Promise<void> {
  let done = 0
  while (done < data.length) done += await writeAsync(fd, data, done, data.length - done, offset + done)
}

/** Read up to target.length bytes at offset; returns how many there were. */
export async function readRange (fd: number, target: Uint8Array, offset: number): Promise<number> {
  let got = 0
  while (got < target.length) {
    const n = await readAsync(fd, target, got, target.length - got, offset + got)
    if (n === 0) break
    got += n
  }
  return got
}
