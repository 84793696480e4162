/*
 * watch.c — samples of a service's goroutines over time, one count series
 * per group, and the groups those series make suspect.
 *
 * Each sample is fetched and grouped by input.h exactly as `leakgate
 * stacks URL` would; only its counts are kept, except for the first and
 * the latest good sample, whose groups (stacks, creators, patterns) the
 * verdict and the growth flame graph need.  Series are found by group id
 * through the library's index map (hashmap.h), so a sample costs its
 * groups, not groups x series.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "memstats.h"
#include "view.h"
#include "watch.h"

struct priv {
	struct lg_hmap by_id; /* series numbers by group id */
};

/* A group id looked up among the series (lg_hmap callback context). */
struct id_key {
	const struct lg_watch *w;
	const char *id;
};

/* lg_hmap callback: whether series k has the id key->id. */
static int same_id(const void *ctx, uint32_t k)
{
	const struct id_key *key = ctx;

	return !strcmp(key->w->series[k].id, key->id);
}

static uint64_t id_hash(const char *id)
{
	return lg_hash_bytes(id, strlen(id));
}

/* The series of group id `id`, or -1 when there is none yet. */
static long series_find(const struct lg_watch *w, const char *id)
{
	const struct priv *p = w->priv;
	struct id_key key = { w, id };
	uint32_t k = lg_hmap_find(&p->by_id, id_hash(id), same_id, &key);

	return k == LG_HMAP_NONE ? -1 : (long)k;
}

void lg_watch_init(struct lg_watch *w, const struct lg_watch_opts *o)
{
	memset(w, 0, sizeof(*w));
	w->opts = *o;
	if (o->group)
		w->group = *o->group;
	w->opts.group = &w->group;
	w->priv = lg_xcalloc(1, sizeof(struct priv));
	w->started = lg_now();
}

static void input_free(struct lg_input *in)
{
	if (!in)
		return;
	lg_input_release(in);
	free(in);
}

void lg_watch_release(struct lg_watch *w)
{
	struct priv *p = w->priv;
	size_t i;

	for (i = 0; i < w->nsamples; i++)
		free(w->samples[i].error);
	free(w->samples);
	for (i = 0; i < w->nseries; i++) {
		free(w->series[i].name);
		free(w->series[i].counts);
	}
	free(w->series);
	input_free(w->first);
	input_free(w->last);
	if (p)
		lg_hmap_release(&p->by_id);
	free(p);
	memset(w, 0, sizeof(*w));
}

/* The group's name in views: its innermost frame outside the runtime. */
static char *group_name(const struct lg_watch *w, const struct lg_group_set *set,
			const struct lg_group *g)
{
	const char *fn = NULL;
	size_t i;

	for (i = 0; i < g->nframes && !fn; i++) {
		const char *f = lg_group_frame(set, g, i)->func;

		if (f && !lg_pprof_is_runtime(f))
			fn = f;
	}
	if (!fn)
		fn = g->nframes && lg_group_frame(set, g, 0)->func ? lg_group_frame(set, g, 0)->func : "?";
	if (g->label)
		return lg_xasprintf("%s [%s=%s]", fn, w->group.by_label, g->label);
	return lg_xstrdup(fn);
}

/* A new series for `g`, zero in every sample before the current one. */
static long series_add(struct lg_watch *w, const struct lg_group_set *set, const struct lg_group *g)
{
	struct lg_watch_series *s;
	size_t i;

	if (w->nseries >= LG_WATCH_MAX_SERIES) {
		w->untracked++;
		return -1;
	}
	LG_GROW(w->series, w->series_alloc, w->nseries + 1);
	s = &w->series[w->nseries];
	memset(s, 0, sizeof(*s));
	memcpy(s->id, g->id, sizeof(s->id));
	s->name = group_name(w, set, g);
	s->counts = lg_xmalloc(w->samples_alloc * sizeof(*s->counts));
	for (i = 0; i + 1 < w->nsamples; i++)
		s->counts[i] = w->samples[i].ok ? 0 : -1;
	lg_hmap_add(&((struct priv *)w->priv)->by_id, id_hash(s->id), (uint32_t)w->nseries);
	w->nseries++;
	return (long)w->nseries - 1;
}

/* Appends a sample; every series gets a slot for it (0, or -1 in a gap). */
static struct lg_watch_sample *sample_add(struct lg_watch *w, int ok, const char *phase)
{
	size_t old = w->samples_alloc, i;
	struct lg_watch_sample *s;

