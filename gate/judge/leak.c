/*
 * leak.c — turns two goroutine dumps into explained leak groups.
 *
 * Ownership filters come first (runtime, testing, hook, os/signal), then the
 * user's ignore rules, then grouping.  Who owns a goroutine is owner.c's
 * question, why it is stuck pattern.c's.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "leak.h"
#include "owner.h"
#include "pattern.h"

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

struct acc {
	struct lg_leak_group g;
	const struct lg_goroutine *rep;
};

/* A signature looked up among the groups (lg_hmap callback context). */
struct sig_key {
	const struct acc *groups;
	const char *sig;
};

/* lg_hmap callback: whether group k has the signature key->sig. */
static int same_group_sig(const void *ctx, uint32_t k)
{
	const struct sig_key *key = ctx;

	return strcmp(key->groups[k].g.signature, key->sig) == 0;
}

static void location_from(struct lg_location *l, const char *root, const char *file, int line)
{
	l->file = lg_relpath(root, file);
	l->line = line;
}

/* "F at file:line" of the `go` statement, for created_via. */
static char *creator_text(const struct lg_creator *c, const char *root)
{
	char *file = lg_relpath(root, c->file);
	char *s = lg_xasprintf("%s at %s:%d", c->func ? c->func : "?", file ? file : "?", c->line);

	free(file);
	return s;
}

/* created_at, and created_via when the `go` statement lies outside the module. */
static void set_created(struct lg_leak_group *lg, const struct lg_goroutine *g, const char *root)
{
	const struct lg_frame *f = lg_owner_creation_frame(g, root);

	if (!f) {
		location_from(&lg->created_at, root, g->creator.file, g->creator.line);
		return;
	}
	location_from(&lg->created_at, root, f->file, f->line);
	lg->created_via = creator_text(&g->creator, root);
}

static void group_init(struct acc *a, const struct lg_goroutine *g, const char *sig,
		       const struct lg_dump *dump, const struct lg_leak_opts *o)
{
	const struct lg_frame *at = lg_owner_blocked_frame(g, o->module_root);
	const struct lg_pattern *pat = lg_pattern_of(g, o->module_root, o->read_sources, dump);
	struct lg_buf stack = LG_BUF_INIT;

	memset(a, 0, sizeof(*a));
	a->rep = g;
	a->g.signature = lg_xstrdup(sig);
	a->g.top_func = g->nframes && g->frames[0].func ? lg_xstrdup(g->frames[0].func) : NULL;
	a->g.wait_reason = g->status ? lg_xstrdup(g->status) : NULL;
	a->g.min_minutes = a->g.max_minutes = g->minutes;
	a->g.creator_func = g->creator.func ? lg_xstrdup(g->creator.func) : NULL;
	set_created(&a->g, g, o->module_root);
	if (at) {
		location_from(&a->g.blocked_at, o->module_root, at->file, at->line);
		/* The frame just inside the user's is the primitive it called. */
		if (at > g->frames && at[-1].func)
			a->g.blocked_in = lg_xstrdup(at[-1].func);
	}
	a->g.pattern = lg_xstrdup(pat->id);
	a->g.pattern_title = lg_xstrdup(pat->title);
	a->g.hint = lg_xstrdup(pat->hint);
	lg_goroutine_format(g, &stack);
	a->g.stack = lg_buf_detach(&stack, NULL);
}

/* Counts one goroutine for the test that created it (none: not counted). */
static void tally_test(struct lg_leak_group *lg, const struct lg_goroutine *g)
{
	char *name = lg_owner_attribute_test(g);
	size_t i;

	if (g->id >= 0 && lg->ngoids < LG_LEAK_GOIDS)
		lg->goids[lg->ngoids++] = g->id;
	if (g->creator.parent_id >= 0 && lg->ngoids < LG_LEAK_GOIDS)
		lg->goids[lg->ngoids++] = g->creator.parent_id;
	if (!name) {
		if (g->nancestors > (size_t)lg->unnamed_ancestors)
			lg->unnamed_ancestors = (int)g->nancestors;
		return;
	}
	for (i = 0; i < lg->ntests && strcmp(lg->tests[i].name, name); i++)
		;
	if (i < lg->ntests) {
		lg->tests[i].count++;
		free(name);
		return;
	}
	lg->tests = lg_xrealloc(lg->tests, (lg->ntests + 1) * sizeof(*lg->tests));
	lg->tests[lg->ntests].name = name;
	lg->tests[lg->ntests].count = 1;
	lg->ntests++;
}

