/*
 * gate.c — the gate as a whole (gate.h): the run flags every gate command
 * shares, the config file, the runner called --count times and its runs
 * merged (gate_merge.c), then the command's own step (mode->after).  Also
 * where the module root is found before go runs.
 *
 * While the runner works, the display module (display.c) draws progress
 * and, unless a baseline may still change the verdicts, each package's line
 * as it finishes.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "gate.h"
#include "proc.h"
#include "runner.h"

enum {
	OPT_JUNIT = 256, OPT_JSON, OPT_NO_FILE_LINE, OPT_CONFIG, OPT_MAX_LEAKS,
	OPT_MAX_HEAP, OPT_TIMEOUT, OPT_GRACE, OPT_SETTLE, OPT_SCHEDTRACE, OPT_ANCESTORS, OPT_MEM_RATE,
	OPT_TAGS, OPT_RACE, OPT_BUILD_FLAG, OPT_RUN, OPT_TEST_FLAG, OPT_NO_HOOK, OPT_CORE,
	OPT_KEEP, OPT_NO_REWRITE, OPT_NO_RERUN, OPT_HELP, OPT_COUNT, OPT_BASELINES, OPT_BASELINE_URL, OPT_STRICT, OPT_FORCE,
	OPT_BASELINE_TIMEOUT, OPT_FORMAT, OPT_SHARD, OPT_LEAKS, OPT_DEADLOCK_AFTER,
	OPT_FAIL_FAST_DEADLOCK, OPT_STRESS, OPT_HEAP_PASSES, OPT_NO_HISTORY
};

static const struct option gate_options[] = {
	{ "junit", required_argument, NULL, OPT_JUNIT },
	{ "json", required_argument, NULL, OPT_JSON },
	{ "no-file-line", no_argument, NULL, OPT_NO_FILE_LINE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "max-leaks", required_argument, NULL, OPT_MAX_LEAKS },
	{ "leaks", required_argument, NULL, OPT_LEAKS },
	{ "max-heap-growth", required_argument, NULL, OPT_MAX_HEAP },
	{ "heap-passes", required_argument, NULL, OPT_HEAP_PASSES },
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
	{ "no-history", no_argument, NULL, OPT_NO_HISTORY },
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

static int parse_one(int c, const char *arg, struct lg_gate_flags *f)
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
	case OPT_HEAP_PASSES:
		return parse_int(arg, 1, 100, &f->heap_passes) ? bad_value("heap-passes", arg, "a number from 1 to 100") : 0;
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
	case OPT_NO_HISTORY: f->history = 0; return 0;
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

void lg_gate_flags_init(struct lg_gate_flags *f)
{
	memset(f, 0, sizeof(*f));
	f->file_line = 1;
	f->inject = 1;
	f->rewrite = 1;
	f->rerun = 1;
	f->history = 1;
	f->jobs = f->max_leaks = f->schedtrace = f->ancestors = f->mem_rate = f->leaks = -1;
	f->max_heap = -1;
	f->heap_passes = -1;
	f->timeout = f->grace = f->settle = f->deadlock_after = f->stress = -1;
	f->count = 1;
}

void lg_gate_flags_release(struct lg_gate_flags *f)
{
	size_t i;

	for (i = 0; i < f->nbuild; i++)
		free(f->build[i]);
	for (i = 0; i < f->ntest; i++)
		free(f->test[i]);
	free(f->build);
	free(f->test);
	lg_outputs_release(&f->outs);
	memset(f, 0, sizeof(*f));
}

/* Whether `flags` (a GOFLAGS value, or one build flag) sets -ldflags. */
static int sets_ldflags(const char *flags)
{
	return flags && (strstr(flags, "-ldflags=") || strstr(flags, "-ldflags ") ||
			 strcmp(flags, "-ldflags") == 0 || strcmp(flags, "--ldflags") == 0);
}

/*
 * Test binaries are linked the way `go test` links its own: without the
 * symbol table and DWARF (-ldflags=-s -w), which tracebacks, dumps and
 * profiles do not use (they read the pclntab).  Linking costs a third less
 * (x/net http2: 0.47 s of CPU against 0.77 s) and cached binaries are a
 * third smaller.  Not when the user sets -ldflags (go takes one -ldflags,
 * theirs must win whole) or keeps core dumps (--core: a debugger wants
 * DWARF).
 */
static void strip_by_default(struct lg_gate_flags *f)
{
	size_t i;

	if (f->allow_core || sets_ldflags(getenv("GOFLAGS")))
		return;
	for (i = 0; i < f->nbuild; i++)
		if (sets_ldflags(f->build[i]))
			return;
	push(&f->build, &f->nbuild, &f->build_alloc, lg_xstrdup("-ldflags=-s -w"));
}

int lg_gate_flags_parse(int argc, char **argv, struct lg_gate_flags *f,
			const struct lg_gate_mode *m)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "qp:", gate_options, NULL)) != -1) {
		if (c == OPT_HELP) {
			fputs(m->usage, stdout);
			return LG_EXIT_OK;
		}
		if (c == '?' || c == ':')
			return lg_cli_fail(LG_EXIT_USAGE, "%s: unknown or incomplete option '%s' "
					   "(see leakgate %s --help)", m->name, argv[optind - 1],
					   m->name);
		if (parse_one(c, optarg, f))
			return LG_EXIT_USAGE;
	}
	if (optind < argc) {
		f->patterns = argv + optind;
		f->npatterns = (size_t)(argc - optind);
	}
	strip_by_default(f);
	return -1;
}

