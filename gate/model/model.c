/*
 * model.c — lifecycle of the run model and the names it is reported under.
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util.h"

static const char *const check_names[LG_CHECK_KIND_COUNT] = {
	[LG_CHECK_BUILD] = "build",
	[LG_CHECK_LEAK] = "goroutine-leaks",
	[LG_CHECK_HEAP] = "heap-growth",
	[LG_CHECK_DEADLOCK] = "deadlock",
	[LG_CHECK_HANG] = "hang",
	[LG_CHECK_CRASH] = "crash",
	[LG_CHECK_EXIT] = "exit-status",
	[LG_CHECK_INTERRUPTED] = "interrupted",
};

const char *lg_check_kind_name(enum lg_check_kind k)
{
	return (unsigned)k < LG_CHECK_KIND_COUNT ? check_names[k] : "unknown";
}

int lg_check_failed(const struct lg_check *c)
{
	return c->status == LG_STATUS_FAILED || c->status == LG_STATUS_ERROR;
}

void lg_check_point_at(struct lg_check *c, const struct lg_leak_group *g)
{
	const struct lg_location *l = g->created_at.file ? &g->created_at : &g->blocked_at;

	lg_location_release(&c->loc);
	c->loc.file = l->file ? lg_xstrdup(l->file) : NULL;
	c->loc.line = l->line;
	free(c->test);
	c->test = g->test ? lg_xstrdup(g->test) : NULL;
}

void lg_run_totals(const struct lg_run *run, struct lg_run_totals *t)
{
	size_t i, j;

	memset(t, 0, sizeof(*t));
	t->packages = run->npkgs;
	for (i = 0; i < run->npkgs; i++) {
		const struct lg_package *p = &run->pkgs[i];

		/* failed first: a package without test files can still fail (its
		 * build broke), and then it is a failure, not "without tests" */
		if (!lg_package_passed(p))
			t->failed++;
		else if (p->no_tests)
			t->notests++;
		else
			t->passed++;
		t->tests += p->ntests;
		t->groups += p->nleaks;
		if (!p->no_tests && p->built) {
			if ((unsigned)p->hook_via < LG_VIA_COUNT)
				t->by_via[p->hook_via]++;
			for (j = 0; j < p->nchecks; j++)
				if (p->checks[j].kind == LG_CHECK_LEAK &&
				    p->checks[j].status == LG_STATUS_SKIPPED) {
					t->leak_skipped++;
					break;
				}
		}
		for (j = 0; j < p->nleaks; j++) {
			t->leaked += p->leaks[j].count > 0 ? (size_t)p->leaks[j].count : 0;
			t->baselined += p->leaks[j].baselined || p->leaks[j].baseline_note;
		}
		for (j = 0; j < p->ntests; j++)
			t->failed_tests += p->tests[j].result == LG_TEST_FAIL;
		for (j = 0; j < p->nchecks; j++) {
			const struct lg_check *c = &p->checks[j];

			if ((unsigned)c->kind < LG_CHECK_KIND_COUNT)
				t->by_kind[c->kind] += lg_check_failed(c);
			t->baselined += c->baselined || c->baseline_note;
		}
	}
}

const char *lg_check_status_name(enum lg_check_status s)
{
	switch (s) {
	case LG_STATUS_PASSED: return "passed";
	case LG_STATUS_FAILED: return "failed";
	case LG_STATUS_ERROR: return "error";
	case LG_STATUS_SKIPPED: return "skipped";
	}
	return "unknown";
}

const char *lg_test_result_name(enum lg_test_result r)
{
	switch (r) {
	case LG_TEST_PASS: return "pass";
	case LG_TEST_FAIL: return "fail";
	case LG_TEST_SKIP: return "skip";
	case LG_TEST_UNFINISHED: return "unfinished";
	}
	return "unknown";
}

int64_t lg_package_heap_counted(const struct lg_package *p)
{
	return p->heap_growth - p->heap_discounted;
}

int lg_package_passed(const struct lg_package *p)
{
	size_t i;

	if (!p->built)
		return 0;
	for (i = 0; i < p->ntests; i++)
		if (p->tests[i].result == LG_TEST_FAIL || p->tests[i].result == LG_TEST_UNFINISHED)
			return 0;
	for (i = 0; i < p->nchecks; i++)
		if (p->checks[i].status == LG_STATUS_FAILED || p->checks[i].status == LG_STATUS_ERROR)
			return 0;
	return p->no_tests || p->exit_code == 0;
}

#define APPEND_ZEROED(arr, n, type)                                  \
	do {                                                         \
		arr = lg_xrealloc(arr, ((n) + 1) * sizeof(type));    \
		memset(&(arr)[n], 0, sizeof(type));                  \
	} while (0)

