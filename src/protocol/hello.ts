// /ferry/hello/1.0.0: two daemons tell each other their device name and version.
// A peer that cannot complete it is not a ferry daemon and is never listed.

import type { Stream } from '@libp2p/interface'
import { cutToBytes, sanitizeForDisplay } from '../errors.ts'
import { DEFAULT_STREAM_TIMEOUT_MS, MAX_HELLO_BYTES, MAX_NAME_BYTES } from './constants.ts'
import { Hello } from './pb/hello.js'
import { boundedPbStream, timeoutSignal, wireReadError } from './stream.ts'

export interface HelloInfo { name: string, version: string, wire: number }

/** Dialer side: send ours, read theirs. */
export async function exchangeHello (stream: Stream, mine: HelloInfo, opts: { signal?: AbortSignal } = {}): Promise<HelloInfo> {
  const signal = timeoutSignal(DEFAULT_STREAM_TIMEOUT_MS, opts.signal)
  const pb = boundedPbStream(stream, MAX_HELLO_BYTES).pb(Hello)
  await pb.write(toWire(mine), { signal })
  const theirs = await pb.read({ signal }).catch((err) => { throw wireReadError(err, 'hello', DEFAULT_STREAM_TIMEOUT_MS) })
  await stream.close({ signal }).catch(() => {})
  return fromWire(theirs)
}

/** Listener side: read theirs, answer with ours. */
export async function answerHello (stream: Stream, mine: HelloInfo, opts: { signal?: AbortSignal } = {}): Promise<HelloInfo> {
  const signal = timeoutSignal(DEFAULT_STREAM_TIMEOUT_MS, opts.signal)
  const pb = boundedPbStream(stream, MAX_HELLO_BYTES).pb(Hello)
  const theirs = await pb.read({ signal }).catch((err) => { throw wireReadError(err, 'hello', DEFAULT_STREAM_TIMEOUT_MS) })
  await pb.write(toWire(mine), { signal })
  await stream.close({ signal }).catch(() => {})
  return fromWire(theirs)
}

function toWire (h: HelloInfo): Hello {
  return { name: cleanName(h.name), version: h.version.slice(0, 32), wire: h.wire }
}

function fromWire (h: Hello): HelloInfo {
  return { name: cleanName(h.name), version: sanitizeForDisplay(h.version).slice(0, 32), wire: h.wire }
}

/** Strip control characters and cut to MAX_NAME_BYTES without splitting a character. */
export function cleanName (name: string): string {
  return cutToBytes(sanitizeForDisplay(name).trim(), MAX_NAME_BYTES)
}
