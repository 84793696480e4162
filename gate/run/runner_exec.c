/*
 * runner_exec.c — starting one built test binary the way the gate runs it:
 * its environment (GODEBUG, GOTRACEBACK and the hook protocol's variables),
 * its arguments, the outside deadline and its grace period, and the
 * deadlock probes every tick.  What the binary prints goes to the
 * collector of runner_judge.c, and once it has ended lg_runner_judge turns
 * it into checks: the same code a recorded run goes through.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "hook_manifest.h"
#include "probe.h"
#include "runner_int.h"

extern char **environ;

/* Longest postponement of the SIGKILL past --grace while a dump is in progress. */
#define LG_GRACE_DUMP_EXTRA 60.0

/* One binary while it runs: its collector and its deadlock probes. */
struct live {
	struct pool *pl;
	struct lg_package *p;
	struct lg_runner_collect col;
	struct lg_probe probe;
	int probe_told; /* the finding was shown live */
};

/*
 * Every ~50ms while the binary runs: the deadlock probes (probe.h).  A
 * finding is shown at once, so a suspected deadlock that runs on to the
 * deadline is seen in seconds.
 */
static int on_tick(void *ctx, int pid, double elapsed)
{
	struct live *c = ctx;
	const char **names;
	size_t n = lg_test2json_running(c->col.t2j, &names);
	enum lg_probe_action a = lg_probe_tick(&c->probe, c->p->sched, c->p->nsched,
					       (const char *const *)names, n, elapsed);

	if (c->probe.found.kind != LG_PROBE_NONE && !c->probe_told) {
		char *line = lg_xasprintf("%s (after %.1fs%s)", c->probe.found.message,
					  c->probe.found.seconds,
					  a == LG_PROBE_STOP ? "; stopping the test binary"
					  : "; running on to the deadline, --fail-fast-deadlock stops it");

		c->probe_told = 1;
		lg_runner_note(c->pl, c->p, line);
		free(line);
	}
	if (a == LG_PROBE_SIGNAL)
		kill((pid_t)pid, SIGUSR1);
	return a == LG_PROBE_STOP;
}

/* lg_proc_run's output callbacks: into the collector (runner_judge.c). */
static void on_stdout(void *ctx, const char *data, size_t len)
{
	struct live *c = ctx;

	lg_runner_collect_stdout(&c->col, data, len);
}

static void on_stderr(void *ctx, const char *data, size_t len)
{
	struct live *c = ctx;

	lg_runner_collect_stderr(&c->col, data, len);
}

/* 1 when the GODEBUG value (may be NULL) sets `key`. */
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

int lg_runner_ancestry(const struct lg_config *cfg, int settings)
{
	if (!(settings & LG_RUN_ANCESTRY))
		return 0;
	return settings & LG_RUN_DEEP_ANCESTRY ? LG_ANCESTORS_DEEP : cfg->ancestors;
}

int lg_runner_user_ancestry(void)
{
	return has_key(getenv("GODEBUG"), "tracebackancestors");
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
			int hooked, int settings, int passes)
{
	char **env = NULL, *gd = godebug_value(cfg, lg_runner_ancestry(cfg, settings));
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
	if ((settings & LG_RUN_FINE_HEAP) && cfg->mem_profile_rate > 0)
		env[n++] = lg_xasprintf("LEAKGATE_MEMPROFILERATE=%d", cfg->mem_profile_rate);
	else if (!(settings & LG_RUN_FINE_HEAP))
		env[n++] = lg_xasprintf("LEAKGATE_MEMPROFILERATE=%d", LG_LEAN_MEM_PROFILE_RATE);
	if (passes >= 2)
		env[n++] = lg_xasprintf("LEAKGATE_HEAP_PASSES=%d", passes);
	env[n] = NULL;
	free(gd);
	return env;
}

int lg_runner_user_run_flag(const struct lg_runner_opts *o)
{
	size_t i;

	for (i = 0; i < o->ntest_args; i++) {
		const char *a = o->test_args[i] + (o->test_args[i][0] == '-');

		a += *a == '-';
		if (lg_starts_with(a, "test.run") && (a[8] == '\0' || a[8] == '='))
			return 1;
	}
	return 0;
}

/*
 * The binary's arguments: the gate's, the user's, then `extra` (they win).
 * With `starts` (the testdeps route) and no -test.run of the user's,
 * -test.run=. makes testing hand each top-level test's name to
 * TestDeps.MatchString, where the hook records the test starts; it matches
 * every test, example and fuzz target, as no -test.run does.
 */
