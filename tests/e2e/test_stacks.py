"""End-to-end tests of `leakgate stacks` and `leakgate diff`.

Inputs are real: the goroutine dumps captured from Go 1.26 and 1.27
(tests/fixtures/dumps), the pprof profiles written by a real Go program
(tests/fixtures/pprof), two dumps of one process written at test time by
tests/fixtures/stackdiff, corrupt inputs cut from those, and a real
`python3 -m http.server` on 127.0.0.1 for URLs.  JSON output is validated
against schema/stacks.schema.json with jsonschema, exported profiles are
opened by `go tool pprof`.
"""
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import lgtest  # noqa: E402

try:
    import jsonschema
except ImportError:  # the structural checks below still run
    jsonschema = None

SRC = lgtest.SOURCE_DIR
DUMPS = os.path.join(SRC, "tests", "fixtures", "dumps")
PPROF = os.path.join(SRC, "tests", "fixtures", "pprof")
WORK = os.path.join(lgtest.WORK, "stacks")
SCHEMA = json.load(open(os.path.join(SRC, "schema", "stacks.schema.json"), encoding="utf-8"))
FOLDED_LINE = re.compile(r"^[^;\n]+(;[^;\n]+)* (\d+)$")

c = lgtest.Checker()


def lg(*args, stdin=None, env=None):
    """Runs leakgate; returns (code, stdout, stderr)."""
    p = subprocess.run([lgtest.LEAKGATE] + list(args), input=stdin, capture_output=True,
                       text=True, errors="replace", timeout=120, env=env)
    return p.returncode, p.stdout, p.stderr


def valid(name, doc):
    """Schema validation (jsonschema when installed) plus structural checks."""
    if jsonschema is not None:
        errs = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(doc), key=str)
        if not c.check(name + " schema", not errs, errs[0].message[:300] if errs else ""):
            return False
    groups = doc["groups"] if doc["command"] == "stacks" else [ch["group"] for ch in doc["changes"]]
    is_dump = doc["input"] == "dump"
    if doc["command"] == "stacks":
        counts = [g["count"] for g in groups]
        c.check(name + " sorted", counts == sorted(counts, reverse=True), str(counts[:10]))
        c.check(name + " total", doc["total"] == sum(counts) + doc["hidden_count"],
                f'{doc["total"]} vs {sum(counts)}')
    c.check(name + " dump-only fields", all(("ids" in g) == is_dump and ("created_by" in g) == is_dump
                                            for g in groups))
    if is_dump:
        c.check(name + " ids", all(len(g["ids"]) <= 8 and g["ids"] == sorted(g["ids"]) for g in groups))
    inline_frames(name, doc, groups)
    return True


def inline_frames(name, doc, groups):
    """Checks the frame table (each distinct frame once, every entry used, indexes in
    range) and replaces each group's frame indexes by the frames, for the checks."""
    table = doc["frames"]
    keys = [(f["func"], f["file"], f["line"], f["inlined"]) for f in table]
    used = {i for g in groups for i in g["frames"]}
    c.check(name + " frame table distinct", len(set(keys)) == len(keys))
    c.check(name + " frame table all used", used == set(range(len(table))),
            f"{len(used)} used of {len(table)}")
    for g in groups:
        g["frames"] = [table[i] for i in g["frames"] if 0 <= i < len(table)]


def stacks_json(name, *args):
    code, out, err = lg("stacks", "--json", *args)
    c.check(name + " exit", code == 0, f"exit {code}: {err[-500:]}")
    try:
        doc = json.loads(out)
    except ValueError as e:
        c.check(name + " json", False, str(e))
        return None
    valid(name, doc)
    return doc


def headers_in(path):
    """How many goroutines a dump holds, counted the simple way."""
    text = open(path, encoding="utf-8", errors="replace").read()
    m = re.search(r"^goroutine(?:leak)? profile: total (\d+)$", text, re.M)
    if m:
        return int(m.group(1))
    return len(re.findall(r"^goroutine \d+ .*\]:?.*:$", text, re.M))


