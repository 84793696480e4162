/*
 * test_dump.c — unit tests of the goroutine dump parser.
 *
 * Most cases parse real dumps captured from Go 1.26 and 1.27 (see
 * tests/fixtures/dumps/gen/README.md) and assert concrete values read off the
 * fixture text; the rest are hand-written older forms and corrupt inputs,
 * which must give the stated bad-line counts and never crash.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dump.h"

#define GEN "/work/main/tests/fixtures/dumps/gen/"
#define GOROOT126 "/usr/local/go/src/"

/* Parses tests/fixtures/dumps/<name>; returns 0 or -1 (and fails). */
static int parse_fixture(const char *name, struct lg_dump *d)
{
	const char *src = getenv("LG_SOURCE_DIR");
	struct lg_err err;
	char *path = lg_xasprintf("%s/tests/fixtures/dumps/%s", src ? src : ".", name);
	int ret;

	lg_dump_init(d);
	ret = lg_dump_parse_file(d, path, &err);
	if (ret)
		fprintf(stderr, "%s\n", err.msg);
	CHECK_INT(ret, 0);
	free(path);
	return ret;
}

static void parse_text(const char *text, struct lg_dump *d)
{
	struct lg_err err;

	lg_dump_init(d);
	CHECK_INT(lg_dump_parse(d, text, strlen(text), "text", &err), 0);
}

/* ---------------------------------------------------------------------- */
/* Whole-dump facts per fixture. */

static const struct dump_case {
	const char *file;
	size_t n;
	enum lg_dump_kind kind;
	const char *message;
	size_t message_line;
	int deadlock;
	size_t ntests;
} dump_cases[] = {
	{ "go126_stack.txt", 20, LG_DUMP_PLAIN, NULL, 0, 0, 0 },
	{ "go127_stack.txt", 20, LG_DUMP_PLAIN, NULL, 0, 0, 0 },
	{ "go126_pprof2.txt", 20, LG_DUMP_PLAIN, NULL, 0, 0, 0 },
	{ "go127_pprof2.txt", 20, LG_DUMP_PLAIN, NULL, 0, 0, 0 },
	{ "go126_pprof1.txt", 19, LG_DUMP_PLAIN, NULL, 0, 0, 0 },
	{ "go127_pprof1.txt", 19, LG_DUMP_PLAIN, NULL, 0, 0, 0 },
	{ "go127_leak1.txt", 1, LG_DUMP_PLAIN, NULL, 0, 0, 0 },
	{ "go127_leak2.txt", 5, LG_DUMP_PLAIN, NULL, 0, 0, 0 },
	{ "go126_minutes.txt", 18, LG_DUMP_PLAIN, NULL, 0, 0, 0 },
	{ "go126_deadlock.txt", 18, LG_DUMP_FATAL, "all goroutines are asleep - deadlock!", 1, 1, 0 },
	{ "go127_deadlock.txt", 18, LG_DUMP_FATAL, "all goroutines are asleep - deadlock!", 1, 1, 0 },
	{ "go126_panic.txt", 20, LG_DUMP_PANIC, "boom: 3 widgets", 1, 0, 0 },
	{ "go127_panic.txt", 20, LG_DUMP_PANIC, "boom: 3 widgets", 1, 0, 0 },
	{ "go126_timeout.txt", 5, LG_DUMP_TIMEOUT, "test timed out after 1s", 8, 0, 2 },
	{ "go127_timeout.txt", 5, LG_DUMP_TIMEOUT, "test timed out after 1s", 8, 0, 2 },
	{ "go126_bubble.txt", 5, LG_DUMP_PANIC, "deadlock: all goroutines in bubble are blocked", 3, 0, 0 },
	{ "go127_bubble.txt", 5, LG_DUMP_PANIC, "deadlock: all goroutines in bubble are blocked", 3, 0, 0 },
	{ "go126_sigquit.txt", 27, LG_DUMP_SIGNAL, "SIGQUIT: quit", 2, 0, 0 },
	{ "go127_sigquit.txt", 27, LG_DUMP_SIGNAL, "SIGQUIT: quit", 2, 0, 0 },
	{ "go126_sigquit_crash.txt", 30, LG_DUMP_SIGNAL, "SIGQUIT: quit", 2, 0, 0 },
	{ "go127_sigquit_crash.txt", 30, LG_DUMP_SIGNAL, "SIGQUIT: quit", 2, 0, 0 },
};

static void test_fixture_dumps(void)
{
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(dump_cases); i++) {
		const struct dump_case *c = &dump_cases[i];
		struct lg_dump d;

		if (parse_fixture(c->file, &d) == 0) {
			CHECK_INT(d.n, c->n);
			CHECK_INT(d.kind, c->kind);
			CHECK_INT(d.bad_lines, 0);
			CHECK_INT(d.deadlock, c->deadlock);
			CHECK_INT(d.nrunning_tests, c->ntests);
			if (c->message) {
				CHECK_STR(d.message, c->message);
				CHECK_INT(d.message_line, c->message_line);
			} else {
				CHECK(d.message == NULL);
			}
			if (d.n != c->n || d.kind != c->kind || d.bad_lines)
				fprintf(stderr, "  in %s\n", c->file);
		}
		lg_dump_release(&d);
	}
}

/* ---------------------------------------------------------------------- */
/* Per-goroutine facts. */

