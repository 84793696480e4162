/*
 * verdict.c — from a finished test binary to gate checks.
 *
 * Order matters: a hang (our deadline) explains everything after it, a
 * global deadlock is a crash with a name, and leak/heap checks run only on
 * a complete hook manifest.  Whatever could not be checked is reported as
 * skipped with the reason, so a package never passes silently unchecked.
 */
#define _GNU_SOURCE /* memmem */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "heapgrowth.h"
#include "leak.h"
#include "owner.h"
#include "pprof.h"
#include "schedtrace.h"
#include "dump.h"
#include "verdict.h"

#define HEAP_TOP_SITES 5
#define HEAP_SHOWN_DISCOUNT (10 << 10) /* smaller discounts: detail only */

/* The first unfinished test, which is what was running when it broke. */
static const char *running_test(const struct lg_package *p)
{
	size_t i;

	for (i = 0; i < p->ntests; i++)
		if (p->tests[i].result == LG_TEST_UNFINISHED)
			return p->tests[i].name;
	return NULL;
}

/* The running test, else the last one test2json saw start. */
static const char *running_or_last(const struct lg_verdict_in *in, const struct lg_package *p)
{
	const char *t = running_test(p);

	return t ? t : in->t2j_complete ? NULL : in->last_run;
}

static void running_list(const struct lg_verdict_in *in, const struct lg_package *p,
			 struct lg_buf *out)
{
	size_t i, n = 0;

	for (i = 0; i < p->ntests; i++) {
		if (p->tests[i].result != LG_TEST_UNFINISHED)
			continue;
		lg_buf_addf(out, "%s%s", n++ ? ", " : "", p->tests[i].name);
	}
	if (!n && in && in->last_run && !in->t2j_complete)
		lg_buf_addf(out, "%s (the last test started; past the record cap)", in->last_run);
	else if (!n)
		lg_buf_adds(out, "(none reported)");
}

static int frame_in_module(const struct lg_frame *f, const char *root)
{
	return lg_owner_in_module(f->file, root) && !lg_owner_hook_frame(f);
}

/* Location of the innermost module frame of `g`. */
static int goroutine_loc(const struct lg_goroutine *g, const char *root, struct lg_location *loc)
{
	size_t i;

	for (i = 0; i < g->nframes; i++) {
		if (frame_in_module(&g->frames[i], root)) {
			loc->file = lg_relpath(root, g->frames[i].file);
			loc->line = g->frames[i].line;
			return 1;
		}
	}
	return 0;
}

static int runs_test(const struct lg_goroutine *g, const char *test)
{
	size_t i, n = strlen(test);

	for (i = 0; i < g->nframes; i++) {
		char *t = lg_owner_test_from_func(g->frames[i].func);
		int hit = t && strncmp(t, test, n) == 0 && (test[n] == '\0' || test[n] == '/');

		hit = hit || (t && strncmp(test, t, strlen(t)) == 0 &&
			      (test[strlen(t)] == '\0' || test[strlen(t)] == '/'));
		free(t);
		if (hit)
			return 1;
	}
	return 0;
}

/* Where the test `test` was stuck or crashed, else the first goroutine. */
static void dump_loc(const struct lg_dump *d, const char *test, const char *root,
		     struct lg_location *loc)
{
	size_t i;

	for (i = 0; test && i < d->n; i++)
		if (runs_test(&d->g[i], test) && goroutine_loc(&d->g[i], root, loc))
			return;
	for (i = 0; i < d->n; i++)
		if (goroutine_loc(&d->g[i], root, loc))
			return;
}

static void add_bad_lines(const struct lg_dump *d, const char *name, struct lg_buf *out)
{
	size_t i;

	if (!d->bad_lines)
		return;
	lg_buf_addf(out, "\nnote: %zu line%s of %s not understood:\n", d->bad_lines,
		    d->bad_lines == 1 ? "" : "s", name);
	for (i = 0; i < d->nbad; i++)
		lg_buf_addf(out, "  %s:%zu: %s\n", name, d->bad[i].line, d->bad[i].text);
}

static void set_check(struct lg_check *c, const char *test, struct lg_buf *msg,
		      struct lg_buf *detail)
{
	c->message = lg_buf_detach(msg, NULL);
	c->detail = lg_buf_detach(detail, NULL);
	c->test = test ? lg_xstrdup(test) : NULL;
}

