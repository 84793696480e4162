/*
 * test_http.c — the http module against real servers on 127.0.0.1.
 *
 * The server is the Go program in tests/fixtures/httpsrv, built once into
 * the build tree and started per case in the mode the case needs (plain,
 * basic auth, TLS with a certificate it generates, mutual TLS).  It serves
 * net/http/pprof, so a successful fetch must also decode as a goroutine
 * profile, plus the hostile paths every client meets sooner or later: a
 * slow answer, a redirect loop, a redirect to file://, an endless body and
 * a server that echoes the Authorization header back.  Every error message
 * is checked for what it must say and for the secrets it must not.
 *
 * Servers are started with a pipe on their stdin and exit when it closes,
 * so a crashed test leaves no survivors; a normal run also kills and reaps
 * each one by pid.
 */
#define _GNU_SOURCE /* strcasestr */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http.h"
#include "pprof.h"
#include "util.h"
#include "check.h"

#define USER "gate-user"
#define PASS "s3cret-Pa55"
#define TOKEN "Z2F0ZS11c2VyOnMzY3JldC1QYTU1" /* base64 of USER ":" PASS */

struct server {
	pid_t pid;
	int in_fd; /* its stdin: closing it stops the server */
	int port;
};

static char *server_bin;
static char tmpdir[] = "/tmp/lg-http-XXXXXX";

/* Builds tests/fixtures/httpsrv once; NULL when that fails. */
static const char *server_path(void)
{
	static int tried;
	const char *src = getenv("LG_SOURCE_DIR"), *bin = getenv("LG_BINARY_DIR");
	char *cmd;

	if (tried)
		return server_bin;
	tried = 1;
	if (!src || !*src)
		src = ".";
	if (!bin || !*bin)
		bin = tmpdir;
	server_bin = lg_xasprintf("%s/httpsrv", bin);
	cmd = lg_xasprintf("cd '%s/tests/fixtures/httpsrv' && go build -buildvcs=false -o '%s' .", src,
			   server_bin);
	if (system(cmd) != 0) {
		fprintf(stderr, "cannot build the test server: %s\n", cmd);
		free(server_bin);
		server_bin = NULL;
	}
	free(cmd);
	return server_bin;
}

/* Reads the port line the server prints first; 0 on timeout or EOF. */
static int read_port(int fd)
{
	char line[32];
	size_t n = 0;
	double deadline = lg_now() + 15.0;

	while (n < sizeof(line) - 1 && lg_now() < deadline) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		ssize_t r;

		if (poll(&pfd, 1, 200) <= 0)
			continue;
		r = read(fd, line + n, 1);
		if (r <= 0)
			return 0;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return atoi(line);
}

/*
 * Starts the server with `args` (NULL-terminated, after the binary name);
 * returns 0 and fills `s`, or -1 (already CHECKed).
 */
