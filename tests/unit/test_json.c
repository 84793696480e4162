/*
 * test_json.c — the JSON run report: exact round trips, deterministic
 * bytes, and a clear error naming the file and JSON path for every kind of
 * broken or foreign input (newer schema, wrong types, truncation, a root
 * that is not an object).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"
#include "json.h"
#include "util.h"
#include "check_tmp.h"

#define FFFD "\xef\xbf\xbd"
#define HOSTILE "<script>alert(1)</script> ]]> \"q\" \\ A\x01" "B\x1b" "C\xff\xfe" "D\xed\xa0\x80" "E"
#define HOSTILE_CLEAN "<script>alert(1)</script> ]]> \"q\" \\ A\x01" "B\x1b" "C" FFFD FFFD "D" FFFD FFFD FFFD "E"
#define BIG_SIZE (10u * 1024 * 1024)

static char tmpdir[512];

static char *tmp_path(const char *name)
{
	return lg_xasprintf("%s/%s", tmpdir, name);
}

static void set_loc(struct lg_location *l, const char *file, int line)
{
	l->file = lg_xstrdup(file);
	l->line = line;
}

static char *big_string(char fill)
{
	char *s = lg_xmalloc(BIG_SIZE + 1);

	memset(s, fill, BIG_SIZE);
	memcpy(s, "\"start\\\n\t", 9);
	s[BIG_SIZE] = '\0';
	return s;
}

static void set_memstats(struct lg_memstats *m, uint64_t base)
{
	m->heap_alloc = base + 1;
	m->heap_inuse = base + 2;
	m->heap_objects = base + 3;
	m->total_alloc = base + 4;
	m->mallocs = base + 5;
	m->frees = base + 6;
	m->stack_inuse = base + 7;
	m->sys = base + 8;
	m->num_gc = base + 9;
	m->num_goroutine = (int64_t)base + 10;
}

/*
 * A run in which every field of every struct holds something other than
 * its zero value, so a field the reader forgot shows up as a byte change.
 */
