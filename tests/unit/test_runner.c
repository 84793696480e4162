/*
 * test_runner.c — the runner's judging of a finished test binary
 * (lg_runner_judge_recorded, the code a live run goes through after
 * lg_proc_run) on recorded runs, table-driven: the binary's stdout (a
 * test2json stream, inline or one of the captured streams of
 * tests/fixtures/t2j), its stderr (panic and SIGQUIT dumps, schedtrace
 * lines, a flood past the kept budget), how it ended, and the hook's
 * directory (a manifest with before/after goroutine dumps, written here:
 * none, clean, a leak, a malformed manifest).  Each case checks the tests
 * the run gives (names, results, module-relative locations), the scheduler
 * samples taken out of stderr, the one ending check (crash / hang / exit,
 * its status, message, test, location and a piece of its detail) and the
 * leak check's status, message and test.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "model.h"
#include "proc.h"
#include "runner.h"
#include "util.h"
#include "check.h"
#include "pkg_fixture.h"

static char tmpdir[512];

/* --- recorded stdout ------------------------------------------------- */

#define T2J_PASS_FAIL "\x16=== RUN   TestPass\n" \
	"    p_test.go:8: all good\n" \
	"\x16--- PASS: TestPass (0.01s)\n" \
	"\x16=== RUN   TestFail\n" \
	"    p_test.go:19: got 1, want 2\n" \
	"\x16--- FAIL: TestFail (0.00s)\n" \
	"\x16" "FAIL\n"
#define T2J_SUM_PASSES "\x16=== RUN   TestSum\n" \
	"\x16--- PASS: TestSum (0.00s)\n" \
	"\x16PASS\n"
#define T2J_BOOM_RUNNING "\x16=== RUN   TestA\n" \
	"\x16--- PASS: TestA (0.00s)\n" \
	"\x16=== RUN   TestBoom\n"

/* --- recorded stderr ------------------------------------------------- */

/* A subtest's panic as Go 1.26 prints it (the test's function is a closure). */
#define PANIC_SUB "panic: assignment to entry in nil map [recovered, repanicked]\n\n" \
	"goroutine 8 [running]:\n" \
	"testing.tRunner.func1.2({0x5a8c20, 0x62b1e0})\n" \
	"\t/usr/local/go/src/testing/testing.go:1872 +0x237\n" \
	"testing.tRunner.func1()\n\t/usr/local/go/src/testing/testing.go:1875 +0x35b\n" \
	"panic({0x5a8c20?, 0x62b1e0?})\n\t/usr/local/go/src/runtime/panic.go:783 +0x132\n" \
	"example.com/m/p.TestPanics.func1(0xc000102380)\n\t/src/m/p/crash_test.go:15 +0x4d\n" \
	"testing.tRunner(0xc000102380, 0x5e1a48)\n\t/usr/local/go/src/testing/testing.go:1934 +0xea\n" \
	"created by testing.(*T).Run in goroutine 7\n" \
	"\t/usr/local/go/src/testing/testing.go:1997 +0x465\n"
#define PANIC_BOOM "panic: boom\n\n" \
	"goroutine 7 [running]:\n" \
	"example.com/m/p.TestBoom(0xc0000a6000)\n\t/src/m/p/boom_test.go:9 +0x25\n" \
	"testing.tRunner(0xc0000a6000, 0x5a6b88)\n\t/usr/local/go/src/testing/testing.go:1690 +0xf4\n" \
	"created by testing.(*T).Run in goroutine 1\n\t/usr/local/go/src/testing/testing.go:1743 +0x390\n"
/* The dump Go prints on the SIGQUIT the runner sends at the deadline. */
#define SIGQUIT_HANGS "SIGQUIT: quit\nPC=0x46f1a1 m=0 sigcode=0\n\n" \
	"goroutine 7 gp=0xc000007c00 m=nil [sleep]:\n" \
	"time.Sleep(0x3b9aca00)\n\t/usr/local/go/src/runtime/time.go:315 +0xf2\n" \
	"example.com/m/p.TestHangs(0xc0000a6000)\n\t/src/m/p/hang_test.go:20 +0x4f\n" \
	"testing.tRunner(0xc0000a6000, 0x5a6b88)\n\t/usr/local/go/src/testing/testing.go:1690 +0xf4\n" \
	"created by testing.(*T).Run in goroutine 1\n\t/usr/local/go/src/testing/testing.go:1743 +0x390\n"