static int start(struct server *s, const char *const *args)
{
	const char *argv[16];
	int in[2], out[2];
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	s->in_fd = -1;
	if (!server_path()) {
		CHECK(!"test server built");
		return -1;
	}
	argv[n++] = server_bin;
	argv[n++] = "-watch-stdin";
	while (*args && n < LG_ARRAY_SIZE(argv) - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
	if (pipe(in) || pipe(out)) {
		CHECK(!"pipe");
		return -1;
	}
	s->pid = fork();
	if (s->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	s->in_fd = in[1];
	fcntl(s->in_fd, F_SETFD, FD_CLOEXEC); /* later servers must not hold it */
	s->port = s->pid > 0 ? read_port(out[0]) : 0;
	close(out[0]);
	CHECK(s->port > 0);
	return s->port > 0 ? 0 : -1;
}

static void stop(struct server *s)
{
	if (s->in_fd >= 0)
		close(s->in_fd);
	if (s->pid > 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
	s->in_fd = -1;
}

static char *url(const struct server *s, const char *scheme, const char *path)
{
	return lg_xasprintf("%s://127.0.0.1:%d%s", scheme, s->port, path);
}

static char *tmp_path(const char *name)
{
	return lg_xasprintf("%s/%s", tmpdir, name);
}

/* Neither credential may appear in a message or a redacted URL. */
static void check_no_secrets(const char *s)
{
	CHECK(strstr(s, PASS) == NULL);
	CHECK(strstr(s, TOKEN) == NULL);
}

/* Fetches and checks the outcome; returns the body (caller frees). */
static char *fetch(const char *u, const struct lg_http_opts *o, int want_ret, long want_status,
		   const char *want_msg, size_t *len)
{
	struct lg_buf body = LG_BUF_INIT;
	struct lg_err err;
	long status = -1;
	int ret;

	err.msg[0] = '\0';
	ret = lg_http_fetch(u, o, &body, &status, &err);
	if (ret != want_ret)
		fprintf(stderr, "fetch %s: ret %d (%s)\n", u, ret, ret ? err.msg : "ok");
	if (getenv("LG_TEST_VERBOSE"))
		fprintf(stderr, "%s -> %d, HTTP %ld: %s\n", u, ret, status, ret ? err.msg : "ok");
	CHECK_INT(ret, want_ret);
	CHECK_INT(status, want_status);
	if (want_msg && !strstr(err.msg, want_msg)) {
		fprintf(stderr, "fetch %s: message \"%s\" lacks \"%s\"\n", u, err.msg, want_msg);
		CHECK(!"message as expected");
	}
	if (ret) {
		char *shown = lg_http_redact(u);

		/* The message names the (redacted) URL first. */
		CHECK(lg_starts_with(err.msg, "'"));
		CHECK(strstr(err.msg, shown) != NULL);
		CHECK_INT(body.len, 0); /* a failed fetch appends nothing */
		free(shown);
	}
	check_no_secrets(err.msg);
	if (len)
		*len = body.len;
	return lg_buf_detach(&body, NULL);
}

/* The fetched body is a goroutine profile with the server's parked goroutines. */
static void check_goroutine_profile(const char *body, size_t len)
{
	struct lg_pprof p;
	struct lg_err err;
	size_t i, parked = 0;

	lg_pprof_init(&p);
	if (lg_pprof_parse(&p, (const unsigned char *)body, len, "fetched", &err)) {
		fprintf(stderr, "parse: %s\n", err.msg);
		CHECK(!"fetched profile parses");
		return;
	}
	CHECK_INT(p.nsample_types, 1);
	if (p.nsample_types == 1)
		CHECK_STR(p.sample_types[0].type, "goroutine");
	for (i = 0; i < p.nsamples; i++) {
		const struct lg_pprof_sample *s = &p.samples[i];
		size_t j;

		for (j = 0; j < s->nframes; j++)
			if (!strcmp(s->frames[j].func, "main.parked"))
				break;
		if (j < s->nframes) {
			parked += (size_t)s->values[0];
			CHECK_INT(s->nlabels, 1);
			if (s->nlabels == 1) {
				CHECK_STR(s->labels[0].key, "role");
				CHECK_STR(s->labels[0].str, "parked");
			}
		}
	}
	CHECK_INT(parked, 3);
	lg_pprof_release(&p);
}

static void test_plain_profile(void)
{
	static const char *const args[] = { "-mode", "plain", NULL };
	struct server s;
	char *u, *body;
	size_t len = 0;

	if (start(&s, args))
		return;
	u = url(&s, "http", "/debug/pprof/goroutine");
	body = fetch(u, NULL, 0, 200, NULL, &len);
	check_goroutine_profile(body, len);
	free(body);
	free(u);
	/* Scheme and host are case-insensitive. */
	u = lg_xasprintf("HTTP://127.0.0.1:%d/debug/pprof/goroutine?debug=1", s.port);
	body = fetch(u, NULL, 0, 200, NULL, NULL);
	CHECK(strstr(body, "goroutine profile: total") != NULL);
	CHECK(strstr(body, "main.parked") != NULL);
	free(body);
	free(u);
	stop(&s);
}

static void test_basic_auth(void)
{
	static const char *const args[] = { "-mode", "auth", "-user", USER, "-pass", PASS, NULL };
	struct lg_http_opts o = { 0 };
	char *hdr[1];
	struct server s;
	char *u, *body;
	size_t len = 0;

	if (start(&s, args))
		return;
	u = url(&s, "http", "/debug/pprof/goroutine");
	free(fetch(u, NULL, -1, 401, "HTTP 401 Unauthorized: authentication required", NULL));
	o.userpwd = USER ":wrong-password";
	free(fetch(u, &o, -1, 401, "HTTP 401 Unauthorized", NULL));
	o.userpwd = USER ":" PASS;
	body = fetch(u, &o, 0, 200, NULL, &len);
	check_goroutine_profile(body, len);
	free(body);
	free(u);

	/* Credentials in the URL work and are redacted from errors. */
	u = lg_xasprintf("http://" USER ":" PASS "@127.0.0.1:%d/debug/pprof/goroutine", s.port);
	free(fetch(u, NULL, 0, 200, NULL, NULL));
	free(u);
	u = lg_xasprintf("http://" USER ":" PASS "@127.0.0.1:%d/debug/pprof/nosuch", s.port);
	free(fetch(u, NULL, -1, 404, "'http://***@127.0.0.1:", NULL));
	free(u);

	/* So does a ready-made Authorization header. */
	hdr[0] = "Authorization: Basic " TOKEN;
	o.userpwd = NULL;
	o.headers = hdr;
	o.nheaders = 1;
	u = url(&s, "http", "/debug/pprof/goroutine");
	free(fetch(u, &o, 0, 200, NULL, NULL));
	free(u);
	/* A server that repeats the header back: the message must not. */
	u = url(&s, "http", "/echo-auth");
	free(fetch(u, &o, -1, 403, "HTTP 403 Forbidden: you sent ***", NULL));
	free(u);
	stop(&s);
}

static void test_header_secret_scrubbed(void)
{
	static const char *const args[] = { "-mode", "plain", NULL };
	struct lg_http_opts o = { 0 };
	char *hdr[2] = { "X-Leakgate: yes", "Authorization: Bearer tok-" PASS };
	struct server s;
	char *u;

	if (start(&s, args))
		return;
	o.headers = hdr;
	o.nheaders = 2;
	u = url(&s, "http", "/echo-auth");
	free(fetch(u, &o, -1, 403, "you sent ***", NULL));
	free(u);
	stop(&s);
}

static void test_tls(void)
{
	char *ca = tmp_path("tls-ca.pem");
	const char *const args[] = { "-mode", "tls", "-ca", ca, NULL };
	struct lg_http_opts o = { 0 };
	struct server s;
	char *u, *body;
	size_t len = 0;

	if (start(&s, args))
		goto out;
	u = url(&s, "https", "/debug/pprof/goroutine");
	free(fetch(u, NULL, -1, 0, "SSL certificate problem: self-signed certificate", NULL));
	o.cacert = ca;
	body = fetch(u, &o, 0, 200, NULL, &len);
	check_goroutine_profile(body, len);
	free(body);
	free(u);
	/* The certificate names localhost too. */
	u = lg_xasprintf("https://localhost:%d/debug/pprof/goroutine", s.port);
	free(fetch(u, &o, 0, 200, NULL, NULL));
	free(u);
	/* Turning verification off is possible, but only on request. */
	o.cacert = NULL;
	o.insecure = 1;
	u = url(&s, "https", "/debug/pprof/goroutine");
	free(fetch(u, &o, 0, 200, NULL, NULL));
	/* Plain HTTP to a TLS port is a clear failure, not a hang. */
	free(u);
	u = url(&s, "http", "/debug/pprof/goroutine");
	o.timeout = 5;
	free(fetch(u, &o, -1, 400, "HTTP 400", NULL));
	free(u);
	stop(&s);
out:
	free(ca);
}

static void test_mutual_tls(void)
{
	char *ca = tmp_path("mtls-ca.pem"), *cert = tmp_path("client.pem"),
	     *key = tmp_path("client-key.pem");
	const char *const args[] = { "-mode", "mtls", "-ca", ca, "-client-cert", cert,
				     "-client-key", key, NULL };
	struct lg_http_opts o = { 0 };
	struct server s;
	char *u;

	if (start(&s, args))
		goto out;
	u = url(&s, "https", "/debug/pprof/goroutine");
	o.cacert = ca;
	/* Without a client certificate the server refuses the handshake. */
	free(fetch(u, &o, -1, 0, "alert certificate required", NULL));
	o.cert = cert;
	o.key = key;
	free(fetch(u, &o, 0, 200, NULL, NULL));
	o.key = ca; /* not a key */
	free(fetch(u, &o, -1, 0, "key", NULL));
	free(u);
	stop(&s);
out:
	free(ca);
	free(cert);
	free(key);
}

static void test_timeout(void)
{
	static const char *const args[] = { "-mode", "plain", "-sleep", "30s", NULL };
	struct lg_http_opts o = { 0 };
	struct server s;
	double t0, took;
	char *u;

	if (start(&s, args))
		return;
	u = url(&s, "http", "/slow");
	o.timeout = 1.0;
	t0 = lg_now();
	free(fetch(u, &o, -1, 0, "': timed out after 1000 ms", NULL));
	took = lg_now() - t0;
	CHECK(took >= 0.9 && took < 2.0);
	free(u);
	stop(&s);
}

static void test_redirects(void)
{
	static const char *const args[] = { "-mode", "plain", NULL };
	struct lg_http_opts o = { 0 };
	struct server s;
	char *u;

	if (start(&s, args))
		return;
	u = url(&s, "http", "/loop");
	free(fetch(u, NULL, -1, 302, "too many redirects (stopped after 3)", NULL));
	o.max_redirects = 1;
	free(fetch(u, &o, -1, 302, "too many redirects (stopped after 1)", NULL));
	o.max_redirects = -1; /* not followed: the 302 itself is the answer */
	free(fetch(u, &o, -1, 302, "HTTP 302 Found", NULL));
	free(u);
	/* A server may not send us to a local file. */
	u = url(&s, "http", "/to-file");
	free(fetch(u, NULL, -1, 302, "unsupported or disallowed protocol", NULL));
	free(u);
	/* pprof's own redirect (/debug/pprof -> /debug/pprof/) is followed. */
	u = url(&s, "http", "/debug/pprof");
	o.max_redirects = 0;
	free(fetch(u, &o, 0, 200, NULL, NULL));
	free(u);
	stop(&s);
}

static void test_body_cap(void)
{
	static const char *const args[] = { "-mode", "plain", NULL };
	struct lg_http_opts o = { 0 };
	struct lg_buf body = LG_BUF_INIT;
	struct lg_err err;
	struct server s;
	char *u;

	if (start(&s, args))
		return;
	u = url(&s, "http", "/huge");
	o.max_bytes = (size_t)1 << 20;
	o.timeout = 10;
	free(fetch(u, &o, -1, 200, "body larger than 1048576 bytes", NULL));
	/* What the caller had in the buffer stays; nothing is appended. */
	lg_buf_adds(&body, "kept");
	CHECK_INT(lg_http_fetch(u, &o, &body, NULL, &err), -1);
	CHECK_STR(body.buf, "kept");
	lg_buf_release(&body);
	free(u);
	/* A body exactly at the cap is fine, one byte less is not: cmdline is
	 * the server's argv joined by NULs. */
	u = url(&s, "http", "/debug/pprof/cmdline");
	o.max_bytes = strlen(server_bin) + strlen("\001-watch-stdin\001-mode\001plain");
	free(fetch(u, &o, 0, 200, NULL, NULL));
	o.max_bytes--;
	free(fetch(u, &o, -1, 200, "body larger than", NULL));
	free(u);
	stop(&s);
}

static void test_not_found(void)
{
	static const char *const args[] = { "-mode", "plain", NULL };
	struct server s;
	char *u;

	if (start(&s, args))
		return;
	u = url(&s, "http", "/nothing/here");
	free(fetch(u, NULL, -1, 404, "/nothing/here': HTTP 404 Not Found: 404 page not found",
		   NULL));
	free(u);
	u = url(&s, "http", "/debug/pprof/nosuch");
	free(fetch(u, NULL, -1, 404, "HTTP 404 Not Found: Unknown profile", NULL));
	free(u);
	stop(&s);
	/* The port is closed now. */
	u = url(&s, "http", "/debug/pprof/goroutine");
	free(fetch(u, NULL, -1, 0, "Couldn't connect to server", NULL));
	free(u);
}

static void test_file_url(void)
{
	char *path = tmp_path("profile.txt"), *u, *body;
	struct lg_http_opts o = { 0 };
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (!f)
		goto out;
	fputs("goroutine 1 [running]:\n", f);
	fclose(f);
	u = lg_xasprintf("file://%s", path);
	body = fetch(u, NULL, 0, 0, NULL, NULL);
	CHECK_STR(body, "goroutine 1 [running]:\n");
	free(body);
	o.max_bytes = 4;
	free(fetch(u, &o, -1, 0, "body larger than 4 bytes", NULL));
	free(u);
	u = lg_xasprintf("file://%s.missing", path);
	free(fetch(u, NULL, -1, 0, "file", NULL));
	free(u);
	/* Only http, https and file. */
	free(fetch("ftp://127.0.0.1/x", NULL, -1, 0, "unsupported or disallowed protocol", NULL));
out:
	unlink(path);
	free(path);
}

static void test_redact(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "http://u:p@host:6060/debug/pprof/heap", "http://***@host:6060/debug/pprof/heap" },
		{ "https://user@host/x", "https://***@host/x" },
		{ "https://u:p@ss@host/x?y=a@b", "https://***@host/x?y=a@b" },
		{ "http://host/path@x", "http://host/path@x" },
		{ "http://host?q=u:p@x", "http://host?q=u:p@x" },
		{ "http://host", "http://host" },
		{ "file:///tmp/a@b", "file:///tmp/a@b" },
		{ "not a url", "not a url" },
		{ "", "" },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		char *r = lg_http_redact(cases[i].in);

		CHECK_STR(r, cases[i].want);
		free(r);
	}
}

static void test_is_url(void)
{
	CHECK(lg_http_is_url("http://h/x"));
	CHECK(lg_http_is_url("HTTPS://h/x"));
	CHECK(lg_http_is_url("file:///tmp/x"));
	CHECK(!lg_http_is_url("ftp://h/x"));
	CHECK(!lg_http_is_url("/tmp/http://x"));
	CHECK(!lg_http_is_url("heap.pb.gz"));
	CHECK(!lg_http_is_url(NULL));
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "redact", test_redact },
		{ "is_url", test_is_url },
		{ "file_url", test_file_url },
		{ "plain_profile", test_plain_profile },
		{ "basic_auth", test_basic_auth },
		{ "header_secret_scrubbed", test_header_secret_scrubbed },
		{ "tls", test_tls },
		{ "mutual_tls", test_mutual_tls },
		{ "timeout", test_timeout },
		{ "redirects", test_redirects },
		{ "body_cap", test_body_cap },
		{ "not_found", test_not_found },
	};
	int ret;

	/* The servers are on loopback: a proxy from the environment must not interfere. */
	setenv("NO_PROXY", "127.0.0.1,localhost", 1);
	setenv("no_proxy", "127.0.0.1,localhost", 1);
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	ret = LG_CHECK_RUN(cases);
	{
		char *cmd = lg_xasprintf("rm -rf '%s'", tmpdir);

		if (system(cmd) != 0)
			ret = 1;
		free(cmd);
	}
	free(server_bin);
	return ret;
}
