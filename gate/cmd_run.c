/*
 * cmd_run.c — `leakgate run [flags] [packages]`: option parsing, the
 * terminal display, and writing the reports.  The work itself is
 * runner.c's; the verdicts are verdict.c's.  lg_cmd_run_gate (cmd_gate.h)
 * is shared with `leakgate baseline update|diff`, which take the same
 * flags; with --count the runner runs N times and the runs are merged.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd_gate.h"
#include "config.h"
#include "help.h"
#include "junit.h"
#include "outputs.h"
#include "proc.h"
#include "report.h"
#include "runner.h"


enum {
	OPT_JUNIT = 256, OPT_JSON, OPT_NO_FILE_LINE, OPT_CONFIG, OPT_MAX_LEAKS,
	OPT_MAX_HEAP, OPT_TIMEOUT, OPT_GRACE, OPT_SETTLE, OPT_SCHEDTRACE, OPT_ANCESTORS, OPT_MEM_RATE,
	OPT_TAGS, OPT_RACE, OPT_BUILD_FLAG, OPT_RUN, OPT_TEST_FLAG, OPT_NO_HOOK, OPT_CORE,
	OPT_KEEP, OPT_NO_REWRITE, OPT_NO_RERUN, OPT_HELP, OPT_COUNT, OPT_BASELINES, OPT_BASELINE_URL, OPT_STRICT, OPT_FORCE,
	OPT_BASELINE_TIMEOUT, OPT_FORMAT, OPT_SHARD, OPT_LEAKS, OPT_DEADLOCK_AFTER,
	OPT_FAIL_FAST_DEADLOCK, OPT_STRESS
};

static const struct option run_options[] = {
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "no-file-line", no_argument, NULL, OPT_NO_FILE_LINE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "max-leaks", required_argument, NULL, OPT_MAX_LEAKS },
	{ "leaks", required_argument, NULL, OPT_LEAKS },
	{ "max-heap-growth", required_argument, NULL, OPT_MAX_HEAP },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "grace", required_argument, NULL, OPT_GRACE },
	{ "settle", required_argument, NULL, OPT_SETTLE },
	{ "schedtrace", required_argument, NULL, OPT_SCHEDTRACE },
	{ "ancestors", required_argument, NULL, OPT_ANCESTORS },
	{ "mem-profile-rate", required_argument, NULL, OPT_MEM_RATE },
	{ "jobs", required_argument, NULL, 'p' },
	{ "tags", required_argument, NULL, OPT_TAGS },
	{ "race", no_argument, NULL, OPT_RACE },
	{ "build-flag", required_argument, NULL, OPT_BUILD_FLAG },
	{ "run", required_argument, NULL, OPT_RUN },
	{ "test-flag", required_argument, NULL, OPT_TEST_FLAG },
	{ "no-hook", no_argument, NULL, OPT_NO_HOOK },
	{ "no-rewrite", no_argument, NULL, OPT_NO_REWRITE },
	{ "no-rerun", no_argument, NULL, OPT_NO_RERUN },
	{ "core", no_argument, NULL, OPT_CORE },
	{ "keep-work", no_argument, NULL, OPT_KEEP },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "baselines", required_argument, NULL, OPT_BASELINES },
	{ "baseline", required_argument, NULL, OPT_BASELINE_URL },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "baseline-timeout", required_argument, NULL, OPT_BASELINE_TIMEOUT },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "shard", required_argument, NULL, OPT_SHARD },
	{ "deadlock-after", required_argument, NULL, OPT_DEADLOCK_AFTER },
	{ "fail-fast-deadlock", no_argument, NULL, OPT_FAIL_FAST_DEADLOCK },
	{ "stress", required_argument, NULL, OPT_STRESS },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

/* Flag values; -1 / NULL = not given, so config and defaults apply. */
struct run_flags {
	const char *junit, *json, *config;
	int file_line, quiet, inject, rewrite, rerun, allow_core, keep;
	int jobs, max_leaks, schedtrace, ancestors, mem_rate;
	int leaks; /* enum lg_leaks_mode, -1 = not given */
	int64_t max_heap;
	double timeout, grace, settle, deadlock_after, stress;
	int fail_fast_deadlock;
	char **build, **test;
	size_t nbuild, ntest, build_alloc, test_alloc;
	const char *baselines, *baseline_url;
	int count, strict, force;
	double baseline_timeout;
	struct lg_outputs outs; /* --format KIND=FILE */
	struct lg_shard shard;  /* --shard K/N; total 0 = not given */
};