static const struct g_case {
	const char *file;
	int64_t id;
	const char *status;
	enum lg_wait_class wait;
	size_t nframes;
	const char *func0; /* innermost frame */
	const char *file0;
	int line0;
	const char *creator; /* NULL: no created by */
	int64_t parent;
	size_t nancestors;
	int minutes;
	size_t first_line;
} g_cases[] = {
	{ "go126_stack.txt", 1, "running", LG_WAIT_NONE, 1, "main.main", GEN "main.go", 163, NULL, -1, 0, 0, 1 },
	{ "go126_stack.txt", 20, "chan receive", LG_WAIT_CHAN, 1, "main.recvForever", GEN "main.go", 46, "main.setup", 1, 1, 0, 5 },
	{ "go126_stack.txt", 21, "chan send", LG_WAIT_CHAN, 1, "main.sendForever", GEN "main.go", 47, "main.setup", 1, 1, 0, 16 },
	{ "go126_stack.txt", 22, "chan receive (nil chan)", LG_WAIT_NIL_CHAN, 1, "main.nilRecv", GEN "main.go", 48, "main.setup", 1, 1, 0, 27 },
	{ "go126_stack.txt", 23, "chan send (nil chan)", LG_WAIT_NIL_CHAN, 1, "main.nilSend", GEN "main.go", 49, "main.setup", 1, 1, 0, 38 },
	{ "go126_stack.txt", 24, "select", LG_WAIT_SELECT, 1, "main.selectTwo", GEN "main.go", 51, "main.setup", 1, 1, 0, 49 },
	{ "go126_stack.txt", 25, "select (no cases)", LG_WAIT_SELECT_NOCASES, 1, "main.selectNothing", GEN "main.go", 56, "main.setup", 1, 1, 0, 60 },
	{ "go126_stack.txt", 26, "sync.Mutex.Lock", LG_WAIT_MUTEX, 5, "internal/sync.runtime_SemacquireMutex", GOROOT126 "runtime/sema.go", 95, "main.setup", 1, 1, 0, 71 },
	{ "go126_stack.txt", 27, "sync.RWMutex.RLock", LG_WAIT_RWMUTEX, 3, "sync.runtime_SemacquireRWMutexR", GOROOT126 "runtime/sema.go", 100, "main.setup", 1, 1, 0, 90 },
	{ "go126_stack.txt", 28, "sync.RWMutex.Lock", LG_WAIT_RWMUTEX, 3, "sync.runtime_SemacquireRWMutex", GOROOT126 "runtime/sema.go", 105, "main.setup", 1, 1, 0, 105 },
	{ "go126_stack.txt", 29, "sync.WaitGroup.Wait", LG_WAIT_WAITGROUP, 3, "sync.runtime_SemacquireWaitGroup", GOROOT126 "runtime/sema.go", 114, "main.setup", 1, 1, 0, 120 },
	{ "go126_stack.txt", 30, "sync.Cond.Wait", LG_WAIT_COND, 3, "sync.runtime_notifyListWait", GOROOT126 "runtime/sema.go", 617, "main.setup", 1, 1, 0, 135 },
	{ "go126_stack.txt", 31, "chan receive", LG_WAIT_CHAN, 3, "main.(*Box[...]).Wait", GEN "main.go", 38, "main.setup", 1, 1, 0, 150 },
	{ "go126_stack.txt", 33, "chan receive", LG_WAIT_CHAN, 100, "main.recurse", GEN "main.go", 69, "main.setup", 1, 1, 0, 176 },
	{ "go126_stack.txt", 36, "chan receive", LG_WAIT_CHAN, 1, "main.chain", GEN "main.go", 80, "main.chain", 35, 3, 0, 413 },
	{ "go126_stack.txt", 37, "sleep", LG_WAIT_SLEEP, 2, "time.Sleep", GOROOT126 "runtime/time.go", 363, "main.setup", 1, 1, 0, 434 },
	{ "go126_stack.txt", 38, "IO wait", LG_WAIT_IO, 8, "internal/poll.runtime_pollWait", GOROOT126 "runtime/netpoll.go", 351, "main.setup", 1, 1, 0, 447 },
	{ "go126_deadlock.txt", 1, "chan receive", LG_WAIT_CHAN, 1, "main.main", GEN "main.go", 188, NULL, -1, 0, 0, 3 },
	{ "go126_deadlock.txt", 8, "chan receive", LG_WAIT_CHAN, 1, "main.recvForever", GEN "main.go", 46, "main.setup", 1, 0, 0, 7 },
	{ "go126_deadlock.txt", 14, "sync.Mutex.Lock", LG_WAIT_MUTEX, 5, "internal/sync.runtime_SemacquireMutex", GOROOT126 "runtime/sema.go", 95, "main.setup", 1, 0, 0, 43 },
	{ "go126_panic.txt", 1, "running", LG_WAIT_NONE, 1, "main.main", GEN "main.go", 191, NULL, -1, 0, 0, 3 },
	{ "go126_minutes.txt", 20, "chan receive", LG_WAIT_CHAN, 1, "main.recvForever", GEN "main.go", 46, "main.setup", 1, 0, 1, 9 },
	{ "go126_minutes.txt", 26, "sync.Mutex.Lock", LG_WAIT_MUTEX, 5, "internal/sync.runtime_SemacquireMutex", GOROOT126 "runtime/sema.go", 95, "main.setup", 1, 0, 1, 45 },
	{ "go126_minutes.txt", 1, "running", LG_WAIT_NONE, 1, "main.main", GEN "main.go", 173, NULL, -1, 0, 0, 5 },
	/* system level: runtime frames with fp= suffixes, gp= m= headers */
	{ "go126_sigquit.txt", 0, "idle", LG_WAIT_NONE, 11, "runtime.futex", GOROOT126 "runtime/sys_linux_amd64.s", 569, NULL, -1, 0, 0, 5 },
	{ "go126_sigquit.txt", 1, "chan receive", LG_WAIT_CHAN, 6, "runtime.gopark", GOROOT126 "runtime/proc.go", 462, NULL, -1, 0, 0, 29 },
	{ "go126_sigquit.txt", 2, "force gc (idle)", LG_WAIT_RUNTIME, 4, "runtime.gopark", GOROOT126 "runtime/proc.go", 462, "runtime.init.7", 1, 0, 0, 43 },
	{ "go126_sigquit.txt", 26, "sync.Mutex.Lock", LG_WAIT_MUTEX, 9, "runtime.gopark", GOROOT126 "runtime/proc.go", 462, "main.setup", 1, 0, 0, 201 },
	/* timeouts */
	{ "go126_timeout.txt", 5, "running", LG_WAIT_NONE, 1, "testing.(*M).startAlarm.func1", GOROOT126 "testing/testing.go", 2802, "time.goFunc", -1, 0, 0, 13 },
	{ "go126_timeout.txt", 21, "chan receive", LG_WAIT_CHAN, 2, "leakgate.test/dumpgen.TestHang.func1", GEN "main_test.go", 27, "testing.(*T).Run", 20, 2, 0, 54 },
	/* synctest bubble: "(durable)" is stripped from the status */
	{ "go126_bubble.txt", 8, "chan receive", LG_WAIT_CHAN, 1, "leakgate.test/dumpgen.TestBubble.func1.1", GEN "main_test.go", 48, "leakgate.test/dumpgen.TestBubble.func1", 7, 0, 0, 39 },
	{ "go126_bubble.txt", 9, "sync.WaitGroup.Wait", LG_WAIT_WAITGROUP, 2, "sync.runtime_SemacquireWaitGroup", GOROOT126 "runtime/sema.go", 114, "leakgate.test/dumpgen.TestBubble.func1", 7, 0, 0, 45 },
	/* goroutineleak */
	{ "go127_leak2.txt", 8, "chan send", LG_WAIT_CHAN, 1, "main.leakSetup.func1", GEN "main.go", 134, "main.leakSetup", 1, 0, 0, 13 },
};

static void test_fixture_goroutines(void)
{
	const char *open = NULL;
	struct lg_dump d;
	size_t i;

	lg_dump_init(&d);
	for (i = 0; i < LG_ARRAY_SIZE(g_cases); i++) {
		const struct g_case *c = &g_cases[i];
		const struct lg_goroutine *g;
		int before = lg_check_failures;

		if (!open || strcmp(open, c->file)) {
			lg_dump_release(&d);
			open = c->file;
			if (parse_fixture(c->file, &d))
				continue;
		}
		g = lg_dump_find(&d, c->id);
		CHECK(g != NULL);
		if (!g) {
			fprintf(stderr, "  goroutine %lld of %s\n", (long long)c->id, c->file);
			continue;
		}
		CHECK_STR(g->status, c->status);
		CHECK_STR(lg_wait_class_name(g->wait), lg_wait_class_name(c->wait));
		CHECK_INT(g->nframes, c->nframes);
		CHECK_INT(g->count, 1);
		CHECK_INT(g->minutes, c->minutes);
		CHECK_INT(g->first_line, c->first_line);
		CHECK_INT(g->nancestors, c->nancestors);
		if (g->nframes) {
			CHECK_STR(g->frames[0].func, c->func0);
			CHECK_STR(g->frames[0].file, c->file0);
			CHECK_INT(g->frames[0].line, c->line0);
		}
		if (c->creator) {
			CHECK_STR(g->creator.func, c->creator);
			CHECK_INT(g->creator.parent_id, c->parent);
		} else {
			CHECK(g->creator.func == NULL);
		}
		if (lg_check_failures != before)
			fprintf(stderr, "  goroutine %lld of %s\n", (long long)c->id, c->file);
	}
	lg_dump_release(&d);
}