#define SCHED_LINE "SCHED 108ms: gomaxprocs=2 idleprocs=1 threads=4 spinningthreads=0 " \
	"needspinning=0 idlethreads=1 runqueue=0 [ 0 0 ] schedticks=[ 8 11 ]\n"

/* --- the hook's directory -------------------------------------------- */

enum hookdir { H_NONE, H_ABSENT, H_CLEAN, H_LEAK, H_BAD };

#define SNAP_MAIN "goroutine 1 [running]:\nmain.main()\n\t/src/m/main.go:10 +0x1d\n\n"
#define SNAP_LEAK "goroutine 21 [chan receive]:\n" \
	"example.com/m/p.consume(0xc000012345)\n\t/src/m/p/p.go:19 +0x25\n" \
	"created by example.com/m/p.TestSum in goroutine 20\n\t/src/m/p/p_test.go:13 +0x2a\n\n"
#define MANIFEST "{\"protocol\": 1, \"phase\": \"after\", \"go_version\": \"go1.26.8\",\n" \
	" \"gomaxprocs\": 2, \"exit_code\": 0,\n" \
	" \"before\": {\"memstats\": {\"heap_inuse\": 4194304}, \"stacks\": \"before.stacks\"},\n" \
	" \"after\": {\"memstats\": {\"heap_inuse\": 4194304}, \"stacks\": \"after.stacks\"}}\n"

#define SKIP_NOHOOK "leak checks skipped: m.Run is called in another package"
#define SKIP_BROKE "leak checks skipped: the test binary ended before the hook ran"

static void put(const char *dir, const char *name, const char *text)
{
	char *path = lg_xasprintf("%s/%s", dir, name);
	struct lg_err err;

	if (lg_write_file_atomic(path, text, strlen(text), &err)) {
		fprintf(stderr, "%s\n", err.msg);
		exit(2);
	}
	free(path);
}

/* A fresh hook directory for case i holding what `h` says. */
static char *make_hookdir(size_t i, enum hookdir h)
{
	char *dir = lg_xasprintf("%s/hook-%zu", tmpdir, i);

	if (mkdir(dir, 0700)) {
		perror(dir);
		exit(2);
	}
	if (h == H_CLEAN || h == H_LEAK) {
		put(dir, "hook.json", MANIFEST);
		put(dir, "before.stacks", SNAP_MAIN);
		put(dir, "after.stacks", h == H_LEAK ? SNAP_MAIN SNAP_LEAK : SNAP_MAIN);
	} else if (h == H_BAD) {
		put(dir, "hook.json", "{\"protocol\": 1, \"phase\": \"af");
	}
	return dir;
}

