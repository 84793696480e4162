/*
 * group_profile.c — the samples of a pprof profile into a group set: the
 * profile front end of the grouper (group.c is the core).
 *
 * Samples are merged before they are grouped: by stack (the decoder gives
 * samples with the same location list one stack id; a profile built
 * without locations, such as a diff, is keyed by its frames array) and by
 * the --by-label value.  A goroutine profile with a label per request is
 * 100,000 samples but a handful of stacks; the wait class and the stack
 * filters are then worked out once per stack, and a stack's frames are
 * interned from its location ids, each location frame once per set.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <stdlib.h>
#include <string.h>

#include "group_int.h"

/* The sample's label `key`, or NULL (also for a NULL key). */
static const struct lg_pprof_label *find_label(const struct lg_pprof_sample *sm, const char *key)
{
	size_t i;

	for (i = 0; key && i < sm->nlabels; i++)
		if (!strcmp(sm->labels[i].key, key))
			return &sm->labels[i];
	return NULL;
}

/* A numeric or string label's value, as text, into out; -1 when absent. */
static int sample_label(const struct lg_pprof_sample *sm, const char *key, struct lg_buf *out)
{
	const struct lg_pprof_label *l = find_label(sm, key);

	lg_buf_reset(out);
	if (!l)
		return -1;
	if (l->str)
		lg_buf_add(out, l->str, strnlen(l->str, LG_GROUP_MAX_LABEL));
	else
		lg_buf_add_int(out, l->num);
	return 0;
}

/* The memo slot of labels l[0..n): a hash of what their text is made of. */
static struct labels_memo *labels_slot(struct priv *pv, const struct lg_pprof_label *l, size_t n)
{
	uint64_t h = n;
	size_t i;

	for (i = 0; i < n; i++) {
		h = lg_hash_mix(h, lg_hash_ptr(l[i].key) ^ lg_hash_ptr(l[i].str) * 3);
		h = lg_hash_mix(h, (uint64_t)l[i].num ^ lg_hash_ptr(l[i].unit) * 5);
	}
	return &pv->labels_memo[(h ^ h >> 29) & (LG_GROUP_LABELS_MEMO - 1)];
}

/* Do labels a and b (n each) make the same text?  Same pointers, same numbers. */
static int same_labels(const struct lg_pprof_label *a, const struct lg_pprof_label *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i].key != b[i].key || a[i].str != b[i].str || a[i].num != b[i].num ||
		    a[i].unit != b[i].unit)
			return 0;
	return 1;
}

/*
 * Profile labels as text, `{k: "v", n: 3}`, for the group's first sample;
 * shared with earlier groups whose labels are the same (labels_memo).
 * NULL when the sample has none.  Cannot fail.
 */
static const char *sample_labels_text(struct priv *pv, const struct lg_pprof_sample *sm)
{
	struct lg_buf *b = &pv->scratch;
	struct labels_memo *m;
	size_t i;

	if (!sm->nlabels)
		return NULL;
	m = labels_slot(pv, sm->labels, sm->nlabels);
	if (m->labels && m->n == sm->nlabels && same_labels(m->labels, sm->labels, sm->nlabels))
		return m->text;
	lg_buf_reset(b);
	lg_buf_addch(b, '{');
	for (i = 0; i < sm->nlabels; i++) {
		const struct lg_pprof_label *l = &sm->labels[i];

		if (i)
			lg_buf_add(b, ", ", 2);
		lg_buf_adds(b, l->key);
		lg_buf_add(b, ": ", 2);
		if (l->str) {
			lg_buf_addch(b, '"');
			lg_buf_add(b, l->str, strnlen(l->str, LG_GROUP_MAX_LABEL));
			lg_buf_addch(b, '"');
		} else {
			lg_buf_add_int(b, l->num);
			if (l->unit && *l->unit) {
				lg_buf_addch(b, ' ');
				lg_buf_adds(b, l->unit);
			}
		}
	}
	lg_buf_addch(b, '}');
	m->labels = sm->labels;
	m->n = sm->nlabels;
	m->text = lg_arena_strndup(&pv->arena, b->buf, b->len);
	return m->text;
}

/*
 * A merged stack and label, with the samples taken into it.  One per
 * distinct stack (100,000 in a big heap profile), alive while the groups
 * are made: kept to 72 bytes.  Counts fit 32 bits: a stack has at most
 * LG_PPROF_MAX_FRAMES frames, and samples are numbered in 32 bits.
 */
