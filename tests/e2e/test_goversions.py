"""End to end on both Go versions the project supports side by side:
Go 1.27 (goroutineleak profile built in) and Go 1.26 built with
GOEXPERIMENT=goroutineleakprofile.  Leaks the profile can prove are marked
proven; a sleeping goroutine (not provably stuck) is still reported by the
before/after diff, unproven; clean packages pass; attribution holds.
"""
import os
import re

from lgtest import FIXTURES, WORK, Checker, load_report, packages_by_name, run_leakgate

MODULE = "leakgate.test/fixtures"
PKGS = ["./rangeleak", "./sleepleak", "./parallel", "./clean", "./deadlock"]
SETUPS = [
    ("go1.27", {"GOTOOLCHAIN": "go1.27.3"}, "go1.27"),
    ("go1.26+experiment", {"GOTOOLCHAIN": "local", "GOEXPERIMENT": "goroutineleakprofile"}, "go1.26"),
]


def main():
    c = Checker()
    os.makedirs(WORK, exist_ok=True)
    for name, extra, want_version in SETUPS:
        env = dict(os.environ, **extra)
        rep = os.path.join(WORK, f"goversion-{name}.json")
        code, out, err, _ = run_leakgate(["run", "--json", rep] + PKGS, FIXTURES, env=env)
        c.check(f"{name}: exit 1", code == 1, out + err[-2000:])
        # a toolchain go downloaded into GOMODCACHE cannot be overlaid: the
        # hook goes into the test packages, and the run says so (hook.h)
        fallback = "the hook goes into each test package" in err
        c.check(f"{name}: hook route {'in the test packages' if name == 'go1.27' else 'through testdeps'}",
                fallback == (name == "go1.27"), err[-1500:])
        pkgs = packages_by_name(load_report(rep), MODULE)
        for p in pkgs.values():
            if p["import_path"].endswith("deadlock"):
                continue
            c.check(f"{name}: {p['import_path']} ran {want_version}",
                    (p.get("go_version") or "").startswith(want_version), p.get("go_version"))
        rl = pkgs["rangeleak"]["leaks"]
        c.check(f"{name}: rangeleak proven stuck", len(rl) == 1 and rl[0]["proven"], rl)
        c.check(f"{name}: the terminal line says so",
                re.search(r"^rangeleak/\S+:\d+: 1 leaked goroutine .*proven stuck", out, re.M), out[-1500:])
        pl = pkgs["parallel"]["leaks"]
        c.check(f"{name}: parallel proven and attributed",
                len(pl) == 1 and pl[0]["proven"] and pl[0]["test"] == "TestParallelLeaky", pl)
        sl = pkgs["sleepleak"]["leaks"]
        c.check(f"{name}: sleepleak found by the diff, not proven", len(sl) == 1 and not sl[0]["proven"], sl)
        c.check(f"{name}: clean passes", pkgs["clean"]["passed"], pkgs["clean"]["checks"])
        dl = [k for k in pkgs["deadlock"]["checks"] if k["kind"] == "deadlock"]
        c.check(f"{name}: deadlock found", len(dl) == 1, pkgs["deadlock"]["checks"])
    c.finish()


if __name__ == "__main__":
    main()
