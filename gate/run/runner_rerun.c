/*
 * runner_rerun.c — running a package's binary again after its first run:
 * the evidence run of a package whose lean run failed a leak or heap check
 * (ancestry and fine heap sampling, the per-pass heap method), and
 * --stress, which repeats the tests of a package that passed in chunks
 * until the budget is spent or a chunk fails.  Each rerun is judged like
 * the first run (lg_runner_run_binary) into a scratch package whose
 * verdicts are then taken into the package.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runner_int.h"

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

/* A failed leak check whose groups only ancestry can attribute. */
static int leaks_need_ancestry(const struct lg_package *p)
{
	size_t i;

	for (i = 0; i < p->nchecks; i++)
		if (p->checks[i].kind == LG_CHECK_LEAK && p->checks[i].status == LG_STATUS_FAILED)
			return !attributed(p);
	return 0;
}

enum lg_sched_need lg_runner_wants_evidence(const struct lg_package *p, int evidence)
{
	enum lg_sched_need need = LG_SCHED_LEAN;
	size_t i;

	for (i = 0; i < p->nchecks; i++) {
		const struct lg_check *c = &p->checks[i];

		if (c->status != LG_STATUS_FAILED)
			continue;
		if (c->kind == LG_CHECK_HEAP)
			return LG_SCHED_PER_PASS;
		if (c->kind == LG_CHECK_LEAK && (evidence || !attributed(p)))
			need = LG_SCHED_EVIDENCE;
	}
	return need;
}

#define SWAP(a, b) do { __typeof__(a) t_ = (a); (a) = (b); (b) = t_; } while (0)

/* Moves q's leak check and groups into p (p's go to q, released with it). */
static void take_leaks(struct lg_package *p, struct lg_check *pl, struct lg_package *q,
		       struct lg_check *ql)
{
	SWAP(*pl, *ql);
	SWAP(p->leaks, q->leaks);
	SWAP(p->nleaks, q->nleaks);
	SWAP(p->snapshot_note, q->snapshot_note);
	SWAP(p->snapshot_aggregated, q->snapshot_aggregated);
}

/*
 * Takes the evidence run's heap verdict into p, and its leak verdict when
 * it ran for the leaks (`leaks`: with ancestry; else p keeps its own).  A
 * leak that did not come back in the evidence run keeps the first run's
 * verdict (it failed once: a leak that depends on timing is still a leak),
 * with a note.
 */
