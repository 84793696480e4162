"""End to end: partial deadlocks found by the hook's probes, in seconds.

tests/fixtures/partial: a lock-order inversion between two goroutines of a
test and a test waiting on a channel nobody sends on must be reported within
5 s of the binary's start with --timeout 10m: on Go 1.27 as proven by the
goroutineleak profile, on Go 1.26 as suspected (stopped with
--fail-fast-deadlock; without it the live line comes in seconds and the
binary runs on to its deadline).  A test that sleeps 20 s, one that reads a
slow loopback socket for 20 s and one that waits on timers are never
reported, on either version.
"""
import os
import re
import subprocess
import time

from lgtest import LEAKGATE, SOURCE_DIR, WORK, Checker, check_of, load_report, packages_by_name

PARTIAL = os.path.join(SOURCE_DIR, "tests", "fixtures", "partial")
MODULE = "leakgate.test/partial"
DEADLOCKED = {"lockorder": "TestTransfer", "nosender": "TestWaitResult"}
INNOCENT = ["sleeper", "sockread", "timerwait"]
GO127 = {"GOTOOLCHAIN": "go1.27.3"}
GO126 = {"GOTOOLCHAIN": "local"}


def run(args, extra_env, timeout=900):
    """Runs leakgate; returns (code, stdout, stderr lines with their time since start)."""
    env = dict(os.environ, **extra_env)
    start = time.monotonic()
    p = subprocess.Popen([LEAKGATE] + args, cwd=PARTIAL, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, errors="replace")
    lines = []
    for line in p.stderr:
        lines.append((time.monotonic() - start, line.rstrip("\n")))
    out = p.stdout.read()
    p.wait(timeout=timeout)
    return p.returncode, out, lines


def found_at(detail):
    m = re.search(r"found ([0-9.]+)s after the binary started|stopped the test binary ([0-9.]+)s after", detail or "")
    return float(m.group(1) or m.group(2)) if m else None


def proven(c):
    rep = os.path.join(WORK, "partial-127.json")
    code, out, lines = run(["run", "--timeout", "10m", "--json", rep, "./lockorder", "./nosender"], GO127)
    c.check("go1.27: exit 1", code == 1, out)
    pkgs = packages_by_name(load_report(rep), MODULE)
    for name, test in DEADLOCKED.items():
        p = pkgs[name]
        chk = check_of(p, "deadlock")
        c.check(f"go1.27 {name}: partial deadlock proven",
                chk and chk["message"].startswith(f"partial deadlock in {test}") and "goroutineleak" in chk["message"],
                chk and chk["message"])
        at = found_at(chk and chk["detail"])
        c.check(f"go1.27 {name}: found within 5 s", at is not None and at <= 5.0, at)
        c.check(f"go1.27 {name}: stopped long before --timeout", p["run_seconds"] < 15, p["run_seconds"])
        c.check(f"go1.27 {name}: names the test and file:line", chk and chk.get("test") == test and
                (chk.get("loc") or {}).get("file", "").startswith(name + "/"), chk and (chk.get("test"), chk.get("loc")))
        c.check(f"go1.27 {name}: goroutines of the cycle with file:line",
                chk and re.search(r"goroutine \d+ \[[^]]+\] \(leaked\) at " + name + r"/\S+\.go:\d+", chk["detail"]), chk and chk["detail"][:600])
    if pkgs["lockorder"]:
        chk = check_of(pkgs["lockorder"], "deadlock")
        c.check("go1.27 lockorder: both lockers in the cycle",
                chk and len(re.findall(r"\[sync\.Mutex\.Lock\] \(leaked\) at lockorder/lockorder\.go:\d+", chk["detail"])) == 2,
                chk and chk["detail"][:800])


def suspected(c):
    rep = os.path.join(WORK, "partial-126.json")
    code, out, lines = run(["run", "--timeout", "10m", "--fail-fast-deadlock", "--json", rep, "./lockorder", "./nosender"], GO126)
    c.check("go1.26: exit 1", code == 1, out)
    pkgs = packages_by_name(load_report(rep), MODULE)
    for name, test in DEADLOCKED.items():
        p = pkgs[name]
        chk = check_of(p, "deadlock")
        msg = chk["message"] if chk else ""
        c.check(f"go1.26 {name}: suspected (or, nothing else alive, the global deadlock)",
                msg.startswith(f"suspected deadlock: all goroutines of {test} blocked for ") or
                msg.startswith(f"all goroutines are asleep - deadlock! (in {test}"), msg)
        at = found_at(chk and chk["detail"])
        c.check(f"go1.26 {name}: found within 5 s", at is not None and at <= 5.0, at)
        c.check(f"go1.26 {name}: stopped long before --timeout", p["run_seconds"] < 15, p["run_seconds"])
    msg = (check_of(pkgs["nosender"], "deadlock") or {}).get("message", "")
    c.check("go1.26 nosender: suspected, not proven", msg.startswith("suspected deadlock"), msg)
    # Without --fail-fast-deadlock: shown live in seconds, the binary runs on.
    rep = os.path.join(WORK, "partial-126-live.json")
    code, out, lines = run(["run", "--timeout", "12s", "--json", rep, "./nosender"], GO126)
    live = [t for t, l in lines if "suspected deadlock: all goroutines of TestWaitResult" in l]
    c.check("go1.26 live: line shown within seconds", live and live[0] < 9, lines[-5:])
    p = packages_by_name(load_report(rep), MODULE)["nosender"]
    hang = check_of(p, "hang")
    c.check("go1.26 live: ran on to the deadline, hang says suspected",
            hang and "suspected deadlock" in hang["message"] and p["run_seconds"] >= 11, hang and hang["message"])


def innocent(c, label, extra_env, flags):
    rep = os.path.join(WORK, f"partial-innocent-{label}.json")
    code, out, lines = run(["run", "--timeout", "30s", "-p", "3", "--json", rep] + flags + ["./" + p for p in INNOCENT], extra_env)
    c.check(f"{label} innocent: exit 0", code == 0, out + "\n".join(l for _, l in lines[-10:]))
    pkgs = packages_by_name(load_report(rep), MODULE)
    for name in INNOCENT:
        p = pkgs[name]
        c.check(f"{label} {name}: passed, no deadlock or hang", p["passed"] and not check_of(p, "deadlock")
                and not check_of(p, "hang"), [(k["kind"], k["status"], k["message"][:100]) for k in p["checks"]])
    c.check(f"{label} innocent: nothing said about deadlocks",
            not any("deadlock" in l for _, l in lines), [l for _, l in lines if "deadlock" in l])


def main():
    c = Checker()
    os.makedirs(WORK, exist_ok=True)
    proven(c)
    suspected(c)
    innocent(c, "go1.26", GO126, ["--fail-fast-deadlock", "--deadlock-after", "1s"])
    innocent(c, "go1.27", GO127, ["--deadlock-after", "1s"])
    c.finish()


if __name__ == "__main__":
    main()
