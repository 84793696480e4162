"""End to end: the command line contract — help, version, usage errors,
environment errors, config errors, exit codes — declared as a table of
(arguments, working directory, expected exit code, text expected in output).
"""
import glob
import os
import subprocess
import tempfile

from lgtest import FIXTURES, SOURCE_DIR, Checker, run_leakgate

TMP = tempfile.mkdtemp(prefix="lg-cli-")
BADCFG = os.path.join(TMP, "bad.json")
with open(BADCFG, "w") as f:
    f.write('{"max_leaked_goroutine": 3}\n')
TRUNC = os.path.join(TMP, "trunc.json")
with open(TRUNC, "w") as f:
    f.write('{"timeout": "1m",\n "ignore": [')
NOMOD = os.path.join(TMP, "nomodule")
os.makedirs(NOMOD, exist_ok=True)
VENDOR = os.path.join(TMP, "vendormod")
os.makedirs(VENDOR, exist_ok=True)
with open(os.path.join(VENDOR, "go.mod"), "w") as f:
    f.write("module example.com/vendormod\n\ngo 1.21\n")
COMMANDS = ["baseline", "baseline update", "baseline diff", "diff", "flame", "hook", "merge",
            "report", "run", "stacks"]

CASES = [
    # args, cwd, exit code, substring of stdout+stderr
    (["--help"], TMP, 0, "usage: leakgate"),
    (["--version"], TMP, 0, "leakgate 0."),
    (["--version"], TMP, 0, "(hook protocol 1)"),
    (["run", "--help"], TMP, 0, "goleak.VerifyTestMain still checks after the hook"),
    ([], TMP, 2, "usage: leakgate"),
    (["frobnicate"], TMP, 2, "unknown command 'frobnicate'"),
    (["run", "--bogus"], TMP, 2, "unknown or incomplete option"),
    (["run", "--timeout", "soon"], TMP, 2, "--timeout: 'soon' is not a duration"),
    (["run", "--max-heap-growth", "lots"], TMP, 2, "--max-heap-growth"),
    (["run", "-p", "0"], TMP, 2, "--jobs"),
    (["run", "--config", BADCFG, "./clean"], FIXTURES, 2, "unknown key 'max_leaked_goroutine'"),
    (["run", "--config", TRUNC, "./clean"], FIXTURES, 2, "trunc.json':2"),
    (["run", "--config", os.path.join(TMP, "missing.json"), "./clean"], FIXTURES, 2, "cannot open"),
    (["run", "./..."], NOMOD, 3, "not inside a Go module"),
    (["run", "./doesnotexist"], FIXTURES, 1, "doesnotexist"),
    # the problem line names the pattern, not an empty location (": build: stat ...")
    (["run", "./doesnotexist"], FIXTURES, 1, "\n./doesnotexist: build: "),
    (["run", "--junit", "/nonexistent-dir/x.xml", "./clean"], FIXTURES, 3, "/nonexistent-dir/x.xml"),
    (["run", "-race", "./clean"], FIXTURES, 0, "ok  "),
    (["run", "./clean", "./notests"], FIXTURES, 0, "[no test files]"),
    (["run", "./rangeleak"], FIXTURES, 1, "range over a channel that is never closed"),
    (["run", "--max-leaks", "1", "./rangeleak"], FIXTURES, 0, "ok  "),
    (["run", "--no-hook", "./rangeleak"], FIXTURES, 0, "leak checks skipped"),
    (["run", "--max-heap-growth", "64MiB", "./heapleak"], FIXTURES, 0, "ok  "),
    # every command's --help lists its exit codes (tools/docgen.c refuses a doc without)
] + [(c.split() + ["--help"], TMP, 0, "\nexit codes: ") for c in COMMANDS] + [
    (["hook"], TMP, 2, "usage: leakgate hook vendor"),
    (["hook", "vendor"], TMP, 2, "need exactly one DIR"),
    (["hook", "frob"], TMP, 2, "unknown subcommand 'frob'"),
    # the hook module lands in the repository with a relative replace
    (["hook", "vendor", "third_party/leakgatehook"], VENDOR, 0,
     "-replace=leakgate.dev/leakgatehook=./third_party/leakgatehook"),
    (["hook", "vendor", "third_party/leakgatehook"], VENDOR, 0, "already holds"),
]


def main():
    c = Checker()
    for args, cwd, want_code, want_text in CASES:
        name = "leakgate " + " ".join(args)
        code, out, err, _ = run_leakgate(args, cwd, timeout=300)
        text = out + err
        c.check(f"{name}: exit {want_code}", code == want_code, f"got {code}\n{text[-1500:]}")
        c.check(f"{name}: says {want_text!r}", want_text in text, text[-1500:])
    hook_src = os.path.join(SOURCE_DIR, "hook")
    for name in ("go.mod", "core.go", "api.go"):
        with open(os.path.join(hook_src, name), "rb") as a:
            want = a.read()
        path = os.path.join(VENDOR, "third_party", "leakgatehook", name)
        got = open(path, "rb").read() if os.path.exists(path) else b""
        c.check(f"hook vendor wrote {name} as in hook/", got == want)
    with open(os.path.join(VENDOR, "third_party", "leakgatehook", "api.go"), "a") as f:
        f.write("// edited\n")
    code, out, err, _ = run_leakgate(["hook", "vendor", "third_party/leakgatehook"], VENDOR)
    c.check("hook vendor refuses to overwrite an edited file: exit 3", code == 3, out + err)
    code, out, err, _ = run_leakgate(["hook", "vendor", "--force", "third_party/leakgatehook"],
                                     VENDOR)
    c.check("hook vendor --force overwrites it", code == 0 and "wrote" in out, out + err)
    link_checks(c)
    c.finish()


def sections(binary):
    """The ELF section names of `binary` (readelf -S)."""
    out = subprocess.run(["readelf", "-SW", binary], capture_output=True, text=True).stdout
    return {w for line in out.splitlines() for w in line.split() if w.startswith(".")}


def link_checks(c):
    """Test binaries are linked as go test links its own (-s -w), unless
    the user sets -ldflags or keeps cores, where a debugger wants DWARF."""
    for what, args, stripped in (("default", [], True),
                                 ("--build-flag -ldflags=-X", ["--build-flag", "-ldflags=-X main.v=1"], False),
                                 ("--core", ["--core"], False)):
        cache = tempfile.mkdtemp(prefix="lg-cli-cache-")
        env = dict(os.environ, LEAKGATE_CACHE=cache)
        code, out, err, _ = run_leakgate(["run", *args, "./clean"], FIXTURES, env=env)
        bins = glob.glob(os.path.join(cache, "**", "*.test"), recursive=True)
        if not c.check(f"link {what}: the run passes and leaves its binary in the cache",
                       code == 0 and len(bins) == 1, (code, bins, err[-800:])):
            continue
        s = sections(bins[0])
        c.check(f"link {what}: " + ("no symbol table or DWARF" if stripped else "symbol table and DWARF kept"),
                (".symtab" not in s and ".debug_info" not in s and ".zdebug_info" not in s) if stripped
                else (".symtab" in s and (".debug_info" in s or ".zdebug_info" in s)), sorted(s))


if __name__ == "__main__":
    main()
