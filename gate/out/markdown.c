/*
 * markdown.c — the step summary a developer reads first in a GitHub run:
 * did the gate pass, what kind of problems, in which packages, and for each
 * one where it is and how to fix it.
 *
 * Size is the constraint: a run over thousands of packages must still give
 * a summary GitHub accepts, so every piece is rendered on its own and kept
 * only when it fits.
 */
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "findings.h"
#include "markdown.h"

#define NOTE_RESERVE 512

static void kind_count(struct lg_buf *b, size_t n, const char *one, const char *many, int *first)
{
	if (!n)
		return;
	lg_buf_addf(b, "%s**%zu** %s", *first ? "" : " · ", n, n == 1 ? one : many);
	*first = 0;
}

static void header(struct lg_buf *b, const struct lg_run *run, const struct lg_run_totals *c)
{
	int first = 1;

	if (c->failed)
		lg_buf_addf(b, "## ❌ leakgate: %zu of %zu package%s failed\n\n", c->failed,
			    run->npkgs, run->npkgs == 1 ? "" : "s");
	else
		lg_buf_addf(b, "## ✅ leakgate: %zu package%s passed\n\n", c->passed,
			    c->passed == 1 ? "" : "s");
	lg_buf_adds(b, "`");
	lg_escape_utf8(b, run->module_path ? run->module_path : "?",
		       strlen(run->module_path ? run->module_path : "?"));
	lg_buf_addf(b, "` · %s · %.1fs · %zu tests · %zu passed · %zu without tests\n\n",
		    run->go_version && *run->go_version ? run->go_version : "go ?", run->seconds,
		    c->tests, c->passed, c->notests);
	if (c->leak_skipped)
		lg_buf_addf(b, "> Leak checks were skipped in %zu package%s (the JSON report's "
			       "`hook_note` says why for each).\n\n",
			    c->leak_skipped, c->leak_skipped == 1 ? "" : "s");
	if (!c->failed)
		return;
	if (c->leaked)
		lg_buf_addf(b, "**%zu** leaked goroutine%s in %zu group%s", c->leaked,
			    c->leaked == 1 ? "" : "s", c->groups, c->groups == 1 ? "" : "s");
	first = !c->leaked;
	kind_count(b, c->by_kind[LG_CHECK_DEADLOCK], "deadlock", "deadlocks", &first);
	kind_count(b, c->by_kind[LG_CHECK_HANG], "hang", "hangs", &first);
	kind_count(b, c->by_kind[LG_CHECK_CRASH], "crash", "crashes", &first);
	kind_count(b, c->by_kind[LG_CHECK_EXIT], "non-zero exit after the tests",
		   "non-zero exits after the tests", &first);
	kind_count(b, c->by_kind[LG_CHECK_HEAP], "package with heap growth", "packages with heap growth", &first);
	kind_count(b, c->by_kind[LG_CHECK_BUILD], "build failure", "build failures", &first);
	kind_count(b, c->failed_tests, "failed test", "failed tests", &first);
	lg_buf_adds(b, "\n\n");
}

/* "1 leaked goroutine, deadlock, 2 failed tests" for a table cell. */
static void problems_cell(struct lg_buf *b, const struct lg_package *p)
{
	size_t i, n = 0, leaked = 0, failed = 0;

	for (i = 0; i < p->nleaks; i++)
		leaked += p->leaks[i].count > 0 ? (size_t)p->leaks[i].count : 0;
	if (leaked)
		lg_buf_addf(b, "%zu leaked goroutine%s", leaked, leaked == 1 ? "" : "s"), n++;
	for (i = 0; i < p->nchecks; i++) {
		const struct lg_check *c = &p->checks[i];

		if ((c->status == LG_STATUS_FAILED || c->status == LG_STATUS_ERROR) &&
		    !(c->kind == LG_CHECK_LEAK && leaked))
			lg_buf_addf(b, "%s%s", n++ ? ", " : "", lg_check_kind_name(c->kind));
	}
	for (i = 0; i < p->ntests; i++)
		failed += p->tests[i].result == LG_TEST_FAIL;
	if (failed)
		lg_buf_addf(b, "%s%zu failed test%s", n++ ? ", " : "", failed, failed == 1 ? "" : "s");
	if (!n)
		lg_buf_addf(b, "test binary exit code %d", p->exit_code);
}

static void package_row(struct lg_buf *b, const struct lg_package *p)
{
	lg_buf_adds(b, "| ❌ | ");
	lg_escape_markdown(b, p->import_path);
	lg_buf_adds(b, " | ");
	problems_cell(b, p);
	lg_buf_addf(b, " | %.1fs |\n", p->build_seconds + p->run_seconds);
}