/* Ancestry from GODEBUG=tracebackancestors=5 and its created-by lines. */
static void test_ancestors(void)
{
	struct lg_dump d;
	const struct lg_goroutine *g;

	if (parse_fixture("go126_stack.txt", &d))
		return;
	g = lg_dump_find(&d, 36);
	if (g && g->nancestors == 3) {
		const struct lg_ancestor *a = g->ancestors;

		CHECK_STR(g->creator.file, GEN "main.go");
		CHECK_INT(g->creator.line, 83);
		CHECK_INT(a[0].id, 35);
		CHECK_INT(a[0].nframes, 1);
		CHECK_STR(a[0].frames[0].func, "main.chain");
		CHECK(a[0].frames[0].inlined);
		CHECK_INT(a[0].frames[0].line, 84);
		/* ancestors' created by carry no goroutine id */
		CHECK_STR(a[0].creator.func, "main.chain");
		CHECK_INT(a[0].creator.parent_id, -1);
		CHECK_INT(a[0].creator.line, 83);
		CHECK_INT(a[1].id, 34);
		CHECK_STR(a[1].creator.func, "main.setup");
		CHECK_INT(a[1].creator.line, 110);
		CHECK_INT(a[2].id, 1);
		CHECK_INT(a[2].nframes, 2);
		CHECK_STR(a[2].frames[1].func, "main.main");
		CHECK_INT(a[2].frames[1].line, 162);
		CHECK(a[2].creator.func == NULL);
	} else {
		CHECK(!"goroutine 36 with 3 ancestors");
	}
	/* the test that leaked a goroutine, found through its ancestry */
	lg_dump_release(&d);
	if (parse_fixture("go127_timeout.txt", &d))
		return;
	g = lg_dump_find(&d, 10);
	CHECK(g && g->nancestors == 2);
	if (g && g->nancestors == 2) {
		CHECK_INT(g->ancestors[0].id, 8);
		CHECK_STR(g->ancestors[0].frames[0].func, "testing.(*T).Run");
		CHECK_INT(g->ancestors[1].id, 1);
	}
	lg_dump_release(&d);
}

/* Generics keep "[...]" in names; inlined frames are flagged. */
static void test_generics_inlined(void)
{
	struct lg_dump d;
	const struct lg_goroutine *g;

	if (parse_fixture("go127_stack.txt", &d))
		return;
	g = lg_dump_find(&d, 31);
	CHECK(g && g->nframes == 3);
	if (g && g->nframes == 3) {
		CHECK_STR(g->frames[0].func, "main.(*Box[...]).Wait");
		CHECK(g->frames[0].inlined);
		CHECK_STR(g->frames[1].func, "main.genericWait[...]");
		CHECK(g->frames[1].inlined);
		CHECK_INT(g->frames[1].line, 43);
		CHECK_STR(g->frames[2].func, "main.genericForever");
		CHECK(!g->frames[2].inlined);
		CHECK_INT(g->frames[2].line, 64);
		/* interned: equal names share one pointer */
		CHECK(g->frames[0].file == g->frames[2].file);
	}
	lg_dump_release(&d);
}

/* "...21 frames elided..." */
static void test_elision(void)
{
	struct lg_dump d;
	const struct lg_goroutine *g;

	if (parse_fixture("go127_stack.txt", &d))
		return;
	g = lg_dump_find(&d, 33);
	CHECK(g != NULL);
	if (g) {
		CHECK(g->frames_elided);
		CHECK_INT(g->nframes, 100);
		CHECK_STR(g->frames[99].func, "main.recurse");
	}
	g = lg_dump_find(&d, 20);
	CHECK(g && !g->frames_elided);
	lg_dump_release(&d);
}

/* Labels: inside the brackets in Go 1.26, after them in 1.27. */
static void test_labels(void)
{
	static const struct {
		const char *file;
		int64_t id;
		const char *labels;
	} cases[] = {
		{ "go126_stack.txt", 32, "{\"role\": \"worker two\", \"test\": \"TestLabelled\"}" },
		{ "go126_pprof2.txt", 32, "{\"role\": \"worker two\", \"test\": \"TestLabelled\"}" },
		{ "go127_stack.txt", 32, "{role: \"worker two\", test: TestLabelled}" },
		{ "go127_pprof2.txt", 20, "{role: \"worker two\", test: TestLabelled}" },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_dump d;
		const struct lg_goroutine *g;

		if (parse_fixture(cases[i].file, &d))
			continue;
		g = lg_dump_find(&d, cases[i].id);
		CHECK(g != NULL);
		if (g) {
			CHECK_STR(g->labels, cases[i].labels);
			CHECK_STR(g->status, "chan receive");
			CHECK_STR(g->frames[0].func, "main.labelled");
		}
		g = lg_dump_find(&d, 1);
		CHECK(g && g->labels == NULL);
		lg_dump_release(&d);
	}
}

static void test_running_tests(void)
{
	const char *files[] = { "go126_timeout.txt", "go127_timeout.txt" };
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(files); i++) {
		struct lg_dump d;

		if (parse_fixture(files[i], &d))
			continue;
		CHECK_INT(d.nrunning_tests, 2);
		if (d.nrunning_tests == 2) {
			CHECK_STR(d.running_tests[0], "TestHang/alpha");
			CHECK_STR(d.running_tests[1], "TestHang/beta");
		}
		lg_dump_release(&d);
	}
}

/* Flags: (leaked), (durable), synctest bubble, minutes. */
static void test_flags(void)
{
	struct lg_dump d;
	const struct lg_goroutine *g;

	if (parse_fixture("go127_leak2.txt", &d) == 0) {
		g = lg_dump_find(&d, 9);
		CHECK(g && g->leaked && g->wait == LG_WAIT_CHAN);
		g = lg_dump_find(&d, 11);
		CHECK(g && !g->leaked && g->wait == LG_WAIT_MUTEX);
		g = lg_dump_find(&d, 1);
		CHECK(g && !g->leaked && g->wait == LG_WAIT_NONE);
	}
	lg_dump_release(&d);
	if (parse_fixture("go127_bubble.txt", &d) == 0) {
		g = lg_dump_find(&d, 24);
		CHECK(g != NULL);
		if (g) {
			CHECK(g->durable);
			CHECK_INT(g->bubble, 1);
			CHECK_STR(g->status, "sync.WaitGroup.Wait");
			CHECK_INT(g->wait, LG_WAIT_WAITGROUP);
		}
		g = lg_dump_find(&d, 20);
		CHECK(g && !g->durable && g->bubble == 0);
		if (g && g->nframes > 2)
			CHECK_STR(g->frames[2].func, "panic");
	}
	lg_dump_release(&d);
}

