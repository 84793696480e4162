"""End to end: baselines on a temporary copy of the fixture module.

`leakgate baseline update` records real leaks found by the real gate, and
`leakgate run` compares with them: within the baseline passes, a new group
or a higher count fails, a leak fixed in the Go source passes with a
"fixed — shrink the baseline" note and fails under --strict, an expired
entry fails, heap growth above the envelope fails.  Crash safety is shown by
killing `baseline update` with SIGKILL at random moments and parsing every
file afterwards, and by two concurrent updates.  Corrupt, truncated and
future-version files stop the run with the file named.  Published baselines
are fetched from a real HTTP server on 127.0.0.1 (200, 404, a slow server,
a server error) and from file:// URLs.
"""
import http.server
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

from lgtest import (FIXTURES, LEAKGATE, SOURCE_DIR, WORK, Checker, check_of, load_report,
                    run_leakgate, xmllint_schema)

MODULE = "leakgate.test/fixtures"
PKGS = ["./rangeleak", "./sendleak", "./loopcapture", "./clean", "./heapleak"]
HOOK = os.path.join(SOURCE_DIR, "hook")

try:
    import jsonschema
except ImportError:  # the suite's dependencies include it; say so if not
    jsonschema = None


def fname(pkg):
    return MODULE.replace("/", "~") + "~" + pkg + ".json"


def setup_module():
    root = os.path.join(WORK, "baseline")
    shutil.rmtree(root, ignore_errors=True)
    mod = os.path.join(root, "mod")
    shutil.copytree(FIXTURES, mod)
    gomod = os.path.join(mod, "go.mod")
    text = open(gomod, encoding="utf-8").read()
    text = re.sub(r"=> \S*hook", "=> " + HOOK, text)
    open(gomod, "w", encoding="utf-8").write(text)
    return root, mod