static void build_run(struct lg_run *r, int big)
{
	struct lg_package *p;
	struct lg_test *t;
	struct lg_check *c;
	struct lg_leak_group *g;
	int k, s;

	memset(r, 0, sizeof(*r));
	r->module_path = lg_xstrdup("example.com/svc");
	r->module_root = lg_xstrdup("/src/svc");
	r->go_version = lg_xstrdup("go1.26.8");
	r->started_unix = 1795687200;
	r->seconds = 12.3456789;

	p = lg_run_add_package(r);
	p->import_path = lg_xstrdup("example.com/svc/api");
	p->dir = lg_xstrdup("/src/svc/api");
	p->rel_dir = lg_xstrdup("api");
	p->built = 1;
	p->build_seconds = 1.5;
	p->run_seconds = 0.1 + 0.2;
	p->exit_code = -1;
	p->term_signal = 9;
	p->hook = LG_HOOK_BEFORE;
	p->hook_note = lg_xstrdup("binary died in m.Run");
	p->go_version = lg_xstrdup("go1.27.3");
	p->gomaxprocs = 8;
	set_memstats(&p->before, 1000);
	set_memstats(&p->after, (uint64_t)1 << 40);
	p->heap_growth = -4096;
	p->stray_output = lg_xstrdup("stray " HOSTILE "\n");

	t = lg_package_add_test(p);
	t->name = lg_xstrdup("TestA");
	t->result = LG_TEST_PASS;
	t->elapsed = 1e-7;
	t->output = lg_xstrdup("=== RUN TestA\n");
	t->output_truncated = 1;
	set_loc(&t->loc, "api/a_test.go", 3);
	t = lg_package_add_test(p);
	t->name = lg_xstrdup("TestA/case_1");
	t->result = LG_TEST_FAIL;
	t->elapsed = 123456.789;
	t->runs = 10000; /* -test.count=10000: one entry, aggregated */
	t->failures = 3;
	t->max_elapsed = 0.25;
	t->output = big ? big_string('x') : lg_xstrdup(HOSTILE);
	t->loc.line = 7; /* line without file: still kept */
	t = lg_package_add_test(p);
	t->name = lg_xstrdup(HOSTILE);
	t->result = LG_TEST_SKIP;
	t = lg_package_add_test(p);
	t->name = lg_xstrdup("TestHang");
	t->result = LG_TEST_UNFINISHED;
	t->elapsed = 600;

	for (k = 0; k < LG_CHECK_KIND_COUNT; k++) {
		for (s = LG_STATUS_PASSED; s <= LG_STATUS_SKIPPED; s++) {
			c = lg_package_add_check(p, (enum lg_check_kind)k, (enum lg_check_status)s);
			c->message = lg_xasprintf("%s %s", lg_check_kind_name(c->kind),
						  lg_check_status_name(c->status));
			c->detail = lg_xstrdup("goroutine 7 [select]:\nmain.f()\n\t/src/svc/f.go:9 +0x1\n");
			c->test = lg_xstrdup("TestA");
			set_loc(&c->loc, "api/f.go", 9 + k);
		}
	}

	g = lg_xcalloc(2, sizeof(*g));
	p->leaks = g;
	p->nleaks = 2;
	g->signature = lg_xstrdup("9f2c1a");
	g->top_func = lg_xstrdup("main.worker");
	g->wait_reason = lg_xstrdup("chan receive");
	g->count = 3;
	g->min_minutes = 1;
	g->max_minutes = 2;
	g->creator_func = lg_xstrdup("main.start");
	set_loc(&g->created_at, "api/w.go", 20);
	set_loc(&g->blocked_at, "api/w.go", 31);
	g->test = lg_xstrdup("TestA/case_1");
	g->created_via = lg_xstrdup("net/http.(*Transport).dialConn at /usr/local/go/src/net/http/transport.go:1994");
	g->blocked_in = lg_xstrdup("sync.(*Mutex).Lock");
	g->tests = lg_xcalloc(2, sizeof(*g->tests));
	g->ntests = 2;
	g->tests[0].name = lg_xstrdup("TestA/case_1");
	g->tests[0].count = 2;
	g->tests[1].name = lg_xstrdup(HOSTILE);
	g->tests[1].count = 1;
	g->pattern = lg_xstrdup("range-unclosed-chan");
	g->pattern_title = lg_xstrdup("range over a channel that is never closed");
	g->hint = lg_xstrdup("close the channel when the producer is done");
	g->proven = 1;
	g->stack = big ? big_string('y') : lg_xstrdup("goroutine 9 [chan receive]:\nmain.worker()\n");
	g++;
	g->signature = lg_xstrdup("77aa00");
	g->count = 1;
	g->wait_reason = lg_xstrdup(HOSTILE);

	p->heap_sites = lg_xcalloc(1, sizeof(*p->heap_sites));
	p->nheap_sites = 1;
	p->heap_sites[0].func = lg_xstrdup("main.(*cache).grow");
	set_loc(&p->heap_sites[0].loc, "api/cache.go", 88);
	p->heap_sites[0].growth_bytes = 64 << 20;

	p->sched = lg_xcalloc(2, sizeof(*p->sched));
	p->nsched = 2;
	p->sched[0] = (struct lg_sched_sample){ 1000, 8, 7, 12, 1, 5, 3 };
	p->sched[1] = (struct lg_sched_sample){ 2000.5, 8, 0, 14, 2, 3, 40 };

	p = lg_run_add_package(r);
	p->import_path = lg_xstrdup("example.com/svc/broken");
	p->built = 0;
	p->no_tests = 1;
	p->hook = LG_HOOK_DONE;
	p->build_seconds = NAN; /* written as 0 */
	p->run_seconds = -2;    /* written as 0 */
	lg_package_add_check(p, LG_CHECK_BUILD, LG_STATUS_ERROR)->detail = lg_xstrdup("x.go:1: bad");
}

static char *slurp(const char *path)
{
	struct lg_buf b = LG_BUF_INIT;
	struct lg_err err;

	if (lg_read_file(path, (size_t)1 << 30, &b, &err) < 0) {
		fprintf(stderr, "%s\n", err.msg);
		CHECK(0);
	}
	return lg_buf_detach(&b, NULL);
}