/* The debug=1 profile: one lg_goroutine per group. */
static void test_profile_groups(void)
{
	struct lg_dump d;
	size_t i;
	int64_t total = 0;
	int saw_labels = 0, saw_io = 0;

	if (parse_fixture("go126_pprof1.txt", &d))
		return;
	for (i = 0; i < d.n; i++) {
		const struct lg_goroutine *g = &d.g[i];

		CHECK_INT(g->id, -1);
		CHECK_STR(g->status, "");
		total += g->count;
		if (g->labels) {
			CHECK_STR(g->labels, "{\"role\":\"worker two\", \"test\":\"TestLabelled\"}");
			CHECK_STR(g->frames[0].func, "main.labelled");
			CHECK_INT(g->first_line, 156);
			saw_labels = 1;
		}
		if (g->nframes == 8) {
			CHECK_STR(g->frames[0].func, "internal/poll.runtime_pollWait");
			CHECK_STR(g->frames[0].file, GOROOT126 "runtime/netpoll.go");
			CHECK_INT(g->frames[0].line, 351);
			CHECK_STR(g->frames[7].func, "main.acceptForever");
			CHECK_INT(g->frames[7].line, 63);
			CHECK_INT(g->wait, LG_WAIT_IO);
			saw_io = 1;
		}
	}
	CHECK_INT(total, 20);
	CHECK(saw_labels && saw_io);
	CHECK_INT(d.g[0].count, 2);
	CHECK_STR(d.g[0].frames[0].func, "main.chain");
	CHECK_INT(d.g[0].frames[0].line, 84);
	/* frames tell the wait where debug=1 has no status */
	CHECK_INT(d.g[d.n - 1].wait, LG_WAIT_SLEEP);
	CHECK_INT(d.g[d.n - 2].wait, LG_WAIT_COND);
	CHECK_INT(d.g[d.n - 3].wait, LG_WAIT_WAITGROUP);
	CHECK_INT(d.g[d.n - 4].wait, LG_WAIT_RWMUTEX);
	CHECK_INT(d.g[d.n - 6].wait, LG_WAIT_MUTEX);
	lg_dump_release(&d);

	if (parse_fixture("go127_leak1.txt", &d))
		return;
	CHECK_INT(d.n, 1);
	if (d.n == 1) {
		CHECK_INT(d.g[0].count, 3);
		CHECK_STR(d.g[0].frames[0].func, "main.leakSetup.func1");
		CHECK_INT(d.g[0].frames[0].line, 134);
	}
	lg_dump_release(&d);
}

/* One blocking point has one signature across versions, formats and levels. */
static void test_signature_stable(void)
{
	static const struct {
		const char *file;
		int64_t id;
	} same[] = {
		{ "go126_stack.txt", 26 },   { "go127_stack.txt", 26 },
		{ "go126_pprof2.txt", 26 },  { "go126_deadlock.txt", 14 },
		{ "go126_sigquit.txt", 26 }, { "go127_sigquit_crash.txt", 26 },
		{ "go126_minutes.txt", 26 },
	};
	char first[17] = "", sig[17];
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(same); i++) {
		struct lg_dump d;
		const struct lg_goroutine *g;

		if (parse_fixture(same[i].file, &d))
			continue;
		g = lg_dump_find(&d, same[i].id);
		CHECK(g != NULL);
		if (g) {
			CHECK_STR(g->status, "sync.Mutex.Lock");
			lg_goroutine_signature(g, sig);
			CHECK_INT(strlen(sig), 16);
			CHECK_INT(strspn(sig, "0123456789abcdef"), 16);
			if (!first[0])
				memcpy(first, sig, 17);
			CHECK_STR(sig, first);
		}
		lg_dump_release(&d);
	}
}

/* Same code, other lines, args and ids: same signature; other wait: not. */
static void test_signature_text(void)
{
	struct lg_dump d;
	char s[4][17];
	size_t i;

	parse_text("goroutine 7 [chan receive]:\n"
		   "main.worker(0xc000010000, 0x1)\n"
		   "\t/src/app/worker.go:12 +0x1d\n"
		   "created by main.start in goroutine 1\n"
		   "\t/src/app/main.go:5 +0x25\n"
		   "\n"
		   "goroutine 912 [chan receive, 7 minutes]:\n"
		   "main.worker(0xc0000a0000, 0x2)\n"
		   "\t/src/app/worker.go:14 +0x2d\n"
		   "created by main.start in goroutine 3\n"
		   "\t/src/app/main.go:9 +0x25\n"
		   "\n"
		   "goroutine 8 [chan send]:\n"
		   "main.worker(0xc000010000, 0x1)\n"
		   "\t/src/app/worker.go:12 +0x1d\n"
		   "\n"
		   "goroutine 9 [chan receive]:\n"
		   "main.other()\n"
		   "\t/src/app/worker.go:12 +0x1d\n",
		   &d);
	CHECK_INT(d.n, 4);
	if (d.n == 4) {
		for (i = 0; i < 4; i++)
			lg_goroutine_signature(&d.g[i], s[i]);
		CHECK_STR(s[0], s[1]);
		/* chan send and receive are one class: the frames decide */
		CHECK_STR(s[0], s[2]);
		CHECK(strcmp(s[0], s[3]) != 0);
		CHECK_INT(d.g[1].minutes, 7);
	}
	lg_dump_release(&d);
}

/* ---------------------------------------------------------------------- */
/* Hand-written forms of older Go versions and rarer runtime output. */

static void test_go119_semacquire(void)
{
	struct lg_dump d;

	parse_text("goroutine 18 [semacquire]:\n"
		   "sync.runtime_Semacquire(0xc00001c0b8?)\n"
		   "\t/usr/lib/go-1.19/src/runtime/sema.go:62 +0x25\n"
		   "sync.(*WaitGroup).Wait(0x0?)\n"
		   "\t/usr/lib/go-1.19/src/sync/waitgroup.go:139 +0x52\n"
		   "main.waiter()\n"
		   "\t/tmp/x/main.go:20 +0x2a\n"
		   "created by main.main\n"
		   "\t/tmp/x/main.go:30 +0x45\n"
		   "\n"
		   "goroutine 19 [semacquire]:\n"
		   "sync.runtime_SemacquireMutex(0xc00001c0c4?, 0x0?, 0x0?)\n"
		   "\t/usr/lib/go-1.19/src/runtime/sema.go:77 +0x25\n"
		   "sync.(*Mutex).lockSlow(0xc00001c0c0)\n"
		   "\t/usr/lib/go-1.19/src/sync/mutex.go:171 +0x165\n"
		   "sync.(*Mutex).Lock(...)\n"
		   "\t/usr/lib/go-1.19/src/sync/mutex.go:90\n"
		   "main.locker()\n"
		   "\t/tmp/x/main.go:25 +0x2a\n"
		   "created by main.main\n"
		   "\t/tmp/x/main.go:31 +0x45\n"
		   "\n"
		   "goroutine 20 [semacquire]:\n"
		   "sync.runtime_SemacquireMutex(0xc00001c0c4?, 0x0?, 0x0?)\n"
		   "\t/usr/lib/go-1.19/src/runtime/sema.go:77 +0x25\n"
		   "sync.(*RWMutex).RLock(...)\n"
		   "\t/usr/lib/go-1.19/src/sync/rwmutex.go:71\n"
		   "\n"
		   "goroutine 21 [semacquire]:\n"
		   "golang.org/x/sync/semaphore.(*Weighted).Acquire(0x0?)\n"
		   "\t/go/pkg/semaphore.go:60 +0x25\n"
		   "\n"
		   "goroutine 22 [sync.Cond.Wait]:\n"
		   "sync.runtime_notifyListWait(0xc000024050, 0x0)\n"
		   "\t/usr/lib/go-1.19/src/runtime/sema.go:517 +0x14c\n"
		   "sync.(*Cond).Wait(0xc000024040)\n"
		   "\t/usr/lib/go-1.19/src/sync/cond.go:70 +0x8c\n",
		   &d);
	CHECK_INT(d.n, 5);
	CHECK_INT(d.bad_lines, 0);
	if (d.n == 5) {
		CHECK_INT(d.g[0].wait, LG_WAIT_WAITGROUP);
		CHECK_STR(d.g[0].status, "semacquire");
		/* old created by: no goroutine id */
		CHECK_STR(d.g[0].creator.func, "main.main");
		CHECK_INT(d.g[0].creator.parent_id, -1);
		CHECK_STR(d.g[0].creator.file, "/tmp/x/main.go");
		CHECK_INT(d.g[0].creator.line, 30);
		CHECK_INT(d.g[1].wait, LG_WAIT_MUTEX);
		CHECK(d.g[1].frames[2].inlined);
		CHECK_INT(d.g[1].frames[2].line, 90);
		CHECK_INT(d.g[2].wait, LG_WAIT_RWMUTEX);
		CHECK_INT(d.g[3].wait, LG_WAIT_SEMACQUIRE);
		CHECK_INT(d.g[4].wait, LG_WAIT_COND);
	}
	lg_dump_release(&d);
}