static void hang_check(const struct lg_verdict_in *in, struct lg_package *p,
		       const struct lg_dump *d)
{
	struct lg_check *c = lg_package_add_check(p, LG_CHECK_HANG, LG_STATUS_ERROR);
	struct lg_buf msg = LG_BUF_INIT, detail = LG_BUF_INIT, why = LG_BUF_INIT;
	const char *test = running_or_last(in, p);
	const struct lg_probe_finding *f = in->probe;
	size_t i, from;
	int idle;

	if (f && f->kind == LG_PROBE_SUSPECTED)
		lg_buf_addf(&msg, "%s (first seen %.1fs after start); ", f->message, f->seconds);
	lg_buf_addf(&msg, "test binary did not finish within %.0fs; still running: ",
		    in->cfg->timeout);
	running_list(in, p, &msg);
	if (f && f->kind == LG_PROBE_SUSPECTED)
		lg_buf_addf(&detail, "%s\n", f->detail);
	idle = lg_sched_judge(p->sched, p->nsched, 3, &why) == LG_SCHED_IDLE;
	if (in->proc->children_at_deadline > 0)
		lg_buf_addf(&why, "%s%d child process%s still running", why.len ? "; " : "",
			    in->proc->children_at_deadline,
			    in->proc->children_at_deadline == 1 ? " was" : "es were");
	else if (idle && lg_leak_dump_deadlock_like(d, in->module_root, in->read_sources))
		lg_buf_adds(&why, "; every goroutine in the dump waits on a channel, lock, "
				  "WaitGroup or Cond: deadlock-like");
	lg_buf_addf(&detail, "scheduler: %s\n", why.len ? why.buf
		    : in->hook->phase == LG_HOOK_ABSENT && in->via == LG_VIA_NONE
		    ? "no schedtrace samples (without the hook leakgate leaves GODEBUG alone)"
		    : "no schedtrace samples");
	from = p->nsched > 5 ? p->nsched - 5 : 0;
	for (i = from; i < p->nsched; i++) {
		const struct lg_sched_sample *s = &p->sched[i];

		lg_buf_addf(&detail, "  SCHED %.0fms: gomaxprocs=%d idleprocs=%d threads=%d "
				     "runqueue=%d\n", s->ms, s->gomaxprocs, s->idleprocs,
			    s->threads, s->runqueue);
	}
	if (d->n) {
		lg_buf_adds(&detail, "\ngoroutines at the deadline (SIGQUIT dump), grouped:\n\n");
		lg_leak_summarise_dump(d, in->module_root, &detail);
	} else {
		lg_buf_addf(&detail, "\nno goroutine dump: the binary %s\n",
			    in->proc->killed ? "ignored SIGQUIT and was killed after the grace period"
					     : "printed none");
	}
	if (in->proc->grace_extended > 0)
		lg_buf_addf(&detail, "\nthe SIGKILL was postponed %.1fs past the grace period: "
				     "the binary was still dumping goroutines\n",
			    in->proc->grace_extended);
	add_bad_lines(d, "stderr", &detail);
	dump_loc(d, test, in->module_root, &c->loc);
	set_check(c, test, &msg, &detail);
	lg_buf_release(&why);
}

/*
 * The deadlock probes found a deadlock and the runner stopped the binary
 * for it: a deadlock check in seconds instead of a hang at the deadline.
 */
static void probe_check(const struct lg_verdict_in *in, struct lg_package *p,
			const struct lg_dump *d)
{
	const struct lg_probe_finding *f = in->probe;
	struct lg_check *c = lg_package_add_check(p, LG_CHECK_DEADLOCK, LG_STATUS_ERROR);
	struct lg_buf msg = LG_BUF_INIT, detail = LG_BUF_INIT;

	lg_buf_adds(&msg, f->message);
	lg_buf_addf(&detail, "%s\nleakgate stopped the test binary %.1fs after it started "
			     "(SIGQUIT, then SIGKILL after the grace period).\n", f->detail,
		    f->seconds);
	if (d->n) {
		lg_buf_adds(&detail, "\ngoroutines at the stop (SIGQUIT dump), grouped:\n\n");
		lg_leak_summarise_dump(d, in->module_root, &detail);
	}
	if (f->loc.file) {
		c->loc.file = lg_xstrdup(f->loc.file);
		c->loc.line = f->loc.line;
	} else {
		dump_loc(d, f->test, in->module_root, &c->loc);
	}
	set_check(c, f->test, &msg, &detail);
}

static void deadlock_check(const struct lg_verdict_in *in, struct lg_package *p,
			   const struct lg_dump *d)
{
	struct lg_check *c = lg_package_add_check(p, LG_CHECK_DEADLOCK, LG_STATUS_ERROR);
	struct lg_buf msg = LG_BUF_INIT, detail = LG_BUF_INIT;
	const char *test = running_or_last(in, p);

	lg_buf_adds(&msg, "all goroutines are asleep - deadlock!");
	if (test)
		lg_buf_addf(&msg, " (in %s)", test);
	lg_buf_adds(&detail, "fatal error: all goroutines are asleep - deadlock!\n\n");
	lg_leak_summarise_dump(d, in->module_root, &detail);
	add_bad_lines(d, "stderr", &detail);
	dump_loc(d, test, in->module_root, &c->loc);
	set_check(c, test, &msg, &detail);
}

static const char *signal_name(int sig)
{
	switch (sig) {
	case SIGKILL: return "SIGKILL";
	case SIGABRT: return "SIGABRT";
	case SIGSEGV: return "SIGSEGV";
	case SIGQUIT: return "SIGQUIT";
	case SIGTERM: return "SIGTERM";
	case SIGINT: return "SIGINT";
	case SIGBUS: return "SIGBUS";
	default: return "signal";
	}
}

/* The test whose function is on the first goroutine's stack (the panicking one). */
static char *test_in_dump(const struct lg_dump *d)
{
	size_t i;
	char *t = NULL;

	for (i = 0; d->n && !t && i < d->g[0].nframes; i++)
		t = lg_owner_test_from_func(d->g[0].frames[i].func);
	return t;
}