static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

/* Writes `run` to `name` in the temp dir and returns the bytes. */
static char *write_and_slurp(const struct lg_run *run, const char *name)
{
	char *path = tmp_path(name), *text;
	struct lg_err err = { "" };

	CHECK_INT(lg_json_write_report(run, path, &err), 0);
	if (err.msg[0])
		fprintf(stderr, "write: %s\n", err.msg);
	text = slurp(path);
	unlink(path);
	free(path);
	return text;
}

static void round_trip(int big)
{
	struct lg_run run, back;
	struct lg_err err = { "" };
	char *path = tmp_path("a.json");
	char *first, *second, *again;

	build_run(&run, big);
	CHECK_INT(lg_json_write_report(&run, path, &err), 0);
	first = slurp(path);
	CHECK_INT(lg_json_read_report(&back, path, &err), 0);
	if (err.msg[0])
		fprintf(stderr, "read: %s\n", err.msg);
	second = write_and_slurp(&back, "b.json");
	again = write_and_slurp(&run, "c.json");
	CHECK(!strcmp(first, second)); /* write -> read -> write */
	CHECK(!strcmp(first, again));  /* same run, same bytes */

	CHECK_INT(back.npkgs, 2);
	if (back.npkgs == 2) {
		struct lg_package *p = &back.pkgs[0];

		CHECK_STR(p->tests[2].name, HOSTILE_CLEAN);
		CHECK_INT(p->tests[2].result, LG_TEST_SKIP);
		CHECK_INT(p->tests[3].result, LG_TEST_UNFINISHED);
		CHECK(p->tests[0].elapsed == 1e-7);
		CHECK(p->tests[1].elapsed == 123456.789);
		CHECK_INT(p->tests[1].runs, 10000);
		CHECK_INT(p->tests[1].failures, 3);
		CHECK(p->tests[1].max_elapsed == 0.25);
		CHECK_INT(p->tests[0].runs, 1); /* 0 in the model is written as 1 */
		CHECK(p->tests[1].loc.file == NULL && p->tests[1].loc.line == 7);
		if (big) {
			CHECK_INT(strlen(p->tests[1].output), BIG_SIZE);
			CHECK(!strcmp(p->tests[1].output, run.pkgs[0].tests[1].output));
			CHECK(!strcmp(p->leaks[0].stack, run.pkgs[0].leaks[0].stack));
		} else {
			CHECK_STR(p->tests[1].output, HOSTILE_CLEAN);
		}
		CHECK_INT(p->nchecks, LG_CHECK_KIND_COUNT * 4);
		CHECK_INT(p->checks[p->nchecks - 1].kind, LG_CHECK_KIND_COUNT - 1);
		CHECK_INT(p->checks[p->nchecks - 1].status, LG_STATUS_SKIPPED);
		CHECK_INT(p->hook, LG_HOOK_BEFORE);
		CHECK_INT(p->exit_code, -1);
		CHECK(p->after.heap_alloc == ((uint64_t)1 << 40) + 1);
		CHECK_INT(p->heap_growth, -4096);
		CHECK_INT(p->nleaks, 2);
		CHECK_INT(p->leaks[0].proven, 1);
		CHECK_STR(p->leaks[0].blocked_at.file, "api/w.go");
		CHECK_STR(p->leaks[0].blocked_in, "sync.(*Mutex).Lock");
		CHECK(p->leaks[0].created_via && strstr(p->leaks[0].created_via, "dialConn at "));
		CHECK_INT(p->leaks[0].ntests, 2);
		if (p->leaks[0].ntests == 2) {
			CHECK_STR(p->leaks[0].tests[0].name, "TestA/case_1");
			CHECK_INT(p->leaks[0].tests[1].count, 1);
		}
		CHECK(p->leaks[1].created_via == NULL && p->leaks[1].ntests == 0);
		CHECK(p->leaks[1].top_func == NULL);
		CHECK_INT(p->heap_sites[0].growth_bytes, 64 << 20);
		CHECK(p->sched[1].ms == 2000.5 && p->sched[1].runqueue == 40);
		CHECK(back.pkgs[1].build_seconds == 0 && back.pkgs[1].run_seconds == 0);
		CHECK_INT(back.pkgs[1].hook, LG_HOOK_DONE);
	}
	lg_run_release(&run);
	lg_run_release(&back);
	unlink(path);
	free(path);
	free(first);
	free(second);
	free(again);
}