static void test_old_elision_and_oddities(void)
{
	struct lg_dump d;
	const struct lg_goroutine *g;

	parse_text("panic: runtime error: invalid memory address or nil pointer dereference [recovered]\n"
		   "\tpanic: again\n"
		   "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]\n"
		   "\n"
		   "goroutine 1 [running, locked to thread]:\n"
		   "main.deep(0x1)\n"
		   "\t/tmp/x/main.go:9 +0x2a\n"
		   "...additional frames elided...\n"
		   "\n"
		   "goroutine 2 gp=0xc000002000 m=3 mp=0xc000080008 [running]:\n"
		   "\tgoroutine running on other thread; stack unavailable\n"
		   "created by main.main in goroutine 1\n"
		   "\t/tmp/x/main.go:40 +0x1f\n"
		   "\n"
		   "goroutine 3 [syscall, 12 minutes]:\n"
		   "non-Go function at pc=0x7f0a1b2c3d4e\n"
		   "runtime.cgocall(0x4a0000, 0xc000050f48)\n"
		   "\t/usr/local/go/src/runtime/cgocall.go:167 +0x4b fp=0xc000050f20 sp=0xc000050ee8 pc=0x4064eb\n"
		   "\n"
		   "goroutine 4 [GC worker (idle)]:\n"
		   "runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n"
		   "\t/usr/local/go/src/runtime/proc.go:435 +0xce\n"
		   "\n"
		   "goroutine 5 [finalizer wait, 3 minutes]:\n"
		   "runtime.runfinq()\n"
		   "\tC:/Program Files/Go/src/runtime/mfinal.go:193 +0x107\n"
		   "\n"
		   "goroutine 6 [weird new reason]:\n"
		   "main.f()\n"
		   "\t?:0\n",
		   &d);
	CHECK_INT(d.bad_lines, 0);
	CHECK_INT(d.n, 6);
	CHECK_INT(d.kind, LG_DUMP_PANIC);
	CHECK_STR(d.message, "runtime error: invalid memory address or nil pointer dereference");
	g = lg_dump_find(&d, 1);
	CHECK(g && g->frames_elided && g->locked && g->wait == LG_WAIT_NONE);
	g = lg_dump_find(&d, 2);
	CHECK(g && g->nframes == 0 && g->creator.parent_id == 1);
	g = lg_dump_find(&d, 3);
	CHECK(g != NULL);
	if (g) {
		CHECK_INT(g->wait, LG_WAIT_SYSCALL);
		CHECK_INT(g->minutes, 12);
		CHECK_INT(g->nframes, 2);
		CHECK_STR(g->frames[0].func, "non-Go function");
		CHECK(g->frames[0].file == NULL);
		CHECK_STR(g->frames[1].file, "/usr/local/go/src/runtime/cgocall.go");
		CHECK_INT(g->frames[1].line, 167);
	}
	g = lg_dump_find(&d, 4);
	CHECK(g && g->wait == LG_WAIT_RUNTIME);
	g = lg_dump_find(&d, 5);
	CHECK(g && g->wait == LG_WAIT_RUNTIME && g->minutes == 3);
	if (g && g->nframes == 1)
		CHECK_STR(g->frames[0].file, "C:/Program Files/Go/src/runtime/mfinal.go");
	g = lg_dump_find(&d, 6);
	CHECK(g && g->wait == LG_WAIT_OTHER);
	if (g && g->nframes == 1) {
		CHECK_STR(g->frames[0].file, "?");
		CHECK_INT(g->frames[0].line, 0);
	}
	lg_dump_release(&d);
}

/* runtime stack: sections belong to no goroutine. */
static void test_runtime_stack(void)
{
	struct lg_dump d;

	parse_text("fatal error: concurrent map writes\n"
		   "\n"
		   "runtime stack:\n"
		   "runtime.throw({0x4d2a3b?, 0x0?})\n"
		   "\t/usr/local/go/src/runtime/panic.go:1101 +0x48 fp=0x7ffd sp=0x7ffc pc=0x43a1b8\n"
		   "runtime.mapassign_fast64(...)\n"
		   "\t/usr/local/go/src/runtime/map_fast64.go:93 +0x3e\n"
		   "\n"
		   "goroutine 1 gp=0xc000002380 m=0 mp=0x5a3c40 [running]:\n"
		   "main.main()\n"
		   "\t/tmp/x/main.go:12 +0x65 fp=0xc000066f50 sp=0xc000066f10 pc=0x4a1b2c\n"
		   "exit status 2\n",
		   &d);
	CHECK_INT(d.n, 1);
	CHECK_INT(d.bad_lines, 0);
	CHECK_INT(d.kind, LG_DUMP_FATAL);
	CHECK_STR(d.message, "concurrent map writes");
	CHECK_INT(d.deadlock, 0);
	if (d.n == 1) {
		CHECK_INT(d.g[0].nframes, 1);
		CHECK_INT(d.g[0].frames[0].line, 12);
		CHECK_INT(d.g[0].first_line, 9);
	}
	lg_dump_release(&d);
}