struct display {
	int tty, quiet;
	int defer; /* package lines wait until baselines re-decided the checks */
	FILE *out;
};

int lg_cli_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("leakgate: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static void push(char ***v, size_t *n, size_t *alloc, char *s)
{
	LG_GROW(*v, *alloc, *n + 1);
	(*v)[(*n)++] = s;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static int bad_value(const char *opt, const char *val, const char *want)
{
	return lg_cli_fail(LG_EXIT_USAGE, "--%s: '%s' is not %s", opt, val, want);
}

static int parse_one(int c, const char *arg, struct run_flags *f)
{
	switch (c) {
	case OPT_JUNIT: f->junit = arg; return 0;
	case OPT_JSON: f->json = arg; return 0;
	case OPT_NO_FILE_LINE: f->file_line = 0; return 0;
	case 'q': f->quiet = 1; return 0;
	case OPT_CONFIG: f->config = arg; return 0;
	case OPT_MAX_LEAKS:
		return parse_int(arg, 0, 1000000, &f->max_leaks) ? bad_value("max-leaks", arg, "a count") : 0;
	case OPT_LEAKS: {
		enum lg_leaks_mode m;

		if (lg_leaks_mode_parse(arg, &m))
			return bad_value("leaks", arg, "alive or proven");
		f->leaks = (int)m;
		return 0;
	}
	case OPT_MAX_HEAP:
		return lg_parse_size(arg, &f->max_heap) ? bad_value("max-heap-growth", arg, "a size such as 1MiB") : 0;
	case OPT_TIMEOUT:
		return lg_parse_duration(arg, &f->timeout) ? bad_value("timeout", arg, "a duration such as 10m") : 0;
	case OPT_GRACE:
		return lg_parse_duration(arg, &f->grace) ? bad_value("grace", arg, "a duration such as 5s") : 0;
	case OPT_SETTLE:
		return lg_parse_duration(arg, &f->settle) ? bad_value("settle", arg, "a duration such as 500ms") : 0;
	case OPT_SCHEDTRACE:
		return parse_int(arg, 0, 3600000, &f->schedtrace) ? bad_value("schedtrace", arg, "milliseconds") : 0;
	case OPT_ANCESTORS:
		return parse_int(arg, 0, 1000, &f->ancestors) ? bad_value("ancestors", arg, "a depth") : 0;
	case OPT_MEM_RATE:
		return parse_int(arg, 0, 1 << 30, &f->mem_rate) ? bad_value("mem-profile-rate", arg, "a number of bytes") : 0;
	case 'p':
		return parse_int(arg, 1, 256, &f->jobs) ? bad_value("jobs", arg, "a number from 1 to 256") : 0;
	case OPT_TAGS: push(&f->build, &f->nbuild, &f->build_alloc, lg_xasprintf("-tags=%s", arg)); return 0;
	case OPT_RACE: push(&f->build, &f->nbuild, &f->build_alloc, lg_xstrdup("-race")); return 0;
	case OPT_BUILD_FLAG: push(&f->build, &f->nbuild, &f->build_alloc, lg_xstrdup(arg)); return 0;
	case OPT_RUN: push(&f->test, &f->ntest, &f->test_alloc, lg_xasprintf("-test.run=%s", arg)); return 0;
	case OPT_TEST_FLAG:
		/* "--test-flag ./pkg" took the package as the flag's value */
		if (arg[0] != '-')
			return lg_cli_fail(LG_EXIT_USAGE, "--test-flag: '%s' is not a test flag (it looks "
					   "like a package pattern); test flags start with '-': write "
					   "--test-flag=-test.X=VALUE", arg);
		push(&f->test, &f->ntest, &f->test_alloc, lg_xstrdup(arg));
		return 0;
	case OPT_DEADLOCK_AFTER:
		return lg_parse_duration(arg, &f->deadlock_after) ? bad_value("deadlock-after", arg, "a duration such as 2s") : 0;
	case OPT_FAIL_FAST_DEADLOCK: f->fail_fast_deadlock = 1; return 0;
	case OPT_STRESS:
		return lg_parse_duration(arg, &f->stress) ? bad_value("stress", arg, "a duration such as 30s") : 0;
	case OPT_NO_HOOK: f->inject = 0; return 0;
	case OPT_NO_REWRITE: f->rewrite = 0; return 0;
	case OPT_NO_RERUN: f->rerun = 0; return 0;
	case OPT_CORE: f->allow_core = 1; return 0;
	case OPT_KEEP: f->keep = 1; return 0;
	case OPT_COUNT:
		return parse_int(arg, 1, 100, &f->count) ? bad_value("count", arg, "a number from 1 to 100") : 0;
	case OPT_BASELINES: f->baselines = arg; return 0;
	case OPT_BASELINE_URL: f->baseline_url = arg; return 0;
	case OPT_STRICT: f->strict = 1; return 0;
	case OPT_FORCE: f->force = 1; return 0;
	case OPT_FORMAT: {
		struct lg_err err;

		return lg_outputs_parse(&f->outs, arg, &err) ? lg_cli_fail(LG_EXIT_USAGE, "--format: %s", err.msg) : 0;
	}
	case OPT_SHARD: {
		struct lg_err err;

		return lg_shard_parse(arg, &f->shard, &err) ? lg_cli_fail(LG_EXIT_USAGE, "--shard: %s", err.msg) : 0;
	}
	case OPT_BASELINE_TIMEOUT:
		return lg_parse_duration(arg, &f->baseline_timeout) ? bad_value("baseline-timeout", arg, "a duration such as 30s") : 0;
	}
	return LG_EXIT_USAGE;
}

static void flags_init(struct run_flags *f)
{
	memset(f, 0, sizeof(*f));
	f->file_line = 1;
	f->inject = 1;
	f->rewrite = 1;
	f->rerun = 1;
	f->jobs = f->max_leaks = f->schedtrace = f->ancestors = f->mem_rate = f->leaks = -1;
	f->max_heap = -1;
	f->timeout = f->grace = f->settle = f->deadlock_after = f->stress = -1;
	f->count = 1;
}

static void flags_release(struct run_flags *f)
{
	size_t i;

	for (i = 0; i < f->nbuild; i++)
		free(f->build[i]);
	for (i = 0; i < f->ntest; i++)
		free(f->test[i]);
	free(f->build);
	free(f->test);
	lg_outputs_release(&f->outs);
}

/* Returns -1 to go on, or an exit code (help printed, usage error). */
static int parse_flags(int argc, char **argv, struct run_flags *f, const struct lg_gate_mode *m)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "qp:", run_options, NULL)) != -1) {
		if (c == OPT_HELP) {
			fputs(m->usage ? m->usage : lg_help_run, stdout);
			return LG_EXIT_OK;
		}
		if (c == '?' || c == ':')
			return lg_cli_fail(LG_EXIT_USAGE, "%s: unknown or incomplete option '%s' "
					   "(see leakgate %s --help)", m->name, argv[optind - 1],
					   m->name);
		if (parse_one(c, optarg, f))
			return LG_EXIT_USAGE;
	}
	return -1;
}

