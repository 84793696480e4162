#!/usr/bin/env bash
# Byte-for-byte comparison of two leakgate binaries' `stacks` and `diff`
# outputs (text, --json, --folded; every grouping level; by label) on the
# dump and profile fixtures, plus any extra inputs given.  For changes that
# must not change output, such as speed work: run it with the binary built
# before and the one built after.
#
# usage: tests/same_output.sh OLD_LEAKGATE NEW_LEAKGATE [EXTRA_INPUT...]
# Prints each differing case; exits 1 when any differs.
set -uo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2
shift 2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dumps=(tests/fixtures/dumps/*.txt)
profs=(tests/fixtures/pprof/*.pb.gz)
fail=0 cases=0

# same ARGS...: runs both binaries, compares stdout, stderr and exit code.
same() {
  local ro rn
  "$old" "$@" >"$work/o.out" 2>"$work/o.err"; ro=$?
  "$new" "$@" >"$work/n.out" 2>"$work/n.err"; rn=$?
  cases=$((cases + 1))
  if [[ $ro != "$rn" ]] || ! cmp -s "$work/o.out" "$work/n.out" || ! cmp -s "$work/o.err" "$work/n.err"; then
    echo "DIFFERS: leakgate $*"
    fail=1
  fi
}

# same_tty ARGS...: the same on a terminal (colours), where script(1) is there.
same_tty() {
  command -v script >/dev/null || return 0
  cases=$((cases + 1))
  if [[ $(script -qc "$(printf '%q ' "$old" "$@")" /dev/null | md5sum) != \
        $(script -qc "$(printf '%q ' "$new" "$@")" /dev/null | md5sum) ]]; then
    echo "DIFFERS on a terminal: leakgate $*"
    fail=1
  fi
}

same_tty stacks "${dumps[0]}"
same_tty stacks "${profs[0]}"
same_tty diff "${dumps[0]}" "${dumps[1]}"
for f in "$@"; do # big inputs: the default level only
  for out in "" --json --folded; do
    same stacks $out "$f"
  done
done
for f in "${dumps[@]}" "${profs[@]}"; do
  for by in exact lines funcs; do
    for out in "" --json --folded; do
      same stacks --by "$by" $out "$f"
    done
  done
  same stacks --by-label role "$f"
  same stacks --by-label role --json "$f"
  same stacks --min-count 2 --frames 3 "$f"
  same stacks --state chan --func 'main\.' "$f"
done
for ((i = 0; i + 1 < ${#dumps[@]}; i++)); do
  for out in "" --json --folded; do
    same diff $out "${dumps[i]}" "${dumps[i + 1]}"
    same diff --by exact $out "${dumps[i]}" "${dumps[i + 1]}"
  done
done
for pair in heap_before:heap_after growth_burst_before:growth_burst_after \
  growth_once_before:growth_once_after growth_slice_before:growth_slice_after; do
  a=tests/fixtures/pprof/${pair%%:*}.pb.gz b=tests/fixtures/pprof/${pair##*:}.pb.gz
  for out in "" --json --folded; do
    same diff $out "$a" "$b"
    same diff --by lines $out "$a" "$b"
  done
done
echo "$cases cases compared"
exit $fail
