/*
 * probe.c — asks the hook for goroutine dumps while the scheduler idles and
 * a test runs, and judges them (probe.h has the rules).
 *
 * The state carried between probes is small on purpose: a hash of the
 * watched goroutines (id, stack signature, wait reason) of the last probe.
 * Equal hashes of two probes a second or more apart, with every watched
 * goroutine blocked on a synchronisation primitive, mean nothing moved.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "leak.h"
#include "owner.h"
#include "probe.h"
#include "dump.h"

#define SECOND_PROBE_MS 1000.0

void lg_probe_init(struct lg_probe *pr, const struct lg_probe_opts *o)
{
	memset(pr, 0, sizeof(*pr));
	pr->o = *o;
	pr->idle_from_ms = -1;
	pr->asked_ms = -1;
}

void lg_probe_release(struct lg_probe *pr)
{
	free(pr->found.test);
	free(pr->found.message);
	free(pr->found.detail);
	lg_location_release(&pr->found.loc);
	memset(&pr->found, 0, sizeof(pr->found));
}

const char *lg_probe_kind_name(enum lg_probe_kind k)
{
	switch (k) {
	case LG_PROBE_PROVEN: return "partial-deadlock";
	case LG_PROBE_GLOBAL: return "deadlock";
	case LG_PROBE_SUSPECTED: return "suspected-deadlock";
	default: return "none";
	}
}

static int sample_idle(const struct lg_sched_sample *s)
{
	return s->idleprocs >= s->gomaxprocs && s->runqueue == 0;
}

/*
 * The hook's goroutines, the signal loop it started and the main goroutine
 * that runs the tests (in testing.(*M).Run, waiting for them: it has the
 * hook's frames when the hook is in the test package, none when it came
 * through testdeps): not the tests'.
 */
static int hook_goroutine(const struct lg_goroutine *g)
{
	size_t i;

	if (lg_owner_hook_goroutine(g))
		return 1;
	for (i = 0; i < g->nframes; i++)
		if (g->frames[i].func && (strcmp(g->frames[i].func, "os/signal.loop") == 0 ||
					  strcmp(g->frames[i].func, "os/signal.signal_recv") == 0 ||
					  strcmp(g->frames[i].func, "testing.(*M).Run") == 0))
			return 1;
	return 0;
}

static int has_frame(const struct lg_goroutine *g, const char *func)
{
	size_t i;

	for (i = 0; i < g->nframes; i++)
		if (g->frames[i].func && strcmp(g->frames[i].func, func) == 0)
			return 1;
	return 0;
}

/* A goroutine running test `top` (a top-level name) itself, under tRunner. */
static int test_goroutine(const struct lg_goroutine *g, const char *top)
{
	size_t i, n = strlen(top);

	if (!has_frame(g, "testing.tRunner"))
		return 0;
	for (i = 0; i < g->nframes; i++) {
		char *t = lg_owner_test_from_func(g->frames[i].func);
		int hit = t && strncmp(t, top, n) == 0 && t[n] == '\0';

		free(t);
		if (hit)
			return 1;
	}
	return 0;
}

/* The test's own goroutine, or one it created (created by, ancestry). */
static int of_test(const struct lg_goroutine *g, const char *top)
{
	char *t;
	int hit;

	if (test_goroutine(g, top))
		return 1;
	t = lg_owner_attribute_test(g);
	hit = t && strcmp(t, top) == 0;
	free(t);
	return hit;
}

static int sync_blocked(const struct lg_goroutine *g)
{
	switch (g->wait) {
	case LG_WAIT_CHAN:
	case LG_WAIT_NIL_CHAN:
	case LG_WAIT_SELECT:
	case LG_WAIT_SELECT_NOCASES:
	case LG_WAIT_MUTEX:
	case LG_WAIT_RWMUTEX:
	case LG_WAIT_WAITGROUP:
	case LG_WAIT_COND:
	case LG_WAIT_SEMACQUIRE:
		return 1;
	default:
		return 0;
	}
}

/* Innermost frame in the module that is not the hook's, else the innermost. */
static const struct lg_frame *where(const struct lg_goroutine *g, const char *root)
{
	size_t i;

	for (i = 0; i < g->nframes; i++)
		if (lg_owner_in_module(g->frames[i].file, root) && !lg_owner_hook_frame(&g->frames[i]))
			return &g->frames[i];
	for (i = 0; i < g->nframes; i++)
		if (g->frames[i].func && !lg_starts_with(g->frames[i].func, "runtime."))
			return &g->frames[i];
	return g->nframes ? &g->frames[0] : NULL;
}

/* A view of `d` holding the goroutines picked by `pick` (pointers shared). */
struct view {
	struct lg_dump d;
	int has_test; /* a test goroutine is in it */
};