static void apply_flags(const struct run_flags *f, struct lg_config *cfg)
{
	if (f->max_leaks >= 0) cfg->max_leaks = f->max_leaks;
	if (f->leaks >= 0) cfg->leaks = (enum lg_leaks_mode)f->leaks;
	if (f->max_heap >= 0) cfg->max_heap_growth = f->max_heap;
	if (f->timeout >= 0) cfg->timeout = f->timeout;
	if (f->grace >= 0) cfg->grace = f->grace;
	if (f->settle >= 0) cfg->settle = f->settle;
	if (f->schedtrace >= 0) cfg->schedtrace_ms = f->schedtrace;
	if (f->ancestors >= 0) cfg->ancestors = f->ancestors;
	if (f->mem_rate >= 0) cfg->mem_profile_rate = f->mem_rate;
	if (f->deadlock_after >= 0) cfg->deadlock_after = f->deadlock_after;
	if (f->stress >= 0) cfg->stress = f->stress;
	if (f->fail_fast_deadlock) cfg->fail_fast_deadlock = 1;
}

/* The module root without running go: the nearest go.mod upwards. */
static char *find_module_root(void)
{
	char *dir = getcwd(NULL, 0);

	while (dir && *dir) {
		char *gomod = lg_xasprintf("%s/go.mod", dir);
		int found = access(gomod, F_OK) == 0;
		char *slash;

		free(gomod);
		if (found)
			return dir;
		slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = '\0';
	}
	free(dir);
	return NULL;
}