# ---------------------------------------------------------------------------
# Every dump fixture: text, JSON, folded.

def test_every_dump():
    files = sorted(glob.glob(os.path.join(DUMPS, "*.txt")))
    c.check("fixtures present", len(files) >= 20, str(len(files)))
    for path in files:
        name = os.path.basename(path)
        code, out, err = lg("stacks", path)
        c.check(name + " text exit", code == 0, f"exit {code}: {err[-300:]}")
        c.check(name + " text summary", out.startswith(path + ": ") and " in " in out.splitlines()[0],
                out[:200])
        c.check(name + " no colour off a TTY", "\033[" not in out)
        doc = stacks_json(name, path)
        if doc:
            want = headers_in(path)
            c.check(name + " goroutine count", doc["total"] == want,
                    f'total {doc["total"]}, file has {want}')
            c.check(name + " dump kind", doc["input"] == "dump" and doc["dump"]["malformed_lines"] == 0)
        code, out, err = lg("stacks", "--folded", path)
        lines = out.splitlines()
        c.check(name + " folded exit", code == 0, err[-300:])
        bad = [l for l in lines if not FOLDED_LINE.match(l)]
        c.check(name + " folded format", lines and not bad, repr(bad[:2]))
        if doc and not bad:
            total = sum(int(FOLDED_LINE.match(l).group(2)) for l in lines)
            c.check(name + " folded total", total == doc["total"], f"{total} vs {doc['total']}")
            c.check(name + " folded unique", len(set(l.rsplit(" ", 1)[0] for l in lines)) == len(lines))


def test_dump_details():
    path = os.path.join(DUMPS, "go127_deadlock.txt")
    doc = stacks_json("deadlock", path)
    if doc:
        c.check("deadlock message", doc["dump"]["form"] == "fatal" and doc["dump"]["deadlock"],
                str(doc["dump"]))
    code, out, _ = lg("stacks", path)
    c.check("deadlock text names the error", "all goroutines are asleep" in out)
    doc = stacks_json("timeout", os.path.join(DUMPS, "go127_timeout.txt"))
    if doc:
        c.check("timeout running tests", any(t.startswith("TestHang") for t in doc["dump"]["running_tests"]),
                str(doc["dump"]))
    # the levels nest: exact splits at least as much as lines, lines as funcs
    path = os.path.join(DUMPS, "go126_sigquit.txt")
    n = {}
    for by in ("exact", "lines", "funcs"):
        d = stacks_json("sigquit by " + by, "--by", by, path)
        n[by] = len(d["groups"]) if d else -1
        if d:
            c.check("by " + by + " recorded", d["by"] == by)
    c.check("levels nest", n["exact"] >= n["lines"] >= n["funcs"] > 0, str(n))
    # funcs-level ids are the goroutine signatures
    d = stacks_json("funcs ids", "--by", "funcs", path)
    if d:
        c.check("funcs id is signature", all(g["id"] == g["signature"] for g in d["groups"]))
    # patterns from the shared classifier
    d = stacks_json("patterns", os.path.join(DUMPS, "go127_stack.txt"))
    if d:
        pats = {g["pattern"]["id"] for g in d["groups"]}
        for p in ("recv-no-sender", "send-no-receiver", "nil-channel", "select-forever",
                  "waitgroup-never-done", "lock-wait", "cond-never-signalled"):
            c.check("pattern " + p, p in pats, str(sorted(pats)))


