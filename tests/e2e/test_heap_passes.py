"""End to end: heap growth judged per pass, and the evidence run a baseline makes needless.

Purpose: a package whose heap check fails in the lean run runs its tests
--heap-passes times in one process in the evidence run, and the heap check
judges the growth per pass.  On the real fixture module, compiled by the
real toolchain: a leak on every call (sliceleak) still fails per pass at its
own line; a table built once behind a nil check (lazyheap), which the heap
profiles count, passes per pass, and fails with --heap-passes 1, so the
per-pass method is what passes it; a suite whose test fails when run again
(heapleak) is "per-pass-inconclusive" and fails on its total, never passing
for that reason; a package whose TestMain is kept as it is (tmlazyheap)
gets its passes from a binary with that TestMain rewritten.  Then a baseline recorded by `leakgate baseline update`
(evidence runs) makes `leakgate run` skip the evidence runs of packages it
fully accepts (evidence_run "baselined"), with the same verdicts, while a
package with a group beyond the baseline still gets its evidence run.
"""
import os
import re
import shutil

from lgtest import (FIXTURES, WORK, Checker, check_of, load_report, packages_by_name,
                    run_leakgate)

MODULE = "leakgate.test/fixtures"
LIMIT = 1 << 20


def run(c, name, args):
    """leakgate run ARGS on the fixture module; returns (exit code, packages, stdout)."""
    report = os.path.join(WORK, "heap_passes", name + ".json")
    rc, out, err, _ = run_leakgate(["run", "--json", report] + args, FIXTURES)
    if not c.check(f"{name}: report written", os.path.exists(report), err[-2000:]):
        return rc, {}, out
    return rc, packages_by_name(load_report(report), MODULE), out


def first_pass_growth(p):
    return p["after"]["heap_inuse"] - p["before"]["heap_inuse"]


