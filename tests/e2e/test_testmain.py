"""End-to-end: packages with their own TestMain are gated without an edit.

Two routes (hook/README.md, "Two ways in"): on a toolchain leakgate can
overlay, a TestMain runs as it is and the hook comes in through package
testing when it calls m.Run ("TestMain kept"; the rewriter is asked only
when a run needs its answer: goleak's options, why the hook did not run,
heap passes); on one it cannot (a Go downloaded into GOMODCACHE, here
GOTOOLCHAIN=go1.27.3), the TestMain is rewritten through the overlay
(hook/rewrite).  On both, each shape of TestMain in tests/fixtures/gomod/tm*
and the goleak users in tests/fixtures/goleakmod must get the hook (or a
skipped leak check that says why), keep what the TestMain does besides
m.Run, and report leaks at the user's file:line.  The user's tree must not
change.
"""
import hashlib
import os
import re
import subprocess
import xml.etree.ElementTree as ET

from lgtest import (FIXTURES, SOURCE_DIR, WORK, Checker, check_of, load_report,
                    packages_by_name, run_leakgate)

GOLEAKMOD = os.path.join(SOURCE_DIR, "tests", "fixtures", "goleakmod")

# route -> environment: "testing" on the installed Go, "package" on a
# toolchain in GOMODCACHE, which leakgate cannot overlay
ROUTES = {"testing": {}, "package": {"GOTOOLCHAIN": "go1.27.3"}}

# package -> (hook_via through testing, hook_via in the package, leaks
# expected, substring of the skip reason or None)
KEPT = "TestMain kept"
SHAPES = {
    "tmexit": (KEPT, "rewritten", 1, None),
    "tmteardown": (KEPT, "rewritten", 1, None),
    "tmhelper": (KEPT, "rewritten", 1, None),
    "tmexternal": (KEPT, "rewritten", 1, None),
    "tmcgo": (KEPT, "rewritten", 1, None),
    "tmtags": ("injected", "injected", 1, None),  # its TestMain needs -tags lgfixture
    "tmnorun": ("none", "none", 0, "TestMain (tmnorun/tmnorun_test.go:9) never calls m.Run"),
    "tmearly": (KEPT, "rewritten", 0, "TestMain ended before it reached m.Run"),
    # m goes to tmshared.Main: testing's hook point sees it, the rewriter cannot follow it
    "nohook": (KEPT, "none", 1, "m.Run is called in leakgate.test/fixtures/tmshared.Main"),
    "ownmain": ("called by user code", "called by user code", 1, None),
    "exitafter": (KEPT, "rewritten", 0, None),
}
SUMMARY = {
    "testing": r"hook: 1 injected, 8 at the m.Run of their own TestMain, 1 called by TestMain; "
               r"leak checks skipped in 2 packages",
    "package": r"hook: 1 injected, 7 TestMain rewritten, 1 called by TestMain; "
               r"leak checks skipped in 3 packages",
}


def shape(route, name):
    """(hook_via, leaks, skip reason) of a shape on a route."""
    via_t, via_p, nleaks, reason = SHAPES[name]
    if route == "testing":
        return via_t, nleaks, None if name == "nohook" else reason
    return via_p, 0 if via_p == "none" else nleaks, reason


