/*
 * test_verdict.c — verdict.h on recorded endings of a test binary, table-
 * driven: exit status, signal, deadline, Ctrl-C and the stderr it left
 * (a deadlock, a panic, nothing), with the tests test2json saw, give
 * exactly the gate checks expected (crash / deadlock / hang / interrupted /
 * exit, their status, message and test) and the reason leak and heap checks
 * were skipped; with the hook's snapshots (written as files), a leaked
 * goroutine fails the leak check under --max-leaks 0 and passes under 1, and
 * HeapInuse growth is judged against the limit.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "hook_manifest.h"
#include "model.h"
#include "proc.h"
#include "verdict.h"
#include "util.h"
#include "check_tmp.h"
#include "pkg_fixture.h"

static char tmpdir[512];

#define DEADLOCK "fatal error: all goroutines are asleep - deadlock!\n\n" \
	"goroutine 1 [chan receive]:\n" \
	"testing.(*T).Run(0xc0000a6000, {0x5a1b2c, 0x8}, 0x5a6b88)\n" \
	"\t/usr/local/go/src/testing/testing.go:1751 +0x3ab\n" \
	"main.main()\n\t_testmain.go:45 +0x9b\n\n" \
	"goroutine 6 [chan send]:\n" \
	"example.com/m/p.TestPool(0xc0000a6000)\n\t/src/m/p/pool_test.go:15 +0x85\n" \
	"testing.tRunner(0xc0000a6000, 0x5a6b88)\n\t/usr/local/go/src/testing/testing.go:1690 +0xf4\n" \
	"created by testing.(*T).Run in goroutine 1\n\t/usr/local/go/src/testing/testing.go:1743 +0x390\n" \
	"exit status 2\n"
#define PANIC "panic: boom\n\n" \
	"goroutine 7 [running]:\n" \
	"example.com/m/p.TestBoom(0xc0000a6000)\n\t/src/m/p/boom_test.go:9 +0x25\n" \
	"testing.tRunner(0xc0000a6000, 0x5a6b88)\n\t/usr/local/go/src/testing/testing.go:1690 +0xf4\n" \
	"created by testing.(*T).Run in goroutine 1\n\t/usr/local/go/src/testing/testing.go:1743 +0x390\n"

#define SKIP_NOHOOK "leak checks skipped: m.Run is called in another package"
#define SKIP_BROKE "leak checks skipped: the test binary ended before the hook ran"

struct endcase {
	const char *name;
	int exit_code, term_signal, timed_out, interrupted, t2j_complete;
	const char *stderr_text;
	const char *tests; /* "name:result" pairs, ' '-separated; result p f u */
	const char *last_run;
	enum lg_hook_via via;
	/* want */
	enum lg_check_kind kind; /* LG_CHECK_KIND_COUNT: none of the ending checks */
	enum lg_check_status status;
	const char *message, *test, *leak_skip;
};

static void add_tests(struct lg_package *p, const char *spec)
{
	char *copy = lg_xstrdup(spec ? spec : ""), *save = NULL, *w;

	for (w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		char *colon = strchr(w, ':');
		struct lg_test *t = lg_package_add_test(p);

		*colon = '\0';
		t->name = lg_xstrdup(w);
		t->result = colon[1] == 'f' ? LG_TEST_FAIL : colon[1] == 'u' ? LG_TEST_UNFINISHED
										     : LG_TEST_PASS;
	}
	free(copy);
}

