/*
 * test_gate.c — the gate module (gate.h): the run flags every gate command
 * shares (table-driven: what each flag sets, what is refused and the exit
 * code), finding the module root and its module path, where baselines are
 * looked for, what cannot be recorded, and merging --count runs.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "gate.h"
#include "model.h"
#include "util.h"
#include "check_tmp.h"
#include "pkg_fixture.h"

#define KIB 1024

static char tmpdir[512];

static int contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

/* --- flags ---------------------------------------------------------------- */

static const struct lg_gate_mode mode = { "run", "usage: leakgate run\n", NULL, NULL, 1, 1 };

/* Expected values; `what` says which of them the case checks. */
struct flag_case {
	const char *argv[8];
	int ret; /* -1: go on */
	int count, jobs, max_leaks;
	double timeout;
	const char *first_build, *first_test;
	size_t npatterns, nouts;
};

static void test_flags_table(void)
{
	static const struct flag_case cases[] = {
		{ { "run" }, -1, 1, -1, -1, -1, NULL, NULL, 0, 0 },
		{ { "run", "./a/...", "./b" }, -1, 1, -1, -1, -1, NULL, NULL, 2, 0 },
		{ { "run", "--count", "3", "-p", "4" }, -1, 3, 4, -1, -1, NULL, NULL, 0, 0 },
		{ { "run", "-count=2", "--max-leaks", "5" }, -1, 2, -1, 5, -1, NULL, NULL, 0, 0 },
		{ { "run", "--timeout", "90s", "./x" }, -1, 1, -1, -1, 90, NULL, NULL, 1, 0 },
		{ { "run", "--tags", "it", "--race" }, -1, 1, -1, -1, -1, "-tags=it", NULL, 0, 0 },
		{ { "run", "--run", "TestA" }, -1, 1, -1, -1, -1, NULL, "-test.run=TestA", 0, 0 },
		{ { "run", "--test-flag=-test.v" }, -1, 1, -1, -1, -1, NULL, "-test.v", 0, 0 },
		{ { "run", "--format", "sarif=x.sarif", "--format", "html=-" }, -1, 1, -1, -1, -1,
		  NULL, NULL, 0, 2 },
		{ { "run", "--help" }, LG_EXIT_OK, 1, -1, -1, -1, NULL, NULL, 0, 0 },
		{ { "run", "--count", "0" }, LG_EXIT_USAGE, 1, -1, -1, -1, NULL, NULL, 0, 0 },
		{ { "run", "--count", "101" }, LG_EXIT_USAGE, 1, -1, -1, -1, NULL, NULL, 0, 0 },
		{ { "run", "-p", "0" }, LG_EXIT_USAGE, 1, -1, -1, -1, NULL, NULL, 0, 0 },
		{ { "run", "--timeout", "soon" }, LG_EXIT_USAGE, 1, -1, -1, -1, NULL, NULL, 0, 0 },
		{ { "run", "--test-flag", "./pkg" }, LG_EXIT_USAGE, 1, -1, -1, -1, NULL, NULL, 0, 0 },
		{ { "run", "--format", "pdf=x" }, LG_EXIT_USAGE, 1, -1, -1, -1, NULL, NULL, 0, 0 },
		{ { "run", "--leaks", "maybe" }, LG_EXIT_USAGE, 1, -1, -1, -1, NULL, NULL, 0, 0 },
		{ { "run", "--no-such-flag" }, LG_EXIT_USAGE, 1, -1, -1, -1, NULL, NULL, 0, 0 },
		{ { "run", "--junit" }, LG_EXIT_USAGE, 1, -1, -1, -1, NULL, NULL, 0, 0 },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		const struct flag_case *c = &cases[i];
		struct lg_gate_flags f;
		char *argv[9];
		int argc = 0, ret;

		while (argc < 8 && c->argv[argc]) {
			argv[argc] = (char *)c->argv[argc];
			argc++;
		}
		argv[argc] = NULL;
		lg_gate_flags_init(&f);
		ret = lg_gate_flags_parse(argc, argv, &f, &mode);
		if (ret != c->ret)
			fprintf(stderr, "case %zu (%s ...)\n", i, c->argv[1] ? c->argv[1] : "");
		CHECK_INT(ret, c->ret);
		if (ret == -1) {
			CHECK_INT(f.count, c->count);
			CHECK_INT(f.jobs, c->jobs);
			CHECK_INT(f.max_leaks, c->max_leaks);
			CHECK_INT((long long)f.timeout, (long long)c->timeout);
			CHECK_INT(f.npatterns, c->npatterns);
			CHECK_INT(f.outs.n, c->nouts);
			if (c->first_build)
				CHECK(f.nbuild && !strcmp(f.build[0], c->first_build));
			if (c->first_test)
				CHECK(f.ntest && !strcmp(f.test[0], c->first_test));
		}
		lg_gate_flags_release(&f);
	}
}

