"""End to end: `leakgate run --stress` on real Go programs.

Three rare-interleaving fixtures whose bug shows within seconds under
repetition (a test-order dependency only -test.shuffle exposes, WaitGroup.Add
inside the goroutine that -test.cpu=1 always exposes, a lost update between
two goroutines) must be caught, with the setting that exposed them and a
command that reruns the failing test.  Clean packages must stay clean under
--stress (run a few times), --stress must work with --run, a baselined leak
must stay baselined, and the JSON report must stay small.  Also the small
CLI promises: --keep-work says where, --test-flag ./pkg is a usage error.
"""
import os
import re
import shutil

from lgtest import FIXTURES, SOURCE_DIR, WORK, Checker, check_of, load_report, packages_by_name, run_leakgate

RARE = os.path.join(SOURCE_DIR, "tests", "fixtures", "rare")
QUICK = ["orderdep", "wgadd", "lostupdate"]
CLEAN = ["./clean", "./cleanparallel"]
CLEAN_RUNS = 2


def stress_caught(c):
    rep = os.path.join(WORK, "stress-rare.json")
    code, out, err, secs = run_leakgate(["run", "--stress", "20s", "--json", rep] + ["./" + p for p in QUICK], RARE)
    c.check("rare: exit 1", code == 1, out + err[-2000:])
    pkgs = packages_by_name(load_report(rep), "leakgate.test/rare")
    errs = {name: err for name in QUICK}
    # The bugs are rare, not impossible: on a loaded machine one may show in
    # the normal run already.  Such a package is run again on its own (the
    # checks below are about what --stress does after a normal run passed).
    for name in QUICK:
        for attempt in range(3):
            if (pkgs[name].get("stress") or {}).get("note") != "not stressed: the normal run failed":
                break
            one = os.path.join(WORK, f"stress-rare-{name}.json")
            _, _, errs[name], _ = run_leakgate(["run", "--stress", "20s", "--json", one, "./" + name], RARE)
            pkgs[name] = packages_by_name(load_report(one), "leakgate.test/rare")[name]
    for name in QUICK:
        p = pkgs[name]
        err = errs[name]
        st = p.get("stress") or {}
        c.check(f"{name}: normal run passed, stress found it", st.get("failed") is True and not p["passed"], st)
        c.check(f"{name}: iterations counted", st.get("iterations", 0) >= 1 and st.get("runs", 0) >= 1, st)
        c.check(f"{name}: exposed_by names count, cpu and seed",
                re.fullmatch(r"-test\.count=\d+ -test\.cpu=\d+ -test\.shuffle=\d+", st.get("exposed_by") or ""), st)
        cmd = st.get("command") or ""
        c.check(f"{name}: command reruns one test with that setting",
                re.search(r"-test\.run '\^Test\w+\$' -test\.count=\d+ -test\.cpu=\d+ -test\.shuffle=\d+", cmd), cmd)
        c.check(f"{name}: found well within the budget", st.get("seconds", 99) < 20, st)
        c.check(f"{name}: report keeps no per-iteration tests", len(p["tests"]) <= 4, len(p["tests"]))
        c.check(f"{name}: live line says how to reproduce",
                re.search(rf"rare/{name}: stress: failed after \d+ iterations .*reproduce: ", err), err[-1500:])
    c.check("rare: JSON report small", os.path.getsize(rep) < 400_000, os.path.getsize(rep))
    # wgadd fails on every -test.cpu=1 run, which comes first
    c.check("wgadd: exposed at -test.cpu=1", "-test.cpu=1 " in (pkgs["wgadd"]["stress"].get("exposed_by") or ""),
            pkgs["wgadd"]["stress"])


def stress_with_run(c):
    rep = os.path.join(WORK, "stress-run.json")
    code, out, err, _ = run_leakgate(["run", "--run", "^TestInc$", "--stress", "20s", "--json", rep, "./lostupdate"], RARE)
    p = packages_by_name(load_report(rep), "leakgate.test/rare")["lostupdate"]
    st = p.get("stress") or {}
    c.check("--run: stress found it", code == 1 and st.get("failed") is True, (code, st))
    c.check("--run: the command names the test", "'^TestInc$'" in (st.get("command") or ""), st)


def clean_stays_clean(c):
    for k in range(CLEAN_RUNS):
        rep = os.path.join(WORK, f"stress-clean-{k}.json")
        code, out, err, _ = run_leakgate(["run", "--stress", "10s", "--json", rep] + CLEAN, FIXTURES)
        c.check(f"clean run {k}: exit 0", code == 0, out + err[-2000:])
        for name, p in packages_by_name(load_report(rep), "leakgate.test/fixtures").items():
            st = p.get("stress") or {}
            c.check(f"clean run {k}: {name} stressed without failure",
                    p["passed"] and st.get("failed") is False and st.get("iterations", 0) > 1, st)


def baselined_stays_baselined(c):
    bdir = os.path.join(WORK, "stress-baselines")
    shutil.rmtree(bdir, ignore_errors=True)
    code, out, err, _ = run_leakgate(["baseline", "update", "--baselines", bdir, "./rangeleak"], FIXTURES)
    c.check("baseline update: exit 0", code == 0, out + err[-1500:])
    rep = os.path.join(WORK, "stress-baselined.json")
    code, out, err, _ = run_leakgate(["run", "--baselines", bdir, "--stress", "5s", "--json", rep, "./rangeleak"], FIXTURES)
    p = packages_by_name(load_report(rep), "leakgate.test/fixtures")["rangeleak"]
    st = p.get("stress") or {}
    c.check("baselined: exit 0 under stress", code == 0, out + err[-1500:])
    c.check("baselined: stress ran without a new finding", st.get("failed") is False and st.get("iterations", 0) > 1, st)
    c.check("baselined: the leak group stays baselined", p["leaks"] and all(g.get("baselined") for g in p["leaks"]),
            [(g["signature"], g.get("baselined"), g.get("count")) for g in p["leaks"]])


def small_cli(c):
    code, out, err, _ = run_leakgate(["run", "--test-flag", "./clean"], FIXTURES)
    c.check("--test-flag ./pkg: usage error", code == 2 and "--test-flag=" in err, (code, err))
    tmp = os.path.join(WORK, "stress-keep")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    env = dict(os.environ, TMPDIR=tmp)
    code, out, err, _ = run_leakgate(["run", "--keep-work", "./clean"], FIXTURES, env=env)
    m = re.search(r"work directory kept in (\S+)", err)
    c.check("--keep-work: says where", code == 0 and m and os.path.isdir(m.group(1)), err[-800:])
    rep = os.path.join(WORK, "stress-timing.json")
    run_leakgate(["run", "--json", rep, "./clean", "./cleanparallel"], FIXTURES)
    for name, p in packages_by_name(load_report(rep), "leakgate.test/fixtures").items():
        c.check(f"{name}: build_timing batch, no made-up split",
                p.get("build_timing") == "batch" and p["build_seconds"] == 0 and p.get("build_batch_seconds", 0) > 0, p.get("build_timing"))


def main():
    c = Checker()
    os.makedirs(WORK, exist_ok=True)
    stress_caught(c)
    stress_with_run(c)
    clean_stays_clean(c)
    baselined_stays_baselined(c)
    small_cli(c)
    c.finish()


if __name__ == "__main__":
    main()