	LG_GROW(w->samples, w->samples_alloc, w->nsamples + 1);
	if (w->samples_alloc != old)
		for (i = 0; i < w->nseries; i++)
			w->series[i].counts = lg_xrealloc(w->series[i].counts,
							  w->samples_alloc * sizeof(int64_t));
	s = &w->samples[w->nsamples++];
	memset(s, 0, sizeof(*s));
	s->t = lg_now() - w->started;
	s->ok = ok;
	s->total = -1;
	s->heap_live = -1;
	s->phase = phase;
	for (i = 0; i < w->nseries; i++)
		w->series[i].counts[w->nsamples - 1] = ok ? 0 : -1;
	return s;
}

/* A profile must count goroutines to be a sample. */
static int check_kind(const struct lg_input *in, struct lg_err *err)
{
	const char *type;

	if (in->kind != LG_INPUT_PROFILE)
		return 0;
	type = in->prof.sample_types[in->sample_index].type;
	if (strcmp(type, "goroutine"))
		return lg_error(err, "%s: a profile of %s, not of goroutines", in->name, type);
	return 0;
}

int lg_watch_take(struct lg_watch *w, const char *phase, struct lg_err *err)
{
	struct lg_input *in = lg_xmalloc(sizeof(*in));
	struct lg_input_opts o;
	struct lg_watch_sample *s;
	size_t i;

	if (w->nsamples >= LG_WATCH_MAX_SAMPLES) {
		free(in);
		return lg_error(err, "more than %d samples: the watch stops here", LG_WATCH_MAX_SAMPLES);
	}
	lg_input_init(in);
	memset(&o, 0, sizeof(o));
	o.group = &w->group;
	o.http = w->opts.http;
	if (lg_input_load(in, w->opts.url, &o, err) || check_kind(in, err)) {
		s = sample_add(w, 0, phase);
		s->error = lg_xstrdup(err->msg);
		w->failures_in_row++;
		input_free(in);
		return -1;
	}
	s = sample_add(w, 1, phase);
	s->total = in->groups.total;
	for (i = 0; i < in->groups.n; i++) {
		const struct lg_group *g = &in->groups.g[i];
		long at = series_find(w, g->id);

		if (at < 0)
			at = series_add(w, &in->groups, g);
		if (at < 0)
			continue;
		w->series[at].counts[w->nsamples - 1] = g->count;
		if (g->count > w->series[at].max)
			w->series[at].max = g->count;
	}
	w->failures_in_row = 0;
	if (!w->first) {
		w->first = in;
		w->first_at = w->nsamples - 1;
	} else {
		input_free(w->last);
		w->last = in;
		w->last_at = w->nsamples - 1;
	}
	w->nok++;
	return 0;
}

const struct lg_input *lg_watch_latest(const struct lg_watch *w)
{
	return w->last ? w->last : w->first;
}

int lg_watch_take_heap(struct lg_watch *w, const char *heap_url, struct lg_err *err)
{
	struct lg_http_opts defaults;
	struct lg_buf body = LG_BUF_INIT;
	char *shown;
	int64_t live;
	int ret;

	if (!w->nsamples)
		return lg_error(err, "no sample to add the heap to");
	memset(&defaults, 0, sizeof(defaults));
	if (lg_http_fetch(heap_url, w->opts.http ? w->opts.http : &defaults, &body, NULL, err)) {
		lg_buf_release(&body);
		return -1;
	}
	shown = lg_http_redact(heap_url);
	ret = lg_memstats_field(body.buf, body.len, "HeapAlloc", shown, &live, err);
	if (!ret)
		w->samples[w->nsamples - 1].heap_live = live;
	free(shown);
	lg_buf_release(&body);
	return ret;
}

void lg_watch_trend(const struct lg_watch *w, size_t series, struct lg_watch_trend *t)
{
	const int64_t *c = w->series[series].counts;
	int64_t prev = -1;
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < w->nsamples; i++) {
		if (!w->samples[i].ok)
			continue;
		if (prev < 0) {
			t->first = t->last = t->prev = c[i];
			prev = c[i];
			continue;
		}
		t->prev = prev;
		if (c[i] > prev) {
			t->increases++;
			t->streak++;
		} else {
			if (c[i] < prev)
				t->decreases++;
			t->streak = 0;
		}
		prev = t->last = c[i];
	}
	t->only_grows = !t->decreases && t->last > t->first;
}