struct merged {
	uint64_t stack;    /* the sample's stack id, or its frames pointer */
	const struct lg_frame *frames; /* without locations */
	const uint32_t *locs; /* with locations */
	const char *lstr;  /* the label's value (string labels) */
	int64_t lnum;      /* ... or number */
	int64_t weight, entries;
	uint32_t nlocs, nframes;
	uint32_t first;    /* first sample taken into it */
	unsigned char lkind; /* 0: no --by-label label, 1: string, 2: number */
	unsigned char wait;  /* enum lg_wait_class */
	unsigned char pass;  /* the stack passes the state and func filters */
};
_Static_assert(LG_PPROF_MAX_FRAMES < UINT32_MAX && LG_PPROF_MAX_DECODED / 2 < UINT32_MAX,
	       "merged counts fit 32 bits");

struct merge_tab {
	struct merged *e;
	size_t n, alloc;
	struct lg_hmap map;
	const struct merged *key; /* being looked up */
	/*
	 * Without --by-label a decoded profile's key is its dense stack id
	 * alone: per stack id, its entry (LG_HMAP_NONE: none yet), no hashing.
	 */
	uint32_t *by_stack;
};

/* The in-memory hash of a merge key. */
static uint64_t merged_hash(const struct merged *m)
{
	uint64_t h = lg_hash_mix(lg_hash_ptr((const void *)(uintptr_t)m->stack), (uint64_t)m->lkind);

	return lg_hash_mix(h, m->lkind == 1 ? lg_hash_ptr(m->lstr) : (uint64_t)m->lnum);
}

/* Is merged entry k the key looked up? */
static int same_merge_key(const void *ctx, uint32_t k)
{
	const struct merge_tab *t = ctx;
	const struct merged *a = &t->e[k], *b = t->key;

	return a->stack == b->stack && a->nframes == b->nframes && a->lkind == b->lkind &&
	       a->lstr == b->lstr && a->lnum == b->lnum;
}

/*
 * lg_wait_class_of_frames with the class of each function remembered
 * (frames of profiles repeat in stack after stack): the class of the
 * first of f[0..n) that has one, else *w unchanged; 1 when found.
 */
static int frames_wait(struct priv *pv, const struct lg_frame *f, size_t n, enum lg_wait_class *w)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct wait_memo *m = &pv->wait_memo[lg_hash_ptr(f[i].func) & (LG_GROUP_WAIT_MEMO - 1)];

		if (m->func != f[i].func || !m->func) {
			m->func = f[i].func;
			m->wait = lg_wait_class_of_func(f[i].func);
		}
		if (m->wait != LG_WAIT_NONE) {
			*w = m->wait;
			return 1;
		}
	}
	return 0;
}

/* The wait class of stack `m` of `p`: its first frame that has one, leaf first. */
static enum lg_wait_class stack_wait(struct priv *pv, const struct lg_pprof *p, const struct merged *m)
{
	enum lg_wait_class w = LG_WAIT_NONE;
	size_t i;

	if (!p->locations) {
		frames_wait(pv, m->frames, m->nframes, &w);
		return w;
	}
	for (i = 0; i < m->nlocs; i++) {
		const struct lg_pprof_location *l = &p->locations[m->locs[i]];

		if (frames_wait(pv, p->loc_frames + l->first, l->n, &w))
			break;
	}
	return w;
}

/* Does a frame of stack `m` of `p` have a function `re` matches (NULL: all do)? */
static int stack_func_matches(const regex_t *re, const struct lg_pprof *p, const struct merged *m)
{
	size_t i;

	if (!re || !p->locations)
		return lg_group_func_matches_(re, m->frames, m->nframes);
	for (i = 0; i < m->nlocs; i++) {
		const struct lg_pprof_location *l = &p->locations[m->locs[i]];

		if (lg_group_func_matches_(re, p->loc_frames + l->first, l->n))
			return 1;
	}
	return 0;
}

/*
 * A stack as a goroutine the filters and groups can take, with the wait
 * class `m` knows.  Its frames are the profile's own (one frame type), or
 * none when the grouper takes them from the locations.
 */
static void stack_goroutine(const struct merged *m, struct lg_goroutine *g)
{
	memset(g, 0, sizeof(*g));
	g->id = -1;
	g->status = "";
	g->frames = (struct lg_frame *)m->frames;
	g->nframes = m->nframes;
	g->creator.parent_id = -1;
	g->wait = (enum lg_wait_class)m->wait;
}

