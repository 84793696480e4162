/*
 * group.c — grouping goroutines and profile samples by stack.
 *
 * Grouping runs once per goroutine of inputs that may hold millions of
 * them, so the hot path does no allocation and no string work: strings of
 * one dump are interned, and the key of a goroutine is hashed and compared
 * by pointer.  Profiles do not intern, so their sets hash and compare the
 * strings themselves.  Work that needs the strings (stable ids, signatures,
 * leak patterns) happens once per group in lg_group_finish.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "leak.h"

struct priv {
	uint64_t *hash;   /* per group */
	size_t galloc;
	uint32_t *table;  /* open addressing: group index + 1, 0 = free */
	size_t nslots;    /* power of two */
	const void *input; /* the one dump or profile the set reads */
	int interned;     /* strings compare by pointer */
	int finished;
	struct lg_buf scratch;
};

static int is_runtime(const struct lg_frame *f)
{
	return !f->func || !strncmp(f->func, "runtime.", 8);
}

/* Frames a level looks at. */
static int counts_frame(enum lg_group_by by, const struct lg_frame *f)
{
	return by == LG_GROUP_EXACT || !is_runtime(f);
}

/* Waits the signature tells apart by their reason text. */
static int reason_matters(enum lg_wait_class w)
{
	return w == LG_WAIT_RUNTIME || w == LG_WAIT_OTHER;
}

/* ---------------------------------------------------------------------- */
/* Hashing and comparing keys. */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t hash_str(uint64_t h, const char *s, int interned)
{
	if (interned || !s)
		return mix(h, (uint64_t)(uintptr_t)s);
	while (*s)
		h = mix(h, (unsigned char)*s++);
	return mix(h, 0);
}

static int same_str(const char *a, const char *b, int interned)
{
	if (a == b)
		return 1;
	if (interned || !a || !b)
		return 0;
	return !strcmp(a, b);
}

/*
 * The in-memory key of a goroutine at the set's level.  `label` is the
 * grouping label's value (or NULL); it is always compared by content.
 */
static uint64_t key_hash(const struct lg_group_set *s, const struct lg_goroutine *g,
			 const char *label)
{
	const struct priv *pv = s->priv;
	enum lg_group_by by = s->opts.by;
	int in = pv->interned;
	uint64_t h = mix(0x51ed27, (uint64_t)g->wait);
	size_t i;

	if (by == LG_GROUP_EXACT)
		h = mix(hash_str(h, g->status, in), (uint64_t)(g->locked | g->leaked << 1));
	else if (reason_matters(g->wait))
		h = hash_str(h, g->status, in);
	for (i = 0; i < g->nframes; i++) {
		const struct lg_frame *f = &g->frames[i];

		if (!counts_frame(by, f))
			continue;
		h = hash_str(h, f->func, in);
		if (by != LG_GROUP_FUNCS)
			h = mix(hash_str(h, f->file, in), (uint64_t)f->line);
	}
	if (by != LG_GROUP_FUNCS)
		h = mix(hash_str(hash_str(h, g->creator.func, in), g->creator.file, in),
			(uint64_t)g->creator.line);
	if (label)
		h = hash_str(h, label, 0);
	return h;
}

/* The next frame at index >= i that the level looks at, or n. */
static size_t next_frame(enum lg_group_by by, const struct lg_frame *f, size_t n, size_t i)
{
	while (i < n && !counts_frame(by, &f[i]))
		i++;
	return i;
}

static int same_frames(const struct lg_group_set *s, const struct lg_group *grp,
		       const struct lg_goroutine *g)
{
	enum lg_group_by by = s->opts.by;
	int in = ((const struct priv *)s->priv)->interned;
	size_t i = 0, j = 0;

	for (;;) {
		const struct lg_frame *a, *b;

		i = next_frame(by, grp->frames, grp->nframes, i);
		j = next_frame(by, g->frames, g->nframes, j);
		if (i == grp->nframes || j == g->nframes)
			return i == grp->nframes && j == g->nframes;
		a = &grp->frames[i++];
		b = &g->frames[j++];
		if (!same_str(a->func, b->func, in))
			return 0;
		if (by != LG_GROUP_FUNCS && (a->line != b->line || !same_str(a->file, b->file, in)))
			return 0;
	}
}