static void test_endings_table(void)
{
	static const struct endcase cases[] = {
		{ "clean exit", 0, 0, 0, 0, 1, "", "TestA:p", NULL, LG_VIA_NONE,
		  LG_CHECK_KIND_COUNT, 0, NULL, NULL, SKIP_NOHOOK },
		{ "a failing test is not a crash", 1, 0, 0, 0, 1, "", "TestA:f", NULL, LG_VIA_NONE,
		  LG_CHECK_KIND_COUNT, 0, NULL, NULL, SKIP_NOHOOK },
		{ "deadlock", 2, 0, 0, 0, 0, DEADLOCK, "TestPool:u", NULL, LG_VIA_INJECTED,
		  LG_CHECK_DEADLOCK, LG_STATUS_ERROR,
		  "all goroutines are asleep - deadlock! (in TestPool)", "TestPool", SKIP_BROKE },
		{ "deadlock past the record cap", 2, 0, 0, 0, 0, DEADLOCK, "", "TestPool",
		  LG_VIA_INJECTED, LG_CHECK_DEADLOCK, LG_STATUS_ERROR,
		  "all goroutines are asleep - deadlock! (in TestPool)", "TestPool", SKIP_BROKE },
		{ "panic", 2, 0, 0, 0, 0, PANIC, "TestBoom:u", NULL, LG_VIA_INJECTED,
		  LG_CHECK_CRASH, LG_STATUS_ERROR, "panic: boom (in TestBoom)", "TestBoom", SKIP_BROKE },
		{ "panic, test from the dump", 2, 0, 0, 0, 0, PANIC, "", NULL, LG_VIA_INJECTED,
		  LG_CHECK_CRASH, LG_STATUS_ERROR, "panic: boom (in TestBoom)", "TestBoom", SKIP_BROKE },
		{ "killed", -1, 9, 0, 0, 0, "", "TestA:u", NULL, LG_VIA_INJECTED,
		  LG_CHECK_CRASH, LG_STATUS_ERROR, "killed by SIGKILL (signal 9) (in TestA)", "TestA",
		  SKIP_BROKE },
		{ "exit 1, no result", 1, 0, 0, 0, 0, "some noise\n", "", NULL, LG_VIA_INJECTED,
		  LG_CHECK_CRASH, LG_STATUS_ERROR,
		  "test binary exited with status 1 before reporting a result", NULL, SKIP_BROKE },
		{ "exit 3 after the tests", 3, 0, 0, 0, 1, "goleak: leaks found\n", "TestA:p", NULL,
		  LG_VIA_REWRITTEN, LG_CHECK_EXIT, LG_STATUS_FAILED,
		  "the tests passed, then the test binary exited with status 3 (code after m.Run "
		  "in TestMain failed)", NULL,
		  "leak checks skipped: TestMain ended before it reached m.Run (an early os.Exit or "
		  "return)" },
		{ "interrupted", -1, 9, 0, 1, 0, "", "TestA:p TestB:u", NULL, LG_VIA_INJECTED,
		  LG_CHECK_INTERRUPTED, LG_STATUS_SKIPPED,
		  "interrupted (Ctrl-C): the test binary was stopped in TestB", "TestB", SKIP_BROKE },
		{ "hang", -1, 9, 1, 0, 0, "", "TestA:p TestB:u TestC:u", NULL, LG_VIA_INJECTED,
		  LG_CHECK_HANG, LG_STATUS_ERROR,
		  "test binary did not finish within 60s; still running: TestB, TestC", "TestB",
		  SKIP_BROKE },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		const struct endcase *e = &cases[i];
		struct lg_config cfg;
		struct lg_proc_result r;
		struct lg_hook_manifest m;
		struct lg_verdict_in in;
		struct lg_package p;
		const struct lg_check *c;
		struct lg_check *leak;
		int before = lg_check_failures;

		lg_config_init(&cfg);
		cfg.timeout = 60;
		memset(&r, 0, sizeof(r));
		r.exit_code = e->exit_code;
		r.term_signal = e->term_signal;
		r.timed_out = e->timed_out;
		r.interrupted = e->interrupted;
		memset(&m, 0, sizeof(m));
		m.phase = LG_HOOK_ABSENT;
		memset(&in, 0, sizeof(in));
		in.cfg = &cfg;
		in.module_root = "/src/m";
		in.proc = &r;
		in.stderr_text = e->stderr_text;
		in.stderr_len = strlen(e->stderr_text);
		in.hook = &m;
		in.t2j_complete = e->t2j_complete;
		in.via = e->via;
		in.via_reason = e->via == LG_VIA_NONE ? SKIP_NOHOOK : NULL;
		in.last_run = e->last_run;
		memset(&p, 0, sizeof(p));
		p.import_path = lg_xstrdup("example.com/m/p");
		add_tests(&p, e->tests);

		lg_verdict_package(&in, &p);
		c = ending_check(&p);
		if (e->kind == LG_CHECK_KIND_COUNT) {
			CHECK(c == NULL);
		} else {
			CHECK(c != NULL);
			if (c) {
				CHECK_INT(c->kind, e->kind);
				CHECK_INT(c->status, e->status);
				CHECK_STR(c->message, e->message);
				if (e->test)
					CHECK_STR(c->test, e->test);
				else
					CHECK(c->test == NULL);
				CHECK(c->detail && *c->detail);
			}
		}
		leak = lg_package_find_check(&p, LG_CHECK_LEAK);
		CHECK(leak && leak->status == LG_STATUS_SKIPPED);
		if (leak)
			CHECK_STR(leak->message, e->leak_skip);
		CHECK(lg_package_find_check(&p, LG_CHECK_HEAP) != NULL);
		CHECK_INT(p.hook_via, e->via);
		if (lg_check_failures != before)
			fprintf(stderr, "  (case \"%s\")\n", e->name);
		lg_package_release(&p);
		lg_config_release(&cfg);
	}
}

