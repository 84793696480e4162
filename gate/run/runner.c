/*
 * runner.c — the `leakgate run` pipeline for each package: overlay, build,
 * run under the gate's environment, collect, judge.
 *
 * A package's work directory holds its test binary, the overlay and the
 * hook's snapshots; it is removed afterwards unless asked to keep it.
 * stderr is split line by line: schedtrace lines become samples, the rest
 * (crash and SIGQUIT dumps, test noise) is kept within a head+tail budget.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hook.h"
#include "probe.h"
#include "proc.h"
#include "rewrite.h"
#include "runner.h"
#include "schedtrace.h"
#include "schedule.h"
#include "test2json.h"
#include "verdict.h"

extern char **environ;

#define STDERR_HEAD ((size_t)8 << 20)
#define STDERR_TAIL ((size_t)56 << 20)
#define STDERR_MAX_LINE (64 * 1024)
/* Longest postponement of the SIGKILL past --grace while a dump is in progress. */
#define LG_GRACE_DUMP_EXTRA 60.0

/* What the build phase left for each package. */
struct pkgstate {
	int buildable; /* has tests and go list had no error */
	int inject;    /* the hook goes in by overlay (injected or rewritten TestMain) */
	enum lg_hook_via via;
	char *clause;  /* package clause of the injected hook file */
	struct lg_rewrite_out rw; /* what the TestMain rewriter decided */
	struct lg_gobuild_result br;
	double lean_seconds; /* the first run's time, for the next run's order */
	int timed;           /* lean_seconds was measured (the run was not cut short) */
};

struct pool {
	const struct lg_runner_opts *o;
	struct lg_golist *list;
	struct lg_run *run;
	struct pkgstate *st;
	char *workdir;  /* this run's snapshots; removed at the end */
	char *cachedir; /* binaries and overlays kept between runs */
	size_t next, done;
	size_t *order;  /* the k-th package to start is order[k] (schedule.h) */
	pthread_mutex_t mu;
};

/* Collects one binary's output while it runs. */
struct collect {
	struct pool *pl;
	struct lg_t2j *t2j;
	struct lg_capture err;
	struct lg_buf line;
	struct lg_package *p;
	size_t sched_alloc;
	struct lg_probe probe;
	int probe_told; /* the finding was shown live */
};

static void note(struct pool *pl, const struct lg_package *p, const char *line)
{
	if (!pl->o->note)
		return;
	pthread_mutex_lock(&pl->mu);
	pl->o->note(pl->o->ctx, p, line);
	pthread_mutex_unlock(&pl->mu);
}

/*
 * Every ~50ms while the binary runs: the deadlock probes (probe.h).  A
 * finding is shown at once, so a suspected deadlock that runs on to the
 * deadline is seen in seconds.
 */
static int on_tick(void *ctx, int pid, double elapsed)
{
	struct collect *c = ctx;
	const char **names;
	size_t n = lg_test2json_running(c->t2j, &names);
	enum lg_probe_action a = lg_probe_tick(&c->probe, c->p->sched, c->p->nsched,
					       (const char *const *)names, n, elapsed);

	if (c->probe.found.kind != LG_PROBE_NONE && !c->probe_told) {
		char *line = lg_xasprintf("%s (after %.1fs%s)", c->probe.found.message,
					  c->probe.found.seconds,
					  a == LG_PROBE_STOP ? "; stopping the test binary"
					  : "; running on to the deadline, --fail-fast-deadlock stops it");

		c->probe_told = 1;
		note(c->pl, c->p, line);
		free(line);
	}
	if (a == LG_PROBE_SIGNAL)
		kill((pid_t)pid, SIGUSR1);
	return a == LG_PROBE_STOP;
}

static void on_stdout(void *ctx, const char *data, size_t len)
{
	struct collect *c = ctx;

	lg_test2json_feed(c->t2j, data, len);
}

static void stderr_line(struct collect *c, const char *s, size_t len, int nl)
{
	struct lg_sched_sample smp;
	struct lg_package *p = c->p;

	if (lg_sched_is_line(s, len)) {
		if (p->nsched < LG_SCHED_MAX_SAMPLES && !lg_sched_parse_line(s, len, &smp)) {
			LG_GROW(p->sched, c->sched_alloc, p->nsched + 1);
			p->sched[p->nsched++] = smp;
		}
		return;
	}
	if (lg_sched_is_detail_line(s, len))
		return;
	lg_capture_add(&c->err, s, len);
	if (nl)
		lg_capture_add(&c->err, "\n", 1);
}

static void on_stderr(void *ctx, const char *data, size_t len)
{
	struct collect *c = ctx;

	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;

		if (!nl) {
			lg_buf_add(&c->line, data, n);
			if (c->line.len > STDERR_MAX_LINE) {
				stderr_line(c, c->line.buf, c->line.len, 0);
				lg_buf_reset(&c->line);
			}
			return;
		}
		if (c->line.len) {
			lg_buf_add(&c->line, data, n);
			stderr_line(c, c->line.buf, c->line.len, 1);
			lg_buf_reset(&c->line);
		} else {
			stderr_line(c, data, n, 1);
		}
		data += n + 1;
		len -= n + 1;
	}
}

