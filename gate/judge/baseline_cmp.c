/*
 * baseline_cmp.c — what a baseline means for a run: re-deciding a package's
 * goroutine-leak and heap-growth checks against its baseline, the changes
 * an update would record.  (Merging repeated runs, --count, is the gate's:
 * gate_merge.c.)
 *
 * The verdict module decides the checks from the configured limits first;
 * everything here only re-decides those two checks, so crashes, deadlocks,
 * hangs and test failures can never be baselined away.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "leak.h"

#define KIB(x) ((double)(x) / 1024.0)

int64_t lg_baseline_heap_limit(const struct lg_baseline *b)
{
	int64_t base, prop;

	if (!b || b->heap_runs <= 0)
		return INT64_MAX;
	base = b->heap_max > 0 ? b->heap_max : 0;
	if (base > INT64_MAX / 2)
		return INT64_MAX;
	prop = base + base / 4;
	return prop > base + LG_BASELINE_HEAP_SLACK ? prop : base + LG_BASELINE_HEAP_SLACK;
}

static const char *plural(long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void set_text(char **slot, struct lg_buf *b)
{
	free(*slot);
	*slot = lg_buf_detach(b, NULL);
}

/* Puts `head` in front of the check's detail. */
static void prefix_detail(struct lg_check *c, struct lg_buf *head)
{
	if (c->detail && *c->detail)
		lg_buf_addf(head, "\n%s", c->detail);
	set_text(&c->detail, head);
}

/* --- comparing ------------------------------------------------------------ */

struct leak_tally {
	int total, excess, accepted, expired, stale, groups_over;
	int in_expired; /* goroutines of groups whose entry expired */
	const struct lg_leak_group *first_bad;
};

/* Judges one group against its entry; returns the group's note. */
static char *judge_group(struct lg_leak_group *g, const struct lg_baseline_leak *e,
			 const struct lg_baseline_cmp_opts *o, struct leak_tally *t)
{
	t->total += g->count;
	g->baselined = 0;
	if (!e) {
		t->excess += g->count;
		t->groups_over++;
		return lg_xstrdup("new: not in the baseline");
	}
	if (e->expires && o->today && strcmp(e->expires, o->today) < 0) {
		t->expired++;
		t->in_expired += g->count;
		return lg_xasprintf("baseline entry expired on %s%s%s", e->expires,
				    e->owner ? " (owner " : "", e->owner ? e->owner : "");
	}
	if (g->count > e->count) {
		/* The entry's count is still accepted: 6 found against 3 is 3 + 3. */
		t->accepted += e->count;
		t->excess += g->count - e->count;
		t->groups_over++;
		return lg_xasprintf("%d goroutine%s, the baseline accepts %d", g->count,
				    plural(g->count, "", "s"), e->count);
	}
	g->baselined = 1;
	t->accepted += g->count;
	return lg_xasprintf("within the baseline (%d accepted)%s%s", e->count,
			    e->reason ? ": " : "", e->reason ? e->reason : "");
}

static int group_has_sig(const struct lg_package *p, const char *sig)
{
	size_t i;

	for (i = 0; i < p->nleaks; i++)
		if (p->leaks[i].signature && !strcmp(p->leaks[i].signature, sig))
			return 1;
	return 0;
}

static void leak_message(struct lg_check *c, const struct leak_tally *t, int max_leaks,
			 int strict)
{
	struct lg_buf m = LG_BUF_INIT;

	if (t->excess > max_leaks)
		lg_buf_addf(&m, "%d goroutine%s leaked beyond the baseline in %d group%s (limit %d)",
			    t->excess, plural(t->excess, "", "s"), t->groups_over,
			    plural(t->groups_over, "", "s"), max_leaks);
	else if (t->total)
		lg_buf_addf(&m, "%d goroutine%s leaked, all within the baseline%s", t->total,
			    plural(t->total, "", "s"),
			    t->excess ? " and the --max-leaks limit" : "");
	else
		lg_buf_adds(&m, "no goroutines leaked");
	if (t->expired)
		lg_buf_addf(&m, "; %d baseline entr%s expired", t->expired,
			    plural(t->expired, "y", "ies"));
	if (t->stale)
		lg_buf_addf(&m, "; %d baseline entr%s fixed — shrink the baseline%s", t->stale,
			    plural(t->stale, "y", "ies"), strict ? " (--strict)" : "");
	set_text(&c->message, &m);
}

