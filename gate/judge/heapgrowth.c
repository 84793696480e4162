/*
 * heapgrowth.c — splits the growth between two heap profiles into the
 * tests' own allocations and memory a correct program keeps anyway
 * (one-time initialisation, the runtime's goroutine structures, leakgate's
 * own hook), and attributes each to the frame a reader should look at.
 *
 * Works on resolved profiles (pprof.h): every sample of both profiles
 * becomes one entry (kind, site frame, signed value); entries are sorted by
 * (kind, site) and summed, so the cost is one sort over the samples.  The
 * strings of the result are copies; the profiles may be released after.
 * The rules themselves are documented in heapgrowth.h, where the heap
 * check's readers find them.
 */
#include <stdlib.h>
#include <string.h>

#include "heapgrowth.h"

#define CHAIN_MAX 8 /* frames shown between a site and its allocation */

/* One sample's contribution: which site, how much, signed. */
struct entry {
	enum lg_heapgrowth_kind kind;
	const struct lg_pprof_sample *s;
	size_t site; /* index into s->frames */
	int64_t value;
};

static const char *const kind_titles[LG_HEAPGROWTH_NKINDS] = {
	"counted", "one-time initialisation", "runtime goroutine bookkeeping", "leakgate's hook",
};
static const char *const kind_names[LG_HEAPGROWTH_NKINDS] = {
	"counted", "once", "runtime", "hook",
};

const char *lg_heapgrowth_kind_title(enum lg_heapgrowth_kind k)
{
	return (unsigned)k < LG_HEAPGROWTH_NKINDS ? kind_titles[k] : "?";
}

const char *lg_heapgrowth_kind_name(enum lg_heapgrowth_kind k)
{
	return (unsigned)k < LG_HEAPGROWTH_NKINDS ? kind_names[k] : "?";
}

/*
 * The function's name after its package path ("(*T).m", "init.0",
 * "leakgateRun"), or NULL.  The path ends at the last '/' before any
 * generic type arguments, which may hold slashes of their own.
 */
static const char *local_name(const char *func)
{
	const char *end = strchr(func, '['), *p, *slash = NULL, *dot;

	for (p = func; *p && (!end || p < end); p++)
		if (*p == '/')
			slash = p;
	dot = strchr(slash ? slash : func, '.');
	return dot ? dot + 1 : NULL;
}

/*
 * Standard library: the import path's first element has no dot
 * ("encoding/json", "sync"), as the go command decides it.  The path holds
 * every '/' of the name outside generic type arguments, so the first
 * element ends at the first '/' when there is one, else at the first '.'
 * (and then has no dot).  "main" is the test binary's own package.
 */
static int is_std(const char *func)
{
	const char *end = strchr(func, '['), *slash = strchr(func, '/');

	if (lg_starts_with(func, "main."))
		return 0;
	if (slash && (!end || slash < end))
		return memchr(func, '.', (size_t)(slash - func)) == NULL;
	return strchr(func, '.') != NULL;
}

static int in_module(const struct lg_frame *f, const char *root)
{
	size_t n = root ? strlen(root) : 0;

	return n && strncmp(f->file, root, n) == 0 && f->file[n] == '/';
}

/*
 * The runtime's allocation primitives: a stack made only of runtime frames
 * is charged to the runtime function that asked for memory (runtime.malg,
 * runtime.allgadd), not to runtime/malloc.go.
 */
static int is_alloc_primitive(const struct lg_frame *f)
{
	static const char *const prims[] = {
		"runtime.growslice", "runtime.makeslice", "runtime.newarray", "runtime.makemap",
		"runtime.makechan", "runtime.rawstring", "runtime.rawbyteslice",
		"runtime.rawruneslice", "runtime.concatstring", "runtime.slicebytetostring",
		"runtime.stringto", "runtime.convT", "runtime.newobject",
	};
	size_t i;

	if (lg_ends_with(f->file, "runtime/malloc.go"))
		return 1;
	for (i = 0; i < LG_ARRAY_SIZE(prims); i++)
		if (lg_starts_with(f->func, prims[i]))
			return 1;
	return 0;
}

static int is_hook(const char *func)
{
	const char *name = local_name(func);

	return name && (lg_starts_with(name, "leakgate") || lg_starts_with(name, "(*leakgate"));
}

/*
 * The frame of leakgate's hook that made the allocation: the innermost one
 * outside the runtime and the standard library, or a hook frame before it
 * (its copy in testing/internal/testdeps is standard library by its import
 * path, run/hook.h).  n when the hook did not allocate it.
 */
static size_t hook_frame(const struct lg_frame *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (is_hook(f[i].func))
			return i;
		if (!lg_pprof_is_runtime(f[i].func) && !is_std(f[i].func))
			break;
	}
	return n;
}

