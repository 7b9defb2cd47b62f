// Newline-delimited JSON framing over a net.Socket, with a line length cap so a
// client (or daemon) that never sends a newline cannot make the other side
// buffer without bound.

import type { Socket } from 'node:net'
import { FerryError } from '../../errors.ts'
import { MAX_CONTROL_LINE } from './types.ts'

export function onJsonLines (socket: Socket, onLine: (value: unknown) => void, onError: (err: FerryError) => void): void {
  // the pieces of the line not yet ended, joined once its newline comes: a buffer grown by `+=` and searched for a
  // newline at each piece was flattened again each time, quadratic in a long line (8 MiB in 64 KiB pieces: ~0.5 GB
  // copied; a loaded CI box took over 20 s to refuse one)
  let pieces: string[] = []
  let held = 0
  // the rest of a line refused as too long: dropped up to its newline, not read as a line of its own (helper
  // finding: its tail came as a second error, "not JSON: xxxx…", and one that parsed would have been run)
  let skipping = false
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    let from = 0
    if (skipping) {
      const end = chunk.indexOf('\n')
      if (end < 0) return
      skipping = false
      from = end + 1
    }
    let nl: number
    while ((nl = chunk.indexOf('\n', from)) >= 0) {
      const line = pieces.length === 0 ? chunk.slice(from, nl) : pieces.join('') + chunk.slice(from, nl)
      pieces = []
      held = 0
      from = nl + 1
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
    if (from < chunk.length) {
      pieces.push(chunk.slice(from))
      held += chunk.length - from
    }
    if (held > MAX_CONTROL_LINE) {
      pieces = []
      held = 0
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
