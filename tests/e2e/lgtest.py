"""Shared helpers for leakgate's end-to-end tests.

The tests run the real leakgate binary on real Go modules compiled by the
real toolchain; nothing is mocked.  Each script is a table of cases and
ends with the line "N passed, N failed" that ctest and CI read.
"""
import json
import os
import subprocess
import sys
import time

SOURCE_DIR = os.environ.get("LG_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
LEAKGATE = os.environ.get("LG_LEAKGATE", os.path.join(SOURCE_DIR, "build", "leakgate"))
WORK = os.environ.get("LG_E2E_WORK", os.path.join(os.environ.get("LG_BINARY_DIR", "/tmp"), "e2e"))
FIXTURES = os.path.join(SOURCE_DIR, "tests", "fixtures", "gomod")


class Checker:
    """Collects named checks; prints failures as they happen."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(1 if self.failed else 0)


def run_leakgate(args, cwd, timeout=900, env=None, history=False):
    """Runs leakgate; returns (exit code, stdout, stderr, seconds).

    `leakgate run` gets --no-history unless `history`: the scripts share
    the build cache of the fixture module, and what one script's run
    recorded there (a package that needed an evidence run gets the evidence
    settings in its next first run) must not change what another sees.
    test_schedule checks the history itself, in a cache of its own.
    """
    if args[:1] == ["run"] and not history:
        args = ["run", "--no-history"] + args[1:]
    start = time.monotonic()
    p = subprocess.run([LEAKGATE] + args, cwd=cwd, capture_output=True, text=True,
                       errors="replace", timeout=timeout, env=env)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - start


def load_report(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def packages_by_name(report, module_prefix):
    out = {}
    for p in report["packages"]:
        name = p["import_path"]
        if name.startswith(module_prefix + "/"):
            name = name[len(module_prefix) + 1:]
        out[name] = p
    return out


def check_of(pkg, kind):
    for c in pkg.get("checks", []):
        if c["kind"] == kind:
            return c
    return None


def xmllint_schema(xml_path, xsd_path):
    """Validates with libxml2's xmllint; returns (ok, message)."""
    p = subprocess.run(["xmllint", "--noout", "--schema", xsd_path, xml_path],
                       capture_output=True, text=True, errors="replace")
    return p.returncode == 0, p.stderr.strip()[-2000:]