static int cmp_tests(const void *x, const void *y)
{
	const struct lg_leak_test *a = x, *b = y;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return strcmp(a->name, b->name);
}

/* Stable order (count desc, name), and `test` as the first, whatever the dump order. */
static void finish_tests(struct lg_leak_group *lg)
{
	if (lg->ntests > 1)
		qsort(lg->tests, lg->ntests, sizeof(*lg->tests), cmp_tests);
	if (lg->ntests)
		lg->test = lg_xstrdup(lg->tests[0].name);
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
	struct lg_hmap by_sig = LG_HMAP_INIT; /* group numbers by signature */
	size_t ngroups = 0, alloc = 0, i;
	int total = 0;

	for (i = 0; i < after->n; i++) {
		const struct lg_goroutine *g = &after->g[i];
		char sig[17];
		struct sig_key key;
		struct acc *a;
		uint32_t k;

		if ((before && lg_dump_find(before, g->id)) || lg_owner_system(g) || ignored(o, g))
			continue;
		lg_goroutine_signature(g, sig);
		key.groups = groups;
		key.sig = sig;
		k = lg_hmap_find_or_add(&by_sig, lg_hash_bytes(sig, strlen(sig)), same_group_sig, &key,
					(uint32_t)ngroups);
		if (k == ngroups) {
			LG_GROW(groups, alloc, ngroups + 1);
			group_init(&groups[ngroups++], g, sig, after, o);
		}
		a = &groups[k];
		a->g.count++;
		tally_test(&a->g, g);
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
		for (i = 0; i < ngroups; i++) {
			finish_tests(&groups[i].g);
			p->leaks[p->nleaks + i] = groups[i].g;
		}
		qsort(p->leaks + p->nleaks, ngroups, sizeof(*p->leaks), cmp_groups);
		p->nleaks += ngroups;
	}
	lg_hmap_release(&by_sig);
	free(groups);
	return total;
}

/*
 * The key aggregated snapshots are matched by: the functions of g's own
 * frames outside package runtime (a debug=1 profile hides the runtime's
 * innermost frames, a dump shows them), hashed.
 */
static uint64_t stack_key(const struct lg_goroutine *g)
{
	uint64_t h = LG_FNV_OFFSET;
	size_t i;

	for (i = 0; i < g->nframes; i++) {
		const char *fn = g->frames[i].func;

		if (fn && !lg_starts_with(fn, "runtime."))
			h = lg_fnv1a(h, fn);
	}
	return h;
}

/* One distinct stack of the aggregated comparison. */
struct keyed {
	uint64_t key;
	int64_t before, after;
	const struct lg_goroutine *entry; /* after's first entry with the key */
	const struct lg_goroutine *rep;   /* representative goroutine, or NULL */
	int proven;
};

static int cmp_keyed(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;

	return a->key < b->key ? -1 : a->key > b->key;
}

/* The table entry for key (sorted table), or NULL. */
static struct keyed *keyed_find(struct keyed *t, size_t n, uint64_t key)
{
	struct keyed k;

	k.key = key;
	return n ? bsearch(&k, t, n, sizeof(*t), cmp_keyed) : NULL;
}

/* Adds d's entries to the table (unsorted), as before or after counts. */
static void keyed_add(struct keyed **t, size_t *n, size_t *alloc, const struct lg_dump *d,
		      int after)
{
	size_t i, j;

	for (i = 0; i < d->n; i++) {
		const struct lg_goroutine *g = &d->g[i];
		uint64_t key = stack_key(g);
		int64_t c = g->count > 0 ? g->count : 1;

		for (j = 0; j < *n && (*t)[j].key != key; j++)
			;
		if (j == *n) {
			LG_GROW(*t, *alloc, *n + 1);
			memset(&(*t)[j], 0, sizeof(**t));
			(*t)[j].key = key;
			(*n)++;
		}
		if (after) {
			(*t)[j].after += c;
			if (!(*t)[j].entry)
				(*t)[j].entry = g;
		} else {
			(*t)[j].before += c;
		}
	}
}

