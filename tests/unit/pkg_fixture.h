/*
 * pkg_fixture.h — a package of the run model as the verdict leaves it, for
 * the unit tests that compare or merge packages (test_baseline.c,
 * test_gate.c): leak groups given as (signature, count) with the rest of
 * each group fixed, and leak and heap checks passed or failed against the
 * limits given.
 */
#ifndef LG_PKG_FIXTURE_H
#define LG_PKG_FIXTURE_H

#include <stdint.h>
#include <string.h>

#include "model.h"
#include "util.h"

struct gspec {
	const char *sig;
	int count;
};

static inline void add_group(struct lg_package *p, const char *sig, int count)
{
	struct lg_leak_group *g;

	p->leaks = lg_xrealloc(p->leaks, (p->nleaks + 1) * sizeof(*p->leaks));
	g = &p->leaks[p->nleaks++];
	memset(g, 0, sizeof(*g));
	g->signature = lg_xstrdup(sig);
	g->count = count;
	g->wait_reason = lg_xstrdup("chan receive");
	g->creator_func = lg_xasprintf("example.com/m/p.start_%s", sig);
	g->created_at.file = lg_xstrdup("p/p.go");
	g->created_at.line = 12;
	g->pattern = lg_xstrdup("range-unclosed-chan");
	g->test = lg_xstrdup("TestX");
}

/* A package whose hook ran, with leak and heap checks as the verdict left them. */
static inline void make_pkg(struct lg_package *p, const struct gspec *g, size_t n, int64_t heap,
			    int max_leaks, int64_t max_heap)
{
	int total = 0;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->import_path = lg_xstrdup("example.com/m/p");
	p->built = 1;
	p->hook = LG_HOOK_DONE;
	p->heap_growth = heap;
	p->after.num_goroutine = 3;
	p->run_seconds = 1.234;
	for (i = 0; i < n; i++) {
		add_group(p, g[i].sig, g[i].count);
		total += g[i].count;
	}
	lg_package_add_check(p, LG_CHECK_LEAK,
			     total > max_leaks ? LG_STATUS_FAILED : LG_STATUS_PASSED)->message =
		lg_xstrdup("verdict");
	lg_package_add_check(p, LG_CHECK_HEAP,
			     heap > max_heap ? LG_STATUS_FAILED : LG_STATUS_PASSED)->message =
		lg_xstrdup("verdict");
}

/* The package's check of kind `k`, or NULL. */
static inline struct lg_check *check_of(struct lg_package *p, enum lg_check_kind k)
{
	size_t i;

	for (i = 0; i < p->nchecks; i++)
		if (p->checks[i].kind == k)
			return &p->checks[i];
	return NULL;
}

/* The check that says how the binary ended: the first that is neither leak nor heap. */
static inline const struct lg_check *ending_check(const struct lg_package *p)
{
	size_t i;

	for (i = 0; i < p->nchecks; i++)
		if (p->checks[i].kind != LG_CHECK_LEAK && p->checks[i].kind != LG_CHECK_HEAP)
			return &p->checks[i];
	return NULL;
}

#endif
