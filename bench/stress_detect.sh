#!/usr/bin/env bash
# How well `leakgate run --stress` finds the rare-interleaving bugs of
# tests/fixtures/rare: detection rate of one plain run against one run with
# --stress, and the median time to the first detection.
#
#   bench/stress_detect.sh [PLAIN_TRIALS [STRESS_TRIALS [STRESS]]]
#
# Defaults: 10 plain runs, 5 stressed runs, --stress 30s.  Each trial runs
# every package of the module in one leakgate (-p 1, so packages do not
# compete for the CPUs).  A package counts as detected when leakgate fails
# it; its time to detection is the normal run's time when the plain run
# already failed, else the normal run plus the stress time until the
# failure.  Needs build/leakgate; writes only under $TMPDIR.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
lg=${LG_LEAKGATE:-$root/build/leakgate}
plain_trials=${1:-10}
stress_trials=${2:-5}
stress=${3:-30s}
out=$(mktemp -d "${TMPDIR:-/tmp}/stress-detect.XXXXXX")
cd tests/fixtures/rare

for ((k = 1; k <= plain_trials; k++)); do
  "$lg" run -q -p 1 --json "$out/plain-$k.json" ./... >/dev/null 2>&1 || true
done
for ((k = 1; k <= stress_trials; k++)); do
  "$lg" run -q -p 1 --stress "$stress" --json "$out/stress-$k.json" ./... >/dev/null 2>&1 || true
done

python3 - "$out" "$plain_trials" "$stress_trials" "$stress" <<'PY'
import glob, json, os, statistics, sys

out, plain_n, stress_n, budget = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def load(kind):
    runs = []
    for f in sorted(glob.glob(os.path.join(out, kind + "-*.json"))):
        with open(f) as fh:
            runs.append({p["import_path"].rsplit("/", 1)[-1]: p for p in json.load(fh)["packages"]})
    return runs
plain, stressed = load("plain"), load("stress")
names = sorted(set().union(*[r.keys() for r in plain + stressed]))
print(f"{'package':<12} {'plain':>7} {'stress ' + budget:>12} {'median s':>9}  exposed by (one of the runs)")
tot_p = tot_s = 0
for n in names:
    dp = sum(1 for r in plain if n in r and not r[n]["passed"])
    times, ds, how = [], 0, ""
    for r in stressed:
        p = r.get(n)
        if not p or p["passed"]:
            continue
        ds += 1
        st = p.get("stress") or {}
        times.append(p["run_seconds"] + (st.get("seconds", 0) if st.get("failed") else 0))
        how = how or st.get("exposed_by") or "the normal run"
    tot_p += dp
    tot_s += ds
    med = f"{statistics.median(times):.1f}" if times else "-"
    print(f"{n:<12} {dp:>3}/{len(plain):<3} {ds:>7}/{len(stressed):<4} {med:>9}  {how}")
print(f"{'total':<12} {100.0 * tot_p / max(1, len(names) * len(plain)):>6.0f}% "
      f"{100.0 * tot_s / max(1, len(names) * len(stressed)):>11.0f}%")
print(f"(reports in {out})")
PY