char *lg_gate_module_root(void)
{
	return find_module_root();
}

static int load_config(const struct run_flags *f, struct lg_config *cfg, struct lg_err *err)
{
	char *root, *path;
	int ret;

	if (f->config)
		return lg_config_load(cfg, f->config, 0, err);
	root = find_module_root();
	if (!root)
		return 0;
	path = lg_xasprintf("%s/%s", root, LG_CONFIG_FILE);
	ret = lg_config_load(cfg, path, 1, err);
	free(path);
	free(root);
	return ret;
}

static int count_tests(const struct lg_package *p, enum lg_test_result r)
{
	size_t i;
	int n = 0;

	for (i = 0; i < p->ntests; i++)
		n += p->tests[i].result == r;
	return n;
}

/*
 * "file:line: " when known, else the package directory, else (a pattern
 * that matched no directory: `go list` gives none) the package as named.
 */
static void print_loc(FILE *out, const struct lg_location *l, const struct lg_package *p)
{
	if (l->file && l->line > 0)
		fprintf(out, "%s:%d: ", l->file, l->line);
	else if (l->file)
		fprintf(out, "%s: ", l->file);
	else if (p->rel_dir && *p->rel_dir)
		fprintf(out, "%s: ", p->rel_dir);
	else
		fprintf(out, "%s: ", p->import_path ? p->import_path : "?");
}

/* " (created in TestA (3), TestB (1))", or " (created in TestA)" for one test. */
static void print_group_tests(FILE *out, const struct lg_leak_group *g)
{
	size_t i;

	if (g->ntests <= 1) {
		if (g->test)
			fprintf(out, " (created in %s)", g->test);
		return;
	}
	fputs(" (created in ", out);
	for (i = 0; i < g->ntests; i++)
		fprintf(out, "%s%s (%d)", i ? ", " : "", g->tests[i].name, g->tests[i].count);
	fputc(')', out);
}

/* "file:line: message" lines, like a compiler, for each problem found. */
static void print_problems(FILE *out, const struct lg_package *p)
{
	size_t i;

	for (i = 0; i < p->nleaks; i++) {
		const struct lg_leak_group *g = &p->leaks[i];
		const struct lg_location *l = g->created_at.file ? &g->created_at : &g->blocked_at;

		if (g->baselined) /* accepted debt is not a problem of this run */
			continue;
		fprintf(out, "%s:%d: %d leaked goroutine%s [%s]: %s", l->file ? l->file : p->rel_dir,
			l->line, g->count, g->count == 1 ? "" : "s",
			g->wait_reason ? g->wait_reason : "running", g->pattern_title);
		print_group_tests(out, g);
		fprintf(out, "%s\n", g->proven ? " — proven stuck (goroutineleak profile)" : "");
		if (g->created_via)
			fprintf(out, "    via %s\n", g->created_via);
		if (g->blocked_at.file)
			fprintf(out, "    blocked at %s:%d%s%s\n", g->blocked_at.file, g->blocked_at.line,
				g->blocked_in ? " in " : "", g->blocked_in ? g->blocked_in : "");
		fprintf(out, "    fix: %s\n", g->hint);
	}
	for (i = 0; i < p->nchecks; i++) {
		const struct lg_check *c = &p->checks[i];

		if ((c->kind == LG_CHECK_LEAK && !c->baselined) || c->status == LG_STATUS_PASSED ||
		    c->status == LG_STATUS_SKIPPED)
			continue;
		print_loc(out, &c->loc, p);
		fprintf(out, "%s: %s\n", lg_check_kind_name(c->kind), c->message ? c->message : "");
		if (c->kind == LG_CHECK_BUILD && c->detail)
			fprintf(out, "%s", c->detail);
	}
	for (i = 0; i < p->ntests; i++) {
		const struct lg_test *t = &p->tests[i];

		if (t->result == LG_TEST_FAIL) {
			print_loc(out, &t->loc, p);
			fprintf(out, "test failed: %s", t->name);
			if (t->runs > 1)
				fprintf(out, " (in %d of %d runs)", t->failures, t->runs);
			fputc('\n', out);
		}
	}
}