/*
 * A goroutine known only from a profile entry (no creator, no status):
 * the runtime's, the testing package's or the hook's, by its frames.
 */
static int entry_owned_by_system(const struct lg_goroutine *g)
{
	size_t i;
	int all_system = 1;

	if (g->wait == LG_WAIT_RUNTIME || !g->nframes)
		return 1;
	for (i = 0; i < g->nframes; i++) {
		const char *f = g->frames[i].func;

		if (!f)
			continue;
		if (lg_owner_hook_frame(&g->frames[i]) || strcmp(f, "os/signal.signal_recv") == 0)
			return 1;
		if (!lg_starts_with(f, "testing.") && !lg_starts_with(f, "runtime."))
			all_system = 0;
	}
	return all_system;
}

int lg_leak_find_aggregated(const struct lg_dump *before, const struct lg_dump *after,
			    const struct lg_dump *sample, const struct lg_dump *proof,
			    int proof_aggregated, const struct lg_leak_opts *o,
			    struct lg_package *p, int *unsampled)
{
	struct keyed *t = NULL;
	size_t n = 0, alloc = 0, i, ngroups = 0, after_n;
	const struct lg_dump *reps = sample ? sample : after;
	struct lg_leak_group *groups = NULL;
	int total = 0, nunsampled = 0, before_full = 1;

	if (before) {
		keyed_add(&t, &n, &alloc, before, 0);
		for (i = 0; i < before->n; i++)
			if (before->g[i].id < 0)
				before_full = 0;
	}
	keyed_add(&t, &n, &alloc, after, 1);
	after_n = n;
	if (n)
		qsort(t, n, sizeof(*t), cmp_keyed);
	/* representatives: the first goroutine of each stack that is new */
	for (i = 0; reps && i < reps->n; i++) {
		const struct lg_goroutine *g = &reps->g[i];
		struct keyed *k;

		if (g->id < 0 || (before && before_full && lg_dump_find(before, g->id)))
			continue;
		k = keyed_find(t, after_n, stack_key(g));
		if (k && !k->rep)
			k->rep = g;
	}
	for (i = 0; proof && i < proof->n; i++) {
		struct keyed *k = keyed_find(t, after_n, stack_key(&proof->g[i]));

		if (k && (proof_aggregated || proof->g[i].leaked))
			k->proven = proof_aggregated || (k->rep && k->rep->id == proof->g[i].id);
	}
	for (i = 0; i < n; i++) {
		struct keyed *k = &t[i];
		const struct lg_goroutine *g = k->rep ? k->rep : k->entry;
		struct acc a;
		char sig[17];
		int64_t diff = k->after - k->before;

		if (diff <= 0 || !g)
			continue;
		if (k->rep ? lg_owner_system(g) || ignored(o, g)
			   : entry_owned_by_system(g) || ignored(o, g))
			continue;
		lg_goroutine_signature(g, sig);
		group_init(&a, g, sig, reps ? reps : after, o);
		a.g.count = diff > INT32_MAX ? INT32_MAX : (int)diff;
		tally_test(&a.g, g);
		if (a.g.ntests)
			a.g.tests[0].count = a.g.count;
		a.g.proven = k->proven;
		finish_tests(&a.g);
		if (!k->rep) {
			/* a profile entry has no status: say so rather than "running" */
			free(a.g.wait_reason);
			a.g.wait_reason = lg_xstrdup("wait unknown: not in the sample");
			nunsampled++;
		}
		groups = lg_xrealloc(groups, (ngroups + 1) * sizeof(*groups));
		groups[ngroups++] = a.g;
		total += a.g.count;
	}
	if (ngroups) {
		p->leaks = lg_xrealloc(p->leaks, (p->nleaks + ngroups) * sizeof(*p->leaks));
		memcpy(p->leaks + p->nleaks, groups, ngroups * sizeof(*groups));
		qsort(p->leaks + p->nleaks, ngroups, sizeof(*p->leaks), cmp_groups);
		p->nleaks += ngroups;
	}
	if (unsampled)
		*unsampled = nunsampled;
	free(groups);
	free(t);
	return total;
}