static void view_add(struct view *v, size_t *alloc, const struct lg_goroutine *g)
{
	LG_GROW(v->d.g, *alloc, v->d.n + 1);
	v->d.g[v->d.n++] = *g;
}

static uint64_t state_hash(const struct lg_dump *d)
{
	uint64_t h = LG_FNV_OFFSET;
	size_t i;

	for (i = 0; i < d->n; i++) {
		char sig[17], id[32];

		lg_goroutine_signature(&d->g[i], sig);
		snprintf(id, sizeof(id), "%lld", (long long)d->g[i].id);
		h = lg_fnv1a(h, id);
		h = lg_fnv1a(h, sig);
		h = lg_fnv1a(h, d->g[i].status);
	}
	return h;
}

struct probe_ctx {
	struct lg_probe *pr;
	const struct lg_dump *d, *proof;
	double now_ms;
};

/* Every goroutine of the view blocked on a primitive, none on a timer's channel. */
static int all_blocked(const struct probe_ctx *pc, const struct lg_dump *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->n; i++) {
		if (d->g[i].id == 0 || d->g[i].wait == LG_WAIT_RUNTIME)
			continue;
		if (!sync_blocked(&d->g[i]))
			return 0;
		n++;
	}
	return n && lg_leak_dump_deadlock_like(d, pc->pr->o.module_root, pc->pr->o.read_sources);
}

static int leaked(const struct lg_dump *proof, int64_t id)
{
	const struct lg_goroutine *g = lg_dump_find(proof, id);

	return g && g->leaked;
}

/* Lists the goroutines with file:line, then their stacks. */
static void describe(const struct probe_ctx *pc, const struct lg_dump *v, int only_leaked,
		     struct lg_buf *detail)
{
	const char *root = pc->pr->o.module_root;
	size_t i;

	for (i = 0; i < v->n; i++) {
		const struct lg_goroutine *g = &v->g[i];
		const struct lg_frame *f = where(g, root);
		char *file;

		if (only_leaked && !leaked(pc->proof, g->id))
			continue;
		if (g->id == 0 || g->wait == LG_WAIT_RUNTIME)
			continue;
		file = f && f->file ? lg_relpath(root, f->file) : NULL;
		lg_buf_addf(detail, "  goroutine %lld [%s]%s at %s:%d in %s\n", (long long)g->id,
			    g->status ? g->status : "?",
			    pc->proof && leaked(pc->proof, g->id) ? " (leaked)" : "",
			    file ? file : "?", f ? f->line : 0, f && f->func ? f->func : "?");
		free(file);
	}
	lg_buf_adds(detail, "\n");
	for (i = 0; i < v->n; i++) {
		if (v->g[i].id == 0 || v->g[i].wait == LG_WAIT_RUNTIME)
			continue;
		if (only_leaked && !leaked(pc->proof, v->g[i].id))
			continue;
		lg_goroutine_format(&v->g[i], detail);
		lg_buf_addch(detail, '\n');
	}
}

static void set_loc(struct lg_probe *pr, const struct lg_dump *v, const char *top)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		const struct lg_frame *f;

		if (!test_goroutine(&v->g[i], top))
			continue;
		f = where(&v->g[i], pr->o.module_root);
		if (f && f->file && lg_owner_in_module(f->file, pr->o.module_root)) {
			pr->found.loc.file = lg_relpath(pr->o.module_root, f->file);
			pr->found.loc.line = f->line;
			return;
		}
	}
}

static void found(const struct probe_ctx *pc, enum lg_probe_kind kind, const char *test,
		  const char *top, const struct lg_dump *v, struct lg_buf *msg, struct lg_buf *detail)
{
	struct lg_probe *pr = pc->pr;

	pr->found.kind = kind;
	pr->found.test = lg_xstrdup(test);
	pr->found.message = lg_buf_detach(msg, NULL);
	pr->found.detail = lg_buf_detach(detail, NULL);
	pr->found.seconds = pc->now_ms / 1000.0;
	set_loc(pr, v, top);
}

/* The leaves of the running tests: "TestA/x" but not "TestA" while both run. */
static int leaf(const char *const *running, size_t n, size_t k)
{
	size_t i, len = strlen(running[k]);

	for (i = 0; i < n; i++)
		if (i != k && strncmp(running[i], running[k], len) == 0 && running[i][len] == '/')
			return 0;
	return 1;
}

