"""End to end: `--leaks alive|proven` on real Go programs.

alive (the default) fails on every goroutine the tests left running after
the settle wait; proven fails only on goroutines Go's goroutineleak profile
proves stuck.  livefinish's goroutines are alive when its tests return (a
timer, a signal handler, callbacks bouncing between two goroutines) and end
within about 200ms: alive passes with the default settle wait and fails
without one; proven passes on Go 1.27 even without one.  On the leak
fixtures proven fails with every reported group proven, except the three the
profile cannot prove (globalchan: reachable from a global; tickerleak: a
live ticker; sleepleak: asleep), which pass with a note.  A Go without the
profile is refused before anything is built (exit 3, naming the version).
"""
import os

from lgtest import FIXTURES, WORK, Checker, check_of, load_report, packages_by_name, run_leakgate

MODULE = "leakgate.test/fixtures"
GO127 = {"GOTOOLCHAIN": "go1.27.3"}
GO126 = {"GOTOOLCHAIN": "local"}
PROVABLE = ["rangeleak", "sendleak", "recvleak", "selectleak", "selectforever", "nilchan", "wgleak",
            "mutexleak", "condleak", "handlerleak", "loopcapture", "parallel"]
UNPROVABLE = ["globalchan", "tickerleak", "sleepleak"]


def env_with(extra):
    env = {k: v for k, v in os.environ.items() if k != "GOEXPERIMENT"}
    env.update(extra)
    return env


def run(c, name, args, extra):
    rep = os.path.join(WORK, f"proven-{name}.json")
    if os.path.exists(rep):
        os.unlink(rep)
    code, out, err, _ = run_leakgate(["run", "--json", rep] + args, FIXTURES, env=env_with(extra))
    pkgs = packages_by_name(load_report(rep), MODULE) if os.path.exists(rep) else {}
    return code, out, err, pkgs


def live_checks(c):
    code, out, err, pkgs = run(c, "live-proven", ["--leaks", "proven", "--settle", "0", "./livefinish"], GO127)
    p = pkgs.get("livefinish", {})
    chk = check_of(p, "goroutine-leaks") if p else None
    c.check("livefinish, proven, Go 1.27, no settle: passes", code == 0 and p.get("passed"), out + err[-1500:])
    c.check("livefinish, proven: no group reported", p.get("leaks") == [], p.get("leaks"))
    c.check("livefinish, proven: the alive goroutines are named, not counted",
            chk and "not proven stuck: not counted" in chk["message"] and "livefinish.go" in (chk.get("detail") or ""),
            chk)

    code, out, err, pkgs = run(c, "live-alive", ["./livefinish"], GO126)
    c.check("livefinish, alive, default settle: passes (they end within it)",
            code == 0 and pkgs.get("livefinish", {}).get("passed"), out + err[-1500:])
    code, out, err, pkgs = run(c, "live-alive-nosettle", ["--settle", "0", "./livefinish"], GO126)
    leaks = pkgs.get("livefinish", {}).get("leaks", [])
    c.check("livefinish, alive, no settle: fails, nothing proven",
            code == 1 and leaks and not any(g["proven"] for g in leaks), out[-1500:])


def fixture_checks(c):
    code, out, err, pkgs = run(c, "fixtures", ["--leaks", "proven"] + ["./" + n for n in PROVABLE + UNPROVABLE], GO127)
    c.check("leak fixtures, proven, Go 1.27: exit 1", code == 1, err[-1500:])
    for name in PROVABLE:
        p = pkgs.get(name, {})
        leaks = p.get("leaks", [])
        c.check(f"{name}: fails under proven", not p.get("passed", True), p.get("checks"))
        c.check(f"{name}: every group proven", leaks and all(g["proven"] for g in leaks),
                [(g["pattern"], g["proven"]) for g in leaks])
        chk = check_of(p, "goroutine-leaks") or {}
        c.check(f"{name}: message says proven stuck", "proven stuck" in chk.get("message", ""), chk.get("message"))
    for name in UNPROVABLE:
        p = pkgs.get(name, {})
        chk = check_of(p, "goroutine-leaks") or {}
        c.check(f"{name}: passes under proven (the profile cannot prove it)", p.get("passed") and p.get("leaks") == [],
                chk.get("message"))
        c.check(f"{name}: the alive goroutine is still described",
                "1 more still alive, not proven stuck" in chk.get("message", "") and f"{name}/" in (chk.get("detail") or ""),
                chk)
    c.check("terminal: proven lines", "proven stuck (goroutineleak profile)" in out, out[-1000:])


def version_checks(c):
    code, out, err, pkgs = run(c, "go126", ["--leaks", "proven", "./rangeleak"], GO126)
    c.check("Go 1.26 without the experiment: exit 3 before building", code == 3 and not pkgs, (code, err))
    c.check("Go 1.26: the error names the version and the way out",
            "go1.26" in err and "goroutineleak profile" in err and "GOEXPERIMENT=goroutineleakprofile" in err, err)
    code, out, err, pkgs = run(c, "go126exp", ["--leaks", "proven", "./rangeleak"],
                               dict(GO126, GOEXPERIMENT="goroutineleakprofile"))
    rl = pkgs.get("rangeleak", {}).get("leaks", [])
    c.check("Go 1.26 with the experiment: rangeleak fails, proven", code == 1 and len(rl) == 1 and rl[0]["proven"],
            (code, err[-800:]))
    code, out, err, _ = run(c, "badflag", ["--leaks", "maybe", "./rangeleak"], GO126)
    c.check("--leaks maybe: usage error", code == 2 and "alive or proven" in err, (code, err))


def main():
    c = Checker()
    os.makedirs(WORK, exist_ok=True)
    live_checks(c)
    fixture_checks(c)
    version_checks(c)
    c.finish()


if __name__ == "__main__":
    main()