/* A fenced block holding `s` verbatim (at most `max` bytes). */
static void fenced(struct lg_buf *b, const char *s, size_t max)
{
	size_t fence = lg_longest_backtick_run(s) + 1, len = strlen(s), i;

	if (fence < 3)
		fence = 3;
	for (i = 0; i < fence; i++)
		lg_buf_addch(b, '`');
	lg_buf_adds(b, "text\n");
	lg_escape_utf8(b, s, len > max ? max : len);
	if (b->len && b->buf[b->len - 1] != '\n')
		lg_buf_addch(b, '\n');
	if (len > max)
		lg_buf_addf(b, "[... %zu more bytes in the JSON report]\n", len - max);
	for (i = 0; i < fence; i++)
		lg_buf_addch(b, '`');
	lg_buf_adds(b, "\n");
}

static void finding(struct lg_buf *b, const struct lg_finding *f, const char *prefix)
{
	struct lg_buf path = LG_BUF_INIT;
	const char *nl;
	int exact;

	lg_buf_adds(b, "<details><summary>");
	lg_buf_adds(b, f->level == LG_LEVEL_ERROR ? "❌ " : "⚠️ ");
	lg_escape_html(b, f->title);
	lg_buf_adds(b, " — <code>");
	lg_escape_html(b, f->pkg->import_path);
	lg_buf_adds(b, "</code></summary>\n\n");
	lg_finding_path(f, prefix, &path, &exact);
	lg_buf_adds(b, "**");
	lg_escape_markdown(b, path.buf);
	if (exact && f->loc->line > 0)
		lg_buf_addf(b, "\\:%d", f->loc->line);
	lg_buf_adds(b, "**");
	/* one Markdown line per message line, each escaped on its own */
	for (const char *m = f->message; m && *m; m = nl ? nl + 1 : NULL) {
		char *line;

		nl = strchr(m, '\n');
		line = lg_xstrndup(m, nl ? (size_t)(nl - m) : strlen(m));
		lg_buf_adds(b, "<br>\n");
		lg_escape_markdown(b, line);
		free(line);
		if (!nl)
			break;
	}
	lg_buf_adds(b, "\n\n");
	if (f->body && *f->body)
		fenced(b, f->body, LG_MARKDOWN_MAX_BODY);
	lg_buf_adds(b, "\n</details>\n\n");
	lg_buf_release(&path);
}

/* Appends `piece` when it fits under `max` (with room for the note). */
static int fits(struct lg_buf *out, struct lg_buf *piece, size_t max)
{
	int ok = out->len + piece->len + NOTE_RESERVE <= max;

	if (ok)
		lg_buf_add(out, piece->buf, piece->len);
	lg_buf_reset(piece);
	return ok;
}

void lg_markdown_render(const struct lg_run *run, const struct lg_markdown_opts *o,
			struct lg_buf *out)
{
	struct lg_buf md = LG_BUF_INIT, piece = LG_BUF_INIT;
	struct lg_findings fs;
	struct lg_run_totals c;
	size_t max = o && o->max_bytes ? o->max_bytes : LG_MARKDOWN_MAX;
	size_t i, rows = 0, shown = 0;
	const char *prefix = o && o->path_prefix ? o->path_prefix : "";

	if (max < 2048)
		max = 2048;
	lg_run_totals(run, &c);
	lg_findings_collect(run, &fs);
	header(&piece, run, &c);
	fits(&md, &piece, max);
	if (c.failed) {
		lg_buf_adds(&md, "| | package | problems | time |\n|---|---|---|---:|\n");
		for (i = 0; i < run->npkgs; i++) {
			if (run->pkgs[i].no_tests || lg_package_passed(&run->pkgs[i]))
				continue;
			package_row(&piece, &run->pkgs[i]);
			if (!fits(&md, &piece, max))
				break;
			rows++;
		}
		lg_buf_adds(&md, "\n");
	}
	for (i = 0; i < fs.n && rows == c.failed; i++) {
		finding(&piece, &fs.v[i], prefix);
		if (!fits(&md, &piece, max))
			break;
		shown++;
	}
	if (rows < c.failed || shown < fs.n)
		lg_buf_addf(&md, "\n> **Truncated** to stay under GitHub's 1 MiB step summary: "
			    "%zu of %zu failed packages and %zu of %zu findings are shown. "
			    "The JUnit, JSON and HTML reports hold everything.\n",
			    rows, c.failed, shown, fs.n);
	lg_buf_add(out, md.buf, md.len);
	lg_buf_release(&md);
	lg_buf_release(&piece);
	lg_findings_release(&fs);
}
