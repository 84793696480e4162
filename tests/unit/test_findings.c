/*
 * test_findings.c — findings.h on a hand-built run: which findings a
 * package gives and in what order (a leak group each, failed checks except
 * the leak check its groups stand for, failed tests, a warning for skipped
 * leak checks unless a crash explains them), their stable rule ids, titles,
 * severities and locations (the heap check falls back to its first site),
 * the repository-relative path table, and the repository prefix taken from
 * $GITHUB_WORKSPACE / $CI_PROJECT_DIR.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "model.h"
#include "util.h"
#include "check.h"

static void set_loc(struct lg_location *l, const char *file, int line)
{
	l->file = lg_xstrdup(file);
	l->line = line;
}

/*
 * p0 "a": a leak group (its failed leak check is not repeated), a failed heap
 *         check with no location of its own, a failed and a passing test;
 * p1 "b": a crash (error) and a skipped leak check (the crash explains it);
 * p2 ".": a skipped leak check, nothing else.
 */
static void make_run(struct lg_run *run)
{
	struct lg_package *p;
	struct lg_leak_group *g;
	struct lg_test *t;
	struct lg_check *c;

	memset(run, 0, sizeof(*run));
	run->module_root = lg_xstrdup("/ws/repo/svc");

	p = lg_run_add_package(run);
	p->import_path = lg_xstrdup("example.com/svc/a");
	p->rel_dir = lg_xstrdup("a");
	p->leaks = lg_xcalloc(1, sizeof(*p->leaks));
	p->nleaks = 1;
	g = &p->leaks[0];
	g->signature = lg_xstrdup("sig1");
	g->count = 2;
	g->wait_reason = lg_xstrdup("chan receive");
	g->creator_func = lg_xstrdup("example.com/svc/a.Sum");
	g->test = lg_xstrdup("TestSum");
	g->pattern = lg_xstrdup("range-unclosed-chan");
	g->pattern_title = lg_xstrdup("range over a channel that is never closed");
	g->hint = lg_xstrdup("close the channel");
	g->proven = 1;
	set_loc(&g->created_at, "a/a.go", 13);
	set_loc(&g->blocked_at, "a/a.go", 19);
	lg_package_add_check(p, LG_CHECK_LEAK, LG_STATUS_FAILED)->message = lg_xstrdup("2 leaked");
	lg_package_add_check(p, LG_CHECK_HEAP, LG_STATUS_FAILED)->message = lg_xstrdup("grew 2 MiB");
	p->heap_sites = lg_xcalloc(1, sizeof(*p->heap_sites));
	p->nheap_sites = 1;
	set_loc(&p->heap_sites[0].loc, "a/cache.go", 40);
	t = lg_package_add_test(p);
	t->name = lg_xstrdup("TestSum");
	t->result = LG_TEST_FAIL;
	set_loc(&t->loc, "a/a_test.go", 7);
	t = lg_package_add_test(p);
	t->name = lg_xstrdup("TestOk");
	t->result = LG_TEST_PASS;

	p = lg_run_add_package(run);
	p->import_path = lg_xstrdup("example.com/svc/b");
	p->rel_dir = lg_xstrdup("b");
	c = lg_package_add_check(p, LG_CHECK_CRASH, LG_STATUS_ERROR);
	c->message = lg_xstrdup("panic: boom");
	c->test = lg_xstrdup("TestBoom");
	set_loc(&c->loc, "/usr/lib/go/src/runtime/panic.go", 1);
	lg_package_add_check(p, LG_CHECK_LEAK, LG_STATUS_SKIPPED)->message = lg_xstrdup("crashed");

	p = lg_run_add_package(run);
	p->import_path = lg_xstrdup("example.com/svc");
	p->rel_dir = lg_xstrdup(".");
	lg_package_add_check(p, LG_CHECK_LEAK, LG_STATUS_SKIPPED)->message =
		lg_xstrdup("m.Run is called in a shared helper");
}