#define SNAP_MAIN "goroutine 1 [running]:\nmain.main()\n\t/src/m/main.go:10 +0x1d\n\n"
#define SNAP_LEAK "goroutine 21 [chan receive]:\n" \
	"example.com/m/p.consume(0xc000012345)\n\t/src/m/p/p.go:19 +0x25\n" \
	"created by example.com/m/p.Sum in goroutine 20\n\t/src/m/p/p.go:13 +0x2a\n\n"

static char *write_tmp(const char *name, const char *text)
{
	char *path = lg_xasprintf("%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
	return path;
}

/* A finished hook's manifest: dumps in files, HeapInuse before and after. */
static void done_manifest(struct lg_hook_manifest *m, char *before, char *after, uint64_t heap_before,
			  uint64_t heap_after)
{
	memset(m, 0, sizeof(*m));
	m->phase = LG_HOOK_DONE;
	m->before.present = m->after.present = 1;
	m->before.stacks = before;
	m->after.stacks = after;
	m->before.mem.heap_inuse = heap_before;
	m->after.mem.heap_inuse = heap_after;
}

/* A verdict input for a binary the hook ran in and that ended as `r` says. */
static void hooked_input(struct lg_verdict_in *in, struct lg_config *cfg, struct lg_proc_result *r,
			 struct lg_hook_manifest *m)
{
	memset(in, 0, sizeof(*in));
	in->cfg = cfg;
	in->module_root = "/src/m";
	in->proc = r;
	in->stderr_text = "";
	in->hook = m;
	in->t2j_complete = 1;
	in->via = LG_VIA_INJECTED;
}

static void test_hook_done_table(void)
{
	static const struct {
		int max_leaks;
		uint64_t heap_before, heap_after;
		int64_t max_heap;
		enum lg_check_status leak, heap;
		const char *leak_msg, *heap_msg;
	} cases[] = {
		{ 0, 4 << 20, 5 << 20, 1 << 20, LG_STATUS_FAILED, LG_STATUS_PASSED,
		  "1 goroutine leaked in 1 group (limit 0)",
		  "HeapInuse grew by 1.00 MiB after GC (limit 1.00 MiB)" },
		{ 1, 4 << 20, 7 << 20, 1 << 20, LG_STATUS_PASSED, LG_STATUS_FAILED,
		  "1 goroutine leaked in 1 group (limit 1)",
		  "HeapInuse grew by 3.00 MiB after GC (limit 1.00 MiB)" },
		{ 0, 6 << 20, 5 << 20, 0, LG_STATUS_FAILED, LG_STATUS_PASSED,
		  "1 goroutine leaked in 1 group (limit 0)",
		  "HeapInuse shrank by 1.00 MiB after GC (limit 0.00 MiB)" },
	};
	char *before = write_tmp("before.txt", SNAP_MAIN);
	char *after = write_tmp("after.txt", SNAP_MAIN SNAP_LEAK);
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_config cfg;
		struct lg_proc_result r;
		struct lg_hook_manifest m;
		struct lg_verdict_in in;
		struct lg_package p;
		struct lg_check *c;

		lg_config_init(&cfg);
		cfg.max_leaks = cases[i].max_leaks;
		cfg.max_heap_growth = cases[i].max_heap;
		memset(&r, 0, sizeof(r));
		done_manifest(&m, before, after, cases[i].heap_before, cases[i].heap_after);
		hooked_input(&in, &cfg, &r, &m);
		memset(&p, 0, sizeof(p));
		p.import_path = lg_xstrdup("example.com/m/p");
		add_tests(&p, "TestSum:p");

		lg_verdict_package(&in, &p);
		CHECK(ending_check(&p) == NULL);
		CHECK_INT(p.hook, LG_HOOK_DONE);
		c = lg_package_find_check(&p, LG_CHECK_LEAK);
		CHECK(c != NULL);
		if (c) {
			CHECK_INT(c->status, cases[i].leak);
			CHECK_STR(c->message, cases[i].leak_msg);
			CHECK_STR(c->loc.file, "p/p.go");
			CHECK_INT(c->loc.line, 13);
		}
		CHECK_INT(p.nleaks, 1);
		if (p.nleaks) {
			CHECK_INT(p.leaks[0].count, 1);
			CHECK_STR(p.leaks[0].wait_reason, "chan receive");
			CHECK_STR(p.leaks[0].creator_func, "example.com/m/p.Sum");
		}
		c = lg_package_find_check(&p, LG_CHECK_HEAP);
		CHECK(c != NULL);
		if (c) {
			CHECK_INT(c->status, cases[i].heap);
			CHECK_STR(c->message, cases[i].heap_msg);
		}
		CHECK_INT(p.heap_growth, (int64_t)cases[i].heap_after - (int64_t)cases[i].heap_before);
		lg_package_release(&p);
		lg_config_release(&cfg);
	}
	free(before);
	free(after);
}