static int key_equal(const struct lg_group_set *s, const struct lg_group *grp,
		     const struct lg_goroutine *g, const char *label)
{
	enum lg_group_by by = s->opts.by;
	int in = ((const struct priv *)s->priv)->interned;

	if (grp->wait != g->wait)
		return 0;
	if (by == LG_GROUP_EXACT && (!same_str(grp->status, g->status, in) ||
				     grp->locked != g->locked || grp->leaked != g->leaked))
		return 0;
	if (by != LG_GROUP_EXACT && reason_matters(g->wait) && !same_str(grp->status, g->status, in))
		return 0;
	if (by != LG_GROUP_FUNCS &&
	    (grp->creator.line != g->creator.line || !same_str(grp->creator.func, g->creator.func, in) ||
	     !same_str(grp->creator.file, g->creator.file, in)))
		return 0;
	if ((grp->label == NULL) != (label == NULL) || (label && strcmp(grp->label, label)))
		return 0;
	return same_frames(s, grp, g);
}

/* ---------------------------------------------------------------------- */
/* The table. */

static void table_grow(struct priv *pv)
{
	size_t n = pv->nslots ? pv->nslots * 2 : 1024, i, mask = n - 1;
	uint32_t *t = lg_xcalloc(n, sizeof(*t));

	for (i = 0; i < pv->nslots; i++) {
		size_t j;

		if (!pv->table[i])
			continue;
		for (j = pv->hash[pv->table[i] - 1] & mask; t[j]; j = (j + 1) & mask)
			;
		t[j] = pv->table[i];
	}
	free(pv->table);
	pv->table = t;
	pv->nslots = n;
}

static struct lg_group *new_group(struct lg_group_set *s, const struct lg_goroutine *g,
				  const char *label, uint64_t h, size_t slot)
{
	struct priv *pv = s->priv;
	struct lg_group *grp;
	size_t gn = s->n;

	LG_GROW(s->g, pv->galloc, s->n + 1);
	pv->hash = lg_xrealloc(pv->hash, pv->galloc * sizeof(*pv->hash));
	grp = &s->g[s->n++];
	memset(grp, 0, sizeof(*grp));
	pv->hash[gn] = h;
	pv->table[slot] = (uint32_t)(gn + 1);
	grp->status = g->status ? g->status : "";
	grp->wait = g->wait;
	grp->locked = g->locked;
	grp->leaked = g->leaked;
	grp->durable = g->durable;
	grp->frames_elided = g->frames_elided;
	grp->labels = g->labels;
	grp->label = label ? lg_xstrdup(label) : NULL;
	if (g->nframes) {
		grp->frames = lg_xmalloc(g->nframes * sizeof(*grp->frames));
		memcpy(grp->frames, g->frames, g->nframes * sizeof(*grp->frames));
	}
	grp->nframes = g->nframes;
	grp->creator = g->creator;
	grp->min_minutes = grp->max_minutes = g->minutes;
	grp->first_line = g->first_line;
	if (s->n * 2 > pv->nslots)
		table_grow(pv);
	return grp;
}

/* Keeps the smallest ids: the oldest goroutines of a group. */
static void add_id(struct lg_group *grp, int64_t id)
{
	size_t i;

	if (id < 0)
		return;
	if (grp->nids == LG_GROUP_MAX_IDS && id >= grp->ids[LG_GROUP_MAX_IDS - 1])
		return;
	i = grp->nids < LG_GROUP_MAX_IDS ? grp->nids++ : LG_GROUP_MAX_IDS - 1;
	while (i > 0 && grp->ids[i - 1] > id) {
		grp->ids[i] = grp->ids[i - 1];
		i--;
	}
	grp->ids[i] = id;
}

static void add_entry(struct lg_group_set *s, const struct lg_goroutine *g, int64_t weight,
		      const char *label)
{
	struct priv *pv = s->priv;
	uint64_t h = key_hash(s, g, label);
	size_t mask = pv->nslots - 1, i;
	struct lg_group *grp = NULL;

	for (i = h & mask; pv->table[i]; i = (i + 1) & mask) {
		size_t k = pv->table[i] - 1;

		if (pv->hash[k] == h && key_equal(s, &s->g[k], g, label)) {
			grp = &s->g[k];
			break;
		}
	}
	if (!grp) {
		if (s->n >= LG_GROUP_MAX_GROUPS) {
			s->overflow++;
			return;
		}
		grp = new_group(s, g, label, h, i);
	}
	grp->count += weight;
	grp->entries++;
	s->total += weight;
	if (g->minutes < grp->min_minutes)
		grp->min_minutes = g->minutes;
	if (g->minutes > grp->max_minutes)
		grp->max_minutes = g->minutes;
	grp->leaked |= g->leaked;
	add_id(grp, g->id);
}