/* Test output, SCHED lines and test2json framing between and inside blocks. */
static void test_noise(void)
{
	struct lg_dump d;

	parse_text("=== RUN   TestA\n"
		   "    a_test.go:12: hello (world)\n"
		   "SCHED 100ms: gomaxprocs=2 idleprocs=0 threads=5 [1 1]\n"
		   "\x16=== RUN   TestB\n"
		   "goroutine 7 [select]:\n"
		   "main.loop()\n"
		   "SCHED 200ms: gomaxprocs=2 idleprocs=0 threads=5 [1 1]\n"
		   "\t/src/app/loop.go:3 +0x1d\n"
		   "\x16--- FAIL: TestB (0.01s)\n"
		   "created by main.start in goroutine 1\n"
		   "\t/src/app/main.go:5 +0x25\n"
		   "--- FAIL: TestA (0.00s)\n"
		   "FAIL\n"
		   "goroutine 8 [select]:\n"
		   "main.loop()\n"
		   "\t/src/app/loop.go:3 +0x1d\x16=== NAME  TestB\n"
		   "ok  \tpkg\t(cached)\n",
		   &d);
	CHECK_INT(d.n, 2);
	CHECK_INT(d.bad_lines, 0);
	if (d.n == 2) {
		CHECK_INT(d.g[0].nframes, 1);
		CHECK_STR(d.g[0].creator.func, "main.start");
		CHECK_INT(d.g[0].first_line, 5);
		CHECK_INT(d.g[1].frames[0].line, 3);
	}
	lg_dump_release(&d);
}

/* Synctest and label forms written by hand from the runtime's printing. */
static void test_header_forms(void)
{
	struct lg_dump d;

	parse_text("goroutine 5 [chan send (durable), 2 minutes, synctest bubble 3] {k: \"a]b\"}:\n"
		   "main.f()\n"
		   "\t/a.go:1 +0x1\n"
		   "\n"
		   "goroutine 6 [select (leaked) labels:{\"k\": \"x]}\"}]:\n"
		   "main.f()\n"
		   "\t/a.go:1 +0x1\n"
		   "\n"
		   "goroutine 7 [chan receive (scan)]:\n"
		   "main.f()\n"
		   "\t/a.go:1 +0x1\n",
		   &d);
	CHECK_INT(d.n, 3);
	CHECK_INT(d.bad_lines, 0);
	if (d.n == 3) {
		CHECK_STR(d.g[0].status, "chan send");
		CHECK(d.g[0].durable);
		CHECK_INT(d.g[0].minutes, 2);
		CHECK_INT(d.g[0].bubble, 3);
		CHECK_STR(d.g[0].labels, "{k: \"a]b\"}");
		CHECK_STR(d.g[1].status, "select");
		CHECK(d.g[1].leaked);
		CHECK_STR(d.g[1].labels, "{\"k\": \"x]}\"}");
		CHECK_STR(d.g[2].status, "chan receive");
		CHECK_INT(d.g[2].wait, LG_WAIT_CHAN);
	}
	lg_dump_release(&d);
}

/* ---------------------------------------------------------------------- */
/* Corrupt input. */

static void test_truncated(void)
{
	struct lg_dump d;

	/* cut after a function line: that line is bad */
	parse_text("goroutine 7 [chan receive]:\n"
		   "main.a()\n"
		   "\t/a.go:1 +0x1\n"
		   "main.b(0x1, 0x2)\n",
		   &d);
	CHECK_INT(d.n, 1);
	CHECK_INT(d.bad_lines, 1);
	CHECK_INT(d.nbad, 1);
	if (d.nbad == 1) {
		CHECK_INT(d.bad[0].line, 4);
		CHECK_STR(d.bad[0].text, "main.b(0x1, 0x2)");
	}
	if (d.n == 1)
		CHECK_INT(d.g[0].nframes, 1);
	lg_dump_release(&d);

	/* cut inside a file line */
	parse_text("goroutine 7 [chan receive]:\nmain.a()\n\t/a.g", &d);
	CHECK_INT(d.n, 1);
	CHECK_INT(d.bad_lines, 1);
	lg_dump_release(&d);

	/* cut inside the header */
	parse_text("goroutine 7 [chan rec", &d);
	CHECK_INT(d.n, 0);
	CHECK_INT(d.bad_lines, 1);
	lg_dump_release(&d);

	/* a function line followed by the next header: recover there */
	parse_text("goroutine 7 [chan receive]:\n"
		   "main.a()\n"
		   "goroutine 8 [select]:\n"
		   "main.b()\n"
		   "\t/b.go:2 +0x1\n",
		   &d);
	CHECK_INT(d.n, 2);
	CHECK_INT(d.bad_lines, 1);
	if (d.nbad == 1)
		CHECK_INT(d.bad[0].line, 2);
	if (d.n == 2) {
		CHECK_INT(d.g[1].id, 8);
		CHECK_INT(d.g[1].nframes, 1);
	}
	lg_dump_release(&d);
}

static void test_garbage(void)
{
	struct lg_dump d;

	/* garbage inside a block: counted, then skipped up to the next header */
	parse_text("goroutine 7 [chan receive]:\n"
		   "@@@ not a frame @@@\n"
		   "main.a()\n"
		   "\t/a.go:1 +0x1\n"
		   "\tstray tab line\n"
		   "goroutine 8 [chan receive]:\n"
		   "main.a()\n"
		   "\t/a.go:1 +0x1\n"
		   "\tstray tab line\n"
		   "goroutine x [bad]:\n"
		   "goroutine 9 [chan receive\n"
		   "goroutine 99999999999999999999 [select]:\n"
		   "[originating from goroutine zz]:\n",
		   &d);
	CHECK_INT(d.n, 2);
	CHECK_INT(d.bad_lines, 4);
	if (d.nbad == 4) {
		CHECK_INT(d.bad[0].line, 2);
		CHECK_INT(d.bad[1].line, 9);
		CHECK_INT(d.bad[2].line, 11);
		CHECK_INT(d.bad[3].line, 12);
	}
	lg_dump_release(&d);

	/* pure garbage outside any dump is noise */
	parse_text("hello\nworld ()\n\t\t\n#\t0x1\n12 apples\n[\n...\n", &d);
	CHECK_INT(d.n, 0);
	CHECK_INT(d.bad_lines, 0);
	lg_dump_release(&d);

	/* more bad lines than are kept */
	{
		struct lg_buf b = LG_BUF_INIT;
		struct lg_err err;
		int i;

		for (i = 0; i < 40; i++)
			lg_buf_addf(&b, "goroutine %d [select]:\n!!\n", i);
		lg_dump_init(&d);
		CHECK_INT(lg_dump_parse(&d, b.buf, b.len, "many", &err), 0);
		CHECK_INT(d.bad_lines, 40);
		CHECK_INT(d.nbad, LG_TB_MAX_BAD_LINES);
		CHECK_INT(d.n, 40);
		lg_dump_release(&d);
		lg_buf_release(&b);
	}
}

