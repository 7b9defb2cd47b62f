// The shared lab (/work/shared/lab, or $FERRY_LAB): the isolated two-host
// network (netns.sh), the data set (dataset.sh), the peer baselines
// (peer-bench.sh), and the checks the bench shares with them (sha256 against
// the data set's manifest, the sender veth's byte counter). Everything that
// touches the network runs inside the fb-a / fb-b namespaces.

import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { check, run } from './proc.ts'

export const LAB = process.env.FERRY_LAB ?? '/work/shared/lab'
export const SENDER = { ns: 'fb-a', ip: '10.77.0.1', veth: 'fb-va' }
export const RECEIVER = { ns: 'fb-b', ip: '10.77.0.2', veth: 'fb-vb' }
export const DATASETS = ['big', 'photos'] as const
export type DatasetName = typeof DATASETS[number]

/** What peer-bench.sh and the bench need on PATH (Debian package names in the message). */
const TOOLS = ['ip', 'tc', 'ping', 'openssl', 'socat', 'tar', 'ssh', 'scp', 'rsync', 'syncthing', 'iperf3', 'curl', 'jq', 'sha256sum', 'ss', 'bc', 'sync']
const APT = 'apt-get install -y openssh-server rsync socat syncthing iperf3 curl jq bc iproute2 iputils-ping'

/** Problems that stop the bench before it starts (empty when all is well). */
export function preflight (): string[] {
  const problems: string[] = []
  if (process.getuid?.() !== 0) problems.push('the bench needs root (ip netns, tc)')
  const missing = TOOLS.filter((t) => !onPath(t))
  if (!existsSync('/usr/sbin/sshd')) missing.push('sshd')
  if (missing.length > 0) problems.push(`missing ${missing.join(', ')}; install with: ${APT}`)
  for (const s of ['netns.sh', 'dataset.sh', 'peer-bench.sh']) if (!existsSync(join(LAB, s))) problems.push(`lab script ${join(LAB, s)} not found (set FERRY_LAB)`)
  const busy = [SENDER.ns, RECEIVER.ns].filter((ns) => nsPids(ns).length > 0)
  if (busy.length > 0) problems.push(`namespace(s) ${busy.join(', ')} have processes running: another bench is using the lab`)
  return problems
}

function onPath (bin: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, bin)))
}

function nsPids (ns: string): string[] {
  try { return execFileSync('ip', ['netns', 'pids', ns], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim().split(/\s+/).filter(Boolean) } catch { return [] }
}

export async function netnsUp (rate?: string): Promise<void> {
  await check(join(LAB, 'netns.sh'), ['up', ...(rate != null ? ['--rate', rate] : [])], { timeoutMs: 60_000, echoStderr: true, echoStdout: true })
}

/** Synchronous so it can run from an exit handler. */
export function netnsDown (): void {
  try { execFileSync(join(LAB, 'netns.sh'), ['down'], { stdio: 'inherit', timeout: 60_000 }) } catch (err) { console.error(`netns down failed: ${(err as Error).message}`) }
}

/** peer-bench.sh on the current lab (left up with --keep-net); its JSON lines are appended to `out`. */
export async function peerBench (o: { rate?: string, tools: string[], data: string, out: string, timeoutMs: number }): Promise<void> {
  const args = [join(LAB, 'peer-bench.sh'), '--keep-net', '--only', o.tools.join(','), '--data', o.data, '--out', o.out, ...(o.rate != null ? ['--rate', o.rate] : [])]
  const r = await run('timeout', [String(Math.ceil(o.timeoutMs / 1000)), ...args], { timeoutMs: o.timeoutMs + 30_000, echoStderr: true, echoStdout: true })
  if (r.code !== 0) console.error(`peer-bench.sh exited ${r.code}; results so far are kept`)
}

// ---- data set ---------------------------------------------------------

export interface Dataset { dir: string, name: DatasetName, files: number, bytes: number }
/** A set sent only to check how the daemons do past their first send (ferry-bench.ts): not one of the baselines' */
export interface NextDataset { dir: string, name: string, files: number, bytes: number }

/** The full data set via dataset.sh (a no-op when it exists). */
export async function fullDataset (dir: string): Promise<void> {
  await check(join(LAB, 'dataset.sh'), [dir], { timeoutMs: 30 * 60_000, echoStdout: true, echoStderr: true })
}

/**
 * The --quick data set, cut from the full one so its bytes are the same
 * reproducible stream: the first `bigBytes` of big.bin and photos
 * IMG_00000…IMG_(n-1), with manifests and DIGEST in dataset.sh's format (so
 * peer-bench.sh takes it as built).
 */
export async function quickDataset (full: string, dir: string, bigBytes: number, photos: number): Promise<void> {
  const digestOf = `${bigBytes}/${photos}`
  if (existsSync(join(dir, 'DIGEST')) && readIf(join(dir, 'QUICK')) === digestOf) return
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'big'), { recursive: true })
  copyFileSync(join(full, 'big', 'big.bin'), join(dir, 'big', 'big.bin'))
  truncateSync(join(dir, 'big', 'big.bin'), bigBytes)
  for (const month of readdirSync(join(full, 'photos'))) {
    for (const f of readdirSync(join(full, 'photos', month))) {
      if (Number(/IMG_(\d+)\.jpg$/.exec(f)?.[1] ?? Infinity) >= photos) continue
      mkdirSync(join(dir, 'photos', month), { recursive: true })
      copyFileSync(join(full, 'photos', month, f), join(dir, 'photos', month, f))
    }
  }
  for (const s of DATASETS) await check('bash', ['-c', `cd "$1/$2" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum > "$1/$2.sha256"`, '_', dir, s], { timeoutMs: 600_000 })
  await check('bash', ['-c', 'cat "$1/big.sha256" "$1/photos.sha256" | sha256sum | cut -d" " -f1 > "$1/DIGEST"; sync', '_', dir], { timeoutMs: 120_000 })
  writeFileSync(join(dir, 'QUICK'), digestOf)
}