static void package_line(FILE *out, const struct lg_package *p)
{
	size_t i;
	int failed_tests = count_tests(p, LG_TEST_FAIL), leaked = 0, baselined = 0;
	int unfinished = count_tests(p, LG_TEST_UNFINISHED);
	const char *status = lg_package_passed(p) ? "ok  " : "FAIL";

	for (i = 0; i < p->nleaks; i++)
		*(p->leaks[i].baselined ? &baselined : &leaked) += p->leaks[i].count;
	if (p->no_tests) {
		fprintf(out, "?     %-50s [no test files]\n", p->import_path);
		return;
	}
	fprintf(out, "%s  %-50s %6.2fs", status, p->import_path, p->run_seconds + p->build_seconds);
	for (i = 0; i < p->nchecks; i++) {
		const struct lg_check *c = &p->checks[i];

		if (c->status == LG_STATUS_ERROR)
			fprintf(out, "  %s", lg_check_kind_name(c->kind));
		else if (c->status == LG_STATUS_FAILED && c->kind == LG_CHECK_HEAP)
			fprintf(out, "  heap +%.1fMiB", (double)p->heap_growth / 1048576.0);
	}
	if (leaked)
		fprintf(out, "  %d leaked goroutine%s", leaked, leaked == 1 ? "" : "s");
	if (baselined)
		fprintf(out, "  %d baselined goroutine%s", baselined, baselined == 1 ? "" : "s");
	if (failed_tests)
		fprintf(out, "  %d test%s failed", failed_tests, failed_tests == 1 ? "" : "s");
	if (unfinished)
		fprintf(out, "  %d test%s unfinished", unfinished, unfinished == 1 ? "" : "s");
	if (p->hook != LG_HOOK_DONE && p->built)
		fprintf(out, "  (leak checks skipped)");
	fputc('\n', out);
}

static void show_package(const struct display *d, const struct lg_package *p)
{
	if (!d->quiet || !lg_package_passed(p))
		package_line(d->out, p);
	if (!lg_package_passed(p))
		print_problems(d->out, p);
	fflush(d->out);
}

static void progress(void *ctx, enum lg_runner_event ev, const struct lg_package *p,
		     size_t done, size_t total)
{
	struct display *d = ctx;

	if (d->tty)
		fprintf(stderr, "\r\033[K");
	if (ev == LG_EV_DONE && !d->defer)
		show_package(d, p);
	if (d->tty && done < total)
		fprintf(stderr, "[%zu/%zu] %s %s", done, total,
			ev == LG_EV_BUILD ? "building" : ev == LG_EV_RUN ? "running" : "done",
			p->import_path);
}

/* Live lines: a deadlock found while the binary runs, stress results, --keep-work. */
static void show_note(void *ctx, const struct lg_package *p, const char *line)
{
	struct display *d = ctx;

	if (d->tty)
		fprintf(stderr, "\r\033[K");
	if (p)
		fprintf(stderr, "leakgate: %s: %s\n", p->import_path, line);
	else
		fprintf(stderr, "leakgate: %s\n", line);
}

static void on_signal(int sig)
{
	lg_proc_interrupt();
}