def test_filters():
    path = os.path.join(DUMPS, "go127_stack.txt")
    d = stacks_json("state class", "--state", "chan", path)
    if d:
        c.check("state chan groups", d["groups"] and all(g["wait"] == "chan" for g in d["groups"]),
                str([g["wait"] for g in d["groups"]]))
        c.check("state chan filtered", d["filtered"] > 0 and d["seen"] == d["filtered"] + d["total"])
    d = stacks_json("state exact", "--state", "chan send", path)
    if d:
        c.check("state exact", d["groups"] and all(g["state"] == "chan send" for g in d["groups"]))
    d = stacks_json("func regex", "--func", r"^main\.(recv|send)Forever$", path)
    if d:
        c.check("func regex", len(d["groups"]) == 2 and all(
            any(f["func"] in ("main.recvForever", "main.sendForever") for f in g["frames"])
            for g in d["groups"]), str([g["frames"][0]["func"] for g in d["groups"]]))
    d = stacks_json("min count", "--min-count", "2", "--by", "funcs", path)
    if d:
        c.check("min count", d["groups"] and all(g["count"] >= 2 for g in d["groups"])
                and d["hidden_groups"] > 0)
    for f in ("go126_stack.txt", "go127_stack.txt", "go127_pprof1.txt"):
        d = stacks_json("label " + f, "--label", "role=worker two", os.path.join(DUMPS, f))
        if d:
            c.check("label filter " + f, d["groups"] and all(
                "worker two" in (g["labels"] or "") for g in d["groups"]), str(d["groups"][:1]))
        d = stacks_json("by label " + f, "--by-label", "test", os.path.join(DUMPS, f))
        if d:
            c.check("by label " + f, any(g["label"] == "TestLabelled" for g in d["groups"]))
    code, out, err = lg("stacks", "--func", "(", path)
    c.check("bad regex is usage", code == 2 and "--func" in err, err)
    code, out, err = lg("stacks", "--by", "nope", path)
    c.check("bad level is usage", code == 2, err)
    code, out, err = lg("stacks", path, "--json", "--folded")
    c.check("json and folded exclude", code == 2, err)


def test_stdin_and_colour():
    path = os.path.join(DUMPS, "go126_panic.txt")
    text = open(path, encoding="utf-8").read()
    code, out, err = lg("stacks", "--json", "-", stdin=text)
    c.check("stdin exit", code == 0, err)
    if code == 0:
        d = json.loads(out)
        c.check("stdin source", d["source"] == "<stdin>" and d["total"] == headers_in(path))
    code, out, err = lg("stacks", stdin=text)
    c.check("stdin default", code == 0 and out.startswith("<stdin>: "), out[:100])
    # colour only on a TTY: `script` gives us one; NO_COLOR turns it off
    if shutil.which("script"):
        cmd = f"{lgtest.LEAKGATE} stacks {path}"
        env = dict(os.environ)
        env.pop("NO_COLOR", None)
        p = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, text=True,
                           errors="replace", env=env, timeout=60)
        c.check("colour on a TTY", "\033[1m" in p.stdout, p.stdout[:200])
        env["NO_COLOR"] = "1"
        p = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, text=True,
                           errors="replace", env=env, timeout=60)
        c.check("NO_COLOR honoured", "\033[" not in p.stdout and "goroutine" in p.stdout,
                p.stdout[:200])


# ---------------------------------------------------------------------------
# Profiles.