static void compare_leaks(const struct lg_baseline *b, struct lg_package *p,
			  const struct lg_baseline_cmp_opts *o, struct lg_check *c)
{
	struct leak_tally t;
	struct lg_buf head = LG_BUF_INIT, note = LG_BUF_INIT;
	size_t i;
	int fail;

	memset(&t, 0, sizeof(t));
	lg_buf_addf(&head, "baseline %s:\n", o->source);
	for (i = 0; i < p->nleaks; i++) {
		struct lg_leak_group *g = &p->leaks[i];

		free(g->baseline_note);
		g->baseline_note = judge_group(g, lg_baseline_find(b, g->signature), o, &t);
		if (!g->baselined && !t.first_bad)
			t.first_bad = g;
		lg_buf_addf(&head, "  %s  %d × %s: %s\n", g->signature ? g->signature : "?", g->count,
			    g->creator_func ? g->creator_func : "?", g->baseline_note);
	}
	for (i = 0; i < b->nleaks; i++) {
		const struct lg_baseline_leak *e = &b->leaks[i];

		if (group_has_sig(p, e->signature))
			continue;
		t.stale++;
		lg_buf_addf(&head, "  %s  %d × %s (%s): no longer occurs — fixed, shrink the "
				   "baseline%s\n", e->signature, e->count,
			    e->creator_func ? e->creator_func : "?", e->example ? e->example : "?",
			    o->strict ? " (fails under --strict)" : "");
	}
	fail = t.excess > o->max_leaks || t.expired || (o->strict && t.stale);
	c->status = fail ? LG_STATUS_FAILED : LG_STATUS_PASSED;
	c->baselined = 1;
	leak_message(c, &t, o->max_leaks, o->strict);
	lg_buf_addf(&note, "baseline %s: %d goroutine%s leaked, %d within the baseline, %d beyond it",
		    o->source, t.total, plural(t.total, "", "s"), t.accepted, t.excess);
	if (t.in_expired)
		lg_buf_addf(&note, ", %d in expired entries", t.in_expired);
	lg_buf_addf(&note, "; %d expired entr%s, %d fixed entr%s", t.expired,
		    plural(t.expired, "y", "ies"), t.stale, plural(t.stale, "y", "ies"));
	if (t.stale)
		lg_buf_adds(&note, " — shrink the baseline (leakgate baseline update)");
	set_text(&c->baseline_note, &note);
	if (t.first_bad)
		lg_check_point_at(c, t.first_bad);
	prefix_detail(c, &head);
}

static void compare_heap(const struct lg_baseline *b, struct lg_package *p,
			 const struct lg_baseline_cmp_opts *o, struct lg_check *c)
{
	struct lg_buf m = LG_BUF_INIT, note = LG_BUF_INIT;
	int64_t env = lg_baseline_heap_limit(b), limit, counted = lg_package_heap_counted(p);

	if (b->heap_runs <= 0) {
		lg_buf_addf(&note, "baseline %s records no heap envelope: the configured limit "
				   "applies", o->source);
		set_text(&c->baseline_note, &note);
		c->baselined = 1;
		return;
	}
	limit = o->strict || env > o->max_heap ? env : o->max_heap;
	c->status = counted > limit ? LG_STATUS_FAILED : LG_STATUS_PASSED;
	c->baselined = 1;
	lg_buf_addf(&m, "HeapInuse %s by %.1f KiB after GC", p->heap_growth >= 0 ? "grew" : "shrank",
		    KIB(p->heap_growth >= 0 ? p->heap_growth : -p->heap_growth));
	if (p->heap_discounted > 0)
		lg_buf_addf(&m, ", %.1f KiB of it not counted (heap profile); counted %.1f KiB",
			    KIB(p->heap_discounted), KIB(counted));
	lg_buf_addf(&m, " (baseline max %.1f KiB over %d run%s, limit %.1f KiB)", KIB(b->heap_max),
		    b->heap_runs, plural(b->heap_runs, "", "s"), KIB(limit));
	set_text(&c->message, &m);
	lg_buf_addf(&note, "baseline %s: heap envelope min %.1f, median %.1f, max %.1f KiB; "
			   "limit %s %.1f KiB", o->source, KIB(b->heap_min), KIB(b->heap_median),
		    KIB(b->heap_max),
		    limit == env ? "max(max * 1.25, max + 256 KiB) =" : "the configured",
		    KIB(limit));
	set_text(&c->baseline_note, &note);
	lg_buf_addf(&note, "%s\n", c->baseline_note);
	prefix_detail(c, &note);
}

int lg_baseline_compare(const struct lg_baseline *b, struct lg_package *p,
			const struct lg_baseline_cmp_opts *o)
{
	struct lg_check *leak = lg_package_find_check(p, LG_CHECK_LEAK), *heap = lg_package_find_check(p, LG_CHECK_HEAP);
	size_t i;
	int stale = 0;

	if (leak && leak->status != LG_STATUS_SKIPPED) {
		compare_leaks(b, p, o, leak);
		for (i = 0; i < b->nleaks; i++)
			stale += !group_has_sig(p, b->leaks[i].signature);
	}
	if (heap && heap->status != LG_STATUS_SKIPPED)
		compare_heap(b, p, o, heap);
	return stale;
}

