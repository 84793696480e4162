/*
 * findings.c — turns the run model into the flat list of problems that the
 * annotation, SARIF, code-quality and Markdown outputs share, so the four
 * agree on what a problem is, what it is called and where it is.
 */
#include <stdlib.h>
#include <string.h>

#include "findings.h"

static struct lg_finding *add(struct lg_findings *f, const struct lg_package *p,
			      enum lg_finding_level level)
{
	struct lg_finding *x;

	LG_GROW(f->v, f->alloc, f->n + 1);
	x = &f->v[f->n++];
	memset(x, 0, sizeof(*x));
	x->pkg = p;
	x->level = level;
	return x;
}

static const char *or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

static void add_leak(struct lg_findings *f, const struct lg_package *p,
		     const struct lg_leak_group *g)
{
	struct lg_finding *x = add(f, p, LG_LEVEL_ERROR);
	struct lg_buf m = LG_BUF_INIT;
	const char *title = or(g->pattern_title, "goroutine blocked forever");

	x->rule = lg_xasprintf("goroutine-leak/%s", or(g->pattern, "unknown"));
	x->rule_title = lg_xasprintf("goroutine leak: %s", title);
	x->rule_help = lg_xasprintf("Goroutines started by the tests were still alive after "
				    "the tests ended (%s). Fix: %s.", title,
				    or(g->hint, "make sure every goroutine a test starts can end"));
	x->title = g->test ? lg_xasprintf("goroutine leak in %s: %s", g->test, title)
			   : lg_xasprintf("goroutine leak: %s", title);
	lg_buf_addf(&m, "%d goroutine%s leaked [%s]: %s", g->count, g->count == 1 ? "" : "s",
		    or(g->wait_reason, "running"), title);
	if (g->creator_func)
		lg_buf_addf(&m, "\ncreated by %s%s%s", g->creator_func,
			    g->test ? " in " : "", g->test ? g->test : "");
	if (g->blocked_at.file)
		lg_buf_addf(&m, "\nblocked at %s:%d", g->blocked_at.file, g->blocked_at.line);
	if (g->hint)
		lg_buf_addf(&m, "\nfix: %s", g->hint);
	if (g->proven)
		lg_buf_adds(&m, "\nproven stuck by the goroutineleak profile");
	x->message = lg_buf_detach(&m, NULL);
	x->identity = lg_xstrdup(or(g->signature, or(g->top_func, "?")));
	x->loc = g->created_at.file ? &g->created_at : &g->blocked_at;
	x->test = g->test;
	x->body = g->stack;
	x->severity = 3;
}

static const char *check_help(enum lg_check_kind k)
{
	switch (k) {
	case LG_CHECK_BUILD: return "The package's test binary did not compile.";
	case LG_CHECK_HEAP: return "HeapInuse after GC grew past the limit while the tests ran: "
				   "something the tests allocate stays reachable.";
	case LG_CHECK_DEADLOCK: return "Every goroutine was blocked: the Go runtime reported "
				       "'all goroutines are asleep - deadlock!'.";
	case LG_CHECK_HANG: return "The test binary did not finish before the deadline; the "
				   "goroutine dump taken then shows where it was stuck.";
	case LG_CHECK_CRASH: return "The test binary crashed: a panic, a fatal error or a signal.";
	case LG_CHECK_EXIT: return "The tests reported their results, then the test binary exited "
				   "with a non-zero status (a TestMain teardown or goleak.VerifyTestMain "
				   "failed after m.Run).";
	case LG_CHECK_INTERRUPTED: return "leakgate was interrupted (Ctrl-C) while the test binary "
					  "ran: it was stopped, not broken.";
	default: return "A gate check failed.";
	}
}

static void add_check(struct lg_findings *f, const struct lg_package *p,
		      const struct lg_check *c, const struct lg_location *fallback)
{
	struct lg_finding *x = add(f, p, LG_LEVEL_ERROR);
	const char *kind = lg_check_kind_name(c->kind);

	x->rule = lg_xstrdup(kind);
	x->rule_title = lg_xstrdup(kind);
	x->rule_help = lg_xstrdup(check_help(c->kind));
	x->title = c->test ? lg_xasprintf("%s in %s", kind, c->test) : lg_xstrdup(kind);
	x->message = lg_xstrdup(or(c->message, kind));
	x->identity = lg_xstrdup(or(c->test, ""));
	x->loc = c->loc.file || !fallback ? &c->loc : fallback;
	x->test = c->test;
	x->body = c->detail;
	x->severity = c->kind == LG_CHECK_BUILD ? 4 : c->kind == LG_CHECK_HEAP ? 3 : 4;
}