void lg_watch_suspects_release(struct lg_watch_suspects *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].why);
		free(s->v[i].go_stmt);
		free(s->v[i].created_by);
		free(s->v[i].stack);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static void set_creator(struct lg_watch_suspect *sp, const struct lg_creator *c, const char *root)
{
	char *file;

	if (!c->func || sp->created_by)
		return;
	sp->created_by = lg_xstrdup(c->func);
	if (c->file) {
		file = lg_relpath(root, c->file);
		sp->go_stmt = lg_xasprintf("%s:%d", file, c->line);
		free(file);
	}
}

static void suspect_add(const struct lg_watch *w, struct lg_watch_suspects *out, size_t series,
			int64_t first, int64_t last, char *why)
{
	const struct lg_input *in = lg_watch_latest(w);
	struct lg_watch_suspect *sp;
	struct lg_view v;
	struct lg_buf b = LG_BUF_INIT;
	long at = in ? lg_group_find(&in->groups, w->series[series].id) : -1;

	LG_GROW(out->v, out->alloc, out->n + 1);
	sp = &out->v[out->n++];
	memset(sp, 0, sizeof(*sp));
	sp->series = series;
	sp->first = first;
	sp->last = last;
	sp->why = why;
	if (at < 0)
		return;
	sp->g = &in->groups.g[at];
	set_creator(sp, &lg_group_dump_of(sp->g)->creator, w->group.module_root);
	memset(&v, 0, sizeof(v));
	v.cwd = w->group.module_root;
	v.max_frames = 24;
	lg_view_group_text(in, sp->g, &v, &b);
	sp->stack = lg_buf_detach(&b, NULL);
}

/*
 * Goroutines the sampler's own request accounts for: the connection that
 * fetches a sample has a conn.serve goroutine and, while the handler runs,
 * a backgroundRead one; whether they show in a given sample is a race, so
 * one of them is never growth.
 */
static int own_frames(const struct lg_group_set *set, const struct lg_group *g)
{
	size_t i;

	for (i = 0; i < g->nframes; i++) {
		const char *f = lg_group_frame(set, g, i)->func;

		if (f && (lg_starts_with(f, "net/http.(*connReader).") ||
			  !strcmp(f, "net/http.(*conn).serve")))
			return 1;
	}
	return 0;
}

static int64_t own_request(const struct lg_watch *w, size_t series)
{
	const struct lg_input *in = lg_watch_latest(w);
	long at = in ? lg_group_find(&in->groups, w->series[series].id) : -1;

	return at >= 0 && own_frames(&in->groups, &in->groups.g[at]) ? 1 : 0;
}

/* The total of a sample without what own_frames counts. */
static int64_t total_without_own(const struct lg_input *in)
{
	int64_t n = in->groups.total;
	size_t i;

	for (i = 0; i < in->groups.n; i++)
		if (own_frames(&in->groups, &in->groups.g[i]))
			n -= in->groups.g[i].count;
	return n;
}

static int cmp_growth(const void *x, const void *y)
{
	const struct lg_watch_suspect *a = x, *b = y;
	int64_t da = a->last - a->first, db = b->last - b->first;

	if (da != db)
		return da < db ? 1 : -1;
	return a->series < b->series ? -1 : a->series > b->series;
}

void lg_watch_find_growing(const struct lg_watch *w, int min_increases,
			   struct lg_watch_suspects *out)
{
	struct lg_watch_trend t;
	size_t i;

	for (i = 0; i < w->nseries; i++) {
		lg_watch_trend(w, i, &t);
		if (!t.only_grows || t.increases < min_increases || t.last - own_request(w, i) <= t.first)
			continue;
		suspect_add(w, out, i, t.first, t.last,
			    lg_xasprintf("grew from %lld to %lld in %d of %zu samples, never fell",
					 (long long)t.first, (long long)t.last, t.increases + 1, w->nok));
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_growth);
}

void lg_watch_find_not_returned(const struct lg_watch *w, int64_t tolerance,
				struct lg_watch_suspects *out)
{
	struct lg_watch_trend t;
	size_t i;