int lg_baseline_accepts(const struct lg_baseline *b, const struct lg_package *p,
			const struct lg_baseline_cmp_opts *o)
{
	const struct lg_check *heap = NULL;
	int excess = 0;
	size_t i;

	for (i = 0; i < p->nchecks; i++)
		if (p->checks[i].kind == LG_CHECK_HEAP)
			heap = &p->checks[i];
	for (i = 0; i < p->nleaks; i++) {
		const struct lg_leak_group *g = &p->leaks[i];
		const struct lg_baseline_leak *e = lg_baseline_find(b, g->signature);

		if (!e)
			excess += g->count;
		else if (e->expires && o->today && strcmp(e->expires, o->today) < 0)
			return 0;
		else if (g->count > e->count)
			excess += g->count - e->count;
	}
	if (excess > o->max_leaks)
		return 0;
	for (i = 0; o->strict && i < b->nleaks; i++)
		if (!group_has_sig(p, b->leaks[i].signature))
			return 0;
	/* compare_heap's rule: the configured limit's verdict stands without an
	 * envelope, else the growth is held against the envelope's limit */
	if (heap && heap->status != LG_STATUS_SKIPPED) {
		int64_t env = lg_baseline_heap_limit(b);
		int64_t limit = o->strict || env > o->max_heap ? env : o->max_heap;

		if (b->heap_runs <= 0 ? heap->status == LG_STATUS_FAILED
				      : lg_package_heap_counted(p) > limit)
			return 0;
	}
	return 1;
}

/* --- what an update would change ------------------------------------------ */

static void describe(struct lg_buf *out, const char *mark, const struct lg_baseline_leak *e)
{
	lg_buf_addf(out, "%s leak group %s: %d × %s in %s (%s)", mark, e->signature, e->count,
		    e->wait_reason ? e->wait_reason : "running",
		    e->creator_func ? e->creator_func : "?", e->example ? e->example : "?");
}

static int diff_leaks(const struct lg_baseline *old, const struct lg_baseline *cur,
		      struct lg_buf *out)
{
	size_t i = 0, j = 0;
	int n = 0;

	while (i < old->nleaks || j < cur->nleaks) {
		int c = i == old->nleaks ? 1 : j == cur->nleaks ? -1
			: strcmp(old->leaks[i].signature, cur->leaks[j].signature);

		if (c < 0) {
			describe(out, "-", &old->leaks[i++]);
			lg_buf_adds(out, ": no longer occurs\n");
			n++;
		} else if (c > 0) {
			describe(out, "+", &cur->leaks[j++]);
			lg_buf_adds(out, ": new\n");
			n++;
		} else {
			if (old->leaks[i].count != cur->leaks[j].count) {
				describe(out, "~", &cur->leaks[j]);
				lg_buf_addf(out, ": count %d -> %d\n", old->leaks[i].count,
					    cur->leaks[j].count);
				n++;
			}
			i++;
			j++;
		}
	}
	return n;
}

static int diff_heap(const struct lg_baseline *old, const struct lg_baseline *cur,
		     struct lg_buf *out)
{
	if (cur->heap_runs <= 0)
		return 0;
	if (old->heap_runs <= 0) {
		lg_buf_addf(out, "+ heap envelope: max %.1f KiB\n", KIB(cur->heap_max));
		return 1;
	}
	if (cur->heap_max > lg_baseline_heap_limit(old) || old->heap_max > lg_baseline_heap_limit(cur)) {
		lg_buf_addf(out, "~ heap envelope: max %.1f KiB -> %.1f KiB (beyond the tolerance)\n",
			    KIB(old->heap_max), KIB(cur->heap_max));
		return 1;
	}
	return 0;
}

int lg_baseline_diff(const struct lg_baseline *old, const struct lg_baseline *cur,
		     struct lg_buf *out)
{
	struct lg_buf sink = LG_BUF_INIT;
	int n = 0;

	if (!out)
		out = &sink;
	if (!old) {
		int goroutines = 0;
		size_t i;

		for (i = 0; i < cur->nleaks; i++)
			goroutines += cur->leaks[i].count;
		lg_buf_addf(out, "+ new baseline: %zu leak group%s (%d goroutine%s)", cur->nleaks,
			    plural((long)cur->nleaks, "", "s"), goroutines, plural(goroutines, "", "s"));
		if (cur->heap_runs > 0)
			lg_buf_addf(out, ", heap growth max %.1f KiB", KIB(cur->heap_max));
		lg_buf_addch(out, '\n');
		lg_buf_release(&sink);
		return 1;
	}
	if (old->schema_version < LG_BASELINE_SCHEMA_VERSION) {
		lg_buf_addf(out, "~ schema version %d -> %d\n", old->schema_version,
			    LG_BASELINE_SCHEMA_VERSION);
		n++;
	}
	n += diff_leaks(old, cur, out);
	n += diff_heap(old, cur, out);
	lg_buf_release(&sink);
	return n;
}
