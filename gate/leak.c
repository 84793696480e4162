/*
 * leak.c — turns two goroutine dumps into explained leak groups.
 *
 * Ownership filters come first (runtime, testing, hook, os/signal), then the
 * user's ignore rules, then grouping.  The pattern classifier combines the
 * wait class the parser derived with the source line the goroutine is
 * blocked on (when readable): `for v := range ch` and `<-ch` block the same
 * way but need different fixes.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "leak.h"

#define SOURCE_CAP ((size_t)8 << 20)

struct pattern {
	const char *id, *title, *hint;
};

static const struct pattern patterns[] = {
	{ "range-unclosed-chan", "range over a channel that is never closed",
	  "close the channel when the last sender is done, or stop the loop with a context or done channel" },
	{ "recv-no-sender", "receive with no sender",
	  "make sure every receive has a matching send, or select on ctx.Done() as well" },
	{ "send-no-receiver", "send with no receiver",
	  "give the channel a buffer of the number of sends, or select on ctx.Done() so the sender can give up" },
	{ "select-no-ready-case", "select with no ready case",
	  "add a case <-ctx.Done() (or a done channel) that the test cancels in t.Cleanup" },
	{ "select-forever", "select {} blocks forever",
	  "replace select {} with a wait on a context or done channel that is closed on shutdown" },
	{ "nil-channel", "operation on a nil channel blocks forever",
	  "initialise the channel with make before use; a nil channel never becomes ready" },
	{ "waitgroup-never-done", "WaitGroup that never reaches zero",
	  "call wg.Add before starting the goroutine and defer wg.Done() inside it" },
	{ "lock-never-released", "lock that is never released",
	  "defer mu.Unlock() right after mu.Lock(), and never copy a locked mutex" },
	{ "cond-never-signalled", "Cond.Wait that is never signalled",
	  "call Signal or Broadcast after changing the condition, and on shutdown" },
	{ "ticker-not-stopped", "ticker or timer that is never stopped",
	  "defer ticker.Stop() and leave the loop on ctx.Done(); time.Tick cannot be stopped" },
	{ "handler-goroutine", "goroutine started by an HTTP handler without cancellation",
	  "derive a context from r.Context() and return when it is done, or use a bounded worker pool" },
	{ "server-not-closed", "HTTP server or connection left open",
	  "defer srv.Close() (httptest.Server) and close response bodies" },
	{ "sleep-outlives-test", "goroutine sleeping past the end of the test",
	  "use a timer with a select on ctx.Done() instead of time.Sleep, and wait for it in t.Cleanup" },
	{ "io-never-closed", "goroutine blocked on network I/O that is never closed",
	  "close listeners and connections when the test ends (t.Cleanup)" },
	{ "blocked-goroutine", "goroutine still running after the tests",
	  "make the goroutine return when the test ends: a context, a done channel, or Close" },
};

static const struct pattern *pattern_by_id(const char *id)
{
	size_t i;

	for (i = 0; i < LG_ARRAY_SIZE(patterns); i++)
		if (strcmp(patterns[i].id, id) == 0)
			return &patterns[i];
	return &patterns[LG_ARRAY_SIZE(patterns) - 1];
}

char *lg_relpath(const char *root, const char *file)
{
	size_t n = root ? strlen(root) : 0;

	if (!file)
		return NULL;
	if (n && strncmp(file, root, n) == 0 && file[n] == '/')
		return lg_xstrdup(file + n + 1);
	return lg_xstrdup(file);
}

char *lg_leak_test_from_func(const char *func)
{
	const char *slash, *dot, *end;

	if (!func)
		return NULL;
	slash = strrchr(func, '/');
	dot = strchr(slash ? slash : func, '.');
	if (!dot || strncmp(dot + 1, "Test", 4) != 0)
		return NULL;
	if (islower((unsigned char)dot[5]))
		return NULL;
	end = dot + 1;
	while (*end && *end != '.' && *end != '[' && *end != '(')
		end++;
	return lg_xstrndup(dot + 1, (size_t)(end - dot - 1));
}

static char *test_in_frames(const struct lg_frame *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *t = lg_leak_test_from_func(f[i].func);

		if (t)
			return t;
	}
	return NULL;
}

char *lg_leak_attribute_test(const struct lg_goroutine *g)
{
	char *t = lg_leak_test_from_func(g->creator.func);
	size_t i;

	for (i = 0; !t && i < g->nancestors; i++) {
		t = test_in_frames(g->ancestors[i].frames, g->ancestors[i].nframes);
		if (!t)
			t = lg_leak_test_from_func(g->ancestors[i].creator.func);
	}
	return t;
}

/* Goroutines that belong to the runtime, the testing package or the hook. */
static int owned_by_system(const struct lg_goroutine *g)
{
	size_t i;
	int all_testing = g->nframes > 0;

	if (g->wait == LG_WAIT_RUNTIME)
		return 1;
	if (!g->creator.func)
		return 1; /* goroutine 1 and runtime-started ones */
	if (lg_starts_with(g->creator.func, "runtime.") ||
	    lg_starts_with(g->creator.func, "os/signal.") ||
	    lg_starts_with(g->creator.func, "runtime/"))
		return 1;
	for (i = 0; i < g->nframes; i++) {
		const char *f = g->frames[i].func;

		if (!f)
			continue;
		if (strstr(f, ".leakgateRun") || strstr(f, "leakgatehook."))
			return 1;
		if (strcmp(f, "os/signal.signal_recv") == 0)
			return 1;
		if (!lg_starts_with(f, "testing.") && !lg_starts_with(f, "runtime."))
			all_testing = 0;
	}
	return all_testing && lg_starts_with(g->creator.func, "testing.");
}

