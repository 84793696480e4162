"""End to end: `leakgate stacks URL` against a real Go server on 127.0.0.1.

The server is tests/fixtures/httpsrv (net/http/pprof, three goroutines
labelled role=parked waiting in main.parked), started per case in plain,
basic-auth and TLS mode.  Each case runs the real leakgate binary on a URL
and checks the exit code, what it shows, and — in every case — that the
password and the Authorization value appear in neither stdout nor stderr.
"""
import base64
import json
import os
import subprocess
import tempfile
import time

from lgtest import SOURCE_DIR, WORK, Checker, run_leakgate

USER = "gate-user"
PASS = "e2e-Pa55w0rd"
TOKEN = base64.b64encode(f"{USER}:{PASS}".encode()).decode()
TMP = tempfile.mkdtemp(prefix="lg-pprof-http-")
CA = os.path.join(TMP, "ca.pem")

c = Checker()


def build_server():
    os.makedirs(WORK, exist_ok=True)
    out = os.path.join(WORK, "httpsrv-e2e")
    subprocess.run(["go", "build", "-buildvcs=false", "-o", out, "."], check=True,
                   cwd=os.path.join(SOURCE_DIR, "tests", "fixtures", "httpsrv"))
    return out


class Server:
    """One httpsrv process; it exits when its stdin closes, so none survive us."""

    def __init__(self, binary, *args):
        self.p = subprocess.Popen([binary, "-watch-stdin", *args], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        self.port = int(self.p.stdout.readline().strip() or 0)

    def url(self, path, scheme="http", creds=""):
        return f"{scheme}://{creds}127.0.0.1:{self.port}{path}"

    def stop(self):
        self.p.stdin.close()
        self.p.kill()
        self.p.wait()
        self.p.stdout.close()


def stacks(name, args, want_code, want=(), unwanted=()):
    """Runs `leakgate stacks ARGS`; checks the exit code, texts and secrets."""
    code, out, err, secs = run_leakgate(["stacks", *args], cwd=TMP, timeout=60)
    both = out + err
    c.check(f"{name}: exit {want_code}", code == want_code, f"got {code}: {both[-600:]}")
    for w in want:
        c.check(f"{name}: shows {w!r}", w in both, both[-600:])
    for u in unwanted:
        c.check(f"{name}: does not show {u!r}", u not in both, both[-600:])
    for secret in (PASS, TOKEN):
        c.check(f"{name}: no secret in output", secret not in both, "credential printed")
    return out, secs


def parked_count(out):
    """Goroutines in main.parked according to --json output."""
    try:
        doc = json.loads(out)
    except ValueError as e:
        c.check("json output parses", False, str(e))
        return -1
    frames = doc["frames"]
    return sum(g["count"] for g in doc["groups"]
               if any(frames[i]["func"] == "main.parked" for i in g["frames"]))


def plain_cases(binary):
    s = Server(binary, "-mode", "plain", "-sleep", "30s")
    try:
        # The default goroutine profile (debug=0, gzipped protobuf).
        stacks("plain profile", [s.url("/debug/pprof/goroutine")], 0,
               want=("3 goroutines", "main.parked", 'role: "parked"'))
        out, _ = stacks("plain json", ["--json", s.url("/debug/pprof/goroutine")], 0)
        c.check("json: 3 goroutines in main.parked", parked_count(out) == 3, out[:300])
        stacks("by label", ["--by-label", "role", s.url("/debug/pprof/goroutine")], 0,
               want=("role=parked: 3 goroutines",))
        # The text dump over HTTP goes through the same fetch.
        stacks("debug=2 dump", [s.url("/debug/pprof/goroutine?debug=2")], 0,
               want=("main.parked",))
        stacks("404", [s.url("/debug/pprof/nosuch")], 3,
               want=("HTTP 404 Not Found",))
        _, secs = stacks("timeout", ["--timeout", "1s", s.url("/slow")], 3,
                         want=("timed out after 1000 ms",))
        c.check("timeout: gives up within 3s", secs < 3.0, f"{secs:.1f}s")
        stacks("redirect loop", [s.url("/loop")], 3, want=("too many redirects",))
        stacks("redirect to file", [s.url("/to-file")], 3,
               want=("disallowed protocol",), unwanted=("root:",))
    finally:
        s.stop()


def auth_cases(binary):
    s = Server(binary, "-mode", "auth", "-user", USER, "-pass", PASS)
    try:
        u = s.url("/debug/pprof/goroutine")
        stacks("auth: no credentials", [u], 3, want=("HTTP 401 Unauthorized",))
        stacks("auth: wrong password", ["--user", f"{USER}:wrong-one", u], 3,
               want=("HTTP 401",), unwanted=("wrong-one",))
        stacks("auth: --user", ["--user", f"{USER}:{PASS}", u], 0, want=("main.parked",))
        stacks("auth: --header", ["--header", f"Authorization: Basic {TOKEN}", u], 0,
               want=("main.parked",))
        # Credentials in the URL work, and the URL is shown redacted.
        stacks("auth: user:pass@ in URL", [s.url("/debug/pprof/goroutine", creds=f"{USER}:{PASS}@")],
               0, want=("main.parked", "***@127.0.0.1"))
        stacks("auth: bad URL creds", [s.url("/debug/pprof/goroutine", creds=f"{USER}:x{PASS}@")],
               3, want=("***@127.0.0.1", "HTTP 401"))
        # A server that echoes the Authorization header back into its error.
        stacks("auth: echoed header", ["--header", f"Authorization: Basic {TOKEN}",
                                       s.url("/echo-auth")], 3, want=("HTTP 403",))
    finally:
        s.stop()


def tls_cases(binary):
    s = Server(binary, "-mode", "tls", "-ca", CA)
    try:
        u = s.url("/debug/pprof/goroutine", scheme="https")
        stacks("tls: unknown CA", [u], 3, want=("SSL certificate problem",))
        stacks("tls: --cacert", ["--cacert", CA, u], 0, want=("3 goroutines", "main.parked"))
        stacks("tls: --insecure", ["--insecure", u], 0, want=("main.parked",))
        stacks("tls: --user over https", ["--cacert", CA, "--user", f"{USER}:{PASS}", u], 0,
               want=("main.parked",))
    finally:
        s.stop()


def main():
    binary = build_server()
    started = time.monotonic()
    plain_cases(binary)
    auth_cases(binary)
    tls_cases(binary)
    c.check("whole test under 60s", time.monotonic() - started < 60)
    subprocess.run(["rm", "-rf", TMP], check=False)
    c.finish()


main()
