"""End to end: test binaries with huge goroutine counts (issue 12).

tests/fixtures/huge: a package whose tests start a million goroutines that
all end must pass under leakgate as under go test, in bounded time, with the
hook's probe and settle phase meeting the million (aggregated probe,
counted settle) instead of dumping them in full; a package that leaks
200,000 goroutines must fail with the leak at its `go` statement's
file:line, its count and its test, and the report must say the snapshot was
aggregated; a package that hangs with 60,000 goroutines must get its whole
SIGQUIT dump read (the SIGKILL postponed while the runtime prints it), not
be called a binary that ignored SIGQUIT.
"""
import os
import re
import subprocess
import time

from lgtest import SOURCE_DIR, WORK, Checker, check_of, load_report, packages_by_name, run_leakgate

HUGE = os.path.join(SOURCE_DIR, "tests", "fixtures", "huge")
MODULE = "leakgate.test/huge"


def line_of(rel, marker):
    """1-based line of the first line of HUGE/rel holding marker."""
    with open(os.path.join(HUGE, rel), encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if marker in line:
                return i
    raise AssertionError(f"{marker} not in {rel}")


def kept_workdir(stderr):
    m = re.search(r"work directory kept in (\S+)", stderr)
    return m.group(1) if m else None


def million(c):
    start = time.monotonic()
    g = subprocess.run(["go", "test", "-count=1", "./million"], cwd=HUGE, capture_output=True, text=True)
    go_seconds = time.monotonic() - start
    c.check("million: passes under go test", g.returncode == 0, g.stdout + g.stderr)
    rep = os.path.join(WORK, "huge-million.json")
    code, out, err, secs = run_leakgate(["run", "--timeout", "120s", "--settle", "5s", "--keep-work", "--json", rep, "./million"], HUGE)
    print(f"million: go test {go_seconds:.1f}s, leakgate run {secs:.1f}s", flush=True)
    c.check("million: exit 0 under leakgate", code == 0, out + err[-2000:])
    p = packages_by_name(load_report(rep), MODULE)["million"]
    c.check("million: passed, no hang, leak or deadlock check failed",
            p["passed"] and not check_of(p, "hang") and not check_of(p, "deadlock"),
            [(k["kind"], k["status"], k["message"][:120]) for k in p["checks"]])
    # bounded: the hook's own work on a million goroutines must not multiply
    # the time (before, a probe's full dump alone took 14 s on 2 cores)
    c.check("million: leakgate within 2x go test + 20 s", secs < 2 * go_seconds + 20, (secs, go_seconds))
    work = kept_workdir(err)
    hookdir = os.path.join(work or "", "0", "hook")
    c.check("million: work directory kept", work and os.path.isdir(hookdir), err[-500:])
    if work and os.path.isdir(hookdir):
        m = load_report(os.path.join(hookdir, "hook.json"))
        probes = sorted(f for f in os.listdir(hookdir) if re.fullmatch(r"probe-\d+\.json", f))
        agg = [load_report(os.path.join(hookdir, f)) for f in probes]
        c.check("million: the probe met the million and was aggregated",
                any(a.get("aggregated") and a["num_goroutine"] > 500000 for a in agg), agg)
        for a in agg:
            if a.get("aggregated"):
                size = os.path.getsize(os.path.join(hookdir, a["stacks"]))
                sample = os.path.getsize(os.path.join(hookdir, a["sample_stacks"]))
                c.check("million: aggregated probe small, sample capped", size < 100000 and sample <= 8 << 20,
                        (size, sample))
        c.check("million: busy marker removed", not os.path.exists(os.path.join(hookdir, "busy.json")))
        c.check("million: settle counted the lingering goroutines", m["settle"].get("counted") is True, m["settle"])
        subprocess.run(["rm", "-rf", work])


def millionleak(c):
    rep = os.path.join(WORK, "huge-millionleak.json")
    code, out, err, secs = run_leakgate(["run", "--timeout", "120s", "--json", rep, "./millionleak"], HUGE)
    print(f"millionleak: leakgate run {secs:.1f}s", flush=True)
    c.check("millionleak: exit 1", code == 1, out + err[-2000:])
    c.check("millionleak: bounded time", secs < 40, secs)
    p = packages_by_name(load_report(rep), MODULE)["millionleak"]
    chk = check_of(p, "goroutine-leaks")
    c.check("millionleak: leak check failed with the count",
            chk and chk["status"] == "failed" and chk["message"].startswith("200003 goroutines leaked in 2 groups"),
            chk and chk["message"])
    subscribe = line_of("millionleak/millionleak.go", "go func() { // LEAK")
    groups = {(g["created_at"] or g["blocked_at"] or {}).get("line"): g for g in p["leaks"]}
    big = groups.get(subscribe)
    c.check("millionleak: 200000 at Subscribe's go statement, in TestSubscribe",
            big and big["count"] == 200000 and big["created_at"]["file"] == "millionleak/millionleak.go"
            and big.get("test") == "TestSubscribe" and big["wait_reason"] == "chan receive",
            [(g["count"], g["created_at"], g["blocked_at"], g.get("test")) for g in p["leaks"]])
    c.check("millionleak: the check points at it", chk and chk["loc"]["line"] == subscribe
            and chk["loc"]["file"] == "millionleak/millionleak.go" and chk.get("test") == "TestSubscribe",
            chk and chk["loc"])
    small = [g for g in p["leaks"] if g["count"] == 3]
    tick = line_of("millionleak/millionleak.go", "<-tick")
    c.check("millionleak: the 3 Tick goroutines a group of their own",
            len(small) == 1 and tick in ((small[0]["created_at"] or {}).get("line"), small[0]["blocked_at"]["line"]),
            small)
    c.check("millionleak: report says the snapshot was aggregated",
            p.get("snapshot_aggregated") is True and "after snapshot aggregated" in (p.get("snapshot_note") or ""),
            (p.get("snapshot_aggregated"), p.get("snapshot_note")))
    c.check("millionleak: terminal note", "note: after snapshot aggregated" in err, err[-1500:])
    c.check("millionleak: leak detail says so too", chk and "after snapshot aggregated" in chk["detail"])


def hugehang(c):
    rep = os.path.join(WORK, "huge-hang.json")
    code, out, err, secs = run_leakgate(["run", "--timeout", "6s", "--grace", "200ms", "--json", rep, "./hugehang"], HUGE)
    print(f"hugehang: leakgate run {secs:.1f}s", flush=True)
    c.check("hugehang: exit 1", code == 1, out + err[-2000:])
    p = packages_by_name(load_report(rep), MODULE)["hugehang"]
    hang = check_of(p, "hang")
    detail = (hang or {}).get("detail") or ""
    c.check("hugehang: a hang naming TestServe", hang and "still running: TestServe" in hang["message"],
            hang and hang["message"])
    c.check("hugehang: not called a binary that ignored SIGQUIT", "ignored SIGQUIT" not in detail, detail[-800:])
    c.check("hugehang: the kill was postponed for the dump", "the SIGKILL was postponed" in detail, detail[-800:])
    c.check("hugehang: the dump's goroutines grouped", re.search(r"\d{4,} goroutines like this one:\ngoroutine \d+ \[chan receive\]", detail),
            detail[:800])
    c.check("hugehang: bounded (deadline + grace + 60 s)", p["run_seconds"] < 6 + 0.2 + 60 + 5, p["run_seconds"])


def main():
    c = Checker()
    os.makedirs(WORK, exist_ok=True)
    millionleak(c)
    million(c)
    hugehang(c)
    c.finish()


if __name__ == "__main__":
    main()
