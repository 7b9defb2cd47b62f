// Whether this daemon offers Noise with AES-GCM (aes-noise.ts): a setting,
// else what this CPU has (where that cannot be read, a measurement). Apart
// from aes-noise.ts so that it loads without libp2p (a test runs it in
// child processes).

import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { aesGcmNoiseCrypto, ferryNoiseCrypto } from './noise-crypto.ts'

const ON = new Set(['on', '1', 'true', 'yes'])
const OFF = new Set(['off', '0', 'false', 'no'])

/**
 * `FERRY_NOISE_AESGCM=on|off` decides (for tests, and for a person who wants
 * one cipher); unset or unknown (said through `warn`), this CPU does. With
 * AES instructions and a carry-less multiply (x86: aes and pclmulqdq; arm64:
 * aes and pmull; every Mac ferry runs on) OpenSSL seals a 64 KiB Noise
 * message with AES-256-GCM in ~12 µs here against ~29 µs with
 * ChaCha20-Poly1305; without them AES is ~4× slower (AES-NI masked off with
 * OPENSSL_ia32cap: 284 and 73 µs). That is how BoringSSL and Go's TLS
 * choose, by the hardware. Where OPENSSL_ia32cap changes what OpenSSL
 * uses, or the CPU cannot be read, the two are timed instead (sealTimesDiffer).
 *
 * Until 2026-12-05 the choice was timed always, the best of 16 rounds: in a
 * fresh process each ciphertext lands in fresh pages, whose faults cost
 * ~190 µs per 64 KiB on this VM, the same for both ciphers, until the first
 * garbage collection lets malloc reuse them (~60–110 rounds). So both read
 * ~200 µs and the answer was a toss (CI: false once, on a busy box).
 */
export function offerAesNoise (setting = process.env.FERRY_NOISE_AESGCM, warn?: (message: string) => void): boolean {
  const value = setting?.trim().toLowerCase() ?? ''
  if (ON.has(value)) return true
  if (OFF.has(value)) return false
  if (value !== '') warn?.(`FERRY_NOISE_AESGCM=${JSON.stringify(setting)} is neither on nor off: asking this CPU which cipher is faster`)
  return aesGcmInHardware() ?? sealTimesDiffer() < 0
}

/**
 * Whether this CPU seals AES-GCM in hardware, from what the kernel lists of
 * it; undefined where that cannot be told (another system, an unreadable
 * list) or OpenSSL is told to see the CPU otherwise (OPENSSL_ia32cap, OPENSSL_armcap).
 */
export function aesGcmInHardware (readList: () => string | undefined = readCpuinfo, arch: string = process.arch, platform: string = process.platform, env: NodeJS.ProcessEnv = process.env): boolean | undefined {
  if (env.OPENSSL_ia32cap != null || env.OPENSSL_armcap != null) return undefined
  if (platform === 'darwin') return true
  const cpuinfo = readList()
  if (cpuinfo === undefined) return undefined
  const listed = (line: RegExp): Set<string> => new Set(cpuinfo.match(line)?.[1]?.split(/\s+/) ?? [])
  if (arch === 'x64' || arch === 'ia32') {
    const flags = listed(/^flags\s*:(.*)$/m)
    return flags.size === 0 ? undefined : flags.has('aes') && flags.has('pclmulqdq')
  }
  if (arch === 'arm64') {
    const features = listed(/^Features\s*:(.*)$/m)
    return features.size === 0 ? undefined : features.has('aes') && features.has('pmull')
  }
  return undefined
}

function readCpuinfo (): string | undefined {
  try { return readFileSync('/proc/cpuinfo', 'utf8') } catch { return undefined }
}

/**
 * The median, over rounds taken in turns, of AES-GCM's time to seal a full
 * Noise message less ChaCha20-Poly1305's (key object cached, as a
 * connection has it); negative where AES is faster. The difference of each
 * round, not each cipher's best: both pay the same for the fresh pages of
 * a cold process (offerAesNoise's comment), which cancels out. 64 rounds:
 * 25–150 ms here. Asked only where the CPU cannot be read.
 */
function sealTimesDiffer (): number {
  const key = randomBytes(32)
  const nonce = new Uint8Array(12)
  const message = new Uint8Array(65535 - 16)
  const none = new Uint8Array(0)
  const differences: number[] = []
  for (let round = -4; round < 64; round++) {
    const [aes, chacha] = [aesGcmNoiseCrypto, ferryNoiseCrypto].map((crypto) => {
      const start = process.hrtime.bigint()
      crypto.chaCha20Poly1305Encrypt(message, nonce, none, key)
      return Number(process.hrtime.bigint() - start)
    })
    if (round >= 0) differences.push(aes - chacha)
  }
  differences.sort((a, b) => a - b)
  return differences[differences.length >> 1]
}