	/*
	 * A goroutine that only changed its wait (the accept loop caught
	 * running) leaves one group for another without adding to the total:
	 * no leak while the total, the sampler's own request aside, is back.
	 */
	if (!w->last || total_without_own(w->last) <= total_without_own(w->first))
		return;
	for (i = 0; i < w->nseries; i++) {
		lg_watch_trend(w, i, &t);
		if (t.last - own_request(w, i) - t.first <= tolerance)
			continue;
		suspect_add(w, out, i, t.first, t.last,
			    lg_xasprintf("%lld before the load, %lld after the cool-down "
					 "(tolerance %lld)", (long long)t.first, (long long)t.last,
					 (long long)tolerance));
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_growth);
}

static int same_label(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int lg_watch_name_creators(const struct lg_watch *w, struct lg_watch_suspects *s,
			   const char *dump_url, struct lg_err *err)
{
	struct lg_input in;
	struct lg_input_opts o;
	size_t i, j;
	int ret = 0;

	for (i = 0; i < s->n && s->v[i].created_by; i++)
		;
	if (i == s->n)
		return 0;
	memset(&o, 0, sizeof(o));
	o.group = &w->group;
	o.http = w->opts.http;
	lg_input_init(&in);
	if (lg_input_load(&in, dump_url, &o, err)) {
		ret = -1;
		goto out;
	}
	for (i = 0; i < s->n; i++) {
		const struct lg_group *g = s->v[i].g;

		if (!g || s->v[i].created_by)
			continue;
		for (j = 0; j < in.groups.n; j++) {
			const struct lg_group *d = &in.groups.g[j];

			if (!strcmp(d->signature, g->signature) && same_label(d->label, g->label) &&
			    lg_group_dump_of(d)->creator.func) {
				set_creator(&s->v[i], &d->dump->creator, w->group.module_root);
				break;
			}
		}
	}
out:
	lg_input_release(&in);
	return ret;
}

static int is_suspect(const struct lg_watch_suspects *s, const char *id, const struct lg_watch *w)
{
	size_t i;

	for (i = 0; s && i < s->n; i++)
		if (!strcmp(w->series[s->v[i].series].id, id))
			return 1;
	return 0;
}

size_t lg_watch_growth(const struct lg_watch *w, const struct lg_watch_suspects *s,
		       lg_watch_growth_fn fn, void *ctx)
{
	const char **names = NULL;
	size_t alloc = 0, i, j, n, visited = 0;
	struct lg_buf root = LG_BUF_INIT;

	if (!w->first || !w->last)
		return 0;
	for (i = 0; i < w->last->groups.n; i++) {
		const struct lg_group *g = &w->last->groups.g[i];
		long b = lg_group_find(&w->first->groups, g->id);
		int64_t delta = g->count - (b < 0 ? 0 : w->first->groups.g[b].count);

		if (delta <= 0)
			continue;
		LG_GROW(names, alloc, g->nframes + 1);
		n = 0;
		if (g->label) {
			lg_buf_reset(&root);
			lg_buf_addf(&root, "%s=%s", w->group.by_label, g->label);
			names[n++] = root.buf;
		}
		for (j = g->nframes; j > 0; j--) {
			const char *func = lg_group_frame(&w->last->groups, g, j - 1)->func;

			names[n++] = func ? func : "?";
		}
		fn(ctx, names, n, delta, is_suspect(s, g->id, w));
		visited++;
	}
	free(names);
	lg_buf_release(&root);
	return visited;
}

/* The part of `url` before "/debug/pprof/", or all of it without a trailing '/'. */
static char *base_url(const char *url)
{
	const char *p = strstr(url, "/debug/pprof/");
	size_t n = p ? (size_t)(p - url) : strlen(url);

	while (!p && n && url[n - 1] == '/')
		n--;
	return lg_xstrndup(url, n);
}

char *lg_watch_profile_url(const char *url, int debug)
{
	char *base, *out;

	if (strstr(url, "/debug/pprof/")) {
		if (debug == 2 && !strchr(url, '?'))
			return lg_xasprintf("%s?debug=2", url);
		return lg_xstrdup(url);
	}
	base = base_url(url);
	out = lg_xasprintf("%s/debug/pprof/goroutine%s", base, debug == 2 ? "?debug=2" : "");
	free(base);
	return out;
}

char *lg_watch_pprof_url(const char *url, const char *path)
{
	char *base = base_url(url), *out = lg_xasprintf("%s/debug/pprof/%s", base, path);

	free(base);
	return out;
}
