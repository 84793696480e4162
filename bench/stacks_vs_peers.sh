#!/usr/bin/env bash
# Throughput and memory of `leakgate stacks --json` against the two Go dump
# parsers people use, on the same real dump, side by side:
#   github.com/DataDog/gostackparse and github.com/maruel/panicparse/v2,
# each driven by bench/stackpeers (parse and aggregate, nothing else),
# fetched from the Go module proxy into a temporary copy at run time.
#
# The dump comes from a real Go program, bench/bigdump, that parks N
# goroutines (default 100000) in 48 distinct stacks.  The tools take turns,
# ROUNDS rounds, with leakgate also on a dump 10x bigger with the same
# distinct stacks (the dump repeated); the medians of wall and CPU time
# count, reported as MB/s and as ratios.  Targets, in CPU time: leakgate
# >= 5x gostackparse, >= 50x panicparse, >= 1 GB/s on the 10x dump.  Then
# peak RSS (/usr/bin/time %M) on both dumps: it must stay flat.
#
# usage: bench/stacks_vs_peers.sh [GOROUTINES] [ROUNDS]
#   LEAKGATE=path  use this binary (default: a Release build made in the
#                  work directory; a sanitizer build would measure ASan)
#   WORK=dir       work directory (default: a new temporary one, removed)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
n=${1:-100000}
rounds=${2:-5}
work=${WORK:-$(mktemp -d /tmp/lg-stacks-bench.XXXXXX)}
[[ -n ${WORK:-} ]] || trap 'rm -rf "$work"' EXIT
mkdir -p "$work"

if [[ -z ${LEAKGATE:-} ]]; then
  echo "building leakgate (Release) in $work/build ..." >&2
  cmake -S "$root" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$work/build" leakgate >/dev/null
  LEAKGATE=$work/build/leakgate
fi

echo "building bench/bigdump and bench/stackpeers (peers from the module proxy) ..." >&2
(cd bench/bigdump && CGO_ENABLED=0 go build -o "$work/bigdump" .)
cp -r bench/stackpeers "$work/peersrc"
(cd "$work/peersrc" && go mod tidy >/dev/null 2>&1 && go build -o "$work/stackpeers" .)

echo "making a dump of $n goroutines ..." >&2
"$work/bigdump" -n "$n" -o "$work/dump1.txt"
for _ in 1 2 3 4 5 6 7 8 9 10; do cat "$work/dump1.txt"; done >"$work/dump10.txt"
bytes=$(stat -c %s "$work/dump1.txt")
cat "$work/dump1.txt" "$work/dump10.txt" >/dev/null # into the page cache

# The three tools alternate, ROUNDS rounds; medians of wall and CPU time
# (user + system, all threads) count: on a busy machine CPU time is the
# steadier figure.
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# run NAME CMD...: one timed run, output discarded, appended to NAME's series
run() {
  local name=$1 w u s
  shift
  /usr/bin/time -o "$work/time" -f "%e %U %S" "$@" >/dev/null 2>&1
  read -r w u s <"$work/time"
  echo "$w" >>"$work/$name.wall"
  awk -v u="$u" -v s="$s" 'BEGIN { print u + s }' >>"$work/$name.cpu"
}
med() { median $(cat "$work/$1.$2"); }

