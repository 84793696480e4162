"""End to end: `leakgate run ./...` over the fixture module tests/fixtures/gomod.

One run covers every package (seed leak patterns, deadlock, hang, panic,
heap growth — a real leak and growth the heap profiles explain —, own TestMain, t.Parallel attribution, clean packages, build
failure, misbehaving binaries).  Each package must get the right verdict,
the right test named and the right file:line; the JUnit file must validate
against schema/junit.xsd; and no process may outlive the run.
"""
import os
import re
import subprocess
import xml.etree.ElementTree as ET

from lgtest import (FIXTURES, SOURCE_DIR, WORK, Checker, check_of, load_report,
                    packages_by_name, run_leakgate, xmllint_schema)

MODULE = "leakgate.test/fixtures"

# package -> expected leak pattern of its (single) leak group
LEAK_PATTERNS = {
    "rangeleak": "range-unclosed-chan",
    "sendleak": "send-no-receiver",
    "recvleak": "recv-no-sender",
    "selectleak": "select-no-ready-case",
    "selectforever": "select-forever",
    "nilchan": "nil-channel",
    "wgleak": "waitgroup-never-done",
    "mutexleak": "lock-never-released",
    "condleak": "cond-never-signalled",
    "tickerleak": "ticker-not-stopped",
    "handlerleak": "handler-goroutine",
    "globalchan": "send-no-receiver",
    "sleepleak": "sleep-outlives-test",
    "loopcapture": None,  # any pattern: the point is that it is found
    "deepchain": "range-unclosed-chan",
    "targeted": "recv-no-sender",
}
CLEAN = ["clean", "cleanhttp", "cleanparallel", "childenv"]


def leak_checks(c, pkgs):
    for name, pattern in LEAK_PATTERNS.items():
        p = pkgs.get(name)
        if not c.check(f"{name}: package present", p is not None):
            continue
        chk = check_of(p, "goroutine-leaks")
        c.check(f"{name}: leak check failed", chk and chk["status"] == "failed",
                chk and chk["message"])
        leaks = p.get("leaks", [])
        c.check(f"{name}: one leak group", len(leaks) == 1, [g["pattern"] for g in leaks])
        if not leaks:
            continue
        g = leaks[0]
        if pattern:
            c.check(f"{name}: pattern {pattern}", g["pattern"] == pattern, g["pattern"])
        c.check(f"{name}: attributed to a test", (g.get("test") or "").startswith("Test"), g.get("test"))
        loc = g.get("created_at") or {}
        c.check(f"{name}: created_at is module-relative file:line in the package",
                (loc.get("file") or "").startswith(name + "/") and loc.get("line", 0) > 0, loc)
        if loc.get("file"):
            src = open(os.path.join(FIXTURES, loc["file"]), encoding="utf-8").read().splitlines()
            line = src[loc["line"] - 1] if 0 < loc["line"] <= len(src) else ""
            c.check(f"{name}: created_at points at a go statement", re.search(r"\bgo\b", line), line)
        c.check(f"{name}: JUnit location set", chk and (chk.get("loc") or {}).get("file"), chk and chk.get("loc"))


def clientleak_checks(c, pkgs):
    """A go statement in GOROOT is located in the module; every test of a group is named."""
    p = pkgs.get("clientleak")
    if not c.check("clientleak: package present", p is not None):
        return
    loops = [g for g in p.get("leaks", []) if g.get("creator_func") == "net/http.(*Transport).dialConn"]
    c.check("clientleak: the Transport's connection loops leak", len(loops) == 2,
            [(g["creator_func"], g["count"]) for g in p.get("leaks", [])])
    src = open(os.path.join(FIXTURES, "clientleak", "clientleak.go"), encoding="utf-8").read().splitlines()
    want_line = next(i + 1 for i, l in enumerate(src) if "// LEAK" in l)
    for g in loops:
        loc = g.get("created_at") or {}
        # Ancestry frames print the return address's line (the runtime does not
        # step back into the call as it does for live frames): the call or the next line.
        c.check("clientleak: created_at is the module line that made the request",
                loc.get("file") == "clientleak/clientleak.go" and loc.get("line") in (want_line, want_line + 1), loc)
        c.check("clientleak: the stdlib go statement is kept as created_via",
                (g.get("created_via") or "").startswith("net/http.(*Transport).dialConn at ")
                and "/src/net/http/transport.go:" in g["created_via"], g.get("created_via"))
        c.check("clientleak: every test behind the group, biggest first",
                g.get("tests") == [{"name": "TestFetchTwice", "count": 2}, {"name": "TestFetchOnce", "count": 1}]
                and g.get("test") == "TestFetchTwice", (g.get("tests"), g.get("test")))
        c.check("clientleak: a client not closed", g.get("pattern") == "client-not-closed", g.get("pattern"))
    chk = check_of(p, "goroutine-leaks")
    c.check("clientleak: detail lists the tests",
            chk and "created in TestFetchTwice (2), TestFetchOnce (1)" in (chk.get("detail") or ""),
            chk and (chk.get("detail") or "")[:600])
    c.check("clientleak: TestMain is never named as a test",
            all(t["name"] != "TestMain" for g in p.get("leaks", []) for t in g.get("tests", [])),
            [g.get("tests") for g in p.get("leaks", [])])