def per_pass_checks(c):
    rc, pkgs, out = run(c, "passes", ["./sliceleak", "./lazyheap", "./heapleak", "./tmlazyheap"])
    c.check("passes: the gate fails (sliceleak, heapleak)", rc == 1, rc)
    if not pkgs:
        return
    # A TestMain kept as it is: the passes need a binary with it rewritten.
    tl = pkgs["tmlazyheap"]
    c.check("tmlazyheap: its TestMain kept in the lean run", tl.get("hook_via") == "TestMain kept",
            tl.get("hook_via"))
    c.check("tmlazyheap: decided per pass, and passes",
            tl.get("heap_method") == "per-pass" and tl.get("evidence_run") == "used" and tl["passed"],
            (tl.get("heap_method"), tl.get("evidence_run"), tl["checks"]))
    c.check("tmlazyheap: its TestMain's set-up ran", "tmlazyheap: set-up" in (tl.get("stray_output") or ""),
            tl.get("stray_output"))
    sl, lz, hl = pkgs["sliceleak"], pkgs["lazyheap"], pkgs["heapleak"]

    chk = check_of(sl, "heap-growth") or {}
    c.check("sliceleak: decided per pass over 2 passes",
            sl.get("heap_method") == "per-pass" and sl.get("heap_passes") == 2,
            (sl.get("heap_method"), sl.get("heap_passes")))
    c.check("sliceleak: still fails", chk.get("status") == "failed", chk.get("message"))
    c.check("sliceleak: about 4 MiB per pass counted",
            sl["heap_growth"] - sl.get("heap_discounted", 0) > 3 * LIMIT, sl["heap_growth"])
    c.check("sliceleak: the message says per pass",
            "per pass after GC (the tests run 2 times in one process" in chk.get("message", ""),
            chk.get("message"))
    line = next((i for i, l in enumerate(open(os.path.join(FIXTURES, "sliceleak/sliceleak.go")), 1)
                 if "// LEAK" in l), 0)
    c.check("sliceleak: located at its own line",
            (chk.get("loc") or {}) == {"file": "sliceleak/sliceleak.go", "line": line}, chk.get("loc"))
    c.check("sliceleak: the detail shows the heap after the last pass",
            "after pass 2" in chk.get("detail", ""), chk.get("detail", "")[:400])

    chk = check_of(lz, "heap-growth") or {}
    c.check("lazyheap: the first pass grew past the limit (the lean run failed it)",
            first_pass_growth(lz) > 3 * LIMIT, first_pass_growth(lz))
    c.check("lazyheap: decided per pass", lz.get("heap_method") == "per-pass", lz.get("heap_method"))
    c.check("lazyheap: evidence run used", lz.get("evidence_run") == "used", lz.get("evidence_run"))
    c.check("lazyheap: passes per pass", chk.get("status") == "passed" and lz["passed"], chk.get("message"))
    c.check("lazyheap: growth per pass well under the limit", lz["heap_growth"] < LIMIT // 4,
            lz["heap_growth"])

    chk = check_of(hl, "heap-growth") or {}
    c.check("heapleak: per pass inconclusive", hl.get("heap_method") == "per-pass-inconclusive",
            hl.get("heap_method"))
    c.check("heapleak: fails on the total", chk.get("status") == "failed" and hl["heap_growth"] > 7 * LIMIT,
            (chk.get("status"), hl["heap_growth"]))
    c.check("heapleak: the message says why the total decided",
            "growth per pass inconclusive: pass 2 failed (exit 1)" in chk.get("message", "")
            and "so the total decided" in chk.get("message", ""), chk.get("message"))
    c.check("heapleak: the lean run's test results stand (pass 2's failure is not a test failure)",
            all(t["result"] == "pass" for t in hl["tests"]), [(t["name"], t["result"]) for t in hl["tests"]])
    c.check("terminal: compiler-style line for sliceleak",
            re.search(r"^sliceleak/sliceleak\.go:%d: heap-growth: .* per pass" % line, out, re.M), None)

    # One pass: the same table fails on its total, so the per-pass method is what passed it.
    rc, pkgs, _ = run(c, "one-pass", ["--heap-passes", "1", "./lazyheap"])
    lz = pkgs.get("lazyheap", {})
    c.check("--heap-passes 1: lazyheap judged on the total and fails",
            rc == 1 and lz.get("heap_method") == "total" and not lz.get("passed"),
            (rc, lz.get("heap_method"), lz.get("passed")))
    rc, _, err, _ = run_leakgate(["run", "--heap-passes", "0", "./lazyheap"], FIXTURES)
    c.check("--heap-passes 0 is a usage error", rc == 2 and "--heap-passes" in err, (rc, err))


def baseline_checks(c):
    base = os.path.join(WORK, "heap_passes", "baselines")
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(base)
    pkgs = ["./rangeleak", "./clientleak", "./sliceleak"]
    rc, out, err, _ = run_leakgate(["baseline", "update", "--baselines", base] + pkgs, FIXTURES)
    c.check("baseline update records", rc == 0 and
            len([f for f in os.listdir(base) if f.endswith(".json")]) == 3, (rc, err[-1000:]))
    rc, got, _ = run(c, "baselined", ["--baselines", base] + pkgs + ["./sendleak"])
    c.check("baselined run passes but for sendleak", rc == 1, rc)
    for name in ("rangeleak", "clientleak", "sliceleak"):
        p = got.get(name, {})
        c.check(f"{name}: evidence run skipped, the baseline accepts it",
                p.get("evidence_run") == "baselined", p.get("evidence_run"))
        c.check(f"{name}: passes within its baseline", p.get("passed"),
                [(k["kind"], k["status"], k.get("message")) for k in p.get("checks", [])])
    # lean-run groups carry the signatures recorded from the evidence run
    rl = got.get("rangeleak", {})
    c.check("rangeleak: its group is accepted by signature",
            rl.get("leaks") and all(g.get("baselined") for g in rl["leaks"]), rl.get("leaks"))
    sl = got.get("sendleak", {})
    c.check("sendleak (no baseline): the evidence run still decides",
            sl.get("evidence_run") == "used" and not sl.get("passed"), sl.get("evidence_run"))


def main():
    c = Checker()
    os.makedirs(os.path.join(WORK, "heap_passes"), exist_ok=True)
    per_pass_checks(c)
    baseline_checks(c)
    c.finish()


if __name__ == "__main__":
    main()
