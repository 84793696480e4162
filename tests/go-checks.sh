#!/usr/bin/env bash
# gofmt and go vet over every Go program in the tree: the hook, the fixture
# and demo modules, the generators and the bench programs.  Run by ctest
# (go.gofmt, go.vet).  Packages that are wrong on purpose are listed below
# with the reason; everything else must be gofmt'd and vet-clean.
#
#   tests/go-checks.sh gofmt|vet
set -euo pipefail
cd "$(dirname "$0")/.."

# Deliberately broken fixtures (import path suffix: why).
vet_skip=(
  'fixtures/buildfail'   # a type error: the build-failure verdict's fixture
  'fixtures/loopcapture' # the loop-variable capture leak the gate must find
  'rare/wgadd'           # WaitGroup.Add inside the goroutine: the rare bug --stress must find
)
# Modules that need the network to resolve their imports (bench peers).
vet_skip_modules=(bench/stackpeers)

modules() {
  git ls-files -- '*go.mod' | xargs -r -n1 dirname | sort
}

case "${1:-}" in
gofmt)
  bad=$(git ls-files -- '*.go' | xargs -r gofmt -l)
  if [[ -n $bad ]]; then
    echo "not gofmt'd (run gofmt -w):"
    echo "$bad"
    exit 1
  fi
  echo "gofmt: $(git ls-files -- '*.go' | wc -l) files clean"
  ;;
vet)
  rc=0
  for m in $(modules); do
    if printf '%s\n' "${vet_skip_modules[@]}" | grep -qx "$m"; then
      echo "vet: $m skipped (needs the network)"
      continue
    fi
    pkgs=$(cd "$m" && GOFLAGS=-mod=mod go list ./... 2>/dev/null) || pkgs=""
    for s in "${vet_skip[@]}"; do
      pkgs=$(printf '%s\n' $pkgs | grep -v -- "/${s##*/}\$" || true)
    done
    [[ -n $pkgs ]] || continue
    if ! (cd "$m" && go vet $pkgs); then
      echo "vet: $m has findings"
      rc=1
    fi
  done
  [[ $rc -eq 0 ]] && echo "vet: clean"
  exit $rc
  ;;
*)
  echo "usage: tests/go-checks.sh gofmt|vet" >&2
  exit 2
  ;;
esac
