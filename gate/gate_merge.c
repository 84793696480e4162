/*
 * gate_merge.c — merging the runs of `leakgate run --count N` (gate.h) so
 * that one flaky leak or one noisy heap figure does not flip the gate: the
 * worst run speaks for a package that broke, leak groups are the union at
 * their highest counts, heap growth is the median of the runs (the band a
 * baseline update records).
 *
 * Only the leak and heap checks are re-decided; crashes, deadlocks, hangs
 * and test failures of any run stand.
 */
#include <stdlib.h>
#include <string.h>

#include "gate.h"
#include "leak.h"

static const char *plural(long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void set_text(char **slot, struct lg_buf *b)
{
	free(*slot);
	*slot = lg_buf_detach(b, NULL);
}

static int broke(const struct lg_package *p)
{
	size_t i;

	if (!p->built)
		return 1;
	for (i = 0; i < p->ntests; i++)
		if (p->tests[i].result == LG_TEST_FAIL || p->tests[i].result == LG_TEST_UNFINISHED)
			return 1;
	for (i = 0; i < p->nchecks; i++)
		if (p->checks[i].status == LG_STATUS_ERROR)
			return 1;
	return 0;
}

static struct lg_package *find_package(struct lg_run *r, const char *path)
{
	size_t i;

	for (i = 0; i < r->npkgs; i++)
		if (r->pkgs[i].import_path && path && !strcmp(r->pkgs[i].import_path, path))
			return &r->pkgs[i];
	return NULL;
}

/* Takes src's groups into dst: new ones moved, known ones at the higher count. */
static void merge_leaks(struct lg_package *dst, struct lg_package *src)
{
	size_t i, j;

	for (i = 0; i < src->nleaks; i++) {
		struct lg_leak_group *g = &src->leaks[i];

		for (j = 0; j < dst->nleaks; j++)
			if (g->signature && dst->leaks[j].signature &&
			    !strcmp(g->signature, dst->leaks[j].signature))
				break;
		if (j < dst->nleaks) {
			if (g->count > dst->leaks[j].count)
				dst->leaks[j].count = g->count;
			continue;
		}
		dst->leaks = lg_xrealloc(dst->leaks, (dst->nleaks + 1) * sizeof(*dst->leaks));
		dst->leaks[dst->nleaks++] = *g;
		memset(g, 0, sizeof(*g)); /* moved: src must not free it */
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void redecide_leaks(struct lg_package *p, int max_leaks, size_t nruns)
{
	struct lg_check *c = lg_package_find_check(p, LG_CHECK_LEAK);
	struct lg_buf m = LG_BUF_INIT, d = LG_BUF_INIT;
	size_t i;
	int n = 0;

	if (!c || c->status == LG_STATUS_SKIPPED)
		return;
	for (i = 0; i < p->nleaks; i++) {
		n += p->leaks[i].count;
		lg_leak_format_group(&p->leaks[i], &d);
		lg_buf_addch(&d, '\n');
	}
	c->status = n > max_leaks ? LG_STATUS_FAILED : LG_STATUS_PASSED;
	if (n)
		lg_buf_addf(&m, "%d goroutine%s leaked in %zu group%s (limit %d; worst of %zu runs)",
			    n, plural(n, "", "s"), p->nleaks, plural((long)p->nleaks, "", "s"),
			    max_leaks, nruns);
	else
		lg_buf_addf(&m, "no goroutines leaked in %zu runs", nruns);
	set_text(&c->message, &m);
	set_text(&c->detail, &d);
	if (p->nleaks)
		lg_check_point_at(c, &p->leaks[0]);
}

static void redecide_heap(struct lg_package *p, const struct lg_heap_band *band, int64_t limit)
{
	struct lg_check *c = lg_package_find_check(p, LG_CHECK_HEAP);
	struct lg_buf m = LG_BUF_INIT;

	if (!c || c->status == LG_STATUS_SKIPPED || band->runs <= 0)
		return;
	/* the band holds counted growth: the median run's discount is already off */
	p->heap_growth = band->median;
	p->heap_discounted = 0;
	c->status = band->median > limit ? LG_STATUS_FAILED : LG_STATUS_PASSED;
	lg_buf_addf(&m, "HeapInuse grew by %.2f MiB after GC (counted), median of %d runs (min %.2f, max "
			"%.2f; limit %.2f MiB)", (double)band->median / 1048576.0, band->runs,
		    (double)band->min / 1048576.0, (double)band->max / 1048576.0,
		    (double)limit / 1048576.0);
	set_text(&c->message, &m);
}

static void band_of(struct lg_run *runs, size_t n, const char *path, struct lg_heap_band *b)
{
	int64_t *v = lg_xcalloc(n, sizeof(*v));
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		struct lg_package *p = find_package(&runs[i], path);

		if (p && p->hook == LG_HOOK_DONE)
			v[k++] = lg_package_heap_counted(p);
	}
	memset(b, 0, sizeof(*b));
	if (k) {
		qsort(v, k, sizeof(*v), cmp_i64);
		b->runs = (int)k;
		b->min = v[0];
		b->max = v[k - 1];
		b->median = k % 2 ? v[k / 2] : v[k / 2 - 1] + (v[k / 2] - v[k / 2 - 1]) / 2;
	}
	free(v);
}

/* Packages only later runs listed join the first run. */
static void adopt_missing(struct lg_run *dst, struct lg_run *src)
{
	size_t i;

	for (i = 0; i < src->npkgs; i++) {
		if (!src->pkgs[i].import_path || find_package(dst, src->pkgs[i].import_path))
			continue;
		*lg_run_add_package(dst) = src->pkgs[i];
		memset(&src->pkgs[i], 0, sizeof(src->pkgs[i]));
	}
}

static void merge_package(struct lg_run *runs, size_t n, size_t idx,
			  const struct lg_merge_limits *lim, struct lg_heap_band *band)
{
	struct lg_package *dst = &runs[0].pkgs[idx], tmp;
	const char *path;
	size_t r;

	for (r = 1; r < n && !broke(dst); r++) {
		struct lg_package *p = find_package(&runs[r], dst->import_path);

		if (p && broke(p)) { /* the worst run speaks for the package */
			tmp = *dst;
			*dst = *p;
			*p = tmp;
		}
	}
	path = dst->import_path;
	band_of(runs, n, path, band);
	if (dst->hook != LG_HOOK_DONE)
		return;
	for (r = 1; r < n; r++) {
		struct lg_package *p = find_package(&runs[r], path);

		if (p && p->hook == LG_HOOK_DONE)
			merge_leaks(dst, p);
	}
	redecide_leaks(dst, lim->max_leaks, n);
	redecide_heap(dst, band, lim->max_heap);
}

struct lg_heap_band *lg_gate_merge_runs(struct lg_run *runs, size_t n,
					const struct lg_merge_limits *lim)
{
	struct lg_heap_band *bands;
	size_t i;

	for (i = 1; i < n; i++) {
		adopt_missing(&runs[0], &runs[i]);
		runs[0].seconds += runs[i].seconds;
	}
	bands = lg_xcalloc(runs[0].npkgs + 1, sizeof(*bands));
	for (i = 0; i < runs[0].npkgs; i++) {
		if (n > 1)
			merge_package(runs, n, i, lim, &bands[i]);
		else
			band_of(runs, 1, runs[0].pkgs[i].import_path, &bands[i]);
	}
	for (i = 1; i < n; i++)
		lg_run_release(&runs[i]);
	return bands;
}