function readIf (path: string): string | undefined {
  try { return readFileSync(path, 'utf8') } catch { return undefined }
}

export function describe (dir: string, name: DatasetName): Dataset {
  const files = readFileSync(join(dir, `${name}.sha256`), 'utf8').trim().split('\n').length
  return { dir, name, files, bytes: sizeOf(join(dir, name)) }
}

/** Total size of the regular files under `dir` (Syncthing's marker folder excluded, as peer-bench.sh does). */
function sizeOf (dir: string): number {
  let n = 0
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && !join(e.parentPath, e.name).includes('/.stfolder/')) n += statSync(join(e.parentPath, e.name)).size
  }
  return n
}

/** The long send's file: TEN_GIB incompressible bytes. */
export const TEN_GIB = 10 * 1024 ** 3

/**
 * `dir`/ten/ten.bin, made once from /dev/urandom (~35 s here) and kept for
 * later runs, then read once so it starts from the page cache like the
 * other data sets. Not in a manifest: the long send is checked by ferry's
 * receipt (every chunk's BLAKE3) and the size that arrived.
 */
export async function tenGiBFile (dir: string): Promise<string> {
  return await randomFile(dir, 'ten', TEN_GIB)
}

/** The second 1 GiB file sent to the big data set's receiver (ferry-bench.ts nextSend): other bytes than big.bin's. */
export const NEXT_BYTES = 1024 ** 3

/** `dir`/next/next.bin: NEXT_BYTES incompressible bytes, made and kept as tenGiBFile's. */
export async function nextFile (dir: string): Promise<string> {
  return await randomFile(dir, 'next', NEXT_BYTES)
}

/** `dir`/`name`/`name`.bin of `bytes` from /dev/urandom, made once and kept, then read once into the page cache. */
async function randomFile (dir: string, name: string, bytes: number): Promise<string> {
  const file = join(dir, name, `${name}.bin`)
  let size = -1
  try { size = statSync(file).size } catch {}
  if (size !== bytes) {
    mkdirSync(join(dir, name), { recursive: true })
    await check('bash', ['-c', 'head -c "$2" /dev/urandom > "$1.tmp" && mv "$1.tmp" "$1"', '_', file, String(bytes)], { timeoutMs: 600_000 })
  }
  await check('bash', ['-c', 'cat "$1" > /dev/null', '_', file], { timeoutMs: 600_000 })
  return file
}

/** The second photo set (ferry-bench.ts nextPhotosSend): its folder's name, so that it lands beside `photos`, not merged into it. */
export const NEXT_PHOTOS = 'more-photos'

