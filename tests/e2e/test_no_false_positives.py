"""End to end: clean packages pass every time.

Runs the gate on the clean fixture packages several times in a row, with
both jobs settings, and requires a pass on each run.  A gate that flags a
clean package even once in a while is not usable in CI.
"""
import os

from lgtest import FIXTURES, WORK, Checker, load_report, run_leakgate

ROUNDS = int(os.environ.get("LG_CLEAN_ROUNDS", "5"))


def main():
    c = Checker()
    os.makedirs(WORK, exist_ok=True)
    for i in range(ROUNDS):
        rep = os.path.join(WORK, f"clean-{i}.json")
        jobs = "1" if i % 2 else "2"
        code, out, err, _ = run_leakgate(["run", "-p", jobs, "--json", rep,
                                          "./clean", "./cleanhttp", "./cleanparallel"], FIXTURES)
        c.check(f"round {i}: exit 0", code == 0, out + err[-2000:])
        r = load_report(rep)
        for p in r["packages"]:
            c.check(f"round {i}: {p['import_path']} passed", p["passed"],
                    [(k["kind"], k["status"], k.get("message")) for k in p["checks"]])
            c.check(f"round {i}: {p['import_path']} hook ran", p["hook"] == "done", p["hook"])
    c.finish()


if __name__ == "__main__":
    main()