struct lg_test *lg_package_add_test(struct lg_package *p)
{
	APPEND_ZEROED(p->tests, p->ntests, struct lg_test);
	return &p->tests[p->ntests++];
}

struct lg_check *lg_package_find_check(struct lg_package *p, enum lg_check_kind kind)
{
	size_t i;

	for (i = 0; i < p->nchecks; i++)
		if (p->checks[i].kind == kind)
			return &p->checks[i];
	return NULL;
}

struct lg_check *lg_package_add_check(struct lg_package *p, enum lg_check_kind kind,
				      enum lg_check_status status)
{
	struct lg_check *c;

	APPEND_ZEROED(p->checks, p->nchecks, struct lg_check);
	c = &p->checks[p->nchecks++];
	c->kind = kind;
	c->status = status;
	return c;
}

struct lg_package *lg_run_add_package(struct lg_run *r)
{
	APPEND_ZEROED(r->pkgs, r->npkgs, struct lg_package);
	return &r->pkgs[r->npkgs++];
}

void lg_location_release(struct lg_location *l)
{
	free(l->file);
	l->file = NULL;
	l->line = 0;
}

void lg_leak_group_release(struct lg_leak_group *g)
{
	size_t i;

	free(g->signature);
	free(g->top_func);
	free(g->wait_reason);
	free(g->creator_func);
	lg_location_release(&g->created_at);
	free(g->created_via);
	lg_location_release(&g->blocked_at);
	free(g->blocked_in);
	free(g->test);
	for (i = 0; i < g->ntests; i++)
		free(g->tests[i].name);
	free(g->tests);
	free(g->pattern);
	free(g->pattern_title);
	free(g->hint);
	free(g->stack);
	free(g->baseline_note);
}

void lg_package_release(struct lg_package *p)
{
	size_t i;

	free(p->stress.exposed_by);
	free(p->stress.command);
	free(p->stress.note);
	free(p->import_path);
	free(p->dir);
	free(p->rel_dir);
	free(p->hook_note);
	free(p->snapshot_note);
	lg_strv_free(p->hook_notes);
	free(p->go_version);
	for (i = 0; i < p->ntests; i++) {
		free(p->tests[i].name);
		free(p->tests[i].output);
		lg_location_release(&p->tests[i].loc);
	}
	free(p->tests);
	for (i = 0; i < p->nchecks; i++) {
		free(p->checks[i].message);
		free(p->checks[i].detail);
		free(p->checks[i].test);
		free(p->checks[i].baseline_note);
		lg_location_release(&p->checks[i].loc);
	}
	free(p->checks);
	for (i = 0; i < p->nleaks; i++)
		lg_leak_group_release(&p->leaks[i]);
	free(p->leaks);
	for (i = 0; i < p->nheap_sites; i++) {
		free(p->heap_sites[i].func);
		lg_location_release(&p->heap_sites[i].loc);
	}
	free(p->heap_sites);
	free(p->sched);
	free(p->stray_output);
	memset(p, 0, sizeof(*p));
}

void lg_run_release(struct lg_run *r)
{
	size_t i;

	for (i = 0; i < r->npkgs; i++)
		lg_package_release(&r->pkgs[i]);
	free(r->pkgs);
	free(r->module_path);
	free(r->module_root);
	free(r->go_version);
	memset(r, 0, sizeof(*r));
}

const char *lg_hook_via_name(enum lg_hook_via v)
{
	switch (v) {
	case LG_VIA_INJECTED:
		return "injected";
	case LG_VIA_REWRITTEN:
		return "rewritten";
	case LG_VIA_USER:
		return "called by user code";
	case LG_VIA_KEPT:
		return "TestMain kept";
	case LG_VIA_COUNT:
	case LG_VIA_NONE:
		break;
	}
	return "none";
}

const char *lg_heap_method_name(enum lg_heap_method m)
{
	switch (m) {
	case LG_HEAP_PER_PASS:
		return "per-pass";
	case LG_HEAP_INCONCLUSIVE:
		return "per-pass-inconclusive";
	case LG_HEAP_TOTAL:
		break;
	}
	return "total";
}

const char *lg_evidence_name(enum lg_evidence e)
{
	switch (e) {
	case LG_EVIDENCE_USED:
		return "used";
	case LG_EVIDENCE_INCONCLUSIVE:
		return "inconclusive";
	case LG_EVIDENCE_BASELINED:
		return "baselined";
	case LG_EVIDENCE_FIRST_RUN:
		return "first-run";
	case LG_EVIDENCE_NONE:
		break;
	}
	return "none";
}