/* "@name": tests/fixtures/t2j/name under LG_SOURCE_DIR; else the text itself. */
static void load(const char *spec, struct lg_buf *out)
{
	const char *root = getenv("LG_SOURCE_DIR");
	struct lg_err err;
	char *path;

	if (spec[0] != '@') {
		lg_buf_adds(out, spec);
		return;
	}
	path = lg_xasprintf("%s/tests/fixtures/t2j/%s", root ? root : ".", spec + 1);
	if (lg_read_file(path, 1 << 20, out, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		exit(2);
	}
	free(path);
}

/* "name:r ..." (r: p pass, f fail, s skip, u unfinished) against p's tests, in order. */
static void check_tests(const struct lg_package *p, const char *spec)
{
	struct lg_buf got = LG_BUF_INIT;
	size_t i;

	for (i = 0; i < p->ntests; i++) {
		const enum lg_test_result r = p->tests[i].result;

		lg_buf_addf(&got, "%s%s:%c", i ? " " : "", p->tests[i].name,
			    r == LG_TEST_PASS ? 'p' : r == LG_TEST_FAIL ? 'f'
			    : r == LG_TEST_SKIP ? 's' : 'u');
	}
	CHECK_STR(got.len ? got.buf : "", spec);
	lg_buf_release(&got);
}

struct rcase {
	const char *name;
	const char *out, *err; /* stdout, stderr ("@file": a captured fixture) */
	const char *err_tail;  /* appended to err (NULL: nothing) */
	size_t flood;          /* bytes of noise lines put before err */
	int exit_code, term_signal, timed_out;
	enum hookdir hook;
	size_t head, tail;     /* stderr budget (0: the runner's) */
	/* want */
	const char *tests;
	int nsched;
	enum lg_check_kind kind; /* LG_CHECK_KIND_COUNT: no ending check */
	enum lg_check_status status;
	const char *message, *test, *loc_file;
	int loc_line;
	const char *detail_has, *detail_lacks, *detail_end;
	enum lg_check_status leak;
	const char *leak_msg, *leak_test;
};

static const struct rcase cases[] = {
	{ "a passing and a failing test, clean snapshots",
	  T2J_PASS_FAIL, "", NULL, 0, 1, 0, 0, H_CLEAN, 0, 0,
	  "TestPass:p TestFail:f", 0, LG_CHECK_KIND_COUNT, 0, NULL, NULL, NULL, 0, NULL, NULL, NULL,
	  LG_STATUS_PASSED, "no goroutines leaked", NULL },
	{ "no hook: the tests alone, leak checks skipped with the reason",
	  T2J_PASS_FAIL, "", NULL, 0, 1, 0, 0, H_NONE, 0, 0,
	  "TestPass:p TestFail:f", 0, LG_CHECK_KIND_COUNT, 0, NULL, NULL, NULL, 0, NULL, NULL, NULL,
	  LG_STATUS_SKIPPED, SKIP_NOHOOK, NULL },
	{ "a goroutine leaked between the snapshots",
	  T2J_SUM_PASSES, "", NULL, 0, 0, 0, 0, H_LEAK, 0, 0,
	  "TestSum:p", 0, LG_CHECK_KIND_COUNT, 0, NULL, NULL, NULL, 0, NULL, NULL, NULL,
	  LG_STATUS_FAILED, "1 goroutine leaked in 1 group (limit 0)", "TestSum" },
	{ "a malformed manifest: leak check skipped, naming the file",
	  T2J_SUM_PASSES, "", NULL, 0, 0, 0, 0, H_BAD, 0, 0,
	  "TestSum:p", 0, LG_CHECK_KIND_COUNT, 0, NULL, NULL, NULL, 0, NULL, NULL, NULL,
	  LG_STATUS_SKIPPED, NULL, NULL },
	{ "a subtest panics (captured stdout, the panic dump on stderr)",
	  "@crash.out", PANIC_SUB, NULL, 0, 2, 0, 0, H_ABSENT, 0, 0,
	  "TestBefore:p TestPanics:f TestPanics/sub:f", 0, LG_CHECK_CRASH, LG_STATUS_ERROR,
	  "panic: assignment to entry in nil map (in TestPanics)",
	  "TestPanics", "p/crash_test.go", 15, "goroutines at the crash, grouped:", NULL, NULL,
	  LG_STATUS_SKIPPED, SKIP_BROKE, NULL },
	{ "a panic while a test runs, schedtrace lines between the dump's lines",
	  T2J_BOOM_RUNNING, SCHED_LINE "panic: boom\n" SCHED_LINE, &PANIC_BOOM[12], 0, 2, 0, 0,
	  H_ABSENT, 0, 0,
	  "TestA:p TestBoom:u", 2, LG_CHECK_CRASH, LG_STATUS_ERROR, "panic: boom (in TestBoom)",
	  "TestBoom", "p/boom_test.go", 9, "example.com/m/p.TestBoom", "SCHED", NULL,
	  LG_STATUS_SKIPPED, SKIP_BROKE, NULL },
	{ "the deadline: SIGQUIT dump naming the running test (captured stdout and samples)",
	  "@hang.out", "@sched_idle.err", SIGQUIT_HANGS, 0, -1, 6, 1, H_ABSENT, 0, 0,
	  "TestQuick:p TestHangs:u", 12, LG_CHECK_HANG, LG_STATUS_ERROR,
	  "test binary did not finish within 60s; still running: TestHangs", "TestHangs",
	  "p/hang_test.go", 20, "goroutines at the deadline (SIGQUIT dump), grouped:", NULL, NULL,
	  LG_STATUS_SKIPPED, SKIP_BROKE, NULL },
	{ "exit status 3 after every test passed",
	  T2J_SUM_PASSES, "goleak: errors on successful test run\n", NULL, 0, 3, 0, 0, H_CLEAN,
	  0, 0,
	  "TestSum:p", 0, LG_CHECK_EXIT, LG_STATUS_FAILED,
	  "the tests passed, then the test binary exited with status 3 (code after m.Run in "
	  "TestMain failed)", NULL, NULL, 0, "\nstderr:\ngoleak: errors on successful test run\n",
	  NULL, NULL, LG_STATUS_PASSED, "no goroutines leaked", NULL },
	{ "a stderr flood: head and tail kept, the middle dropped, the last line unfinished",
	  "", "the end of the flood", NULL, 100000, 1, 0, 0, H_ABSENT, 1024, 4096,
	  "", 0, LG_CHECK_CRASH, LG_STATUS_ERROR,
	  "test binary exited with status 1 before reporting a result", NULL, NULL, 0,
	  "\n[... 94900 bytes dropped ...]\n", NULL, "noise 0\nthe end of the flood",
	  LG_STATUS_SKIPPED, SKIP_BROKE, NULL },
};

/* One line of noise: 20 bytes with its newline. */
#define NOISE "noise noise noise 0\n"

static void run_case(size_t i, const struct rcase *e)
{
	struct lg_config cfg;
	struct lg_proc_result r;
	struct lg_runner_judge_opts o;
	struct lg_runner_recorded rec;
	struct lg_buf out = LG_BUF_INIT, err = LG_BUF_INIT;
	struct lg_package p;
	const struct lg_check *c;
	char *hookdir = make_hookdir(i, e->hook);
	size_t n;

	lg_config_init(&cfg);
	cfg.timeout = 60;
	memset(&r, 0, sizeof(r));
	r.exit_code = e->exit_code;
	r.term_signal = e->term_signal;
	r.timed_out = e->timed_out;
	r.quit_sent = e->timed_out;
	r.seconds = 1.5;
	for (n = 0; n < e->flood; n += strlen(NOISE))
		lg_buf_adds(&err, NOISE);
	load(e->out, &out);
	load(e->err, &err);
	if (e->err_tail)
		lg_buf_adds(&err, e->err_tail);
	memset(&o, 0, sizeof(o));
	o.cfg = &cfg;
	o.module_root = "/src/m";
	o.hookdir = hookdir;
	o.via = e->hook == H_NONE ? LG_VIA_NONE : LG_VIA_INJECTED;
	o.via_reason = e->hook == H_NONE ? SKIP_NOHOOK : NULL;
	o.heap_passes = 1;
	o.read_sources = 1;
	o.stderr_head = e->head;
	o.stderr_tail = e->tail;
	memset(&rec, 0, sizeof(rec));
	rec.stdout_text = out.buf;
	rec.stdout_len = out.len;
	rec.stderr_text = err.buf;
	rec.stderr_len = err.len;
	rec.proc = &r;
	memset(&p, 0, sizeof(p));
	p.import_path = lg_xstrdup("example.com/m/p");
	p.dir = lg_xstrdup("/src/m/p");
	p.rel_dir = lg_xstrdup("p");

	lg_runner_judge_recorded(&o, &rec, &p);

	check_tests(&p, e->tests);
	CHECK_INT(p.nsched, e->nsched);
	CHECK_INT(p.exit_code, e->exit_code);
	CHECK_INT(p.term_signal, e->term_signal);
	CHECK(p.run_seconds == 1.5);
	c = ending_check(&p);
	if (e->kind == LG_CHECK_KIND_COUNT) {
		CHECK(c == NULL);
	} else {
		CHECK(c != NULL);
	}
	if (c && e->kind != LG_CHECK_KIND_COUNT) {
		CHECK_INT(c->kind, e->kind);
		CHECK_INT(c->status, e->status);
		CHECK_STR(c->message, e->message);
		if (e->test)
			CHECK_STR(c->test, e->test);
		else
			CHECK(c->test == NULL);
		if (e->loc_file) {
			CHECK_STR(c->loc.file, e->loc_file);
			CHECK_INT(c->loc.line, e->loc_line);
		}
		CHECK(c->detail != NULL);
		if (e->detail_has)
			CHECK(c->detail && strstr(c->detail, e->detail_has));
		if (e->detail_lacks)
			CHECK(c->detail && !strstr(c->detail, e->detail_lacks));
		if (e->detail_end)
			CHECK(c->detail && lg_ends_with(c->detail, e->detail_end));
	}
	c = lg_package_find_check(&p, LG_CHECK_LEAK);
	CHECK(c != NULL);
	if (c) {
		CHECK_INT(c->status, e->leak);
		if (e->leak_msg)
			CHECK_STR(c->message, e->leak_msg);
		else /* the malformed manifest: the reader's error, naming the file */
			CHECK(c->message && strstr(c->message, "hook.json':1:"));
		if (e->leak_test)
			CHECK_STR(c->test, e->leak_test);
		else
			CHECK(c->test == NULL);
	}
	CHECK(lg_package_find_check(&p, LG_CHECK_HEAP) != NULL);
	lg_package_release(&p);
	lg_config_release(&cfg);
	lg_buf_release(&out);
	lg_buf_release(&err);
	free(hookdir);
}

static void test_recorded_runs(void)
{
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		int before = lg_check_failures;

		run_case(i, &cases[i]);
		if (lg_check_failures != before)
			fprintf(stderr, "  (case \"%s\")\n", cases[i].name);
	}
}