/* Flags that were given override the config file; the others leave it be. */
static void test_flags_apply(void)
{
	char *argv[] = { "run", "--max-leaks", "2", "--fail-fast-deadlock", NULL };
	struct lg_gate_flags f;
	struct lg_config cfg;
	int64_t heap;
	double timeout;

	lg_config_init(&cfg);
	heap = cfg.max_heap_growth;
	timeout = cfg.timeout;
	lg_gate_flags_init(&f);
	CHECK_INT(lg_gate_flags_parse(4, argv, &f, &mode), -1);
	lg_gate_flags_apply(&f, &cfg);
	CHECK_INT(cfg.max_leaks, 2);
	CHECK_INT(cfg.fail_fast_deadlock, 1);
	CHECK_INT(cfg.max_heap_growth, heap);
	CHECK_INT((long long)cfg.timeout, (long long)timeout);
	lg_gate_flags_release(&f);
	lg_config_release(&cfg);
}

/* --- module root ---------------------------------------------------------- */

static void write_text(const char *path, const char *text)
{
	struct lg_err err;

	CHECK_INT(lg_write_file_atomic(path, text, strlen(text), &err), 0);
}

static void test_module_root(void)
{
	char *mod = lg_xasprintf("%s/m", tmpdir), *deep = lg_xasprintf("%s/m/a/b", tmpdir);
	char *bare = lg_xasprintf("%s/bare/x", tmpdir), *gomod = lg_xasprintf("%s/go.mod", mod);
	struct lg_err err;
	char *root;

	CHECK_INT(lg_mkdir_p(deep, 0755, &err), 0);
	CHECK_INT(lg_mkdir_p(bare, 0755, &err), 0);
	write_text(gomod, "// a comment\nmodule \"example.com/m\" // quoted\n\ngo 1.21\n");
	root = lg_gate_module_root_of(deep);
	CHECK_STR(root, mod);
	free(root);
	root = lg_gate_module_root_of(mod);
	CHECK_STR(root, mod);
	free(root);
	root = lg_gate_module_root_of(bare); /* none below tmpdir: NULL or above it */
	CHECK(!root || strncmp(root, tmpdir, strlen(tmpdir)) != 0);
	free(root);
	CHECK(lg_gate_module_root_of(NULL) == NULL);
	root = lg_gate_module_path(mod);
	CHECK_STR(root, "example.com/m");
	free(root);
	CHECK(lg_gate_module_path(bare) == NULL);
	free(mod);
	free(deep);
	free(bare);
	free(gomod);
}

/* --- baselines ------------------------------------------------------------ */

static void test_baselines_dir(void)
{
	struct lg_gate g;
	char *d;

	memset(&g, 0, sizeof(g));
	d = lg_gate_baselines_dir(&g, "/src/m");
	CHECK_STR(d, "/src/m/baselines");
	free(d);
	d = lg_gate_baselines_dir(&g, NULL);
	CHECK_STR(d, "baselines");
	free(d);
	g.baselines_dir = "ci/base";
	d = lg_gate_baselines_dir(&g, "/src/m");
	CHECK_STR(d, "ci/base");
	free(d);
	d = lg_gate_baselines_dir(NULL, "/src/m");
	CHECK_STR(d, "/src/m/baselines");
	free(d);
}

static void test_unrecordable(void)
{
	static const struct {
		int built;
		enum lg_hook_state hook;
		const char *note;
		int leak_skipped;
		const char *want; /* NULL: recordable */
	} cases[] = {
		{ 0, LG_HOOK_DONE, NULL, 0, "did not build" },
		{ 1, LG_HOOK_ABSENT, NULL, 0, "hook did not finish" },
		{ 1, LG_HOOK_ABSENT, "no TestMain hook", 0, "no TestMain hook" },
		{ 1, LG_HOOK_DONE, NULL, 1, "leak check skipped" },
		{ 1, LG_HOOK_DONE, NULL, 0, NULL },
	};
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(cases); i++) {
		struct lg_package p;
		const char *why;

		memset(&p, 0, sizeof(p));
		p.built = cases[i].built;
		p.hook = cases[i].hook;
		p.hook_note = cases[i].note ? lg_xstrdup(cases[i].note) : NULL;
		lg_package_add_check(&p, LG_CHECK_LEAK,
				     cases[i].leak_skipped ? LG_STATUS_SKIPPED : LG_STATUS_PASSED);
		why = lg_gate_unrecordable(&p);
		if (cases[i].want)
			CHECK(contains(why, cases[i].want));
		else
			CHECK(why == NULL);
		lg_package_release(&p);
	}
}

