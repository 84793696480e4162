#!/usr/bin/env bash
# Reading a big pprof profile: `leakgate stacks` (JSON, text and folded)
# against `go tool pprof -traces` on the same file, measured side by side:
# every round runs each command once, in turn, and the medians of ROUNDS
# rounds are compared.  Prints wall and CPU (user + system) seconds, the
# ratios (target: leakgate >= 10x faster on every shape and output) and
# peak RSS.  CPU time is the steadier figure on a shared machine.
#
# Two profiles from bench/pprofgen, a real Go program, each with STACKS + a
# few samples (default 100000):
#   goroutines, a label each: STACKS parked goroutines, each with its own
#     pprof labels — the shape of a busy server's goroutine profile: many
#     samples, few stacks;
#   heap, distinct stacks: MemProfileRate=1 and STACKS distinct allocation
#     stacks — the worst case for grouping and output: every sample is a
#     group of its own.
#
# Also timed, for the decoder's share: bench/pprof_decode, a small driver
# built here against the same build's library, that decodes with the pprof
# module and prints every sample like -traces does (with -n only decodes).
#
# usage: bench/pprof_vs_gotool.sh [ROUNDS] [STACKS]
#   LG_BUILD  build directory (default build/; use a Release build, not ASan)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rounds=${1:-5}
stacks=${2:-100000}
build=${LG_BUILD:-$root/build}
leakgate=${LEAKGATE:-$build/leakgate}
[[ -x $leakgate ]] || { echo "build leakgate first (cmake --workflow --preset default)" >&2; exit 3; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
heap=$work/heap.pb.gz
labelled=$work/labelled.pb.gz
(cd "$root/bench/pprofgen" && go run -buildvcs=false . -stacks "$stacks" "$heap" &&
  go run -buildvcs=false . -labelled "$stacks" "$labelled")
cc -O2 -I"$root/gate" -I"$root/gate/base" -I"$root/gate/model" -I"$root/gate/read" "$root/bench/pprof_decode.c" -o "$work/pprof_decode" \
  "$build/libleakgate_core.a" "$build/liblg_proto.a" \
  $(pkg-config --libs zlib libxml-2.0 jansson libprotobuf-c) -ldl -lm

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# run NAME CMD...: one timed run, output discarded; appends to the NAME
# series of wall, cpu (user + system, from the child's rusage: microseconds,
# where /usr/bin/time rounds to 10 ms) and rss (KiB) in $work.
run() {
  local name=$1 w c m
  shift
  read -r w c m < <(python3 -c '
import os, subprocess, sys, time
t = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, _, ru = os.wait4(p.pid, 0)
print(f"{time.monotonic() - t:.6f} {ru.ru_utime + ru.ru_stime:.6f} {ru.ru_maxrss}")' "$@")
  echo "$w" >>"$work/$name.wall"
  echo "$c" >>"$work/$name.cpu"
  echo "$m" >>"$work/$name.rss"
}
med() { median $(cat "$work/$1.$2"); }

# bench NAME PROFILE: one profile shape, side by side, ROUNDS rounds.
bench() {
  local name=$1 profile=$2 samples i t gw gc
  local -a tools=(gotool json text folded decode decode_n)
  samples=$(go tool pprof -raw "$profile" 2>/dev/null | awk '/^Samples:/ {s = 1; next} /^Locations/ {s = 0} s && /: / {n++} END {print n + 0}')
  rm -f "$work"/*.wall "$work"/*.cpu "$work"/*.rss
  # Warm up (page cache, go tool's first start), then alternate.
  go tool pprof -traces "$profile" >/dev/null 2>&1
  "$leakgate" stacks --json "$profile" >/dev/null
  for ((i = 0; i < rounds; i++)); do
    run gotool go tool pprof -traces "$profile"
    run json "$leakgate" stacks --json "$profile"
    run text "$leakgate" stacks "$profile"
    run folded "$leakgate" stacks --folded "$profile"
    run decode "$work/pprof_decode" "$profile"
    run decode_n "$work/pprof_decode" -n "$profile"
  done
  gw=$(med gotool wall) gc=$(med gotool cpu)
  printf '\n%s: %s samples, %s bytes gzipped; medians of %d rounds\n' "$name" "$samples" "$(wc -c <"$profile")" "$rounds"
  printf '  %-32s %7s %7s %8s %8s %9s\n' "" "wall s" "cpu s" "wall x" "cpu x" "RSS KiB"
  for t in "${tools[@]}"; do
    local label
    case $t in
      gotool) label="go tool pprof -traces" ;;
      json) label="leakgate stacks --json" ;;
      text) label="leakgate stacks (text)" ;;
      folded) label="leakgate stacks --folded" ;;
      decode) label="pprof module decode + print" ;;
      decode_n) label="pprof module decode only" ;;
    esac
    awk -v l="$label" -v w="$(med "$t" wall)" -v c="$(med "$t" cpu)" -v r="$(med "$t" rss)" \
        -v gw="$gw" -v gc="$gc" -v t="$t" 'BEGIN {
      if (w < 0.0001) w = 0.0001; if (c < 0.0001) c = 0.0001
      if (t == "gotool") printf "  %-32s %7.3f %7.3f %8s %8s %9d\n", l, w, c, "-", "-", r
      else printf "  %-32s %7.3f %7.3f %7.1fx %7.1fx %9d%s\n", l, w, c, gw / w, gc / c, r,
        (t ~ /^(json|text|folded)$/ && gc / c < 10) ? "  (below 10x)" : ""
    }'
  done
}

echo "(\"x\": how many times faster than go tool pprof -traces; CPU time is user + system of the process)"
bench "heap, distinct stacks" "$heap"
bench "goroutines, a label each" "$labelled"