static void test_round_trip(void)
{
	round_trip(0);
}

static void test_round_trip_10mb_strings(void)
{
	round_trip(1);
}

static void test_layout(void)
{
	struct lg_run run;
	char *text;

	build_run(&run, 0);
	text = write_and_slurp(&run, "layout.json");
	CHECK(lg_starts_with(text, "{\n  \"schema_version\": 1,\n  \"tool\": \"leakgate\",\n  \"version\": \""));
	CHECK(lg_ends_with(text, "}\n"));
	CHECK(strstr(text, "\n  \"summary\": {\n    \"packages\": 2,\n    \"passed\": 0,\n"
			   "    \"failed\": 2,\n    \"without_tests\": 0,\n    \"tests\": 4,\n    \"leaks\": 4,\n"
			   "    \"leak_groups\": 2,\n    \"leak_checks_skipped\": 1\n  },\n") != NULL);
	CHECK(strstr(text, "\"run_seconds\": 0.3,") != NULL); /* 0.1 + 0.2, 15 digits */
	CHECK(strstr(text, "\"elapsed\": 1e-7,") != NULL);
	CHECK(strstr(text, "\"build_seconds\": 0.0,") != NULL);
	CHECK(strstr(text, "\"top_func\": null,") != NULL);
	CHECK(strstr(text, "\"loc\": null\n") != NULL);
	CHECK(strstr(text, "\\u0001B\\u001BC" FFFD FFFD "D") != NULL);
	lg_run_release(&run);
	free(text);
}

static void test_empty_run(void)
{
	struct lg_run run, back;
	char *path = tmp_path("empty.json"), *text;
	struct lg_err err = { "" };

	memset(&run, 0, sizeof(run));
	CHECK_INT(lg_json_write_report(&run, path, &err), 0);
	CHECK_INT(lg_json_read_report(&back, path, &err), 0);
	CHECK(back.npkgs == 0 && back.module_path == NULL);
	text = slurp(path);
	CHECK(strstr(text, "\"packages\": []") != NULL);
	lg_run_release(&back);
	unlink(path);
	free(path);
	free(text);
}

/* Reads `json` from a file and checks the error; the run must come back empty. */
static void expect_error(const char *json, const char *want)
{
	char *path = tmp_path("bad.json"), *full;
	struct lg_run run;
	struct lg_err err = { "" };

	spit(path, json);
	CHECK_INT(lg_json_read_report(&run, path, &err), -1);
	full = lg_xasprintf("'%s'%s", path, want);
	if (!strstr(err.msg, full)) {
		fprintf(stderr, "input:  %s\nerror:  %s\nwanted: %s\n", json, err.msg, full);
		CHECK(0);
	}
	CHECK(run.npkgs == 0 && run.pkgs == NULL && run.module_path == NULL);
	unlink(path);
	free(path);
	free(full);
}

#define HEAD "{\"schema_version\": 1, \"tool\": \"leakgate\", "

/* A report written before tests were aggregated: one run each, failed by result. */
static void test_tests_without_runs(void)
{
	static const char json[] = HEAD "\"packages\": [{\"import_path\": \"a\", \"tests\": ["
		"{\"name\": \"T\", \"result\": \"fail\", \"elapsed\": 0.5},"
		"{\"name\": \"U\", \"result\": \"pass\", \"elapsed\": 0.25}]}]}";
	char *path = tmp_path("old.json");
	struct lg_run run;
	struct lg_err err = { "" };

	spit(path, json);
	CHECK_INT(lg_json_read_report(&run, path, &err), 0);
	if (run.npkgs == 1 && run.pkgs[0].ntests == 2) {
		const struct lg_test *t = run.pkgs[0].tests;

		CHECK(t[0].runs == 1 && t[0].failures == 1 && t[0].max_elapsed == 0.5);
		CHECK(t[1].runs == 1 && t[1].failures == 0 && t[1].max_elapsed == 0.25);
	} else {
		CHECK(0);
	}
	lg_run_release(&run);
	unlink(path);
	free(path);
}