def test_profiles():
    for f in ("goroutine", "goroutineleak", "heap_before", "heap_after", "allocs", "mutex", "block"):
        path = os.path.join(PPROF, f + ".pb.gz")
        d = stacks_json("profile " + f, path)
        if d:
            c.check("profile kind " + f, d["input"] == "profile" and d["profile"]["samples"] > 0)
        code, out, err = lg("stacks", "--folded", path)
        lines = out.splitlines()
        c.check("profile folded " + f, code == 0 and lines and all(FOLDED_LINE.match(l) for l in lines),
                err + repr(lines[:2]))
    d = stacks_json("heap default", os.path.join(PPROF, "heap_after.pb.gz"))
    if d:
        c.check("heap default inuse_space", d["profile"]["sample_type"] == "inuse_space"
                and d["unit"] == "bytes")
        top = [g for g in d["groups"] if g["frames"] and g["frames"][0]["func"] == "main.growHeapForLeakgate"]
        c.check("heap growth site", top and top[0]["count"] >= 1056768, str(top[:1]))
    for t in ("alloc_space", "alloc_objects", "inuse_objects"):
        d = stacks_json("sample type " + t, "--sample-type", t, os.path.join(PPROF, "heap_after.pb.gz"))
        if d:
            c.check("sample type " + t, d["profile"]["sample_type"] == t)
    code, out, err = lg("stacks", "--sample-type", "bogus", os.path.join(PPROF, "heap_after.pb.gz"))
    c.check("unknown sample type", code == 3 and "heap_after.pb.gz" in err and "inuse_space" in err, err)
    d = stacks_json("mutex default", os.path.join(PPROF, "mutex.pb.gz"))
    if d:
        c.check("mutex default delay", d["profile"]["sample_type"] == "delay" and d["unit"] == "nanoseconds")
    d = stacks_json("by label role", "--by-label", "role", os.path.join(PPROF, "goroutine.pb.gz"))
    if d:
        f = [g for g in d["groups"] if g["label"] == "fetcher"]
        c.check("by label fetcher", len(f) == 1 and f[0]["count"] == 3 and any(
            fr["func"] == "main.waitForRelease" for fr in f[0]["frames"]), str(f))
    code, out, err = lg("stacks", "--by-label", "role", os.path.join(PPROF, "goroutine.pb.gz"))
    c.check("by label text", code == 0 and "role=fetcher: 3 goroutines" in out, out[:400])
    d = stacks_json("label filter profile", "--label", "shard=7", os.path.join(PPROF, "goroutine.pb.gz"))
    if d:
        c.check("label filter profile", d["total"] == 3, str(d["total"]))
    d = stacks_json("goroutineleak", os.path.join(PPROF, "goroutineleak.pb.gz"))
    if d:
        c.check("goroutineleak leaked", any(
            any(fr["func"] == "main.leakReceiver.func1" for fr in g["frames"]) and g["count"] == 2
            for g in d["groups"]), str([g["frames"][:1] for g in d["groups"]]))


def test_labelled_profile():
    """A goroutine profile with a label per goroutine from a real program
    (bench/pprofgen): 2,000 samples, one stack, ten routes."""
    out_pb = os.path.join(WORK, "labelled.pb.gz")
    p = subprocess.run(["go", "run", "-buildvcs=false", ".", "-labelled", "2000", out_pb],
                       cwd=os.path.join(SRC, "bench", "pprofgen"), capture_output=True, text=True,
                       timeout=300)
    if not c.check("pprofgen -labelled", p.returncode == 0, p.stderr[-500:]):
        return
    def parked(d):
        return [g for g in d["groups"] if any(f["func"].startswith("main.labelled.func") for f in g["frames"])]
    d = stacks_json("labelled", out_pb)
    if d:
        g = parked(d)
        c.check("labelled: one group of 2000 samples", len(g) == 1 and g[0]["count"] == 2000
                and g[0]["entries"] == 2000 and d["seen"] == d["profile"]["samples"], str(g)[:300])
        c.check("labelled: small document", len(d["frames"]) < 40, str(len(d["frames"])))
    d = stacks_json("labelled by route", "--by-label", "route", out_pb)
    if d:
        g = parked(d)
        c.check("by route: ten groups of 200", sorted(x["label"] for x in g) == [f"r{i}" for i in range(10)]
                and all(x["count"] == 200 and x["entries"] == 200 for x in g), str(g)[:300])
        c.check("by route: labels of a member", all(f'route: "{x["label"]}"' in x["labels"] for x in g),
                str([x["labels"] for x in g]))
    d = stacks_json("labelled route r3", "--label", "route=r3", out_pb)
    if d:
        g = parked(d)
        c.check("route r3: 200 kept", len(g) == 1 and g[0]["count"] == 200
                and d["filtered"] == d["seen"] - 200, str(g)[:300])
        # the group shows a sample the filter kept, whichever sample came first
        c.check("route r3: labels of a kept sample", g and 'route: "r3"' in g[0]["labels"], str(g)[:300])
    d = stacks_json("labelled route r3 by request", "--label", "route=r3", "--by-label", "request", out_pb)
    if d:
        g = parked(d)
        c.check("r3 by request: 200 groups of one", len(g) == 200 and all(
            x["count"] == 1 and int(x["label"]) % 10 == 3 for x in g), str(len(g)))