static void add_test(struct lg_findings *f, const struct lg_package *p, const struct lg_test *t)
{
	struct lg_finding *x = add(f, p, LG_LEVEL_ERROR);

	x->rule = lg_xstrdup("test-failure");
	x->rule_title = lg_xstrdup("test failed");
	x->rule_help = lg_xstrdup("A Go test reported a failure (t.Error, t.Fatal).");
	x->title = lg_xasprintf("test failed: %s", or(t->name, "?"));
	x->message = lg_xasprintf("%s failed", or(t->name, "?"));
	x->identity = lg_xstrdup(or(t->name, ""));
	x->loc = &t->loc;
	x->test = t->name;
	x->body = t->output;
	x->severity = 3;
}

static void add_skipped(struct lg_findings *f, const struct lg_package *p, const struct lg_check *c)
{
	struct lg_finding *x = add(f, p, LG_LEVEL_WARNING);

	x->rule = lg_xstrdup("leak-check-skipped");
	x->rule_title = lg_xstrdup("leak checks skipped");
	x->rule_help = lg_xstrdup("leakgate could not take the goroutine snapshots after the "
				  "tests: call leakgatehook.Main(m) from your TestMain.");
	x->title = lg_xstrdup("leak checks skipped");
	x->message = lg_xstrdup(or(c->message, "leak checks skipped"));
	x->identity = lg_xstrdup("");
	x->loc = &c->loc;
	x->severity = 1;
}

static void collect_package(struct lg_findings *f, const struct lg_package *p)
{
	const struct lg_location *heap_loc = p->nheap_sites ? &p->heap_sites[0].loc : NULL;
	int crashed = 0;
	size_t i;

	for (i = 0; i < p->nleaks; i++)
		add_leak(f, p, &p->leaks[i]);
	for (i = 0; i < p->nchecks; i++) {
		const struct lg_check *c = &p->checks[i];

		if (c->status == LG_STATUS_FAILED || c->status == LG_STATUS_ERROR) {
			if (c->kind == LG_CHECK_LEAK && p->nleaks)
				continue;
			add_check(f, p, c, c->kind == LG_CHECK_HEAP ? heap_loc : NULL);
			crashed |= c->status == LG_STATUS_ERROR;
		}
	}
	for (i = 0; i < p->ntests; i++)
		if (p->tests[i].result == LG_TEST_FAIL)
			add_test(f, p, &p->tests[i]);
	/* a crash already says why the after snapshot is missing */
	for (i = 0; i < p->nchecks && !crashed; i++)
		if (p->checks[i].kind == LG_CHECK_LEAK && p->checks[i].status == LG_STATUS_SKIPPED)
			add_skipped(f, p, &p->checks[i]);
}

void lg_findings_collect(const struct lg_run *run, struct lg_findings *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < run->npkgs; i++)
		collect_package(out, &run->pkgs[i]);
}

void lg_findings_release(struct lg_findings *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->v[i].rule);
		free(f->v[i].rule_title);
		free(f->v[i].rule_help);
		free(f->v[i].title);
		free(f->v[i].message);
		free(f->v[i].identity);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

void lg_finding_path(const struct lg_finding *f, const char *prefix, struct lg_buf *out,
		     int *exact)
{
	const char *file = f->loc ? f->loc->file : NULL;
	const char *dir = f->pkg->rel_dir;

	*exact = file && file[0] != '/';
	lg_buf_adds(out, prefix ? prefix : "");
	if (*exact)
		lg_buf_adds(out, file);
	else if (dir && strcmp(dir, ".") != 0)
		lg_buf_adds(out, dir);
	else if (out->len && out->buf[out->len - 1] == '/')
		out->buf[--out->len] = '\0';
	else if (!out->len)
		lg_buf_adds(out, ".");
}

char *lg_findings_repo_prefix(const struct lg_run *run)
{
	static const char *const vars[] = { "GITHUB_WORKSPACE", "CI_PROJECT_DIR" };
	const char *root = run->module_root;
	size_t i, n;

	for (i = 0; root && i < LG_ARRAY_SIZE(vars); i++) {
		const char *ws = getenv(vars[i]);

		if (!ws || !*ws)
			continue;
		n = strlen(ws);
		while (n > 1 && ws[n - 1] == '/')
			n--;
		if (strncmp(root, ws, n) != 0)
			continue;
		if (root[n] == '\0')
			return lg_xstrdup("");
		if (root[n] == '/')
			return lg_xasprintf("%s/", root + n + 1);
	}
	return lg_xstrdup("");
}
