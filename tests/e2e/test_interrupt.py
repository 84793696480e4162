"""End to end: Ctrl-C.  SIGINT to leakgate while a test binary hangs (with a
child process of its own) ends the run promptly, kills every process the
run started, still writes a valid JUnit file, and exits 130.
"""
import json
import os
import signal
import subprocess
import time

from lgtest import FIXTURES, LEAKGATE, SOURCE_DIR, WORK, Checker, xmllint_schema


def main():
    c = Checker()
    os.makedirs(WORK, exist_ok=True)
    junit = os.path.join(WORK, "interrupt-junit.xml")
    if os.path.exists(junit):
        os.remove(junit)
    report = os.path.join(WORK, "interrupt-run.json")
    if os.path.exists(report):
        os.remove(report)
    # A child of this run alone: other runs of the fixture may be alive.
    sleep_arg = f"300.{os.getpid()}"
    marker = f"^sleep {sleep_arg}$"
    p = subprocess.Popen([LEAKGATE, "run", "--timeout", "5m", "--junit", junit, "--json", report,
                          "./children"],
                         cwd=FIXTURES, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, CHILDREN_SLEEP=sleep_arg))
    # Wait until the test binary has started its child.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if subprocess.run(["pgrep", "-f", marker], capture_output=True).returncode == 0:
            break
        time.sleep(0.2)
    time.sleep(0.5)
    start = time.monotonic()
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    c.check("exit 130 after SIGINT", p.returncode == 130, (p.returncode, err[-1500:]))
    c.check("stops within 10s", time.monotonic() - start < 10)
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-f", marker], capture_output=True, text=True)
    c.check("no child process survives", left.returncode == 1, left.stdout)
    c.check("JUnit still written", os.path.exists(junit))
    if os.path.exists(junit):
        ok, msg = xmllint_schema(junit, os.path.join(SOURCE_DIR, "schema", "junit.xsd"))
        c.check("JUnit valid", ok, msg)
    if os.path.exists(report):
        with open(report, encoding="utf-8") as f:
            kinds = {k["kind"]: k for pkg in json.load(f)["packages"] for k in pkg["checks"]}
        c.check("reported as interrupted, not as a crash",
                "interrupted" in kinds and "crash" not in kinds, sorted(kinds))
        it = kinds.get("interrupted") or {}
        c.check("interrupted names the running test",
                it.get("status") == "skipped" and "TestChild" in (it.get("message") or ""), it)
    else:
        c.check("JSON report still written", False)
    c.finish()


if __name__ == "__main__":
    main()