static void test_future_schema(void)
{
	expect_error("{\"schema_version\": 7, \"packages\": \"anything\"}",
		     ": written by a newer leakgate (schema 7, this one reads up to 1)");
	expect_error("{\"schema_version\": 0, \"packages\": []}",
		     ": schema_version: 0 is not a valid schema version");
	expect_error("{\"schema_version\": \"1\", \"packages\": []}",
		     ": schema_version: expected an integer, found a string");
	expect_error("{\"packages\": []}", ": schema_version: missing");
	expect_error("{\"schema_version\": 1, \"tool\": \"gotestsum\", \"packages\": []}",
		     ": not a leakgate report");
}

static void test_malformed(void)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{ HEAD "\"packages\": [{\"import_path\": \"a\"}, {\"import_path\": \"b\"}, "
		       "{\"import_path\": \"c\", \"tests\": [{\"name\": \"T\", \"result\": \"pass\", "
		       "\"elapsed\": \"slow\"}]}]}",
		  ": packages[2].tests[0].elapsed: expected a number, found a string" },
		{ HEAD "\"seconds\": 1}", ": packages: missing" },
		{ HEAD "\"packages\": [{\"import_path\": \"a\", \"tests\": [{\"name\": \"T\", "
		       "\"result\": \"fail\", \"runs\": 0}]}]}",
		  ": packages[0].tests[0].runs: 0 is out of range" },
		{ HEAD "\"packages\": [{\"import_path\": \"a\", \"tests\": [{\"name\": \"T\", "
		       "\"result\": \"fail\", \"runs\": 2, \"failures\": 3}]}]}",
		  ": packages[0].tests[0].failures: 3 failures in 2 runs" },
		{ HEAD "\"packages\": {}}", ": packages: expected an array, found an object" },
		{ HEAD "\"packages\": [{}]}", ": packages[0].import_path: missing" },
		{ HEAD "\"packages\": [{\"import_path\": null}]}",
		  ": packages[0].import_path: expected a string, found null" },
		{ HEAD "\"packages\": [7]}", ": packages[0]: expected an object, found an integer" },
		{ HEAD "\"packages\": [{\"import_path\": \"a\", \"tests\": [{\"name\": \"T\", "
		       "\"result\": \"maybe\"}]}]}",
		  ": packages[0].tests[0].result: unknown value \"maybe\" (expected one of \"pass\", "
		  "\"fail\", \"skip\", \"unfinished\")" },
		{ HEAD "\"packages\": [{\"import_path\": \"a\", \"tests\": [{\"name\": \"T\"}]}]}",
		  ": packages[0].tests[0].result: missing" },
		{ HEAD "\"packages\": [{\"import_path\": \"a\", \"tests\": [{\"name\": \"T\", "
		       "\"result\": \"pass\", \"elapsed\": -1}]}]}",
		  ": packages[0].tests[0].elapsed: expected a non-negative number" },
		{ HEAD "\"packages\": [{\"import_path\": \"a\", \"checks\": [{\"kind\": \"hang\", "
		       "\"status\": \"error\", \"loc\": {\"file\": \"x.go\", \"line\": \"9\"}}]}]}",
		  ": packages[0].checks[0].loc.line: expected an integer, found a string" },
		{ HEAD "\"packages\": [{\"import_path\": \"a\", \"checks\": [{\"kind\": \"leaks\", "
		       "\"status\": \"error\"}]}]}",
		  ": packages[0].checks[0].kind: unknown value \"leaks\"" },
		{ HEAD "\"packages\": [{\"import_path\": \"a\", \"leaks\": [{\"count\": -1}]}]}",
		  ": packages[0].leaks[0].count: -1 is out of range [0, 2147483647]" },
		{ HEAD "\"packages\": [{\"import_path\": \"a\", \"leaks\": [{\"proven\": 1}]}]}",
		  ": packages[0].leaks[0].proven: expected true or false, found an integer" },
		{ HEAD "\"packages\": [{\"import_path\": \"a\", \"before\": {\"heap_alloc\": -5}}]}",
		  ": packages[0].before.heap_alloc: -5 is out of range" },
		{ HEAD "\"packages\": [{\"import_path\": \"a\", \"after\": []}]}",
		  ": packages[0].after: expected an object, found an array" },
		{ HEAD "\"packages\": [{\"import_path\": \"a\", \"gomaxprocs\": 3000000000}]}",
		  ": packages[0].gomaxprocs: 3000000000 is out of range" },
		{ HEAD "\"packages\": [{\"import_path\": \"a\", \"hook\": \"maybe\"}]}",
		  ": packages[0].hook: unknown value" },
		{ HEAD "\"packages\": [{\"import_path\": \"a\", \"sched\": [{\"ms\": 1}, {\"ms\": 2, "
		       "\"threads\": 1.5}]}]}",
		  ": packages[0].sched[1].threads: expected an integer, found a number" },
		{ HEAD "\"packages\": [{\"import_path\": \"a\", \"heap_sites\": [{\"loc\": 3}]}]}",
		  ": packages[0].heap_sites[0].loc: expected an object, found an integer" },
		{ HEAD "\"module_path\": 5, \"packages\": []}",
		  ": module_path: expected a string, found an integer" },
		{ HEAD "\"summary\": 5, \"packages\": []}", ": summary: expected an object" },
		{ HEAD "\"packages\": [], \"packages\": []}", ":1:" },
		{ HEAD "\"module_path\": \"a\\u0000b\", \"packages\": []}", ":1:" },
		{ HEAD "\"started_unix\": 99999999999999999999, \"packages\": []}", ":1:" },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++)
		expect_error(cases[i].json, cases[i].want);
}