/* Judges one test against the probe: 1 when something was found. */
static int judge_test(const struct probe_ctx *pc, const char *test, uint64_t *hash_out,
		      int *blocked_out)
{
	const struct lg_dump *d = pc->d;
	struct view v;
	size_t alloc = 0, i, nleaked = 0, nother = 0, nother_leaked = 0;
	int test_leaked = 0, test_blocked = 1, ret = 0;
	char *top = lg_xstrndup(test, strcspn(test, "/"));
	struct lg_buf msg = LG_BUF_INIT, detail = LG_BUF_INIT;

	memset(&v, 0, sizeof(v));
	v.d = *d;
	v.d.g = NULL;
	v.d.n = 0;
	for (i = 0; i < d->n; i++) {
		const struct lg_goroutine *g = &d->g[i];
		int own;

		if (hook_goroutine(g) || !of_test(g, top))
			continue;
		view_add(&v, &alloc, g);
		own = test_goroutine(g, top);
		v.has_test |= own;
		if (pc->proof && leaked(pc->proof, g->id)) {
			nleaked++;
			test_leaked |= own;
			nother_leaked += !own;
		}
		if (own && !sync_blocked(g))
			test_blocked = 0;
		nother += !own;
	}
	*hash_out = state_hash(&v.d);
	*blocked_out = v.has_test && all_blocked(pc, &v.d);
	if (!v.has_test)
		goto out;
	if (pc->proof) {
		if (!test_leaked && !(test_blocked && nother && nother_leaked == nother))
			goto out;
		lg_buf_addf(&msg, "partial deadlock in %s: %zu goroutine%s of the test can never "
				  "wake up (proven by the goroutineleak profile)",
			    test, nleaked, nleaked == 1 ? "" : "s");
		lg_buf_addf(&detail, "found %.1fs after the binary started, while %s ran; every P "
				     "idle; goroutines in the cycle:\n", pc->now_ms / 1000.0, test);
		describe(pc, &v.d, 1, &detail);
		found(pc, LG_PROBE_PROVEN, test, top, &v.d, &msg, &detail);
		ret = 1;
	}
out:
	lg_buf_release(&msg);
	lg_buf_release(&detail);
	free(v.d.g);
	free(top);
	return ret;
}

static void suspect(const struct probe_ctx *pc, const char *test, int global)
{
	struct lg_probe *pr = pc->pr;
	const struct lg_dump *d = pc->d;
	struct view v;
	size_t alloc = 0, i;
	char *top = lg_xstrndup(test, strcspn(test, "/"));
	struct lg_buf msg = LG_BUF_INIT, detail = LG_BUF_INIT;
	double secs = (pc->now_ms - pr->first_blocked_ms) / 1000.0;

	memset(&v, 0, sizeof(v));
	v.d = *d;
	v.d.g = NULL;
	v.d.n = 0;
	for (i = 0; i < d->n; i++)
		if (!hook_goroutine(&d->g[i]) && (global || of_test(&d->g[i], top)))
			view_add(&v, &alloc, &d->g[i]);
	if (secs < 1)
		secs = 1;
	if (global)
		lg_buf_addf(&msg, "all goroutines are asleep - deadlock! (in %s, found by leakgate's "
				  "probe)", test);
	else
		lg_buf_addf(&msg, "suspected deadlock: all goroutines of %s blocked for %.0f s",
			    test, secs);
	lg_buf_addf(&detail, "%s: blocked for at least %.1fs, the same stacks in two goroutine dumps, every "
			     "goroutine%s blocked on a channel, lock, WaitGroup or Cond (no timer, "
			     "I/O, sleep or syscall) while every P idled%s:\n",
		    global ? "deadlock" : "suspected", secs, global ? " of the process" :
		    " of the test (its own and those it created)",
		    global ? "; the hook's signal listener keeps the runtime from reporting it"
		    : "; no goroutineleak profile in this runtime to prove it (Go 1.27 has one)");
	describe(pc, &v.d, 0, &detail);
	found(pc, global ? LG_PROBE_GLOBAL : LG_PROBE_SUSPECTED, test, top, &v.d, &msg, &detail);
	free(v.d.g);
	free(top);
}

