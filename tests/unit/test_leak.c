/*
 * test_leak.c — leak analysis on dumps in the exact form Go prints them:
 * the before/after diff, the ownership filters, ignore rules, grouping by
 * signature, test attribution through `created by` and ancestry blocks,
 * pattern classification (with and without the source line), and the
 * goroutineleak profile's proof.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "leak.h"
#include "owner.h"

static const char before_text[] =
	"goroutine 1 [running]:\n"
	"main.main()\n\t_testmain.go:52 +0xa5\n\n"
	"goroutine 5 [chan receive]:\n"
	"example.com/m/pkg.startedBeforeTests()\n\t/src/m/pkg/init.go:9 +0x31\n"
	"created by example.com/m/pkg.init.0 in goroutine 1\n\t/src/m/pkg/init.go:8 +0x5f\n";

/* %s is replaced by the path of the source file the range goroutine blocks in. */
static const char after_fmt[] =
	"goroutine 1 [running]:\n"
	"main.main()\n\t_testmain.go:52 +0xa5\n\n"
	"goroutine 5 [chan receive, 3 minutes]:\n"
	"example.com/m/pkg.startedBeforeTests()\n\t/src/m/pkg/init.go:9 +0x31\n"
	"created by example.com/m/pkg.init.0 in goroutine 1\n\t/src/m/pkg/init.go:8 +0x5f\n\n"
	"goroutine 24 [chan receive]:\n"
	"example.com/m/pkg.consume(0xc000010000)\n\t%s:3 +0x31\n"
	"created by example.com/m/pkg.Start in goroutine 22\n\t/src/m/pkg/start.go:5 +0x5f\n"
	"[originating from goroutine 22]:\n"
	"example.com/m/pkg.Start(...)\n\t/src/m/pkg/start.go:6 +0x5f\n"
	"example.com/m/pkg.TestParallelLeaky(...)\n\t/src/m/pkg/pkg_test.go:30 +0x18\n"
	"testing.tRunner(...)\n\t/usr/local/go/src/testing/testing.go:2039 +0xea\n"
	"created by testing.(*T).Run\n\t/usr/local/go/src/testing/testing.go:2101 +0x4c5\n\n"
	"goroutine 31 [chan send]:\n"
	"example.com/m/pkg.publish.func1()\n\t/src/m/pkg/pub.go:12 +0x2a\n"
	"created by example.com/m/pkg.TestPublish in goroutine 30\n\t/src/m/pkg/pkg_test.go:40 +0x44\n\n"
	"goroutine 32 [chan send]:\n"
	"example.com/m/pkg.publish.func1()\n\t/src/m/pkg/pub.go:14 +0x2a\n"
	"created by example.com/m/pkg.TestPublish in goroutine 30\n\t/src/m/pkg/pkg_test.go:41 +0x44\n\n"
	"goroutine 33 [chan send]:\n"
	"example.com/m/pkg.publish.func1()\n\t/src/m/pkg/pub.go:12 +0x2a\n"
	"created by example.com/m/pkg.TestPublish in goroutine 30\n\t/src/m/pkg/pkg_test.go:40 +0x44\n\n"
	"goroutine 40 [select (no cases)]:\n"
	"example.com/m/pkg.forever()\n\t/src/m/pkg/forever.go:4 +0x1a\n"
	"created by example.com/m/pkg.TestForever in goroutine 39\n\t/src/m/pkg/pkg_test.go:50 +0x1a\n\n"
	"goroutine 41 [chan receive (nil chan)]:\n"
	"example.com/m/pkg.nilrecv()\n\t/src/m/pkg/nil.go:4 +0x1a\n"
	"created by example.com/m/pkg.TestNil in goroutine 39\n\t/src/m/pkg/pkg_test.go:60 +0x1a\n\n"
	"goroutine 42 [sync.WaitGroup.Wait]:\n"
	"sync.runtime_SemacquireWaitGroup(0xc0000a0008, 0x0)\n\t/usr/local/go/src/runtime/sema.go:114 +0x2e\n"
	"sync.(*WaitGroup).Wait(0xc0000a0000)\n\t/usr/local/go/src/sync/waitgroup.go:206 +0x85\n"
	"example.com/m/pkg.waitAll()\n\t/src/m/pkg/wg.go:7 +0x1a\n"
	"created by example.com/m/pkg.TestWG in goroutine 39\n\t/src/m/pkg/pkg_test.go:70 +0x1a\n\n"
	"goroutine 50 [GC worker (idle)]:\n"
	"runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n\t/usr/local/go/src/runtime/proc.go:435 +0xce\n"
	"runtime.gcBgMarkWorker(0xc000022000)\n\t/usr/local/go/src/runtime/mgc.go:1423 +0xe9\n"
	"created by runtime.gcBgMarkStartWorkers in goroutine 1\n\t/usr/local/go/src/runtime/mgc.go:1339 +0x105\n\n"
	"goroutine 51 [select]:\n"
	"os/signal.signal_recv()\n\t/usr/local/go/src/runtime/sigqueue.go:152 +0x29\n"
	"os/signal.loop()\n\t/usr/local/go/src/os/signal/signal_unix.go:23 +0x13\n"
	"created by os/signal.Notify.func1.1 in goroutine 39\n\t/usr/local/go/src/os/signal/signal.go:151 +0x1f\n\n"
	"goroutine 60 [select]:\n"
	"example.com/vendor/metrics.(*worker).loop()\n\t/src/m/vendor/metrics/w.go:20 +0x1a\n"
	"created by example.com/vendor/metrics.(*worker).start in goroutine 39\n\t/src/m/vendor/metrics/w.go:10 +0x1a\n";