def test_profile_diff():
    before = os.path.join(PPROF, "heap_before.pb.gz")
    after = os.path.join(PPROF, "heap_after.pb.gz")
    out_pb = os.path.join(WORK, "heapdiff.pb.gz")
    if os.path.exists(out_pb):
        os.unlink(out_pb)
    code, out, err = lg("diff", "-o", out_pb, before, after)
    c.check("heap diff growth exit", code == 1, f"exit {code}: {err}")
    c.check("heap diff text", "main.growHeapForLeakgate" in out and "inuse_space" in out, out[:500])
    first = [l for l in out.splitlines() if l.startswith("+")][:1]
    c.check("heap diff biggest first", first and "MiB" in first[0], str(first))
    c.check("heap diff wrote -o", os.path.exists(out_pb))
    if os.path.exists(out_pb):
        p = subprocess.run(["go", "tool", "pprof", "-top", out_pb], capture_output=True, text=True,
                           errors="replace", timeout=120)
        c.check("go tool pprof opens -o", p.returncode == 0 and "main.growHeapForLeakgate" in p.stdout,
                p.stdout[-500:] + p.stderr[-500:])
    code, out, err = lg("diff", "--json", before, after)
    if c.check("heap diff json exit", code == 1, err):
        d = json.loads(out)
        valid("heap diff", d)
        ch = d["changes"][0]
        c.check("heap diff json top", ch["delta"] >= 1056768 and ch["group"]["frames"][0]["func"]
                == "main.growHeapForLeakgate" and d["summary"]["growth"], str(ch)[:300])
    code, out, err = lg("diff", "--folded", before, after)
    lines = out.splitlines()
    c.check("heap diff folded", code == 1 and lines and all(FOLDED_LINE.match(l) for l in lines)
            and any(l.endswith(";main.growHeapForLeakgate 1056768") for l in lines), repr(lines[:3]))
    code, out, err = lg("diff", after, after)
    c.check("same profile no growth", code == 0, f"exit {code} {err}")
    code, out, err = lg("diff", "--sample-type", "delay", os.path.join(PPROF, "mutex.pb.gz"),
                        os.path.join(PPROF, "mutex.pb.gz"))
    c.check("mutex self diff", code == 0, err)
    code, out, err = lg("diff", before, os.path.join(DUMPS, "go127_stack.txt"))
    c.check("dump vs profile is usage", code == 2 and "cannot compare" in err, err)
    code, out, err = lg("diff", "-o", out_pb, os.path.join(DUMPS, "go127_stack.txt"),
                        os.path.join(DUMPS, "go127_stack.txt"))
    c.check("-o needs profiles", code == 2, err)
    code, out, err = lg("diff", before)
    c.check("diff needs two", code == 2, err)


# ---------------------------------------------------------------------------
# Diff of two real dumps of one process.