static void test_empty_and_nul(void)
{
	struct lg_dump d;
	struct lg_err err;
	static const char nul[] = "goroutine 7 [chan receive]:\n"
				  "main.a\0b()\n"
				  "\t/a.go:1 +0x1\n"
				  "\0\0\0\n"
				  "goroutine 8 [select]:\n"
				  "main.c()\n"
				  "\t/c\0.go:3 +0x1\n";

	lg_dump_init(&d);
	CHECK_INT(lg_dump_parse(&d, "", 0, "empty", &err), 0);
	CHECK_INT(d.n, 0);
	CHECK_INT(d.lines, 0);
	CHECK_INT(d.bad_lines, 0);
	CHECK(d.message == NULL);
	lg_dump_release(&d);

	lg_dump_init(&d);
	CHECK_INT(lg_dump_parse(&d, "\n\n\r\n", 3, "blank", &err), 0);
	CHECK_INT(d.n, 0);
	CHECK_INT(d.lines, 3);
	lg_dump_release(&d);

	/* NUL bytes: parsed by length, never as C strings; a NUL inside a
	 * block breaks it */
	lg_dump_init(&d);
	CHECK_INT(lg_dump_parse(&d, nul, sizeof(nul) - 1, "nul", &err), 0);
	CHECK_INT(d.n, 2);
	CHECK_INT(d.bad_lines, 2);
	if (d.nbad == 2) {
		CHECK_INT(d.bad[0].line, 2);
		CHECK_STR(d.bad[0].text, "main.a");
		CHECK_INT(d.bad[1].line, 7);
	}
	if (d.n == 2) {
		CHECK_INT(d.g[0].nframes, 0);
		CHECK_INT(d.g[1].nframes, 0);
		CHECK_INT(d.g[1].id, 8);
	}
	lg_dump_release(&d);

	/* release of an initialised, unused dump; and twice */
	lg_dump_init(&d);
	lg_dump_release(&d);
	lg_dump_release(&d);
}

static void test_long_line(void)
{
	struct lg_dump d;
	struct lg_err err;
	struct lg_buf b = LG_BUF_INIT;
	size_t i;

	/* 1 MB of test output between goroutines: skipped */
	lg_buf_adds(&b, "goroutine 7 [select]:\nmain.a()\n\t/a.go:1 +0x1\n\n");
	for (i = 0; i < (1u << 20); i++)
		lg_buf_addch(&b, 'x');
	lg_buf_adds(&b, "\ngoroutine 8 [select]:\nmain.b(");
	/* 1 MB inside a block: counted, truncated in the report */
	for (i = 0; i < (1u << 20); i++)
		lg_buf_addch(&b, i % 2 ? ',' : '0');
	lg_buf_adds(&b, ")\n\t/b.go:2 +0x1\n\ngoroutine 9 [select]:\nmain.c()\n\t/c.go:3 +0x1\n");
	lg_dump_init(&d);
	CHECK_INT(lg_dump_parse(&d, b.buf, b.len, "long", &err), 0);
	CHECK_INT(d.n, 3);
	CHECK_INT(d.bad_lines, 1);
	if (d.nbad == 1) {
		CHECK_INT(d.bad[0].line, 7);
		CHECK_INT(strlen(d.bad[0].text), 200);
	}
	if (d.n == 3) {
		CHECK_INT(d.g[1].nframes, 0);
		CHECK_INT(d.g[2].frames[0].line, 3);
	}
	CHECK_INT(d.lines, 12);
	lg_dump_release(&d);
	lg_buf_release(&b);
}

/* More frames than LG_TB_MAX_FRAMES: the rest is dropped and flagged. */
static void test_frame_cap(void)
{
	struct lg_dump d;
	struct lg_err err;
	struct lg_buf b = LG_BUF_INIT;
	int i;

	lg_buf_adds(&b, "goroutine 7 [select]:\n");
	for (i = 0; i < LG_TB_MAX_FRAMES + 10; i++)
		lg_buf_addf(&b, "main.f%d()\n\t/a.go:%d +0x1\n", i % 7, i + 1);
	lg_dump_init(&d);
	CHECK_INT(lg_dump_parse(&d, b.buf, b.len, "deep", &err), 0);
	CHECK_INT(d.n, 1);
	if (d.n == 1) {
		CHECK_INT(d.g[0].nframes, LG_TB_MAX_FRAMES);
		CHECK(d.g[0].frames_elided);
		CHECK_INT(d.g[0].frames[LG_TB_MAX_FRAMES - 1].line, LG_TB_MAX_FRAMES);
		CHECK(d.g[0].frames[0].func == d.g[0].frames[7].func);
	}
	lg_dump_release(&d);
	lg_buf_release(&b);
}

static void test_parse_file_errors(void)
{
	struct lg_dump d;
	struct lg_err err;

	lg_dump_init(&d);
	err.msg[0] = '\0';
	CHECK_INT(lg_dump_parse_file(&d, "/nonexistent/dump.txt", &err), -1);
	CHECK(strstr(err.msg, "/nonexistent/dump.txt") != NULL);
	lg_dump_release(&d);
}

/* ---------------------------------------------------------------------- */
/* Helpers. */

static void test_func_package(void)
{
	static const struct {
		const char *func, *pkg;
	} cases[] = {
		{ "net/http.(*conn).serve", "net/http" },
		{ "main.main", "main" },
		{ "main.(*Box[...]).Wait", "main" },
		{ "leakgate.test/dumpgen.TestHang.func1", "leakgate.test/dumpgen" },
		{ "github.com/a/b.(*T).M.func1.2", "github.com/a/b" },
		{ "gopkg.in/yaml.v3.Unmarshal", "gopkg.in/yaml.v3" },
		{ "main.F[go.shape.struct { a/b.T }]", "main" },
		{ "panic", "panic" },
		{ "", "" },
	};
	struct lg_buf b = LG_BUF_INIT;
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		lg_buf_adds(&b, "junk");
		lg_func_package(cases[i].func, &b);
		CHECK_STR(b.buf, cases[i].pkg);
	}
	lg_buf_release(&b);
}

static void test_wait_class_names(void)
{
	CHECK_STR(lg_wait_class_name(LG_WAIT_NONE), "none");
	CHECK_STR(lg_wait_class_name(LG_WAIT_NIL_CHAN), "nil-chan");
	CHECK_STR(lg_wait_class_name(LG_WAIT_OTHER), "other");
	CHECK_STR(lg_wait_class_name((enum lg_wait_class)99), "unknown");
}

static void test_format(void)
{
	struct lg_dump d;
	struct lg_buf b = LG_BUF_INIT;

	parse_text("goroutine 36 [chan receive, 3 minutes, locked to thread] {k: v}:\n"
		   "main.chain(0x1, 0x2)\n"
		   "\t/a/main.go:80 +0x93\n"
		   "main.helper(...)\n"
		   "\t/a/main.go:70\n"
		   "created by main.chain in goroutine 35\n"
		   "\t/a/main.go:83 +0x69\n"
		   "[originating from goroutine 35]:\n"
		   "main.chain(...)\n"
		   "\t/a/main.go:84 +0x69\n"
		   "created by main.setup\n"
		   "\t/a/main.go:110 +0x1b6\n",
		   &d);
	CHECK_INT(d.n, 1);
	if (d.n == 1) {
		lg_goroutine_format(&d.g[0], &b);
		CHECK_STR(b.buf, "goroutine 36 [chan receive, 3 minutes, locked to thread] {k: v}:\n"
				 "main.chain()\n"
				 "\t/a/main.go:80\n"
				 "main.helper(...)\n"
				 "\t/a/main.go:70\n"
				 "created by main.chain in goroutine 35\n"
				 "\t/a/main.go:83\n"
				 "[originating from goroutine 35]:\n"
				 "main.chain(...)\n"
				 "\t/a/main.go:84\n"
				 "created by main.setup\n"
				 "\t/a/main.go:110\n");
	}
	lg_dump_release(&d);
	lg_buf_release(&b);
}