static const char proof_text[] =
	"goroutine 24 [chan receive (leaked)]:\n"
	"example.com/m/pkg.consume(0xc000010000)\n\t/src/m/pkg/consume.go:3 +0x31\n"
	"created by example.com/m/pkg.Start in goroutine 22\n\t/src/m/pkg/start.go:5 +0x5f\n\n"
	"goroutine 41 [chan receive (nil chan)]:\n"
	"example.com/m/pkg.nilrecv()\n\t/src/m/pkg/nil.go:4 +0x1a\n"
	"created by example.com/m/pkg.TestNil in goroutine 39\n\t/src/m/pkg/pkg_test.go:60 +0x1a\n\n"
	"goroutine 40 [select (no cases) (leaked)]:\n"
	"example.com/m/pkg.forever()\n\t/src/m/pkg/forever.go:4 +0x1a\n"
	"created by example.com/m/pkg.TestForever in goroutine 39\n\t/src/m/pkg/pkg_test.go:50 +0x1a\n";

static char *source_file;

static void parse(struct lg_dump *d, const char *text)
{
	struct lg_err err;

	lg_dump_init(d);
	if (lg_dump_parse(d, text, strlen(text), "test", &err))
		fprintf(stderr, "parse: %s\n", err.msg);
}

static const struct lg_leak_group *group(const struct lg_package *p, const char *pattern)
{
	size_t i;

	for (i = 0; i < p->nleaks; i++)
		if (strcmp(p->leaks[i].pattern, pattern) == 0)
			return &p->leaks[i];
	return NULL;
}

/* Runs the analysis with the given rules; returns the leaked count. */
static int analyse(struct lg_package *p, const struct lg_ignore_rule *rules, size_t nrules,
		   int with_proof, int read_sources)
{
	struct lg_dump before, after, proof;
	struct lg_leak_opts o = { "/src/m", rules, nrules, read_sources };
	char *after_text = lg_xasprintf(after_fmt, source_file);
	int n;

	parse(&before, before_text);
	parse(&after, after_text);
	parse(&proof, proof_text);
	n = lg_leak_find(&before, &after, with_proof ? &proof : NULL, &o, p);
	lg_dump_release(&before);
	lg_dump_release(&after);
	lg_dump_release(&proof);
	free(after_text);
	return n;
}