# Same goroutine count from all three, so they did the same work.
lg_n=$("$LEAKGATE" stacks --json "$work/dump1.txt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
gsp_n=$("$work/stackpeers" gostackparse "$work/dump1.txt" | cut -d' ' -f1)
pp_n=$("$work/stackpeers" panicparse "$work/dump1.txt" | cut -d' ' -f1)
echo "goroutines read: leakgate $lg_n, gostackparse $gsp_n, panicparse $pp_n"

rm -f "$work"/*.wall "$work"/*.cpu
for ((i = 0; i < rounds; i++)); do
  run lg "$LEAKGATE" stacks --json "$work/dump1.txt"
  run gsp "$work/stackpeers" gostackparse "$work/dump1.txt"
  run pp "$work/stackpeers" panicparse "$work/dump1.txt"
  run lg10 "$LEAKGATE" stacks --json "$work/dump10.txt"
done
w_lg=$(med lg wall) c_lg=$(med lg cpu) w_gsp=$(med gsp wall) c_gsp=$(med gsp cpu)
w_pp=$(med pp wall) c_pp=$(med pp cpu) w_lg10=$(med lg10 wall) c_lg10=$(med lg10 cpu)

awk -v bytes="$bytes" -v n="$n" -v lw="$w_lg" -v lc="$c_lg" -v gw="$w_gsp" -v gc="$c_gsp" \
    -v pw="$w_pp" -v pc="$c_pp" -v rounds="$rounds" -v lw10="$w_lg10" -v lc10="$c_lg10" 'BEGIN {
  mb = bytes / 1e6
  if (lc < 0.01) lc = 0.01
  if (lw < 0.01) lw = 0.01
  printf "\ndump: %d goroutines, %.1f MB; medians of %d rounds (/usr/bin/time, 10 ms resolution)\n", n, mb, rounds
  printf "%-24s %8s %8s %9s %9s %9s %9s\n", "tool", "wall s", "cpu s", "wall MB/s", "cpu MB/s", "wall x", "cpu x"
  printf "%-24s %8.2f %8.2f %9.0f %9.0f %9s %9s\n", "leakgate stacks --json", lw, lc, mb / lw, mb / lc, "-", "-"
  printf "%-24s %8.2f %8.2f %9.0f %9.0f %8.1fx %8.1fx\n", "gostackparse", gw, gc, mb / gw, mb / gc, gw / lw, gc / lc
  printf "%-24s %8.2f %8.2f %9.0f %9.0f %8.1fx %8.1fx\n", "panicparse", pw, pc, mb / pw, mb / pc, pw / lw, pc / lc
  printf "(\"x\": how many times leakgate is faster)\n"
  # the 10x dump, per tenth: the same work measured with 10x the resolution
  l10w = lw10 / 10; l10c = lc10 / 10
  printf "with leakgate timed on the 10x dump, per tenth: %.3fs cpu, %.0f MB/s; gostackparse %.1fx, panicparse %.1fx (cpu)\n", l10c, mb / l10c, gc / l10c, pc / l10c
}'

rss1=$( { /usr/bin/time -f %M "$LEAKGATE" stacks --json "$work/dump1.txt" >/dev/null; } 2>&1 | tail -1)
rss10=$( { /usr/bin/time -f %M "$LEAKGATE" stacks --json "$work/dump10.txt" >/dev/null; } 2>&1 | tail -1)
bytes10=$(stat -c %s "$work/dump10.txt")
awk -v r1="$rss1" -v r10="$rss10" -v b10="$bytes10" -v t10="$c_lg10" -v w10="$w_lg10" 'BEGIN {
  printf "\n10x dump (%.1f MB): %.2fs cpu, %.0f MB/s cpu, %.0f MB/s wall\n", b10 / 1e6, t10, b10 / 1e6 / t10, b10 / 1e6 / w10
  printf "peak RSS of leakgate stacks --json: %d KiB on the dump, %d KiB on the 10x dump: ratio %.2f\n", r1, r10, r10 / r1
}'
ok=1
awk -v lg="$c_lg" -v gsp="$c_gsp" 'BEGIN { exit !(gsp / lg >= 5) }' || { echo "BELOW TARGET: cpu time less than 5x gostackparse's"; ok=0; }
awk -v lg="$c_lg" -v pp="$c_pp" 'BEGIN { exit !(pp / lg >= 50) }' || { echo "BELOW TARGET: cpu time less than 50x panicparse's"; ok=0; }
awk -v b="$bytes10" -v t="$c_lg10" 'BEGIN { exit !(b / 1e6 / t >= 1000) }' || { echo "BELOW TARGET: less than 1 GB/s of cpu time on the 10x dump"; ok=0; }
awk -v r1="$rss1" -v r10="$rss10" 'BEGIN { exit !(r10 <= r1 * 1.25) }' || { echo "BELOW TARGET: RSS grew with the dump"; ok=0; }
[[ $ok == 1 ]] && echo "targets met"
exit 0