static void crash_check(const struct lg_verdict_in *in, struct lg_package *p,
			const struct lg_dump *d)
{
	struct lg_check *c = lg_package_add_check(p, LG_CHECK_CRASH, LG_STATUS_ERROR);
	struct lg_buf msg = LG_BUF_INIT, detail = LG_BUF_INIT;
	char *from_dump = running_test(p) ? NULL : test_in_dump(d);
	const char *test = from_dump ? from_dump : running_or_last(in, p);
	const struct lg_proc_result *r = in->proc;

	if (d->message)
		lg_buf_addf(&msg, "%s%s", d->kind == LG_DUMP_PANIC ? "panic: " :
					  d->kind == LG_DUMP_FATAL ? "fatal error: " : "",
			    d->message);
	else if (r->term_signal)
		lg_buf_addf(&msg, "killed by %s (signal %d)", signal_name(r->term_signal),
			    r->term_signal);
	else
		lg_buf_addf(&msg, "test binary exited with status %d before reporting a result",
			    r->exit_code);
	if (test)
		lg_buf_addf(&msg, " (in %s)", test);
	if (d->n) {
		lg_buf_adds(&detail, "goroutines at the crash, grouped:\n\n");
		lg_leak_summarise_dump(d, in->module_root, &detail);
	} else {
		lg_buf_addf(&detail, "no goroutine dump; exit status %d, signal %d\n",
			    r->exit_code, r->term_signal);
	}
	if (in->stderr_len && !d->n) {
		lg_buf_adds(&detail, "\nstderr:\n");
		lg_buf_add(&detail, in->stderr_text, in->stderr_len);
	}
	add_bad_lines(d, "stderr", &detail);
	dump_loc(d, test, in->module_root, &c->loc);
	set_check(c, test, &msg, &detail);
	free(from_dump);
}

/*
 * Ctrl-C stopped the binary: not a crash of the tests, and not a pass
 * either.  Skipped, with the tests that were still running, so that a
 * report of an interrupted run says what happened.
 */
static void interrupted_check(struct lg_package *p)
{
	struct lg_check *c = lg_package_add_check(p, LG_CHECK_INTERRUPTED, LG_STATUS_SKIPPED);
	struct lg_buf msg = LG_BUF_INIT, detail = LG_BUF_INIT;
	const char *test = running_test(p);

	lg_buf_adds(&msg, "interrupted (Ctrl-C): the test binary was stopped");
	if (test)
		lg_buf_addf(&msg, " in %s", test);
	lg_buf_adds(&detail, "leakgate was interrupted while the test binary ran; still running: ");
	running_list(NULL, p, &detail);
	lg_buf_addch(&detail, '\n');
	set_check(c, test, &msg, &detail);
}

static int tests_failed(const struct lg_package *p)
{
	size_t i;

	for (i = 0; i < p->ntests; i++)
		if (p->tests[i].result == LG_TEST_FAIL)
			return 1;
	return 0;
}

/* Did the binary end in a way that is not a plain pass or test failure? */
static int crashed(const struct lg_verdict_in *in, const struct lg_package *p,
		   const struct lg_dump *d)
{
	const struct lg_proc_result *r = in->proc;

	if (r->term_signal)
		return 1;
	if (r->exit_code == 0)
		return 0;
	if (d->kind != LG_DUMP_PLAIN)
		return 1;
	if (r->exit_code == 1 && tests_failed(p))
		return 0;
	/* The tests framed their final PASS/FAIL line: whatever exited non-zero
	 * ran after m.Run (teardown, goleak.VerifyTestMain, os.Exit(3)), which
	 * exit_check reports.  Not a crash of the tests. */
	if (in->t2j_complete)
		return 0;
	return 1;
}

/* What goleak.VerifyTestMain prints before it exits 1 (a TestMain left as it
 * is keeps its goleak check, after the hook's). */
#define GOLEAK_FAILED "goleak: Errors on successful test run"

/*
 * The tests all reported and none failed, yet the binary exited non-zero:
 * code after m.Run failed.  Without this check the package is "FAIL" on the
 * terminal while its JUnit suite shows no failing testcase, so a CI reading
 * JUnit would show it green.  The detail is what the binary printed outside
 * the tests: stdout after the last test, then stderr.  goleak's own failure
 * is named as goleak's.
 */
static void exit_check(const struct lg_verdict_in *in, struct lg_package *p)
{
	struct lg_check *c;
	struct lg_buf msg = LG_BUF_INIT, detail = LG_BUF_INIT;
	const struct lg_proc_result *r = in->proc;

	if (r->exit_code == 0 || r->term_signal || tests_failed(p))
		return;
	c = lg_package_add_check(p, LG_CHECK_EXIT, LG_STATUS_FAILED);
	if (in->stderr_len && memmem(in->stderr_text, in->stderr_len, GOLEAK_FAILED,
					strlen(GOLEAK_FAILED)))
		lg_buf_addf(&msg, "the tests passed, then goleak.VerifyTestMain in TestMain found "
				  "goroutines left over and exited with status %d (go test fails "
				  "the same way)", r->exit_code);
	else
		lg_buf_addf(&msg, "the tests passed, then the test binary exited with status %d "
				  "(code after m.Run in TestMain failed)", r->exit_code);
	lg_buf_addf(&detail, "exit status %d after the last test reported; output outside the tests:\n",
		    r->exit_code);
	if (p->stray_output && *p->stray_output)
		lg_buf_addf(&detail, "\nstdout:\n%s", p->stray_output);
	if (in->stderr_len) {
		lg_buf_adds(&detail, "\nstderr:\n");
		lg_buf_add(&detail, in->stderr_text, in->stderr_len);
	}
	if (!(p->stray_output && *p->stray_output) && !in->stderr_len)
		lg_buf_adds(&detail, "(none)\n");
	set_check(c, NULL, &msg, &detail);
}

