#!/usr/bin/env bash
# Throughput and memory of `leakgate stacks --json` against the two Go dump
# parsers people use, on the same real dump, side by side:
#   github.com/DataDog/gostackparse and github.com/maruel/panicparse/v2,
# each driven by bench/stackpeers (parse and aggregate, nothing else),
# fetched from the Go module proxy into a temporary copy at run time.
#
# The dump comes from a real Go program, bench/bigdump, that parks N
# goroutines (default 100000) in 48 distinct stacks.  Each tool runs ROUNDS
# times on it; the best wall and CPU times count, reported as MB/s and as
# ratios (target: leakgate >= 5x gostackparse in wall time).  Then peak RSS (/usr/bin/time %M)
# of leakgate on that dump and on one 10x bigger with the same distinct
# stacks (the dump repeated): it must stay flat.
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

# best "wall cpu" of ROUNDS runs of "$@" (cpu = user + system, all threads),
# output discarded; on a busy machine CPU time is the steadier figure
best() {
  local bw="" bc="" w u s c i
  for ((i = 0; i < rounds; i++)); do
    read -r w u s < <({ /usr/bin/time -f "%e %U %S" "$@" >/dev/null; } 2>&1 | tail -1)
    c=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
    if [[ -z $bw ]] || awk -v a="$w" -v b="$bw" 'BEGIN { exit !(a < b) }'; then bw=$w; fi
    if [[ -z $bc ]] || awk -v a="$c" -v b="$bc" 'BEGIN { exit !(a < b) }'; then bc=$c; fi
  done
  echo "$bw $bc"
}

# Same goroutine count from all three, so they did the same work.
lg_n=$("$LEAKGATE" stacks --json "$work/dump1.txt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
gsp_n=$("$work/stackpeers" gostackparse "$work/dump1.txt" | cut -d' ' -f1)
pp_n=$("$work/stackpeers" panicparse "$work/dump1.txt" | cut -d' ' -f1)
echo "goroutines read: leakgate $lg_n, gostackparse $gsp_n, panicparse $pp_n"

read -r w_lg c_lg < <(best "$LEAKGATE" stacks --json "$work/dump1.txt")
read -r w_gsp c_gsp < <(best "$work/stackpeers" gostackparse "$work/dump1.txt")
read -r w_pp c_pp < <(best "$work/stackpeers" panicparse "$work/dump1.txt")

awk -v bytes="$bytes" -v n="$n" -v lw="$w_lg" -v lc="$c_lg" -v gw="$w_gsp" -v gc="$c_gsp" \
    -v pw="$w_pp" -v pc="$c_pp" 'BEGIN {
  mb = bytes / 1e6
  if (lc < 0.01) lc = 0.01
  printf "\ndump: %d goroutines, %.1f MB; best of the rounds (/usr/bin/time, 10 ms resolution)\n", n, mb
  printf "%-24s %8s %8s %9s %9s %9s %9s\n", "tool", "wall s", "cpu s", "wall MB/s", "cpu MB/s", "wall x", "cpu x"
  printf "%-24s %8.2f %8.2f %9.0f %9.0f %9s %9s\n", "leakgate stacks --json", lw, lc, mb / lw, mb / lc, "-", "-"
  printf "%-24s %8.2f %8.2f %9.0f %9.0f %8.1fx %8.1fx\n", "gostackparse", gw, gc, mb / gw, mb / gc, gw / lw, gc / lc
  printf "%-24s %8.2f %8.2f %9.0f %9.0f %8.1fx %8.1fx\n", "panicparse", pw, pc, mb / pw, mb / pc, pw / lw, pc / lc
  printf "(\"x\": how many times leakgate is faster)\n"
}'

rss1=$( { /usr/bin/time -f %M "$LEAKGATE" stacks --json "$work/dump1.txt" >/dev/null; } 2>&1 | tail -1)
rss10=$( { /usr/bin/time -f %M "$LEAKGATE" stacks --json "$work/dump10.txt" >/dev/null; } 2>&1 | tail -1)
bytes10=$(stat -c %s "$work/dump10.txt")
read -r t_lg10 _ < <(best "$LEAKGATE" stacks --json "$work/dump10.txt")
awk -v r1="$rss1" -v r10="$rss10" -v b10="$bytes10" -v t10="$t_lg10" 'BEGIN {
  printf "\npeak RSS of leakgate stacks --json: %d KiB on the dump, %d KiB on the 10x dump", r1, r10
  printf " (%.1f MB, %.0f MB/s): ratio %.2f\n", b10 / 1e6, b10 / 1e6 / t10, r10 / r1
}'
ok=1
awk -v lg="$w_lg" -v gsp="$w_gsp" 'BEGIN { exit !(gsp / lg >= 5) }' || { echo "BELOW TARGET: wall time less than 5x gostackparse's"; ok=0; }
awk -v r1="$rss1" -v r10="$rss10" 'BEGIN { exit !(r10 <= r1 * 1.25) }' || { echo "BELOW TARGET: RSS grew with the dump"; ok=0; }
[[ $ok == 1 ]] && echo "targets met"