/*
 * Heap growth per pass asked for (2 passes) but the binary ended before the
 * second pass was recorded: the total decides, and the message tells how
 * the binary ended (a crash on the second run, a deadline, a signal).
 */
static void test_heap_passes_ended(void)
{
	static const struct {
		int exit_code, term_signal, timed_out;
		const char *why;
	} cases[] = {
		{ 2, 0, 0, "the test binary exited with status 2 in pass 2 of 2: the tests do not run twice" },
		{ -1, 0, 1, "pass 2 of 2 did not finish before its deadline" },
		{ -1, 9, 0, "the test binary was ended by signal 9 in pass 2 of 2" },
		{ 0, 0, 0, "pass 2 of 2 did not finish (the test binary ended or was stopped in it)" },
	};
	char *before = write_tmp("before.txt", SNAP_MAIN);
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_config cfg;
		struct lg_proc_result r;
		struct lg_hook_manifest m;
		struct lg_verdict_in in;
		struct lg_package p;
		struct lg_check *c;

		lg_config_init(&cfg);
		cfg.max_heap_growth = 1 << 20;
		memset(&r, 0, sizeof(r));
		r.exit_code = cases[i].exit_code;
		r.term_signal = cases[i].term_signal;
		r.timed_out = cases[i].timed_out;
		done_manifest(&m, before, before, 4 << 20, 7 << 20);
		hooked_input(&in, &cfg, &r, &m);
		in.heap_passes = 2;
		memset(&p, 0, sizeof(p));
		p.import_path = lg_xstrdup("example.com/m/p");
		add_tests(&p, "TestSum:p");

		lg_verdict_package(&in, &p);
		CHECK_INT(p.heap_method, LG_HEAP_INCONCLUSIVE);
		c = lg_package_find_check(&p, LG_CHECK_HEAP);
		CHECK(c != NULL);
		if (c) {
			CHECK_INT(c->status, LG_STATUS_FAILED); /* the total decides: 3 MiB > 1 MiB */
			if (!strstr(c->message, cases[i].why)) {
				fprintf(stderr, "case %zu: message \"%s\" lacks \"%s\"\n", i, c->message,
					cases[i].why);
				lg_check_failures++;
			}
		}
		lg_package_release(&p);
		lg_config_release(&cfg);
	}
	free(before);
}

/* The hook's files unreadable: skipped with the reason, never absent. */
static void test_hook_files_missing(void)
{
	struct lg_config cfg;
	struct lg_proc_result r;
	struct lg_hook_manifest m;
	struct lg_verdict_in in;
	struct lg_package p;
	struct lg_check *c;

	lg_config_init(&cfg);
	memset(&r, 0, sizeof(r));
	memset(&m, 0, sizeof(m));
	m.phase = LG_HOOK_DONE;
	m.before.stacks = "/nonexistent/before.txt";
	memset(&in, 0, sizeof(in));
	in.cfg = &cfg;
	in.proc = &r;
	in.stderr_text = "";
	in.hook = &m;
	in.t2j_complete = 1;
	in.via = LG_VIA_INJECTED;
	memset(&p, 0, sizeof(p));
	lg_verdict_package(&in, &p);
	c = lg_package_find_check(&p, LG_CHECK_LEAK);
	CHECK(c && c->status == LG_STATUS_SKIPPED);
	CHECK(c && c->message && strstr(c->message, "/nonexistent/before.txt"));
	CHECK(lg_package_find_check(&p, LG_CHECK_HEAP) != NULL);
	lg_package_release(&p);

	/* the hook took only the before snapshot: the binary ended inside m.Run */
	m.phase = LG_HOOK_BEFORE;
	memset(&p, 0, sizeof(p));
	lg_verdict_package(&in, &p);
	c = lg_package_find_check(&p, LG_CHECK_LEAK);
	CHECK(c && c->status == LG_STATUS_SKIPPED);
	if (c)
		CHECK_STR(c->message, "leak checks skipped: the test binary ended inside m.Run, "
				      "before the hook's after snapshot");
	CHECK_STR(p.hook_note, "leak checks skipped: the test binary ended inside m.Run, "
			       "before the hook's after snapshot");
	lg_package_release(&p);
	lg_config_release(&cfg);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "endings of a test binary", test_endings_table },
		{ "hook snapshots: leaks and heap", test_hook_done_table },
		{ "hook files missing or half", test_hook_files_missing },
		{ "heap passes cut short", test_heap_passes_ended },
	};
	return LG_CHECK_RUN_TMP(cases, "lg-verdict", tmpdir);
}