static int write_outputs(const struct run_flags *f, const struct lg_run *run)
{
	struct lg_err err;
	struct lg_junit_opts jo = { f->file_line, NULL };

	if (f->junit && lg_junit_write(run, &jo, f->junit, &err))
		return lg_cli_fail(LG_EXIT_ENV, "%s", err.msg);
	if (f->json && lg_report_write_json(run, f->json, &err))
		return lg_cli_fail(LG_EXIT_ENV, "%s", err.msg);
	{
		struct lg_output_opts oo = { f->file_line, NULL, stdout };

		if (lg_outputs_write(&f->outs, run, &oo, &err))
			return lg_cli_fail(LG_EXIT_ENV, "%s", err.msg);
	}
	return 0;
}

/*
 * How the hook got into the packages and, when leak checks were skipped
 * anywhere, where and why: a gate that silently checks less than it seems
 * to is worse than one that says so.
 */
static void skipped_summary(const struct lg_run *run, const struct lg_run_totals *t)
{
	size_t i, shown = 0;

	if (t->by_via[LG_VIA_REWRITTEN] || t->by_via[LG_VIA_USER] || t->leak_skipped)
		/* (packages that ran without any TestMain need no line) */
		fprintf(stderr, "leakgate: hook: %zu injected, %zu TestMain rewritten, %zu called "
				"by TestMain; leak checks skipped in %zu package%s\n",
			t->by_via[LG_VIA_INJECTED], t->by_via[LG_VIA_REWRITTEN],
			t->by_via[LG_VIA_USER], t->leak_skipped, t->leak_skipped == 1 ? "" : "s");
	for (i = 0; i < run->npkgs; i++) {
		const struct lg_package *p = &run->pkgs[i];
		size_t k;

		if (p->no_tests || !p->built)
			continue;
		for (k = 0; p->hook_notes && p->hook_notes[k]; k++)
			if (shown++ < 10)
				fprintf(stderr, "  %s: note: %s\n", p->import_path, p->hook_notes[k]);
		if (p->hook == LG_HOOK_DONE || !p->hook_note)
			continue;
		if (shown++ < 10)
			fprintf(stderr, "  %s: %s\n", p->import_path, p->hook_note);
	}
	if (shown > 10)
		fprintf(stderr, "  ... %zu more (the JSON report's hook_note and hook_notes have them)\n",
			shown - 10);
}