/* ---------------------------------------------------------------------- */
/* Labels. */

/* Reads a %q-quoted or bare token at *p into out; bare ends at any of `stop`. */
static int read_token(const char **p, const char *stop, struct lg_buf *out)
{
	const char *q = *p;

	if (*q == '"') {
		for (q++; *q && *q != '"'; q++) {
			if (*q == '\\' && q[1])
				q++;
			if (out->len < LG_GROUP_MAX_LABEL)
				lg_buf_addch(out, *q);
		}
		if (*q != '"')
			return -1;
		*p = q + 1;
		return 0;
	}
	while (*q && !strchr(stop, *q))
		q++;
	if (q == *p)
		return -1;
	lg_buf_add(out, *p, (size_t)(q - *p) > LG_GROUP_MAX_LABEL ? LG_GROUP_MAX_LABEL : (size_t)(q - *p));
	*p = q;
	return 0;
}

int lg_labels_get(const char *labels, const char *key, struct lg_buf *out)
{
	struct lg_buf k = LG_BUF_INIT;
	const char *p = labels;
	int ret = -1;

	if (!p || *p++ != '{')
		goto out;
	for (;;) {
		int match;

		while (*p == ' ')
			p++;
		if (*p == '}' || !*p)
			goto out;
		lg_buf_reset(&k);
		lg_buf_reset(out);
		if (read_token(&p, ":", &k) || *p++ != ':')
			goto out;
		while (*p == ' ')
			p++;
		match = !strcmp(k.buf, key);
		if (read_token(&p, ",}", out))
			goto out;
		if (match) {
			ret = 0;
			goto out;
		}
		if (*p == ',')
			p++;
		else if (*p != '}')
			goto out;
	}
out:
	if (ret)
		lg_buf_reset(out);
	lg_buf_release(&k);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* Goroutines. */

static int state_matches(const char *want, const struct lg_goroutine *g)
{
	if (!want)
		return 1;
	if (g->status && !strcmp(want, g->status))
		return 1;
	return !strcmp(want, lg_wait_class_name(g->wait));
}

static int func_matches(const regex_t *re, const struct lg_frame *f, size_t n)
{
	size_t i;

	if (!re)
		return 1;
	for (i = 0; i < n; i++)
		if (f[i].func && regexec(re, f[i].func, 0, NULL, 0) == 0)
			return 1;
	return 0;
}

/* The private part, made on first use so that an unused set owns nothing. */
static struct priv *priv_of(struct lg_group_set *s)
{
	struct priv *pv = s->priv;

	if (!pv) {
		pv = lg_xcalloc(1, sizeof(*pv));
		lg_buf_init(&pv->scratch);
		s->priv = pv;
		table_grow(pv);
	}
	return pv;
}

/* Claims the set for one input; 0 when `input` is (now) the set's input. */
static int claim(struct lg_group_set *s, const void *input, int interned)
{
	struct priv *pv = priv_of(s);

	if (pv->finished || (pv->input && pv->input != input))
		return -1;
	pv->input = input;
	pv->interned = interned;
	return 0;
}

void lg_group_visit(void *set, const struct lg_dump *d, const struct lg_goroutine *g)
{
	struct lg_group_set *s = set;
	const struct lg_group_filter *f = &s->opts.filter;
	struct lg_buf *val;
	const char *label = NULL;

	if (claim(s, d, 1))
		return;
	val = &((struct priv *)s->priv)->scratch;
	s->seen++;
	if (!state_matches(f->state, g) || !func_matches(f->func, g->frames, g->nframes))
		goto filtered;
	if (f->label_key && (lg_labels_get(g->labels, f->label_key, val) ||
			     (f->label_value && strcmp(val->buf, f->label_value))))
		goto filtered;
	if (s->opts.by_label && lg_labels_get(g->labels, s->opts.by_label, val) == 0)
		label = val->buf;
	add_entry(s, g, g->count, label);
	return;
filtered:
	s->filtered++;
}

void lg_group_add_dump(struct lg_group_set *s, const struct lg_dump *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		lg_group_visit(s, d, &d->g[i]);
}

/* ---------------------------------------------------------------------- */
/* Profiles. */

/* A numeric or string label's value, as text, into out; -1 when absent. */
static int sample_label(const struct lg_pprof_sample *sm, const char *key, struct lg_buf *out)
{
	size_t i;

	lg_buf_reset(out);
	for (i = 0; i < sm->nlabels; i++) {
		const struct lg_pprof_label *l = &sm->labels[i];

		if (strcmp(l->key, key))
			continue;
		if (l->str)
			lg_buf_add(out, l->str, strnlen(l->str, LG_GROUP_MAX_LABEL));
		else
			lg_buf_addf(out, "%" PRId64, l->num);
		return 0;
	}
	return -1;
}

/* Profile labels as text, `{k: "v", n: 3}`, for the group's first sample. */
static char *sample_labels_text(const struct lg_pprof_sample *sm)
{
	struct lg_buf b = LG_BUF_INIT;
	size_t i;

	if (!sm->nlabels)
		return NULL;
	lg_buf_addch(&b, '{');
	for (i = 0; i < sm->nlabels; i++) {
		const struct lg_pprof_label *l = &sm->labels[i];

		lg_buf_addf(&b, "%s%s: ", i ? ", " : "", l->key);
		if (l->str)
			lg_buf_addf(&b, "\"%.*s\"", LG_GROUP_MAX_LABEL, l->str);
		else
			lg_buf_addf(&b, "%" PRId64 "%s%s", l->num, l->unit && *l->unit ? " " : "",
				    l->unit ? l->unit : "");
	}
	lg_buf_addch(&b, '}');
	return lg_buf_detach(&b, NULL);
}

void lg_group_add_profile(struct lg_group_set *s, const struct lg_pprof *p, int index)
{
	const struct lg_group_filter *f = &s->opts.filter;
	struct lg_frame *fr = NULL;
	size_t fr_alloc = 0, i, j;
	struct lg_buf val = LG_BUF_INIT;

	if (claim(s, p, 0) || index < 0 || (size_t)index >= p->nsample_types)
		return;
	for (i = 0; i < p->nsamples; i++) {
		const struct lg_pprof_sample *sm = &p->samples[i];
		struct lg_goroutine g;
		const char *label = NULL;
		size_t before = s->n;

		s->seen++;
		LG_GROW(fr, fr_alloc, sm->nframes + 1);
		for (j = 0; j < sm->nframes; j++) {
			fr[j].func = sm->frames[j].func;
			fr[j].file = sm->frames[j].file;
			fr[j].line = sm->frames[j].line > INT32_MAX ? INT32_MAX : (int)sm->frames[j].line;
			fr[j].inlined = 0;
		}
		memset(&g, 0, sizeof(g));
		g.id = -1;
		g.status = "";
		g.frames = fr;
		g.nframes = sm->nframes;
		g.creator.parent_id = -1;
		g.wait = lg_wait_class_of_frames(fr, sm->nframes);
		if (!state_matches(f->state, &g) || !func_matches(f->func, fr, sm->nframes) ||
		    (f->label_key && (sample_label(sm, f->label_key, &val) ||
				      (f->label_value && strcmp(val.buf, f->label_value))))) {
			s->filtered++;
			continue;
		}
		if (s->opts.by_label && sample_label(sm, s->opts.by_label, &val) == 0)
			label = val.buf;
		add_entry(s, &g, sm->values[index], label);
		if (s->n > before)
			s->g[s->n - 1].labels = sample_labels_text(sm);
	}
	free(fr);
	lg_buf_release(&val);
}

/* ---------------------------------------------------------------------- */
/* Finishing. */

static uint64_t fnv(uint64_t h, const char *s)
{
	if (!s)
		s = "";
	do {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	} while (*s++);
	return h;
}

static uint64_t fnv_int(uint64_t h, int64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRId64, v);
	return fnv(h, num);
}

