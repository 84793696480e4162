/*
 * group.c — grouping goroutines and profile samples by stack.
 *
 * Grouping runs once per goroutine or sample of inputs that may hold
 * millions of them, so the hot path does no allocation and no string work:
 * frames are looked up by pointer in a per-set table that gives their
 * canonical strings and a hash of their content, so a key is hashed with a
 * few multiplications per frame and compared by pointer, and the same hash
 * is the group's stable id.  Work that needs the strings (signatures, leak
 * patterns) happens once per group in lg_group_finish.
 *
 * Groups hold their frames as 32-bit ids into the set's table of distinct
 * frames (s->frames): a profile of 100,000 distinct stacks made of a few
 * dozen frames is then a few megabytes of ids that stay in cache, and the
 * writers format each distinct frame once and index by id.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "group.h"
#include "pattern.h"

/*
 * Strings and frames are interned per set: a string by its content (so a
 * profile whose string table repeats a string still groups by content),
 * a frame by its (func, file, line) pointers.  Each interned string and
 * frame carries a hash of its content, computed once, so that a group's
 * key and stable id are a few multiplications per frame.
 */
struct str_ent {
	const char *ptr;  /* as offered */
	const char *canon; /* the first pointer seen with this content */
	uint64_t hash;    /* of the content */
};

struct frame_ent {
	const char *func, *file; /* as offered (the lookup key) */
	int line;
	const char *cfunc, *cfile; /* canonical */
	uint64_t hfull, hfunc;   /* content: func+file+line, func alone */
	uint32_t id[2];          /* in the set's frame table, not inlined / inlined;
	                            NO_ID until first needed */
	unsigned runtime : 1;
};

#define NO_ID UINT32_MAX

/* A direct-mapped memo of lg_wait_class_of_func by function pointer. */
#define WAIT_MEMO 256
struct wait_memo {
	const char *func;
	enum lg_wait_class wait;
};

/* Open addressing over entry indices + 1 (0 = free), power-of-two size. */
struct index_table {
	uint32_t *slot;
	size_t n;
};

struct priv {
	uint64_t *hash;   /* per group: its content key (level, wait, frames, ...) */
	size_t galloc;
	struct index_table groups;
	struct str_ent *strs;
	size_t nstrs, strs_alloc;
	struct index_table by_ptr, by_content;
	struct frame_ent *frames;
	size_t nframes, frames_alloc;
	struct index_table frame_tab;
	struct lg_frame *tab; /* the set's frame table: distinct by content (s->frames) */
	unsigned char *tab_rt; /* per table frame: a runtime frame */
	size_t ntab, tab_alloc, tab_rt_alloc;
	struct index_table tab_slots; /* by canonical pointers, line and inlined */
	uint32_t *ids;        /* scratch: one entry's frame ids */
	size_t ids_alloc;
	struct wait_memo wait_memo[WAIT_MEMO];
	/*
	 * After lg_group_finish: table frame k's function as folded text,
	 * ";func" with any ';' in it made ':', is fold.buf[fold_at[k] ..
	 * fold_at[k + 1]), so that a folded stack is a copy per frame.
	 */
	struct lg_buf fold;
	size_t *fold_at;
	struct lg_frame *fr;  /* scratch: a group's frames as structs (finish) */
	size_t fr_alloc;
	const void *input; /* the one dump or profile the set reads */
	int finished;
	int no_patterns;   /* a profile that does not count goroutines */
	struct lg_buf scratch;
	struct lg_arena arena; /* groups' frames, label values, profile label text */
};

static int is_runtime(const struct lg_frame *f)
{
	return !f->func || !strncmp(f->func, "runtime.", 8);
}

/* Waits the signature tells apart by their reason text. */
static int reason_matters(enum lg_wait_class w)
{
	return w == LG_WAIT_RUNTIME || w == LG_WAIT_OTHER;
}

/* ---------------------------------------------------------------------- */
/* Hashing and interning. */

static uint64_t hash_ptr(const void *p)
{
	uint64_t v = (uint64_t)(uintptr_t)p;

	v ^= v >> 29;
	v *= 0xbf58476d1ce4e5b9ull;
	return v ^ (v >> 32);
}