static int has_key(const char *godebug, const char *key)
{
	size_t n = strlen(key);
	const char *p = godebug;

	while (p && *p) {
		if (strncmp(p, key, n) == 0 && p[n] == '=')
			return 1;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return 0;
}

/*
 * The user's GODEBUG with the gate's settings added where the user has
 * none; `ancestors` is the tracebackancestors depth of this run (0: none).
 */
static char *godebug_value(const struct lg_config *cfg, int ancestors)
{
	const char *user = getenv("GODEBUG");
	struct lg_buf b = LG_BUF_INIT;

	if (user && *user)
		lg_buf_adds(&b, user);
	if (cfg->schedtrace_ms > 0 && !has_key(user, "schedtrace"))
		lg_buf_addf(&b, "%sschedtrace=%d", b.len ? "," : "", cfg->schedtrace_ms);
	if (ancestors > 0 && !has_key(user, "tracebackancestors"))
		lg_buf_addf(&b, "%stracebackancestors=%d", b.len ? "," : "", ancestors);
	return lg_buf_detach(&b, NULL);
}

/*
 * The test binary's environment: the user's, with PWD set to the package
 * directory as go test does, and — when the hook runs in the binary —
 * GOTRACEBACK=crash, the gate's GODEBUG additions and the hook protocol
 * variables (LEAKGATE_HEAP_PASSES when `passes` >= 2).  The user's own GODEBUG and GOTRACEBACK travel as
 * LEAKGATE_ORIG_* so the hook can hand them back to the processes the tests
 * start.  Without the hook nothing could hand them back, so a binary
 * without it keeps the user's settings: a test that runs Go subprocesses
 * and reads their stderr or exit status must see what go test gives it.
 * Deadlock and SIGQUIT dumps list every goroutine either way.
 */
static char **build_env(const struct lg_config *cfg, const char *hookdir, const char *pkgdir,
			int hooked, int evidence, int passes)
{
	char **env = NULL, *gd = godebug_value(cfg, evidence ? cfg->ancestors : 0);
	const char *user_gd = getenv("GODEBUG"), *user_tb = getenv("GOTRACEBACK");
	size_t n = 0, alloc = 0, i;

	for (i = 0; environ[i]; i++) {
		if (lg_starts_with(environ[i], "GODEBUG=") || lg_starts_with(environ[i], "GOTRACEBACK=") ||
		    lg_starts_with(environ[i], "LEAKGATE_") || lg_starts_with(environ[i], "PWD="))
			continue;
		LG_GROW(env, alloc, n + 1);
		env[n++] = lg_xstrdup(environ[i]);
	}
	LG_GROW(env, alloc, n + 12);
	env[n++] = lg_xasprintf("PWD=%s", pkgdir);
	if (!hooked) {
		if (user_gd)
			env[n++] = lg_xasprintf("GODEBUG=%s", user_gd);
		if (user_tb)
			env[n++] = lg_xasprintf("GOTRACEBACK=%s", user_tb);
		env[n] = NULL;
		free(gd);
		return env;
	}
	env[n++] = lg_xasprintf("GODEBUG=%s", gd);
	env[n++] = lg_xstrdup("GOTRACEBACK=crash");
	if (user_gd)
		env[n++] = lg_xasprintf("LEAKGATE_ORIG_GODEBUG=%s", user_gd);
	if (user_tb)
		env[n++] = lg_xasprintf("LEAKGATE_ORIG_GOTRACEBACK=%s", user_tb);
	env[n++] = lg_xasprintf("LEAKGATE_HOOK_DIR=%s", hookdir);
	env[n++] = lg_xasprintf("LEAKGATE_HOOK_PROTOCOL=%d", LG_HOOK_PROTOCOL);
	env[n++] = lg_xasprintf("LEAKGATE_SETTLE=%.0fms", cfg->settle * 1000.0);
	if (cfg->deadlock_after > 0)
		env[n++] = lg_xstrdup("LEAKGATE_PROBE=1");
	if (evidence && cfg->mem_profile_rate > 0)
		env[n++] = lg_xasprintf("LEAKGATE_MEMPROFILERATE=%d", cfg->mem_profile_rate);
	if (passes >= 2)
		env[n++] = lg_xasprintf("LEAKGATE_HEAP_PASSES=%d", passes);
	env[n] = NULL;
	free(gd);
	return env;
}

/* "file.go:12:3: message" -> location (paths are relative to the module root). */
static void compiler_loc(const char *out, struct lg_location *loc)
{
	const char *line = out;

	while (line && *line) {
		const char *go = strstr(line, ".go:");
		const char *nl = strchr(line, '\n');

		if (go && (!nl || go < nl) && *line != '#') {
			const char *start = line;

			while (*start == ' ' || *start == '\t')
				start++;
			if (lg_starts_with(start, "./"))
				start += 2;
			loc->file = lg_xstrndup(start, (size_t)(go + 3 - start));
			loc->line = atoi(go + 4);
			return;
		}
		line = nl ? nl + 1 : NULL;
	}
}

static void build_failed(struct lg_package *p, const char *why, struct lg_buf *output)
{
	struct lg_check *c = lg_package_add_check(p, LG_CHECK_BUILD, LG_STATUS_ERROR);

	c->message = lg_xstrdup(why);
	if (output) {
		compiler_loc(output->buf, &c->loc);
		c->detail = lg_xstrndup(output->buf, output->len);
	}
}

static char *join_rel(const char *rel_dir, const char *file)
{
	if (!rel_dir || strcmp(rel_dir, ".") == 0 || strchr(file, '/'))
		return lg_xstrdup(file);
	return lg_xasprintf("%s/%s", rel_dir, file);
}

static void fix_test_locations(struct lg_package *p)
{
	size_t i;

	for (i = 0; i < p->ntests; i++) {
		struct lg_location *l = &p->tests[i].loc;
		char *f;

		if (!l->file)
			continue;
		f = join_rel(p->rel_dir, l->file);
		free(l->file);
		l->file = f;
	}
}

/* The binary's arguments: the gate's, the user's, then `extra` (they win). */
static char **binary_argv(const struct lg_runner_opts *o, const char *binary,
			  char *const *extra)
{
	char **argv = lg_xcalloc(o->ntest_args + lg_strv_len(extra) + 4, sizeof(char *));
	size_t n = 0, i;

	argv[n++] = (char *)binary;
	argv[n++] = "-test.timeout=0";
	argv[n++] = "-test.v=test2json";
	for (i = 0; i < o->ntest_args; i++)
		argv[n++] = o->test_args[i];
	for (i = 0; extra && extra[i]; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	return argv;
}

static void notify(struct pool *pl, enum lg_runner_event ev, const struct lg_package *p)
{
	if (!pl->o->progress)
		return;
	pthread_mutex_lock(&pl->mu);
	pl->o->progress(pl->o->ctx, ev, p, pl->done, pl->list->n);
	pthread_mutex_unlock(&pl->mu);
}

/*
 * Runs the built binary and judges it.  `extra` are more -test. flags
 * (NULL: none); `timeout` is the deadline in seconds; `evidence`: with
 * ancestry and fine heap sampling; `passes` >= 2: the hook runs the tests
 * that many times and the heap check judges growth per pass.
 */
static void run_binary(struct pool *pl, const struct lg_gopkg *gp, struct lg_package *p,
		       const struct pkgstate *st, const char *hookdir, char *const *extra,
		       double timeout, int evidence, int passes)
{
	const struct lg_runner_opts *o = pl->o;
	struct collect c;
	struct lg_proc_opts po;
	struct lg_proc_result r;
	struct lg_hook_manifest m;
	struct lg_verdict_in vin;
	struct lg_buf errtext = LG_BUF_INIT;
	struct lg_err err, herr;
	int hooked = st->via != LG_VIA_NONE || gp->calls_hook;
	char **env = build_env(o->cfg, hookdir, gp->dir, hooked, evidence, hooked ? passes : 1);
	char **argv = binary_argv(o, st->br.binary, extra);
	struct lg_probe_opts pro;
	char *last_run = NULL, *busy = NULL;
	int hook_failed;

	memset(&c, 0, sizeof(c));
	c.pl = pl;
	c.t2j = lg_test2json_new();
	c.p = p;
	memset(&pro, 0, sizeof(pro));
	pro.after = hooked ? o->cfg->deadlock_after : 0;
	pro.fail_fast = o->cfg->fail_fast_deadlock;
	pro.hookdir = hookdir;
	pro.module_root = pl->list->module_root;
	pro.read_sources = 1;
	lg_probe_init(&c.probe, &pro);
	lg_capture_init(&c.err, STDERR_HEAD, STDERR_TAIL);
	lg_buf_init(&c.line);
	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.dir = gp->dir;
	po.envp = env;
	po.timeout = timeout;
	po.grace = o->cfg->grace;
	/* a dump in progress (the hook's busy marker, or the SIGQUIT dump
	   still flowing) postpones the SIGKILL, for at most this long */
	po.grace_max = o->cfg->grace + LG_GRACE_DUMP_EXTRA;
	busy = lg_xasprintf("%s/busy.json", hookdir);
	po.busy_file = hooked ? busy : NULL;
	po.allow_core = o->allow_core;
	po.on_stdout = on_stdout;
	po.on_stderr = on_stderr;
	po.on_tick = pro.after > 0 ? on_tick : NULL;
	po.ctx = &c;
	notify(pl, LG_EV_RUN, p);
	if (lg_proc_run(&po, &r, &err)) {
		build_failed(p, err.msg, NULL);
		goto out;
	}
	if (c.line.len)
		stderr_line(&c, c.line.buf, c.line.len, 0);
	lg_test2json_finish(c.t2j);
	p->exit_code = r.exit_code;
	p->term_signal = r.term_signal;
	p->run_seconds = r.seconds;
	memset(&vin, 0, sizeof(vin));
	vin.t2j_complete = lg_test2json_complete(c.t2j);
	last_run = lg_test2json_last_run(c.t2j) ? lg_xstrdup(lg_test2json_last_run(c.t2j)) : NULL;
	lg_test2json_take(c.t2j, p);
	fix_test_locations(p);
	lg_capture_text(&c.err, &errtext);
	hook_failed = lg_hook_read_manifest(hookdir, &m, &herr);
	vin.cfg = o->cfg;
	vin.module_root = pl->list->module_root;
	vin.proc = &r;
	vin.stderr_text = errtext.buf;
	vin.stderr_len = errtext.len;
	vin.hook = &m;
	vin.hook_error = hook_failed ? herr.msg : NULL;
	vin.via = st->via;
	vin.via_reason = st->rw.reason;
	vin.via_notes = (const char *const *)st->rw.notes;
	vin.extra_ignores = st->rw.ignores;
	vin.nextra_ignores = st->rw.nignores;
	vin.read_sources = 1;
	vin.probe = &c.probe.found;
	vin.last_run = last_run;
	vin.heap_passes = hooked ? passes : 1;
	lg_verdict_package(&vin, p);
	lg_hook_manifest_release(&m);
out:
	lg_probe_release(&c.probe);
	free(last_run);
	lg_test2json_free(c.t2j);
	lg_capture_release(&c.err);
	lg_buf_release(&c.line);
	lg_buf_release(&errtext);
	lg_strv_free(env);
	free(argv);
	free(busy);
}

/*
 * --stress: the normal run passed; rerun the package's tests in the same
 * binary for up to the budget, in chunks of -test.count repetitions sized
 * from the measured time per repetition, rotating -test.cpu through 1, 2, 4
 * and the CPU count, each chunk shuffled with a recorded seed, until a chunk
 * ends in a failing verdict.  Only aggregates are kept; a failing chunk's
 * failed tests and checks replace the normal run's (a leak group the normal
 * run already had stays as it was, so a baseline that accepts it still
 * does).
 */
#define STRESS_MAX_COUNT 100000
#define STRESS_MIN_CHUNK 0.5  /* seconds a chunk should take */
#define STRESS_MAX_CHUNK 5.0
#define STRESS_FIRST_REP 0.002 /* seconds per repetition assumed for "0.00s" tests */
#define STRESS_MIN_REP 1e-5

/* Top-level test time of one repetition, from a run's test results. */
static double rep_seconds(const struct lg_package *p)
{
	double t = 0;
	size_t i;

	for (i = 0; i < p->ntests; i++)
		if (!strchr(p->tests[i].name, '/'))
			t += p->tests[i].elapsed;
	return t;
}

static int has_group(const struct lg_package *p, const char *sig)
{
	size_t i;

	for (i = 0; i < p->nleaks; i++)
		if (p->leaks[i].signature && sig && strcmp(p->leaks[i].signature, sig) == 0)
			return 1;
	return 0;
}

/*
 * A failing verdict the normal run `p` did not already have.  Heap growth is
 * judged on the normal run only: repetition multiplies whatever caches and
 * accepted (baselined) leaks keep, which is no new finding.
 */
static int chunk_failed(const struct lg_package *p, const struct lg_package *q)
{
	size_t i;

	for (i = 0; i < q->ntests; i++)
		if (q->tests[i].result == LG_TEST_FAIL || q->tests[i].result == LG_TEST_UNFINISHED)
			return 1;
	for (i = 0; i < q->nchecks; i++) {
		if (!lg_check_failed(&q->checks[i]))
			continue;
		if (q->checks[i].kind != LG_CHECK_LEAK && q->checks[i].kind != LG_CHECK_HEAP)
			return 1;
	}
	for (i = 0; i < q->nleaks; i++)
		if (!has_group(p, q->leaks[i].signature))
			return 1;
	return 0;
}

/* The first failing test of the chunk, else the test a failed check names. */
static const char *failing_test(const struct lg_package *q)
{
	size_t i;

	for (i = 0; i < q->ntests; i++)
		if (q->tests[i].result == LG_TEST_FAIL && !strchr(q->tests[i].name, '/'))
			return q->tests[i].name;
	for (i = 0; i < q->ntests; i++)
		if (q->tests[i].result == LG_TEST_FAIL || q->tests[i].result == LG_TEST_UNFINISHED)
			return q->tests[i].name;
	for (i = 0; i < q->nchecks; i++)
		if (lg_check_failed(&q->checks[i]) && q->checks[i].test)
			return q->checks[i].test;
	for (i = 0; i < q->nleaks; i++)
		if (!q->leaks[i].baselined && q->leaks[i].test)
			return q->leaks[i].test;
	return NULL;
}

static void swap_test(struct lg_test *a, struct lg_test *b)
{
	struct lg_test t = *a;

	*a = *b;
	*b = t;
}

/* Moves the failing chunk's verdicts into p (see above); q keeps the rest. */
static void take_failure(struct lg_package *p, struct lg_package *q)
{
	struct lg_check *checks = p->checks;
	size_t nchecks = p->nchecks, i, j;

	for (i = 0; i < q->ntests; i++) {
		struct lg_test *t = &q->tests[i];

		if (t->result != LG_TEST_FAIL && t->result != LG_TEST_UNFINISHED)
			continue;
		for (j = 0; j < p->ntests && strcmp(p->tests[j].name, t->name); j++)
			;
		if (j == p->ntests)
			lg_package_add_test(p);
		else if (p->tests[j].result == LG_TEST_FAIL || p->tests[j].result == LG_TEST_UNFINISHED)
			continue; /* one failed run of a test is enough */
		swap_test(&p->tests[j], t);
	}
	p->checks = q->checks;
	p->nchecks = q->nchecks;
	q->checks = checks;
	q->nchecks = nchecks;
	/* the normal run's heap check stands (see chunk_failed) */
	for (i = 0; i < p->nchecks; i++) {
		if (p->checks[i].kind != LG_CHECK_HEAP)
			continue;
		for (j = 0; j < q->nchecks && q->checks[j].kind != LG_CHECK_HEAP; j++)
			;
		if (j < q->nchecks && p->checks[i].status != LG_STATUS_SKIPPED) {
			struct lg_check t = p->checks[i];

			p->checks[i] = q->checks[j];
			q->checks[j] = t;
		}
	}
	for (i = 0; i < q->nleaks; i++) {
		if (has_group(p, q->leaks[i].signature))
			continue;
		p->leaks = lg_xrealloc(p->leaks, (p->nleaks + 1) * sizeof(*p->leaks));
		p->leaks[p->nleaks++] = q->leaks[i];
		memset(&q->leaks[i], 0, sizeof(q->leaks[i]));
	}
	p->exit_code = q->exit_code;
	p->term_signal = q->term_signal;
}

/* Repetitions of `test` in the chunk up to its first failure: how far it got. */
static int64_t runs_of(const struct lg_package *q, const char *test)
{
	int64_t n = 0;
	size_t i;

	for (i = 0; test && i < q->ntests; i++) {
		if (strcmp(q->tests[i].name, test))
			continue;
		n++;
		if (q->tests[i].result == LG_TEST_FAIL || q->tests[i].result == LG_TEST_UNFINISHED)
			break;
	}
	return n;
}

static char *shell_quote(const char *s)
{
	struct lg_buf b = LG_BUF_INIT;

	lg_buf_addch(&b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			lg_buf_adds(&b, "'\\''");
		else
			lg_buf_addch(&b, *s);
	}
	lg_buf_addch(&b, '\'');
	return lg_buf_detach(&b, NULL);
}

/* "^TestX$" for a test, "^TestX$/^sub$" for a subtest. */
static char *run_regex(const char *test)
{
	struct lg_buf b = LG_BUF_INIT;
	const char *p = test;

	while (*p) {
		size_t n = strcspn(p, "/");

		lg_buf_addf(&b, "%s^%.*s$", b.len ? "/" : "", (int)n, p);
		p += n;
		if (*p == '/')
			p++;
	}
	return lg_buf_detach(&b, NULL);
}

/* Says on each failed check and test that --stress found it, and how to rerun it. */
static void mark_stress_finding(struct lg_package *p, const struct lg_stress *s)
{
	char *line = lg_xasprintf("\nfound by --stress after %lld iterations (%s); reproduce:\n  %s\n",
				  (long long)s->iterations, s->exposed_by, s->command);
	size_t i;

	for (i = 0; i < p->nchecks; i++) {
		struct lg_check *c = &p->checks[i];
		char *d;

		if (!lg_check_failed(c))
			continue;
		d = lg_xasprintf("%s%s", c->detail ? c->detail : "", line);
		free(c->detail);
		c->detail = d;
	}
	for (i = 0; i < p->ntests; i++) {
		struct lg_test *t = &p->tests[i];
		char *o;

		if (t->result != LG_TEST_FAIL && t->result != LG_TEST_UNFINISHED)
			continue;
		o = lg_xasprintf("%s%s", t->output ? t->output : "", line);
		free(t->output);
		t->output = o;
	}
	free(line);
}

static void stress(struct pool *pl, const struct lg_gopkg *gp, struct lg_package *p,
		   const struct pkgstate *st, const char *dir)
{
	const struct lg_config *cfg = pl->o->cfg;
	int cpus[4], ncpus = 0, n = (int)sysconf(_SC_NPROCESSORS_ONLN), k, i;
	const int want[4] = { 1, 2, 4, n > 0 ? n : 1 };
	double start = lg_now(), per_rep;
	struct lg_stress *s = &p->stress;
	unsigned seed_base = (unsigned)time(NULL) ^ (unsigned)getpid() ^ (unsigned)(uintptr_t)p;

	s->budget = cfg->stress;
	if (cfg->stress <= 0)
		return;
	if (!p->ntests || chunk_failed(p, p)) {
		s->note = lg_xstrdup(p->ntests ? "not stressed: the normal run failed"
						: "not stressed: no tests ran");
		return;
	}
	for (k = 0; k < 4; k++) {
		for (i = 0; i < ncpus && cpus[i] != want[k]; i++)
			;
		if (i == ncpus)
			cpus[ncpus++] = want[k];
	}
	/* "0.00s" is anything below 5ms: start from a guess that cannot make
	 * the first chunk run far past its target */
	per_rep = rep_seconds(p);
	if (per_rep < STRESS_FIRST_REP)
		per_rep = STRESS_FIRST_REP;
	for (k = 0; !lg_proc_interrupted(); k++) {
		double left = cfg->stress - (lg_now() - start), target, chunk_start, took;
		struct lg_package q;
		char *extra[5], *cdir, *hookdir;
		long count;
		unsigned seed = seed_base + (unsigned)k * 2654435761u;

		if (left < 0.2)
			break;
		target = cfg->stress / 8;
		target = target < STRESS_MIN_CHUNK ? STRESS_MIN_CHUNK
		       : target > STRESS_MAX_CHUNK ? STRESS_MAX_CHUNK : target;
		if (target > left)
			target = left;
		count = (long)(target / per_rep);
		count = count < 1 ? 1 : count > STRESS_MAX_COUNT ? STRESS_MAX_COUNT : count;
		extra[0] = lg_xasprintf("-test.count=%ld", count);
		extra[1] = lg_xasprintf("-test.cpu=%d", cpus[k % ncpus]);
		extra[2] = lg_xasprintf("-test.shuffle=%u", seed);
		extra[3] = "-test.failfast"; /* the first failure ends the chunk */
		extra[4] = NULL;
		cdir = lg_xasprintf("%s/stress-%d", dir, k);
		hookdir = lg_xasprintf("%s/hook", cdir);
		memset(&q, 0, sizeof(q));
		q.import_path = lg_xstrdup(p->import_path);
		q.dir = lg_xstrdup(p->dir);
		q.rel_dir = lg_xstrdup(p->rel_dir);
		q.built = 1;
		chunk_start = lg_now();
		if (mkdir(cdir, 0700) == 0 && mkdir(hookdir, 0700) == 0) {
			/* a chunk that hangs is a finding: its deadline follows its size */
			double deadline = count * per_rep * 5 + 10 + cfg->settle;

			/* with ancestry: a leak found here must name its test */
			run_binary(pl, gp, &q, st, hookdir, extra,
				   deadline < cfg->timeout ? deadline : cfg->timeout, 1, 1);
		} else {
			s->note = lg_xstrdup("stress stopped: cannot create a work directory");
		}
		took = lg_now() - chunk_start;
		s->chunks++;
		if (!s->note && chunk_failed(p, &q)) {
			const char *t = failing_test(&q);
			char *re = t ? run_regex(t) : NULL, *qre = re ? shell_quote(re) : NULL;
			char *qdir = shell_quote(p->rel_dir ? p->rel_dir : ".");

			s->failed = 1;
			s->iterations += t ? runs_of(&q, t) : count;
			s->exposed_by = lg_xasprintf("-test.count=%ld -test.cpu=%d -test.shuffle=%u",
						     count, cpus[k % ncpus], seed);
			s->command = lg_xasprintf(
				"cd %s && go test -c -o stress.test . && ./stress.test%s%s "
				"-test.count=%ld -test.cpu=%d -test.shuffle=%u -test.v", qdir,
				qre ? " -test.run " : "", qre ? qre : "", count, cpus[k % ncpus], seed);
			take_failure(p, &q);
			mark_stress_finding(p, s);
			free(re);
			free(qre);
			free(qdir);
		} else if (!s->note) {
			s->iterations += count;
			/* measured, so chunks follow the real cost; test2json's 10ms
			 * resolution makes the tests' own times useless for small ones */
			per_rep = took / (double)count > STRESS_MIN_REP ? took / (double)count
									 : STRESS_MIN_REP;
		}
		lg_package_release(&q);
		for (i = 0; i < 3; i++)
			free(extra[i]);
		free(cdir);
		free(hookdir);
		if (s->failed || s->note)
			break;
	}
	s->seconds = lg_now() - start;
	{
		char *line = s->failed
			? lg_xasprintf("stress: failed after %lld iterations in %.1fs (%s); "
				       "reproduce: %s", (long long)s->iterations, s->seconds,
				       s->exposed_by, s->command)
			: lg_xasprintf("stress: %lld iterations in %d runs, %.1fs, no failure",
				       (long long)s->iterations, s->chunks, s->seconds);

		note(pl, p, line);
		free(line);
	}
}

static char *rel_dir(const char *root, const char *dir)
{
	size_t n = strlen(root);

	if (strcmp(root, dir) == 0)
		return lg_xstrdup(".");
	if (strncmp(dir, root, n) == 0 && dir[n] == '/')
		return lg_xstrdup(dir + n + 1);
	return lg_xstrdup(dir);
}

static void identify(struct pool *pl, size_t i)
{
	const struct lg_gopkg *gp = &pl->list->pkgs[i];
	struct lg_package *p = &pl->run->pkgs[i];

	p->import_path = lg_xstrdup(gp->import_path);
	p->dir = lg_xstrdup(gp->dir);
	p->rel_dir = rel_dir(pl->list->module_root, gp->dir);
}

/*
 * The first run of a package is lean: no tracebackancestors (which costs
 * clean packages up to half their time) and Go's default heap sampling.
 * A package whose leak or heap check failed is run once more with both,
 * and that run's evidence decides: the test behind a leak, the `go`
 * statement in the module, heap growth classified precisely.  Only the
 * packages that fail pay for it, and of those with leaks only the ones
 * whose groups the lean run could not attribute.
 */
/*
 * Every leak group already names its test and a `go` statement in the
 * module (a test's own `go` statement needs no ancestry to be seen): the
 * evidence run would add nothing to the leak verdict.
 */
static int attributed(const struct lg_package *p)
{
	size_t i;

	for (i = 0; i < p->nleaks; i++) {
		const struct lg_leak_group *g = &p->leaks[i];

		if (!g->test || !g->created_at.file || g->created_at.file[0] == '/')
			return 0;
	}
	return 1;
}

static int wants_evidence(const struct lg_package *p)
{
	size_t i;

	for (i = 0; i < p->nchecks; i++) {
		const struct lg_check *c = &p->checks[i];

		if (c->status != LG_STATUS_FAILED)
			continue;
		if (c->kind == LG_CHECK_HEAP || (c->kind == LG_CHECK_LEAK && !attributed(p)))
			return 1;
	}
	return 0;
}

#define SWAP(a, b) do { __typeof__(a) t_ = (a); (a) = (b); (b) = t_; } while (0)

/*
 * Takes the evidence run's leak and heap verdicts into p.  A leak that did
 * not come back in the evidence run keeps the first run's verdict (it
 * failed once: a leak that depends on timing is still a leak), with a note.
 */
static void take_evidence(struct lg_package *p, struct lg_package *q)
{
	struct lg_check *pl = lg_package_find_check(p, LG_CHECK_LEAK), *ql = lg_package_find_check(q, LG_CHECK_LEAK);
	struct lg_check *ph = lg_package_find_check(p, LG_CHECK_HEAP), *qh = lg_package_find_check(q, LG_CHECK_HEAP);
	struct lg_buf note = LG_BUF_INIT;

	p->run_seconds += q->run_seconds;
	if (q->hook != LG_HOOK_DONE || !pl || !ql || !ph || !qh) {
		p->evidence = LG_EVIDENCE_INCONCLUSIVE;
		return;
	}
	p->evidence = LG_EVIDENCE_USED;
	if (pl->status == LG_STATUS_FAILED && ql->status != LG_STATUS_FAILED) {
		lg_buf_adds(&note, pl->detail ? pl->detail : "");
		lg_buf_adds(&note, "\nleakgate ran the package again (with tracebackancestors) and "
				   "it did not leak then: a leak that depends on timing\n");
		free(pl->detail);
		pl->detail = lg_buf_detach(&note, NULL);
	} else {
		SWAP(*pl, *ql);
		SWAP(p->leaks, q->leaks);
		SWAP(p->nleaks, q->nleaks);
		SWAP(p->snapshot_note, q->snapshot_note);
		SWAP(p->snapshot_aggregated, q->snapshot_aggregated);
	}
	SWAP(*ph, *qh);
	SWAP(p->heap_sites, q->heap_sites);
	SWAP(p->nheap_sites, q->nheap_sites);
	SWAP(p->before, q->before);
	SWAP(p->after, q->after);
	SWAP(p->heap_growth, q->heap_growth);
	SWAP(p->heap_discounted, q->heap_discounted);
	SWAP(p->heap_method, q->heap_method);
	SWAP(p->heap_passes, q->heap_passes);
	lg_buf_release(&note);
}

/*
 * Runs the built binary again with the evidence settings and takes its
 * verdicts.  When the lean run's heap check failed, the tests run
 * --heap-passes times in the process so the heap check can judge growth per
 * pass; a pass that hangs must not cost the whole --timeout, so the deadline
 * is then a multiple of the lean run's time (the first pass's verdicts are
 * on disk by then, and a pass cut short leaves the per-pass method
 * inconclusive, never a pass).
 */
static void evidence_run(struct pool *pl, const struct lg_gopkg *gp, struct lg_package *p,
			 const struct pkgstate *st, const char *dir)
{
	char *hookdir = lg_xasprintf("%s/hook-evidence", dir);
	const struct lg_check *heap = lg_package_find_check(p, LG_CHECK_HEAP);
	const struct lg_config *cfg = pl->o->cfg;
	int passes = heap && heap->status == LG_STATUS_FAILED ? cfg->heap_passes : 1;
	double deadline = cfg->timeout;
	struct lg_package q;

	memset(&q, 0, sizeof(q));
	q.import_path = lg_xstrdup(p->import_path);
	q.dir = lg_xstrdup(p->dir);
	q.rel_dir = lg_xstrdup(p->rel_dir);
	if (mkdir(hookdir, 0700) == 0) {
		if (passes >= 2 && p->run_seconds * 3 * passes + 30 + cfg->settle * passes < deadline)
			deadline = p->run_seconds * 3 * passes + 30 + cfg->settle * passes;
		run_binary(pl, gp, &q, st, hookdir, NULL, deadline, 1, passes);
		take_evidence(p, &q);
	}
	lg_package_release(&q);
	free(hookdir);
}

/* Runs package i's test binary (the build phase is over). */
static void process(struct pool *pl, size_t i)
{
	const struct lg_gopkg *gp = &pl->list->pkgs[i];
	struct lg_package *p = &pl->run->pkgs[i];
	struct pkgstate *st = &pl->st[i];
	char *dir = NULL, *hookdir = NULL;

	if (gp->list_error) {
		build_failed(p, gp->list_error, NULL);
		goto out;
	}
	if (!gp->has_tests) {
		p->built = 1;
		p->no_tests = 1;
		goto out;
	}
	p->built = st->br.built;
	if (!p->built) {
		build_failed(p, st->br.output.len ? "test binary failed to build"
						 : "test binary was not built", &st->br.output);
		goto out;
	}
	dir = lg_xasprintf("%s/%zu", pl->workdir, i);
	hookdir = lg_xasprintf("%s/hook", dir);
	if (mkdir(dir, 0700) || mkdir(hookdir, 0700)) {
		build_failed(p, "cannot create a work directory", NULL);
		goto out;
	}
	run_binary(pl, gp, p, st, hookdir, NULL, pl->o->cfg->timeout, !pl->o->rerun, 1);
	st->lean_seconds = p->run_seconds;
	st->timed = p->run_seconds > 0 && !lg_proc_interrupted();
	if (pl->o->rerun && wants_evidence(p) && !lg_proc_interrupted()) {
		/* signatures leave ancestry out: a lean run's groups match a
		 * baseline recorded from an evidence run */
		if (pl->o->accepted && p->hook == LG_HOOK_DONE &&
		    pl->o->accepted(pl->o->accepted_ctx, pl->list->module_root, p))
			p->evidence = LG_EVIDENCE_BASELINED;
		else
			evidence_run(pl, gp, p, st, dir);
	}
	stress(pl, gp, p, st, dir);
out:
	free(dir);
	free(hookdir);
}

static void *worker(void *arg)
{
	struct pool *pl = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&pl->mu);
		i = pl->next < pl->list->n ? pl->order[pl->next] : pl->list->n;
		pl->next++;
		pthread_mutex_unlock(&pl->mu);
		if (i >= pl->list->n || lg_proc_interrupted())
			break;
		process(pl, i);
		pthread_mutex_lock(&pl->mu);
		pl->done++;
		if (pl->o->progress)
			pl->o->progress(pl->o->ctx, LG_EV_DONE, &pl->run->pkgs[i], pl->done,
					pl->list->n);
		pthread_mutex_unlock(&pl->mu);
	}
	return NULL;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

/* Packages the interrupted run never reached still get a result. */
static void mark_unrun(struct pool *pl)
{
	size_t i;

	for (i = 0; i < pl->list->n; i++) {
		struct lg_package *p = &pl->run->pkgs[i];

		if (p->built || p->nchecks || p->no_tests)
			continue;
		build_failed(p, "not run: leakgate was interrupted", NULL);
	}
}

/*
 * The build cache of this module and configuration: test binaries and the
 * hook overlay keep their paths between runs, so `go test -c` finds them up
 * to date and skips compiling and linking.  Safe to delete at any time.
 */
static char *cache_root(void)
{
	const char *base = getenv("LEAKGATE_CACHE"), *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");

	if (base && *base)
		return lg_xstrdup(base);
	if (xdg && *xdg == '/')
		return lg_xasprintf("%s/leakgate", xdg);
	if (home && *home == '/')
		return lg_xasprintf("%s/.cache/leakgate", home);
	return lg_xasprintf("/tmp/leakgate-cache-%ld", (long)getuid());
}

static char *cache_dir(const struct lg_runner_opts *o, const char *root, const char *module_root)
{
	static const char *const vars[] = { "GOFLAGS", "GOOS", "GOARCH", "CGO_ENABLED",
					    "GOEXPERIMENT", "GOTOOLCHAIN", "GOARM", "GOAMD64" };
	uint64_t h = LG_FNV_OFFSET;
	size_t i;

	h = lg_fnv1a(h, module_root);
	for (i = 0; i < o->goflags.nargs; i++)
		h = lg_fnv1a(h, o->goflags.args[i]);
	for (i = 0; i < LG_ARRAY_SIZE(vars); i++)
		h = lg_fnv1a(h, getenv(vars[i]));
	return lg_xasprintf("%s/%016llx", root, (unsigned long long)h);
}

/*
 * Groups buildable packages into batches whose binary names differ (one
 * `go test -c -o DIR/` writes <name>.test files); batch[i] = batch of i.
 */
static size_t plan_batches(struct pool *pl, int *batch)
{
	size_t i, j, nb = 0;

	for (i = 0; i < pl->list->n; i++) {
		char *name;

		batch[i] = -1;
		if (!pl->st[i].buildable)
			continue;
		name = lg_go_test_binary_name(pl->list->pkgs[i].import_path);
		batch[i] = 0;
		for (j = 0; j < i; j++) {
			char *other;

			if (batch[j] != batch[i])
				continue;
			other = lg_go_test_binary_name(pl->list->pkgs[j].import_path);
			if (strcmp(name, other) == 0) {
				batch[i]++;
				j = (size_t)-1; /* restart: the new batch may clash too */
			}
			free(other);
		}
		if ((size_t)batch[i] + 1 > nb)
			nb = (size_t)batch[i] + 1;
		free(name);
	}
	return nb;
}

/* Builds batch k: overlay for the injected packages, then one go test -c. */
static void build_batch(struct pool *pl, const int *batch, int k)
{
	const struct lg_gopkg **pkgs = lg_xcalloc(pl->list->n, sizeof(*pkgs));
	struct lg_hook_target *targets = lg_xcalloc(pl->list->n, sizeof(*targets));
	struct lg_gobuild_result *res = lg_xcalloc(pl->list->n, sizeof(*res));
	size_t *idx = lg_xcalloc(pl->list->n, sizeof(*idx));
	char *hookdir = lg_xasprintf("%s/hook", pl->cachedir);
	char *overlay = lg_xasprintf("%s/overlay-%d.json", pl->cachedir, k);
	char *outdir = lg_xasprintf("%s/bin/%d", pl->cachedir, k);
	size_t n = 0, nt = 0, i;
	double secs = 0;
	struct lg_err err;
	int failed = 0;

	for (i = 0; i < pl->list->n; i++) {
		if (batch[i] != k)
			continue;
		idx[n] = i;
		pkgs[n] = &pl->list->pkgs[i];
		lg_buf_init(&res[n].output);
		if (pl->st[i].inject) {
			targets[nt].pkg_dir = pkgs[n]->dir;
			targets[nt].clause = pl->st[i].clause;
			targets[nt].with_main = pl->st[i].via == LG_VIA_INJECTED;
			targets[nt++].replace = pl->st[i].rw.replace;
		}
		n++;
	}
	notify(pl, LG_EV_BUILD, &pl->run->pkgs[idx[0]]);
	if (lg_mkdir_p(hookdir, 0700, NULL) || lg_mkdir_p(outdir, 0700, NULL)) {
		failed = lg_error(&err, "cannot create the build cache '%s': %s", pl->cachedir,
				  strerror(errno));
	} else if (nt && lg_hook_write_overlay(hookdir, targets, nt, overlay, &err)) {
		failed = -1;
	} else if (lg_go_build_tests(pkgs, n, pl->list->module_root, &pl->o->goflags,
				     nt ? overlay : NULL, outdir, res, &secs, &err)) {
		failed = -1;
	}
	for (i = 0; i < n; i++) {
		struct pkgstate *st = &pl->st[idx[i]];

		if (failed) {
			lg_buf_reset(&res[i].output);
			lg_buf_adds(&res[i].output, err.msg);
		}
		st->br = res[i];
		/* go test -c builds a batch in one process and times none of its
		 * packages: rather than a made-up share, the batch's time, marked */
		pl->run->pkgs[idx[i]].build_batched = n > 1;
		pl->run->pkgs[idx[i]].build_seconds = n > 1 ? 0 : secs;
		pl->run->pkgs[idx[i]].build_batch_seconds = secs;
	}
	free(pkgs);
	free(targets);
	free(res);
	free(idx);
	free(hookdir);
	free(overlay);
	free(outdir);
}

/*
 * Longest first: the order the workers start packages in, from the times
 * the last run recorded in the build cache (schedule.h).  A times file
 * that cannot be used is noted and leaves the go list order; cannot fail.
 */
static void plan_order(struct pool *pl, struct lg_sched_times *times)
{
	char *file = lg_xasprintf("%s/%s", pl->cachedir, LG_SCHED_TIMES_FILE);
	char *why = lg_sched_times_read(times, file);
	double *expected = lg_xcalloc(pl->list->n ? pl->list->n : 1, sizeof(*expected));
	size_t i;

	if (why)
		note(pl, NULL, why);
	for (i = 0; i < pl->list->n; i++)
		expected[i] = lg_sched_expected(times, pl->list->pkgs[i].import_path);
	pl->order = lg_xcalloc(pl->list->n ? pl->list->n : 1, sizeof(*pl->order));
	lg_sched_order(expected, pl->list->n, pl->order);
	free(expected);
	free(why);
	free(file);
}

/*
 * Records the measured time of every package whose first run finished
 * (lean time, and whether it needed an evidence run) for the next run's
 * order; the other packages keep what was recorded.  A file of a newer
 * leakgate is left alone; one that cannot be written is noted, no failure.
 */
static void record_times(struct pool *pl, struct lg_sched_times *times)
{
	char *file = lg_xasprintf("%s/%s", pl->cachedir, LG_SCHED_TIMES_FILE);
	struct lg_err err;
	size_t i, n = 0;

	for (i = 0; i < pl->list->n; i++) {
		const struct lg_package *p = &pl->run->pkgs[i];

		if (!pl->st[i].timed)
			continue;
		lg_sched_times_set(times, p->import_path, pl->st[i].lean_seconds,
				   p->evidence == LG_EVIDENCE_USED ||
				   p->evidence == LG_EVIDENCE_INCONCLUSIVE);
		n++;
	}
	if (n && !times->newer && lg_sched_times_write(times, file, &err)) {
		char *line = lg_xasprintf("package times not recorded: %s", err.msg);

		note(pl, NULL, line);
		free(line);
	}
	free(file);
}

static void start_pool(struct pool *pl, int jobs)
{
	pthread_t *th = lg_xcalloc((size_t)jobs, sizeof(*th));
	int i, started = 0;

	for (i = 0; i < jobs; i++) {
		if (pthread_create(&th[i], NULL, worker, pl) != 0)
			break;
		started++;
	}
	if (!started)
		worker(pl);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	free(th);
}

/*
 * Packages with a TestMain of their own: the rewriter decides, for all of
 * them in one call, how the hook gets in.  Without the rewriter (--no-rewrite,
 * or it could not be built) each gets the reason its leak checks are skipped.
 */
static void rewrite_testmains(struct pool *pl)
{
	struct lg_rewrite_in *in = lg_xcalloc(pl->list->n + 1, sizeof(*in));
	struct lg_rewrite_out *out = lg_xcalloc(pl->list->n + 1, sizeof(*out));
	size_t *idx = lg_xcalloc(pl->list->n + 1, sizeof(*idx));
	char **files = lg_xcalloc(pl->list->n + 1, sizeof(*files));
	char *root = NULL, *tool = NULL;
	struct lg_err err;
	size_t n = 0, i;

	for (i = 0; i < pl->list->n; i++) {
		const struct lg_gopkg *gp = &pl->list->pkgs[i];
		size_t ng = lg_strv_len(gp->gofiles), nt = lg_strv_len(gp->testgofiles);
		char **both;

		if (!pl->o->inject || !gp->own_testmain || !pl->st[i].buildable)
			continue;
		if (!pl->o->rewrite && gp->calls_hook) {
			pl->st[i].via = LG_VIA_USER;
			continue;
		}
		if (!pl->o->rewrite) {
			pl->st[i].rw.reason = lg_xstrdup(
				"leak checks skipped: the package has its own TestMain and "
				"--no-rewrite is set (call leakgatehook.Run(m) from it)");
			continue;
		}
		both = lg_xcalloc(ng + nt + 1, sizeof(*both));
		memcpy(both, gp->gofiles, ng * sizeof(*both));
		memcpy(both + ng, gp->testgofiles, nt * sizeof(*both));
		files[n] = (char *)both;
		in[n].dir = gp->dir;
		in[n].files = both;
		in[n].xfiles = gp->xtestgofiles;
		in[n].out = lg_xasprintf("%s/rewrite/%zu-%016llx", pl->cachedir, i,
					 (unsigned long long)lg_fnv1a(LG_FNV_OFFSET, gp->dir));
		idx[n++] = i;
	}
	if (!n)
		goto out;
	root = cache_root();
	if (lg_rewrite_tool(root, pl->list->go_version, pl->o->goflags.timeout, &tool, &err) ||
	    lg_rewrite_run(tool, pl->workdir, pl->list->module_root, in, n,
			   pl->o->goflags.timeout, out, &err)) {
		for (i = 0; i < n; i++) {
			lg_rewrite_out_release(&out[i]);
			out[i].via = LG_VIA_NONE;
			out[i].reason = lg_xasprintf("leak checks skipped: TestMain not rewritten: %s",
						     err.msg);
		}
	}
	for (i = 0; i < n; i++) {
		struct pkgstate *st = &pl->st[idx[i]];
		const struct lg_gopkg *gp = &pl->list->pkgs[idx[i]];

		st->rw = out[i];
		st->via = out[i].via;
		if (st->via == LG_VIA_REWRITTEN) {
			st->inject = 1;
			st->clause = lg_xstrdup(out[i].hook_package);
		} else if (st->via == LG_VIA_INJECTED) {
			st->inject = 1;
			st->clause = lg_xasprintf("%s_test", gp->name);
		} else if (st->via == LG_VIA_NONE) {
			char *r = st->rw.reason;

			st->rw.reason = lg_xasprintf("leak checks skipped: %s", r ? r : "no reason given");
			free(r);
		}
	}
out:
	for (i = 0; i < n; i++) {
		free(files[i]);
		free((char *)in[i].out);
	}
	free(files);
	free(in);
	free(out);
	free(idx);
	free(root);
	free(tool);
}

/* The build phase, under a lock so concurrent leakgates share the cache safely. */
static void build_all(struct pool *pl)
{
	int *batch = lg_xcalloc(pl->list->n ? pl->list->n : 1, sizeof(int));
	char *lockpath = NULL;
	size_t nb, k, i;
	int lock = -1;

	for (i = 0; i < pl->list->n; i++) {
		const struct lg_gopkg *gp = &pl->list->pkgs[i];
		struct pkgstate *st = &pl->st[i];

		st->buildable = gp->has_tests && !gp->list_error;
		lg_buf_init(&st->br.output);
		if (!pl->o->inject) {
			st->via = LG_VIA_NONE;
			st->rw.reason = lg_xstrdup("leak checks disabled (--no-hook)");
		} else if (gp->own_testmain) {
			st->via = LG_VIA_NONE; /* rewrite_testmains decides */
		} else {
			st->via = LG_VIA_INJECTED;
			st->inject = 1;
			st->clause = lg_xasprintf("%s_test", gp->name);
		}
	}
	rewrite_testmains(pl);
	nb = plan_batches(pl, batch);
	if (nb && !lg_mkdir_p(pl->cachedir, 0700, NULL)) {
		lockpath = lg_xasprintf("%s/lock", pl->cachedir);
		lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lock >= 0)
			flock(lock, LOCK_EX);
	}
	for (k = 0; k < nb && !lg_proc_interrupted(); k++)
		build_batch(pl, batch, (int)k);
	if (lock >= 0)
		close(lock);
	free(lockpath);
	free(batch);
}

