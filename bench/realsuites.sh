#!/usr/bin/env bash
# The trust figures on real public modules, reproducible by anyone: each
# module is fetched from the Go module proxy at run time (never committed),
# copied into a scratch directory and run as a new user would, with no edit,
# by plain `go test -count=1` and by `leakgate run`, side by side.
#
# Per module it prints: packages with tests, how the hook got into them
# (injected / TestMain rewritten / called by TestMain / none), packages
# passing under go test and under leakgate, every verdict that differs
# (package, kind, first line of the message: each one must be a real
# leftover that can be named, or a bug), and the wall-time ratio
# leakgate / go test (median of ROUNDS alternating runs, warm caches).
#
# usage: bench/realsuites.sh [ROUNDS] [MODULE[@VERSION][:PKGS] ...]
#   default modules: x/sync, zap, x/net, prometheus/client_golang and a
#   grpc subset (./internal/transport/... ./balancer/... ./credentials/...)
# env:   LEAKGATE (binary, default build/leakgate), LG_FLAGS (extra flags
#        for leakgate run), KEEP=1 keeps the scratch directory, BASELINE=1
#        records baselines first (`leakgate baseline update`, as a team
#        adopting the gate would) so the figures are the gate against them,
#        REPORTS=DIR keeps each module's JSON report there.  First runs
#        instead of warm ones: COLD=ci times both on empty caches (a CI
#        runner that keeps none: each command gets a new, empty Go build
#        cache, and leakgate an empty leakgate cache); COLD=dev times go test
#        warm against leakgate's first run on a Go build cache that one
#        go test filled (a developer trying leakgate: it compiles the hooked
#        test packages go test never built, and links every binary)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
rounds=${1:-3}
shift || true
leakgate=${LEAKGATE:-$root/build/leakgate}
[[ -x $leakgate ]] || { echo "build leakgate first (cmake --workflow --preset default)" >&2; exit 3; }
modules=("$@")
if ((${#modules[@]} == 0)); then
  modules=(golang.org/x/sync@latest go.uber.org/zap@latest golang.org/x/net@latest
    github.com/prometheus/client_golang@latest
    "google.golang.org/grpc@latest:./internal/transport/... ./balancer/... ./credentials/...")
fi
scratch=$(mktemp -d "${TMPDIR:-/tmp}/lg-realsuites-XXXXXX")
[[ ${KEEP:-0} == 1 ]] || trap 'chmod -R u+w "$scratch" 2>/dev/null; rm -rf "$scratch"' EXIT

now() { date +%s.%N; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# fetch MOD@VER -> prints the writable copy's directory
fetch() {
  local dir
  dir=$(cd "$scratch" && GOFLAGS=-mod=mod go mod download -json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  local dst="$scratch/$(echo "$1" | tr '/@' '__')"
  cp -r "$dir" "$dst"
  chmod -R u+w "$dst"
  (cd "$dst" && go mod download >/dev/null 2>&1 || true)
  echo "$dst"
}

# compare GOTEST_OUTPUT REPORT_JSON: the table of verdicts
compare() {
  python3 - "$1" "$2" <<'EOF'
import json, re, sys
gotest = {}
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"^(ok|FAIL)\s+(\S+)", line)
    if m and ("." in m.group(2) or "/" in m.group(2)):
        gotest[m.group(2)] = m.group(1) == "ok"
rep = json.load(open(sys.argv[2]))
via = {}
tested = lg_pass = gt_pass = 0
diffs = []
ndiff = 0
for p in rep["packages"]:
    if p["no_tests"] and p["built"]:
        continue
    tested += 1
    via[p.get("hook_via", "?")] = via.get(p.get("hook_via", "?"), 0) + 1
    ok_gt = gotest.get(p["import_path"])
    gt_pass += bool(ok_gt)
    lg_pass += p["passed"]
    if p["passed"] != bool(ok_gt):
        ndiff += 1
        bad = [c for c in p["checks"] if c["status"] in ("failed", "error")]
        what = "; ".join(f'{c["kind"]}: {c["message"].splitlines()[0][:110]}' for c in bad) or "passed"
        diffs.append(f'    {p["import_path"]}: go test {"ok" if ok_gt else "FAIL" if ok_gt is False else "?"}, leakgate {what}')
        # what to judge each verdict by: the groups and the heap sites
        for g in p.get("leaks") or []:
            if g.get("baselined"):
                continue
            at = lambda l: f'{l["file"]}:{l["line"]}' if l and l.get("file") else "?"
            diffs.append(f'      {g["count"]} x {g.get("top_func")} [{g.get("wait_reason")}] created at '
                         f'{at(g.get("created_at"))} in {g.get("test") or "?"}, blocked at {at(g.get("blocked_at"))}'
                         f' ({g.get("pattern") or "?"})')
        for h in (p.get("heap_sites") or [])[:3]:
            loc = h.get("loc") or {}
            diffs.append(f'      heap +{h["growth_bytes"] / 1048576:.2f} MiB at {loc.get("file")}:{loc.get("line")} ({h.get("func")})')
print(f"  packages with tests: {tested}; hook: " + ", ".join(f"{k} {v}" for k, v in sorted(via.items())))
print(f"  pass under go test: {gt_pass}, under leakgate: {lg_pass}")
print(f"  verdicts that differ: {ndiff}")
for d in diffs:
    print(d)
EOF
}

for spec in "${modules[@]}"; do
  mod=${spec%%:*}
  pkgs=./...
  [[ $spec == *:* ]] && pkgs=${spec#*:}
  dir=$(fetch "$mod")
  # shellcheck disable=SC2086
  (
    cd "$dir"
    against=
    [[ ${BASELINE:-0} == 1 ]] && against=", against a baseline"
    echo "== $mod ($(basename "$dir"))$against"
    if [[ -n $against ]]; then
      "$leakgate" baseline update -q ${LG_FLAGS:-} $pkgs >"$scratch/baseline.txt" 2>&1 ||
        { echo "  baseline update failed:"; sed 's/^/    /' "$scratch/baseline.txt" | tail -5; }
    fi
    go test -count=1 $pkgs >"$scratch/gotest.txt" 2>&1 || true
    "$leakgate" run -q ${LG_FLAGS:-} --json "$scratch/report.json" $pkgs >"$scratch/lg.txt" 2>&1 || true
    compare "$scratch/gotest.txt" "$scratch/report.json"
    [[ -z ${REPORTS:-} ]] || { mkdir -p "$REPORTS" && cp "$scratch/report.json" "$REPORTS/$(basename "$dir").json"; }
    gt=() lg=()
    for ((i = 0; i < rounds; i++)); do
      case ${COLD:-} in
        ci | dev)
          rm -rf "$scratch/gocache" "$scratch/lgcache"
          export GOCACHE=$scratch/gocache LEAKGATE_CACHE=$scratch/lgcache
          [[ $COLD == ci ]] || go test -count=1 $pkgs >/dev/null 2>&1 || true ;;
        '') ;;
        *) echo "COLD=$COLD: expected ci or dev" >&2; exit 3 ;;
      esac
      t0=$(now); go test -count=1 $pkgs >/dev/null 2>&1 || true; t1=$(now)
      [[ ${COLD:-} != ci ]] || rm -rf "$scratch/gocache"
      t2=$(now); "$leakgate" run -q ${LG_FLAGS:-} $pkgs >/dev/null 2>&1 || true; t3=$(now)
      gt+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")
      lg+=("$(awk -v a="$t2" -v b="$t3" 'BEGIN { print b - a }')")
    done
    mg=$(median "${gt[@]}")
    ml=$(median "${lg[@]}")
    first=
    [[ ${COLD:-} == dev ]] && first=" (first run: empty leakgate cache)"
    [[ ${COLD:-} == ci ]] && first=" (first runs of both: empty caches)"
    printf '  wall time, median of %d: go test %.1fs, leakgate%s %.1fs, ratio %.2f\n' \
      "$rounds" "$mg" "$first" "$ml" "$(awk -v a="$ml" -v b="$mg" 'BEGIN { print a / b }')"
  )
done