static void test_find_and_group(void)
{
	struct lg_package p;
	const struct lg_leak_group *g;

	memset(&p, 0, sizeof(p));
	/* 24, 31+32+33, 40, 41, 42, 60; not 1, 5 (before), 50 (runtime), 51 (os/signal) */
	CHECK_INT(analyse(&p, NULL, 0, 1, 1), 8);
	CHECK_INT(p.nleaks, 6);
	CHECK_INT(p.leaks[0].count, 3); /* biggest first */
	CHECK_STR(p.leaks[0].pattern, "send-no-receiver");
	CHECK_STR(p.leaks[0].test, "TestPublish");
	CHECK_STR(p.leaks[0].created_at.file, "pkg/pkg_test.go");

	g = group(&p, "range-unclosed-chan");
	CHECK(g != NULL);
	if (g) {
		CHECK_STR(g->test, "TestParallelLeaky"); /* through the ancestry block */
		CHECK_STR(g->creator_func, "example.com/m/pkg.Start");
		CHECK_STR(g->created_at.file, "pkg/start.go");
		CHECK_INT(g->created_at.line, 5);
		CHECK_INT(g->proven, 1);
		CHECK_STR(g->wait_reason, "chan receive");
		CHECK(strstr(g->stack, "goroutine 24") != NULL);
	}
	g = group(&p, "select-forever");
	CHECK(g && g->proven && strcmp(g->test, "TestForever") == 0);
	g = group(&p, "nil-channel");
	CHECK(g && !g->proven);
	g = group(&p, "waitgroup-never-done");
	CHECK(g && strcmp(g->blocked_at.file, "pkg/wg.go") == 0 && g->blocked_at.line == 7);
	g = group(&p, "select-no-ready-case");
	CHECK(g && g->test == NULL); /* vendor worker: no test on its stack */
	lg_package_release(&p);
}

static void test_without_sources(void)
{
	struct lg_package p;

	memset(&p, 0, sizeof(p));
	analyse(&p, NULL, 0, 0, 0);
	/* Without the source line, `for range ch` cannot be told from `<-ch`. */
	CHECK(group(&p, "recv-no-sender") != NULL);
	CHECK(group(&p, "range-unclosed-chan") == NULL);
	CHECK(group(&p, "select-forever") && !group(&p, "select-forever")->proven);
	lg_package_release(&p);
}

static void test_ignore_rules(void)
{
	struct lg_ignore_rule rules[] = {
		{ NULL, NULL, "example.com/vendor/metrics.(*worker).start", NULL },
		{ "example.com/m/pkg.publish*", NULL, NULL, "chan send" },
		{ NULL, "sync.(*WaitGroup).Wait", NULL, NULL },
		{ NULL, NULL, NULL, "chan receive (nil chan)" },
		{ "example.com/m/pkg.forever", NULL, NULL, "chan send" }, /* both must match: no */
	};
	struct lg_package p;

	memset(&p, 0, sizeof(p));
	CHECK_INT(analyse(&p, rules, LG_ARRAY_SIZE(rules), 1, 1), 2);
	CHECK_INT(p.nleaks, 2);
	CHECK(group(&p, "range-unclosed-chan") != NULL);
	CHECK(group(&p, "select-forever") != NULL);
	lg_package_release(&p);
}

static void test_signature_stable(void)
{
	struct lg_package p;

	memset(&p, 0, sizeof(p));
	analyse(&p, NULL, 0, 1, 1);
	/* goroutines 31-33 differ in line (12/14) and creator line, not in functions */
	CHECK_INT(p.leaks[0].count, 3);
	CHECK_INT((int)strlen(p.leaks[0].signature), 16);
	lg_package_release(&p);
}

static void test_relpath(void)
{
	char *a = lg_relpath("/src/m", "/src/m/pkg/a.go");
	char *b = lg_relpath("/src/m", "/src/mod/a.go");
	char *c = lg_relpath("/src/m", "/usr/local/go/src/x.go");

	CHECK_STR(a, "pkg/a.go");
	CHECK_STR(b, "/src/mod/a.go");
	CHECK_STR(c, "/usr/local/go/src/x.go");
	CHECK(lg_relpath("/src/m", NULL) == NULL);
	free(a);
	free(b);
	free(c);
}

static void test_summarise(void)
{
	struct lg_dump d;
	struct lg_buf out = LG_BUF_INIT;
	char *after_text = lg_xasprintf(after_fmt, source_file);

	parse(&d, after_text);
	lg_leak_summarise_dump(&d, NULL, &out);
	CHECK(strstr(out.buf, "3 goroutines like this one:") != NULL);
	CHECK(strstr(out.buf, "goroutine 40") != NULL);
	lg_buf_release(&out);
	lg_dump_release(&d);
	free(after_text);
}

