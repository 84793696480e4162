/*
 * display.c — the terminal view of a gate run (display.h): package lines
 * and problems on the caller's stream, progress, notes and the summary on
 * stderr.  Used by the gate module (gate.c) while the runner works and by
 * `leakgate run` for lines held back until baselines were applied.
 */
#include <stdio.h>
#include <string.h>

#include "display.h"

static int count_tests(const struct lg_package *p, enum lg_test_result r)
{
	size_t i;
	int n = 0;

	for (i = 0; i < p->ntests; i++)
		n += p->tests[i].result == r;
	return n;
}

/*
 * "file:line: " when known, else the package directory, else (a pattern
 * that matched no directory: `go list` gives none) the package as named.
 */
static void print_loc(FILE *out, const struct lg_location *l, const struct lg_package *p)
{
	if (l->file && l->line > 0)
		fprintf(out, "%s:%d: ", l->file, l->line);
	else if (l->file)
		fprintf(out, "%s: ", l->file);
	else if (p->rel_dir && *p->rel_dir)
		fprintf(out, "%s: ", p->rel_dir);
	else
		fprintf(out, "%s: ", p->import_path ? p->import_path : "?");
}

/* " (created in TestA (3), TestB (1))", or " (created in TestA)" for one test. */
static void print_group_tests(FILE *out, const struct lg_leak_group *g)
{
	size_t i;

	if (g->ntests <= 1) {
		if (g->test)
			fprintf(out, " (created in %s)", g->test);
		return;
	}
	fputs(" (created in ", out);
	for (i = 0; i < g->ntests; i++)
		fprintf(out, "%s%s (%d)", i ? ", " : "", g->tests[i].name, g->tests[i].count);
	fputc(')', out);
}

/* "file:line: message" lines, like a compiler, for each problem found. */
static void print_problems(FILE *out, const struct lg_package *p)
{
	size_t i;

	for (i = 0; i < p->nleaks; i++) {
		const struct lg_leak_group *g = &p->leaks[i];
		const struct lg_location *l = g->created_at.file ? &g->created_at : &g->blocked_at;

		if (g->baselined) /* accepted debt is not a problem of this run */
			continue;
		fprintf(out, "%s:%d: %d leaked goroutine%s [%s]: %s", l->file ? l->file : p->rel_dir,
			l->line, g->count, g->count == 1 ? "" : "s",
			g->wait_reason ? g->wait_reason : "running", g->pattern_title);
		print_group_tests(out, g);
		fprintf(out, "%s\n", g->proven ? " — proven stuck (goroutineleak profile)" : "");
		if (g->created_via)
			fprintf(out, "    via %s\n", g->created_via);
		if (g->blocked_at.file)
			fprintf(out, "    blocked at %s:%d%s%s\n", g->blocked_at.file, g->blocked_at.line,
				g->blocked_in ? " in " : "", g->blocked_in ? g->blocked_in : "");
		fprintf(out, "    fix: %s\n", g->hint);
	}
	for (i = 0; i < p->nchecks; i++) {
		const struct lg_check *c = &p->checks[i];

		if ((c->kind == LG_CHECK_LEAK && !c->baselined) || c->status == LG_STATUS_PASSED ||
		    c->status == LG_STATUS_SKIPPED)
			continue;
		print_loc(out, &c->loc, p);
		fprintf(out, "%s: %s\n", lg_check_kind_name(c->kind), c->message ? c->message : "");
		if (c->kind == LG_CHECK_BUILD && c->detail)
			fprintf(out, "%s", c->detail);
	}
	for (i = 0; i < p->ntests; i++) {
		const struct lg_test *t = &p->tests[i];

		if (t->result == LG_TEST_FAIL) {
			print_loc(out, &t->loc, p);
			fprintf(out, "test failed: %s", t->name);
			if (t->runs > 1)
				fprintf(out, " (in %d of %d runs)", t->failures, t->runs);
			fputc('\n', out);
		}
	}
}

static void package_line(FILE *out, const struct lg_package *p)
{
	size_t i;
	int failed_tests = count_tests(p, LG_TEST_FAIL), leaked = 0, baselined = 0;
	int unfinished = count_tests(p, LG_TEST_UNFINISHED);
	const char *status = lg_package_passed(p) ? "ok  " : "FAIL";

	for (i = 0; i < p->nleaks; i++)
		*(p->leaks[i].baselined ? &baselined : &leaked) += p->leaks[i].count;
	if (p->no_tests) {
		fprintf(out, "?     %-50s [no test files]\n", p->import_path);
		return;
	}
	fprintf(out, "%s  %-50s %6.2fs", status, p->import_path, p->run_seconds + p->build_seconds);
	for (i = 0; i < p->nchecks; i++) {
		const struct lg_check *c = &p->checks[i];

		if (c->status == LG_STATUS_ERROR)
			fprintf(out, "  %s", lg_check_kind_name(c->kind));
		else if (c->status == LG_STATUS_FAILED && c->kind == LG_CHECK_HEAP)
			fprintf(out, "  heap +%.1fMiB", (double)p->heap_growth / 1048576.0);
	}
	if (leaked)
		fprintf(out, "  %d leaked goroutine%s", leaked, leaked == 1 ? "" : "s");
	if (baselined)
		fprintf(out, "  %d baselined goroutine%s", baselined, baselined == 1 ? "" : "s");
	if (failed_tests)
		fprintf(out, "  %d test%s failed", failed_tests, failed_tests == 1 ? "" : "s");
	if (unfinished)
		fprintf(out, "  %d test%s unfinished", unfinished, unfinished == 1 ? "" : "s");
	if (p->hook != LG_HOOK_DONE && p->built)
		fprintf(out, "  (leak checks skipped)");
	fputc('\n', out);
}