static char **binary_argv(const struct lg_runner_opts *o, const char *binary,
			  char *const *extra, int starts)
{
	char **argv = lg_xcalloc(o->ntest_args + lg_strv_len(extra) + 6, sizeof(char *));
	size_t n = 0, i;

	argv[n++] = (char *)binary;
	argv[n++] = "-test.timeout=0";
	argv[n++] = "-test.v=test2json";
	/* as go test: os.Exit(0) during the tests panics; the testdeps route
	   of the hook (hook.h) also starts and ends on this setting */
	argv[n++] = "-test.paniconexit0";
	if (starts && !lg_runner_user_run_flag(o))
		argv[n++] = "-test.run=.";
	for (i = 0; i < o->ntest_args; i++)
		argv[n++] = o->test_args[i];
	for (i = 0; extra && extra[i]; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	return argv;
}

/*
 * Whether a run of a package whose TestMain was left as it is needs the
 * rewriter's answer (lg_runner_rewrite_one) to be judged: 2 when the hook
 * wrote no usable manifest (the rewriter says why), 1 when goroutines were
 * left after the hook's settle wait, or may have been (a settle that only
 * counted them), for goleak's options may ignore them; else 0.
 */
static int needs_rewriter(const char *hookdir)
{
	struct lg_hook_manifest m;
	struct lg_err err;
	int need = lg_hook_read_manifest(hookdir, &m, &err) || m.phase != LG_HOOK_DONE ? 2
		   : m.settle_remaining > 0 || m.settle_counted;

	lg_hook_manifest_release(&m);
	return need;
}

void lg_runner_run_binary(struct pool *pl, const struct lg_gopkg *gp, struct lg_package *p,
			  const struct pkgstate *st, const char *hookdir, char *const *extra,
			  double timeout, int settings, int passes)
{
	const struct lg_runner_opts *o = pl->o;
	struct live c;
	struct lg_proc_opts po;
	struct lg_proc_result r;
	struct lg_runner_judge_opts jo;
	struct lg_err err;
	int hooked = st->via != LG_VIA_NONE || gp->calls_hook;
	char **env = build_env(o->cfg, hookdir, gp->dir, hooked, settings, hooked ? passes : 1);
	char **argv = binary_argv(o, st->br.binary, extra, hooked && st->testdeps);
	struct lg_probe_opts pro;
	const struct pkgstate *rw;
	char *busy = NULL;
	size_t idx;
	int need;

	memset(&c, 0, sizeof(c));
	c.pl = pl;
	c.p = p;
	memset(&pro, 0, sizeof(pro));
	pro.after = hooked ? o->cfg->deadlock_after : 0;
	pro.fail_fast = o->cfg->fail_fast_deadlock;
	pro.hookdir = hookdir;
	pro.module_root = pl->list->module_root;
	pro.read_sources = 1;
	lg_probe_init(&c.probe, &pro);
	lg_runner_collect_init(&c.col, p, 0, 0);
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
	lg_runner_notify(pl, LG_EV_RUN, p);
	if (lg_proc_run(&po, &r, &err)) {
		lg_runner_build_failed(p, err.msg, NULL);
		goto out;
	}
	idx = (size_t)(gp - pl->list->pkgs);
	if (pl->st[idx].rw_pending && (need = needs_rewriter(hookdir)))
		lg_runner_rewrite_one(pl, idx, need == 2);
	/* what the rewriter said is in the pool's state, not in a copy of it */
	rw = &pl->st[idx];
	memset(&jo, 0, sizeof(jo));
	jo.cfg = o->cfg;
	jo.module_root = pl->list->module_root;
	jo.hookdir = hookdir;
	jo.via = rw->via;
	jo.via_reason = rw->rw.reason;
	jo.via_notes = (const char *const *)rw->rw.notes;
	jo.extra_ignores = rw->rw.ignores;
	jo.nextra_ignores = rw->rw.nignores;
	jo.heap_passes = hooked ? passes : 1;
	jo.read_sources = 1;
	lg_runner_judge(&c.col, &jo, &r, &c.probe.found);
out:
	lg_probe_release(&c.probe);
	lg_runner_collect_release(&c.col);
	lg_strv_free(env);
	free(argv);
	free(busy);
}