/* The stable id of a group at a level below funcs: a hash of its strings. */
static void stable_id(const struct lg_group_set *s, const struct lg_group *grp, char out[17])
{
	enum lg_group_by by = s->opts.by;
	uint64_t h = fnv(0xcbf29ce484222325ull, lg_group_by_name(by));
	size_t i;

	h = fnv(h, lg_wait_class_name(grp->wait));
	if (by == LG_GROUP_EXACT || reason_matters(grp->wait))
		h = fnv(h, grp->status);
	if (by == LG_GROUP_EXACT)
		h = fnv_int(h, grp->locked | grp->leaked << 1);
	for (i = 0; i < grp->nframes; i++) {
		const struct lg_frame *f = &grp->frames[i];

		if (!counts_frame(by, f))
			continue;
		h = fnv_int(fnv(fnv(h, f->func), f->file), f->line);
	}
	h = fnv_int(fnv(fnv(h, grp->creator.func), grp->creator.file), grp->creator.line);
	if (grp->label)
		h = fnv(fnv(h, "label"), grp->label);
	snprintf(out, 17, "%016" PRIx64, h);
}

static void complete(const struct lg_group_set *s, struct lg_group *grp)
{
	struct lg_goroutine g;

	memset(&g, 0, sizeof(g));
	g.id = -1;
	g.status = grp->status;
	g.wait = grp->wait;
	g.frames = grp->frames;
	g.nframes = grp->nframes;
	g.creator = grp->creator;
	lg_goroutine_signature(&g, grp->signature);
	if (s->opts.by == LG_GROUP_FUNCS && !grp->label)
		memcpy(grp->id, grp->signature, sizeof(grp->id));
	else if (s->opts.by == LG_GROUP_FUNCS) {
		uint64_t h = fnv(fnv(0xcbf29ce484222325ull, grp->signature), grp->label);

		snprintf(grp->id, sizeof(grp->id), "%016" PRIx64, h);
	} else {
		stable_id(s, grp, grp->id);
	}
	lg_leak_pattern(&g, s->opts.module_root, s->opts.read_sources, &grp->pattern,
			&grp->pattern_title, &grp->hint);
}