static void test_collect_table(void)
{
	static const struct {
		size_t pkg;
		enum lg_finding_level level;
		const char *rule, *title, *identity, *file;
		int line, severity;
	} want[] = {
		{ 0, LG_LEVEL_ERROR, "goroutine-leak/range-unclosed-chan",
		  "goroutine leak in TestSum: range over a channel that is never closed", "sig1",
		  "a/a.go", 13, 3 },
		{ 0, LG_LEVEL_ERROR, "heap-growth", "heap-growth", "", "a/cache.go", 40, 3 },
		{ 0, LG_LEVEL_ERROR, "test-failure", "test failed: TestSum", "TestSum",
		  "a/a_test.go", 7, 3 },
		{ 1, LG_LEVEL_ERROR, "crash", "crash in TestBoom", "TestBoom",
		  "/usr/lib/go/src/runtime/panic.go", 1, 4 },
		{ 2, LG_LEVEL_WARNING, "leak-check-skipped", "leak checks skipped", "", NULL, 0, 1 },
	};
	struct lg_run run;
	struct lg_findings f;
	size_t i;

	make_run(&run);
	lg_findings_collect(&run, &f);
	CHECK_INT(f.n, LG_ARRAY_SIZE(want));
	for (i = 0; i < f.n && i < LG_ARRAY_SIZE(want); i++) {
		const struct lg_finding *x = &f.v[i];

		CHECK(x->pkg == &run.pkgs[want[i].pkg]);
		CHECK_INT(x->level, want[i].level);
		CHECK_STR(x->rule, want[i].rule);
		CHECK_STR(x->title, want[i].title);
		CHECK_STR(x->identity, want[i].identity);
		CHECK_INT(x->severity, want[i].severity);
		CHECK(x->loc != NULL);
		if (want[i].file)
			CHECK_STR(x->loc->file, want[i].file);
		else
			CHECK(x->loc->file == NULL);
		CHECK_INT(x->loc->line, want[i].line);
		CHECK(x->rule_help && *x->rule_help);
	}
	/* what the leak's message carries, line by line */
	CHECK_STR(f.v[0].message,
		  "2 goroutines leaked [chan receive]: range over a channel that is never closed\n"
		  "created by example.com/svc/a.Sum in TestSum\n"
		  "blocked at a/a.go:19\n"
		  "fix: close the channel\n"
		  "proven stuck by the goroutineleak profile");
	CHECK_STR(f.v[1].message, "grew 2 MiB");
	CHECK_STR(f.v[2].message, "TestSum failed");
	CHECK_STR(f.v[2].test, "TestSum");
	CHECK_STR(f.v[4].message, "m.Run is called in a shared helper");
	lg_findings_release(&f);
	CHECK_INT(f.n, 0);

	/* no groups: the failed leak check is a finding of its own */
	lg_leak_group_release(&run.pkgs[0].leaks[0]);
	free(run.pkgs[0].leaks);
	run.pkgs[0].leaks = NULL;
	run.pkgs[0].nleaks = 0;
	lg_findings_collect(&run, &f);
	CHECK(f.n >= 1);
	if (f.n >= 1) {
		CHECK_STR(f.v[0].rule, "goroutine-leaks");
		CHECK_STR(f.v[0].message, "2 leaked");
	}
	lg_findings_release(&f);
	lg_run_release(&run);
}

static void test_path_table(void)
{
	static const struct {
		const char *file, *rel_dir, *prefix, *want;
		int exact;
	} cases[] = {
		{ "a/a.go", "a", "", "a/a.go", 1 },
		{ "a/a.go", "a", "svc/", "svc/a/a.go", 1 },
		{ "a/a.go", "a", NULL, "a/a.go", 1 },
		{ "/usr/lib/go/src/x.go", "b", "svc/", "svc/b", 0 },
		{ NULL, "b", "", "b", 0 },
		{ NULL, ".", "svc/", "svc", 0 },
		{ NULL, ".", "", ".", 0 },
		{ "/abs/x.go", ".", NULL, ".", 0 },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_package p;
		struct lg_location loc = { (char *)cases[i].file, 3 };
		struct lg_finding f;
		struct lg_buf out = LG_BUF_INIT;
		int exact = -1;

		memset(&p, 0, sizeof(p));
		memset(&f, 0, sizeof(f));
		p.rel_dir = (char *)cases[i].rel_dir;
		f.pkg = &p;
		f.loc = &loc;
		lg_finding_path(&f, cases[i].prefix, &out, &exact);
		CHECK_STR(out.buf, cases[i].want);
		CHECK_INT(exact, cases[i].exact);
		lg_buf_release(&out);
	}
}

static void test_repo_prefix(void)
{
	static const struct {
		const char *github, *gitlab, *root, *want;
	} cases[] = {
		{ NULL, NULL, "/ws/repo/svc", "" },
		{ "/ws/repo", NULL, "/ws/repo/svc", "svc/" },
		{ "/ws/repo/", NULL, "/ws/repo/svc/api", "svc/api/" },
		{ "/ws/repo", NULL, "/ws/repo", "" },
		{ "/ws/re", NULL, "/ws/repo/svc", "" },           /* a name prefix is not a parent */
		{ "/elsewhere", "/ws/repo", "/ws/repo/svc", "svc/" }, /* GitLab's when GitHub's misses */
		{ "", "/ws", "/ws/repo", "repo/" },
		{ "/ws", NULL, NULL, "" },                           /* no module root */
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_run run;
		char *got;

		memset(&run, 0, sizeof(run));
		run.module_root = (char *)cases[i].root;
		if (cases[i].github)
			setenv("GITHUB_WORKSPACE", cases[i].github, 1);
		else
			unsetenv("GITHUB_WORKSPACE");
		if (cases[i].gitlab)
			setenv("CI_PROJECT_DIR", cases[i].gitlab, 1);
		else
			unsetenv("CI_PROJECT_DIR");
		got = lg_findings_repo_prefix(&run);
		CHECK_STR(got, cases[i].want);
		free(got);
	}
	unsetenv("GITHUB_WORKSPACE");
	unsetenv("CI_PROJECT_DIR");
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "collect: which findings, in order", test_collect_table },
		{ "repository-relative paths", test_path_table },
		{ "repository prefix", test_repo_prefix },
	};

	return LG_CHECK_RUN(cases);
}
