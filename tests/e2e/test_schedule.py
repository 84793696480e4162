"""End to end: longest-first scheduling from the package times in the build cache.

Purpose: `leakgate run` records each package's measured time (lean run, and
whether it needed an evidence run) in times.json in its build cache, and
the next run starts packages in decreasing order of expected time.  First
and warm runs alike build them with one go test -c.  On a
small module made here (two quick packages listed before a slow one), with
-p 1 so the order of the result lines is the start order: the first run
keeps the go list order, the second starts the slow package first; a
package whose heap check fails records that it needed an evidence run, and
a run of some packages keeps the others' times; a corrupt times file and
one of a newer version are noted on stderr and never fail the run (the
newer one is left as it was, the corrupt one is written anew).

A package whose leaks needed an evidence run (goroutines of a helper that
only ancestry can tie to the test) gets the evidence settings in its next
first run (evidence_run "first-run": one run, the same group, named test
and `go` statement); --no-history runs it lean first again; once fixed it
passes in that one run, and the run after is lean.
"""
import glob
import json
import os
import re
import shutil

from lgtest import WORK, Checker, run_leakgate

MODULE = "sched.test/m"
QUICK = 'package {0}\n\nimport "testing"\n\nfunc TestQuick(t *testing.T) {{}}\n'
SLOW = ('package z\n\nimport (\n\t"testing"\n\t"time"\n)\n\n'
        'func TestSlow(t *testing.T) { time.Sleep(1500 * time.Millisecond) }\n')
# 4 MiB kept past the tests: the heap check fails, so an evidence run follows
HEAP = ('package h\n\nimport "testing"\n\nvar keep [][]byte\n\n'
        'func TestGrow(t *testing.T) {\n\tfor i := 0; i < 64; i++ {\n'
        '\t\tkeep = append(keep, make([]byte, 64<<10))\n\t}\n}\n')


# a goroutine started by a helper in another file: the lean run cannot name
# the test behind it (no ancestry), so the package needs an evidence run
LEAKY = ('package l\n\nfunc Start(ch chan int) {\n\tgo func() { <-ch }()\n}\n')
LEAKY_TEST = ('package l\n\nimport "testing"\n\nfunc TestLeaks(t *testing.T) { Start(make(chan int)) }\n')
FIXED_TEST = ('package l\n\nimport "testing"\n\n'
              'func TestLeaks(t *testing.T) { ch := make(chan int); Start(ch); ch <- 1 }\n')


# six tests that each start 100 goroutines that end, and one whose helper's
# goroutine stays: a targeted run of the tests around it names the test
TARGETED = ('package t\n\nimport "sync"\n\nfunc Start(ch chan int) {\n\tgo func() { <-ch }()\n}\n\n'
            'func Spin() {\n\tvar wg sync.WaitGroup\n\tfor i := 0; i < 100; i++ {\n'
            '\t\twg.Add(1)\n\t\tgo func() { wg.Done() }()\n\t}\n\twg.Wait()\n}\n')
TARGETED_TEST = ('package t\n\nimport "testing"\n\n' + "".join(
    f"func Test{n}(t *testing.T) {{ Spin() }}\n" for n in ("A", "B", "C"))
    + 'func TestLeaks(t *testing.T) { Start(make(chan int)); Spin() }\n' + "".join(
    f"func Test{n}(t *testing.T) {{ Spin() }}\n" for n in ("D", "E", "F")))


def make_module(root):
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "l"))
    with open(os.path.join(root, "l", "l.go"), "w") as f:
        f.write(LEAKY)
    with open(os.path.join(root, "l", "l_test.go"), "w") as f:
        f.write(LEAKY_TEST)
    os.makedirs(os.path.join(root, "t"))
    with open(os.path.join(root, "t", "t.go"), "w") as f:
        f.write(TARGETED)
    with open(os.path.join(root, "t", "t_test.go"), "w") as f:
        f.write(TARGETED_TEST)
    for name, text in (("a", QUICK.format("a")), ("b", QUICK.format("b")), ("z", SLOW), ("h", HEAP)):
        os.makedirs(os.path.join(root, name))
        with open(os.path.join(root, name, name + "_test.go"), "w") as f:
            f.write(text)
    with open(os.path.join(root, "go.mod"), "w") as f:
        f.write(f"module {MODULE}\n\ngo 1.21\n")