void lg_display_package(const struct lg_display *d, const struct lg_package *p)
{
	if (!d->quiet || !lg_package_passed(p))
		package_line(d->out, p);
	if (!lg_package_passed(p))
		print_problems(d->out, p);
	fflush(d->out);
}

void lg_display_progress(void *ctx, enum lg_runner_event ev, const struct lg_package *p,
			 size_t done, size_t total)
{
	const struct lg_display *d = ctx;

	if (d->tty)
		fprintf(stderr, "\r\033[K");
	if (ev == LG_EV_DONE && !d->defer)
		lg_display_package(d, p);
	if (d->tty && done < total)
		fprintf(stderr, "[%zu/%zu] %s %s", done, total,
			ev == LG_EV_BUILD ? "building" : ev == LG_EV_RUN ? "running" : "done",
			p->import_path);
}

/* Live lines: a deadlock found while the binary runs, stress results, --keep-work. */
void lg_display_note(void *ctx, const struct lg_package *p, const char *line)
{
	const struct lg_display *d = ctx;

	if (d->tty)
		fprintf(stderr, "\r\033[K");
	if (p)
		fprintf(stderr, "leakgate: %s: %s\n", p->import_path, line);
	else
		fprintf(stderr, "leakgate: %s\n", line);
}

/*
 * How the hook got into the packages and, when leak checks were skipped
 * anywhere, where and why: a gate that silently checks less than it seems
 * to is worse than one that says so.
 */
static void skipped_summary(const struct lg_run *run, const struct lg_run_totals *t)
{
	size_t i, shown = 0;

	if (t->by_via[LG_VIA_REWRITTEN] || t->by_via[LG_VIA_USER] || t->by_via[LG_VIA_KEPT] ||
	    t->leak_skipped) {
		/* (packages that ran without any TestMain need no line) */
		static const struct {
			enum lg_hook_via via;
			const char *what;
		} parts[] = {
			{ LG_VIA_INJECTED, "injected" },
			{ LG_VIA_KEPT, "at the m.Run of their own TestMain" },
			{ LG_VIA_REWRITTEN, "TestMain rewritten" },
			{ LG_VIA_USER, "called by TestMain" },
		};
		const char *sep = "";
		size_t k;

		fprintf(stderr, "leakgate: hook: ");
		for (k = 0; k < sizeof(parts) / sizeof(parts[0]); k++) {
			if (!t->by_via[parts[k].via])
				continue;
			fprintf(stderr, "%s%zu %s", sep, t->by_via[parts[k].via], parts[k].what);
			sep = ", ";
		}
		if (t->leak_skipped)
			fprintf(stderr, "%sleak checks skipped in %zu package%s", *sep ? "; " : "",
				t->leak_skipped, t->leak_skipped == 1 ? "" : "s");
		fputc('\n', stderr);
	}
	for (i = 0; i < run->npkgs; i++) {
		const struct lg_package *p = &run->pkgs[i];
		size_t k;

		if (p->no_tests || !p->built)
			continue;
		for (k = 0; p->hook_notes && p->hook_notes[k]; k++)
			if (shown++ < 10)
				fprintf(stderr, "  %s: note: %s\n", p->import_path, p->hook_notes[k]);
		if (p->snapshot_note && shown++ < 10)
			fprintf(stderr, "  %s: note: %.*s\n", p->import_path,
				(int)strcspn(p->snapshot_note, "\n"), p->snapshot_note);
		if (p->hook == LG_HOOK_DONE || !p->hook_note)
			continue;
		if (shown++ < 10)
			fprintf(stderr, "  %s: %s\n", p->import_path, p->hook_note);
	}
	if (shown > 10)
		fprintf(stderr, "  ... %zu more (the JSON report's hook_note and hook_notes have them)\n",
			shown - 10);
}

void lg_display_summary(const struct lg_run *run)
{
	struct lg_run_totals t;

	lg_run_totals(run, &t);
	skipped_summary(run, &t);
	fprintf(stderr, "leakgate: %zu package%s, %zu passed, %zu failed, %zu without tests (%.1fs)\n",
		t.packages, t.packages == 1 ? "" : "s", t.passed, t.failed, t.notests, run->seconds);
}

void lg_display_clear(const struct lg_display *d)
{
	if (d->tty)
		fprintf(stderr, "\r\033[K");
}