static int match(const char *pat, const char *s)
{
	size_t n;

	if (!pat)
		return 1;
	if (!s)
		return 0;
	n = strlen(pat);
	if (n && pat[n - 1] == '*')
		return strncmp(pat, s, n - 1) == 0;
	return strcmp(pat, s) == 0;
}

/*
 * The top function as a default Go traceback (and goleak) shows it: the
 * innermost frame that is not the runtime's, since leakgate's dumps are
 * taken at GOTRACEBACK=crash and start with runtime.gopark and the like.
 * A rule may name either.
 */
static int top_matches(const char *pat, const struct lg_goroutine *g)
{
	size_t i;

	if (!pat)
		return 1;
	if (g->nframes && match(pat, g->frames[0].func))
		return 1;
	for (i = 0; i < g->nframes; i++)
		if (g->frames[i].func && !lg_starts_with(g->frames[i].func, "runtime."))
			return match(pat, g->frames[i].func);
	return 0;
}

static int rule_matches(const struct lg_ignore_rule *r, const struct lg_goroutine *g)
{
	size_t i;
	int any = !r->any_func;

	if (!top_matches(r->top_func, g))
		return 0;
	if (!match(r->creator, g->creator.func))
		return 0;
	if (!match(r->wait, g->status))
		return 0;
	for (i = 0; !any && i < g->nframes; i++)
		any = match(r->any_func, g->frames[i].func);
	return any;
}

static int ignored(const struct lg_leak_opts *o, const struct lg_goroutine *g)
{
	size_t i;

	for (i = 0; i < o->nignores; i++)
		if (rule_matches(&o->ignores[i], g))
			return 1;
	return 0;
}

/* Innermost frame in user code: inside the module, else not the runtime. */
static const struct lg_frame *blocked_frame(const struct lg_goroutine *g, const char *root)
{
	size_t i, n = root ? strlen(root) : 0;

	for (i = 0; n && i < g->nframes; i++)
		if (g->frames[i].file && strncmp(g->frames[i].file, root, n) == 0)
			return &g->frames[i];
	for (i = 0; i < g->nframes; i++)
		if (g->frames[i].func && !lg_starts_with(g->frames[i].func, "runtime.") &&
		    !lg_starts_with(g->frames[i].func, "sync.") &&
		    !lg_starts_with(g->frames[i].func, "time.") &&
		    !lg_starts_with(g->frames[i].func, "internal/"))
			return &g->frames[i];
	return g->nframes ? &g->frames[0] : NULL;
}

/* Lines [line, line+extra] of a source file, or an empty buffer. */
static void source_lines(const char *file, int line, int extra, struct lg_buf *out)
{
	struct lg_buf text = LG_BUF_INIT;
	const char *p;
	int n = 1;

	if (!file || line <= 0 || lg_read_file(file, SOURCE_CAP, &text, NULL))
		goto out;
	for (p = text.buf; *p && n < line; p++)
		if (*p == '\n')
			n++;
	while (*p && n <= line + extra) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		lg_buf_add(out, p, len);
		lg_buf_addch(out, '\n');
		if (!nl)
			break;
		p = nl + 1;
		n++;
	}
out:
	lg_buf_release(&text);
}

static int has_word(const char *text, const char *word)
{
	const char *p = text;
	size_t n = strlen(word);

	while ((p = strstr(p, word)) != NULL) {
		int before = p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
		int after = !(isalnum((unsigned char)p[n]) || p[n] == '_');

		if (before && after)
			return 1;
		p += n;
	}
	return 0;
}

static int mentions_timer(const char *src)
{
	return strstr(src, "time.Tick(") || strstr(src, "time.After(") || has_word(src, "C") ||
	       strstr(src, "ticker") || strstr(src, "Ticker") || strstr(src, "timer");
}