void lg_gate_flags_apply(const struct lg_gate_flags *f, struct lg_config *cfg)
{
	if (f->max_leaks >= 0) cfg->max_leaks = f->max_leaks;
	if (f->leaks >= 0) cfg->leaks = (enum lg_leaks_mode)f->leaks;
	if (f->max_heap >= 0) cfg->max_heap_growth = f->max_heap;
	if (f->heap_passes >= 0) cfg->heap_passes = f->heap_passes;
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

char *lg_gate_module_root_of(const char *start)
{
	char *dir = start ? lg_xstrdup(start) : NULL;

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
	char *cwd = getcwd(NULL, 0), *root = lg_gate_module_root_of(cwd);

	free(cwd);
	return root;
}

char *lg_gate_module_path(const char *root)
{
	char *gomod = lg_xasprintf("%s/go.mod", root), *line = NULL, *out = NULL;
	size_t cap = 0;
	FILE *f = fopen(gomod, "r");

	while (f && getline(&line, &cap, f) > 0) {
		char *p = line, *e;

		if (strncmp(p, "module", 6) || (p[6] != ' ' && p[6] != '\t'))
			continue;
		p += 7;
		p += strspn(p, " \t\"");
		e = p + strcspn(p, " \t\"\r\n");
		out = lg_xstrndup(p, (size_t)(e - p));
		break;
	}
	if (f)
		fclose(f);
	free(line);
	free(gomod);
	return out;
}

static int load_config(const struct lg_gate_flags *f, struct lg_config *cfg, struct lg_err *err)
{
	char *root, *path;
	int ret;

	if (f->config)
		return lg_config_load(cfg, f->config, 0, err);
	root = lg_gate_module_root();
	if (!root)
		return 0;
	path = lg_xasprintf("%s/%s", root, LG_CONFIG_FILE);
	ret = lg_config_load(cfg, path, 1, err);
	free(path);
	free(root);
	return ret;
}

static void on_signal(int sig)
{
	lg_proc_interrupt();
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

static void runner_opts(const struct lg_gate_flags *f, const struct lg_config *cfg,
			struct lg_display *d, struct lg_runner_opts *o)
{
	static char *dflt[] = { "./...", NULL };

	memset(o, 0, sizeof(*o));
	o->patterns = f->npatterns ? f->patterns : dflt;
	o->npatterns = f->npatterns ? f->npatterns : 1;
	o->goflags.args = f->build;
	o->goflags.nargs = f->nbuild;
	o->goflags.timeout = 3600;
	o->cfg = cfg;
	o->jobs = f->jobs > 0 ? f->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
	o->inject = f->inject;
	o->rewrite = f->rewrite;
	o->rerun = f->rerun;
	o->history = f->history;
	o->allow_core = f->allow_core;
	o->keep_tmp = f->keep;
	o->test_args = f->test;
	o->ntest_args = f->ntest;
	o->progress = lg_display_progress;
	o->note = lg_display_note;
	o->ctx = d;
	o->shard = f->shard;
	o->shard_times_dir = f->baselines;
}

/* Package lines wait for the baseline step when one may change the verdicts. */
static int must_defer(const struct lg_gate_flags *f, const struct lg_gate_mode *m)
{
	char *root = lg_gate_module_root(), *dir;
	struct stat st;
	int found;

	if (f->count > 1 || !m->live || f->baselines || f->baseline_url || !root) {
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
static int run_gate(const struct lg_gate_flags *f, const struct lg_runner_opts *o,
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
	g->bands = lg_gate_merge_runs(runs, (size_t)k, &lim);
	g->run = runs[0];
	memset(&runs[0], 0, sizeof(runs[0]));
	return -1;
}

int lg_gate_main(int argc, char **argv, const struct lg_gate_mode *mode)
{
	struct lg_gate_flags f;
	struct lg_config cfg;
	struct lg_runner_opts o;
	struct lg_run *runs = NULL;
	struct lg_gate g;
	struct lg_err err;
	int ret;

	lg_gate_flags_init(&f);
	lg_config_init(&cfg);
	memset(&g, 0, sizeof(g));
	lg_buf_init(&g.notes);
	ret = lg_gate_flags_parse(argc, argv, &f, mode);
	if (ret >= 0)
		goto out;
	if (load_config(&f, &cfg, &err)) {
		ret = lg_cli_fail(LG_EXIT_USAGE, "%s", err.msg);
		goto out;
	}
	lg_gate_flags_apply(&f, &cfg);
	if (!f.shard.total && lg_shard_from_env(&f.shard, &err) < 0) {
		ret = lg_cli_fail(LG_EXIT_USAGE, "%s", err.msg);
		goto out;
	}
	g.display.tty = isatty(2) && getenv("CI") == NULL;
	g.display.quiet = f.quiet;
	g.display.out = stdout;
	g.display.defer = must_defer(&f, mode);
	runner_opts(&f, &cfg, &g.display, &o);
	g.cfg = &cfg;
	g.flags = &f;
	g.baselines_dir = f.baselines;
	g.baseline_url = f.baseline_url;
	g.strict = f.strict;
	g.force = f.force;
	g.fetch_timeout = f.baseline_timeout;
	g.count = f.count;
	g.quiet = f.quiet;
	g.out = stdout;
	if (mode->baselines) {
		o.accepted = lg_gate_baseline_accepts;
		o.accepted_ctx = &g;
	}
	runs = lg_xcalloc((size_t)f.count, sizeof(*runs));
	install_signals();
	ret = run_gate(&f, &o, runs, &g);
	if (ret >= 0)
		goto out;
	lg_display_clear(&g.display);
	ret = mode->after(&g, mode->ctx);
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
	lg_gate_flags_release(&f);
	return ret;
}
