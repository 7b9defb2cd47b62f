// Newline-delimited JSON framing over a net.Socket, with a line length cap so a
// client (or daemon) that never sends a newline cannot make the other side
// buffer without bound.

import type { Socket } from 'node:net'
import { FerryError } from '../../errors.ts'
import { MAX_CONTROL_LINE } from './types.ts'

export function onJsonLines (socket: Socket, onLine: (value: unknown) => void, onError: (err: FerryError) => void): void {
  let buf = ''
  // the rest of a line refused as too long: dropped up to its newline, not read as a line of its own (helper
  // finding: its tail came as a second error, "not JSON: xxxx…", and one that parsed would have been run)
  let skipping = false
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    if (skipping) {
      const end = chunk.indexOf('\n')
      if (end < 0) return
      skipping = false
      chunk = chunk.slice(end + 1)
    }
    // a newline can only be in what just came: a long line is not searched again with each piece of it
    let from = buf.length
    buf += chunk
    let nl: number
    while ((nl = buf.indexOf('\n', from)) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      from = 0
      // also a line whose newline came in the same piece that took it over
      if (line.length > MAX_CONTROL_LINE) { onError(tooLarge()); continue }
      if (line.trim() === '') continue
      let value: unknown
      try {
        value = JSON.parse(line)
      } catch {
        onError(new FerryError('E_CONTROL_PROTOCOL', `control line is not JSON: ${line.slice(0, 80)}`))
        continue
      }
      onLine(value)
    }
    if (buf.length > MAX_CONTROL_LINE) {
      buf = ''
      skipping = true
      onError(tooLarge())
    }
  })
}

function tooLarge (): FerryError {
  return new FerryError('E_MESSAGE_TOO_LARGE', `control line exceeds ${MAX_CONTROL_LINE} characters`)
}

export function writeJsonLine (socket: Socket, value: unknown): boolean {
  if (socket.destroyed || !socket.writable) return false
  return socket.write(JSON.stringify(value) + '\n')
}