static void add_skipped(struct lg_package *p, enum lg_check_kind kind, const char *why)
{
	struct lg_check *c = lg_package_add_check(p, kind, LG_STATUS_SKIPPED);

	c->message = lg_xstrdup(why);
}

static const char *absent_reason(const struct lg_verdict_in *in, int broke)
{
	if (in->via == LG_VIA_NONE)
		return in->via_reason ? in->via_reason : "leak checks skipped: no hook";
	if (broke)
		return "leak checks skipped: the test binary ended before the hook ran";
	if (in->via_reason) /* a TestMain left as it is: what the rewriter read in it */
		return in->via_reason;
	if (in->via == LG_VIA_USER)
		return "leak checks skipped: the package's TestMain did not reach its "
		       "leakgatehook call";
	if (in->via == LG_VIA_REWRITTEN)
		return "leak checks skipped: TestMain ended before it reached m.Run "
		       "(an early os.Exit or return)";
	return "leak checks skipped: the hook wrote no manifest";
}

static int parse_snapshot(const char *path, struct lg_dump *d, struct lg_err *err)
{
	if (!path)
		return lg_error(err, "the hook wrote no goroutine dump");
	return lg_dump_parse_file(d, path, err);
}

/*
 * --leaks proven: the groups the goroutineleak profile does not prove stuck
 * leave p->leaks (they do not count, and baselines and reports see only
 * what counts); `alive` gets their description so nothing is hidden.
 * Returns the goroutines in the groups kept; *nalive gets the others.
 */
static int keep_proven(struct lg_package *p, size_t first, struct lg_buf *alive, int *nalive)
{
	size_t i, k = first;
	int n = 0;

	*nalive = 0;
	for (i = first; i < p->nleaks; i++) {
		struct lg_leak_group *g = &p->leaks[i];

		if (g->proven) {
			n += g->count;
			p->leaks[k++] = *g;
			continue;
		}
		*nalive += g->count;
		lg_leak_format_group(g, alive);
		lg_buf_addch(alive, '\n');
		lg_leak_group_release(g);
	}
	p->nleaks = k;
	return n;
}

/*
 * --leaks proven without a profile to decide by: an error, never a pass
 * (the runner refuses a toolchain without it, but a package can still be
 * built by another one, or the hook can fail to write the profile).
 */
static void no_proof_check(const struct lg_verdict_in *in, struct lg_package *p,
			   const char *why)
{
	struct lg_check *c = lg_package_add_check(p, LG_CHECK_LEAK, LG_STATUS_ERROR);
	const char *v = in->hook->go_version;

	c->message = lg_xasprintf("--leaks proven: no goroutineleak profile from the test binary "
				  "(%s): %s", v ? v : "Go version unknown", why);
	c->detail = lg_xstrdup("--leaks proven needs Go 1.27 or later, or Go 1.26 built with "
			       "GOEXPERIMENT=goroutineleakprofile; --leaks alive checks without it\n");
}

/*
 * The note an aggregated snapshot leaves on the leak check and the report
 * (snapshot_note): how many goroutines the hook counted, that it wrote the
 * goroutine profile instead of a full dump, whether its sample was cut,
 * and how many groups no sampled goroutine described (those lack the `go`
 * statement and the test).  Never fails.
 */
static void aggregated_note(const struct lg_hook_manifest *m, int unsampled, struct lg_buf *out)
{
	const struct lg_hook_snapshot *s[2] = { &m->before, &m->after };
	const char *name[2] = { "before", "after" };
	int i;

	for (i = 0; i < 2; i++) {
		if (!s[i]->aggregated)
			continue;
		lg_buf_addf(out, "%s snapshot aggregated: %lld goroutines, too many to dump in full; "
				 "the goroutine profile (counts per stack) was read%s\n",
			    name[i], (long long)s[i]->mem.num_goroutine,
			    !s[i]->sample_stacks ? ", no sample"
			    : s[i]->sample_cut ? ", with a sample dump capped in size"
					       : ", with a full sample dump");
	}
	if (unsampled)
		lg_buf_addf(out, "%d leak group%s had no goroutine in the capped sample: "
				 "described from the profile, without the go statement and the test\n",
			    unsampled, unsampled == 1 ? "" : "s");
	if (m->settle_counted)
		lg_buf_adds(out, "settle: goroutines only counted while there were too many to dump\n");
}