def order(out):
    """The packages in the order their result lines came (-p 1: start order)."""
    return [m.group(1)[len(MODULE) + 1:] for m in
            re.finditer(r"^(?:ok|FAIL)\s+(" + re.escape(MODULE) + r"/\S+)", out, re.M)]


def build_timing(report):
    """Package (short name) -> build_timing of a JSON report."""
    try:
        doc = json.load(open(report))
    except (OSError, ValueError):
        return None
    return {p["import_path"][len(MODULE) + 1:]: p.get("build_timing") for p in doc["packages"]}


def times_file(cache):
    files = glob.glob(os.path.join(cache, "*", "times.json"))
    return files[0] if len(files) == 1 else None


def leak_run(c, root, env, what, history=True, extra=()):
    """Runs ./l; returns its report entry."""
    rep = os.path.join(WORK, "schedule", "l.json")
    rc, out, err, _ = run_leakgate(["run", "-p", "1", "--json", rep, *extra, "./l"], root, env=env,
                                   history=history)
    c.check(f"{what}: a report", os.path.exists(rep), err[-2000:])
    p = json.load(open(rep))["packages"][0]
    os.remove(rep)
    return rc, p


def group_ok(p):
    g = p.get("leaks") or [{}]
    return (len(p.get("leaks") or []) == 1 and g[0].get("test") == "TestLeaks"
            and (g[0].get("created_at") or {}).get("file") == "l/l.go")


def direct_checks(c, root, env, path):
    rc, p = leak_run(c, root, env, "leak, first time")
    c.check("leak, first time: fails, lean run then evidence run",
            rc == 1 and p.get("evidence_run") == "used" and group_ok(p), p)
    need = json.load(open(path))["packages"].get(MODULE + "/l", {})
    c.check("times.json: the leaking package needed an evidence run",
            need.get("evidence") is True and "heap_passes" not in need, need)

    rc, p = leak_run(c, root, env, "leak, again")
    c.check("leak, again: fails in one run with the evidence settings (first-run)",
            rc == 1 and p.get("evidence_run") == "first-run", p.get("evidence_run"))
    c.check("leak, again: the same group, its test and go statement named", group_ok(p), p.get("leaks"))

    rc, p = leak_run(c, root, env, "leak, --no-history", history=False)
    c.check("leak, --no-history: a lean run first again",
            rc == 1 and p.get("evidence_run") == "used" and group_ok(p), p.get("evidence_run"))

    with open(os.path.join(root, "l", "l_test.go"), "w") as f:
        f.write(FIXED_TEST)
    rc, p = leak_run(c, root, env, "fixed")
    c.check("fixed: passes in its one run with the evidence settings",
            rc == 0 and p.get("evidence_run") == "first-run" and not p.get("leaks"), p)
    need = json.load(open(path))["packages"].get(MODULE + "/l", {})
    c.check("times.json: the fixed package needs no evidence run", need.get("evidence") is False, need)
    rc, p = leak_run(c, root, env, "fixed, again")
    c.check("fixed, again: one lean run", rc == 0 and p.get("evidence_run") == "none", p.get("evidence_run"))


def targeted_checks(c, root, env, path):
    """A package whose leak a targeted run named runs lean again next time."""
    for what in ("targeted, first time", "targeted, again"):
        rep = os.path.join(WORK, "schedule", "t.json")
        rc, out, err, _ = run_leakgate(["run", "-p", "1", "--json", rep, "./t"], root, env=env,
                                       history=True)
        try:
            p = json.load(open(rep))["packages"][0]
        except (OSError, ValueError, KeyError, IndexError) as e:
            c.check(f"{what}: a report", False, f"{e} {err[-1000:]}")
            return
        detail = next((k.get("detail") or "" for k in p["checks"] if k["kind"] == "goroutine-leaks"), "")
        c.check(f"{what}: lean run, then only the tests around the leak again, naming TestLeaks",
                rc == 1 and p.get("evidence_run") == "used"
                and [g.get("test") for g in p.get("leaks") or []] == ["TestLeaks"]
                and "again alone, picked by goroutine id" in detail, (p.get("evidence_run"), detail[-500:]))
        need = json.load(open(path))["packages"].get(MODULE + "/t", {})
        c.check(f"{what}: times.json says a targeted run named it",
                need.get("evidence") is True and need.get("targeted") is True, need)