void lg_leak_format_group(const struct lg_leak_group *g, struct lg_buf *out)
{
	size_t i;

	lg_buf_addf(out, "%d goroutine%s [%s", g->count, g->count == 1 ? "" : "s",
		    g->wait_reason ? g->wait_reason : "running");
	if (g->max_minutes)
		lg_buf_addf(out, ", %d-%d minutes", g->min_minutes, g->max_minutes);
	lg_buf_addf(out, "]: %s%s\n", g->pattern_title, g->proven ? " (proven stuck)" : "");
	if (g->created_at.file)
		lg_buf_addf(out, "  created at %s:%d", g->created_at.file, g->created_at.line);
	if (g->creator_func && !g->created_via)
		lg_buf_addf(out, " by %s", g->creator_func);
	if (g->ntests == 1)
		lg_buf_addf(out, " in %s", g->test);
	else if (!g->ntests && g->test)
		lg_buf_addf(out, " in %s", g->test); /* read from an older report */
	lg_buf_addch(out, '\n');
	if (g->created_via)
		lg_buf_addf(out, "  via %s\n", g->created_via);
	if (g->ntests > 1) {
		lg_buf_adds(out, "  created in ");
		for (i = 0; i < g->ntests; i++)
			lg_buf_addf(out, "%s%s (%d)", i ? ", " : "", g->tests[i].name,
				    g->tests[i].count);
		lg_buf_addch(out, '\n');
	}
	if (g->blocked_at.file) {
		lg_buf_addf(out, "  blocked at %s:%d", g->blocked_at.file, g->blocked_at.line);
		if (g->blocked_in)
			lg_buf_addf(out, " in %s", g->blocked_in);
		lg_buf_addch(out, '\n');
	}
	lg_buf_addf(out, "  fix: %s\n  signature: %s\n", g->hint, g->signature);
	if (g->stack)
		lg_buf_addf(out, "\n%s\n", g->stack);
}

/* Blocked on a timer's channel (source line or frames tell): time will end it. */
static int timer_bound(const struct lg_goroutine *g, const char *root, int read_sources)
{
	const char *id = lg_pattern_of(g, root, read_sources, NULL)->id;

	return !strcmp(id, "timer-wait") || !strcmp(id, "ticker-not-stopped");
}

int lg_leak_dump_deadlock_like(const struct lg_dump *d, const char *module_root,
			       int read_sources)
{
	size_t i, n = 0;

	for (i = 0; i < d->n; i++) {
		/* g0 of each M in system-level dumps: "goroutine 0 [idle]" */
		if (d->g[i].id == 0 || lg_owner_hook_goroutine(&d->g[i]))
			continue;
		switch (d->g[i].wait) {
		case LG_WAIT_RUNTIME:
			continue;
		case LG_WAIT_CHAN:
		case LG_WAIT_SELECT:
			if (timer_bound(&d->g[i], module_root, read_sources))
				return 0;
			n++;
			continue;
		case LG_WAIT_NIL_CHAN:
		case LG_WAIT_SELECT_NOCASES:
		case LG_WAIT_MUTEX:
		case LG_WAIT_RWMUTEX:
		case LG_WAIT_WAITGROUP:
		case LG_WAIT_COND:
		case LG_WAIT_SEMACQUIRE:
			n++;
			continue;
		default:
			return 0;
		}
	}
	return n > 0;
}

struct summary {
	char sig[17];
	size_t first;
	size_t count;
	int user; /* the representative has a frame of the user's code */
};

/* A signature looked up among the summaries (lg_hmap callback context). */
struct summary_key {
	const struct summary *s;
	const char *sig;
};

/* lg_hmap callback: whether summary k has the signature key->sig. */
static int same_summary_sig(const void *ctx, uint32_t k)
{
	const struct summary_key *key = ctx;

	return strcmp(key->s[k].sig, key->sig) == 0;
}