def tree_digest(root):
    """Hash of every file's path and bytes under root (the user's tree)."""
    h = hashlib.sha256()
    for d, dirs, files in sorted(os.walk(root)):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            h.update(p.encode())
            with open(p, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


def leak_line(pkgdir, fname):
    """Line number of the `// LEAK` marker in a fixture file."""
    with open(os.path.join(pkgdir, fname)) as f:
        for i, line in enumerate(f, 1):
            if "// LEAK" in line:
                return i
    return -1


def shapes(c, route):
    junit = os.path.join(WORK, f"testmain-junit-{route}.xml")
    rep = os.path.join(WORK, f"testmain-run-{route}.json")
    pkgs = ["./" + p for p in SHAPES]
    env = dict(os.environ, **ROUTES[route])
    before = tree_digest(FIXTURES)
    code, out, err, _ = run_leakgate(["run", "--junit", junit, "--json", rep] + pkgs, cwd=FIXTURES, env=env)
    print(out)
    print(err[-3000:])
    c.check(f"{route}: the user's tree is not touched", tree_digest(FIXTURES) == before)
    c.check(f"{route}: exit 1: the leaks fail the gate", code == 1, code)
    c.check(f"{route}: the hook's route is the expected one",
            ("the hook goes into each test package" in err) == (route == "package"), err[-1500:])
    got = packages_by_name(load_report(rep), "leakgate.test/fixtures")
    for name in SHAPES:
        via, nleaks, reason = shape(route, name)
        p = got.get(name)
        if not c.check(f"{route}: {name}: in the report", p is not None):
            continue
        c.check(f"{route}: {name}: hook_via {via}", p.get("hook_via") == via, p.get("hook_via"))
        count = sum(g["count"] for g in p.get("leaks", []))
        c.check(f"{route}: {name}: {nleaks} leaked goroutine(s)", count == nleaks, p.get("leaks"))
        chk = check_of(p, "goroutine-leaks")
        if reason:
            c.check(f"{route}: {name}: leak check skipped with the reason",
                    chk and chk["status"] == "skipped" and reason in chk["message"], chk and chk["message"])
            c.check(f"{route}: {name}: the summary names it",
                    f"leakgate.test/fixtures/{name}: leak checks skipped" in err, err[-1500:])
        elif nleaks:
            c.check(f"{route}: {name}: leak check failed", chk and chk["status"] == "failed", chk)
    # Leaks point at the user's own lines, also inside a rewritten file.
    for name, fname in (("tmexit", "tmexit_test.go"), ("tmteardown", "tmteardown_test.go"),
                        ("tmhelper", "main_test.go"), ("tmexternal", "tmexternal_test.go"),
                        ("tmcgo", "tmcgo_test.go"), ("nohook", "nohook.go")):
        if not shape(route, name)[1]:
            continue
        leaks = got[name].get("leaks", [])
        want = {"file": f"{name}/{fname}", "line": leak_line(os.path.join(FIXTURES, name), fname)}
        at = leaks and leaks[0].get("created_at")
        c.check(f"{route}: {name}: created at the LEAK line of the user's file", at == want, (at, want))
        c.check(f"{route}: {name}: attributed to its test", leaks and (leaks[0].get("test") or "").startswith("Test"),
                leaks and leaks[0].get("test"))
    # A test's own `go` statement is attributed without ancestry: no evidence run.
    c.check(f"{route}: tmexit: the lean run decided (no evidence run)", got["tmexit"].get("evidence_run") == "none",
            got["tmexit"].get("evidence_run"))
    # Everything but m.Run behaves as before.
    td = got["tmteardown"].get("stray_output") or ""
    c.check(f"{route}: tmteardown: set-up and tear-down ran",
            "set-up done" in td and "tear-down after m.Run, code 0" in td, td)
    c.check(f"{route}: tmteardown: os.Exit still skips the deferred call", "deferred" not in td, td)
    c.check(f"{route}: tmhelper: the helper's set-up ran",
            "tmhelper: set-up" in (got["tmhelper"].get("stray_output") or ""))
    ea = got["exitafter"]
    c.check(f"{route}: exitafter: exit-status still fails after TestMain's m.Run",
            check_of(ea, "exit-status") and check_of(ea, "exit-status")["status"] == "failed", ea["checks"])
    c.check(f"{route}: the summary line counts the routes", re.search(SUMMARY[route], err), err[-800:])
    # JUnit says how the hook got in, per package.
    root = ET.parse(junit).getroot()
    props = {s.get("name"): {p.get("name"): p.get("value") for p in s.iter("property")}
             for s in root.iter("testsuite")}
    for name in ("tmexit", "nohook"):
        pr = props.get(f"leakgate.test/fixtures/{name}", {})
        c.check(f"{route}: junit: {name} property leakgate.hook", pr.get("leakgate.hook") == shape(route, name)[0], pr)
    nr = props.get("leakgate.test/fixtures/tmnorun", {})
    c.check(f"{route}: junit: tmnorun says why its leak checks were skipped",
            nr.get("leakgate.hook") == "none" and "never calls m.Run" in (nr.get("leakgate.hook_note") or ""), nr)
    schema = os.path.join(SOURCE_DIR, "schema", "junit.xsd")
    p = subprocess.run(["xmllint", "--noout", "--schema", schema, junit], capture_output=True, text=True)
    c.check(f"{route}: junit: valid against schema/junit.xsd", p.returncode == 0, p.stderr[-1500:])


def tags_and_no_rewrite(c):
    rep = os.path.join(WORK, "testmain-tags.json")
    code, out, err, _ = run_leakgate(["run", "--tags", "lgfixture", "--json", rep, "./tmtags"], cwd=FIXTURES)
    p = packages_by_name(load_report(rep), "leakgate.test/fixtures").get("tmtags", {})
    c.check("--tags lgfixture: tmtags' TestMain is kept, the hook at its m.Run", p.get("hook_via") == KEPT, p.get("hook_via"))
    c.check("--tags lgfixture: leak still found", len(p.get("leaks", [])) == 1, p.get("leaks"))
    c.check("--tags lgfixture: its TestMain ran", "built with the lgfixture tag" in (p.get("stray_output") or ""), p.get("stray_output"))
    rep = os.path.join(WORK, "testmain-norewrite.json")
    code, out, err, _ = run_leakgate(["run", "--no-rewrite", "--json", rep, "./tmexit", "./ownmain"], cwd=FIXTURES)
    got = packages_by_name(load_report(rep), "leakgate.test/fixtures")
    te = got.get("tmexit", {})
    chk = check_of(te, "goroutine-leaks")
    c.check("--no-rewrite: tmexit's leak checks are skipped and say so",
            te.get("hook_via") == "none" and chk and chk["status"] == "skipped" and "--no-rewrite" in chk["message"], chk)
    c.check("--no-rewrite: a TestMain calling leakgatehook still gets checked",
            got.get("ownmain", {}).get("hook_via") == "called by user code" and len(got.get("ownmain", {}).get("leaks", [])) == 1)


def goleak_users(c, route):
    rep = os.path.join(WORK, f"testmain-goleak-{route}.json")
    env = dict(os.environ, **ROUTES[route])
    gt = subprocess.run(["go", "test", "-count=1", "./..."], cwd=GOLEAKMOD, capture_output=True, text=True)
    c.check("go test: goleak itself fails glplain and glopts", "FAIL\tleakgate.test/goleakmod/glplain" in gt.stdout
            and "FAIL\tleakgate.test/goleakmod/glopts" in gt.stdout, gt.stdout[-1500:] + gt.stderr[-1500:])
    code, out, err, _ = run_leakgate(["run", "--json", rep, "./..."], cwd=GOLEAKMOD, env=env)
    print(out)
    print(err[-2000:])
    got = packages_by_name(load_report(rep), "leakgate.test/goleakmod")
    kept = route == "testing"
    pl = got.get("glplain", {})
    c.check(f"{route}: glplain: hook_via", pl.get("hook_via") == (KEPT if kept else "rewritten"), pl.get("hook_via"))
    c.check(f"{route}: glplain: leak found and named",
            len(pl.get("leaks", [])) == 1 and pl["leaks"][0].get("test") == "TestLeak"
            and pl["leaks"][0]["created_at"] == {"file": "glplain/glplain_test.go", "line": 14}, pl.get("leaks"))
    ex = check_of(pl, "exit-status")
    if kept:
        # goleak runs after the hook as under go test, and says so
        c.check(f"{route}: glplain: goleak's own failure is reported as goleak's",
                ex and ex["status"] == "failed" and "goleak.VerifyTestMain in TestMain found goroutines"
                in ex["message"] and "goleak: Errors on successful test run" in ex["detail"], ex)
    else:
        c.check(f"{route}: glplain: goleak itself no longer ran (no exit-status failure)", ex is None, pl.get("checks"))
    op = got.get("glopts", {})
    leaks = op.get("leaks", [])
    c.check(f"{route}: glopts: only the unignored leak is reported",
            len(leaks) == 1 and leaks[0].get("test") == "TestLeak" and leaks[0]["created_at"]["file"] == "glopts/glopts_test.go", leaks)
    stacks = " ".join((g.get("stack") or "") + (g.get("top_func") or "") for g in leaks)
    c.check(f"{route}: glopts: the leak group's stack is in the report", "glopts.Forward" in stacks, stacks[:500])
    c.check(f"{route}: glopts: the ignored janitor and watcher are not in the report",
            "janitor" not in stacks and "watchLoop" not in stacks, stacks[:500])
    cl = got.get("glcleanup", {})
    c.check(f"{route}: glcleanup: passes", cl.get("passed"), cl.get("checks"))
    c.check(f"{route}: glcleanup: goleak's cleanup still ran", "cleanup ran with code 0" in (cl.get("stray_output") or ""),
            cl.get("stray_output"))
    if kept:
        c.check(f"{route}: glcleanup: the TestMain is kept, nothing left to note",
                cl.get("hook_via") == KEPT and not cl.get("hook_notes"), (cl.get("hook_via"), cl.get("hook_notes")))
    else:
        c.check(f"{route}: glcleanup: goleak kept around the hook, with a note naming the option",
                cl.get("hook_via") == "rewritten" and any("goleak.Cleanup(...)" in n for n in cl.get("hook_notes") or []),
                cl.get("hook_notes"))
        c.check(f"{route}: glcleanup: the note is on the terminal",
                "glcleanup: note: glcleanup/glcleanup_test.go:11: goleak.VerifyTestMain kept" in err, err[-1500:])
    nn = got.get("glnone", {})
    c.check(f"{route}: glnone: VerifyNone keeps working under the injected hook",
            nn.get("passed") and nn.get("hook_via") == "injected", nn.get("checks"))
    c.check(f"{route}: exit 1 (glplain and glopts leak)", code == 1, code)


def kept_run(c, pkg):
    """leakgate run --keep-work on one package: (its hook.json, after.stacks text, overlay)."""
    code, out, err, _ = run_leakgate(["run", "--keep-work", "./" + pkg], cwd=FIXTURES)
    m = re.search(r"work directory kept in (\S+) \(test binaries in (\S+)/bin\)", err)
    if not c.check(f"{pkg}: --keep-work says where", m, err[-800:]):
        return {}, "", {}
    work, cache = m.group(1), m.group(2)
    hookdir = os.path.join(work, "0", "hook")
    manifest, stacks, overlay = {}, "", {}
    if os.path.exists(os.path.join(hookdir, "hook.json")):
        manifest = load_report(os.path.join(hookdir, "hook.json"))
    if os.path.exists(os.path.join(hookdir, "after.stacks")):
        with open(os.path.join(hookdir, "after.stacks"), errors="replace") as f:
            stacks = f.read()
    overlay = load_report(os.path.join(cache, "overlay-0.json"))["Replace"]
    subprocess.run(["rm", "-rf", work])
    return manifest, stacks, overlay


def hook_routes(c):
    """The two ways in (hook/README.md): through testing/internal/testdeps
    for a package without TestMain, leaving its files to Go's cache; the
    in-package hook winning when a binary has both."""
    goroot = subprocess.run(["go", "env", "GOROOT"], capture_output=True, text=True).stdout.strip()
    testdeps = os.path.join(goroot, "src", "testing", "internal", "testdeps")
    man, stacks, overlay = kept_run(c, "rangeleak")
    c.check("rangeleak: the overlay hooks testdeps' deps.go and adds the hook there",
            os.path.join(testdeps, "deps.go") in overlay and
            os.path.join(testdeps, "zz_leakgate_hook.go") in overlay, sorted(overlay))
    c.check("rangeleak: no file of the package is in the overlay",
            not any(k.startswith(os.path.join(FIXTURES, "rangeleak")) for k in overlay), sorted(overlay))
    c.check("rangeleak: the hook ran to its after snapshot, from testdeps (no exit_code there)",
            man.get("phase") == "after" and "exit_code" not in man, man)
    c.check("rangeleak: the after dump shows the hook in testdeps",
            "testing/internal/testdeps/zz_leakgate_hook.go" in stacks, stacks[:1500])
    man, stacks, _ = kept_run(c, "ownmain")
    c.check("ownmain: the in-package hook (leakgatehook.Main) wrote the manifest, testdeps stood aside",
            man.get("phase") == "after" and man.get("exit_code") == 0, man)
    man, _, _ = kept_run(c, "nohook")
    c.check("nohook: hooked through testdeps inside tmshared.Main's m.Run",
            man.get("phase") == "after" and "exit_code" not in man, man)


def main():
    c = Checker()
    os.makedirs(WORK, exist_ok=True)
    hook_routes(c)
    for route in ROUTES:
        shapes(c, route)
        goleak_users(c, route)
    tags_and_no_rewrite(c)
    c.finish()


if __name__ == "__main__":
    main()