/* FNV-1a of the content, NULL apart from "". */
static uint64_t hash_content(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	if (!s)
		return 0x6e756c6cull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Slot for `h` in t: the first free one or the one whose entry `eq` accepts. */
#define TABLE_PROBE(t, h, i, eq)                                                   \
	for (i = (size_t)(h) & ((t)->n - 1); (t)->slot[i] && !(eq);                \
	     i = (i + 1) & ((t)->n - 1))

/* Doubles t when `used` passes half of it; `hash_of` gives entry k's hash. */
static void table_fit(struct index_table *t, size_t used, uint64_t (*hash_of)(const struct priv *, size_t),
		      const struct priv *pv)
{
	size_t n, i, mask;
	uint32_t *slot;

	if (t->n && used * 2 <= t->n)
		return;
	n = t->n ? t->n * 2 : 1024;
	mask = n - 1;
	slot = lg_xcalloc(n, sizeof(*slot));
	for (i = 0; i < t->n; i++) {
		size_t j;

		if (!t->slot[i])
			continue;
		for (j = hash_of(pv, t->slot[i] - 1) & mask; slot[j]; j = (j + 1) & mask)
			;
		slot[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = slot;
	t->n = n;
}

static uint64_t str_ptr_hash(const struct priv *pv, size_t k)
{
	return hash_ptr(pv->strs[k].ptr);
}

static uint64_t str_content_hash(const struct priv *pv, size_t k)
{
	return pv->strs[k].hash;
}

static uint64_t frame_key_hash(const char *func, const char *file, int line)
{
	return lg_hash_mix(hash_ptr(func) ^ (hash_ptr(file) * 31), (uint64_t)(uint32_t)line);
}

static uint64_t frame_ent_hash(const struct priv *pv, size_t k)
{
	const struct frame_ent *e = &pv->frames[k];

	return frame_key_hash(e->func, e->file, e->line);
}

static uint64_t tab_key_hash(const char *cfunc, const char *cfile, int line, int inlined)
{
	return frame_key_hash(cfunc, cfile, line) ^ (uint64_t)inlined;
}

static uint64_t tab_ent_hash(const struct priv *pv, size_t k)
{
	const struct lg_frame *f = &pv->tab[k];

	return tab_key_hash(f->func, f->file, f->line, f->inlined);
}

static uint64_t group_hash(const struct priv *pv, size_t k)
{
	return pv->hash[k];
}

/* The interned entry of string `s` (by pointer, then by content). */
static const struct str_ent *intern_str(struct priv *pv, const char *s)
{
	uint64_t hp = hash_ptr(s), hc;
	size_t i, k;

	TABLE_PROBE(&pv->by_ptr, hp, i, pv->strs[pv->by_ptr.slot[i] - 1].ptr == s)
		;
	if (pv->by_ptr.slot[i])
		return &pv->strs[pv->by_ptr.slot[i] - 1];
	hc = hash_content(s);
	TABLE_PROBE(&pv->by_content, hc, i,
		    pv->strs[pv->by_content.slot[i] - 1].hash == hc &&
			    (s && pv->strs[pv->by_content.slot[i] - 1].canon
				     ? !strcmp(pv->strs[pv->by_content.slot[i] - 1].canon, s)
				     : pv->strs[pv->by_content.slot[i] - 1].canon == s))
		;
	LG_GROW(pv->strs, pv->strs_alloc, pv->nstrs + 1);
	k = pv->nstrs++;
	pv->strs[k].ptr = s;
	pv->strs[k].hash = hc;
	pv->strs[k].canon = pv->by_content.slot[i] ? pv->strs[pv->by_content.slot[i] - 1].canon : s;
	if (!pv->by_content.slot[i]) {
		pv->by_content.slot[i] = (uint32_t)(k + 1);
		table_fit(&pv->by_content, pv->nstrs, str_content_hash, pv);
	}
	TABLE_PROBE(&pv->by_ptr, hp, i, 0)
		;
	pv->by_ptr.slot[i] = (uint32_t)(k + 1);
	table_fit(&pv->by_ptr, pv->nstrs, str_ptr_hash, pv);
	return &pv->strs[k];
}

static struct frame_ent *intern_frame(struct priv *pv, const char *func, const char *file,
					    int line)
{
	uint64_t h = frame_key_hash(func, file, line);
	const char *cfunc, *cfile;
	uint64_t hfunc, hfile;
	struct frame_ent *e;
	struct lg_frame probe;
	size_t i, k;

	TABLE_PROBE(&pv->frame_tab, h, i,
		    pv->frames[pv->frame_tab.slot[i] - 1].func == func &&
			    pv->frames[pv->frame_tab.slot[i] - 1].file == file &&
			    pv->frames[pv->frame_tab.slot[i] - 1].line == line)
		;
	if (pv->frame_tab.slot[i])
		return &pv->frames[pv->frame_tab.slot[i] - 1];
	/* each call may move pv->strs: keep values, not entries */
	cfunc = intern_str(pv, func)->canon;
	hfunc = intern_str(pv, func)->hash;
	cfile = intern_str(pv, file)->canon;
	hfile = intern_str(pv, file)->hash;
	LG_GROW(pv->frames, pv->frames_alloc, pv->nframes + 1);
	k = pv->nframes++;
	e = &pv->frames[k];
	e->func = func;
	e->file = file;
	e->line = line;
	e->cfunc = cfunc;
	e->cfile = cfile;
	e->hfunc = hfunc;
	e->hfull = lg_hash_mix(lg_hash_mix(hfunc, hfile), (uint64_t)(uint32_t)line);
	probe.func = func;
	e->runtime = is_runtime(&probe);
	e->id[0] = e->id[1] = NO_ID;
	pv->frame_tab.slot[i] = (uint32_t)(k + 1);
	table_fit(&pv->frame_tab, pv->nframes, frame_ent_hash, pv);
	return e;
}

/* The id in the frame table of entry `e` with this inlined flag, added when new. */
static uint32_t table_id(struct priv *pv, struct frame_ent *e, int inlined)
{
	uint64_t h;
	size_t i;

	if (e->id[inlined] != NO_ID)
		return e->id[inlined];
	h = tab_key_hash(e->cfunc, e->cfile, e->line, inlined);
	TABLE_PROBE(&pv->tab_slots, h, i,
		    pv->tab[pv->tab_slots.slot[i] - 1].func == e->cfunc &&
			    pv->tab[pv->tab_slots.slot[i] - 1].file == e->cfile &&
			    pv->tab[pv->tab_slots.slot[i] - 1].line == e->line &&
			    pv->tab[pv->tab_slots.slot[i] - 1].inlined == (unsigned)inlined)
		;
	if (!pv->tab_slots.slot[i]) {
		LG_GROW(pv->tab, pv->tab_alloc, pv->ntab + 1);
		LG_GROW(pv->tab_rt, pv->tab_rt_alloc, pv->ntab + 1);
		pv->tab[pv->ntab].func = e->cfunc;
		pv->tab[pv->ntab].file = e->cfile;
		pv->tab[pv->ntab].line = e->line;
		pv->tab[pv->ntab].inlined = (unsigned)inlined;
		pv->tab_rt[pv->ntab] = e->runtime;
		pv->tab_slots.slot[i] = (uint32_t)++pv->ntab;
		table_fit(&pv->tab_slots, pv->ntab, tab_ent_hash, pv);
		e->id[inlined] = (uint32_t)(pv->ntab - 1);
	} else {
		e->id[inlined] = pv->tab_slots.slot[i] - 1;
	}
	return e->id[inlined];
}

/*
 * Interns an entry's frames into pv->ids (ids in the frame table) and
 * returns the content hash of what the level looks at: wait, reason,
 * flags, frames, creator and the grouping label.  Being made of contents
 * only, it is equal across inputs and is the group's stable id at the
 * exact and lines levels.  `g` gets the canonical status and creator.
 */
static uint64_t intern_entry(struct lg_group_set *s, struct lg_goroutine *g, const char *label)
{
	struct priv *pv = s->priv;
	enum lg_group_by by = s->opts.by;
	uint64_t h = lg_hash_mix(lg_hash_mix(0x51ed27, (uint64_t)by), (uint64_t)g->wait);
	size_t i;

	if (by == LG_GROUP_EXACT || reason_matters(g->wait)) {
		const struct str_ent *st = intern_str(pv, g->status);

		g->status = st->canon;
		h = lg_hash_mix(h, st->hash);
	}
	if (by == LG_GROUP_EXACT)
		h = lg_hash_mix(h, (uint64_t)(g->locked | g->leaked << 1));
	LG_GROW(pv->ids, pv->ids_alloc, g->nframes + 1);
	for (i = 0; i < g->nframes; i++) {
		const struct lg_frame *f = &g->frames[i];
		struct frame_ent *e = intern_frame(pv, f->func, f->file, f->line);

		pv->ids[i] = table_id(pv, e, f->inlined);
		if (by == LG_GROUP_EXACT || !e->runtime)
			h = lg_hash_mix(h, by == LG_GROUP_FUNCS ? e->hfunc : e->hfull);
	}
	if (by != LG_GROUP_FUNCS && g->creator.func) {
		const struct frame_ent *e =
			intern_frame(pv, g->creator.func, g->creator.file, g->creator.line);

		g->creator.func = e->cfunc;
		g->creator.file = e->cfile;
		h = lg_hash_mix(h, e->hfull);
	} else if (by != LG_GROUP_FUNCS) {
		h = lg_hash_mix(h, 0xc0ffee);
	}
	if (label)
		h = lg_hash_mix(h, hash_content(label));
	return h;
}

/* The next frame id at index >= i that the level looks at, or n. */
static size_t next_frame(const struct priv *pv, enum lg_group_by by, const uint32_t *id,
			 size_t n, size_t i)
{
	while (i < n && by != LG_GROUP_EXACT && pv->tab_rt[id[i]])
		i++;
	return i;
}

/*
 * A group's frames against an entry's (pv->ids).  The table holds
 * canonical strings: equal content is equal pointers.  The inlined mark
 * is no part of a key.
 */
static int same_frames(const struct lg_group_set *s, const struct lg_group *grp,
		       const struct lg_goroutine *g)
{
	const struct priv *pv = s->priv;
	enum lg_group_by by = s->opts.by;
	size_t i = 0, j = 0;

	if (by == LG_GROUP_EXACT && grp->nframes != g->nframes)
		return 0;
	for (;;) {
		const struct lg_frame *a, *b;

		i = next_frame(pv, by, grp->frames, grp->nframes, i);
		j = next_frame(pv, by, pv->ids, g->nframes, j);
		if (i == grp->nframes || j == g->nframes)
			return i == grp->nframes && j == g->nframes;
		if (grp->frames[i++] == pv->ids[j++])
			continue;
		a = &pv->tab[grp->frames[i - 1]];
		b = &pv->tab[pv->ids[j - 1]];
		if (a->func != b->func)
			return 0;
		if (by != LG_GROUP_FUNCS && (a->line != b->line || a->file != b->file))
			return 0;
	}
}

static int key_equal(const struct lg_group_set *s, const struct lg_group *grp,
		     const struct lg_goroutine *g, const char *label)
{
	enum lg_group_by by = s->opts.by;

	if (grp->wait != g->wait)
		return 0;
	if (by == LG_GROUP_EXACT && (grp->status != g->status ||
				     grp->locked != g->locked || grp->leaked != g->leaked))
		return 0;
	if (by != LG_GROUP_EXACT && reason_matters(g->wait) && grp->status != g->status)
		return 0;
	if (by != LG_GROUP_FUNCS &&
	    (grp->creator.line != g->creator.line || grp->creator.func != g->creator.func ||
	     grp->creator.file != g->creator.file))
		return 0;
	if ((grp->label == NULL) != (label == NULL) || (label && strcmp(grp->label, label)))
		return 0;
	return same_frames(s, grp, g);
}

/* ---------------------------------------------------------------------- */
/* The table. */

/* Room for `n` groups (and their keys). */
static void reserve_groups(struct lg_group_set *s, size_t n)
{
	struct priv *pv = s->priv;
	size_t before = pv->galloc;

	if (n > LG_GROUP_MAX_GROUPS)
		n = LG_GROUP_MAX_GROUPS;
	LG_GROW(s->g, pv->galloc, n);
	if (pv->galloc != before)
		pv->hash = lg_xrealloc(pv->hash, pv->galloc * sizeof(*pv->hash));
}

static struct lg_group *new_group(struct lg_group_set *s, const struct lg_goroutine *g,
				  const char *label, uint64_t h, size_t slot)
{
	struct priv *pv = s->priv;
	struct lg_group *grp;
	size_t gn = s->n;

	reserve_groups(s, s->n + 1);
	grp = &s->g[s->n++];
	memset(grp, 0, sizeof(*grp));
	pv->hash[gn] = h;
	pv->groups.slot[slot] = (uint32_t)(gn + 1);
	grp->status = g->status ? g->status : "";
	grp->wait = g->wait;
	grp->locked = g->locked;
	grp->leaked = g->leaked;
	grp->durable = g->durable;
	grp->frames_elided = g->frames_elided;
	grp->labels = g->labels;
	grp->label = label ? lg_arena_strndup(&pv->arena, label, strlen(label)) : NULL;
	if (g->nframes) {
		uint32_t *ids = lg_arena_alloc(&pv->arena, g->nframes * sizeof(*ids), 4);

		memcpy(ids, pv->ids, g->nframes * sizeof(*ids));
		grp->frames = ids;
	}
	grp->nframes = g->nframes;
	grp->creator = g->creator;
	grp->min_minutes = grp->max_minutes = g->minutes;
	grp->first_line = g->first_line;
	table_fit(&pv->groups, s->n, group_hash, pv);
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

/* Adds one entry; `g0` is the caller's, its strings as the input holds them. */
static void add_entry(struct lg_group_set *s, const struct lg_goroutine *g0, int64_t weight,
		      int64_t entries, const char *label)
{
	struct priv *pv = s->priv;
	struct lg_goroutine g = *g0;
	uint64_t h = intern_entry(s, &g, label);
	struct lg_group *grp = NULL;
	size_t i;

	TABLE_PROBE(&pv->groups, h, i,
		    pv->hash[pv->groups.slot[i] - 1] == h &&
			    key_equal(s, &s->g[pv->groups.slot[i] - 1], &g, label))
		;
	if (pv->groups.slot[i])
		grp = &s->g[pv->groups.slot[i] - 1];
	if (!grp) {
		if (s->n >= LG_GROUP_MAX_GROUPS) {
			s->overflow += entries;
			return;
		}
		grp = new_group(s, &g, label, h, i);
	}
	grp->count = lg_sat_add64(grp->count, weight);
	grp->entries += entries;
	s->total = lg_sat_add64(s->total, weight);
	if (g.minutes < grp->min_minutes)
		grp->min_minutes = g.minutes;
	if (g.minutes > grp->max_minutes)
		grp->max_minutes = g.minutes;
	grp->leaked |= g.leaked;
	add_id(grp, g.id);
	s->frames = pv->tab;
	s->nframes = pv->ntab;
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
		lg_buf_init(&pv->fold);
		s->priv = pv;
		table_fit(&pv->groups, 0, group_hash, pv);
		table_fit(&pv->by_ptr, 0, str_ptr_hash, pv);
		table_fit(&pv->by_content, 0, str_content_hash, pv);
		table_fit(&pv->frame_tab, 0, frame_ent_hash, pv);
		table_fit(&pv->tab_slots, 0, tab_ent_hash, pv);
	}
	return pv;
}

/* Claims the set for one input; 0 when `input` is (now) the set's input. */
static int claim(struct lg_group_set *s, const void *input)
{
	struct priv *pv = priv_of(s);

	if (pv->finished || (pv->input && pv->input != input))
		return -1;
	pv->input = input;
	return 0;
}

void lg_group_visit(void *set, const struct lg_dump *d, const struct lg_goroutine *g)
{
	struct lg_group_set *s = set;
	const struct lg_group_filter *f = &s->opts.filter;
	struct lg_buf *val;
	const char *label = NULL;

	if (claim(s, d))
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
	add_entry(s, g, g->count, 1, label);
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

/* Profile labels as text, `{k: "v", n: 3}`, for the group's first sample. */
static const char *sample_labels_text(struct priv *pv, const struct lg_pprof_sample *sm)
{
	struct lg_buf *b = &pv->scratch;
	size_t i;

	if (!sm->nlabels)
		return NULL;
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
	return lg_arena_strndup(&pv->arena, b->buf, b->len);
}

/*
 * Samples are merged before they are grouped: by stack (the decoder gives
 * samples with the same location list one frames array, so its pointer is
 * the key) and by the --by-label value.  A goroutine profile with a label
 * per request is 100,000 samples but a handful of stacks; the wait class
 * and the stack filters are then worked out once per stack.
 */
struct merged {
	const struct lg_frame *frames;
	size_t nframes;
	int lkind;         /* 0: no --by-label label, 1: string, 2: number */
	const char *lstr;  /* the label's value (string labels) */
	int64_t lnum;      /* ... or number */
	size_t first;      /* first sample taken into it */
	int64_t weight, entries;
	enum lg_wait_class wait;
	int pass;          /* the stack passes the state and func filters */
};

struct merge_tab {
	struct merged *e;
	size_t n, alloc;
	uint32_t *slot; /* index + 1, 0 = free */
	size_t nslot;
};

static uint64_t merged_hash(const struct merged *m)
{
	uint64_t h = lg_hash_mix(hash_ptr(m->frames), (uint64_t)m->lkind);

	return lg_hash_mix(h, m->lkind == 1 ? hash_ptr(m->lstr) : (uint64_t)m->lnum);
}

static int same_merge_key(const struct merged *a, const struct merged *b)
{
	return a->frames == b->frames && a->nframes == b->nframes && a->lkind == b->lkind &&
	       a->lstr == b->lstr && a->lnum == b->lnum;
}

static void merge_fit(struct merge_tab *t)
{
	size_t n, i, j;
	uint32_t *slot;

	if (t->nslot && t->n * 2 <= t->nslot)
		return;
	n = t->nslot ? t->nslot * 2 : 1024;
	slot = lg_xcalloc(n, sizeof(*slot));
	for (i = 0; i < t->n; i++) {
		for (j = merged_hash(&t->e[i]) & (n - 1); slot[j]; j = (j + 1) & (n - 1))
			;
		slot[j] = (uint32_t)(i + 1);
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = n;
}

/*
 * lg_wait_class_of_frames with the class of each function remembered
 * (frames of profiles repeat in stack after stack).
 */
static enum lg_wait_class frames_wait(struct priv *pv, const struct lg_frame *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct wait_memo *m = &pv->wait_memo[hash_ptr(f[i].func) & (WAIT_MEMO - 1)];

		if (m->func != f[i].func || !m->func) {
			m->func = f[i].func;
			m->wait = lg_wait_class_of_func(f[i].func);
		}
		if (m->wait != LG_WAIT_NONE)
			return m->wait;
	}
	return LG_WAIT_NONE;
}

/*
 * A stack as a goroutine the filters and groups can take, with the wait
 * class `m` knows, or else none yet.  Its frames are the profile's own
 * (one frame type): the grouper only reads a goroutine's frames.
 */
static void stack_goroutine(const struct lg_frame *pf, size_t n, const struct merged *m,
			    struct lg_goroutine *g)
{
	memset(g, 0, sizeof(*g));
	g->id = -1;
	g->status = "";
	g->frames = (struct lg_frame *)pf;
	g->nframes = n;
	g->creator.parent_id = -1;
	g->wait = m ? m->wait : LG_WAIT_NONE;
}

/* The merged entry of sample `sm` (index i), made on first sight. */
static struct merged *merge_slot(struct lg_group_set *s, struct merge_tab *t,
				 const struct lg_pprof_sample *sm, size_t i)
{
	const struct lg_pprof_label *l = find_label(sm, s->opts.by_label);
	const struct lg_group_filter *f = &s->opts.filter;
	struct lg_goroutine g;
	struct merged k;
	size_t j;

	memset(&k, 0, sizeof(k));
	k.frames = sm->frames;
	k.nframes = sm->nframes;
	k.lkind = !l ? 0 : l->str ? 1 : 2;
	k.lstr = l ? l->str : NULL;
	k.lnum = l && !l->str ? l->num : 0;
	for (j = merged_hash(&k) & (t->nslot - 1); t->slot[j]; j = (j + 1) & (t->nslot - 1))
		if (same_merge_key(&t->e[t->slot[j] - 1], &k))
			return &t->e[t->slot[j] - 1];
	stack_goroutine(sm->frames, sm->nframes, NULL, &g);
	g.wait = frames_wait(s->priv, g.frames, g.nframes);
	k.wait = g.wait;
	k.pass = state_matches(f->state, &g) && func_matches(f->func, g.frames, g.nframes);
	k.first = i;
	LG_GROW(t->e, t->alloc, t->n + 1);
	t->e[t->n] = k;
	t->slot[j] = (uint32_t)(t->n + 1);
	t->n++;
	merge_fit(t);
	return &t->e[t->n - 1];
}

/* A sample the label filter leaves out. */
static int label_filtered(const struct lg_group_filter *f, const struct lg_pprof_sample *sm,
			  struct lg_buf *val)
{
	return f->label_key && (sample_label(sm, f->label_key, val) ||
				(f->label_value && strcmp(val->buf, f->label_value)));
}

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
	reserve_groups(s, s->n + t->n);
	for (i = 0; i < t->n; i++) {
		const struct merged *m = &t->e[i];
		const struct lg_pprof_sample *sm = &p->samples[m->first];
		const char *label = NULL;
		struct lg_goroutine g;
		size_t before = s->n;

		if (!m->entries)
			continue;
		stack_goroutine(m->frames, m->nframes, m, &g);
		if (m->lkind && sample_label(sm, s->opts.by_label, &val) == 0)
			label = val.buf;
		add_entry(s, &g, m->weight, m->entries, label);
		if (s->n > before)
			s->g[s->n - 1].labels = sample_labels_text(s->priv, sm);
	}
	lg_buf_release(&val);
}

void lg_group_add_profile(struct lg_group_set *s, const struct lg_pprof *p, int index)
{
	struct merge_tab t;
	struct lg_buf val = LG_BUF_INIT;
	size_t i;

	if (claim(s, p) || index < 0 || (size_t)index >= p->nsample_types)
		return;
	/* leak patterns describe goroutines, not allocations or contention */
	((struct priv *)s->priv)->no_patterns =
		strcmp(p->sample_types[index].type, "goroutine") &&
		strcmp(p->sample_types[index].type, "goroutineleak");
	memset(&t, 0, sizeof(t));
	merge_fit(&t);
	for (i = 0; i < p->nsamples; i++) {
		const struct lg_pprof_sample *sm = &p->samples[i];
		struct merged *m = merge_slot(s, &t, sm, i);

		s->seen++;
		if (!m->pass || label_filtered(&s->opts.filter, sm, &val)) {
			s->filtered++;
			continue;
		}
		if (!m->entries++)
			m->first = i;
		m->weight = lg_sat_add64(m->weight, sm->values[index]);
	}
	add_merged(s, p, &t);
	free(t.e);
	free(t.slot);
	lg_buf_release(&val);
}

/* ---------------------------------------------------------------------- */
/* Finishing. */

/*
 * `key` is the group's content hash (intern_entry): at the exact and lines
 * levels it is the stable id; at funcs the signature is, with the label
 * mixed in when grouped by one.
 */
static void complete(const struct lg_group_set *s, struct lg_group *grp, uint64_t key)
{
	struct priv *pv = s->priv;
	struct lg_goroutine g;
	size_t i;

	LG_GROW(pv->fr, pv->fr_alloc, grp->nframes + 1);
	for (i = 0; i < grp->nframes; i++)
		pv->fr[i] = pv->tab[grp->frames[i]];
	memset(&g, 0, sizeof(g));
	g.id = -1;
	g.status = grp->status;
	g.wait = grp->wait;
	g.frames = pv->fr;
	g.nframes = grp->nframes;
	g.creator = grp->creator;
	lg_goroutine_signature(&g, grp->signature);
	if (s->opts.by == LG_GROUP_FUNCS && !grp->label)
		memcpy(grp->id, grp->signature, sizeof(grp->id));
	else if (s->opts.by == LG_GROUP_FUNCS)
		lg_hex16(lg_fnv1a(lg_fnv1a(LG_FNV_OFFSET, grp->signature), grp->label), grp->id);
	else
		lg_hex16(key, grp->id);
	if (pv->no_patterns)
		grp->pattern = grp->pattern_title = grp->hint = NULL;
	else {
		const struct lg_pattern *pat = lg_pattern_of(&g, s->opts.module_root, s->opts.read_sources, NULL);

		grp->pattern = pat->id;
		grp->pattern_title = pat->title;
		grp->hint = pat->hint;
	}
}

/* What groups are sorted by, kept apart from the (big) groups themselves. */
struct order {
	int64_t count;
	size_t first_line;
	uint64_t id; /* the hex id's value: compares as the text does */
	size_t at;
};

static uint64_t id_value(const char *id)
{
	uint64_t v = 0;

	for (; *id; id++)
		v = v << 4 | (uint64_t)(*id <= '9' ? *id - '0' : *id - 'a' + 10);
	return v;
}

/* Bigger count first, then earlier first line, then smaller id. */
static int order_before(const struct order *a, const struct order *b)
{
	if (a->count != b->count)
		return a->count > b->count;
	if (a->first_line != b->first_line)
		return a->first_line < b->first_line;
	return a->id < b->id;
}

/*
 * A stable bottom-up merge sort of o[0..n): qsort would call the
 * comparison through a pointer for each of the millions of comparisons
 * 100,000 groups take.
 */
static void sort_orders(struct order *o, size_t n)
{
	struct order *tmp = lg_xmalloc((n ? n : 1) * sizeof(*tmp)), *a = o, *b = tmp, *t;
	size_t w, i;

	for (w = 1; w < n; w *= 2, t = a, a = b, b = t) {
		for (i = 0; i < n; i += 2 * w) {
			size_t m = i + w < n ? i + w : n, r = i + 2 * w < n ? i + 2 * w : n;
			size_t x = i, y = m, k = i;

			while (x < m && y < r)
				b[k++] = order_before(&a[y], &a[x]) ? a[y++] : a[x++];
			while (x < m)
				b[k++] = a[x++];
			while (y < r)
				b[k++] = a[y++];
		}
	}
	if (a != o)
		memcpy(o, a, n * sizeof(*o));
	free(tmp);
}

/*
 * Puts the groups in order, then drops those under min_count (the tail).
 * The groups move in place, cycle by cycle: a profile's groups are tens of
 * megabytes, and a sorted copy would be as many again.
 */
static void sort_groups(struct lg_group_set *s, int64_t min_count)
{
	struct order *o = lg_xmalloc((s->n ? s->n : 1) * sizeof(*o));
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		o[i].count = s->g[i].count;
		o[i].first_line = s->g[i].first_line;
		o[i].id = id_value(s->g[i].id);
		o[i].at = i;
	}
	sort_orders(o, s->n);
	/* place i gets the group at o[i].at; a placed slot points at itself */
	for (i = 0; i < s->n; i++) {
		struct lg_group keep;

		if (o[i].at == i)
			continue;
		keep = s->g[i];
		for (j = i; o[j].at != i; ) {
			size_t from = o[j].at;

			s->g[j] = s->g[from];
			o[j].at = j;
			j = from;
		}
		s->g[j] = keep;
		o[j].at = j;
	}
	while (s->n && s->g[s->n - 1].count < min_count) {
		s->hidden++;
		s->hidden_count = lg_sat_add64(s->hidden_count, s->g[--s->n].count);
	}
	free(o);
}

static void add_folded(struct lg_buf *out, const char *s, int sep);

/* Fills pv->fold and fold_at from the frame table. */
static void fold_names(struct priv *pv)
{
	size_t k;

	pv->fold_at = lg_xmalloc((pv->ntab + 1) * sizeof(*pv->fold_at));
	for (k = 0; k < pv->ntab; k++) {
		pv->fold_at[k] = pv->fold.len;
		add_folded(&pv->fold, pv->tab[k].func ? pv->tab[k].func : "?", 1);
	}
	pv->fold_at[pv->ntab] = pv->fold.len;
}

void lg_group_finish(struct lg_group_set *s, int64_t min_count)
{
	struct priv *pv = priv_of(s);
	size_t i;

	if (pv->finished)
		return;
	pv->finished = 1;
	fold_names(pv);
	for (i = 0; i < s->n; i++)
		complete(s, &s->g[i], pv->hash[i]);
	sort_groups(s, min_count);
	/* the table indexes the unsorted order; finding is by id from now on */
	free(pv->groups.slot);
	memset(&pv->groups, 0, sizeof(pv->groups));
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
	size_t at;
	char *p;

	if (sep)
		lg_buf_addch(out, ';');
	at = out->len;
	lg_buf_adds(out, s);
	for (p = out->buf + at; (p = strchr(p, ';')); p++)
		*p = ':';
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
	for (i = g->nframes; i-- > 0; sep = 1) {
		const struct priv *pv = s->priv;
		uint32_t id = g->frames[i];

		if (pv->fold_at) /* ";func": without its ';' when first */
			lg_buf_add(out, pv->fold.buf + pv->fold_at[id] + !sep,
				   pv->fold_at[id + 1] - pv->fold_at[id] - !sep);
		else
			add_folded(out, s->frames[id].func ? s->frames[id].func : "?", sep);
	}
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

	if (!pv) {
		memset(s, 0, sizeof(*s));
		return;
	}
	free(s->g);
	free(pv->hash);
	free(pv->groups.slot);
	free(pv->by_ptr.slot);
	free(pv->by_content.slot);
	free(pv->frame_tab.slot);
	free(pv->tab_slots.slot);
	free(pv->tab);
	free(pv->tab_rt);
	free(pv->ids);
	free(pv->strs);
	free(pv->frames);
	free(pv->fr);
	lg_buf_release(&pv->scratch);
	lg_buf_release(&pv->fold);
	free(pv->fold_at);
	lg_arena_release(&pv->arena);
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