static int in_http_handler(const struct lg_goroutine *g)
{
	size_t i, j;

	for (i = 0; i < g->nancestors; i++)
		for (j = 0; j < g->ancestors[i].nframes; j++) {
			const char *f = g->ancestors[i].frames[j].func;

			if (f && (strstr(f, "net/http.HandlerFunc.ServeHTTP") ||
				  strstr(f, "net/http.(*conn).serve") ||
				  strstr(f, "net/http.serverHandler.ServeHTTP")))
				return 1;
		}
	return 0;
}

static int frames_have(const struct lg_goroutine *g, const char *needle)
{
	size_t i;

	for (i = 0; i < g->nframes; i++)
		if (g->frames[i].func && strstr(g->frames[i].func, needle))
			return 1;
	return 0;
}

static const char *classify_chan(const struct lg_goroutine *g, const char *src)
{
	if (g->status && strstr(g->status, "send"))
		return "send-no-receiver";
	if (src && (strstr(src, ".C") && mentions_timer(src)))
		return "ticker-not-stopped";
	if (src && has_word(src, "range"))
		return "range-unclosed-chan";
	return "recv-no-sender";
}

static const char *classify(const struct lg_goroutine *g, const struct lg_frame *at, int read)
{
	struct lg_buf src = LG_BUF_INIT;
	const char *id = "blocked-goroutine";

	if (read && at)
		source_lines(at->file, at->line, g->wait == LG_WAIT_SELECT ? 12 : 0, &src);
	if (frames_have(g, "net/http.(*conn).serve") || frames_have(g, "net/http.(*persistConn)")) {
		id = "server-not-closed";
		goto out;
	}
	if (in_http_handler(g)) {
		id = "handler-goroutine";
		goto out;
	}
	switch (g->wait) {
	case LG_WAIT_CHAN: id = classify_chan(g, src.len ? src.buf : NULL); break;
	case LG_WAIT_NIL_CHAN: id = "nil-channel"; break;
	case LG_WAIT_SELECT:
		id = src.len && mentions_timer(src.buf) && strstr(src.buf, ".C")
			     ? "ticker-not-stopped" : "select-no-ready-case";
		break;
	case LG_WAIT_SELECT_NOCASES: id = "select-forever"; break;
	case LG_WAIT_WAITGROUP: id = "waitgroup-never-done"; break;
	case LG_WAIT_MUTEX:
	case LG_WAIT_RWMUTEX: id = "lock-never-released"; break;
	case LG_WAIT_COND: id = "cond-never-signalled"; break;
	case LG_WAIT_SLEEP: id = "sleep-outlives-test"; break;
	case LG_WAIT_IO: id = "io-never-closed"; break;
	default: break;
	}
out:
	lg_buf_release(&src);
	return id;
}

void lg_leak_pattern(const struct lg_goroutine *g, const char *module_root, int read_sources,
		     const char **id, const char **title, const char **hint)
{
	const struct pattern *pat =
		pattern_by_id(classify(g, blocked_frame(g, module_root), read_sources));

	*id = pat->id;
	*title = pat->title;
	*hint = pat->hint;
}

struct acc {
	struct lg_leak_group g;
	const struct lg_goroutine *rep;
};

static struct acc *find_group(struct acc *a, size_t n, const char *sig)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(a[i].g.signature, sig) == 0)
			return &a[i];
	return NULL;
}

static void location_from(struct lg_location *l, const char *root, const char *file, int line)
{
	l->file = lg_relpath(root, file);
	l->line = line;
}

static void group_init(struct acc *a, const struct lg_goroutine *g, const char *sig,
		       const struct lg_leak_opts *o)
{
	const struct lg_frame *at = blocked_frame(g, o->module_root);
	const struct pattern *pat = pattern_by_id(classify(g, at, o->read_sources));
	struct lg_buf stack = LG_BUF_INIT;

	memset(a, 0, sizeof(*a));
	a->rep = g;
	a->g.signature = lg_xstrdup(sig);
	a->g.top_func = g->nframes && g->frames[0].func ? lg_xstrdup(g->frames[0].func) : NULL;
	a->g.wait_reason = g->status ? lg_xstrdup(g->status) : NULL;
	a->g.min_minutes = a->g.max_minutes = g->minutes;
	a->g.creator_func = g->creator.func ? lg_xstrdup(g->creator.func) : NULL;
	location_from(&a->g.created_at, o->module_root, g->creator.file, g->creator.line);
	if (at)
		location_from(&a->g.blocked_at, o->module_root, at->file, at->line);
	a->g.test = lg_leak_attribute_test(g);
	a->g.pattern = lg_xstrdup(pat->id);
	a->g.pattern_title = lg_xstrdup(pat->title);
	a->g.hint = lg_xstrdup(pat->hint);
	lg_goroutine_format(g, &stack);
	a->g.stack = lg_buf_detach(&stack, NULL);
}