static int cmp_groups(const void *x, const void *y)
{
	const struct lg_group *a = x, *b = y;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	if (a->first_line != b->first_line)
		return a->first_line < b->first_line ? -1 : 1;
	return strcmp(a->id, b->id);
}

static void free_group(const struct lg_group_set *s, struct lg_group *grp)
{
	free(grp->frames);
	free((char *)grp->label);
	if (s->priv && ((const struct priv *)s->priv)->interned == 0)
		free((char *)grp->labels); /* profiles own their label text */
}

void lg_group_finish(struct lg_group_set *s, int64_t min_count)
{
	struct priv *pv = priv_of(s);
	size_t i, kept = 0;

	if (pv->finished)
		return;
	pv->finished = 1;
	for (i = 0; i < s->n; i++)
		complete(s, &s->g[i]);
	if (s->n)
		qsort(s->g, s->n, sizeof(*s->g), cmp_groups);
	for (i = 0; i < s->n; i++) {
		if (s->g[i].count < min_count) {
			s->hidden++;
			s->hidden_count += s->g[i].count;
			free_group(s, &s->g[i]);
			continue;
		}
		s->g[kept++] = s->g[i];
	}
	s->n = kept;
	/* the table indexes the unsorted order; finding is by id from now on */
	free(pv->table);
	pv->table = NULL;
	pv->nslots = 0;
}

long lg_group_find(const struct lg_group_set *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->g[i].id, id))
			return (long)i;
	return -1;
}

/* ';' separates frames: none may hold one. */
static void add_folded(struct lg_buf *out, const char *s, int sep)
{
	if (sep)
		lg_buf_addch(out, ';');
	for (; *s; s++)
		lg_buf_addch(out, *s == ';' ? ':' : *s);
}

void lg_group_folded(const struct lg_group_set *s, const struct lg_group *g, struct lg_buf *out)
{
	size_t i;
	int sep = 0;

	if (g->label && s->opts.by_label) {
		add_folded(out, s->opts.by_label, 0);
		lg_buf_addch(out, '=');
		add_folded(out, g->label, 0);
		sep = 1;
	}
	for (i = g->nframes; i-- > 0; sep = 1)
		add_folded(out, g->frames[i].func ? g->frames[i].func : "?", sep);
	if (!sep)
		add_folded(out, lg_wait_class_name(g->wait), 0);
}

/* ---------------------------------------------------------------------- */
/* Diffing two sets. */

static int cmp_by_id(const void *x, const void *y)
{
	const struct lg_group *a = *(const struct lg_group *const *)x;
	const struct lg_group *b = *(const struct lg_group *const *)y;

	return strcmp(a->id, b->id);
}