size_t lg_heapgrowth_site_of(const struct lg_frame *f, size_t n, const char *module_root)
{
	size_t i = hook_frame(f, n);

	if (i < n)
		return i;
	for (i = 0; i < n; i++)
		if (in_module(&f[i], module_root) && !lg_pprof_is_runtime(f[i].func))
			return i;
	for (i = 0; i < n; i++)
		if (!lg_pprof_is_runtime(f[i].func) && !is_std(f[i].func))
			return i;
	for (i = 0; i < n; i++)
		if (!lg_pprof_is_runtime(f[i].func))
			return i;
	for (i = 0; i < n; i++)
		if (!is_alloc_primitive(&f[i]))
			return i;
	return 0;
}

static int is_once(const char *func)
{
	const char *name;

	if (!strcmp(func, "sync.(*Once).doSlow") || lg_starts_with(func, "sync.OnceFunc") ||
	    lg_starts_with(func, "sync.OnceValue") || !strcmp(func, "runtime.doInit") ||
	    !strcmp(func, "runtime.doInit1"))
		return 1;
	/* their closures inlined into the caller: "pkg.F.OnceValue[...].func2" */
	if (strstr(func, ".OnceValue[") || strstr(func, ".OnceValues[") ||
	    strstr(func, ".OnceFunc.func"))
		return 1;
	/* pkg.init, pkg.init.0, pkg.init.func1: `init` names nothing else */
	name = local_name(func);
	return name && (!strcmp(name, "init") || lg_starts_with(name, "init."));
}

enum lg_heapgrowth_kind lg_heapgrowth_kind_of(const struct lg_frame *f, size_t n)
{
	size_t i;
	int all_runtime = 1;

	if (hook_frame(f, n) < n)
		return LG_HEAPGROWTH_HOOK;
	for (i = 0; i < n; i++) {
		if (is_once(f[i].func))
			return LG_HEAPGROWTH_ONCE;
		all_runtime = all_runtime && lg_pprof_is_runtime(f[i].func);
	}
	return n && all_runtime ? LG_HEAPGROWTH_RUNTIME : LG_HEAPGROWTH_COUNTED;
}

static void collect(const struct lg_pprof *p, int vi, int sign, const char *root,
		    struct lg_heapgrowth *g, struct entry **ents, size_t *n, size_t *alloc)
{
	size_t i;

	for (i = 0; i < p->nsamples; i++) {
		const struct lg_pprof_sample *s = &p->samples[i];
		int64_t v = s->values[vi];
		enum lg_heapgrowth_kind k;
		struct entry *e;

		if (sign < 0)
			v = v == INT64_MIN ? INT64_MAX : -v;
		k = lg_heapgrowth_kind_of(s->frames, s->nframes);
		g->net[k] = lg_sat_add64(g->net[k], v);
		g->total = lg_sat_add64(g->total, v);
		if (!s->nframes)
			continue;
		LG_GROW(*ents, *alloc, *n + 1);
		e = &(*ents)[(*n)++];
		e->kind = k;
		e->s = s;
		e->site = lg_heapgrowth_site_of(s->frames, s->nframes, root);
		e->value = v;
	}
}

static int cmp_site(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;
	const struct lg_frame *fa = &a->s->frames[a->site], *fb = &b->s->frames[b->site];
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	c = strcmp(fa->func, fb->func);
	if (!c)
		c = strcmp(fa->file, fb->file);
	if (!c && fa->line != fb->line)
		c = fa->line < fb->line ? -1 : 1;
	return c;
}

/* Within a kind, biggest growth first; ties in site order. */
static int cmp_delta(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->value != b->value)
		return a->value > b->value ? -1 : 1;
	return cmp_site(x, y);
}

/* "f (file:line)"; runtime and standard library frames outside the module by name only. */
static void add_frame(struct lg_buf *b, const struct lg_frame *f, const char *root)
{
	char *rel;

	lg_buf_adds(b, f->func);
	if (!*f->file || lg_pprof_is_runtime(f->func) ||
	    (is_std(f->func) && !in_module(f, root)))
		return;
	rel = lg_relpath(root, f->file);
	lg_buf_addf(b, " (%s:%lld)", rel, (long long)f->line);
	free(rel);
}

/* The calls from frame `site` down to the allocation, or NULL when none. */
static char *chain_of(const struct lg_pprof_sample *s, size_t site, const char *root)
{
	struct lg_buf b = LG_BUF_INIT;
	size_t i, shown = 0;

	if (!site)
		return NULL;
	for (i = site; i-- > 0;) {
		if (shown == CHAIN_MAX - 1 && i > 0) {
			lg_buf_addf(&b, " -> ... %zu more", i);
			i = 0;
		}
		if (b.len)
			lg_buf_adds(&b, " -> ");
		add_frame(&b, &s->frames[i], root);
		shown++;
	}
	return lg_buf_detach(&b, NULL);
}