class Env:
    def __init__(self, c, mod):
        self.c = c
        self.mod = mod
        self.dir = os.path.join(mod, "baselines")
        schema_dir = os.path.join(SOURCE_DIR, "schema")
        self.schema = json.load(open(os.path.join(schema_dir, "baseline.schema.json")))
        self.report_schema = json.load(open(os.path.join(schema_dir, "run-report.schema.json")))

    def lg(self, *args, timeout=600):
        return run_leakgate(list(args), self.mod, timeout=timeout)

    def path(self, pkg):
        return os.path.join(self.dir, fname(pkg))

    def read(self, pkg):
        with open(self.path(pkg), encoding="utf-8") as f:
            return json.load(f)

    def write(self, pkg, data):
        with open(self.path(pkg), "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)

    def edit(self, pkg, fn):
        data = self.read(pkg)
        fn(data)
        self.write(pkg, data)

    def valid(self, data):
        if jsonschema is None:
            return False, "python3 jsonschema missing"
        try:
            jsonschema.validate(data, self.schema)
            return True, ""
        except jsonschema.ValidationError as e:
            return False, str(e)[:500]

    def report(self, *pkgs, extra=()):
        out = os.path.join(self.mod, "..", "report.json")
        junit = os.path.join(self.mod, "..", "junit.xml")
        rc, so, se, _ = self.lg("run", "--json", out, "--junit", junit, *extra, *pkgs)
        rep = load_report(out) if os.path.exists(out) and rc in (0, 1) else None
        return rc, so, se, rep, junit


def pkg_of(rep, name):
    for p in rep["packages"]:
        if p["import_path"] == MODULE + "/" + name:
            return p
    return None


def update_and_run(c, e):
    rc, so, se, _ = e.lg("baseline", "update", *PKGS)
    c.check("update: exit 0", rc == 0, se + so)
    c.check("update: summary", "5 written" in se, se)
    for name in ["rangeleak", "sendleak", "loopcapture", "clean", "heapleak"]:
        ok = os.path.exists(e.path(name))
        c.check(f"update: {name} file written", ok, os.listdir(e.dir) if os.path.isdir(e.dir) else "")
        if ok:
            data = e.read(name)
            valid, why = e.valid(data)
            c.check(f"update: {name} validates against baseline.schema.json", valid, why)
            c.check(f"update: {name} records its package", data["package"] == MODULE + "/" + name)
    data = e.read("loopcapture")
    c.check("update: loopcapture records 4 goroutines",
            sum(g["count"] for g in data["leaks"]) == 4, data["leaks"])
    data = e.read("rangeleak")
    g = data["leaks"][0] if data["leaks"] else {}
    c.check("update: rangeleak entry has wait reason, creator, example, pattern",
            g.get("wait_reason") == "chan receive" and "rangeleak" in (g.get("creator_func") or "")
            and re.match(r"rangeleak/rangeleak\.go:\d+$", g.get("example") or "")
            and g.get("pattern") == "range-unclosed-chan", g)
    c.check("update: go version recorded", (data.get("go_version") or "").startswith("go1."), data)
    c.check("update: heap envelope recorded", (e.read("heapleak").get("heap_growth") or {}).get("max", 0) > 4 << 20,
            e.read("heapleak").get("heap_growth"))

    before = {n: open(e.path(n), "rb").read() for n in ["rangeleak", "loopcapture"]}
    rc, so, se, _ = e.lg("baseline", "update", *PKGS)
    c.check("update again: nothing changes for the gate, files untouched",
            rc == 0 and "0 written" in se and all(open(e.path(n), "rb").read() == before[n] for n in before), se)

    rc, so, se, rep, junit = e.report(*PKGS)
    c.check("run with baselines: exit 0", rc == 0, so + se)
    if rep:
        p = pkg_of(rep, "loopcapture")
        chk = check_of(p, "goroutine-leaks")
        c.check("run: leak check passes within the baseline",
                chk["status"] == "passed" and "4 goroutines leaked, all within the baseline" in chk["message"], chk)
        c.check("run: report says the verdict came from the baseline",
                chk.get("baselined") is True and fname("loopcapture") in (chk.get("baseline_note") or ""), chk)
        c.check("run: leak groups marked baselined", all(g.get("baselined") for g in p["leaks"]), p["leaks"])
        hchk = check_of(pkg_of(rep, "heapleak"), "heap-growth")
        c.check("run: heap growth within the envelope passes", hchk["status"] == "passed" and hchk.get("baselined"), hchk)
        if jsonschema:
            try:
                jsonschema.validate(rep, e.report_schema)
                c.check("run: report validates against run-report.schema.json", True)
            except jsonschema.ValidationError as err:
                c.check("run: report validates against run-report.schema.json", False, str(err)[:400])
    xml = open(junit, encoding="utf-8").read()
    c.check("run: JUnit says which verdicts came from the baseline",
            re.search(r'name="leakgate:goroutine-leaks" classname="leakgate.test/fixtures/loopcapture"[^>]*>\s*<system-out>baseline ', xml),
            xml[:300])
    c.check("run: terminal shows baselined goroutines", "baselined goroutine" in so, so)
    ok, msg = xmllint_schema(junit, os.path.join(SOURCE_DIR, "schema", "junit.xsd"))
    c.check("run: JUnit with baseline notes validates against schema/junit.xsd", ok, msg)


def new_leak(c, e):
    extra = os.path.join(e.mod, "clean", "zz_newleak_test.go")
    with open(extra, "w") as f:
        f.write('package clean\n\nimport "testing"\n\nfunc TestNewLeak(t *testing.T) {\n'
                '\tch := make(chan int)\n\tgo func() { <-ch }() // LEAK\n}\n')
    rc, so, se, rep, _ = e.report("./clean", "./rangeleak")
    os.unlink(extra)
    c.check("new leak: run fails", rc == 1, so + se)
    if rep:
        chk = check_of(pkg_of(rep, "clean"), "goroutine-leaks")
        c.check("new leak: message says beyond the baseline",
                chk["status"] == "failed" and "1 goroutine leaked beyond the baseline" in chk["message"], chk)
        g = pkg_of(rep, "clean")["leaks"][0]
        c.check("new leak: group noted as new", not g["baselined"] and "new: not in the baseline" in g["baseline_note"], g)
        c.check("new leak: the other package still passes", pkg_of(rep, "rangeleak")["passed"])
    c.check("new leak: terminal shows file:line", re.search(r"clean/zz_newleak_test\.go:7: 1 leaked goroutine", so), so)

    e.edit("loopcapture", lambda d: d["leaks"][0].update(count=2))
    rc, so, se, rep, _ = e.report("./loopcapture")
    c.check("count up: run fails", rc == 1, so + se)
    if rep:
        chk = check_of(pkg_of(rep, "loopcapture"), "goroutine-leaks")
        c.check("count up: 2 beyond the baseline", "2 goroutines leaked beyond the baseline" in chk["message"], chk)
        c.check("count up: group note", "4 goroutines, the baseline accepts 2" in pkg_of(rep, "loopcapture")["leaks"][0]["baseline_note"])
    rc, so, se, _ = e.lg("baseline", "diff", "./loopcapture")
    c.check("diff: reports the count change, exit 1", rc == 1 and "count 2 -> 4" in so, so + se)
    rc, so, se, _ = e.lg("baseline", "update", "./loopcapture")
    c.check("update restores the count", rc == 0 and e.read("loopcapture")["leaks"][0]["count"] == 4, so + se)
    rc, so, se, _ = e.lg("baseline", "diff", "./loopcapture", "./rangeleak")
    c.check("diff: nothing to change, exit 0", rc == 0 and "0 would change" in se, so + se)


def fixed_leak(c, e):
    src = os.path.join(e.mod, "rangeleak", "rangeleak_test.go")
    orig = open(src).read()
    fixed = orig.replace("// Bug: close(in) is missing", "close(in) // fixed")
    open(src, "w").write(fixed)
    rc, so, se, rep, _ = e.report("./rangeleak")
    c.check("fixed leak: run passes", rc == 0, so + se)
    c.check("fixed leak: note on the terminal",
            "no longer occurs: fixed — shrink the baseline" in so and fname("rangeleak") in so, so)
    if rep:
        chk = check_of(pkg_of(rep, "rangeleak"), "goroutine-leaks")
        c.check("fixed leak: check message has the note", "fixed — shrink the baseline" in chk["message"], chk)
    rc, so, se, rep, _ = e.report("./rangeleak", extra=["--strict"])
    c.check("fixed leak: --strict fails", rc == 1, so + se)
    c.check("fixed leak: --strict says why", "goroutine-leaks:" in so and "(--strict)" in so, so)
    rc, so, se, _ = e.lg("baseline", "diff", "./rangeleak")
    c.check("fixed leak: diff shows the removal", rc == 1 and "- leak group" in so, so)
    open(src, "w").write(orig)


def expiry_and_user_fields(c, e):
    def set_fields(d, expires):
        d["leaks"][0].update(reason="upstream bug #42", owner="team-infra", expires=expires)

    e.edit("sendleak", lambda d: set_fields(d, "2001-02-03"))
    rc, so, se, rep, _ = e.report("./sendleak")
    c.check("expired entry: run fails", rc == 1, so + se)
    if rep:
        chk = check_of(pkg_of(rep, "sendleak"), "goroutine-leaks")
        c.check("expired entry: message", "1 baseline entry expired" in chk["message"], chk)
        c.check("expired entry: group note names the date and owner",
                "expired on 2001-02-03 (owner team-infra" in pkg_of(rep, "sendleak")["leaks"][0]["baseline_note"])
    e.edit("sendleak", lambda d: set_fields(d, "2999-12-31"))
    rc, so, se, _ = e.lg("run", "./sendleak")
    c.check("entry expiring later: run passes", rc == 0, so + se)
    rc, so, se, _ = e.lg("baseline", "update", "--force", "./sendleak")
    g = e.read("sendleak")["leaks"][0]
    c.check("update keeps reason, owner, expires",
            rc == 0 and g["reason"] == "upstream bug #42" and g["owner"] == "team-infra"
            and g["expires"] == "2999-12-31", g)
    rc, so, se, _ = e.lg("baseline", "show", "./sendleak")
    c.check("show: prints entry and user fields",
            rc == 0 and "reason: upstream bug #42; owner: team-infra; expires: 2999-12-31" in so
            and "send-no-receiver" in so, so + se)


def heap_envelope(c, e):
    saved = e.read("heapleak")
    e.edit("heapleak", lambda d: d.update(heap_growth={"runs": 1, "min": 2 << 20, "median": 2 << 20, "max": 2 << 20}))
    rc, so, se, rep, _ = e.report("./heapleak")
    c.check("heap above envelope: run fails", rc == 1, so + se)
    if rep:
        chk = check_of(pkg_of(rep, "heapleak"), "heap-growth")
        c.check("heap above envelope: message names the baseline max and limit",
                chk["status"] == "failed" and "baseline max 2048.0 KiB" in chk["message"]
                and "limit 2560.0 KiB" in chk["message"], chk)
    e.write("heapleak", saved)
    rc, so, se, _ = e.lg("run", "--count", "3", "./heapleak")
    c.check("--count 3: run passes within the envelope", rc == 0, so + se)
    rc, so, se, _ = e.lg("baseline", "update", "--force", "--count", "3", "./heapleak")
    h = e.read("heapleak").get("heap_growth") or {}
    c.check("--count 3: update records a band of 3 runs",
            rc == 0 and h.get("runs") == 3 and h["min"] <= h["median"] <= h["max"], h)


def corrupt_files(c, e):
    good = open(e.path("clean"), "rb").read()
    cases = [
        ("truncated", good[: len(good) // 2], [fname("clean"), ":"]),
        ("empty", b"", [fname("clean"), "empty file"]),
        ("future schema", good.replace(b'"schema_version": 1', b'"schema_version": 7'),
         [fname("clean"), "newer leakgate (schema 7"]),
        ("wrong type", good.replace(b'"leaks": []', b'"leaks": {}'), [fname("clean"), "leaks: expected an array"]),
    ]
    for name, data, want in cases:
        with open(e.path("clean"), "wb") as f:
            f.write(data)
        rc, so, se, _ = e.lg("run", "./clean")
        c.check(f"{name} baseline: run stops with exit 2", rc == 2, f"rc={rc} {se}")
        c.check(f"{name} baseline: error names the file and problem", all(w in se for w in want), se)
        rc, so, se, _ = e.lg("baseline", "update", "./clean")
        c.check(f"{name} baseline: update refuses to overwrite it", rc == 2 and open(e.path("clean"), "rb").read() == data, se)
    with open(e.path("clean"), "wb") as f:
        f.write(good)


def validate_all(e):
    """Every baseline file parses (json, schema, leakgate itself); returns problems."""
    problems = []
    for n in sorted(os.listdir(e.dir)):
        p = os.path.join(e.dir, n)
        if n.startswith("."):
            continue
        try:
            with open(p, encoding="utf-8") as f:
                data = json.load(f)
            ok, why = e.valid(data)
            if not ok:
                problems.append(f"{n}: {why}")
        except ValueError as err:
            problems.append(f"{n}: {err}")
    rc, so, se, _ = e.lg("baseline", "show")
    if rc != 0:
        problems.append(f"baseline show: rc={rc} {se}")
    return problems


def kill_during_update(c, e):
    pkgs = ["./rangeleak", "./sendleak", "./clean", "./loopcapture"]
    start = time.monotonic()
    rc, _, se, _ = e.lg("baseline", "update", "--force", *pkgs)
    span = time.monotonic() - start
    c.check("kill -9: reference update works", rc == 0, se)
    rng = random.Random(int(os.environ.get("LG_SEED", "5")))
    kills = torn = 0
    for i in range(14):
        t0 = time.monotonic()
        p = subprocess.Popen([LEAKGATE, "baseline", "update", "--force", *pkgs], cwd=e.mod,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        # Most kills land late in the update, where the files are written.
        time.sleep(rng.uniform(0.5, 0.95) * span if i % 2 else rng.uniform(0, 0.95) * span)
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            kills += 1
        else:  # finished first: the machine got faster, aim earlier next time
            span = min(span, time.monotonic() - t0)
        p.wait()
        problems = validate_all(e)
        if problems:
            torn += 1
            c.check(f"kill -9 #{i}: every file parses", False, problems)
    c.check("kill -9: killed at least 7 of 14 updates mid-way", kills >= 7, kills)
    c.check("kill -9: no torn baseline", torn == 0)
    rc, so, se, _ = e.lg("baseline", "update", *pkgs)
    c.check("kill -9: the next update removes stale temporary files",
            rc == 0 and not [n for n in os.listdir(e.dir) if ".tmp." in n], os.listdir(e.dir))


def concurrent_updates(c, e):
    pkgs = ["./rangeleak", "./sendleak", "./clean"]
    procs = [subprocess.Popen([LEAKGATE, "baseline", "update", "--force", *pkgs], cwd=e.mod,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    c.check("concurrent updates: both succeed", all(p.returncode == 0 for p in procs), outs)
    c.check("concurrent updates: both wrote", all("3 written" in o[1] for o in outs), outs)
    c.check("concurrent updates: files intact", not validate_all(e), validate_all(e))
    c.check("concurrent updates: no temporary files", not [n for n in os.listdir(e.dir) if ".tmp." in n])


class Handler(http.server.SimpleHTTPRequestHandler):
    delay = 0.0
    fail = False

    def do_GET(self):
        if Handler.delay:
            time.sleep(Handler.delay)
        if Handler.fail:
            self.send_error(500, "Broken")
            return
        super().do_GET()

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # clients that time out on purpose close the connection early


def serve(directory):
    handler = lambda *a, **kw: Handler(*a, directory=directory, **kw)  # noqa: E731
    srv = Server(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def remote(c, e, root):
    pub = os.path.join(root, "published")
    shutil.rmtree(pub, ignore_errors=True)
    shutil.copytree(e.dir, pub)
    os.unlink(os.path.join(pub, fname("sendleak")))  # not published: a 404
    hidden = e.dir + ".off"
    os.rename(e.dir, hidden)  # the run must use the URL, not the directory
    srv = serve(pub)
    url = f"http://127.0.0.1:{srv.server_address[1]}/"
    try:
        rc, so, se, rep, _ = e.report("./rangeleak", "./loopcapture", "./sendleak", extra=["--baseline", url])
        c.check("remote 200: baselined packages pass", rep and pkg_of(rep, "rangeleak")["passed"]
                and pkg_of(rep, "loopcapture")["passed"], so + se)
        c.check("remote 404: reported explicitly",
                f"{MODULE}/sendleak: no published baseline (404 at {url}{fname('sendleak')})" in so, so)
        c.check("remote 404: that package is gated without a baseline",
                rc == 1 and rep and not pkg_of(rep, "sendleak")["passed"], so)
        c.check("remote: summary names the URL", f"baselines from {url}: 2 packages compared, 1 without" in se, se)
        Handler.delay = 4.0
        t0 = time.monotonic()
        rc, so, se, _ = e.lg("run", "--baseline", url, "--baseline-timeout", "1s", "./rangeleak")
        c.check("remote slow: timeout fails the run (exit 3)", rc == 3 and "timed out" in se, f"rc={rc} {se}")
        c.check("remote slow: within the timeout's bound", time.monotonic() - t0 < 60)
        Handler.delay = 0
        Handler.fail = True
        rc, so, se, _ = e.lg("run", "--baseline", url, "./rangeleak")
        c.check("remote 500: fails clearly (exit 3)", rc == 3 and "500" in se and fname("rangeleak") in se, f"rc={rc} {se}")
        Handler.fail = False
        rc, so, se, _ = e.lg("run", "--baseline", f"http://127.0.0.1:{srv.server_address[1]}/nothing/here", "./rangeleak")
        c.check("remote wrong directory: every package 404, gate without baselines fails", rc == 1 and "404" in so, so + se)
        rc, so, se, _ = e.lg("run", "--baseline", "file://" + pub, "./rangeleak", "./sendleak")
        c.check("file:// URL: compared, missing file reported like a 404",
                rc == 1 and "1 packages compared" not in se and "no published baseline" in so
                and "1 package compared" in se, so + se)
        with open(os.path.join(pub, fname("rangeleak")), "w") as f:
            f.write('{"schema_version": 1, "tool": "leakgate", "package": ')
        rc, so, se, _ = e.lg("run", "--baseline", url, "./rangeleak")
        c.check("remote truncated file: fails naming the URL", rc == 2 and url + fname("rangeleak") in se, f"rc={rc} {se}")
        rc, so, se, _ = e.lg("baseline", "update", "--baseline", url, "./rangeleak")
        c.check("update refuses a URL", rc == 2 and "read-only" in se, se)
    finally:
        srv.shutdown()
        os.rename(hidden, e.dir)


def demo_current(c, e):
    """The committed baselines of the demo module match what a run records now."""
    demo = os.path.join(SOURCE_DIR, "tests", "demo")
    top = os.path.join(SOURCE_DIR, "baselines")
    files = sorted(n for n in os.listdir(top) if n.endswith(".json"))
    c.check("demo: baselines committed for api, textutil, worker",
            files == ["leakgate.test~demo~api.json", "leakgate.test~demo~textutil.json",
                      "leakgate.test~demo~worker.json"], files)
    for n in files:
        with open(os.path.join(top, n), encoding="utf-8") as f:
            ok, why = e.valid(json.load(f))
        c.check(f"demo: {n} validates against baseline.schema.json", ok, why)
    rc, so, se, _ = run_leakgate(["baseline", "diff", "--baselines", top], demo)
    c.check("demo: baseline diff finds nothing to change (re-record with "
            "`leakgate baseline update --baselines ../../baselines` in tests/demo)",
            rc == 0 and "0 would change, 3 unchanged" in se, so + se)
    rc, so, se, _ = run_leakgate(["run", "--baselines", top, "./..."], demo)
    c.check("demo: with its baselines only ledger fails",
            rc == 1 and re.search(r"ok +leakgate.test/demo/api .*1 baselined goroutine", so)
            and re.search(r"ok +leakgate.test/demo/worker .*3 baselined goroutines", so)
            and re.search(r"FAIL +leakgate.test/demo/ledger", so), so)


def main():
    c = Checker()
    root, mod = setup_module()
    e = Env(c, mod)
    c.check("jsonschema available", jsonschema is not None)
    update_and_run(c, e)
    new_leak(c, e)
    fixed_leak(c, e)
    expiry_and_user_fields(c, e)
    heap_envelope(c, e)
    corrupt_files(c, e)
    kill_during_update(c, e)
    concurrent_updates(c, e)
    remote(c, e, root)
    demo_current(c, e)
    c.finish()


if __name__ == "__main__":
    main()