int lg_runner_run(const struct lg_runner_opts *o, struct lg_run *run, struct lg_err *err)
{
	struct lg_golist list;
	struct lg_sched_times times;
	struct pool pl;
	const char *tmp = getenv("TMPDIR");
	double start = lg_now();
	size_t i;
	int ret;

	memset(&pl, 0, sizeof(pl));
	memset(&list, 0, sizeof(list));
	run->started_unix = (int64_t)time(NULL);
	ret = lg_go_list(o->patterns, o->npatterns, &o->goflags, &list, err);
	if (ret)
		goto out;
	if (o->cfg->leaks == LG_LEAKS_PROVEN &&
	    !lg_go_has_leak_profile(list.go_version, list.go_experiment)) {
		/* before building anything: every package would fail the same way */
		ret = lg_error(err, "--leaks proven needs Go's goroutineleak profile, which %s "
				    "(GOEXPERIMENT=\"%s\") does not have: use Go 1.27 or later, or "
				    "Go 1.26 with GOEXPERIMENT=goroutineleakprofile (or --leaks alive)",
			       list.go_version, list.go_experiment ? list.go_experiment : "");
		goto out;
	}
	lg_shard_apply(&list, &o->shard, o->shard_times_dir); /* other shards' packages go */
	run->module_path = lg_xstrdup(list.module_path);
	run->module_root = lg_xstrdup(list.module_root);
	run->go_version = lg_xstrdup(list.go_version ? list.go_version : "");
	pl.workdir = lg_xasprintf("%s/leakgate-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(pl.workdir)) {
		ret = lg_error(err, "cannot create a work directory in '%s': %s",
			       tmp && *tmp ? tmp : "/tmp", strerror(errno));
		goto out;
	}
	run->pkgs = lg_xcalloc(list.n, sizeof(*run->pkgs));
	run->npkgs = list.n;
	pl.o = o;
	pl.list = &list;
	pl.run = run;
	pl.st = lg_xcalloc(list.n ? list.n : 1, sizeof(*pl.st));
	{
		char *root = cache_root();

		char *real;

		pl.cachedir = cache_dir(o, root, list.module_root);
		free(root);
		/* Canonical, so paths built on it compare with what Go tools print
		 * (a LEAKGATE_CACHE with ".." or a symlink would not). */
		if (!lg_mkdir_p(pl.cachedir, 0700, NULL) && (real = realpath(pl.cachedir, NULL))) {
			free(pl.cachedir);
			pl.cachedir = real;
		}
	}
	for (i = 0; i < list.n; i++)
		identify(&pl, i);
	pthread_mutex_init(&pl.mu, NULL);
	build_all(&pl);
	lg_sched_times_init(&times, list.module_root);
	plan_order(&pl, &times);
	start_pool(&pl, o->jobs > 0 ? o->jobs : 1);
	record_times(&pl, &times);
	lg_sched_times_release(&times);
	pthread_mutex_destroy(&pl.mu);
	mark_unrun(&pl);
	if (!o->keep_tmp) {
		nftw(pl.workdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	} else if (o->note) {
		char *line = lg_xasprintf("work directory kept in %s (test binaries in %s/bin)",
					  pl.workdir, pl.cachedir);

		o->note(o->ctx, NULL, line);
		free(line);
	}
out:
	run->seconds = lg_now() - start;
	for (i = 0; pl.st && i < list.n; i++) {
		lg_gobuild_result_release(&pl.st[i].br);
		lg_rewrite_out_release(&pl.st[i].rw);
		free(pl.st[i].clause);
	}
	free(pl.st);
	free(pl.order);
	free(pl.cachedir);
	free(pl.workdir);
	lg_golist_release(&list);
	return ret;
}