/* Formatting every fixture goroutine and re-parsing gives the same model. */
static void test_format_roundtrip(void)
{
	size_t i, j, k;

	for (i = 0; i < LG_ARRAY_SIZE(dump_cases); i++) {
		struct lg_dump d, d2;
		struct lg_buf b = LG_BUF_INIT;

		if (parse_fixture(dump_cases[i].file, &d))
			continue;
		for (j = 0; j < d.n; j++) {
			if (d.g[j].id < 0)
				continue;
			lg_goroutine_format(&d.g[j], &b);
			lg_buf_addch(&b, '\n');
		}
		parse_text(b.buf, &d2);
		CHECK_INT(d2.bad_lines, 0);
		k = 0;
		for (j = 0; j < d.n; j++) {
			const struct lg_goroutine *g = &d.g[j], *g2;
			char s1[17], s2[17];

			if (g->id < 0)
				continue;
			if (k >= d2.n) {
				CHECK(!"reparsed fewer goroutines");
				break;
			}
			g2 = &d2.g[k++];
			CHECK_INT(g->id, g2->id);
			lg_goroutine_signature(g, s1);
			lg_goroutine_signature(g2, s2);
			CHECK_STR(s1, s2);
			CHECK_INT(g->nframes, g2->nframes);
			CHECK_INT(g->nancestors, g2->nancestors);
			CHECK_INT(g->minutes, g2->minutes);
			CHECK(g->creator.func == g2->creator.func ||
			      !strcmp(g->creator.func, g2->creator.func));
			CHECK(g->labels == g2->labels || !strcmp(g->labels, g2->labels));
		}
		CHECK_INT(k, d2.n);
		lg_dump_release(&d2);
		lg_dump_release(&d);
		lg_buf_release(&b);
	}
}

/*
 * Lines seen before are parsed from the parser's line cache: a repeated
 * header, function, file or created-by line must give what its first
 * sight gave, whatever the goroutine, depth or kind of frame, also after
 * thousands of other lines and for lines too long to be cached.
 */
static void test_repeated_lines(void)
{
	struct lg_buf b = LG_BUF_INIT;
	struct lg_dump d;
	char longf[400];
	size_t i;

	memset(longf, 'x', sizeof(longf) - 1);
	longf[sizeof(longf) - 1] = 0;
	memcpy(longf, "pkg.", 4);
	for (i = 0; i < 3; i++)
		lg_buf_addf(&b,
			    "goroutine %zu [chan receive (leaked), 3 minutes, locked to thread, "
			    "synctest bubble 4]:\n"
			    "main.f(0x1)\n\t/a/f.go:10 +0x1\n"
			    "main.f(0x1)\n\t/a/f.go:10 +0x1\n"
			    "%s(...)\n\t/a/long.go:7\n"
			    "created by main.f in goroutine 1\n\t/a/f.go:10 +0x1\n\n",
			    i + 2, longf);
	/* more distinct lines than the cache has slots */
	for (i = 0; i < 3000; i++)
		lg_buf_addf(&b, "goroutine %zu [select, %zu minutes]:\nmain.g%zu()\n\t/a/g%zu.go:%zu\n\n",
			    i + 10, i, i, i, i + 1);
	lg_buf_addf(&b, "goroutine 9 [chan receive (leaked), 3 minutes, locked to thread, "
			"synctest bubble 4]:\nmain.f(0x1)\n\t/a/f.go:10 +0x1\n\n");
	lg_dump_init(&d);
	{
		struct lg_err err;

		CHECK_INT(lg_dump_parse(&d, b.buf, b.len, "text", &err), 0);
	}
	CHECK_INT(d.n, 3004);
	CHECK_INT(d.bad_lines, 0);
	for (i = 0; i < 3 && d.n == 3004; i++) {
		const struct lg_goroutine *g = &d.g[i];

		CHECK_INT(g->id, (int64_t)i + 2);
		CHECK_INT(g->first_line, 1 + i * 10);
		CHECK_STR(g->status, "chan receive");
		CHECK(g->leaked && g->locked && !g->durable);
		CHECK_INT(g->minutes, 3);
		CHECK_INT(g->bubble, 4);
		CHECK_INT(g->nframes, 3);
		if (g->nframes != 3)
			continue;
		CHECK_STR(g->frames[0].func, "main.f");
		CHECK(g->frames[1].func == g->frames[0].func && g->frames[1].file == g->frames[0].file);
		CHECK_INT(g->frames[1].line, 10);
		CHECK(!g->frames[1].inlined && g->frames[2].inlined);
		CHECK_STR(g->frames[2].func, longf);
		CHECK_STR(g->frames[2].file, "/a/long.go");
		CHECK_INT(g->frames[2].line, 7);
		CHECK_STR(g->creator.func, "main.f");
		CHECK_STR(g->creator.file, "/a/f.go");
		CHECK_INT(g->creator.line, 10);
		CHECK_INT(g->creator.parent_id, 1);
	}
	for (i = 0; i < 3000 && d.n == 3004; i++) {
		const struct lg_goroutine *g = &d.g[i + 3];
		char want[32];

		CHECK_INT(g->id, (int64_t)i + 10);
		CHECK_INT(g->minutes, (int)i);
		CHECK(!g->leaked && !g->locked && g->bubble == 0);
		snprintf(want, sizeof(want), "main.g%zu", i);
		CHECK(g->nframes == 1 && !strcmp(g->frames[0].func, want));
		CHECK(g->nframes == 1 && g->frames[0].line == (int)i + 1);
		CHECK(!g->creator.func && g->creator.parent_id == -1);
	}
	if (d.n == 3004) {
		const struct lg_goroutine *g = &d.g[3003];

		CHECK_INT(g->id, 9);
		CHECK(g->leaked && g->locked && g->minutes == 3 && g->bubble == 4);
		CHECK(g->nframes == 1 && g->frames[0].func == d.g[0].frames[0].func);
		CHECK(!g->creator.func);
	}
	lg_dump_release(&d);
	lg_buf_release(&b);
}

static const struct lg_check_case cases[] = {
	{ "fixture_dumps", test_fixture_dumps },
	{ "fixture_goroutines", test_fixture_goroutines },
	{ "ancestors", test_ancestors },
	{ "generics_inlined", test_generics_inlined },
	{ "elision", test_elision },
	{ "labels", test_labels },
	{ "running_tests", test_running_tests },
	{ "flags", test_flags },
	{ "profile_groups", test_profile_groups },
	{ "signature_stable", test_signature_stable },
	{ "signature_text", test_signature_text },
	{ "go119_semacquire", test_go119_semacquire },
	{ "old_elision_and_oddities", test_old_elision_and_oddities },
	{ "runtime_stack", test_runtime_stack },
	{ "noise", test_noise },
	{ "header_forms", test_header_forms },
	{ "truncated", test_truncated },
	{ "garbage", test_garbage },
	{ "empty_and_nul", test_empty_and_nul },
	{ "long_line", test_long_line },
	{ "frame_cap", test_frame_cap },
	{ "parse_file_errors", test_parse_file_errors },
	{ "func_package", test_func_package },
	{ "wait_class_names", test_wait_class_names },
	{ "format", test_format },
	{ "format_roundtrip", test_format_roundtrip },
	{ "repeated_lines", test_repeated_lines },
};

int main(void)
{
	return LG_CHECK_RUN(cases);
}