static void test_truncated_and_foreign_roots(void)
{
	struct lg_run run;
	char *text, *path = tmp_path("cut.json");
	struct lg_err err = { "" };

	build_run(&run, 0);
	text = write_and_slurp(&run, "whole.json");
	text[strlen(text) / 2] = '\0';
	spit(path, text);
	lg_run_release(&run);
	CHECK_INT(lg_json_read_report(&run, path, &err), -1);
	CHECK(strstr(err.msg, path) != NULL);
	CHECK(run.npkgs == 0);
	unlink(path);
	free(path);
	free(text);

	expect_error("", ":1:");
	expect_error("{\"schema_version\": 1,", ":1:");
	expect_error("[1, 2]", ": expected a JSON object at the top level, found an array");
	expect_error("\"report\"", ":1:");
	expect_error("\xff\xfe{}", ":1:");
}

static void test_io_errors(void)
{
	struct lg_run run;
	char *missing = tmp_path("nope.json"), *nodir = tmp_path("no/dir/r.json");
	struct lg_err err = { "" };

	CHECK_INT(lg_json_read_report(&run, missing, &err), -1);
	CHECK(strstr(err.msg, "cannot open") && strstr(err.msg, missing));
	memset(&run, 0, sizeof(run));
	CHECK_INT(lg_json_write_report(&run, nodir, &err), -1);
	CHECK(strstr(err.msg, nodir) != NULL);
	free(missing);
	free(nodir);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "round_trip", test_round_trip },
		{ "round_trip_10mb_strings", test_round_trip_10mb_strings },
		{ "tests_without_runs", test_tests_without_runs },
		{ "layout", test_layout },
		{ "empty_run", test_empty_run },
		{ "future_schema", test_future_schema },
		{ "malformed", test_malformed },
		{ "truncated_and_foreign_roots", test_truncated_and_foreign_roots },
		{ "io_errors", test_io_errors },
	};
	return LG_CHECK_RUN_TMP(cases, "lg-report", tmpdir);
}
