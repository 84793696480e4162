#!/usr/bin/env bash
# Wall time of `leakgate run` against plain `go test -count=1` on the same
# clean packages, warm build cache, measured side by side in one run:
# the two commands alternate, ROUNDS times each, and the script prints the
# medians and their ratio (target: leakgate / go test <= 1.10).
#
# usage: bench/run_vs_gotest.sh [ROUNDS]   (needs build/leakgate)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rounds=${1:-7}
leakgate=${LEAKGATE:-$root/build/leakgate}
mod=$root/tests/fixtures/gomod
pkgs=(./clean ./cleanhttp ./cleanparallel)

[[ -x $leakgate ]] || { echo "build leakgate first (cmake --workflow --preset default)" >&2; exit 3; }
cd "$mod"

# Warm both build caches (leakgate's overlay build is a different action).
go test -count=1 "${pkgs[@]}" >/dev/null
"$leakgate" run -q "${pkgs[@]}" >/dev/null 2>&1

now() { date +%s.%N; }
lg=() gt=()
for ((i = 0; i < rounds; i++)); do
  t0=$(now); go test -count=1 "${pkgs[@]}" >/dev/null; t1=$(now)
  "$leakgate" run -q "${pkgs[@]}" >/dev/null 2>&1; t2=$(now)
  gt+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
  lg+=("$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')")
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
mg=$(median "${gt[@]}")
ml=$(median "${lg[@]}")
printf 'packages: %s (rounds: %d, warm cache)\n' "${pkgs[*]}" "$rounds"
printf 'go test -count=1  median %.3fs  (%s)\n' "$mg" "${gt[*]}"
printf 'leakgate run      median %.3fs  (%s)\n' "$ml" "${lg[*]}"
printf 'ratio leakgate/go test: %.3f (target <= 1.10)\n' "$(awk -v a="$ml" -v b="$mg" 'BEGIN { print a / b }')"