static const struct lg_group **sorted_by_id(const struct lg_group_set *s)
{
	const struct lg_group **v = lg_xmalloc((s->n ? s->n : 1) * sizeof(*v));
	size_t i;

	for (i = 0; i < s->n; i++)
		v[i] = &s->g[i];
	qsort(v, s->n, sizeof(*v), cmp_by_id);
	return v;
}

static int shares_id(const struct lg_group *a, const struct lg_group *b)
{
	size_t i, j;

	for (i = 0; i < a->nids; i++)
		for (j = 0; j < b->nids; j++)
			if (a->ids[i] == b->ids[j])
				return 1;
	return 0;
}

static void set_change(struct lg_group_change *c, const struct lg_group *a, const struct lg_group *b)
{
	memset(c, 0, sizeof(*c));
	c->before = a;
	c->after = b;
	c->delta = (b ? b->count : 0) - (a ? a->count : 0);
	if (!a)
		c->kind = LG_CHANGE_NEW;
	else if (!b)
		c->kind = LG_CHANGE_GONE;
	else
		c->kind = c->delta > 0 ? LG_CHANGE_GROWN : c->delta < 0 ? LG_CHANGE_SHRUNK : LG_CHANGE_SAME;
	if (a && b)
		c->long_lived = shares_id(a, b) || b->max_minutes > a->max_minutes;
}

static int64_t abs64(int64_t v)
{
	return v < 0 ? -v : v;
}

static int cmp_changes(const void *x, const void *y)
{
	const struct lg_group_change *a = x, *b = y;
	int64_t ca = a->after ? a->after->count : 0, cb = b->after ? b->after->count : 0;
	const char *ia = a->after ? a->after->id : a->before->id;
	const char *ib = b->after ? b->after->id : b->before->id;

	if (abs64(a->delta) != abs64(b->delta))
		return abs64(a->delta) < abs64(b->delta) ? 1 : -1;
	if (ca != cb)
		return ca < cb ? 1 : -1;
	return strcmp(ia, ib);
}

size_t lg_group_diff(const struct lg_group_set *before, const struct lg_group_set *after,
		     struct lg_group_change **out)
{
	const struct lg_group **a = sorted_by_id(before), **b = sorted_by_id(after);
	struct lg_group_change *c = lg_xmalloc((before->n + after->n + 1) * sizeof(*c));
	size_t i = 0, j = 0, n = 0;

	while (i < before->n || j < after->n) {
		int cmp = i == before->n ? 1 : j == after->n ? -1 : strcmp(a[i]->id, b[j]->id);

		if (cmp < 0)
			set_change(&c[n++], a[i++], NULL);
		else if (cmp > 0)
			set_change(&c[n++], NULL, b[j++]);
		else
			set_change(&c[n++], a[i++], b[j++]);
	}
	qsort(c, n, sizeof(*c), cmp_changes);
	free(a);
	free(b);
	*out = c;
	return n;
}

const char *lg_change_kind_name(enum lg_change_kind k)
{
	static const char *const names[] = { "new", "gone", "grown", "shrunk", "same" };

	return (unsigned)k < LG_ARRAY_SIZE(names) ? names[k] : "unknown";
}

/* ---------------------------------------------------------------------- */
/* Life cycle and names. */

void lg_group_set_init(struct lg_group_set *s, const struct lg_group_opts *o)
{
	memset(s, 0, sizeof(*s));
	if (o)
		s->opts = *o;
}

void lg_group_set_release(struct lg_group_set *s)
{
	struct priv *pv = s->priv;
	size_t i;

	if (!pv) {
		memset(s, 0, sizeof(*s));
		return;
	}
	for (i = 0; i < s->n; i++)
		free_group(s, &s->g[i]);
	free(s->g);
	free(pv->hash);
	free(pv->table);
	lg_buf_release(&pv->scratch);
	free(pv);
	memset(s, 0, sizeof(*s));
}

const char *lg_group_by_name(enum lg_group_by by)
{
	switch (by) {
	case LG_GROUP_LINES: return "lines";
	case LG_GROUP_FUNCS: return "funcs";
	default: return "exact";
	}
}

int lg_group_by_parse(const char *s, enum lg_group_by *out)
{
	if (!strcmp(s, "exact"))
		*out = LG_GROUP_EXACT;
	else if (!strcmp(s, "lines"))
		*out = LG_GROUP_LINES;
	else if (!strcmp(s, "funcs") || !strcmp(s, "signature"))
		*out = LG_GROUP_FUNCS;
	else
		return -1;
	return 0;
}
