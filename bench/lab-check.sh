#!/usr/bin/env bash
# The issue's "how it will be checked", by hand in the shared lab (root; the
# lab's namespaces fb-a 10.77.0.1 and fb-b 10.77.0.2, no route off the box):
# two daemons with mDNS ON inside the namespaces find each other, pair by
# code (no --peer), send a mixed folder (a 2.3 GiB file, 60 photo-sized
# files, 0-byte files, an empty and nested folders, unicode names, an
# executable, mtimes with nanoseconds), kill -9 the receiver at ~50 % and
# restart it; the send must complete with a verified receipt, the tree be
# identical (diff -r; names, kinds, modes, sizes; mtimes within 1 µs), and a
# second send put 0 bytes on the wire. Prints what it saw; exit 0 only if all
# held. Everything it makes is under $WORK and removed, the lab taken down.
#   bash bench/lab-check.sh        ($FERRY_LAB: the lab scripts, default /work/shared/lab)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LAB=${FERRY_LAB:-/work/shared/lab}
export PATH=$ROOT/node_modules/.bin:$PATH
NODE=$(command -v node); F=$ROOT/dist/ferry.js
WORK=/tmp/fb-lab-check; rm -rf "$WORK"; mkdir -p "$WORK"
A="ip netns exec fb-a $NODE $F"; B="ip netns exec fb-b $NODE $F"
FAIL=0; fail () { echo "FAIL: $*"; FAIL=1; }
PIDS=()
cleanup () { for p in "${PIDS[@]}"; do kill -INT "$p" 2>/dev/null; done; sleep 1; for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; bash "$LAB/netns.sh" down >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT
bash "$ROOT/scripts/build.sh" >/dev/null
bash "$LAB/netns.sh" up >/dev/null || { echo "lab up failed"; exit 1; }
D=$WORK/src/trip; mkdir -p "$D/nested/deeper" "$D/empty-dir" "$D/日本語 フォルダ" "$D/photos"
: > "$D/zero.bin"; : > "$D/nested/deeper/zero2"
head -c $((2300 * 1024 * 1024)) /dev/urandom > "$D/video.mp4"
for i in $(seq 1 60); do head -c $(( (256 + RANDOM % 3800) * 1024 )) /dev/urandom > "$D/photos/IMG_$(printf %04d "$i").jpg"; done
head -c 123457 /dev/urandom > "$D/日本語 フォルダ/写真 ✓.jpg"; echo "ünïcödé" > "$D/nested/Ünïcödé é.txt"
printf '#!/bin/sh\necho hi\n' > "$D/nested/run.sh"; chmod 755 "$D/nested/run.sh"
touch -d '2019-06-07 08:09:10.123456789' "$D/photos/IMG_0001.jpg" "$D/video.mp4"
startB () { $B daemon --home "$WORK/hb" --name beta --listen /ip4/10.77.0.2/tcp/4774 --receive-dir "$WORK/rb" >> "$WORK/b.log" 2>&1 & PB=$!; PIDS+=("$PB"); }
$A daemon --home "$WORK/ha" --name alpha --listen /ip4/10.77.0.1/tcp/4774 --receive-dir "$WORK/ra" > "$WORK/a.log" 2>&1 & PA=$!; PIDS+=("$PA")
startB
found=0; for _ in $(seq 150); do $A peers --json --home "$WORK/ha" 2>/dev/null | grep -q '"beta"' && { found=1; break; }; sleep 0.2; done
[ $found = 1 ] && echo "alpha found beta over mDNS" || fail "alpha did not find beta over mDNS in 30 s"
$A pair --json --home "$WORK/ha" > "$WORK/pair.json" 2>&1 & PP=$!
for _ in $(seq 50); do grep -q code "$WORK/pair.json" && break; sleep 0.2; done
CODE=$(head -1 "$WORK/pair.json" | sed 's/.*"code":"\([^"]*\)".*/\1/')
$B pair "$CODE" --home "$WORK/hb" > "$WORK/pair-b.out" 2>&1 || fail "pairing by code: $(cat "$WORK/pair-b.out")"
wait $PP || fail "the shown code did not pair"
echo "paired by code over mDNS"
$A send beta "$D" --json --home "$WORK/ha" > "$WORK/send1.json" 2> "$WORK/send1.err" & PS=$!
TOTAL=$(du -sb --apparent-size "$D" | cut -f1)
held=0
for _ in $(seq 1200); do
  held=$($B transfers --json --home "$WORK/hb" 2>/dev/null | $NODE -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const t=JSON.parse(s).find(x=>x.direction==="receive");console.log(t?t.doneBytes:0)}catch{console.log(0)}})')
  [ "${held:-0}" -ge $((TOTAL / 2)) ] && break; sleep 0.1
done
echo "kill -9 of the receiver at $held of $TOTAL bytes"; kill -9 "$PB"; wait "$PB" 2>/dev/null
sleep 2; startB
if wait "$PS"; then echo "ferry send exit 0"; else fail "ferry send exit $? ($(tail -2 "$WORK/send1.err"))"; fi
$NODE -e 'const r=require(process.argv[1]);console.log(`state ${r.state}, ${r.files} files, receipt verified ${r.receipt?.verified}, sender wireBytes − total ${((r.wireBytes-r.totalBytes)/2**20).toFixed(2)} MiB (what sat in its socket buffers too)`);process.exit(r.state==="done"&&r.receipt?.verified===true?0:1)' "$WORK/send1.json" || fail "not done with a verified receipt"
diff -r "$D" "$WORK/rb/trip" > /dev/null && echo "diff -r: identical" || fail "diff -r differs"
python3 - "$D" "$WORK/rb/trip" <<'PY' || fail "names, kinds, modes, sizes or mtimes differ"
import os, sys
def walk(root):
    out = {}
    for d, dirs, files in os.walk(root):
        for n in dirs + files:
            p = os.path.join(d, n); st = os.lstat(p)
            out[os.path.relpath(p, root)] = (st.st_mode, st.st_size if not os.path.isdir(p) else 0, st.st_mtime_ns)
    return out
a, b = walk(sys.argv[1]), walk(sys.argv[2])
ok = a.keys() == b.keys() and all(a[k][:2] == b[k][:2] and abs(a[k][2] - b[k][2]) < 1000 for k in a)
print(f"{len(a)} entries: names, kinds, modes, sizes equal, mtimes within {max(abs(a[k][2] - b[k][2]) for k in a if k in b)} ns" if ok else "tree differs")
sys.exit(0 if ok else 1)
PY
[ "$(ls -A "$WORK/rb")" = "trip" ] && echo "receive folder: trip only (no .ferry-part)" || fail "receive folder holds $(ls -A "$WORK/rb" | tr '\n' ' ')"
$A send beta "$D" --json --home "$WORK/ha" > "$WORK/send2.json" 2>/dev/null || fail "second send exit $?"
$NODE -e 'const r=require(process.argv[1]);console.log(`sent again: ${r.wireBytes} bytes on the wire`);process.exit(r.wireBytes===0?0:1)' "$WORK/send2.json" || fail "the second send moved bytes"
[ $FAIL = 0 ] && echo "lab check: PASS" || echo "lab check: FAIL"
exit $FAIL