static void leak_check(const struct lg_verdict_in *in, struct lg_package *p)
{
	const struct lg_hook_manifest *m = in->hook;
	struct lg_dump before, after, proof, sample;
	struct lg_ignore_rule *ignores = NULL; /* shallow copies: config's, then the package's */
	struct lg_leak_opts lo;
	struct lg_buf msg = LG_BUF_INIT, detail = LG_BUF_INIT, alive = LG_BUF_INIT;
	struct lg_err err;
	struct lg_check *c;
	size_t first = p->nleaks, i;
	int n, have_proof = 0, nalive = 0, have_sample = 0;
	int proven_only = in->cfg->leaks == LG_LEAKS_PROVEN;
	struct lg_buf snapnote = LG_BUF_INIT;

	lg_dump_init(&before);
	lg_dump_init(&after);
	lg_dump_init(&proof);
	lg_dump_init(&sample);
	if (parse_snapshot(m->before.stacks, &before, &err) ||
	    parse_snapshot(m->after.stacks, &after, &err)) {
		add_skipped(p, LG_CHECK_LEAK, err.msg);
		goto out;
	}
	if (m->after.leak_stacks && !lg_dump_parse_file(&proof, m->after.leak_stacks, &err))
		have_proof = 1;
	if (proven_only && !have_proof) {
		no_proof_check(in, p, m->after.leak_stacks ? err.msg : "the runtime has none");
		goto out;
	}
	memset(&lo, 0, sizeof(lo));
	lo.module_root = in->module_root;
	if (in->nextra_ignores) {
		ignores = lg_xcalloc(in->cfg->nignores + in->nextra_ignores, sizeof(*ignores));
		if (in->cfg->nignores)
			memcpy(ignores, in->cfg->ignores, in->cfg->nignores * sizeof(*ignores));
		memcpy(ignores + in->cfg->nignores, in->extra_ignores,
		       in->nextra_ignores * sizeof(*ignores));
		lo.ignores = ignores;
	} else {
		lo.ignores = in->cfg->ignores;
	}
	lo.nignores = in->cfg->nignores + in->nextra_ignores;
	lo.read_sources = in->read_sources;
	if (m->before.aggregated || m->after.aggregated) {
		int unsampled = 0;

		if (m->after.sample_stacks &&
		    lg_dump_parse_file(&sample, m->after.sample_stacks, &err) == 0)
			have_sample = 1;
		n = lg_leak_find_aggregated(&before, &after, have_sample ? &sample : NULL,
					    have_proof ? &proof : NULL,
					    have_proof && m->after.aggregated, &lo, p, &unsampled);
		aggregated_note(m, unsampled, &snapnote);
		p->snapshot_aggregated = 1;
	} else {
		n = lg_leak_find(&before, &after, have_proof ? &proof : NULL, &lo, p);
		aggregated_note(m, 0, &snapnote);
	}
	if (proven_only)
		n = keep_proven(p, first, &alive, &nalive);
	c = lg_package_add_check(p, LG_CHECK_LEAK,
				 n > in->cfg->max_leaks ? LG_STATUS_FAILED : LG_STATUS_PASSED);
	if (n)
		lg_buf_addf(&msg, "%d goroutine%s %s in %zu group%s (limit %d)", n,
			    n == 1 ? "" : "s", proven_only ? "proven stuck" : "leaked",
			    p->nleaks - first, p->nleaks - first == 1 ? "" : "s", in->cfg->max_leaks);
	else
		lg_buf_addf(&msg, "no goroutines %s", proven_only ? "proven stuck" : "leaked");
	if (nalive)
		lg_buf_addf(&msg, "; %d more still alive, not proven stuck: not counted "
				  "(--leaks proven)", nalive);
	for (i = first; i < p->nleaks; i++) {
		lg_leak_format_group(&p->leaks[i], &detail);
		lg_buf_addch(&detail, '\n');
	}
	if (nalive) {
		lg_buf_addf(&detail, "still alive after the settle wait but not proven stuck by the "
				     "goroutineleak profile (not counted under --leaks proven):\n\n");
		lg_buf_add(&detail, alive.buf, alive.len);
	}
	if ((n || nalive) && m->settle_remaining)
		lg_buf_addf(&detail, "settled for %.0fms before the after snapshot (%d rounds)\n",
			    m->settle_waited_ms, m->settle_rounds);
	add_bad_lines(&after, "after.stacks", &detail);
	if (snapnote.len) {
		lg_buf_add(&detail, snapnote.buf, snapnote.len);
		free(p->snapshot_note);
		p->snapshot_note = lg_buf_detach(&snapnote, NULL);
	}
	if (p->nleaks > first) {
		const struct lg_leak_group *g = &p->leaks[first];
		const struct lg_location *l = g->created_at.file ? &g->created_at : &g->blocked_at;

		c->loc.file = l->file ? lg_xstrdup(l->file) : NULL;
		c->loc.line = l->line;
		c->test = g->test ? lg_xstrdup(g->test) : NULL;
	}
	c->message = lg_buf_detach(&msg, NULL);
	c->detail = lg_buf_detach(&detail, NULL);
out:
	free(ignores);
	lg_dump_release(&before);
	lg_dump_release(&after);
	lg_dump_release(&proof);
	lg_dump_release(&sample);
	lg_buf_release(&alive);
	lg_buf_release(&snapnote);
}

#define MIB(v) ((double)(v) / 1048576.0)