static int summarise(const struct run_flags *f, const struct lg_run *run)
{
	struct lg_run_totals t;

	lg_run_totals(run, &t);
	skipped_summary(run, &t);
	fprintf(stderr, "leakgate: %zu package%s, %zu passed, %zu failed, %zu without tests (%.1fs)\n",
		t.packages, t.packages == 1 ? "" : "s", t.passed, t.failed, t.notests, run->seconds);
	if (f->junit)
		fprintf(stderr, "leakgate: JUnit XML written to %s\n", f->junit);
	if (f->json)
		fprintf(stderr, "leakgate: JSON report written to %s\n", f->json);
	return t.failed ? LG_EXIT_FAILED : LG_EXIT_OK;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void runner_opts(const struct run_flags *f, const struct lg_config *cfg, int argc,
			char **argv, struct display *d, struct lg_runner_opts *o)
{
	static char *dflt[] = { "./...", NULL };

	memset(o, 0, sizeof(*o));
	o->patterns = optind < argc ? argv + optind : dflt;
	o->npatterns = optind < argc ? (size_t)(argc - optind) : 1;
	o->goflags.args = f->build;
	o->goflags.nargs = f->nbuild;
	o->goflags.timeout = 3600;
	o->cfg = cfg;
	o->jobs = f->jobs > 0 ? f->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	o->inject = f->inject;
	o->rewrite = f->rewrite;
	o->rerun = f->rerun;
	o->allow_core = f->allow_core;
	o->keep_tmp = f->keep;
	o->test_args = f->test;
	o->ntest_args = f->ntest;
	o->progress = progress;
	o->note = show_note;
	o->ctx = d;
	o->shard = f->shard;
	o->shard_times_dir = f->baselines;
}

/* Package lines wait for the baseline step when one may change the verdicts. */
static int must_defer(const struct run_flags *f, const struct lg_gate_mode *m)
{
	char *root = find_module_root(), *dir;
	struct stat st;
	int found;

	if (f->count > 1 || m->after || f->baselines || f->baseline_url || !root) {
		free(root);
		return 1;
	}
	dir = lg_xasprintf("%s/%s", root, LG_BASELINE_DIR);
	found = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
	free(dir);
	free(root);
	return found;
}

/* Runs the gate f->count times into runs[0], merged; -1 or an exit code. */
static int run_gate(const struct run_flags *f, const struct lg_runner_opts *o,
		    struct lg_run *runs, struct lg_gate *g)
{
	struct lg_merge_limits lim = { g->cfg->max_leaks, g->cfg->max_heap_growth };
	struct lg_err err;
	int k;

	for (k = 0; k < f->count; k++) {
		if (lg_runner_run(o, &runs[k], &err))
			return lg_cli_fail(LG_EXIT_ENV, "%s", err.msg);
		if (lg_proc_interrupted()) {
			k++;
			break;
		}
	}
	g->bands = lg_baseline_merge_runs(runs, (size_t)k, &lim);
	g->run = runs[0];
	memset(&runs[0], 0, sizeof(runs[0]));
	return -1;
}

/* `leakgate run` after the runner: baselines, deferred lines, reports, summary. */
static int finish_run(const struct run_flags *f, struct lg_gate *g, const struct display *d)
{
	size_t i;
	int ret = lg_gate_apply_baselines(g);

	if (ret >= 0)
		return ret;
	for (i = 0; d->defer && i < g->run.npkgs; i++)
		show_package(d, &g->run.pkgs[i]);
	fputs(g->notes.buf, d->out);
	ret = write_outputs(f, &g->run);
	return ret ? ret : summarise(f, &g->run);
}

int lg_cmd_run_gate(int argc, char **argv, const struct lg_gate_mode *mode)
{
	struct run_flags f;
	struct lg_config cfg;
	struct lg_runner_opts o;
	struct lg_run *runs = NULL;
	struct lg_gate g;
	struct display d;
	struct lg_err err;
	int ret;

	flags_init(&f);
	lg_config_init(&cfg);
	memset(&g, 0, sizeof(g));
	lg_buf_init(&g.notes);
	ret = parse_flags(argc, argv, &f, mode);
	if (ret >= 0)
		goto out;
	if (load_config(&f, &cfg, &err)) {
		ret = lg_cli_fail(LG_EXIT_USAGE, "%s", err.msg);
		goto out;
	}
	apply_flags(&f, &cfg);
	if (!f.shard.total && lg_shard_from_env(&f.shard, &err) < 0) {
		ret = lg_cli_fail(LG_EXIT_USAGE, "%s", err.msg);
		goto out;
	}
	d.tty = isatty(2) && getenv("CI") == NULL;
	d.quiet = f.quiet;
	d.out = stdout;
	d.defer = must_defer(&f, mode);
	runner_opts(&f, &cfg, argc, argv, &d, &o);
	g.cfg = &cfg;
	g.baselines_dir = f.baselines;
	g.baseline_url = f.baseline_url;
	g.strict = f.strict;
	g.force = f.force;
	g.fetch_timeout = f.baseline_timeout;
	g.count = f.count;
	g.quiet = f.quiet;
	g.out = stdout;
	runs = lg_xcalloc((size_t)f.count, sizeof(*runs));
	install_signals();
	ret = run_gate(&f, &o, runs, &g);
	if (ret >= 0)
		goto out;
	if (d.tty)
		fprintf(stderr, "\r\033[K");
	ret = mode->after ? mode->after(&g, mode->ctx) : finish_run(&f, &g, &d);
	if (lg_proc_interrupted())
		ret = LG_EXIT_INTERRUPTED;
out:
	for (int k = 0; runs && k < f.count; k++)
		lg_run_release(&runs[k]);
	free(runs);
	lg_run_release(&g.run);
	free(g.bands);
	lg_buf_release(&g.notes);
	lg_config_release(&cfg);
	flags_release(&f);
	return ret;
}

int lg_cmd_run(int argc, char **argv)
{
	static const struct lg_gate_mode run_mode = { "run", NULL, NULL, NULL };

	return lg_cmd_run_gate(argc, argv, &run_mode);
}