def main():
    c = Checker()
    root = os.path.join(WORK, "schedule", "mod")
    cache = os.path.join(WORK, "schedule", "cache")
    make_module(root)
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, LEAKGATE_CACHE=cache)
    pkgs = ["./a", "./b", "./z"]

    rep = os.path.join(WORK, "schedule", "first.json")
    rc, out, err, _ = run_leakgate(["run", "-p", "1", "--json", rep] + pkgs, root, env=env, history=True)
    c.check("first run passes", rc == 0, err[-2000:])
    timing = build_timing(rep)
    c.check("first run (no binary cached): one go test -c for all",
            timing == {"a": "batch", "b": "batch", "z": "batch"}, timing)
    c.check("first run: go list order", order(out) == ["a", "b", "z"], out)
    c.check("first run: no note about times", "package times" not in err, err[-2000:])
    path = times_file(cache)
    if not c.check("times.json written", path is not None, os.listdir(cache) if os.path.isdir(cache) else "no cache"):
        c.finish()
    doc = json.load(open(path))
    c.check("times.json: version 1, this module's root",
            doc.get("version") == 1 and doc.get("module_root") == os.path.realpath(root), doc)
    z = doc["packages"].get(MODULE + "/z", {})
    c.check("times.json: the slow package took its 1.5 s, no evidence run",
            z.get("lean_seconds", 0) >= 1.5 and z.get("evidence") is False, z)

    rep = os.path.join(WORK, "schedule", "second.json")
    rc, out, err, _ = run_leakgate(["run", "-p", "1", "--json", rep] + pkgs, root, env=env, history=True)
    c.check("second run passes", rc == 0, err[-2000:])
    timing = build_timing(rep)
    c.check("second run (binaries cached): one go test -c for all",
            timing == {"a": "batch", "b": "batch", "z": "batch"}, timing)
    c.check("second run: the slow package starts first", order(out)[:1] == ["z"], out)

    rc, out, err, _ = run_leakgate(["run", "-p", "1", "./h"], root, env=env, history=True)
    c.check("heap package fails its heap check", rc == 1, out[-2000:] + err[-2000:])
    doc = json.load(open(path))
    h = doc["packages"].get(MODULE + "/h", {})
    c.check("times.json: the heap package needed an evidence run", h.get("evidence") is True, h)
    c.check("times.json: a run of one package keeps the others' times",
            all(MODULE + "/" + p in doc["packages"] for p in ("a", "b", "z")), doc["packages"].keys())

    direct_checks(c, root, env, path)
    targeted_checks(c, root, env, path)

    with open(path, "w") as f:
        f.write('{"version": 1, "module_root": "')  # cut short
    rc, out, err, _ = run_leakgate(["run", "-p", "1"] + pkgs, root, env=env, history=True)
    c.check("corrupt times: the run still passes", rc == 0, err[-2000:])
    c.check("corrupt times: a note says they were ignored",
            "package times ignored" in err and "go list order" in err, err[-2000:])
    c.check("corrupt times: go list order", order(out) == ["a", "b", "z"], out)
    try:
        ok = json.load(open(path)).get("version") == 1
    except ValueError:
        ok = False
    c.check("corrupt times: written anew", ok, open(path).read()[:300])

    newer = '{"version": 99, "module_root": "x", "packages": {}, "future": true}'
    with open(path, "w") as f:
        f.write(newer)
    rc, out, err, _ = run_leakgate(["run", "-p", "1"] + pkgs, root, env=env, history=True)
    c.check("newer times: the run still passes", rc == 0, err[-2000:])
    c.check("newer times: a note names the newer leakgate", "newer leakgate (version 99" in err,
            err[-2000:])
    c.check("newer times: the file is left as it was", open(path).read() == newer, open(path).read()[:300])
    c.finish()


if __name__ == "__main__":
    main()