/* The number of frames of a sample of `p`. */
static size_t sample_nframes(const struct lg_pprof *p, const struct lg_pprof_sample *sm)
{
	size_t i, n = 0;

	if (!p->locations)
		return sm->nframes;
	for (i = 0; i < sm->nlocs; i++)
		n += p->locations[sm->locs[i]].n;
	return n;
}

/* The merged entry of sample `sm` (index i), made on first sight. */
static struct merged *merge_slot(struct lg_group_set *s, struct merge_tab *t,
				 const struct lg_pprof *p, const struct lg_pprof_sample *sm, size_t i)
{
	const struct lg_pprof_label *l = find_label(sm, s->opts.by_label);
	const struct lg_group_filter *f = &s->opts.filter;
	struct lg_goroutine g;
	struct merged k;
	uint32_t at;

	memset(&k, 0, sizeof(k));
	k.stack = p->locations ? sm->stack : (uint64_t)(uintptr_t)sm->frames;
	k.nframes = p->locations ? 0 : (uint32_t)sm->nframes;
	k.lkind = !l ? 0 : l->str ? 1 : 2;
	k.lstr = l ? l->str : NULL;
	k.lnum = l && !l->str ? l->num : 0;
	if (t->by_stack) {
		at = t->by_stack[sm->stack];
		if (at != LG_HMAP_NONE)
			return &t->e[at];
		t->by_stack[sm->stack] = (uint32_t)t->n;
	} else {
		t->key = &k;
		at = lg_hmap_find_or_add(&t->map, merged_hash(&k), same_merge_key, t, (uint32_t)t->n);
		if (at != t->n)
			return &t->e[at];
	}
	k.frames = p->locations ? NULL : sm->frames;
	k.locs = sm->locs;
	k.nlocs = (uint32_t)sm->nlocs;
	k.wait = (unsigned char)stack_wait(s->priv, p, &k);
	k.nframes = (uint32_t)sample_nframes(p, sm);
	stack_goroutine(&k, &g);
	k.pass = lg_group_state_matches_(f->state, &g) && stack_func_matches(f->func, p, &k);
	k.nframes = p->locations ? 0 : (uint32_t)sm->nframes; /* the key's part, as looked up */
	k.first = (uint32_t)i;
	LG_GROW(t->e, t->alloc, t->n + 1);
	t->e[t->n] = k;
	return &t->e[t->n++];
}

/* A sample the label filter leaves out. */
static int label_filtered(const struct lg_group_filter *f, const struct lg_pprof_sample *sm,
			  struct lg_buf *val)
{
	return f->label_key && (sample_label(sm, f->label_key, val) ||
				(f->label_value && strcmp(val->buf, f->label_value)));
}

/* qsort order of merged entries by first sample. */
static int cmp_merged_first(const void *x, const void *y)
{
	const struct merged *a = x, *b = y;

	return a->first < b->first ? -1 : a->first > b->first;
}

/* Adds the merged entries, in the order of their first sample. */
static void add_merged(struct lg_group_set *s, const struct lg_pprof *p, struct merge_tab *t)
{
	struct lg_buf val = LG_BUF_INIT;
	size_t i;

	if (s->opts.filter.label_key && t->n)
		qsort(t->e, t->n, sizeof(*t->e), cmp_merged_first);
	lg_group_reserve_(s, s->n + t->n);
	for (i = 0; i < t->n; i++) {
		struct merged *m = &t->e[i];
		const struct lg_pprof_sample *sm = &p->samples[m->first];
		const char *label = NULL;
		struct lg_goroutine g;
		size_t before = s->n;

		if (!m->entries)
			continue;
		m->nframes = (uint32_t)sample_nframes(p, sm);
		stack_goroutine(m, &g);
		if (m->lkind && sample_label(sm, s->opts.by_label, &val) == 0)
			label = val.buf;
		lg_group_add_entry_(s, &g, m->weight, m->entries, label, p->locations ? p : NULL,
				    m->locs, m->nlocs);
		if (s->n > before)
			s->g[s->n - 1].labels = sample_labels_text(s->priv, sm);
	}
	lg_buf_release(&val);
}

/*
 * Whether add_each gives what merging gives, and is worth it: a decoded
 * profile, no --by-label, at most two samples a stack (a heap profile of
 * distinct stacks, not a goroutine profile of a few), and no negative
 * value of type `index` (non-negative saturating sums are the same in any
 * order).  Cannot fail.
 */