/* "one-time initialisation or runtime goroutine bookkeeping": the kinds discounted. */
static void discounted_kinds(const struct lg_heapgrowth *g, struct lg_buf *out)
{
	int k, n = 0, total = 0;

	for (k = LG_HEAPGROWTH_COUNTED + 1; k < LG_HEAPGROWTH_NKINDS; k++)
		total += g->net[k] > 0;
	for (k = LG_HEAPGROWTH_COUNTED + 1; k < LG_HEAPGROWTH_NKINDS; k++) {
		if (g->net[k] <= 0)
			continue;
		lg_buf_addf(out, "%s%s", !n ? "" : n == total - 1 ? " or " : ", ",
			    lg_heapgrowth_kind_title(k));
		n++;
	}
}

/* The profile's positive growth: what its objects explain of HeapInuse. */
static int64_t growth_explained(const struct lg_heapgrowth *g)
{
	int64_t sum = 0;
	int k;

	for (k = 0; k < LG_HEAPGROWTH_NKINDS; k++)
		if (g->net[k] > 0)
			sum += g->net[k];
	return sum;
}

/* The growth per kind and the sites of each kind that grew, for the detail. */
static void describe_growth(const struct lg_heapgrowth *g, int64_t growth, int64_t discount,
			    int scaled, struct lg_buf *d)
{
	size_t i;
	int k;

	lg_buf_addf(d, "\nheap profile growth by kind (inuse_space, one sample per %lld bytes "
		       "allocated):\n", (long long)g->sample_rate);
	for (k = 0; k < LG_HEAPGROWTH_NKINDS; k++)
		lg_buf_addf(d, "  %-30s %+9.2f MiB%s\n", lg_heapgrowth_kind_title(k), MIB(g->net[k]),
			    k == LG_HEAPGROWTH_COUNTED ? "" : "  (not counted)");
	lg_buf_addf(d, "counted: HeapInuse growth %.2f MiB - not counted %.2f MiB = %.2f MiB\n",
		    MIB(growth), MIB(discount), MIB(growth - discount));
	if (scaled)
		lg_buf_addf(d, "(objects explain %.2f MiB of the growth; the rest, span overhead, is "
			       "split in proportion to the kinds' growth: %.0f%% not counted)\n",
			    MIB(growth_explained(g)), 100.0 * (double)discount / (double)growth);
	for (k = 0; k < LG_HEAPGROWTH_NKINDS; k++) {
		int head = 0;

		for (i = 0; i < g->nsites; i++) {
			const struct lg_heapgrowth_site *s = &g->sites[i];

			if ((int)s->kind != k)
				continue;
			if (!head++)
				lg_buf_addf(d, "\nallocation sites that grew, %s%s:\n",
					    lg_heapgrowth_kind_title(k),
					    k == LG_HEAPGROWTH_COUNTED ? "" : " (not counted)");
			lg_buf_addf(d, "  %+10.1f KiB  %s  %s:%lld\n", (double)s->delta / 1024.0,
				    s->func, s->file, (long long)s->line);
			if (s->chain)
				lg_buf_addf(d, "                 -> %s\n", s->chain);
			if (s->caller)
				lg_buf_addf(d, "                 called from %s\n", s->caller);
		}
	}
}

/*
 * Reads the heap profiles of snapshots `from` and `to` and classifies the
 * growth between them.  Returns 0, or -1 with the reason in the detail (the
 * growth is then counted whole).
 */
static int classify_growth(const struct lg_verdict_in *in, const struct lg_hook_snapshot *from,
			   const struct lg_hook_snapshot *to, struct lg_heapgrowth *g,
			   struct lg_buf *detail)
{
	struct lg_pprof before, after;
	struct lg_err err;
	int ret = 0;

	lg_pprof_init(&before);
	lg_pprof_init(&after);
	if (!from->heap_profile || !to->heap_profile) {
		lg_buf_adds(detail, "\nno heap profiles from the hook: allocation sites unknown, "
				    "all of the growth counted\n");
		ret = -1;
	} else if (lg_pprof_parse_file(&before, from->heap_profile, &err) ||
		   lg_pprof_parse_file(&after, to->heap_profile, &err) ||
		   lg_heapgrowth_classify(&before, &after, in->module_root, HEAP_TOP_SITES, g,
					  &err)) {
		lg_buf_addf(detail, "\nallocation sites unknown, all of the growth counted: %s\n",
			    err.msg);
		ret = -1;
	}
	lg_pprof_release(&before);
	lg_pprof_release(&after);
	return ret;
}

/* The counted sites become the package's heap sites, the first one the check's place. */
static void keep_sites(const struct lg_heapgrowth *g, struct lg_package *p, struct lg_check *c)
{
	size_t i;

	p->heap_sites = lg_xcalloc(g->nsites ? g->nsites : 1, sizeof(*p->heap_sites));
	for (i = 0; i < g->nsites; i++) {
		const struct lg_heapgrowth_site *s = &g->sites[i];
		struct lg_heap_site *h;

		if (s->kind != LG_HEAPGROWTH_COUNTED)
			continue;
		h = &p->heap_sites[p->nheap_sites++];
		h->func = lg_xstrdup(s->func);
		h->loc.file = lg_xstrdup(s->file);
		h->loc.line = (int)s->line;
		h->growth_bytes = s->delta;
	}
	if (p->nheap_sites) {
		c->loc.file = lg_xstrdup(p->heap_sites[0].loc.file);
		c->loc.line = p->heap_sites[0].loc.line;
	}
}