/**
 * `dir`/next-photos/more-photos/: dataset.sh's 1,000 photos again, the same
 * sizes (its LCG, its seed) in the same 10 folders, but other bytes (its
 * AES-128-CTR keystream under IVs from 2^120 up, where the photo set's run
 * from 0: no 1 MiB chunk in common), with a manifest beside it in
 * dataset.sh's format; made once and kept (and synced, as dataset.sh does,
 * so that no writeback of it runs into a timed send), then read into the
 * page cache.
 */
export async function nextPhotos (dir: string): Promise<NextDataset> {
  const root = join(dir, 'next-photos')
  const manifest = join(root, `${NEXT_PHOTOS}.sha256`)
  if (!existsSync(manifest)) {
    rmSync(root, { recursive: true, force: true })
    const script = `set -euo pipefail
D="$1/$2"; KEY=000102030405060708090a0b0c0d0e0f; x=20240601
for ((i=0; i<1000; i++)); do
  x=$(( (x*1103515245 + 12345) % 2147483648 )); r=$(( x % 100 ))
  x=$(( (x*1103515245 + 12345) % 2147483648 ))
  if   (( r < 70 )); then sz=$(( 262144  + x % 262144 ))
  elif (( r < 95 )); then sz=$(( 524288  + x % 524288 ))
  else                    sz=$(( 1048576 + x % 3145728 )); fi
  d=$(printf '%s/2024-%02d' "$D" $(( i % 10 + 1 ))); mkdir -p "$d"
  { openssl enc -aes-128-ctr -nosalt -K "$KEY" -iv "$(printf '01%030x' "$i")" -in /dev/zero 2>/dev/null || true; } | head -c "$sz" > "$(printf '%s/IMG_%05d.jpg' "$d" "$i")"
done
(cd "$D" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) > "$1/$2.sha256.tmp"
mv "$1/$2.sha256.tmp" "$1/$2.sha256"
sync`
    await check('bash', ['-c', script, '_', root, NEXT_PHOTOS], { timeoutMs: 600_000 })
  }
  const files = readFileSync(manifest, 'utf8').trim().split('\n').length
  const set = { dir: root, name: NEXT_PHOTOS, files, bytes: sizeOf(join(root, NEXT_PHOTOS)) }
  await check('bash', ['-c', 'find "$1" -type f -print0 | xargs -0 cat > /dev/null', '_', join(root, NEXT_PHOTOS)], { timeoutMs: 600_000 })
  return set
}

/** Whether two files hold the same bytes (sha256 of each, run side by side). */
export async function sameBytes (a: string, b: string): Promise<boolean> {
  const sum = async (f: string): Promise<string> => (await check('sha256sum', [f], { timeoutMs: 300_000 })).stdout.split(' ')[0]
  const [x, y] = await Promise.all([sum(a), sum(b)])
  return x.length === 64 && x === y
}

/** Read the data set once so every tool starts from a warm page cache (as peer-bench.sh assumes). */
export async function warm (ds: Dataset): Promise<void> {
  await check('bash', ['-c', 'find "$1" -type f -print0 | xargs -0 cat > /dev/null', '_', join(ds.dir, ds.name)], { timeoutMs: 600_000 })
}

// ---- checks shared with peer-bench.sh -----------------------------------

/** peer-bench.sh's verify(): sha256 of every file under `got` equals the data set's manifest, same names, nothing extra. */
export async function verify (got: string, ds: Dataset | NextDataset): Promise<boolean> {
  const r = await run('bash', ['-c', 'cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum | cmp -s - "$2"', '_', got, join(ds.dir, `${ds.name}.sha256`)], { timeoutMs: 900_000 })
  return r.code === 0
}

export async function syncFs (dir: string): Promise<void> {
  await check('sync', ['-f', dir], { timeoutMs: 300_000 })
}

/** Bytes sent so far by a namespace's veth (kernel counter: payload plus TCP/IP and Ethernet headers). */
export async function vethTx (host: { ns: string, veth: string }): Promise<number> {
  const r = await check('ip', ['netns', 'exec', host.ns, 'cat', `/sys/class/net/${host.veth}/statistics/tx_bytes`], { timeoutMs: 10_000 })
  return Number(r.stdout.trim())
}

export function loadavg (): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
}