/*
 * The tests' own "file_test.go:N:" locations become module-relative: in
 * a package in the module root they stay as Go printed them.
 */
static void test_locations(void)
{
	static const struct {
		const char *rel_dir, *file;
	} locs[] = { { "p", "p/p_test.go" }, { ".", "p_test.go" }, { "a/b", "a/b/p_test.go" } };
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(locs); i++) {
		struct lg_config cfg;
		struct lg_proc_result r;
		struct lg_runner_judge_opts o;
		struct lg_runner_recorded rec;
		struct lg_package p;
		char *hookdir = make_hookdir(100 + i, H_ABSENT);

		lg_config_init(&cfg);
		memset(&r, 0, sizeof(r));
		r.exit_code = 1;
		memset(&o, 0, sizeof(o));
		o.cfg = &cfg;
		o.module_root = "/src/m";
		o.hookdir = hookdir;
		o.via = LG_VIA_INJECTED;
		o.heap_passes = 1;
		memset(&rec, 0, sizeof(rec));
		rec.stdout_text = T2J_PASS_FAIL;
		rec.stdout_len = strlen(T2J_PASS_FAIL);
		rec.stderr_text = "";
		rec.proc = &r;
		memset(&p, 0, sizeof(p));
		p.rel_dir = lg_xstrdup(locs[i].rel_dir);
		lg_runner_judge_recorded(&o, &rec, &p);
		CHECK_INT(p.ntests, 2);
		if (p.ntests == 2) {
			CHECK_STR(p.tests[0].loc.file, locs[i].file);
			CHECK_INT(p.tests[0].loc.line, 8);
			CHECK_STR(p.tests[1].loc.file, locs[i].file);
			CHECK_INT(p.tests[1].loc.line, 19);
		}
		lg_package_release(&p);
		lg_config_release(&cfg);
		free(hookdir);
	}
}

int main(void)
{
	static const struct lg_check_case tests[] = {
		{ "recorded runs: tests, samples, ending and leak checks", test_recorded_runs },
		{ "test locations made module-relative", test_locations },
	};
	const char *base = getenv("TMPDIR");
	char *cmd;
	int ret;

	snprintf(tmpdir, sizeof(tmpdir), "%s/lg-runner-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	ret = LG_CHECK_RUN(tests);
	cmd = lg_xasprintf("rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	free(cmd);
	return ret;
}