def test_dump_diff():
    gen = os.path.join(SRC, "tests", "fixtures", "stackdiff")
    exe = os.path.join(WORK, "stackdiff")
    p = subprocess.run(["go", "build", "-o", exe, "."], cwd=gen, capture_output=True, text=True,
                       timeout=300, env=dict(os.environ, CGO_ENABLED="0"))
    if not c.check("build stackdiff", p.returncode == 0, p.stderr[-500:]):
        return
    a, b = os.path.join(WORK, "a.txt"), os.path.join(WORK, "b.txt")
    p = subprocess.run([exe, a, b], capture_output=True, text=True, timeout=60)
    if not c.check("run stackdiff", p.returncode == 0, p.stderr):
        return
    code, out, err = lg("diff", "--json", a, b)
    c.check("dump diff exit 1 on growth", code == 1, f"exit {code}: {err}")
    d = json.loads(out) if out else None
    if not d or not valid("dump diff", d):
        return
    by_func = {}
    for ch in d["changes"]:
        for fr in ch["group"]["frames"]:
            if fr["func"].startswith("main.") and fr["func"] not in ("main.main", "main.dump"):
                by_func.setdefault(fr["func"], ch)
    def has(func, change, before, after, long_lived):
        ch = by_func.get(func)
        c.check(f"diff {func}", ch is not None and ch["change"] == change and ch["before"] == before
                and ch["after"] == after and ch["long_lived"] == long_lived, str(ch)[:300])
    has("main.leakyReceiver", "grown", 3, 8, True)
    has("main.newWaiter", "new", 0, 2, False)
    has("main.shortLived", "gone", 4, 0, False)
    has("main.steadySleeper", "same", 1, 1, True)
    c.check("diff biggest first", d["changes"][0]["delta"] == 5, str(d["changes"][0])[:200])
    c.check("diff summary", d["summary"]["new"] == 1 and d["summary"]["gone"] == 1
            and d["summary"]["grown"] == 1 and d["summary"]["growth"], str(d["summary"]))
    code, out, err = lg("diff", a, b)
    c.check("dump diff text", code == 1 and "+5 grown (3 -> 8)" in out and "long-lived" in out
            and "-4 gone" in out, out[:600])
    code, out, err = lg("diff", "--min-delta", "3", a, b)
    c.check("min delta", code == 1 and "+2 new" not in out and "+5 grown" in out, out[:400])
    code, out, err = lg("diff", "--min-delta", "6", a, b)
    c.check("min delta hides growth", code == 0, out[:400])
    code, out, err = lg("diff", a, a)
    c.check("dump self diff", code == 0 and "0 new, 0 gone, 0 grown, 0 shrunk" in out, out[:300])
    code, out, err = lg("diff", "--folded", a, b)
    lines = out.splitlines()
    c.check("dump diff folded", code == 1 and sorted(int(l.rsplit(" ", 1)[1]) for l in lines) == [2, 5],
            repr(lines))
    code, out, err = lg("diff", "--by", "exact", "--json", a, b)
    c.check("diff by exact", code == 1 and json.loads(out)["by"] == "exact", err)


# ---------------------------------------------------------------------------
# Bad input: a clear error naming the file, a non-zero exit, no crash.

def crashed(code):
    return code < 0 or code >= 128


