"""End to end: Ctrl-C.  SIGINT to leakgate while a test binary hangs (with a
child process of its own) ends the run promptly, kills every process the
run started, still writes a valid JUnit file, and exits 130.
"""
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
    p = subprocess.Popen([LEAKGATE, "run", "--timeout", "5m", "--junit", junit, "./children"],
                         cwd=FIXTURES, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Wait until the test binary has started its child.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if subprocess.run(["pgrep", "-f", "^sleep 300$"], capture_output=True).returncode == 0:
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
    left = subprocess.run(["pgrep", "-f", "^sleep 300$"], capture_output=True, text=True)
    c.check("no child process survives", left.returncode == 1, left.stdout)
    c.check("JUnit still written", os.path.exists(junit))
    if os.path.exists(junit):
        ok, msg = xmllint_schema(junit, os.path.join(SOURCE_DIR, "schema", "junit.xsd"))
        c.check("JUnit valid", ok, msg)
    c.finish()


if __name__ == "__main__":
    main()