static int each_sample_alone(const struct lg_group_set *s, const struct lg_pprof *p, int index)
{
	size_t i;

	if (!p->locations || s->opts.by_label || p->nstacks < p->nsamples / 2)
		return 0;
	for (i = 0; i < p->nsamples; i++)
		if (p->samples[i].values[index] < 0)
			return 0;
	return 1;
}

/*
 * The samples of `p` one by one, when each_sample_alone says so: each
 * sample is filtered and added as it comes, in sample order.  A group is
 * then made by the first sample of it that passes, as add_merged makes it
 * from the merged entry of the earliest such sample, with the same
 * labels, and its count and entries are the same sums; but no table of
 * merged entries (7 MB for 100,000 stacks) is made.  Cannot fail.
 */
static void add_each(struct lg_group_set *s, const struct lg_pprof *p, int index)
{
	const struct lg_group_filter *f = &s->opts.filter;
	struct lg_buf val = LG_BUF_INIT;
	size_t i;

	lg_group_reserve_(s, s->n + p->nstacks);
	for (i = 0; i < p->nsamples; i++) {
		const struct lg_pprof_sample *sm = &p->samples[i];
		struct lg_goroutine g;
		struct merged m;
		size_t before = s->n;

		memset(&m, 0, sizeof(m));
		m.stack = sm->stack;
		m.locs = sm->locs;
		m.nlocs = (uint32_t)sm->nlocs;
		m.wait = (unsigned char)stack_wait(s->priv, p, &m);
		m.nframes = (uint32_t)sample_nframes(p, sm);
		stack_goroutine(&m, &g);
		s->seen++;
		if (!(lg_group_state_matches_(f->state, &g) && stack_func_matches(f->func, p, &m)) ||
		    label_filtered(f, sm, &val)) {
			s->filtered++;
			continue;
		}
		lg_group_add_entry_(s, &g, lg_sat_add64(0, sm->values[index]), 1, NULL, p,
				    m.locs, m.nlocs);
		if (s->n > before)
			s->g[s->n - 1].labels = sample_labels_text(s->priv, sm);
	}
	lg_buf_release(&val);
}

/* Gives the set's cache of location frames its size for `p` (all unknown). */
static void loc_cache(struct priv *pv, const struct lg_pprof *p)
{
	size_t n = 0;

	if (!p->locations)
		return;
	if (p->nlocations)
		n = p->locations[p->nlocations - 1].first + p->locations[p->nlocations - 1].n;
	pv->loc_fe = lg_xmalloc((n ? n : 1) * sizeof(*pv->loc_fe));
	memset(pv->loc_fe, 0xff, (n ? n : 1) * sizeof(*pv->loc_fe)); /* LG_HMAP_NONE */
}

void lg_group_add_profile(struct lg_group_set *s, const struct lg_pprof *p, int index)
{
	struct merge_tab t;
	struct lg_buf val = LG_BUF_INIT;
	struct priv *pv;
	size_t i;

	if (lg_group_claim_(s, p) || index < 0 || (size_t)index >= p->nsample_types)
		return;
	pv = s->priv;
	pv->profile = 1;
	/* leak patterns describe goroutines, not allocations or contention */
	pv->no_patterns = strcmp(p->sample_types[index].type, "goroutine") &&
			  strcmp(p->sample_types[index].type, "goroutineleak");
	loc_cache(pv, p);
	if (each_sample_alone(s, p, index)) {
		add_each(s, p, index);
		return;
	}
	memset(&t, 0, sizeof(t));
	if (p->locations && !s->opts.by_label) {
		t.by_stack = lg_xmalloc((p->nstacks ? p->nstacks : 1) * sizeof(*t.by_stack));
		memset(t.by_stack, 0xff, (p->nstacks ? p->nstacks : 1) * sizeof(*t.by_stack));
		LG_GROW(t.e, t.alloc, p->nstacks ? p->nstacks : 1);
	} else {
		lg_hmap_reserve(&t.map, p->nstacks ? p->nstacks : 64);
	}
	for (i = 0; i < p->nsamples; i++) {
		const struct lg_pprof_sample *sm = &p->samples[i];
		struct merged *m = merge_slot(s, &t, p, sm, i);

		s->seen++;
		if (!m->pass || label_filtered(&s->opts.filter, sm, &val)) {
			s->filtered++;
			continue;
		}
		if (!m->entries++)
			m->first = (uint32_t)i;
		m->weight = lg_sat_add64(m->weight, sm->values[index]);
	}
	add_merged(s, p, &t);
	free(t.by_stack);
	free(t.e);
	lg_hmap_release(&t.map);
	lg_buf_release(&val);
}
