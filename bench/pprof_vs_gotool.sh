#!/usr/bin/env bash
# Decoding a big pprof profile: leakgate against `go tool pprof -traces` on
# the same file, measured side by side (the two alternate, ROUNDS times
# each); prints both medians and the ratio (target: leakgate >= 10x faster).
#
# Two profiles from bench/pprofgen, a real Go program, each with STACKS + a
# few samples (default 120000):
#   goroutines, a label each: STACKS parked goroutines, each with its own
#     pprof labels — the shape of a busy server's goroutine profile: many
#     samples, few stacks;
#   heap, distinct stacks: MemProfileRate=1 and STACKS distinct allocation
#     stacks — the worst case for grouping and output: every sample is a
#     group of its own.
#
# What is timed on the leakgate side:
#   `leakgate stacks PROFILE --json`  decode, group, write the JSON document;
#   bench/pprof_decode                a small driver, built here
#                                     against the same build's library, that
#                                     decodes with the pprof module and prints
#                                     every sample like -traces does (and
#                                     with -n only decodes).
#
# usage: bench/pprof_vs_gotool.sh [ROUNDS] [STACKS]
#   LG_BUILD  build directory (default build/; use a Release build, not ASan)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rounds=${1:-5}
stacks=${2:-120000}
build=${LG_BUILD:-$root/build}
leakgate=${LEAKGATE:-$build/leakgate}
[[ -x $leakgate ]] || { echo "build leakgate first (cmake --workflow --preset default)" >&2; exit 3; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
heap=$work/heap.pb.gz
labelled=$work/labelled.pb.gz
(cd "$root/bench/pprofgen" && go run -buildvcs=false . -stacks "$stacks" "$heap" &&
  go run -buildvcs=false . -labelled "$stacks" "$labelled")
# The decoder alone (plus -traces-like printing), always.
cc -O2 -I"$root/gate" "$root/bench/pprof_decode.c" -o "$work/pprof_decode" \
  "$build/libleakgate_core.a" "$build/liblg_proto.a" \
  $(pkg-config --libs libcurl zlib libxml-2.0 jansson libprotobuf-c) -lm
have_stacks=0
"$leakgate" stacks --help >/dev/null 2>&1 && have_stacks=1

now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# bench NAME PROFILE: one profile shape, side by side, ROUNDS rounds.
bench() {
  local name=$1 profile=$2 samples i t0 t1 t2 t3
  samples=$(go tool pprof -raw "$profile" 2>/dev/null | awk '/^Samples:/ {s = 1; next} /^Locations/ {s = 0} s && /: / {n++} END {print n + 0}')
  # Warm up (page cache, go tool's first start), then alternate.
  go tool pprof -traces "$profile" >/dev/null 2>&1
  "$work/pprof_decode" "$profile" >/dev/null
  ((have_stacks)) && "$leakgate" stacks "$profile" --json >/dev/null
  local gt=() dec=() st=() dn=() mg md ms mn
  for ((i = 0; i < rounds; i++)); do
    t0=$(now); go tool pprof -traces "$profile" >/dev/null 2>&1; t1=$(now)
    "$work/pprof_decode" "$profile" >/dev/null; t2=$(now)
    "$work/pprof_decode" -n "$profile"; t3=$(now)
    gt+=("$(sub "$t0" "$t1")")
    dec+=("$(sub "$t1" "$t2")")
    dn+=("$(sub "$t2" "$t3")")
    if ((have_stacks)); then
      t0=$(now); "$leakgate" stacks "$profile" --json >/dev/null; t1=$(now)
      st+=("$(sub "$t0" "$t1")")
    fi
  done
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }
  mg=$(median "${gt[@]}")
  md=$(median "${dec[@]}")
  printf '%s: %s samples, %s bytes gzipped; medians of %d rounds\n' "$name" "$samples" "$(wc -c <"$profile")" "$rounds"
  printf '  go tool pprof -traces          %7.3fs\n' "$mg"
  if ((have_stacks)); then
    ms=$(median "${st[@]}")
    printf '  leakgate stacks --json         %7.3fs  %sx faster (target >= 10x)\n' "$ms" "$(ratio "$mg" "$ms")"
  else
    printf '  leakgate stacks --json         (no stacks command in %s)\n' "$leakgate"
  fi
  printf '  pprof module decode + print    %7.3fs  %sx faster\n' "$md" "$(ratio "$mg" "$md")"
  mn=$(median "${dn[@]}")
  printf '  pprof module decode only       %7.3fs  %sx faster\n' "$mn" "$(ratio "$mg" "$mn")"
}

bench "heap, distinct stacks" "$heap"
bench "goroutines, a label each" "$labelled"