def parallel_checks(c, pkgs):
    p = pkgs["parallel"]
    leaks = p.get("leaks", [])
    c.check("parallel: exactly one leak group", len(leaks) == 1, leaks)
    c.check("parallel: the leaking test is named",
            leaks and leaks[0].get("test") == "TestParallelLeaky", leaks and leaks[0].get("test"))
    c.check("parallel: other tests passed",
            all(t["result"] == "pass" for t in p["tests"]), [(t["name"], t["result"]) for t in p["tests"]])


def clean_checks(c, pkgs):
    for name in CLEAN:
        p = pkgs[name]
        c.check(f"{name}: passes", p["passed"], [(k["kind"], k["status"], k.get("message")) for k in p["checks"]])
        c.check(f"{name}: hook ran", p["hook"] == "done", p["hook"])
        chk = check_of(p, "goroutine-leaks")
        c.check(f"{name}: leak check passed", chk and chk["status"] == "passed", chk)


def crash_checks(c, pkgs):
    d = pkgs["deadlock"]
    chk = check_of(d, "deadlock")
    c.check("deadlock: reported as deadlock", chk and chk["status"] == "error", d["checks"])
    c.check("deadlock: found within seconds, not at the deadline", d["run_seconds"] < 8, d["run_seconds"])
    c.check("deadlock: names the test", chk and (chk.get("test") or "").startswith("Test"), chk)
    c.check("deadlock: file:line in the package", chk and (chk["loc"] or {}).get("file", "").startswith("deadlock/"), chk and chk["loc"])

    h = pkgs["hang"]
    chk = check_of(h, "hang")
    c.check("hang: reported as hang", chk and chk["status"] == "error", h["checks"])
    c.check("hang: reported within the deadline plus a few seconds", h["run_seconds"] < 8 + 2 + 3, h["run_seconds"])
    c.check("hang: names the test", chk and (chk.get("test") or "").startswith("Test"), chk)
    c.check("hang: scheduler verdict in body", chk and "scheduler:" in chk["detail"], chk and chk["detail"][:300])
    c.check("hang: goroutine dump in body", chk and "goroutine" in chk["detail"], None)
    c.check("hang: file:line in the package", chk and (chk["loc"] or {}).get("file", "").startswith("hang/"), chk and chk["loc"])

    pn = pkgs["panics"]
    chk = check_of(pn, "crash")
    c.check("panics: crash reported", chk and chk["status"] == "error", pn["checks"])
    c.check("panics: names TestPanics", chk and (chk.get("test") or "") == "TestPanics", chk and chk.get("test"))
    c.check("panics: message carries the panic", chk and chk["message"].startswith("panic:"), chk and chk["message"])

    sk = pkgs["selfkill"]
    chk = check_of(sk, "crash")
    c.check("selfkill: crash by SIGKILL", chk and "SIGKILL" in chk["message"], chk and chk["message"])

    for name in ("flood", "ignorequit", "children"):
        p = pkgs[name]
        chk = check_of(p, "hang")
        c.check(f"{name}: reported as hang", chk and chk["status"] == "error", p["checks"])
    # A test waiting on a child process (and a ticker) idles every P: blocked, not a deadlock.
    ch = check_of(pkgs["children"], "hang")
    sched = next((l for l in (ch["detail"] if ch else "").splitlines() if l.startswith("scheduler:")), "")
    c.check("children: idle Ps worded as blocked",
            "Ps idle" not in sched or "blocked (waiting on I/O, a child process, a timer or a deadlock)" in sched, sched)
    c.check("children: the live child is named", "1 child process was still running" in sched, sched)
    c.check("children: not called deadlock-like", "deadlock-like" not in sched, sched)
    fl = pkgs["flood"]
    size = sum(len(t.get("output") or "") for t in fl["tests"]) + len(fl.get("stray_output") or "")
    c.check("flood: captured output stays capped", size < 4 * 1024 * 1024, size)
    iq = check_of(pkgs["ignorequit"], "hang")
    c.check("ignorequit: says SIGQUIT was ignored", iq and "ignored SIGQUIT" in iq["detail"], iq and iq["detail"][:300])