/* The detail's MemStats table: before, after (the first pass), after the last pass. */
static void heap_table(const struct lg_package *p, const struct lg_hook_snapshot *last,
		       int passes, struct lg_buf *d)
{
	const struct lg_memstats *b = &p->before, *a = &p->after, *l = last ? &last->mem : NULL;
	const char *names[4] = { "HeapInuse", "HeapAlloc", "HeapObjects", "TotalAlloc" };
	uint64_t v[4][3] = {
		{ b->heap_inuse, a->heap_inuse, l ? l->heap_inuse : 0 },
		{ b->heap_alloc, a->heap_alloc, l ? l->heap_alloc : 0 },
		{ b->heap_objects, a->heap_objects, l ? l->heap_objects : 0 },
		{ b->total_alloc, a->total_alloc, l ? l->total_alloc : 0 },
	};
	int i;

	if (l)
		lg_buf_addf(d, "            before        after pass 1  after pass %d\n", passes);
	else
		lg_buf_adds(d, "            before        after\n");
	for (i = 0; i < 4; i++) {
		lg_buf_addf(d, "%-11s %-12llu  %llu", names[i], (unsigned long long)v[i][0],
			    (unsigned long long)v[i][1]);
		if (l)
			lg_buf_addf(d, "%*s%llu", 14 - (int)snprintf(NULL, 0, "%llu",
				    (unsigned long long)v[i][1]), "", (unsigned long long)v[i][2]);
		lg_buf_addch(d, '\n');
	}
}

/*
 * Why growth per pass cannot be judged from the hook's passes when the
 * runner asked for `want` (>= 2) of them, written to `buf`; NULL when it
 * can: the first pass and every later one passed, all `want` finished, and
 * each left a heap profile.  A suite that fails or dies when its tests run
 * a second time in one process is not re-runnable: the total decides then.
 * `proc` (may be NULL) is how the binary ended: it tells a deadline, a
 * signal and a crash in a later pass apart.
 */
static const char *passes_unusable(const struct lg_hook_manifest *m, const struct lg_proc_result *proc,
				   int want, char *buf, size_t n)
{
	size_t i;

	if (m->exit_code != 0)
		return "the first pass of the tests failed";
	for (i = 0; i < m->npasses; i++) {
		const struct lg_hook_pass *ps = &m->passes[i];

		if (ps->exit_code != 0) {
			snprintf(buf, n, "pass %d failed (exit %d): the tests do not pass when run "
				 "again in one process", ps->pass, ps->exit_code);
			return buf;
		}
		if (!ps->snap.heap_profile) {
			snprintf(buf, n, "pass %d left no heap profile", ps->pass);
			return buf;
		}
	}
	if (m->npasses + 1 < (size_t)want) {
		if (proc && proc->timed_out)
			snprintf(buf, n, "pass %zu of %d did not finish before its deadline",
				 m->npasses + 2, want);
		else if (proc && proc->term_signal)
			snprintf(buf, n, "the test binary was ended by signal %d in pass %zu of %d",
				 proc->term_signal, m->npasses + 2, want);
		else if (proc && proc->exit_code != 0)
			snprintf(buf, n, "the test binary exited with status %d in pass %zu of %d: "
				 "the tests do not run twice in one process (a panic or a fatal "
				 "error on the second run)", proc->exit_code, m->npasses + 2, want);
		else
			snprintf(buf, n, "pass %zu of %d did not finish (the test binary ended or was "
				 "stopped in it)", m->npasses + 2, want);
		return buf;
	}
	return NULL;
}

/*
 * HeapInuse after GC against --max-heap-growth.  Over the limit, the heap
 * profiles decide how much of the growth counts (heapgrowth.h): memory kept
 * by one-time initialisation, the runtime's goroutine structures or the
 * hook is taken off, and the message says so; the detail shows every kind.
 *
 * When the runner asked for in->heap_passes >= 2 passes of the tests and
 * the hook delivered them, the growth judged is the growth per pass, from
 * the first pass's after snapshot to the last pass's (divided by the passes
 * between), classified the same way: memory a package keeps once drops
 * out, memory it keeps on every call stays with its site.  When the passes
 * cannot be used (passes_unusable) the total decides, exactly as without
 * passes, and the message says why (heap_method per-pass-inconclusive).
 */
