// Newline-delimited JSON framing over a net.Socket, with a line length cap so a
// client (or daemon) that never sends a newline cannot make the other side
// buffer without bound.

import type { Socket } from 'node:net'
import { FerryError } from '../../errors.ts'
import { MAX_CONTROL_LINE } from './types.ts'

export function onJsonLines (socket: Socket, onLine: (value: unknown) => void, onError: (err: FerryError) => void): void {
  let buf = ''
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    buf += chunk
    let nl: number
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
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
      onError(new FerryError('E_MESSAGE_TOO_LARGE', `control line exceeds ${MAX_CONTROL_LINE} bytes`))
    }
  })
}

export function writeJsonLine (socket: Socket, value: unknown): boolean {
  if (socket.destroyed || !socket.writable) return false
  return socket.write(JSON.stringify(value) + '\n')
}
