"""End to end: leakgate's own I/O and memory failing.  tests/fault/lgfault.c
is preloaded into the real leakgate binary and makes write(2) to regular files
fail after N calls (ENOSPC, EIO), writes short, fsync fail, reads short, or
malloc/calloc/realloc fail after N calls (and from then on).

For `report`, `run` and `baseline update`, at every N: the exit code is 3
(cannot write) or the normal one, stderr names the file that could not be
written, nothing crashes, and every output file is either what it was before
or complete — never torn — with no temporary file left beside it.  Short
writes and short reads change nothing at all.  Out of memory, at every N, is
exit 3 with the one line "leakgate: out of memory (N bytes)" (or the C
library's "Cannot allocate memory" naming what failed), never a signal or a
core dump, and the same rule for the output files; the closing line counts
the faults injected and survived.  A run killed with SIGKILL leaves its
work directory, which the next run removes.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET

from lgtest import FIXTURES, LEAKGATE, SOURCE_DIR, WORK, Checker

SHIM = os.path.join(os.environ.get("LG_BINARY_DIR", os.path.join(SOURCE_DIR, "build")),
                    "tests", "liblgfault.so")
OLD = "OLD CONTENT\n"


def run(args, cwd, **fault):
    env = dict(os.environ, LD_PRELOAD=SHIM)
    env.update({k: str(v) for k, v in fault.items()})
    p = subprocess.run([LEAKGATE] + args, cwd=cwd, env=env, capture_output=True, text=True,
                       errors="replace", timeout=600)
    return p.returncode, p.stdout, p.stderr


def complete(path):
    """1 when the file is a whole document of its kind."""
    text = open(path, encoding="utf-8", errors="replace").read()
    if text == OLD:
        return True
    try:
        if path.endswith(".xml"):
            ET.fromstring(text)
        elif path.endswith(".json") or path.endswith(".sarif"):
            json.loads(text)
        elif path.endswith(".html"):
            return text.rstrip().endswith("</html>")
        elif path.endswith(".md"):
            return "leakgate" in text
        return True
    except (ET.ParseError, ValueError):
        return False


def no_crash(c, name, code, err):
    c.check(f"{name}: no crash", code in (0, 1, 3) and "Segmentation" not in err
            and "AddressSanitizer" not in err and "out of memory" not in err, (code, err[-600:]))


def report_faults(c, base, d):
    outs = {"junit": "r.xml", "json": "r.json", "sarif": "r.sarif", "markdown": "r.md", "html": "r.html"}
    for errno_name in ("ENOSPC", "EIO"):
        for n in list(range(0, 10)) + [100000]:
            for f in outs.values():
                with open(os.path.join(d, f), "w") as fh:
                    fh.write(OLD)
            args = ["report", base] + [f"--format={k}={os.path.join(d, f)}" for k, f in outs.items()]
            code, out, err = run(args, d, LGFAULT_WRITE_AFTER=n, LGFAULT_ERRNO=errno_name)
            name = f"report {errno_name} after {n}"
            no_crash(c, name, code, err)
            if code == 3:
                c.check(f"{name}: names the file and the reason",
                        "cannot write '" in err and ("No space left" in err or "Input/output" in err), err[-400:])
                c.check(f"{name}: one error line, no library noise", "I/O error" not in err, err[-400:])
            for f in outs.values():
                path = os.path.join(d, f)
                c.check(f"{name}: {f} old or complete", complete(path))
                if code != 3:
                    c.check(f"{name}: exit 0 means {f} was written", open(path).read() != OLD, (code, err[-300:]))
            left = [x for x in os.listdir(d) if x not in outs.values() and x != os.path.basename(base)]
            c.check(f"{name}: no temporary file left", not left, left)


def report_other_faults(c, base, d):
    want = os.path.join(d, "want.xml")
    code, _, err = run(["report", base, f"--format=junit={want}"], d)
    c.check("report without faults", code == 0, err)
    got = os.path.join(d, "short.xml")
    code, _, err = run(["report", base, f"--format=junit={got}"], d, LGFAULT_SHORT_WRITE=1)
    c.check("short writes: same bytes", code == 0 and open(got).read() == open(want).read(), err)
    with open(got, "w") as fh:
        fh.write(OLD)
    code, _, err = run(["report", base, f"--format=junit={got}"], d, LGFAULT_FSYNC=1)
    c.check("fsync failing: exit 3 naming the file", code == 3 and "short.xml" in err, (code, err))
    c.check("fsync failing: old file kept", open(got).read() == OLD)


def short_reads(c, d):
    for dump in sorted(glob.glob(os.path.join(SOURCE_DIR, "tests", "fixtures", "dumps", "go12*_*.txt")))[:6] + \
            sorted(glob.glob(os.path.join(SOURCE_DIR, "tests", "fixtures", "pprof", "*.pb.gz")))[:3]:
        a = subprocess.run([LEAKGATE, "stacks", "--json", dump], capture_output=True)
        code, out, err = run(["stacks", "--json", dump], d, LGFAULT_SHORT_READ=1)
        c.check(f"short reads: stacks {os.path.basename(dump)} identical",
                code == a.returncode and out.encode() == a.stdout, err[-300:])


def run_faults(c, d):
    for n in (0, 2, 6, 20, 60):
        junit, rep = os.path.join(d, f"run{n}.xml"), os.path.join(d, f"run{n}.json")
        for f in (junit, rep):
            with open(f, "w") as fh:
                fh.write(OLD)
        code, out, err = run(["run", "--junit", junit, "--json", rep, "./clean"], FIXTURES,
                             LGFAULT_WRITE_AFTER=n)
        name = f"run ENOSPC after {n}"
        no_crash(c, name, code, err)
        c.check(f"{name}: exit 3 with the reason, or the gate's verdict",
                (code == 3 and "No space left" in err) or code == 0, (code, err[-400:]))
        for f in (junit, rep):
            c.check(f"{name}: {os.path.basename(f)} old or complete", complete(f))


OOM_LINE = re.compile(r"^leakgate: out of memory \(\d+ bytes\)$", re.M)


class Tally:
    """Malloc faults: how many runs the fault hit, and how many of those survived."""

    def __init__(self):
        self.injected = self.survived = 0


def oom_checks(c, t, name, code, err, files, dirs):
    """The checks of one malloc fault run; returns whether the fault was hit."""
    hit = code == 3
    ok = c.check(f"{name}: exit 3 out of memory, or the normal verdict",
                 code in (0, 1, 3) and "Aborted" not in err and "core dumped" not in err, (code, err[-400:]))
    if hit:
        lines = OOM_LINE.findall(err)
        ok &= c.check(f"{name}: one clear line", len(lines) == 1 or
                      (not lines and "Cannot allocate memory" in err), err[-400:])
        ok &= c.check(f"{name}: the out-of-memory line is the last word", not lines or
                      err.rstrip().endswith(lines[0]), err[-400:])
    else:
        ok &= c.check(f"{name}: no out-of-memory line without exit 3", not OOM_LINE.search(err), err[-400:])
    for f in files:
        ok &= c.check(f"{name}: {os.path.basename(f)} old or complete", complete(f))
    for dd in dirs:
        stray = [x for x in os.listdir(dd) if ".tmp." in x]
        ok &= c.check(f"{name}: no temporary file left in {os.path.basename(dd)}", not stray, stray)
    if hit:
        t.injected += 1
        t.survived += ok
    return hit


def malloc_faults(c, base, d):
    t = Tally()
    rd = os.path.join(d, "oom-report")
    os.makedirs(rd)
    outs = [os.path.join(rd, f) for f in ("r.xml", "r.json", "r.sarif", "r.md", "r.html")]
    kinds = ("junit", "json", "sarif", "markdown", "html")
    for n in (0, 1, 3, 10, 30, 100, 300, 600, 1000, 1500, 1800, 2000, 2200, 2400, 2600, 10**8):
        for f in outs:
            with open(f, "w") as fh:
                fh.write(OLD)
        code, _, err = run(["report", base] + [f"--format={k}={f}" for k, f in zip(kinds, outs)], rd,
                           LGFAULT_MALLOC_AFTER=n)
        hit = oom_checks(c, t, f"report malloc fails after {n}", code, err, outs, [rd])
        if n == 10**8:
            c.check("report: a fault past the last allocation changes nothing", not hit and code == 0, err[-300:])
    # `run` of ./clean makes its work directory after about 1,250 allocations, `baseline update` of
    # two packages about 1,500, `report` to five formats about 2,700.
    # The work directory of a run that ran out of memory stays (removing it
    # would allocate); a later run in the same TMPDIR removes it.
    work = os.path.join(d, "oom-tmp")
    os.makedirs(work)
    left = 0
    for n in list(range(0, 2100, 100)) + [10**8]:
        junit, rep = os.path.join(d, f"oomrun{n}.xml"), os.path.join(d, f"oomrun{n}.json")
        for f in (junit, rep):
            with open(f, "w") as fh:
                fh.write(OLD)
        code, _, err = run(["run", "--junit", junit, "--json", rep, "./clean"], FIXTURES,
                           LGFAULT_MALLOC_AFTER=n, TMPDIR=work)
        oom_checks(c, t, f"run malloc fails after {n}", code, err, [junit, rep], [d])
        left = max(left, len(os.listdir(work)))
    print(f"oom: most run work directories left behind at once: {left}", flush=True)
    c.check("oom: some runs ran out of memory after making their work directory", left > 0, left)
    c.check("oom: the last run removed every one of them", not os.listdir(work), os.listdir(work))
    bdir = os.path.join(d, "oom-baselines")
    shutil.rmtree(bdir, ignore_errors=True)
    code, _, err = run(["baseline", "update", "--baselines", bdir, "./clean", "./rangeleak"], FIXTURES)
    c.check("oom: baseline update without faults", code == 0, err[-400:])
    files = [os.path.join(bdir, f) for f in os.listdir(bdir) if f.endswith(".json")]
    for n in list(range(0, 1600, 125)) + [10**8]:
        code, _, err = run(["baseline", "update", "--force", "--baselines", bdir, "./clean", "./rangeleak"],
                           FIXTURES, LGFAULT_MALLOC_AFTER=n)
        oom_checks(c, t, f"baseline update malloc fails after {n}", code, err, files, [bdir])
    c.check("malloc faults were injected", t.injected > 10, t.injected)
    print(f"malloc faults: {t.injected} injected, {t.survived} survived", flush=True)


def baseline_faults(c, d):
    bdir = os.path.join(d, "baselines")
    shutil.rmtree(bdir, ignore_errors=True)
    code, _, err = run(["baseline", "update", "--baselines", bdir, "./clean", "./rangeleak"], FIXTURES)
    c.check("baseline update without faults", code == 0, err[-400:])
    want = {f: open(os.path.join(bdir, f)).read() for f in os.listdir(bdir) if f.endswith(".json")}
    c.check("baseline files written", len(want) == 2, list(want))
    for n in (0, 1, 2, 3, 4, 12):
        code, out, err = run(["baseline", "update", "--force", "--baselines", bdir, "./clean", "./rangeleak"],
                             FIXTURES, LGFAULT_WRITE_AFTER=n)
        name = f"baseline update ENOSPC after {n}"
        no_crash(c, name, code, err)
        c.check(f"{name}: fails with the reason, or succeeds",
                (code == 3 and "No space left" in err) or (code == 0 and "2 written" in err), (code, err[-400:]))
        for f, text in want.items():
            now = open(os.path.join(bdir, f)).read()
            c.check(f"{name}: {f} unchanged or complete", now == text or json.loads(now), None)
        stray = [x for x in os.listdir(bdir) if not x.endswith(".json") and not x.startswith(".leakgate-baseline.lock")]
        c.check(f"{name}: no temporary file left", not stray, stray)


def killed_run(c):
    """A run killed with SIGKILL (as the OOM killer does) leaves its work
    directory with an owner file; the next run in the same TMPDIR removes it,
    and keeps one whose owner still lives."""
    work = os.path.join(WORK, "killed-tmp")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, TMPDIR=work)
    p = subprocess.Popen([LEAKGATE, "run", "--no-history", "./sleepleak", "./clean"], cwd=FIXTURES,
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    owned, deadline = [], time.monotonic() + 120
    while not owned and p.poll() is None and time.monotonic() < deadline:
        owned = [w for w in os.listdir(work) if os.path.exists(os.path.join(work, w, "owner"))]
        time.sleep(0.01)
    p.kill()
    p.wait()
    if not c.check("killed: the run had a work directory with an owner file", owned, os.listdir(work)):
        return
    c.check("killed: SIGKILL left it behind", os.path.isdir(os.path.join(work, owned[0])), os.listdir(work))
    live = os.path.join(work, "leakgate-live01")
    os.makedirs(live)
    with open(os.path.join(live, "owner"), "w") as fh:
        fh.write(f"{os.getpid()} {os.readlink('/proc/self/ns/pid')}\n")
    time.sleep(2)  # the killed run's go and test binary end on their own
    q = subprocess.run([LEAKGATE, "run", "--no-history", "./clean"], cwd=FIXTURES, env=env,
                       capture_output=True, text=True)
    c.check("killed: the next run passes", q.returncode == 0, q.stderr[-400:])
    after = os.listdir(work)
    c.check("killed: the next run removed the killed run's work directory", owned[0] not in after, after)
    c.check("killed: a work directory whose owner lives is kept", "leakgate-live01" in after, after)
    c.check("killed: the next run removed its own", len(after) == 1, after)
    shutil.rmtree(work, ignore_errors=True)


def main():
    c = Checker()
    killed_run(c)
    if not os.path.exists(SHIM):
        print(f"note: {SHIM} not built (sanitizer build); fault injection not run")
        c.finish()
    d = os.path.join(WORK, "faults")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    base = os.path.join(WORK, "faults-base.json")
    p = subprocess.run([LEAKGATE, "run", "--json", base, "./clean", "./rangeleak"], cwd=FIXTURES,
                       capture_output=True, text=True)
    c.check("a run to re-render", os.path.exists(base), p.stderr[-500:])
    rd = os.path.join(d, "report")
    os.makedirs(rd)
    shutil.copy(base, os.path.join(rd, "base.json"))
    report_faults(c, os.path.join(rd, "base.json"), rd)
    od = os.path.join(d, "other")
    os.makedirs(od)
    report_other_faults(c, base, od)
    short_reads(c, d)
    run_faults(c, d)
    baseline_faults(c, d)
    malloc_faults(c, base, d)
    c.finish()


if __name__ == "__main__":
    main()