/* --- merging --count runs ------------------------------------------------- */

static void add_run(struct lg_run *r, const struct gspec *g, size_t n, int64_t heap, int crash)
{
	struct lg_package *p;

	memset(r, 0, sizeof(*r));
	r->seconds = 1;
	p = lg_run_add_package(r);
	make_pkg(p, g, n, heap, 0, 1024 * KIB);
	if (crash)
		lg_package_add_check(p, LG_CHECK_CRASH, LG_STATUS_ERROR)->message = lg_xstrdup("panic");
}

static void test_merge_runs(void)
{
	static const struct gspec r1[] = { { "a", 1 } };
	static const struct gspec r2[] = { { "a", 3 }, { "flaky", 1 } };
	static const struct gspec r3[] = { { "a", 2 } };
	struct lg_merge_limits lim = { 0, 1024 * KIB };
	struct lg_run runs[3];
	struct lg_heap_band *bands;
	struct lg_package *p;
	struct lg_check *c;

	add_run(&runs[0], r1, 1, 900 * KIB, 0);
	add_run(&runs[1], r2, 2, 5000 * KIB, 0);
	add_run(&runs[2], r3, 1, 100 * KIB, 0);
	bands = lg_gate_merge_runs(runs, 3, &lim);
	p = &runs[0].pkgs[0];
	CHECK_INT(p->nleaks, 2);
	CHECK_INT(p->leaks[0].count, 3); /* the worst count of "a" */
	CHECK_STR(p->leaks[1].signature, "flaky");
	CHECK_INT(bands[0].runs, 3);
	CHECK_INT(bands[0].min, 100 * KIB);
	CHECK_INT(bands[0].median, 900 * KIB);
	CHECK_INT(bands[0].max, 5000 * KIB);
	CHECK_INT(p->heap_growth, 900 * KIB);
	c = check_of(p, LG_CHECK_HEAP);
	CHECK_INT(c->status, LG_STATUS_PASSED); /* one noisy run does not flip it */
	CHECK(contains(c->message, "median of 3 runs"));
	c = check_of(p, LG_CHECK_LEAK);
	CHECK_INT(c->status, LG_STATUS_FAILED);
	CHECK(contains(c->message, "4 goroutines leaked in 2 groups (limit 0; worst of 3 runs)"));
	CHECK_INT((long long)runs[0].seconds, 3);
	CHECK_INT(runs[1].npkgs, 0); /* released */
	free(bands);
	lg_run_release(&runs[0]);

	/* A crash in any run is the package's verdict. */
	add_run(&runs[0], r1, 1, 10, 0);
	add_run(&runs[1], r1, 1, 20, 1);
	bands = lg_gate_merge_runs(runs, 2, &lim);
	CHECK(check_of(&runs[0].pkgs[0], LG_CHECK_CRASH) != NULL);
	CHECK_INT(bands[0].runs, 2);
	CHECK_INT(bands[0].median, 15);
	free(bands);
	lg_run_release(&runs[0]);

	add_run(&runs[0], r1, 1, 10, 0);
	bands = lg_gate_merge_runs(runs, 1, &lim);
	CHECK_INT(bands[0].runs, 1);
	CHECK_INT(bands[0].max, 10);
	CHECK_STR(check_of(&runs[0].pkgs[0], LG_CHECK_LEAK)->message, "verdict"); /* untouched */
	free(bands);
	lg_run_release(&runs[0]);
}

int main(void)
{
	static const struct lg_check_case cases[] = {
		{ "flags table", test_flags_table },
		{ "flags override the config", test_flags_apply },
		{ "module root and path", test_module_root },
		{ "baselines directory", test_baselines_dir },
		{ "unrecordable packages", test_unrecordable },
		{ "merge runs", test_merge_runs },
	};
	return LG_CHECK_RUN_TMP(cases, "lg-gate", tmpdir);
}