/* The frame that called frame `site`, or NULL at the root. */
static char *caller_of(const struct lg_pprof_sample *s, size_t site, const char *root)
{
	struct lg_buf b = LG_BUF_INIT;

	if (site + 1 >= s->nframes)
		return NULL;
	add_frame(&b, &s->frames[site + 1], root);
	return lg_buf_detach(&b, NULL);
}

static int need_inuse(const struct lg_pprof *p, const char *which, struct lg_err *err)
{
	int i = lg_pprof_sample_index(p, "inuse_space");

	if (i < 0)
		return lg_error(err, "the %s heap profile has no sample type 'inuse_space'", which);
	return i;
}

/*
 * Sums the runs of equal sites of the sorted `e` into e[0..k) and returns
 * k.  Each sum keeps the sample that grew most, whose stack is the chain
 * shown.  e[k] is written only once its run is read, and k never passes
 * the run's start.
 */
static size_t merge_sites(struct entry *e, size_t n)
{
	size_t i = 0, j, k = 0;

	while (i < n) {
		struct entry sum = e[i];
		const struct entry *best = &e[i];

		for (j = i + 1; j < n && !cmp_site(&e[i], &e[j]); j++) {
			sum.value = lg_sat_add64(sum.value, e[j].value);
			if (e[j].value > best->value)
				best = &e[j];
		}
		sum.s = best->s;
		sum.site = best->site;
		e[k++] = sum;
		i = j;
	}
	return k;
}

int lg_heapgrowth_classify(const struct lg_pprof *before, const struct lg_pprof *after,
			   const char *module_root, size_t max_sites, struct lg_heapgrowth *out,
			   struct lg_err *err)
{
	struct entry *ents = NULL;
	size_t n = 0, alloc = 0, i, k, kept[LG_HEAPGROWTH_NKINDS] = { 0 };
	int ib, ia;

	memset(out, 0, sizeof(*out));
	if ((ib = need_inuse(before, "earlier", err)) < 0 ||
	    (ia = need_inuse(after, "later", err)) < 0)
		return -1;
	out->sample_rate = after->period;
	collect(before, ib, -1, module_root, out, &ents, &n, &alloc);
	collect(after, ia, 1, module_root, out, &ents, &n, &alloc);
	if (n)
		qsort(ents, n, sizeof(*ents), cmp_site);
	n = merge_sites(ents, n);
	for (i = k = 0; i < n; i++)
		if (ents[i].value > 0)
			ents[k++] = ents[i];
	n = k;
	if (n)
		qsort(ents, n, sizeof(*ents), cmp_delta);
	out->sites = lg_xcalloc(n ? n : 1, sizeof(*out->sites));
	for (i = 0; i < n; i++) {
		const struct entry *e = &ents[i];
		const struct lg_frame *f = &e->s->frames[e->site];
		struct lg_heapgrowth_site *o;

		if (kept[e->kind]++ >= max_sites)
			continue;
		o = &out->sites[out->nsites++];
		o->kind = e->kind;
		o->func = lg_xstrdup(f->func);
		o->file = lg_relpath(module_root, f->file);
		o->line = f->line;
		o->chain = chain_of(e->s, e->site, module_root);
		o->caller = caller_of(e->s, e->site, module_root);
		o->delta = e->value;
	}
	free(ents);
	return 0;
}

void lg_heapgrowth_release(struct lg_heapgrowth *g)
{
	size_t i;

	for (i = 0; i < g->nsites; i++) {
		free(g->sites[i].func);
		free(g->sites[i].file);
		free(g->sites[i].chain);
		free(g->sites[i].caller);
	}
	free(g->sites);
	memset(g, 0, sizeof(*g));
}

void lg_heapgrowth_per_pass(struct lg_heapgrowth *g, int passes)
{
	size_t i;
	int k;

	if (passes <= 1)
		return;
	for (k = 0; k < LG_HEAPGROWTH_NKINDS; k++)
		g->net[k] /= passes;
	g->total /= passes;
	for (i = 0; i < g->nsites; i++)
		g->sites[i].delta /= passes;
}

int64_t lg_heapgrowth_discount(const struct lg_heapgrowth *g, int64_t heap_inuse_growth,
			       int *scaled)
{
	int64_t d = 0, explained;
	int k;

	*scaled = 0;
	for (k = LG_HEAPGROWTH_COUNTED + 1; k < LG_HEAPGROWTH_NKINDS; k++)
		if (g->net[k] > 0)
			d = lg_sat_add64(d, g->net[k]);
	explained = lg_sat_add64(d, g->net[LG_HEAPGROWTH_COUNTED] > 0 ? g->net[LG_HEAPGROWTH_COUNTED] : 0);
	if (d > 0 && explained < heap_inuse_growth) {
		d = (int64_t)((double)heap_inuse_growth * ((double)d / (double)explained));
		*scaled = 1;
	}
	if (d > heap_inuse_growth)
		d = heap_inuse_growth;
	return d < 0 ? 0 : d;
}
