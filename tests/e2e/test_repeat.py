"""End to end: reports stay small when tests run many times.

`--test-flag -test.count=2000` runs each test of a package 2000 times in one
binary.  The run model keeps one entry per test name (runs, failures, total
and slowest time, the first failure's output), so the JSON report and JUnit
hold one entry per test whatever the count; a test that fails in some runs
is one failing testcase saying "failed N of M runs".  The report read back
by `leakgate report` and `leakgate merge` keeps the counts.
"""
import os
import xml.etree.ElementTree as ET

from lgtest import FIXTURES, WORK, Checker, load_report, packages_by_name, run_leakgate

MODULE = "leakgate.test/fixtures"
COUNT = 2000


def tests_of(pkg):
    return {t["name"]: t for t in pkg.get("tests", [])}


def main():
    c = Checker()
    os.makedirs(WORK, exist_ok=True)
    rep = os.path.join(WORK, "repeat.json")
    junit = os.path.join(WORK, "repeat.xml")
    code, out, err, secs = run_leakgate(
        ["run", "--json", rep, "--junit", junit, "--test-flag", f"-test.count={COUNT}",
         "./flaky", "./rangeleak"], FIXTURES)
    c.check("exit 1: the flaky test failed, rangeleak leaked", code == 1, out + err[-2000:])
    size = os.path.getsize(rep)
    c.check(f"JSON report under 1 MB ({size} bytes)", size < 1 << 20, size)
    c.check("JUnit under 1 MB", os.path.getsize(junit) < 1 << 20, os.path.getsize(junit))
    pkgs = packages_by_name(load_report(rep), MODULE)
    fl = tests_of(pkgs["flaky"])
    c.check("flaky: one entry per test name", sorted(fl) == ["TestSometimes", "TestSteady", "TestSteady/a", "TestSteady/ab"],
            sorted(fl)[:10])
    s = fl.get("TestSometimes", {})
    c.check("flaky: TestSometimes failed in 4 of 2000 runs",
            s.get("result") == "fail" and s.get("runs") == COUNT and s.get("failures") == 4, s)
    c.check("flaky: the output is the first failure's", "run 500: lost the race" in (s.get("output") or ""), s.get("output"))
    c.check("flaky: max_elapsed <= elapsed", 0 <= s.get("max_elapsed", -1) <= s.get("elapsed", -1), s)
    st = fl.get("TestSteady/ab", {})
    c.check("flaky: a subtest passed all its runs",
            st.get("result") == "pass" and st.get("runs") == COUNT and st.get("failures") == 0, st)
    c.check("terminal: failed N of M", "test failed: TestSometimes (in 4 of 2000 runs)" in out, out[-1500:])
    rl = tests_of(pkgs["rangeleak"])
    c.check("rangeleak: one entry, 2000 runs", len(rl) == 1 and all(t["runs"] == COUNT for t in rl.values()), rl.keys())

    root = ET.parse(junit).getroot()
    cases = [tc for tc in root.iter("testcase") if tc.get("classname") == MODULE + "/flaky"]
    names = [tc.get("name") for tc in cases]
    c.check("junit: one testcase per test name", names.count("TestSometimes") == 1 and len(names) == 6, names[:10])
    f = next((tc.find("failure") for tc in cases if tc.get("name") == "TestSometimes"), None)
    c.check("junit: failure message counts the runs",
            f is not None and f.get("message") == f"test failed in 4 of {COUNT} runs", f is not None and f.attrib)
    c.check("junit: failure body is the first failure + failed N of M",
            f is not None and "run 500: lost the race" in (f.text or "") and f"failed 4 of {COUNT} runs" in (f.text or ""),
            f is not None and f.text)

    # The counts survive reading the report back (report and merge).
    again = os.path.join(WORK, "repeat-again.xml")
    code, o2, e2, _ = run_leakgate(["report", rep, "--format", f"junit={again}"], FIXTURES)
    c.check("report: re-rendered", code in (0, 1) and os.path.exists(again), e2)
    if os.path.exists(again):
        ra = ET.parse(again).getroot()
        fa = next((tc.find("failure") for tc in ra.iter("testcase") if tc.get("name") == "TestSometimes"), None)
        c.check("report: same failure message after the round trip",
                fa is not None and fa.get("message") == f"test failed in 4 of {COUNT} runs", fa is not None and fa.attrib)
    merged = os.path.join(WORK, "repeat-merged.json")
    code, o3, e3, _ = run_leakgate(["merge", rep, "-o", merged], FIXTURES)
    if c.check("merge: written", os.path.exists(merged), e3):
        m = tests_of(packages_by_name(load_report(merged), MODULE)["flaky"]).get("TestSometimes", {})
        c.check("merge: runs and failures kept", m.get("runs") == COUNT and m.get("failures") == 4, m)
    c.finish()


if __name__ == "__main__":
    main()