static int cmp_groups(const void *x, const void *y)
{
	const struct lg_leak_group *a = x, *b = y;

	if (a->count != b->count)
		return b->count - a->count;
	return strcmp(a->signature, b->signature);
}

static int proven(const struct lg_dump *proof, int64_t id)
{
	const struct lg_goroutine *p = proof ? lg_dump_find(proof, id) : NULL;

	return p && p->leaked;
}

int lg_leak_find(const struct lg_dump *before, const struct lg_dump *after,
		 const struct lg_dump *proof, const struct lg_leak_opts *o,
		 struct lg_package *p)
{
	struct acc *groups = NULL;
	size_t ngroups = 0, alloc = 0, i;
	int total = 0;

	for (i = 0; i < after->n; i++) {
		const struct lg_goroutine *g = &after->g[i];
		char sig[17];
		struct acc *a;

		if ((before && lg_dump_find(before, g->id)) || owned_by_system(g) || ignored(o, g))
			continue;
		lg_goroutine_signature(g, sig);
		a = find_group(groups, ngroups, sig);
		if (!a) {
			LG_GROW(groups, alloc, ngroups + 1);
			a = &groups[ngroups++];
			group_init(a, g, sig, o);
		}
		a->g.count++;
		if (g->minutes < a->g.min_minutes)
			a->g.min_minutes = g->minutes;
		if (g->minutes > a->g.max_minutes)
			a->g.max_minutes = g->minutes;
		if (proven(proof, g->id))
			a->g.proven = 1;
		total++;
	}
	if (ngroups) {
		p->leaks = lg_xrealloc(p->leaks, (p->nleaks + ngroups) * sizeof(*p->leaks));
		for (i = 0; i < ngroups; i++)
			p->leaks[p->nleaks + i] = groups[i].g;
		qsort(p->leaks + p->nleaks, ngroups, sizeof(*p->leaks), cmp_groups);
		p->nleaks += ngroups;
	}
	free(groups);
	return total;
}

void lg_leak_format_group(const struct lg_leak_group *g, struct lg_buf *out)
{
	lg_buf_addf(out, "%d goroutine%s [%s", g->count, g->count == 1 ? "" : "s",
		    g->wait_reason ? g->wait_reason : "running");
	if (g->max_minutes)
		lg_buf_addf(out, ", %d-%d minutes", g->min_minutes, g->max_minutes);
	lg_buf_addf(out, "]: %s%s\n", g->pattern_title, g->proven ? " (proven stuck)" : "");
	if (g->created_at.file)
		lg_buf_addf(out, "  created at %s:%d", g->created_at.file, g->created_at.line);
	if (g->creator_func)
		lg_buf_addf(out, " by %s", g->creator_func);
	if (g->test)
		lg_buf_addf(out, " in %s", g->test);
	lg_buf_addch(out, '\n');
	if (g->blocked_at.file)
		lg_buf_addf(out, "  blocked at %s:%d\n", g->blocked_at.file, g->blocked_at.line);
	lg_buf_addf(out, "  fix: %s\n  signature: %s\n", g->hint, g->signature);
	if (g->stack)
		lg_buf_addf(out, "\n%s\n", g->stack);
}

struct summary {
	char sig[17];
	size_t first;
	size_t count;
};

static int cmp_summary(const void *x, const void *y)
{
	const struct summary *a = x, *b = y;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return a->first < b->first ? -1 : a->first > b->first;
}

void lg_leak_summarise_dump(const struct lg_dump *d, struct lg_buf *out)
{
	struct summary *s = NULL;
	size_t n = 0, alloc = 0, i, j;

	for (i = 0; i < d->n; i++) {
		char sig[17];

		lg_goroutine_signature(&d->g[i], sig);
		for (j = 0; j < n && strcmp(s[j].sig, sig); j++)
			;
		if (j == n) {
			LG_GROW(s, alloc, n + 1);
			memcpy(s[n].sig, sig, sizeof(sig));
			s[n].first = i;
			s[n].count = 0;
			n++;
		}
		s[j].count++;
	}
	qsort(s, n, sizeof(*s), cmp_summary);
	for (i = 0; i < n; i++) {
		if (s[i].count > 1)
			lg_buf_addf(out, "%zu goroutines like this one:\n", s[i].count);
		lg_goroutine_format(&d->g[s[i].first], out);
		lg_buf_addch(out, '\n');
	}
	free(s);
}