static void heap_check(const struct lg_verdict_in *in, struct lg_package *p)
{
	const struct lg_hook_manifest *m = in->hook;
	const struct lg_hook_snapshot *from = &m->before, *to = &m->after;
	struct lg_buf msg = LG_BUF_INIT, detail = LG_BUF_INIT;
	int64_t limit = in->cfg->max_heap_growth, discount = 0, counted;
	struct lg_heapgrowth g;
	struct lg_check *c;
	int have_profile = 0, scaled = 0, per = 1;
	const char *why = NULL;
	char whybuf[240];

	memset(&g, 0, sizeof(g));
	p->heap_method = LG_HEAP_TOTAL;
	p->heap_passes = 1;
	if (in->heap_passes >= 2) {
		why = passes_unusable(m, in->proc, in->heap_passes, whybuf, sizeof(whybuf));
		if (why) {
			p->heap_method = LG_HEAP_INCONCLUSIVE;
		} else {
			p->heap_method = LG_HEAP_PER_PASS;
			p->heap_passes = in->heap_passes;
			per = in->heap_passes - 1;
			from = &m->after;
			to = &m->passes[m->npasses - 1].snap;
		}
	}
	p->before = m->before.mem;
	p->after = m->after.mem;
	p->heap_growth = ((int64_t)to->mem.heap_inuse - (int64_t)from->mem.heap_inuse) / per;
	heap_table(p, p->heap_method == LG_HEAP_PER_PASS ? to : NULL, p->heap_passes, &detail);
	if (p->heap_growth > limit && !classify_growth(in, from, to, &g, &detail)) {
		have_profile = 1;
		lg_heapgrowth_per_pass(&g, per);
		discount = lg_heapgrowth_discount(&g, p->heap_growth, &scaled);
	}
	counted = p->heap_growth - discount;
	p->heap_discounted = discount;
	c = lg_package_add_check(p, LG_CHECK_HEAP,
				 counted > limit ? LG_STATUS_FAILED : LG_STATUS_PASSED);
	lg_buf_addf(&msg, "HeapInuse %s by %.2f MiB %safter GC",
		    p->heap_growth >= 0 ? "grew" : "shrank",
		    MIB(p->heap_growth >= 0 ? p->heap_growth : -p->heap_growth),
		    p->heap_method == LG_HEAP_PER_PASS ? "per pass " : "");
	if (p->heap_method == LG_HEAP_PER_PASS)
		lg_buf_addf(&msg, " (the tests run %d times in one process; the first pass grew "
			    "%.2f MiB)", p->heap_passes,
			    MIB((int64_t)m->after.mem.heap_inuse - (int64_t)m->before.mem.heap_inuse));
	if (discount >= HEAP_SHOWN_DISCOUNT) {
		lg_buf_addf(&msg, ", %.2f MiB of it ", MIB(discount));
		discounted_kinds(&g, &msg);
		lg_buf_addf(&msg, " (heap profile%s); counted %.2f MiB",
			    scaled ? ", span overhead in proportion" : "", MIB(counted));
	}
	lg_buf_addf(&msg, " (limit %.2f MiB)", MIB(limit));
	if (why)
		lg_buf_addf(&msg, "; growth per pass inconclusive: %s, so the total decided", why);
	if (have_profile) {
		describe_growth(&g, p->heap_growth, discount, scaled, &detail);
		if (c->status == LG_STATUS_FAILED)
			keep_sites(&g, p, c);
	}
	lg_heapgrowth_release(&g);
	c->message = lg_buf_detach(&msg, NULL);
	c->detail = lg_buf_detach(&detail, NULL);
}

/* A test that crashed or hung has no "file:N:" output: use the check's location. */
static void locate_tests(struct lg_package *p)
{
	size_t i, j;

	for (i = 0; i < p->nchecks; i++) {
		const struct lg_check *c = &p->checks[i];

		if (!c->test || !c->loc.file)
			continue;
		for (j = 0; j < p->ntests; j++) {
			struct lg_test *t = &p->tests[j];

			if (!t->loc.file && strcmp(t->name, c->test) == 0) {
				t->loc.file = lg_xstrdup(c->loc.file);
				t->loc.line = c->loc.line;
			}
		}
	}
}

void lg_verdict_package(const struct lg_verdict_in *in, struct lg_package *p)
{
	struct lg_dump d;
	struct lg_err err;
	int broke = 0;

	lg_dump_init(&d);
	if (lg_dump_parse(&d, in->stderr_text, in->stderr_len, "stderr", &err)) {
		lg_dump_release(&d);
		lg_dump_init(&d);
	}
	if (in->proc->stopped && in->probe && in->probe->kind != LG_PROBE_NONE) {
		probe_check(in, p, &d);
		broke = 1;
	} else if (in->proc->timed_out) {
		hang_check(in, p, &d);
		broke = 1;
	} else if (d.deadlock) {
		deadlock_check(in, p, &d);
		broke = 1;
	} else if (in->proc->interrupted) {
		interrupted_check(p);
		broke = 1;
	} else if (crashed(in, p, &d)) {
		crash_check(in, p, &d);
		broke = 1;
	} else {
		exit_check(in, p);
	}
	p->hook = in->hook->phase;
	p->hook_via = in->via;
	for (size_t k = 0; in->via_notes && in->via_notes[k]; k++) {
		size_t nn = lg_strv_len(p->hook_notes);

		p->hook_notes = lg_xrealloc(p->hook_notes, (nn + 2) * sizeof(char *));
		p->hook_notes[nn] = lg_xstrdup(in->via_notes[k]);
		p->hook_notes[nn + 1] = NULL;
	}
	if (in->hook->go_version)
		p->go_version = lg_xstrdup(in->hook->go_version);
	p->gomaxprocs = in->hook->gomaxprocs;
	if (in->hook->phase == LG_HOOK_DONE) {
		leak_check(in, p);
		heap_check(in, p);
	} else {
		const char *why = in->hook_error ? in->hook_error
			: in->hook->phase == LG_HOOK_BEFORE
			? "leak checks skipped: the test binary ended inside m.Run, before the hook's after snapshot"
			: absent_reason(in, broke);

		p->hook_note = lg_xstrdup(why);
		add_skipped(p, LG_CHECK_LEAK, why);
		add_skipped(p, LG_CHECK_HEAP, why);
	}
	locate_tests(p);
	lg_dump_release(&d);
}
