"""End to end: `leakgate watch` and `leakgate soak` on real Go services.

The services are tests/fixtures/services/svc (net/http/pprof on 127.0.0.1,
one handler per -kind: leak, concurrent, ticker, clean; -fault makes the
goroutine profile misbehave for real) driven by tests/fixtures/services/load
(a bounded number of loopback requests).  Each leaking `go` statement is
marked "// LEAK:" in svc/handlers.go; the verdict must name that line.
Nothing here is mocked; every service is killed at the end of its case.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

from lgtest import SOURCE_DIR, WORK, Checker, run_leakgate

SERVICES = os.path.join(SOURCE_DIR, "tests", "fixtures", "services")
OUT = tempfile.mkdtemp(prefix="lg-watch-", dir=os.environ.get("TMPDIR"))
c = Checker()


def build():
    os.makedirs(WORK, exist_ok=True)
    bins = {}
    for name in ("svc", "load"):
        bins[name] = os.path.join(WORK, f"services-{name}")
        subprocess.run(["go", "build", "-buildvcs=false", "-o", bins[name], f"./{name}"],
                       check=True, cwd=SERVICES)
    return bins


def leak_lines():
    """{'range': 18, ...}: the line of each marked `go` statement."""
    out = {}
    with open(os.path.join(SERVICES, "svc", "handlers.go"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            m = re.search(r"// LEAK: (\w+)", line)
            if m:
                out[m.group(1)] = n
    return out


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Service:
    def __init__(self, binary, *args):
        self.p = subprocess.Popen([binary, "-watch-stdin", *args], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        self.port = int(self.p.stdout.readline().strip() or 0)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.p.stdin.close()
        self.p.kill()
        self.p.wait()
        self.p.stdout.close()


def soak(bins, kind, extra=(), n=300, conc=8):
    port = free_port()
    start = f"{bins['svc']} -kind {kind} -addr 127.0.0.1:{port}"
    load = f"{bins['load']} -url http://127.0.0.1:{port}/work -n {n} -c {conc} -every 2ms"
    return run_leakgate(["soak", "--url", f"http://127.0.0.1:{port}", "--start", start,
                         "--load", load, "--interval", "1s", "--cool-down", "1s", *extra],
                        cwd=SERVICES, timeout=120)


def soak_hoard(bins):
    """A service that keeps 16 KiB per request and no goroutine: the heap verdict alone fails it."""
    rep = os.path.join(OUT, "soak-hoard.json")
    port = free_port()
    code, out, err, secs = run_leakgate(
        ["soak", "--url", f"http://127.0.0.1:{port}",
         "--start", f"{bins['svc']} -kind hoard -addr 127.0.0.1:{port}",
         "--load", f"{bins['load']} -url http://127.0.0.1:{port}/work -n 400 -c 2 -every 10ms",
         "--interval", "1s", "--cool-down", "1s", "--json", rep], cwd=SERVICES, timeout=120)
    c.check("soak hoard: exit 1", code == 1, f"{code}: {out[-800:]} {err[-500:]}")
    c.check("soak hoard: no group blamed", "FAIL: 0 groups did not come back" in out, out[-800:])
    c.check("soak hoard: the heap verdict", "live heap after GC kept rising: +" in out, out[-800:])
    try:
        live = [s.get("heap_live") for s in json.load(open(rep, encoding="utf-8"))["samples"]]
    except (OSError, ValueError, KeyError) as e:
        live = [str(e)]
    # 400 requests x 16 KiB stay: at least 5 MiB more, and exact figures rise at every sample
    c.check("soak hoard: live heap per sample rises by the retained buffers",
            len(live) >= 3 and all(isinstance(v, int) for v in live)
            and all(b > a for a, b in zip(live, live[1:])) and live[-1] - live[0] > 5 << 20, live)
    print(f"soak hoard: exit {code} in {secs:.1f}s, live heap {live}", flush=True)


def soak_cases(bins, lines):
    for kind, shape, pattern in (("leak", "range", "range-unclosed-chan"),
                                 ("concurrent", "send", "send-no-receiver"),
                                 ("ticker", "ticker", "ticker-not-stopped")):
        rep = os.path.join(OUT, f"soak-{kind}.json")
        code, out, err, secs = soak(bins, kind, ["--json", rep, "--junit", rep + ".xml"], conc=16)
        where = f"go statement: svc/handlers.go:{lines[shape]}"
        c.check(f"soak {kind}: exit 1", code == 1, f"{code}: {out[-800:]} {err[-500:]}")
        c.check(f"soak {kind}: names {where}", where in out, out[-1500:])
        c.check(f"soak {kind}: pattern {pattern}", f"({pattern})" in out, out[-1500:])
        c.check(f"soak {kind}: fix hint", "\n  fix: " in out, out[-800:])
        try:
            doc = json.load(open(rep, encoding="utf-8"))
            c.check(f"soak {kind}: json suspect", doc["failed"] and doc["suspects"][0]["go_statement"]
                    == f"svc/handlers.go:{lines[shape]}", json.dumps(doc)[:600])
            c.check(f"soak {kind}: phases", [s.get("phase") for s in doc["samples"]][0] == "before"
                    and doc["samples"][-1]["phase"] == "after", doc["samples"])
        except (OSError, ValueError, KeyError, IndexError) as e:
            c.check(f"soak {kind}: json report", False, str(e))
        c.check(f"soak {kind}: junit written", os.path.exists(rep + ".xml"))
        print(f"soak {kind}: exit {code} in {secs:.1f}s", flush=True)
    soak_hoard(bins)
    passes = 0
    for i in range(10):
        code, out, err, secs = soak(bins, "clean", n=200)
        passes += code == 0
        if code != 0:
            print(f"soak clean run {i + 1}: exit {code}\n{out[-1500:]}\n{err[-500:]}", flush=True)
    print(f"soak clean: {passes}/10 passed", flush=True)
    c.check("soak clean: passes 10 of 10", passes == 10, f"{passes}/10")
    out = subprocess.run(["pgrep", "-f", bins["svc"]], capture_output=True, text=True).stdout
    c.check("soak: no service outlives leakgate", not out.strip(), out)


def watch_growing(bins, lines):
    s = Service(bins["svc"], "-kind", "leak")
    load = subprocess.Popen([bins["load"], "-url", f"{s.url}/work", "-n", "400", "-c", "2",
                             "-every", "40ms"], stdout=subprocess.DEVNULL)
    html = os.path.join(OUT, "watch.html")
    try:
        code, out, err, secs = run_leakgate(["watch", "--interval", "1s", "--duration", "20s",
                                             "--fail-on", "grow=2", "--html", html,
                                             "--json", html + ".json", s.url], cwd=SERVICES, timeout=60)
    finally:
        load.kill()
        load.wait()
        s.stop()
    c.check("watch: exit 1 (grow=2 tripped)", code == 1, f"{code}: {out[-800:]} {err[-400:]}")
    samples = [l for l in out.splitlines() if l.startswith("sample ")]
    seen = next((i + 1 for i, l in enumerate(samples) if "growing: main.audit" in l), None)
    print(f"watch: growing group shown at sample {seen}, threshold after {len(samples)}", flush=True)
    c.check("watch: growing group shown within 3 samples", seen is not None and seen <= 3, out[:800])
    c.check("watch: threshold tripped by sample 3", len(samples) <= 3, out[:800])
    c.check("watch: names the go statement",
            f"go statement: svc/handlers.go:{lines['range']} in main.leakHandler" in out, out[-1200:])
    return html


def fault(bins, name, fault_args, watch_args, want_code, want, report=True):
    s = Service(bins["svc"], "-kind", "clean", *fault_args)
    rep = os.path.join(OUT, f"fault-{name}.json")
    try:
        code, out, err, secs = run_leakgate(["watch", "--interval", "1s", "--duration", "6s",
                                             "--json", rep, *watch_args, s.url], cwd=SERVICES,
                                            timeout=60)
    finally:
        s.stop()
    both = out + err
    c.check(f"fault {name}: exit {want_code}", code == want_code, f"{code}: {both[-800:]}")
    c.check(f"fault {name}: says {want!r}", want in both, both[-800:])
    c.check(f"fault {name}: report {'written' if report else 'absent'}",
            os.path.exists(rep) == report, both[-300:])
    c.check(f"fault {name}: no crash", "Sanitizer" not in err and code < 128, err[-300:])
    return secs


def fault_cases(bins):
    fault(bins, "dies mid-watch", ["-fault", "die", "-fault-after", "2"], [], 0,
          "the service stopped answering (3 failed samples in a row")
    fault(bins, "500", ["-fault", "500", "-fault-after", "1"], ["--max-failures", "2"], 0,
          "HTTP 500")
    fault(bins, "500 from the start", ["-fault", "500"], [], 3, "no sample of", report=False)
    secs = fault(bins, "hangs", ["-fault", "hang", "-fault-after", "1"],
                 ["--timeout", "1s", "--max-failures", "2"], 0, "timed out")
    c.check("fault hangs: gives up within 10s", secs < 10, f"{secs:.1f}s")
    fault(bins, "redirect followed", ["-fault", "redirect"], ["--duration", "2s"], 0,
          "no group only grew")
    fault(bins, "redirect loop", ["-fault", "redirect-loop"], [], 3, "too many redirects",
          report=False)
    fault(bins, "corrupt profile", ["-fault", "corrupt", "-fault-after", "1"],
          ["--max-failures", "2"], 0, "gap:")


def chromium(args, timeout=90):
    exe = shutil.which("chromium")
    if exe is None:
        return None
    profile = tempfile.mkdtemp(prefix="lg-chromium-", dir=os.environ.get("TMPDIR"))
    try:
        return subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                               "--disable-background-networking", "--disable-component-update",
                               "--disable-sync", "--no-first-run", f"--user-data-dir={profile}"] + args,
                              capture_output=True, text=True, errors="replace", timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def html_checks(path):
    c.check("html: written", os.path.exists(path))
    p = chromium(["--dump-dom", "file://" + path])
    if not c.check("html: chromium installed (tests/install-deps.sh)", p is not None):
        return
    dom = p.stdout
    c.check("html: script ran (data-ok)", re.search(r'<html[^>]*data-ok="1"', dom), dom[:300])
    c.check("html: chart over time", 'id="series"' in dom and "<polyline" in dom)
    c.check("html: growth flame graph", re.search(r'<svg[^>]*class="flame"', dom) is not None)
    c.check("html: suspect named", "main.audit" in dom and "fix: " in dom)
    shot = os.path.join(OUT, "watch.png")
    p = chromium([f"--screenshot={shot}", "--window-size=1280,1800", "file://" + path])
    c.check("html: screenshot saved", os.path.exists(shot) and os.path.getsize(shot) > 10000,
            p.stderr[-500:] if p else None)
    if os.path.exists(shot):
        shutil.copy(shot, os.path.join(WORK, "watch-report.png"))


def main():
    bins = build()
    lines = leak_lines()
    c.check("fixture marks three leaks", set(lines) == {"range", "send", "ticker"}, lines)
    html = watch_growing(bins, lines)
    html_checks(html)
    fault_cases(bins)
    soak_cases(bins, lines)
    shutil.rmtree(OUT, ignore_errors=True)
    c.finish()


main()