static int cmp_summary(const void *x, const void *y)
{
	const struct summary *a = x, *b = y;

	if (a->user != b->user)
		return b->user - a->user;
	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	return a->first < b->first ? -1 : a->first > b->first;
}

/* The runtime's own goroutines: g0s ("goroutine 0 [idle]"), GC, finalizers. */
static int runtime_goroutine(const struct lg_goroutine *g)
{
	return g->id == 0 || g->wait == LG_WAIT_RUNTIME ||
	       (g->creator.func && lg_starts_with(g->creator.func, "runtime."));
}

static int has_user_frame(const struct lg_goroutine *g, const char *root)
{
	size_t i;

	for (i = 0; root && i < g->nframes; i++)
		if (lg_owner_user_frame(&g->frames[i], root))
			return 1;
	return 0;
}

/* Copies the frames that are not the hook's; adds the others to *hidden. */
static struct lg_frame *without_hook(const struct lg_frame *f, size_t n, size_t *kept,
				     size_t *hidden)
{
	struct lg_frame *out = lg_xcalloc(n ? n : 1, sizeof(*out));
	size_t i;

	*kept = 0;
	for (i = 0; i < n; i++) {
		if (lg_owner_hook_frame(&f[i]))
			(*hidden)++;
		else
			out[(*kept)++] = f[i];
	}
	return out;
}

/*
 * Appends g as lg_goroutine_format does, minus the frames of leakgate's
 * hook (its TestMain, leakgateRun, its guard), which every stack that goes
 * back to goroutine 1 passes through and which say nothing about the tests.
 */
static void format_without_hook(const struct lg_goroutine *g, struct lg_buf *out)
{
	struct lg_goroutine v = *g;
	struct lg_ancestor *anc = lg_xcalloc(g->nancestors ? g->nancestors : 1, sizeof(*anc));
	size_t i, hidden = 0;

	v.frames = without_hook(g->frames, g->nframes, &v.nframes, &hidden);
	for (i = 0; i < g->nancestors; i++) {
		anc[i] = g->ancestors[i];
		anc[i].frames = without_hook(g->ancestors[i].frames, g->ancestors[i].nframes,
					     &anc[i].nframes, &hidden);
	}
	v.ancestors = anc;
	lg_goroutine_format(&v, out);
	if (hidden)
		lg_buf_addf(out, "(%zu frame%s of leakgate's hook not shown)\n", hidden,
			    hidden == 1 ? "" : "s");
	for (i = 0; i < g->nancestors; i++)
		free(anc[i].frames);
	free(anc);
	free(v.frames);
}

void lg_leak_summarise_dump(const struct lg_dump *d, const char *module_root, struct lg_buf *out)
{
	struct summary *s = NULL;
	struct lg_hmap by_sig = LG_HMAP_INIT; /* summary numbers by signature */
	size_t n = 0, alloc = 0, i, j, nruntime = 0;

	for (i = 0; i < d->n; i++) {
		char sig[17];
		struct summary_key key;

		if (runtime_goroutine(&d->g[i])) {
			nruntime++;
			continue;
		}
		lg_goroutine_signature(&d->g[i], sig);
		key.s = s;
		key.sig = sig;
		j = lg_hmap_find_or_add(&by_sig, lg_hash_bytes(sig, strlen(sig)), same_summary_sig, &key,
					(uint32_t)n);
		if (j == n) {
			LG_GROW(s, alloc, n + 1);
			memcpy(s[n].sig, sig, sizeof(sig));
			s[n].first = i;
			s[n].count = 0;
			s[n].user = has_user_frame(&d->g[i], module_root);
			n++;
		}
		s[j].count++;
	}
	if (n)
		qsort(s, n, sizeof(*s), cmp_summary);
	for (i = 0; i < n; i++) {
		if (s[i].count > 1)
			lg_buf_addf(out, "%zu goroutines like this one:\n", s[i].count);
		format_without_hook(&d->g[s[i].first], out);
		lg_buf_addch(out, '\n');
	}
	if (nruntime)
		lg_buf_addf(out, "%zu runtime goroutine%s (scheduler, GC, finalizers) not shown\n",
			    nruntime, nruntime == 1 ? "" : "s");
	lg_hmap_release(&by_sig);
	free(s);
}