static void take_evidence(struct lg_package *p, struct lg_package *q, int leaks)
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
	if (!leaks) {
		/* the first run's leak verdict stands */
	} else if (pl->status == LG_STATUS_FAILED && ql->status != LG_STATUS_FAILED) {
		lg_buf_adds(&note, pl->detail ? pl->detail : "");
		lg_buf_adds(&note, "\nleakgate ran the package again (with tracebackancestors) and "
				   "it did not leak then: a leak that depends on timing\n");
		free(pl->detail);
		pl->detail = lg_buf_detach(&note, NULL);
	} else {
		take_leaks(p, pl, q, ql);
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

/* Appends `line` to p's leak check detail. */
static void leak_note(struct lg_package *p, const char *line)
{
	struct lg_check *c = lg_package_find_check(p, LG_CHECK_LEAK);
	char *d;

	if (!c)
		return;
	d = lg_xasprintf("%s%s", c->detail ? c->detail : "", line);
	free(c->detail);
	c->detail = d;
}

/*
 * The targeted evidence run.  The lean run's hook recorded the test starts
 * (hook/README.md, "Test starts"): each top-level test in run order with
 * the id of a goroutine started just before the test's own.  Goroutine ids
 * grow as goroutines are created, taken in batches of LG_GOID_BATCH by each
 * P, so a leaked goroutine created during test i has an id near or above
 * test i's and below the next test's, give or take a batch per P.  The
 * tests around each leaked goroutine's id and its creator's, with that
 * slack, are run again alone (-test.run) with ancestry, which names the
 * test behind each group at a fraction of the whole package's time (x/net's
 * http2: 4 of its 471 top-level tests).  It counts only when it leaks
 * every group of the lean run again, at least as often: a leak that needs
 * earlier tests, a goroutine of a test that ran in parallel or an id from a
 * batch taken long before falls back to the whole evidence run.
 */
#define LG_GOID_BATCH 16 /* the runtime's _GoidCacheBatch */
/* above this many goroutines after the tests, no run at LG_ANCESTORS_DEEP */
#define LG_DEEP_MAX_GOROUTINES 10000
#define LG_TARGET_MAX_SHARE 0.5 /* more of the tests than this: run them all */
#define LG_TARGET_SHOWN 5       /* tests the note names */
#define LG_TARGET_MAX_GROUPS 64 /* more leak groups than this: run them all */

struct start {
	int64_t goid;
	const char *name; /* into the file's buffer */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* p's top-level test names, sorted for bsearch; *n gets how many. */
static const char **top_tests(const struct lg_package *p, size_t *n)
{
	const char **v = lg_xcalloc(p->ntests ? p->ntests : 1, sizeof(*v));
	size_t i;

	*n = 0;
	for (i = 0; i < p->ntests; i++)
		if (!strchr(p->tests[i].name, '/'))
			v[(*n)++] = p->tests[i].name;
	qsort(v, *n, sizeof(*v), cmp_str);
	return v;
}

/*
 * Parses the starts file in `b` (NUL-terminated, edited in place) into
 * *out, keeping the lines that name one of the `ntops` sorted `tops`.
 */
static size_t parse_starts(struct lg_buf *b, const char **tops, size_t ntops, struct start **out)
{
	size_t n = 0, alloc = 0;
	char *line = b->buf, *nl, *end;

	*out = NULL;
	for (; line && *line; line = nl ? nl + 1 : NULL) {
		long long id;
		const char *name;

		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		id = strtoll(line, &end, 10);
		name = end + 1;
		if (end == line || *end != ' ' || id < 0 ||
		    !bsearch(&name, tops, ntops, sizeof(*tops), cmp_str))
			continue;
		LG_GROW(*out, alloc, n + 1);
		(*out)[n].goid = id;
		(*out)[n].name = end + 1;
		n++;
	}
	return n;
}

/* Marks the starts an id may belong to; 0 when none could. */
static int mark_id(const struct start *s, size_t n, int64_t id, int64_t slack, char *mark)
{
	size_t i, last = n;
	int any = 0;

	for (i = 0; i < n; i++) {
		if (s[i].goid <= id && (last == n || s[i].goid >= s[last].goid))
			last = i;
		if (s[i].goid >= id - slack && s[i].goid <= id + slack)
			mark[i] = any = 1;
	}
	if (last < n)
		mark[last] = any = 1;
	return any;
}

/*
 * The -test.run pattern of the tests to run again for p's leak groups, and
 * their names for the note ("TestA, TestB"); NULL when the starts cannot
 * pick them (no file, a group with no ids, or too many of the tests).
 */
static char *target_pattern(const struct lg_package *p, const struct lg_hook_manifest *m,
			    char **names)
{
	struct lg_buf b = LG_BUF_INIT, re = LG_BUF_INIT, shown = LG_BUF_INIT;
	struct lg_err err;
	struct start *s = NULL;
	char *mark = NULL, *out = NULL;
	size_t n, i, j, picked = 0, tops;
	const char **top = top_tests(p, &tops), **chosen = lg_xcalloc(tops + 1, sizeof(*chosen));
	int64_t slack = (int64_t)LG_GOID_BATCH * (m->gomaxprocs > 0 ? m->gomaxprocs : 1);

	*names = NULL;
	/* many groups: the ids would pick most tests anyway */
	if (p->nleaks > LG_TARGET_MAX_GROUPS || !m->test_starts ||
	    lg_read_file(m->test_starts, 16 << 20, &b, &err))
		goto out;
	n = parse_starts(&b, top, tops, &s);
	mark = lg_xcalloc(n ? n : 1, 1);
	for (i = 0; i < p->nleaks; i++) {
		const struct lg_leak_group *g = &p->leaks[i];
		int any = 0;

		for (j = 0; j < (size_t)g->ngoids; j++)
			any |= mark_id(s, n, g->goids[j], slack, mark);
		if (!any)
			goto out;
	}
	for (i = 0; i < n; i++) {
		const char *c;

		if (!mark[i])
			continue;
		/* a test started more than once (-test.count) is named once */
		for (j = 0; j < picked && strcmp(chosen[j], s[i].name); j++)
			;
		if (j < picked)
			continue;
		if (picked + 1 > LG_TARGET_MAX_SHARE * (double)tops)
			goto out; /* too many: the whole evidence run */
		chosen[picked] = s[i].name;
		lg_buf_adds(&re, picked ? "|" : "^(?:");
		for (c = s[i].name; *c; c++) {
			if (strchr("\\.+*?()|[]{}^$", *c))
				lg_buf_addch(&re, '\\');
			lg_buf_addch(&re, *c);
		}
		if (picked < LG_TARGET_SHOWN)
			lg_buf_addf(&shown, "%s%s", picked ? ", " : "", s[i].name);
		picked++;
	}
	if (!picked || (double)picked > LG_TARGET_MAX_SHARE * (double)tops)
		goto out;
	lg_buf_adds(&re, ")$");
	out = lg_xasprintf("-test.run=%s", re.buf);
	if (picked > LG_TARGET_SHOWN)
		lg_buf_addf(&shown, " and %zu more", picked - LG_TARGET_SHOWN);
	*names = lg_xasprintf("%zu test%s (%s)", picked, picked == 1 ? "" : "s", shown.buf);
out:
	lg_buf_release(&b);
	lg_buf_release(&re);
	lg_buf_release(&shown);
	free(s);
	free(mark);
	free(top);
	free(chosen);
	return out;
}

/* Every group of p leaked again in q, at least as many times. */
static int leaks_again(const struct lg_package *p, const struct lg_package *q)
{
	size_t i, j;

	for (i = 0; i < p->nleaks; i++) {
		for (j = 0; j < q->nleaks; j++)
			if (!strcmp(q->leaks[j].signature, p->leaks[i].signature) &&
			    q->leaks[j].count >= p->leaks[i].count)
				break;
		if (j == q->nleaks)
			return 0;
	}
	return 1;
}

int lg_runner_targeted_run(struct pool *pl, const struct lg_gopkg *gp, struct lg_package *p,
			   const struct pkgstate *st, const char *dir)
{
	char *hookdir = lg_xasprintf("%s/hook", dir), *names = NULL, *pattern, *line;
	char *extra[2] = { NULL, NULL };
	struct lg_hook_manifest m;
	struct lg_check *pl_, *ql;
	struct lg_package q;
	struct lg_err err;
	int took = 0;

	memset(&m, 0, sizeof(m));
	/* the targeted run's -test.run would replace the user's, subtests and all */
	if (lg_runner_user_run_flag(pl->o) ||
	    lg_hook_read_manifest(hookdir, &m, &err) || m.after.aggregated ||
	    !(pattern = target_pattern(p, &m, &names))) {
		lg_hook_manifest_release(&m);
		free(hookdir);
		return 0;
	}
	lg_hook_manifest_release(&m);
	free(hookdir);
	hookdir = lg_xasprintf("%s/hook-targeted", dir);
	if (mkdir(hookdir, 0700)) {
		free(hookdir);
		free(pattern);
		free(names);
		return 0;
	}
	extra[0] = pattern;
	memset(&q, 0, sizeof(q));
	q.import_path = lg_xstrdup(p->import_path);
	q.dir = lg_xstrdup(p->dir);
	q.rel_dir = lg_xstrdup(p->rel_dir);
	lg_runner_run_binary(pl, gp, &q, st, hookdir, extra, pl->o->cfg->timeout, LG_RUN_ANCESTRY, 1);
	p->run_seconds += q.run_seconds;
	pl_ = lg_package_find_check(p, LG_CHECK_LEAK);
	ql = lg_package_find_check(&q, LG_CHECK_LEAK);
	if (q.hook == LG_HOOK_DONE && pl_ && ql && ql->status == LG_STATUS_FAILED && leaks_again(p, &q)) {
		take_leaks(p, pl_, &q, ql);
		p->evidence = LG_EVIDENCE_USED;
		line = lg_xasprintf("leakgate ran %s of %s again alone, picked by goroutine id, "
				    "with tracebackancestors=%d to name the tests: the groups above are "
				    "that run's\n", names, p->import_path,
				    lg_runner_ancestry(pl->o->cfg, LG_RUN_ANCESTRY));
		leak_note(p, line);
		free(line);
		took = 1;
	}
	lg_package_release(&q);
	free(hookdir);
	free(pattern);
	free(names);
	return took;
}

/*
 * Runs the built binary again with the evidence settings and takes its
 * verdicts: fine heap sampling, and ancestry when leak groups need it (it
 * costs tests that start many goroutines a quarter of their time and more,
 * and adds nothing to a heap verdict).  When the first run's heap check failed, the tests run
 * --heap-passes times in the process so the heap check can judge growth per
 * pass; a pass that hangs must not cost the whole --timeout, so the deadline
 * is then a multiple of the lean run's time (the first pass's verdicts are
 * on disk by then, and a pass cut short leaves the per-pass method
 * inconclusive, never a pass).
 */
void lg_runner_evidence_run(struct pool *pl, const struct lg_gopkg *gp, struct lg_package *p,
			    const struct pkgstate *st, const char *dir)
{
	char *hookdir = lg_xasprintf("%s/hook-evidence", dir);
	const struct lg_check *heap = lg_package_find_check(p, LG_CHECK_HEAP);
	const struct lg_config *cfg = pl->o->cfg;
	int passes = heap && heap->status == LG_STATUS_FAILED ? cfg->heap_passes : 1;
	/* a first run with the evidence settings had ancestry already */
	int leaks = p->evidence != LG_EVIDENCE_FIRST_RUN && leaks_need_ancestry(p);
	double deadline = cfg->timeout;
	struct lg_package q;
	struct pkgstate own = *st;
	char *bin = NULL;

	memset(&q, 0, sizeof(q));
	q.import_path = lg_xstrdup(p->import_path);
	q.dir = lg_xstrdup(p->dir);
	q.rel_dir = lg_xstrdup(p->rel_dir);

	/* The testdeps route cannot call m.Run again: passes need the hook in
	   the test package, in a binary of its own. */
	if (passes >= 2 && st->testdeps) {
		struct lg_err err;

		bin = lg_runner_build_in_package(pl, (size_t)(st - pl->st), &err);
		if (bin) {
			own.br.binary = bin;
			own.testdeps = 0;
		} else {
			char *line = lg_xasprintf("heap passes not run: they need the hook in the "
						  "test package: %s", err.msg);

			lg_runner_note(pl, p, line);
			free(line);
			passes = 1;
		}
	}
	if (mkdir(hookdir, 0700) == 0) {
		if (passes >= 2 && p->run_seconds * 3 * passes + 30 + cfg->settle * passes < deadline)
			deadline = p->run_seconds * 3 * passes + 30 + cfg->settle * passes;
		lg_runner_run_binary(pl, gp, &q, &own, hookdir, NULL, deadline,
				     LG_RUN_FINE_HEAP | (leaks ? LG_RUN_ANCESTRY : 0), passes);
		take_evidence(p, &q, leaks);
	}
	free(bin);
	lg_package_release(&q);
	free(hookdir);
}

/* A group with no test whose ancestry reached `depth`: cut, perhaps. */
static const struct lg_leak_group *cut_group(const struct lg_package *p, int depth)
{
	size_t i;

	for (i = 0; depth > 0 && i < p->nleaks; i++)
		if (!p->leaks[i].test && p->leaks[i].unnamed_ancestors >= depth)
			return &p->leaks[i];
	return NULL;
}

void lg_runner_deeper_run(struct pool *pl, const struct lg_gopkg *gp, struct lg_package *p,
			  const struct pkgstate *st, const char *dir)
{
	const struct lg_config *cfg = pl->o->cfg;
	const struct lg_check *lc = lg_package_find_check(p, LG_CHECK_LEAK);
	const struct lg_leak_group *g;
	struct lg_check *pl_, *ql;
	struct lg_package q;
	char *hookdir, *line;
	double deadline;
	int took;

	if (!lc || lc->status != LG_STATUS_FAILED || lg_runner_user_ancestry() ||
	    !(g = cut_group(p, cfg->ancestors)))
		return;
	/* each goroutine of the run would carry LG_ANCESTORS_DEEP records */
	if (!pl->o->rerun || cfg->ancestors >= LG_ANCESTORS_DEEP || lg_proc_interrupted() ||
	    p->after.num_goroutine > LG_DEEP_MAX_GOROUTINES) {
		line = lg_xasprintf("ancestry: %d creators back from %s reached no test "
				    "(--ancestors %d): a larger --ancestors may name it\n",
				    cfg->ancestors, g->top_func ? g->top_func : "a group", cfg->ancestors);
		leak_note(p, line);
		free(line);
		return;
	}
	hookdir = lg_xasprintf("%s/hook-deep", dir);
	if (mkdir(hookdir, 0700)) {
		free(hookdir);
		return;
	}
	memset(&q, 0, sizeof(q));
	q.import_path = lg_xstrdup(p->import_path);
	q.dir = lg_xstrdup(p->dir);
	q.rel_dir = lg_xstrdup(p->rel_dir);
	/* a run that hangs must not cost the whole --timeout: a multiple of the lean run's */
	deadline = st->lean_seconds * 3 + 30 < cfg->timeout ? st->lean_seconds * 3 + 30 : cfg->timeout;
	lg_runner_run_binary(pl, gp, &q, st, hookdir, NULL, deadline,
			     LG_RUN_ANCESTRY | LG_RUN_DEEP_ANCESTRY, 1);
	p->run_seconds += q.run_seconds;
	pl_ = lg_package_find_check(p, LG_CHECK_LEAK);
	ql = lg_package_find_check(&q, LG_CHECK_LEAK);
	/* only a run that leaked every group again replaces them: a group that
	   did not come back (timing) must not drop out of the verdict */
	took = q.hook == LG_HOOK_DONE && ql && pl_ && ql->status == LG_STATUS_FAILED &&
	       leaks_again(p, &q);
	line = lg_xasprintf("ancestry: %d creators back from %s reached no test (--ancestors "
			    "%d), so leakgate ran the package again with tracebackancestors=%d: %s\n",
			    cfg->ancestors, g->top_func ? g->top_func : "a group", cfg->ancestors,
			    LG_ANCESTORS_DEEP,
			    took ? "the groups above are that run's"
			    : q.hook != LG_HOOK_DONE || !ql ? "that run did not finish, the groups above are "
							    "the earlier run's"
							  : "that run did not leak every group again, the groups "
							    "above are the earlier run's");
	if (took)
		take_leaks(p, pl_, &q, ql);
	leak_note(p, line);
	free(line);
	lg_package_release(&q);
	free(hookdir);
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

void lg_runner_stress(struct pool *pl, const struct lg_gopkg *gp, struct lg_package *p,
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
			lg_runner_run_binary(pl, gp, &q, st, hookdir, extra,
				   deadline < cfg->timeout ? deadline : cfg->timeout, LG_RUN_EVIDENCE, 1);
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

		lg_runner_note(pl, p, line);
		free(line);
	}
}