def test_corrupt():
    os.makedirs(WORK, exist_ok=True)
    src = open(os.path.join(DUMPS, "go127_stack.txt"), encoding="utf-8").read()
    cut = src.index("goroutine 24 [")
    trunc = os.path.join(WORK, "truncated.txt")
    with open(trunc, "w", encoding="utf-8") as f:
        f.write(src[:cut + 16])  # stops inside a header
    code, out, err = lg("stacks", trunc)
    lineno = src[:cut].count("\n") + 1
    c.check("truncated dump exit", code == 3 and not crashed(code), f"exit {code}")
    c.check("truncated dump names file:line", f"{trunc}:{lineno}:" in err, err[-400:])
    c.check("truncated dump still shows groups", "goroutine" in out)
    cut2 = src.index("\n", src.index("main.selectTwo")) + 1  # a frame without its file line
    with open(trunc, "w", encoding="utf-8") as f:
        f.write(src[:cut2])
    code, out, err = lg("stacks", "--json", trunc)
    c.check("cut frame exit", code == 3 and f"{trunc}:" in err, err[-300:])
    if out:
        valid("cut frame json", json.loads(out))

    garbage = os.path.join(WORK, "garbage.bin")
    with open(garbage, "wb") as f:
        f.write(bytes((i * 7919 + 13) % 256 for i in range(20000)))
    code, out, err = lg("stacks", garbage)
    c.check("garbage exit", code == 3 and not crashed(code) and "garbage.bin" in err, f"{code} {err}")
    text = os.path.join(WORK, "notadump.txt")
    with open(text, "w", encoding="utf-8") as f:
        f.write("hello\nthis is test output\nPASS\n")
    code, out, err = lg("stacks", text)
    c.check("text without goroutines", code == 3 and "notadump.txt" in err and "no goroutines" in err, err)
    empty = os.path.join(WORK, "empty.txt")
    open(empty, "w").close()
    code, out, err = lg("stacks", empty)
    c.check("empty input", code == 3 and "empty.txt" in err, err)

    data = open(os.path.join(PPROF, "heap_after.pb.gz"), "rb").read()
    tgz = os.path.join(WORK, "truncated.pb.gz")
    with open(tgz, "wb") as f:
        f.write(data[:len(data) // 2])
    code, out, err = lg("stacks", tgz)
    c.check("truncated gzip", code == 3 and not crashed(code) and "truncated.pb.gz" in err, f"{code} {err}")
    code, out, err = lg("diff", tgz, os.path.join(PPROF, "heap_after.pb.gz"))
    c.check("truncated gzip in diff", code == 3 and "truncated.pb.gz" in err, f"{code} {err}")
    code, out, err = lg("stacks", os.path.join(WORK, "missing.txt"))
    c.check("missing file", code == 3 and "missing.txt" in err, err)


# ---------------------------------------------------------------------------
# URLs against a real HTTP server on loopback.

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_urls():
    port = free_port()
    srv = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                            "--directory", os.path.join(SRC, "tests", "fixtures")],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        d = stacks_json("url dump", base + "/dumps/go127_stack.txt")
        f = stacks_json("file dump", os.path.join(DUMPS, "go127_stack.txt"))
        if d and f:
            c.check("url same groups", [g["id"] for g in d["groups"]] == [g["id"] for g in f["groups"]])
            c.check("url source", d["source"] == base + "/dumps/go127_stack.txt", d["source"])
        d = stacks_json("url profile", "--by-label", "role", base + "/pprof/goroutine.pb.gz")
        if d:
            c.check("url profile", d["input"] == "profile" and any(g["label"] == "fetcher" for g in d["groups"]))
        secret_url = f"http://alice:s3cretpw@127.0.0.1:{port}/dumps/go126_stack.txt"
        code, out, err = lg("stacks", "--json", "--header", "Authorization: Bearer tok3n",
                            "--user", "bob:hunter22", secret_url)
        c.check("url with credentials", code == 0, err)
        for s in ("s3cretpw", "tok3n", "hunter22"):
            c.check("credential hidden " + s, s not in out and s not in err)
        code, out, err = lg("stacks", base + "/dumps/nope.txt")
        c.check("url 404", code == 3 and "404" in err, f"{code} {err}")
        code, out, err = lg("stacks", f"http://alice:s3cretpw@127.0.0.1:{port}/nope")
        c.check("url 404 hides password", code == 3 and "s3cretpw" not in err, err)
        code, out, err = lg("diff", base + "/pprof/heap_before.pb.gz", base + "/pprof/heap_after.pb.gz")
        c.check("url diff", code == 1 and "main.growHeapForLeakgate" in out, err)
        dead = free_port()
        code, out, err = lg("stacks", "--timeout", "5s", f"http://127.0.0.1:{dead}/x")
        c.check("url refused", code == 3 and f"127.0.0.1:{dead}" in err, err)
    finally:
        srv.terminate()
        srv.wait(timeout=10)


def main():
    os.makedirs(WORK, exist_ok=True)
    for t in (test_every_dump, test_dump_details, test_filters, test_stdin_and_colour, test_profiles,
              test_labelled_profile,
              test_profile_diff, test_dump_diff, test_corrupt, test_urls):
        try:
            t()
        except Exception as e:  # a broken case must fail, not stop the others
            c.check(t.__name__, False, f"{type(e).__name__}: {e}")
    c.finish()


if __name__ == "__main__":
    main()
