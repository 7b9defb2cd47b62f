// Structured logs: one JSON object per line on stderr. Quiet by default
// (warnings and errors only); --verbose adds info and debug.

import { escapeForTerminal } from '../errors.ts'

export type Level = 'debug' | 'info' | 'warn' | 'error'
export interface Logger {
  debug: (msg: string, data?: Record<string, unknown>) => void
  info: (msg: string, data?: Record<string, unknown>) => void
  warn: (msg: string, data?: Record<string, unknown>) => void
  error: (msg: string, data?: Record<string, unknown>) => void
}

const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export function createLogger (opts: { verbose?: boolean, write?: (line: string) => void } = {}): Logger {
  const min = opts.verbose === true ? RANK.debug : RANK.warn
  const write = opts.write ?? ((line: string) => { process.stderr.write(line + '\n') })
  const log = (level: Level) => (msg: string, data?: Record<string, unknown>) => {
    if (RANK[level] < min) return
    write(escapeForTerminal(JSON.stringify({ t: new Date().toISOString(), level, msg, ...data })))
  }
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
}
