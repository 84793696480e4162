#!/usr/bin/env bash
# Wall time of `leakgate run` against plain `go test -count=1` on the same
# packages, warm build cache, measured side by side in one run: the two
# commands alternate, ROUNDS times each, and the script prints the medians
# and their ratio (target: leakgate / go test <= 1.10).
#
# Two package sets:
#   std      real standard-library packages (typical test suites), run in GOROOT/src
#   fixtures the gate's own clean fixtures, whose goroutines finish 20-100ms
#            after the tests on purpose: leakgate must wait for them, go test
#            does not, so this set shows the price of the settle wait
#
# usage: bench/run_vs_gotest.sh [ROUNDS]   (needs build/leakgate)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rounds=${1:-7}
leakgate=${LEAKGATE:-$root/build/leakgate}
[[ -x $leakgate ]] || { echo "build leakgate first (cmake --workflow --preset default)" >&2; exit 3; }

now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# bench NAME DIR PACKAGES...
bench() {
  local name=$1 dir=$2
  shift 2
  cd "$dir"
  # Warm both build caches (leakgate keeps its own overlay build).
  go test -count=1 "$@" >/dev/null 2>&1 || true
  "$leakgate" run -q "$@" >/dev/null 2>&1 || true
  local lg=() gt=() t0 t1 t2 i
  for ((i = 0; i < rounds; i++)); do
    t0=$(now); go test -count=1 "$@" >/dev/null 2>&1 || true; t1=$(now)
    "$leakgate" run -q "$@" >/dev/null 2>&1 || true; t2=$(now)
    gt+=("$(sub "$t0" "$t1")")
    lg+=("$(sub "$t1" "$t2")")
  done
  local mg ml
  mg=$(median "${gt[@]}")
  ml=$(median "${lg[@]}")
  printf '%-8s %d packages, %d rounds: go test %.3fs, leakgate %.3fs, ratio %.3f (target <= 1.10)\n' \
    "$name" "$#" "$rounds" "$mg" "$ml" "$(awk -v a="$ml" -v b="$mg" 'BEGIN { print a / b }')"
  cd "$root"
}

bench std "$(go env GOROOT)/src" strings bytes sort container/list encoding/json bufio path \
  unicode/utf8 errors text/template
bench fixtures "$root/tests/fixtures/gomod" ./clean ./cleanhttp ./cleanparallel