static void judge(struct lg_probe *pr, int k, const char *const *running, size_t nrunning,
		  double now_ms)
{
	struct lg_dump d, proof;
	struct lg_err err;
	struct probe_ctx pc;
	char *stacks = lg_xasprintf("%s/probe-%d.stacks", pr->o.hookdir, k);
	char *leak = lg_xasprintf("%s/probe-%d.leak.stacks", pr->o.hookdir, k);
	uint64_t hash = LG_FNV_OFFSET, global_hash;
	const char *first = NULL;
	int blocked_all = 1, global;
	size_t i;

	lg_dump_init(&d);
	lg_dump_init(&proof);
	if (lg_dump_parse_file(&d, stacks, &err))
		goto out;
	/*
	 * An aggregated probe (the hook met more goroutines than it dumps in
	 * full and wrote the goroutine profile: entries without ids) cannot
	 * be compared goroutine by goroutine: no verdict from it, and the
	 * unchanged-state watch starts over.
	 */
	for (i = 0; i < d.n; i++) {
		if (d.g[i].id < 0) {
			pr->nwatch = 0;
			goto out;
		}
	}
	memset(&pc, 0, sizeof(pc));
	pc.pr = pr;
	pc.d = &d;
	pc.now_ms = now_ms;
	if (access(leak, F_OK) == 0 && !lg_dump_parse_file(&proof, leak, &err))
		pc.proof = &proof;
	for (i = 0; i < nrunning; i++) {
		uint64_t h;
		int blocked;

		if (!leaf(running, nrunning, i))
			continue;
		if (judge_test(&pc, running[i], &h, &blocked))
			goto out;
		hash = hash * 31 + h;
		blocked_all &= blocked;
		if (!first)
			first = running[i];
	}
	if (pc.proof || !first)
		goto out;
	{
		struct view v;
		size_t alloc = 0;

		memset(&v, 0, sizeof(v));
		v.d = d;
		v.d.g = NULL;
		v.d.n = 0;
		for (i = 0; i < d.n; i++)
			if (!hook_goroutine(&d.g[i]))
				view_add(&v, &alloc, &d.g[i]);
		global = all_blocked(&pc, &v.d);
		global_hash = state_hash(&v.d);
		free(v.d.g);
	}
	if (blocked_all && pr->nwatch == 2 && pr->watch[0] == hash &&
	    (!global || pr->watch[1] == global_hash)) {
		suspect(&pc, first, global && pr->watch_global && pr->watch[1] == global_hash);
		goto out;
	}
	if (blocked_all) {
		if (pr->nwatch != 2 || pr->watch[0] != hash)
			pr->first_blocked_ms = pr->idle_at_ask_ms;
		pr->watch[0] = hash;
		pr->watch[1] = global_hash;
		pr->watch_global = global;
		pr->nwatch = 2;
	} else {
		pr->nwatch = 0;
	}
out:
	lg_dump_release(&d);
	lg_dump_release(&proof);
	free(stacks);
	free(leak);
}

static int hook_present(struct lg_probe *pr)
{
	char *path;

	if (pr->hooked)
		return 1;
	path = lg_xasprintf("%s/hook.json", pr->o.hookdir);
	pr->hooked = access(path, F_OK) == 0;
	free(path);
	return pr->hooked;
}

enum lg_probe_action lg_probe_tick(struct lg_probe *pr, const struct lg_sched_sample *s,
				   size_t n, const char *const *running, size_t nrunning,
				   double elapsed)
{
	double last, threshold;

	if (pr->o.after <= 0 || !pr->o.hookdir)
		return LG_PROBE_WAIT;
	if (pr->found.kind != LG_PROBE_NONE)
		return pr->found.kind == LG_PROBE_SUSPECTED && !pr->o.fail_fast ? LG_PROBE_WAIT
										 : LG_PROBE_STOP;
	if (pr->answered < pr->probes) {
		char *marker = lg_xasprintf("%s/probe-%d.json", pr->o.hookdir, pr->probes);
		int ready = access(marker, F_OK) == 0;

		free(marker);
		if (!ready)
			return LG_PROBE_WAIT;
		pr->answered = pr->probes;
		judge(pr, pr->probes, running, nrunning, n ? s[n - 1].ms : elapsed * 1000.0);
		return lg_probe_tick(pr, s, n, running, nrunning, elapsed);
	}
	for (; pr->seen < n; pr->seen++) {
		if (!sample_idle(&s[pr->seen]))
			pr->idle_from_ms = -1;
		else if (pr->idle_from_ms < 0)
			pr->idle_from_ms = s[pr->seen].ms;
	}
	if (!n || !nrunning || pr->idle_from_ms < 0 || pr->probes >= LG_PROBE_MAX ||
	    !sample_idle(&s[n - 1]))
		return LG_PROBE_WAIT;
	last = s[n - 1].ms;
	if (pr->asked_ms >= 0) {
		/* Later probes compare with the last: a second apart is enough. */
		threshold = pr->o.after * 1000.0 < SECOND_PROBE_MS ? pr->o.after * 1000.0
								    : SECOND_PROBE_MS;
		if (last - pr->asked_ms < threshold)
			return LG_PROBE_WAIT;
	} else if (last - pr->idle_from_ms < pr->o.after * 1000.0) {
		return LG_PROBE_WAIT;
	}
	if (!hook_present(pr))
		return LG_PROBE_WAIT;
	pr->probes++;
	pr->asked_ms = last;
	pr->idle_at_ask_ms = pr->idle_from_ms;
	return LG_PROBE_SIGNAL;
}