/* --- issue 11: real dumps from tests/fixtures/dumps/gen11 ----------------- */

#define GEN11_CAPTURED "/work/wt-leak" /* the tree gen11 ran in; see its README */

static char *gen11_root(void)
{
	const char *src = getenv("LG_SOURCE_DIR");

	return lg_xasprintf("%s/tests/fixtures/dumps/gen11", src ? src : ".");
}

/* A dump fixture's text with the captured tree replaced by this one. */
static char *fixture_text(const char *file)
{
	const char *src = getenv("LG_SOURCE_DIR");
	char *path = lg_xasprintf("%s/tests/fixtures/dumps/%s", src ? src : ".", file);
	struct lg_buf raw = LG_BUF_INIT, out = LG_BUF_INIT;
	struct lg_err err;
	const char *p, *hit;

	if (lg_read_file(path, (size_t)1 << 20, &raw, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		lg_check_failures++;
	}
	for (p = raw.len ? raw.buf : ""; (hit = strstr(p, GEN11_CAPTURED)) != NULL;
	     p = hit + strlen(GEN11_CAPTURED)) {
		lg_buf_add(&out, p, (size_t)(hit - p));
		lg_buf_adds(&out, src ? src : ".");
	}
	lg_buf_adds(&out, p);
	lg_buf_release(&raw);
	free(path);
	return lg_buf_detach(&out, NULL);
}

static char *gen11_text(const char *name)
{
	char *file = lg_xasprintf("go126_gen11_%s.txt", name);
	char *text = fixture_text(file);

	free(file);
	return text;
}

/* lg_leak_find over one gen11 dump (no before: goroutine 1 is the runtime's). */
static int gen11_find(const char *name, int read_sources, struct lg_package *p)
{
	struct lg_dump d;
	char *root = gen11_root(), *text = gen11_text(name);
	struct lg_leak_opts o = { root, NULL, 0, read_sources };
	int n;

	memset(p, 0, sizeof(*p));
	parse(&d, text);
	n = lg_leak_find(NULL, &d, NULL, &o, p);
	lg_dump_release(&d);
	free(text);
	free(root);
	return n;
}

static const struct lg_leak_group *by_creator(const struct lg_package *p, const char *creator)
{
	size_t i;

	for (i = 0; i < p->nleaks; i++)
		if (p->leaks[i].creator_func && strcmp(p->leaks[i].creator_func, creator) == 0)
			return &p->leaks[i];
	return NULL;
}

static void test_created_in_module(void)
{
	struct lg_package p;
	const struct lg_leak_group *g;
	struct lg_buf out = LG_BUF_INIT;

	gen11_find("transport", 0, &p);
	/* persistConn.readLoop: `go` in transport.go, reached from Fetch via ancestry */
	g = by_creator(&p, "net/http.(*Transport).dialConn");
	CHECK(g != NULL);
	if (g) {
		CHECK_STR(g->created_at.file, "gen11.go");
		CHECK_INT(g->created_at.line, 16);
		CHECK(g->created_via && strstr(g->created_via, "net/http.(*Transport).dialConn at ") &&
		      strstr(g->created_via, "src/net/http/transport.go:199"));
		CHECK_STR(g->test, "TestTransport");
		lg_leak_format_group(g, &out);
		CHECK(strstr(out.buf, "  created at gen11.go:16 in TestTransport\n") != NULL);
		CHECK(strstr(out.buf, "  via net/http.(*Transport).dialConn at ") != NULL);
	}
	/* httptest's server goroutine: created at the NewServer call of the test */
	/* the client's connection loops: a client not closed, not a server */
	CHECK(g && strcmp(g->pattern, "client-not-closed") == 0);
	g = by_creator(&p, "net/http/httptest.(*Server).goServe");
	CHECK(g && g->created_at.file && strcmp(g->created_at.file, "gen11_test.go") == 0 &&
	      g->created_at.line == 25);
	lg_buf_release(&out);
	lg_package_release(&p);

	/* in-module `go` statements keep their own line and no via */
	gen11_find("multi", 1, &p);
	CHECK_INT(p.nleaks, 1);
	if (p.nleaks) {
		CHECK_STR(p.leaks[0].created_at.file, "gen11_test.go");
		CHECK(p.leaks[0].created_via == NULL);
	}
	lg_package_release(&p);
}

static void test_after_func_site(void)
{
	struct lg_package p;

	CHECK_INT(gen11_find("afterfunc", 0, &p), 1);
	if (p.nleaks) {
		const struct lg_leak_group *g = &p.leaks[0];

		CHECK_STR(g->creator_func, "time.goFunc");
		CHECK_STR(g->created_at.file, "gen11.go"); /* the func given to AfterFunc */
		CHECK_INT(g->created_at.line, 47);
		CHECK(g->created_via && lg_starts_with(g->created_via, "time.goFunc at "));
		CHECK_STR(g->test, "TestAfterFunc");
	}
	lg_package_release(&p);
}

static void test_tests_behind_group(void)
{
	struct lg_package p;
	struct lg_buf out = LG_BUF_INIT;

	CHECK_INT(gen11_find("multi", 1, &p), 4);
	CHECK_INT(p.nleaks, 1);
	if (p.nleaks) {
		const struct lg_leak_group *g = &p.leaks[0];

		CHECK_INT(g->ntests, 2);
		if (g->ntests == 2) {
			CHECK_STR(g->tests[0].name, "TestMultiA");
			CHECK_INT(g->tests[0].count, 3);
			CHECK_STR(g->tests[1].name, "TestMultiB");
			CHECK_INT(g->tests[1].count, 1);
		}
		CHECK_STR(g->test, "TestMultiA");
		lg_leak_format_group(g, &out);
		CHECK(strstr(out.buf, "  created in TestMultiA (3), TestMultiB (1)\n") != NULL);
	}
	lg_buf_release(&out);
	lg_package_release(&p);
}

static void test_hints(void)
{
	struct lg_package p;
	const struct lg_leak_group *g;

	/* <-time.After(time.Hour): a timer, not a missing sender */
	gen11_find("timer", 1, &p);
	CHECK(p.nleaks == 1 && strcmp(p.leaks[0].pattern, "timer-wait") == 0);
	lg_package_release(&p);

	/* two goroutines wait for a mutex a live goroutine holds: busy, not "never released" */
	gen11_find("mutexbusy", 1, &p);
	g = group(&p, "lock-wait");
	CHECK(g && g->count == 2);
	if (g) {
		CHECK_STR(g->blocked_at.file, "gen11.go");
		CHECK_INT(g->blocked_at.line, 40);
		CHECK_STR(g->blocked_in, "sync.(*Mutex).Lock");
	}
	CHECK(group(&p, "lock-never-released") == NULL);
	lg_package_release(&p);

	gen11_find("exec", 0, &p);
	g = group(&p, "exec-not-waited");
	CHECK(g != NULL);
	if (g) {
		CHECK(strstr(g->hint, "cmd.Wait() was never called") != NULL);
		CHECK_STR(g->created_at.file, "gen11.go");
		CHECK_INT(g->created_at.line, 55);
		CHECK_STR(g->test, "TestExec");
	}
	lg_package_release(&p);

	/* the h2 bundle's client reader, left by a client never closed */
	gen11_find("h2", 0, &p);
	g = by_creator(&p, "net/http.(*http2Transport).newClientConn");
	CHECK(g && strcmp(g->pattern, "client-not-closed") == 0);
	CHECK(g && g->created_at.file && strcmp(g->created_at.file, "gen11.go") == 0);
	lg_package_release(&p);
}

static void parse_fixture(struct lg_dump *d, const char *name)
{
	const char *src = getenv("LG_SOURCE_DIR");
	char *path = lg_xasprintf("%s/tests/fixtures/dumps/%s", src ? src : ".", name);
	struct lg_err err;

	lg_dump_init(d);
	if (lg_dump_parse_file(d, path, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		lg_check_failures++;
	}
	free(path);
}

static void test_deadlock_like(void)
{
	static const struct { const char *file; int want; } cases[] = {
		{ "go126_deadlock.txt", 1 },  /* the runtime's own verdict */
		{ "go126_sigquit.txt", 0 },   /* one goroutine sleeps, one waits on I/O */
		{ "go126_gen11_exec.txt", 0 }, /* a goroutine in IO wait on a child's pipe */
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_dump d;

		parse_fixture(&d, cases[i].file);
		if (lg_leak_dump_deadlock_like(&d, NULL, 0) != cases[i].want) {
			fprintf(stderr, "deadlock_like(%s) != %d\n", cases[i].file, cases[i].want);
			lg_check_failures++;
		}
		lg_dump_release(&d);
	}
	/* <-time.After(time.Hour) is a channel receive that time ends */
	{
		struct lg_dump d;
		char *root = gen11_root(), *text = gen11_text("timer");

		/* without goroutine 1, which is running (it printed the dump) */
		parse(&d, strstr(text, "\n\ngoroutine ") ? strstr(text, "\n\ngoroutine ") + 2 : text);
		CHECK_INT((int)d.n, 1);
		CHECK_INT(lg_leak_dump_deadlock_like(&d, root, 1), 0);
		CHECK_INT(lg_leak_dump_deadlock_like(&d, root, 0), 1); /* unseen: a plain receive */
		lg_dump_release(&d);
		free(text);
		free(root);
	}
}

/*
 * A SIGQUIT dump (GOTRACEBACK=crash) of tests/fixtures/gomod/hang built with
 * the hook injected, as leakgate takes it at the deadline.
 */
static void test_summarise_user_side(void)
{
	const char *src = getenv("LG_SOURCE_DIR");
	char *root = lg_xasprintf("%s/tests/fixtures/gomod", src ? src : ".");
	char *text = fixture_text("go126_hook_hang_sigquit.txt");
	struct lg_buf out = LG_BUF_INIT;
	struct lg_dump d;
	const char *first, *end;

	parse(&d, text);
	lg_leak_summarise_dump(&d, root, &out);
	/* the first group shown is one of the user's: a frame in hang/ */
	first = strstr(out.buf, "goroutine ");
	end = first ? strstr(first, "\n\n") : NULL;
	CHECK(first && end);
	if (first && end)
		CHECK(memmem(first, (size_t)(end - first), "/gomod/hang/hang", 16) != NULL);
	CHECK(strstr(out.buf, "zz_leakgate_hook_test.go") == NULL);
	CHECK(strstr(out.buf, "leakgateRun") == NULL);
	CHECK(strstr(out.buf, "frames of leakgate's hook not shown") != NULL);
	CHECK(strstr(out.buf, "goroutine 0 ") == NULL);
	CHECK(strstr(out.buf, "GC sweep wait") == NULL);
	CHECK(strstr(out.buf, "\n8 runtime goroutines (scheduler, GC, finalizers) not shown\n") != NULL);
	/* a ticker keeps it alive: not deadlock-like once the source line is read */
	CHECK_INT(lg_leak_dump_deadlock_like(&d, root, 1), 0);
	CHECK_INT(lg_leak_dump_deadlock_like(&d, root, 0), 1);
	lg_buf_release(&out);
	lg_dump_release(&d);
	free(text);
	free(root);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "find_and_group", test_find_and_group },
		{ "without_sources", test_without_sources },
		{ "ignore_rules", test_ignore_rules },
		{ "signature_stable", test_signature_stable },
		{ "relpath", test_relpath },
		{ "summarise", test_summarise },
		{ "created_in_module", test_created_in_module },
		{ "after_func_site", test_after_func_site },
		{ "tests_behind_group", test_tests_behind_group },
		{ "hints", test_hints },
		{ "deadlock_like", test_deadlock_like },
		{ "summarise_user_side", test_summarise_user_side },
	};
	char path[] = "/tmp/lg-leak-src-XXXXXX";
	int fd = mkstemp(path), ret;
	FILE *f = fdopen(fd, "w");

	fputs("package pkg\n\nfunc consume(ch chan int) { for v := range ch {\n_ = v } }\n", f);
	fclose(f);
	source_file = path;
	ret = LG_CHECK_RUN(cases);
	unlink(path);
	return ret;
}