def leak_marker_line(rel):
    """1-based line of the `// LEAK` marker in fixture file `rel`."""
    with open(os.path.join(FIXTURES, rel), encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if "// LEAK" in line:
                return i
    return 0


def heap_kind_checks(c, pkgs, out):
    """Heap growth the profiles explain is not counted; a real leak still fails, at its own line."""
    limit = 1 << 20
    for name, kind, site in (("onceheap", "one-time initialisation", "onceheap/onceheap.go:27"),
                             ("goburst", "runtime goroutine bookkeeping", "runtime.malg")):
        p = pkgs[name]
        chk = check_of(p, "heap-growth") or {}
        msg, detail = chk.get("message", ""), chk.get("detail", "")
        # Without the discount this package fails: the check must have had something to decide.
        c.check(f"{name}: HeapInuse grew past the limit", p["heap_growth"] > limit, p["heap_growth"])
        c.check(f"{name}: heap check passed", chk.get("status") == "passed", msg)
        c.check(f"{name}: package passes", p["passed"], [(k["kind"], k["status"], k.get("message")) for k in p["checks"]])
        c.check(f"{name}: message names the kind and the counted growth",
                f"of it {kind}" in msg and "; counted " in msg and "(limit 1.00 MiB)" in msg, msg)
        c.check(f"{name}: discounted bytes reported", p.get("heap_discounted", 0) > p["heap_growth"] - limit,
                (p.get("heap_discounted"), p["heap_growth"]))
        section = detail.split(f"allocation sites that grew, {kind} (not counted):", 1)
        c.check(f"{name}: detail lists the {kind} sites", len(section) == 2 and site in section[1], detail[-1500:])
        c.check(f"{name}: no allocation site charged to malloc.go",
                not re.search(r"^\s+\+[\d.]+ KiB\s+\S+\s+\S*runtime/malloc\.go:", detail, re.M), detail[-1500:])
    p = pkgs["sliceleak"]
    chk = check_of(p, "heap-growth") or {}
    want = {"file": "sliceleak/sliceleak.go", "line": leak_marker_line("sliceleak/sliceleak.go")}
    c.check("sliceleak: heap check failed", chk.get("status") == "failed", chk.get("message"))
    c.check("sliceleak: located at the fixture's own line, not bytes.go or malloc.go",
            (chk.get("loc") or {}) == want, (chk.get("loc"), want))
    sites = p.get("heap_sites", [])
    c.check("sliceleak: top heap site is Record at that line",
            sites and sites[0]["func"].endswith("sliceleak.Record") and sites[0]["loc"] == want, sites[:2])
    c.check("sliceleak: the chain to the allocation is shown",
            "-> bytes.Clone" in (chk.get("detail") or ""), (chk.get("detail") or "")[-800:])
    c.check("sliceleak: nothing of the leak discounted", p["heap_growth"] - p.get("heap_discounted", 0) > 3 * limit,
            (p["heap_growth"], p.get("heap_discounted")))
    c.check("terminal: compiler-style heap line at the leak",
            re.search(r"^sliceleak/sliceleak\.go:%d: heap-growth: " % want["line"], out, re.M), None)


def evidence_checks(c, pkgs):
    """The lean first run, and the evidence run for what failed."""
    for name in CLEAN:
        c.check(f"{name}: clean packages run once", pkgs[name].get("evidence_run") == "none", pkgs[name].get("evidence_run"))
    # Leaks whose test only ancestry can name, and heap growth, are decided by the evidence run.
    for name in ("rangeleak", "clientleak", "parallel", "heapleak"):
        c.check(f"{name}: decided by the evidence run", pkgs[name].get("evidence_run") == "used", pkgs[name].get("evidence_run"))
    dc = pkgs["deepchain"]
    chk = check_of(dc, "goroutine-leaks") or {}
    c.check("deepchain: a chain cut at 3 creators runs once more at 50, which names the test",
            dc.get("evidence_run") == "used" and [g.get("test") for g in dc.get("leaks", [])] == ["TestPipeline"]
            and "reached no test (--ancestors 3), so leakgate ran the package again with "
                "tracebackancestors=50: the groups above are that run's" in (chk.get("detail") or ""),
            (dc.get("evidence_run"), (chk.get("detail") or "")[-400:]))
    t = pkgs["targeted"]
    chk = check_of(t, "goroutine-leaks") or {}
    c.check("targeted: only the test around the leaked goroutine's id runs again, and names it",
            t.get("evidence_run") == "used" and [g.get("test") for g in t.get("leaks", [])] == ["TestWatchForgotten"]
            and re.search(r"leakgate ran \d+ tests? \([^)]*TestWatchForgotten[^)]*\) of leakgate\.test/fixtures/targeted "
                          r"again alone, picked by goroutine id", chk.get("detail") or ""),
            (t.get("evidence_run"), (chk.get("detail") or "")[-400:]))
    t = pkgs["targetedorder"]
    chk = check_of(t, "goroutine-leaks") or {}
    # Ids from per-P batches sometimes put TestOpen among the picked tests:
    # then that run leaks again and stands; without TestOpen it cannot.
    alone = re.search(r"leakgate ran \d+ tests? \(([^)]*)\) of \S+ again alone", chk.get("detail") or "")
    c.check("targetedorder: a targeted run stands only when it ran TestOpen too, else the whole package "
            "runs again; either way the test is named",
            t.get("evidence_run") == "used" and [g.get("test") for g in t.get("leaks", [])] == ["TestWatchPending"]
            and (alone is None or "TestOpen" in alone.group(1))
            and (t.get("leaks") or [{}])[0].get("created_at", {}).get("file") == "targeted/targeted.go",
            (t.get("evidence_run"), t.get("leaks"), (chk.get("detail") or "")[-400:]))
    cl = pkgs["clientleak"].get("leaks", [])
    c.check("clientleak: the evidence run names the tests behind the transport's goroutines",
            cl and all(g.get("test") for g in cl if g["created_at"]["file"].startswith("clientleak/")), cl)


def ancestry_depth_checks(c):
    """deepchain's worker is 5 creators below its test: what each depth makes of it."""
    for args, want_test, want_note in (
            (["--no-rerun"], None, "reached no test (--ancestors 3): a larger --ancestors may name it"),
            (["--ancestors", "10"], "TestPipeline", None),
            (["--no-rerun", "--ancestors", "10"], "TestPipeline", None)):
        rep = os.path.join(WORK, "deepchain-" + "-".join(a.strip("-") for a in args) + ".json")
        code, out, err, secs = run_leakgate(["run", *args, "--json", rep, "./deepchain"], cwd=FIXTURES)
        try:
            p = load_report(rep)["packages"][0]
        except (OSError, ValueError, KeyError, IndexError) as e:
            c.check(f"deepchain {args}: report", False, f"{e} {err[-500:]}")
            continue
        detail = (check_of(p, "goroutine-leaks") or {}).get("detail") or ""
        c.check(f"deepchain {args}: exit 1, test {want_test}",
                code == 1 and [g.get("test") for g in p.get("leaks", [])] == [want_test],
                (code, [g.get("test") for g in p.get("leaks", [])], err[-300:]))
        c.check(f"deepchain {args}: ancestry note", (want_note in detail) if want_note
                else "ancestry:" not in detail and "tracebackancestors=50" not in detail, detail[-400:])


def targeted_user_run_checks(c):
    """A -test.run of the user's: no targeted run (its pattern would replace theirs)."""
    rep = os.path.join(WORK, "targeted-user-run.json")
    code, out, err, secs = run_leakgate(["run", "--test-flag=-test.run=TestWatchForgotten|TestSum[A-E]",
                                         "--json", rep, "./targeted"], cwd=FIXTURES)
    try:
        p = load_report(rep)["packages"][0]
    except (OSError, ValueError, KeyError, IndexError) as e:
        c.check("targeted, user -test.run: report", False, f"{e} {err[-500:]}")
        return
    detail = (check_of(p, "goroutine-leaks") or {}).get("detail") or ""
    c.check("targeted, user -test.run: the whole evidence run names the test, no targeted run",
            code == 1 and p.get("evidence_run") == "used" and "again alone" not in detail
            and [g.get("test") for g in p.get("leaks", [])] == ["TestWatchForgotten"]
            and "TestSumF" not in [t["name"] for t in p.get("tests", [])],
            (code, p.get("evidence_run"), detail[-300:], [t["name"] for t in p.get("tests", [])]))


def other_checks(c, pkgs):
    h = pkgs["heapleak"]
    chk = check_of(h, "heap-growth")
    c.check("heapleak: heap check failed", chk and chk["status"] == "failed", chk)
    c.check("heapleak: growth above 4 MiB", h["heap_growth"] > 4 << 20, h["heap_growth"])
    sites = h.get("heap_sites", [])
    c.check("heapleak: top allocation site named", sites and "retainBlobs" in sites[0]["func"], sites[:2])

    om = pkgs["ownmain"]
    c.check("ownmain: hook ran through leakgatehook.Main", om["hook"] == "done", om["hook"])
    c.check("ownmain: leak found", len(om.get("leaks", [])) == 1, om.get("leaks"))

    nh = pkgs["nohook"]
    chk = check_of(nh, "goroutine-leaks")
    c.check("nohook: TestMain hands m to another package, the leak is still found",
            chk and chk["status"] == "failed" and len(nh.get("leaks", [])) == 1, chk)
    c.check("nohook: a note names where m.Run is called",
            any("tmshared.Main" in n for n in nh.get("hook_notes") or []), nh.get("hook_notes"))

    fa = pkgs["failing"]
    c.check("failing: test failure recorded", any(t["result"] == "fail" for t in fa["tests"]), fa["tests"])
    chk = check_of(fa, "goroutine-leaks")
    c.check("failing: leak checks ran although tests failed", chk and chk["status"] == "failed", chk)
    failed = [t for t in fa["tests"] if t["result"] == "fail"]
    c.check("failing: test location known", failed and (failed[0].get("loc") or {}).get("file", "").startswith("failing/"), failed and failed[0].get("loc"))

    bf = pkgs["buildfail"]
    chk = check_of(bf, "build")
    c.check("buildfail: build error", chk and chk["status"] == "error" and not bf["built"], bf["checks"])
    c.check("buildfail: compiler file:line", chk and (chk["loc"] or {}).get("file", "").startswith("buildfail/") and chk["loc"]["line"] > 0, chk and chk["loc"])

    c.check("notests: marked without tests", pkgs["notests"]["no_tests"], pkgs["notests"])

    for name, code in (("exitafter", 1), ("exit3", 3)):
        p = pkgs[name]
        chk = check_of(p, "exit-status")
        c.check(f"{name}: package failed", not p["passed"], p["checks"])
        c.check(f"{name}: tests passed", p["tests"] and all(t["result"] == "pass" for t in p["tests"]), p["tests"])
        c.check(f"{name}: exit-status check failed", chk and chk["status"] == "failed", p["checks"])
        c.check(f"{name}: message names status {code}", chk and f"status {code}" in chk["message"], chk)
        c.check(f"{name}: not called a crash", check_of(p, "crash") is None, p["checks"])
    chk = check_of(pkgs["exitafter"], "exit-status")
    c.check("exitafter: detail holds what TestMain printed after m.Run",
            chk and "found unexpected goroutines after the tests" in (chk.get("detail") or ""), chk)


def junit_checks(c, junit, report):
    ok, msg = xmllint_schema(junit, os.path.join(SOURCE_DIR, "schema", "junit.xsd"))
    c.check("junit: valid against schema/junit.xsd", ok, msg)
    root = ET.parse(junit).getroot()
    suites = root.findall("testsuite")
    c.check("junit: one testsuite per package", len(suites) == len(report["packages"]), (len(suites), len(report["packages"])))
    for s in suites:
        cases = s.findall("testcase")
        names = [(tc.get("classname"), tc.get("name")) for tc in cases]
        c.check(f"junit {s.get('name')}: counts add up", int(s.get("tests")) == len(cases))
        c.check(f"junit {s.get('name')}: no duplicate testcases", len(names) == len(set(names)))
        fails = sum(1 for tc in cases if tc.find("failure") is not None)
        errs = sum(1 for tc in cases if tc.find("error") is not None)
        c.check(f"junit {s.get('name')}: failures/errors add up",
                int(s.get("failures")) == fails and int(s.get("errors")) == errs)
    # A package that failed must show it in JUnit: a CI reading only JUnit
    # would otherwise show it green.
    by_name = {s.get("name"): s for s in suites}
    for p in report["packages"]:
        s = by_name.get(p["import_path"])
        if s is None or p["passed"]:
            continue
        c.check(f"junit {p['import_path']}: failing package has a failing testcase",
                int(s.get("failures")) + int(s.get("errors")) > 0, [k["kind"] for k in p["checks"]])
    ex = [tc for tc in root.iter("testcase") if tc.get("name") == "leakgate:exit-status"
          and tc.get("classname") == MODULE + "/exitafter"]
    c.check("junit: exitafter has a leakgate:exit-status failure with TestMain's output",
            ex and ex[0].find("failure") is not None and "unexpected goroutines" in (ex[0].find("failure").text or ""))
    lk = [tc for tc in root.iter("testcase") if tc.get("name") == "leakgate:goroutine-leaks"
          and tc.get("classname") == MODULE + "/rangeleak"]
    c.check("junit: rangeleak leak testcase has file/line", lk and lk[0].get("file", "").startswith("rangeleak/") and int(lk[0].get("line", "0")) > 0)
    c.check("junit: rangeleak failure body holds the stack", lk and lk[0].find("failure") is not None and "goroutine" in (lk[0].find("failure").text or ""))


def no_survivors(c, marker):
    p = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    c.check("no process outlives leakgate", p.returncode == 1, p.stdout)


def main():
    c = Checker()
    os.makedirs(WORK, exist_ok=True)
    junit = os.path.join(WORK, "fixtures-junit.xml")
    report_path = os.path.join(WORK, "fixtures-run.json")
    # A GODEBUG of the user's own: childenv checks the hook hands it back to children.
    # A child of this run alone (children's "sleep"): other runs of the fixture may be alive.
    sleep_arg = f"300.{os.getpid()}"
    env = dict(os.environ, GODEBUG="madvdontneed=1", CHILDENV_WANT_GODEBUG="madvdontneed=1",
               CHILDREN_SLEEP=sleep_arg)
    code, out, err, secs = run_leakgate(
        ["run", "--timeout", "8s", "--grace", "2s", "--junit", junit, "--json", report_path, "./..."],
        cwd=FIXTURES, env=env)
    print(out)
    print(err[-3000:])
    c.check("exit code 1 (gate failed)", code == 1, code)
    report = load_report(report_path)
    pkgs = packages_by_name(report, MODULE)
    leak_checks(c, pkgs)
    parallel_checks(c, pkgs)
    clientleak_checks(c, pkgs)
    clean_checks(c, pkgs)
    crash_checks(c, pkgs)
    other_checks(c, pkgs)
    evidence_checks(c, pkgs)
    heap_kind_checks(c, pkgs, out)
    ancestry_depth_checks(c)
    targeted_user_run_checks(c)
    junit_checks(c, junit, report)
    jenkins = os.environ.get("LG_JUNIT10_XSD") or os.path.join(SOURCE_DIR, "..", "shared", "schemas", "junit-10.xsd")
    if os.path.exists(jenkins):
        plain = os.path.join(WORK, "fixtures-junit-plain.xml")
        run_leakgate(["run", "--no-file-line", "--junit", plain, "./rangeleak", "./panics", "./buildfail",
                      "./clean", "./nohook", "./notests"], cwd=FIXTURES)
        ok, msg = xmllint_schema(plain, jenkins)
        c.check("junit --no-file-line: valid against Jenkins junit-10.xsd", ok, msg)
    else:
        print(f"note: {jenkins} not found; Jenkins schema check not run")
    c.check("terminal: compiler-style leak line", re.search(r"^rangeleak/\S+\.go:\d+: 1 leaked goroutine", out, re.M), None)
    no_survivors(c, f"^sleep {sleep_arg}$")
    c.finish()


if __name__ == "__main__":
    main()
